/**
 * @internal
 * The runtime of one `asyncWait` subscription (Flink's `AsyncWaitOperator`): admits elements
 * into the queue while it has free slots, calls the user function for every record, handles
 * timeouts and retries on the processing-time scheduler, and emits whatever the queue lets
 * leave. Elements that arrive while every slot is taken wait in the overflow buffer, in order,
 * and enter the queue as slots free up.
 *
 * Reentrancy: a call may complete synchronously (an array, a synchronous Observable), inside
 * `push` or inside another completion. Emission runs in one loop (`pump`); a completion during
 * that loop only flags it to go round again, so elements never leave out of order and the
 * stack never grows with the number of inputs.
 */
import { from, type ObservableInput, type SchedulerLike } from 'rxjs'
import { DataStreamError, StateError, TimeoutError, UserFunctionError } from '../core/errors'
import type { OperatorInfo } from '../core/OperatorOptions'
import { type CheckpointBarrier, type StreamElement, type StreamRecord, streamRecord } from '../core/StreamElement'
import type { ChainContext } from '../runtime/Output'
import { type ChainOutput, type ControlElement, watermarkElement } from '../runtime/Output'
import { AbstractStreamOperator, type OneInput, type RestoredParts, type SnapshotParts } from '../runtime/StreamOperator'
import { describeElement, describeValue } from '../core/describe'
import { ownField } from '../state/snapshotFormat'
import type { AsyncFunction } from './AsyncFunction'
import type { AsyncRetryStrategy } from './AsyncRetryStrategy'
import type { ResolvedAsyncWaitOptions } from './AsyncWaitOptions'
import type { AsyncQueueSizes } from './asyncQueueSizes'
import { Fifo } from './Fifo'
import { decodeInFlight, encodeInFlight } from './inFlightCodec'
import { OrderedQueue, QueueEntry, type StreamElementQueue, UnorderedQueue } from './StreamElementQueue'

type Fail = (error: unknown) => void

/**
 * @internal
 * Its input is whole elements in their order (records as objects: they wait in the queue), so
 * it takes records and control elements alike into `push`; it completes its output only when
 * the queue has drained.
 */
export class AsyncWaitOperator<In, Out, K> extends AbstractStreamOperator<Out, K> implements OneInput<In>, AsyncQueueSizes {
  private readonly queue: StreamElementQueue<In, K, Out>
  /** The overflow buffer: elements that arrived while every slot was taken, oldest first. */
  private readonly waiting = new Fifo<StreamElement<In, K>>()
  private readonly capacity: number
  private readonly timeout: number
  private readonly retry: AsyncRetryStrategy<Out> | undefined
  private readonly scheduler: SchedulerLike
  /** Upstream completed (elements may still wait in the overflow buffer). */
  private upstreamDone = false
  /**
   * Flink's end of input: upstream completed and every element is in the queue. From then on
   * no retry is scheduled; waiting ones were started at once.
   */
  private inputEnded = false
  /** Completed, failed or unsubscribed: nothing runs any more. */
  private closed = false
  private pumping = false
  /** The job was told that elements wait before the full queue. */
  private pressing = false
  private again = false
  /** The last watermark that entered, and the last that left (metrics: watermarks wait in the queue behind pending calls). */
  private inputWatermark = -Infinity
  private outputWatermark = -Infinity

  private readonly fail: Fail

  constructor(
    info: OperatorInfo,
    private readonly fn: AsyncFunction<In, Out>,
    private readonly options: ResolvedAsyncWaitOptions<In, Out>,
    output: ChainOutput<Out, K>,
    chain: ChainContext
  ) {
    super(info, output, chain)
    this.fail = error => chain.fail(output, info, error)
    this.queue = options.ordered ? new OrderedQueue<In, K, Out>() : new UnorderedQueue<In, K, Out>()
    this.capacity = options.capacity
    this.timeout = options.timeout
    this.retry = options.retry
    this.scheduler = options.scheduler
  }

  // ---- upstream ----

  record(value: In, timestamp: number, key: unknown): void {
    if (this.destination.closed) return
    try {
      this.push(streamRecord(value, timestamp, key as K))
    } catch (error) {
      this.failRecord(error, value, timestamp, key)
    }
  }

  /**
   * A watermark waits in the queue as an element (the one that entered the chain, if it is that
   * one) and leaves through `element`, as it did before watermarks travelled as numbers.
   */
  override watermark(time: number): void {
    const given = this.chain.sourceWatermark
    this.element(given !== undefined && given.timestamp === time ? given : watermarkElement(time))
  }

  override element(element: ControlElement): void {
    if (this.destination.closed) return
    try {
      this.push(element)
    } catch (error) {
      this.chain.fail(this.output, this.info, error, element)
    }
  }

  override complete(): void {
    if (this.destination.closed) return
    this.ended = true
    try {
      this.upstreamDone = true
      this.pump()
      this.barrierListener?.inputEnded(this as AbstractStreamOperator<unknown, unknown>)
    } catch (error) {
      this.chain.fail(this.output, this.info, error)
    }
  }

  private push(element: StreamElement<In, K>): void {
    if (element._tag === 'CheckpointBarrier') {
      // Flink's rule: the barrier does not wait behind calls in flight. Every input that
      // arrived before it and has not left (queue and overflow buffer, `inFlight()`) is part
      // of this operator's snapshot and is called again after a restore.
      this.processBarrier(element)
      return
    }
    if (element._tag === 'CancelCheckpointMarker') {
      this.processCancelMarker(element)
      return
    }
    if (element._tag === 'Watermark') this.inputWatermark = element.timestamp
    if (this.waiting.length === 0 && this.queue.size < this.capacity) {
      this.admit(element)
    } else if (this.waiting.length < this.options.overflowBuffer) {
      this.waiting.push(element)
    } else {
      this.fail(
        new DataStreamError(
          this.info,
          `${describeElement(element)} arrived while all ${this.capacity} slots were taken and ${this.waiting.length} element(s) already waited in the overflow buffer (overflowBuffer ${this.options.overflowBuffer}): upstream pushes faster than the calls complete. Slow the source down, raise capacity or overflowBuffer (Infinity buffers without bound), or read from a source that can be paused`
        )
      )
      return
    }
    this.pump()
  }

  /**
   * A checkpoint after the input ended, while calls are still in flight: the snapshot (taken
   * already) holds them, and the barrier goes on ahead of their results, as a source's would.
   */
  override barrierAfterEnd(barrier: CheckpointBarrier): void {
    if (!this.closed && !this.destination.closed) this.output.element(barrier)
  }

  /** Runs once when the subscription ends, however it ends: every call in flight is abandoned. */
  override close(): void {
    this.closed = true
    for (let e = this.queue.first; e !== undefined; e = e.next) {
      if (e.timeoutTimer !== undefined) e.timeoutTimer.unsubscribe()
      e.timeoutTimer = undefined
      this.abandon(e, undefined)
    }
    this.waiting.clear()
  }

  /**
   * The inputs that entered and have not left, in arrival order: the queue (records in flight,
   * waiting to retry or complete but not yet emitted; watermarks and statuses waiting for their
   * turn), then the overflow buffer. What a checkpoint stores for this operator; a restore
   * pushes them again, so every record is called again.
   */
  inFlight(): StreamElement<In, K>[] {
    const elements: StreamElement<In, K>[] = []
    for (let e = this.queue.first; e !== undefined; e = e.next) elements.push(e.element)
    for (const element of this.waiting) elements.push(element)
    return elements
  }

  // ---- metrics ----

  override currentInputWatermark(): number {
    return this.inputWatermark
  }

  override currentOutputWatermark(): number {
    return this.outputWatermark
  }

  /** Elements in the queue (at most `capacity`): calls in flight, results waiting for their turn, watermarks waiting behind them. */
  get queueSize(): number {
    return this.queue.size
  }

  /** Elements waiting in the overflow buffer for a free slot. */
  get overflowSize(): number {
    return this.waiting.length
  }

  // ---- snapshots ----

  /**
   * The elements in flight (`inFlight()`), as Flink's `AsyncWaitOperator` stores them: calls
   * are not state, a restore makes them again. Their values must be plain JSON data.
   */
  override snapshotParts(): SnapshotParts {
    const inFlight = this.inFlight().map(element =>
      encodeInFlight(element, reason => {
        throw new StateError(
          this.info,
          'inFlight',
          `cannot snapshot ${describeElement(element)}: ${reason}; elements in flight go into snapshots as they are, so their values must be plain JSON data (map them to such data before asyncWait)`
        )
      })
    )
    return { own: { inFlight } }
  }

  /**
   * Pushes the snapshot's elements again, in their order, so every record is called again
   * (attempts and timeouts start over). All are decoded first: a snapshot that is not one
   * changes nothing.
   */
  override restoreParts(parts: RestoredParts): void {
    const encoded = ownField(parts.own, 'inFlight')
    const fail = (detail: string): never => {
      throw new StateError(this.info, 'inFlight', `cannot restore: ${detail}`)
    }
    if (!Array.isArray(encoded)) return fail(`${describeValue(encoded)} is not a list of elements`)
    const elements = encoded.map((e: unknown, i) => decodeInFlight<In, K>(e, detail => fail(`element ${i}: ${detail}`)))
    for (const element of elements) {
      if (this.closed) return
      this.push(element)
    }
  }

  // ---- the queue ----

  private admit(element: StreamElement<In, K>): void {
    const entry = new QueueEntry<In, K, Out>(element, element._tag !== 'Record' && element._tag !== 'SideRecord')
    this.queue.add(entry)
    if (element._tag !== 'Record') return
    // The timeout spans every attempt: it starts with the first.
    if (this.timeout > 0) entry.timeoutTimer = this.scheduler.schedule(() => this.guard(() => this.timedOut(entry)), this.timeout)
    this.invoke(entry)
  }

  /** Emits every entry the queue lets leave, refills free slots from the overflow buffer, completes at the end. */
  private pump(): void {
    if (this.pumping) {
      this.again = true
      return
    }
    this.pumping = true
    try {
      do {
        this.again = false
        for (let entry = this.queue.poll(); entry !== undefined; entry = this.queue.poll()) {
          this.emit(entry)
          if (this.closed) return
        }
        while (this.waiting.length > 0 && this.queue.size < this.capacity) {
          this.admit(this.waiting.shift()!)
          if (this.closed) return
          this.again = true // a complete element (a watermark) may be able to leave at once
        }
        if (this.upstreamDone && !this.inputEnded && this.waiting.length === 0) {
          this.inputEnded = true
          this.startWaitingRetries()
          if (this.closed) return
          this.again = true
        }
      } while (this.again)
      this.signalBackpressure()
      if (this.inputEnded && this.queue.size === 0) {
        this.closed = true
        this.output.complete()
      }
    } finally {
      this.pumping = false
    }
  }

  /**
   * In a job, the sources stop while elements wait before a full queue (Flink's backpressure),
   * so the overflow buffer holds at most what arrived in one batch.
   */
  private signalBackpressure(): void {
    const busy = this.waiting.length > 0
    if (busy === this.pressing) return
    this.pressing = busy
    this.barrierListener?.backpressure(this as AbstractStreamOperator<unknown, unknown>, busy)
  }

  private emit(entry: QueueEntry<In, K, Out>): void {
    const element = entry.element
    if (element._tag !== 'Record') {
      if (element._tag === 'Watermark') this.outputWatermark = element.timestamp
      this.output.element(element)
      return
    }
    const results = entry.results!
    for (let i = 0; i < results.length; i++) {
      this.output.record(results[i] as Out, element.timestamp, element.key)
      if (this.closed) return
    }
  }

  // ---- calls ----

  private invoke(entry: QueueEntry<In, K, Out>): void {
    const attempt = ++entry.attempt
    const controller = new AbortController()
    entry.controller = controller
    const record = entry.element as StreamRecord<In, K>
    let output: ObservableInput<Out>
    try {
      output = this.fn(record.value, { signal: controller.signal, attempt })
    } catch (error) {
      // A synchronous throw is a bug in the function, not a failed call: never retried (as
      // an exception thrown by Flink's asyncInvoke fails the job).
      this.fail(new UserFunctionError(this.info, this.calling(record, attempt), error))
      return
    }
    if (Array.isArray(output)) {
      // Copied: the caller may reuse its array while the results wait for their turn.
      this.succeeded(entry, attempt, output.slice() as Out[])
      return
    }
    if (typeof output === 'string' || output === null || typeof output !== 'object' && typeof output !== 'function') {
      this.fail(this.badOutput(record, attempt, output))
      return
    }
    if (typeof (output as PromiseLike<Out>).then === 'function') {
      try {
        ;(output as PromiseLike<Out>).then(
          value => this.succeeded(entry, attempt, [value]),
          (error: unknown) => this.failed(entry, attempt, error)
        )
      } catch (error) {
        this.failed(entry, attempt, error)
      }
      return
    }
    let results$
    try {
      results$ = from(output)
    } catch {
      this.fail(this.badOutput(record, attempt, output))
      return
    }
    const results: Out[] = []
    const call = results$.subscribe({
      next: value => {
        results.push(value)
      },
      error: (error: unknown) => this.failed(entry, attempt, error),
      complete: () => this.succeeded(entry, attempt, results)
    })
    // A synchronous Observable has completed already: only a running call is kept.
    if (!call.closed && entry.controller === controller) entry.call = call
  }

  /** Whether `attempt` of `entry` is the call still running (only the first completion counts). */
  private running(entry: QueueEntry<In, K, Out>, attempt: number): boolean {
    return !this.closed && entry.attempt === attempt && entry.controller !== undefined
  }

  private succeeded(entry: QueueEntry<In, K, Out>, attempt: number, results: readonly Out[]): void {
    if (!this.running(entry, attempt)) return
    entry.controller = undefined
    entry.call = undefined
    const retry = this.retry
    if (retry?.ifResult !== undefined && !this.inputEnded) {
      let again: boolean
      try {
        again = retry.ifResult(results) === true && retry.canRetry(attempt) === true
      } catch (error) {
        this.fail(new UserFunctionError(this.info, `testing the results of ${this.calling(entry.element as StreamRecord<In, K>, attempt)} with the retry strategy`, error))
        return
      }
      if (again) {
        this.scheduleRetry(entry, attempt)
        return
      }
    }
    this.completeEntry(entry, results)
  }

  private failed(entry: QueueEntry<In, K, Out>, attempt: number, error: unknown): void {
    if (!this.running(entry, attempt)) return
    entry.controller = undefined
    entry.call = undefined
    const record = entry.element as StreamRecord<In, K>
    const retry = this.retry
    if (retry?.ifException !== undefined && !this.inputEnded) {
      let again: boolean
      try {
        again = retry.ifException(error) === true && retry.canRetry(attempt) === true
      } catch (thrown) {
        this.fail(new UserFunctionError(this.info, `testing the error of ${this.calling(record, attempt)} with the retry strategy`, thrown))
        return
      }
      if (again) {
        this.scheduleRetry(entry, attempt)
        return
      }
    }
    this.fail(new UserFunctionError(this.info, this.calling(record, attempt), error))
  }

  private scheduleRetry(entry: QueueEntry<In, K, Out>, attempt: number): void {
    let delay: unknown
    try {
      delay = this.retry!.backoff(attempt)
    } catch (error) {
      this.fail(new UserFunctionError(this.info, `computing the retry strategy's backoff(${attempt})`, error))
      return
    }
    if (typeof delay !== 'number' || !(delay >= 0)) {
      this.fail(new DataStreamError(this.info, `the retry strategy's backoff(${attempt}) returned ${describeValue(delay)}: expected a number of milliseconds >= 0`))
      return
    }
    entry.retryTimer = this.scheduler.schedule(
      () =>
        this.guard(() => {
          entry.retryTimer = undefined
          this.invoke(entry)
        }),
      delay
    )
  }

  /** At the end of input, waiting retries start at once (Flink's `finishInFlightDelayedRetry`). */
  private startWaitingRetries(): void {
    for (let e = this.queue.first; e !== undefined && !this.closed; e = e.next) {
      if (e.retryTimer === undefined) continue
      e.retryTimer.unsubscribe()
      e.retryTimer = undefined
      this.invoke(e)
    }
  }

  private timedOut(entry: QueueEntry<In, K, Out>): void {
    entry.timeoutTimer = undefined
    if (entry.done || this.closed) return
    const record = entry.element as StreamRecord<In, K>
    const waitingToRetry = entry.retryTimer !== undefined
    const error = new TimeoutError(
      this.info,
      `the call for ${describeElement(record)} timed out after ${this.timeout} ms (${entry.attempt} attempt${entry.attempt === 1 ? '' : 's'}${waitingToRetry ? ', waiting to retry' : ''})`
    )
    this.abandon(entry, error)
    const onTimeout = this.options.onTimeout
    if (onTimeout === undefined) {
      this.fail(error)
      return
    }
    let fallback: Out | undefined
    try {
      fallback = onTimeout(record.value)
    } catch (thrown) {
      this.fail(new UserFunctionError(this.info, `running onTimeout for ${describeElement(record)}`, thrown))
      return
    }
    this.completeEntry(entry, fallback === undefined ? [] : [fallback as Out])
  }

  /** `entry`'s results are final: it may leave when the queue lets it. */
  private completeEntry(entry: QueueEntry<In, K, Out>, results: readonly Out[]): void {
    entry.results = results
    entry.done = true
    if (entry.timeoutTimer !== undefined) {
      entry.timeoutTimer.unsubscribe()
      entry.timeoutTimer = undefined
    }
    this.queue.completed(entry)
    this.pump()
  }

  /** Stops the running attempt (aborting its signal with `reason`) or the waiting retry. */
  private abandon(entry: QueueEntry<In, K, Out>, reason: unknown): void {
    const controller = entry.controller
    const call = entry.call
    entry.controller = undefined
    entry.call = undefined
    if (entry.retryTimer !== undefined) {
      entry.retryTimer.unsubscribe()
      entry.retryTimer = undefined
    }
    call?.unsubscribe()
    if (controller !== undefined) {
      if (reason === undefined) controller.abort()
      else controller.abort(reason)
    }
  }

  /** Timer callbacks run outside any Rx handler: whatever they throw fails the stream. */
  private guard(work: () => void): void {
    try {
      work()
    } catch (error) {
      this.fail(error)
    }
  }

  private calling(record: StreamRecord<In, K>, attempt: number): string {
    return `calling the async function for ${describeElement(record)}${attempt > 1 ? ` (attempt ${attempt})` : ''}`
  }

  private badOutput(record: StreamRecord<In, K>, attempt: number, output: unknown): DataStreamError {
    const hint = typeof output === 'string' ? ' (a string is not taken as a sequence of characters: return [s] or Promise.resolve(s))' : ''
    return new DataStreamError(
      this.info,
      `the async function returned ${describeValue(output)}${hint} for ${describeElement(record)}${attempt > 1 ? ` (attempt ${attempt})` : ''}: expected a Promise, an array or another ObservableInput (Observable, iterable, async iterable)`
    )
  }
}
