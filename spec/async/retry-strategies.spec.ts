/** The retry strategies on their own: Flink's attempt counting and backoff arithmetic. */
import * as ds from '../../src/index'
import { retryStrategyProblem } from '../../src/async/AsyncRetryStrategy'

describe('retry strategies', () => {
  describe('fixedDelayRetry', () => {
    it('retries after attempt k while k <= maxAttempts (Flink: at most maxAttempts + 1 calls), always after `delay`', () => {
      const retry = ds.fixedDelayRetry<number>({ maxAttempts: 2, delay: 150, ifException: () => true })
      expect([1, 2, 3].map(k => retry.canRetry(k))).toEqual([true, true, false])
      expect([1, 2, 7].map(k => retry.backoff(k))).toEqual([150, 150, 150])
      expect(retryStrategyProblem(retry)).toBeUndefined()
    })

    it('keeps the predicates it was given, and only those', () => {
      const ifResult = (r: readonly number[]) => r.length === 0
      const retry = ds.fixedDelayRetry<number>({ maxAttempts: 1, delay: 0, ifResult })
      expect(retry.ifResult).toBe(ifResult)
      expect('ifException' in retry).toBeFalse()
      expect(Object.isFrozen(retry)).toBeTrue()
    })

    it('records bad options for the operator to report (it never throws)', () => {
      const problem = (o: ds.FixedDelayRetryOptions<number>) => retryStrategyProblem(ds.fixedDelayRetry(o))
      expect(problem({ maxAttempts: 1.5, delay: 1, ifException: () => true })).toBe('fixedDelayRetry: maxAttempts must be an integer >= 1, got 1.5')
      expect(problem({ maxAttempts: 1, delay: Infinity, ifException: () => true })).toBe('fixedDelayRetry: delay must be a finite number >= 0 (ms), got Infinity')
      expect(problem({ maxAttempts: 1, delay: 1, ifResult: 'empty' as unknown as () => boolean })).toBe(
        'fixedDelayRetry: ifResult must be a function (results => boolean), got "empty"'
      )
      expect(problem({ maxAttempts: 1, delay: 1 })).toContain('needs ifResult or ifException')
    })
  })

  describe('exponentialBackoffRetry', () => {
    it('waits initialDelay first, then multiplies, capped at maxDelay (Flink 1.17+)', () => {
      const retry = ds.exponentialBackoffRetry<number>({ maxAttempts: 6, initialDelay: 100, maxDelay: 1_000, multiplier: 3, ifException: () => true })
      expect([1, 2, 3, 4, 5, 6].map(k => retry.backoff(k))).toEqual([100, 300, 900, 1_000, 1_000, 1_000])
      expect([6, 7].map(k => retry.canRetry(k))).toEqual([true, false])
    })

    it('multiplies by 2 by default and computes each wait from the attempt alone (one strategy serves every input)', () => {
      const retry = ds.exponentialBackoffRetry<number>({ maxAttempts: 3, initialDelay: 10, maxDelay: 1_000, ifResult: r => r.length === 0 })
      expect(retry.backoff(3)).toBe(40)
      expect(retry.backoff(1)).toBe(10) // no state carried from the call before
      expect(retry.backoff(1_000)).toBe(1_000) // overflow to Infinity is capped too
    })

    it('records bad options', () => {
      const problem = (o: ds.ExponentialBackoffRetryOptions<number>) => retryStrategyProblem(ds.exponentialBackoffRetry(o))
      const ok = { maxAttempts: 1, initialDelay: 1, maxDelay: 10, ifException: () => true }
      expect(problem(ok)).toBeUndefined()
      expect(problem({ ...ok, maxAttempts: 0 })).toBe('exponentialBackoffRetry: maxAttempts must be an integer >= 1, got 0')
      expect(problem({ ...ok, initialDelay: -1 })).toBe('exponentialBackoffRetry: initialDelay must be a finite number > 0 (ms), got -1')
      expect(problem({ ...ok, maxDelay: NaN })).toBe('exponentialBackoffRetry: maxDelay must be a finite number >= initialDelay (1 ms), got NaN')
      expect(problem({ ...ok, multiplier: Infinity })).toBe('exponentialBackoffRetry: multiplier must be a finite number >= 1, got Infinity')
    })
  })

  describe('custom strategies', () => {
    it('are accepted when they have canRetry, backoff and a predicate', () => {
      expect(retryStrategyProblem({ canRetry: () => true, backoff: () => 1, ifResult: () => true })).toBeUndefined()
      expect(retryStrategyProblem({ canRetry: () => true, backoff: () => 1 })).toContain('needs ifResult or ifException')
      expect(retryStrategyProblem({ canRetry: true, backoff: () => 1 })).toContain('needs the functions canRetry(attempt) and backoff(attempt)')
      expect(retryStrategyProblem(null)).toContain('must be a retry strategy')
    })
  })
})
