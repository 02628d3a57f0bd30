/**
 * Type-level specs of asyncWait: compiled by `tsc` in `npm test` (an `@ts-expect-error` that
 * no longer errors fails the build). The checks sit in a function that never runs.
 */
import { type Observable, of } from 'rxjs'
import * as ds from '../../src/index'

type Equals<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false
const assertType = <T extends true>(_?: T): void => undefined

interface User {
  readonly id: number
  readonly name: string
}
declare const ids$: ds.DataStream<number>
declare const keyed$: ds.KeyedStream<string, number>
declare function lookup(id: number, signal: AbortSignal): Promise<User>

export function typeChecks(): void {
  // the result type comes from the Promise, even with a destructured context and options
  const users$ = ids$.pipe(ds.asyncWait(async (id, { signal }) => lookup(id, signal), { timeout: 1_000, capacity: 10 }))
  assertType<Equals<typeof users$, Observable<ds.StreamElement<User>>>>()

  // keys are kept
  const keyedUsers$ = keyed$.pipe(ds.asyncWait((id: number, { signal }) => lookup(id, signal)))
  assertType<Equals<typeof keyedUsers$, Observable<ds.StreamElement<User, string>>>>()

  // arrays and Observables: their element type
  const names$ = ids$.pipe(ds.asyncWait((id: number) => [`a${id}`, `b${id}`]))
  assertType<Equals<typeof names$, Observable<ds.StreamElement<string>>>>()
  const twice$ = ids$.pipe(ds.asyncWait((id: number) => of(id, id)))
  assertType<Equals<typeof twice$, Observable<ds.StreamElement<number>>>>()

  // a retry strategy typed with the result, next to a context-sensitive function
  const retry = ds.exponentialBackoffRetry<User>({ maxAttempts: 3, initialDelay: 100, maxDelay: 1_000, ifResult: r => r.length === 0 })
  const retried$ = ids$.pipe(ds.asyncWait(async (id, { signal }) => lookup(id, signal), { retry }))
  assertType<Equals<typeof retried$, Observable<ds.StreamElement<User>>>>()
  // an untyped strategy (exceptions only) fits any result type
  ids$.pipe(ds.asyncWait(async (id, { signal }) => lookup(id, signal), { retry: ds.fixedDelayRetry({ maxAttempts: 2, delay: 10, ifException: () => true }) }))

  // onTimeout returns a result or undefined
  ids$.pipe(ds.asyncWait(async (id, { signal }) => lookup(id, signal), { timeout: 50, onTimeout: id => ({ id, name: '?' }) }))
  ids$.pipe(ds.asyncWait(async (id, { signal }) => lookup(id, signal), { timeout: 50, onTimeout: () => undefined }))

  // @ts-expect-error onTimeout must return the result type
  ids$.pipe(ds.asyncWait(async (id: number, { signal }) => lookup(id, signal), { timeout: 50, onTimeout: (id: number) => `${id}` }))

  // @ts-expect-error a retry strategy for another result type
  ids$.pipe(ds.asyncWait((id: number) => [id], { retry: ds.fixedDelayRetry<string>({ maxAttempts: 1, delay: 1, ifResult: r => r[0] === '' }) }))

  // @ts-expect-error the function receives the record's value type
  ids$.pipe(ds.asyncWait(async (s: string) => s.length))

  // @ts-expect-error capacity is a number
  ids$.pipe(ds.asyncWait((id: number) => [id], { capacity: '10' }))
}

describe('asyncWait types', () => {
  it('compile (see the checks in this file)', () => {
    expect(typeof typeChecks).toBe('function')
  })
})
