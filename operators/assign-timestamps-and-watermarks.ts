import { asyncScheduler, type OperatorFunction } from 'rxjs'
import { operatorInfo, type SchedulerOptions } from '../src/core/OperatorOptions'
import type { StreamElement } from '../src/core/StreamElement'
import type { WatermarkStrategy } from '../src/core/WatermarkStrategy'
import { sourceOperator } from '../src/runtime/host'
import { TimestampsAndWatermarksOperator } from '../src/watermarks/TimestampsAndWatermarksOperator'
import { assertDuration } from '../src/core/WatermarkGenerator'

/**
 * Options of {@link assignTimestampsAndWatermarks}.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const opts: ds.AssignTimestampsAndWatermarksOptions = { autoWatermarkInterval: 0, name: 'clicks' }
 *
 * @category time
 * @since 0.1.0
 */
export interface AssignTimestampsAndWatermarksOptions extends SchedulerOptions {
  /**
   * How often (ms of processing time, on `scheduler`) the generator is asked for a watermark.
   * Default 200, as in Flink. `0` asks after every record, so a synchronous replay of recorded
   * data advances event time (and fires windows) as it goes; to disable watermarks use
   * `WatermarkStrategy.noWatermarks()`.
   */
  readonly autoWatermarkInterval?: number
}

/**
 * Turns plain values into a `DataStream`: stamps each value with its event timestamp and
 * emits watermarks per the strategy.
 *
 * Records pass through at once, in arrival order; a watermark is forwarded only when it is
 * strictly greater than the last one. With `withIdleness` the stream is marked idle when no
 * record came for the idle timeout, and active again at the next advancing watermark. When
 * the input completes the generator is asked once more, then the `+Infinity` watermark is
 * emitted before `complete`.
 *
 * ```text
 * values:      a(ts 5)   b(ts 12)    c(ts 9)        |
 * output:      a@5       b@12        c@9   W(11)    W(+∞)|      (forBoundedOutOfOrderness(0),
 *                                          ^ periodic tick        ticks emit max − 0 − 1)
 * ```
 *
 * A timestamp assigner that returns NaN, a non-number or a non-finite number errors the
 * stream with a `TimestampError` naming the operator and the value.
 *
 * @example
 * import { from } from 'rxjs'
 * import * as ds from 'rx-datastream'
 *
 * interface Click { user: string; page: string; ts: number }
 * const clicks: Click[] = [
 *   { user: 'ann', page: '/', ts: 1_000 },
 *   { user: 'bob', page: '/a', ts: 800 },
 * ]
 * const clicks$: ds.DataStream<Click> = from(clicks).pipe(
 *   ds.assignTimestampsAndWatermarks(
 *     ds.WatermarkStrategy.forBoundedOutOfOrderness<Click>(500).withTimestampAssigner(c => c.ts),
 *     { autoWatermarkInterval: 0 }))
 * // emits Record(ann @1000), Watermark(499), Record(bob @800), Watermark(+Infinity)
 *
 * @see WatermarkStrategy
 * @param strategy where timestamps come from and how watermarks are generated
 * @param options `autoWatermarkInterval`, `scheduler`, `name`, `uid`
 * @returns an operator from values to stream elements
 * @category time
 * @since 0.1.0
 */
export function assignTimestampsAndWatermarks<T>(
  strategy: WatermarkStrategy<T>,
  options: AssignTimestampsAndWatermarksOptions = {}
): OperatorFunction<T, StreamElement<T>> {
  const info = operatorInfo('assignTimestampsAndWatermarks', options)
  const interval = options.autoWatermarkInterval ?? 200
  assertDuration('assignTimestampsAndWatermarks: autoWatermarkInterval', interval)
  if (strategy.timestampAssigner === undefined && strategy.emitsWatermarks) {
    throw new TypeError(
      'assignTimestampsAndWatermarks: plain values carry no timestamp; give the strategy one with .withTimestampAssigner(value => …)'
    )
  }
  const scheduler = options.scheduler ?? asyncScheduler
  // The head of a chain: a keyBy or window operator right after it runs it in its own subscription.
  return sourceOperator<T, T, never>(info, (output, context) => new TimestampsAndWatermarksOperator<T>(info, strategy, output, context, scheduler, interval))
}
