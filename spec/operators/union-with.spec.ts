import { defer, type Observable, of, take, throwError } from 'rxjs'
import * as ds from '../../src/index'
import { active, barrier, collectElements, idle, marbleTest, rec, side, wm } from '../../marbles/index'

interface E {
  readonly id: string
  readonly ts: number
}
const e = (id: string, ts: number): E => ({ id, ts })

describe('unionWith', () => {
  describe('records', () => {
    it('passes the records of every input through as they arrive, in order or not', () => {
      marbleTest(({ cold, expectStream }) => {
        const left = cold('-a---b---|', { a: rec('a', 1), b: rec('b', 9) })
        const right = cold('--c---d----|', { c: rec('c', 20), d: rec('d', 2) })
        // no watermarks: each input counts as +∞ once complete, so +∞ leaves with the last one
        expectStream(left.pipe(ds.unionWith(right))).toBe('-ac--bd----(Z|)', {
          a: rec('a', 1),
          b: rec('b', 9),
          c: rec('c', 20),
          d: rec('d', 2),
          Z: wm(Infinity)
        })
      })
    })

    it('drops the keys of keyed inputs: the union is not keyed', () => {
      const keyed = of(rec('a', 1, 'k1'), rec('b', 2, ['k', 2]))
      const plain = of(rec('c', 3))
      const out = collectElements(keyed.pipe(ds.unionWith(plain)))
      expect(out.elements).toEqual([rec('a', 1), rec('b', 2), rec('c', 3), wm(Infinity)])
      expect(out.elements.filter(el => el._tag === 'Record').map(r => (r as { key: unknown }).key)).toEqual([undefined, undefined, undefined])
      expect(out.completed).toBeTrue()
    })

    it('aligns checkpoint barriers: a newer one aborts the pending one (a cancellation marker goes on); an input that ends counts as aligned', () => {
      marbleTest(({ cold, expectStream }) => {
        const late = new ds.OutputTag<string>('late')
        const left = cold('-s-B-|', { s: side(late, 'x', 3), B: barrier(1) })
        const right = cold('--t-C-|', { t: side(late, 'y', 4), C: barrier(2, 7, 'savepoint') })
        expectStream(left.pipe(ds.unionWith(right))).toBe('-st-DC(Z|)', {
          s: side(late, 'x', 3),
          t: side(late, 'y', 4),
          D: ds.cancelCheckpointMarker(1),
          C: barrier(2, 7, 'savepoint'),
          Z: wm(Infinity)
        })
      })
    })
  })

  describe('watermarks', () => {
    it('emits the minimum over the inputs, only when it increases, and nothing before every input reported', () => {
      marbleTest(({ cold, expectStream }) => {
        // left:  5@1, 10@5, 10 again@7, 20@11, |@14
        // right: 3@3, 7@7, 6 (lower, ignored)@8, 12@10, |@13
        const left = cold('-W---X-X---Y--|', { W: wm(5), X: wm(10), Y: wm(20) })
        const right = cold('---A---BL-C--|', { A: wm(3), B: wm(7), L: wm(6), C: wm(12) })
        expectStream(left.pipe(ds.unionWith(right))).toBe('---A---B--CD-E(Z|)', {
          A: wm(3),
          B: wm(7),
          C: wm(10),
          D: wm(12),
          E: wm(20),
          Z: wm(Infinity)
        })
      })
    })

    it('waits for an input that sends records but no watermark', () => {
      marbleTest(({ cold, hot, expectStream }) => {
        const left = cold('-W--X--', { W: wm(5), X: wm(10) })
        const right = hot('--a----', { a: rec('a', 1) })
        expectStream(left.pipe(ds.unionWith(right))).toBe('--a----', { a: rec('a', 1) })
      })
    })

    it('lets a watermark out after the records that preceded it on the input that advanced it', () => {
      marbleTest(({ cold, expectStream }) => {
        const left = cold('-(aW)---|', { a: rec('a', 4), W: wm(4) })
        const right = cold('--(bV)-|', { b: rec('b', 6), V: wm(6) })
        expectStream(left.pipe(ds.unionWith(right))).toBe('-a(bW)--(Z|)', {
          a: rec('a', 4),
          b: rec('b', 6),
          W: wm(4),
          Z: wm(Infinity)
        })
      })
    })

    it('counts a completed input as +Infinity, and completes only when every input has completed', () => {
      marbleTest(({ cold, expectStream }) => {
        const left = cold('-a-|', { a: rec('a', 1) })
        const right = cold('--W---X---|', { W: wm(5), X: wm(10) })
        // right's 5 waits for left (still at -∞) until left completes at frame 3
        expectStream(left.pipe(ds.unionWith(right))).toBe('-a-W--X---(Z|)', {
          a: rec('a', 1),
          W: wm(5),
          X: wm(10),
          Z: wm(Infinity)
        })
      })
    })

    it('does not complete while one input is still open, even once the others reached +Infinity', () => {
      marbleTest(({ cold, hot, expectStream }) => {
        const left = cold('-a|', { a: rec('a', 1) })
        const right = hot('---b---', { b: rec('b', 2) })
        expectStream(left.pipe(ds.unionWith(right))).toBe('-a-b---', { a: rec('a', 1), b: rec('b', 2) })
      })
    })
  })

  describe('idleness', () => {
    it('excludes an idle input from the minimum (its status is not forwarded while others are active)', () => {
      marbleTest(({ hot, expectStream }) => {
        const left = hot('-W---X---|', { W: wm(5), X: wm(10) })
        const right = hot('--I-------', { I: idle() })
        expectStream(left.pipe(ds.unionWith(right))).toBe('--A--B---Z', { A: wm(5), B: wm(10), Z: wm(Infinity) })
      })
    })

    it('excludes an input that withIdleness marks idle under virtual time', () => {
      marbleTest(({ cold, hot, expectStream, scheduler }) => {
        // ticks every 5: 99 at 5; no event at 10 starts the countdown; idle at 25; the source
        // completes at 100 (ACTIVE, +∞)
        const clicks = cold<E>('a 99ms |', { a: e('a', 100) }).pipe(
          ds.assignTimestampsAndWatermarks(
            ds.WatermarkStrategy.forMonotonousTimestamps<E>()
              .withTimestampAssigner(x => x.ts)
              .withIdleness(10),
            { autoWatermarkInterval: 5, scheduler }
          )
        )
        const views = hot('-Wx 27ms B 9ms C', { W: wm(50), x: rec('x', 55), B: wm(120), C: wm(200) })
        // without idleness the output would stop at 99 (clicks' watermark)
        expectStream(clicks.pipe(ds.unionWith(views))).toBe('a-x--W 24ms B 9ms C', {
          a: rec(e('a', 100), 100),
          x: rec('x', 55),
          W: wm(50),
          B: wm(120),
          C: wm(200)
        })
      })
    })

    it('lets a resumed input rejoin the minimum only once its watermark caught up with the last output', () => {
      marbleTest(({ hot, expectStream }) => {
        // left:  10@1, 20@8, 30@12
        // right: 3@2, idle@3, 50@4 (ignored: idle), active@5, 8@6 (behind 10: not counted),
        //        record@7, 25@10 (>= 20: rejoins)
        const left = hot('-W------X---Y', { W: wm(10), X: wm(20), Y: wm(30) })
        const right = hot('--AIHRBr--C--', { A: wm(3), I: idle(), H: wm(50), R: active(), B: wm(8), r: rec('r', 9), C: wm(25) })
        expectStream(left.pipe(ds.unionWith(right))).toBe('--AB---rC---D', {
          A: wm(3),
          B: wm(10),
          r: rec('r', 9),
          C: wm(20),
          D: wm(25)
        })
      })
    })

    it('counts a resumed input again as soon as its watermark equals the last output', () => {
      marbleTest(({ hot, expectStream }) => {
        // right resumes behind (3 < 10), then reaches exactly 20, the last output: from then on
        // it holds the output at 20 although left moves on to 30
        const left = hot('-W------X---Y', { W: wm(10), X: wm(20), Y: wm(30) })
        const right = hot('--AIR-----C--', { A: wm(3), I: idle(), R: active(), C: wm(20) })
        expectStream(left.pipe(ds.unionWith(right))).toBe('--AB----C----', { A: wm(3), B: wm(10), C: wm(20) })
      })
    })

    it('lets a resumed input whose watermark is not behind the last output rejoin at once', () => {
      marbleTest(({ hot, expectStream }) => {
        const left = hot('-W---X--', { W: wm(5), X: wm(20) })
        const right = hot('--AIR---', { A: wm(9), I: idle(), R: active() })
        // right (9) counts again as soon as it resumes: 20 on left only lifts the output to 9
        expectStream(left.pipe(ds.unionWith(right))).toBe('--A--B--', { A: wm(5), B: wm(9) })
      })
    })

    it('when every input is idle, emits the maximum watermark then IDLE; ACTIVE when one resumes', () => {
      marbleTest(({ hot, expectStream }) => {
        // left:  5@1, idle@6, 100@8 (ignored: idle)
        // right: 9@2, idle@4, active@12, 12@14
        const left = hot('-W----I-H-------', { W: wm(5), I: idle(), H: wm(100) })
        const right = hot('--X-I-------R-Y-', { X: wm(9), I: idle(), R: active(), Y: wm(12) })
        expectStream(left.pipe(ds.unionWith(right))).toBe('--A---(BI)--R-C-', {
          A: wm(5),
          B: wm(9),
          I: idle(),
          R: active(),
          C: wm(12)
        })
      })
    })

    it('counts an idle input that completes as +Infinity: with the others idle, ACTIVE then +Infinity', () => {
      marbleTest(({ hot, expectStream }) => {
        // left: 3@1, idle@2, |@5; right: 7@3, idle@4 (all idle: 7 is already the maximum)
        const left = hot('-WI--|', { W: wm(3), I: idle() })
        const right = hot('---XJ---', { X: wm(7), J: idle() })
        expectStream(left.pipe(ds.unionWith(right))).toBe('---AI(RZ)', { A: wm(7), I: idle(), R: active(), Z: wm(Infinity) })
      })
    })
  })

  describe('completion and errors', () => {
    it('forwards an error of the piped input and unsubscribes the other', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const boom = new Error('left failed')
        const left = cold('-a--#', { a: rec('a', 1) }, boom)
        const right = cold('--b-----|', { b: rec('b', 2) })
        expectStream(left.pipe(ds.unionWith(right))).toBe('-ab-#', { a: rec('a', 1), b: rec('b', 2) }, boom)
        expectSubscriptions(left.subscriptions).toBe('^---!')
        expectSubscriptions(right.subscriptions).toBe('^---!')
      })
    })

    it('forwards an error of another input and unsubscribes the piped one', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const boom = new Error('right failed')
        const left = cold('-a------|', { a: rec('a', 1) })
        const right = cold<ds.StreamElement<string>>('--#', undefined, boom)
        expectStream(left.pipe(ds.unionWith(right))).toBe('-a#', { a: rec('a', 1) }, boom)
        expectSubscriptions(left.subscriptions).toBe('^-!')
        expectSubscriptions(right.subscriptions).toBe('^-!')
      })
    })

    it('forwards the input error itself, not a wrapper', () => {
      const boom = new Error('as is')
      const out = collectElements(of(rec('a', 1)).pipe(ds.unionWith(throwError(() => boom))))
      expect(out.elements).toEqual([rec('a', 1)])
      expect(out.error).toBe(boom)
    })

    it('unsubscribes every input when the output is unsubscribed', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const a = cold('-a------|', { a: rec('a', 1) })
        const b = cold('--b-----|', { b: rec('b', 2) })
        const c = cold('---c----|', { c: rec('c', 3) })
        expectStream(a.pipe(ds.unionWith(b, c)), '^---!').toBe('-abc', { a: rec('a', 1), b: rec('b', 2), c: rec('c', 3) })
        expectSubscriptions(a.subscriptions).toBe('^---!')
        expectSubscriptions(b.subscriptions).toBe('^---!')
        expectSubscriptions(c.subscriptions).toBe('^---!')
      })
    })
  })

  describe('number of inputs', () => {
    it('with no other input, forwards records and watermarks that advance, and idle/active statuses', () => {
      const input = of<ds.StreamElement<string, string>[]>(
        rec('a', 1, 'k'),
        wm(5),
        wm(3),
        wm(5),
        wm(7),
        idle(),
        active(),
        wm(9)
      )
      const out = collectElements(input.pipe(ds.unionWith()))
      expect(out.elements).toEqual([rec('a', 1), wm(5), wm(7), idle(), active(), wm(9), wm(Infinity)])
      expect(out.completed).toBeTrue()
    })

    it('with three other inputs, emits the minimum over all four', () => {
      marbleTest(({ cold, expectStream }) => {
        const in0 = cold('-A------|', { A: wm(4) })
        const in1 = cold('--B-----|', { B: wm(8) })
        const in2 = cold('---C-F--|', { C: wm(2), F: wm(9) })
        const in3 = cold('----D--d|', { D: wm(6), d: rec('d', 7) })
        // at 8 the inputs complete in subscription order: in0's +∞ lifts the minimum to in3's 6
        expectStream(in0.pipe(ds.unionWith(in1, in2, in3))).toBe('----XY-d(SZ|)', {
          X: wm(2),
          Y: wm(4),
          d: rec('d', 7),
          S: wm(6),
          Z: wm(Infinity)
        })
      })
    })
  })

  describe('arguments', () => {
    it('takes an options object as last argument; its name and uid show in errors', () => {
      marbleTest(({ cold, expectStream }) => {
        const left = cold('-W-|', { W: wm(5) })
        const right = cold('--V--|', { V: wm(3) })
        // the options object is not an input: the union has exactly two, both complete
        expectStream(left.pipe(ds.unionWith(right, { name: 'all clicks', uid: 'u1' }))).toBe('--W--(Z|)', { W: wm(3), Z: wm(Infinity) })
      })
      const malformed = of(null as unknown as ds.StreamElement<string>)
      const out = collectElements(of(rec('a', 1)).pipe(ds.unionWith(malformed, { name: 'all clicks', uid: 'u1' })))
      expect(out.elements).toEqual([rec('a', 1)])
      expect(out.error).toBeInstanceOf(ds.DataStreamError)
      const error = out.error as ds.DataStreamError
      expect(error.operator).toEqual({ kind: 'unionWith', name: 'all clicks', uid: 'u1' })
      expect(out.error).toBeInstanceOf(ds.ElementError)
      expect(error.message).toMatch(/^unionWith "all clicks" \(uid u1\): received null, which is not a stream element/)
    })

    it('rejects an argument that is not an Observable, at construction', () => {
      expect(() => ds.unionWith(of(rec('a', 1)), 42 as never, of(rec('b', 2)))).toThrowError(TypeError, /^unionWith: argument 1 is 42, not an Observable/)
      expect(() => ds.unionWith(of(rec('a', 1)), undefined as never)).toThrowError(TypeError, /^unionWith: argument 1 is undefined, not an Observable/)
    })

    // Only a plain object may stand for the options: anything else in last place is an input
    // (taking it for options would silently drop the stream meant to be merged in).
    for (const [label, bad] of [
      ['null', null],
      ['a number', 42],
      ['an array of streams (forgotten spread)', [of(rec('b', 2))]],
      ['a string', 'other$']
    ] as const) {
      it(`rejects ${label} as last argument instead of taking it for options`, () => {
        expect(() => ds.unionWith(bad as unknown as Observable<ds.StreamElement<string>>)).toThrowError(TypeError, /^unionWith: argument 0 is .*, not an Observable/)
      })
    }
  })

  describe('synchronous and asynchronous inputs', () => {
    it('merges a synchronous piped input with an asynchronous one without losing or blocking anything', () => {
      marbleTest(({ hot, expectStream }) => {
        const sync = ds.fromRecords<string>([{ value: 'a', timestamp: 1 }, wm(5), { value: 'b', timestamp: 6 }])
        const async = hot('----c--W--|', { c: rec('c', 3), W: wm(8) })
        // sync is done (+∞) at frame 0; its 5 never shows: the output waits for async's 8
        expectStream(sync.pipe(ds.unionWith(async))).toBe('(ab)c--W--(Z|)', {
          a: rec('a', 1),
          b: rec('b', 6),
          c: rec('c', 3),
          W: wm(8),
          Z: wm(Infinity)
        })
      })
    })

    it('merges an asynchronous piped input with a synchronous one', () => {
      marbleTest(({ hot, expectStream }) => {
        const async = hot('--a--W--|', { a: rec('a', 3), W: wm(8) })
        const sync = ds.fromRecords<string>([{ value: 'b', timestamp: 1 }])
        expectStream(async.pipe(ds.unionWith(sync))).toBe('b-a--W--(Z|)', {
          a: rec('a', 3),
          b: rec('b', 1),
          W: wm(8),
          Z: wm(Infinity)
        })
      })
    })

    it('stops a synchronous union as soon as downstream unsubscribes: later inputs are never subscribed', () => {
      const subscribed: string[] = []
      const input = (name: string, n: number) =>
        defer(() => {
          subscribed.push(name)
          return ds.fromRecords(Array.from({ length: n }, (_, i) => ({ value: `${name}${i}`, timestamp: i })))
        })
      const firstTwo = collectElements(input('a', 5).pipe(ds.unionWith(input('b', 5), input('c', 5)), take(2)))
      expect(firstTwo.elements).toEqual([rec('a0', 0), rec('a1', 1)])
      expect(subscribed).toEqual(['a'])
    })

    it('delivers two synchronous inputs one after the other', () => {
      const left = ds.fromRecords<string>([{ value: 'a', timestamp: 1 }, wm(5)])
      const right = ds.fromRecords<string>([{ value: 'b', timestamp: 2 }, wm(3)])
      const out = collectElements(left.pipe(ds.unionWith(right)))
      expect(out.elements).toEqual([rec('a', 1), rec('b', 2), wm(3), wm(Infinity)])
      expect(out.completed).toBeTrue()
    })
  })
})
