/**
 * Watermark generators decide, from the events they see and the passing of processing time,
 * how far event time has progressed (Flink's `WatermarkGenerator`).
 *
 * @since 0.1.0
 */

import { describeValue } from './describe'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Where a generator sends what it decides. A watermark that does not advance past the last
 * one forwarded is dropped by the operator, so generators may re-emit freely.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const seen: number[] = []
 * const output: ds.WatermarkOutput = { emitWatermark: t => seen.push(t), markIdle: () => {}, markActive: () => {} }
 *
 * @category time
 * @since 0.1.0
 */
export interface WatermarkOutput {
  emitWatermark(timestamp: number): void
  /** Declares the stream idle: multi-input operators stop waiting for it. */
  markIdle(): void
  /** Declares the stream active again (emitting an advancing watermark does so too). */
  markActive(): void
}

/**
 * A watermark generator: punctuated generators emit from `onEvent`, periodic ones from
 * `onPeriodicEmit`, which runs every `autoWatermarkInterval` of processing time.
 *
 * A generator may also say what it remembers, so that a snapshot of its operator carries it
 * over a restore (Flink does not checkpoint generators; a restored one starts afresh): the
 * optional pair `snapshotState` / `restoreState`. The built-in generators implement it. A
 * generator without it starts from scratch after a restore; its operator still never emits a
 * watermark at or below one it emitted before the snapshot.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // punctuated: every event whose `flush` flag is set carries a watermark
 * const punctuated: ds.WatermarkGenerator<{ flush: boolean }> = {
 *   onEvent: (event, ts, out) => { if (event.flush) out.emitWatermark(ts) },
 *   onPeriodicEmit: () => {},
 * }
 *
 * // periodic, with its state carried over a restore: the highest timestamp seen
 * let max: number | null = null
 * const periodic: ds.WatermarkGenerator<unknown> = {
 *   onEvent: (_event, ts) => { if (max === null || ts > max) max = ts },
 *   onPeriodicEmit: out => { if (max !== null) out.emitWatermark(max - 1) },
 *   snapshotState: () => ({ max }),
 *   restoreState: state => { max = (state as { max: number | null }).max },
 * }
 *
 * @category time
 * @since 0.1.0
 */
export interface WatermarkGenerator<T> {
  onEvent(event: T, eventTimestamp: number, output: WatermarkOutput): void
  onPeriodicEmit(output: WatermarkOutput): void
  /**
   * What the generator remembers, as plain JSON data (strings, finite numbers, booleans,
   * `null`, arrays and plain objects of those), for its operator's snapshot. Optional, with
   * `restoreState`.
   */
  snapshotState?(): unknown
  /**
   * Puts back what `snapshotState` returned, into a fresh generator, before any event. Throw
   * an `Error` saying what is wrong if `state` is not what it wrote.
   */
  restoreState?(state: unknown): void
}

/**
 * What a generator factory gets: the operator's name and a processing-time clock (the
 * operator's scheduler), for generators that look at wall-clock time.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const factory = (ctx: ds.WatermarkGeneratorContext): ds.WatermarkGenerator<number> => ({
 *   onEvent: () => {},
 *   onPeriodicEmit: out => out.emitWatermark(ctx.currentProcessingTime() - 60_000),
 * })
 *
 * @category time
 * @since 0.1.0
 */
export interface WatermarkGeneratorContext {
  readonly operatorName: string
  currentProcessingTime(): number
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Flink's `BoundedOutOfOrdernessWatermarks`: tracks the highest timestamp seen and emits
 * `max − maxOutOfOrderness − 1` (`-Infinity` before any event). The `− 1` keeps a record with
 * timestamp exactly `max − maxOutOfOrderness` on time.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const gen = ds.boundedOutOfOrdernessGenerator<unknown>(10)
 * const out = { emitWatermark: (t: number) => console.log(t), markIdle() {}, markActive() {} }
 * gen.onEvent('e', 1337, out)
 * gen.onPeriodicEmit(out) // logs 1326
 *
 * @category time
 * @since 0.1.0
 */
export function boundedOutOfOrdernessGenerator<T>(maxOutOfOrderness: number): WatermarkGenerator<T> {
  assertDuration('maxOutOfOrderness', maxOutOfOrderness)
  return new BoundedOutOfOrderness<T>(maxOutOfOrderness)
}

/**
 * @internal
 * The generator of `boundedOutOfOrdernessGenerator`. Its fields are read by the timestamps
 * operator, which recognises it and, with a watermark after every record, does its work inline
 * (see `TimestampsAndWatermarksOperator`); any other generator, a wrapped one included, is called.
 */
export class BoundedOutOfOrderness<T> implements WatermarkGenerator<T> {
  // -Infinity + bound + 1 is still -Infinity: before any event the watermark is "no watermark".
  maxTimestamp = -Infinity
  constructor(readonly bound: number) {}
  onEvent(_event: T, eventTimestamp: number): void {
    if (eventTimestamp > this.maxTimestamp) this.maxTimestamp = eventTimestamp
  }
  onPeriodicEmit(output: WatermarkOutput): void {
    output.emitWatermark(this.maxTimestamp - this.bound - 1)
  }
  /** `{ maxTimestamp }`, `null` before any event (JSON has no -Infinity). */
  snapshotState(): unknown {
    return { maxTimestamp: this.maxTimestamp === -Infinity ? null : this.maxTimestamp }
  }
  restoreState(state: unknown): void {
    const max = field(state, 'maxTimestamp')
    if (max !== null && !(typeof max === 'number' && Number.isFinite(max))) {
      throw new TypeError(`boundedOutOfOrdernessGenerator: cannot restore ${describeValue(state)}: expected { maxTimestamp: a finite number or null }`)
    }
    this.maxTimestamp = max ?? -Infinity
  }
}

/**
 * A generator that never emits: event time advances only at the end of input.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const gen = ds.noWatermarksGenerator<string>()
 *
 * @category time
 * @since 0.1.0
 */
export function noWatermarksGenerator<T>(): WatermarkGenerator<T> {
  return { onEvent: () => undefined, onPeriodicEmit: () => undefined }
}

/**
 * Flink's `WatermarksWithIdleness`: wraps a generator and marks the stream idle once no
 * event has arrived for more than `idleTimeout` ms of processing time, judged at periodic
 * emits only: the first emit that saw no event since the previous one starts the countdown.
 *
 * @example
 * import { asyncScheduler } from 'rxjs'
 * import * as ds from 'rx-datastream'
 *
 * const gen = ds.withIdleness(ds.boundedOutOfOrdernessGenerator<number>(100), 10_000, () => asyncScheduler.now())
 *
 * @category time
 * @since 0.1.0
 */
export function withIdleness<T>(
  generator: WatermarkGenerator<T>,
  idleTimeout: number,
  clock: () => number
): WatermarkGenerator<T> {
  assertDuration('idleTimeout', idleTimeout, false)
  let events = 0
  let eventsAtLastCheck = 0
  let inactiveSince: number | undefined
  const isIdle = (): boolean => {
    if (events !== eventsAtLastCheck) {
      eventsAtLastCheck = events
      inactiveSince = undefined
      return false
    }
    const now = clock()
    if (inactiveSince === undefined) {
      inactiveSince = now
      return false
    }
    return now - inactiveSince > idleTimeout
  }
  return {
    onEvent(event, eventTimestamp, output) {
      events++
      generator.onEvent(event, eventTimestamp, output)
    },
    onPeriodicEmit(output) {
      if (isIdle()) output.markIdle()
      else generator.onPeriodicEmit(output)
    },
    // Whether an event came since the last check, and since when none came (processing time,
    // which a restore is expected to continue), with the wrapped generator's state if it has one.
    snapshotState() {
      const idleness = { eventSinceCheck: events !== eventsAtLastCheck, inactiveSince: inactiveSince ?? null }
      return generator.snapshotState === undefined ? idleness : { ...idleness, generator: generator.snapshotState() }
    },
    restoreState(state) {
      const eventSinceCheck = field(state, 'eventSinceCheck')
      const since = field(state, 'inactiveSince')
      if (typeof eventSinceCheck !== 'boolean' || (since !== null && !(typeof since === 'number' && Number.isFinite(since)))) {
        throw new TypeError(`withIdleness: cannot restore ${describeValue(state)}: expected { eventSinceCheck: boolean, inactiveSince: a finite number or null, generator? }`)
      }
      events = eventSinceCheck ? 1 : 0
      eventsAtLastCheck = 0
      inactiveSince = since ?? undefined
      const inner = field(state, 'generator')
      if (inner !== undefined && generator.restoreState !== undefined) generator.restoreState(inner)
    }
  }
}

/**
 * @internal
 * What `WatermarkStrategy.withClockAdvance` wraps a generator in. Once no record has arrived
 * for `idleTimeout` ms of processing time (counted from the start if none has), each periodic
 * emit ends with `W + (now − t) − maxLag`: `W` is the highest watermark the generator has
 * emitted and `t` the processing time it first emitted it at. The generator is still asked
 * first, as usual; while the clock moves the watermark, its `markIdle` is held back, because a
 * moving watermark is an active stream (an idleness wrapper inside would otherwise turn the
 * stream idle and active again at every tick).
 *
 * Extrapolating from the generator's own watermark, rather than setting `now − lag`, needs no
 * agreement between the clocks that stamp events and this one, only that their distance stays
 * roughly what it was; and a generator that already follows processing time is not pushed
 * further (its `W` was emitted at `t`, so `W + (now − t)` is where it would be now).
 *
 * Its state is relative: how long ago the last record came and the watermark was reached, so
 * a restore counts neither the time the job was down nor the origin of another clock.
 */
export function withClockAdvance<T>(
  generator: WatermarkGenerator<T>,
  idleTimeout: number,
  maxLag: number,
  clock: () => number
): WatermarkGenerator<T> {
  assertDuration('idleTimeout', idleTimeout, false)
  assertDuration('maxLag', maxLag)
  let now = clock()
  let lastRecordAt = now
  let base = -Infinity
  let baseAt = now
  // Set for the length of one call into the generator: where its output goes.
  let target: WatermarkOutput | undefined
  let holdIdle = false
  let idleHeld = false
  const through: WatermarkOutput = {
    emitWatermark(timestamp) {
      // Only finite watermarks can be moved on; anything else is still the operator's to judge.
      if (timestamp > base && Number.isFinite(timestamp)) {
        base = timestamp
        baseAt = now
      }
      target!.emitWatermark(timestamp)
    },
    markIdle() {
      if (holdIdle) idleHeld = true
      else target!.markIdle()
    },
    markActive() {
      target!.markActive()
    }
  }
  return {
    onEvent(event, eventTimestamp, output) {
      now = clock()
      lastRecordAt = now
      target = output
      generator.onEvent(event, eventTimestamp, through)
    },
    onPeriodicEmit(output) {
      now = clock()
      target = output
      if (now - lastRecordAt < idleTimeout) {
        generator.onPeriodicEmit(through)
        return
      }
      holdIdle = true
      idleHeld = false
      try {
        generator.onPeriodicEmit(through)
      } finally {
        holdIdle = false
      }
      if (base > -Infinity) output.emitWatermark(base + (now - baseAt) - maxLag)
      else if (idleHeld) output.markIdle()
    },
    snapshotState() {
      const at = clock()
      const own = { quietFor: at - lastRecordAt, watermark: base > -Infinity ? base : null, watermarkAge: base > -Infinity ? at - baseAt : null }
      return generator.snapshotState === undefined ? own : { ...own, generator: generator.snapshotState() }
    },
    restoreState(state) {
      const quietFor = field(state, 'quietFor')
      const watermark = field(state, 'watermark')
      const age = field(state, 'watermarkAge')
      const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x)
      const reached = finite(watermark) && finite(age)
      if (!finite(quietFor) || !(reached || (watermark === null && age === null))) {
        throw new TypeError(`withClockAdvance: cannot restore ${describeValue(state)}: expected { quietFor: a finite number, watermark and watermarkAge: both finite numbers or both null, generator? }`)
      }
      const at = clock()
      lastRecordAt = at - quietFor
      base = reached ? watermark : -Infinity
      baseAt = reached ? at - age : at
      const inner = field(state, 'generator')
      if (inner !== undefined && generator.restoreState !== undefined) generator.restoreState(inner)
    }
  }
}

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/** Field `name` of a restored state, `undefined` if it has none. */
function field(state: unknown, name: string): unknown {
  return typeof state === 'object' && state !== null ? (state as Record<string, unknown>)[name] : undefined
}

/** @internal Configuration check: a finite, non-negative (or positive) number of ms. */
export function assertDuration(what: string, value: number, zeroAllowed = true): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0)) {
    throw new RangeError(
      `${what} must be a finite number of milliseconds ${zeroAllowed ? '>= 0' : '> 0'}, got ${String(value)}`
    )
  }
}
