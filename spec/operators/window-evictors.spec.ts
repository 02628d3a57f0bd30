/**
 * Every evictor exercised through the window operator: before and after the window function,
 * with `process`, `reduce` and `aggregate` (no pre-aggregation: the buffer is evicted at each
 * firing), evictions that stay evicted across firings, merged session buffers, count windows,
 * processing-time windows under virtual time, cleanup and errors.
 */
import { from } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements, marbleTest, rec, wm } from '../../marbles/index'
import { describeBackends } from '../support/backends'

type El<T> = ds.StreamElement<T, string>
type WindowFn<T, R> = (key: unknown, ctx: ds.ProcessWindowContext, elements: readonly T[], out: ds.Collector<R>) => void

const sum = (a: number, b: number) => a + b
const joined: WindowFn<string, string> = (_k, _ctx, xs, out) => out.collect(xs.join(''))
const listed: WindowFn<number, string> = (_k, _ctx, xs, out) => out.collect(xs.join())

/** Records `value@timestamp` of key `k`. */
const recs = <T>(...items: (readonly [T, number])[]): El<T>[] => items.map(([v, ts]) => rec(v, ts, 'k'))

/** Records without timestamps, keyed 'k'. */
const untimed = <T>(...values: T[]) => ds.fromRecords(values.map(value => ({ value }))).pipe(ds.keyBy((): string => 'k'))

describeBackends('evictors through the window operator', () => {
  // -------------------------------------------------------------------------------------
  // countEvictor
  // -------------------------------------------------------------------------------------

  describe('countEvictor', () => {
    it('before the function: keeps the last n in arrival order, not timestamp order', () => {
      const input: El<string>[] = [...recs(['a', 5], ['b', 1], ['c', 3]), wm(9), ...recs(['d', 2])]
      const out = collectElements(
        from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).allowedLateness(5).evictor(ds.countEvictor(2)).process<string, string, string>(joined))
      )
      // the late firing sees the buffer left by the first one plus d
      expect(out.elements).toEqual([rec('bc', 9, 'k'), wm(9), rec('cd', 9, 'k'), wm(Infinity)])
    })

    it('before vs after the function, on the global window with a count trigger', () => {
      const run = (evictor: ds.Evictor<number>) =>
        collectElements(untimed(1, 2, 3, 4, 5, 6, 7).pipe(ds.windowBy(ds.globalWindows()).trigger(ds.countTrigger(3)).evictor(evictor).process<number, string, string>(listed)))
      expect(run(ds.countEvictor(2)).elements).toEqual([rec('2,3', Infinity, 'k'), rec('5,6', Infinity, 'k'), wm(Infinity)])
      // after: the function sees everything, then the buffer is cut to the last 2, for good
      expect(run(ds.countEvictor(2, { doEvictAfter: true })).elements).toEqual([rec('1,2,3', Infinity, 'k'), rec('2,3,4,5,6', Infinity, 'k'), wm(Infinity)])
    })
  })

  // -------------------------------------------------------------------------------------
  // timeEvictor
  // -------------------------------------------------------------------------------------

  describe('timeEvictor', () => {
    // a@10 b@20 c@13 d@17, fired at 99; e@30 fires the window again within the lateness
    const input = (): El<string>[] => [...recs(['a', 10], ['b', 20], ['c', 13], ['d', 17]), wm(99), ...recs(['e', 30])]
    const windows = () => ds.windowBy(ds.tumblingEventTimeWindows(100)).allowedLateness(100)

    it('before the function: keeps the elements newer than max timestamp − size', () => {
      const out = collectElements(from(input()).pipe(windows().evictor(ds.timeEvictor(5)).process<string, string, string>(joined)))
      // max 20, cutoff 15: b, d. Then max 30, cutoff 25: e
      expect(out.elements).toEqual([rec('bd', 99, 'k'), wm(99), rec('e', 99, 'k'), wm(Infinity)])
    })

    it('after the function: it sees everything, the next firing sees what was kept', () => {
      const out = collectElements(from(input()).pipe(windows().evictor(ds.timeEvictor(5, { doEvictAfter: true })).process<string, string, string>(joined)))
      expect(out.elements).toEqual([rec('abcd', 99, 'k'), wm(99), rec('bde', 99, 'k'), wm(Infinity)])
    })

    it('evicts nothing from elements without timestamps', () => {
      const withoutTs = collectElements(
        untimed('x', 'y', 'z').pipe(ds.windowBy(ds.globalWindows()).trigger(ds.countTrigger(3)).evictor(ds.timeEvictor(1)).process<string, string, string>(joined))
      )
      expect(withoutTs.elements).toEqual([rec('xyz', Infinity, 'k'), wm(Infinity)])
      const withTs = collectElements(
        from(recs(['x', 1], ['y', 2], ['z', 2])).pipe(ds.windowBy(ds.globalWindows()).trigger(ds.countTrigger(3)).evictor(ds.timeEvictor(1)).process<string, string, string>(joined))
      )
      expect(withTs.elements).toEqual([rec('yz', Infinity, 'k'), wm(Infinity)])
    })
  })

  // -------------------------------------------------------------------------------------
  // deltaEvictor
  // -------------------------------------------------------------------------------------

  describe('deltaEvictor', () => {
    const distance = (a: number, b: number) => Math.abs(a - b)
    // 1 8 4 12 9 fired at 99; then 3 fires again within the lateness
    const input = (): El<number>[] => [...recs([1, 1], [8, 2], [4, 3], [12, 4], [9, 5]), wm(99), ...recs([3, 6])]
    const windows = () => ds.windowBy(ds.tumblingEventTimeWindows(100)).allowedLateness(100)

    it('before the function: removes the elements at least threshold from the last one; evictions are permanent', () => {
      const out = collectElements(from(input()).pipe(windows().evictor(ds.deltaEvictor(5, distance)).process<number, string, string>(listed)))
      // last 9: deltas 8 1 5 3 0 → 8, 12, 9. Then the buffer is 8 12 9 3, last 3: deltas 5 9 6 0 → 3
      // (had 1 and 4 not been evicted for good, they would be back: 1, 4, 3)
      expect(out.elements).toEqual([rec('8,12,9', 99, 'k'), wm(99), rec('3', 99, 'k'), wm(Infinity)])
    })

    it('after the function', () => {
      const out = collectElements(from(input()).pipe(windows().evictor(ds.deltaEvictor(5, distance, { doEvictAfter: true })).process<number, string, string>(listed)))
      expect(out.elements).toEqual([rec('1,8,4,12,9', 99, 'k'), wm(99), rec('8,12,9,3', 99, 'k'), wm(Infinity)])
    })
  })

  // -------------------------------------------------------------------------------------
  // with every window function
  // -------------------------------------------------------------------------------------

  describe('with reduce, aggregate and process', () => {
    // 1 2 4 8 fired at 9 (the last two kept: 4, 8); 16 fires the window again: 8, 16
    const input = (): El<number>[] => [...recs([1, 1], [2, 2], [4, 3], [8, 4]), wm(9), ...recs([16, 5])]
    const windows = () => ds.windowBy(ds.tumblingEventTimeWindows(10)).allowedLateness(10).evictor(ds.countEvictor(2))
    const average: ds.AggregateFunction<number, { sum: number; n: number }, number> = {
      createAccumulator: () => ({ sum: 0, n: 0 }),
      add: (v, acc) => ({ sum: acc.sum + v, n: acc.n + 1 }),
      getResult: acc => acc.sum / acc.n,
      merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n })
    }

    it('reduce: no pre-aggregation, the kept elements are reduced at each firing', () => {
      const out = collectElements(from(input()).pipe(windows().reduce<number, string>(sum)))
      expect(out.elements).toEqual([rec(12, 9, 'k'), wm(9), rec(24, 9, 'k'), wm(Infinity)])
    })

    it('reduce with a process window function: it gets the one reduced value', () => {
      const out = collectElements(
        from(input()).pipe(windows().reduce<number, string, string>(sum, (key, ctx, xs, o) => o.collect(`${key}@${ctx.window.start}:${xs.join()}`)))
      )
      expect(out.elements).toEqual([rec('k@0:12', 9, 'k'), wm(9), rec('k@0:24', 9, 'k'), wm(Infinity)])
    })

    it('aggregate: the accumulator is built from the kept elements at each firing', () => {
      const out = collectElements(from(input()).pipe(windows().aggregate<number, { sum: number; n: number }, number, string>(average)))
      expect(out.elements).toEqual([rec(6, 9, 'k'), wm(9), rec(12, 9, 'k'), wm(Infinity)])
    })

    it('aggregate with a process window function', () => {
      const out = collectElements(
        from(input()).pipe(windows().aggregate<number, { sum: number; n: number }, number, string, string>(average, (_k, _c, xs, o) => o.collect(`${xs.length}:${xs[0]}`)))
      )
      expect(out.elements).toEqual([rec('1:6', 9, 'k'), wm(9), rec('1:12', 9, 'k'), wm(Infinity)])
    })

    it('process: the kept elements in arrival order', () => {
      const out = collectElements(from(input()).pipe(windows().process<number, string, string>(listed)))
      expect(out.elements).toEqual([rec('4,8', 9, 'k'), wm(9), rec('8,16', 9, 'k'), wm(Infinity)])
    })

    it('fold', () => {
      const out = collectElements(from(input()).pipe(windows().fold<number, string, string>('', (acc, v) => `${acc}+${v}`)))
      expect(out.elements).toEqual([rec('+4+8', 9, 'k'), wm(9), rec('+8+16', 9, 'k'), wm(Infinity)])
    })

    it('everything evicted: reduce emits nothing, aggregate the result of an empty accumulator, process gets no elements', () => {
      const none = () => ds.windowBy(ds.tumblingEventTimeWindows(10)).evictor(ds.countEvictor(0))
      const data = () => from(recs([1, 1], [2, 2]))
      expect(collectElements(data().pipe(none().reduce<number, string>(sum))).elements).toEqual([wm(Infinity)])
      const counting: ds.AggregateFunction<number, number, number> = { createAccumulator: () => 0, add: (_v, n) => n + 1, getResult: n => n, merge: sum }
      expect(collectElements(data().pipe(none().aggregate<number, number, number, string>(counting))).elements).toEqual([rec(0, 9, 'k'), wm(Infinity)])
      expect(collectElements(data().pipe(none().process<number, string, string>((_k, _c, xs, o) => o.collect(`${xs.length}`)))).elements).toEqual([
        rec('0', 9, 'k'),
        wm(Infinity)
      ])
    })

    it('a window emptied by an evictor does not fire again until something is added', () => {
      // countEvictor(0) after the function: the first firing sees a, then the buffer is empty
      const input: El<string>[] = [...recs(['a', 1]), wm(9), wm(12), ...recs(['b', 2])]
      const triggerOnTimeAndLate = ds.windowBy(ds.tumblingEventTimeWindows(10)).allowedLateness(10).evictor(ds.countEvictor(0, { doEvictAfter: true }))
      const out = collectElements(from(input).pipe(triggerOnTimeAndLate.process<string, string, string>(joined)))
      expect(out.elements).toEqual([rec('a', 9, 'k'), wm(9), wm(12), rec('b', 9, 'k'), wm(Infinity)])
    })
  })

  // -------------------------------------------------------------------------------------
  // permanence, merging, count windows
  // -------------------------------------------------------------------------------------

  describe('across firings and merges', () => {
    it('a user-written evictor after the function: what it removes stays removed', () => {
      const evenOnly: ds.Evictor<number> = {
        name: 'evenOnly',
        evictBefore: elements => elements,
        evictAfter: elements => elements.filter(e => e.value % 2 === 0)
      }
      const out = collectElements(untimed(1, 2, 3, 4, 5, 6).pipe(ds.windowBy(ds.globalWindows()).trigger(ds.countTrigger(2)).evictor(evenOnly).process<number, string, string>(listed)))
      expect(out.elements).toEqual([rec('1,2', Infinity, 'k'), rec('2,3,4', Infinity, 'k'), rec('2,4,5,6', Infinity, 'k'), wm(Infinity)])
    })

    it('the evictor sees the buffers of merged sessions together', () => {
      // gap 10: 1@0 and 2@20 bridged by 4@10 into [0,30); timeEvictor(15) at the firing: max 20, keeps 2@20 and 4@10
      const out = collectElements(from(recs([1, 0], [2, 20], [4, 10])).pipe(ds.windowBy(ds.eventTimeSessionWindows(10)).evictor(ds.timeEvictor(15)).reduce<number, string>(sum)))
      expect(out.elements).toEqual([rec(6, 29, 'k'), wm(Infinity)])
    })

    it('sliding count windows (countEvictor + countTrigger) with reduce and aggregate', () => {
      const values = () => untimed(1, 2, 3, 4, 5, 6, 7)
      // fires at 2, 4 and 6 with the last 3: [1,2], [2,3,4], [4,5,6]
      expect(collectElements(values().pipe(ds.countWindow(3, 2).reduce<number, string>(sum))).elements).toEqual([
        rec(3, Infinity, 'k'),
        rec(9, Infinity, 'k'),
        rec(15, Infinity, 'k'),
        wm(Infinity)
      ])
      const max: ds.AggregateFunction<number, number, number> = { createAccumulator: () => -Infinity, add: Math.max, getResult: m => m, merge: Math.max }
      expect(collectElements(values().pipe(ds.countWindow(3, 2).aggregate<number, number, number, string>(max))).elements).toEqual([
        rec(2, Infinity, 'k'),
        rec(4, Infinity, 'k'),
        rec(6, Infinity, 'k'),
        wm(Infinity)
      ])
      expect(collectElements(values().pipe(ds.countWindowAll(3, 2).process<number, string>(listed))).elements).toEqual([
        rec('1,2', Infinity),
        rec('2,3,4', Infinity),
        rec('4,5,6', Infinity),
        wm(Infinity)
      ])
    })
  })

  // -------------------------------------------------------------------------------------
  // processing time, cleanup, errors
  // -------------------------------------------------------------------------------------

  describe('on processing-time windows under virtual time', () => {
    it('countEvictor(1): each window evaluates its last arrival', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<El<string>>('ab--cd--|', { a: rec('a', 0, 'k'), b: rec('b', 0, 'k'), c: rec('c', 0, 'k'), d: rec('d', 0, 'k') })
        const output = input.pipe(ds.windowBy(ds.tumblingProcessingTimeWindows(4), { scheduler }).evictor(ds.countEvictor(1)).process<string, string, string>(joined))
        expectStream(output).toBe('---x---y(Z|)', { x: rec('b', 3, 'k'), y: rec('d', 7, 'k'), Z: wm(Infinity) })
      })
    })
  })

  describe('cleanup', () => {
    it('the process window function’s clear runs once per window at its cleanup time, evictor or not', () => {
      const cleared: string[] = []
      const input: El<number>[] = [rec(1, 1, 'k'), rec(2, 2, 'k'), rec(3, 3, 'j'), rec(4, 11, 'k'), wm(9), rec(5, 4, 'k'), wm(12)]
      const out = collectElements(
        from(input).pipe(
          ds.windowBy(ds.tumblingEventTimeWindows(10)).allowedLateness(3).evictor(ds.countEvictor(1)).process<number, string, string>({
            process: listed,
            clear: ctx => cleared.push(`${ctx.window.start}@${ctx.currentWatermark()}`)
          })
        )
      )
      const parts: ds.StreamElement<string, string>[][] = [[]]
      for (const e of out.elements) if (e._tag === 'Watermark') parts.push([]); else parts[parts.length - 1]!.push(e)
      expect(parts[0]).toEqual(jasmine.arrayWithExactContents([rec('2', 9, 'k'), rec('3', 9, 'j')]))
      expect(parts[1]).toEqual([rec('5', 9, 'k')])
      expect(parts[2]).toEqual([rec('4', 19, 'k')])
      expect(out.elements.filter(ds.isWatermark)).toEqual([wm(9), wm(12), wm(Infinity)])
      expect(cleared).toEqual(jasmine.arrayWithExactContents(['0@12', '0@12', '10@Infinity']))
    })
  })

  describe('errors', () => {
    it('an evictor that throws errors the stream at the firing', () => {
      const broken: ds.Evictor<number> = {
        name: 'broken',
        evictBefore: () => {
          throw new Error('cannot evict')
        },
        evictAfter: elements => elements
      }
      const out = collectElements(from<El<number>[]>([rec(1, 1, 'k'), wm(5), wm(9), rec(2, 12, 'k')]).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).evictor(broken).reduce<number, string>(sum)))
      expect(out.elements).toEqual([wm(5)])
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      expect((out.error as Error).message).toBe('windowBy: the user function threw while processing watermark 9: cannot evict')
    })
  })
})
