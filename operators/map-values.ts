import type { OperatorFunction } from 'rxjs'
import { operatorInfo, type OperatorOptions } from '../src/core/OperatorOptions'
import type { StreamElement } from '../src/core/StreamElement'
import { oneInputOperator } from '../src/runtime/host'
import { AbstractUdfStreamOperator, type OneInput } from '../src/runtime/StreamOperator'

/**
 * Applies `fn` to the value of every record, keeping its timestamp and key; control elements
 * and side records pass through in order (Flink's `map`).
 *
 * ```text
 * input:   a@5  W(4)  b@7|
 * output:  A@5  W(4)  B@7|        (fn = toUpperCase)
 * ```
 *
 * If `fn` throws, the stream errors with a `UserFunctionError` naming the operator and the
 * record, the original error as `cause`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.fromRecords([{ value: 'a', timestamp: 5 }])
 *   .pipe(ds.mapValues(s => s.toUpperCase()), ds.values())
 *   .subscribe(v => console.log(v)) // A
 *
 * @param fn the mapping
 * @param options `name`, `uid`
 * @category transforms
 * @since 0.1.0
 */
export function mapValues<T, R, K = never>(
  fn: (value: T) => R,
  options?: OperatorOptions
): OperatorFunction<StreamElement<T, K>, StreamElement<R, K>> {
  const info = operatorInfo('mapValues', options)
  return oneInputOperator<T, R, K>(info, (output, context) => new MapOperator(info, fn, output, context)) as OperatorFunction<StreamElement<T, K>, StreamElement<R, K>>
}

/** Flink's `StreamMap`. */
class MapOperator<T, R, K> extends AbstractUdfStreamOperator<(value: T) => R, R, K> implements OneInput<T> {
  record(value: T, timestamp: number, key: unknown): void {
    if (this.destination.closed) return
    try {
      this.output.record(this.fn(value), timestamp, key as K)
    } catch (error) {
      this.failRecord(error, value, timestamp, key)
    }
  }
}
