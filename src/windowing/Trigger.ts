/**
 * Triggers decide when a window is evaluated (FIRE) and when its contents are dropped (PURGE),
 * from its elements and from event- and processing-time timers (Flink's `Trigger`).
 *
 * @since 0.1.0
 */
import type { MergingStateDescriptor, StateDescriptor, StateOf } from '../state/StateDescriptor'
import type { TimeWindow } from './TimeWindow'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * What a trigger asks of the window: nothing, evaluate the function (keep the contents), drop
 * the contents (the window, its trigger state and timers stay), or both.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const fireNow: ds.TriggerResult = 'FIRE'
 *
 * @category windowing
 * @since 0.1.0
 */
export type TriggerResult = 'CONTINUE' | 'FIRE' | 'PURGE' | 'FIRE_AND_PURGE'

/**
 * A trigger's per-window state cell (scoped to the current key and window).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const bump = (count: ds.TriggerState<number>) => count.update((count.value() ?? 0) + 1)
 *
 * @category windowing
 * @since 0.1.0
 */
export interface TriggerState<S> {
  value(): S | undefined
  update(value: S): void
  clear(): void
}

/**
 * What a trigger can see and do for the window it is called for: time, timers (scoped to the
 * key and window, deduplicated per time), and per-window state: keyed state of any kind
 * through a descriptor (`getPartitionedState`, with a codec, as Flink's), or a plain JSON cell
 * by name (`getState`).
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const seen = ds.reducingState('seen', (a: number, b: number) => a + b, t.number)
 * const countAndFireAtEnd = (window: ds.TimeWindow, ctx: ds.TriggerContext) => {
 *   ctx.getPartitionedState(seen).add(1)
 *   ctx.registerEventTimeTimer(ds.maxTimestamp(window))
 * }
 *
 * @category windowing
 * @since 0.1.0
 */
export interface TriggerContext {
  currentWatermark(): number
  currentProcessingTime(): number
  registerEventTimeTimer(time: number): void
  deleteEventTimeTimer(time: number): void
  registerProcessingTimeTimer(time: number): void
  deleteProcessingTimeTimer(time: number): void
  /**
   * The state `descriptor` describes, scoped to the current key and window (Flink's
   * `getPartitionedState`): snapshotted through the descriptor's codec and dropped when the
   * window is cleaned up. Names are shared with the window function's `windowState`.
   */
  getPartitionedState<D extends StateDescriptor>(descriptor: D): StateOf<D>
  /** The state cell `name` of the current key and window: plain JSON data, no codec. */
  getState<S>(name: string): TriggerState<S>
}

/**
 * The context of `onMerge`: as {@link TriggerContext} for the merged window, plus merging
 * the state of the windows being merged into it.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const seen = ds.reducingState('seen', (a: number, b: number) => a + b, t.number)
 * const mergeCounts = (ctx: ds.OnMergeContext) => ctx.mergePartitionedState(seen)
 *
 * @category windowing
 * @since 0.1.0
 */
export interface OnMergeContext extends TriggerContext {
  /**
   * Combines `descriptor`'s state of every window merged away into the merged window's
   * (Flink's `mergePartitionedState`): reduced, merged by the aggregate, or concatenated.
   */
  mergePartitionedState(descriptor: MergingStateDescriptor): void
  /** Combines state cell `name` of every merged window (those that have it) into the merged window's. */
  mergeState<S>(name: string, merge: (a: S, b: S) => S): void
}

/**
 * A trigger (Flink's `Trigger`). Implement it for custom firing logic; the built-in ones
 * are `eventTimeTrigger`, `eventTimeTriggerWithEarlyFirings`, `processingTimeTrigger`,
 * `countTrigger`, `purgingTrigger`, `continuousEventTimeTrigger`,
 * `continuousProcessingTimeTrigger`, `deltaTrigger`, `neverTrigger` and `endOfInputTrigger`. One trigger object serves every key and window: keep state in
 * `ctx.getPartitionedState` (or `ctx.getState`), never in the object.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // fires every element whose value is 'flush', and at the end of the window
 * const flushTrigger: ds.Trigger<string> = {
 *   name: 'flush',
 *   canMerge: true,
 *   onElement: (value, _ts, window, ctx) => {
 *     ctx.registerEventTimeTimer(ds.maxTimestamp(window))
 *     return value === 'flush' ? 'FIRE' : 'CONTINUE'
 *   },
 *   onEventTime: (time, window) => (time === ds.maxTimestamp(window) ? 'FIRE' : 'CONTINUE'),
 *   onProcessingTime: () => 'CONTINUE',
 *   onMerge: (window, ctx) => ctx.registerEventTimeTimer(ds.maxTimestamp(window)),
 *   clear: (window, ctx) => ctx.deleteEventTimeTimer(ds.maxTimestamp(window)),
 * }
 *
 * @category windowing
 * @since 0.1.0
 */
export interface Trigger<T> {
  /** Shown in errors and the stream graph. */
  readonly name: string
  /** Whether it supports merging windows (session windows); `onMerge` is then required. */
  readonly canMerge: boolean
  onElement(value: T, timestamp: number, window: TimeWindow, ctx: TriggerContext): TriggerResult
  onEventTime(time: number, window: TimeWindow, ctx: TriggerContext): TriggerResult
  onProcessingTime(time: number, window: TimeWindow, ctx: TriggerContext): TriggerResult
  onMerge?(window: TimeWindow, ctx: OnMergeContext): void
  /** Deletes the timers and state it holds for `window` (the window is being cleaned up). */
  clear(window: TimeWindow, ctx: TriggerContext): void
}

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/**
 * Whether the result asks to evaluate the window function.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.isFire('FIRE_AND_PURGE') // true
 *
 * @category windowing
 * @since 0.1.0
 */
export function isFire(result: TriggerResult): boolean {
  return result === 'FIRE' || result === 'FIRE_AND_PURGE'
}

/**
 * Whether the result asks to drop the window's contents.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.isPurge('PURGE') // true
 *
 * @category windowing
 * @since 0.1.0
 */
export function isPurge(result: TriggerResult): boolean {
  return result === 'PURGE' || result === 'FIRE_AND_PURGE'
}
