/** @test {coGroupWith} */
import { EMPTY, type Observable, of } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements, marbleTest, rec, wm } from '../../marbles/index'
import { failureOf } from '../support/failures'
import { type L, l, type LE, type R, r, type RE, results } from '../support/joins'
import { describeBackends } from '../support/backends'

/** Each call of the coGroup function, as `[lefts]|[rights]`. */
const lists: ds.CoGroupFunction<L, R, string> = (ls, rs, out) => out.collect(`[${ls.map(x => x.v).join(',')}]|[${rs.map(x => x.v).join(',')}]`)

function coGrouped<X>(
  left$: Observable<LE>,
  right$: Observable<RE>,
  assigner: ds.WindowAssigner<ds.TaggedUnion<L, R>>,
  fn: ds.CoGroupFunction<L, R, X>,
  configure: (w: ds.WindowedCoGroup<L, R, string>) => ds.WindowedCoGroup<L, R, string> = w => w
): Observable<ds.StreamElement<X, string>> {
  const windowed = ds
    .coGroupWith(right$)
    .where((a: L) => a.k)
    .equalTo(b => b.k)
    .window(assigner)
  return left$.pipe(configure(windowed).apply(fn))
}

describeBackends('coGroupWith', () => {
  it('calls the function once per key and window with both sides in arrival order, either side possibly empty', () => {
    marbleTest(({ cold, expectStream }) => {
      const left = cold<LE>('-abc-W-----|', { a: l('a', 2, 7), b: l('a', 1, 2), c: l('b', 3, 8), W: wm(9) })
      const right = cold<RE>('x---yV----z|', { x: r('a', 'x', 5), y: r('c', 'y', 1), V: wm(9), z: r('a', 'z', 12) })
      // [0, 10): a has [2, 1] (arrival order, not timestamp order) and [x]; b only lefts; c only rights.
      // [10, 20) at the end: a has no lefts there
      expectStream(coGrouped(left, right, ds.tumblingEventTimeWindows(10), lists)).toBe('-----(ABCW)(DZ|)', {
        A: rec('[2,1]|[x]', 9, 'a'),
        B: rec('[3]|[]', 9, 'b'),
        C: rec('[]|[y]', 9, 'c'),
        W: wm(9),
        D: rec('[]|[z]', 19, 'a'),
        Z: wm(Infinity)
      })
    })
  })

  it('makes outer joins: every left element with its matches or none', () => {
    const orders = of(l('o1', 30, 1), l('o2', 5, 2), l('o3', 7, 3))
    const payments = of(r('o1', 'card', 4), r('o3', 'cash', 5), r('o3', 'card', 6), r('o4', 'card', 7))
    const leftOuter: ds.CoGroupFunction<L, R, string> = (os, ps, out) => {
      for (const o of os) {
        if (ps.length === 0) out.collect(`${o.k} unpaid`)
        for (const p of ps) out.collect(`${o.k} ${p.v}`)
      }
    }
    const out = collectElements(coGrouped(orders, payments, ds.tumblingEventTimeWindows(60_000), leftOuter))
    expect(results(out.elements)).toEqual(['o1:o1 card@59999', 'o2:o2 unpaid@59999', 'o3:o3 card@59999', 'o3:o3 cash@59999'])
    expect(out.completed).toBeTrue()
  })

  it('with sliding windows, is called once per window an element belongs to', () => {
    const out = collectElements(coGrouped(of(l('a', 1, 7)), of(r('a', 'x', 12)), ds.slidingEventTimeWindows(10, 5), lists))
    // 7 is in [0, 10) and [5, 15); 12 in [5, 15) and [10, 20)
    expect(results(out.elements)).toEqual(['a:[1]|[]@9', 'a:[1]|[x]@14', 'a:[]|[x]@19'].sort())
  })

  it('with session windows, gets the elements of merged sessions of both inputs', () => {
    // merged windows' contents are concatenated in no particular order: compare sorted
    const sorted: ds.CoGroupFunction<L, R, string> = (ls, rs, o) => o.collect(`${ls.map(x => x.v).sort().join(',')}|${rs.map(x => x.v).join(',')}`)
    const out = collectElements(coGrouped(of(l('a', 1, 1), l('a', 2, 9)), of(r('a', 'x', 5), r('a', 'y', 30)), ds.eventTimeSessionWindows(5), sorted))
    // 1, x@5, 9 bridge into [1, 14); y@30 is a session of its own
    expect(results(out.elements)).toEqual(['a:1,2|x@13', 'a:|y@34'])
  })

  it('is never called with two empty lists (an evictor that removed everything)', () => {
    const everything: ds.Evictor<ds.TaggedUnion<L, R>> = { name: 'everything', evictBefore: () => [], evictAfter: e => e }
    let calls = 0
    const out = collectElements(coGrouped(of(l('a', 1, 1)), of(r('a', 'x', 2)), ds.tumblingEventTimeWindows(10), () => void calls++, w => w.evictor(everything)))
    expect(calls).toBe(0)
    expect(out.elements).toEqual([wm(Infinity)])
  })

  it('with allowedLateness, a late element calls the function again with everything in the window', () => {
    marbleTest(({ cold, expectStream }) => {
      const left = cold<LE>('aW------|', { a: l('a', 1, 2), W: wm(12) })
      const right = cold<RE>('-V---x--|', { V: wm(12), x: r('a', 'x', 3) })
      // W(12) fires [0, 10) with 1 alone; x@3 is late by 9 but within the lateness (cleanup at 14)
      expectStream(coGrouped(left, right, ds.tumblingEventTimeWindows(10), lists, w => w.allowedLateness(5))).toBe('-(AW)B--(Z|)', {
        A: rec('[1]|[]', 9, 'a'),
        W: wm(12),
        B: rec('[1]|[x]', 9, 'a'),
        Z: wm(Infinity)
      })
    })
  })

  it('emits any number of results per call, each with the window’s maxTimestamp and the key', () => {
    const out = collectElements(
      coGrouped<number>(of(l('a', 2, 1)), EMPTY, ds.tumblingEventTimeWindows(10), (ls, _rs, o) => {
        for (const x of ls) for (let i = 0; i < x.v; i++) o.collect(i)
      })
    )
    expect(out.elements).toEqual([rec(0, 9, 'a'), rec(1, 9, 'a'), wm(Infinity)])
  })

  it('wraps what the function throws in a UserFunctionError naming the operator', () => {
    const boom = new Error('boom')
    const out = collectElements(
      of(l('a', 1, 1)).pipe(
        ds
          .coGroupWith(EMPTY as Observable<RE>, { name: 'outer' })
          .where((a: L) => a.k)
          .equalTo(b => b.k)
          .window(ds.tumblingEventTimeWindows(10))
          .apply(() => {
            throw boom
          })
      )
    )
    expect(out.error).toBeInstanceOf(ds.UserFunctionError)
    expect((out.error as Error).cause).toBe(boom)
    expect((out.error as Error).message).toBe('coGroupWith "outer": the user function threw while processing watermark Infinity: boom')
  })

  it('rejects a bad configuration when the operator is built', () => {
    expect(() => ds.coGroupWith(null as never)).toThrowError(TypeError, 'coGroupWith: the right input is null, not an Observable')
    const windowed = ds.coGroupWith(EMPTY as Observable<RE>, { uid: 'cg' }).where((a: L) => a.k).equalTo(b => b.k)
    expect(failureOf(() => windowed.window({} as never))).toBe('coGroupWith (uid cg): window() needs a window assigner (e.g. tumblingEventTimeWindows(ms)), got {}')
    expect(failureOf(() => windowed.window(ds.tumblingEventTimeWindows(10)).apply(undefined as never))).toBe(
      'coGroupWith (uid cg): apply() needs a coGroup function (lefts, rights, out) => void, got undefined'
    )
  })
})
