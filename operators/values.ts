import type { OperatorFunction } from 'rxjs'
import { operatorInfo } from '../src/core/OperatorOptions'
import type { StreamElement } from '../src/core/StreamElement'
import { sinkOperator } from '../src/runtime/host'

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
  return sinkOperator<T, K, T>(info, value => value)
}
