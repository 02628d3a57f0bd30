/**
 * A watermark strategy says where a record's event timestamp comes from and how watermarks
 * are generated (Flink's `WatermarkStrategy`). Apply it with `assignTimestampsAndWatermarks`.
 *
 * @since 0.1.0
 */
import {
  boundedOutOfOrdernessGenerator,
  noWatermarksGenerator,
  withClockAdvance,
  withIdleness,
  type WatermarkGenerator,
  type WatermarkGeneratorContext,
  assertDuration
} from './WatermarkGenerator'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Extracts the event timestamp (ms) of a value. `recordTimestamp` is the timestamp the record
 * already carries, or `-Infinity` if none.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const byField: ds.TimestampAssigner<{ ts: number }> = click => click.ts
 *
 * @category time
 * @since 0.1.0
 */
export type TimestampAssigner<T> = (value: T, recordTimestamp: number) => number

/**
 * Options of {@link WatermarkStrategy.withClockAdvance}.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // one more second of room for clicks that arrive after a pause
 * const options: ds.ClockAdvanceOptions = { maxLag: 1_000 }
 * ds.WatermarkStrategy.forBoundedOutOfOrderness<{ ts: number }>(500)
 *   .withTimestampAssigner(c => c.ts)
 *   .withClockAdvance(5_000, options)
 *
 * @category time
 * @since 0.1.0
 */
export interface ClockAdvanceOptions {
  /**
   * How far (ms) the clock-driven watermark stays behind where the clock would put it: a
   * record that arrives after a pause may lag that much more than the generator's own bound
   * allows and still be on time. Default 0.
   */
  readonly maxLag?: number
}

/**
 * An immutable description of timestamps and watermarks. Build one with a static
 * constructor, then refine it; each refinement returns a new strategy.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Click { user: string; ts: number }
 * const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<Click>(500)
 *   .withTimestampAssigner(c => c.ts)
 *   .withIdleness(10_000)
 *
 * @category time
 * @since 0.1.0
 */
export class WatermarkStrategy<T> {
  private constructor(
    private readonly generatorFactory: (ctx: WatermarkGeneratorContext) => WatermarkGenerator<T>,
    /** The timestamp assigner, if one was set. */
    readonly timestampAssigner: TimestampAssigner<T> | undefined,
    /** The idle timeout in ms, if idleness detection was asked for. */
    readonly idleTimeout: number | undefined,
    /** Whether the strategy produces watermarks at all (false only for `noWatermarks`). */
    readonly emitsWatermarks: boolean,
    /** The quiet time and lag of `withClockAdvance`, if it was asked for. */
    readonly clockAdvance: { readonly idleTimeout: number; readonly maxLag: number } | undefined = undefined
  ) {}

  /**
   * Watermark = highest timestamp seen − `maxOutOfOrderness` − 1: records may arrive up to
   * `maxOutOfOrderness` ms out of order without being late.
   *
   * @example
   * import * as ds from 'rx-datastream'
   *
   * ds.WatermarkStrategy.forBoundedOutOfOrderness<{ ts: number }>(500).withTimestampAssigner(e => e.ts)
   */
  static forBoundedOutOfOrderness<T>(maxOutOfOrderness: number): WatermarkStrategy<T> {
    assertDuration('forBoundedOutOfOrderness: maxOutOfOrderness', maxOutOfOrderness)
    return new WatermarkStrategy<T>(() => boundedOutOfOrdernessGenerator<T>(maxOutOfOrderness), undefined, undefined, true)
  }

  /**
   * For timestamps that never decrease: watermark = highest timestamp seen − 1.
   *
   * @example
   * import * as ds from 'rx-datastream'
   *
   * ds.WatermarkStrategy.forMonotonousTimestamps<{ ts: number }>().withTimestampAssigner(e => e.ts)
   */
  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => boundedOutOfOrdernessGenerator<T>(0), undefined, undefined, true)
  }

  /**
   * No watermarks: event time advances only when the input ends (`+Infinity`). Records may
   * then carry no timestamp at all, for processing-time pipelines.
   *
   * @example
   * import * as ds from 'rx-datastream'
   *
   * ds.WatermarkStrategy.noWatermarks<string>()
   */
  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => noWatermarksGenerator<T>(), undefined, undefined, false)
  }

  /**
   * A custom periodic or punctuated generator.
   *
   * @example
   * import * as ds from 'rx-datastream'
   *
   * // punctuated: a watermark at every event flagged as the end of a batch
   * ds.WatermarkStrategy.forGenerator<{ ts: number; endOfBatch: boolean }>(() => ({
   *   onEvent: (e, ts, out) => { if (e.endOfBatch) out.emitWatermark(ts) },
   *   onPeriodicEmit: () => {},
   * })).withTimestampAssigner(e => e.ts)
   */
  static forGenerator<T>(factory: (ctx: WatermarkGeneratorContext) => WatermarkGenerator<T>): WatermarkStrategy<T> {
    if (typeof factory !== 'function') {
      throw new TypeError(`forGenerator: expected a generator factory function, got ${String(factory)}`)
    }
    return new WatermarkStrategy<T>(factory, undefined, undefined, true)
  }

  /**
   * Sets where each value's event timestamp comes from.
   *
   * @example
   * import * as ds from 'rx-datastream'
   *
   * ds.WatermarkStrategy.forMonotonousTimestamps<{ at: Date }>().withTimestampAssigner(e => e.at.getTime())
   */
  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    if (typeof assigner !== 'function') {
      throw new TypeError(`withTimestampAssigner: expected a function, got ${String(assigner)}`)
    }
    return new WatermarkStrategy<T>(this.generatorFactory, assigner, this.idleTimeout, this.emitsWatermarks, this.clockAdvance)
  }

  /**
   * Marks the stream idle when no record arrived for more than `idleTimeout` ms of processing
   * time, so operators that combine inputs do not wait for it.
   *
   * @example
   * import * as ds from 'rx-datastream'
   *
   * ds.WatermarkStrategy.forBoundedOutOfOrderness<{ ts: number }>(100).withTimestampAssigner(e => e.ts).withIdleness(5_000)
   */
  withIdleness(idleTimeout: number): WatermarkStrategy<T> {
    assertDuration('withIdleness: idleTimeout', idleTimeout, false)
    return new WatermarkStrategy<T>(this.generatorFactory, this.timestampAssigner, idleTimeout, this.emitsWatermarks, this.clockAdvance)
  }

  /**
   * Lets the watermark follow processing time while no record arrives: once none has come for
   * `idleTimeout` ms, each periodic emit moves the watermark on from the generator's last one
   * at the speed of the clock, so the last windows of a quiet, still open stream (a live
   * dashboard's clicks at night) fire without waiting for the next record.
   *
   * ```text
   * watermark = W + (now − t) − maxLag     while no record for idleTimeout
   *   W: the highest watermark the generator emitted, t: when it first did (processing time)
   * ```
   *
   * For `forBoundedOutOfOrderness(B)` that is about `max + (now − last record) − B − 1`: the
   * watermark the next record would bring if its timestamp followed the clock. The assumption
   * is that event time follows processing time, with a delay that varies by no more than the
   * generator's bound (plus `maxLag`); then no record that would be on time in a busy stream
   * is late after a pause. The trade-off: a record that comes after a pause with more delay
   * than that is late (an `allowedLateness` on the window still takes it in). Records resume
   * the generator's own watermark; the watermark never goes back, and records behind it are
   * late until the generator catches up.
   *
   * The check runs at periodic emits, every `autoWatermarkInterval` (with `0`, every
   * `idleTimeout`). Nothing moves before the generator has emitted a watermark. With
   * `withIdleness` too, the stream may turn idle before the clock takes over; the first
   * clock-driven watermark makes it active again, and it stays active while the clock moves
   * it. A snapshot keeps how long ago the last record came and the watermark was reached:
   * after a restore the time the job was down is not counted. Flink has no such option.
   *
   * @example
   * import * as ds from 'rx-datastream'
   *
   * // clicks' timestamps follow the wall clock; after 5 s without one, event time follows it too
   * ds.WatermarkStrategy.forBoundedOutOfOrderness<{ ts: number }>(500)
   *   .withTimestampAssigner(c => c.ts)
   *   .withClockAdvance(5_000)
   */
  withClockAdvance(idleTimeout: number, options: ClockAdvanceOptions = {}): WatermarkStrategy<T> {
    assertDuration('withClockAdvance: idleTimeout', idleTimeout, false)
    const maxLag = options.maxLag ?? 0
    assertDuration('withClockAdvance: maxLag', maxLag)
    if (!this.emitsWatermarks) {
      throw new TypeError('withClockAdvance: noWatermarks() has no watermark to move on; use a strategy that emits watermarks')
    }
    return new WatermarkStrategy<T>(this.generatorFactory, this.timestampAssigner, this.idleTimeout, this.emitsWatermarks, { idleTimeout, maxLag })
  }

  /**
   * Creates a fresh generator (one per subscription), wrapped for idleness and clock advance
   * if asked (clock advance outside, so that it can hold back idleness while it moves the
   * watermark).
   *
   * @example
   * import * as ds from 'rx-datastream'
   *
   * const gen = ds.WatermarkStrategy.forMonotonousTimestamps<number>()
   *   .createWatermarkGenerator({ operatorName: 'test', currentProcessingTime: () => 0 })
   */
  createWatermarkGenerator(ctx: WatermarkGeneratorContext): WatermarkGenerator<T> {
    const clock = (): number => ctx.currentProcessingTime()
    const generator = this.generatorFactory(ctx)
    const idling = this.idleTimeout === undefined ? generator : withIdleness(generator, this.idleTimeout, clock)
    const advance = this.clockAdvance
    return advance === undefined ? idling : withClockAdvance(idling, advance.idleTimeout, advance.maxLag, clock)
  }
}
