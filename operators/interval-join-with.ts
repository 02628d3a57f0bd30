import { asyncScheduler, type Observable, type OperatorFunction } from 'rxjs'
import type { NeedsKeys } from '../src/core/Key'
import { operatorInfo, operatorLabel } from '../src/core/OperatorOptions'
import type { OutputTag } from '../src/core/OutputTag'
import type { StreamElement } from '../src/core/StreamElement'
import { describeValue } from '../src/core/describe'
import { checkObservable } from '../src/runtime/host'
import { multiInputOperator } from '../src/runtime/multiInputOperator'
import { IntervalJoinOperator, type JoinProcessor } from '../src/join/IntervalJoinOperator'
import type { ProcessJoinFunction } from '../src/join/JoinFunction'
import { checkMaxParallelism } from '../src/state/KeyGroup'
import { checkStateBackend } from '../src/state/StateBackend'
import type { KeyedStateOptions } from './keyed-process'

/**
 * The operator an interval join's `process` returns: a function of the left keyed stream,
 * whose key type must be the right stream's. A left stream without keys is rejected by the
 * type checker.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * declare const right$: ds.KeyedStream<string, number>
 * const op: ds.IntervalJoinOperatorFunction<number, number, string> = ds
 *   .intervalJoinWith(right$)
 *   .between(-1_000, 1_000)
 *   .process((l: number, r, _ctx, out) => out.collect(l + r))
 *
 * @category join
 * @since 0.1.0
 */
export interface IntervalJoinOperatorFunction<A, R, K> {
  <KS extends K>(left$: Observable<StreamElement<A, KS>> & NeedsKeys<KS>): Observable<StreamElement<R, K>>
}

/**
 * The first step of an interval join (Flink's `KeyedStream.IntervalJoin`): give the interval
 * with `between`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * declare const payments$: ds.KeyedStream<string, { orderId: string; paid: number }>
 * const join: ds.IntervalJoin<{ orderId: string; paid: number }, string> = ds.intervalJoinWith(payments$)
 *
 * @category join
 * @since 0.1.0
 */
export interface IntervalJoin<B, K> {
  /**
   * Joins a left element at `t` with the right elements of its key in `[t + lowerBound,
   * t + upperBound]` (milliseconds, integers, either may be negative; `lowerBound <=
   * upperBound`, else a `RangeError` is thrown here).
   */
  between(lowerBound: number, upperBound: number): IntervalJoined<B, K>
}

/**
 * An interval join with its bounds (Flink's `IntervalJoined`). It is immutable: each
 * configuration method returns a new builder; `process` returns the pipeable operator. `L` is
 * the type of the late left elements' side output, if one is configured.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Order { id: string; amount: number }
 * interface Payment { orderId: string; paid: number }
 * declare const payments$: ds.KeyedStream<string, Payment>
 * const lateOrders = new ds.OutputTag<Order>('late-orders')
 * const joined: ds.IntervalJoined<Payment, string, Order> = ds.intervalJoinWith(payments$)
 *   .between(0, 60_000)
 *   .upperBoundExclusive()
 *   .sideOutputLeftLateData(lateOrders)
 *
 * @category join
 * @since 0.1.0
 */
export interface IntervalJoined<B, K, L = unknown> {
  /** Excludes the lower bound: `t + lowerBound + 1` is the earliest match. */
  lowerBoundExclusive(): IntervalJoined<B, K, L>
  /** Excludes the upper bound: `t + upperBound - 1` is the latest match. */
  upperBoundExclusive(): IntervalJoined<B, K, L>
  /** Sends late left records (`ts < watermark`) to side output `tag` instead of dropping them. */
  sideOutputLeftLateData<L2>(tag: OutputTag<L2>): IntervalJoined<B, K, L2>
  /** Sends late right records (`ts < watermark`) to side output `tag` instead of dropping them. */
  sideOutputRightLateData(tag: OutputTag<B>): IntervalJoined<B, K, L>
  /**
   * The operator: `fn(left, right, ctx, out)` once per matching pair, when the later of the
   * two arrives; results stamped `max(left.ts, right.ts)` and keyed by the join key.
   */
  process<A extends L, R>(fn: ProcessJoinFunction<A, B, R, K>): IntervalJoinOperatorFunction<A, R, K>
}

interface IntervalJoinSpec<B, K> {
  readonly right: Observable<StreamElement<B, K>>
  readonly options: KeyedStateOptions | undefined
  readonly lowerBound: number
  readonly upperBound: number
  readonly lowerBoundExclusive: boolean
  readonly upperBoundExclusive: boolean
  readonly leftLateTag: OutputTag<unknown> | undefined
  readonly rightLateTag: OutputTag<B> | undefined
}

/**
 * Joins two keyed streams by a time interval (Flink's
 * `keyedStream.intervalJoin(other).between(lower, upper).process(fn)`): a left element at `t`
 * and a right element of the same key at `t'` form a pair iff
 * `t + lower <= t' <= t + upper`. Each element is buffered and matched at once against the
 * other side's buffer, so every pair is emitted exactly once, when its later element arrives,
 * stamped `max(t, t')`.
 *
 * ```text
 * between(-2, 1): a left element at t joins the right elements of its key in [t − 2, t + 1]
 * left:   a@5                   W(6)   c@9                           |
 * right:        x@4     y@7     W(6)             z@10                  |
 * output:       (a,x)@5         W(6)   (c,y)@9   (c,z)@10             W(+∞)|
 * ```
 *
 * - **Watermarks**: the minimum of both inputs' (idle inputs left out), as for every
 *   two-input operator; it is forwarded after the buffers it makes useless are dropped.
 * - **Late data**: a record with `ts < watermark` (strict: unlike windows, a record at the
 *   watermark still joins) is neither buffered nor joined; it is dropped, or sent to
 *   `sideOutputLeftLateData(tag)` / `sideOutputRightLateData(tag)`.
 * - **Memory**: a left element is kept until the watermark reaches `t + upper` (or `t` if
 *   `upper <= 0`), a right one until `t - lower` (or `t` if `lower >= 0`): buffers follow the
 *   interval and the watermark's lag, not the length of the input.
 * - **Bad input**: a record without a key (the input was not keyed) is a `KeyError`, one without a
 *   timestamp a `TimestampError`, both through the error channel and naming the operator.
 * - **Completion**: once both inputs have completed; the `+Infinity` watermark drops every buffer.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Order { id: string; amount: number }
 * interface Payment { orderId: string; paid: number }
 * const orders = ds.fromRecords<Order>([{ value: { id: 'o1', amount: 30 }, timestamp: 1_000 }]).pipe(ds.keyBy(o => o.id))
 * const payments = ds.fromRecords<Payment>([{ value: { orderId: 'o1', paid: 30 }, timestamp: 4_000 }]).pipe(ds.keyBy(p => p.orderId))
 * orders.pipe(
 *   ds.intervalJoinWith(payments)
 *     .between(0, 60_000) // paid within a minute of the order
 *     .process((o: Order, p, ctx, out) => out.collect(`${o.id} paid after ${ctx.rightTimestamp() - ctx.leftTimestamp()} ms`)),
 *   ds.records()
 * ).subscribe(r => console.log(r.value, r.timestamp)) // "o1 paid after 3000 ms" 4000
 *
 * @see joinWith and coGroupWith for window joins, splitBy to join two parts of one stream
 * @param right$ the right input, a keyed stream with the left one's key type
 * @param options `name`, `uid`, `maxParallelism`
 * @category join
 * @since 0.1.0
 */
export function intervalJoinWith<B, K>(right$: Observable<StreamElement<B, K>> & NeedsKeys<K>, options?: KeyedStateOptions): IntervalJoin<B, K> {
  const label = operatorLabel(operatorInfo('intervalJoinWith', options))
  checkObservable(right$, `${label}: the right input`)
  if (options?.maxParallelism !== undefined) checkMaxParallelism(options.maxParallelism, 'intervalJoinWith')
  checkStateBackend(options?.stateBackend, `${label}: stateBackend`)
  return {
    between: (lowerBound, upperBound) => {
      for (const [name, bound] of [['lowerBound', lowerBound], ['upperBound', upperBound]] as const) {
        if (!Number.isSafeInteger(bound)) throw new RangeError(`${label}: ${name} must be an integer number of milliseconds, got ${describeValue(bound)}`)
      }
      if (lowerBound > upperBound) {
        throw new RangeError(`${label}: lowerBound ${lowerBound} is greater than upperBound ${upperBound}; between(lower, upper) needs lower <= upper`)
      }
      return intervalJoined<B, K, unknown>({
        right: right$,
        options,
        lowerBound,
        upperBound,
        lowerBoundExclusive: false,
        upperBoundExclusive: false,
        leftLateTag: undefined,
        rightLateTag: undefined
      })
    }
  }
}

function intervalJoined<B, K, L>(spec: IntervalJoinSpec<B, K>): IntervalJoined<B, K, L> {
  return {
    lowerBoundExclusive: () => intervalJoined({ ...spec, lowerBoundExclusive: true }),
    upperBoundExclusive: () => intervalJoined({ ...spec, upperBoundExclusive: true }),
    sideOutputLeftLateData: <L2>(tag: OutputTag<L2>) => intervalJoined<B, K, L2>({ ...spec, leftLateTag: checkTag(spec, tag) }),
    sideOutputRightLateData: tag => intervalJoined({ ...spec, rightLateTag: checkTag(spec, tag) }),
    process: <A extends L, R>(fn: ProcessJoinFunction<A, B, R, K>) => intervalJoinOperator<A, B, R, K>(spec, fn)
  }
}

function checkTag<T>(spec: IntervalJoinSpec<unknown, unknown>, tag: OutputTag<T>): OutputTag<T> {
  if (typeof tag !== 'object' || tag === null || typeof tag.id !== 'string') {
    throw new TypeError(`${operatorLabel(operatorInfo('intervalJoinWith', spec.options))}: a late-data side output needs an OutputTag, got ${describeValue(tag)}`)
  }
  return tag
}

function intervalJoinOperator<A, B, R, K>(spec: IntervalJoinSpec<B, K>, fn: ProcessJoinFunction<A, B, R, K>): IntervalJoinOperatorFunction<A, R, K> {
  const info = operatorInfo('intervalJoinWith', spec.options)
  let processor: JoinProcessor<A, B, R, K>
  if (typeof fn === 'function') processor = fn
  else if (typeof fn === 'object' && fn !== null && typeof fn.processElement === 'function') processor = (l, r, ctx, out) => fn.processElement(l, r, ctx, out)
  else throw new TypeError(`${operatorLabel(info)}: process() needs a process join function (left, right, ctx, out) => void, got ${describeValue(fn)}`)
  const config = {
    info,
    // Flink's IntervalJoinOperator: exclusive bounds are the inclusive bounds one ms inside.
    lowerBound: spec.lowerBoundExclusive ? spec.lowerBound + 1 : spec.lowerBound,
    upperBound: spec.upperBoundExclusive ? spec.upperBound - 1 : spec.upperBound,
    leftLateTag: spec.leftLateTag as OutputTag<A> | undefined,
    rightLateTag: spec.rightLateTag,
    fn: processor,
    scheduler: spec.options?.scheduler ?? asyncScheduler,
    maxParallelism: spec.options?.maxParallelism,
    stateBackend: spec.options?.stateBackend
  }
  const operator: OperatorFunction<StreamElement<A, unknown>, StreamElement<R, K>> = multiInputOperator<A, R, K>(
    info,
    [spec.right as Observable<StreamElement<unknown, unknown>>],
    (output, context) => new IntervalJoinOperator<A, B, R, K>(config, output, context)
  )
  return operator as IntervalJoinOperatorFunction<A, R, K>
}
