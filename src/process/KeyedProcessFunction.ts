/**
 * Keyed process functions (Flink's `KeyedProcessFunction`): per record of a keyed stream,
 * with keyed state, event-time and processing-time timers, and side outputs.
 *
 * @since 0.1.0
 */
import type { Collector } from '../core/Collector'
import type { OperatorInfo } from '../core/OperatorOptions'
import type { StateDescriptor, StateOf } from '../state/StateDescriptor'
import type { TimeDomain } from '../core/TimerService'
import type { ProcessContext } from './ProcessFunction'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Time and timers as a keyed function sees them (Flink's `TimerService`). Timers belong to the
 * current key and are deduplicated: one timer per (key, time, domain), so registering one twice
 * fires it once; deleting a timer that does not exist does nothing.
 *
 * - Event-time timers fire when a watermark `>= time` arrives, in ascending time order, before
 *   that watermark is forwarded; their output is stamped with the timer's time.
 * - Processing-time timers fire when the operator's scheduler reaches `time` (on its next turn
 *   if `time` has passed); their output has no timestamp.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const remindInAMinute = (timers: ds.TimerService) =>
 *   timers.registerProcessingTimeTimer(timers.currentProcessingTime() + 60_000)
 *
 * @category process
 * @since 0.1.0
 */
export interface TimerService {
  currentProcessingTime(): number
  /** The last watermark the operator received (`-Infinity` before any). */
  currentWatermark(): number
  registerEventTimeTimer(time: number): void
  registerProcessingTimeTimer(time: number): void
  deleteEventTimeTimer(time: number): void
  deleteProcessingTimeTimer(time: number): void
}

/**
 * What a keyed function gets in `open`, before any record: the operator it runs in and its
 * keyed state handles (Flink's `RuntimeContext`). A state handle obtained here reads and writes
 * the state of whatever key is current when it is used, so it may be kept in a field; using it
 * in `open` itself, with no key current, is an error.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const countState = ds.valueState('count', t.number, 0)
 * const open = (ctx: ds.RuntimeContext) => ctx.state(countState)
 *
 * @category process
 * @since 0.1.0
 */
export interface RuntimeContext {
  /** The operator: kind, name and uid. */
  readonly operator: OperatorInfo
  /** The keyed state `descriptor` describes. */
  state<D extends StateDescriptor>(descriptor: D): StateOf<D>
}

/**
 * What a keyed process function sees while it processes a record: the non-keyed
 * {@link ProcessContext} plus the current key, timers and keyed state.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const seen = ds.valueState('seen', t.boolean)
 * const firstOfKey = (ctx: ds.KeyedProcessContext<string>) => {
 *   const state = ctx.state(seen)
 *   const first = state.value() !== true
 *   state.update(true)
 *   return first
 * }
 *
 * @category process
 * @since 0.1.0
 */
export interface KeyedProcessContext<K> extends ProcessContext {
  /** The key of the record (or, in `onTimer`, of the timer). */
  getCurrentKey(): K
  timerService(): TimerService
  /** The keyed state `descriptor` describes, scoped to the current key. */
  state<D extends StateDescriptor>(descriptor: D): StateOf<D>
}

/**
 * The context of `onTimer`: the timer's key is current, `timestamp()` is the timer's time for
 * event-time timers and `null` for processing-time ones.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const describe = (ts: number, ctx: ds.OnTimerContext<string>) => `${ctx.timeDomain()} timer ${ts} of ${ctx.getCurrentKey()}`
 *
 * @category process
 * @since 0.1.0
 */
export interface OnTimerContext<K> extends KeyedProcessContext<K> {
  timeDomain(): TimeDomain
}

/**
 * A keyed process function: `open` once per subscription, `processElement` per record with
 * its key current, `onTimer` per firing timer with the timer's key current, `close` once when
 * the subscription ends.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const count = ds.valueState('count', t.number, 0)
 * const countPerKey: ds.KeyedProcessFunction<string, string, [string, number]> = {
 *   processElement: (_v, ctx, out) => {
 *     const state = ctx.state(count)
 *     const n = (state.value() ?? 0) + 1
 *     state.update(n)
 *     out.collect([ctx.getCurrentKey(), n])
 *   }
 * }
 *
 * @category process
 * @since 0.1.0
 */
export interface KeyedProcessFunction<K, In, Out> {
  open?(ctx: RuntimeContext): void
  processElement(value: In, ctx: KeyedProcessContext<K>, out: Collector<Out>): void
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<Out>): void
  close?(): void
}
