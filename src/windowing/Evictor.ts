/**
 * Evictors remove elements from a window's buffer at each firing, before or after the window
 * function runs (Flink's `Evictor`). With an evictor the window keeps every element; removals
 * are permanent.
 *
 * @since 0.1.0
 */
import type { TimeWindow } from './TimeWindow'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * An element of a window's buffer with its timestamp.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const e: ds.TimestampedValue<string> = { value: 'click', timestamp: 1_000 }
 *
 * @category windowing
 * @since 0.1.0
 */
export interface TimestampedValue<T> {
  readonly value: T
  readonly timestamp: number
}

/**
 * Chooses which elements of a firing window to drop. Both methods get the buffer in arrival
 * order and return the elements to keep (in order); `evictBefore` runs before the function,
 * `evictAfter` after it.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // keep only even values, after each firing
 * const evenOnly: ds.Evictor<number> = {
 *   name: 'evenOnly',
 *   evictBefore: elements => elements,
 *   evictAfter: elements => elements.filter(e => e.value % 2 === 0),
 * }
 *
 * @category windowing
 * @since 0.1.0
 */
export interface Evictor<T> {
  readonly name: string
  evictBefore(elements: readonly TimestampedValue<T>[], window: TimeWindow): readonly TimestampedValue<T>[]
  evictAfter(elements: readonly TimestampedValue<T>[], window: TimeWindow): readonly TimestampedValue<T>[]
}
