/**
 * Keyed state as a function sees it: scoped to the current key (and, in windows, the
 * window), as Flink's `ValueState`, `ListState`, `MapState`, `ReducingState` and
 * `AggregatingState`. Empty state reads as `undefined` (an empty array for lists), JavaScript's
 * "absent", where Flink returns `null`.
 *
 * @since 0.1.0
 */

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * One value in the current scope.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const bump = (count: ds.ValueState<number>) => count.update((count.value() ?? 0) + 1)
 *
 * @category state
 * @since 0.1.0
 */
export interface ValueState<T> {
  /** The value, or the descriptor's default (else `undefined`) while empty. */
  value(): T | undefined
  update(value: T): void
  clear(): void
}

/**
 * A list of values in the current scope.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const remember = (seen: ds.ListState<string>, page: string) => {
 *   if (!seen.get().includes(page)) seen.add(page)
 * }
 *
 * @category state
 * @since 0.1.0
 */
export interface ListState<T> {
  /** A copy of the elements, in the order they were added; empty while the state is empty. */
  get(): readonly T[]
  add(value: T): void
  addAll(values: Iterable<T>): void
  /** Replaces the elements (an empty iterable clears the state). */
  update(values: Iterable<T>): void
  clear(): void
}

/**
 * A map in the current scope. Keys are compared by value (see `mapState`).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const countVisit = (visits: ds.MapState<string, number>, page: string) =>
 *   visits.put(page, (visits.get(page) ?? 0) + 1)
 *
 * @category state
 * @since 0.1.0
 */
export interface MapState<UK, UV> {
  get(key: UK): UV | undefined
  put(key: UK, value: UV): void
  putAll(entries: Iterable<readonly [UK, UV]>): void
  remove(key: UK): void
  contains(key: UK): boolean
  /** The entries, a copy taken now, in insertion order. */
  entries(): Array<[UK, UV]>
  keys(): UK[]
  values(): UV[]
  isEmpty(): boolean
  clear(): void
}

/**
 * A value that values are reduced into.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const observe = (max: ds.ReducingState<number>, v: number) => {
 *   max.add(v)
 *   return max.get() // the largest value added so far
 * }
 *
 * @category state
 * @since 0.1.0
 */
export interface ReducingState<T> {
  /** The reduced value; `undefined` while empty. */
  get(): T | undefined
  add(value: T): void
  clear(): void
}

/**
 * An accumulator that values are added into; read as the aggregate function's result.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const observe = (average: ds.AggregatingState<number, number>, v: number) => {
 *   average.add(v)
 *   return average.get()
 * }
 *
 * @category state
 * @since 0.1.0
 */
export interface AggregatingState<IN, OUT> {
  /** `getResult` of the accumulator; `undefined` while empty. */
  get(): OUT | undefined
  add(value: IN): void
  clear(): void
}
