/**
 * @internal
 * Window slicing (as Flink SQL's window slicing): for grid windows (tumbling and sliding event
 * time) with an incremental `aggregate` and the default trigger, each key keeps one
 * accumulator per *pane* (one slide), each record updates exactly one pane, and a
 * firing window merges its panes. Results are identical to the general `WindowOperator`'s
 * (lateness, late firings and the late side output included), at a fraction of the per-record
 * cost for sliding windows, and with no merge at all for tumbling ones (one pane per window).
 */
import type { SchedulerLike, Subscriber } from 'rxjs'
import type { Collector } from '../Collector'
import { DataStreamError, TimestampError } from '../errors'
import { keyId } from '../Key'
import type { OperatorInfo } from '../OperatorOptions'
import type { OutputTag } from '../OutputTag'
import { MAX_WATERMARK, NO_TIMESTAMP, type StreamElement, type StreamRecord, streamRecord } from '../StreamElement'
import { type InternalTimer, InternalTimerService, type Triggerable } from '../TimerService'
import { describeElement } from '../internal/describe'
import { asStreamError } from '../internal/operate'
import { timeWindow, windowStart } from './TimeWindow'
import type { WindowGrid } from './WindowAssigner'
import { emitResult } from './WindowContents'
import { valueStateIn } from '../state/ValueState'
import { emitLateRecord, processWindowContext } from './windowRuntime'
import type { AggregateFunction, ProcessWindowContext, ProcessWindowFunction } from './WindowFunction'

/** @internal */
export interface SlicedWindowConfig<T, ACC, V, R, K> {
  readonly info: OperatorInfo
  readonly assignerName: string
  readonly grid: WindowGrid
  readonly allowedLateness: number
  readonly lateDataTag: OutputTag<T> | undefined
  readonly aggregate: AggregateFunction<T, ACC, V>
  readonly windowFunction: ProcessWindowFunction<V, R, K> | undefined
  readonly scheduler: SchedulerLike
}

interface KeyPanes<K, ACC> {
  readonly key: K
  /** Pane start → accumulator. */
  readonly panes: Map<number, ACC>
  /** Window start → the window function's `windowState`. */
  windowStates: Map<number, Map<string, unknown>> | undefined
  /** The window function's `globalState`: it outlives the key's panes. */
  globalState: Map<string, unknown> | undefined
  /** The pane written last and its accumulator: most records of a key land there again. */
  lastPane: number
  lastAcc: ACC | undefined
}

/**
 * @internal
 * Whether windows of `grid` are sliced: when the size is a multiple of the slide (as Flink
 * SQL's hopping windows require), so that panes are slides and a window spans `size / slide`
 * of them. Other grids would need panes of `gcd(size, slide)`, possibly 1 ms: the general
 * operator is better there.
 */
export function canSlice(grid: WindowGrid | undefined): grid is WindowGrid {
  return grid !== undefined && Number.isSafeInteger(grid.size) && Number.isSafeInteger(grid.slide) && grid.size % grid.slide === 0
}

/** @internal The same interface as `WindowOperator`, for grid windows and `aggregate`. */
export class SlicedWindowOperator<T, ACC, V, R, K> implements Triggerable<K, number> {
  private readonly keys = new Map<unknown, KeyPanes<K, ACC>>()
  private readonly timers: InternalTimerService<K, number>
  private readonly size: number
  private readonly slide: number
  private readonly offset: number
  private readonly pane: number
  private readonly lateness: number
  private lastWatermark = -Infinity
  /** Records dropped as late (no late-data side output). */
  numLateRecordsDropped = 0

  constructor(
    private readonly config: SlicedWindowConfig<T, ACC, V, R, K>,
    private readonly destination: Subscriber<StreamElement<R, K>>,
    fail: (error: unknown) => void
  ) {
    ;({ size: this.size, slide: this.slide, offset: this.offset } = config.grid)
    this.pane = this.slide
    this.lateness = config.allowedLateness
    this.timers = new InternalTimerService<K, number>(this, {
      scheduler: config.scheduler,
      onError: error => fail(asStreamError(config.info, error, undefined, 'firing a processing-time timer'))
    })
  }

  processRecord(record: StreamRecord<T, K>): void {
    const ts = record.timestamp
    if (ts === NO_TIMESTAMP) {
      throw new TimestampError(
        this.config.info,
        `${describeElement(record)} has no timestamp, which event-time windows (${this.config.assignerName}) need: did you forget assignTimestampsAndWatermarks?`
      )
    }
    const { size, slide, offset, lateness } = this
    const watermark = this.timers.currentWatermark()
    // The record's latest window is cleaned last: if even it is late, all are.
    const lastStart = windowStart(ts, offset, slide)
    if (lastStart + size - 1 + lateness <= watermark) {
      this.lateRecord(record)
      return
    }
    const id = keyId(record.key)
    let keyPanes = this.keys.get(id)
    if (keyPanes === undefined) {
      keyPanes = { key: record.key, panes: new Map(), windowStates: undefined, globalState: undefined, lastPane: NaN, lastAcc: undefined }
      this.keys.set(id, keyPanes)
    }
    const paneStart = lastStart // panes are slides: the pane of `ts` starts its latest window
    const { aggregate } = this.config
    const acc = paneStart === keyPanes.lastPane ? keyPanes.lastAcc : keyPanes.panes.get(paneStart)
    let next: ACC
    if (acc === undefined) {
      next = aggregate.add(record.value, aggregate.createAccumulator())
      keyPanes.panes.set(paneStart, next)
      this.registerTimers(record.key, lastStart, ts, watermark)
    } else {
      next = aggregate.add(record.value, acc)
      if (next !== acc) keyPanes.panes.set(paneStart, next)
    }
    keyPanes.lastPane = paneStart
    keyPanes.lastAcc = next
    // Within allowed lateness, a window already past its end fires at once (as the default
    // event-time trigger's onElement does). Every window of the record ends at or after `ts`,
    // so only a record behind the watermark can have one.
    if (ts <= watermark) {
      for (let s = lastStart; s > ts - size; s -= slide) {
        if (s + size - 1 <= watermark && s + size - 1 + lateness > watermark) this.fire(keyPanes, s)
      }
    }
  }

  processWatermark(timestamp: number): void {
    if (timestamp <= this.lastWatermark) return
    this.lastWatermark = timestamp
    this.timers.advanceWatermark(timestamp)
    this.destination.next(timestamp === Infinity ? MAX_WATERMARK : { _tag: 'Watermark', timestamp })
  }

  endOfInput(): void {
    this.processWatermark(Infinity)
  }

  dispose(): void {
    this.timers.dispose()
  }

  onEventTime(timer: InternalTimer<K, number>): void {
    const start = timer.namespace
    const maxTs = start + this.size - 1
    const keyPanes = this.keys.get(keyId(timer.key))
    if (keyPanes === undefined) return
    if (timer.timestamp === maxTs) this.fire(keyPanes, start)
    if (timer.timestamp === maxTs + this.lateness) this.cleanup(keyPanes, start)
  }

  onProcessingTime(): void {
    // Event-time grid windows with the default trigger register no processing-time timers.
  }

  /** Fire and cleanup timers of the (not yet late) windows containing a new pane. */
  private registerTimers(key: K, lastStart: number, ts: number, watermark: number): void {
    const { size, slide, lateness } = this
    for (let s = lastStart; s > ts - size; s -= slide) {
      const maxTs = s + size - 1
      if (maxTs + lateness <= watermark) break // this and every earlier window are late
      if (maxTs > watermark) this.timers.registerEventTimeTimer(key, s, maxTs)
      if (lateness > 0) this.timers.registerEventTimeTimer(key, s, maxTs + lateness)
    }
  }

  private fire(keyPanes: KeyPanes<K, ACC>, start: number): void {
    const { aggregate, windowFunction } = this.config
    const end = start + this.size
    let single: ACC | undefined
    let merged: ACC | undefined
    let count = 0
    for (let p = start; p < end; p += this.pane) {
      const acc = keyPanes.panes.get(p)
      if (acc === undefined) continue
      count++
      if (count === 1) single = acc
      else {
        // Panes are shared by several windows: they are merged into a fresh accumulator, and
        // merge must leave its second argument (a pane) as it is.
        if (count === 2) merged = this.mergeInto(aggregate.createAccumulator(), single as ACC)
        merged = this.mergeInto(merged as ACC, acc)
      }
    }
    if (count === 0) return // an empty window never fires
    const timestamp = end - 1
    const key = keyPanes.key
    const destination = this.destination
    const out: Collector<R> = { collect: value => destination.next(streamRecord(value, timestamp, key)) }
    const result = aggregate.getResult((count === 1 ? single : merged) as ACC)
    emitResult(result, windowFunction, key, this.processContext(keyPanes, start), out)
  }

  private mergeInto(target: ACC, pane: ACC): ACC {
    const merged = this.config.aggregate.merge(target, pane)
    // Only an object can be shared (and corrupted) by being returned.
    if (merged === pane && pane !== target && typeof pane === 'object' && pane !== null) {
      throw new DataStreamError(
        this.config.info,
        `the aggregate's merge returned its second argument; sliding windows (${this.config.assignerName}) share pane accumulators between windows, so merge(a, b) must return a (possibly modified) or a new accumulator, and leave b unchanged`
      )
    }
    return merged
  }

  /** The window starting at `start` is done: drop the panes it was the last window of. */
  private cleanup(keyPanes: KeyPanes<K, ACC>, start: number): void {
    for (let p = start; p < start + this.slide; p += this.pane) keyPanes.panes.delete(p)
    if (keyPanes.lastPane >= start && keyPanes.lastPane < start + this.slide) {
      keyPanes.lastPane = NaN
      keyPanes.lastAcc = undefined
    }
    const fn = this.config.windowFunction
    if (fn !== undefined && typeof fn !== 'function' && fn.clear !== undefined) fn.clear(this.processContext(keyPanes, start))
    keyPanes.windowStates?.delete(start)
    if (keyPanes.panes.size === 0 && (keyPanes.globalState === undefined || keyPanes.globalState.size === 0)) {
      this.keys.delete(keyId(keyPanes.key))
    }
  }

  private processContext(keyPanes: KeyPanes<K, ACC>, start: number): ProcessWindowContext {
    const windowState = (): Map<string, unknown> => {
      const states = (keyPanes.windowStates ??= new Map())
      let state = states.get(start)
      if (state === undefined) states.set(start, (state = new Map()))
      return state
    }
    return processWindowContext(
      timeWindow(start, start + this.size),
      this.timers,
      this.destination,
      descriptor => valueStateIn(descriptor, windowState, () => keyPanes.windowStates?.get(start)),
      descriptor => valueStateIn(descriptor, () => (keyPanes.globalState ??= new Map()), () => keyPanes.globalState)
    )
  }

  private lateRecord(record: StreamRecord<T, K>): void {
    if (emitLateRecord(this.destination, this.config.lateDataTag, record)) this.numLateRecordsDropped++
  }
}
