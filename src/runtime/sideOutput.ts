/**
 * @internal
 * `ctx.output(tag, value)` of every function context (process functions, window functions):
 * the side record, stamped `timestamp`, next to the main output.
 */
import type { OutputTag } from '../core/OutputTag'
import { type SideRecord, sideRecord } from '../core/StreamElement'

/** @internal A null tag is refused, as Flink refuses a null `OutputTag`. */
export function emitSideOutput<S>(output: { element(element: SideRecord<S>): void }, tag: OutputTag<S>, value: S, timestamp: number): void {
  if (tag === null || tag === undefined) throw new TypeError('ctx.output: the output tag must not be null')
  output.element(sideRecord(tag, value, timestamp))
}
