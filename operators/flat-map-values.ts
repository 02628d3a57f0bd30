import type { OperatorFunction } from 'rxjs'
import { operatorInfo, type OperatorOptions } from '../src/core/OperatorOptions'
import type { StreamElement } from '../src/core/StreamElement'
import { oneInputOperator } from '../src/runtime/host'
import { AbstractUdfStreamOperator, type OneInput } from '../src/runtime/StreamOperator'

/**
 * Maps every record's value to zero or more values (any iterable: array, Set, generator),
 * each emitted with the input record's timestamp and key (Flink's `flatMap`). Control
 * elements and side records pass through in order.
 *
 * ```text
 * input:   "a b"@5  W(4)  ""@7|
 * output:  a@5 b@5  W(4)      |     (fn = split on spaces, dropping empties)
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.fromRecords([{ value: 'to be or', timestamp: 0 }])
 *   .pipe(ds.flatMapValues(line => line.split(' ')), ds.values())
 *   .subscribe(w => console.log(w)) // to, be, or
 *
 * @param fn the mapping to an iterable of results
 * @param options `name`, `uid`
 * @category transforms
 * @since 0.1.0
 */
export function flatMapValues<T, R, K = never>(
  fn: (value: T) => Iterable<R>,
  options?: OperatorOptions
): OperatorFunction<StreamElement<T, K>, StreamElement<R, K>> {
  const info = operatorInfo('flatMapValues', options)
  return oneInputOperator<T, R, K>(info, (output, context) => new FlatMapOperator(info, fn, output, context)) as OperatorFunction<
    StreamElement<T, K>,
    StreamElement<R, K>
  >
}

/** Flink's `StreamFlatMap`: every result stamped as the record it came from. */
class FlatMapOperator<T, R, K> extends AbstractUdfStreamOperator<(value: T) => Iterable<R>, R, K> implements OneInput<T> {
  record(value: T, timestamp: number, key: unknown): void {
    if (this.destination.closed) return
    try {
      this.emit(this.fn(value), timestamp, key as K)
    } catch (error) {
      this.failRecord(error, value, timestamp, key)
    }
  }

  private emit(results: Iterable<R>, timestamp: number, key: K): void {
    const { output, destination } = this
    if (Array.isArray(results)) {
      for (let i = 0; i < results.length && !destination.closed; i++) output.record(results[i] as R, timestamp, key)
      return
    }
    // An iterable may be infinite: stop pulling as soon as downstream is gone.
    for (const r of results) {
      output.record(r, timestamp, key)
      if (destination.closed) return
    }
  }
}
