import type { OperatorFunction } from 'rxjs'
import { KeyError } from '../src/core/errors'
import { invalidKeyReason, type Key } from '../src/core/Key'
import { operatorInfo, type OperatorOptions } from '../src/core/OperatorOptions'
import type { StreamElement } from '../src/core/StreamElement'
import { describeValue } from '../src/core/describe'
import { oneInputOperator } from '../src/runtime/host'
import { AbstractUdfStreamOperator, type OneInput } from '../src/runtime/StreamOperator'

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
  return oneInputOperator<T, T, K>(info, (output, context) => new KeyByOperator(info, selector, output, context))
}

/** Keys each record and passes everything else on unchanged. */
class KeyByOperator<T, K extends Key> extends AbstractUdfStreamOperator<(value: T) => K, T, K> implements OneInput<T> {
  record(value: T, timestamp: number, inputKey: unknown): void {
    if (this.destination.closed) return
    try {
      const key = this.fn(value)
      // Fast path for the usual string/number keys; everything else is checked in full.
      if (typeof key !== 'string' && (typeof key !== 'number' || key !== key)) this.checkKey(key, value)
      this.output.record(value, timestamp, key)
    } catch (error) {
      // Reported with the record this operator received, as it would be unfused.
      this.failRecord(error, value, timestamp, inputKey)
    }
  }

  // The cold paths are methods of their own: the hot one stays small enough for V8 to inline.
  private checkKey(key: unknown, value: T): void {
    const reason = invalidKeyReason(key)
    if (reason !== undefined) {
      throw new KeyError(this.info, `the key selector returned ${describeValue(key)} for value ${describeValue(value)}; ${reason}`)
    }
  }
}
