/**
 * A watermark strategy says where a record's event timestamp comes from and how watermarks
 * are generated (Flink's `WatermarkStrategy`). Apply it with `assignTimestampsAndWatermarks`.
 *
 * @since 0.1.0
 */
import {
  boundedOutOfOrdernessGenerator,
  noWatermarksGenerator,
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
    readonly emitsWatermarks: boolean
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
    return new WatermarkStrategy<T>(this.generatorFactory, assigner, this.idleTimeout, this.emitsWatermarks)
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
    return new WatermarkStrategy<T>(this.generatorFactory, this.timestampAssigner, idleTimeout, this.emitsWatermarks)
  }

  /**
   * Creates a fresh generator (one per subscription), wrapped for idleness if asked.
   *
   * @example
   * import * as ds from 'rx-datastream'
   *
   * const gen = ds.WatermarkStrategy.forMonotonousTimestamps<number>()
   *   .createWatermarkGenerator({ operatorName: 'test', currentProcessingTime: () => 0 })
   */
  createWatermarkGenerator(ctx: WatermarkGeneratorContext): WatermarkGenerator<T> {
    const generator = this.generatorFactory(ctx)
    return this.idleTimeout === undefined
      ? generator
      : withIdleness(generator, this.idleTimeout, () => ctx.currentProcessingTime())
  }
}
