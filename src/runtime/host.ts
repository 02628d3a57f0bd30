/**
 * @internal
 * The host: turns operators (./StreamOperator.ts) into RxJS pipeables. It alone subscribes,
 * decides what fuses, routes what operators throw to the error channel, combines the
 * watermarks and statuses of several inputs, and tears down (Flink's `StreamTask` with its
 * `OperatorChain`; RxJS's `operate` with its `OperatorSubscriber`).
 *
 * Chaining (Flink's operator chaining): every operator's output can be the next operator.
 * An Observable made here keeps its chain beside it; an operator piped onto it runs that chain
 * into itself, inside one subscription to the chain's upstream, records passing as their parts
 * (value, timestamp, key). Anything in between (an RxJS operator, `share()`) hides the chain,
 * and the operators then run apart, each subscribed to the elements before it.
 *
 * Fusing must change nothing a subscriber can observe, so every operator behaves as it would
 * alone:
 * - it catches what it (or anything it calls downstream) throws and reports it as itself, with
 *   the element it was processing; nothing is thrown into a producer;
 * - an error travels down through the later operators, and each releases the upstream before
 *   passing it on: the subscriber sees an error of an earlier operator (or of the source)
 *   after the source's teardown, and an error of the last operator before it;
 * - it does nothing once the subscription is closed (an error, or an unsubscribe from
 *   downstream);
 * - teardowns are added in subscription order, upstream first; `close` runs once, after the
 *   upstream is released, however the subscription ends.
 */
import { Observable, type Observer, type Subscriber, Subscription } from 'rxjs'
import { DataStreamError, UserFunctionError } from '../core/errors'
import type { OperatorInfo } from '../core/OperatorOptions'
import { NO_TIMESTAMP, type StreamElement, streamRecord, type Watermark } from '../core/StreamElement'
import { elementError, isStreamElement } from './checkElement'
import { describeElement, describeValue } from '../core/describe'
import { type ChainContext, type ChainOutput, EmittingSink } from './Output'
import { currentJob } from './JobContext'
import type { AbstractStreamOperator, OneInput, WatermarkOutput } from './StreamOperator'
import { watermarkTarget } from './StreamOperator'

// ---- errors ----

/**
 * @internal
 * Wraps a thrown value as the error the Rx channel carries: errors of ours (`DataStreamError`)
 * as they are, anything else as a `UserFunctionError` naming the operator and the element being
 * processed, with the original as `cause`.
 */
export function asStreamError(info: OperatorInfo, error: unknown, element?: unknown, during?: string): unknown {
  if (error instanceof DataStreamError) return error
  return new UserFunctionError(info, during ?? (element === undefined ? 'running' : `processing ${describeElement(element)}`), error)
}

// ---- chains ----

/** @internal The key of a record of a stream that is not keyed (the record's `key` is `undefined`). */
export const NO_KEY = undefined as never

/** @internal A chain: subscribing it, for one subscription, runs its upstream into `output`. */
export type Chain<T, K> = (output: ChainOutput<T, K>, context: ChainContext) => void

// Not a property of the Observable: a user never sees it, not even when inspecting the object.
const chains = new WeakMap<Observable<unknown>, Chain<unknown, unknown>>()

/** @internal An Observable of the chain's output elements, whose operators later operators can chain onto. */
export function chained<T, K>(chain: Chain<T, K>): Observable<StreamElement<T, K>> {
  const observable = new Observable<StreamElement<T, K>>(destination => {
    const upstream = new Subscription()
    destination.add(upstream)
    const context = chainContext(destination, upstream)
    chain(counted(new EmittingSink(destination, context)), context)
  })
  chains.set(observable, chain as Chain<unknown, unknown>)
  return observable
}

/**
 * @internal
 * The operators behind `source`, for an operator to run into itself: `source`'s chain if it
 * was made here, else a plain subscription to its elements, which `info`'s operator (the one
 * asking) checks are elements.
 */
export function chainOf<T, K>(source: Observable<StreamElement<T, K>>, info: OperatorInfo): Chain<T, K> {
  const chain = chains.get(source) as Chain<T, K> | undefined
  if (chain !== undefined) return chain
  return (output, context) => {
    const subscriber = new ElementSubscriber(output, info, context)
    context.teardown.add(subscriber)
    if (!context.destination.closed) source.subscribe(subscriber)
  }
}

function chainContext(destination: Subscriber<unknown>, teardown: Subscription): ChainContext {
  let failed = false
  return {
    destination,
    teardown,
    fail: (downstream, info, error, element) => {
      // The first failure closes the subscription; whatever fails after it is not seen.
      if (failed) return
      failed = true
      downstream.error(asStreamError(info, error, element))
    },
    sourceWatermark: undefined
  }
}

/**
 * Creates the operator of one subscription, registers it with the job being subscribed (if
 * any) with its number of `inputs`, restores its snapshot when the job has one for it, and
 * opens it: a failure is the operator's, reported before anything is subscribed.
 */
export function start<Out, K, Op extends AbstractStreamOperator<Out, K>>(
  info: OperatorInfo,
  create: (output: ChainOutput<Out, K>, context: ChainContext) => Op,
  output: ChainOutput<Out, K>,
  context: ChainContext,
  inputs: number,
  readers: readonly ChainOutput<Out, K>[] = []
): Op | undefined {
  let operator: Op
  try {
    operator = create(output, context)
    currentJob()?.start(operator as AbstractStreamOperator<unknown, unknown>, output as ChainOutput<unknown, unknown>, inputs, readers as readonly ChainOutput<unknown, unknown>[])
    operator.open()
  } catch (error) {
    context.fail(output, info, error)
    return undefined
  }
  return operator
}

/**
 * What a chain writes into `input` (an operator's input, or the subscriber's end), counted
 * when the subscription belongs to a job; as it is otherwise, at no cost.
 */
export function counted<T, K>(input: ChainOutput<T, K>, into?: { numRecordsIn?: number }): ChainOutput<T, K> {
  return currentJob()?.counted(input, into) ?? input
}


/**
 * @internal
 * The adapter of every one-input operator: `create` makes the operator of a subscription. It
 * runs the chain of its input (when there is one) and can be chained onto.
 */
export function oneInputOperator<In, Out, K>(
  info: OperatorInfo,
  create: (output: ChainOutput<Out, K>, context: ChainContext) => AbstractStreamOperator<Out, K> & OneInput<In>
): (source: Observable<StreamElement<In, unknown>>) => Observable<StreamElement<Out, K>> {
  return source => {
    const upstream = chainOf(source, info)
    return chained<Out, K>((output, context) => {
      const operator = start(info, create, output, context, 1)
      if (operator === undefined) return
      upstream(counted(operator, operator), context)
      context.teardown.add(() => operator.close())
    })
  }
}

/**
 * @internal
 * The adapter of a one-input operator whose output goes to several places (a split): `output`
 * delivers to them, and `readers` are what it delivers to, so that the job's graph shows the
 * operator reading `source` and each reader reading the operator. Runs `source`'s chain (when
 * it has one) into the operator, in the subscription of `context`, as a chain's head would.
 */
export function fanOutOperator<T, K>(
  info: OperatorInfo,
  source: Observable<StreamElement<T, K>>,
  create: (output: ChainOutput<T, K>, context: ChainContext) => AbstractStreamOperator<T, K> & OneInput<T>,
  output: ChainOutput<T, K>,
  readers: readonly ChainOutput<T, K>[],
  context: ChainContext
): void {
  const upstream = chainOf(source, info)
  const operator = start(info, create, counted(output), context, 1, readers)
  if (operator === undefined) return
  upstream(counted(operator, operator), context)
  context.teardown.add(() => operator.close())
}

/**
 * @internal
 * The adapter of an operator at the head of a chain, whose input is plain values, not stream
 * elements (`assignTimestampsAndWatermarks`): each value reaches `record` without a timestamp.
 */
export function sourceOperator<In, Out, K>(
  info: OperatorInfo,
  create: (output: ChainOutput<Out, K>, context: ChainContext) => AbstractStreamOperator<Out, K> & OneInput<In>
): (source: Observable<In>) => Observable<StreamElement<Out, K>> {
  return source =>
    chained<Out, K>((output, context) => {
      const operator = start(info, create, output, context, 1)
      if (operator === undefined) return
      const input = counted(operator, operator)
      // A job's source runs into the operator as the head of the chain, barriers included.
      const jobSource = valueSources.get(source) as Chain<In, never> | undefined
      if (jobSource !== undefined) {
        jobSource(input as ChainOutput<In, never>, context)
        context.teardown.add(() => operator.close())
        return
      }
      const subscriber = new ValueSubscriber(input)
      context.teardown.add(subscriber)
      context.teardown.add(() => operator.close())
      if (!context.destination.closed) source.subscribe(subscriber)
    })
}

// Observables of plain values that are a job's sources, with the chain that runs them.
const valueSources = new WeakMap<Observable<unknown>, Chain<unknown, never>>()

/**
 * @internal
 * A source of plain values made of an operator (a job's source): piped into an operator that
 * takes plain values (`assignTimestampsAndWatermarks`) it runs as the head of that chain, so its
 * barriers travel with its values. Subscribed any other way (a plain RxJS operator reads it),
 * only values can pass: `plain()` is asked first and may refuse with an error.
 */
export function valueSource<T, Op extends AbstractStreamOperator<T, never>>(
  info: OperatorInfo,
  create: (output: ChainOutput<T, never>, context: ChainContext) => Op,
  run: (operator: Op, context: ChainContext) => void,
  plain: () => unknown
): Observable<T> {
  const chain: Chain<T, never> = (output, context) => {
    const operator = start(info, create, output, context, 0)
    if (operator === undefined) return
    context.teardown.add(() => operator.close())
    run(operator, context)
  }
  const observable = new Observable<T>(destination => {
    const refusal = plain()
    if (refusal !== undefined) return destination.error(refusal)
    const teardown = new Subscription()
    destination.add(teardown)
    const context = chainContext(destination, teardown)
    chain(counted(new ValueSink(destination)), context)
  })
  valueSources.set(observable, chain as Chain<unknown, never>)
  return observable
}

/** The end of a source read by plain RxJS: its values, and nothing of the stream model. */
class ValueSink<T> implements ChainOutput<T, never> {
  constructor(private readonly destination: Subscriber<T>) {}

  record(value: T): void {
    this.destination.next(value)
  }

  watermark(): void {}

  element(): void {}

  complete(): void {
    this.destination.complete()
  }

  error(error: unknown): void {
    this.destination.error(error)
  }
}

/**
 * @internal
 * The adapter of the operator that ends a chain whose subscriber takes something else than
 * stream elements (`values`, `records`): each record becomes `project(value, timestamp, key)`;
 * every other element stays in the stream model. Nothing can be chained onto it.
 */
export function sinkOperator<In, K, Out>(
  info: OperatorInfo,
  project: (value: In, timestamp: number, key: K) => Out
): (source: Observable<StreamElement<In, K>>) => Observable<Out> {
  return source => {
    const upstream = chainOf(source, info)
    return new Observable<Out>(destination => {
      const teardown = new Subscription()
      destination.add(teardown)
      const context = chainContext(destination, teardown)
      upstream(counted(new SubscriberSink(info, project, destination, context)), context)
    })
  }
}

/** The end of a chain: records, projected, to the subscriber. */
class SubscriberSink<In, K, Out> implements ChainOutput<In, K> {
  constructor(
    private readonly info: OperatorInfo,
    private readonly project: (value: In, timestamp: number, key: K) => Out,
    private readonly destination: Subscriber<Out>,
    private readonly context: ChainContext
  ) {}

  record(value: In, timestamp: number, key: K): void {
    if (this.destination.closed) return
    try {
      this.destination.next(this.project(value, timestamp, key))
    } catch (error) {
      this.context.fail(this.destination, this.info, error, streamRecord(value, timestamp, key))
    }
  }

  // Watermarks, statuses, barriers and side records stay in the stream model.
  watermark(): void {}

  element(): void {}

  complete(): void {
    if (!this.destination.closed) this.destination.complete()
  }

  error(error: unknown): void {
    if (this.destination.closed) return
    // As an operator's upstream subscriber does: release the upstream, then pass the error on.
    this.context.teardown.unsubscribe()
    this.destination.error(error)
  }
}

// ---- subscribers ----

/**
 * @internal
 * A subscriber to a source that runs into `output` (a chain's first operator, `split`'s hub).
 * It is a `Subscription` and an `Observer`, which RxJS uses as the subscriber as it is (no
 * wrapper per hop), so `closed` stops a synchronous source at once, even while the source's
 * subscribe has not returned; and the source is released before an error or the end of input
 * reaches `output`. No try/catch: every operator catches what it throws itself. A subclass says
 * what a value is.
 */
export abstract class SourceSubscriber<In, O extends Pick<Observer<unknown>, 'error' | 'complete'>> extends Subscription implements Observer<In> {
  constructor(protected readonly output: O) {
    super()
  }

  abstract next(value: In): void

  error(error: unknown): void {
    if (this.closed) return
    this.unsubscribe()
    this.output.error(error)
  }

  complete(): void {
    if (this.closed) return
    this.unsubscribe()
    this.output.complete()
  }
}

/** Runs a stream of elements into a chain. */
class ElementSubscriber<T, K> extends SourceSubscriber<StreamElement<T, K>, ChainOutput<T, K>> {
  private readonly watermarkOutput: WatermarkOutput

  constructor(
    output: ChainOutput<T, K>,
    private readonly info: OperatorInfo,
    private readonly context: ChainContext
  ) {
    super(output)
    this.watermarkOutput = watermarkTarget(output as ChainOutput<unknown, unknown>)
  }

  next(element: StreamElement<T, K>): void {
    if (this.closed) return
    // Not an element (a plain value, `undefined`): the source is released and the operators
    // fail, as on a source error, with this operator's `ElementError`; nothing is thrown into
    // the producer.
    if (!isStreamElement(element)) return this.error(elementError(this.info, element))
    if (element._tag === 'Record') this.output.record(element.value, element.timestamp, element.key)
    else if (element._tag === 'Watermark') this.watermark(element)
    else this.output.element(element)
  }

  /** A watermark goes on as its time; the chain's end gives back this object (`sourceWatermark`). */
  private watermark(element: Watermark): void {
    this.context.sourceWatermark = element
    this.watermarkOutput.watermark(element.timestamp)
  }
}

/** Runs plain values into the chain's first operator, without timestamps. */
class ValueSubscriber<T> extends SourceSubscriber<T, ChainOutput<T, unknown>> {
  next(value: T): void {
    if (this.closed) return
    this.output.record(value, NO_TIMESTAMP, NO_KEY)
  }
}

/** @internal Whether `x` can be subscribed to as an input. */
export function isObservableLike(x: unknown): x is Observable<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { subscribe?: unknown }).subscribe === 'function'
}

/**
 * @internal
 * Refuses an input that cannot be subscribed to (JavaScript callers may pass anything):
 * `what` names it, e.g. `connectWith: the other input`.
 */
export function checkObservable(x: unknown, what: string): void {
  if (!isObservableLike(x)) throw new TypeError(`${what} is ${describeValue(x)}, not an Observable`)
}
