/**
 * Pane information and the early / on-time / late firing shape: which firing of its window
 * each result is (`ctx.pane`, `withPaneInfo()`), early firings on the processing-time clock
 * (`earlyFirings`), on-time and late firings, `isLast`, the window bounds on results, and the
 * sliced and general runtimes agreeing on all of it. Frames are processing time; event time is
 * in the values.
 */
import { from } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements, marbleTest, rec, wm } from '../../marbles/index'
import { SlicedWindowOperator } from '../../src/windowing/SlicedWindowOperator'
import { WindowOperator } from '../../src/windowing/WindowOperator'
import { type Build, startJob } from '../support/snapshots'
import { describeBackends } from '../support/backends'

type El<T> = ds.StreamElement<T, string>

/** A pane as a result carries it; `nonSpeculativeIndex` is `-1` for early panes. */
function pane(timing: ds.PaneTiming, index: number, nonSpeculativeIndex: number, isLast = false): ds.PaneInfo {
  return { timing, index, nonSpeculativeIndex, isFirst: index === 0, isLast }
}

/** The record `withPaneInfo()` emits: `{ value, window, pane }` at the window's maxTimestamp. */
function result<R>(value: R, [start, end]: readonly [number, number], p: ds.PaneInfo, key = 'k'): ds.StreamRecord<ds.WindowResult<R>, string> {
  return rec({ value, window: ds.timeWindow(start, end), pane: p }, end - 1, key)
}

const sum = (a: number, b: number): number => a + b

/** `timing#index` of each pane, for the process-function specs. */
const labelled: ds.ProcessWindowFunction<number, string, string> = (key, ctx, elements, out) =>
  out.collect(`${key}[${ctx.window.start},${ctx.window.end}) ${ctx.pane.timing}#${ctx.pane.index}${ctx.pane.isLast ? ' last' : ''}: ${elements.reduce(sum, 0)}`)

describeBackends('window panes', () => {
  describe('earlyFirings: early, on-time and late results', () => {
    it('fires early every tick while records come, once on time, then once per late record; panes count up per key and window', () => {
      marbleTest(({ cold, expectStream, scheduler, time }) => {
        const tick = time('-----|')
        const input = cold<El<number>>('   a-b---c-W---d-|', {
          a: rec(1, 1, 'k'),
          b: rec(2, 3, 'k'),
          c: rec(4, 4, 'k'), //  after the first early firing: the next tick fires again...
          W: wm(9), //          ...but the watermark passes the end first: on time, the tick is dropped
          d: rec(8, 5, 'k') //  late, within the allowed lateness
        })
        const output = input.pipe(
          ds.windowBy(ds.tumblingEventTimeWindows(10), { scheduler }).earlyFirings(tick).allowedLateness(5).withPaneInfo().reduce<number, string>(sum)
        )
        expectStream(output).toBe('-----e--(oW)l-(Z|)', {
          e: result(3, [0, 10], pane('EARLY', 0, -1)),
          o: result(7, [0, 10], pane('ON_TIME', 1, 0)),
          W: wm(9),
          l: result(15, [0, 10], pane('LATE', 2, 1)),
          Z: wm(Infinity)
        })
      })
    })

    it('keys and windows count their panes apart; a tick fires every window and key with new records at once', () => {
      marbleTest(({ cold, expectStream, scheduler, time }) => {
        const tick = time('----|')
        const input = cold<El<number>>('   ab-c----d-----W----|', {
          a: rec(1, 1, 'k'),
          b: rec(2, 2, 'j'),
          c: rec(3, 12, 'k'), // another window of k
          d: rec(4, 13, 'k'), // at the second tick only [10, 20) of k has something new
          W: wm(9)
        })
        const output = input.pipe(ds.windowBy(ds.tumblingEventTimeWindows(10), { scheduler }).earlyFirings(tick).withPaneInfo().reduce<number, string>(sum))
        expectStream(output).toBe('----(abc)---d-(pqW)(yZ|)', {
          a: result(1, [0, 10], pane('EARLY', 0, -1)),
          b: result(2, [0, 10], pane('EARLY', 0, -1), 'j'),
          c: result(3, [10, 20], pane('EARLY', 0, -1)),
          d: result(7, [10, 20], pane('EARLY', 1, -1)),
          // no allowed lateness: the on-time firing is the last
          p: result(1, [0, 10], pane('ON_TIME', 1, 0, true)),
          q: result(2, [0, 10], pane('ON_TIME', 1, 0, true), 'j'),
          W: wm(9),
          y: result(7, [10, 20], pane('ON_TIME', 2, 0, true)),
          Z: wm(Infinity)
        })
      })
    })

    it('a window without new records since its last firing does not fire early again; ticks are multiples of the interval', () => {
      marbleTest(({ cold, expectStream, scheduler, time }) => {
        const tick = time('-----|')
        const input = cold<El<number>>('   ---a--------b-----W---c-|', {
          a: rec(1, 1, 'k'), // at frame 3: the next tick is 5, not 3 + 5
          b: rec(2, 2, 'k'), // nothing new at tick 10; b schedules tick 15
          W: wm(9), //          complete: the tick at 25 would do nothing, no early firing is scheduled
          c: rec(4, 3, 'k') //  late: fires at once
        })
        const output = input.pipe(
          ds.windowBy(ds.tumblingEventTimeWindows(10), { scheduler }).earlyFirings(tick).allowedLateness(10).withPaneInfo().reduce<number, string>(sum)
        )
        expectStream(output).toBe('-----e---------f--(oW)l-(Z|)', {
          e: result(1, [0, 10], pane('EARLY', 0, -1)),
          f: result(3, [0, 10], pane('EARLY', 1, -1)),
          o: result(3, [0, 10], pane('ON_TIME', 2, 0)),
          W: wm(9),
          l: result(7, [0, 10], pane('LATE', 3, 1)),
          Z: wm(Infinity)
        })
      })
    })

    it('the end of input fires every window on time, without an early firing first', () => {
      marbleTest(({ cold, expectStream, scheduler, time }) => {
        const tick = time('-----|')
        const input = cold<El<number>>('a-b|', { a: rec(1, 1, 'k'), b: rec(2, 12, 'k') })
        const output = input.pipe(ds.windowBy(ds.tumblingEventTimeWindows(10), { scheduler }).earlyFirings(tick).withPaneInfo().reduce<number, string>(sum))
        expectStream(output).toBe('---(xyZ|)', {
          x: result(1, [0, 10], pane('ON_TIME', 0, 0, true)),
          y: result(2, [10, 20], pane('ON_TIME', 0, 0, true)),
          Z: wm(Infinity)
        })
      })
    })

    it('session windows: sessions that grow or merge make new windows, whose panes count from 0 again', () => {
      marbleTest(({ cold, expectStream, scheduler, time }) => {
        const tick = time('----|')
        const input = cold<El<number>>('   a----b---c---d---|', {
          a: rec(1, 1, 'k'), //  session [1, 6)
          b: rec(2, 3, 'k'), //  grows it to [1, 8)
          c: rec(4, 12, 'k'), // another session, [12, 17)
          d: rec(8, 8, 'k') //   [8, 13) touches both: one session [1, 17)
        })
        const output = input.pipe(ds.windowBy(ds.eventTimeSessionWindows(5), { scheduler }).earlyFirings(tick).withPaneInfo().reduce<number, string>(sum))
        expectStream(output).toBe('----a---b---c---d(yZ|)', {
          a: result(1, [1, 6], pane('EARLY', 0, -1)),
          b: result(3, [1, 8], pane('EARLY', 0, -1)),
          c: result(4, [12, 17], pane('EARLY', 0, -1)),
          d: result(15, [1, 17], pane('EARLY', 0, -1)),
          y: result(15, [1, 17], pane('ON_TIME', 1, 0, true)),
          Z: wm(Infinity)
        })
      })
    })

    it('discarding panes: a purging trigger around it makes each result hold only what came since the previous one', () => {
      marbleTest(({ cold, expectStream, scheduler, time }) => {
        const tick = time('---|')
        const input = cold<El<number>>('   a-b--c---W-|', { a: rec(1, 1, 'k'), b: rec(2, 2, 'k'), c: rec(4, 3, 'k'), W: wm(9) })
        const output = input.pipe(
          ds
            .windowBy(ds.tumblingEventTimeWindows(10), { scheduler })
            .trigger(ds.purgingTrigger(ds.eventTimeTriggerWithEarlyFirings(tick)))
            .withPaneInfo()
            .reduce<number, string>(sum)
        )
        expectStream(output).toBe('---e--f--W-(Z|)', {
          e: result(3, [0, 10], pane('EARLY', 0, -1)),
          f: result(4, [0, 10], pane('EARLY', 1, -1)),
          // the on-time firing finds the window purged: nothing to emit
          W: wm(9),
          Z: wm(Infinity)
        })
      })
    })

    it('runs on the general runtime (a timer per key and window); withPaneInfo alone keeps sliced windows sliced', () => {
      const runtimeOf = (operator: (input: ds.DataStream<number>) => unknown): string => {
        const build: Build<number, string, unknown> = ([input]) => operator(input! as ds.DataStream<number>) as never
        const running = startJob(1, build)
        const created = running.job.operators[0]!.operator
        running.subscription.unsubscribe()
        return created instanceof SlicedWindowOperator ? 'sliced' : created instanceof WindowOperator ? 'general' : 'other'
      }
      const windowed = ds.windowAll(ds.slidingEventTimeWindows(10, 5))
      expect(runtimeOf(input => input.pipe(windowed.earlyFirings(1_000).reduce<number>(sum)))).toBe('general')
      expect(runtimeOf(input => input.pipe(windowed.withPaneInfo().reduce<number>(sum)))).toBe('sliced')
      expect(runtimeOf(input => input.pipe(windowed.withPaneInfo().aggregate<number, number, number>({ createAccumulator: () => 0, add: sum, getResult: n => n, merge: sum })))).toBe('sliced')
    })

    it('is a configuration error with a trigger of its own, on windows not in event time, or with an interval that is not > 0', () => {
      const tumbling = ds.windowBy(ds.tumblingEventTimeWindows(10))
      expect(() => tumbling.trigger(ds.countTrigger(2)).earlyFirings(1_000)).toThrowError(TypeError, /windowBy: earlyFirings adds early firings to the default event-time trigger, which \.trigger\(countTrigger\(2\)\) replaces/)
      expect(() => tumbling.earlyFirings(1_000).trigger(ds.countTrigger(2))).toThrowError(TypeError, /give one or the other/)
      expect(() => ds.windowBy(ds.tumblingProcessingTimeWindows(10)).earlyFirings(1_000)).toThrowError(TypeError, /not event-time windows/)
      expect(() => ds.countWindow(3).earlyFirings(1_000)).toThrowError(TypeError, /not event-time windows/)
      for (const bad of [0, -1, NaN, Infinity]) expect(() => tumbling.earlyFirings(bad)).withContext(String(bad)).toThrowError(RangeError, /earlyFirings: interval must be a finite number of milliseconds > 0/)
      expect(() => ds.eventTimeTriggerWithEarlyFirings(0)).toThrowError(RangeError, /eventTimeTriggerWithEarlyFirings: interval/)
    })
  })

  describe('pane information', () => {
    // [0, 10) fires on time at W(9) with 1, then late with 1 + 2 and 1 + 2 + 4 (lateness 10)
    const input = [rec(1, 1, 'k'), rec(8, 12, 'k'), wm(9), rec(2, 5, 'k'), rec(4, 7, 'k'), wm(14), rec(16, 3, 'j'), wm(30)]

    for (const runtime of ['sliced', 'general'] as const) {
      const windowBy = (assigner: ds.WindowAssigner<number>): ds.WindowedStream<true> =>
        runtime === 'sliced' ? ds.windowBy(assigner) : ds.windowBy(assigner).trigger(ds.eventTimeTrigger())

      it(`ctx.pane in a process window function: on time, then late; isLast only without allowed lateness (${runtime})`, () => {
        const run = (lateness: number): unknown[] =>
          collectElements(from(input).pipe(windowBy(ds.tumblingEventTimeWindows(10)).allowedLateness(lateness).reduce<number, string, string>(sum, labelled))).elements
            .filter(ds.isRecord)
            .map(r => r.value)
        expect(run(10)).toEqual([
          'k[0,10) ON_TIME#0: 1',
          'k[0,10) LATE#1: 3',
          'k[0,10) LATE#2: 7',
          'j[0,10) LATE#0: 16', // its first firing, after the watermark passed the end
          'k[10,20) ON_TIME#0: 8'
        ])
        // without lateness the late records are dropped, and each on-time firing is the last
        expect(run(0)).toEqual(['k[0,10) ON_TIME#0 last: 1', 'k[10,20) ON_TIME#0 last: 8'])
      })

      it(`sliding windows: a window's first firing after the watermark passed its end is late (${runtime})`, () => {
        const sliding = [rec(1, 12, 'k'), wm(14), rec(2, 4, 'k'), rec(4, 7, 'k'), wm(40)]
        const out = collectElements(from(sliding).pipe(windowBy(ds.slidingEventTimeWindows(10, 5)).allowedLateness(10).reduce<number, string, string>(sum, labelled)))
        expect(out.elements.filter(ds.isRecord).map(r => r.value)).toEqual([
          'k[5,15) ON_TIME#0: 1',
          'k[0,10) LATE#0: 2', //  [-5, 5) is past its cleanup already
          'k[5,15) LATE#1: 5',
          'k[0,10) LATE#1: 6',
          'k[10,20) ON_TIME#0: 1'
        ])
      })

      it(`withPaneInfo: results as { value, window, pane }, still stamped with maxTimestamp and keyed (${runtime})`, () => {
        const out = collectElements(from(input).pipe(windowBy(ds.tumblingEventTimeWindows(10)).allowedLateness(10).withPaneInfo().reduce<number, string>(sum), ds.records()))
        expect(out.elements).toEqual([
          { _tag: 'Record', value: { value: 1, window: { start: 0, end: 10 }, pane: pane('ON_TIME', 0, 0) }, timestamp: 9, key: 'k' },
          { _tag: 'Record', value: { value: 3, window: { start: 0, end: 10 }, pane: pane('LATE', 1, 1) }, timestamp: 9, key: 'k' },
          { _tag: 'Record', value: { value: 7, window: { start: 0, end: 10 }, pane: pane('LATE', 2, 2) }, timestamp: 9, key: 'k' },
          { _tag: 'Record', value: { value: 16, window: { start: 0, end: 10 }, pane: pane('LATE', 0, 0) }, timestamp: 9, key: 'j' },
          { _tag: 'Record', value: { value: 8, window: { start: 10, end: 20 }, pane: pane('ON_TIME', 0, 0) }, timestamp: 19, key: 'k' }
        ] as unknown as typeof out.elements)
      })
    }

    it('withPaneInfo with a window function: each value it collects is wrapped with the window and the pane of the firing', () => {
      const out = collectElements(
        from([rec(1, 1, 'k'), rec(2, 2, 'k')]).pipe(
          ds
            .windowBy(ds.tumblingEventTimeWindows(10))
            .withPaneInfo()
            .aggregate<number, number, number, string, string>({ createAccumulator: () => 0, add: sum, getResult: n => n, merge: sum }, (key, _ctx, [n], o) => {
              o.collect(`${key}: ${n}`)
              o.collect(`${key}: ${n! * 10}`)
            })
        )
      )
      expect(out.elements).toEqual([result('k: 3', [0, 10], pane('ON_TIME', 0, 0, true)), result('k: 30', [0, 10], pane('ON_TIME', 0, 0, true)), wm(Infinity)])
    })

    it('process and apply with withPaneInfo, windowAll results without key', () => {
      const windowed = ds.windowAll(ds.tumblingEventTimeWindows(10)).withPaneInfo()
      const elements = [rec(1, 1), rec(2, 2)]
      const viaProcess = collectElements(from(elements).pipe(windowed.process<number, number>((_k, _c, xs, o) => o.collect(xs.length))))
      const viaApply = collectElements(from(elements).pipe(windowed.apply<number, number>((_k, _w, xs, o) => o.collect(xs.length))))
      const expected = [rec({ value: 2, window: ds.timeWindow(0, 10), pane: pane('ON_TIME', 0, 0, true) }, 9), wm(Infinity)]
      expect(viaProcess.elements).toEqual(expected)
      expect(viaApply.elements).toEqual(expected)
    })

    it('ctx.pane is a value of its own; reading it in clear, where nothing fires, is a TypeError', () => {
      const kept: ds.PaneInfo[] = []
      const out = collectElements(
        from([rec(1, 1, 'k'), wm(9)]).pipe(
          ds.windowBy(ds.tumblingEventTimeWindows(10)).process<number, number, string>({
            process: (_k, ctx, xs, o) => {
              kept.push(ctx.pane)
              o.collect(xs.length)
            },
            clear: ctx => void ctx.pane
          })
        )
      )
      expect(kept).toEqual([pane('ON_TIME', 0, 0, true)])
      expect(out.error).toEqual(jasmine.objectContaining({ message: jasmine.stringMatching(/ctx\.pane describes a firing: it is not available in clear/) }))
    })

    it('count and global windows: every pane before the end of input is early; the end-of-input firing is on time, never last', () => {
      const values = [1, 2, 3, 4, 5].map(n => ({ value: n }))
      const counted = collectElements(ds.fromRecords(values).pipe(ds.keyBy(() => 'k'), ds.countWindow(2).withPaneInfo().reduce<number, string>(sum)))
      expect(counted.elements.filter(ds.isRecord).map(r => [r.value.value, r.value.pane])).toEqual([
        [3, pane('EARLY', 0, -1)],
        [7, pane('EARLY', 1, -1)]
      ])
      const atEnd = collectElements(ds.fromRecords(values).pipe(ds.windowAll(ds.globalWindows({ fireAtEndOfInput: true })).withPaneInfo().reduce<number>(sum)))
      expect(atEnd.elements.filter(ds.isRecord).map(r => [r.value.value, r.value.pane])).toEqual([[15, pane('ON_TIME', 0, 0)]])
    })

    it('processing-time windows are timed on the processing-time clock: early before their end, on time (and last) at it', () => {
      marbleTest(({ cold, expectStream, scheduler, time }) => {
        const every = time('----|')
        const input = cold<El<number>>('a-b-----------|', { a: rec(1, 0, 'k'), b: rec(2, 0, 'k') })
        const output = input.pipe(
          ds.windowBy(ds.tumblingProcessingTimeWindows(10), { scheduler }).trigger(ds.continuousProcessingTimeTrigger(every)).withPaneInfo().reduce<number, string>(sum)
        )
        expectStream(output).toBe('----e---fo----(Z|)', {
          e: result(3, [0, 10], pane('EARLY', 0, -1)),
          f: result(3, [0, 10], pane('EARLY', 1, -1)),
          o: result(3, [0, 10], pane('ON_TIME', 2, 0, true)),
          Z: wm(Infinity)
        })
      })
    })
  })
})
