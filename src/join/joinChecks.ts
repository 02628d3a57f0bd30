/**
 * @internal
 * The per-record checks of the window join and coGroup, shared by their two runtimes (the
 * general window operator over the tagged union, and the sliced one): every record needs a
 * timestamp (event-time windows) and a valid key from its side's selector.
 */
import { KeyError, TimestampError } from '../core/errors'
import { invalidKeyReason } from '../core/Key'
import type { OperatorInfo } from '../core/OperatorOptions'
import { streamRecord } from '../core/StreamElement'
import { describeElement, describeValue } from '../core/describe'

/** @internal Names input `input` in messages. */
export function sideName(input: number): string {
  return input === 0 ? 'left (piped)' : 'right'
}

/** @internal The error of a record without timestamp in event-time windows (`assignerName`). */
export function joinNoTimestamp(info: OperatorInfo, input: number, value: unknown, timestamp: number, recordKey: unknown, assignerName: string): TimestampError {
  return new TimestampError(
    info,
    `${describeElement(streamRecord(value, timestamp, recordKey))} of the ${sideName(input)} input has no timestamp, which event-time windows (${assignerName}) need: did you forget assignTimestampsAndWatermarks?`
  )
}

/**
 * @internal
 * The join key of a record of either input: `leftKey` for input 0, `rightKey` for input 1,
 * checked (a `KeyError` naming the selector, the value and the key when it is not a key).
 */
export function joinKeySelector<A, B, K>(info: OperatorInfo, leftKey: (value: A) => K, rightKey: (value: B) => K): (input: number, value: unknown) => K {
  return (input, value) => {
    const key = input === 0 ? leftKey(value as A) : rightKey(value as B)
    // Fast path for the usual string/number keys; everything else is checked in full.
    if (typeof key !== 'string' && (typeof key !== 'number' || key !== key)) checkKey(info, key, input, value)
    return key
  }
}

function checkKey(info: OperatorInfo, key: unknown, input: number, value: unknown): void {
  const reason = invalidKeyReason(key)
  if (reason !== undefined) {
    const selector = input === 0 ? 'where' : 'equalTo'
    throw new KeyError(info, `the ${selector} key selector returned ${describeValue(key)} for ${sideName(input)} value ${describeValue(value)}; ${reason}`)
  }
}
