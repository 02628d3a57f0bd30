/**
 * Process functions without keys: Flink's `ProcessFunction` on a non-keyed stream, which has
 * no keyed state and no timers.
 *
 * @since 0.1.0
 */
import type { Collector } from '../core/Collector'
import type { OutputTag } from '../core/OutputTag'
import type { CheckpointedFunction } from '../state/OperatorState'

/**
 * What a non-keyed process function sees of the record it processes and of time. Non-keyed
 * functions have no timers and no keyed state (use `keyedProcess` on a keyed stream).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const describe = (ctx: ds.ProcessContext) => `ts ${ctx.timestamp()} at watermark ${ctx.currentWatermark()}`
 *
 * @category process
 * @since 0.1.0
 */
export interface ProcessContext {
  /** The record's event timestamp, or `null` if it has none. */
  timestamp(): number | null
  /** The last watermark this operator has seen (`-Infinity` before any). */
  currentWatermark(): number
  /** Processing time, read from the operator's scheduler. */
  currentProcessingTime(): number
  /** Emits `value` to the side output named by `tag`, with the record's timestamp. */
  output<S>(tag: OutputTag<S>, value: S): void
}

/**
 * A non-keyed process function (Flink's `ProcessFunction` without timers): called once per
 * record; `open` once per subscription before the first record, `close` once when it ends.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const dedupe = (): ds.ProcessFunction<string, string> => {
 *   const seen = new Set<string>()
 *   return { processElement: (v, _ctx, out) => { if (!seen.has(v)) { seen.add(v); out.collect(v) } } }
 * }
 *
 * @category process
 * @since 0.1.0
 */
export interface ProcessFunction<In, Out> extends Partial<CheckpointedFunction> {
  open?(): void
  processElement(value: In, ctx: ProcessContext, out: Collector<Out>): void
  close?(): void
}
