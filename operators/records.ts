import type { OperatorFunction, Subscriber } from 'rxjs'
import { type OperatorInfo, operatorInfo } from '../src/OperatorOptions'
import { type StreamElement, type StreamRecord, streamRecord } from '../src/StreamElement'
import { type ChainContext, type SinkOperator, sinkOperator } from '../src/runtime/host'

/**
 * Leaves the stream model keeping event time: emits every main-output record as
 * `{ value, timestamp, key }` (the record itself) and drops control elements and side records.
 *
 * ```text
 * input:   a@5  W(4)  b@7  W(+∞)|
 * output:  a@5        b@7       |
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.fromRecords([{ value: 'x', timestamp: 42 }])
 *   .pipe(ds.records())
 *   .subscribe(r => console.log(r.value, r.timestamp)) // x 42
 *
 * @see values
 * @returns an operator from stream elements to records
 * @category transforms
 * @since 0.1.0
 */
export function records<T, K = never>(): OperatorFunction<StreamElement<T, K>, StreamRecord<T, K>> {
  const info = operatorInfo('records')
  return sinkOperator<T, K, StreamRecord<T, K>>(info, (destination, context) => new RecordsOperator<T, K>(info, destination, context))
}

/** The end of a chain, emitting its records as objects and dropping every other element. */
class RecordsOperator<T, K> implements SinkOperator<T> {
  constructor(
    private readonly info: OperatorInfo,
    private readonly destination: Subscriber<StreamRecord<T, K>>,
    private readonly context: ChainContext
  ) {}

  record(value: T, timestamp: number, key: unknown): void {
    if (this.destination.closed) return
    const record = streamRecord(value, timestamp, key as K)
    try {
      this.destination.next(record)
    } catch (error) {
      this.context.fail(this.destination, this.info, error, record)
    }
  }

  element(): void {
    // Watermarks, statuses, barriers and side records are not records.
  }

  complete(): void {
    if (!this.destination.closed) this.destination.complete()
  }

  error(error: unknown): void {
    if (this.destination.closed) return
    // As an operator's upstream subscriber does: release the upstream, then pass the error on.
    this.context.teardown.unsubscribe()
    this.destination.error(error)
  }
}
