/**
 * The broadcast state pattern (Flink's `BroadcastProcessFunction` and
 * `KeyedBroadcastProcessFunction`): a low-volume stream of rules or configuration is broadcast
 * into broadcast state, which the main stream's records read. `processBroadcastElement` writes
 * it; `processElement` can only read it. The two inputs are not ordered relative to each other,
 * so updates must be deterministic.
 *
 * @since 0.1.0
 */
import type { Collector } from '../core/Collector'
import type { BroadcastState, ReadOnlyBroadcastState } from '../state/BroadcastState'
import type { MapStateDescriptor, StateDescriptor, StateOf } from '../state/StateDescriptor'
import type { KeyedProcessContext, OnTimerContext, RuntimeContext } from './KeyedProcessFunction'
import type { ProcessContext } from './ProcessFunction'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The context of `processElement` on a non-keyed broadcast-connected stream.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const rules = ds.mapState('rules', t.string, t.number)
 * const limitOf = (ctx: ds.ReadOnlyBroadcastContext, metric: string) => ctx.getBroadcastState(rules).get(metric)
 *
 * @category process
 * @since 0.1.0
 */
export interface ReadOnlyBroadcastContext extends ProcessContext {
  getBroadcastState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): ReadOnlyBroadcastState<UK, UV>
}

/**
 * The context of `processBroadcastElement`: the broadcast state is writable.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const rules = ds.mapState('rules', t.string, t.number)
 * const setLimit = (ctx: ds.BroadcastContext, metric: string, limit: number) => ctx.getBroadcastState(rules).put(metric, limit)
 *
 * @category process
 * @since 0.1.0
 */
export interface BroadcastContext extends ProcessContext {
  getBroadcastState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): BroadcastState<UK, UV>
}

/**
 * A function over a non-keyed stream connected to a broadcast stream.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const limits = ds.mapState('limits', t.string, t.number)
 * const alerts: ds.BroadcastProcessFunction<{ metric: string; value: number }, [string, number], string> = {
 *   processBroadcastElement: ([metric, limit], ctx) => ctx.getBroadcastState(limits).put(metric, limit),
 *   processElement: (m, ctx, out) => {
 *     const limit = ctx.getBroadcastState(limits).get(m.metric)
 *     if (limit !== undefined && m.value > limit) out.collect(`${m.metric} above ${limit}`)
 *   }
 * }
 *
 * @category process
 * @since 0.1.0
 */
export interface BroadcastProcessFunction<In, B, Out> {
  open?(): void
  processElement(value: In, ctx: ReadOnlyBroadcastContext, out: Collector<Out>): void
  processBroadcastElement(value: B, ctx: BroadcastContext, out: Collector<Out>): void
  close?(): void
}

/**
 * The context of `processElement` on a keyed broadcast-connected stream: keyed state and
 * timers of the record's key, and the broadcast state read-only.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const rules = ds.mapState('rules', t.string, t.number)
 * const limitFor = (ctx: ds.ReadOnlyKeyedBroadcastContext<string>) => ctx.getBroadcastState(rules).get(ctx.getCurrentKey())
 *
 * @category process
 * @since 0.1.0
 */
export interface ReadOnlyKeyedBroadcastContext<K> extends KeyedProcessContext<K> {
  getBroadcastState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): ReadOnlyBroadcastState<UK, UV>
}

/**
 * The context of `onTimer` on a keyed broadcast-connected stream.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const rules = ds.mapState('rules', t.string, t.number)
 * const stillRuled = (ctx: ds.KeyedBroadcastOnTimerContext<string>) => ctx.getBroadcastState(rules).contains(ctx.getCurrentKey())
 *
 * @category process
 * @since 0.1.0
 */
export interface KeyedBroadcastOnTimerContext<K> extends OnTimerContext<K> {
  getBroadcastState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): ReadOnlyBroadcastState<UK, UV>
}

/**
 * The context of `processBroadcastElement` on a keyed broadcast-connected stream: the
 * broadcast state is writable, and `applyToKeyedState` visits the keyed state of every key.
 * No key is current here, so keyed state and timers are otherwise out of reach.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const count = ds.valueState('count', t.number)
 * const resetAll = (ctx: ds.KeyedBroadcastContext<string>) => ctx.applyToKeyedState(count, (_key, state) => state.clear())
 *
 * @category process
 * @since 0.1.0
 */
export interface KeyedBroadcastContext<K> extends BroadcastContext {
  /** Calls `fn` with every key that has a value in `descriptor`'s state, that key current. */
  applyToKeyedState<D extends StateDescriptor>(descriptor: D, fn: (key: K, state: StateOf<D>) => void): void
}

/**
 * A function over a keyed stream connected to a broadcast stream.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const limits = ds.mapState('limits', t.string, t.number)
 * const seen = ds.valueState('seen', t.number, 0)
 * const overLimit: ds.KeyedBroadcastProcessFunction<string, string, [string, number], string> = {
 *   processBroadcastElement: ([user, limit], ctx) => ctx.getBroadcastState(limits).put(user, limit),
 *   processElement: (user, ctx, out) => {
 *     const n = (ctx.state(seen).value() ?? 0) + 1
 *     ctx.state(seen).update(n)
 *     if (n > (ctx.getBroadcastState(limits).get(user) ?? Infinity)) out.collect(`${user} over limit`)
 *   }
 * }
 *
 * @category process
 * @since 0.1.0
 */
export interface KeyedBroadcastProcessFunction<K, In, B, Out> {
  open?(ctx: RuntimeContext): void
  processElement(value: In, ctx: ReadOnlyKeyedBroadcastContext<K>, out: Collector<Out>): void
  processBroadcastElement(value: B, ctx: KeyedBroadcastContext<K>, out: Collector<Out>): void
  onTimer?(timestamp: number, ctx: KeyedBroadcastOnTimerContext<K>, out: Collector<Out>): void
  close?(): void
}
