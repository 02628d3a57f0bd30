/**
 * @internal
 * The window join and coGroup over tumbling and sliding event-time windows with the default
 * trigger and no evictor: most joins (Nexmark q8, orders with payments per minute) are these.
 * Results are those of the general window operator over the tagged union (windowJoin.ts): the
 * same pairs, in the same order, with the same lateness, late firings and cleanup. What differs
 * is the bookkeeping, which is that of a hand-written join:
 *
 * - per open window, a `Map` from key id to the key's pane (each input's elements in arrival
 *   order, the first one of a side inline, a list from the second on): a record costs one `Map`
 *   lookup for its pane, and tagging it with its input costs nothing; an inner join's firing
 *   calls the join function for each pair where the elements are, without lists;
 * - each window has one pending firing (at its `maxTimestamp`) and one cleanup (`+ allowed
 *   lateness`) for all its keys, instead of a timer per key and window; a firing goes through
 *   the window's panes in insertion order, i.e. keys in the order of their first element in the
 *   window, which is the order of the general operator's timers; a cleanup drops the window's
 *   `Map` whole, not key by key.
 *
 * Joins have many keys that live for one window (a person registers, opens an auction, is
 * never seen again): a timer, a state-table entry and a window entry per key and window cost
 * the general operator most of its time and a young generation full of them.
 *
 * Snapshots keep the layout of keyed state: at a snapshot every pane is written, by key and
 * window start, into the backend table `panes` (so entries are filed by key group like all
 * keyed state) with its position among the window's keys; a restore reads them back into open
 * windows and rebuilds the pending firings and cleanups from the watermark. Between
 * snapshots the table is empty.
 *
 * That is the heap's bookkeeping (where the table's values stay in memory: `valuesStay`). On a
 * backend whose values leave memory (LMDB) the `panes` table is the working state itself: a
 * key's pane of a window is its value in the namespace of the window's start, with its
 * position, as a snapshot holds it; an open window lists its keys by id (in first-element
 * order, which is the firing order, and the position is the index in that list), and its
 * firing and cleanup reach the panes through the table with the key made current. A snapshot
 * then writes nothing of its own, a restore only lists the keys of each window, and a
 * savepoint moves a job between the two backends either way.
 */
import { StateError } from '../core/errors'
import { keyId } from '../core/Key'
import type { Collector } from '../core/Collector'
import type { OperatorInfo } from '../core/OperatorOptions'
import { NumericPriorityQueue } from '../core/PriorityQueue'
import { NO_TIMESTAMP } from '../core/StreamElement'
import { describeValue } from '../core/describe'
import { AbstractKeyedOperator } from '../runtime/AbstractKeyedOperator'
import type { ChainContext, ChainOutput } from '../runtime/Output'
import type { MultiInput, SnapshotParts, StateSnapshotContext } from '../runtime/StreamOperator'
import type { TableCodec } from '../state/KeyedStateBackend'
import type { OperatorTable } from '../state/OperatorTable'
import { windowStart } from '../windowing/TimeWindow'
import type { Trigger } from '../windowing/Trigger'
import type { WindowAssigner, WindowGrid } from '../windowing/WindowAssigner'
import type { SchedulerLike } from 'rxjs'
import type { CoGroupFunction, JoinFunction } from './JoinFunction'
import { joinNoTimestamp } from './joinChecks'
import { decodePane, encodePane, type JoinPane, NO_ELEMENTS, paneIncompatibility } from './JoinPane'

/**
 * @internal
 * The grid of `assigner` if a join over it can run on the {@link GridJoinOperator}: tumbling or
 * sliding event-time windows, with the default trigger (none given) and no evictor.
 */
export function joinGrid(assigner: WindowAssigner<never>, trigger: Trigger<never> | undefined, evicting: boolean): WindowGrid | undefined {
  if (trigger !== undefined || evicting || assigner.timeDomain !== 'EVENT_TIME' || assigner.mergeWindows !== undefined) return undefined
  const grid = assigner.grid
  return grid !== undefined && grid.size > 0 && grid.slide > 0 && grid.slide <= grid.size ? grid : undefined
}

/** @internal What the grid join is made of. */
export interface GridJoinConfig<A, B, R, K> {
  readonly info: OperatorInfo
  readonly scheduler: SchedulerLike
  readonly maxParallelism?: number | undefined
  readonly assigner: WindowAssigner<never>
  readonly grid: WindowGrid
  readonly allowedLateness: number
  readonly coGroup: CoGroupFunction<A, B, R>
  /**
   * For an inner join (`joinWith`), the join function: called for every pair of a window's key
   * directly, as `coGroup` would call it, without lists.
   */
  readonly join?: JoinFunction<A, B, R> | undefined
  /** The join key of a record of input `input` (checked). */
  readonly key: (input: number, value: unknown) => K
}

/**
 * A key's pane in one window: how many elements each side has, its first one inline, and the
 * list of all of them from the second one on. Most keys of a join window hold one element of a
 * side (a person registers once): they get no list, and a firing of an inner join reads the
 * elements where they are. (A class, not an object literal: V8 may decide that what an object or
 * array literal makes lives long and allocate it in the old generation from then on, which for
 * elements that live one window costs full collections.)
 */
class KeyPane<A, B, K> {
  leftCount = 0
  firstLeft: A | undefined = undefined
  lefts: A[] | undefined = undefined
  rightCount = 0
  firstRight: B | undefined = undefined
  rights: B[] | undefined = undefined

  constructor(readonly key: K) {}

  addLeft(value: A): void {
    const n = this.leftCount++
    if (n === 0) this.firstLeft = value
    else if (n === 1) this.lefts = [this.firstLeft as A, value]
    else this.lefts!.push(value)
  }

  addRight(value: B): void {
    const n = this.rightCount++
    if (n === 0) this.firstRight = value
    else if (n === 1) this.rights = [this.firstRight as B, value]
    else this.rights!.push(value)
  }

  /** The left elements as a list (a new one for a single element). */
  leftList(): A[] {
    const n = this.leftCount
    return n === 0 ? NO_ELEMENTS : n === 1 ? [this.firstLeft as A] : this.lefts!
  }

  rightList(): B[] {
    const n = this.rightCount
    return n === 0 ? NO_ELEMENTS : n === 1 ? [this.firstRight as B] : this.rights!
  }

  /** Both sides as lists, for snapshots. */
  lists(): JoinPane<A, B> {
    return { lefts: this.leftList(), rights: this.rightList() }
  }

  static of<A, B, K>(key: K, lefts: readonly A[], rights: readonly B[]): KeyPane<A, B, K> {
    const pane = new KeyPane<A, B, K>(key)
    for (const l of lefts) pane.addLeft(l)
    for (const r of rights) pane.addRight(r)
    return pane
  }
}

/** An open window's panes by key id, in the order of their keys' first elements. */
type Panes<A, B, K> = Map<unknown, KeyPane<A, B, K>>

/**
 * A key's pane of one window as the `panes` table holds it: with its position among the
 * window's keys. `start` names the window in an error only (the table's namespace is the
 * window's start; a pane read back from a store gets it when the operator reads it).
 */
class FiledPane<A, B, K> {
  constructor(
    public start: number,
    readonly position: number,
    readonly pane: KeyPane<A, B, K>
  ) {}
}

/** A window's pending event: its firing (at maxTimestamp) or its cleanup (+ allowed lateness). */
const FIRE = 0
const CLEANUP = 1

interface Pending {
  readonly start: number
  readonly kind: number
}

/** Emits a firing's results, stamped with the window's `maxTimestamp` and keyed by the key: one per operator, reused. */
class FiringCollector<R, K> implements Collector<R> {
  timestamp = 0
  key: K = undefined as K

  constructor(private readonly output: ChainOutput<R, K>) {}

  collect(value: R): void {
    this.output.record(value, this.timestamp, this.key)
  }
}

/** @internal The window join and coGroup over grid windows (see the module). */
export class GridJoinOperator<A, B, R, K> extends AbstractKeyedOperator<K, R> implements MultiInput {
  /** Open windows (not cleaned up yet) by start, with their panes (the heap). */
  private readonly windows = new Map<number, Panes<A, B, K>>()
  /**
   * Open windows by start with their keys' ids in first-element order, where the panes are in
   * the `panes` table (its values leave memory: LMDB); `undefined` on the heap (see the module).
   */
  private readonly filed: Map<number, unknown[]> | undefined
  /** Pending firings and cleanups, by time (a firing before a cleanup at the same time). */
  private readonly pending = new NumericPriorityQueue<Pending>()
  /** The window of the last record (tumbling windows): most records fall into it too. */
  private lastStart = NaN
  private lastPanes: Panes<A, B, K> | undefined = undefined
  /** The slide-aligned interval of the last record: records in it have the same latest window start. */
  private cacheStart = NaN
  private cacheEnd = NaN
  private readonly size: number
  private readonly slide: number
  private readonly offset: number
  private readonly lateness: number
  private readonly tumbling: boolean
  private readonly coGroup: CoGroupFunction<A, B, R>
  private readonly join: JoinFunction<A, B, R> | undefined
  private readonly keyOf: (input: number, value: unknown) => K
  private readonly collector: FiringCollector<R, K>
  /** On the heap written only while a snapshot is taken or restored; else the panes themselves (see the module). */
  private readonly table: OperatorTable<K, FiledPane<A, B, K>>

  constructor(
    private readonly config: GridJoinConfig<A, B, R, K>,
    output: ChainOutput<R, K>,
    context: ChainContext
  ) {
    super(config, output, context)
    ;({ size: this.size, slide: this.slide, offset: this.offset } = config.grid)
    this.tumbling = this.size === this.slide
    this.lateness = config.allowedLateness
    this.coGroup = config.coGroup
    this.join = config.join
    this.keyOf = config.key
    this.collector = new FiringCollector(output)
    this.table = this.backend.internalTable<FiledPane<A, B, K>>('panes', filedPanes<A, B, K>(config.info, this.size), { keepsReferences: false })
    this.filed = this.table.valuesStay ? undefined : new Map()
  }

  processRecord(input: number, value: unknown, timestamp: number, recordKey: unknown): void {
    if (timestamp === NO_TIMESTAMP) throw joinNoTimestamp(this.info, input, value, timestamp, recordKey, this.config.assigner.name)
    const key = this.keyOf(input, value)
    // NaN, +Infinity: after the key, as the general operator's assigner finds them.
    if (!(timestamp < Infinity)) this.badTimestamp(value, timestamp)
    const wm = this.currentWatermark
    // The start of the record's latest window (sliding: of the window it is the last slide of).
    const last =
      timestamp >= this.cacheStart && timestamp < this.cacheEnd && Math.floor(timestamp) === timestamp ? this.cacheStart : this.latestStart(timestamp)
    if (this.filed !== undefined) return this.addFiled(key, input, value, timestamp, last, wm)
    if (this.tumbling) {
      const maxTs = last + this.size - 1
      if (maxTs + this.lateness <= wm) return this.late(timestamp, wm)
      const panes = last === this.lastStart ? this.lastPanes! : this.windowAt(last, wm)
      this.addTo(panes, key, input, value, maxTs, wm)
      return
    }
    let accepted = false
    // Latest window first, as the assigner lists them; each earlier one is cleaned up earlier.
    for (let start = last; start > timestamp - this.size; start -= this.slide) {
      const maxTs = start + this.size - 1
      if (maxTs + this.lateness <= wm) break
      accepted = true
      this.addTo(start === this.lastStart ? this.lastPanes! : this.windowAt(start, wm), key, input, value, maxTs, wm)
    }
    if (!accepted) this.late(timestamp, wm)
  }

  /** Adds the value to its key's pane of a window; a window already past its end fires for the key at once. */
  private addTo(panes: Panes<A, B, K>, key: K, input: number, value: unknown, maxTs: number, wm: number): void {
    const id = keyId(key)
    let pane = panes.get(id)
    if (pane === undefined) {
      pane = new KeyPane<A, B, K>(key)
      panes.set(id, pane)
    }
    if (input === 0) pane.addLeft(value as A)
    else pane.addRight(value as B)
    // Within allowed lateness (as the default trigger's onElement returns FIRE).
    if (maxTs <= wm) this.fire(pane, maxTs)
  }

  /**
   * `processRecord` where the panes are in the table (see `filed`): the key is made current, and
   * each of the record's windows not late reads its pane in the window's namespace, filing a new
   * one at the end of the window's keys.
   */
  private addFiled(key: K, input: number, value: unknown, timestamp: number, last: number, wm: number): void {
    const keys = this.backend.keys
    keys.setCurrentKey(key)
    const table = this.table
    let accepted = false
    // Latest window first, as the assigner lists them (one for tumbling windows).
    for (let start = last; start > timestamp - this.size; start -= this.slide) {
      const maxTs = start + this.size - 1
      if (maxTs + this.lateness <= wm) break
      accepted = true
      let filed = table.get(start)
      if (filed === undefined) {
        const ids = this.filedWindowAt(start, wm)
        filed = new FiledPane(start, ids.length, new KeyPane<A, B, K>(key))
        ids.push(keys.currentId)
        table.put(start, filed)
      } else filed.start = start
      if (input === 0) filed.pane.addLeft(value as A)
      else filed.pane.addRight(value as B)
      // Within allowed lateness (as the default trigger's onElement returns FIRE).
      if (maxTs <= wm) this.fire(filed.pane, maxTs)
    }
    if (!accepted) this.late(timestamp, wm)
  }

  /** The keys of the open window at `start` (see `filed`), opened (with its firing and cleanup) if new. */
  private filedWindowAt(start: number, wm: number): unknown[] {
    const filed = this.filed!
    let ids = filed.get(start)
    if (ids === undefined) {
      filed.set(start, (ids = []))
      this.schedule(start, wm)
    }
    return ids
  }

  /** The window at `start` fires at its end unless already past it, and is cleaned up after the allowed lateness. */
  private schedule(start: number, wm: number): void {
    const maxTs = start + this.size - 1
    // A window already past its end fires on each record (addTo), not here.
    if (maxTs > wm) this.pending.push(maxTs, FIRE, { start, kind: FIRE })
    this.pending.push(maxTs + this.lateness, CLEANUP, { start, kind: CLEANUP })
  }

  /**
   * The pane of the key with id `id` in the window at `start`, read through the table with the
   * key current (see `filed`): every key a window lists has one until the window's cleanup.
   */
  private filedPane(id: unknown, start: number): KeyPane<A, B, K> {
    const key = this.table.keyById(id)
    this.backend.keys.setCurrentKey(key)
    const filed = this.table.get(start)
    if (filed === undefined) throw new StateError(this.info, 'panes', `key ${describeValue(key)} is listed in the window [${start}, ${start + this.size}) but has no pane in it`)
    filed.start = start
    return filed.pane
  }

  // The cold paths are methods of their own: V8 inlines by bytecode size.

  private latestStart(timestamp: number): number {
    const start = windowStart(timestamp, this.offset, this.slide)
    const end = start + this.slide
    // Only intervals whose bounds (shifted by the offset) are safe integers: for every integer
    // timestamp in them `windowStart` computes exactly this start.
    if (Number.isSafeInteger(start - this.offset) && Number.isSafeInteger(end - this.offset) && Number.isSafeInteger(start) && Number.isSafeInteger(end)) {
      this.cacheStart = start
      this.cacheEnd = end
    }
    return start
  }

  /** The open window at `start`, opened (with its firing and cleanup) if new. */
  private windowAt(start: number, wm: number): Panes<A, B, K> {
    let panes = this.windows.get(start)
    if (panes === undefined) {
      panes = new Map()
      this.windows.set(start, panes)
      this.schedule(start, wm)
    }
    this.lastStart = start
    this.lastPanes = panes
    return panes
  }

  /** A record late for all its windows: dropped, and counted as a late drop if it is (as the general operator counts it). */
  private late(timestamp: number, wm: number): void {
    if (timestamp + this.lateness <= wm) this.numLateRecordsDropped++
  }

  private badTimestamp(value: unknown, timestamp: number): never {
    const { assigner, scheduler } = this.config
    // What the assigner says of a timestamp it cannot place, as the general operator does.
    assigner.assignWindows(value as never, timestamp, { currentProcessingTime: () => scheduler.now() })
    throw new TypeError(`${assigner.name}: the record has no usable timestamp (${describeValue(timestamp)})`)
  }

  private fire(pane: KeyPane<A, B, K>, maxTs: number): void {
    const collector = this.collector
    const join = this.join
    if (join !== undefined) {
      // An inner join: the pairs, read where the elements are; nothing for a key with an empty side.
      const nl = pane.leftCount
      const nr = pane.rightCount
      if (nl === 0 || nr === 0) return
      collector.timestamp = maxTs
      collector.key = pane.key
      for (let i = 0; i < nl; i++) {
        const left = nl === 1 ? (pane.firstLeft as A) : pane.lefts![i]!
        for (let j = 0; j < nr; j++) collector.collect(join(left, nr === 1 ? (pane.firstRight as B) : pane.rights![j]!))
      }
      return
    }
    collector.timestamp = maxTs
    collector.key = pane.key
    this.coGroup(pane.leftList(), pane.rightList(), collector)
  }

  /**
   * Event time reached `time`: the windows' firings and cleanups due by then run in time order
   * (a firing before a cleanup at the same time).
   */
  protected override advanceEventTime(time: number): void {
    const pending = this.pending
    while (pending.size > 0 && pending.peekPriority()! <= time) {
      const { start, kind } = pending.pop()!
      if (this.filed !== undefined) {
        this.advanceFiled(start, kind)
        continue
      }
      const panes = this.windows.get(start)
      if (panes === undefined) continue
      if (kind === FIRE) {
        const maxTs = start + this.size - 1
        for (const pane of panes.values()) this.fire(pane, maxTs)
      } else {
        this.windows.delete(start)
        if (start === this.lastStart) {
          this.lastStart = NaN
          this.lastPanes = undefined
        }
      }
    }
  }

  /** A window's firing or cleanup where its panes are in the table (see `filed`): key by key, in the window's order. */
  private advanceFiled(start: number, kind: number): void {
    const filed = this.filed!
    const ids = filed.get(start)
    if (ids === undefined) return
    if (kind === FIRE) {
      const maxTs = start + this.size - 1
      for (const id of ids) this.fire(this.filedPane(id, start), maxTs)
      return
    }
    filed.delete(start)
    const keys = this.backend.keys
    for (const id of ids) {
      keys.setCurrentKey(this.table.keyById(id))
      this.table.remove(start)
    }
  }

  /** Windows register no timers (see `advanceEventTime`). */
  onEventTime(): void {}

  onProcessingTime(): void {}

  override close(): void {
    this.windows.clear()
    this.filed?.clear()
    this.pending.clear()
    this.lastPanes = undefined
    super.close()
  }

  // ---- snapshots ----

  /**
   * On the heap every pane into the `panes` table for the snapshot, which is emptied again
   * after it; where the panes are in the table already (see `filed`), the table as it is.
   */
  override snapshotParts(context?: StateSnapshotContext): SnapshotParts {
    if (this.filed !== undefined) return super.snapshotParts(context)
    const keys = this.backend.keys
    const table = this.table
    try {
      for (const [start, panes] of this.windows) {
        let position = 0
        for (const keyPane of panes.values()) {
          keys.setCurrentKey(keyPane.key)
          table.put(start, new FiledPane(start, position++, keyPane))
        }
      }
      return super.snapshotParts(context)
    } finally {
      table.clear()
    }
  }

  /**
   * Reads the panes of the restored `panes` table back into open windows (see `snapshotParts`):
   * on the heap into their `Map`s, emptying the table; else the table stays, and each window
   * lists its keys' ids by position.
   */
  protected override restoreOwn(own: unknown): void {
    super.restoreOwn(own)
    this.windows.clear()
    this.filed?.clear()
    this.pending.clear()
    this.lastStart = NaN
    this.lastPanes = undefined
    const byStart = new Map<number, { position: number; group: number; id: unknown; key: K; filed: FiledPane<A, B, K> }[]>()
    for (const entry of this.table.entries()) {
      if (entry.value !== undefined) this.corrupt(`key ${describeValue(entry.key)} has a pane outside any window`)
      for (const [start, filed] of entry.namespaces ?? []) {
        if (typeof start !== 'number' || windowStart(start, this.offset, this.slide) !== start) {
          this.corrupt(`${describeValue(start)} is not the start of a window of ${this.config.assigner.name}`)
        }
        if (start + this.size - 1 + this.lateness <= this.currentWatermark) {
          this.corrupt(`the window [${start}, ${start + this.size}) was cleaned up at the snapshot's watermark ${this.currentWatermark}`)
        }
        let list = byStart.get(start)
        if (list === undefined) byStart.set(start, (list = []))
        list.push({ position: filed.position, group: entry.group, id: entry.id, key: entry.key, filed })
      }
    }
    if (this.filed === undefined) this.table.clear()
    const keys = this.backend.keys
    for (const start of [...byStart.keys()].sort((a, b) => a - b)) {
      // Positions are 0, 1, 2, … in the snapshot of one subtask. Rescaled, a subtask holds a
      // part of one window's keys (gaps) or the keys of several subtasks (the same position
      // more than once): the order is kept, ties go by key group (subtasks fired apart, so
      // no order between their keys is lost), and the keys are numbered again.
      const listed = byStart.get(start)!.sort((a, b) => a.position - b.position || a.group - b.group)
      if (this.filed !== undefined) {
        for (const [i, entry] of listed.entries()) {
          if (entry.filed.position === i) continue
          keys.setCurrentKey(entry.key)
          this.table.put(start, new FiledPane(start, i, entry.filed.pane))
        }
        this.filed.set(start, listed.map(({ id }) => id))
      } else this.windows.set(start, new Map(listed.map(({ filed }) => [keyId(filed.pane.key), filed.pane])))
      this.schedule(start, this.currentWatermark)
    }
  }

  private corrupt(detail: string): never {
    throw new StateError(this.info, 'panes', `cannot restore: ${detail}`)
  }
}

/**
 * Panes as `[position, { lefts, rights }]`, elements as they are: a pane with an element that
 * is not plain JSON data is refused, naming the operator, the window and the key, when it is
 * snapshotted (or written to a store).
 */
function filedPanes<A, B, K>(info: OperatorInfo, size: number): TableCodec<FiledPane<A, B, K>> {
  return {
    encode: ({ start, position, pane }) => {
      const lists = pane.lists()
      const reason = paneIncompatibility(lists)
      if (reason !== undefined) {
        throw new StateError(
          info,
          'panes',
          `cannot snapshot the window [${start}, ${start + size}) of key ${describeValue(pane.key)}: ${reason}; window contents are snapshotted as they are, so elements must be plain JSON data`
        )
      }
      return [position, encodePane(lists)]
    },
    decode: (encoded, fail, key) => {
      if (!Array.isArray(encoded) || encoded.length !== 2 || !Number.isSafeInteger(encoded[0]) || (encoded[0] as number) < 0) {
        return fail(`expected a join window's pane [position, { lefts, rights }], got ${describeValue(encoded)}`)
      }
      const pane = decodePane<A, B>(encoded[1])
      if (typeof pane === 'string') return fail(pane)
      // The window is the entry's namespace: the operator sets it when it reads the pane.
      return new FiledPane(NaN, encoded[0] as number, KeyPane.of<A, B, K>(key as K, pane.lefts, pane.rights))
    }
  }
}
