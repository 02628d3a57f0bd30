import { from, take } from 'rxjs'
import * as ds from '../../src/index'
import { active, barrier, collectElements, idle, marbleTest, rec, side, wm } from '../../marbles/index'
import { countingSource } from '../support/sources'

interface Click {
  readonly user: string
  readonly page: string
}
const click = (user: string, page: string): Click => ({ user, page })
const late = new ds.OutputTag<Click>('late')
const KINDS = 'keys are strings, numbers, booleans, bigints or arrays of them'

describe('keyBy', () => {
  it('keys in-order records at their frames, keeping values and timestamps, and passes the +Infinity watermark', () => {
    marbleTest(({ cold, expectStream }) => {
      const values = { a: click('ann', '/'), b: click('bob', '/x') }
      const input = cold<ds.StreamElement<Click>>('-a--b-Z|', { a: rec(values.a, 1), b: rec(values.b, 4), Z: wm(Infinity) })
      expectStream(input.pipe(ds.keyBy((c: Click) => c.user))).toBe('-a--b-Z|', {
        a: rec(values.a, 1, 'ann'),
        b: rec(values.b, 4, 'bob'),
        Z: wm(Infinity)
      })
    })
  })

  it('keeps out-of-order timestamps and passes every control element and side record unchanged, in order', () => {
    marbleTest(({ cold, expectStream }) => {
      const v = { a: click('ann', '/'), b: click('bob', '/'), c: click('ann', '/y') }
      const input = cold<ds.StreamElement<Click>>('-a-W-b-I-A-B-s-c-Z|', {
        a: rec(v.a, 30),
        W: wm(20),
        b: rec(v.b, 10),
        I: idle(),
        A: active(),
        B: barrier(4),
        s: side(late, click('late', '/'), 2),
        c: rec(v.c, 25),
        Z: wm(Infinity)
      })
      expectStream(input.pipe(ds.keyBy((c: Click) => c.page))).toBe('-a-W-b-I-A-B-s-c-Z|', {
        a: rec(v.a, 30, '/'),
        W: wm(20),
        b: rec(v.b, 10, '/'),
        I: idle(),
        A: active(),
        B: barrier(4),
        s: side(late, click('late', '/'), 2),
        c: rec(v.c, 25, '/y'),
        Z: wm(Infinity)
      })
    })
  })

  it('keeps the very value object and forwards control elements as the same objects', () => {
    const value = click('ann', '/')
    const W = wm(1)
    const s = side(late, value, 1)
    const out = collectElements(from<Array<ds.StreamElement<Click>>>([rec(value, 1), W, s]).pipe(ds.keyBy((c: Click) => c.user)))
    expect((out.elements[0] as ds.StreamRecord<Click, string>).value).toBe(value)
    expect(out.elements[1]).toBe(W)
    expect(out.elements[2]).toBe(s)
  })

  it('replaces the key of an already keyed stream', () => {
    const input = from<Array<ds.StreamElement<Click, string>>>([rec(click('ann', '/a'), 1, 'ann'), rec(click('bob', '/b'), 2, 'bob')])
    const out = collectElements(input.pipe(ds.keyBy((c: Click) => c.page)))
    expect(out.elements).toEqual([rec(click('ann', '/a'), 1, '/a'), rec(click('bob', '/b'), 2, '/b')])
  })

  it('keeps NO_TIMESTAMP', () => {
    const out = collectElements(ds.fromRecords([{ value: click('ann', '/') }]).pipe(ds.keyBy((c: Click) => c.user)))
    expect(out.elements).toEqual([rec(click('ann', '/'), ds.NO_TIMESTAMP, 'ann'), wm(Infinity)])
    expect(out.completed).toBeTrue()
  })

  it('calls the selector once per record, never for control elements', () => {
    const calls: string[] = []
    const input = from<Array<ds.StreamElement<Click>>>([rec(click('a', '/'), 1), wm(1), side(late, click('s', '/'), 1), barrier(1), rec(click('b', '/'), 2)])
    collectElements(
      input.pipe(
        ds.keyBy((c: Click) => {
          calls.push(c.user)
          return c.user
        })
      )
    )
    expect(calls).toEqual(['a', 'b'])
  })

  describe('valid keys', () => {
    const valid: ReadonlyArray<readonly [string, ds.Key]> = [
      ['a string', 'user-1'],
      ['the empty string', ''],
      ['a positive number', 42],
      ['zero', 0],
      ['a negative number', -7.5],
      ['true', true],
      ['false', false],
      ['a bigint', 12345678901234567890n],
      ['a negative bigint', -1n],
      ['a composite key of every primitive kind', ['page', 3, false, 9n]],
      ['a composite key of one element', ['solo']]
    ]
    for (const [label, key] of valid) {
      it(`accepts ${label}`, () => {
        const out = collectElements(from([rec('v', 5)]).pipe(ds.keyBy((): ds.Key => key)))
        expect(out.error).toBeUndefined()
        expect(out.completed).toBeTrue()
        expect(out.elements).toEqual([rec('v', 5, key)])
      })
    }

    it('keys by composite tuples, preserving the tuple', () => {
      const input = from<Array<ds.StreamElement<Click>>>([rec(click('ann', '/'), 1), rec(click('bob', '/x'), 2)])
      const out = collectElements(input.pipe(ds.keyBy((c: Click) => [c.page, c.user] as const)))
      expect(out.elements).toEqual([rec(click('ann', '/'), 1, ['/', 'ann'] as const), rec(click('bob', '/x'), 2, ['/x', 'bob'] as const)])
    })
  })

  describe('invalid keys', () => {
    const invalid: ReadonlyArray<readonly [string, unknown, string, string]> = [
      ['an object', { id: 1 }, '{ id: 1 }', `an object is not a key: ${KINDS}`],
      ['null', null, 'null', `null is not a key: ${KINDS}`],
      ['undefined', undefined, 'undefined', `undefined is not a key: ${KINDS}`],
      ['NaN', NaN, 'NaN', 'NaN is not a key'],
      ['a symbol', Symbol('s'), 'Symbol(s)', `symbol is not a key: ${KINDS}`],
      ['a Date', new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), 'Date(2024-01-02T03:04:05.000Z)', `an object is not a key: ${KINDS}`],
      ['a function', function f() {}, '[function f]', `function is not a key: ${KINDS}`],
      ['an empty array', [], '[]', 'an empty array is not a key'],
      ['a nested array', [['a'], 1], '[["a"], 1]', `element 0 of the composite key [["a"], 1]: composite keys cannot nest arrays`],
      ['an array containing NaN', ['a', NaN], '["a", NaN]', 'element 1 of the composite key ["a", NaN]: NaN is not a key'],
      ['an array containing null', ['a', null], '["a", null]', `element 1 of the composite key ["a", null]: null is not a key: ${KINDS}`],
      ['an array containing undefined', [undefined], '[undefined]', `element 0 of the composite key [undefined]: undefined is not a key: ${KINDS}`],
      ['an array containing an object', [1, { x: 2 }], '[1, { x: 2 }]', `element 1 of the composite key [1, { x: 2 }]: an object is not a key: ${KINDS}`]
    ]
    for (const [label, key, shown, reason] of invalid) {
      it(`errors with a KeyError naming the operator, the key and the value when the selector returns ${label}`, () => {
        const input = from<Array<ds.StreamElement<Click>>>([rec(click('ann', '/'), 1), wm(1), rec(click('bad', '/b'), 2), rec(click('zed', '/'), 3)])
        const out = collectElements(input.pipe(ds.keyBy((c: Click) => (c.user === 'bad' ? (key as ds.Key) : c.user))))
        expect(out.elements).toEqual([rec(click('ann', '/'), 1, 'ann'), wm(1)])
        expect(out.completed).toBeFalse()
        const error = out.error as ds.KeyError
        expect(error).toBeInstanceOf(ds.KeyError)
        expect(error).not.toBeInstanceOf(ds.UserFunctionError)
        expect(error.name).toBe('KeyError')
        expect(error.message).toBe(`keyBy: the key selector returned ${shown} for value { user: "bad", page: "/b" }; ${reason}`)
      })
    }

    it('names the operator by name and uid in a KeyError', () => {
      const out = collectElements(from([rec('v', 1)]).pipe(ds.keyBy(() => null as unknown as string, { name: 'by user', uid: 'by-user-v1' })))
      const error = out.error as ds.KeyError
      expect(error).toBeInstanceOf(ds.KeyError)
      expect(error.operator).toEqual({ kind: 'keyBy', name: 'by user', uid: 'by-user-v1' })
      expect(error.message).toBe(`keyBy "by user" (uid by-user-v1): the key selector returned null for value "v"; null is not a key: ${KINDS}`)
    })

    it('shows a KeyError in marbles at the frame of the bad record and unsubscribes upstream', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const input = cold<ds.StreamElement<number>>('a-b-c|', { a: rec(1, 1), b: rec(-1, 2), c: rec(3, 3) })
        const output = input.pipe(ds.keyBy((n: number) => (n < 0 ? NaN : n)))
        const info = { kind: 'keyBy', name: 'keyBy', uid: undefined }
        expectStream(output).toBe('a-#', { a: rec(1, 1, 1) }, new ds.KeyError(info, 'the key selector returned NaN for value -1; NaN is not a key'))
        expectSubscriptions(input.subscriptions).toBe('^-!')
      })
    })
  })

  it('errors with a UserFunctionError when the selector throws, with the original as cause', () => {
    const boom = new Error('no user')
    const out = collectElements(
      from<Array<ds.StreamElement<Click>>>([rec(click('ann', '/'), 1), rec(click('', '/'), 2)]).pipe(
        ds.keyBy(
          (c: Click) => {
            if (c.user === '') throw boom
            return c.user
          },
          { name: 'by user', uid: 'u-1' }
        )
      )
    )
    expect(out.elements).toEqual([rec(click('ann', '/'), 1, 'ann')])
    const error = out.error as ds.UserFunctionError
    expect(error).toBeInstanceOf(ds.UserFunctionError)
    expect(error.cause).toBe(boom)
    expect(error.message).toBe(
      'keyBy "by user" (uid u-1): the user function threw while processing record (value { user: "", page: "/" }, timestamp 2): no user'
    )
  })

  it('forwards an upstream error unchanged', () => {
    marbleTest(({ cold, expectStream }) => {
      const boom = new Error('upstream')
      const input = cold<ds.StreamElement<string>>('a-W-#', { a: rec('x', 1), W: wm(1) }, boom)
      expectStream(input.pipe(ds.keyBy((s: string) => s.length))).toBe('a-W-#', { a: rec('x', 1, 1), W: wm(1) }, boom)
    })
  })

  it('lets downstream take(1) stop a synchronous source', () => {
    const { source, emitted } = countingSource(1_000_000)
    const out = collectElements(source.pipe(ds.keyBy((n: number) => n % 3), take(1)))
    expect(out.elements).toEqual([rec(0, 0, 0)])
    expect(emitted()).toBe(1)
  })
})
