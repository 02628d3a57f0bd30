import type { OperatorFunction } from 'rxjs'
import { operatorInfo, type OperatorOptions } from '../src/core/OperatorOptions'
import type { StreamElement } from '../src/core/StreamElement'
import { oneInputOperator } from '../src/runtime/host'
import type { Sink } from '../src/job/Sink'
import { SinkOperator } from '../src/job/SinkOperator'

/**
 * Ends a pipeline in a sink (Flink's `sinkTo`): each record's value is written to it; nothing is
 * emitted, and the result completes when the input does (after the last commit) or errors as
 * it does.
 *
 * - A function or an RxJS observer is called per record: after a job restores from a
 *   checkpoint, records after that checkpoint reach it again (at-least-once).
 * - A {@link transactionalSink} sees each record exactly once in what it commits: it commits
 *   at each completed checkpoint of the job (or at the end of input outside a job).
 *
 * ```text
 * input:   a@1  W(1)  B(1)  b@2  |
 * sink:    a              b          (a plain sink; a transactional one commits a at B(1)'s completion, b at the end)
 * output:                          |
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.fromRecords([{ value: 'a', timestamp: 1 }, { value: 'b', timestamp: 2 }])
 *   .pipe(ds.sinkTo(v => console.log(v)))
 *   .subscribe() // a, b
 *
 * @param sink a function, an observer, or a transactional sink
 * @param options `name`, `uid` (a transactional sink's open transactions are state: give it a uid)
 * @returns an operator that emits nothing
 * @category sinks
 * @since 0.1.0
 */
export function sinkTo<T, K = never, Txn = unknown>(sink: Sink<T, Txn>, options?: OperatorOptions): OperatorFunction<StreamElement<T, K>, never> {
  if (typeof sink !== 'function' && (typeof sink !== 'object' || sink === null)) throw new TypeError(`sinkTo: expected a function, an observer or a transactional sink, not ${sink === null ? 'null' : typeof sink}`)
  const info = operatorInfo('sinkTo', options)
  return oneInputOperator<T, never, never>(info, (output, context) => new SinkOperator<T, Txn>(info, sink, output, context)) as unknown as OperatorFunction<StreamElement<T, K>, never>
}
