import type { OperatorFunction } from 'rxjs'
import type { AsyncFunction } from '../src/async/AsyncFunction'
import { type AsyncWaitOptions, resolveAsyncWaitOptions } from '../src/async/AsyncWaitOptions'
import { AsyncWaitOperator } from '../src/async/AsyncWaitOperator'
import { operatorInfo } from '../src/core/OperatorOptions'
import type { StreamElement } from '../src/core/StreamElement'
import { oneInputOperator } from '../src/runtime/host'

/**
 * Enriches a stream from an external service (Flink's async I/O, `AsyncDataStream.orderedWait`
 * / `unorderedWait`): calls `fn(value, { signal, attempt })` for every record, up to `capacity`
 * calls at once, and emits each call's results with the record's timestamp and key. Watermarks
 * wait in the queue like records, so no result is ever emitted after a watermark that should
 * have followed it.
 *
 * ```text
 * input:    a@1  b@2  W(2)  c@3|                  calls: a 30 ms, b 10 ms, c 10 ms
 * ordered:  A@1  B@2  W(2)  C@3|                  input order: B waits for A
 * unordered: B@2  A@1  W(2)  C@3|                 as they complete, never across W(2)
 * ```
 *
 * - `fn` returns a Promise (one result), an array (zero or more), or any other ObservableInput
 *   (an Observable, an `async function*`: every value it emits before completing).
 * - `capacity` (default 100) bounds the elements in the operator's queue, and so the calls in
 *   flight. When every slot is taken, later elements wait in an overflow buffer of at most
 *   `overflowBuffer` elements (default 10 000), because an Observable cannot be paused; one
 *   more fails the stream with a `DataStreamError` that says so.
 * - `timeout` (ms of processing time from the first call, spanning retries; default none)
 *   fails the stream with a `TimeoutError` naming the operator and the input, unless
 *   `onTimeout(value)` returns a fallback (or `undefined`: nothing). The call's signal is
 *   aborted on timeout and on unsubscription.
 * - `retry` (`fixedDelayRetry`, `exponentialBackoffRetry`) calls again when a result or an
 *   error matches its predicate; at the end of input, waiting retries start at once.
 * - An error of `fn` (a rejection, an erroring Observable, a synchronous throw) fails the
 *   stream with a `UserFunctionError`, the original as `cause`, unless the retry strategy
 *   retries it. Calls still in flight are aborted.
 * - The output completes when upstream has completed and every call has finished.
 * - Checkpoint barriers are not queued: they leave at once, and the inputs still in the
 *   operator are what its snapshot will hold (as in Flink).
 * - Timeouts and retry backoffs run on `scheduler` (default `asyncScheduler`), so marble tests
 *   drive them in virtual time when `fn` returns Observables.
 *
 * Bad options (a `capacity` that is not a positive integer, a negative `timeout`, a bad retry
 * strategy, …) and a function that returns something else than a Promise, an array or an
 * ObservableInput fail the stream with a `DataStreamError` naming the operator and the value.
 *
 * @example
 * import { lastValueFrom, toArray } from 'rxjs'
 * import * as ds from 'rx-datastream'
 *
 * const lookup = (id: number, signal: AbortSignal) =>
 *   fetch(`https://users.example/${id}`, { signal }).then(r => r.json() as Promise<{ name: string }>)
 *
 * const enriched = await lastValueFrom(
 *   ds.fromRecords([{ value: 1, timestamp: 10 }, { value: 2, timestamp: 20 }]).pipe(
 *     ds.asyncWait(async (id: number, { signal }) => (await lookup(id, signal)).name, { capacity: 10, timeout: 1_000 }),
 *     ds.values(),
 *     toArray()))
 * // ['ann', 'bob']: input order, each with its record's timestamp until values()
 *
 * @see docs/async-io.md
 * @param fn the call: `(value, { signal, attempt }) => Promise | array | ObservableInput`
 * @param options `ordered`, `capacity`, `timeout`, `onTimeout`, `retry`, `overflowBuffer`, `scheduler`, `name`, `uid`
 * @returns an operator from a stream of `In` to a stream of `Out`, keys kept
 * @category async
 * @since 0.1.0
 */
export function asyncWait<In, Out, K = never>(
  fn: AsyncFunction<In, Out>,
  options?: AsyncWaitOptions<In, Out>
): OperatorFunction<StreamElement<In, K>, StreamElement<Out, K>> {
  const info = operatorInfo('asyncWait', options)
  return oneInputOperator<In, Out, K>(info, (output, context) => {
    // Checked per subscription: a bad option reaches the error channel.
    const resolved = resolveAsyncWaitOptions<In, Out>(info, fn, options)
    return new AsyncWaitOperator<In, Out, K>(info, fn, resolved, output, context)
  }) as OperatorFunction<StreamElement<In, K>, StreamElement<Out, K>>
}
