import type { Observable, OperatorFunction } from 'rxjs'
import { operatorInfo, type OperatorOptions } from '../src/core/OperatorOptions'
import type { StreamElement } from '../src/core/StreamElement'
import { describeValue } from '../src/core/describe'
import { isObservableLike, NO_KEY } from '../src/runtime/host'
import { multiInputOperator } from '../src/runtime/multiInputOperator'
import { AbstractStreamOperator, type MultiInput } from '../src/runtime/StreamOperator'

/**
 * Merges the records of this stream and `others` into one stream (Flink's `union`). Records
 * pass through as they arrive; the output watermark is the minimum over the active inputs,
 * emitted when it increases, so event time only advances once every input has progressed. An
 * idle input (see `withIdleness`) is not waited for. Completes when every input has completed.
 *
 * ```text
 * this:    a@1  W(5)            W(9)    |
 * other:            b@3  W(7)        W(12)|
 * output:  a@1      b@3  W(5)   W(7)  W(9) … W(+∞)|
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const web = ds.fromRecords([{ value: 'web', timestamp: 1 }])
 * const app = ds.fromRecords([{ value: 'app', timestamp: 2 }])
 * web.pipe(ds.unionWith(app), ds.values()).subscribe(v => console.log(v)) // web, app
 *
 * @param others the streams to merge in (the options object may come last)
 * @category transforms
 * @since 0.1.0
 */
export function unionWith<T, U = T>(
  ...others: [...Observable<StreamElement<U, unknown>>[]] | [...Observable<StreamElement<U, unknown>>[], OperatorOptions]
): OperatorFunction<StreamElement<T, unknown>, StreamElement<T | U>> {
  const last: unknown = others[others.length - 1]
  const options = isPlainObject(last) && !isObservableLike(last) ? (last as OperatorOptions) : undefined
  const inputs = (options === undefined ? others : others.slice(0, -1)) as Observable<StreamElement<unknown, unknown>>[]
  for (const [i, input] of inputs.entries()) {
    if (!isObservableLike(input)) {
      throw new TypeError(`unionWith: argument ${i} is ${describeValue(input)}, not an Observable (nor, as the last argument, an options object)`)
    }
  }
  const info = operatorInfo('unionWith', options)
  return multiInputOperator<T, T | U>(info, inputs, (output, context) => new UnionOperator<T | U>(info, output, context))
}

/** Records of every input pass as they come. The union is not keyed (as in Flink): keys of keyed inputs are dropped. */
class UnionOperator<T> extends AbstractStreamOperator<T, never> implements MultiInput {
  processRecord(_input: number, value: unknown, timestamp: number): void {
    this.output.record(value as T, timestamp, NO_KEY)
  }
}

function isPlainObject(x: unknown): boolean {
  if (typeof x !== 'object' || x === null) return false
  const proto: unknown = Object.getPrototypeOf(x)
  return proto === Object.prototype || proto === null
}
