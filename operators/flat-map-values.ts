import type { OperatorFunction } from 'rxjs'
import { operatorInfo, type OperatorOptions } from '../src/OperatorOptions'
import { type StreamElement, streamRecord } from '../src/StreamElement'
import { operate } from '../src/internal/operate'

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
  return operate<StreamElement<T, K>, StreamElement<R, K>>(operatorInfo('flatMapValues', options), destination => ({
    next: e => {
      if (e._tag !== 'Record') {
        destination.next(e)
        return
      }
      const results = fn(e.value)
      if (Array.isArray(results)) {
        for (let i = 0; i < results.length && !destination.closed; i++) {
          destination.next(streamRecord(results[i] as R, e.timestamp, e.key))
        }
      } else {
        // An iterable may be infinite: stop pulling as soon as downstream is gone.
        for (const r of results) {
          destination.next(streamRecord(r, e.timestamp, e.key))
          if (destination.closed) return
        }
      }
    }
  }))
}
