/**
 * Windows are intervals of event (or processing) time `[start, end)`. Every window of
 * rx-datastream is a `TimeWindow`; the global window is `[-Infinity, +Infinity)`, so its
 * `maxTimestamp` is `+Infinity` as Flink's `GlobalWindow.maxTimestamp()` is `Long.MAX_VALUE`.
 *
 * @since 0.1.0
 */

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The interval `[start, end)` (end exclusive). A window's results carry timestamp
 * `maxTimestamp(window) = end − 1`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const w: ds.TimeWindow = ds.timeWindow(0, 10_000)
 * ds.maxTimestamp(w) // 9999
 *
 * @category windowing
 * @since 0.1.0
 */
export interface TimeWindow {
  readonly start: number
  readonly end: number
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Builds the window `[start, end)`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.timeWindow(0, 5_000) // { start: 0, end: 5000 }
 *
 * @category windowing
 * @since 0.1.0
 */
export function timeWindow(start: number, end: number): TimeWindow {
  return { start, end }
}

/**
 * The one window of `globalWindows()`: all of time.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.maxTimestamp(ds.GLOBAL_WINDOW) // Infinity
 *
 * @category windowing
 * @since 0.1.0
 */
export const GLOBAL_WINDOW: TimeWindow = /*#__PURE__*/ timeWindow(-Infinity, Infinity)

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/**
 * The largest timestamp inside the window, `end − 1`; the timestamp of the window's results.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.maxTimestamp(ds.timeWindow(0, 2_000)) // 1999
 *
 * @category windowing
 * @since 0.1.0
 */
export function maxTimestamp(window: TimeWindow): number {
  return window.end - 1
}

/**
 * Whether two windows intersect; touching windows (`a.end === b.start`) count, which is what
 * lets a record at exactly `lastTimestamp + gap` extend a session.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.intersects(ds.timeWindow(0, 10), ds.timeWindow(10, 20)) // true
 *
 * @category windowing
 * @since 0.1.0
 */
export function intersects(a: TimeWindow, b: TimeWindow): boolean {
  return a.start <= b.end && a.end >= b.start
}

/**
 * The smallest window covering both.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.cover(ds.timeWindow(0, 10), ds.timeWindow(5, 20)) // { start: 0, end: 20 }
 *
 * @category windowing
 * @since 0.1.0
 */
export function cover(a: TimeWindow, b: TimeWindow): TimeWindow {
  return timeWindow(Math.min(a.start, b.start), Math.max(a.end, b.end))
}

/**
 * Start of the window of `size` (with `offset`) that contains `timestamp`:
 * `timestamp − floorMod(timestamp − offset, size)`, correct for negative timestamps.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.windowStart(-8, 0, 7) // -14
 * ds.windowStart(2, 3, 7)  // -4
 *
 * @category windowing
 * @since 0.1.0
 */
export function windowStart(timestamp: number, offset: number, size: number): number {
  let r = (timestamp - offset) % size
  if (r < 0) r += size
  return timestamp - r
}

/** Orders windows by start, then end; equal windows end up adjacent. */
function byStartThenEnd(a: TimeWindow, b: TimeWindow): number {
  return a.start < b.start ? -1 : a.start > b.start ? 1 : a.end < b.end ? -1 : a.end > b.end ? 1 : 0
}

/**
 * @internal
 * Flink's `TimeWindow.mergeWindows`: sorts by start and sweeps, keeping a running cover; a
 * window that intersects the cover (touching counts) joins its group. Each group with two or
 * more distinct windows (equal windows count once: Flink collects a group in a set) is reported
 * as `merge(group, cover)`, in order of start.
 */
export function mergeTimeWindows(
  windows: readonly TimeWindow[],
  merge: (from: readonly TimeWindow[], to: TimeWindow) => void
): void {
  const n = windows.length
  if (n < 2) return
  const sorted = windows.slice().sort(byStartThenEnd)
  let first = 0
  let distinct = 1
  let start = sorted[0]!.start
  let end = sorted[0]!.end
  for (let i = 1; i <= n; i++) {
    const w = i < n ? sorted[i]! : undefined
    // intersects(cover, w): `start <= w.end && end >= w.start`
    if (w !== undefined && start <= w.end && end >= w.start) {
      const previous = sorted[i - 1]!
      if (w.start !== previous.start || w.end !== previous.end) distinct++
      if (w.end > end) end = w.end
      continue
    }
    if (distinct > 1) merge(distinctRun(sorted, first, i, distinct), timeWindow(start, end))
    if (w !== undefined) {
      first = i
      distinct = 1
      start = w.start
      end = w.end
    }
  }
}

/** `sorted[from, to)` without repeated (adjacent, equal) windows. */
function distinctRun(sorted: readonly TimeWindow[], from: number, to: number, distinct: number): TimeWindow[] {
  if (distinct === to - from) return sorted.slice(from, to)
  const run: TimeWindow[] = [sorted[from]!]
  for (let i = from + 1; i < to; i++) {
    const w = sorted[i]!
    const previous = sorted[i - 1]!
    if (w.start !== previous.start || w.end !== previous.end) run.push(w)
  }
  return run
}
