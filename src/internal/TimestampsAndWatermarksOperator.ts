/**
 * @internal
 * The runtime behind `assignTimestampsAndWatermarks` (Flink's `TimestampsAndWatermarksOperator`
 * with its `WatermarkToDataOutput`): stamps records, drives the generator, forwards only
 * advancing watermarks, turns idleness into status elements, and flushes at end of input.
 */
import type { SchedulerLike, Subscriber, Subscription } from 'rxjs'
import { TimestampError, WatermarkError } from '../errors'
import { ACTIVE, IDLE, MAX_WATERMARK, NO_TIMESTAMP, type StreamElement, streamRecord, watermark } from '../StreamElement'
import type { WatermarkGenerator, WatermarkOutput } from '../WatermarkGenerator'
import type { TimestampAssigner, WatermarkStrategy } from '../WatermarkStrategy'
import type { OperatorInfo } from '../OperatorOptions'
import { describeValue } from './describe'
import { invalidTimestampReason } from './timestamps'
import { asStreamError } from './operate'

/** @internal */
export class TimestampsAndWatermarksOperator<T> implements WatermarkOutput {
  private readonly generator: WatermarkGenerator<T>
  private readonly assigner: TimestampAssigner<T> | undefined
  private lastWatermark = -Infinity
  private idle = false
  private periodic: Subscription | undefined

  constructor(
    private readonly info: OperatorInfo,
    strategy: WatermarkStrategy<T>,
    private readonly destination: Subscriber<StreamElement<T>>,
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
    if (typeof timestamp !== 'number' || timestamp - timestamp !== 0) {
      throw new TimestampError(
        this.info,
        `the timestamp assigner returned ${describeValue(timestamp)} for value ${describeValue(value)}: ${invalidTimestampReason(timestamp)}; event timestamps must be finite numbers of milliseconds`
      )
    }
    this.forward(value, timestamp)
  }

  private forward(value: T, timestamp: number): void {
    this.destination.next(streamRecord(value, timestamp))
    this.generator.onEvent(value, timestamp, this)
    if (this.autoWatermarkInterval === 0) this.generator.onPeriodicEmit(this)
  }

  endOfInput(): void {
    this.stop()
    this.generator.onPeriodicEmit(this)
    this.emitWatermark(Infinity)
  }

  emitWatermark(timestamp: number): void {
    if (typeof timestamp !== 'number' || Number.isNaN(timestamp)) {
      throw new WatermarkError(this.info, `the watermark generator emitted ${describeValue(timestamp)}, which is not a watermark`)
    }
    if (timestamp <= this.lastWatermark) return
    this.lastWatermark = timestamp
    this.markActive()
    this.destination.next(timestamp === Infinity ? MAX_WATERMARK : watermark(timestamp))
  }

  markIdle(): void {
    if (this.idle) return
    this.idle = true
    this.destination.next(IDLE)
  }

  markActive(): void {
    if (!this.idle) return
    this.idle = false
    this.destination.next(ACTIVE)
  }
}
