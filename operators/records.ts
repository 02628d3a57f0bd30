import type { OperatorFunction } from 'rxjs'
import { operatorInfo } from '../src/core/OperatorOptions'
import { type StreamElement, type StreamRecord, streamRecord } from '../src/core/StreamElement'
import { sinkOperator } from '../src/runtime/host'

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
  return sinkOperator<T, K, StreamRecord<T, K>>(operatorInfo('records'), streamRecord)
}
