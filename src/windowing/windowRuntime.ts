/**
 * @internal
 * What the two window runtimes (the general `WindowOperator` and the `SlicedWindowOperator`)
 * share: the context a process window function sees, and the handling of late records.
 */
import type { OutputTag } from '../OutputTag'
import { emitSideOutput } from '../internal/sideOutput'
import { sideRecord, type StreamRecord } from '../StreamElement'
import type { Output } from '../runtime/Output'
import type { StateDescriptor, StateOf } from '../state/StateDescriptor'
import { maxTimestamp, type TimeWindow } from './TimeWindow'
import type { ProcessWindowContext } from './WindowFunction'

/** @internal Time as the window's operator sees it. */
export interface WindowClock {
  currentWatermark(): number
  currentProcessingTime(): number
}

/** @internal The context of a process window function evaluating `window`. */
export function processWindowContext<R, K>(
  window: TimeWindow,
  clock: WindowClock,
  output: Output<R, K>,
  windowState: <D extends StateDescriptor>(descriptor: D) => StateOf<D>,
  globalState: <D extends StateDescriptor>(descriptor: D) => StateOf<D>
): ProcessWindowContext {
  return {
    window,
    currentWatermark: () => clock.currentWatermark(),
    currentProcessingTime: () => clock.currentProcessingTime(),
    output: (tag, value) => emitSideOutput(output, tag, value, maxTimestamp(window)),
    windowState,
    globalState
  }
}

/**
 * @internal
 * A record too late for all its windows: to the late-data side output (unchanged, with its own
 * timestamp) if there is one; else dropped. Returns whether it was dropped (for the count).
 */
export function emitLateRecord<T, R, K>(
  output: Output<R, K>,
  tag: OutputTag<T> | undefined,
  record: StreamRecord<T, K>
): boolean {
  if (tag === undefined) return true
  output.element(sideRecord(tag, record.value, record.timestamp))
  return false
}
