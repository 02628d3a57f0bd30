/**
 * asyncWait with real Promises and real (short) time: ordering, capacity, timeouts, aborts.
 * TestScheduler does not virtualize Promises, so these run on the event loop.
 */
import { asyncScheduler, from, type Observable, Subject } from 'rxjs'
import * as ds from '../../src/index'
import { rec, wm } from '../../marbles/index'
import { promiseService, sleep } from '../support/async-services'
import { showElement } from '../support/timeline'

interface Outcome<T, K> {
  readonly elements: ds.StreamElement<T, K>[]
  readonly error: unknown
  readonly completed: boolean
}

/** Subscribes and resolves when the stream completes or errors. */
function outcome<T, K>(stream$: Observable<ds.StreamElement<T, K>>): Promise<Outcome<T, K>> {
  return new Promise(resolve => {
    const elements: ds.StreamElement<T, K>[] = []
    stream$.subscribe({
      next: e => elements.push(e),
      error: (error: unknown) => resolve({ elements, error, completed: false }),
      complete: () => resolve({ elements, error: undefined, completed: true })
    })
  })
}

const shown = <T, K>(o: Outcome<T, K>): string[] => o.elements.map(showElement)

describe('asyncWait with Promises', () => {
  const input = [rec(1, 1), rec(2, 2), rec(3, 3), wm(3), rec(4, 4), rec(5, 5)]
  // the first of each segment answers last
  const latency: Record<number, number> = { 1: 30, 2: 10, 3: 1, 4: 20, 5: 1 }
  const double = (v: number) => sleep(latency[v]!, v * 2)

  it('ordered: results in input order, each with its input’s timestamp; the watermark in place', async () => {
    const out = await outcome(from(input).pipe(ds.asyncWait(double)))
    expect(shown(out)).toEqual(['2@1', '4@2', '6@3', 'W(3)', '8@4', '10@5'])
    expect(out.completed).toBeTrue()
  })

  it('unordered: results as they complete, never across the watermark', async () => {
    const out = await outcome(from(input).pipe(ds.asyncWait(double, { ordered: false })))
    expect(shown(out)).toEqual(['6@3', '4@2', '2@1', 'W(3)', '10@5', '8@4'])
    expect(out.completed).toBeTrue()
  })

  it('takes async functions, async generators (zero or more results later) and arrays', async () => {
    const out = await outcome(
      from([rec(1, 1), rec(2, 2), rec(3, 3)]).pipe(
        ds.asyncWait<number, string>(v =>
          v === 1
            ? (async () => 'one')()
            : v === 2
              ? (async function* () {
                  await sleep(1, undefined)
                  yield 'two'
                  yield 'deux'
                })()
              : []
        )
      )
    )
    expect(shown(out)).toEqual(['one@1', 'two@2', 'deux@2'])
  })

  it('never has more than `capacity` calls in flight and answers every input once', async () => {
    const { fn, stats, answered } = promiseService((v: number) => v, v => (v * 7919) % 13)
    const n = 500
    const records = Array.from({ length: n }, (_, i) => rec(i, i))
    const out = await outcome(from(records).pipe(ds.asyncWait(fn, { capacity: 7, ordered: false })))
    expect(stats.maxInFlight).toBe(7)
    expect(stats.calls.length).toBe(n)
    expect(out.elements.length).toBe(n)
    expect([...answered.values()].every(k => k === 1)).toBeTrue()
  })

  it('completes only after the last Promise settled', async () => {
    let settled = false
    const out = await outcome(
      from([rec(1, 1)]).pipe(
        ds.asyncWait(async (v: number) => {
          await sleep(20, undefined)
          settled = true
          return v
        })
      )
    )
    expect(settled).toBeTrue()
    expect(out.completed).toBeTrue()
  })

  describe('timeout', () => {
    it('fails with a TimeoutError and aborts the call’s signal with it', async () => {
      const signals: AbortSignal[] = []
      const slow = (v: number, { signal }: ds.AsyncContext) => {
        signals.push(signal)
        return sleep(v, v)
      }
      const out = await outcome(from([rec(1, 1), rec(500, 2)]).pipe(ds.asyncWait(slow, { timeout: 50, name: 'slow' })))
      expect(shown(out)).toEqual(['1@1'])
      expect(out.error).toBeInstanceOf(ds.TimeoutError)
      expect((out.error as Error).message).toBe('asyncWait "slow": the call for record (value 500, timestamp 2) timed out after 50 ms (1 attempt)')
      expect(signals.map(s => s.aborted)).toEqual([false, true])
      expect(signals[1]!.reason).toBe(out.error)
    })

    it('only the first completion counts: a Promise that resolves after the timeout is ignored', async () => {
      const late: number[] = []
      const slow = (v: number) => sleep(40, v).then(r => (late.push(r), r))
      const out = await outcome(from([rec(7, 1)]).pipe(ds.asyncWait(slow, { timeout: 10, onTimeout: v => -v })))
      expect(shown(out)).toEqual(['-7@1'])
      await sleep(60, undefined)
      expect(late).toEqual([7]) // it did resolve, later, and nothing more came out
      expect(out.completed).toBeTrue()
    })

    it('runs on the scheduler option', async () => {
      const out = await outcome(from([rec(1, 1)]).pipe(ds.asyncWait(() => sleep(100, 1), { timeout: 5, onTimeout: () => 0, scheduler: asyncScheduler })))
      expect(shown(out)).toEqual(['0@1'])
    })
  })

  describe('retry', () => {
    it('retries a rejected Promise with exponential backoff until it succeeds', async () => {
      const attempts: number[] = []
      const flaky = async (v: number, { attempt }: ds.AsyncContext) => {
        attempts.push(attempt)
        if (attempt < 3) throw new Error('503')
        return v
      }
      const source = new Subject<ds.StreamElement<number>>()
      const done = outcome(source.pipe(ds.asyncWait(flaky, { retry: ds.exponentialBackoffRetry({ maxAttempts: 5, initialDelay: 2, maxDelay: 10, ifException: () => true }) })))
      source.next(rec(1, 1))
      await sleep(50, undefined)
      source.complete()
      const out = await done
      expect(attempts).toEqual([1, 2, 3])
      expect(shown(out)).toEqual(['1@1'])
    })
  })

  describe('abort', () => {
    it('unsubscribing aborts every call in flight', async () => {
      const signals: AbortSignal[] = []
      const subscription = from([rec(1, 1), rec(2, 2)])
        .pipe(
          ds.asyncWait((v: number, { signal }) => {
            signals.push(signal)
            return sleep(1_000, v)
          })
        )
        .subscribe()
      await sleep(5, undefined)
      expect(signals.map(s => s.aborted)).toEqual([false, false])
      subscription.unsubscribe()
      expect(signals.map(s => s.aborted)).toEqual([true, true])
      expect(signals.map(s => (s.reason as Error).name)).toEqual(['AbortError', 'AbortError'])
    })

    it('a rejection fails the stream with the original error as cause and aborts the other calls', async () => {
      const boom = new Error('rejected')
      const signals: AbortSignal[] = []
      const out = await outcome(
        from([rec(1, 1), rec(2, 2)]).pipe(
          ds.asyncWait((v: number, { signal }) => {
            signals.push(signal)
            return v === 2 ? sleep(5, undefined).then(() => Promise.reject(boom)) : sleep(1_000, v)
          })
        )
      )
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      expect((out.error as Error).cause).toBe(boom)
      expect((out.error as Error).message).toBe('asyncWait: the user function threw while calling the async function for record (value 2, timestamp 2): rejected')
      expect(signals.map(s => s.aborted)).toEqual([true, false])
    })
  })
})
