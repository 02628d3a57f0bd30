/**
 * @internal
 * The runtime behind `assignTimestampsAndWatermarks` (Flink's `TimestampsAndWatermarksOperator`
 * with its `WatermarkToDataOutput`): stamps records, drives the generator, forwards only
 * advancing watermarks, turns idleness into status elements, and flushes at end of input.
 * Everything that depends on silence (idleness, clock advance) lives in the generator's
 * wrappers; the operator only ticks for them.
 *
 * Its snapshot is the last watermark it emitted and whether the stream is idle, so that a
 * restored operator never emits a watermark at or below one already emitted, nor a status
 * already in force; with the generator's own state, if it has `snapshotState` (Flink keeps
 * neither: its generators start afresh after a restore).
 */
import type { SchedulerLike, Subscription } from 'rxjs'
import { messageOf, StateError, TimestampError, WatermarkError } from '../core/errors'
import { ACTIVE, IDLE, NO_TIMESTAMP } from '../core/StreamElement'
import { BoundedOutOfOrderness, type WatermarkGenerator, type WatermarkOutput } from '../core/WatermarkGenerator'
import type { TimestampAssigner, WatermarkStrategy } from '../core/WatermarkStrategy'
import type { OperatorInfo } from '../core/OperatorOptions'
import { describeValue } from '../core/describe'
import { invalidTimestampReason } from '../core/timestamps'
import { asStreamError, NO_KEY } from '../runtime/host'
import type { ChainContext } from '../runtime/Output'
import type { ChainOutput } from '../runtime/Output'
import { AbstractStreamOperator, type OneInput, type RestoredParts, type SnapshotParts } from '../runtime/StreamOperator'
import { decodeTime, encodeTime, jsonIncompatibility, ownField } from '../state/snapshotFormat'

/**
 * @internal
 * The head of its chain: the host hands it the source's plain values, without timestamps.
 * Per subscription, a fresh generator and periodic emitter.
 */
export class TimestampsAndWatermarksOperator<T> extends AbstractStreamOperator<T, never> implements OneInput<T>, WatermarkOutput {
  private readonly generator: WatermarkGenerator<T>
  private readonly assigner: TimestampAssigner<T> | undefined
  private lastWatermark = -Infinity
  private idle = false
  private periodic: Subscription | undefined
  /**
   * With a watermark per record, the period of the ticks that still notice silence (idleness,
   * clock advance): the shorter timeout; `undefined` if neither is set.
   */
  private readonly quietTick: number | undefined
  /**
   * The built-in bounded-out-of-orderness generator, when it is asked after every record
   * (`autoWatermarkInterval: 0`) and not wrapped, and there is a timestamp assigner: its `onEvent`,
   * `onPeriodicEmit` and the `emitWatermark` they lead to are then done inline, as one
   * comparison per record (see `record`). `undefined` for every other generator, which keeps
   * the general path (`processValue`).
   */
  private bounded: BoundedOutOfOrderness<T> | undefined

  constructor(
    info: OperatorInfo,
    strategy: WatermarkStrategy<T>,
    output: ChainOutput<T, never>,
    context: ChainContext,
    private readonly scheduler: SchedulerLike,
    /** 0: ask the generator after every record. */
    private readonly autoWatermarkInterval: number
  ) {
    super(info, output, context)
    this.assigner = strategy.timestampAssigner
    const timeouts = [strategy.idleTimeout, strategy.clockAdvance?.idleTimeout].filter((t): t is number => t !== undefined)
    this.quietTick = timeouts.length === 0 ? undefined : Math.min(...timeouts)
    this.generator = strategy.createWatermarkGenerator({
      operatorName: info.name,
      currentProcessingTime: () => scheduler.now()
    })
    const generator = this.generator
    this.bounded = autoWatermarkInterval === 0 && generator instanceof BoundedOutOfOrderness && this.assigner !== undefined ? generator : undefined
  }

  /**
   * A value of the source: what it throws is reported with the value, as the operator received it.
   * With the built-in bounded generator (`bounded`) the whole per-record work is done here,
   * `forward` with the generator's `onEvent`, `onPeriodicEmit` and `emitWatermark` inline: the
   * watermark emitted is always at least max − bound − 1 (it was emitted when the maximum last
   * rose, and a restore that breaks this leaves the inline path), so only a record raising the
   * maximum can raise it; every other record's watermark would be dropped as not advancing.
   *
   * In this method, not one of its own: every method on a record's path is compiled on its
   * own once it is hot, each with the rest of the chain inlined into it, and a benchmark round
   * after a full collection compiles them all again (see bench/README.md, *The source stage's
   * recompilation per round*); one method fewer is one such compilation fewer.
   */
  record(value: T, previousTimestamp: number): void {
    if (this.destination.closed) return
    try {
      const bounded = this.bounded
      if (bounded === undefined) {
        this.processValue(value, previousTimestamp)
        return
      }
      const timestamp = this.assigner!(value, previousTimestamp)
      if (typeof timestamp !== 'number' || timestamp - timestamp !== 0) throw this.invalidTimestamp(value, timestamp)
      this.output.record(value, timestamp, NO_KEY)
      // No call takes the timestamp or the watermark as an argument here but the outputs': V8
      // boxes a double passed to a function it did not inline, an allocation per record.
      if (timestamp > bounded.maxTimestamp) {
        bounded.maxTimestamp = timestamp
        const watermark = timestamp - bounded.bound - 1
        if (watermark > this.lastWatermark) {
          this.lastWatermark = watermark
          if (this.idle) this.markActive()
          this.watermarkOutput.watermark(watermark)
        }
      }
    } catch (error) {
      this.chain.fail(this.output, this.info, error, value)
    }
  }

  /**
   * Starts periodic emission (after any restore, as Flink's operator starts it in `open`); what
   * a tick throws runs off-stack, so it errors the stream through the chain.
   */
  override open(): void {
    // With per-record emission, ticks are still needed to notice silence (no records = no checks).
    const interval = this.autoWatermarkInterval > 0 ? this.autoWatermarkInterval : this.quietTick
    if (interval === undefined) return
    const tick = (): void => {
      try {
        this.generator.onPeriodicEmit(this)
      } catch (error) {
        this.chain.fail(this.output, this.info, asStreamError(this.info, error, undefined, 'emitting a periodic watermark'))
      }
    }
    this.periodic = this.scheduler.schedule(function () {
      tick()
      this.schedule(undefined, interval)
    }, interval)
  }

  override close(): void {
    this.periodic?.unsubscribe()
    this.periodic = undefined
  }

  /** Its input is plain values, without watermarks: none until it ends, the end of event time after. */
  override currentInputWatermark(): number {
    return this.ended ? Infinity : -Infinity
  }

  override currentOutputWatermark(): number {
    return this.lastWatermark
  }

  // ---- snapshots ----

  override snapshotParts(): SnapshotParts {
    const own = { lastWatermark: encodeTime(this.lastWatermark), idle: this.idle }
    const generator = this.generator
    if (generator.snapshotState === undefined) return { own }
    let state: unknown
    try {
      state = generator.snapshotState()
    } catch (error) {
      throw new StateError(this.info, 'watermarkGenerator', `the generator's snapshotState threw: ${messageOf(error)}`, { cause: error })
    }
    const reason = jsonIncompatibility(state, 'state')
    if (reason !== undefined) throw new StateError(this.info, 'watermarkGenerator', `cannot snapshot the generator's state: ${reason}; snapshotState must return plain JSON data`)
    return { own: { ...own, generator: state } }
  }

  /** A generator without `restoreState` keeps its fresh state (see the module comment). */
  override restoreParts(parts: RestoredParts): void {
    this.lastWatermark = decodeTime(this.info, ownField(parts.own, 'lastWatermark'))
    const idle = ownField(parts.own, 'idle')
    if (typeof idle !== 'boolean') throw new StateError(this.info, '*', `cannot restore: the idleness ${describeValue(idle)} is not a boolean`)
    this.idle = idle
    const state = ownField(parts.own, 'generator')
    const generator = this.generator
    if (state === undefined || generator.restoreState === undefined) return
    try {
      generator.restoreState(state)
    } catch (error) {
      throw new StateError(this.info, 'watermarkGenerator', `cannot restore: ${messageOf(error)}`, { cause: error })
    }
    // The inline path relies on the watermark emitted being at least the generator's; a snapshot
    // taken with periodic emission may hold one behind it, which the general path emits with
    // the next record.
    const bounded = this.bounded
    if (bounded !== undefined && bounded.maxTimestamp - bounded.bound - 1 > this.lastWatermark) this.bounded = undefined
  }

  /**
   * Stamps `value`, whose current timestamp is `previousTimestamp`, and forwards it: the general
   * path, which asks the generator (the inline one is in `record`).
   */
  processValue(value: T, previousTimestamp: number = NO_TIMESTAMP): void {
    const assigner = this.assigner
    if (assigner === undefined) {
      this.forward(value, previousTimestamp)
      return
    }
    // Kept apart from the no-assigner path: merging the two timestamps into one variable
    // makes V8 box the double, an allocation per record on the hottest path.
    const timestamp = assigner(value, previousTimestamp)
    // Inline fast path: a finite number is the common case (NaN and ±Infinity fail x - x === 0).
    if (typeof timestamp !== 'number' || timestamp - timestamp !== 0) throw this.invalidTimestamp(value, timestamp)
    this.forward(value, timestamp)
  }

  // Error messages are built out of line: the hot methods stay small enough for V8 to inline
  // them into their caller (it inlines by bytecode size).
  private invalidTimestamp(value: T, timestamp: unknown): TimestampError {
    return new TimestampError(
      this.info,
      `the timestamp assigner returned ${describeValue(timestamp)} for value ${describeValue(value)}: ${invalidTimestampReason(timestamp)}; event timestamps must be finite numbers of milliseconds`
    )
  }

  private forward(value: T, timestamp: number): void {
    this.output.record(value, timestamp, NO_KEY)
    this.generator.onEvent(value, timestamp, this)
    if (this.autoWatermarkInterval === 0) this.generator.onPeriodicEmit(this)
  }

  /** End of input: a last periodic emission, then the end of event time. */
  override finish(): void {
    this.close()
    this.generator.onPeriodicEmit(this)
    this.emitWatermark(Infinity)
  }

  emitWatermark(timestamp: number): void {
    if (typeof timestamp !== 'number' || Number.isNaN(timestamp)) throw this.invalidWatermark(timestamp)
    if (timestamp <= this.lastWatermark) return
    this.lastWatermark = timestamp
    this.markActive()
    this.watermarkOutput.watermark(timestamp)
  }

  private invalidWatermark(timestamp: unknown): WatermarkError {
    return new WatermarkError(this.info, `the watermark generator emitted ${describeValue(timestamp)}, which is not a watermark`)
  }

  markIdle(): void {
    if (this.idle) return
    this.idle = true
    this.output.element(IDLE)
  }

  markActive(): void {
    if (!this.idle) return
    this.idle = false
    this.output.element(ACTIVE)
  }
}
