import type { Evictor, TimestampedValue } from '../../src/windowing/Evictor'
import { countEvictor, deltaEvictor, timeEvictor } from '../../src/windowing/evictors'
import { timeWindow } from '../../src/windowing/TimeWindow'

const W = timeWindow(0, 100)

/** Elements `[value, timestamp]` in arrival order, frozen so that any mutation throws. */
function buffer<T>(...items: (readonly [T, number])[]): readonly TimestampedValue<T>[] {
  return Object.freeze(items.map(([value, timestamp]) => Object.freeze({ value, timestamp })))
}

const values = <T>(elements: readonly TimestampedValue<T>[]) => elements.map(e => e.value)

/** Checks that the evictor acts on the `acting` side only, and that the other side is the identity. */
function expectSide<T>(evictor: Evictor<T>, acting: 'before' | 'after', elements: readonly TimestampedValue<T>[], kept: T[]): void {
  const act = acting === 'before' ? evictor.evictBefore(elements, W) : evictor.evictAfter(elements, W)
  const idle = acting === 'before' ? evictor.evictAfter(elements, W) : evictor.evictBefore(elements, W)
  expect(values(act)).withContext(`evict${acting === 'before' ? 'Before' : 'After'}`).toEqual(kept)
  expect(idle).withContext('the other side').toBe(elements)
}

// -------------------------------------------------------------------------------------
// countEvictor
// -------------------------------------------------------------------------------------

describe('countEvictor', () => {
  it('keeps the last maxCount elements in arrival order, not timestamp order', () => {
    const elements = buffer(['a', 50], ['b', 10], ['c', 40], ['d', 20], ['e', 30])
    const kept = countEvictor<string>(3).evictBefore(elements, W)
    expect(kept.map(e => [e.value, e.timestamp])).toEqual([['c', 40], ['d', 20], ['e', 30]])
  })

  it('returns the buffer itself at or below maxCount, and when empty', () => {
    const exact = buffer(['a', 1], ['b', 2], ['c', 3])
    expect(countEvictor<string>(3).evictBefore(exact, W)).toBe(exact)
    const fewer = buffer(['a', 1])
    expect(countEvictor<string>(3).evictBefore(fewer, W)).toBe(fewer)
    const empty = buffer<string>()
    expect(countEvictor<string>(3).evictBefore(empty, W)).toBe(empty)
  })

  it('keeps nothing with maxCount 0', () => {
    expect(countEvictor<string>(0).evictBefore(buffer(['a', 1], ['b', 2]), W)).toEqual([])
  })

  it('never mutates its input', () => {
    const elements = buffer(['a', 1], ['b', 2], ['c', 3])
    countEvictor<string>(1).evictBefore(elements, W)
    expect(values(elements)).toEqual(['a', 'b', 'c'])
  })

  it('acts before the function by default, after it with doEvictAfter', () => {
    const elements = buffer(['a', 1], ['b', 2], ['c', 3])
    expectSide(countEvictor<string>(2), 'before', elements, ['b', 'c'])
    expectSide(countEvictor<string>(2, { doEvictAfter: false }), 'before', elements, ['b', 'c'])
    expectSide(countEvictor<string>(2, { doEvictAfter: true }), 'after', elements, ['b', 'c'])
  })

  it('is named after its parameters', () => {
    expect(countEvictor(3).name).toBe('countEvictor(3)')
    expect(countEvictor(3, { doEvictAfter: true }).name).toBe('countEvictor(3, { doEvictAfter: true })')
  })

  it('rejects a maxCount that is not an integer >= 0', () => {
    for (const bad of [-1, 1.5, NaN, Infinity, '2' as unknown as number]) {
      expect(() => countEvictor(bad)).toThrowMatching(e => e instanceof RangeError && /^countEvictor: maxCount must be an integer >= 0, got /.test(e.message))
    }
    expect(() => countEvictor(-1)).toThrowError(RangeError, /got -1$/)
  })
})

// -------------------------------------------------------------------------------------
// timeEvictor
// -------------------------------------------------------------------------------------

describe('timeEvictor', () => {
  it('removes every element at or before max timestamp − windowSize, wherever it arrived', () => {
    const elements = buffer(['a', 1], ['b', 9], ['c', 4], ['d', 6], ['e', 5])
    // max 9, cutoff 4: a (1) and c (4, exactly at the cutoff) go
    expect(values(timeEvictor<string>(5).evictBefore(elements, W))).toEqual(['b', 'd', 'e'])
  })

  it('measures from the max timestamp, not from the last arrival', () => {
    const elements = buffer(['a', 10], ['b', 20], ['c', 12])
    expect(values(timeEvictor<string>(5).evictBefore(elements, W))).toEqual(['b'])
  })

  it('works with negative timestamps', () => {
    const elements = buffer(['a', -20], ['b', -12], ['c', -11], ['d', -15])
    // max -11, cutoff -15
    expect(values(timeEvictor<string>(4).evictBefore(elements, W))).toEqual(['b', 'c'])
  })

  it('returns the buffer itself when nothing is old enough, and when empty', () => {
    const recent = buffer(['a', 8], ['b', 9])
    expect(timeEvictor<string>(5).evictBefore(recent, W)).toBe(recent)
    const empty = buffer<string>()
    expect(timeEvictor<string>(5).evictBefore(empty, W)).toBe(empty)
  })

  it('evicts nothing when the elements carry no timestamps, judged by the first', () => {
    const none = buffer(['a', -Infinity], ['b', -Infinity])
    expect(timeEvictor<string>(0).evictBefore(none, W)).toBe(none)
    const firstWithout = buffer(['a', -Infinity], ['b', 1], ['c', 100])
    expect(timeEvictor<string>(5).evictBefore(firstWithout, W)).toBe(firstWithout)
  })

  it('drops later elements without timestamp when the first has one', () => {
    const mixed = buffer(['a', 10], ['b', -Infinity], ['c', 12])
    expect(values(timeEvictor<string>(5).evictBefore(mixed, W))).toEqual(['a', 'c'])
  })

  it('keeps nothing with windowSize 0 (every element is at or before the cutoff)', () => {
    expect(timeEvictor<string>(0).evictBefore(buffer(['a', 3], ['b', 3]), W)).toEqual([])
  })

  it('never mutates its input', () => {
    const elements = buffer(['a', 1], ['b', 9])
    timeEvictor<string>(1).evictBefore(elements, W)
    expect(values(elements)).toEqual(['a', 'b'])
  })

  it('acts before the function by default, after it with doEvictAfter', () => {
    const elements = buffer(['a', 1], ['b', 9])
    expectSide(timeEvictor<string>(5), 'before', elements, ['b'])
    expectSide(timeEvictor<string>(5, { doEvictAfter: true }), 'after', elements, ['b'])
  })

  it('is named after its parameters', () => {
    expect(timeEvictor(60_000).name).toBe('timeEvictor(60000)')
    expect(timeEvictor(5, { doEvictAfter: true }).name).toBe('timeEvictor(5, { doEvictAfter: true })')
  })

  it('rejects a windowSize that is not a finite number >= 0', () => {
    for (const bad of [-1, NaN, Infinity, '5' as unknown as number]) {
      expect(() => timeEvictor(bad)).toThrowMatching(e => e instanceof RangeError && /^timeEvictor: windowSize must be /.test(e.message))
    }
    expect(() => timeEvictor(-1)).toThrowError(RangeError, /got -1$/)
  })
})

// -------------------------------------------------------------------------------------
// deltaEvictor
// -------------------------------------------------------------------------------------

describe('deltaEvictor', () => {
  const distance = (a: number, b: number) => Math.abs(a - b)

  it('removes every element whose delta to the last one reaches the threshold', () => {
    const elements = buffer([1, 0], [8, 0], [4, 0], [12, 0], [9, 0])
    // deltas to 9: 8, 1, 5 (= threshold: removed), 3, 0
    expect(values(deltaEvictor(5, distance).evictBefore(elements, W))).toEqual([8, 12, 9])
  })

  it('does not stop at the first element below the threshold (current Flink)', () => {
    const elements = buffer([9, 0], [0, 0], [10, 0])
    expect(values(deltaEvictor(5, distance).evictBefore(elements, W))).toEqual([9, 10])
  })

  it('calls delta with (element, last) in arrival order, for the last one too', () => {
    const seen: [number, number][] = []
    deltaEvictor<number>(1, (a, b) => (seen.push([a, b]), 0)).evictBefore(buffer([3, 0], [1, 0], [2, 0]), W)
    expect(seen).toEqual([[3, 2], [1, 2], [2, 2]])
  })

  it('removes the last element too when its delta to itself reaches the threshold', () => {
    expect(deltaEvictor(0, distance).evictBefore(buffer([1, 0], [2, 0]), W)).toEqual([])
  })

  it('returns the buffer itself when nothing is removed, and when empty', () => {
    const close = buffer([1, 0], [2, 0])
    expect(deltaEvictor(5, distance).evictBefore(close, W)).toBe(close)
    const empty = buffer<number>()
    let called = false
    expect(deltaEvictor<number>(5, () => ((called = true), 0)).evictBefore(empty, W)).toBe(empty)
    expect(called).toBeFalse()
  })

  it('never mutates its input', () => {
    const elements = buffer([1, 0], [100, 0])
    deltaEvictor(5, distance).evictBefore(elements, W)
    expect(values(elements)).toEqual([1, 100])
  })

  it('acts before the function by default, after it with doEvictAfter', () => {
    const elements = buffer([1, 0], [100, 0])
    expectSide(deltaEvictor(5, distance), 'before', elements, [100])
    expectSide(deltaEvictor(5, distance, { doEvictAfter: true }), 'after', elements, [100])
  })

  it('is named after its parameters', () => {
    expect(deltaEvictor(5, distance).name).toBe('deltaEvictor(5)')
    expect(deltaEvictor(5, distance, { doEvictAfter: true }).name).toBe('deltaEvictor(5, { doEvictAfter: true })')
  })

  it('rejects a threshold that is not a number and a delta that is not a function', () => {
    expect(() => deltaEvictor(NaN, distance)).toThrowError(RangeError, /^deltaEvictor: threshold must be a number, got NaN$/)
    expect(() => deltaEvictor(1, null as unknown as typeof distance)).toThrowError(TypeError, /^deltaEvictor: delta must be a function.*null$/)
  })
})
