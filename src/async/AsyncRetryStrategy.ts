/**
 * Retry strategies of `asyncWait` (Flink's `AsyncRetryStrategy` and `AsyncRetryStrategies`):
 * when a call's result or error matches a predicate, the call is repeated after a backoff of
 * processing time, a bounded number of times.
 *
 * @since 0.1.0
 */
import { describeValue } from '../core/describe'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Decides whether and when `asyncWait` calls its function again for the same input.
 *
 * After attempt `k` (1 for the first call) completes, the call is repeated when its results
 * match `ifResult` or its error matches `ifException`, **and** `canRetry(k)` is true: the next
 * attempt starts `backoff(k)` ms of processing time later. Otherwise attempt `k`'s outcome is
 * final: its results are emitted, its error fails the stream. A strategy without either
 * predicate never retries (`asyncWait` rejects it as a mistake).
 *
 * The operator's `timeout` spans all attempts; at the end of input, waiting retries start at
 * once and no further retries happen (as in Flink).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // retry an empty answer forever (until the operator's timeout), every 50 ms
 * const untilFound: ds.AsyncRetryStrategy<string> = {
 *   canRetry: () => true,
 *   backoff: () => 50,
 *   ifResult: results => results.length === 0,
 * }
 *
 * @category async
 * @since 0.1.0
 */
export interface AsyncRetryStrategy<Out> {
  /** Whether attempt `attempt` (1 = the first call) may be followed by another. */
  canRetry(attempt: number): boolean
  /** The processing time (ms, `>= 0`) to wait after attempt `attempt` before the next one. */
  backoff(attempt: number): number
  /** Retry when the results of an attempt match (e.g. `results => results.length === 0`). */
  readonly ifResult?: (results: readonly Out[]) => boolean
  /** Retry when an attempt failed with a matching error. */
  readonly ifException?: (error: unknown) => boolean
}

/**
 * Options of {@link fixedDelayRetry}.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const options: ds.FixedDelayRetryOptions<string> = { maxAttempts: 3, delay: 100, ifException: () => true }
 *
 * @category async
 * @since 0.1.0
 */
export interface FixedDelayRetryOptions<Out> {
  /**
   * Flink's `maxAttempts`: attempt `k` may be retried while `k <= maxAttempts`, so an input
   * is called at most `maxAttempts + 1` times. An integer `>= 1`.
   */
  readonly maxAttempts: number
  /** Processing time (ms, `>= 0`) between an attempt's completion and the next attempt. */
  readonly delay: number
  readonly ifResult?: (results: readonly Out[]) => boolean
  readonly ifException?: (error: unknown) => boolean
}

/**
 * Options of {@link exponentialBackoffRetry}.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const options: ds.ExponentialBackoffRetryOptions<string> = {
 *   maxAttempts: 5, initialDelay: 100, maxDelay: 2_000, multiplier: 2, ifResult: r => r.length === 0,
 * }
 *
 * @category async
 * @since 0.1.0
 */
export interface ExponentialBackoffRetryOptions<Out> {
  /** As in {@link FixedDelayRetryOptions.maxAttempts}: at most `maxAttempts + 1` calls. */
  readonly maxAttempts: number
  /** The wait before the first retry (ms, `> 0`). */
  readonly initialDelay: number
  /** No wait is longer than this (ms, `>= initialDelay`). */
  readonly maxDelay: number
  /** Each wait is the previous one times this (`>= 1`, default 2). */
  readonly multiplier?: number
  readonly ifResult?: (results: readonly Out[]) => boolean
  readonly ifException?: (error: unknown) => boolean
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Retries a matching attempt after a constant `delay`, at most `maxAttempts` times (Flink's
 * `FixedDelayRetryStrategy`).
 *
 * ```text
 * attempt   1 ──✗── delay ── 2 ──✗── delay ── 3 ──✓── results
 * ```
 *
 * A bad option (a `maxAttempts` that is not an integer `>= 1`, a negative `delay`, no
 * predicate) is reported by the `asyncWait` that uses the strategy, through its error channel,
 * naming the operator and the value.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const retry = ds.fixedDelayRetry<string>({
 *   maxAttempts: 3,
 *   delay: 100,
 *   ifException: e => e instanceof Error && e.message.includes('503'),
 * })
 * retry.canRetry(3) // true: a fourth call may follow the third
 * retry.backoff(1)  // 100
 *
 * @param options `maxAttempts`, `delay`, `ifResult`, `ifException`
 * @category async
 * @since 0.1.0
 */
export function fixedDelayRetry<Out = unknown>(options: FixedDelayRetryOptions<Out>): AsyncRetryStrategy<Out> {
  const { maxAttempts, delay } = options
  const strategy: AsyncRetryStrategy<Out> = Object.freeze({
    canRetry: (attempt: number) => attempt <= maxAttempts,
    backoff: () => delay,
    ...predicates(options)
  })
  const problem =
    checkMaxAttempts(maxAttempts) ??
    (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0 ? `delay must be a finite number >= 0 (ms), got ${describeValue(delay)}` : undefined) ??
    checkPredicates(options)
  if (problem !== undefined) problems.set(strategy, `fixedDelayRetry: ${problem}`)
  return strategy
}

/**
 * Retries a matching attempt after a wait that starts at `initialDelay` and is multiplied by
 * `multiplier` after every retry, capped at `maxDelay`; at most `maxAttempts` retries (Flink's
 * `ExponentialBackoffDelayRetryStrategy`, as in Flink 1.17+: the first retry waits
 * `initialDelay`, not `initialDelay × multiplier`).
 *
 * ```text
 * backoff(k) = min(initialDelay × multiplier^(k−1), maxDelay)
 * attempt   1 ──✗── 100 ── 2 ──✗── 200 ── 3 ──✗── 400 ── 4 …     (initialDelay 100, multiplier 2)
 * ```
 *
 * Bad options are reported by the `asyncWait` that uses the strategy, through its error
 * channel, naming the operator and the value.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const retry = ds.exponentialBackoffRetry<string>({
 *   maxAttempts: 4, initialDelay: 100, maxDelay: 1_000, multiplier: 3, ifResult: r => r.length === 0,
 * })
 * ;[1, 2, 3, 4].map(k => retry.backoff(k)) // [100, 300, 900, 1000]
 *
 * @param options `maxAttempts`, `initialDelay`, `maxDelay`, `multiplier` (default 2), `ifResult`, `ifException`
 * @category async
 * @since 0.1.0
 */
export function exponentialBackoffRetry<Out = unknown>(options: ExponentialBackoffRetryOptions<Out>): AsyncRetryStrategy<Out> {
  const { maxAttempts, initialDelay, maxDelay, multiplier = 2 } = options
  const strategy: AsyncRetryStrategy<Out> = Object.freeze({
    canRetry: (attempt: number) => attempt <= maxAttempts,
    // Computed from the attempt, not from state kept between calls: one strategy serves every
    // input (older Flink releases shared the last delay across inputs).
    backoff: (attempt: number) => Math.min(initialDelay * Math.pow(multiplier, attempt - 1), maxDelay),
    ...predicates(options)
  })
  const problem =
    checkMaxAttempts(maxAttempts) ??
    (typeof initialDelay !== 'number' || !Number.isFinite(initialDelay) || initialDelay <= 0
      ? `initialDelay must be a finite number > 0 (ms), got ${describeValue(initialDelay)}`
      : undefined) ??
    (typeof maxDelay !== 'number' || !Number.isFinite(maxDelay) || !(maxDelay >= initialDelay)
      ? `maxDelay must be a finite number >= initialDelay (${describeValue(initialDelay)} ms), got ${describeValue(maxDelay)}`
      : undefined) ??
    (typeof multiplier !== 'number' || !Number.isFinite(multiplier) || multiplier < 1
      ? `multiplier must be a finite number >= 1, got ${describeValue(multiplier)}`
      : undefined) ??
    checkPredicates(options)
  if (problem !== undefined) problems.set(strategy, `exponentialBackoffRetry: ${problem}`)
  return strategy
}

// -------------------------------------------------------------------------------------
// validation (internal)
// -------------------------------------------------------------------------------------

/**
 * What is wrong with the options a strategy was built from. The factories do not throw: the
 * operator using the strategy reports the problem, naming itself, through the Rx error channel.
 */
const problems = new WeakMap<object, string>()

/**
 * @internal
 * What is wrong with `strategy` as a retry strategy, or `undefined` if nothing is.
 */
export function retryStrategyProblem(strategy: unknown): string | undefined {
  if (typeof strategy !== 'object' || strategy === null) {
    return `must be a retry strategy (fixedDelayRetry, exponentialBackoffRetry or an object with canRetry and backoff), got ${describeValue(strategy)}`
  }
  const recorded = problems.get(strategy)
  if (recorded !== undefined) return recorded
  const s = strategy as Partial<Record<keyof AsyncRetryStrategy<unknown>, unknown>>
  if (typeof s.canRetry !== 'function' || typeof s.backoff !== 'function') {
    return `a retry strategy needs the functions canRetry(attempt) and backoff(attempt), got ${describeValue(strategy)}`
  }
  return checkPredicates(s)
}

function predicates<Out>(options: Pick<AsyncRetryStrategy<Out>, 'ifResult' | 'ifException'>): Pick<AsyncRetryStrategy<Out>, 'ifResult' | 'ifException'> {
  return {
    ...(options.ifResult === undefined ? {} : { ifResult: options.ifResult }),
    ...(options.ifException === undefined ? {} : { ifException: options.ifException })
  }
}

function checkMaxAttempts(maxAttempts: unknown): string | undefined {
  return typeof maxAttempts === 'number' && Number.isSafeInteger(maxAttempts) && maxAttempts >= 1
    ? undefined
    : `maxAttempts must be an integer >= 1, got ${describeValue(maxAttempts)}`
}

function checkPredicates(options: { readonly ifResult?: unknown; readonly ifException?: unknown }): string | undefined {
  const { ifResult, ifException } = options
  if (ifResult !== undefined && typeof ifResult !== 'function') return `ifResult must be a function (results => boolean), got ${describeValue(ifResult)}`
  if (ifException !== undefined && typeof ifException !== 'function') return `ifException must be a function (error => boolean), got ${describeValue(ifException)}`
  if (ifResult === undefined && ifException === undefined) {
    return 'a retry strategy needs ifResult or ifException (or both): without a predicate nothing is ever retried'
  }
  return undefined
}
