import type { OperatorFunction } from 'rxjs'
import { KeyError } from '../src/errors'
import { invalidKeyReason, type Key } from '../src/Key'
import { operatorInfo, type OperatorOptions } from '../src/OperatorOptions'
import { type StreamElement, streamRecord } from '../src/StreamElement'
import { describeValue } from '../src/internal/describe'
import { operate } from '../src/internal/operate'

/**
 * Partitions the stream by key: every record gets the key `selector` returns for its value.
 * The result is a `KeyedStream`, which keyed operators (windows, keyed process functions,
 * interval joins) require. Keys are strings, numbers, booleans, bigints, or arrays of those
 * for composite keys, compared by value.
 *
 * ```text
 * input:   {u:a}@5  W(4)  {u:b}@7|
 * output:  {u:a}@5 key a   W(4)   {u:b}@7 key b|
 * ```
 *
 * A selector that throws errors the stream with a `UserFunctionError`; one that returns
 * something else than a key (an object, null, undefined, NaN, a nested array) with a
 * `KeyError` naming the operator, the returned key and the value.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Click { page: string; device: string }
 * const byPage = ds.keyBy((c: Click) => c.page)
 * const byPageAndDevice = ds.keyBy((c: Click) => [c.page, c.device] as const)
 *
 * @param selector the key of a value
 * @param options `name`, `uid`
 * @category keys
 * @since 0.1.0
 */
export function keyBy<T, K extends Key>(
  selector: (value: T) => K,
  options?: OperatorOptions
): OperatorFunction<StreamElement<T, unknown>, StreamElement<T, K>> {
  const info = operatorInfo('keyBy', options)
  return operate<StreamElement<T, unknown>, StreamElement<T, K>>(info, destination => ({
    next: e => {
      if (e._tag !== 'Record') {
        destination.next(e)
        return
      }
      const key = selector(e.value)
      // Fast path for the usual string/number keys; everything else is checked in full.
      if (typeof key !== 'string' && (typeof key !== 'number' || key !== key)) {
        const reason = invalidKeyReason(key)
        if (reason !== undefined) {
          throw new KeyError(info, `the key selector returned ${describeValue(key)} for value ${describeValue(e.value)}; ${reason}`)
        }
      }
      destination.next(streamRecord(e.value, e.timestamp, key))
    }
  }))
}
