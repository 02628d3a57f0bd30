/**
 * The built-in evictors (Flink's `CountEvictor`, `TimeEvictor` and `DeltaEvictor`). Each acts
 * before the window function, or after it with `{ doEvictAfter: true }`; the other side keeps
 * every element.
 *
 * Evictors are pure: they return the elements to keep, in arrival order, and never change the
 * array they are given (which they return as is when they remove nothing).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // sliding count windows: every 10 elements, evaluate the last 100
 * const last100: ds.Evictor<number> = ds.countEvictor(100)
 * const every10: ds.Trigger<number> = ds.countTrigger(10)
 *
 * @since 0.1.0
 */
import { describeValue } from '../core/describe'
import type { Evictor, TimestampedValue } from './Evictor'
import { type BufferEviction, registerBufferEviction } from './bufferEviction'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Options of the built-in evictors.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const options: ds.EvictorOptions = { doEvictAfter: true }
 * const keepLastTen = ds.countEvictor<number>(10, options)
 *
 * @category windowing
 * @since 0.1.0
 */
export interface EvictorOptions {
  /** Evict after the window function instead of before it (default `false`). */
  readonly doEvictAfter?: boolean
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Keeps the last `maxCount` elements in arrival order (not timestamp order): when a firing
 * window holds more, the oldest arrivals are removed.
 *
 * ```
 * countEvictor(3)
 * buffer   a b c d e   (arrival order)
 * kept         c d e
 * ```
 *
 * @param maxCount How many elements to keep; an integer >= 0.
 * @param options `doEvictAfter`: evict after the window function instead of before it.
 * @throws RangeError if `maxCount` is not an integer >= 0.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const lastThree = ds.countEvictor<string>(3)
 * lastThree.name // 'countEvictor(3)'
 *
 * @category windowing
 * @since 0.1.0
 */
export function countEvictor<T = unknown>(maxCount: number, { doEvictAfter = false }: EvictorOptions = {}): Evictor<T> {
  if (typeof maxCount !== 'number' || !Number.isInteger(maxCount) || maxCount < 0) {
    throw new RangeError(`countEvictor: maxCount must be an integer >= 0, got ${describeValue(maxCount)}`)
  }
  return sided(
    `countEvictor(${maxCount}${afterLabel(doEvictAfter)})`,
    doEvictAfter,
    elements => (elements.length > maxCount ? elements.slice(elements.length - maxCount) : elements),
    (values, timestamps) => {
      const drop = values.length - maxCount
      if (drop <= 0) return
      values.copyWithin(0, drop)
      values.length = maxCount
      timestamps.copyWithin(0, drop)
      timestamps.length = maxCount
    }
  )
}

/**
 * Keeps the elements of the last `windowSize` ms before the newest timestamp in the buffer:
 * `cutoff = max timestamp − windowSize`, and every element with `timestamp <= cutoff` is
 * removed. Whether the elements carry timestamps is judged by the first one; without
 * timestamps (`-Infinity`) nothing is removed.
 *
 * ```
 * timeEvictor(5)
 * buffer   a(ts 1)  b(ts 9)  c(ts 4)  d(ts 6)    max 9, cutoff 4
 * kept              b(ts 9)           d(ts 6)
 * ```
 *
 * @param windowSize The span to keep, in ms; a finite number >= 0.
 * @param options `doEvictAfter`: evict after the window function instead of before it.
 * @throws RangeError if `windowSize` is not a finite number >= 0.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const lastMinute = ds.timeEvictor<number>(60_000)
 * lastMinute.name // 'timeEvictor(60000)'
 *
 * @category windowing
 * @since 0.1.0
 */
export function timeEvictor<T = unknown>(windowSize: number, { doEvictAfter = false }: EvictorOptions = {}): Evictor<T> {
  if (typeof windowSize !== 'number' || !Number.isFinite(windowSize) || windowSize < 0) {
    throw new RangeError(`timeEvictor: windowSize must be a finite number of milliseconds >= 0, got ${describeValue(windowSize)}`)
  }
  return sided(
    `timeEvictor(${windowSize}${afterLabel(doEvictAfter)})`,
    doEvictAfter,
    elements => {
      const first = elements[0]
      if (first === undefined || first.timestamp === -Infinity) return elements
      let max = -Infinity
      for (const e of elements) if (e.timestamp > max) max = e.timestamp
      const cutoff = max - windowSize
      return keepOrSame(elements, e => e.timestamp > cutoff)
    },
    (values, timestamps) => {
      const n = timestamps.length
      if (n === 0 || timestamps[0] === -Infinity) return
      let max = -Infinity
      for (let i = 0; i < n; i++) if (timestamps[i]! > max) max = timestamps[i]!
      const cutoff = max - windowSize
      compact(values, timestamps, i => timestamps[i]! > cutoff)
    }
  )
}

/**
 * Removes the elements too far from the last one: with `last` the last element in arrival
 * order, every element `e` with `delta(e.value, last.value) >= threshold` is removed (`last`
 * included, if its delta to itself reaches the threshold).
 *
 * ```
 * deltaEvictor(5, (a, b) => Math.abs(a - b))
 * buffer   1  8  4  12  9    last 9
 * delta    8  1  5  3   0
 * kept        8     12  9
 * ```
 *
 * @param threshold The delta at which an element is removed; a number (not NaN).
 * @param delta How far apart an element and the last one are: `(element, last) => number`.
 * @param options `doEvictAfter`: evict after the window function instead of before it.
 * @throws RangeError if `threshold` is not a number; TypeError if `delta` is not a function.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // keep the prices within 10 of the latest one
 * const nearLatest = ds.deltaEvictor<number>(10, (price, latest) => Math.abs(price - latest))
 *
 * @category windowing
 * @since 0.1.0
 */
export function deltaEvictor<T>(
  threshold: number,
  delta: (a: T, b: T) => number,
  { doEvictAfter = false }: EvictorOptions = {}
): Evictor<T> {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new RangeError(`deltaEvictor: threshold must be a number, got ${describeValue(threshold)}`)
  }
  if (typeof delta !== 'function') {
    throw new TypeError(`deltaEvictor: delta must be a function (a, b) => number, got ${describeValue(delta)}`)
  }
  return sided(
    `deltaEvictor(${threshold}${afterLabel(doEvictAfter)})`,
    doEvictAfter,
    elements => {
      const last = elements[elements.length - 1]
      if (last === undefined) return elements
      return keepOrSame(elements, e => !(delta(e.value, last.value) >= threshold))
    },
    (values, timestamps) => {
      if (values.length === 0) return
      const last = values[values.length - 1] as T
      compact(values, timestamps, i => !(delta(values[i] as T, last) >= threshold))
    }
  )
}

// -------------------------------------------------------------------------------------
// internal
// -------------------------------------------------------------------------------------

type Evict<T> = (elements: readonly TimestampedValue<T>[]) => readonly TimestampedValue<T>[]

/**
 * An evictor that applies `evict` on one side and keeps everything on the other; `inPlace` is
 * the same eviction over a window's two arrays (see {@link BufferEviction}).
 */
function sided<T>(name: string, doEvictAfter: boolean, evict: Evict<T>, inPlace: (values: T[], timestamps: number[]) => void): Evictor<T> {
  const keepAll: Evict<T> = elements => elements
  const evictor: Evictor<T> = doEvictAfter
    ? { name, evictBefore: keepAll, evictAfter: elements => evict(elements) }
    : { name, evictBefore: elements => evict(elements), evictAfter: keepAll }
  registerBufferEviction(evictor as Evictor<never>, { after: doEvictAfter, evict: inPlace as BufferEviction['evict'] })
  return evictor
}

function afterLabel(doEvictAfter: boolean): string {
  return doEvictAfter ? ', { doEvictAfter: true }' : ''
}

/**
 * The elements that pass `keep`, or `elements` itself when all of them do (then without
 * building an array). `keep` is called once per element, in order.
 */
function keepOrSame<T>(
  elements: readonly TimestampedValue<T>[],
  keep: (e: TimestampedValue<T>) => boolean
): readonly TimestampedValue<T>[] {
  const n = elements.length
  let i = 0
  while (i < n && keep(elements[i]!)) i++
  if (i === n) return elements
  const kept = elements.slice(0, i)
  for (i++; i < n; i++) if (keep(elements[i]!)) kept.push(elements[i]!)
  return kept
}

/**
 * Keeps, in place and in order, the elements at the indices that pass `keep` (called once per
 * index, in order, with the arrays as they were: an element is moved only after its test).
 */
function compact<T>(values: T[], timestamps: number[], keep: (i: number) => boolean): void {
  const n = values.length
  let j = 0
  for (let i = 0; i < n; i++) {
    if (!keep(i)) continue
    if (i !== j) {
      values[j] = values[i]!
      timestamps[j] = timestamps[i]!
    }
    j++
  }
  values.length = j
  timestamps.length = j
}
