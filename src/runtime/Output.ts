/**
 * @internal
 * Where an operator writes: the next operator of a fused chain, or the subscriber (through an
 * `EmittingSink`). Records travel as their parts (value, timestamp, key) and watermarks as
 * their time, never as an object per operator: with a watermark after nearly every record, an
 * object per watermark and a dispatch on its tag in every operator took about a quarter of a
 * stateless query's time (Nexmark q2). Only at the end of a chain do they become elements
 * again. Every other element (statuses, side records, barriers) travels as the element it is.
 */
import type { Subscriber, Subscription } from 'rxjs'
import type { OperatorInfo } from '../core/OperatorOptions'
import { MAX_WATERMARK, type StreamElement, type StreamRecord, streamRecord, type Watermark, watermark } from '../core/StreamElement'

/** @internal Every element that is not a record: operators pass these on as they are. */
export type ControlElement = Exclude<StreamElement<unknown, unknown>, StreamRecord<unknown, unknown>>

/**
 * @internal
 * The element of watermark `time`, where one has to be made: at the end of a chain, or to name
 * the watermark an operator failed on. The end of event time is the one shared `MAX_WATERMARK`.
 */
export function watermarkElement(time: number): Watermark {
  return time === Infinity ? MAX_WATERMARK : watermark(time)
}

/**
 * @internal
 * Whatever counts the records it receives (Flink's `numRecordsIn`). An operator's
 * `numRecordsOut` is what its output counted.
 */
export interface RecordCounter {
  readonly numRecordsIn: number
}

/** @internal What an operator writes its output to. */
export interface Output<T, K> {
  /** A record, as its parts. */
  record(value: T, timestamp: number, key: K): void
  /** A watermark, as its time (`+Infinity`: the end of event time). */
  watermark(time: number): void
  /**
   * Any other element: a stream status, a side record, a barrier. A watermark element (from a
   * source of elements) is taken too, and goes the way of `watermark`.
   */
  element(element: ControlElement): void
}

/** @internal The output of an operator inside a chain: also told how the input ended. */
export interface ChainOutput<T, K> extends Output<T, K> {
  /** The input ended (the operator already wrote what it released). */
  complete(): void
  /** The input (the source, or an earlier operator) failed; `error` is what the subscriber gets. */
  error(error: unknown): void
}

/**
 * @internal
 * The output of the last operator of a chain: here, and only here, records and watermarks
 * become objects again; and the subscriber is told how the input ended.
 */
export class EmittingSink<T, K> implements ChainOutput<T, K> {
  constructor(
    private readonly destination: Subscriber<StreamElement<T, K>>,
    private readonly context: ChainContext
  ) {}

  record(value: T, timestamp: number, key: K): void {
    this.destination.next(streamRecord(value, timestamp, key))
  }

  watermark(time: number): void {
    const given = this.context.sourceWatermark
    this.destination.next(given !== undefined && given.timestamp === time ? given : watermarkElement(time))
  }

  element(element: ControlElement): void {
    this.destination.next(element)
  }

  complete(): void {
    this.destination.complete()
  }

  error(error: unknown): void {
    this.destination.error(error)
  }
}

/** @internal What the operators of one subscription share. */
export interface ChainContext {
  /** The subscriber of the last operator; once it is closed every operator ignores its input. */
  readonly destination: Subscriber<unknown>
  /**
   * Where operators add their teardowns (upstream subscriptions, timers): released before an
   * error of the source or of an earlier operator reaches a later one.
   */
  readonly teardown: Subscription
  /**
   * Reports (once per subscription) to the failing operator's `downstream` that `info`'s
   * operator threw `error` while processing `element`.
   */
  fail(downstream: { error(error: unknown): void }, info: OperatorInfo, error: unknown, element?: unknown): void
  /**
   * The last watermark that entered the chain as an element (from a source of elements, or
   * written with `element`). Inside the chain it travels as its time; the chain's end emits this
   * object again for a watermark of the same time, so that a watermark passed on unchanged is
   * the object it was, as every other control element is.
   */
  sourceWatermark?: Watermark | undefined
}
