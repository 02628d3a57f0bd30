/**
 * Errors that rx-datastream operators send through the Rx error channel. Each names the
 * operator (kind, name, uid) and the offending value, and keeps the original error as `cause`.
 *
 * @since 0.1.0
 */
import { type OperatorInfo, operatorLabel } from './OperatorOptions'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Base class of every error raised by an rx-datastream operator.
 *
 * @example
 * import { of } from 'rxjs'
 * import * as ds from 'rx-datastream'
 *
 * ds.fromRecords([{ value: 1, timestamp: 0 }])
 *   .pipe(ds.mapValues(() => { throw new Error('boom') }, { name: 'explode' }))
 *   .subscribe({ error: (e: unknown) => {
 *     if (e instanceof ds.DataStreamError) console.log(e.operator.name, e.cause) // 'explode' Error('boom')
 *   } })
 *
 * @category errors
 * @since 0.1.0
 */
export class DataStreamError extends Error {
  override name = 'DataStreamError'
  constructor(
    readonly operator: OperatorInfo,
    detail: string,
    options?: { readonly cause?: unknown }
  ) {
    super(`${operatorLabel(operator)}: ${detail}`, options)
  }
}

/**
 * A user function (mapper, predicate, process function, …) threw. `cause` is what it threw.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const isUserFailure = (e: unknown) => e instanceof ds.UserFunctionError
 *
 * @category errors
 * @since 0.1.0
 */
export class UserFunctionError extends DataStreamError {
  override name = 'UserFunctionError'
  /** `during` says what the operator was doing, e.g. `processing record (value 1, timestamp 5)`. */
  constructor(operator: OperatorInfo, during: string, cause: unknown) {
    super(operator, `the user function threw while ${during}: ${messageOf(cause)}`, { cause })
  }
}

/**
 * A record's timestamp is unusable: NaN, not a number, not finite, or missing where event
 * time needs one.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const isBadTimestamp = (e: unknown) => e instanceof ds.TimestampError
 *
 * @category errors
 * @since 0.1.0
 */
export class TimestampError extends DataStreamError {
  override name = 'TimestampError'
}

/**
 * A key selector returned something that cannot be a key (see `keyBy`).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const isBadKey = (e: unknown) => e instanceof ds.KeyError
 *
 * @category errors
 * @since 0.1.0
 */
export class KeyError extends DataStreamError {
  override name = 'KeyError'
}

/**
 * A watermark generator emitted a watermark that is not a number.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const isBadWatermark = (e: unknown) => e instanceof ds.WatermarkError
 *
 * @category errors
 * @since 0.1.0
 */
export class WatermarkError extends DataStreamError {
  override name = 'WatermarkError'
}

/**
 * An operator received something that is not a stream element: a plain value (the stream was
 * not started with `assignTimestampsAndWatermarks` or `fromRecords`), `undefined`, `null`, or an
 * object without a known `_tag`. The message names the operator and shows what it received.
 *
 * @example
 * import { of } from 'rxjs'
 * import * as ds from 'rx-datastream'
 *
 * // Plain values, as JavaScript (or a cast) lets through: the stream fails, it is not emptied.
 * const plain$ = of(1, 2, 3) as unknown as ds.DataStream<number>
 * plain$.pipe(ds.mapValues(n => n * 2), ds.values()).subscribe({
 *   error: (e: unknown) => console.log(e instanceof ds.ElementError), // true: "mapValues: received 1, which is not a stream element …"
 * })
 *
 * @category errors
 * @since 0.1.0
 */
export class ElementError extends DataStreamError {
  override name = 'ElementError'
}

/**
 * Something waited longer than its operator allows, in processing time: an `asyncWait` call
 * past the operator's `timeout` (without `onTimeout`). The message names the operator and the
 * input. (Not RxJS's `TimeoutError` of the `timeout` operator.)
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const timedOut = (e: unknown) => e instanceof ds.TimeoutError
 *
 * @category errors
 * @since 0.1.0
 */
export class TimeoutError extends DataStreamError {
  override name = 'TimeoutError'
}

/**
 * Keyed, operator or broadcast state was used wrongly or holds a bad value: a value its codec
 * rejects, state or timers outside a keyed context, a descriptor name reused with another kind,
 * broadcast state written where it is read-only, a snapshot that does not match. `state` names
 * the state.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const stateOf = (e: unknown) => (e instanceof ds.StateError ? e.state : undefined)
 *
 * @category errors
 * @since 0.1.0
 */
export class StateError extends DataStreamError {
  override name = 'StateError'
  constructor(
    operator: OperatorInfo,
    /** The state's name (its descriptor's), or `timers`. */
    readonly state: string,
    detail: string,
    options?: { readonly cause?: unknown }
  ) {
    super(operator, `state "${state}": ${detail}`, options)
  }
}

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/** @internal */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
