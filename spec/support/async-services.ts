/**
 * Fake external services for the asyncWait specs. Each records every call (value, attempt,
 * when), how many calls are in flight (started, neither answered nor abandoned) and the most
 * ever in flight, and which calls were aborted through their signal.
 */
import { Observable, type SchedulerLike, Subject, asyncScheduler } from 'rxjs'
import type * as ds from '../../src/index'

export interface CallLog<In> {
  readonly value: In
  readonly attempt: number
  /** Scheduler time of the call. */
  readonly at: number
}

/** Bookkeeping shared by the fake services. */
export class ServiceStats<In> {
  readonly calls: CallLog<In>[] = []
  readonly aborted: In[] = []
  inFlight = 0
  maxInFlight = 0

  start(value: In, attempt: number, at: number, signal: AbortSignal, end: () => void): void {
    this.calls.push({ value, attempt, at })
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    signal.addEventListener('abort', () => {
      this.aborted.push(value)
      end()
    })
  }
}

/**
 * Answers on a scheduler (virtual time in marble tests): the call for `value` emits
 * `answer(value, attempt)` (an array: zero or more results, or an Error to fail) after
 * `latency(value, attempt)` ms, as an Observable. Unsubscribing or aborting ends the call.
 */
export function scheduledService<In, Out>(
  answer: (value: In, attempt: number) => readonly Out[] | Error,
  latency: (value: In, attempt: number) => number,
  scheduler: SchedulerLike = asyncScheduler
): { readonly fn: ds.AsyncFunction<In, Out>; readonly stats: ServiceStats<In> } {
  const stats = new ServiceStats<In>()
  const fn: ds.AsyncFunction<In, Out> = (value, { signal, attempt }) =>
    new Observable<Out>(subscriber => {
      let open = true
      const end = (): void => {
        if (open) stats.inFlight--
        open = false
      }
      stats.start(value, attempt, scheduler.now(), signal, end)
      const timer = scheduler.schedule(() => {
        end()
        const result = answer(value, attempt)
        if (result instanceof Error) {
          subscriber.error(result)
          return
        }
        for (const r of result) subscriber.next(r)
        subscriber.complete()
      }, latency(value, attempt))
      return () => {
        timer.unsubscribe()
        end()
      }
    })
  return { fn, stats }
}

/** One call of a {@link manualService}: the test answers it when it wants. */
export interface PendingCall<In, Out> {
  readonly value: In
  readonly attempt: number
  readonly signal: AbortSignal
  answer(results: readonly Out[]): void
  reject(error: unknown): void
}

/**
 * A service the test drives by hand: every call returns a Subject-backed Observable and waits
 * in `pending` until the test answers it, synchronously, in any order it likes.
 */
export function manualService<In, Out>(): {
  readonly fn: ds.AsyncFunction<In, Out>
  readonly pending: PendingCall<In, Out>[]
  readonly stats: ServiceStats<In>
} {
  const stats = new ServiceStats<In>()
  const pending: PendingCall<In, Out>[] = []
  const fn: ds.AsyncFunction<In, Out> = (value, { signal, attempt }) => {
    const subject = new Subject<Out>()
    let open = true
    const end = (): void => {
      if (open) stats.inFlight--
      open = false
      const i = pending.indexOf(call)
      if (i >= 0) pending.splice(i, 1)
    }
    const call: PendingCall<In, Out> = {
      value,
      attempt,
      signal,
      answer: results => {
        end()
        for (const r of results) subject.next(r)
        subject.complete()
      },
      reject: error => {
        end()
        subject.error(error)
      }
    }
    pending.push(call)
    stats.start(value, attempt, 0, signal, end)
    return subject
  }
  return { fn, pending, stats }
}

/**
 * A real-Promise service: the call for `value` resolves with `answer(value)` after `ticks`
 * turns of the event loop (setImmediate), a random latency that scrambles completion order
 * without waiting for the clock.
 */
export function promiseService<In, Out>(
  answer: (value: In) => Out,
  ticks: (value: In) => number
): { readonly fn: ds.AsyncFunction<In, Out>; readonly stats: ServiceStats<In>; readonly answered: Map<In, number> } {
  const stats = new ServiceStats<In>()
  const answered = new Map<In, number>()
  const fn: ds.AsyncFunction<In, Out> = (value, { signal, attempt }) =>
    new Promise<Out>(resolve => {
      let open = true
      const end = (): void => {
        if (open) stats.inFlight--
        open = false
      }
      stats.start(value, attempt, 0, signal, end)
      let left = ticks(value)
      const tick = (): void => {
        if (!open) return
        if (left-- > 0) {
          setImmediate(tick)
          return
        }
        end()
        answered.set(value, (answered.get(value) ?? 0) + 1)
        resolve(answer(value))
      }
      tick()
    })
  return { fn, stats, answered }
}

/** A Promise that resolves after `ms` of real time. */
export const sleep = <T>(ms: number, value: T): Promise<T> => new Promise(resolve => setTimeout(() => resolve(value), ms))
