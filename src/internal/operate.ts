/**
 * @internal
 * The one helper every operator is built on: the public `new Observable` recipe, shaped like
 * RxJS 8's public `operate`, so migrating is mechanical.
 *
 * - All per-subscription state is created by `init`, once per subscription, never in the factory.
 * - Anything a callback throws reaches the error channel: errors of ours (`DataStreamError`) as
 *   they are, anything else wrapped in a `UserFunctionError` naming the operator and the element
 *   being processed, with the original as `cause`. Upstream is unsubscribed at once, so even a
 *   synchronous source stops emitting.
 * - `finalize` runs exactly once, on complete, error or unsubscribe.
 */
import { Observable, type Observer, type OperatorFunction, type Subscriber, Subscription } from 'rxjs'
import { DataStreamError, UserFunctionError } from '../errors'
import type { OperatorInfo } from '../OperatorOptions'
import { describeElement } from './describe'

/** @internal What an operator does with each notification from upstream. */
export interface Sink<In> {
  next(value: In): void
  /** Default: forward the error. */
  error?(error: unknown): void
  /** Default: complete the destination. */
  complete?(): void
  /** Runs once right after the upstream subscription is made (e.g. to subscribe other inputs). */
  started?(): void
  /** Runs exactly once when the subscription ends, however it ends. */
  finalize?(): void
}

/** @internal */
export type SinkFactory<In, Out> = (destination: Subscriber<Out>, fail: (error: unknown, element?: unknown) => void) => Sink<In>

/**
 * @internal
 * Upstream subscriber. It extends the public `Subscription` and implements `Observer`, which
 * RxJS 7 accepts as a subscriber as it is: no SafeSubscriber wrapper per hop, and `closed`
 * stops a synchronous source as soon as we fail or downstream unsubscribes.
 */
class OperateSubscriber<In> extends Subscription implements Observer<In> {
  constructor(
    private readonly sink: Sink<In>,
    private readonly fail: (error: unknown, element?: unknown) => void,
    private readonly destination: Subscriber<unknown>
  ) {
    super()
  }

  next(value: In): void {
    if (this.closed) return
    try {
      this.sink.next(value)
    } catch (error) {
      this.fail(error, value)
    }
  }

  error(error: unknown): void {
    if (this.closed) return
    this.unsubscribe()
    if (this.sink.error === undefined) {
      this.destination.error(error)
      return
    }
    try {
      this.sink.error(error)
    } catch (thrown) {
      this.fail(thrown)
    }
  }

  complete(): void {
    if (this.closed) return
    // Upstream is done; the operator may still emit (flush) before completing downstream.
    this.unsubscribe()
    if (this.sink.complete === undefined) {
      this.destination.complete()
      return
    }
    try {
      this.sink.complete()
    } catch (error) {
      this.fail(error)
    }
  }
}

/** @internal Wraps a thrown value as the error the Rx channel carries. */
export function asStreamError(info: OperatorInfo, error: unknown, element?: unknown, during?: string): unknown {
  if (error instanceof DataStreamError) return error
  return new UserFunctionError(info, during ?? (element === undefined ? 'running' : `processing ${describeElement(element)}`), error)
}

/** @internal Builds a single-input operator from a sink factory. */
export function operate<In, Out>(info: OperatorInfo, init: SinkFactory<In, Out>): OperatorFunction<In, Out> {
  return source =>
    new Observable<Out>(destination => {
      let failed = false
      const fail = (error: unknown, element?: unknown): void => {
        if (failed) return
        failed = true
        // Closing the destination runs its teardown, which unsubscribes upstream (a child).
        destination.error(asStreamError(info, error, element))
      }
      let sink: Sink<In>
      try {
        sink = init(destination, fail)
      } catch (error) {
        destination.error(asStreamError(info, error))
        return
      }
      // The destination's teardown runs once, however the subscription ends: first upstream
      // is unsubscribed, then the operator finalizes.
      const upstream = new OperateSubscriber(sink, fail, destination)
      destination.add(upstream)
      if (sink.finalize !== undefined) destination.add(() => sink.finalize!())
      if (destination.closed) return
      source.subscribe(upstream)
      if (sink.started !== undefined && !destination.closed) {
        try {
          sink.started()
        } catch (error) {
          fail(error)
        }
      }
    })
}

/**
 * @internal
 * Subscribes one extra input of a multi-input operator with the same guarantees as `operate`
 * (throws routed to `fail`, stops at once when the operator ends).
 */
export function subscribeInput<In>(
  source: Observable<In>,
  sink: Sink<In>,
  fail: (error: unknown, element?: unknown) => void,
  destination: Subscriber<unknown>
): Subscription {
  const subscriber = new OperateSubscriber(sink, fail, destination)
  destination.add(subscriber)
  source.subscribe(subscriber)
  return subscriber
}
