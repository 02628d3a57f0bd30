/**
 * @internal
 * Window slicing (as Flink SQL's window slicing): for grid windows (tumbling and sliding event
 * time) with an incremental `aggregate` or `reduce` and the default trigger, each key keeps
 * one accumulator per *pane* (one slide), each record updates exactly one pane, and a
 * firing window merges its panes. Results are identical to the general `WindowOperator`'s
 * (lateness, late firings and the late side output included), at a fraction of the per-record
 * cost for sliding windows, and with no merge at all for tumbling ones (one pane per window).
 * (For `reduce` on sliding windows: identical when the reduce function is associative and
 * commutative, as Flink expects of it, see `reducePanes`.)
 */
import * as t from 'io-ts'
import { DataStreamError, StateError, TimestampError } from '../core/errors'
import { keyId } from '../core/Key'
import type { OperatorInfo } from '../core/OperatorOptions'
import type { OutputTag } from '../core/OutputTag'
import type { TableCodec } from '../state/KeyedStateBackend'
import { decodeKey, describeErrors, EncodedKey, encodeKey, ownField } from '../state/snapshotFormat'
import { NO_TIMESTAMP, streamRecord } from '../core/StreamElement'
import { NumericPriorityQueue } from '../core/PriorityQueue'
import { describeElement, describeValue } from '../core/describe'
import { timeWindow, windowStart } from './TimeWindow'
import { PaneNumbers } from './paneNumbers'
import type { WindowGrid } from './WindowAssigner'
import { accumulatorValues, emitResult, plainJsonValues, type ValueCodec } from './WindowContents'
import type { OperatorTable } from '../state/OperatorTable'
import type { KeyedStateBackend } from '../state/KeyedStateBackend'
import { AbstractWindowOperator, emitLateRecord, ResultCollector, WindowFunctionContext, type WindowOperatorBaseConfig } from './windowRuntime'
import type { ChainContext } from '../runtime/Output'
import type { ChainOutput } from '../runtime/Output'
import type { AggregateFunction, ProcessWindowContext, ProcessWindowFunction } from './WindowFunction'

/** @internal */
export interface SlicedWindowConfig<T, ACC, V, R, K> extends WindowOperatorBaseConfig {
  readonly assignerName: string
  readonly grid: WindowGrid
  readonly allowedLateness: number
  readonly lateDataTag: OutputTag<T> | undefined
  /** What a pane keeps and how a window combines its panes: from `aggregatePanes` or `reducePanes`. */
  readonly panes: PaneFunction<T, ACC, V>
  readonly windowFunction: ProcessWindowFunction<V, R, K> | undefined
}

/**
 * @internal
 * The incremental function of sliced windows, as one pane and one window see it: an aggregate
 * function (`aggregatePanes`) or a reduce function (`reducePanes`, whose accumulator is the
 * value reduced so far).
 */
export interface PaneFunction<T, ACC, V> {
  /** The accumulator of a pane after its first record. */
  first(value: T): ACC
  /** Adds a later record of the pane; may modify and return `acc`. */
  add(value: T, acc: ACC): ACC
  /**
   * A window's accumulator from its first two panes' (in window order). Panes are shared by
   * the windows that overlap, so neither may be modified.
   */
  combine(first: ACC, second: ACC): ACC
  /** Adds a further pane to what `combine` returned (which this may modify), leaving the pane as it is. */
  merge(acc: ACC, pane: ACC): ACC
  getResult(acc: ACC): V
  /** How accumulators go into snapshots, and what messages call one (`accumulator`, `reduced value`). */
  readonly codec: ValueCodec<ACC>
  readonly label: string
}

/**
 * @internal
 * An aggregate function's panes: each pane an accumulator, a window a fresh accumulator its
 * panes are merged into. `merge` must leave its second argument (a pane) unchanged and never
 * return it: returning it is detected (`info` and `assignerName` name the operator then).
 */
export function aggregatePanes<T, ACC, V>(aggregate: AggregateFunction<T, ACC, V>, info: OperatorInfo, assignerName: string): PaneFunction<T, ACC, V> {
  return new AggregatePanes(aggregate, info, assignerName)
}

class AggregatePanes<T, ACC, V> implements PaneFunction<T, ACC, V> {
  readonly codec: ValueCodec<ACC>
  readonly label = 'accumulator'

  constructor(
    private readonly aggregate: AggregateFunction<T, ACC, V>,
    private readonly info: OperatorInfo,
    private readonly assignerName: string
  ) {
    this.codec = accumulatorValues(aggregate as AggregateFunction<never, ACC, V>)
  }

  first(value: T): ACC {
    return this.aggregate.add(value, this.aggregate.createAccumulator())
  }

  add(value: T, acc: ACC): ACC {
    return this.aggregate.add(value, acc)
  }

  combine(first: ACC, second: ACC): ACC {
    return this.merge(this.merge(this.aggregate.createAccumulator(), first), second)
  }

  merge(acc: ACC, pane: ACC): ACC {
    const merged = this.aggregate.merge(acc, pane)
    // Only an object can be shared (and corrupted) by being returned.
    if (merged === pane && pane !== acc && typeof pane === 'object' && pane !== null) {
      throw new DataStreamError(
        this.info,
        `the aggregate's merge returned its second argument; sliding windows (${this.assignerName}) share pane accumulators between windows, so merge(a, b) must return a (possibly modified) or a new accumulator, and leave b unchanged`
      )
    }
    return merged
  }

  getResult(acc: ACC): V {
    return this.aggregate.getResult(acc)
  }
}

/**
 * @internal
 * A reduce function's panes: each pane the value its records reduce to, in arrival order (as
 * the general operator reduces a window); a window the reduction of its panes in window order.
 * For a tumbling window (one pane) that is exactly the general operator's result, whatever the
 * function; for a sliding one it is the same when the function is associative and commutative,
 * which Flink expects of a window's reduce function. Reduced values are shared by the windows
 * that overlap, so the function must not modify its arguments (the general operator shares
 * elements between windows the same way). They go into snapshots as they are: plain JSON data.
 */
export function reducePanes<T>(reduce: (a: T, b: T) => T): PaneFunction<T, T, T> {
  return new ReducePanes(reduce)
}

class ReducePanes<T> implements PaneFunction<T, T, T> {
  readonly codec = plainJsonValues<T>('reduced values are snapshotted as they are, so they must be plain JSON data')
  readonly label = 'reduced value'

  constructor(private readonly reduce: (a: T, b: T) => T) {}

  first(value: T): T {
    return value
  }

  // The function is called as a plain function, as the general operator calls it (no `this`).

  add(value: T, acc: T): T {
    const reduce = this.reduce
    return reduce(acc, value)
  }

  combine(first: T, second: T): T {
    const reduce = this.reduce
    return reduce(first, second)
  }

  merge(acc: T, pane: T): T {
    const reduce = this.reduce
    return reduce(acc, pane)
  }

  getResult(acc: T): T {
    return acc
  }
}

/** @internal A key's panes (one partition's, for `windowAll`). */
export interface KeyPanes<K, ACC> {
  readonly key: K
  /** Pane key (see `numbers`) → accumulator. */
  panes: Map<number, ACC>
  /**
   * How `panes`, `lastPane` and `maxPane` key panes: the operator's numbering when they were
   * keyed, which is the operator's current one unless it fell back to starts since (then the
   * key is renumbered when next reached, see `SlicedWindowOperator.renumber`).
   */
  numbers: PaneNumbers
  /** The key of the pane written last and its accumulator: most records of a key land there again. */
  lastPane: number
  lastAcc: ACC | undefined
  /**
   * The key of the latest pane the key was entered into windows for (`registerWindows`): every window that
   * holds it and is not cleaned up lists the key already. −∞: none.
   */
  maxPane: number
  /**
   * Whether a pane may hold `undefined` (a reduced `undefined`, an aggregate's `undefined`
   * accumulator): only then does a pane read as `undefined` need a second look to tell it
   * from a missing one.
   */
  undefinedAccs: boolean
}

/**
 * A key as an open window lists it: its panes (the heap) or its key id (see
 * `SlicedWindowOperator.byReference`).
 */
type WindowMember<K, ACC> = KeyPanes<K, ACC> | unknown

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
 * The same interface as `WindowOperator`, for grid windows and `aggregate` or `reduce`. It needs no
 * per-key timers: every window has one pending firing and one cleanup for all its keys (the
 * keys with a pane in it), which keeps long-lived bookkeeping to one entry per window.
 */
export class SlicedWindowOperator<T, ACC, V, R, K> extends AbstractWindowOperator<T, R, K, undefined> {
  /** Window key (its start's pane key, see `numbers`) → the keys with a pane in that window (not yet cleaned), as `members`. */
  private windowKeys = new Map<number, Set<WindowMember<K, ACC>>>()
  /**
   * How panes and windows are keyed in `Map`s: by pane number while every start seen has a
   * small one (set at the first pane), by start after one had none (see `paneNumbers.ts`).
   */
  protected numbers: PaneNumbers | undefined = undefined
  /**
   * How a window lists its keys: by their panes objects where the table's values stay in
   * memory (the heap: a firing reaches a key's panes without a lookup), else by key id, the
   * panes read through `getById` when the window fires and is cleaned, so that they can leave
   * memory between (LMDB). See `registerWindows` and `panesOf`.
   */
  private readonly byReference: boolean
  /** Pending firings and cleanups, by time (firing before cleanup at the same time). */
  private readonly pending = new NumericPriorityQueue<{ readonly start: number; readonly kind: number }>()
  private readonly clock = { currentWatermark: () => this.currentWatermark, currentProcessingTime: () => this.config.scheduler.now() }
  private readonly collector = new ResultCollector<R, K>(this.output)
  private readonly windowFunctionContext = new WindowFunctionContext(this.clock, this.output as ChainOutput<unknown, unknown>, this.backend as KeyedStateBackend<unknown>)
  private readonly size: number
  private readonly slide: number
  private readonly offset: number
  /** How many panes a window spans. */
  private readonly panesPerWindow: number
  private readonly lateness: number
  /** The pane of the last record, `[start, end)`, and its key (see `cachePane`); none at first (NaN). */
  protected paneCacheStart = NaN
  protected paneCacheEnd = NaN
  protected paneCacheKey = NaN
  /** The key of the pane `paneOf` found last. */
  private foundKey = NaN
  /**
   * Each key's panes. Records reach them by key id (`getById`: one `Map.get`) without making
   * the key current in the backend, which only panes' first record and cleanup need.
   */
  protected readonly panesOfKey: OperatorTable<K, KeyPanes<K, ACC>>
  /**
   * How many times each key's windows fired so far (by window start), for the panes a window
   * function sees (`ctx.pane`): counted only with allowed lateness and a window function
   * (`countsFirings`). Without lateness a window fires once, on time, and is cleaned at once;
   * without a window function no one sees its panes. The table exists only when counted, or
   * restored from a snapshot taken by an operator that counted (then it empties as its windows
   * are cleaned up): other snapshots are as they were before panes were counted.
   */
  private firings: OperatorTable<K, number> | undefined
  private readonly countsFirings: boolean
  /**
   * The panes of the last record's key (`cachedKey`) where values stay in memory, while it has
   * any: a record of the same key (`windowAll`'s one partition: every record) reaches them
   * without the key's id or a lookup. See `panesOfRecord`.
   */
  protected cachedPanes: KeyPanes<K, ACC> | undefined = undefined
  private cachedKey: unknown = undefined
  /** Its key's id, for the table's copy-on-write (`willChange`). */
  protected cachedId: unknown = undefined
  /** When the first pending firing or cleanup is due (+∞: none), so that a watermark tests one number. */
  private nextDue = Infinity

  constructor(
    protected readonly config: SlicedWindowConfig<T, ACC, V, R, K>,
    output: ChainOutput<R, K>,
    context: ChainContext
  ) {
    // The backend keeps every keyed state: each key's panes, the window function's
    // `windowState` (per window start) and `globalState`.
    super(config, output, context)
    ;({ size: this.size, slide: this.slide, offset: this.offset } = config.grid)
    this.panesPerWindow = this.size / this.slide
    this.lateness = config.allowedLateness
    // Window functions only run for a key: their state is always in a keyed context.
    this.backend.keys.active = true
    // Copy-on-write: panes change in place only after `getById` or `willChange` (see `cleanup`).
    this.panesOfKey = this.backend.internalTable<KeyPanes<K, ACC>>('panes', panesCodec(config.info, config.grid, config.panes, this), { copyOnWrite: true, keepsReferences: false })
    this.byReference = this.panesOfKey.valuesStay
    this.countsFirings = this.lateness > 0 && config.windowFunction !== undefined
    if (this.countsFirings) this.firings = this.firingsTable()
  }

  /**
   * A record, as its parts (fused operators hand records on without building them): `key` is
   * its partition, one for all records of `windowAll`; `recordKey` the key it carries,
   * for messages and the late-data side output.
   */
  override addRecord(value: T, ts: number, key: K, recordKey: unknown): void {
    if (ts === NO_TIMESTAMP) throw this.noTimestamp(value, ts, recordKey)
    const watermark = this.currentWatermark
    // The record's latest window is cleaned last: if even it is late, all are.
    let lastStart: number
    let paneKey: number
    if (ts >= this.paneCacheStart && ts < this.paneCacheEnd && Math.floor(ts) === ts) {
      lastStart = this.paneCacheStart
      paneKey = this.paneCacheKey
    } else {
      lastStart = this.paneOf(ts)
      paneKey = this.foundKey
    }
    if (lastStart + this.size - 1 + this.lateness <= watermark) {
      this.lateRecord(value, ts, recordKey)
      return
    }
    let keyPanes = this.cachedPanes
    if (keyPanes !== undefined && key === this.cachedKey) this.panesOfKey.willChange(this.cachedId) // reached without the table (copy-on-write snapshots)
    else keyPanes = this.panesOfRecord(key)
    if (keyPanes.numbers !== this.numbers) this.renumber(keyPanes)
    // Panes are slides: the pane of `ts` starts its latest window.
    const acc = paneKey === keyPanes.lastPane ? keyPanes.lastAcc : keyPanes.panes.get(paneKey)
    let next: ACC
    if (acc === undefined) {
      next = this.addToNewPane(keyPanes, value, paneKey, lastStart, ts, watermark)
    } else {
      next = this.config.panes.add(value, acc)
      if (next !== acc) {
        keyPanes.panes.set(paneKey, next)
        if (next === undefined) keyPanes.undefinedAccs = true
      }
    }
    keyPanes.lastPane = paneKey
    keyPanes.lastAcc = next
    // Within allowed lateness, a window already past its end fires at once (as the default
    // event-time trigger's onElement does). Every window of the record ends after `ts`, so its
    // maximum timestamp (its end − 1) is after `ts − 1`: only a record less than 1 ms ahead of
    // the watermark can have one (behind it for integer timestamps; not only for others).
    if (ts < watermark + 1) this.fireLateWindows(keyPanes, lastStart, paneKey, ts, watermark)
  }

  // The cold paths of `addRecord` are methods of their own: V8 inlines by bytecode size.

  /** The start of the pane of `ts`, its key in `foundKey`. */
  private paneOf(ts: number): number {
    const start = windowStart(ts, this.offset, this.slide)
    this.foundKey = this.paneKeyOf(start)
    this.cachePane(start)
    return start
  }

  /**
   * The key of the pane starting at `start`, numbering from it if it is the first. Where it,
   * or the earliest window holding it, has no number (see `PaneNumbers.keyOf`), the operator
   * falls back to starts first: the windows are keyed by their panes' keys counted down from
   * the pane's, so all of them must have one.
   */
  paneKeyOf(start: number): number {
    let numbers = this.numbers
    if (numbers === undefined) numbers = this.numbers = PaneNumbers.from(start, this.slide)
    if (!numbers.numbered) return start
    const key = numbers.keyOf(start)
    if (key === key && numbers.keyOf(start - this.size + this.slide) === key - (this.panesPerWindow - 1)) return key
    this.keyByStarts()
    return start
  }

  /** The operator's numbering now, for keys being restored (set by `paneKeyOf`). */
  currentNumbers(): PaneNumbers {
    return this.numbers!
  }

  /**
   * From now on panes and windows are keyed by their starts: the open windows at once, each
   * key's panes when next reached (`renumber`), and the cached pane is forgotten.
   */
  private keyByStarts(): void {
    const old = this.numbers!
    if (!old.numbered) return
    const numbers = (this.numbers = PaneNumbers.starts(this.slide))
    this.windowKeys = new Map(Array.from(this.windowKeys, ([key, keys]) => [numbers.keyOf(old.startOf(key)), keys]))
    this.paneCacheStart = this.paneCacheEnd = this.paneCacheKey = NaN
  }

  /** Keys a key's panes as the operator does now (see `keyByStarts`); in insertion order, as snapshots list them. */
  private renumber(keyPanes: KeyPanes<K, ACC>): void {
    const old = keyPanes.numbers
    const numbers = this.numbers!
    this.panesOfKey.willChange(keyId(keyPanes.key))
    keyPanes.panes = new Map(Array.from(keyPanes.panes, ([key, acc]) => [numbers.keyOf(old.startOf(key)), acc]))
    if (keyPanes.maxPane !== -Infinity) keyPanes.maxPane = numbers.keyOf(old.startOf(keyPanes.maxPane))
    keyPanes.lastPane = NaN
    keyPanes.lastAcc = undefined
    keyPanes.numbers = numbers
  }

  /**
   * The panes of `key`, a key other than the last record's: through the table, or new. Held
   * for the next record only where values stay (on LMDB they may leave memory between records).
   * Keys compare by identity there: a composite key (an array) is a new one per record, found
   * through the table each time, as before.
   */
  private panesOfRecord(key: K): KeyPanes<K, ACC> {
    const id = keyId(key)
    const keyPanes = this.panesOfKey.getById(id) ?? this.newKey(key)
    if (this.byReference) this.cachePanes(keyPanes, key, id)
    return keyPanes
  }

  /** The accumulator of the key's pane written last is now `next` (a reduced value, or an aggregate that returns a new one). */
  protected replaceLastPane(keyPanes: KeyPanes<K, ACC>, next: ACC): void {
    keyPanes.panes.set(keyPanes.lastPane, next)
    keyPanes.lastAcc = next
    if (next === undefined) keyPanes.undefinedAccs = true
  }

  private cachePanes(keyPanes: KeyPanes<K, ACC> | undefined, key: unknown, id: unknown): void {
    this.cachedPanes = keyPanes
    this.cachedKey = key
    this.cachedId = id
  }

  /** The first pane of the current key `key`. */
  private newKey(key: K): KeyPanes<K, ACC> {
    const keyPanes: KeyPanes<K, ACC> = { key, panes: new Map(), numbers: this.numbers!, lastPane: NaN, lastAcc: undefined, maxPane: -Infinity, undefinedAccs: false }
    this.backend.keys.setCurrentKey(key)
    this.panesOfKey.put(undefined, keyPanes)
    return keyPanes
  }

  /**
   * The first record of a key's pane: a new accumulator, and the key joins the pane's windows.
   * (Or a pane whose accumulator is `undefined`, a value like any other: a reduced `undefined`.)
   */
  private addToNewPane(keyPanes: KeyPanes<K, ACC>, value: T, paneKey: number, paneStart: number, ts: number, watermark: number): ACC {
    const { panes } = this.config
    if (keyPanes.undefinedAccs && keyPanes.panes.has(paneKey)) {
      const next = panes.add(value, undefined as ACC)
      keyPanes.panes.set(paneKey, next)
      return next
    }
    const acc = panes.first(value)
    keyPanes.panes.set(paneKey, acc)
    if (acc === undefined) keyPanes.undefinedAccs = true
    this.registerWindows(keyPanes, paneKey, paneStart, ts, watermark)
    return acc
  }
  private noTimestamp(value: T, ts: number, recordKey: unknown): TimestampError {
    return new TimestampError(
      this.config.info,
      `${describeElement(streamRecord(value, ts, recordKey))} has no timestamp, which event-time windows (${this.config.assignerName}) need: did you forget assignTimestampsAndWatermarks?`
    )
  }

  private fireLateWindows(keyPanes: KeyPanes<K, ACC>, lastStart: number, paneKey: number, ts: number, watermark: number): void {
    const { size, slide, lateness } = this
    const step = keyPanes.numbers.step
    for (let s = lastStart, k = paneKey; s > ts - size; s -= slide, k -= step) {
      if (s + size - 1 <= watermark && s + size - 1 + lateness > watermark) this.fire(keyPanes, s, k, false)
    }
  }

  /**
   * Remembers the pane of the last record: most records fall into it too, and finding a pane
   * takes a floating-point remainder (a call into the C library) where this takes two
   * comparisons. Only panes whose bounds, shifted by the offset, are safe integers are cached:
   * for every integer timestamp in them, `windowStart` computes exactly, so it would return
   * this very start (for other timestamps `addRecord` asks `windowStart`). Call it after
   * `paneKeyOf`, which may forget the cache.
   */
  private cachePane(start: number): void {
    const end = start + this.slide
    if (Number.isSafeInteger(start - this.offset) && Number.isSafeInteger(end - this.offset) && Number.isSafeInteger(start) && Number.isSafeInteger(end)) {
      this.paneCacheStart = start
      this.paneCacheEnd = end
      this.paneCacheKey = this.foundKey
    }
  }

  /**
   * A watermark from the operator before (`processWatermark` for the rest: a watermark as an
   * element, the end of input). With a watermark after nearly every record, most advance event
   * time without anything due: they only set it and go on, in this one method. Every method on
   * a watermark's path is compiled on its own once it is hot, each with the rest inlined into
   * it, and again after a full collection (see bench/README.md, *The source stage's
   * recompilation per round*): `watermark`, `processWatermark` and `advanceEventTime` were three.
   * The same as `processWatermark` otherwise: a watermark that does not advance is dropped, and
   * the end of event time (`+Infinity`, never before `nextDue`) takes the full path.
   */
  override watermark(time: number): void {
    if (this.destination.closed) return
    try {
      if (time <= this.currentWatermark) return
      if (time < this.nextDue) {
        this.currentWatermark = time
        this.watermarkOutput.watermark(time)
      } else this.processWatermark(time)
    } catch (error) {
      this.failWatermark(error, time)
    }
  }

  /**
   * Event time reached `time`: the windows' firings and cleanups due by then run in time order
   * (a firing before a cleanup at the same time). Windows need no per-key timers: each has one
   * pending firing and one cleanup for all its keys.
   */
  protected override advanceEventTime(time: number): void {
    // With a watermark after nearly every record, most find nothing due: that test stays small
    // enough for V8 to inline it into the watermark's path, the firings are a call of their own.
    if (time >= this.nextDue) this.runDue(time)
  }

  /** Schedules the firing or the cleanup of the window at `start` (see `nextDue`). */
  private schedule(time: number, kind: number, start: number): void {
    this.pending.push(time, kind, { start, kind })
    if (time < this.nextDue) this.nextDue = time
  }

  /** Runs the firings and cleanups due by `time` (see `advanceEventTime`). */
  private runDue(time: number): void {
    const pending = this.pending
    while (pending.size > 0 && pending.peekPriority()! <= time) {
      const { start, kind } = pending.pop()!
      // Every open window's start has a key (`paneKeyOf`), whichever numbering is current.
      const windowKey = this.numbers!.keyOf(start)
      const keys = this.windowKeys.get(windowKey)
      if (keys === undefined) continue
      if (kind === FIRE) {
        for (const member of keys) this.fire(this.panesOf(member), start, windowKey, true)
      } else {
        this.windowKeys.delete(windowKey)
        for (const member of keys) this.cleanup(this.panesOf(member), start, windowKey)
      }
    }
    this.nextDue = pending.size > 0 ? pending.peekPriority()! : Infinity
  }

  /** Sliced windows register no timers (see `advanceEventTime`). */
  onEventTime(): void {}

  onProcessingTime(): void {}

  /** Enters a key with a new pane into the (not yet late) windows containing it. */
  private registerWindows(keyPanes: KeyPanes<K, ACC>, paneKey: number, lastStart: number, ts: number, watermark: number): void {
    const { size, slide, lateness } = this
    // A pane after the key's latest one (records mostly come in order): the windows at or
    // before that one all hold it, so they list the key already, or are cleaned up and late.
    // A pane before it may be the key's first in some window, so all its windows are looked at.
    // Keys grow with starts, and a window's key is its first pane's (`paneKeyOf`).
    const known = keyPanes.maxPane
    const listed = paneKey > known ? known : -Infinity
    if (paneKey > known) keyPanes.maxPane = paneKey
    const member: WindowMember<K, ACC> = this.byReference ? keyPanes : keyId(keyPanes.key)
    const step = keyPanes.numbers.step
    for (let s = lastStart, k = paneKey; s > ts - size && k > listed; s -= slide, k -= step) {
      const maxTs = s + size - 1
      if (maxTs + lateness <= watermark) break // this and every earlier window are late
      let keys = this.windowKeys.get(k)
      if (keys === undefined) {
        this.windowKeys.set(k, (keys = new Set()))
        // A window already past its end fires at once on its records (addRecord), not here.
        if (maxTs > watermark) this.schedule(maxTs, FIRE, s)
        this.schedule(maxTs + lateness, CLEANUP, s)
      }
      keys.add(member)
    }
  }

  /**
   * The panes of a key a window lists. By id they are read through the table, and marked
   * changed as every read of a live object is (a firing writes them back unchanged): every key
   * a window lists has a pane in it until the window's cleanup, so they are there.
   */
  private panesOf(member: WindowMember<K, ACC>): KeyPanes<K, ACC> {
    const keyPanes = this.byReference ? (member as KeyPanes<K, ACC>) : this.panesOfKey.getById(member)!
    if (keyPanes.numbers !== this.numbers) this.renumber(keyPanes)
    return keyPanes
  }

  /** The key a window lists as `member`. */
  private keyOfMember(member: WindowMember<K, ACC>): K {
    return this.byReference ? (member as KeyPanes<K, ACC>).key : this.panesOfKey.keyById(member)
  }

  /**
   * Evaluates the window at `start` for a key: when the watermark reaches its end (`onTime`),
   * or at a record within the allowed lateness.
   */
  private fire(keyPanes: KeyPanes<K, ACC>, start: number, windowKey: number, onTime: boolean): void {
    const { panes, windowFunction } = this.config
    const end = start + this.size
    const step = keyPanes.numbers.step
    let acc: ACC | undefined
    let count = 0
    if (keyPanes.panes.size === 1 && keyPanes.lastPane === keyPanes.lastPane) {
      // A key with one pane, the one written last (`lastAcc`; most keys of sliding windows):
      // no lookup at all. A window fires only for keys with a pane in it (those it lists, or
      // the record's), so with one pane that is the one.
      acc = keyPanes.lastAcc
      count = 1
    } else {
      // No pane of the key is after its latest (`maxPane`): the lookups stop there.
      const maxPane = keyPanes.maxPane
      for (let i = 0, p = windowKey; i < this.panesPerWindow && p <= maxPane; i++, p += step) {
        const pane = keyPanes.panes.get(p)
        if (pane === undefined && !(keyPanes.undefinedAccs && keyPanes.panes.has(p))) continue
        count++
        // Panes are shared by several windows: combine and merge leave them as they are.
        if (count === 1) acc = pane
        else if (count === 2) acc = panes.combine(acc as ACC, pane as ACC)
        else acc = panes.merge(acc as ACC, pane as ACC)
      }
    }
    if (count === 0) return // an empty window never fires
    const key = this.resultKey(keyPanes.key)
    const result = panes.getResult(acc as ACC)
    // Only a window function sees the key's state and the window's pane.
    if (windowFunction === undefined) this.collector.at(end - 1, key).collect(result as unknown as R)
    else emitResult(result, windowFunction, key, this.firingContext(keyPanes, start, onTime), this.collector.at(end - 1, key))
  }

  /**
   * The context of a firing (see `fire`) and its pane, as the general operator would describe
   * it under the default trigger: there are no early panes; the firing when the watermark
   * reaches the window's end is on time (a key's first firing: late firings come after it);
   * any other is late. Without allowed lateness the on-time firing is the only one, and the
   * window is cleaned up with it: the last. With allowed lateness no firing can know it is.
   */
  private firingContext(keyPanes: KeyPanes<K, ACC>, start: number, onTime: boolean): ProcessWindowContext {
    this.backend.keys.setCurrentKey(keyPanes.key)
    let fired = 0
    if (this.countsFirings) {
      fired = this.firings!.get(start) ?? 0
      this.firings!.put(start, fired + 1)
    }
    const timing = onTime && fired === 0 ? 'ON_TIME' : 'LATE'
    return this.windowFunctionContext.firing(timeWindow(start, start + this.size), start, timing, fired, fired, this.lateness === 0)
  }

  /** The window starting at `start` is done: drop the panes it was the last window of. */
  private cleanup(keyPanes: KeyPanes<K, ACC>, start: number, windowKey: number): void {
    // On the heap reached through `windowKeys`, not the table: a snapshot being written keeps the panes first.
    this.panesOfKey.willChange(keyId(keyPanes.key))
    // A window's first pane is the one it was the last window of (panes are slides).
    keyPanes.panes.delete(windowKey)
    if (keyPanes.lastPane === windowKey) {
      keyPanes.lastPane = NaN
      keyPanes.lastAcc = undefined
    }
    const fn = this.config.windowFunction
    if (fn !== undefined && typeof fn !== 'function' && fn.clear !== undefined) fn.clear(this.processContext(keyPanes, start))
    this.backend.keys.setCurrentKey(keyPanes.key)
    this.backend.clearNamespace(start)
    this.firings?.remove(start)
    if (keyPanes.panes.size === 0) {
      this.panesOfKey.remove(undefined)
      if (keyPanes === this.cachedPanes) this.cachePanes(undefined, undefined, undefined)
    }
  }

  private firingsTable(): OperatorTable<K, number> {
    return this.backend.internalTable<number>(WINDOW_FIRINGS, firingsCodec(this.config.grid), { copyOnWrite: true, keepsReferences: false })
  }

  private processContext(keyPanes: KeyPanes<K, ACC>, start: number): ProcessWindowContext {
    this.backend.keys.setCurrentKey(keyPanes.key)
    return this.windowFunctionContext.at(timeWindow(start, start + this.size), start)
  }


  // ---- snapshots ----

  /**
   * Which keys are in which window, and the pending firings and cleanups, follow from the
   * panes and the watermark and are rebuilt on restore (`restoreOwn`). Only the order in which
   * a window's keys fire does not: it is the order of their first records in the window, so it
   * is written, per open window.
   */
  protected override snapshotOwn(): Record<string, unknown> {
    const numbers = this.numbers
    return { windowKeys: Array.from(this.windowKeys, ([key, keys]) => [numbers!.startOf(key), Array.from(keys, member => encodeKey(this.keyOfMember(member)))]) }
  }

  /** Rebuilds `windowKeys` and `pending` from the restored panes and watermark (see `snapshotOwn`). */
  protected override restoreOwn(own: unknown): void {
    // Counts of an operator that counted firings (see `firings`): kept until their windows go.
    if (this.firings === undefined && this.backend.unclaimedTables().includes(WINDOW_FIRINGS)) this.firings = this.firingsTable()
    this.windowKeys.clear()
    this.pending.clear()
    this.nextDue = Infinity
    const encodedOrder = ownField(own, 'windowKeys')
    if (encodedOrder === undefined) throw this.notSliced('it lists no windowKeys')
    const members = this.openWindowsOfPanes()
    const order = this.decodeWindowOrder(encodedOrder)
    // Every key listed in a window has a pane in it (a pane goes at the cleanup of the last
    // window it is in). A window listed without any is one of the general operator's, whose
    // windows are in a table of their own that this operator would silently leave aside.
    for (const [start, keys] of order) {
      if (keys.length > 0 && !members.has(start)) throw this.notSliced(`key ${describeValue(keys[0])} is listed in the window starting at ${start}, but has no pane in it`)
    }
    this.cachePanes(undefined, undefined, undefined)
    this.paneCacheStart = this.paneCacheEnd = this.paneCacheKey = NaN
    for (const [start, keys] of members) {
      // Every start has a key: the restored panes' windows were keyed as they were read (`paneKeyOf`).
      this.windowKeys.set(this.numbers!.keyOf(start), this.inFiringOrder(start, keys, order.get(start) ?? []))
      const maxTs = start + this.size - 1
      if (maxTs > this.currentWatermark) this.schedule(maxTs, FIRE, start)
      this.schedule(maxTs + this.lateness, CLEANUP, start)
    }
  }

  private notSliced(detail: string): StateError {
    return new StateError(
      this.info,
      'windowKeys',
      `cannot restore: ${detail}; was the snapshot taken by sliced windows (aggregate or reduce over ${this.config.assignerName} with the default trigger), and not by windows with a trigger or an evictor given, or another window function?`
    )
  }

  /** Every window not cleaned up yet at the watermark (by start), with the keys that have a pane in it. */
  private openWindowsOfPanes(): Map<number, Set<WindowMember<K, ACC>>> {
    const { size, slide, lateness, currentWatermark: watermark } = this
    const members = new Map<number, Set<WindowMember<K, ACC>>>()
    for (const { id, value: keyPanes } of this.panesOfKey.entries()) {
      if (keyPanes === undefined) continue
      const member = this.byReference ? keyPanes : id
      for (const paneKey of keyPanes.panes.keys()) {
        const pane = keyPanes.numbers.startOf(paneKey)
        for (let s = pane; s > pane - size; s -= slide) {
          if (s + size - 1 + lateness <= watermark) break // cleaned up, as every earlier one
          let keys = members.get(s)
          if (keys === undefined) members.set(s, (keys = new Set()))
          keys.add(member)
        }
      }
    }
    return members
  }

  /** `keys` (of the window at `start`) in the snapshot's order, which must list exactly them. */
  private inFiringOrder(start: number, keys: ReadonlySet<WindowMember<K, ACC>>, order: readonly unknown[]): Set<WindowMember<K, ACC>> {
    const ordered = new Set<WindowMember<K, ACC>>()
    for (const key of order) {
      const id = keyId(key)
      const member = this.byReference ? this.panesOfKey.getById(id) : id
      if (member === undefined || !keys.has(member)) {
        throw new StateError(this.info, 'windowKeys', `cannot restore: key ${describeValue(key)} is listed in the window starting at ${start}, but has no pane in it`)
      }
      ordered.add(member)
    }
    if (ordered.size !== keys.size) {
      const missing = [...keys].find(member => !ordered.has(member))!
      throw new StateError(this.info, 'windowKeys', `cannot restore: key ${describeValue(this.keyOfMember(missing))} has a pane in the window starting at ${start}, but is not listed in it`)
    }
    return ordered
  }

  private decodeWindowOrder(encoded: unknown): Map<number, unknown[]> {
    const decoded = WindowOrder.decode(encoded)
    if (decoded._tag === 'Left') throw new StateError(this.info, 'windowKeys', `cannot restore: ${describeErrors(decoded.left)}`)
    return new Map(
      decoded.right.map(([start, keys]) => [
        start,
        keys.map(encodedKey => decodeKey(encodedKey) ?? failKey(this.info, encodedKey))
      ])
    )
  }

  private lateRecord(value: T, ts: number, recordKey: unknown): void {
    // Every window of the record is late, but the record itself may not be (a fractional
    // timestamp less than 1 ms ahead of the watermark, in a window whose maximum timestamp,
    // end − 1, is not): Flink then skips it without the side output or the dropped count,
    // as the general operator does (`isElementLate`).
    if (ts + this.lateness > this.currentWatermark) return
    // The only record object this operator builds for its input, and only for late records.
    if (emitLateRecord(this.output, this.config.lateDataTag, streamRecord(value, ts, recordKey))) this.numLateRecordsDropped++
  }
}

/** How the panes' codec keys the panes it reads: the operator's `paneKeyOf` and current numbering. */
interface PaneKeys {
  paneKeyOf(start: number): number
  currentNumbers(): PaneNumbers
}

/** The table of `SlicedWindowOperator.firings`. */
const WINDOW_FIRINGS = 'window-firings'

/** How many times a key's window fired, in the window's namespace (its start): a count > 0. */
function firingsCodec(grid: WindowGrid): TableCodec<number> {
  return {
    encode: fired => fired,
    decode: (encoded, fail) =>
      Number.isSafeInteger(encoded) && (encoded as number) > 0
        ? (encoded as number)
        : fail(`${describeValue(encoded)} is not how many times a window of ${grid.size} ms fired (a count > 0)`)
  }
}

/** Per open window: its start and its keys, in firing order. */
const WindowOrder = /*#__PURE__*/ t.array(/*#__PURE__*/ t.tuple([t.number, /*#__PURE__*/ t.array(EncodedKey)]))

function failKey(info: OperatorInfo, encoded: unknown): never {
  throw new StateError(info, 'windowKeys', `cannot restore: ${JSON.stringify(encoded)} is not a valid key`)
}

/** The window a pane is (tumbling windows: one pane each) or the pane of sliding windows, for messages. */
function paneLabel(grid: WindowGrid, start: number): string {
  return grid.size === grid.slide ? `the window [${start}, ${start + grid.size})` : `the pane [${start}, ${start + grid.slide}) of the sliding windows`
}

/**
 * How a key's panes go into a snapshot: `[start, accumulator]` pairs, in the order the panes
 * were opened, accumulators through the pane function's codec (an aggregate's
 * `accumulatorCodec`, or as they are). The cache of the last pane written starts empty again.
 */
function panesCodec<K, ACC>(info: OperatorInfo, grid: WindowGrid, fn: PaneFunction<never, ACC, unknown>, keys: PaneKeys): TableCodec<KeyPanes<K, ACC>> {
  const { codec: accumulators, label } = fn
  return {
    encode: keyPanes =>
      Array.from(keyPanes.panes, ([paneKey, acc]) => {
        const start = keyPanes.numbers.startOf(paneKey)
        return [
          start,
          accumulators.encode(acc, label, detail => {
            throw new StateError(info, 'panes', `cannot snapshot ${paneLabel(grid, start)}: ${detail}`)
          })
        ]
      }),
    decode: (encoded, fail, key) => {
      if (!Array.isArray(encoded) || encoded.length === 0) return fail(`expected a non-empty list of panes [start, accumulator], got ${describeValue(encoded)}`)
      const starts: number[] = []
      const accs: ACC[] = []
      let undefinedAccs = false
      for (const pane of encoded as unknown[]) {
        if (!Array.isArray(pane) || pane.length !== 2 || typeof pane[0] !== 'number' || windowStart(pane[0], grid.offset, grid.slide) !== pane[0]) {
          return fail(`${describeValue(pane)} is not a pane [start, accumulator] of windows every ${grid.slide} ms`)
        }
        const acc = accumulators.decode(pane[1], `the ${label} of pane ${pane[0]}`, fail)
        starts.push(pane[0])
        accs.push(acc)
        if (acc === undefined) undefinedAccs = true
      }
      // Every start is given a key first: one without a number makes the operator key by starts.
      for (const start of starts) keys.paneKeyOf(start)
      const numbers = keys.currentNumbers()
      const panes = new Map<number, ACC>()
      let maxPane = -Infinity
      starts.forEach((start, i) => {
        const paneKey = numbers.keyOf(start)
        panes.set(paneKey, accs[i]!)
        if (paneKey > maxPane) maxPane = paneKey
      })
      // The restore enters the key into every open window of its panes (`openWindowsOfPanes`).
      return { key: key as K, panes, numbers, lastPane: NaN, lastAcc: undefined, maxPane, undefinedAccs }
    }
  }
}
