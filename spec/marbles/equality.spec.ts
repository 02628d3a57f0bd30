/** @test {streamEquals} */
import { OutputTag } from '../../src/core/OutputTag'
import { streamRecord } from '../../src/core/StreamElement'
import { barrier, idle, rec, side, streamEquals, wm } from '../../marbles'

function same(a: unknown, b: unknown): void {
  expect(streamEquals(a, b)).withContext('a vs b').toBe(true)
  expect(streamEquals(b, a)).withContext('b vs a').toBe(true)
}

function differ(a: unknown, b: unknown): void {
  expect(streamEquals(a, b)).withContext('a vs b').toBe(false)
  expect(streamEquals(b, a)).withContext('b vs a').toBe(false)
}

describe('streamEquals', () => {
  describe('numbers', () => {
    it('treats NaN as equal to NaN', () => {
      same(NaN, NaN)
      same(wm(NaN), wm(NaN))
      differ(NaN, 0)
    })

    it('treats -0 and 0 as equal', () => {
      same(-0, 0)
      same(rec('a', -0), rec('a', 0))
    })

    it('compares infinities', () => {
      same(wm(Infinity), wm(Infinity))
      same(-Infinity, -Infinity)
      differ(wm(Infinity), wm(-Infinity))
      differ(Infinity, Number.MAX_VALUE)
    })

    it('tells numbers from strings and other primitives', () => {
      differ(1, '1')
      differ(0, false)
      differ(null, undefined)
      differ(1n, 1)
      same(1n, 1n)
    })
  })

  describe('stream elements', () => {
    it('treats a missing key like key: undefined', () => {
      same(rec('a', 1), { _tag: 'Record', value: 'a', timestamp: 1 })
      same(streamRecord('a', 1), { _tag: 'Record', value: 'a', timestamp: 1 })
      differ(rec('a', 1, 'k'), { _tag: 'Record', value: 'a', timestamp: 1 })
    })

    it('compares value, timestamp and key of records', () => {
      same(rec({ n: [1, 2] }, 5, 'k'), rec({ n: [1, 2] }, 5, 'k'))
      differ(rec('a', 5), rec('b', 5))
      differ(rec('a', 5), rec('a', 6))
      differ(rec('a', 5, 'k'), rec('a', 5, 'j'))
    })

    it('tells elements of different kinds apart', () => {
      differ(rec(1, 1), wm(1))
      differ(idle(), { _tag: 'StreamStatus', idle: false })
      differ(barrier(1), barrier(2))
      differ(barrier(1), barrier(1, 5))
    })

    it('compares output tags by id', () => {
      same(new OutputTag('late'), new OutputTag('late'))
      differ(new OutputTag('late'), new OutputTag('early'))
      same(side(new OutputTag<number>('late'), 1, 5), side(new OutputTag<number>('late'), 1, 5))
      differ(side(new OutputTag<number>('late'), 1, 5), side(new OutputTag<number>('other'), 1, 5))
      differ(new OutputTag('late'), { id: 'late' })
    })
  })

  describe('objects', () => {
    it('ignores properties that are undefined', () => {
      same({ a: 1, b: undefined }, { a: 1 })
      differ({ a: 1, b: null }, { a: 1 })
    })

    it('compares nested plain objects and arrays', () => {
      same({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] })
      differ({ a: [1, { b: 'x' }] }, { a: [1, { b: 'y' }] })
      differ([1, 2], [1, 2, 3])
      differ([1], { 0: 1, length: 1 })
    })

    it('requires class instances to share a prototype', () => {
      class A {
        constructor(readonly x: number) {}
      }
      class B {
        constructor(readonly x: number) {}
      }
      same(new A(1), new A(1))
      differ(new A(1), new A(2))
      differ(new A(1), new B(1))
      same(Object.assign(Object.create(null) as object, { x: 1 }), { x: 1 })
    })

    it('compares Maps by entries, keys structurally', () => {
      same(new Map([['a', 1], ['b', 2]]), new Map([['b', 2], ['a', 1]]))
      differ(new Map([['a', 1]]), new Map([['a', 2]]))
      differ(new Map([['a', 1]]), new Map([['b', 1]]))
      same(new Map([[{ k: 1 }, 'v']]), new Map([[{ k: 1 }, 'v']]))
      differ(new Map([['a', 1]]), new Map([['a', 1], ['b', 2]]))
    })

    it('compares Sets by members, structurally', () => {
      same(new Set([1, 2, 3]), new Set([3, 2, 1]))
      same(new Set([{ a: 1 }, { a: 2 }]), new Set([{ a: 2 }, { a: 1 }]))
      differ(new Set([{ a: 1 }, { a: 1 }]), new Set([{ a: 1 }, { a: 2 }]))
      differ(new Set([1]), new Set([1, 2]))
      differ(new Set([1]), [1])
    })

    it('compares Dates by time, RegExps by source and flags, typed arrays by bytes', () => {
      same(new Date(5), new Date(5))
      differ(new Date(5), new Date(6))
      same(new Date(NaN), new Date(NaN))
      differ(new Date(5), 5)
      same(/a+/g, /a+/g)
      differ(/a+/g, /a+/i)
      same(new Uint8Array([1, 2]), new Uint8Array([1, 2]))
      differ(new Uint8Array([1, 2]), new Uint8Array([1, 3]))
      differ(new Uint8Array([1]), new Int8Array([1]))
    })

    it('compares errors by name and message, ignoring stacks', () => {
      const a = new Error('boom')
      const b = new Error('boom')
      b.stack = 'somewhere else'
      same(a, b)
      differ(new Error('boom'), new Error('bang'))
      differ(new Error('boom'), new TypeError('boom'))
      differ(new Error('boom'), { name: 'Error', message: 'boom' })
    })

    it('handles cycles', () => {
      const a: { self?: unknown; n: number } = { n: 1 }
      a.self = a
      const b: { self?: unknown; n: number } = { n: 1 }
      b.self = b
      same(a, b)
      const c: { self?: unknown; n: number } = { n: 2 }
      c.self = c
      differ(a, c)
    })

    it('compares functions and symbols by identity', () => {
      const f = (): number => 1
      same(f, f)
      differ(f, (): number => 1)
      const s = Symbol('s')
      same(s, s)
      differ(s, Symbol('s'))
    })
  })

  describe('TestScheduler notifications', () => {
    it('compares what each kind carries', () => {
      same({ kind: 'N', value: rec('a', 1), error: undefined }, { kind: 'N', value: rec('a', 1) })
      differ({ kind: 'N', value: rec('a', 1), error: undefined }, { kind: 'N', value: rec('a', 2), error: undefined })
      same({ kind: 'E', value: undefined, error: new Error('x') }, { kind: 'E', error: new Error('x') })
      differ({ kind: 'E', value: undefined, error: new Error('x') }, { kind: 'E', value: undefined, error: new Error('y') })
      same({ kind: 'C', value: undefined, error: undefined }, { kind: 'C', value: undefined, error: undefined })
      differ({ kind: 'C', value: undefined, error: undefined }, { kind: 'N', value: undefined, error: undefined })
    })

    it('compares recorded message lists', () => {
      same(
        [{ frame: 1, notification: { kind: 'N', value: rec('a', 1), error: undefined } }],
        [{ frame: 1, notification: { kind: 'N', value: { _tag: 'Record', value: 'a', timestamp: 1 }, error: undefined } }]
      )
      differ(
        [{ frame: 1, notification: { kind: 'N', value: rec('a', 1), error: undefined } }],
        [{ frame: 2, notification: { kind: 'N', value: rec('a', 1), error: undefined } }]
      )
    })
  })
})
