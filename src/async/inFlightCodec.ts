/**
 * @internal
 * How `asyncWait`'s elements in flight go into a snapshot and back: each element as plain JSON
 * data, its kind told by its one distinguishing field.
 *
 * - a record: `{ record: value, timestamp, key? }` (no `key` on a stream that is not keyed);
 * - a watermark: `{ watermark: time }`; a stream status: `{ idle: boolean }`;
 * - a side record: `{ sideOutput: tag id, value, timestamp }` (tags are the same side output
 *   when their ids are equal, so the id is the tag).
 *
 * Times go through `encodeTime` (a record without a timestamp has `-Infinity`), keys through
 * `encodeKey`. Values are stored as they are, so they must be plain JSON data.
 */
import { OutputTag } from '../core/OutputTag'
import { describeValue } from '../core/describe'
import { decodeKey, EncodedKey, encodeKey, encodeTime, jsonIncompatibility } from '../state/snapshotFormat'
import { IDLE, ACTIVE, sideRecord, type StreamElement, streamRecord, watermark } from '../core/StreamElement'

/** @internal `element` as JSON data; `reject(reason)` when its value is not such data. */
export function encodeInFlight<In, K>(element: StreamElement<In, K>, reject: (reason: string) => never): unknown {
  switch (element._tag) {
    case 'Record': {
      const reason = jsonIncompatibility(element.value)
      if (reason !== undefined) reject(reason)
      const encoded = { record: element.value, timestamp: encodeTime(element.timestamp) }
      return element.key === undefined ? encoded : { ...encoded, key: encodeKey(element.key) }
    }
    case 'Watermark':
      return { watermark: encodeTime(element.timestamp) }
    case 'StreamStatus':
      return { idle: element.idle }
    case 'SideRecord': {
      const reason = jsonIncompatibility(element.value)
      if (reason !== undefined) reject(reason)
      return { sideOutput: element.tag.id, value: element.value, timestamp: encodeTime(element.timestamp) }
    }
    case 'CheckpointBarrier':
    case 'CancelCheckpointMarker':
      // Barriers and cancellation markers pass at once (see `AsyncWaitOperator.push`): one is never in flight.
      return reject('a checkpoint barrier is never in flight')
  }
}

/** @internal Back from `encodeInFlight`; `fail(detail)` for anything it did not write. */
export function decodeInFlight<In, K>(encoded: unknown, fail: (detail: string) => never): StreamElement<In, K> {
  if (typeof encoded !== 'object' || encoded === null) return fail(`${describeValue(encoded)} is not an element`)
  const e = encoded as Record<string, unknown>
  if ('record' in e) return streamRecord(e['record'] as In, timeOf(e['timestamp'], fail), keyOf(e, fail))
  if ('watermark' in e) return watermark(timeOf(e['watermark'], fail))
  if ('idle' in e) return typeof e['idle'] === 'boolean' ? (e['idle'] ? IDLE : ACTIVE) : fail(`the status ${describeValue(e['idle'])} is not a boolean`)
  if ('sideOutput' in e) {
    const id = e['sideOutput']
    if (typeof id !== 'string' || id.length === 0) return fail(`the side output ${describeValue(id)} is not a tag id`)
    return sideRecord(new OutputTag<unknown>(id), e['value'], timeOf(e['timestamp'], fail))
  }
  return fail('expected a record, watermark, status or side record')
}

function timeOf(encoded: unknown, fail: (detail: string) => never): number {
  if (typeof encoded === 'number' && Number.isFinite(encoded)) return encoded
  if (encoded === 'Infinity' || encoded === '-Infinity') return Number(encoded)
  return fail(`${describeValue(encoded)} is not a time`)
}

function keyOf<K>(e: Record<string, unknown>, fail: (detail: string) => never): K {
  if (!('key' in e)) return undefined as K
  const encoded = e['key']
  const key = EncodedKey.is(encoded) ? decodeKey(encoded) : undefined
  return key === undefined ? fail(`${describeValue(encoded)} is not a key`) : (key as K)
}
