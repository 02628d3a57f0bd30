/**
 * The user function of `asyncWait`: what it receives and what it may return.
 *
 * @since 0.1.0
 */
import type { ObservableInput } from 'rxjs'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * What `asyncWait` passes to its function beside the record's value.
 *
 * - `signal` is aborted when the call is abandoned: it timed out, another call failed the
 *   stream, or the stream was unsubscribed. Hand it to `fetch`, a database driver, or anything
 *   that takes an `AbortSignal`, so abandoned calls stop using the service.
 * - `attempt` is 1 for the first call of an input, 2 for its first retry, and so on.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const lookup = (id: number, { signal, attempt }: ds.AsyncContext): Promise<string> =>
 *   new Promise((resolve, reject) => {
 *     const timer = setTimeout(() => resolve(`user ${id} (attempt ${attempt})`), 5)
 *     signal.addEventListener('abort', () => {
 *       clearTimeout(timer)
 *       reject(signal.reason)
 *     })
 *   })
 *
 * @category async
 * @since 0.1.0
 */
export interface AsyncContext {
  /** Aborted when the call is abandoned (timeout, failure of the stream, unsubscription). */
  readonly signal: AbortSignal
  /** 1 for the first call of an input, 2 for its first retry, … */
  readonly attempt: number
}

/**
 * The function `asyncWait` calls once per record (and again per retry). It returns the
 * record's results as anything RxJS's `from` accepts except a string:
 *
 * - a Promise (an `async` function): **one** result, its value;
 * - an array or another iterable: its items, zero or more results;
 * - an Observable or an async iterable (an `async function*`): every value it emits before it
 *   completes, zero or more results.
 *
 * The call is complete when the Promise settles or the Observable completes; its results then
 * leave together, each with the record's timestamp and key. An error (a rejected Promise, an
 * erroring Observable) fails the stream unless the retry strategy retries it.
 *
 * @example
 * import { of } from 'rxjs'
 * import * as ds from 'rx-datastream'
 *
 * const one: ds.AsyncFunction<number, string> = async n => `#${n}`               // one result
 * const some: ds.AsyncFunction<number, number> = n => (n > 0 ? [n, -n] : [])     // zero or two results
 * const later: ds.AsyncFunction<number, number> = async function* (n, { signal }) {
 *   if (!signal.aborted) yield n * 2                                           // zero or one result
 * }
 * const observed: ds.AsyncFunction<number, number> = n => of(n, n + 1)           // two results
 *
 * @category async
 * @since 0.1.0
 */
export type AsyncFunction<In, Out> = (value: In, context: AsyncContext) => ObservableInput<Out>
