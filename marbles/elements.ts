/**
 * Short element builders for marble `values` maps: `rec`, `wm`, `idle`, `active`, `side`,
 * `barrier`.
 *
 * @since 0.1.0
 */
import type { OutputTag } from '../src/core/OutputTag'
import {
  ACTIVE,
  type CheckpointBarrier,
  checkpointBarrier,
  IDLE,
  type SideRecord,
  sideRecord,
  type StreamRecord,
  streamRecord,
  type StreamStatus,
  type Watermark,
  watermark
} from '../src/core/StreamElement'

/**
 * A record for a marble `values` map: `value` at event time `timestamp`, keyed by `key` when
 * one is given (without a key, the key is `undefined`, as on a stream that is not keyed).
 *
 * @example
 * import { rec } from 'rx-datastream/marbles'
 *
 * const values = {
 *   a: rec('click', 5),          // not keyed
 *   b: rec('view', 7, 'user-1'), // keyed by 'user-1'
 * }
 *
 * @param value the record's value
 * @param timestamp its event time, in milliseconds
 * @param key its key, on keyed streams
 * @returns a `StreamRecord`
 * @category testing
 * @since 0.1.0
 */
export function rec<T>(value: T, timestamp: number): StreamRecord<T>
export function rec<T, K>(value: T, timestamp: number, key: K): StreamRecord<T, K>
export function rec<T, K>(value: T, timestamp: number, key?: K): StreamRecord<T, K> {
  return streamRecord(value, timestamp, key as K)
}

/**
 * A watermark for a marble `values` map. `wm(Infinity)` is the end of event time, which a
 * finite stream emits before it completes.
 *
 * @example
 * import { wm } from 'rx-datastream/marbles'
 *
 * const values = { W: wm(10), E: wm(Infinity) }
 *
 * @param timestamp the event time the watermark asserts
 * @returns a `Watermark`
 * @category testing
 * @since 0.1.0
 */
export function wm(timestamp: number): Watermark {
  return watermark(timestamp)
}

/**
 * The stream status that marks a stream idle.
 *
 * @example
 * import { idle } from 'rx-datastream/marbles'
 *
 * const values = { I: idle() }
 *
 * @returns the idle `StreamStatus`
 * @category testing
 * @since 0.1.0
 */
export function idle(): StreamStatus {
  return IDLE
}

/**
 * The stream status that marks a stream active again.
 *
 * @example
 * import { active } from 'rx-datastream/marbles'
 *
 * const values = { A: active() }
 *
 * @returns the active `StreamStatus`
 * @category testing
 * @since 0.1.0
 */
export function active(): StreamStatus {
  return ACTIVE
}

/**
 * A side record for a marble `values` map: `value` at event time `timestamp`, emitted to the
 * side output named by `tag`. Side records compare equal when their tags have the same id.
 *
 * @example
 * import * as ds from 'rx-datastream'
 * import { side } from 'rx-datastream/marbles'
 *
 * const late = new ds.OutputTag<string>('late')
 * const values = { l: side(late, 'click', 3) }
 *
 * @param tag the side output
 * @param value the record's value
 * @param timestamp its event time, in milliseconds
 * @returns a `SideRecord`
 * @category testing
 * @since 0.1.0
 */
export function side<T>(tag: OutputTag<T>, value: T, timestamp: number): SideRecord<T> {
  return sideRecord(tag, value, timestamp)
}

/**
 * A checkpoint barrier for a marble `values` map. Its (processing-time) timestamp is 0 unless
 * given, and its kind is `'checkpoint'` unless given.
 *
 * @example
 * import { barrier } from 'rx-datastream/marbles'
 *
 * const values = { B: barrier(1), S: barrier(2, 0, 'savepoint') }
 *
 * @param checkpointId the checkpoint the barrier belongs to
 * @param timestamp processing time at which the checkpoint was triggered (default 0)
 * @param kind `'checkpoint'` (default) or `'savepoint'`
 * @returns a `CheckpointBarrier`
 * @category testing
 * @since 0.1.0
 */
export function barrier(
  checkpointId: number,
  timestamp: number = 0,
  kind: CheckpointBarrier['kind'] = 'checkpoint'
): CheckpointBarrier {
  return checkpointBarrier(checkpointId, timestamp, kind)
}
