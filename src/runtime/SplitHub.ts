/**
 * @internal
 * One subscription to a stream shared by several outputs: what `splitBy` and `split` are made
 * of. In a job the split is an operator of its own (stateless, a node of the stream graph)
 * whose output goes to the first operator of each output.
 */
import { type Observable, Subscription } from 'rxjs'
import type { OperatorInfo } from '../core/OperatorOptions'
import { type StreamElement, streamRecord } from '../core/StreamElement'
import { asStreamError, chained, fanOutOperator } from './host'
import { allInputsFrom } from './multiInputOperator'
import type { ChainContext, ChainOutput, ControlElement } from './Output'
import { AbstractStreamOperator, type OneInput, type WatermarkOutput, watermarkTarget } from './StreamOperator'

/** A subscriber of one output: where its elements go, and the subscription it belongs to. */
interface Consumer<T, K> {
  readonly output: ChainOutput<T, K>
  /** Where its watermarks go: past the operators of the output that only forward them (see `watermarkTarget`). */
  readonly watermarks: WatermarkOutput
  readonly context: ChainContext
}

/**
 * @internal
 * A stream shared by several outputs (`splitBy`'s, `split`'s): the
 * outputs' subscribers of the current subscription, per output, and that subscription (once
 * every output has a subscriber). When the last subscriber leaves it is released and the next
 * subscriber starts a new one. In a job the split is an operator of its own, whose output goes
 * to the first operator of each output: the stream graph shows it with its branches.
 */
export class SplitHub<T, K> {
  private consumers: Consumer<T, K>[][]
  private connection: Subscription | undefined = undefined
  /** The router of the current subscription (once connected). */
  private router: Router<T, K> | undefined = undefined

  /**
   * @param predicates one per output: which records go to it
   * @param sideRecords whether side records go to every output (`split`, whose outputs select
   *   them), or to none (`splitBy`)
   */
  constructor(
    private readonly info: OperatorInfo,
    private readonly stream$: Observable<StreamElement<T, K>>,
    private readonly predicates: readonly ((value: T) => boolean)[],
    private readonly sideRecords: boolean
  ) {
    this.consumers = predicates.map(() => [])
  }

  /** Output `index`, whose operators chain onto it. */
  output(index: number): Observable<StreamElement<T, K>> {
    return chained<T, K>((output, context) => this.attach(index, output, context))
  }

  /** A subscriber of output `index` (a chain run into `output`, in the subscription of `context`). */
  private attach(index: number, output: ChainOutput<T, K>, context: ChainContext): void {
    const consumer: Consumer<T, K> = { output, watermarks: watermarkTarget(output as ChainOutput<unknown, unknown>), context }
    const consumers = this.consumers
    // Lists are replaced, never changed: a delivery in progress goes on over the list it began.
    consumers[index] = [...consumers[index]!, consumer]
    this.reroute(consumers)
    // In place before the stream is subscribed: an output that ends while a synchronous
    // source is still emitting (an error, take(n)) leaves at once.
    context.teardown.add(() => this.detach(consumers, index, consumer))
    if (this.connection === undefined && consumers.every(c => c.length > 0)) this.connect(consumers)
  }

  private detach(consumers: Consumer<T, K>[][], index: number, consumer: Consumer<T, K>): void {
    consumers[index] = consumers[index]!.filter(c => c !== consumer)
    this.reroute(consumers)
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
    this.router = undefined
    this.consumers = this.predicates.map(() => [])
    connection?.unsubscribe()
  }

  /** The subscribers of the current subscription changed: its router's watermarks go anew. */
  private reroute(consumers: Consumer<T, K>[][]): void {
    if (consumers === this.consumers) this.router?.reroute()
  }

  /**
   * Runs the stream (its chain, when it has one) through the split's operator into a router to
   * the outputs, in a subscription of its own: the outputs may belong to one subscription (the
   * inputs of a join) or to several.
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
    const { info } = this
    const router = new Router<T, K>(info, this.predicates, this.sideRecords, consumers, context, () => this.startOver(consumers))
    this.router = router
    const readers = consumers.flatMap(list => list.map(c => c.output))
    fanOutOperator(info, this.stream$, (output, chain) => new SplitOperator<T, K>(info, output, chain), router, readers, context)
  }
}

/** The split in a job: every element passes to the router (the graph's node for the split). */
class SplitOperator<T, K> extends AbstractStreamOperator<T, K> implements OneInput<T> {
  record(value: T, timestamp: number, key: unknown): void {
    if (this.destination.closed) return
    this.output.record(value, timestamp, key as K)
  }
}

/**
 * Where the router's watermarks go: one subscriber's target, or the inputs of one multi-input
 * operator that subscribers next to each other lead to (see `allInputsFrom`), in one context.
 */
interface WatermarkRoute {
  readonly watermarks: WatermarkOutput
  readonly context: ChainContext
}

/**
 * The subscribers' watermark targets in the order of delivery (output after output), where a
 * run of them that is every input of one multi-input operator becomes one route: a watermark
 * of the stream then reaches a join of two of its outputs in one call, not one per input.
 */
function watermarkRoutes<T, K>(consumers: readonly (readonly Consumer<T, K>[])[]): WatermarkRoute[] {
  const all = consumers.flat()
  const targets = all.map(c => c.watermarks)
  const routes: WatermarkRoute[] = []
  for (let i = 0; i < all.length; ) {
    const inputs = allInputsFrom(targets, i)
    const consumer = all[i]!
    if (inputs === undefined) {
      routes.push(consumer)
      i++
    } else {
      // The inputs of one operator share its context.
      routes.push({ watermarks: inputs, context: consumer.context })
      i += inputs.size
    }
  }
  return routes
}

/**
 * The end of the stream's chain: each record to the outputs whose predicate holds, every other
 * element to all (side records too, when the split passes them on).
 */
class Router<T, K> implements ChainOutput<T, K> {
  /** Where watermarks go; replaced, never changed, as the subscribers' lists are. */
  private routes: readonly WatermarkRoute[]

  constructor(
    private readonly info: OperatorInfo,
    private readonly predicates: readonly ((value: T) => boolean)[],
    private readonly sideRecords: boolean,
    private readonly consumers: readonly Consumer<T, K>[][],
    private readonly context: ChainContext,
    /** The stream ended (completed or failed): the next subscriber starts over. */
    private readonly ended: () => void
  ) {
    this.routes = watermarkRoutes(consumers)
  }

  /** The subscribers changed. */
  reroute(): void {
    this.routes = watermarkRoutes(this.consumers)
  }

  /** The stream completed or failed. */
  private finished = false

  record(value: T, timestamp: number, key: K): void {
    if (this.context.destination.closed) return
    const { predicates, consumers } = this
    for (let i = 0; i < predicates.length; i++) {
      let selected: boolean
      try {
        selected = predicates[i]!(value)
      } catch (error) {
        this.context.fail(this, this.info, error, streamRecord(value, timestamp, key))
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
    const routes = this.routes
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i]!
      if (route.context.destination.closed) continue
      if (given !== undefined) route.context.sourceWatermark = given
      route.watermarks.watermark(time)
    }
  }

  element(element: ControlElement): void {
    if (this.context.destination.closed || (element._tag === 'SideRecord' && !this.sideRecords)) return
    for (const list of this.consumers) {
      for (let c = 0; c < list.length; c++) {
        const consumer = list[c]!
        if (!consumer.context.destination.closed) consumer.output.element(element)
      }
    }
  }

  complete(): void {
    if (this.finished || this.context.destination.closed) return
    for (const consumer of this.end()) if (!consumer.context.destination.closed) consumer.output.complete()
  }

  error(error: unknown): void {
    // The split's operator released the stream before passing the error on, which closed the
    // subscription: only a second end is ignored.
    if (this.finished) return
    // As an operator's upstream subscriber does: release the stream, then pass the error on.
    for (const consumer of this.end()) if (!consumer.context.destination.closed) consumer.output.error(error)
  }

  /** Releases the stream; returns every subscriber (a copy: ending an output detaches its subscriber from the lists). */
  private end(): Consumer<T, K>[] {
    this.finished = true
    const everyone = this.consumers.flat()
    this.ended()
    return everyone
  }
}
