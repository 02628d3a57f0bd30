import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs'
import type { ProcessFunction } from '../src/process/ProcessFunction'
import { ProcessFunctionOperator } from '../src/process/ProcessFunctionOperator'
import { type OperatorInfo, operatorInfo, type SchedulerOptions } from '../src/core/OperatorOptions'
import type { StreamElement } from '../src/core/StreamElement'
import { oneInputOperator } from '../src/runtime/host'
import type { ChainContext } from '../src/runtime/Output'
import type { ChainOutput } from '../src/runtime/Output'
import type { OneInput } from '../src/runtime/StreamOperator'

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
  return oneInputOperator<In, Out, K>(
    info,
    (output, context) => new ProcessElementsOperator<In, Out, K>(info, scheduler, typeof fn === 'function' ? fn() : fn, output, context)
  ) as OperatorFunction<StreamElement<In, K>, StreamElement<Out, K>>
}

/** Flink's `ProcessOperator`: the function per record; control elements pass through in order. */
class ProcessElementsOperator<In, Out, K> extends ProcessFunctionOperator<Out, K> implements OneInput<In> {
  constructor(
    info: OperatorInfo,
    scheduler: SchedulerLike,
    private readonly fn: ProcessFunction<In, Out>,
    output: ChainOutput<Out, K>,
    context: ChainContext
  ) {
    super(info, scheduler, fn, output, context)
  }

  /** Opens the function, after its operator state is initialized. */
  override open(): void {
    super.open()
    this.fn.open?.()
  }

  record(value: In, timestamp: number, key: unknown): void {
    if (this.destination.closed) return
    try {
      this.timestamp = timestamp
      this.key = key as K
      this.fn.processElement(value, this.context, this.out)
    } catch (error) {
      this.failRecord(error, value, timestamp, key)
    }
  }

  override close(): void {
    this.fn.close?.()
  }
}
