/**
 * Operator fusion must be invisible: `assignTimestampsAndWatermarks` → `keyBy` → a window
 * operator, adjacent, run in one subscription without a record object per stage, and must give
 * exactly what the same operators give when run apart. They are run apart here by an identity
 * `map` between them, which hides each operator's stages from the next.
 *
 * Every comparison runs a pipeline twice, fused and apart, and compares the elements, the
 * error (name and message: the operator it names and the element it was processing), the
 * frames (processing time), the calls of the user functions, and when the source is released.
 */
import fc from 'fast-check'
import { from, map, merge, Observable, type OperatorFunction, Subject, take, takeUntil, timer } from 'rxjs'
import * as ds from '../../src/index'
import { active, barrier, collectElements, idle, marbleTest, rec, side, wm } from '../../marbles/index'
import { apart, type Click, click, expectSameMarbles, expectSameReleaseOrder, expectSameSync, type Faults, fused, type Gap, late, selector, strategy } from '../support/fusion'

type WindowKind = 'tumbling' | 'sliding' | 'general' | 'session' | 'processing'

/** The window operator under test: sliced (tumbling, sliding) or general (process, sessions, processing time). */
function windowOf(
  kind: WindowKind,
  log: string[],
  faults: Faults,
  lateness: number,
  keyed = true
): OperatorFunction<ds.StreamElement<Click, string>, ds.StreamElement<string, string>> {
  const assigner =
    kind === 'sliding'
      ? ds.slidingEventTimeWindows(20, 10)
      : kind === 'session'
        ? ds.eventTimeSessionWindows(7)
        : kind === 'processing'
          ? ds.tumblingProcessingTimeWindows(10)
          : ds.tumblingEventTimeWindows(10)
  // One builder type for both: the keyed guard is about types, and both kinds run alike.
  const windowed = keyed ? ds.windowBy(assigner, { name: 'counts' }) : (ds.windowAll(assigner, { name: 'counts' }) as unknown as ds.WindowedStream<true>)
  const builder = windowed
    .allowedLateness(lateness)
    .sideOutputLateData(late)
  const report = (key: unknown, window: ds.TimeWindow, n: string): string => {
    log.push(`fire ${String(key)} ${window.start}`)
    if (window.start === faults.fire) throw new Error(`fire ${window.start}`)
    return `${String(key)}[${window.start},${window.end})=${n}`
  }
  if (kind === 'tumbling' || kind === 'sliding') {
    return builder.aggregate<Click, string[], string, string, string>(
      {
        createAccumulator: () => [],
        add: (c, acc) => {
          log.push(`add ${c.id}`)
          if (c.id === faults.add) throw new Error(`add ${c.id}`)
          return [...acc, c.id]
        },
        getResult: acc => acc.join(''),
        merge: (a, b) => [...a, ...b]
      },
      (key, ctx, [ids], out) => out.collect(report(key, ctx.window, ids ?? ''))
    ) as OperatorFunction<ds.StreamElement<Click, string>, ds.StreamElement<string, string>>
  }
  return builder.process<Click, string, string>((key, ctx, clicks, out) => {
    for (const c of clicks) {
      log.push(`add ${c.id}`)
      if (c.id === faults.add) throw new Error(`add ${c.id}`)
    }
    out.collect(report(key, ctx.window, clicks.map(c => c.id).join('')))
  }) as OperatorFunction<ds.StreamElement<Click, string>, ds.StreamElement<string, string>>
}

interface Options {
  readonly kind?: WindowKind
  readonly faults?: Faults
  readonly interval?: number
  readonly idleTimeout?: number
  readonly bound?: number
  readonly lateness?: number
  /** windowAll instead of keyBy → windowBy. */
  readonly all?: boolean
  /** keyBy on a stream of elements (records made by an earlier, non-fusing assigner stage). */
  readonly keyElements?: boolean
}

/** assign → keyBy → window, with `gap` between the operators. */
function pipeline(
  source: Observable<Click>,
  gap: Gap,
  log: string[],
  options: Options = {}
): Observable<ds.StreamElement<string, string>> {
  const faults = options.faults ?? {}
  let s = strategy(log, faults, options.bound ?? 3)
  if (options.idleTimeout !== undefined) s = s.withIdleness(options.idleTimeout)
  const assigned = source.pipe(ds.assignTimestampsAndWatermarks(s, { autoWatermarkInterval: options.interval ?? 0, name: 'stamp' }))
  if (options.all === true) {
    return gap(assigned).pipe(windowOf(options.kind ?? 'tumbling', log, faults, options.lateness ?? 0, false))
  }
  const input = options.keyElements === true ? assigned.pipe(map(e => e)) : assigned
  const keyed = gap(input).pipe(ds.keyBy(selector(log, faults), { name: 'byPage' }))
  return gap(keyed).pipe(windowOf(options.kind ?? 'tumbling', log, faults, options.lateness ?? 0))
}

const CLICKS = [
  click('a', 'x', 1),
  click('b', 'y', 4),
  click('c', 'x', 12),
  click('d', 'x', 8), // out of order, still in time
  click('e', 'y', 25),
  click('f', 'x', 3), // late: window [0, 10) fired at watermark 21
  click('g', 'y', 31),
  click('h', 'x', 44)
]

describe('operator fusion', () => {
  describe('runs the stages in one subscription', () => {
    it('subscribes only the window and the source when assign, keyBy and the window are adjacent', () => {
      const subscribe = spyOn(Observable.prototype, 'subscribe').and.callThrough()
      collectElements(pipeline(from(CLICKS), fused, []))
      const fusedCount = subscribe.calls.count()
      subscribe.calls.reset()
      collectElements(pipeline(from(CLICKS), apart, []))
      // apart: two extra maps, and keyBy and assign as operators of their own
      expect(subscribe.calls.count()).toBeGreaterThan(fusedCount + 3)
    })

    it('gives what the operators give apart, with the late side output', () => {
      const out = expectSameSync((gap, log) => pipeline(from(CLICKS), gap, log))
      expect(out.completed).toBeTrue()
      expect(out.elements).toContain(side(late, CLICKS[5]!, 3))
      expect(out.elements).toContain(rec('x[0,10)=ad', 9, 'x'))
    })

    it('marks the output of a fused chain exactly as before (records, watermarks, end of time)', () => {
      const log: string[] = []
      const out = collectElements(pipeline(from(CLICKS.slice(0, 3)), fused, log))
      expect(out.elements).toEqual([wm(-3), wm(0), wm(8), rec('x[0,10)=a', 9, 'x'), rec('y[0,10)=b', 9, 'y'), rec('x[10,20)=c', 19, 'x'), wm(Infinity)])
      expect(out.completed).toBeTrue()
    })
  })

  describe('gives exactly what the operators give apart', () => {
    for (const kind of ['tumbling', 'sliding', 'general', 'session', 'processing'] as const) {
      it(`for ${kind} windows, with lateness and late data, under periodic watermarks`, () => {
        expectSameMarbles((gap, log, { cold }) => {
          const values = Object.fromEntries(CLICKS.map(c => [c.id, c]))
          return pipeline(cold<Click>('a-b--c-d 5ms e-f--g---h-|', values), gap, log, { kind, interval: 3, lateness: 4 })
        })
      })

      // Processing time is virtual only under marbles.
      if (kind === 'processing') continue

      it(`for ${kind} windows, with a watermark after every record`, () => {
        expectSameSync((gap, log) => pipeline(from(CLICKS), gap, log, { kind, lateness: 2 }))
      })

      it(`for ${kind} windows over windowAll`, () => {
        expectSameSync((gap, log) => pipeline(from(CLICKS), gap, log, { kind, all: true }))
      })
    }

    it('for processing-time windows over windowAll, under marbles', () => {
      expectSameMarbles((gap, log, { cold }) => {
        const values = Object.fromEntries(CLICKS.map(c => [c.id, c]))
        return pipeline(cold<Click>('a-b--c-d 5ms e-f--g---h-|', values), gap, log, { kind: 'processing', interval: 3, all: true })
      })
    })

    it('when keyBy reads a stream of elements (only keyBy and the window fuse)', () => {
      expectSameSync((gap, log) => pipeline(from(CLICKS), gap, log, { keyElements: true, lateness: 3 }))
    })

    it('when keyBy reads barriers, side records and statuses: they pass through both stages', () => {
      const other = new ds.OutputTag<string>('other')
      const elements: ds.StreamElement<Click>[] = [
        rec(CLICKS[0]!, 1),
        barrier(1),
        side(other, 'x', 2),
        idle(),
        active(),
        rec(CLICKS[1]!, 4),
        wm(20),
        rec(CLICKS[2]!, 3), // late
        barrier(2),
        wm(Infinity)
      ]
      const out = expectSameSync((gap, log) =>
        gap(gap(from(elements)).pipe(ds.keyBy(selector(log, {}), { name: 'byPage' }))).pipe(windowOf('tumbling', log, {}, 0))
      )
      expect(out.elements.filter(e => e._tag === 'CheckpointBarrier' || e._tag === 'StreamStatus' || e._tag === 'SideRecord').length).toBe(6)
    })

    it('when the keyed stream itself is subscribed (assign and keyBy fused)', () => {
      const build = (gap: Gap, log: string[]) =>
        gap(from(CLICKS).pipe(ds.assignTimestampsAndWatermarks(strategy(log, {}, 3), { autoWatermarkInterval: 0 }))).pipe(
          ds.keyBy(selector(log, {}))
        )
      const out = expectSameSync(build)
      expect(out.elements[0]).toEqual(rec(CLICKS[0]!, 1, 'x'))
    })

    it('with idleness: the window forwards idle and active as they come', () => {
      const log = expectSameMarbles((gap, l, { cold }) => {
        const values = { a: click('a', 'x', 100), b: click('b', 'y', 200) }
        return pipeline(cold<Click>('a 39ms b 9ms |', values), gap, l, { interval: 5, idleTimeout: 10 })
      })
      expect(log).toContain('periodic')
      marbleTest(({ cold, expectStream }) => {
        const values = { a: click('a', 'x', 100), b: click('b', 'y', 200) }
        const output = pipeline(cold<Click>('a 39ms b 9ms |', values), fused, [], { interval: 5, idleTimeout: 10, bound: 0 })
        // a fires when b's watermark passes 109: after the stream is active again, before the watermark
        expectStream(output).toBe('5ms W 19ms I 14ms (AaX) 5ms (bZ|)', {
          a: rec('x[100,110)=a', 109, 'x'),
          b: rec('y[200,210)=b', 209, 'y'),
          W: wm(99),
          I: idle(),
          A: active(),
          X: wm(199),
          Z: wm(Infinity)
        })
      })
    })

    it('when unsubscribed early, at a frame', () => {
      const log = expectSameMarbles((gap, log, { cold, time }) => {
        const values = Object.fromEntries(CLICKS.map(c => [c.id, c]))
        const until = timer(time('--------------|'))
        return pipeline(cold<Click>('a-b--c-d 5ms e-f--g---h-|', values), gap, log, { interval: 3 }).pipe(takeUntil(until))
      })
      // e (frame 13) was stamped, f (frame 15) never reached the operators
      expect(log).toContain('ts e')
      expect(log).not.toContain('ts f')
    })

    it('when unsubscribed from downstream in the middle of a synchronous source, which then stops', () => {
      const runs = [fused, apart].map(gap => {
        let emitted = 0
        const source = new Observable<Click>(subscriber => {
          for (let i = 0; i < 1_000 && !subscriber.closed; i++) {
            emitted++
            subscriber.next(click(String(i), i % 2 === 0 ? 'x' : 'y', i * 3))
          }
          subscriber.complete()
        })
        const log: string[] = []
        const out = collectElements(pipeline(source, gap, log).pipe(ds.records(), take(3)) as Observable<ds.StreamElement<string, string>>)
        return { emitted, log, out: out.elements, completed: out.completed }
      })
      expect(runs[0]).toEqual(runs[1]!)
      expect(runs[0]!.emitted).toBeLessThan(1_000)
    })

    it('when the same fused observable is subscribed twice, at once and one after the other', () => {
      for (const gap of [fused, apart]) {
        const alone = collectElements(pipeline(from(CLICKS), gap, [])).elements
        // at once, on a hot source: two independent runs, interleaved click by click
        const subject = new Subject<Click>()
        const windows$ = pipeline(subject, gap, [])
        const first: ds.StreamElement<string, string>[] = []
        const second: ds.StreamElement<string, string>[] = []
        windows$.subscribe(e => first.push(e))
        windows$.subscribe(e => second.push(e))
        for (const c of CLICKS) subject.next(c)
        subject.complete()
        expect(first).toEqual(alone)
        expect(second).toEqual(alone)
        // a subscription after the subject completed: just the end of event time, twice
        expect(collectElements(merge(windows$, windows$)).elements).toEqual([wm(Infinity), wm(Infinity)])
        // one after the other, on a cold source: the keyed stream and the windows
        const cold$ = pipeline(from(CLICKS), gap, [])
        expect(collectElements(cold$).elements).toEqual(alone)
        expect(collectElements(cold$).elements).toEqual(alone)
        const keyed$ = gap(from(CLICKS).pipe(ds.assignTimestampsAndWatermarks(strategy([], {}, 3), { autoWatermarkInterval: 0 }))).pipe(
          ds.keyBy(selector([], {}))
        )
        const keyed = collectElements(keyed$).elements
        expect(keyed.filter(ds.isRecord).map(r => r.key)).toEqual(CLICKS.map(c => c.page))
        expect(collectElements(keyed$).elements).toEqual(keyed)
      }
    })
  })

  describe('reports each failure as the operator that failed, as apart', () => {
    const cases: Array<[string, Faults, RegExp]> = [
      ['the watermark generator factory', { factory: true }, /^UserFunctionError: assignTimestampsAndWatermarks "stamp": .*while running: no generator/],
      ['the timestamp assigner throwing', { assigner: 'c' }, /^UserFunctionError: assignTimestampsAndWatermarks "stamp": .*processing value \{.*"c".*assigner c/],
      ['the timestamp assigner returning NaN', { nanTimestamp: 'c' }, /^TimestampError: assignTimestampsAndWatermarks "stamp": the timestamp assigner returned NaN/],
      ['the generator on an event', { onEvent: 'd' }, /^UserFunctionError: assignTimestampsAndWatermarks "stamp": .*onEvent d/],
      ['the generator after an event (periodic emit)', { periodic: 3 }, /^UserFunctionError: assignTimestampsAndWatermarks "stamp": .*periodic/],
      ['the key selector throwing', { key: 'c' }, /^UserFunctionError: keyBy "byPage": .*processing record \(value \{.*"c".*timestamp 12\).*key c/],
      ['the key selector returning null', { badKey: 'e' }, /^KeyError: keyBy "byPage": the key selector returned null/],
      ['the aggregate', { add: 'd' }, /^UserFunctionError: windowBy "counts": .*(processing record \(value \{.*"d".*key "x"\)|processing watermark).*add d/],
      ['the window function on a watermark', { fire: 10 }, /^UserFunctionError: windowBy "counts": .*processing watermark .*fire 10/],
      ['the window function at the end of input', { fire: 40 }, /^UserFunctionError: windowBy "counts": .*fire 40/]
    ]
    for (const [what, faults, message] of cases) {
      for (const kind of ['tumbling', 'general'] as const) {
        it(`${what} (${kind} windows)`, () => {
          const out = expectSameSync((gap, log) => pipeline(from(CLICKS), gap, log, { kind, faults }))
          expect(out.error).toMatch(message)
          expect(out.completed).toBeFalse()
        })
      }
    }

    it('a key selector re-keying a keyed stream, naming the record with its old key', () => {
      const out = expectSameSync((gap, log) =>
        gap(
          gap(from(CLICKS).pipe(ds.assignTimestampsAndWatermarks(strategy(log, {}, 3), { autoWatermarkInterval: 0 }))).pipe(
            ds.keyBy((c: Click) => c.id)
          )
        ).pipe(ds.keyBy(selector(log, { key: 'c' }), { name: 'byPage' }))
      )
      expect(out.error).toMatch(/keyBy "byPage": .*processing record \(value .*, timestamp 12, key "c"\)/)
    })

    it('the source, passed on unchanged', () => {
      expectSameMarbles((gap, log, { cold }) => {
        const values = Object.fromEntries(CLICKS.map(c => [c.id, c]))
        return pipeline(cold<Click>('a-b--c-#', values, new Error('source')), gap, log, { interval: 2 })
      })
    })

    it('a periodic tick, off the source’s stack', () => {
      expectSameMarbles((gap, log, { cold }) => {
        const values = Object.fromEntries(CLICKS.map(c => [c.id, c]))
        return pipeline(cold<Click>('a-b--c-d 5ms e-|', values), gap, log, { interval: 3, faults: { periodic: 2 } })
      })
    })

    it('releasing the source before the subscriber hears of an earlier stage’s error, and after it for the last stage’s', () => {
      const faultsByStage: Faults[] = [{ assigner: 'c' }, { onEvent: 'c' }, { key: 'c' }, { add: 'c' }, { fire: 0 }, {}]
      for (const faults of faultsByStage) expectSameReleaseOrder(CLICKS, (source, gap) => pipeline(source, gap, [], { faults }))
    })
  })

  describe('property: random clicks, windows and faults', () => {
    it('fused and apart agree', () => {
      const clickArb = fc.record({ page: fc.constantFrom('x', 'y', 'z'), ts: fc.integer({ min: 0, max: 80 }) })
      const faultArb = fc.oneof(
        fc.constant<Faults>({}),
        fc.integer({ min: 0, max: 40 }).map<Faults>(i => ({ assigner: String(i) })),
        fc.integer({ min: 0, max: 40 }).map<Faults>(i => ({ onEvent: String(i) })),
        fc.integer({ min: 0, max: 40 }).map<Faults>(i => ({ key: String(i) })),
        fc.integer({ min: 0, max: 40 }).map<Faults>(i => ({ badKey: String(i) })),
        fc.integer({ min: 0, max: 40 }).map<Faults>(i => ({ add: String(i) })),
        fc.integer({ min: 0, max: 8 }).map<Faults>(i => ({ fire: i * 10 })),
        fc.integer({ min: 1, max: 40 }).map<Faults>(i => ({ periodic: i }))
      )
      fc.assert(
        fc.property(
          fc.array(clickArb, { maxLength: 40 }),
          fc.constantFrom<WindowKind>('tumbling', 'sliding', 'general', 'session'),
          faultArb,
          fc.integer({ min: 0, max: 15 }),
          fc.integer({ min: 0, max: 12 }),
          fc.boolean(),
          (raw, kind, faults, bound, lateness, all) => {
            const clicks = raw.map((c, i) => click(String(i), c.page, c.ts))
            expectSameSync((gap, log) => pipeline(from(clicks), gap, log, { kind, faults, bound, lateness, all }))
          }
        ),
        { numRuns: 300 }
      )
    })
  })
})
