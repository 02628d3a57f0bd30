import { type Observable, Subscription } from 'rxjs'
import { operatorInfo } from '../src/core/OperatorOptions'
import type { StreamElement } from '../src/core/StreamElement'
import { streamRecord } from '../src/core/StreamElement'
import { describeValue } from '../src/core/describe'
import { asStreamError, type Chain, chained, chainOf, checkObservable } from '../src/runtime/host'
import type { ChainContext, ChainOutput, ControlElement } from '../src/runtime/Output'

/**
 * The values a predicate of {@link splitBy} lets through: its type guard's type
 * (`(e: Event) => e is Person` selects `Person`), else all of `T`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * type Event = { kind: 'person'; id: number } | { kind: 'auction'; seller: number }
 * const isPerson = (e: Event): e is Extract<Event, { kind: 'person' }> => e.kind === 'person'
 * const person: ds.SelectedBy<Event, typeof isPerson> = { kind: 'person', id: 1 }
 *
 * @category transforms
 * @since 0.1.0
 */
export type SelectedBy<T, P> = P extends (value: T) => value is (infer S extends T) ? S : T

/**
 * The outputs of {@link splitBy}: one stream per predicate, in the order of the predicates.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * declare const numbers$: ds.DataStream<number>
 * const [even$, odd$]: ds.SplitByStreams<number, never, [(n: number) => boolean, (n: number) => boolean]> =
 *   ds.splitBy(numbers$, n => n % 2 === 0, n => n % 2 !== 0)
 *
 * @category transforms
 * @since 0.1.0
 */
export type SplitByStreams<T, K, P extends readonly unknown[]> = { readonly [I in keyof P]: Observable<StreamElement<SelectedBy<T, P[I]>, K>> }

/**
 * Splits one stream into several over ONE subscription to it: output `i` carries the records
 * for which `predicates[i]` holds (a record may go to several outputs, or to none), and every
 * watermark, stream status and checkpoint barrier of the stream. This is how one stream feeds
 * both inputs of a join, a coGroup, an interval join or `connectWith`: the two parts of
 * Nexmark's event stream, or the same stream on both sides of a self-join.
 *
 * The subscription starts once every output has a subscriber, and elements then reach the
 * outputs as they come, interleaved: a synchronous source (an array, `ds.fromRecords`) is not
 * delivered whole to the first output before the next one is subscribed, so a join sees both
 * sides advance together and keeps only the open windows. It ends when every output has
 * unsubscribed; a later subscription starts over. Records keep their timestamps and keys;
 * side records of `stream$` are not passed on (select them with `split` first).
 *
 * ```text
 * stream$:     p1@1  a1@2  W(2)  a2@4  p2@5  W(5)|
 * persons$:    p1@1        W(2)        p2@5  W(5)|      (isPerson)
 * auctions$:         a1@2  W(2)  a2@4        W(5)|      (isAuction)
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Person { kind: 'person'; id: number; name: string }
 * interface Auction { kind: 'auction'; seller: number }
 * const events = ds.fromRecords<Person | Auction>([
 *   { value: { kind: 'person', id: 1, name: 'Ana' }, timestamp: 1_000 },
 *   { value: { kind: 'auction', seller: 1 }, timestamp: 2_000 },
 * ])
 * const [persons$, auctions$] = ds.splitBy(events, e => e.kind === 'person', e => e.kind === 'auction')
 * persons$.pipe(
 *   ds.joinWith(auctions$).where((p: Person) => p.id).equalTo(a => a.seller)
 *     .window(ds.tumblingEventTimeWindows(10_000))
 *     .apply(p => p.name),
 *   ds.values()
 * ).subscribe(name => console.log(name)) // Ana
 *
 * @see split to split off side outputs
 * @param stream$ the stream to split
 * @param predicates one per output: whether a record's value goes to it (type guards narrow the output's type)
 * @returns the outputs, one per predicate, in their order
 * @category transforms
 * @since 0.1.0
 */
export function splitBy<T, K = never, const P extends readonly ((value: T) => boolean)[] = readonly ((value: T) => boolean)[]>(
  stream$: Observable<StreamElement<T, K>>,
  ...predicates: P
): SplitByStreams<T, K, P> {
  checkObservable(stream$, 'splitBy: the stream')
  for (const [i, predicate] of predicates.entries()) {
    if (typeof predicate !== 'function') throw new TypeError(`splitBy: predicate ${i} is ${describeValue(predicate)}, not a function`)
  }
  if (predicates.length === 0) throw new TypeError('splitBy: give at least one predicate, one per output')
  const hub = new SplitHub<T, K>(stream$, predicates as readonly ((value: T) => boolean)[])
  return predicates.map((_, i) => chained<T, K>((output, context) => hub.attach(i, output, context))) as unknown as SplitByStreams<T, K, P>
}

const INFO = /*#__PURE__*/ operatorInfo('splitBy')

/** A subscriber of one output: where its elements go, and the subscription it belongs to. */
interface Consumer<T, K> {
  readonly output: ChainOutput<T, K>
  readonly context: ChainContext
}

/**
 * The outputs' subscribers of the current subscription to the stream, per output, and that
 * subscription (once every output has a subscriber). When the last subscriber leaves it is
 * released and the next subscriber starts a new one.
 */
class SplitHub<T, K> {
  private consumers: Consumer<T, K>[][]
  private connection: Subscription | undefined = undefined

  constructor(
    private readonly stream$: Observable<StreamElement<T, K>>,
    private readonly predicates: readonly ((value: T) => boolean)[]
  ) {
    this.consumers = predicates.map(() => [])
  }

  /** A subscriber of output `index` (a chain run into `output`, in the subscription of `context`). */
  attach(index: number, output: ChainOutput<T, K>, context: ChainContext): void {
    const consumer: Consumer<T, K> = { output, context }
    const consumers = this.consumers
    // Lists are replaced, never changed: a delivery in progress goes on over the list it began.
    consumers[index] = [...consumers[index]!, consumer]
    // In place before the stream is subscribed: an output that ends while a synchronous
    // source is still emitting (an error, take(n)) leaves at once.
    context.teardown.add(() => this.detach(consumers, index, consumer))
    if (this.connection === undefined && consumers.every(c => c.length > 0)) this.connect(consumers)
  }

  private detach(consumers: Consumer<T, K>[][], index: number, consumer: Consumer<T, K>): void {
    consumers[index] = consumers[index]!.filter(c => c !== consumer)
    // Every output has left: release the stream; a later subscriber starts over.
    if (consumers.every(c => c.length === 0)) this.startOver(consumers)
  }

  /**
   * Ends the subscription of `consumers` (if it is still the current one): released, and the
   * next subscriber starts a new one. Also when the stream has ended, so that an output
   * subscribed after the end does not wait for a stream that has already been delivered.
   */
  private startOver(consumers: Consumer<T, K>[][]): void {
    if (consumers !== this.consumers) return
    const connection = this.connection
    this.connection = undefined
    this.consumers = this.predicates.map(() => [])
    connection?.unsubscribe()
  }

  /**
   * Runs the stream (its chain, when it has one) into a router to the outputs, in a
   * subscription of its own: the outputs may belong to one subscription (the inputs of a join)
   * or to several.
   */
  private connect(consumers: Consumer<T, K>[][]): void {
    const connection = new Subscription()
    this.connection = connection
    let failed = false
    const context: ChainContext = {
      // Operators of the stream's chain only ask whether it is closed.
      destination: connection as unknown as ChainContext['destination'],
      teardown: connection,
      fail: (downstream, info, error, element) => {
        if (failed) return
        failed = true
        downstream.error(asStreamError(info, error, element))
      },
      sourceWatermark: undefined
    }
    const router = new Router<T, K>(this.predicates, consumers, context, () => this.startOver(consumers))
    const upstream: Chain<T, K> = chainOf(this.stream$, INFO)
    upstream(router, context)
  }
}

/** The end of the stream's chain: each record to the outputs whose predicate holds, every other element (but side records) to all. */
class Router<T, K> implements ChainOutput<T, K> {
  constructor(
    private readonly predicates: readonly ((value: T) => boolean)[],
    private readonly consumers: readonly Consumer<T, K>[][],
    private readonly context: ChainContext,
    /** The stream ended (completed or failed): the next subscriber starts over. */
    private readonly ended: () => void
  ) {}

  record(value: T, timestamp: number, key: K): void {
    if (this.context.destination.closed) return
    const { predicates, consumers } = this
    for (let i = 0; i < predicates.length; i++) {
      let selected: boolean
      try {
        selected = predicates[i]!(value)
      } catch (error) {
        this.context.fail(this, INFO, error, streamRecord(value, timestamp, key))
        return
      }
      if (!selected) continue
      const list = consumers[i]!
      for (let c = 0; c < list.length; c++) {
        const consumer = list[c]!
        if (!consumer.context.destination.closed) consumer.output.record(value, timestamp, key)
      }
    }
  }

  watermark(time: number): void {
    if (this.context.destination.closed) return
    // Each output's chain has a context of its own: it learns what entered as an element here.
    const given = this.context.sourceWatermark
    for (const list of this.consumers) {
      for (let c = 0; c < list.length; c++) {
        const consumer = list[c]!
        if (consumer.context.destination.closed) continue
        if (given !== undefined) consumer.context.sourceWatermark = given
        consumer.output.watermark(time)
      }
    }
  }

  element(element: ControlElement): void {
    if (this.context.destination.closed || element._tag === 'SideRecord') return
    for (const list of this.consumers) {
      for (let c = 0; c < list.length; c++) {
        const consumer = list[c]!
        if (!consumer.context.destination.closed) consumer.output.element(element)
      }
    }
  }

  complete(): void {
    if (this.context.destination.closed) return
    for (const consumer of this.end()) if (!consumer.context.destination.closed) consumer.output.complete()
  }

  error(error: unknown): void {
    if (this.context.destination.closed) return
    // As an operator's upstream subscriber does: release the stream, then pass the error on.
    for (const consumer of this.end()) if (!consumer.context.destination.closed) consumer.output.error(error)
  }

  /** Releases the stream; returns every subscriber (a copy: ending an output detaches its subscriber from the lists). */
  private end(): Consumer<T, K>[] {
    const everyone = this.consumers.flat()
    this.ended()
    return everyone
  }
}
