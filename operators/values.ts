import type { OperatorFunction, Subscriber } from 'rxjs'
import { type OperatorInfo, operatorInfo } from '../src/OperatorOptions'
import { type StreamElement, streamRecord } from '../src/StreamElement'
import { type ChainContext, type SinkOperator, sinkOperator } from '../src/runtime/host'
import type { ControlElement } from '../src/runtime/Output'

/**
 * Leaves the stream model: emits the value of every main-output record and drops watermarks,
 * statuses, barriers and side records.
 *
 * ```text
 * input:   a@5  W(4)  b@7  side(x)  W(+∞)|
 * output:  a          b                  |
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.fromRecords([{ value: 1, timestamp: 0 }, { value: 2, timestamp: 1 }])
 *   .pipe(ds.values())
 *   .subscribe(v => console.log(v)) // 1, 2
 *
 * @see records
 * @returns an operator from stream elements to plain values
 * @category transforms
 * @since 0.1.0
 */
export function values<T, K = never>(): OperatorFunction<StreamElement<T, K>, T> {
  const info = operatorInfo('values')
  // Chained onto the operators before it: a record's value leaves without a record object.
  return sinkOperator<T, K, T>(info, (destination, context) => new ValuesOperator<T>(info, destination, context))
}

/** The end of a chain, emitting records' values. */
class ValuesOperator<T> implements SinkOperator<T> {
  constructor(
    private readonly info: OperatorInfo,
    private readonly destination: Subscriber<T>,
    private readonly context: ChainContext
  ) {}

  record(value: T, timestamp: number, key: unknown): void {
    if (this.destination.closed) return
    try {
      this.destination.next(value)
    } catch (error) {
      this.context.fail(this.destination, this.info, error, streamRecord(value, timestamp, key))
    }
  }

  element(_element: ControlElement): void {
    // Watermarks, statuses, barriers and side records stay in the stream model.
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
