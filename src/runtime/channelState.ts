/**
 * @internal
 * The channel state of an unaligned checkpoint as plain JSON data: the elements that were in
 * flight into a multi-input operator (records, watermarks, statuses, side records, each with
 * the input it came on), encoded as async I/O encodes its elements in flight.
 */
import { StateError } from '../core/errors'
import type { OperatorInfo } from '../core/OperatorOptions'
import { describeValue } from '../core/describe'
import { sideRecord, streamRecord, type StreamElement, watermark } from '../core/StreamElement'
import { ACTIVE, IDLE } from '../core/StreamElement'
import { decodeInFlight, encodeInFlight } from '../async/inFlightCodec'
import type { InputElement } from './CheckpointedInputGate'

/** @internal Encodes what was in flight; throws if a value is not plain JSON data. */
export function encodeChannelState(inFlight: readonly InputElement[]): unknown[] {
  return inFlight.map(e => {
    const reject = (reason: string): never => {
      throw new Error(`cannot store the channel state (what was in flight on input ${e.input}): ${reason}; values in flight must be plain JSON data`)
    }
    return { input: e.input, element: encodeInFlight(elementOf(e), reject) }
  })
}

/** @internal Back from `encodeChannelState`; a `StateError` of `info`'s operator for anything else. */
export function decodeChannelState(info: OperatorInfo, encoded: readonly unknown[]): InputElement[] {
  return encoded.map((entry, i) => {
    const fail = (detail: string): never => {
      throw new StateError(info, 'channelState', `cannot restore element ${i} in flight: ${detail}`)
    }
    if (typeof entry !== 'object' || entry === null) return fail(`${describeValue(entry)} is not an element`)
    const { input, element } = entry as { input?: unknown; element?: unknown }
    if (typeof input !== 'number' || !Number.isInteger(input) || input < 0) return fail(`its input ${describeValue(input)} is not an input number`)
    return inputElementOf(input, decodeInFlight(element, fail))
  })
}

function elementOf(e: InputElement): StreamElement<unknown, unknown> {
  switch (e.kind) {
    case 'record':
      return streamRecord(e.value, e.timestamp, e.key)
    case 'watermark':
      return watermark(e.timestamp)
    case 'status':
      return e.idle ? IDLE : ACTIVE
    case 'side':
      return sideRecord(e.element.tag, e.element.value, e.element.timestamp)
    default:
      // Barriers, cancellations and ends are never kept in flight (the gate keeps data only).
      throw new Error(`a ${e.kind} is never in flight`)
  }
}

function inputElementOf(input: number, e: StreamElement<unknown, unknown>): InputElement {
  switch (e._tag) {
    case 'Record':
      return { input, kind: 'record', value: e.value, timestamp: e.timestamp, key: e.key }
    case 'Watermark':
      return { input, kind: 'watermark', timestamp: e.timestamp }
    case 'StreamStatus':
      return { input, kind: 'status', idle: e.idle }
    case 'SideRecord':
      return { input, kind: 'side', element: e }
    default:
      throw new Error(`a ${e._tag} is never in flight`)
  }
}
