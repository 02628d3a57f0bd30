/**
 * Window assigners put each record into zero or more windows (Flink's `WindowAssigner`).
 *
 * @since 0.1.0
 */
import type { TimeDomain } from '../core/TimerService'
import type { TimeWindow } from './TimeWindow'
import type { Trigger } from './Trigger'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * What an assigner may read besides the record: processing time (for processing-time
 * assigners), from the operator's scheduler.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const ctx: ds.WindowAssignerContext = { currentProcessingTime: () => 0 }
 *
 * @category windowing
 * @since 0.1.0
 */
export interface WindowAssignerContext {
  currentProcessingTime(): number
}

/**
 * The windows of a grid assigner: every `[s, s + size)` with `s ≡ offset (mod slide)`
 * (tumbling: `slide === size`).
 *
 * @example
 * import * as ds from './WindowAssigner'
 *
 * const everyMinuteForAnHour: ds.WindowGrid = { size: 3_600_000, slide: 60_000, offset: 0 }
 *
 * @category windowing
 * @since 0.1.0
 * @internal
 */
export interface WindowGrid {
  readonly size: number
  readonly slide: number
  readonly offset: number
}

/**
 * Assigns windows. `timeDomain` decides lateness and cleanup (event-time windows are late
 * once `maxTimestamp + allowedLateness <= watermark`; processing-time windows are cleaned at
 * `maxTimestamp` of processing time; the global window is neither). Merging assigners
 * (sessions) also implement `mergeWindows`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // every record in the window of its calendar minute, as tumbling windows of 60 s do
 * const minutes: ds.WindowAssigner<unknown> = ds.tumblingEventTimeWindows(60_000)
 *
 * @category windowing
 * @since 0.1.0
 */
export interface WindowAssigner<T> {
  /** Shown in errors and the stream graph, e.g. `tumblingEventTimeWindows(10000)`. */
  readonly name: string
  /**
   * The clock of its windows: `'EVENT_TIME'`, `'PROCESSING_TIME'`, or `'GLOBAL'` for the global
   * window, which is on neither (never late, no cleanup timer, no late output).
   */
  readonly timeDomain: TimeDomain | 'GLOBAL'
  /**
   * The windows of a record. Event-time assigners throw for a record without timestamp
   * (`-Infinity`); the operator turns that into a clear error.
   */
  assignWindows(value: T, timestamp: number, ctx: WindowAssignerContext): readonly TimeWindow[]
  defaultTrigger(): Trigger<T>
  /**
   * Set by assigners of fixed-size windows aligned on a grid (tumbling and sliding, in event
   * and in processing time): windows `[s, s + size)` for every `s ≡ offset (mod slide)`. A
   * window's start then names it (a number, no id built per record), and event-time windows
   * can be sliced into panes when the function is incremental and the trigger the default one.
   *
   * @internal
   */
  readonly grid?: WindowGrid
  /**
   * Merging assigners only: groups `windows` (the key's current windows, sorted or not) and
   * calls `merge(from, to)` for each group of two or more that becomes one window.
   */
  mergeWindows?(windows: readonly TimeWindow[], merge: (from: readonly TimeWindow[], to: TimeWindow) => void): void
}
