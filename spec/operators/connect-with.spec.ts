import { type Observable, of, throwError } from 'rxjs'
import * as ds from '../../src/index'
import { active, barrier, collectElements, idle, marbleTest, rec, side, wm } from '../../marbles/index'

interface Click {
  readonly page: string
}
interface Purchase {
  readonly page: string
  readonly amount: number
}

const describeClick = (c: Click): string => `click ${c.page}`
const describePurchase = (p: Purchase): string => `buy ${p.page} ${p.amount}`

describe('connectWith', () => {
  describe('map', () => {
    it('applies f1 to the piped stream and f2 to the other, each result stamped with its record timestamp', () => {
      marbleTest(({ cold, expectStream }) => {
        const clicks = cold('-a---b--|', { a: rec<Click>({ page: '/a' }, 1), b: rec<Click>({ page: '/b' }, 9) })
        const purchases = cold('--p-q----|', { p: rec<Purchase>({ page: '/a', amount: 5 }, 20), q: rec<Purchase>({ page: '/c', amount: 1 }, 2) })
        expectStream(clicks.pipe(ds.connectWith(purchases).map(describeClick, describePurchase))).toBe('-ap-qb---(Z|)', {
          a: rec('click /a', 1),
          b: rec('click /b', 9),
          p: rec('buy /a 5', 20),
          q: rec('buy /c 1', 2),
          Z: wm(Infinity)
        })
      })
    })

    it('keeps records without a timestamp without one, and drops the keys of keyed inputs', () => {
      const left = of(ds.streamRecord(1), rec(2, 5, 'k'))
      const right = of(rec('x', 3, ['k', 1]))
      const out = collectElements(left.pipe(ds.connectWith(right).map((n: number) => n * 10, s => s.length)))
      expect(out.elements).toEqual([ds.streamRecord(10), rec(20, 5), rec(1, 3), wm(Infinity)])
      expect(out.elements.filter(el => el._tag === 'Record').map(r => (r as { key: unknown }).key)).toEqual([undefined, undefined, undefined])
    })

    it('forwards side records as they come, and a checkpoint barrier once, when both inputs delivered it', () => {
      marbleTest(({ cold, expectStream }) => {
        const tag = new ds.OutputTag<number>('odd')
        const left = cold('-s-B-|', { s: side(tag, 1, 1), B: barrier(3) })
        const right = cold<ds.StreamElement<number>>('--t-C-|', { t: side(tag, 3, 3), C: barrier(3) })
        expectStream(left.pipe(ds.connectWith(right).map((n: number) => n, (n: number) => n))).toBe('-st-B-(Z|)', {
          s: side(tag, 1, 1),
          t: side(tag, 3, 3),
          B: barrier(3),
          Z: wm(Infinity)
        })
      })
    })
  })

  describe('flatMap', () => {
    it('emits zero or more results per record, all stamped with the record timestamp', () => {
      marbleTest(({ cold, expectStream }) => {
        const words = cold('-a------b---|', { a: rec('to be', 4), b: rec('', 6) })
        const numbers = cold('------n--|', { n: rec(3, 1) })
        const output = words.pipe(
          ds.connectWith(numbers).flatMap(
            (s: string) => s.split(' ').filter(w => w !== ''),
            n => Array.from({ length: n }, (_, i) => `#${i}`)
          )
        )
        // '' at frame 8 yields nothing
        expectStream(output).toBe('-(ab)-(xyz)-(Z|)', {
          a: rec('to', 4),
          b: rec('be', 4),
          x: rec('#0', 1),
          y: rec('#1', 1),
          z: rec('#2', 1),
          Z: wm(Infinity)
        })
      })
    })
  })

  describe('watermarks', () => {
    it('emits the minimum of both inputs when it increases, nothing before both reported', () => {
      marbleTest(({ cold, expectStream }) => {
        const left = cold('-W--X---Y-|', { W: wm(10), X: wm(15), Y: wm(40) })
        const right = cold<ds.StreamElement<number>>('---A-B-C---|', { A: wm(4), B: wm(12), C: wm(30) })
        expectStream(left.pipe(ds.connectWith(right).map((n: number) => n, (n: number) => n))).toBe('---A-B-CD--(Z|)', {
          A: wm(4),
          B: wm(12),
          C: wm(15),
          D: wm(30),
          Z: wm(Infinity)
        })
      })
    })

    it('excludes an idle input; when both are idle emits the maximum then IDLE', () => {
      marbleTest(({ hot, expectStream }) => {
        // left: 5@1, idle@4 (output to right's 9), active@8, 6@9 (behind 9: not counted yet), 11@11
        // right: 9@2, idle@6 (both idle: max 9 already out -> IDLE only), 10@7 (ignored)
        const left = hot('-W--I---RL-M', { W: wm(5), I: idle(), R: active(), L: wm(6), M: wm(11) })
        const right = hot<ds.StreamElement<number>>('--X---IH----', { X: wm(9), I: idle(), H: wm(10) })
        expectStream(left.pipe(ds.connectWith(right).map((n: number) => n, (n: number) => n))).toBe('--A-B-I-R--M', {
          A: wm(5),
          B: wm(9),
          I: idle(),
          R: active(),
          M: wm(11)
        })
      })
    })

    it('counts a completed input as +Infinity and completes when both have', () => {
      marbleTest(({ cold, expectStream }) => {
        const left = cold('-W|', { W: wm(5) })
        const right = cold('---a-V--|', { a: rec(1, 2), V: wm(8) })
        expectStream(left.pipe(ds.connectWith(right).map((n: number) => n, (n: number) => n + 1))).toBe('---a-V--(Z|)', {
          a: rec(2, 2),
          V: wm(8),
          Z: wm(Infinity)
        })
      })
    })

    it('mixes a synchronous and an asynchronous input', () => {
      marbleTest(({ hot, expectStream }) => {
        const sync = ds.fromRecords<number>([{ value: 1, timestamp: 1 }, wm(1)])
        const async = hot('---a--W-|', { a: rec('x', 2), W: wm(7) })
        expectStream(sync.pipe(ds.connectWith(async).map((n: number) => `${n}`, s => s))).toBe('a--b--W-(Z|)', {
          a: rec('1', 1),
          b: rec('x', 2),
          W: wm(7),
          Z: wm(Infinity)
        })
      })
    })
  })

  describe('errors', () => {
    it('forwards an error of either input and unsubscribes the other', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const boom = new Error('other failed')
        const left = cold('-a-----|', { a: rec(1, 1) })
        const right = cold<ds.StreamElement<number>>('---#', undefined, boom)
        expectStream(left.pipe(ds.connectWith(right).map((n: number) => n, n => n))).toBe('-a-#', { a: rec(1, 1) }, boom)
        expectSubscriptions(left.subscriptions).toBe('^--!')
        expectSubscriptions(right.subscriptions).toBe('^--!')
      })
      const boom = new Error('piped failed')
      const out = collectElements(throwError(() => boom).pipe(ds.connectWith(of(rec(1, 1))).map((n: number) => n, n => n)))
      expect(out.error).toBe(boom)
      expect(out.elements).toEqual([])
    })

    it('wraps a throwing f1 in a UserFunctionError naming connectWith.map and the record, cause kept', () => {
      const boom = new Error('bad click')
      const out = collectElements(
        of(rec(1, 1), rec(2, 5), rec(3, 6)).pipe(
          ds.connectWith(of(rec('x', 0))).map(
            (n: number) => {
              if (n === 2) throw boom
              return n
            },
            s => s.length
          )
        )
      )
      expect(out.elements).toEqual([rec(1, 1)])
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      const error = out.error as ds.UserFunctionError
      expect(error.cause).toBe(boom)
      expect(error.operator).toEqual({ kind: 'connectWith.map', name: 'connectWith.map', uid: undefined })
      expect(error.message).toBe('connectWith.map: the user function threw while processing record (value 2, timestamp 5): bad click')
    })

    it('wraps a throwing f2 the same way, with the name and uid from the options', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const boom = new TypeError('no amount')
        const left = cold('-a-----|', { a: rec(1, 1) })
        const right = cold('--p---|', { p: rec<Purchase>({ page: '/x', amount: -1 }, 7) })
        const output = left.pipe(
          ds.connectWith(right, { name: 'enrich', uid: 'enrich-v1' }).map(
            (n: number) => String(n),
            () => {
              throw boom
            }
          )
        )
        const info = { kind: 'connectWith.map', name: 'enrich', uid: 'enrich-v1' }
        expectStream(output).toBe('-a#', { a: rec('1', 1) }, new ds.UserFunctionError(info, 'processing record (value { page: "/x", amount: -1 }, timestamp 7)', boom))
        expectSubscriptions(left.subscriptions).toBe('^-!')
        expectSubscriptions(right.subscriptions).toBe('^-!')
      })
      const out = collectElements(
        of(rec(1, 1)).pipe(
          ds.connectWith(of(rec('p', 7)), { name: 'enrich', uid: 'enrich-v1' }).map(
            (n: number) => String(n),
            () => {
              throw new Error('x')
            }
          )
        )
      )
      expect((out.error as Error).message).toMatch(/^connectWith\.map "enrich" \(uid enrich-v1\): the user function threw while processing record \(value "p", timestamp 7\): x$/)
    })

    it('names connectWith.flatMap when a flatMap function (or its iterator) throws', () => {
      const boom = new Error('iterator broke')
      const throwingIterable = (): Iterable<string> => ({
        [Symbol.iterator]: () => ({
          next: () => {
            throw boom
          }
        })
      })
      const out = collectElements(of(rec('a', 3)).pipe(ds.connectWith(of(rec(1, 2))).flatMap((s: string) => [s], throwingIterable)))
      expect(out.elements).toEqual([rec('a', 3)])
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      expect((out.error as Error).cause).toBe(boom)
      expect((out.error as Error).message).toBe('connectWith.flatMap: the user function threw while processing record (value 1, timestamp 2): iterator broke')
    })

    it('unsubscribes both inputs when the output is unsubscribed', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const left = cold('-a------|', { a: rec(1, 1) })
        const right = cold('--b-----|', { b: rec(2, 2) })
        expectStream(left.pipe(ds.connectWith(right).map((n: number) => n, (n: number) => -n)), '^--!').toBe('-ab', { a: rec(1, 1), b: rec(-2, 2) })
        expectSubscriptions(left.subscriptions).toBe('^--!')
        expectSubscriptions(right.subscriptions).toBe('^--!')
      })
    })

    it('can be subscribed to twice: each subscription processes every record of both inputs', () => {
      const seen: string[] = []
      const op = ds.connectWith(of(rec('r', 2))).map(
        (s: string) => seen.push(`1:${s}`),
        s => seen.push(`2:${s}`)
      )
      const source = of(rec('l', 1))
      collectElements(source.pipe(op))
      collectElements(source.pipe(op))
      expect(seen).toEqual(['1:l', '2:r', '1:l', '2:r'])
    })
  })

  describe('arguments', () => {
    // Checked at once: otherwise the failure would come only at subscription, after the piped
    // input's first records went out, disguised as a user-function error.
    for (const [label, bad] of [
      ['null', null],
      ['undefined', undefined],
      ['a plain object', { page: '/' }],
      ['an array of records', [rec(1, 1)]]
    ] as const) {
      it(`rejects ${label} as the other input, at construction, with a TypeError`, () => {
        expect(() => ds.connectWith(bad as unknown as Observable<ds.StreamElement<number>>)).toThrowError(TypeError, /^connectWith: the other input is .*, not an Observable$/)
      })
    }
  })

  it('does not forward the idle/active status of one input while the other is active', () => {
    marbleTest(({ hot, expectStream }) => {
      const left = hot('-I-A-', { I: idle(), A: active() })
      const right = hot<ds.StreamElement<number>>('-----')
      expectStream(left.pipe(ds.connectWith(right).map((n: number) => n, n => n))).toBe('-----')
    })
  })
})
