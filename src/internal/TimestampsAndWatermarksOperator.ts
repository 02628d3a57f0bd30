/**
 * @internal
 * The runtime behind `assignTimestampsAndWatermarks` (Flink's `TimestampsAndWatermarksOperator`
 * with its `WatermarkToDataOutput`): stamps records, drives the generator, forwards only
 * advancing watermarks, turns idleness into status elements, and flushes at end of input.
 */
import { type Observable, type SchedulerLike, Subscription } from 'rxjs'
import { TimestampError, WatermarkError } from '../errors'
import { ACTIVE, IDLE, MAX_WATERMARK, NO_TIMESTAMP, watermark } from '../StreamElement'
import type { WatermarkGenerator, WatermarkOutput } from '../WatermarkGenerator'
import type { TimestampAssigner, WatermarkStrategy } from '../WatermarkStrategy'
import type { OperatorInfo } from '../OperatorOptions'
import { describeValue } from './describe'
import { invalidTimestampReason } from './timestamps'
import { asStreamError } from './operate'
import { ChainSourceSubscriber, type FusedChain, type FusedContext, type FusedSink, NO_KEY } from './fusion'

/** @internal */
export class TimestampsAndWatermarksOperator<T> implements WatermarkOutput {
  private readonly generator: WatermarkGenerator<T>
  private readonly assigner: TimestampAssigner<T> | undefined
  private lastWatermark = -Infinity
  private idle = false
  private periodic: Subscription | undefined

  constructor(
    readonly info: OperatorInfo,
    strategy: WatermarkStrategy<T>,
    /** The next stage of the chain (or the subscriber): records go out as their parts. */
    private readonly output: FusedSink<T, never>,
    private readonly scheduler: SchedulerLike,
    /** 0: ask the generator after every record. */
    private readonly autoWatermarkInterval: number
  ) {
    this.assigner = strategy.timestampAssigner
    this.generator = strategy.createWatermarkGenerator({
      operatorName: info.name,
      currentProcessingTime: () => scheduler.now()
    })
  }

  /** Starts periodic emission; `onTickError` receives what a tick throws (it runs off-stack). */
  start(onTickError: (error: unknown) => void, idleTimeout: number | undefined): void {
    // With per-record emission, ticks are still needed to notice idleness (no records = no checks).
    const interval = this.autoWatermarkInterval > 0 ? this.autoWatermarkInterval : idleTimeout
    if (interval === undefined) return
    const tick = (): void => {
      try {
        this.generator.onPeriodicEmit(this)
      } catch (error) {
        onTickError(asStreamError(this.info, error, undefined, 'emitting a periodic watermark'))
      }
    }
    this.periodic = this.scheduler.schedule(function () {
      tick()
      this.schedule(undefined, interval)
    }, interval)
  }

  stop(): void {
    this.periodic?.unsubscribe()
    this.periodic = undefined
  }

  /** Stamps `value`, whose current timestamp is `previousTimestamp`, and forwards it. */
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

  endOfInput(): void {
    this.stop()
    this.generator.onPeriodicEmit(this)
    this.emitWatermark(Infinity)
  }

  emitWatermark(timestamp: number): void {
    if (typeof timestamp !== 'number' || Number.isNaN(timestamp)) throw this.invalidWatermark(timestamp)
    if (timestamp <= this.lastWatermark) return
    this.lastWatermark = timestamp
    this.markActive()
    this.output.element(timestamp === Infinity ? MAX_WATERMARK : watermark(timestamp))
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

/**
 * @internal
 * The operator as the first stage of a fused chain: per subscription, a fresh generator and
 * periodic emitter, and one subscriber to `source`'s plain values.
 */
export function timestampsAndWatermarksChain<T>(
  source: Observable<T>,
  info: OperatorInfo,
  strategy: WatermarkStrategy<T>,
  scheduler: SchedulerLike,
  autoWatermarkInterval: number
): FusedChain<T, never> {
  return (sink, context) => {
    let op: TimestampsAndWatermarksOperator<T>
    try {
      op = new TimestampsAndWatermarksOperator<T>(info, strategy, sink, scheduler, autoWatermarkInterval)
      op.start(error => context.fail(sink, info, error), strategy.idleTimeout)
    } catch (error) {
      sink.error(asStreamError(info, error))
      return
    }
    const subscriber = new TimestampingSubscriber(op, sink, context)
    context.teardown.add(subscriber)
    context.teardown.add(() => op.stop())
    if (!context.destination.closed) source.subscribe(subscriber)
  }
}

/**
 * Feeds `source`'s values to the operator, with `operate`'s guarantees: what the operator
 * throws is reported as its own (later stages report theirs themselves), and `closed` stops a
 * synchronous source.
 */
class TimestampingSubscriber<T> extends ChainSourceSubscriber<T, T, never> {
  constructor(
    private readonly op: TimestampsAndWatermarksOperator<T>,
    sink: FusedSink<T, never>,
    private readonly context: FusedContext
  ) {
    super(sink)
  }

  next(value: T): void {
    if (this.closed) return
    try {
      this.op.processValue(value)
    } catch (error) {
      this.context.fail(this.sink, this.op.info, error, value)
    }
  }

  protected override endOfInput(): void {
    try {
      this.op.endOfInput()
      this.sink.complete()
    } catch (error) {
      this.context.fail(this.sink, this.op.info, error)
    }
  }
}
