/**
 * The built-in window assigners (Flink's `TumblingEventTimeWindows`, `SlidingEventTimeWindows`,
 * `EventTimeSessionWindows`, `GlobalWindows` and their processing-time twins). Each factory
 * checks its configuration at once (a `RangeError`/`TypeError` naming the factory, the parameter
 * and the value) and returns a {@link WindowAssigner}.
 *
 * Window starts are aligned to the epoch plus `offset` with a floor-modulo, so negative
 * timestamps fall into the right window: `start = ts − floorMod(ts − offset, size)`
 * (see {@link windowStart}). Sizes, slides and offsets are integer milliseconds.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const ctx: ds.WindowAssignerContext = { currentProcessingTime: () => 0 }
 * ds.tumblingEventTimeWindows(10_000).assignWindows('a', 12_345, ctx) // [{ start: 10000, end: 20000 }]
 *
 * @since 0.1.0
 */
import { describeValue } from '../core/describe'
import { GLOBAL_WINDOW, mergeTimeWindows, timeWindow, windowStart, type TimeWindow } from './TimeWindow'
import type { Trigger } from './Trigger'
import type { WindowAssigner, WindowAssignerContext } from './WindowAssigner'
import { endOfInputTrigger, eventTimeTrigger, neverTrigger, processingTimeTrigger } from './triggers'

// -------------------------------------------------------------------------------------
// tumbling
// -------------------------------------------------------------------------------------

/**
 * Puts each record into the one window of `size` ms that contains its timestamp (Flink's
 * `TumblingEventTimeWindows.of(size, offset)`). Windows are `[start, start + size)` with
 * `start = windowStart(ts, offset, size)`: aligned to the epoch, shifted by `offset` (e.g.
 * `-8 h` for calendar days in UTC+8). Default trigger: `eventTimeTrigger()` (fires when the
 * watermark passes `end − 1`).
 *
 * ```text
 * size 10000, offset 0
 * event time:  -10000              0                   10000               20000
 *              |-------------------|-------------------|-------------------|
 * records:                    a@-1  b@0         c@9999  d@10000
 * windows:     a → [-10000, 0)   b, c → [0, 10000)   d → [10000, 20000)
 *
 * size 10000, offset 3000: windows [-7000, 3000), [3000, 13000), …
 * records:     x@2999 → [-7000, 3000)   y@3000 → [3000, 13000)
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const ctx: ds.WindowAssignerContext = { currentProcessingTime: () => 0 }
 * const tenSeconds = ds.tumblingEventTimeWindows<string>(10_000)
 * tenSeconds.assignWindows('click', 12_345, ctx) // [{ start: 10000, end: 20000 }]
 * tenSeconds.assignWindows('click', -1, ctx)     // [{ start: -10000, end: 0 }]
 *
 * // calendar days in UTC+8
 * const days = ds.tumblingEventTimeWindows<string>(86_400_000, -28_800_000)
 *
 * @param size window length in ms, an integer > 0
 * @param offset shift of the window starts in ms, an integer with `|offset| < size` (default 0)
 * @returns an event-time assigner (`timeDomain: 'EVENT_TIME'`)
 * @throws RangeError/TypeError at once if `size` or `offset` is invalid
 * @category windowing
 * @since 0.1.0
 */
export function tumblingEventTimeWindows<T = unknown>(size: number, offset = 0): WindowAssigner<T> {
  const factory = 'tumblingEventTimeWindows'
  checkPositiveInteger(factory, 'size', size)
  checkOffset(factory, offset, 'size', size)
  const name = `${factory}(${gridArgs(size, offset)})`
  return {
    name,
    timeDomain: 'EVENT_TIME',
    assignWindows(_value: T, timestamp: number): readonly TimeWindow[] {
      checkEventTimestamp(name, timestamp)
      const start = windowStart(timestamp, offset, size)
      return [timeWindow(start, start + size)]
    },
    defaultTrigger: (): Trigger<T> => eventTimeTrigger(),
    grid: { size, slide: size, offset }
  }
}

/**
 * Puts each record into the one window of `size` ms that contains the current processing time
 * (Flink's `TumblingProcessingTimeWindows.of(size, offset)`); the record's own timestamp is
 * ignored. Windows are `[start, start + size)` with `start = windowStart(now, offset, size)`.
 * Default trigger: `processingTimeTrigger()` (fires when the clock reaches `end − 1`).
 *
 * ```text
 * size 1000
 * processing time:  0                   1000                2000                3000
 *                   |-------------------|-------------------|-------------------|
 * arrivals (now):         a@300   b@999  c@1000                       d@2500
 * windows:          a, b → [0, 1000)   c → [1000, 2000)   d → [2000, 3000)
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const ctx: ds.WindowAssignerContext = { currentProcessingTime: () => 2_500 }
 * ds.tumblingProcessingTimeWindows(1_000).assignWindows('a', 0, ctx) // [{ start: 2000, end: 3000 }]
 *
 * @param size window length in ms, an integer > 0
 * @param offset shift of the window starts in ms, an integer with `|offset| < size` (default 0)
 * @returns a processing-time assigner (`timeDomain: 'PROCESSING_TIME'`)
 * @throws RangeError/TypeError at once if `size` or `offset` is invalid
 * @category windowing
 * @since 0.1.0
 */
export function tumblingProcessingTimeWindows<T = unknown>(size: number, offset = 0): WindowAssigner<T> {
  const factory = 'tumblingProcessingTimeWindows'
  checkPositiveInteger(factory, 'size', size)
  checkOffset(factory, offset, 'size', size)
  return {
    name: `${factory}(${gridArgs(size, offset)})`,
    timeDomain: 'PROCESSING_TIME',
    assignWindows(_value: T, _timestamp: number, ctx: WindowAssignerContext): readonly TimeWindow[] {
      const start = windowStart(ctx.currentProcessingTime(), offset, size)
      return [timeWindow(start, start + size)]
    },
    defaultTrigger: (): Trigger<T> => processingTimeTrigger(),
    grid: { size, slide: size, offset }
  }
}

// -------------------------------------------------------------------------------------
// sliding
// -------------------------------------------------------------------------------------

/**
 * Puts each record into every window of `size` ms, starting every `slide` ms, that contains
 * its timestamp (Flink's `SlidingEventTimeWindows.of(size, slide, offset)`). With
 * `last = windowStart(ts, offset, slide)` the windows are `[s, s + size)` for
 * `s = last, last − slide, …` while `s > ts − size`, most recent first: `size / slide` windows
 * when `slide` divides `size`, otherwise `floor` or `ceil` of it depending on `ts`. Default
 * trigger: `eventTimeTrigger()`.
 *
 * ```text
 * size 10000, slide 5000
 * event time:  -5000    0        5000     10000    15000
 *              [-----------------)                          [-5000, 5000)
 *                       [-----------------)                 [0, 10000)
 *                                [-----------------)        [5000, 15000)
 * records:                 a@2000    b@7000
 * windows:     a → [0, 10000), [-5000, 5000)
 *              b → [5000, 15000), [0, 10000)
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const ctx: ds.WindowAssignerContext = { currentProcessingTime: () => 0 }
 * // one-minute windows, every 10 s: six windows per record
 * const minuteEvery10s = ds.slidingEventTimeWindows<string>(60_000, 10_000)
 * minuteEvery10s.assignWindows('click', 65_000, ctx).map(w => w.start)
 * // [60000, 50000, 40000, 30000, 20000, 10000]
 *
 * @param size window length in ms, an integer > 0
 * @param slide distance between window starts in ms, an integer > 0 with `size / slide <= 10^7`
 * @param offset shift of the window starts in ms, an integer with `|offset| < slide` (default 0)
 * @returns an event-time assigner (`timeDomain: 'EVENT_TIME'`)
 * @throws RangeError/TypeError at once if `size`, `slide` or `offset` is invalid
 * @category windowing
 * @since 0.1.0
 */
export function slidingEventTimeWindows<T = unknown>(size: number, slide: number, offset = 0): WindowAssigner<T> {
  const factory = 'slidingEventTimeWindows'
  checkSliding(factory, size, slide, offset)
  const name = `${factory}(${size}, ${gridArgs(slide, offset)})`
  return {
    name,
    timeDomain: 'EVENT_TIME',
    assignWindows(_value: T, timestamp: number): readonly TimeWindow[] {
      checkEventTimestamp(name, timestamp)
      return slidingWindows(timestamp, size, slide, offset)
    },
    defaultTrigger: (): Trigger<T> => eventTimeTrigger(),
    grid: { size, slide, offset }
  }
}

/**
 * Puts each record into every window of `size` ms, starting every `slide` ms, that contains
 * the current processing time (Flink's `SlidingProcessingTimeWindows.of(size, slide, offset)`);
 * the record's own timestamp is ignored. Same windows, in the same order (most recent first),
 * as {@link slidingEventTimeWindows} for `ts = now`. Default trigger: `processingTimeTrigger()`.
 *
 * ```text
 * size 3000, slide 1000
 * processing time:  0    1000 2000 3000 4000 5000
 *                             [--------------)  [2000, 5000)
 *                        [--------------)       [1000, 4000)
 *                   [--------------)            [0, 3000)
 * arrival (now):                b@2500
 * windows:          b → [2000, 5000), [1000, 4000), [0, 3000)
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const ctx: ds.WindowAssignerContext = { currentProcessingTime: () => 2_500 }
 * ds.slidingProcessingTimeWindows(3_000, 1_000).assignWindows('b', 0, ctx).map(w => w.start)
 * // [2000, 1000, 0]
 *
 * @param size window length in ms, an integer > 0
 * @param slide distance between window starts in ms, an integer > 0 with `size / slide <= 10^7`
 * @param offset shift of the window starts in ms, an integer with `|offset| < slide` (default 0)
 * @returns a processing-time assigner (`timeDomain: 'PROCESSING_TIME'`)
 * @throws RangeError/TypeError at once if `size`, `slide` or `offset` is invalid
 * @category windowing
 * @since 0.1.0
 */
export function slidingProcessingTimeWindows<T = unknown>(size: number, slide: number, offset = 0): WindowAssigner<T> {
  const factory = 'slidingProcessingTimeWindows'
  checkSliding(factory, size, slide, offset)
  return {
    name: `${factory}(${size}, ${gridArgs(slide, offset)})`,
    timeDomain: 'PROCESSING_TIME',
    assignWindows(_value: T, _timestamp: number, ctx: WindowAssignerContext): readonly TimeWindow[] {
      return slidingWindows(ctx.currentProcessingTime(), size, slide, offset)
    },
    defaultTrigger: (): Trigger<T> => processingTimeTrigger(),
    grid: { size, slide, offset }
  }
}

// -------------------------------------------------------------------------------------
// sessions
// -------------------------------------------------------------------------------------

/**
 * Session windows on event time (Flink's `EventTimeSessionWindows.withGap(gap)`): each record
 * gets `[ts, ts + gap)`, and the windows of a key that intersect are merged into one, so a
 * session lasts until no record came for `gap` ms. Windows that only touch merge too: a record
 * at exactly `lastTs + gap` extends the session; one record can bridge two sessions. Default
 * trigger: `eventTimeTrigger()` (fires when the watermark passes the session's end − 1).
 *
 * ```text
 * gap 3000
 * records:   a@1000  b@2000       c@5000          d@9000  e@10500
 * own:       [1000,4000) [2000,5000) [5000,8000)  [9000,12000) [10500,13500)
 * sessions:  a, b, c → [1000, 8000)   (c touches b's window at 5000)
 *            d, e    → [9000, 13500)
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const ctx: ds.WindowAssignerContext = { currentProcessingTime: () => 0 }
 * const sessions = ds.eventTimeSessionWindows<string>(3_000)
 * const windows = [1_000, 2_000, 5_000, 9_000].map(ts => sessions.assignWindows('x', ts, ctx)[0]!)
 * sessions.mergeWindows!(windows, (from, to) => console.log(from.length, to))
 * // 3 { start: 1000, end: 8000 }
 *
 * @param gap the inactivity that ends a session, in ms: a finite number > 0
 * @returns a merging event-time assigner (`timeDomain: 'EVENT_TIME'`)
 * @throws RangeError/TypeError at once if `gap` is invalid
 * @category windowing
 * @since 0.1.0
 */
export function eventTimeSessionWindows<T = unknown>(gap: number): WindowAssigner<T> {
  const factory = 'eventTimeSessionWindows'
  checkGap(factory, gap)
  const name = `${factory}(${gap})`
  return {
    name,
    timeDomain: 'EVENT_TIME',
    assignWindows(_value: T, timestamp: number): readonly TimeWindow[] {
      checkEventTimestamp(name, timestamp)
      return [timeWindow(timestamp, timestamp + gap)]
    },
    defaultTrigger: (): Trigger<T> => eventTimeTrigger(),
    mergeWindows: mergeTimeWindows
  }
}

/**
 * Session windows on event time whose gap each record chooses (Flink's
 * `EventTimeSessionWindows.withDynamicGap(extractor)`): a record gets `[ts, ts + extractor(value))`;
 * windows merge as in {@link eventTimeSessionWindows}. A gap that is not a finite number > 0
 * is an error, raised when the record is assigned (naming the gap and the record value).
 *
 * ```text
 * gap = value.vip ? 5000 : 1000
 * records:   a@0 (vip)     b@4000          c@6000
 * own:       [0, 5000)     [4000, 5000)    [6000, 7000)
 * sessions:  a, b → [0, 5000)              c → [6000, 7000)
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Visit { user: string; vip: boolean }
 * const ctx: ds.WindowAssignerContext = { currentProcessingTime: () => 0 }
 * const sessions = ds.eventTimeSessionWindowsWithDynamicGap<Visit>(v => (v.vip ? 5_000 : 1_000))
 * sessions.assignWindows({ user: 'ann', vip: true }, 0, ctx) // [{ start: 0, end: 5000 }]
 *
 * @param extractor the gap of a record's session, in ms; must return a finite number > 0
 * @returns a merging event-time assigner (`timeDomain: 'EVENT_TIME'`)
 * @throws TypeError at once if `extractor` is not a function
 * @category windowing
 * @since 0.1.0
 */
export function eventTimeSessionWindowsWithDynamicGap<T>(extractor: (value: T) => number): WindowAssigner<T> {
  const factory = 'eventTimeSessionWindowsWithDynamicGap'
  checkExtractor(factory, extractor)
  const name = `${factory}(${extractorName(extractor)})`
  return {
    name,
    timeDomain: 'EVENT_TIME',
    assignWindows(value: T, timestamp: number): readonly TimeWindow[] {
      checkEventTimestamp(name, timestamp)
      const gap = extractor(value)
      checkDynamicGap(name, gap, value)
      return [timeWindow(timestamp, timestamp + gap)]
    },
    defaultTrigger: (): Trigger<T> => eventTimeTrigger(),
    mergeWindows: mergeTimeWindows
  }
}

/**
 * Session windows on processing time (Flink's `ProcessingTimeSessionWindows.withGap(gap)`):
 * each record gets `[now, now + gap)` and intersecting (or touching) windows merge, so a
 * session closes after `gap` ms of processing time without records. Default trigger:
 * `processingTimeTrigger()`.
 *
 * ```text
 * gap 1000
 * arrivals (now):  a@0   b@800         c@3000
 * sessions:        a, b → [0, 1800)    c → [3000, 4000)
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const ctx: ds.WindowAssignerContext = { currentProcessingTime: () => 800 }
 * ds.processingTimeSessionWindows(1_000).assignWindows('b', 0, ctx) // [{ start: 800, end: 1800 }]
 *
 * @param gap the inactivity that ends a session, in ms: a finite number > 0
 * @returns a merging processing-time assigner (`timeDomain: 'PROCESSING_TIME'`)
 * @throws RangeError/TypeError at once if `gap` is invalid
 * @category windowing
 * @since 0.1.0
 */
export function processingTimeSessionWindows<T = unknown>(gap: number): WindowAssigner<T> {
  const factory = 'processingTimeSessionWindows'
  checkGap(factory, gap)
  return {
    name: `${factory}(${gap})`,
    timeDomain: 'PROCESSING_TIME',
    assignWindows(_value: T, _timestamp: number, ctx: WindowAssignerContext): readonly TimeWindow[] {
      const now = ctx.currentProcessingTime()
      return [timeWindow(now, now + gap)]
    },
    defaultTrigger: (): Trigger<T> => processingTimeTrigger(),
    mergeWindows: mergeTimeWindows
  }
}

/**
 * Session windows on processing time whose gap each record chooses (Flink's
 * `ProcessingTimeSessionWindows.withDynamicGap(extractor)`): a record gets
 * `[now, now + extractor(value))`; windows merge as in {@link processingTimeSessionWindows}.
 * A gap that is not a finite number > 0 is an error, raised when the record is assigned.
 *
 * ```text
 * gap = value.length * 100
 * arrivals (now):  "abc"@0 → [0, 300)   "x"@250 → [250, 350)   "yy"@1000 → [1000, 1200)
 * sessions:        [0, 350)                                    [1000, 1200)
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const ctx: ds.WindowAssignerContext = { currentProcessingTime: () => 250 }
 * const sessions = ds.processingTimeSessionWindowsWithDynamicGap((s: string) => s.length * 100)
 * sessions.assignWindows('x', 0, ctx) // [{ start: 250, end: 350 }]
 *
 * @param extractor the gap of a record's session, in ms; must return a finite number > 0
 * @returns a merging processing-time assigner (`timeDomain: 'PROCESSING_TIME'`)
 * @throws TypeError at once if `extractor` is not a function
 * @category windowing
 * @since 0.1.0
 */
export function processingTimeSessionWindowsWithDynamicGap<T>(extractor: (value: T) => number): WindowAssigner<T> {
  const factory = 'processingTimeSessionWindowsWithDynamicGap'
  checkExtractor(factory, extractor)
  const name = `${factory}(${extractorName(extractor)})`
  return {
    name,
    timeDomain: 'PROCESSING_TIME',
    assignWindows(value: T, _timestamp: number, ctx: WindowAssignerContext): readonly TimeWindow[] {
      const now = ctx.currentProcessingTime()
      const gap = extractor(value)
      checkDynamicGap(name, gap, value)
      return [timeWindow(now, now + gap)]
    },
    defaultTrigger: (): Trigger<T> => processingTimeTrigger(),
    mergeWindows: mergeTimeWindows
  }
}

// -------------------------------------------------------------------------------------
// global
// -------------------------------------------------------------------------------------

/**
 * One window per key for all of time, {@link GLOBAL_WINDOW} (Flink's `GlobalWindows.create()`).
 * It is neither event nor processing time (`timeDomain: 'GLOBAL'`): never late, never cleaned
 * up. Its default trigger `neverTrigger()` never fires, so use it with a custom trigger (count
 * windows are global windows with a count trigger). With `fireAtEndOfInput: true` the default
 * trigger is `endOfInputTrigger()` instead, which fires once when the input ends (watermark
 * `+Infinity`), as Flink's `GlobalWindows.createWithEndOfStreamTrigger()` (FLIP-331).
 *
 * ```text
 * records:   a@1   b@500   c@-20   |end of input
 * window:    a, b, c → GLOBAL_WINDOW [-Infinity, +Infinity)
 * fires:     never (default)        once at end of input (fireAtEndOfInput: true)
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const ctx: ds.WindowAssignerContext = { currentProcessingTime: () => 0 }
 * ds.globalWindows().assignWindows('a', 1, ctx) // [ds.GLOBAL_WINDOW]
 * const wholeInput = ds.globalWindows({ fireAtEndOfInput: true })
 *
 * @param options `fireAtEndOfInput`: default trigger fires once at end of input (default false)
 * @returns the global assigner (`timeDomain: 'GLOBAL'`)
 * @throws TypeError at once if `options` is malformed
 * @category windowing
 * @since 0.1.0
 */
export function globalWindows<T = unknown>(options?: { readonly fireAtEndOfInput?: boolean }): WindowAssigner<T> {
  const factory = 'globalWindows'
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`${factory}: options must be an object, got ${describeValue(options)}`)
  }
  const fireAtEndOfInput = options?.fireAtEndOfInput
  if (fireAtEndOfInput !== undefined && typeof fireAtEndOfInput !== 'boolean') {
    throw new TypeError(`${factory}: fireAtEndOfInput must be a boolean, got ${describeValue(fireAtEndOfInput)}`)
  }
  return {
    name: fireAtEndOfInput === true ? `${factory}({ fireAtEndOfInput: true })` : `${factory}()`,
    timeDomain: 'GLOBAL',
    assignWindows(): readonly TimeWindow[] {
      return [GLOBAL_WINDOW]
    },
    defaultTrigger: fireAtEndOfInput === true ? (): Trigger<T> => endOfInputTrigger() : (): Trigger<T> => neverTrigger()
  }
}

// -------------------------------------------------------------------------------------
// internal
// -------------------------------------------------------------------------------------

const MAX_WINDOWS_PER_RECORD = 10_000_000

/** The sliding windows of time `t`, most recent first (Flink's `SlidingEventTimeWindows`). */
function slidingWindows(t: number, size: number, slide: number, offset: number): TimeWindow[] {
  const windows: TimeWindow[] = []
  const bound = t - size
  for (let start = windowStart(t, offset, slide); start > bound; start -= slide) {
    windows.push(timeWindow(start, start + size))
  }
  return windows
}


/** `size, offset` for a name, the offset only when it is not 0. */
function gridArgs(size: number, offset: number): string {
  return offset === 0 ? `${size}` : `${size}, ${offset}`
}

function checkNumber(factory: string, parameter: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`${factory}: ${parameter} must be a number (milliseconds), got ${describeValue(value)}`)
  }
}

function checkPositiveInteger(factory: string, parameter: string, value: unknown): void {
  checkNumber(factory, parameter, value)
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${factory}: ${parameter} must be an integer > 0 (milliseconds), got ${describeValue(value)}`)
  }
}

function checkOffset(factory: string, offset: unknown, boundName: string, bound: number): void {
  checkNumber(factory, 'offset', offset)
  if (!Number.isSafeInteger(offset)) {
    throw new RangeError(`${factory}: offset must be an integer (milliseconds), got ${describeValue(offset)}`)
  }
  if (Math.abs(offset) >= bound) {
    throw new RangeError(`${factory}: offset must satisfy |offset| < ${boundName} (${bound}), got ${describeValue(offset)}`)
  }
}

function checkSliding(factory: string, size: number, slide: number, offset: number): void {
  checkPositiveInteger(factory, 'size', size)
  checkPositiveInteger(factory, 'slide', slide)
  checkOffset(factory, offset, 'slide', slide)
  if (size / slide > MAX_WINDOWS_PER_RECORD) {
    throw new RangeError(
      `${factory}: size / slide must be at most ${MAX_WINDOWS_PER_RECORD} (windows per record), got size ${size} / slide ${slide} = ${size / slide}`
    )
  }
}

function checkGap(factory: string, gap: unknown): void {
  checkNumber(factory, 'gap', gap)
  if (!Number.isFinite(gap) || gap <= 0) {
    throw new RangeError(`${factory}: gap must be a finite number > 0 (milliseconds), got ${describeValue(gap)}`)
  }
}

function checkExtractor(factory: string, extractor: unknown): void {
  if (typeof extractor !== 'function') {
    throw new TypeError(`${factory}: extractor must be a function (value => gap in ms), got ${describeValue(extractor)}`)
  }
}

function extractorName(extractor: (value: never) => number): string {
  return extractor.name === '' ? 'extractor' : extractor.name
}

/** A dynamic gap, checked per record: Flink requires `0 < gap`. */
function checkDynamicGap(name: string, gap: unknown, value: unknown): asserts gap is number {
  if (typeof gap !== 'number' || !Number.isFinite(gap) || gap <= 0) {
    throw new (typeof gap === 'number' ? RangeError : TypeError)(
      `${name}: the gap extractor returned ${describeValue(gap)} for record value ${describeValue(value)}; a session gap must be a finite number > 0 (milliseconds)`
    )
  }
}

/** Event-time assigners need a timestamp; `-Infinity` means the record has none. */
function checkEventTimestamp(name: string, timestamp: number): void {
  if (!Number.isFinite(timestamp)) {
    throw new TypeError(
      `${name}: the record has no usable timestamp (${describeValue(timestamp)}); did you forget to assign timestamps and watermarks?`
    )
  }
}
