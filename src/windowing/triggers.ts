/**
 * The built-in triggers (Flink's `EventTimeTrigger`, `ProcessingTimeTrigger`, `CountTrigger`,
 * `PurgingTrigger`, `ContinuousEventTimeTrigger`, `ContinuousProcessingTimeTrigger`,
 * `DeltaTrigger`, `NeverTrigger`, the end-of-input trigger of FLIP-331 global windows), and
 * the event-time trigger with early firings of Beam's `AfterWatermark.withEarlyFirings`.
 *
 * Each factory returns a stateless object that serves every key and window: what a trigger
 * remembers per window lives in keyed state of the window (`ctx.getPartitionedState`), and its
 * timers are scoped to the window.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // evaluate every 100 elements and drop them: tumbling count windows
 * const everyHundred: ds.Trigger<unknown> = ds.purgingTrigger(ds.countTrigger(100))
 *
 * @since 0.1.0
 */
import * as t from 'io-ts'
import { type ReducingStateDescriptor, reducingState, valueState } from '../state/StateDescriptor'
import { endOfWindowTrigger } from './knownTriggers'
import { describeValue } from '../core/describe'
import { maxTimestamp } from './TimeWindow'
import type { Trigger, TriggerContext, TriggerResult, TriggerState } from './Trigger'

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Fires once the watermark passes the end of the window (the default trigger of event-time
 * assigners).
 *
 * An element of a window that is already complete (`maxTimestamp(window) <= watermark`, as
 * happens within the allowed lateness) fires the window at once; otherwise the trigger sets an
 * event-time timer at `maxTimestamp(window)` and fires when it rings. It never purges, so each
 * late firing sees every element so far.
 *
 * ```
 * window [0, 10), maxTimestamp 9
 * element   a(ts 2)   b(ts 7)             c(ts 5, late)
 * watermark                      W(9)                    W(12)
 * result    CONTINUE  CONTINUE   FIRE     FIRE
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const trigger: ds.Trigger<number> = ds.eventTimeTrigger()
 * trigger.name // 'eventTimeTrigger()'
 *
 * @category windowing
 * @since 0.1.0
 */
export function eventTimeTrigger<T = unknown>(): Trigger<T> {
  return endOfWindowTrigger<T>(
    {
      name: 'eventTimeTrigger()',
      canMerge: true,
      onElement: (_value, _timestamp, window, ctx) => {
        const end = maxTimestamp(window)
        if (end <= ctx.currentWatermark()) return 'FIRE'
        ctx.registerEventTimeTimer(end)
        return 'CONTINUE'
      },
      onEventTime: (time, window) => (time === maxTimestamp(window) ? 'FIRE' : 'CONTINUE'),
      onProcessingTime: () => 'CONTINUE',
      onMerge: (window, ctx) => {
        const end = maxTimestamp(window)
        if (end > ctx.currentWatermark()) ctx.registerEventTimeTimer(end)
      },
      clear: (window, ctx) => ctx.deleteEventTimeTimer(maxTimestamp(window))
    },
    'EVENT_TIME'
  )
}

/**
 * Fires when processing time reaches the end of the window (the default trigger of
 * processing-time assigners).
 *
 * Each element sets a processing-time timer at `maxTimestamp(window)`; the window fires when it
 * rings. A merged window re-registers its timer only if that time is still ahead.
 *
 * ```
 * window [0, 10) of processing time
 * element        a        b
 * processing     1        4             9
 * result         CONTINUE CONTINUE      FIRE
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const trigger: ds.Trigger<string> = ds.processingTimeTrigger()
 * trigger.name // 'processingTimeTrigger()'
 *
 * @category windowing
 * @since 0.1.0
 */
export function processingTimeTrigger<T = unknown>(): Trigger<T> {
  return endOfWindowTrigger<T>(
    {
      name: 'processingTimeTrigger()',
      canMerge: true,
      onElement: (_value, _timestamp, window, ctx) => {
        ctx.registerProcessingTimeTimer(maxTimestamp(window))
        return 'CONTINUE'
      },
      onEventTime: () => 'CONTINUE',
      onProcessingTime: (time, window) => (time === maxTimestamp(window) ? 'FIRE' : 'CONTINUE'),
      onMerge: (window, ctx) => {
        const end = maxTimestamp(window)
        if (end > ctx.currentProcessingTime()) ctx.registerProcessingTimeTimer(end)
      },
      clear: (window, ctx) => ctx.deleteProcessingTimeTimer(maxTimestamp(window))
    },
    'PROCESSING_TIME'
  )
}

/**
 * Fires every `n` elements of a window (Flink's `CountTrigger`).
 *
 * A per-window count goes up by one for each element; when it reaches `n` it starts again from
 * zero and the window fires. It never purges: wrap it in {@link purgingTrigger} for tumbling
 * count windows. Merged windows add their counts up (the sum is checked at the next element).
 *
 * ```
 * countTrigger(2)
 * element   a         b      c         d
 * count     1         2→0    1         2→0
 * result    CONTINUE  FIRE   CONTINUE  FIRE
 * ```
 *
 * @param n How many elements make a firing; a positive integer.
 * @throws RangeError if `n` is not a positive integer.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const everyFour: ds.Trigger<number> = ds.countTrigger(4)
 * everyFour.name // 'countTrigger(4)'
 *
 * @category windowing
 * @since 0.1.0
 */
export function countTrigger<T = unknown>(n: number): Trigger<T> {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new RangeError(`countTrigger: n must be a positive integer, got ${describeValue(n)}`)
  }
  const COUNT = countState()
  return {
    name: `countTrigger(${n})`,
    canMerge: true,
    onElement: (_value, _timestamp, _window, ctx) => {
      const count = ctx.getPartitionedState(COUNT)
      count.add(1)
      if (count.get()! >= n) {
        count.clear()
        return 'FIRE'
      }
      return 'CONTINUE'
    },
    onEventTime: () => 'CONTINUE',
    onProcessingTime: () => 'CONTINUE',
    onMerge: (_window, ctx) => ctx.mergePartitionedState(COUNT),
    clear: (_window, ctx) => ctx.getPartitionedState(COUNT).clear()
  }
}

/**
 * Makes another trigger purge whenever it fires: its `FIRE` becomes `FIRE_AND_PURGE`; every
 * other result passes through (Flink's `PurgingTrigger`). Merging and clearing are delegated.
 *
 * ```
 * countTrigger(2)                   CONTINUE  FIRE            CONTINUE  FIRE
 * purgingTrigger(countTrigger(2))   CONTINUE  FIRE_AND_PURGE  CONTINUE  FIRE_AND_PURGE
 * ```
 *
 * @param nested The trigger that decides when to fire.
 * @throws TypeError if `nested` is not a trigger.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const tumblingCount: ds.Trigger<number> = ds.purgingTrigger(ds.countTrigger(4))
 * tumblingCount.name // 'purgingTrigger(countTrigger(4))'
 *
 * @category windowing
 * @since 0.1.0
 */
export function purgingTrigger<T>(nested: Trigger<T>): Trigger<T> {
  if (!isTrigger(nested)) {
    throw new TypeError(`purgingTrigger: nested must be a trigger (an object with onElement, onEventTime, onProcessingTime and clear), got ${describeValue(nested)}`)
  }
  const purging = (result: TriggerResult): TriggerResult => (result === 'FIRE' ? 'FIRE_AND_PURGE' : result)
  return {
    name: `purgingTrigger(${nested.name})`,
    canMerge: nested.canMerge,
    onElement: (value, timestamp, window, ctx) => purging(nested.onElement(value, timestamp, window, ctx)),
    onEventTime: (time, window, ctx) => purging(nested.onEventTime(time, window, ctx)),
    onProcessingTime: (time, window, ctx) => purging(nested.onProcessingTime(time, window, ctx)),
    onMerge: (window, ctx) => nested.onMerge?.(window, ctx),
    clear: (window, ctx) => nested.clear(window, ctx)
  }
}

/**
 * Fires every `interval` of event time while the window is open, and at its end (Flink's
 * `ContinuousEventTimeTrigger`). It never purges: each firing sees every element so far.
 *
 * The first element of a window schedules the first firing at the next multiple of `interval`
 * after its timestamp, `ts − ts % interval + interval` (a truncating `%`, as Java's), capped at
 * `maxTimestamp(window)`; each firing schedules the next one `interval` later (capped the same
 * way). A timer at `maxTimestamp(window)` fires the window at its end, and an element of a window
 * the watermark has already passed fires it at once. Merged windows keep the earliest scheduled
 * firing.
 *
 * ```
 * continuousEventTimeTrigger(5), window [0, 12), maxTimestamp 11
 * element     a(ts 3)
 * watermark            W(5)   W(10)   W(11)
 * result      CONTINUE FIRE   FIRE    FIRE
 * scheduled   5        10     11      –
 * ```
 *
 * @param interval Event time between firings, in ms; a finite number > 0.
 * @throws RangeError if `interval` is not a finite number > 0.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // a running result every minute of event time, and the final one at the end of the window
 * const everyMinute: ds.Trigger<number> = ds.continuousEventTimeTrigger(60_000)
 *
 * @category windowing
 * @since 0.1.0
 */
export function continuousEventTimeTrigger<T = unknown>(interval: number): Trigger<T> {
  assertInterval('continuousEventTimeTrigger', interval)
  const name = `continuousEventTimeTrigger(${interval})`
  const FIRE_TIME = fireTimeState()
  return {
    name,
    canMerge: true,
    onElement: (_value, timestamp, window, ctx) => {
      const end = maxTimestamp(window)
      if (end <= ctx.currentWatermark()) return 'FIRE'
      ctx.registerEventTimeTimer(end)
      const fireTime = ctx.getPartitionedState(FIRE_TIME)
      if (fireTime.get() === undefined) {
        if (!Number.isFinite(timestamp)) {
          throw new RangeError(
            `${name}: the element has no usable timestamp (${describeValue(timestamp)}); did you forget to assign timestamps?`
          )
        }
        const first = Math.min(timestamp - (timestamp % interval) + interval, end)
        fireTime.add(first)
        ctx.registerEventTimeTimer(first)
      }
      return 'CONTINUE'
    },
    onEventTime: (time, window, ctx) => {
      const end = maxTimestamp(window)
      if (time === end) return 'FIRE'
      const fireTime = ctx.getPartitionedState(FIRE_TIME)
      if (fireTime.get() !== time) return 'CONTINUE'
      // End of event time: the window's own firing at its end follows in this same advance, so
      // intermediate firings stop here (Flink would emit one per interval up to the end, and
      // never stop for a global window, whose end is +Infinity).
      if (ctx.currentWatermark() === Infinity) {
        fireTime.clear()
        return 'CONTINUE'
      }
      const next = Math.min(time + interval, end)
      // The state keeps the minimum of what is added: the later time replaces the due one.
      fireTime.clear()
      fireTime.add(next)
      ctx.registerEventTimeTimer(next)
      return 'FIRE'
    },
    onProcessingTime: () => 'CONTINUE',
    onMerge: (window, ctx) => {
      ctx.mergePartitionedState(FIRE_TIME)
      const pending = ctx.getPartitionedState(FIRE_TIME).get()
      if (pending !== undefined) ctx.registerEventTimeTimer(pending)
      const end = maxTimestamp(window)
      if (end > ctx.currentWatermark()) ctx.registerEventTimeTimer(end)
    },
    clear: (window, ctx) => {
      const fireTime = ctx.getPartitionedState(FIRE_TIME)
      const pending = fireTime.get()
      if (pending !== undefined) {
        ctx.deleteEventTimeTimer(pending)
        fireTime.clear()
      }
      ctx.deleteEventTimeTimer(maxTimestamp(window))
    }
  }
}

/**
 * Fires every `interval` of processing time (Flink's `ContinuousProcessingTimeTrigger`). It
 * never purges: each firing sees every element so far.
 *
 * The first element of a window schedules the first firing at the next multiple of `interval`
 * after the current processing time, `now − now % interval + interval`, capped at
 * `maxTimestamp(window)`; each firing schedules the next one `interval` later (capped the same
 * way; once the cap is reached, the next element schedules again). Merged windows keep the
 * earliest scheduled firing.
 *
 * ```
 * continuousProcessingTimeTrigger(5), global window
 * processing   3          4          5      10     15 …
 * element      a          b
 * result       CONTINUE   CONTINUE   FIRE   FIRE   FIRE …
 * scheduled    5          5          10     15     20 …
 * ```
 *
 * @param interval Processing time between firings, in ms; a finite number > 0.
 * @throws RangeError if `interval` is not a finite number > 0.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // a running count every 10 s of wall-clock time in an ever-open global window
 * const everyTenSeconds: ds.Trigger<number> = ds.continuousProcessingTimeTrigger(10_000)
 *
 * @category windowing
 * @since 0.1.0
 */
export function continuousProcessingTimeTrigger<T = unknown>(interval: number): Trigger<T> {
  assertInterval('continuousProcessingTimeTrigger', interval)
  const FIRE_TIME = fireTimeState()
  return {
    name: `continuousProcessingTimeTrigger(${interval})`,
    canMerge: true,
    onElement: (_value, _timestamp, window, ctx) => {
      const fireTime = ctx.getPartitionedState(FIRE_TIME)
      if (fireTime.get() === undefined) {
        const now = ctx.currentProcessingTime()
        const first = Math.min(now - (now % interval) + interval, maxTimestamp(window))
        fireTime.add(first)
        ctx.registerProcessingTimeTimer(first)
      }
      return 'CONTINUE'
    },
    onEventTime: () => 'CONTINUE',
    onProcessingTime: (time, window, ctx) => {
      const fireTime = ctx.getPartitionedState(FIRE_TIME)
      if (fireTime.get() !== time) return 'CONTINUE'
      const next = Math.min(time + interval, maxTimestamp(window))
      if (next > time) {
        fireTime.clear()
        fireTime.add(next)
        ctx.registerProcessingTimeTimer(next)
      } else {
        // Capped at the end of the window, which has come: nothing left to schedule (Flink
        // would re-register the same past time and fire again and again).
        fireTime.clear()
      }
      return 'FIRE'
    },
    onMerge: (_window, ctx) => {
      ctx.mergePartitionedState(FIRE_TIME)
      const pending = ctx.getPartitionedState(FIRE_TIME).get()
      if (pending !== undefined) ctx.registerProcessingTimeTimer(pending)
    },
    clear: (_window, ctx) => {
      const fireTime = ctx.getPartitionedState(FIRE_TIME)
      const pending = fireTime.get()
      if (pending !== undefined) {
        ctx.deleteProcessingTimeTimer(pending)
        fireTime.clear()
      }
    }
  }
}

/**
 * The default event-time trigger with early firings on the processing-time clock: early
 * results while a window is open, its on-time result when the watermark passes its end, and a
 * late result for each record within the allowed lateness (Beam's
 * `AfterWatermark.pastEndOfWindow().withEarlyFirings(AfterProcessingTime.pastFirstElementInPane().alignedTo(interval))`).
 * `windowBy(assigner).earlyFirings(interval)` sets it; give it yourself to wrap it, e.g. in
 * {@link purgingTrigger} for discarding panes.
 *
 * - Everything {@link eventTimeTrigger} does, it does: a timer at `maxTimestamp(window)` fires
 *   the window on time, and an element of a complete window fires it at once (late).
 * - Early firings: each element schedules one at the next multiple of `interval` of
 *   processing time (a processing-time timer, so the same one for every element until it
 *   rings). A window fires early only if it got elements since its last firing, at most once
 *   per tick, and ticks are the same for every window and key, so the results of a tick come
 *   together (a dashboard redraws once). A tick after the watermark passed the window's end
 *   does nothing: the on-time firing has come, or comes with that watermark (so does the end
 *   of input, which fires every window on time).
 * - It never purges: each firing sees every element so far (accumulating panes).
 * - It keeps no state but its timers. Sessions that merge: the element that merges them
 *   schedules the merged window's next tick.
 *
 * ```
 * eventTimeTriggerWithEarlyFirings(1000), window [0, 10000), maxTimestamp 9999
 * processing  0       300     1000        1500    2000          2400          3000
 * element     a       b                   c
 * watermark                                                     W(9999)
 * result      CONT.   CONT.   FIRE: a b   CONT.   FIRE: a b c   FIRE: a b c   (no tick: nothing new)
 * pane                        EARLY #0            EARLY #1      ON_TIME #2
 * next tick   1000    1000    –           2000    –             –
 * ```
 *
 * @param interval Processing time between early firings, in ms; a finite number > 0.
 * @throws RangeError if `interval` is not a finite number > 0.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // a running count every second of wall-clock time, the final one when the watermark passes
 * const trigger: ds.Trigger<number> = ds.eventTimeTriggerWithEarlyFirings(1_000)
 * trigger.name // 'eventTimeTriggerWithEarlyFirings(1000)'
 *
 * @category windowing
 * @since 0.1.0
 */
export function eventTimeTriggerWithEarlyFirings<T = unknown>(interval: number): Trigger<T> {
  assertInterval('eventTimeTriggerWithEarlyFirings', interval)
  // The tick after `now`. The pending early firing of a window, if any, is always this one: an
  // element schedules the tick after it, and ticks up to now have rung. So the trigger keeps
  // no state: what it must know is its timers (snapshotted with the window).
  const nextTick = (ctx: TriggerContext): number => {
    const now = ctx.currentProcessingTime()
    return now - floorMod(now, interval) + interval
  }
  return {
    name: `eventTimeTriggerWithEarlyFirings(${interval})`,
    canMerge: true,
    onElement: (_value, _timestamp, window, ctx) => {
      const end = maxTimestamp(window)
      if (end <= ctx.currentWatermark()) return 'FIRE'
      ctx.registerEventTimeTimer(end)
      // Once per tick and window: registering the same timer again is a no-op.
      ctx.registerProcessingTimeTimer(nextTick(ctx))
      return 'CONTINUE'
    },
    onEventTime: (time, window, ctx) => {
      if (time !== maxTimestamp(window)) return 'CONTINUE'
      // The on-time firing sees everything a pending early one would.
      ctx.deleteProcessingTimeTimer(nextTick(ctx))
      return 'FIRE'
    },
    // Every processing-time timer of the window is a tick: elements came since the last one.
    onProcessingTime: (_time, window, ctx) => (maxTimestamp(window) <= ctx.currentWatermark() ? 'CONTINUE' : 'FIRE'),
    onMerge: (window, ctx) => {
      // The element that merged the windows schedules the merged window's tick (`onElement`).
      const end = maxTimestamp(window)
      if (end > ctx.currentWatermark()) ctx.registerEventTimeTimer(end)
    },
    clear: (window, ctx) => {
      ctx.deleteProcessingTimeTimer(nextTick(ctx))
      ctx.deleteEventTimeTimer(maxTimestamp(window))
    }
  }
}

/**
 * Fires when an element differs enough from the one of the last firing (Flink's
 * `DeltaTrigger`). The first element of a window becomes the reference (no firing); each later
 * element fires when `delta(reference, element) > threshold`, and then becomes the reference.
 * It cannot merge windows.
 *
 * ```
 * deltaTrigger(10, (a, b) => b - a)
 * element     5         12        16      20        27
 * reference   5         5         16      16        27
 * result      CONTINUE  CONTINUE  FIRE    CONTINUE  FIRE
 * ```
 *
 * @param threshold The delta to exceed; a number (not NaN).
 * @param delta How far apart two elements are: `(reference, element) => number`.
 * @param codec How the reference element goes into snapshots (Flink's `DeltaTrigger` takes a
 *   serializer): then it is kept in value state through this codec. Without one it is kept as
 *   plain JSON data, and an element that is not fails the snapshot.
 * @throws RangeError if `threshold` is not a number; TypeError if `delta` is not a function.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Reading { sensor: string; celsius: number }
 * // evaluate whenever the temperature moved more than 2 degrees since the last evaluation
 * const onChange = ds.deltaTrigger<Reading>(2, (ref, r) => Math.abs(r.celsius - ref.celsius))
 *
 * @category windowing
 * @since 0.1.0
 */
export function deltaTrigger<T>(threshold: number, delta: (oldValue: T, newValue: T) => number, codec?: t.Type<T, unknown>): Trigger<T> {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new RangeError(`deltaTrigger: threshold must be a number, got ${describeValue(threshold)}`)
  }
  if (typeof delta !== 'function') {
    throw new TypeError(`deltaTrigger: delta must be a function (oldValue, newValue) => number, got ${describeValue(delta)}`)
  }
  // Boxed, so that an `undefined` element is a reference too.
  const lastFired = codec === undefined ? undefined : valueState(LAST_FIRED, t.type({ value: codec }))
  const referenceOf = (ctx: TriggerContext): TriggerState<{ readonly value: T }> =>
    lastFired === undefined ? ctx.getState<{ readonly value: T }>(LAST_FIRED) : ctx.getPartitionedState(lastFired)
  return {
    name: `deltaTrigger(${threshold})`,
    canMerge: false,
    onElement: (value, _timestamp, _window, ctx) => {
      const last = referenceOf(ctx)
      const reference = last.value()
      if (reference === undefined) {
        last.update({ value })
        return 'CONTINUE'
      }
      if (delta(reference.value, value) > threshold) {
        last.update({ value })
        return 'FIRE'
      }
      return 'CONTINUE'
    },
    onEventTime: () => 'CONTINUE',
    onProcessingTime: () => 'CONTINUE',
    clear: (_window, ctx) => referenceOf(ctx).clear()
  }
}

/**
 * Never fires (the default trigger of `globalWindows()`, whose results therefore come only from
 * a trigger of your own). It can merge.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const silent: ds.Trigger<unknown> = ds.neverTrigger()
 * silent.name // 'neverTrigger()'
 *
 * @category windowing
 * @since 0.1.0
 */
export function neverTrigger<T = unknown>(): Trigger<T> {
  return {
    name: 'neverTrigger()',
    canMerge: true,
    onElement: () => 'CONTINUE',
    onEventTime: () => 'CONTINUE',
    onProcessingTime: () => 'CONTINUE',
    onMerge: () => {},
    clear: () => {}
  }
}

/**
 * Fires once, at the end of the input: each element sets an event-time timer at `+Infinity`,
 * which rings only when the input completes (the final watermark). Flink's FLIP-331 global
 * windows that fire once at end of input use it.
 *
 * ```
 * element    a          b          (input completes)
 * watermark                   W(50)                    W(+Infinity)
 * result     CONTINUE   CONTINUE   CONTINUE            FIRE
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const atTheEnd: ds.Trigger<number> = ds.endOfInputTrigger()
 * atTheEnd.name // 'endOfInputTrigger()'
 *
 * @category windowing
 * @since 0.1.0
 */
export function endOfInputTrigger<T = unknown>(): Trigger<T> {
  return {
    name: 'endOfInputTrigger()',
    canMerge: true,
    onElement: (_value, _timestamp, _window, ctx) => {
      ctx.registerEventTimeTimer(Infinity)
      return 'CONTINUE'
    },
    onEventTime: time => (time === Infinity ? 'FIRE' : 'CONTINUE'),
    onProcessingTime: () => 'CONTINUE',
    onMerge: (_window, ctx) => ctx.registerEventTimeTimer(Infinity),
    clear: (_window, ctx) => ctx.deleteEventTimeTimer(Infinity)
  }
}

// -------------------------------------------------------------------------------------
// internal
// -------------------------------------------------------------------------------------

/** State names, prefixed so that triggers composed by hand do not share a cell by accident. */
// Descriptors are made by the trigger factories, not at the top of the module: importing a
// trigger then does not pull in the codecs.

/** Elements since the last firing (Flink's `CountTrigger` keeps a reducing state "count"). */
function countState(): ReducingStateDescriptor<number> {
  return reducingState('countTrigger.count', (a: number, b: number) => a + b, t.number)
}

/** The next intermediate firing; merged windows keep the earliest (a reducing state by minimum, as Flink's). */
function fireTimeState(): ReducingStateDescriptor<number> {
  return reducingState('continuousTrigger.fireTime', Math.min, t.number)
}
const LAST_FIRED = 'deltaTrigger.lastFired'

/** `x mod n` in `[0, n)`, also for a negative clock (a scheduler may count from anywhere). */
function floorMod(x: number, n: number): number {
  const r = x % n
  return r < 0 ? r + n : r
}

function assertInterval(factory: string, interval: number): void {
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0) {
    throw new RangeError(`${factory}: interval must be a finite number of milliseconds > 0, got ${describeValue(interval)}`)
  }
}

function isTrigger(value: unknown): value is Trigger<unknown> {
  if (typeof value !== 'object' || value === null) return false
  const t = value as Partial<Record<keyof Trigger<unknown>, unknown>>
  return (
    typeof t.onElement === 'function' &&
    typeof t.onEventTime === 'function' &&
    typeof t.onProcessingTime === 'function' &&
    typeof t.clear === 'function'
  )
}
