/**
 * @internal
 * The check at each place where an operator receives an element from upstream. Operators take
 * stream elements; anything else (a plain value because the stream was never started with
 * `assignTimestampsAndWatermarks` or `fromRecords`, `undefined`, `null`, an object without a
 * known `_tag`) must fail the stream as an `ElementError` naming the operator, rather than throw
 * a `TypeError` into the producer, pass for a control element, or be blamed on a user function.
 */
import { ElementError } from '../core/errors'
import type { OperatorInfo } from '../core/OperatorOptions'
import type { StreamElement } from '../core/StreamElement'
import { describeValue } from '../core/describe'

/**
 * @internal
 * Whether `x` is a stream element. It runs once per element, so it is small enough for V8 to
 * inline and tests a record first. The tags are those of `StreamElement`.
 */
export function isStreamElement(x: unknown): x is StreamElement<unknown, unknown> {
  if (typeof x !== 'object' || x === null) return false
  const tag = (x as { readonly _tag?: unknown })._tag
  return tag === 'Record' || tag === 'Watermark' || tag === 'StreamStatus' || tag === 'CheckpointBarrier' || tag === 'CancelCheckpointMarker' || tag === 'SideRecord'
}

/** @internal The error for `x`, received by `info`'s operator where a stream element belongs. */
export function elementError(info: OperatorInfo, x: unknown): ElementError {
  return new ElementError(
    info,
    `received ${describeValue(x)}, which is not a stream element (record, watermark, stream status, checkpoint barrier or side record). ` +
      'Operators of rx-datastream take stream elements: start the stream with assignTimestampsAndWatermarks(...) or fromRecords(...)'
  )
}
