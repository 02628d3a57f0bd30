/**
 * Where user functions emit results.
 *
 * @since 0.1.0
 */

/**
 * Emits results of a user function (process functions, window functions); each result gets
 * the timestamp the operator assigns (the input record's, or the window's `maxTimestamp`).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const out: ds.Collector<number> = { collect: n => console.log(n) }
 *
 * @category process
 * @since 0.1.0
 */
export interface Collector<T> {
  collect(value: T): void
}
