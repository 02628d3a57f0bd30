/**
 * Pane information (Beam's `PaneInfo`): a *pane* is one firing of a window for one key, and
 * every result of that firing says which one it is: early, on time or late, its index among
 * the window's firings, and whether it is the first or the last.
 *
 * @since 0.1.0
 */
import type { TimeWindow } from './TimeWindow'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * When a pane fired, relative to the end of its window (Beam's `PaneInfo.Timing`):
 *
 * - `'EARLY'`: before the window's clock reached its `maxTimestamp` (the watermark, for
 *   event-time and global windows; processing time, for processing-time windows): a
 *   speculative result, more records may still come;
 * - `'ON_TIME'`: the firing when the clock reaches the window's end; at most one per window
 *   and key, and only if nothing but early panes fired before and the result is not late
 *   downstream (its timestamp is after every watermark already emitted);
 * - `'LATE'`: any firing after that: a late record within the allowed lateness, or the first
 *   firing of a window that had nothing to emit when the watermark passed its end.
 *
 * The timings of one window's panes always follow `EARLY* ON_TIME? LATE*`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const isFinal = (timing: ds.PaneTiming): boolean => timing !== 'EARLY'
 *
 * @category windowing
 * @since 0.1.0
 */
export type PaneTiming = 'EARLY' | 'ON_TIME' | 'LATE'

/**
 * What a result knows of the firing that produced it (Beam's `PaneInfo`). Panes are counted
 * per key and window; every result of one firing carries the same pane.
 *
 * - `index`: 0 for the window's first firing, then 1, 2, …; an index counts firings (window
 *   function calls), whether or not they emitted anything. Sessions that merge make a new
 *   window, with new bounds: its panes count from 0, and are early until the watermark passes
 *   its own end, whatever the sessions it merged had fired.
 * - `nonSpeculativeIndex`: the index among the `ON_TIME` and `LATE` panes (0 for the on-time
 *   one, then 1, 2, … for late ones); `-1` for an `EARLY` pane.
 * - `isFirst`: `index === 0`.
 * - `isLast`: no further firing can come for this window and key, because the window is
 *   cleaned up right after this one. That is known only when the firing happens at the
 *   window's cleanup time: the on-time firing of an event-time window without allowed
 *   lateness (it fires and is cleaned when the watermark reaches its end), the firing of a
 *   processing-time window at its end. With allowed lateness a firing cannot know whether a
 *   late record will come, so none is marked last (the window is cleaned later without
 *   firing); global windows are never cleaned, so none of theirs is either.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const describe = (pane: ds.PaneInfo): string =>
 *   `${pane.timing} #${pane.index}${pane.isLast ? ' (final)' : ''}`
 *
 * @category windowing
 * @since 0.1.0
 */
export interface PaneInfo {
  readonly timing: PaneTiming
  readonly index: number
  readonly nonSpeculativeIndex: number
  readonly isFirst: boolean
  readonly isLast: boolean
}

/**
 * A window's result with the window and the pane it came from: what
 * `WindowedStream.withPaneInfo()` makes the results of a window operator. The record still
 * carries the window's `maxTimestamp` and the key.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const line = (r: ds.WindowResult<number>): string =>
 *   `[${r.window.start}, ${r.window.end}) ${r.pane.timing}: ${r.value}`
 *
 * @category windowing
 * @since 0.1.0
 */
export interface WindowResult<R> {
  readonly value: R
  readonly window: TimeWindow
  readonly pane: PaneInfo
}

/**
 * The values a window operator emits: its results `R` as they are, or, after
 * `WindowedStream.withPaneInfo()` (`Panes` true), each in a {@link WindowResult}.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const plain: ds.WindowResultOf<number, false> = 3
 * const described: ds.WindowResultOf<number, true> = {
 *   value: 3,
 *   window: ds.timeWindow(0, 10),
 *   pane: { timing: 'ON_TIME', index: 0, nonSpeculativeIndex: 0, isFirst: true, isLast: true },
 * }
 *
 * @category windowing
 * @since 0.1.0
 */
export type WindowResultOf<R, Panes extends boolean> = Panes extends true ? WindowResult<R> : R

// -------------------------------------------------------------------------------------
// internal
// -------------------------------------------------------------------------------------

/**
 * @internal
 * The timing of a window's next pane (see {@link PaneTiming}), from what the window fired
 * before and when this firing happens:
 *
 * - `nonEarlyPanes`: how many of its panes were not early (one is enough to make every later
 *   pane late);
 * - `firedAt`: the time of the firing on the window's clock. For an event-time timer it is the
 *   timer's time, not the watermark that rang it: a watermark that jumps over several timers
 *   fires them in order, and a timer before the window's end is early however far the
 *   watermark jumped, so panes do not depend on how often watermarks come. Any other firing
 *   (a record, a processing-time timer) happens at the watermark emitted last.
 * - `lateFrom`: results stamped at or before it are late downstream (the watermark emitted
 *   last: the firing's results go out before the watermark that rang it); `-Infinity` for
 *   processing-time windows, whose results are never late that way.
 */
export function paneTiming(nonEarlyPanes: number, firedAt: number, end: number, lateFrom: number): PaneTiming {
  if (nonEarlyPanes > 0) return 'LATE'
  if (firedAt < end) return 'EARLY'
  return end <= lateFrom ? 'LATE' : 'ON_TIME'
}

/** @internal The pane of a firing: `index` is the number of panes fired before, `nonEarlyPanes` those of them not early. */
export function paneInfo(timing: PaneTiming, index: number, nonEarlyPanes: number, isLast: boolean): PaneInfo {
  return { timing, index, nonSpeculativeIndex: timing === 'EARLY' ? -1 : nonEarlyPanes, isFirst: index === 0, isLast }
}
