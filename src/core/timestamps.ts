/** @internal Validation of timestamps coming from user code. */
import { TimestampError } from './errors'
import { describeValue } from './describe'
import type { OperatorInfo } from './OperatorOptions'

/**
 * @internal
 * Why `ts` is not a usable event timestamp, or `undefined` if it is. Event time is a finite
 * number of milliseconds (negative is fine).
 */
export function invalidTimestampReason(ts: unknown): string | undefined {
  if (typeof ts !== 'number') return `${describeValue(ts)} is not a number`
  if (Number.isNaN(ts)) return 'NaN is not a timestamp'
  if (!Number.isFinite(ts)) return `${ts} is not a finite timestamp`
  return undefined
}

/** @internal Throws a `TimestampError` unless `ts` is a finite number. */
export function checkTimestamp(info: OperatorInfo, ts: unknown, what: () => string): number {
  const reason = invalidTimestampReason(ts)
  if (reason !== undefined) throw new TimestampError(info, `${what()}: ${reason}`)
  return ts as number
}
