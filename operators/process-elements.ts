import { asyncScheduler, type OperatorFunction } from 'rxjs'
import type { ProcessFunction } from '../src/process/ProcessFunction'
import { ProcessRuntime } from '../src/process/ProcessRuntime'
import { operatorInfo, type SchedulerOptions } from '../src/OperatorOptions'
import type { StreamElement } from '../src/StreamElement'
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
    const runtime = new ProcessRuntime<Out, K>(info, scheduler, destination)
    const { context, out } = runtime
    runtime.initialize(f)
    f.open?.()
    return {
      next: e => {
        switch (e._tag) {
          case 'Record':
            runtime.timestamp = e.timestamp
            runtime.key = e.key
            f.processElement(e.value, context, out)
            return
          case 'Watermark':
            runtime.watermark = e.timestamp
            break
          case 'CheckpointBarrier':
            runtime.snapshot(f, e)
            break
        }
        destination.next(e)
      },
      // Runs once (operate's teardown), however the subscription ends.
      finalize: () => f.close?.()
    }
  })
}
