import type { OperatorFunction } from 'rxjs'
import { type OperatorInfo, operatorInfo } from '../src/core/OperatorOptions'
import type { OutputTag } from '../src/core/OutputTag'
import type { SideRecord, StreamElement } from '../src/core/StreamElement'
import { NO_KEY, oneInputOperator } from '../src/runtime/host'
import type { ChainContext } from '../src/runtime/Output'
import type { ChainOutput } from '../src/runtime/Output'
import { AbstractStreamOperator, type OneInput } from '../src/runtime/StreamOperator'

/**
 * Selects the side output named by `tag`: its values become the records of a new
 * `DataStream` (timestamps kept); watermarks, statuses and barriers are kept so that
 * event-time operators work downstream; main records and other side outputs are dropped.
 * To read both the main and side outputs of one subscription, use `split` (or `share()`).
 *
 * ```text
 * input:   a@1  late(x)@0  W(5)  b@7|
 * output:       x@0        W(5)     |     (sideOutput(late))
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const errors = new ds.OutputTag<string>('errors')
 * ds.fromRecords([{ value: 'ok', timestamp: 1 }, { value: 'bad', timestamp: 2 }])
 *   .pipe(
 *     ds.processElements<string, string>({
 *       processElement: (v, ctx, out) => (v === 'bad' ? ctx.output(errors, v) : out.collect(v)),
 *     }),
 *     ds.sideOutput(errors),
 *     ds.values())
 *   .subscribe(v => console.log(v)) // bad
 *
 * @see mainOutput
 * @see split
 * @param tag the side output to select
 * @category side-output
 * @since 0.1.0
 */
export function sideOutput<S>(tag: OutputTag<S>): OperatorFunction<StreamElement<unknown, unknown>, StreamElement<S>> {
  const info = operatorInfo('sideOutput', { name: `sideOutput(${tag.id})` })
  return oneInputOperator<unknown, S, never>(info, (output, context) => new SideOutputOperator<S>(info, tag, output, context))
}

/** A side output's records become the records; main records and other side outputs are dropped. */
class SideOutputOperator<S> extends AbstractStreamOperator<S, never> implements OneInput<unknown> {
  constructor(
    info: OperatorInfo,
    private readonly tag: OutputTag<S>,
    output: ChainOutput<S, never>,
    context: ChainContext
  ) {
    super(info, output, context)
  }

  /** Main records are dropped. */
  record(): void {}

  override processSideRecord(record: SideRecord<unknown>): void {
    if (record.tag.id === this.tag.id) this.output.record(record.value as S, record.timestamp, NO_KEY)
  }
}

/**
 * Drops every side record, keeping main records and control elements.
 *
 * ```text
 * input:   a@1  late(x)@0  W(5)  b@7|
 * output:  a@1             W(5)  b@7|
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const main$ = ds.fromRecords([{ value: 1, timestamp: 0 }]).pipe(ds.mainOutput())
 *
 * @see sideOutput
 * @category side-output
 * @since 0.1.0
 */
export function mainOutput<T, K = never>(): OperatorFunction<StreamElement<T, K>, StreamElement<T, K>> {
  const info = operatorInfo('mainOutput')
  return oneInputOperator<T, T, K>(info, (output, context) => new MainOutputOperator<T, K>(info, output, context)) as OperatorFunction<
    StreamElement<T, K>,
    StreamElement<T, K>
  >
}

/** Main records and control elements pass; side records are dropped. */
class MainOutputOperator<T, K> extends AbstractStreamOperator<T, K> implements OneInput<T> {
  record(value: T, timestamp: number, key: unknown): void {
    if (this.destination.closed) return
    this.output.record(value, timestamp, key as K)
  }

  override processSideRecord(): void {}
}
