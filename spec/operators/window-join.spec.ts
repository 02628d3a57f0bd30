/** @test {joinWith} */
import { EMPTY, type Observable, of, Subject } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements, idle, marbleTest, rec, wm } from '../../marbles/index'
import { failureOf } from '../support/failures'
import { type L, l, type LE, type R, r, type RE, results } from '../support/joins'
import { describeBackends } from '../support/backends'

/** `joinWith(right$).where(k).equalTo(k).window(assigner)`, configured, applied with `${l.v}${r.v}`. */
function joined(
  left$: Observable<LE>,
  right$: Observable<RE>,
  assigner: ds.WindowAssigner<ds.TaggedUnion<L, R>>,
  configure: (w: ds.WindowedJoin<L, R, string>) => ds.WindowedJoin<L, R, string> = w => w,
  options?: ds.SchedulerOptions
): Observable<ds.StreamElement<string, string>> {
  const windowed = ds
    .joinWith(right$, options)
    .where((a: L) => a.k)
    .equalTo(b => b.k)
    .window(assigner)
  return left$.pipe(configure(windowed).apply((a, b) => `${a.v}${b.v}`))
}

describeBackends('joinWith', () => {
  describe('pairs per key and window', () => {
    it('emits the cross product of each key in each window when it fires, stamped maxTimestamp and keyed by the join key', () => {
      marbleTest(({ cold, expectStream }) => {
        const left = cold<LE>('-a-b---W---c|', { a: l('a', 1, 2), b: l('a', 2, 7), W: wm(9), c: l('b', 3, 12) })
        const right = cold<RE>('--x-y--V---|', { x: r('a', 'x', 5), y: r('b', 'y', 8), V: wm(9) })
        // [0, 10) fires at the combined W(9): key a has 1, 2 × x; key b only a right element there
        expectStream(joined(left, right, ds.tumblingEventTimeWindows(10))).toBe('-------(ABW)(Z|)', {
          A: rec('1x', 9, 'a'),
          B: rec('2x', 9, 'a'),
          W: wm(9),
          Z: wm(Infinity)
        })
      })
    })

    it('emits nothing for a key seen on one side only (inner join), and keeps left-major pair order', () => {
      const left = of(l('a', 1, 1), l('a', 2, 2), l('c', 9, 3))
      const right = of(r('a', 'x', 4), r('a', 'y', 5), r('b', 'z', 6))
      const out = collectElements(joined(left, right, ds.tumblingEventTimeWindows(100)))
      expect(out.elements).toEqual([rec('1x', 99, 'a'), rec('1y', 99, 'a'), rec('2x', 99, 'a'), rec('2y', 99, 'a'), wm(Infinity)])
      expect(out.completed).toBeTrue()
    })

    it('with sliding windows, emits a pair once per window the two share', () => {
      const left = of(l('a', 1, 7), l('a', 2, 3))
      const right = of(r('a', 'x', 8))
      // windows of size 10 every 5: 7 and 8 share [0, 10) and [5, 15); 3 and 8 only [0, 10)
      const out = collectElements(joined(left, right, ds.slidingEventTimeWindows(10, 5)))
      expect(results(out.elements)).toEqual(['a:1x@14', 'a:1x@9', 'a:2x@9'])
    })

    it('with session windows, sessions merge across both inputs', () => {
      const left = of(l('a', 1, 1), l('a', 2, 8), l('a', 3, 30), l('b', 4, 2))
      const right = of(r('a', 'x', 4), r('a', 'y', 40), r('b', 'z', 20))
      // key a: 1, x@4, 8 bridge into one session [1, 13); 30 and y@40 are apart (gap 5); key b too
      const out = collectElements(joined(left, right, ds.eventTimeSessionWindows(5)))
      expect(results(out.elements)).toEqual(['a:1x@12', 'a:2x@12'])
    })

    it('joins inputs that are not keyed, and ignores the keys of keyed ones (where/equalTo give the key)', () => {
      const left = of(l('a', 1, 1)).pipe(ds.keyBy(() => 'ignored'))
      const right = of(r('a', 'x', 2))
      const out = collectElements(left.pipe(ds.joinWith(right).where((a: L) => [a.k, 1] as const).equalTo(b => [b.k, 1] as const).window(ds.tumblingEventTimeWindows(10)).apply((a, b) => `${a.v}${b.v}`)))
      expect(out.elements).toEqual([rec('1x', 9, ['a', 1] as const), wm(Infinity)])
    })
  })

  describe('lateness', () => {
    it('drops a record whose windows are all late', () => {
      marbleTest(({ cold, expectStream }) => {
        const left = cold<LE>('W-a-|', { W: wm(15), a: l('a', 1, 5) })
        const right = cold<RE>('Vx--|', { V: wm(15), x: r('a', 'x', 6) })
        // the combined watermark is 15 at frame 0: [0, 10) is late for both
        expectStream(joined(left, right, ds.tumblingEventTimeWindows(10))).toBe('W---(Z|)', { W: wm(15), Z: wm(Infinity) })
      })
    })

    it('with allowedLateness, a late element re-fires its window with every pair, and the window is cleaned at maxTimestamp + lateness', () => {
      marbleTest(({ cold, expectStream }) => {
        const left = cold<LE>('a-W-------X---|', { a: l('a', 1, 2), W: wm(12), X: wm(20) })
        const right = cold<RE>('-xV---y---X-z-|', { x: r('a', 'x', 3), V: wm(12), y: r('a', 'y', 5), X: wm(20), z: r('a', 'z', 6) })
        const output = joined(left, right, ds.tumblingEventTimeWindows(10), w => w.allowedLateness(10))
        // W(12) fires [0, 10); y@5 is late but within the lateness: the window fires again with
        // both pairs; at W(20) = 9 + 10 it is cleaned, so z@6 is dropped
        expectStream(output).toBe('--(AW)(BC)X---(Z|)', {
          A: rec('1x', 9, 'a'),
          W: wm(12),
          B: rec('1x', 9, 'a'),
          C: rec('1y', 9, 'a'),
          X: wm(20),
          Z: wm(Infinity)
        })
      })
    })
  })

  describe('triggers and evictors', () => {
    it('runs a custom trigger over the tagged union (here: global windows fired every 2 elements of a key)', () => {
      const left = of(l('a', 1, 1), l('a', 2, 2), l('a', 3, 3))
      const right = of(r('a', 'x', 4), r('a', 'y', 5), r('a', 'z', 6))
      // all left elements arrive first: 1, 2 fire (no right: nothing) and are purged; 3, x fire 3x; y, z fire nothing
      const out = collectElements(joined(left, right, ds.globalWindows(), w => w.trigger(ds.purgingTrigger(ds.countTrigger(2)))))
      expect(out.elements).toEqual([rec('3x', Infinity, 'a'), wm(Infinity)])
    })

    it('runs an evictor over the tagged union before the join function', () => {
      const left = of(l('a', 1, 1), l('a', 2, 2))
      const right = of(r('a', 'x', 3))
      // countEvictor(2) keeps the last two elements in arrival order: 2 and x
      const out = collectElements(joined(left, right, ds.tumblingEventTimeWindows(10), w => w.evictor(ds.countEvictor(2))))
      expect(out.elements).toEqual([rec('2x', 9, 'a'), wm(Infinity)])
    })

    it('an evictor may look at which input an element came from', () => {
      const onlyLatestRight: ds.Evictor<ds.TaggedUnion<L, R>> = {
        name: 'onlyLatestRight',
        evictBefore: elements => {
          const lastRight = elements.map(e => e.value._tag).lastIndexOf('Two')
          return elements.filter((e, i) => e.value._tag === 'One' || i === lastRight)
        },
        evictAfter: elements => elements
      }
      const out = collectElements(joined(of(l('a', 1, 1)), of(r('a', 'x', 2), r('a', 'y', 3)), ds.tumblingEventTimeWindows(10), w => w.evictor(onlyLatestRight)))
      expect(results(out.elements)).toEqual(['a:1y@9'])
    })

    it('rejects a trigger that cannot merge with session windows', () => {
      const windowed = ds.joinWith(EMPTY as Observable<RE>).where((a: L) => a.k).equalTo(b => b.k).window(ds.eventTimeSessionWindows(5))
      expect(() => windowed.trigger(ds.deltaTrigger<ds.TaggedUnion<L, R>>(1, () => 0))).toThrowError(TypeError, /cannot merge windows/)
    })

    it('fires processing-time windows on the scheduler', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const left = cold<LE>('-a----------|', { a: l('a', 1, 100) })
        const right = cold<RE>('---x--------|', { x: r('a', 'x', 200) })
        const output = joined(left, right, ds.tumblingProcessingTimeWindows(10), w => w, { scheduler })
        expectStream(output).toBe('---------A--(Z|)', { A: rec('1x', 9, 'a'), Z: wm(Infinity) })
      })
    })
  })

  describe('watermarks, idleness and completion', () => {
    it('fires at the minimum of both inputs’ watermarks', () => {
      marbleTest(({ cold, expectStream }) => {
        const left = cold<LE>('ab-W-----X--|', { a: l('a', 1, 1), b: l('a', 2, 15), W: wm(30), X: wm(40) })
        const right = cold<RE>('x---V--Y----|', { x: r('a', 'x', 12), V: wm(9), Y: wm(19) })
        // combined: 9 at frame 4 (fires [0, 10): no right there), 19 at frame 7 (fires [10, 20): 2x)
        expectStream(joined(left, right, ds.tumblingEventTimeWindows(10))).toBe('----V--(AY)-(Z|)', {
          V: wm(9),
          A: rec('2x', 19, 'a'),
          Y: wm(19),
          Z: wm(Infinity)
        })
      })
    })

    it('leaves an idle input out, so windows fire on the active input’s watermark', () => {
      marbleTest(({ hot, expectStream }) => {
        const left = hot<LE>('a-I------', { a: l('a', 1, 1), I: idle() })
        const right = hot<RE>('-x---V---', { x: r('a', 'x', 2), V: wm(12) })
        expectStream(joined(left, right, ds.tumblingEventTimeWindows(10))).toBe('-----(AV)', { A: rec('1x', 9, 'a'), V: wm(12) })
      })
    })

    it('completes only after both inputs, flushing the open windows with the +Infinity watermark', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const left = cold<LE>('a|', { a: l('a', 1, 1) })
        const right = cold<RE>('----x---|', { x: r('a', 'x', 2) })
        expectStream(joined(left, right, ds.tumblingEventTimeWindows(10))).toBe('--------(AZ|)', { A: rec('1x', 9, 'a'), Z: wm(Infinity) })
        expectSubscriptions(left.subscriptions).toBe('^!')
        expectSubscriptions(right.subscriptions).toBe('^-------!')
      })
    })

    it('a synchronous left and an asynchronous right: the left is held in its windows, nothing deadlocks', () => {
      marbleTest(({ cold, expectStream }) => {
        const left = of<LE[]>(l('a', 1, 1), l('a', 2, 11), wm(11))
        const right = cold<RE>('--x--V--y|', { x: r('a', 'x', 5), V: wm(10), y: r('a', 'y', 15) })
        expectStream(joined(left, right, ds.tumblingEventTimeWindows(10))).toBe('-----(AV)(BZ|)', {
          A: rec('1x', 9, 'a'),
          V: wm(10),
          B: rec('2y', 19, 'a'),
          Z: wm(Infinity)
        })
      })
    })

    it('errors when an input errors, and unsubscribes the other', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const left = cold<LE>('-a----', { a: l('a', 1, 1) })
        const right = cold<RE>('--#', undefined, new Error('right failed'))
        expectStream(joined(left, right, ds.tumblingEventTimeWindows(10))).toBe('--#', undefined, new Error('right failed'))
        expectSubscriptions(left.subscriptions).toBe('^-!')
      })
    })
  })

  describe('bad input', () => {
    it('errors with a TimestampError for a record without timestamp', () => {
      const out = collectElements(joined(of(ds.streamRecord<L>({ k: 'a', v: 1 })), EMPTY, ds.tumblingEventTimeWindows(10), w => w, { uid: 'j-v1' }))
      expect(out.error).toBeInstanceOf(ds.TimestampError)
      expect((out.error as Error).message).toBe(
        'joinWith (uid j-v1): record (value { k: "a", v: 1 }, timestamp -Infinity) of the left (piped) input has no timestamp, which event-time windows (tumblingEventTimeWindows(10)) need: did you forget assignTimestampsAndWatermarks?'
      )
    })

    it('errors with a KeyError when a key selector returns something that is not a key', () => {
      const right = of(r('a', 'x', 1))
      const out = collectElements(
        of(l('a', 1, 1)).pipe(
          ds
            .joinWith(right)
            .where((a: L) => a.k)
            .equalTo(b => ({ k: b.k }) as unknown as string)
            .window(ds.tumblingEventTimeWindows(10))
            .apply(() => 0)
        )
      )
      expect(out.error).toBeInstanceOf(ds.KeyError)
      expect((out.error as Error).message).toMatch(/^joinWith: the equalTo key selector returned \{ k: "a" \} for right value \{ k: "a", v: "x" \}; an object is not a key/)
    })

    it('wraps a throwing key selector or join function in a UserFunctionError', () => {
      const boom = new Error('boom')
      const throwing = collectElements(
        of(l('a', 1, 1)).pipe(
          ds
            .joinWith(of(r('a', 'x', 2)))
            .where((_a: L): string => {
              throw boom
            })
            .equalTo(b => b.k)
            .window(ds.tumblingEventTimeWindows(10))
            .apply(() => 0)
        )
      )
      expect(throwing.error).toBeInstanceOf(ds.UserFunctionError)
      expect((throwing.error as Error).cause).toBe(boom)
      const failing = collectElements(
        of(l('a', 1, 1)).pipe(
          ds
            .joinWith(of(r('a', 'x', 2)))
            .where((a: L) => a.k)
            .equalTo(b => b.k)
            .window(ds.tumblingEventTimeWindows(10))
            .apply(() => {
              throw boom
            })
        )
      )
      expect(failing.error).toBeInstanceOf(ds.UserFunctionError)
      expect((failing.error as Error).message).toContain('joinWith: the user function threw while processing watermark Infinity: boom')
    })

    it('rejects a bad configuration when the operator is built, naming it', () => {
      expect(() => ds.joinWith({} as never)).toThrowError(TypeError, 'joinWith: the right input is {}, not an Observable')
      const where = ds.joinWith(EMPTY as Observable<RE>, { name: 'orders' })
      expect(failureOf(() => where.where(42 as never))).toBe('joinWith "orders": where() needs a key selector function, got 42')
      const equalTo = where.where((a: L) => a.k)
      expect(failureOf(() => equalTo.equalTo(null as never))).toBe('joinWith "orders": equalTo() needs a key selector function, got null')
      const windowed = equalTo.equalTo(b => b.k)
      expect(failureOf(() => windowed.window(10 as never))).toBe('joinWith "orders": window() needs a window assigner (e.g. tumblingEventTimeWindows(ms)), got 10')
      const ready = windowed.window(ds.tumblingEventTimeWindows(10))
      expect(() => ready.allowedLateness(-1)).toThrowError(RangeError, /joinWith "orders": allowedLateness must be a finite number of milliseconds >= 0, got -1/)
      expect(failureOf(() => ready.apply('x' as never))).toBe('joinWith "orders": apply() needs a join function (left, right) => result, got "x"')
    })

    it('the builder is immutable: configuring a step returns a new one and leaves the earlier one as it was', () => {
      const base = ds.joinWith(of(r('a', 'x', 2))).where((a: L) => a.k).equalTo(b => b.k).window(ds.tumblingEventTimeWindows(10))
      const lenient = base.allowedLateness(100)
      const run = (w: ds.WindowedJoin<L, R, string>): string[] => {
        const left = new Subject<LE>()
        const out: string[] = []
        left.pipe(w.apply((a, b) => `${a.v}${b.v}`)).subscribe(e => out.push(e._tag === 'Record' ? e.value : e._tag))
        left.next(wm(50)) // fires [0, 10) with x alone; without lateness it is gone now
        left.next(l('a', 1, 1))
        return out
      }
      expect(run(base)).toEqual(['Watermark'])
      expect(run(lenient)).toEqual(['Watermark', '1x'])
    })
  })
})
