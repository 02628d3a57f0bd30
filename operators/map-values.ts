import type { OperatorFunction } from 'rxjs'
import { operatorInfo, type OperatorOptions } from '../src/OperatorOptions'
import { type StreamElement, streamRecord } from '../src/StreamElement'
import { operate } from '../src/internal/operate'

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
  return operate<StreamElement<T, K>, StreamElement<R, K>>(operatorInfo('mapValues', options), destination => ({
    next: e => {
      if (e._tag === 'Record') destination.next(streamRecord(fn(e.value), e.timestamp, e.key))
      else destination.next(e)
    }
  }))
}
