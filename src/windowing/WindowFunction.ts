/**
 * The functions a window evaluates when it fires: incremental (`reduce`, `aggregate`, `fold`)
 * or over its full contents (`process`, `apply`), as in Flink.
 *
 * @since 0.1.0
 */
import type * as t from 'io-ts'
import type { OutputTag } from '../core/OutputTag'
import type { StateDescriptor, StateOf } from '../state/StateDescriptor'
import type { Collector } from '../core/Collector'
import type { TimeWindow } from './TimeWindow'
import type { PaneInfo } from './PaneInfo'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * An incremental aggregation with an accumulator (Flink's `AggregateFunction`): one
 * accumulator per key and window, never a buffer of elements. `merge` combines the
 * accumulators of session windows that merge, and the panes of sliding event-time windows
 * (which are sliced: each record updates one pane, a firing merges the window's panes). For
 * that, `merge(a, b)` may modify and return `a` or return a new accumulator, but must leave `b`
 * unchanged and never return it (returning `b` is detected and is an error).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const average: ds.AggregateFunction<number, { sum: number; count: number }, number> = {
 *   createAccumulator: () => ({ sum: 0, count: 0 }),
 *   add: (n, acc) => ({ sum: acc.sum + n, count: acc.count + 1 }),
 *   getResult: acc => acc.sum / acc.count,
 *   merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
 * }
 *
 * @category windowing
 * @since 0.1.0
 */
export interface AggregateFunction<T, ACC, R> {
  createAccumulator(): ACC
  /** Adds a value; may mutate and return `acc` or return a new accumulator. */
  add(value: T, acc: ACC): ACC
  getResult(acc: ACC): R
  merge(a: ACC, b: ACC): ACC
  /**
   * How accumulators go into an operator snapshot and back (an io-ts codec whose `encode`
   * gives plain JSON data). Without one, accumulators are snapshotted as they are and must be
   * plain JSON data (numbers, strings, booleans, null, arrays and plain objects of those);
   * snapshotting a window holding any other accumulator (a `Map`, a `Set`, a class instance,
   * `undefined`, `NaN`) fails with a `StateError` naming the operator, the window and where in
   * the accumulator the value is. Only snapshots use it: the running accumulators stay live.
   *
   * @example
   * import * as t from 'io-ts'
   * import * as ds from 'rx-datastream'
   *
   * // distinct values per window, in a Set: snapshotted as a sorted list
   * const SetOfStrings = new t.Type<Set<string>, string[], unknown>(
   *   'SetOfStrings',
   *   (u): u is Set<string> => u instanceof Set,
   *   (u, c) => (Array.isArray(u) && u.every(s => typeof s === 'string') ? t.success(new Set(u)) : t.failure(u, c)),
   *   set => [...set].sort()
   * )
   * const distinct: ds.AggregateFunction<string, Set<string>, number> = {
   *   createAccumulator: () => new Set(),
   *   add: (value, acc) => acc.add(value),
   *   getResult: acc => acc.size,
   *   merge: (a, b) => new Set([...a, ...b]),
   *   accumulatorCodec: SetOfStrings,
   * }
   *
   * @since 0.1.0
   */
  readonly accumulatorCodec?: t.Type<ACC, unknown> | undefined
}

/**
 * What a process window function sees besides the elements. Like Flink's, the context (and the
 * collector) serve one call: the operator points them at the next window afterwards, so keep
 * what you need (`ctx.window` is a value of its own), not the context.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const label = (ctx: ds.ProcessWindowContext) =>
 *   `[${ctx.window.start}, ${ctx.window.end}) ${ctx.pane.timing} #${ctx.pane.index} at ${ctx.currentWatermark()}`
 *
 * @category windowing
 * @since 0.1.0
 */
export interface ProcessWindowContext {
  /** The window being evaluated. */
  readonly window: TimeWindow
  /**
   * Which firing of the window (for the current key) this is: early, on time or late, its
   * index, whether it is the first or the last (see {@link PaneInfo}). A value of its own,
   * which a result may keep. Only during a firing: reading it in `clear` throws a `TypeError`.
   */
  readonly pane: PaneInfo
  currentWatermark(): number
  currentProcessingTime(): number
  /** Emits to a side output, with the window's `maxTimestamp` as timestamp. */
  output<S>(tag: OutputTag<S>, value: S): void
  /**
   * State of the current key and window (e.g. how often a window fired, across late
   * firings). Not available with merging (session) windows. It is dropped when the window is
   * cleaned up, after the function's `clear` ran.
   */
  windowState<D extends StateDescriptor>(descriptor: D): StateOf<D>
  /** State of the current key, shared by all its windows (and by nothing else). */
  globalState<D extends StateDescriptor>(descriptor: D): StateOf<D>
}

/**
 * Evaluates a window over its contents (Flink's `ProcessWindowFunction`): the elements in
 * arrival order, or the single pre-aggregated value when combined with `reduce`/`aggregate`.
 * Results are stamped with the window's `maxTimestamp`. Give a function, or an object with
 * `process` and an optional `clear` that runs when the window is cleaned up.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const countPerWindow: ds.ProcessWindowFunction<string, { key: string; start: number; n: number }, string> =
 *   (key, ctx, elements, out) => out.collect({ key, start: ctx.window.start, n: elements.length })
 *
 * @category windowing
 * @since 0.1.0
 */
export type ProcessWindowFunction<T, R, K> =
  | ((key: K, context: ProcessWindowContext, elements: readonly T[], out: Collector<R>) => void)
  | {
      process(key: K, context: ProcessWindowContext, elements: readonly T[], out: Collector<R>): void
      clear?(context: ProcessWindowContext): void
    }

/**
 * Flink's legacy `WindowFunction`: `(key, window, elements, out)`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const sizes: ds.WindowFunction<number, number, string> = (_key, _window, elements, out) => out.collect(elements.length)
 *
 * @category windowing
 * @since 0.1.0
 */
export type WindowFunction<T, R, K> = (key: K, window: TimeWindow, elements: readonly T[], out: Collector<R>) => void
