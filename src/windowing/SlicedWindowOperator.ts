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
import { MAX_WATERMARK, NO_TIMESTAMP, type StreamElement, type StreamRecord, streamRecord, type Watermark } from '../StreamElement'
import { NumericPriorityQueue } from '../internal/PriorityQueue'
import { describeElement } from '../internal/describe'
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

/** A window's pending event: its firing (at maxTimestamp) or its cleanup (+ allowed lateness). */
const FIRE = 0
const CLEANUP = 1

/**
 * @internal
 * The same interface as `WindowOperator`, for grid windows and `aggregate`. It needs no
 * per-key timers: every window has one pending firing and one cleanup for all its keys (the
 * keys with a pane in it), which keeps long-lived bookkeeping to one entry per window.
 */
export class SlicedWindowOperator<T, ACC, V, R, K> {
  private readonly keys = new Map<unknown, KeyPanes<K, ACC>>()
  /** Window start → the keys with a pane in that window (not yet cleaned). */
  private readonly windowKeys = new Map<number, Set<KeyPanes<K, ACC>>>()
  /** Pending firings and cleanups, by time (firing before cleanup at the same time). */
  private readonly pending = new NumericPriorityQueue<{ readonly start: number; readonly kind: number }>()
  private watermark = -Infinity
  private readonly clock = { currentWatermark: () => this.watermark, currentProcessingTime: () => this.config.scheduler.now() }
  private readonly size: number
  private readonly slide: number
  private readonly offset: number
  private readonly pane: number
  private readonly lateness: number
  /** Records dropped as late (no late-data side output). */
  numLateRecordsDropped = 0

  constructor(
    private readonly config: SlicedWindowConfig<T, ACC, V, R, K>,
    private readonly destination: Subscriber<StreamElement<R, K>>
  ) {
    ;({ size: this.size, slide: this.slide, offset: this.offset } = config.grid)
    this.pane = this.slide
    this.lateness = config.allowedLateness
  }

  /** `key` is the record's key, or `undefined` for all records of `windowAll` (one partition). */
  processRecord(record: StreamRecord<T, K>, key: K): void {
    const ts = record.timestamp
    if (ts === NO_TIMESTAMP) {
      throw new TimestampError(
        this.config.info,
        `${describeElement(record)} has no timestamp, which event-time windows (${this.config.assignerName}) need: did you forget assignTimestampsAndWatermarks?`
      )
    }
    const { size, slide, offset, lateness } = this
    const watermark = this.watermark
    // The record's latest window is cleaned last: if even it is late, all are.
    const lastStart = windowStart(ts, offset, slide)
    if (lastStart + size - 1 + lateness <= watermark) {
      this.lateRecord(record)
      return
    }
    const id = keyId(key)
    let keyPanes = this.keys.get(id)
    if (keyPanes === undefined) {
      keyPanes = { key, panes: new Map(), windowStates: undefined, globalState: undefined, lastPane: NaN, lastAcc: undefined }
      this.keys.set(id, keyPanes)
    }
    const paneStart = lastStart // panes are slides: the pane of `ts` starts its latest window
    const { aggregate } = this.config
    const acc = paneStart === keyPanes.lastPane ? keyPanes.lastAcc : keyPanes.panes.get(paneStart)
    let next: ACC
    if (acc === undefined) {
      next = aggregate.add(record.value, aggregate.createAccumulator())
      keyPanes.panes.set(paneStart, next)
      this.registerWindows(keyPanes, lastStart, ts, watermark)
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

  processWatermark(element: Watermark): void {
    const timestamp = element.timestamp
    if (timestamp <= this.watermark) return
    // As the timer service does: event time is set first, then everything due fires in time
    // order, and only then is the watermark forwarded.
    this.watermark = timestamp
    const pending = this.pending
    while (pending.size > 0 && pending.peekPriority()! <= timestamp) {
      const { start, kind } = pending.pop()!
      const keys = this.windowKeys.get(start)
      if (keys === undefined) continue
      if (kind === FIRE) {
        for (const keyPanes of keys) this.fire(keyPanes, start)
      } else {
        this.windowKeys.delete(start)
        for (const keyPanes of keys) this.cleanup(keyPanes, start)
      }
    }
    this.destination.next(element)
  }

  endOfInput(): void {
    this.processWatermark(MAX_WATERMARK)
  }

  dispose(): void {
    // Nothing scheduled: event time only moves with the input.
  }

  /** Enters a key with a new pane into the (not yet late) windows containing it. */
  private registerWindows(keyPanes: KeyPanes<K, ACC>, lastStart: number, ts: number, watermark: number): void {
    const { size, slide, lateness } = this
    for (let s = lastStart; s > ts - size; s -= slide) {
      const maxTs = s + size - 1
      if (maxTs + lateness <= watermark) break // this and every earlier window are late
      let keys = this.windowKeys.get(s)
      if (keys === undefined) {
        this.windowKeys.set(s, (keys = new Set()))
        // A window already past its end fires at once on its records (processRecord), not here.
        if (maxTs > watermark) this.pending.push(maxTs, FIRE, { start: s, kind: FIRE })
        this.pending.push(maxTs + lateness, CLEANUP, { start: s, kind: CLEANUP })
      }
      keys.add(keyPanes)
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
      this.clock,
      this.destination,
      descriptor => valueStateIn(descriptor, windowState, () => keyPanes.windowStates?.get(start)),
      descriptor => valueStateIn(descriptor, () => (keyPanes.globalState ??= new Map()), () => keyPanes.globalState)
    )
  }

  private lateRecord(record: StreamRecord<T, K>): void {
    if (emitLateRecord(this.destination, this.config.lateDataTag, record)) this.numLateRecordsDropped++
  }
}
