/**
 * Functions over two connected streams (Flink's `CoProcessFunction` and
 * `KeyedCoProcessFunction`): one method per input, one operator, shared state.
 *
 * @since 0.1.0
 */
import type { Collector } from '../core/Collector'
import type { KeyedProcessContext, OnTimerContext, RuntimeContext } from './KeyedProcessFunction'
import type { ProcessContext } from './ProcessFunction'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A function over two non-keyed connected streams: `processElement1` for the piped stream's
 * records, `processElement2` for the other's. No keyed state and no timers.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const tagged: ds.CoProcessFunction<number, string, string> = {
 *   processElement1: (n, _ctx, out) => out.collect(`number ${n}`),
 *   processElement2: (s, _ctx, out) => out.collect(`string ${s}`)
 * }
 *
 * @category process
 * @since 0.1.0
 */
export interface CoProcessFunction<In1, In2, Out> {
  open?(): void
  processElement1(value: In1, ctx: ProcessContext, out: Collector<Out>): void
  processElement2(value: In2, ctx: ProcessContext, out: Collector<Out>): void
  close?(): void
}

/**
 * A function over two keyed connected streams whose keys match (Flink's
 * `KeyedCoProcessFunction`): both inputs share keyed state and timers, scoped to the record's
 * key; `onTimer` runs for timers of either input.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * // Emits an order once its payment has arrived, whichever comes first.
 * const order = ds.valueState('order', t.string)
 * const paid = ds.valueState('paid', t.boolean)
 * const matchPayments: ds.KeyedCoProcessFunction<string, string, number, string> = {
 *   processElement1: (o, ctx, out) => (ctx.state(paid).value() === true ? out.collect(o) : ctx.state(order).update(o)),
 *   processElement2: (_amount, ctx, out) => {
 *     const pending = ctx.state(order).value()
 *     if (pending !== undefined) out.collect(pending)
 *     else ctx.state(paid).update(true)
 *   }
 * }
 *
 * @category process
 * @since 0.1.0
 */
export interface KeyedCoProcessFunction<K, In1, In2, Out> {
  open?(ctx: RuntimeContext): void
  processElement1(value: In1, ctx: KeyedProcessContext<K>, out: Collector<Out>): void
  processElement2(value: In2, ctx: KeyedProcessContext<K>, out: Collector<Out>): void
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<Out>): void
  close?(): void
}
