/**
 * @internal
 * Operator fusion, as Flink's operator chaining: adjacent stages that hand records on one to
 * one (`assignTimestampsAndWatermarks` → `keyBy` → a window operator) run inside one
 * subscription to the chain's upstream, passing each record as its parts (value, timestamp,
 * key) instead of allocating a record object per stage and hopping through one subscriber per
 * operator.
 *
 * An Observable made by `fusable` subscribes like any other: its stages run fused and the last
 * one emits elements. An operator that understands fusion asks `chainOf` for its input's stages
 * and runs them into its own sink. Anything in between (an RxJS operator, `share()`, a
 * non-fusing rx-datastream operator) hides the chain, and the stages then run apart.
 *
 * Fusing must change nothing a subscriber can observe, so every stage behaves as its own
 * `operate`-based operator would:
 * - it catches what it (or anything it calls downstream) throws and reports it as itself, with
 *   the element it was processing;
 * - an error travels down through the later stages, and each releases the upstream before
 *   passing it on, as each operator's upstream subscriber does: the subscriber sees an error of
 *   an earlier stage (or of the source) after the source's teardown, and an error of the last
 *   stage before it;
 * - it does nothing once the subscription is closed (an error, or an unsubscribe from
 *   downstream), as each operator's own upstream subscriber would then be closed;
 * - teardowns are added in subscription order, upstream first.
 */
import { Observable, type Observer, type Subscriber, Subscription } from 'rxjs'
import type { OperatorInfo } from '../OperatorOptions'
import { type StreamElement, type StreamRecord, streamRecord, type Watermark } from '../StreamElement'
import { asStreamError } from './operate'
import { EmittingOutput } from '../runtime/Output'

/** @internal Every element that is not a record: fused stages pass these as they are. */
export type ControlElement = Exclude<StreamElement<unknown, unknown>, StreamRecord<unknown, unknown>>

/** @internal The key of a record of a stream that is not keyed (the record's `key` is `undefined`). */
export const NO_KEY = undefined as never

/** @internal What a fused stage hands its output to: the next stage, or the subscriber. */
export interface FusedSink<T, K> {
  /** A record, as its parts. */
  record(value: T, timestamp: number, key: K): void
  /** Any other element. */
  element(element: ControlElement): void
  /** The upstream completed. */
  complete(): void
  /** The upstream (the source or an earlier stage) failed; `error` is what the subscriber gets. */
  error(error: unknown): void
}

/** @internal What the stages of one fused subscription share. */
export interface FusedContext {
  /** The subscriber of the last stage; once it is closed every stage ignores its input. */
  readonly destination: Subscriber<unknown>
  /**
   * Where stages add their teardowns (upstream subscription, timers): released before an error
   * of the source or of an earlier stage reaches a later stage, as each operator's upstream
   * subscriber releases its upstream before passing an error on.
   */
  readonly teardown: Subscription
  /**
   * Reports (once per subscription) to the failing stage's `downstream` that `info`'s operator
   * threw `error` while processing `element`.
   */
  fail(downstream: { error(error: unknown): void }, info: OperatorInfo, error: unknown, element?: unknown): void
}

/**
 * @internal
 * A chain of fused stages: subscribing it, for one subscription, runs its upstream into `sink`.
 */
export type FusedChain<T, K> = (sink: FusedSink<T, K>, context: FusedContext) => void

// Not a property of the Observable: a user never sees it, not even when inspecting the object.
const chains = new WeakMap<Observable<unknown>, FusedChain<unknown, unknown>>()

/** @internal An Observable of the chain's output elements, whose stages later operators can fuse into. */
export function fusable<T, K>(chain: FusedChain<T, K>): Observable<StreamElement<T, K>> {
  const observable = new Observable<StreamElement<T, K>>(destination => {
    const upstream = new Subscription()
    destination.add(upstream)
    chain(new EmittingSink(destination), fusedContext(destination, upstream))
  })
  chains.set(observable, chain as FusedChain<unknown, unknown>)
  return observable
}

/**
 * @internal
 * The stages behind `source`, for an operator to run into its own sink: `source`'s chain if it
 * was made by `fusable`, else a plain subscription to its elements.
 */
export function chainOf<T, K>(source: Observable<StreamElement<T, K>>): FusedChain<T, K> {
  const chain = chains.get(source) as FusedChain<T, K> | undefined
  if (chain !== undefined) return chain
  return (sink, context) => {
    const subscriber = new ElementSubscriber(sink)
    context.teardown.add(subscriber)
    if (!context.destination.closed) source.subscribe(subscriber)
  }
}

/** @internal The context of a fused subscription emitting to `destination`. */
export function fusedContext(destination: Subscriber<unknown>, teardown: Subscription): FusedContext {
  let failed = false
  return {
    destination,
    teardown,
    fail: (downstream, info, error, element) => {
      // The first failure closes the subscription; whatever fails after it is not seen.
      if (failed) return
      failed = true
      downstream.error(asStreamError(info, error, element))
    }
  }
}

/** @internal A stage at the end of a chain, with the teardown it needs (if any). */
export interface FusedStage<T, K> extends FusedSink<T, K> {
  /** Runs exactly once when the subscription ends, however it ends. */
  finalize?(): void
}

/**
 * @internal
 * `operate` for an operator that fuses its input's chain: `init` builds, per subscription, the
 * stage the chain runs into. The same guarantees: an error thrown by `init` errors the
 * subscription as the operator's, the upstream is unsubscribed before `finalize` runs, and
 * nothing is subscribed once the destination is closed.
 */
export function operateFused<T, K, Out>(
  info: OperatorInfo,
  init: (destination: Subscriber<Out>, context: FusedContext) => FusedStage<T, K>
): (source: Observable<StreamElement<T, K>>) => Observable<Out> {
  return source => {
    const chain = chainOf(source)
    return new Observable<Out>(destination => {
      const upstream = new Subscription()
      const context = fusedContext(destination, upstream)
      let stage: FusedStage<T, K>
      try {
        stage = init(destination, context)
      } catch (error) {
        destination.error(asStreamError(info, error))
        return
      }
      destination.add(upstream)
      if (stage.finalize !== undefined) destination.add(() => stage.finalize!())
      if (destination.closed) return
      chain(stage, context)
    })
  }
}

/**
 * @internal
 * Emits a chain's output to a subscriber: here, and only here, records become objects again.
 * Also the output of a runtime that emits to a subscriber rather than into a fused stage.
 */
export class EmittingSink<T, K> extends EmittingOutput<T, K> implements FusedSink<T, K> {
  complete(): void {
    this.destination.complete()
  }

  error(error: unknown): void {
    this.destination.error(error)
  }
}

/**
 * @internal
 * The subscriber of a chain's first stage to the chain's source. Like `operate`'s subscriber
 * it is a `Subscription` and an `Observer`, which RxJS uses as the subscriber as it is, so
 * `closed` stops a synchronous source; and the source is released before an error or the end
 * of input reaches the stages. A subclass says what a value is.
 */
export abstract class ChainSourceSubscriber<In, T, K> extends Subscription implements Observer<In> {
  constructor(protected readonly sink: FusedSink<T, K>) {
    super()
  }

  abstract next(value: In): void

  error(error: unknown): void {
    if (this.closed) return
    this.unsubscribe()
    this.sink.error(error)
  }

  complete(): void {
    if (this.closed) return
    this.unsubscribe()
    this.endOfInput()
  }

  /** The source completed (already released): by default the stages complete. */
  protected endOfInput(): void {
    this.sink.complete()
  }
}

/** Subscribes the first stage of a chain to a stream of elements. No try/catch: every stage catches what it throws itself. */
class ElementSubscriber<T, K> extends ChainSourceSubscriber<StreamElement<T, K>, T, K> {
  next(element: StreamElement<T, K>): void {
    if (this.closed) return
    if (element._tag === 'Record') this.sink.record(element.value, element.timestamp, element.key)
    else this.sink.element(element)
  }
}

/**
 * @internal
 * A fused stage of an operator: what the operator's own upstream subscriber would do with
 * watermarks, other elements, completion and errors, passed on to `sink` (the next stage, or an
 * `EmittingSink` when the stage is the last). A subclass says how a record is processed, and
 * may process watermarks and the end of input (a stateful runtime: windows, keyed functions).
 */
export abstract class OperatorStage<T, R, K> implements FusedSink<T, unknown> {
  /** The chain's subscriber: once it is closed the stage ignores its input. */
  protected readonly destination: Subscription

  constructor(
    protected readonly info: OperatorInfo,
    protected readonly sink: FusedSink<R, K>,
    protected readonly context: FusedContext
  ) {
    this.destination = context.destination
  }

  abstract record(value: T, timestamp: number, key: unknown): void

  /** By default a watermark passes on unchanged. */
  protected processWatermark(watermark: Watermark): void {
    this.sink.element(watermark)
  }

  /** What the input's end releases, before the stage completes; by default nothing. */
  protected endOfInput(): void {}

  /**
   * Reports that processing a record (as this operator received it) threw. A cold path of its
   * own, so that `record` stays small enough for V8 to inline.
   */
  protected failRecord(error: unknown, value: T, timestamp: number, key: unknown): void {
    this.context.fail(this.sink, this.info, error, streamRecord(value, timestamp, key))
  }

  element(element: ControlElement): void {
    if (this.destination.closed) return
    try {
      if (element._tag === 'Watermark') this.processWatermark(element)
      else this.sink.element(element)
    } catch (error) {
      this.context.fail(this.sink, this.info, error, element)
    }
  }

  complete(): void {
    if (this.destination.closed) return
    try {
      this.endOfInput()
      this.sink.complete()
    } catch (error) {
      this.context.fail(this.sink, this.info, error)
    }
  }

  error(error: unknown): void {
    if (this.destination.closed) return
    // As an operator's upstream subscriber does: release the upstream, then pass the error on.
    this.context.teardown.unsubscribe()
    this.sink.error(error)
  }
}
