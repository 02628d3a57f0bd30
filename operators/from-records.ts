import { Observable } from 'rxjs'
import { TimestampError } from '../src/core/errors'
import { operatorInfo, type OperatorOptions } from '../src/core/OperatorOptions'
import { type DataStream, MAX_WATERMARK, NO_TIMESTAMP, streamRecord, type Watermark, watermark } from '../src/core/StreamElement'
import { describeValue } from '../src/core/describe'
import { invalidTimestampReason } from '../src/core/timestamps'

/**
 * A record given to {@link fromRecords}: a value and, optionally, its event timestamp.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const r: ds.RecordInput<string> = { value: 'a', timestamp: 1_000 }
 *
 * @category sources
 * @since 0.1.0
 */
export interface RecordInput<T> {
  readonly value: T
  readonly timestamp?: number
}

/**
 * A finite `DataStream` of the given records, in order, followed by the `+Infinity`
 * watermark and completion. Watermarks (`ds.watermark(t)`) may be interleaved to advance
 * event time along the way.
 *
 * ```text
 * fromRecords([{a, 5}, {b, 3}, wm(4), {c, 9}]):   a@5 b@3 W(4) c@9 W(+∞)|
 * ```
 *
 * A timestamp that is not a finite number errors the stream (`TimestampError`) at that
 * record, after the records before it were emitted.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.fromRecords([
 *   { value: 'click', timestamp: 1_000 },
 *   { value: 'view', timestamp: 1_200 },
 * ]).pipe(ds.values()).subscribe(v => console.log(v)) // click, view
 *
 * @param records the records (and optional watermarks) to emit; iterated once per subscription
 * @param options `name`, `uid`
 * @returns a finite, cold DataStream
 * @category sources
 * @since 0.1.0
 */
export function fromRecords<T>(
  records: Iterable<RecordInput<T> | Watermark>,
  options?: OperatorOptions
): DataStream<T> {
  const info = operatorInfo('fromRecords', options)
  return new Observable(subscriber => {
    let index = 0
    let lastWatermark = -Infinity
    for (const input of records) {
      if ('_tag' in input && input._tag === 'Watermark') {
        const reason = typeof input.timestamp === 'number' && !Number.isNaN(input.timestamp) ? undefined : 'not a number'
        if (reason !== undefined) {
          subscriber.error(new TimestampError(info, `element ${index} is watermark ${describeValue(input.timestamp)}: ${reason}`))
          return
        }
        // Watermarks are monotonic per stream: one that does not advance is dropped.
        if (input.timestamp > lastWatermark) {
          lastWatermark = input.timestamp
          subscriber.next(watermark(input.timestamp))
          // Checked after emitting, so nothing more is pulled from the iterable once
          // downstream has unsubscribed (returning from for…of closes the iterator).
          if (subscriber.closed) return
        }
      } else {
        const { value, timestamp } = input as RecordInput<T>
        if (timestamp === undefined) {
          subscriber.next(streamRecord(value, NO_TIMESTAMP))
          if (subscriber.closed) return
        } else {
          const reason = invalidTimestampReason(timestamp)
          if (reason !== undefined) {
            subscriber.error(
              new TimestampError(info, `record ${index} (value ${describeValue(value)}) has timestamp ${describeValue(timestamp)}: ${reason}`)
            )
            return
          }
          subscriber.next(streamRecord(value, timestamp))
          if (subscriber.closed) return
        }
      }
      index++
    }
    if (lastWatermark < Infinity) subscriber.next(MAX_WATERMARK)
    subscriber.complete()
  })
}
