/**
 * Options of `asyncWait`, and their validation.
 *
 * @since 0.1.0
 */
import { asyncScheduler, type SchedulerLike } from 'rxjs'
import { DataStreamError } from '../core/errors'
import type { OperatorInfo, SchedulerOptions } from '../core/OperatorOptions'
import { describeValue } from '../core/describe'
import type { AsyncRetryStrategy } from './AsyncRetryStrategy'
import { retryStrategyProblem } from './AsyncRetryStrategy'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Options of `asyncWait`, beside `name`, `uid` and `scheduler` (the processing-time clock of
 * timeouts and retry backoffs; default `asyncScheduler`, a `TestScheduler` in marble tests).
 *
 * | option | default | meaning |
 * |---|---|---|
 * | `ordered` | `true` | results leave in input order; `false`: as they complete, within watermark segments |
 * | `capacity` | `100` | slots: inputs (and watermarks, statuses) in the operator at once; calls in flight never exceed it |
 * | `timeout` | none | ms of processing time from an input's first call, spanning its retries; `0` or `Infinity`: none |
 * | `onTimeout` | fail | `value => fallback`: emit the fallback (or nothing, for `undefined`) instead of failing with a `TimeoutError` |
 * | `retry` | none | `fixedDelayRetry(…)`, `exponentialBackoffRetry(…)` or your own `AsyncRetryStrategy` |
 * | `overflowBuffer` | `10_000` | elements that may wait *before* the queue when it is full and upstream cannot be paused; one more fails the stream; `Infinity` buffers without bound |
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const options: ds.AsyncWaitOptions<number, string> = {
 *   name: 'user names',
 *   ordered: false,
 *   capacity: 50,
 *   timeout: 2_000,
 *   onTimeout: id => `user ${id} (unknown)`,
 *   retry: ds.fixedDelayRetry({ maxAttempts: 2, delay: 100, ifException: () => true }),
 * }
 *
 * @category async
 * @since 0.1.0
 */
export interface AsyncWaitOptions<In, Out> extends SchedulerOptions {
  /** Results in input order (default `true`, Flink's `orderedWait`) or as they complete (`unorderedWait`). */
  readonly ordered?: boolean
  /** Queue slots, a positive integer (default 100, as Flink's `DEFAULT_QUEUE_CAPACITY`). */
  readonly capacity?: number
  /** Processing time in ms from an input's first call until it times out; `0`/`Infinity`/absent: never. */
  readonly timeout?: number
  /** Called for an input whose call timed out: its return value is emitted as the result, `undefined` emits nothing. */
  readonly onTimeout?: (value: In) => Out | undefined
  /** When to call again for the same input. */
  readonly retry?: AsyncRetryStrategy<Out>
  /**
   * How many elements may wait, not yet in the queue, when all slots are taken and upstream
   * keeps pushing (an Observable cannot be paused). An integer `>= 0` or `Infinity`; default
   * 10 000. One element more fails the stream with a `DataStreamError` saying so.
   */
  readonly overflowBuffer?: number
}

// -------------------------------------------------------------------------------------
// validation (internal)
// -------------------------------------------------------------------------------------

/** @internal Flink's `AsyncDataStream.DEFAULT_QUEUE_CAPACITY`. */
export const DEFAULT_CAPACITY = 100
/** @internal */
export const DEFAULT_OVERFLOW_BUFFER = 10_000

/** @internal The options of one `asyncWait`, checked, with their defaults. */
export interface ResolvedAsyncWaitOptions<In, Out> {
  readonly ordered: boolean
  readonly capacity: number
  /** `0`: no timeout. */
  readonly timeout: number
  readonly onTimeout: ((value: In) => Out | undefined) | undefined
  readonly retry: AsyncRetryStrategy<Out> | undefined
  readonly overflowBuffer: number
  readonly scheduler: SchedulerLike
}

/**
 * @internal
 * Checks `fn` and `options`; throws a `DataStreamError` naming the operator and the bad value
 * (the operator runs this when subscribed, so the error travels through the Rx error channel).
 */
export function resolveAsyncWaitOptions<In, Out>(
  info: OperatorInfo,
  fn: unknown,
  options: AsyncWaitOptions<In, Out> | undefined
): ResolvedAsyncWaitOptions<In, Out> {
  const bad = (detail: string): never => {
    throw new DataStreamError(info, detail)
  }
  if (typeof fn !== 'function') bad(`the async function must be a function ((value, { signal }) => Promise | ObservableInput | array), got ${describeValue(fn)}`)
  if (options !== undefined && (typeof options !== 'object' || options === null)) bad(`options must be an object, got ${describeValue(options)}`)
  const o: AsyncWaitOptions<In, Out> = options ?? {}

  const ordered = o.ordered ?? true
  if (typeof ordered !== 'boolean') bad(`ordered must be a boolean, got ${describeValue(ordered)}`)

  const capacity = o.capacity ?? DEFAULT_CAPACITY
  if (typeof capacity !== 'number' || !Number.isSafeInteger(capacity) || capacity <= 0) {
    bad(`capacity must be a positive integer (queue slots), got ${describeValue(capacity)}`)
  }

  const timeout = o.timeout ?? 0
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    bad(`timeout must be a number of milliseconds >= 0 (0 or Infinity: none), got ${describeValue(timeout)}`)
  }

  const onTimeout = o.onTimeout
  if (onTimeout !== undefined && typeof onTimeout !== 'function') bad(`onTimeout must be a function (value => fallback), got ${describeValue(onTimeout)}`)

  const retry = o.retry
  if (retry !== undefined) {
    const problem = retryStrategyProblem(retry)
    if (problem !== undefined) bad(`retry: ${problem}`)
  }

  const overflowBuffer = o.overflowBuffer ?? DEFAULT_OVERFLOW_BUFFER
  if (typeof overflowBuffer !== 'number' || !(overflowBuffer === Infinity || (Number.isSafeInteger(overflowBuffer) && overflowBuffer >= 0))) {
    bad(`overflowBuffer must be an integer >= 0 or Infinity, got ${describeValue(overflowBuffer)}`)
  }

  const scheduler = o.scheduler ?? asyncScheduler
  if (typeof scheduler !== 'object' || scheduler === null || typeof scheduler.schedule !== 'function') {
    bad(`scheduler must be an RxJS scheduler, got ${describeValue(scheduler)}`)
  }

  return { ordered, capacity, timeout: timeout === Infinity ? 0 : timeout, onTimeout, retry, overflowBuffer, scheduler }
}
