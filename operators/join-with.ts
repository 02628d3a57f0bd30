import type { Observable, OperatorFunction } from 'rxjs'
import type { Key } from '../src/core/Key'
import type { SchedulerOptions } from '../src/core/OperatorOptions'
import type { StreamElement } from '../src/core/StreamElement'
import type { JoinFunction, TaggedUnion } from '../src/join/JoinFunction'
import { windowJoinSteps } from '../src/join/windowJoin'
import type { Evictor } from '../src/windowing/Evictor'
import type { Trigger } from '../src/windowing/Trigger'
import type { WindowAssigner } from '../src/windowing/WindowAssigner'

/**
 * The first step of a window join (Flink's `JoinedStreams`): name the join key of the piped
 * (left) stream with `where`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Payment { orderId: string; paid: number }
 * const payments = ds.fromRecords<Payment>([{ value: { orderId: 'o1', paid: 5 }, timestamp: 1_000 }])
 * const joined: ds.JoinedStreams<Payment> = ds.joinWith(payments)
 *
 * @category join
 * @since 0.1.0
 */
export interface JoinedStreams<B> {
  /** The join key of a left (piped) element: a string, number, boolean, bigint or an array of them. */
  where<A, K extends Key>(keySelector: (left: A) => K): JoinedStreamsWhere<A, B, K>
}

/**
 * A window join with its left key: name the right stream's key with `equalTo`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Order { id: string; amount: number }
 * interface Payment { orderId: string; paid: number }
 * declare const payments$: ds.DataStream<Payment>
 * const where: ds.JoinedStreamsWhere<Order, Payment, string> = ds.joinWith(payments$).where((o: Order) => o.id)
 *
 * @category join
 * @since 0.1.0
 */
export interface JoinedStreamsWhere<A, B, K> {
  /** The join key of a right element, of the same type as the left one's. */
  equalTo(keySelector: (right: B) => K): JoinedStreamsEqualTo<A, B, K>
}

/**
 * A window join with both keys: choose the windows with `window`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Order { id: string; amount: number }
 * interface Payment { orderId: string; paid: number }
 * declare const payments$: ds.DataStream<Payment>
 * const keyed: ds.JoinedStreamsEqualTo<Order, Payment, string> =
 *   ds.joinWith(payments$).where((o: Order) => o.id).equalTo(p => p.orderId)
 *
 * @category join
 * @since 0.1.0
 */
export interface JoinedStreamsEqualTo<A, B, K> {
  /**
   * The windows both inputs' elements are grouped into, each by its own timestamp (event-time
   * assigners) or arrival time (processing-time assigners). Session windows merge across both
   * inputs.
   */
  window(assigner: WindowAssigner<TaggedUnion<A, B>>): WindowedJoin<A, B, K>
}

/**
 * A window join ready to run (Flink's `JoinedStreams.WithWindow`). It is immutable: `trigger`,
 * `evictor` and `allowedLateness` return a new builder; `apply` returns the pipeable operator.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Order { id: string; amount: number }
 * interface Payment { orderId: string; paid: number }
 * declare const payments$: ds.DataStream<Payment>
 * const windowed: ds.WindowedJoin<Order, Payment, string> = ds.joinWith(payments$)
 *   .where((o: Order) => o.id).equalTo(p => p.orderId)
 *   .window(ds.tumblingEventTimeWindows(60_000))
 *   .allowedLateness(5_000)
 *
 * @category join
 * @since 0.1.0
 */
export interface WindowedJoin<A, B, K> {
  /** Replaces the assigner's default trigger; it sees {@link TaggedUnion} elements. */
  trigger(trigger: Trigger<TaggedUnion<A, B>>): WindowedJoin<A, B, K>
  /** Adds an evictor over the {@link TaggedUnion} elements of each window. */
  evictor(evictor: Evictor<TaggedUnion<A, B>>): WindowedJoin<A, B, K>
  /**
   * Keeps event-time windows `ms` past their end: a late element within it re-fires its
   * window, which then emits every pair of the window again (as Flink does).
   */
  allowedLateness(ms: number): WindowedJoin<A, B, K>
  /**
   * The operator: `fn(left, right)` for every pair of elements that share a key and a
   * window, each result stamped with the window's `maxTimestamp` and keyed by the join key.
   */
  apply<R>(fn: JoinFunction<A, B, R>): OperatorFunction<StreamElement<A, unknown>, StreamElement<R, K>>
}

/**
 * Joins the piped stream with `right$` per key and window (Flink's
 * `stream.join(other).where(…).equalTo(…).window(…).apply(…)`): an inner join. At each firing
 * of a window, every pair of a left and a right element with the same key in that window goes
 * through the join function; a key seen on one side only yields nothing. Each result carries
 * the window's `maxTimestamp` and the join key. With sliding windows a pair that shares several
 * windows is emitted once per shared window.
 *
 * ```text
 * tumbling 10, where(l => l.k).equalTo(r => r.k), apply((l, r) => l.v + r.v)
 * left:    {a,1}@2     {a,2}@7           W(9)                 {b,3}@12         |
 * right:         {a,x}@5     {b,y}@8     W(9)                                    |
 * output:                                1x@9 2x@9 (key a)  W(9)                  W(+∞)|
 *                                        key b: y in [0, 10), 3 in [10, 20): no pair
 * ```
 *
 * Both inputs' watermarks combine as for every two-input operator: the minimum over the
 * inputs that are not idle. A record late for every window it belongs to
 * (`ts + allowedLateness <= watermark`) is dropped. The output completes once both inputs have
 * completed, after the `+Infinity` watermark has fired every window. Implemented as Flink does:
 * one window operator over the tagged union of both inputs, keyed by the join key; tumbling and
 * sliding event-time windows with the default trigger and no evictor run on a window operator
 * of their own (each key's elements kept per input, one firing per window for all its keys),
 * with the same results.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Order { id: string; amount: number }
 * interface Payment { orderId: string; paid: number }
 * const orders = ds.fromRecords<Order>([{ value: { id: 'o1', amount: 30 }, timestamp: 1_000 }])
 * const payments = ds.fromRecords<Payment>([{ value: { orderId: 'o1', paid: 30 }, timestamp: 4_000 }])
 * orders.pipe(
 *   ds.joinWith(payments)
 *     .where((o: Order) => o.id).equalTo(p => p.orderId)
 *     .window(ds.tumblingEventTimeWindows(60_000))
 *     .apply((o, p) => ({ id: o.id, open: o.amount - p.paid })),
 *   ds.records()
 * ).subscribe(r => console.log(r.key, r.value, r.timestamp)) // "o1" { id: 'o1', open: 0 } 59999
 *
 * @see coGroupWith for outer joins, intervalJoinWith for joins by a time interval, splitBy to join two parts of one stream
 * @param right$ the right input, keyed or not (its keys are not used: `equalTo` gives them)
 * @param options `name`, `uid`, `scheduler` (processing time, for processing-time windows and triggers)
 * @category join
 * @since 0.1.0
 */
export function joinWith<B>(right$: Observable<StreamElement<B, unknown>>, options?: SchedulerOptions): JoinedStreams<B> {
  return windowJoinSteps<JoinFunction<unknown, unknown, unknown>>(right$, options, {
    kind: 'joinWith',
    expected: 'a join function (left, right) => result',
    // Flink's JoinCoGroupFunction: the nested loop over both sides of a firing (nothing when
    // a side is empty, which most keys of a window are in an inner join).
    toCoGroup: fn => (lefts, rights, out) => {
      const n = rights.length
      if (n === 0) return
      for (let i = 0; i < lefts.length; i++) {
        const left = lefts[i]
        for (let j = 0; j < n; j++) out.collect(fn(left, rights[j]))
      }
    },
    toJoin: fn => fn
  }) as JoinedStreams<B>
}
