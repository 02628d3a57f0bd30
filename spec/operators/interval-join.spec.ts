/** @test {intervalJoinWith} */
import { concat, EMPTY, NEVER, type Observable, of, Subject, Subscriber, Subscription, throwError } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements, idle, marbleTest, rec, side, wm } from '../../marbles/index'
import { IntervalJoinOperator } from '../../src/join/IntervalJoinOperator'
import type { ChainOutput } from '../../src/runtime/Output'
import type { ChainContext } from '../../src/runtime/Output'

/** A record's parts, as an operator's input takes them. */
const parts = <T, K>(r: ds.StreamRecord<T, K>): [T, number, K] => [r.value, r.timestamp, r.key]
import { failureOf } from '../support/failures'
import { describeBackends } from '../support/backends'

type E = ds.StreamElement<string, string>

/** An input with nothing but its completion. */
const nothing: Observable<E> = EMPTY

/** Joins two strings as `lr`. */
const concatPair: ds.ProcessJoinFunction<string, string, string, string> = (l, r, _ctx, out) => out.collect(`${l}${r}`)

/** `left$.pipe(intervalJoinWith(right$).between(lower, upper)…process(concatPair))`. */
function joined(left$: Observable<E>, right$: Observable<E>, lower: number, upper: number, configure: (j: ds.IntervalJoined<string, string>) => ds.IntervalJoined<string, string> = j => j): Observable<ds.StreamElement<string, string>> {
  return left$.pipe(configure(ds.intervalJoinWith(right$).between(lower, upper)).process(concatPair))
}

/** The main-output records as `value@ts`, sorted (the join's output order is unspecified). */
function pairs(elements: ReadonlyArray<ds.StreamElement<string, unknown>>): string[] {
  return elements.flatMap(e => (e._tag === 'Record' ? [`${e.value}@${e.timestamp}`] : [])).sort()
}

describeBackends('intervalJoinWith', () => {
  describe('matching', () => {
    it('joins each left element at t with the right elements of its key in [t + lower, t + upper], stamped max(l, r)', () => {
      marbleTest(({ cold, expectStream }) => {
        // between(-2, 1): a@5 wants right in [3, 6]; c@9 in [7, 10]
        const left = cold<E>('-a---W-c----|', { a: rec('a', 5, 'k'), W: wm(6), c: rec('c', 9, 'k') })
        const right = cold<E>('--xy-V---z--|', { x: rec('x', 4, 'k'), y: rec('y', 7, 'k'), V: wm(6), z: rec('z', 10, 'k') })
        expectStream(joined(left, right, -2, 1)).toBe('--A--W-B-C--(Z|)', {
          A: rec('ax', 5, 'k'),
          W: wm(6),
          B: rec('cy', 9, 'k'),
          C: rec('cz', 10, 'k'),
          Z: wm(Infinity)
        })
      })
    })

    it('emits every pair exactly once, when its later element arrives, whichever side that is', () => {
      marbleTest(({ cold, expectStream }) => {
        const left = cold<E>('a--b---|', { a: rec('a', 10, 'k'), b: rec('b', 20, 'k') })
        const right = cold<E>('-x--y--|', { x: rec('x', 12, 'k'), y: rec('y', 11, 'k') })
        // between(0, 5): a@10 joins x@12 and y@11 (both after a); b@20 joins nothing
        expectStream(joined(left, right, 0, 5)).toBe('-A--B--(Z|)', { A: rec('ax', 12, 'k'), B: rec('ay', 11, 'k'), Z: wm(Infinity) })
      })
    })

    it('joins only elements of the same key, and keys the result with it (composite keys too)', () => {
      type CK = readonly [string, number]
      const left: Observable<ds.StreamElement<string, CK>> = of(rec<string, CK>('a', 1, ['u', 1]), rec<string, CK>('b', 1, ['u', 2]))
      const right: Observable<ds.StreamElement<string, CK>> = of(rec<string, CK>('x', 1, ['u', 1]), rec<string, CK>('y', 1, ['u', 3]))
      const out = collectElements(left.pipe(ds.intervalJoinWith(right).between(0, 0).process<string, string>((l, r, ctx, o) => o.collect(`${l}${r}:${ctx.getCurrentKey().join('/')}`))))
      expect(out.elements).toEqual([rec('ax:u/1', 1, ['u', 1] as CK), wm(Infinity)])
      expect(out.completed).toBeTrue()
    })

    it('excludes the bounds with lowerBoundExclusive / upperBoundExclusive (integer ms: one inside)', () => {
      const left = of(rec('l', 10, 'k'))
      const right = of(...[7, 8, 9, 10, 11, 12, 13].map(t => rec(`${t}`, t, 'k')))
      const run = (configure: (j: ds.IntervalJoined<string, string>) => ds.IntervalJoined<string, string>) =>
        pairs(collectElements(joined(left, right, -2, 2, configure)).elements)
      expect(run(j => j)).toEqual(['l10@10', 'l11@11', 'l12@12', 'l8@10', 'l9@10'])
      expect(run(j => j.lowerBoundExclusive())).toEqual(['l10@10', 'l11@11', 'l12@12', 'l9@10'])
      expect(run(j => j.upperBoundExclusive())).toEqual(['l10@10', 'l11@11', 'l8@10', 'l9@10'])
      expect(run(j => j.lowerBoundExclusive().upperBoundExclusive())).toEqual(['l10@10', 'l11@11', 'l9@10'])
    })

    it('handles bounds that are both negative or both positive, and a zero-width interval', () => {
      const left = of(rec('l', 100, 'k'))
      const right = of(...[94, 95, 97, 99, 100, 101, 103, 105, 106].map(t => rec(`${t}`, t, 'k')))
      const run = (lower: number, upper: number) => pairs(collectElements(joined(left, right, lower, upper)).elements)
      expect(run(-5, -1)).toEqual(['l95@100', 'l97@100', 'l99@100'])
      expect(run(1, 5)).toEqual(['l101@101', 'l103@103', 'l105@105'])
      expect(run(0, 0)).toEqual(['l100@100'])
      // exclusive bounds around a zero-width interval leave nothing
      expect(pairs(collectElements(joined(left, right, 0, 0, j => j.lowerBoundExclusive())).elements)).toEqual([])
    })

    it('gives the function the left, right and result timestamps, the key and the watermark; ctx.output uses the result timestamp', () => {
      const info = new ds.OutputTag<string>('info')
      const left = new Subject<E>()
      const right = new Subject<E>()
      const elements: ds.StreamElement<string, string>[] = []
      left
        .pipe(
          ds.intervalJoinWith(right).between(-10, 10).process<string, string>({
            processElement: (l, r, ctx, out) => {
              out.collect(`${l}${r} l=${ctx.leftTimestamp()} r=${ctx.rightTimestamp()} t=${ctx.timestamp()} k=${ctx.getCurrentKey()} w=${ctx.currentWatermark()}`)
              ctx.output(info, `${l}${r}`)
            }
          })
        )
        .subscribe(e => elements.push(e))
      left.next(wm(0))
      right.next(wm(3))
      left.next(rec('a', 5, 'k'))
      right.next(rec('x', 2, 'k'))
      expect(elements).toEqual([wm(0), rec('ax l=5 r=2 t=5 k=k w=0', 5, 'k'), side(info, 'ax', 5)])
    })
  })

  describe('watermarks and lateness', () => {
    it('forwards the minimum of both inputs, after dropping the buffers it makes useless', () => {
      marbleTest(({ cold, expectStream }) => {
        const left = cold<E>('-W---X--|', { W: wm(10), X: wm(30) })
        const right = cold<E>('---V----Y|', { V: wm(20), Y: wm(40) })
        // 10 once both reported; 20; 30 when the left has 30; 40 when the left completes (+∞ there)
        expectStream(joined(left, right, 0, 0)).toBe('---A-B--C(D|)', { A: wm(10), B: wm(20), C: wm(40), D: wm(Infinity) })
      })
    })

    it('drops a record with ts < watermark (strict), but joins one at the watermark', () => {
      marbleTest(({ cold, expectStream }) => {
        const left = cold<E>('W-ab--|', { W: wm(5), a: rec('a', 4, 'k'), b: rec('b', 5, 'k') })
        const right = cold<E>('V---xy|', { V: wm(5), x: rec('x', 5, 'k'), y: rec('y', 4, 'k') })
        // a@4 and y@4 are late (< 5) and join nothing; b@5 and x@5 are not
        expectStream(joined(left, right, -10, 10)).toBe('W---B-(Z|)', { W: wm(5), B: rec('bx', 5, 'k'), Z: wm(Infinity) })
      })
    })

    it('sends late records to the left and right late side outputs, unchanged with their own timestamps', () => {
      marbleTest(({ cold, expectStream }) => {
        const leftLate = new ds.OutputTag<string>('left_late')
        const rightLate = new ds.OutputTag<string>('right_late')
        const left = cold<E>('W-a--b|', { W: wm(5), a: rec('a', 4, 'k'), b: rec('b', 7, 'k') })
        const right = cold<E>('V--y-x|', { V: wm(5), y: rec('y', 3, 'k'), x: rec('x', 6, 'k') })
        const output = joined(left, right, -2, 2, j => j.sideOutputLeftLateData(leftLate).sideOutputRightLateData(rightLate))
        expectStream(output).toBe('W-LR-B(Z|)', {
          W: wm(5),
          L: side(leftLate, 'a', 4),
          R: side(rightLate, 'y', 3),
          B: rec('bx', 7, 'k'),
          Z: wm(Infinity)
        })
      })
    })

    it('an element buffered at the watermark still joins until the next advance (Flink: its cleanup timer fires then)', () => {
      const run = (lower: number, upper: number, feed: (left: Subject<E>, right: Subject<E>) => void): string[] => {
        const left = new Subject<E>()
        const right = new Subject<E>()
        const out: string[] = []
        joined(left, right, lower, upper).subscribe(e => {
          if (e._tag === 'Record') out.push(`${e.value}@${e.timestamp}`)
        })
        feed(left, right)
        return out
      }
      // between(0, 5): a right element at t is gone once the watermark reaches t
      expect(run(0, 5, (l, r) => (l.next(wm(10)), r.next(wm(10)), r.next(rec('x', 10, 'k')), l.next(rec('a', 10, 'k'))))).toEqual(['ax@10'])
      expect(run(0, 5, (l, r) => (l.next(wm(9)), r.next(wm(9)), r.next(rec('x', 10, 'k')), l.next(wm(10)), r.next(wm(10)), l.next(rec('a', 10, 'k'))))).toEqual([])
      // between(-5, 0): a left element at t is gone once the watermark reaches t
      expect(run(-5, 0, (l, r) => (l.next(wm(10)), r.next(wm(10)), l.next(rec('a', 10, 'k')), r.next(rec('x', 10, 'k'))))).toEqual(['ax@10'])
      expect(run(-5, 0, (l, r) => (l.next(wm(9)), r.next(wm(9)), l.next(rec('a', 10, 'k')), l.next(wm(10)), r.next(wm(10)), r.next(rec('x', 10, 'k'))))).toEqual([])
      // between(-5, 5): a right element at t is gone once the watermark reaches t + 5, even if buffered at it
      expect(run(-5, 5, (l, r) => (l.next(wm(9)), r.next(wm(9)), r.next(rec('x', 10, 'k')), l.next(wm(15)), r.next(wm(15)), l.next(rec('a', 15, 'k'))))).toEqual([])
      expect(run(-5, 5, (l, r) => (l.next(wm(9)), r.next(wm(9)), r.next(rec('x', 10, 'k')), l.next(wm(14)), r.next(wm(14)), l.next(rec('a', 15, 'k'))))).toEqual(['ax@15'])
    })

    it('before any watermark nothing is late (the combined watermark is -Infinity until both inputs reported)', () => {
      const left = new Subject<E>()
      const right = new Subject<E>()
      const out: string[] = []
      joined(left, right, 0, 0).subscribe(e => out.push(e._tag === 'Record' ? `${e.value}@${e.timestamp}` : `W${e._tag === 'Watermark' ? e.timestamp : '?'}`))
      left.next(wm(100)) // the right input has not reported: the combined watermark stays -Infinity
      left.next(rec('a', 1, 'k'))
      right.next(rec('x', 1, 'k'))
      expect(out).toEqual(['ax@1'])
    })

    it('leaves an idle input out of the combined watermark, so the join does not stall', () => {
      marbleTest(({ hot, expectStream }) => {
        const left = hot<E>('-W--I-----a--', { W: wm(5), I: idle(), a: rec('a', 1, 'k') })
        const right = hot<E>('--X----Y---x', { X: wm(9), Y: wm(15), x: rec('x', 20, 'k') })
        // once the left is idle, the right alone drives the watermark; the idle left's late a@1 is dropped
        expectStream(joined(left, right, -100, 100)).toBe('--A-B--C----', { A: wm(5), B: wm(9), C: wm(15) })
      })
    })

    it('with withIdleness, an input that stops sending does not hold the joined output back', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        interface Ev { readonly k: string; readonly v: string; readonly ts: number }
        const bounded = ds.WatermarkStrategy.forBoundedOutOfOrderness<Ev>(0).withTimestampAssigner(e => e.ts)
        const options = { autoWatermarkInterval: 5, scheduler }
        // the left sends one event and then nothing until it completes; it is idle from frame 25
        const left = cold<Ev>('a 99ms |', { a: { k: 'k', v: 'a', ts: 10 } }).pipe(
          ds.assignTimestampsAndWatermarks(bounded.withIdleness(10), options),
          ds.keyBy(e => e.k)
        )
        const right = cold<Ev>('x 29ms y 19ms z 49ms |', { x: { k: 'k', v: 'x', ts: 12 }, y: { k: 'k', v: 'y', ts: 40 }, z: { k: 'k', v: 'z', ts: 60 } }).pipe(
          ds.assignTimestampsAndWatermarks(bounded, options),
          ds.keyBy(e => e.k)
        )
        const output = left.pipe(ds.intervalJoinWith(right).between(0, 5).process<Ev, string>((l, r, _ctx, out) => out.collect(`${l.v}${r.v}`)))
        // 9 = min(9, 11) at the first tick; from frame 25 the right alone: 11, 39, 59
        expectStream(output).toBe('A 4ms B 19ms C 4ms D 19ms E 49ms (Z|)', {
          A: rec('ax', 12, 'k'),
          B: wm(9),
          C: wm(11),
          D: wm(39),
          E: wm(59),
          Z: wm(Infinity)
        })
      })
    })
  })

  describe('completion and asynchrony', () => {
    it('completes only once both inputs have, after the +Infinity watermark', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const left = cold<E>('-a|', { a: rec('a', 1, 'k') })
        const right = cold<E>('-----x---|', { x: rec('x', 2, 'k') })
        expectStream(joined(left, right, 0, 5)).toBe('-----A---(Z|)', { A: rec('ax', 2, 'k'), Z: wm(Infinity) })
        expectSubscriptions(left.subscriptions).toBe('^-!')
        expectSubscriptions(right.subscriptions).toBe('^--------!')
      })
    })

    it('a synchronous left and an asynchronous right: the left is buffered, the right joins as it comes, no deadlock', () => {
      marbleTest(({ cold, expectStream }) => {
        const left = of<E[]>(rec('a', 1, 'k'), rec('b', 2, 'k'), wm(2))
        const right = cold<E>('--x-----V-y|', { x: rec('x', 2, 'k'), V: wm(10), y: rec('y', 12, 'k') })
        // the left completes at once (+∞ for it); the right's watermark then alone is the minimum
        expectStream(joined(left, right, 0, 10)).toBe('--(AB)--V-C(Z|)', {
          A: rec('ax', 2, 'k'),
          B: rec('bx', 2, 'k'),
          V: wm(10),
          C: rec('by', 12, 'k'),
          Z: wm(Infinity)
        })
      })
    })

    it('an asynchronous left and a synchronous right', () => {
      marbleTest(({ cold, expectStream }) => {
        const left = cold<E>('--a--b|', { a: rec('a', 3, 'k'), b: rec('b', 30, 'k') })
        const right = of<E[]>(rec('x', 1, 'k'), rec('y', 4, 'k'))
        // between(-5, 1): a@3 joins [-2, 4]; b@30 nothing
        expectStream(joined(left, right, -5, 1)).toBe('--(AB)(Z|)', { A: rec('ax', 3, 'k'), B: rec('ay', 4, 'k'), Z: wm(Infinity) })
      })
    })

    it('never completes while an input does not', () => {
      marbleTest(({ cold, expectStream }) => {
        const left = cold<E>('-a|', { a: rec('a', 1, 'k') })
        expectStream(joined(left, concat(of(rec('x', 1, 'k')), NEVER), 0, 0)).toBe('-A--', { A: rec('ax', 1, 'k') })
      })
    })

    it('errors when an input errors, and unsubscribes the other', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const left = cold<E>('-a----', { a: rec('a', 1, 'k') })
        const right = cold<E>('---#', undefined, new Error('right failed'))
        expectStream(joined(left, right, 0, 0)).toBe('---#', undefined, new Error('right failed'))
        expectSubscriptions(left.subscriptions).toBe('^--!')
      })
    })
  })

  describe('buffers', () => {
    /** Drives the runtime directly, as Flink's harness does, to see what it keeps. */
    function harness(lower: number, upper: number) {
      const output: ds.StreamElement<string, string>[] = []
      const destination: ChainOutput<string, string> = {
        record: (value, timestamp, key) => output.push(ds.streamRecord(value, timestamp, key)),
        watermark: time => output.push(ds.watermark(time)),
        element: e => output.push(e),
        complete: () => undefined,
        error: error => {
          throw error
        }
      }
      const context: ChainContext = {
        destination: new Subscriber<unknown>(),
        teardown: new Subscription(),
        fail: (_downstream, _info, error) => {
          throw error
        }
      }
      const join = new IntervalJoinOperator<string, string, string, string>(
        {
          info: { kind: 'intervalJoinWith', name: 'spec', uid: undefined },
          lowerBound: lower,
          upperBound: upper,
          leftLateTag: undefined,
          rightLateTag: undefined,
          fn: (l, r, _ctx, out) => out.collect(`${l}${r}`),
          scheduler: { now: () => 0, schedule: () => { throw new Error('no processing time') } } as never,
          maxParallelism: undefined
        },
        destination,
        context
      )
      return { join, output }
    }

    // Flink's rule: a left element at t goes when the watermark reaches t + upper (t if upper <= 0),
    // a right one at t - lower (t if lower >= 0).
    const cases: [number, number, number, number[], number[]][] = [
      [-1, 1, 2, [2, 3, 4], [2, 3, 4]],
      [-1, 1, 4, [4], [4]],
      [-2, -1, 2, [3, 4], [1, 2, 3, 4]],
      [1, 2, 2, [1, 2, 3, 4], [3, 4]],
      [0, 0, 2, [3, 4], [3, 4]],
      [-3, 3, 3, [1, 2, 3, 4], [1, 2, 3, 4]]
    ]
    for (const [lower, upper, watermark, left, right] of cases) {
      it(`between(${lower}, ${upper}) keeps left ${left.join(',')} and right ${right.join(',')} at watermark ${watermark}`, () => {
        const { join } = harness(lower, upper)
        for (let t = 1; t <= 4; t++) {
          join.processLeft(...parts(rec<string, string>(`l${t}`, t, 'k')))
          join.processRight(...parts(rec<string, string>(`r${t}`, t, 'k')))
        }
        join.processWatermark(watermark)
        expect(join.bufferedTimestamps()).toEqual({ left, right })
        join.processWatermark(Infinity)
        expect(join.bufferedTimestamps()).toEqual({ left: [], right: [] })
        expect(join.footprint()).toEqual({ elements: 0, keys: 0, timers: 0 })
      })
    }

    it('keeps memory bounded by the interval: buffers do not grow with the input', () => {
      const { join, output } = harness(-50, 50)
      let most = 0
      for (let t = 0; t < 20_000; t++) {
        const key = `k${t % 97}`
        join.processLeft(...parts(rec<string, string>(`l`, t, key)))
        join.processRight(...parts(rec<string, string>(`r`, t + 3, key)))
        // the watermark lags 10 behind: a left element lives ≈ upper + lag, a right one ≈ -lower + lag
        if (t % 5 === 0) join.processWatermark(t - 10)
        if (t % 1000 === 0) most = Math.max(most, join.footprint().elements)
      }
      // alive: about (upper + lag) of left and (-lower + lag) of right elements per ms; dead ones
      // wait at most the slack (50) for their key's timer
      expect(most).toBeLessThan(2 * (50 + 10 + 50 + 10))
      // each left element meets exactly its right partner (same key 3 ms later; other elements of a key are 97 ms apart)
      expect(output.filter(e => e._tag === 'Record').length).toBe(20_000)
      join.processWatermark(Infinity)
      expect(join.footprint()).toEqual({ elements: 0, keys: 0, timers: 0 })
    })

    it('keeps equal timestamps in arrival order and out-of-order arrivals sorted', () => {
      const { join, output } = harness(0, 10)
      join.processRight(...parts(rec<string, string>('x', 8, 'k')))
      join.processRight(...parts(rec<string, string>('y', 3, 'k')))
      join.processRight(...parts(rec<string, string>('z', 3, 'k')))
      join.processRight(...parts(rec<string, string>('w', 5, 'k')))
      expect(join.bufferedTimestamps().right).toEqual([3, 3, 5, 8])
      join.processLeft(...parts(rec<string, string>('a', 0, 'k')))
      expect(output.map(e => (e._tag === 'Record' ? e.value : e._tag))).toEqual(['ay', 'az', 'aw', 'ax'])
    })
  })

  describe('bad input', () => {
    it('rejects lower > upper when the bounds are given, naming the operator and the values', () => {
      const right = nothing
      expect(failureOf(() => ds.intervalJoinWith(right, { name: 'orders-payments', uid: 'op-v1' }).between(5, 1))).toBe(
        'intervalJoinWith "orders-payments" (uid op-v1): lowerBound 5 is greater than upperBound 1; between(lower, upper) needs lower <= upper'
      )
      expect(() => ds.intervalJoinWith(right).between(1.5, 2)).toThrowError(RangeError, /lowerBound must be an integer number of milliseconds, got 1.5/)
      expect(() => ds.intervalJoinWith(right).between(0, Infinity)).toThrowError(RangeError, /upperBound must be an integer/)
      expect(() => ds.intervalJoinWith(right).between(0, NaN)).toThrowError(RangeError, /upperBound/)
    })

    it('rejects what is not an Observable, a function or a tag, when the operator is built', () => {
      expect(() => ds.intervalJoinWith([] as never)).toThrowError(TypeError, /intervalJoinWith: the right input is \[\], not an Observable/)
      expect(() => ds.intervalJoinWith(nothing).between(0, 1).process(42 as never)).toThrowError(TypeError, /process\(\) needs a process join function/)
      expect(() => ds.intervalJoinWith(nothing).between(0, 1).sideOutputLeftLateData(null as never)).toThrowError(TypeError, /needs an OutputTag/)
      expect(() => ds.intervalJoinWith(nothing, { maxParallelism: 0 })).toThrowError(RangeError, /maxParallelism/)
    })

    it('errors with a KeyError when a left record has no key (a JavaScript caller skipped keyBy)', () => {
      const left = of(ds.streamRecord('a', 1)) as unknown as Observable<E>
      const out = collectElements(left.pipe(ds.intervalJoinWith(nothing, { uid: 'j1' }).between(0, 1).process(concatPair)))
      expect(out.error).toBeInstanceOf(ds.KeyError)
      expect((out.error as Error).message).toBe(
        'intervalJoinWith (uid j1): record (value "a", timestamp 1) of the left (piped) input has no key: intervalJoinWith needs two keyed streams; apply keyBy to both inputs first'
      )
    })

    it('errors with a KeyError when a right record has no key', () => {
      const right = of(ds.streamRecord('x', 1)) as unknown as Observable<E>
      const out = collectElements(of<E[]>(rec('a', 1, 'k')).pipe(ds.intervalJoinWith(right).between(0, 1).process(concatPair)))
      expect(out.error).toBeInstanceOf(ds.KeyError)
      expect((out.error as Error).message).toContain('of the right input has no key')
    })

    it('errors with a TimestampError for a record without timestamp', () => {
      const out = collectElements(of<E[]>(ds.streamRecord('a', ds.NO_TIMESTAMP, 'k')).pipe(ds.intervalJoinWith(nothing).between(0, 1).process(concatPair)))
      expect(out.error).toBeInstanceOf(ds.TimestampError)
      expect((out.error as Error).message).toBe(
        'intervalJoinWith: record (value "a", timestamp -Infinity, key "k") of the left (piped) input has no timestamp: the interval join matches by event time; did you forget assignTimestampsAndWatermarks?'
      )
    })

    it('wraps what the function throws in a UserFunctionError naming the operator and the record', () => {
      const boom = new Error('boom')
      const out = collectElements(
        of<E[]>(rec('a', 1, 'k')).pipe(
          ds.intervalJoinWith(of<E[]>(rec('x', 1, 'k')), { name: 'pairs' })
            .between(0, 0)
            .process(() => {
              throw boom
            })
        )
      )
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      expect((out.error as Error).cause).toBe(boom)
      expect((out.error as Error).message).toBe('intervalJoinWith "pairs": the user function threw while processing record (value "x", timestamp 1, key "k"): boom')
    })

    it('passes an upstream error through as it is', () => {
      const failure = new Error('source')
      const failing: Observable<E> = throwError(() => failure)
      const out = collectElements(failing.pipe(ds.intervalJoinWith(nothing).between(0, 1).process(concatPair)))
      expect(out.error).toBe(failure)
    })
  })
})
