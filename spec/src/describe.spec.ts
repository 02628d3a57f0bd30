import * as ds from '../../src/index'
import { describeElement, describeValue } from '../../src/core/describe'

describe('describeValue', () => {
  it('renders primitives unambiguously', () => {
    expect(describeValue('a')).toBe('"a"')
    expect(describeValue('')).toBe('""')
    expect(describeValue('say "hi"\n')).toBe('"say \\"hi\\"\\n"')
    expect(describeValue('17')).toBe('"17"') // a string is never confused with a number
    expect(describeValue(17)).toBe('17')
    expect(describeValue(-0)).toBe('-0')
    expect(describeValue(0)).toBe('0')
    expect(describeValue(NaN)).toBe('NaN')
    expect(describeValue(-Infinity)).toBe('-Infinity')
    expect(describeValue(10n)).toBe('10n')
    expect(describeValue(true)).toBe('true')
    expect(describeValue(undefined)).toBe('undefined')
    expect(describeValue(null)).toBe('null')
    expect(describeValue(Symbol('s'))).toBe('Symbol(s)')
  })

  it('renders functions by name', () => {
    function named(): void {}
    expect(describeValue(named)).toBe('[function named]')
    expect(describeValue(Object.defineProperty(() => 1, 'name', { value: '' }))).toBe('[function anonymous]')
  })

  it('renders arrays, objects, class instances and built-ins', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number
      ) {}
    }
    expect(describeValue([1, 'a', [true]])).toBe('[1, "a", [true]]')
    expect(describeValue([])).toBe('[]')
    expect(describeValue({ a: 1, b: { c: 'd' } })).toBe('{ a: 1, b: { c: "d" } }')
    expect(describeValue({})).toBe('{}')
    expect(describeValue(new Point(1, 2))).toBe('Point { x: 1, y: 2 }')
    expect(describeValue(Object.create(null) as object)).toBe('{}')
    expect(describeValue(new Date(Date.UTC(2020, 1, 3)))).toBe('Date(2020-02-03T00:00:00.000Z)')
    expect(describeValue(new Date(NaN))).toBe('Date(Invalid)')
    expect(describeValue(new TypeError('bad "x"'))).toBe('TypeError("bad \\"x\\"")')
    expect(describeValue(new Map([[1, 2]]))).toBe('Map { 1 => 2 }')
    expect(describeValue(new Set([1, 2, 3]))).toBe('Set { 1, 2, 3 }')
  })

  it('marks cycles but renders shared, acyclic references in full', () => {
    const cyclic: { name: string; self?: unknown } = { name: 'c' }
    cyclic.self = cyclic
    expect(describeValue(cyclic)).toBe('{ name: "c", self: [circular] }')
    const shared = { v: 1 }
    expect(describeValue([shared, shared])).toBe('[{ v: 1 }, { v: 1 }]')
  })

  it('never throws: a throwing getter makes the object unprintable', () => {
    const nasty = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('no')
      }
    })
    expect(describeValue(nasty)).toBe('[unprintable]')
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('no keys')
        }
      }
    )
    expect(describeValue(proxy)).toBe('[unprintable]')
  })

  it('cuts long renderings to 160 characters ending in an ellipsis', () => {
    const long = 'x'.repeat(500)
    const text = describeValue(long)
    expect(text.length).toBe(160)
    expect(text).toBe(`"${'x'.repeat(158)}…`)
    expect(describeValue('x'.repeat(158))).toBe(`"${'x'.repeat(158)}"`) // exactly 160: kept whole
  })

  it('renders string contents faithfully inside objects (an empty-looking brace pair in a string is not an empty object)', () => {
    expect(describeValue({ a: '{  }' })).toBe('{ a: "{  }" }')
    expect(describeValue(['{  }'])).toBe('["{  }"]')
  })
})

describe('describeElement', () => {
  it('describes records, with the key only on keyed streams', () => {
    expect(describeElement(ds.streamRecord('v', 5))).toBe('record (value "v", timestamp 5)')
    expect(describeElement(ds.streamRecord('v', 5, ['k', 1]))).toBe('record (value "v", timestamp 5, key ["k", 1])')
    expect(describeElement(ds.streamRecord(1))).toBe('record (value 1, timestamp -Infinity)')
  })

  it('describes watermarks and side records', () => {
    expect(describeElement(ds.watermark(9))).toBe('watermark 9')
    expect(describeElement(ds.MAX_WATERMARK)).toBe('watermark Infinity')
    expect(describeElement(ds.sideRecord(new ds.OutputTag<number>('late'), 3, 4))).toBe('side record (value 3, timestamp 4)')
  })

  it('describes anything else as a value', () => {
    expect(describeElement(42)).toBe('value 42')
    expect(describeElement({ a: 1 })).toBe('value { a: 1 }')
    expect(describeElement(ds.IDLE)).toBe('value { _tag: "StreamStatus", idle: true }')
  })
})
