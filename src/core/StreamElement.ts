/**
 * The elements that flow through every rx-datastream stream: data records and the control
 * signals (watermarks, stream status, checkpoint barriers, side records) that travel in-band
 * with them, as Flink's `StreamElement` does.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const elements: ds.StreamElement<string>[] = [
 *   ds.streamRecord('a', 1_000),
 *   ds.watermark(999),
 *   ds.streamRecord('b', 1_500),
 *   ds.MAX_WATERMARK,
 * ]
 * elements.filter(ds.isRecord).map(r => r.value) // ['a', 'b']
 *
 * @since 0.1.0
 */
import type { Observable } from 'rxjs'
import type { OutputTag } from './OutputTag'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A data record: a value, its event timestamp in milliseconds and, on keyed streams, its key.
 * A record without a timestamp carries {@link NO_TIMESTAMP}. On a stream that is not keyed
 * the key is `undefined` and its type is `never`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const r: ds.StreamRecord<string, number> = ds.streamRecord('view', 1_000, 42)
 * r.value     // 'view'
 * r.timestamp // 1000
 * r.key       // 42
 *
 * @category model
 * @since 0.1.0
 */
export interface StreamRecord<T, K = never> {
  readonly _tag: 'Record'
  readonly value: T
  readonly timestamp: number
  readonly key: K
}

/**
 * `Watermark(t)` asserts that event time has reached `t`: no more records with a timestamp
 * `<= t` are expected. `+Infinity` ends event time.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const w: ds.Watermark = ds.watermark(10_000) // no record with timestamp <= 10000 is expected any more
 *
 * @category model
 * @since 0.1.0
 */
export interface Watermark {
  readonly _tag: 'Watermark'
  readonly timestamp: number
}

/**
 * Whether the stream is idle (no records and no watermark progress expected for a while), so
 * that operators combining several inputs do not wait for it.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const s: ds.StreamStatus = ds.IDLE // { _tag: 'StreamStatus', idle: true }
 *
 * @category model
 * @since 0.1.0
 */
export interface StreamStatus {
  readonly _tag: 'StreamStatus'
  readonly idle: boolean
}

/**
 * Marks the point in the stream at which checkpoint `checkpointId` snapshots state.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const b: ds.CheckpointBarrier = ds.checkpointBarrier(3, 0) // checkpoint 3
 *
 * @category model
 * @since 0.1.0
 */
export interface CheckpointBarrier {
  readonly _tag: 'CheckpointBarrier'
  readonly checkpointId: number
  /** Processing time at which the checkpoint was triggered. */
  readonly timestamp: number
  readonly kind: 'checkpoint' | 'savepoint'
}

/**
 * Tells the operators after it that checkpoint `checkpointId` was aborted before it reached
 * them (Flink's `CancelCheckpointMarker`): an operator aligning its inputs for it stops waiting
 * and releases what it held. Operators forward it in order, as barriers.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const c: ds.CancelCheckpointMarker = ds.cancelCheckpointMarker(3) // checkpoint 3 is off
 *
 * @category model
 * @since 0.1.0
 */
export interface CancelCheckpointMarker {
  readonly _tag: 'CancelCheckpointMarker'
  readonly checkpointId: number
}

/**
 * A value emitted to a side output named by `tag`. It travels in-band with the main output
 * and is selected with `sideOutput(tag)`; `values()` and `mainOutput()` drop it.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const late = new ds.OutputTag<number>('late')
 * const s: ds.SideRecord<number> = ds.sideRecord(late, 7, 500)
 *
 * @category model
 * @since 0.1.0
 */
export interface SideRecord<T = unknown> {
  readonly _tag: 'SideRecord'
  readonly tag: OutputTag<T>
  readonly value: T
  readonly timestamp: number
}

/**
 * Everything that can flow through a stream. Operators forward, in order, every control
 * element they do not consume.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const describe = (e: ds.StreamElement<string>): string => {
 *   switch (e._tag) {
 *     case 'Record': return `${e.value} @ ${e.timestamp}`
 *     case 'Watermark': return `watermark ${e.timestamp}`
 *     default: return e._tag
 *   }
 * }
 *
 * @category model
 * @since 0.1.0
 */
export type StreamElement<T, K = never> =
  | StreamRecord<T, K>
  | Watermark
  | StreamStatus
  | CheckpointBarrier
  | CancelCheckpointMarker
  | SideRecord<unknown>

/**
 * A stream of records of `T` with their control elements.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const numbers$: ds.DataStream<number> = ds.fromRecords([{ value: 1, timestamp: 0 }])
 *
 * @category model
 * @since 0.1.0
 */
export type DataStream<T> = Observable<StreamElement<T>>

/**
 * A stream whose records carry a key of type `K` (see `keyBy`).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const byParity$: ds.KeyedStream<boolean, number> = ds
 *   .fromRecords([{ value: 1, timestamp: 0 }])
 *   .pipe(ds.keyBy(n => n % 2 === 0))
 *
 * @category model
 * @since 0.1.0
 */
export type KeyedStream<K, T> = Observable<StreamElement<T, K>>

/**
 * The timestamp of a record that has none (Flink's `Long.MIN_VALUE`).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.streamRecord('x').timestamp === ds.NO_TIMESTAMP // true
 *
 * @category model
 * @since 0.1.0
 */
export const NO_TIMESTAMP = -Infinity

/**
 * The end of event time: the watermark a finite stream emits when it completes.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.MAX_WATERMARK.timestamp === ds.END_OF_TIME // true
 *
 * @category model
 * @since 0.1.0
 */
export const END_OF_TIME = Infinity

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Builds a record. Without a timestamp it carries {@link NO_TIMESTAMP}.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.streamRecord({ page: '/' }, 1_000)           // not keyed
 * ds.streamRecord({ page: '/' }, 1_000, 'user-1') // keyed by 'user-1'
 *
 * @category constructors
 * @since 0.1.0
 */
export function streamRecord<T>(value: T, timestamp?: number): StreamRecord<T>
export function streamRecord<T, K>(value: T, timestamp: number, key: K): StreamRecord<T, K>
export function streamRecord<T, K>(value: T, timestamp: number = NO_TIMESTAMP, key?: K): StreamRecord<T, K> {
  return { _tag: 'Record', value, timestamp, key: key as K }
}

/**
 * Builds a watermark.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.watermark(10_000) // { _tag: 'Watermark', timestamp: 10000 }
 *
 * @category constructors
 * @since 0.1.0
 */
export function watermark(timestamp: number): Watermark {
  return { _tag: 'Watermark', timestamp }
}

/**
 * The end-of-event-time watermark (`+Infinity`): fires every pending event-time timer and window.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.MAX_WATERMARK.timestamp === Infinity // true
 *
 * @category constructors
 * @since 0.1.0
 */
export const MAX_WATERMARK: Watermark = /*#__PURE__*/ watermark(END_OF_TIME)

/**
 * The status element that marks a stream idle.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.IDLE.idle // true
 *
 * @category constructors
 * @since 0.1.0
 */
export const IDLE: StreamStatus = { _tag: 'StreamStatus', idle: true }

/**
 * The status element that marks a stream active again.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.ACTIVE.idle // false
 *
 * @category constructors
 * @since 0.1.0
 */
export const ACTIVE: StreamStatus = { _tag: 'StreamStatus', idle: false }

/**
 * Builds a stream status element.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.streamStatus(true) // same as ds.IDLE
 *
 * @category constructors
 * @since 0.1.0
 */
export function streamStatus(idle: boolean): StreamStatus {
  return idle ? IDLE : ACTIVE
}

/**
 * Builds a checkpoint barrier.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.checkpointBarrier(7, Date.now())
 *
 * @category constructors
 * @since 0.1.0
 */
export function checkpointBarrier(
  checkpointId: number,
  timestamp: number,
  kind: CheckpointBarrier['kind'] = 'checkpoint'
): CheckpointBarrier {
  return { _tag: 'CheckpointBarrier', checkpointId, timestamp, kind }
}

/**
 * Builds a cancellation marker for checkpoint `checkpointId`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.cancelCheckpointMarker(7)
 *
 * @category constructors
 * @since 0.1.0
 */
export function cancelCheckpointMarker(checkpointId: number): CancelCheckpointMarker {
  return { _tag: 'CancelCheckpointMarker', checkpointId }
}

/**
 * Builds a side record for the side output named by `tag`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const late = new ds.OutputTag<number>('late')
 * ds.sideRecord(late, 42, 1_000)
 *
 * @category constructors
 * @since 0.1.0
 */
export function sideRecord<T>(tag: OutputTag<T>, value: T, timestamp: number = NO_TIMESTAMP): SideRecord<T> {
  return { _tag: 'SideRecord', tag, value, timestamp }
}

// -------------------------------------------------------------------------------------
// refinements
// -------------------------------------------------------------------------------------

/**
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.isRecord(ds.streamRecord(1, 5)) // true
 *
 * @category refinements
 * @since 0.1.0
 */
export function isRecord<T, K>(e: StreamElement<T, K>): e is StreamRecord<T, K> {
  return e._tag === 'Record'
}

/**
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.isWatermark(ds.watermark(5)) // true
 *
 * @category refinements
 * @since 0.1.0
 */
export function isWatermark<T, K>(e: StreamElement<T, K>): e is Watermark {
  return e._tag === 'Watermark'
}

/**
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.isStreamStatus(ds.IDLE) // true
 *
 * @category refinements
 * @since 0.1.0
 */
export function isStreamStatus<T, K>(e: StreamElement<T, K>): e is StreamStatus {
  return e._tag === 'StreamStatus'
}

/**
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.isCancelCheckpointMarker(ds.cancelCheckpointMarker(1)) // true
 *
 * @category refinements
 * @since 0.1.0
 */
export function isCancelCheckpointMarker<T, K>(e: StreamElement<T, K>): e is CancelCheckpointMarker {
  return e._tag === 'CancelCheckpointMarker'
}

/**
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.isCheckpointBarrier(ds.checkpointBarrier(1, 0)) // true
 *
 * @category refinements
 * @since 0.1.0
 */
export function isCheckpointBarrier<T, K>(e: StreamElement<T, K>): e is CheckpointBarrier {
  return e._tag === 'CheckpointBarrier'
}

/**
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.isSideRecord(ds.sideRecord(new ds.OutputTag<number>('t'), 1)) // true
 *
 * @category refinements
 * @since 0.1.0
 */
export function isSideRecord<T, K>(e: StreamElement<T, K>): e is SideRecord<unknown> {
  return e._tag === 'SideRecord'
}

/**
 * Whether the record carries an event timestamp.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.hasTimestamp(ds.streamRecord('x'))      // false
 * ds.hasTimestamp(ds.streamRecord('x', -5))  // true: negative timestamps are legal
 *
 * @category refinements
 * @since 0.1.0
 */
export function hasTimestamp(r: { readonly timestamp: number }): boolean {
  return r.timestamp !== NO_TIMESTAMP
}
