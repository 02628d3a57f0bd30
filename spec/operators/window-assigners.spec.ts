/**
 * Every window assigner exercised through the window operator (`windowBy`, `windowAll`,
 * `countWindow`): window bounds with offsets and negative timestamps, out-of-order input, late
 * data, session merging (contents, accumulators and trigger state), dynamic gaps and their
 * run-time errors, processing-time windows under virtual time, global windows, and the release
 * of a window's state at its cleanup time in each time domain.
 */
import { concat, from, ignoreElements, map, of, timer } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements, marbleTest, rec, side, wm } from '../../marbles/index'
import { segments } from '../support/segments'
import { describeBackends } from '../support/backends'

type El<T> = ds.StreamElement<T, string>

const sum = (a: number, b: number) => a + b
const concatStrings = (a: string, b: string) => a + b

/** Aggregate twins of `sum` and `concatStrings`: `aggregate` on tumbling/sliding windows with the default trigger runs sliced into panes. */
const sumAggregate: ds.AggregateFunction<number, number, number> = { createAccumulator: () => 0, add: (v, acc) => acc + v, getResult: acc => acc, merge: sum }
const concatAggregate: ds.AggregateFunction<string, string, string> = { createAccumulator: () => '', add: (v, acc) => acc + v, getResult: acc => acc, merge: concatStrings }

type WindowFn<T, R> = (key: unknown, ctx: ds.ProcessWindowContext, elements: readonly T[], out: ds.Collector<R>) => void

/** A process window function that emits `[start,end):` and the values joined, in arrival order. */
const listing: WindowFn<string, string> = (_key, ctx, xs, out) => out.collect(`[${ctx.window.start},${ctx.window.end}):${xs.join('')}`)

/** The same, with the values sorted (merged windows concatenate contents in an unspecified order). */
const sortedListing: WindowFn<string, string> = (_key, ctx, xs, out) =>
  out.collect(`[${ctx.window.start},${ctx.window.end}):${[...xs].sort().join('')}`)


describeBackends('window assigners through the window operator', () => {
  // -------------------------------------------------------------------------------------
  // tumbling
  // -------------------------------------------------------------------------------------

  describe('tumblingEventTimeWindows', () => {
    it('with an offset: floor-modulo windows for negative timestamps, out-of-order input, late side output, end of input', () => {
      const late = new ds.OutputTag<string>('late')
      marbleTest(({ cold, expectStream }) => {
        // size 7, offset 3: windows [-11,-4), [-4,3), [3,10)
        const input = cold<El<string>>('abcd-W----e-f-X-----g--|', {
          a: rec('a', 2, 'k'), //   [-4, 3)
          b: rec('b', -10, 'k'), // [-11, -4)
          c: rec('c', 3, 'k'), //   [3, 10)
          d: rec('d', -5, 'k'), //  [-11, -4), its last millisecond
          W: wm(-5),
          e: rec('e', -6, 'k'), //  [-11, -4): already cleaned, late
          f: rec('f', -4, 'k'), //  [-4, 3)
          X: wm(2),
          g: rec('g', 9, 'k') //    [3, 10)
        })
        const output = input.pipe(
          ds.windowBy(ds.tumblingEventTimeWindows(7, 3)).sideOutputLateData(late).process<string, string, string>(listing)
        )
        expectStream(output).toBe('-----(pW)-l---(qX)-----(rZ|)', {
          p: rec('[-11,-4):bd', -5, 'k'),
          W: wm(-5),
          l: side(late, 'e', -6),
          q: rec('[-4,3):af', 2, 'k'),
          X: wm(2),
          r: rec('[3,10):cg', 9, 'k'),
          Z: wm(Infinity)
        })
      })
    })

    for (const fn of ['reduce', 'aggregate'] as const) {
      it(`with a negative offset, through windowAll (${fn}): allowed lateness re-fires, then the record is late`, () => {
        const late = new ds.OutputTag<string>('late')
        // size 7, offset -2: ts -3 → [-9,-2), -2 and 4 → [-2,5), 7 → [5,12)
        const input = [rec('x', -3), rec('y', 4), wm(-3), rec('z', -2), rec('v', -4), wm(0), rec('u', -5), rec('w', 7)]
        const windows = ds.windowAll(ds.tumblingEventTimeWindows(7, -2)).allowedLateness(3).sideOutputLateData(late)
        const out = collectElements(from(input).pipe(fn === 'reduce' ? windows.reduce<string>(concatStrings) : windows.aggregate<string, string, string>(concatAggregate)))
        expect(out.elements).toEqual([
          rec('x', -3),
          wm(-3),
          rec('xv', -3), // v is within the lateness of [-9,-2) (cleaned at -3 + 3 = 0): fired at once, with all contents
          wm(0),
          side(late, 'u', -5), // [-9,-2) is gone at watermark 0
          rec('yz', 4),
          rec('w', 11),
          wm(Infinity)
        ])
        expect(out.completed).toBeTrue()
      })

      it(`fires the windows of several keys at one watermark (${fn}; compared as a set), out of order within each window`, () => {
        const input: El<number>[] = [rec(1, 7, 'k'), rec(10, 3, 'j'), rec(100, 1, 'k'), rec(1000, 12, 'j'), wm(9), rec(5, 15, 'k'), wm(20)]
        const windows = ds.windowBy(ds.tumblingEventTimeWindows(10))
        const out = collectElements(from(input).pipe(fn === 'reduce' ? windows.reduce<number, string>(sum) : windows.aggregate<number, number, number, string>(sumAggregate)))
        const [first, second, third] = segments(out.elements)
        expect(first).toEqual({ before: jasmine.arrayWithExactContents([rec(101, 9, 'k'), rec(10, 9, 'j')]), watermark: 9 })
        expect(second).toEqual({ before: jasmine.arrayWithExactContents([rec(5, 19, 'k'), rec(1000, 19, 'j')]), watermark: 20 })
        expect(third).toEqual({ before: [], watermark: Infinity })
        expect(segments(out.elements).length).toBe(3)
      })
    }
  })

  // -------------------------------------------------------------------------------------
  // sliding
  // -------------------------------------------------------------------------------------

  describe('slidingEventTimeWindows', () => {
    // size 6, slide 2, offset 1: windows start at odd times
    //   a@4  → [3,9), [1,7), [-1,5)
    //   b@-2 → [-3,3), [-5,1), [-7,-1)
    //   c@0  → [-1,5), [-3,3), [-5,1)
    const input = (): El<string>[] => [rec('a', 4, 'k'), rec('b', -2, 'k'), rec('c', 0, 'k'), wm(0), wm(5)]
    const sliding = () => ds.windowBy(ds.slidingEventTimeWindows(6, 2, 1))

    it('with an offset and negative timestamps: each window fires at its end, earliest first, contents in arrival order', () => {
      const out = collectElements(from(input()).pipe(sliding().process<string, string, string>(listing)))
      expect(out.elements).toEqual([
        rec('[-7,-1):b', -2, 'k'),
        rec('[-5,1):bc', 0, 'k'),
        wm(0),
        rec('[-3,3):bc', 2, 'k'),
        rec('[-1,5):ac', 4, 'k'),
        wm(5),
        rec('[1,7):a', 6, 'k'),
        rec('[3,9):a', 8, 'k'),
        wm(Infinity)
      ])
    })

    it('reduce and aggregate (incremental) give the same windows', () => {
      const numbers: El<number>[] = input().map(e => (e._tag === 'Record' ? rec({ a: 1, b: 10, c: 100 }[e.value as 'a' | 'b' | 'c'], e.timestamp, 'k') : e))
      const reduced = collectElements(from(numbers).pipe(sliding().reduce<number, string>(sum)))
      expect(reduced.elements).toEqual([rec(10, -2, 'k'), rec(110, 0, 'k'), wm(0), rec(110, 2, 'k'), rec(101, 4, 'k'), wm(5), rec(1, 6, 'k'), rec(1, 8, 'k'), wm(Infinity)])
      const counted = collectElements(
        from(numbers).pipe(
          sliding().aggregate<number, number, number, string>({ createAccumulator: () => 0, add: (_v, n) => n + 1, getResult: n => n, merge: sum })
        )
      )
      expect(counted.elements).toEqual([rec(1, -2, 'k'), rec(2, 0, 'k'), wm(0), rec(2, 2, 'k'), rec(2, 4, 'k'), wm(5), rec(1, 6, 'k'), rec(1, 8, 'k'), wm(Infinity)])
    })

    it('when slide does not divide size, a record gets floor or ceil of size/slide windows (process and aggregate)', () => {
      // size 5, slide 2: p@4 → [4,9), [2,7), [0,5); q@5 → [4,9), [2,7)
      const input = (): El<string>[] => [rec('p', 4, 'k'), rec('q', 5, 'k')]
      const expected = [rec('[0,5):p', 4, 'k'), rec('[2,7):pq', 6, 'k'), rec('[4,9):pq', 8, 'k'), wm(Infinity)]
      const windows = () => ds.windowBy(ds.slidingEventTimeWindows(5, 2))
      expect(collectElements(from(input()).pipe(windows().process<string, string, string>(listing))).elements).toEqual(expected)
      const aggregated = collectElements(from(input()).pipe(windows().aggregate<string, string, string, string, string>(concatAggregate, listing)))
      expect(aggregated.elements).toEqual(expected)
    })

    it('a record late for some of its windows within allowed lateness re-fires those at once and waits in the others', () => {
      const late = new ds.OutputTag<string>('late')
      // size 10, slide 5, lateness 2: at watermark 11, [0,10) (cleaned at 11) is gone, [5,15) is open
      const input: El<string>[] = [rec('a', 6, 'k'), wm(9), rec('b', 7, 'k'), wm(11), rec('c', 8, 'k'), rec('d', 3, 'k')]
      const out = collectElements(
        from(input).pipe(ds.windowBy(ds.slidingEventTimeWindows(10, 5)).allowedLateness(2).sideOutputLateData(late).process<string, string, string>(listing))
      )
      expect(out.elements).toEqual([
        rec('[0,10):a', 9, 'k'),
        wm(9),
        rec('[0,10):ab', 9, 'k'), // b: [0,10) fires again at once; [5,15) keeps it
        wm(11),
        // c@8: [0,10) is cleaned, [5,15) takes it; not side output
        side(late, 'd', 3), // d@3: only [0,10) and [-5,5), both gone
        rec('[5,15):abc', 14, 'k'),
        wm(Infinity)
      ])
    })
  })

  describe('slidingEventTimeWindows with an incremental function', () => {
    for (const fn of ['reduce', 'aggregate'] as const) {
      it(`${fn} with a window function object: late firings within the lateness, late side output, one clear per window`, () => {
        const late = new ds.OutputTag<number>('late')
        const cleared: string[] = []
        // size 10, slide 5, lateness 5
        const input: El<number>[] = [
          rec(1, 3, 'k'), //  [0,10), [-5,5)
          rec(2, 7, 'k'), //  [5,15), [0,10)
          rec(4, 12, 'k'), // [10,20), [5,15)
          wm(9),
          rec(8, 8, 'k'), //  [5,15) waits; [0,10) fires again at once
          wm(14),
          rec(16, 6, 'k'), // [5,15) fires again at once; [0,10) is cleaned: not side output
          rec(32, 13, 'k'), // [10,20) waits; [5,15) fires again
          rec(64, 2, 'k'), // [0,10) and [-5,5) are both cleaned: late
          wm(30)
        ]
        const windowFunction: ds.ProcessWindowFunction<number, string, string> = {
          process: (_k, ctx, xs, o) => o.collect(`${ctx.window.start}:${xs.join()}`),
          clear: ctx => cleared.push(`${ctx.window.start}@${ctx.currentWatermark()}`)
        }
        const windows = ds.windowBy(ds.slidingEventTimeWindows(10, 5)).allowedLateness(5).sideOutputLateData(late)
        const out = collectElements(
          from(input).pipe(
            fn === 'reduce'
              ? windows.reduce<number, string, string>(sum, windowFunction)
              : windows.aggregate<number, number, number, string, string>(sumAggregate, windowFunction)
          )
        )
        expect(out.elements).toEqual([
          rec('-5:1', 4, 'k'),
          rec('0:3', 9, 'k'),
          wm(9),
          rec('0:11', 9, 'k'),
          rec('5:14', 14, 'k'),
          wm(14),
          rec('5:30', 14, 'k'),
          rec('5:62', 14, 'k'),
          side(late, 64, 2),
          rec('10:36', 19, 'k'),
          wm(30),
          wm(Infinity)
        ])
        expect(cleared).toEqual(['-5@9', '0@14', '5@30', '10@30'])
      })
    }
  })

  describe('slidingEventTimeWindows with aggregate: accumulators that merge reuses', () => {
    // Flink's AggregateFunction.merge "may reuse any of the given accumulators as the target for
    // the merge and return that"; the results must not depend on which one it reuses.
    interface Acc {
      sum: number
      n: number
    }
    const mutable = (merge: (a: Acc, b: Acc) => Acc): ds.AggregateFunction<number, Acc, number> => ({
      createAccumulator: () => ({ sum: 0, n: 0 }),
      add: (v, acc) => {
        acc.sum += v
        acc.n++
        return acc
      },
      getResult: acc => acc.sum,
      merge
    })
    const merges: [string, (a: Acc, b: Acc) => Acc][] = [
      [
        'into its first argument, returning the second when the first is empty',
        (a, b) => {
          if (a.n === 0) return b
          a.sum += b.sum
          a.n += b.n
          return a
        }
      ],
      [
        'into its second argument',
        (a, b) => {
          b.sum += a.sum
          b.n += a.n
          return b
        }
      ]
    ]
    // size 10, slide 5, lateness 10: 1@3, 2@7, 4@12; at watermark 14, 8@1 fires [0,10) again
    const input = (): El<number>[] => [rec(1, 3, 'k'), rec(2, 7, 'k'), rec(4, 12, 'k'), wm(14), rec(8, 1, 'k')]
    const expected = [rec(1, 4, 'k'), rec(3, 9, 'k'), rec(6, 14, 'k'), wm(14), rec(11, 9, 'k'), rec(4, 19, 'k'), wm(Infinity)]

    for (const [how, merge] of merges) {
      // Sliced sliding windows share pane accumulators between windows, so their merge must
      // leave its second argument alone (documented on AggregateFunction). A merge that returns
      // it is detected: the stream fails with a clear error before any corrupted result. With an
      // explicit trigger (no slicing), Flink's looser contract holds.
      it(`merging ${how}: right without slicing, a clear error with slicing`, () => {
        const general = collectElements(
          from(input()).pipe(ds.windowBy(ds.slidingEventTimeWindows(10, 5)).allowedLateness(10).trigger(ds.eventTimeTrigger()).aggregate<number, Acc, number, string>(mutable(merge)))
        )
        expect(general.elements).withContext('general operator').toEqual(expected)
        const sliced = collectElements(
          from(input()).pipe(ds.windowBy(ds.slidingEventTimeWindows(10, 5)).allowedLateness(10).aggregate<number, Acc, number, string>(mutable(merge)))
        )
        expect(sliced.error).toBeInstanceOf(ds.DataStreamError)
        expect((sliced.error as Error).message).toContain("the aggregate's merge returned its second argument")
        // nothing wrong was emitted before the error
        const emitted = sliced.elements.filter(ds.isRecord)
        expect(expected.filter(ds.isRecord).slice(0, emitted.length)).toEqual(emitted)
      })
    }
  })

  // -------------------------------------------------------------------------------------
  // sessions
  // -------------------------------------------------------------------------------------

  describe('eventTimeSessionWindows', () => {
    it('merges windows that arrive out of order; sessions of different keys fire in time order', () => {
      // gap 10. k: a@25 [25,35), b@5 [5,15), c@15 [15,25) touches both: [5,35). j: x@20 and y@31 stay apart.
      const input: El<string>[] = [
        rec('a', 25, 'k'),
        rec('x', 20, 'j'),
        rec('b', 5, 'k'),
        wm(13),
        rec('c', 15, 'k'),
        rec('y', 31, 'j'),
        wm(34),
        rec('d', 50, 'k')
      ]
      const out = collectElements(from(input).pipe(ds.windowBy(ds.eventTimeSessionWindows(10)).process<string, string, string>(sortedListing)))
      expect(out.elements).toEqual([
        wm(13),
        rec('[20,30):x', 29, 'j'),
        rec('[5,35):abc', 34, 'k'),
        wm(34),
        rec('[31,41):y', 40, 'j'),
        rec('[50,60):d', 59, 'k'),
        wm(Infinity)
      ])
    })

    it('a record bridging two sessions merges them; the timers of the merged-away sessions do not fire', () => {
      marbleTest(({ cold, expectStream }) => {
        const input = cold<El<string>>('ab-W-c-X-Y----|', {
          a: rec('a', 0, 'k'), // [0,10)
          b: rec('b', 20, 'k'), // [20,30)
          W: wm(5),
          c: rec('c', 10, 'k'), // [10,20) touches both: [0,30)
          X: wm(9), // [0,10) would have fired here
          Y: wm(29)
        })
        const output = input.pipe(ds.windowBy(ds.eventTimeSessionWindows(10)).process<string, string, string>(sortedListing))
        expectStream(output).toBe('---W---X-(rY)-(Z|)', { W: wm(5), X: wm(9), r: rec('[0,30):abc', 29, 'k'), Y: wm(29), Z: wm(Infinity) })
      })
    })

    it('merges accumulators with the aggregate function’s merge, and reduce values with reduce', () => {
      let merges = 0
      const average: ds.AggregateFunction<number, { sum: number; n: number }, string> = {
        createAccumulator: () => ({ sum: 0, n: 0 }),
        add: (v, acc) => ({ sum: acc.sum + v, n: acc.n + 1 }),
        getResult: acc => `${acc.sum}/${acc.n}`,
        merge: (a, b) => {
          merges++
          return { sum: a.sum + b.sum, n: a.n + b.n }
        }
      }
      // gap 10: 1@0 [0,10) and 2@20 [20,30) are bridged by 4@10; 8@25 extends the session to [0,35)
      const input = (): El<number>[] => [rec(1, 0, 'k'), rec(2, 20, 'k'), rec(16, 100, 'j'), rec(4, 10, 'k'), rec(8, 25, 'k')]
      const sessions = () => ds.windowBy(ds.eventTimeSessionWindows(10))
      const aggregated = collectElements(from(input()).pipe(sessions().aggregate<number, { sum: number; n: number }, string, string>(average)))
      expect(aggregated.elements).toEqual([rec('15/4', 34, 'k'), rec('16/1', 109, 'j'), wm(Infinity)])
      expect(merges).toBeGreaterThan(0)

      const reduced = collectElements(from(input()).pipe(sessions().reduce<number, string>(sum)))
      expect(reduced.elements).toEqual([rec(15, 34, 'k'), rec(16, 109, 'j'), wm(Infinity)])

      // with a process window function: it receives the one pre-aggregated value of the merged window
      const withWindow = collectElements(
        from(input()).pipe(
          sessions().aggregate<number, { sum: number; n: number }, string, string, string>(average, (key, ctx, xs, out) =>
            out.collect(`${key}[${ctx.window.start},${ctx.window.end}) ${xs.length}×${xs.join()}`)
          )
        )
      )
      expect(withWindow.elements).toEqual([rec('k[0,35) 1×15/4', 34, 'k'), rec('j[100,110) 1×16/1', 109, 'j'), wm(Infinity)])
    })

    it('merges trigger state: countTrigger counts of two sessions add up when a record bridges them', () => {
      marbleTest(({ cold, expectStream }) => {
        const input = cold<El<string>>('ab-c-de-f-|', {
          a: rec('a', 0, 'k'), //  [0,10): count 1
          b: rec('b', 20, 'k'), // [20,30): count 1
          c: rec('c', 10, 'k'), // bridges: [0,30), count 1 + 1 + 1 = 3 → fires
          d: rec('d', 12, 'k'), // inside [0,30): 1
          e: rec('e', 5, 'k'), //  inside: 2
          f: rec('f', 25, 'k') //  extends to [0,35), count carried over: 3 → fires
        })
        const output = input.pipe(ds.windowBy(ds.eventTimeSessionWindows(10)).trigger(ds.countTrigger(3)).process<string, string, string>(sortedListing))
        // countTrigger never fires on time: nothing at the end of input
        expectStream(output).toBe('---x----y-(Z|)', { x: rec('[0,30):abc', 29, 'k'), y: rec('[0,35):abcdef', 34, 'k'), Z: wm(Infinity) })
      })
    })

    it('a record whose own window is late joins a live session it overlaps; one that overlaps nothing is late', () => {
      const late = new ds.OutputTag<string>('late')
      // gap 10: a@10 [10,20). At watermark 15, b@5's own [5,15) is late, but it overlaps [10,20): [5,20)
      const input: El<string>[] = [rec('a', 10, 'k'), wm(15), rec('b', 5, 'k'), rec('x', -20, 'k'), rec('c', 1, 'k')]
      const out = collectElements(from(input).pipe(ds.windowBy(ds.eventTimeSessionWindows(10)).sideOutputLateData(late).process<string, string, string>(sortedListing)))
      expect(out.elements).toEqual([wm(15), side(late, 'x', -20), rec('[1,20):abc', 19, 'k'), wm(Infinity)])
    })

    it('a late session window is retired: a later record overlapping its range does not merge with it', () => {
      const late = new ds.OutputTag<string>('late')
      // gap 10: at watermark 15, b@5's [5,15) is late and merges with nothing; c@14's [14,24) overlaps it
      const input: El<string>[] = [wm(15), rec('b', 5, 'k'), rec('c', 14, 'k')]
      const out = collectElements(from(input).pipe(ds.windowBy(ds.eventTimeSessionWindows(10)).sideOutputLateData(late).process<string, string, string>(sortedListing)))
      expect(out.elements).toEqual([wm(15), side(late, 'b', 5), rec('[14,24):c', 23, 'k'), wm(Infinity)])
    })

    it('within the allowed lateness, a record merging into a session the watermark has passed fires the merged session at once', () => {
      const late = new ds.OutputTag<string>('late')
      // gap 10, lateness 20: [0,10) fires at 12; b@2 → [2,12) merges into [0,12), whose end 11 has passed
      const input: El<string>[] = [rec('a', 0, 'k'), wm(12), rec('b', 2, 'k'), wm(29), wm(31), rec('c', 1, 'k')]
      const out = collectElements(
        from(input).pipe(ds.windowBy(ds.eventTimeSessionWindows(10)).allowedLateness(20).sideOutputLateData(late).process<string, string, string>(sortedListing))
      )
      // [0,12) is cleaned at 11 + 20 = 31
      expect(out.elements).toEqual([rec('[0,10):a', 9, 'k'), wm(12), rec('[0,12):ab', 11, 'k'), wm(29), wm(31), side(late, 'c', 1), wm(Infinity)])
    })

    it('calls the trigger’s onMerge for the merged window and clear for each window merged away (not for a window inside another)', () => {
      const log: string[] = []
      const base = ds.eventTimeTrigger<string>()
      const show = (w: ds.TimeWindow) => `[${w.start},${w.end})`
      const logging: ds.Trigger<string> = {
        ...base,
        name: 'logging',
        onMerge: (w, ctx) => {
          log.push(`merge ${show(w)}`)
          base.onMerge!(w, ctx)
        },
        clear: (w, ctx) => {
          log.push(`clear ${show(w)}`)
          base.clear(w, ctx)
        }
      }
      // gap 10: c@10 bridges [0,10) and [20,30); d@5's [5,15) lies inside [0,30)
      const input: El<string>[] = [rec('a', 0, 'k'), rec('b', 20, 'k'), rec('c', 10, 'k'), rec('d', 5, 'k')]
      const out = collectElements(from(input).pipe(ds.windowBy(ds.eventTimeSessionWindows(10)).trigger(logging).process<string, string, string>(sortedListing)))
      expect(out.elements).toEqual([rec('[0,30):abcd', 29, 'k'), wm(Infinity)])
      expect(log.length).toBe(4)
      expect(log[0]).toBe('merge [0,30)')
      expect(log.slice(1, 3)).toEqual(jasmine.arrayWithExactContents(['clear [0,10)', 'clear [20,30)']))
      expect(log[3]).toBe('clear [0,30)') // at its cleanup
    })

    it('a session already fired and cleaned up is not merged with a later record; that record opens a fresh session', () => {
      const cleared: string[] = []
      const input: El<string>[] = [rec('a', 0, 'k'), wm(9), rec('b', 9, 'k')]
      const out = collectElements(
        from(input).pipe(
          ds.windowBy(ds.eventTimeSessionWindows(10)).process<string, string, string>({
            process: sortedListing,
            clear: ctx => cleared.push(`[${ctx.window.start},${ctx.window.end})@${ctx.currentWatermark()}`)
          })
        )
      )
      // b@9 → [9,19) would overlap [0,10), which was cleaned at watermark 9
      expect(out.elements).toEqual([rec('[0,10):a', 9, 'k'), wm(9), rec('[9,19):b', 18, 'k'), wm(Infinity)])
      expect(cleared).toEqual(['[0,10)@9', '[9,19)@Infinity'])
    })
  })

  describe('eventTimeSessionWindowsWithDynamicGap', () => {
    interface Visit {
      readonly id: string
      readonly gap: number
    }
    const gapOf = (v: Visit) => v.gap
    const ids: ds.ProcessWindowFunction<Visit, string, string> = (_k, ctx, xs, out) =>
      out.collect(`[${ctx.window.start},${ctx.window.end}):${xs.map(v => v.id).sort().join('')}`)

    it('gives each record its own gap; windows merge as with a fixed gap', () => {
      const input: El<Visit>[] = [
        rec({ id: 'a', gap: 5 }, 0, 'k'), //  [0,5)
        rec({ id: 'b', gap: 2 }, 4, 'k'), //  [4,6): [0,6)
        rec({ id: 'c', gap: 10 }, 7, 'k'), // [7,17): apart
        rec({ id: 'd', gap: 1 }, 20, 'k'), // [20,21)
        wm(6), //                              fires [0,6)
        rec({ id: 'e', gap: 1 }, 6, 'k') //   [6,7): touches [7,17), [0,6) is gone: [6,17)
      ]
      const out = collectElements(from(input).pipe(ds.windowBy(ds.eventTimeSessionWindowsWithDynamicGap(gapOf)).process(ids)))
      expect(out.elements).toEqual([rec('[0,6):ab', 5, 'k'), wm(6), rec('[6,17):ce', 16, 'k'), rec('[20,21):d', 20, 'k'), wm(Infinity)])
    })

    for (const [bad, shown] of [
      [0, '0'],
      [NaN, 'NaN'],
      [-5, '-5']
    ] as const) {
      it(`a gap extractor returning ${shown} at run time errors the stream, naming the operator and the value`, () => {
        const input: El<Visit>[] = [rec({ id: 'a', gap: 5 }, 0, 'k'), rec({ id: 'b', gap: bad }, 3, 'k'), rec({ id: 'c', gap: 5 }, 4, 'k')]
        const out = collectElements(
          from(input).pipe(ds.windowBy(ds.eventTimeSessionWindowsWithDynamicGap(gapOf), { name: 'visits' }).process(ids))
        )
        expect(out.completed).toBeFalse()
        expect(out.elements).toEqual([])
        expect(out.error).toBeInstanceOf(ds.DataStreamError)
        expect((out.error as Error).message).toBe(
          `windowBy "visits": the user function threw while processing record (value { id: "b", gap: ${shown} }, timestamp 3, key "k"): ` +
            `eventTimeSessionWindowsWithDynamicGap(gapOf): the gap extractor returned ${shown} for record value { id: "b", gap: ${shown} }; ` +
            'a session gap must be a finite number > 0 (milliseconds)'
        )
        expect(((out.error as Error).cause as Error).constructor).toBe(RangeError)
      })
    }
  })

  // -------------------------------------------------------------------------------------
  // processing time
  // -------------------------------------------------------------------------------------

  describe('processing-time assigners under virtual time', () => {
    it('tumblingProcessingTimeWindows with an offset: windows of the clock, record timestamps and watermarks play no part', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        // size 5, offset 2: [-3,2), [2,7), [7,12) of processing time (frames)
        const input = cold<El<string>>('a-bW-c--d|', {
          a: rec('a', 1000, 'k'),
          b: rec('b', 0, 'k'),
          W: wm(500),
          c: rec('c', 0, 'k'), // behind the watermark: not late for processing-time windows
          d: rec('d', 7, 'k')
        })
        const output = input.pipe(ds.windowBy(ds.tumblingProcessingTimeWindows(5, 2), { scheduler }).process<string, string, string>(listing))
        // [7,12) is still open when the input completes at frame 9: it fires then
        expectStream(output).toBe('-x-W--y--(zZ|)', {
          x: rec('[-3,2):a', 1, 'k'),
          W: wm(500),
          y: rec('[2,7):bc', 6, 'k'),
          z: rec('[7,12):d', 11, 'k'),
          Z: wm(Infinity)
        })
      })
    })

    it('slidingProcessingTimeWindows with an offset', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        // size 6, slide 3, offset 1: a@1 → [1,7), [-2,4); b@4 → [4,10), [1,7); c@7 → [7,13), [4,10)
        const input = cold<El<string>>('-a--b--c------|', { a: rec('a', 0, 'k'), b: rec('b', 0, 'k'), c: rec('c', 0, 'k') })
        const output = input.pipe(ds.windowBy(ds.slidingProcessingTimeWindows(6, 3, 1), { scheduler }).process<string, string, string>(listing))
        expectStream(output).toBe('---w--x--y--z-(Z|)', {
          w: rec('[-2,4):a', 3, 'k'),
          x: rec('[1,7):ab', 6, 'k'),
          y: rec('[4,10):bc', 9, 'k'),
          z: rec('[7,13):c', 12, 'k'),
          Z: wm(Infinity)
        })
      })
    })

    it('windows still open at completion fire then, in time order, before the final watermark', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<El<string>>('a-|', { a: rec('a', 0, 'k') })
        const output = input.pipe(ds.windowBy(ds.slidingProcessingTimeWindows(10, 5), { scheduler }).process<string, string, string>(listing))
        expectStream(output).toBe('--(xyZ|)', { x: rec('[-5,5):a', 4, 'k'), y: rec('[0,10):a', 9, 'k'), Z: wm(Infinity) })
      })
    })

    it('processingTimeSessionWindows merge on the clock; the merged session fires at its new end', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        // gap 3: a@0 [0,3), b@1 [1,4): [0,4) fires at 3 (not at 2); c@8 [8,11) fires at 10
        const input = cold<El<string>>('ab------c----|', { a: rec('a', 0, 'k'), b: rec('b', 0, 'k'), c: rec('c', 0, 'k') })
        const output = input.pipe(ds.windowBy(ds.processingTimeSessionWindows(3), { scheduler }).process<string, string, string>(sortedListing))
        expectStream(output).toBe('---x------y--(Z|)', { x: rec('[0,4):ab', 3, 'k'), y: rec('[8,11):c', 10, 'k'), Z: wm(Infinity) })
      })
    })

    it('processingTimeSessionWindowsWithDynamicGap', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        // gap = length: 'aaaa'@0 [0,4), 'b'@2 [2,3) inside it; 'cc'@5 [5,7)
        const input = cold<El<string>>('a-b--c---|', { a: rec('aaaa', 0, 'k'), b: rec('b', 0, 'k'), c: rec('cc', 0, 'k') })
        const output = input.pipe(
          ds.windowBy(ds.processingTimeSessionWindowsWithDynamicGap((s: string) => s.length), { scheduler }).process<string, string, string>(sortedListing)
        )
        expectStream(output).toBe('---x--y--(Z|)', { x: rec('[0,4):aaaab', 3, 'k'), y: rec('[5,7):cc', 6, 'k'), Z: wm(Infinity) })
      })
    })

    it('a dynamic processing-time gap of NaN errors the stream at that record', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<El<number>>('a-b-c|', { a: rec(2, 0, 'k'), b: rec(Number.NaN, 0, 'k'), c: rec(3, 0, 'k') })
        const output = input.pipe(
          ds.windowBy(
            ds.processingTimeSessionWindowsWithDynamicGap((n: number) => n),
            { scheduler }
          ).reduce<number, string>(sum)
        )
        const error = Object.assign(
          new Error(
            'windowBy: the user function threw while processing record (value NaN, timestamp 0, key "k"): ' +
              'processingTimeSessionWindowsWithDynamicGap(extractor): the gap extractor returned NaN for record value NaN; ' +
              'a session gap must be a finite number > 0 (milliseconds)'
          ),
          { name: 'UserFunctionError' }
        )
        // [0,2) fires at 1; the error comes with b at frame 2
        expectStream(output).toBe('-x#', { x: rec(2, 1, 'k') }, error)
      })
    })
  })

  // -------------------------------------------------------------------------------------
  // global windows and count windows
  // -------------------------------------------------------------------------------------

  describe('globalWindows', () => {
    it('with a custom trigger: one window per key for all time, results at +Infinity', () => {
      const flushTrigger: ds.Trigger<string> = {
        name: 'flushTrigger',
        canMerge: true,
        onElement: value => (value === 'flush' ? 'FIRE_AND_PURGE' : 'CONTINUE'),
        onEventTime: () => 'CONTINUE',
        onProcessingTime: () => 'CONTINUE',
        onMerge: () => {},
        clear: () => {}
      }
      const input: El<string>[] = [
        rec('a', 5, 'k'),
        rec('x', 1, 'j'),
        wm(100),
        rec('b', -50, 'k'), // never late in the global window
        rec('flush', 7, 'k'),
        rec('flush', 0, 'j'),
        rec('c', 8, 'k') // no flush follows: never emitted
      ]
      const out = collectElements(
        from(input).pipe(ds.windowBy(ds.globalWindows()).trigger(flushTrigger).process<string, string, string>((k, _c, xs, o) => o.collect(`${k}:${xs.join(',')}`)))
      )
      expect(out.elements).toEqual([wm(100), rec('k:a,b,flush', Infinity, 'k'), rec('j:x,flush', Infinity, 'j'), wm(Infinity)])
    })

    it('with its default neverTrigger: no results at all, only the watermarks', () => {
      const late = new ds.OutputTag<number>('late')
      const input: El<number>[] = [rec(1, 1, 'k'), wm(5), rec(2, -10, 'k'), rec(3, 10, 'j')]
      const out = collectElements(from(input).pipe(ds.windowBy(ds.globalWindows()).sideOutputLateData(late).reduce<number, string>(sum)))
      expect(out.elements).toEqual([wm(5), wm(Infinity)])
      expect(out.completed).toBeTrue()
    })

    it('fireAtEndOfInput: fires each key’s window once at the end of input, never late', () => {
      const late = new ds.OutputTag<number>('late')
      const input: El<number>[] = [rec(1, 1, 'k'), rec(2, 3, 'j'), wm(100), rec(4, 1, 'k'), wm(200), rec(8, -7, 'j')]
      const out = collectElements(
        from(input).pipe(ds.windowBy(ds.globalWindows({ fireAtEndOfInput: true })).sideOutputLateData(late).reduce<number, string>(sum))
      )
      const [first, second, last] = segments(out.elements)
      expect(first).toEqual({ before: [], watermark: 100 })
      expect(second).toEqual({ before: [], watermark: 200 })
      expect(last).toEqual({ before: jasmine.arrayWithExactContents([rec(5, Infinity, 'k'), rec(10, Infinity, 'j')]), watermark: Infinity })
      expect(segments(out.elements).length).toBe(3)
    })

    it('fireAtEndOfInput through windowAll: an upstream +Infinity watermark fires it once, completion adds nothing', () => {
      marbleTest(({ cold, expectStream }) => {
        const input = cold<ds.StreamElement<string>>('a-W-b-E-----|', { a: rec('a', 1), W: wm(50), b: rec('b', 2), E: wm(Infinity) })
        const output = input.pipe(ds.windowAll(ds.globalWindows({ fireAtEndOfInput: true })).reduce<string>(concatStrings))
        expectStream(output).toBe('--W---(xE)--|', { W: wm(50), x: rec('ab', Infinity), E: wm(Infinity) })
      })
    })
  })

  describe('countWindow (global windows with a count trigger)', () => {
    it('ignores timestamps and watermarks: counts per key, results at +Infinity', () => {
      const late = new ds.OutputTag<number>('late')
      const input: El<number>[] = [rec(1, 50, 'k'), wm(100), rec(2, 1, 'k'), rec(10, 2, 'j'), rec(4, -3, 'k'), wm(200), rec(8, 0, 'k'), rec(20, 0, 'j')]
      const out = collectElements(from(input).pipe(ds.countWindow(2).sideOutputLateData(late).reduce<number, string>(sum)))
      expect(out.elements).toEqual([wm(100), rec(3, Infinity, 'k'), wm(200), rec(12, Infinity, 'k'), rec(30, Infinity, 'j'), wm(Infinity)])
    })
  })

  // -------------------------------------------------------------------------------------
  // cleanup
  // -------------------------------------------------------------------------------------

  describe('cleanup: a window’s state is released at its cleanup time', () => {
    /** A process window function object logging every evaluation and every `clear`. */
    function logging(log: string[]): ds.ProcessWindowFunction<string, string, string> {
      return {
        process: sortedListing,
        clear: ctx => log.push(`clear [${ctx.window.start},${ctx.window.end}) wm ${ctx.currentWatermark()} now ${ctx.currentProcessingTime()}`)
      }
    }

    it('event time: at maxTimestamp + allowedLateness; afterwards a record of that window is late', () => {
      const late = new ds.OutputTag<string>('late')
      const log: string[] = []
      const input: El<string>[] = [rec('a', 1, 'k'), wm(9), wm(13), rec('b', 2, 'k'), wm(14), rec('c', 3, 'k'), rec('d', 15, 'k')]
      const out = collectElements(
        from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).allowedLateness(5).sideOutputLateData(late).process(logging(log)))
      )
      expect(out.elements).toEqual([
        rec('[0,10):a', 9, 'k'),
        wm(9),
        wm(13),
        rec('[0,10):ab', 9, 'k'),
        wm(14),
        side(late, 'c', 3),
        rec('[10,20):d', 19, 'k'),
        wm(Infinity)
      ])
      expect(log.map(l => l.replace(/ now .*/, ''))).toEqual(['clear [0,10) wm 14', 'clear [10,20) wm Infinity'])
    })

    for (const fn of ['reduce', 'aggregate'] as const) {
      it(`event time with ${fn} and a window function object: clear runs once per window`, () => {
        let clears = 0
        const input: El<number>[] = [rec(1, 1, 'k'), rec(2, 11, 'k'), rec(4, 2, 'j'), wm(9), rec(8, 25, 'j')]
        const windowFunction: ds.ProcessWindowFunction<number, number, string> = { process: (_k, _c, xs, o) => o.collect(xs[0]!), clear: () => clears++ }
        const windows = ds.windowBy(ds.tumblingEventTimeWindows(10))
        const out = collectElements(
          from(input).pipe(
            fn === 'reduce' ? windows.reduce<number, number, string>(sum, windowFunction) : windows.aggregate<number, number, number, number, string>(sumAggregate, windowFunction)
          )
        )
        const [first, rest] = segments(out.elements)
        expect(first).toEqual({ before: jasmine.arrayWithExactContents([rec(1, 9, 'k'), rec(4, 9, 'j')]), watermark: 9 })
        expect(rest).toEqual({ before: [rec(2, 19, 'k'), rec(8, 29, 'j')], watermark: Infinity })
        expect(clears).toBe(4)
      })
    }

    it('processing time: at maxTimestamp (lateness ignored); a record for the same window start after it opens a fresh window', () => {
      const log: string[] = []
      marbleTest(({ expectStream, scheduler }) => {
        // a arrives at 0; the window [0,5) fires and is cleaned at 4; b arrives at 4, after that
        const input = concat(
          of<El<string>>(rec('a', 0, 'k')),
          timer(4, scheduler).pipe(map((): El<string> => rec('b', 0, 'k'))),
          timer(6, scheduler).pipe(ignoreElements())
        )
        const output = input.pipe(ds.windowBy(ds.tumblingProcessingTimeWindows(5), { scheduler }).allowedLateness(100).process(logging(log)))
        expectStream(output).toBe('----(xy)--(Z|)', { x: rec('[0,5):a', 4, 'k'), y: rec('[0,5):b', 4, 'k'), Z: wm(Infinity) })
      })
      expect(log).toEqual(['clear [0,5) wm -Infinity now 4', 'clear [0,5) wm -Infinity now 4'])
    })

    it('processing-time sessions: a cleaned session does not absorb a record that touches it', () => {
      const log: string[] = []
      marbleTest(({ cold, expectStream, scheduler }) => {
        // gap 3: a@0 [0,3) fires and is cleaned at 2; b@3 [3,6) touches it but opens a fresh session
        const input = cold<El<string>>('a--b----|', { a: rec('a', 0, 'k'), b: rec('b', 0, 'k') })
        const output = input.pipe(ds.windowBy(ds.processingTimeSessionWindows(3), { scheduler }).process(logging(log)))
        expectStream(output).toBe('--x--y--(Z|)', { x: rec('[0,3):a', 2, 'k'), y: rec('[3,6):b', 5, 'k'), Z: wm(Infinity) })
      })
      expect(log).toEqual(['clear [0,3) wm -Infinity now 2', 'clear [3,6) wm -Infinity now 5'])
    })

    it('global windows: never cleaned up, not even at the end of input', () => {
      const log: string[] = []
      const input: El<string>[] = [rec('a', 1, 'k'), rec('b', 2, 'j'), wm(1000)]
      const out = collectElements(from(input).pipe(ds.windowBy(ds.globalWindows({ fireAtEndOfInput: true })).process(logging(log))))
      expect(segments(out.elements)[1]!.before).toEqual(jasmine.arrayWithExactContents([rec('[-Infinity,Infinity):a', Infinity, 'k'), rec('[-Infinity,Infinity):b', Infinity, 'j')]))
      expect(log).toEqual([])
    })
  })
})
