import { asyncScheduler, type OperatorFunction } from 'rxjs'
import type { Collector } from '../src/Collector'
import type { ProcessContext, ProcessFunction } from '../src/process/ProcessFunction'
import { operatorInfo, type SchedulerOptions } from '../src/OperatorOptions'
import { NO_TIMESTAMP, sideRecord, type StreamElement, streamRecord } from '../src/StreamElement'
import { operate } from '../src/internal/operate'

/**
 * Runs a non-keyed process function over every record: it may emit any number of results
 * (stamped with the record's timestamp), emit side outputs, and read the record's timestamp,
 * the current watermark and processing time. Control elements pass through in order.
 *
 * ```text
 * input:   3@1   W(1)   -1@2         |
 * output:  3@1   W(1)   neg(-1)@2   W(+∞)|    (negatives to a side output)
 * ```
 *
 * Pass a factory (`() => fn`) when the function keeps per-subscription state, so two
 * subscriptions do not share it.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const negative = new ds.OutputTag<number>('negative')
 * ds.fromRecords([{ value: 3, timestamp: 1 }, { value: -1, timestamp: 2 }])
 *   .pipe(ds.processElements<number, number>({
 *     processElement: (n, ctx, out) => (n < 0 ? ctx.output(negative, n) : out.collect(n * 10)),
 *   }), ds.values())
 *   .subscribe(v => console.log(v)) // 30
 *
 * @param fn the process function, or a factory creating one per subscription
 * @param options `name`, `uid`, `scheduler` (the processing-time clock)
 * @category process
 * @since 0.1.0
 */
export function processElements<In, Out, K = never>(
  fn: ProcessFunction<In, Out> | (() => ProcessFunction<In, Out>),
  options?: SchedulerOptions
): OperatorFunction<StreamElement<In, K>, StreamElement<Out, K>> {
  const info = operatorInfo('processElements', options)
  const scheduler = options?.scheduler ?? asyncScheduler
  return operate<StreamElement<In, K>, StreamElement<Out, K>>(info, destination => {
    const f = typeof fn === 'function' ? fn() : fn
    let watermark = -Infinity
    let timestamp = NO_TIMESTAMP
    let key: K = undefined as K
    const out: Collector<Out> = { collect: v => destination.next(streamRecord(v, timestamp, key)) }
    const ctx: ProcessContext = {
      timestamp: () => (timestamp === NO_TIMESTAMP ? null : timestamp),
      currentWatermark: () => watermark,
      currentProcessingTime: () => scheduler.now(),
      output: (tag, value) => {
        if (tag === null || tag === undefined) throw new TypeError('ctx.output: the output tag must not be null')
        destination.next(sideRecord(tag, value, timestamp))
      }
    }
    f.open?.()
    let closed = false
    return {
      next: e => {
        if (e._tag === 'Record') {
          timestamp = e.timestamp
          key = e.key
          f.processElement(e.value, ctx, out)
        } else {
          if (e._tag === 'Watermark') watermark = e.timestamp
          destination.next(e)
        }
      },
      finalize: () => {
        if (closed) return
        closed = true
        f.close?.()
      }
    }
  })
}
