import type { Observable, OperatorFunction } from 'rxjs'
import type { Key } from '../src/core/Key'
import type { SchedulerOptions } from '../src/core/OperatorOptions'
import type { StreamElement } from '../src/core/StreamElement'
import type { CoGroupFunction, TaggedUnion } from '../src/join/JoinFunction'
import { windowJoinSteps } from '../src/join/windowJoin'
import type { Evictor } from '../src/windowing/Evictor'
import type { Trigger } from '../src/windowing/Trigger'
import type { WindowAssigner } from '../src/windowing/WindowAssigner'

/**
 * The first step of a window coGroup (Flink's `CoGroupedStreams`): name the key of the piped
 * (left) stream with `where`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Payment { orderId: string; paid: number }
 * const payments = ds.fromRecords<Payment>([{ value: { orderId: 'o1', paid: 5 }, timestamp: 1_000 }])
 * const grouped: ds.CoGroupedStreams<Payment> = ds.coGroupWith(payments)
 *
 * @category join
 * @since 0.1.0
 */
export interface CoGroupedStreams<B> {
  /** The key of a left (piped) element: a string, number, boolean, bigint or an array of them. */
  where<A, K extends Key>(keySelector: (left: A) => K): CoGroupedStreamsWhere<A, B, K>
}

/**
 * A window coGroup with its left key: name the right stream's key with `equalTo`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Order { id: string; amount: number }
 * interface Payment { orderId: string; paid: number }
 * declare const payments$: ds.DataStream<Payment>
 * const where: ds.CoGroupedStreamsWhere<Order, Payment, string> = ds.coGroupWith(payments$).where((o: Order) => o.id)
 *
 * @category join
 * @since 0.1.0
 */
export interface CoGroupedStreamsWhere<A, B, K> {
  /** The key of a right element, of the same type as the left one's. */
  equalTo(keySelector: (right: B) => K): CoGroupedStreamsEqualTo<A, B, K>
}

/**
 * A window coGroup with both keys: choose the windows with `window`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Order { id: string; amount: number }
 * interface Payment { orderId: string; paid: number }
 * declare const payments$: ds.DataStream<Payment>
 * const keyed: ds.CoGroupedStreamsEqualTo<Order, Payment, string> =
 *   ds.coGroupWith(payments$).where((o: Order) => o.id).equalTo(p => p.orderId)
 *
 * @category join
 * @since 0.1.0
 */
export interface CoGroupedStreamsEqualTo<A, B, K> {
  /**
   * The windows both inputs' elements are grouped into, each by its own timestamp (event-time
   * assigners) or arrival time (processing-time assigners). Session windows merge across both
   * inputs.
   */
  window(assigner: WindowAssigner<TaggedUnion<A, B>>): WindowedCoGroup<A, B, K>
}

/**
 * A window coGroup ready to run (Flink's `CoGroupedStreams.WithWindow`). It is immutable:
 * `trigger`, `evictor` and `allowedLateness` return a new builder; `apply` returns the
 * pipeable operator.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Order { id: string; amount: number }
 * interface Payment { orderId: string; paid: number }
 * declare const payments$: ds.DataStream<Payment>
 * const windowed: ds.WindowedCoGroup<Order, Payment, string> = ds.coGroupWith(payments$)
 *   .where((o: Order) => o.id).equalTo(p => p.orderId)
 *   .window(ds.eventTimeSessionWindows(30_000))
 *
 * @category join
 * @since 0.1.0
 */
export interface WindowedCoGroup<A, B, K> {
  /** Replaces the assigner's default trigger; it sees {@link TaggedUnion} elements. */
  trigger(trigger: Trigger<TaggedUnion<A, B>>): WindowedCoGroup<A, B, K>
  /** Adds an evictor over the {@link TaggedUnion} elements of each window. */
  evictor(evictor: Evictor<TaggedUnion<A, B>>): WindowedCoGroup<A, B, K>
  /**
   * Keeps event-time windows `ms` past their end: a late element within it re-fires its
   * window, which then calls the function again with all its elements (as Flink does).
   */
  allowedLateness(ms: number): WindowedCoGroup<A, B, K>
  /**
   * The operator: `fn(lefts, rights, out)` once per key and window at each firing, with the
   * window's elements of each input in arrival order (one list may be empty, not both); each
   * result stamped with the window's `maxTimestamp` and keyed by the key.
   */
  apply<R>(fn: CoGroupFunction<A, B, R>): OperatorFunction<StreamElement<A, unknown>, StreamElement<R, K>>
}

/**
 * Groups the piped stream and `right$` per key and window (Flink's
 * `stream.coGroup(other).where(…).equalTo(…).window(…).apply(…)`): at each firing of a window,
 * the function gets, once per key, that window's elements of each input in arrival order. One
 * side may be empty (never both), which makes outer joins possible. Results carry the window's
 * `maxTimestamp` and the key.
 *
 * ```text
 * tumbling 10, where(l => l.k).equalTo(r => r.k); one call per key and window: [lefts]|[rights]
 * left:   {a,2}@7 {a,1}@2 {b,3}@8           W(9)                                              |
 * right:  {a,x}@5                  {c,y}@1  W(9)                                {a,z}@12       |
 * output:                                   a:[2,1]|[x]@9 b:[3]|[]@9 c:[]|[y]@9 W(9)  a:[]|[z]@19 W(+∞)|
 * ```
 *
 * Watermarks, lateness and completion are those of {@link joinWith}: the combined watermark
 * of both inputs (idle ones left out) fires windows; a record late for every window it belongs
 * to is dropped; the output completes after both inputs have, once the `+Infinity` watermark
 * has fired every window.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Order { id: string; amount: number }
 * interface Payment { orderId: string; paid: number }
 * const orders = ds.fromRecords<Order>([
 *   { value: { id: 'o1', amount: 30 }, timestamp: 1_000 }, { value: { id: 'o2', amount: 5 }, timestamp: 2_000 },
 * ])
 * const payments = ds.fromRecords<Payment>([{ value: { orderId: 'o1', paid: 30 }, timestamp: 4_000 }])
 * orders.pipe(
 *   ds.coGroupWith(payments)
 *     .where((o: Order) => o.id).equalTo(p => p.orderId)
 *     .window(ds.tumblingEventTimeWindows(60_000))
 *     .apply<string>((os, ps, out) => {
 *       for (const o of os) out.collect(ps.length === 0 ? `${o.id} unpaid` : `${o.id} paid`)
 *     }),
 *   ds.values()
 * ).subscribe(v => console.log(v)) // "o1 paid", "o2 unpaid" (in either order)
 *
 * @see joinWith for inner joins, intervalJoinWith for joins by a time interval, splitBy to group two parts of one stream
 * @param right$ the right input, keyed or not (its keys are not used: `equalTo` gives them)
 * @param options `name`, `uid`, `scheduler` (processing time, for processing-time windows and triggers)
 * @category join
 * @since 0.1.0
 */
export function coGroupWith<B>(right$: Observable<StreamElement<B, unknown>>, options?: SchedulerOptions): CoGroupedStreams<B> {
  return windowJoinSteps<CoGroupFunction<unknown, unknown, unknown>>(right$, options, {
    kind: 'coGroupWith',
    expected: 'a coGroup function (lefts, rights, out) => void',
    toCoGroup: fn => fn
  }) as CoGroupedStreams<B>
}
