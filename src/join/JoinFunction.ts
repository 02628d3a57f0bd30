/**
 * The user functions of the multi-stream joins (Flink's `JoinFunction`, `CoGroupFunction`,
 * `ProcessJoinFunction`) and the tagged union the window join runs on.
 *
 * @since 0.1.0
 */
import type { Collector } from '../core/Collector'
import type { OutputTag } from '../core/OutputTag'

// -------------------------------------------------------------------------------------
// window join and coGroup
// -------------------------------------------------------------------------------------

/**
 * An element of either input of a window join or coGroup (Flink's `TaggedUnion`): `One` for
 * the piped (left) stream, `Two` for the other (right) one. The window operator behind
 * `joinWith` and `coGroupWith` holds these, so a custom trigger or evictor of a join sees them.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // the left elements among a window's contents, as an evictor of a join sees them
 * const lefts = (elements: readonly ds.TimestampedValue<ds.TaggedUnion<string, number>>[]) =>
 *   elements.filter(e => e.value._tag === 'One').map(e => e.value.value)
 *
 * @category join
 * @since 0.1.0
 */
export type TaggedUnion<A, B> = { readonly _tag: 'One'; readonly value: A } | { readonly _tag: 'Two'; readonly value: B }

/**
 * Combines one element of each input that share a key and a window (Flink's `JoinFunction`):
 * called once per pair of the cross product.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Order { id: string; amount: number }
 * interface Payment { orderId: string; paid: number }
 * const balance: ds.JoinFunction<Order, Payment, number> = (order, payment) => order.amount - payment.paid
 *
 * @category join
 * @since 0.1.0
 */
export type JoinFunction<A, B, R> = (left: A, right: B) => R

/**
 * Receives, once per key and window, every element of each input in that window, in arrival
 * order (Flink's `CoGroupFunction`). One of the two lists may be empty, never both: an outer
 * join is a coGroup. The lists are the window's own (a later firing of the window, with allowed
 * lateness or a trigger, sees them again): read them, copy them to change them.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // a left outer join: every order, with its payments or none
 * const withPayments: ds.CoGroupFunction<string, number, string> = (orders, payments, out) => {
 *   for (const o of orders) out.collect(payments.length === 0 ? `${o}: unpaid` : `${o}: ${payments.join('+')}`)
 * }
 *
 * @category join
 * @since 0.1.0
 */
export type CoGroupFunction<A, B, R> = (lefts: readonly A[], rights: readonly B[], out: Collector<R>) => void

// -------------------------------------------------------------------------------------
// interval join
// -------------------------------------------------------------------------------------

/**
 * What a {@link ProcessJoinFunction} sees besides the pair (Flink's `ProcessJoinFunction.Context`):
 * the timestamps of both elements and of the result (`max` of the two), the join key, the
 * current watermark, and side outputs (stamped with the result's timestamp).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const delay = (ctx: ds.ProcessJoinContext<string>) => ctx.rightTimestamp() - ctx.leftTimestamp()
 *
 * @category join
 * @since 0.1.0
 */
export interface ProcessJoinContext<K> {
  /** The left element's timestamp. */
  leftTimestamp(): number
  /** The right element's timestamp. */
  rightTimestamp(): number
  /** The result's timestamp: `max(leftTimestamp(), rightTimestamp())`. */
  timestamp(): number
  /** The combined watermark of both inputs when the later element of the pair arrived. */
  currentWatermark(): number
  /** The key both elements share. */
  getCurrentKey(): K
  /** Emits to a side output, stamped with the result's timestamp. */
  output<S>(tag: OutputTag<S>, value: S): void
}

/**
 * Processes one joined pair of an interval join (Flink's `ProcessJoinFunction`): zero or more
 * results through `out`, each stamped `max(left.ts, right.ts)` and keyed by the join key. A
 * function, or an object with `processElement`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Order { id: string; amount: number }
 * interface Payment { orderId: string; paid: number }
 * const settled: ds.ProcessJoinFunction<Order, Payment, string, string> = (order, payment, ctx, out) => {
 *   if (payment.paid >= order.amount) out.collect(`${order.id} paid after ${ctx.rightTimestamp() - ctx.leftTimestamp()} ms`)
 * }
 *
 * @category join
 * @since 0.1.0
 */
export type ProcessJoinFunction<A, B, R, K = unknown> =
  | ((left: A, right: B, ctx: ProcessJoinContext<K>, out: Collector<R>) => void)
  | { processElement(left: A, right: B, ctx: ProcessJoinContext<K>, out: Collector<R>): void }
