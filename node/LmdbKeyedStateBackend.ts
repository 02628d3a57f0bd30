/**
 * @internal
 * The keyed-state backend on disk (Flink's `RocksDBKeyedStateBackend`, on LMDB): every
 * descriptor state of one operator in one LMDB environment of its own, with a cache of
 * decoded values in front (`LmdbStateTable`). The state objects are the heap backend's
 * (`heapStates.ts`): the semantics (TTL, namespaces, merging, validation) are one code.
 *
 * - Writes go to the cache; changed values reach the store in one write transaction when their
 *   keys are evicted (the cache is full), and before a snapshot or a scan of every key. The store is working state,
 *   not a checkpoint: it is written without fsync and deleted when the operator ends.
 * - A snapshot flushes, then reads the store through one LMDB read transaction (a consistent
 *   view whatever is written meanwhile) in steps after the barrier, in the portable format of
 *   the heap backend, so that either backend restores what the other wrote.
 * - A checkpoint is written as an increment on the last completed one when it can be
 *   (`ChangeEpochs`: every write to the store passes `write`, which records its key), read
 *   back key by key (`IncrementScan`); a restore merges the chain into a full snapshot first.
 * - Operators' own tables (window contents, panes, join buffers) are kept in the same cache and
 *   store, with the table's codec, under a state number of their own (`LmdbStateTable`).
 * - Timers are kept in the same store, in ranges of their own before the states'
 *   (`LmdbTimerQueue`); they are written into snapshots by the operator, as on the heap, or,
 *   at a checkpoint whose keyed part is an increment, as an increment of their own on the same
 *   base (`TimerIncrementScan`: the index keys the queues wrote are tracked as state keys are).
 */
import { rmSync } from 'node:fs'
import type { RootDatabase } from 'lmdb'
import { StateError, messageOf } from '../src/core/errors'
import type { OperatorInfo } from '../src/core/OperatorOptions'
import { describeValue } from '../src/core/describe'
import { Deferred, type DeferredJson, completeNow, concat, deferredArray, deferredObject, now as clock, readyJson } from '../src/state/DeferredJson'
import { createState, type InternalKvState, type InternalMergingState, type KvTable, type StateRuntime } from '../src/state/heapStates'
import { KeyContext } from '../src/state/KeyContext'
import { checkMaxParallelism, DEFAULT_MAX_PARALLELISM } from '../src/state/KeyGroup'
import type { InternalTableOptions, KeyedSnapshotOptions, KeyedStateBackend, KeyedStateBackendOptions, TableCodec } from '../src/state/KeyedStateBackend'
import { checkedKeyedSnapshot, decodeKey, encodeKey, type KeyedStateSnapshot, type SnapshotEntry, type SnapshotState } from '../src/state/snapshotFormat'
import type { MapStateDescriptor, MergingStateDescriptor, StateDescriptor, StateOf } from '../src/state/StateDescriptor'
import { schemaVersion, stateKindName } from '../src/state/StateDescriptor'
import type { OperatorTable } from '../src/state/OperatorTable'
import { validatesStateWrites } from '../src/state/stateValidation'
import { checkCompatible, checkedEntry, restoredValueDecoder, valueDecoder, valueEncoder } from '../src/state/stateValues'
import { ChangeEpochs } from './ChangeEpochs'
import { FiledEntries } from './FiledEntries'
import { readUnchecked, uncheckedText } from './uncheckedValues'
import { type EntryFiling, entryText, IncrementScan, type StateHeader } from './IncrementScan'
import { LmdbStateTable, type StoreWrite, type TableHost } from './LmdbStateTable'
import { LmdbTimerQueue } from './LmdbTimerQueue'
import { TimerIncrementScan } from './TimerIncrementScan'
import { isIndexKey } from './timerKeys'
import type { TimerQueue, TimerQueueOptions } from '../src/core/TimerQueue'
import { elementKey, elementRange, entryKeyOf, groupOf, keyPrefix, namespacedKey, parseKey, stateOf, stateRange, type StoreKey } from './storeKeys'
import { joinElements, splitElements } from './elementEntries'
import { CHUNK_CHARS, type ChunkedKeyedSnapshot, type ChunkReader, type ChunkRef, type ChunkSink, chunkText, ownsEntry, readChunk } from '../src/state/chunks'
import type { RemovedEntry } from '../src/state/incremental'
import { SteppedChecksum } from '../src/checkpoint/checkpointFormat'

/** @internal How one operator's store is opened and closed. */
export interface LmdbStore {
  readonly db: RootDatabase<string, StoreKey>
  /** Closes the store and deletes its files. */
  close(): void
}

/** @internal */
export interface LmdbBackendOptions extends KeyedStateBackendOptions {
  readonly store: LmdbStore
  /** Cached (key, namespace) values over all states before a flush and eviction. */
  readonly cacheSize: number
  /** Checkpoints as increments, a restore reading at most this many checkpoints; `undefined`: every checkpoint full. */
  readonly checkpointChain?: number | undefined
  /** Timers kept in memory per time domain (the earliest ones); the rest are only in the store. */
  readonly timerCacheSize: number
}

interface RegisteredState {
  readonly descriptor: StateDescriptor
  readonly table: LmdbStateTable<unknown>
  readonly states: Map<StateDescriptor, InternalKvState>
  readonly namespacedStates: Map<StateDescriptor, InternalKvState>
}

interface OwnTable {
  readonly table: LmdbStateTable<unknown>
  readonly codec: TableCodec<unknown>
  /** The values' list kept as entries of their own (`InternalTableOptions.elementsField`). */
  readonly elementsField: string | undefined
}

/** Store entries scanned between two looks at the clock while a snapshot is written. */
const ENTRIES_PER_STEP = 512
/**
 * The most changed keys `prepareSnapshot` leaves for the barrier's flush: about 5 ms of writes
 * (a value takes 3–6 µs to encode and put), so the barrier's pause stays far below 50 ms.
 */
const PREPARED_DIRTY_KEYS = 1000

/** @internal */
export class LmdbKeyedStateBackend<K> implements KeyedStateBackend<K>, StateRuntime, TableHost {
  readonly keys: KeyContext<K>
  readonly info: OperatorInfo
  readonly validateWrites: boolean
  readonly now: () => number
  full = false
  /** Writes to the store so far (the write callback's calls). */
  writes = 0
  /** Of those, the writes the last snapshot made at its barrier (its flush): what `prepareSnapshot` bounds. */
  barrierWrites = 0
  private cached = 0
  private readonly db: RootDatabase<string, StoreKey>
  private readonly registered = new Map<string, RegisteredState>()
  /** The number of every state name seen (registered or restored) in store keys, and back. */
  private readonly stateNos = new Map<string, number>()
  private readonly stateNames: string[] = []
  /** Restored states whose descriptor is not registered yet: their entries are in the store as restored, checked on registration. */
  private readonly pendingRestore = new Map<string, StateHeader>()
  /** The operators' own tables, by name (see `internalTable`). */
  private readonly tables = new Map<string, OwnTable>()
  /** Restored operator tables not made yet: their entries are in the store as restored, checked when the table is made. */
  private readonly pendingTables = new Set<string>()
  /** By state number: the key group whose restored entries are checked next (`rewriteRestored`, one transaction a group), while some are not. */
  private readonly rewrittenGroups = new Map<number, number>()
  /** What changed since each checkpoint (incremental checkpoints), `undefined` when they are off. */
  private readonly changes: ChangeEpochs | undefined
  /** Snapshots (and timer queues' reads) still reading the store: it is closed only once they end. */
  private readonly reading = new Set<object>()
  /** The timer queues made for the operator: a restore clears them, `dispose` closes them. */
  private readonly timerQueues: LmdbTimerQueue<unknown, unknown>[] = []
  private lastDescriptor: StateDescriptor | undefined = undefined
  private lastState: InternalKvState | undefined = undefined
  private disposed = false
  /** The last element's sequence number in store keys (`elementKey`): they only grow, restores included. */
  private elementSeq = 0
  /** The timers' index keys written since the base of the increment `snapshotDeferred` has just begun, for `snapshotTimerIncrement`. */
  private timerIncrement: { readonly base: number; readonly keys: readonly StoreKey[] } | undefined = undefined

  constructor(private readonly options: LmdbBackendOptions) {
    this.info = options.info
    this.now = options.now
    this.keys = new KeyContext<K>(checkMaxParallelism(options.maxParallelism ?? DEFAULT_MAX_PARALLELISM, 'keyed state'))
    this.validateWrites = options.validateWrites ?? validatesStateWrites()
    this.db = options.store.db
    this.changes = options.checkpointChain === undefined || options.checkpointChain < 2 ? undefined : new ChangeEpochs(options.checkpointChain)
  }

  /**
   * The one way a change reaches the store (flush, eviction, a restored state's check), so
   * that incremental checkpoints see every change; a new kind of table writes through it too.
   */
  private readonly write: StoreWrite = (key, text) => {
    this.writes++
    this.changes?.record(key)
    if (text === undefined) this.db.removeSync(key)
    else this.db.putSync(key, text)
  }

  // ---- TableHost ----

  // After `dispose` the caches are empty and the store closes: an operator that still writes a
  // table (a final snapshot's) works on its cache alone, as on the heap's emptied tables.

  read(key: StoreKey): string | undefined {
    return this.disposed ? undefined : this.db.get(key)
  }

  scan(state: number, after: StoreKey | undefined, count: number): Array<{ readonly key: StoreKey; readonly value: string }> {
    const found: Array<{ readonly key: StoreKey; readonly value: string }> = []
    if (this.disposed) return found
    const from = after === undefined ? 0 : parseKey(after).group
    for (let group = from; group < this.keys.maxParallelism && found.length < count; group++) {
      const resume = after !== undefined && group === from
      const { start, end } = stateRange(group, state)
      const range = this.db.getRange({ start: resume ? after : start, end, limit: count - found.length + (resume ? 1 : 0) })
      for (const entry of range) {
        if (resume && entry.key === after) continue
        found.push({ key: entry.key, value: entry.value })
        if (found.length === count) break
      }
    }
    return found
  }

  readElements(entry: StoreKey): string[] {
    if (this.disposed) return []
    const texts: string[] = []
    for (const { value } of this.db.getRange(elementRange(entry))) texts.push(value)
    return texts
  }

  elementKeys(entry: StoreKey): StoreKey[] {
    return this.disposed ? [] : Array.from(this.db.getKeys(elementRange(entry)))
  }

  nextElementSeq(): number {
    return ++this.elementSeq
  }

  grew(): void {
    if (++this.cached > this.options.cacheSize) this.full = true
  }

  /** Evicts half of every table's cached keys, their changes written in one transaction. */
  makeRoom(): void {
    if (this.disposed) return
    const db = this.db
    this.cached = 0
    db.transactionSync(() => {
      for (const table of this.caches()) {
        table.evict(this.write)
        this.cached += table.size
      }
    })
    this.full = false
  }

  /** Writes every changed cached value to the store, in one transaction. */
  flush(): void {
    if (this.disposed) return
    const db = this.db
    db.transactionSync(() => {
      for (const table of this.caches()) table.flush(this.write)
    })
  }

  /**
   * Writes changed cached values to the store until `deadline`, in one transaction, ahead of a
   * barrier: true once at most `PREPARED_DIRTY_KEYS` keys are left changed, which the barrier's
   * flush writes. Writing early is harmless (the store is working state) and goes through
   * `write`, so an incremental checkpoint still sees every change (in the epoch the barrier closes).
   */
  prepareSnapshot(deadline: number): boolean {
    if (this.disposed) return true
    let left = 0
    this.db.transactionSync(() => {
      // Every table writes a slice at least (the deadline is read between slices).
      for (const table of this.caches()) {
        table.flushSome(this.write, deadline)
        left += table.dirtyKeys
      }
    })
    return left <= PREPARED_DIRTY_KEYS
  }

  removeAll(state: number): void {
    if (this.disposed) return
    const db = this.db
    db.transactionSync(() => {
      for (let group = 0; group < this.keys.maxParallelism; group++) for (const key of db.getKeys(stateRange(group, state))) this.write(key, undefined)
    })
  }

  // ---- KeyedStateBackend ----

  getState<D extends StateDescriptor>(descriptor: D): StateOf<D> & InternalKvState {
    if (descriptor === this.lastDescriptor) return this.lastState as StateOf<D> & InternalKvState
    const registered = this.registration(descriptor)
    let state = registered.states.get(descriptor)
    if (state === undefined) registered.states.set(descriptor, (state = createState(descriptor, registered.table as KvTable<unknown>, this)))
    this.lastDescriptor = descriptor
    this.lastState = state
    return state as StateOf<D> & InternalKvState
  }

  getNamespacedState<D extends StateDescriptor>(descriptor: D, namespace: string | number): StateOf<D> & InternalKvState {
    const registered = this.registration(descriptor)
    let state = registered.namespacedStates.get(descriptor)
    if (state === undefined) registered.namespacedStates.set(descriptor, (state = createState(descriptor, registered.table as KvTable<unknown>, this)))
    state.namespace = namespace
    return state as StateOf<D> & InternalKvState
  }

  clearNamespace(namespace: string | number): void {
    for (const { table } of this.registered.values()) table.remove(namespace)
  }

  mergeNamespaces(descriptor: MergingStateDescriptor, target: string | number, sources: readonly (string | number)[]): void {
    if (sources.length === 0) return
    const kind: StateDescriptor['_tag'] = descriptor._tag
    if (kind !== 'ReducingStateDescriptor' && kind !== 'AggregatingStateDescriptor' && kind !== 'ListStateDescriptor') {
      throw new StateError(this.info, descriptor.name, `${stateKindName(descriptor)} cannot be merged when windows merge; use reducing, aggregating or list state`)
    }
    const state = this.getNamespacedState(descriptor, target) as unknown as InternalMergingState
    state.mergeNamespaces(target, sources)
  }

  unclaimedTables(): string[] {
    return [...this.pendingTables]
  }

  /**
   * A table of the operator's own, in the cache and store like a descriptor state: its values
   * are written through `codec` (JSON text of `encode`, read back with `load`, else `decode`).
   */
  internalTable<S>(name: string, codec: TableCodec<S>, options: InternalTableOptions = {}): OperatorTable<K, S> {
    let own = this.tables.get(name)
    if (own === undefined) {
      const keepsReferences = options.keepsReferences ?? false
      // Elements apart only where a value is reached through the table within a record (an
      // evicted one is read again with its elements' range), under a numeric namespace.
      const elementsField = keepsReferences ? undefined : options.elementsField
      if (this.pendingTables.delete(name)) {
        this.rewriteRestored(name, this.stateNo(tableState(name)), (stored, fail, key) => checkedTableText(codec, stored, fail, key), elementsField)
      }
      own = { table: this.createOwnTable(name, codec, keepsReferences, elementsField), codec: codec as TableCodec<unknown>, elementsField }
      this.tables.set(name, own)
    }
    return own.table as unknown as OperatorTable<K, S>
  }

  /**
   * The values of operator table `name` held in memory now (0 for a table not made): a
   * structural count for specs that check an operator's values leave memory.
   */
  residentTableValues(name: string): number {
    return this.tables.get(name)?.table.residentValues() ?? 0
  }

  createTimerQueue<TK, N>(options: TimerQueueOptions<N>): TimerQueue<TK, N> {
    const queue = new LmdbTimerQueue<TK, N>({
      ...options,
      db: this.db,
      info: this.info,
      maxParallelism: this.keys.maxParallelism,
      cacheSize: this.options.timerCacheSize,
      startRead: () => this.startRead(),
      record: this.changes === undefined ? undefined : key => this.changes!.record(key)
    })
    this.timerQueues.push(queue as LmdbTimerQueue<unknown, unknown>)
    return queue
  }

  applyToAllKeys<D extends StateDescriptor>(descriptor: D, fn: (key: K, state: StateOf<D>) => void): void {
    const state = this.getState(descriptor)
    this.flush()
    const stateNo = this.stateNo(descriptor.name)
    const keys: K[] = []
    for (let group = 0; group < this.keys.maxParallelism; group++) {
      for (const key of this.db.getKeys(stateRange(group, stateNo))) {
        const { keyText, ns } = parseKey(key)
        if (ns === undefined) keys.push(decodeKey(JSON.parse(keyText) as SnapshotEntry[1]) as K)
      }
    }
    this.keys.forEachKey(keys, key => fn(key, state))
  }

  snapshot(): KeyedStateSnapshot {
    return JSON.parse(completeNow(this.snapshotDeferred())) as KeyedStateSnapshot
  }

  /**
   * Flushes the cache (the only work at the barrier, bounded by the cache's size), then writes
   * the store's entries as they are now, in steps: the scan runs in one read transaction, which
   * LMDB keeps consistent however the job writes meanwhile. A checkpoint that can be an
   * increment on `options.incrementalBase` reads only the keys written since instead.
   */
  snapshotDeferred(options?: KeyedSnapshotOptions): DeferredJson {
    this.timerIncrement = undefined
    const headers = new Map<string, StateHeader>()
    for (const { descriptor } of this.registered.values()) headers.set(descriptor.name, headerOf(descriptor))
    if (this.disposed) {
      // A job's final checkpoint may come after its operators closed: the state is gone, as
      // the heap backend's is after `dispose`.
      const states = [...headers.values()].map(header => readyJson({ ...header, entries: [] }))
      const tables = [...this.tables.keys()].map(name => readyJson({ name, entries: [] }))
      return deferredObject({ format: 'rx-datastream/keyed-state', version: 1, maxParallelism: this.keys.maxParallelism, states: deferredArray(states), tables: deferredArray(tables) })
    }
    const before = this.writes
    this.flush()
    this.barrierWrites = this.writes - before
    // The timers' gathered writes too, so that the epoch the barrier closes records them.
    for (const queue of this.timerQueues) queue.flush()
    for (const [name, header] of this.pendingRestore) headers.set(name, header)
    const ttls = new Map<string, StateDescriptor>()
    for (const { descriptor } of this.registered.values()) if (descriptor.ttl !== undefined) ttls.set(descriptor.name, descriptor)
    // The operators' tables by their state names in store keys; restored ones not made yet are
    // filed as restored states are.
    const tables = new Map<string, string>()
    for (const name of [...this.tables.keys(), ...this.pendingTables]) tables.set(tableState(name), name)
    const pending = new Set([...this.pendingRestore.keys(), ...[...this.pendingTables].map(tableState)])
    const elements = new Map<string, string>()
    for (const [name, { elementsField }] of this.tables) if (elementsField !== undefined) elements.set(tableState(name), elementsField)
    const filing: EntryFiling = { names: this.stateNames, pending, ttls, time: this.now(), elements }
    const increment = options === undefined ? undefined : this.changes?.barrier(options)
    if (increment !== undefined) {
      options!.needs?.(increment.needs)
      const stateKeys = new Set<StoreKey>()
      const timerKeys: StoreKey[] = []
      for (const key of increment.keys) {
        if (isIndexKey(key)) timerKeys.push(key)
        else stateKeys.add(key)
      }
      this.timerIncrement = { base: increment.base, keys: timerKeys.sort() }
      return this.reads(new IncrementScan(this.db, stateKeys, filing, headers, increment.base, this.keys.maxParallelism, tables))
    }
    const scan = new StoreScan(this.db, filing, headers, tables, options?.chunks)
    return this.reads(new ScannedKeyedPart(scan, this.keys.maxParallelism))
  }

  /**
   * The timer part of the increment `snapshotDeferred` has just begun (nothing has run since):
   * the timers registered and gone since its base, read at this moment.
   */
  snapshotTimerIncrement(): DeferredJson | undefined {
    const increment = this.timerIncrement
    this.timerIncrement = undefined
    if (increment === undefined || this.disposed) return undefined
    return this.reads(new TimerIncrementScan(this.db, increment.keys, increment.base))
  }

  /**
   * Replaces the store's contents by a snapshot's. A chunked one (`chunks.ts`) is written chunk
   * by chunk, each in one transaction, read through `chunks` as it goes: a state larger than
   * memory is restored without ever being in memory whole. Increments that come with it (a
   * chain whose base is chunked) are then applied in turn, their entries written and their
   * removals deleted, as the store would have had them.
   */
  restore(snapshot: unknown, chunks?: ChunkReader): void {
    const keyed = checkedKeyedSnapshot(this.info, snapshot, this.keys.maxParallelism) as ChunkedKeyedSnapshot
    const { maxParallelism, states, tables = [] } = keyed
    const increments = keyed.increments ?? []
    for (const table of this.caches()) table.forget()
    this.cached = 0
    this.full = false
    this.changes?.reset()
    this.pendingRestore.clear()
    this.rewrittenGroups.clear()
    this.pendingTables.clear()
    const db = this.db
    // The state's headers after the chain: the newest increment's, as a merged chain has them.
    const newest = increments[increments.length - 1]
    const finalStates = new Map((newest?.states ?? states).map(s => [s.name, s]))
    const finalTables = new Set((newest?.tables ?? tables).map(t => t.name))
    const writer = new RestoreWriter(this, db, maxParallelism)
    const stateWriters = new Map(states.filter(s => finalStates.has(s.name)).map(s => [s.name, writer.state(s)]))
    const tableWriters = new Map(tables.filter(t => finalTables.has(t.name)).map(t => [t.name, writer.table(t.name)]))
    // The store's timers go too: the operator restores its timers after its state.
    for (const queue of this.timerQueues) queue.clear()
    db.transactionSync(() => {
      db.clearSync()
      for (const state of states) for (const entry of state.entries) stateWriters.get(state.name)?.put(entry)
      for (const table of tables) for (const entry of table.entries) tableWriters.get(table.name)?.put(entry)
    })
    for (const ref of keyed.chunks ?? []) {
      const chunk = readChunk(this.info, chunks, ref)
      db.transactionSync(() => {
        for (const [parts, listed, what] of [[chunk.states, new Set(states.map(s => s.name)), 'state'], [chunk.tables, new Set(tables.map(t => t.name)), 'table']] as const) {
          const writers = what === 'state' ? stateWriters : tableWriters
          for (const [name, entries] of Object.entries(parts)) {
            if (!listed.has(name)) throw new StateError(this.info, name, `cannot restore: chunk ${ref.n} of checkpoint ${ref.checkpoint ?? '?'} holds entries of ${what} "${name}", which its snapshot does not list`)
            const write = writers.get(name)
            if (write !== undefined) for (const entry of entries) if (ownsEntry(keyed, entry)) write.put(entry)
          }
        }
      })
    }
    for (const increment of increments) {
      db.transactionSync(() => {
        for (const state of increment.states) {
          const write = writer.state(state)
          for (const entry of state.removed) write.remove(entry)
          for (const entry of state.entries) write.put(entry)
        }
        for (const table of increment.tables) {
          const write = writer.table(table.name, true)
          for (const entry of table.removed) write.remove(entry)
          for (const entry of table.entries) write.put(entry)
        }
      })
    }
    for (const state of finalStates.values()) if (!this.registered.has(state.name)) this.pendingRestore.set(state.name, headerOf(state))
    for (const name of finalTables) if (!this.tables.has(name)) this.pendingTables.add(name)
  }

  /** @internal For a restore's writer: what a state name or table is filed under, and how it is checked now. */
  restoreTarget(kind: 'state' | 'table', header: Omit<SnapshotState, 'entries'> | string): RestoreTarget {
    if (kind === 'table') {
      const name = header as string
      const own = this.tables.get(name)
      const stateNo = this.stateNo(tableState(name))
      if (own === undefined) return { name, stateNo, check: undefined }
      const { elementsField } = own
      return {
        name,
        stateNo,
        check: (encoded, fail, key) => checkedTableText(own.codec, encoded, fail, key),
        // A table that keeps its list apart: the value's rest under its key, each element after it.
        put: (at, text, encoded, fail) => this.putTableValue(at, text, encoded, elementsField, fail, (k, t) => this.db.putSync(k, t)),
        elements: elementsField !== undefined
      }
    }
    const state = header as Omit<SnapshotState, 'entries'>
    const registered = this.registered.get(state.name)
    const stateNo = this.stateNo(state.name)
    // A registered state's values are checked now; another's when its descriptor comes.
    if (registered === undefined) return { name: state.name, stateNo, check: undefined }
    const decode = restoredValueDecoder(this.info, registered.descriptor, state)
    const encode = valueEncoder(registered.descriptor)
    return { name: state.name, stateNo, check: (encoded, fail) => JSON.stringify(encode(decode(encoded, fail))) }
  }

  notifyCheckpointComplete(checkpointId: number): void {
    this.changes?.complete(checkpointId)
  }

  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    for (const table of this.caches()) table.forget()
    this.pendingRestore.clear()
    this.rewrittenGroups.clear()
    this.pendingTables.clear()
    for (const queue of this.timerQueues) queue.close()
    // A job's final checkpoint is taken before its operators close and written after: the
    // store stays open until the snapshots reading it end.
    if (this.reading.size === 0) this.options.store.close()
  }

  /** `scan`, kept track of until it ends (written whole, or cancelled). */
  private reads(scan: DeferredJson): StoreRead {
    const read = new StoreRead(scan, () => {
      this.reading.delete(read)
      if (this.disposed && this.reading.size === 0) this.options.store.close()
    })
    this.reading.add(read)
    return read
  }

  /**
   * A read of the store in steps other than a snapshot's keyed part (a timer queue's: a
   * snapshot's timers, the end of processing time), kept track of as `reads` does: the
   * function returned ends it.
   */
  private startRead(): () => void {
    const read = {}
    this.reading.add(read)
    return () => {
      if (!this.reading.delete(read)) return
      if (this.disposed && this.reading.size === 0) this.options.store.close()
    }
  }

  // ---- registration ----

  private registration(descriptor: StateDescriptor): RegisteredState {
    if (typeof descriptor !== 'object' || descriptor === null || typeof descriptor.name !== 'string') {
      throw new StateError(this.info, String(describeValue(descriptor)), 'not a state descriptor: build one with valueState, listState, mapState, reducingState or aggregatingState')
    }
    let registered = this.registered.get(descriptor.name)
    if (registered !== undefined) {
      checkCompatible(this.info, registered.descriptor, descriptor)
      return registered
    }
    const restored = this.pendingRestore.get(descriptor.name)
    if (restored !== undefined) this.checkRestored(descriptor, restored)
    registered = { descriptor, table: this.createTable(descriptor), states: new Map(), namespacedStates: new Map() }
    this.registered.set(descriptor.name, registered)
    return registered
  }

  /** Checks (and migrates) the values a restore left in the store for `descriptor`'s name, now that its codecs are known. */
  private checkRestored(descriptor: StateDescriptor, header: StateHeader): void {
    const decode = restoredValueDecoder(this.info, descriptor, header)
    const encode = valueEncoder(descriptor)
    this.rewriteRestored(descriptor.name, this.stateNo(descriptor.name), (stored, fail) => JSON.stringify(encode(decode(stored, fail))))
    this.pendingRestore.delete(descriptor.name)
  }

  /**
   * Checks the entries a restore left unchecked under state number `stateNo`
   * (`uncheckedValues.ts`) and writes again, as this backend writes it, each whose key or
   * value (as `text` makes it) this backend writes otherwise.
   */
  private rewriteRestored(
    name: string,
    stateNo: number,
    text: (stored: unknown, fail: (detail: string) => never, key: unknown) => string,
    elementsField?: string
  ): void {
    const db = this.db
    // A transaction per key group, not one for the whole state: LMDB holds a transaction's
    // dirty pages in memory (the whole state, rewritten, at 20 M keys several GB) until it
    // commits. A group that fails is rolled back and those before stay rewritten, so a
    // registration tried again goes on from the failed group (`rewrittenGroups`).
    for (let group = this.rewrittenGroups.get(stateNo) ?? 0; group < this.keys.maxParallelism; group++) {
      this.rewrittenGroups.set(stateNo, group)
      db.transactionSync(() => {
        // Read before written: a value's elements go after it, into the range being read.
        for (const { key, value } of Array.from(db.getRange(stateRange(group, stateNo)))) {
          const { keyText, ns } = parseKey(key)
          const { group: filedUnder, value: stored } = readUnchecked(value, group)
          const entry: SnapshotEntry = [filedUnder, JSON.parse(keyText) as SnapshotEntry[1], ns ?? null, stored]
          const checked = checkedEntry(this.info, name, this.keys.maxParallelism, entry)
          const checkedText = text(entry[3], checked.fail, checked.key)
          // The key as this backend writes it (a snapshot may spell one key otherwise: -0 for 0).
          const canonical = storeKeyOf(group, stateNo, JSON.stringify(encodeKey(checked.key)), ns ?? null)
          // Stored as it would be written: nothing to write (the store's text is the checked one).
          if (canonical === key && checkedText === value && elementsField === undefined) continue
          if (canonical !== key) this.write(key, undefined)
          this.putTableValue(canonical, checkedText, entry[3], elementsField, checked.fail, this.write)
        }
      })
    }
    this.rewrittenGroups.delete(stateNo)
  }

  /**
   * Puts a value in the store: its checked JSON `text` under `at`, or, for a table that keeps
   * the list `elementsField` apart, the rest of `encoded` under `at` and each element after it.
   */
  private putTableValue(
    at: StoreKey,
    text: string,
    encoded: unknown,
    elementsField: string | undefined,
    fail: (detail: string) => never,
    put: (key: StoreKey, text: string) => void
  ): void {
    if (elementsField === undefined || typeof parseKey(at).ns !== 'number') {
      put(at, text)
      return
    }
    const { rest, elements } = splitElements(encoded, elementsField, fail)
    put(at, rest)
    for (const element of elements) put(elementKey(at, this.nextElementSeq()), element)
  }

  /** The number of state `name` in store keys (given on first sight). */
  private stateNo(name: string): number {
    let no = this.stateNos.get(name)
    if (no === undefined) {
      no = this.stateNames.length
      this.stateNos.set(name, no)
      this.stateNames.push(name)
    }
    return no
  }

  private createTable(descriptor: StateDescriptor): LmdbStateTable<unknown> {
    const encode = valueEncoder(descriptor)
    const decode = valueDecoder(descriptor)
    const changesOnRead = descriptor.ttl !== undefined || descriptor._tag === 'ListStateDescriptor' || descriptor._tag === 'MapStateDescriptor'
    return new LmdbStateTable<unknown>(
      descriptor.name,
      this.stateNo(descriptor.name),
      this.keys as KeyContext<unknown>,
      this,
      stored => JSON.stringify(encode(stored)),
      storeDecoder(this.info, descriptor.name, (parsed, fail) => decode(parsed, fail)),
      changesOnRead
    )
  }

  /**
   * An operator's table: its values are live objects changed in place, so every read counts as
   * a change; those of an operator that holds them across records are pinned in the cache.
   */
  private createOwnTable(name: string, codec: TableCodec<unknown>, keepsReferences: boolean, elementsField: string | undefined): LmdbStateTable<unknown> {
    const load = codec.load ?? codec.decode
    const keys = this.keys as KeyContext<unknown>
    return new LmdbStateTable<unknown>(
      name,
      this.stateNo(tableState(name)),
      keys,
      this,
      value => JSON.stringify(codec.encode(value)),
      storeDecoder(this.info, name, (parsed, fail, at) => load(parsed, fail, decodeKey(JSON.parse(parseKey(at).keyText) as SnapshotEntry[1]))),
      true,
      keepsReferences,
      elementsField === undefined
        ? undefined
        : (at, detail) => {
            const { keyText, ns } = parseKey(at)
            throw new StateError(this.info, name, `cannot write ${elementsField} of key ${keyText} in namespace ${String(ns)}: ${detail}; they are written as they are, so they must be plain JSON data`)
          }
    )
  }

  /** Every cache: the descriptor states', then the operators' tables. */
  private *caches(): Generator<LmdbStateTable<unknown>> {
    for (const { table } of this.registered.values()) yield table
    for (const { table } of this.tables.values()) yield table
  }
}

/** The state name an operator's table `name` has in store keys: never a descriptor's (which may share its name). */
function tableState(name: string): string {
  return `\u0000table:${name}`
}

/** A decoder of the store's JSON text at a store key, whose failures name the state and the key. */
function storeDecoder(info: OperatorInfo, name: string, decode: (parsed: unknown, fail: (detail: string) => never, at: StoreKey) => unknown): (text: string, at: StoreKey) => unknown {
  return (text, at) => {
    const fail = (detail: string): never => {
      const { keyText, ns } = parseKey(at)
      throw new StateError(info, name, `the value of key ${keyText}${ns === undefined ? '' : ` in namespace ${String(ns)}`} in the store is invalid: ${detail}`)
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (error) {
      return fail(messageOf(error))
    }
    return decode(parsed, fail, at)
  }
}

/** A restored table value's text in the store, once the table's codec accepted it (decoding it as a restore does). */
function checkedTableText(codec: TableCodec<unknown>, encoded: unknown, fail: (detail: string) => never, key: unknown): string {
  codec.decode(encoded, fail, key)
  return JSON.stringify(encoded) ?? 'null'
}

/**
 * Puts a snapshot entry in the store as it came, to be checked (keys too) when its state or
 * table is made (`uncheckedValues.ts`: a key group out of range goes in the value, refused
 * only then).
 */
function putUnchecked(db: RootDatabase<string, StoreKey>, maxParallelism: number, stateNo: number, entry: SnapshotEntry): void {
  const group = Number.isInteger(entry[0]) && entry[0] >= 0 && entry[0] < maxParallelism ? entry[0] : 0
  db.putSync(storeKeyOf(group, stateNo, JSON.stringify(entry[1]), entry[2]), uncheckedText(entry[0], group, entry[3]))
}

/** The store key of a snapshot entry's key text and namespace. */
function storeKeyOf(group: number, stateNo: number, keyText: string, ns: string | number | null): StoreKey {
  const prefix = keyPrefix(group, stateNo, keyText)
  return ns === null ? prefix : namespacedKey(prefix, ns)
}

/** The snapshot header of a descriptor's state (the heap backend writes the same fields). */
function headerOf(source: StateDescriptor | StateHeader): StateHeader {
  if ('kind' in source) return { name: source.name, kind: source.kind, ttl: source.ttl, version: source.version, keyCodec: source.keyCodec }
  const version = schemaVersion(source)
  return {
    name: source.name,
    kind: source._tag,
    ttl: source.ttl !== undefined,
    version: version === 1 ? undefined : version,
    keyCodec: source._tag === 'MapStateDescriptor' ? (source as MapStateDescriptor<unknown, unknown>).keyCodec.name : undefined
  }
}

/** A snapshot reading the store, which says when it ends (see `dispose`). */
class StoreRead extends Deferred {
  private over = false

  constructor(
    private readonly scan: DeferredJson,
    private readonly ended: () => void
  ) {
    super()
  }

  step(deadline: number): boolean {
    const done = this.scan.step(deadline)
    if (done) this.end()
    return done
  }

  text(): string {
    return this.scan.text()
  }

  cancel(): void {
    this.scan.cancel()
    this.end()
  }

  private end(): void {
    if (this.over) return
    this.over = true
    this.ended()
  }
}

/**
 * The `states` array of a snapshot, from one ordered scan of the store (key group, then state):
 * each entry is filed under its state, and the states are written out once the scan ends. The
 * operators' tables come from the same scan (`tablesText`).
 *
 * Given a sink, the entries filed go out as a chunk each time they reach `CHUNK_CHARS`, the
 * scan reading on only once the sink has stored the one before: the heap holds one chunk
 * whatever the state's size, and the states and tables list no entries of their own
 * (`chunksText`). A state smaller than one chunk is written whole, as without a sink.
 */
class StoreScan extends Deferred {
  private readonly iterator: Iterator<{ key: StoreKey; value: string }>
  /** The first entry, read when the scan was made (see the constructor). */
  private first: IteratorResult<{ key: StoreKey; value: string }> | undefined
  private readonly pieces = new Map<string, FiledEntries>()
  private result: string | undefined = undefined
  private tablesResult: string | undefined = undefined
  private cancelled = false
  /** A value of a table with elements apart, held until its elements (which follow it in the store) are read. */
  private held: { readonly name: string; readonly field: string; readonly key: StoreKey; readonly text: string; readonly elements: string[] } | undefined = undefined
  /** Chunks: those handed to the sink, the characters filed since, and the key groups they are of. */
  private readonly chunks: ChunkRef[] = []
  private filed = 0
  private firstGroup = -1
  private lastGroup = -1
  /** The store has no entry left to read. */
  private exhausted = false
  /** The chunk being cut, until its checksum is taken and the sink has it. */
  private cutting: { readonly sum: SteppedChecksum; readonly first: number; readonly last: number } | undefined = undefined

  constructor(
    db: RootDatabase<string, StoreKey>,
    private readonly filing: EntryFiling,
    private readonly headers: ReadonlyMap<string, StateHeader>,
    /** The operators' tables: their state names in store keys, and their names. */
    private readonly ownTables: ReadonlyMap<string, string>,
    private readonly sink?: ChunkSink
  ) {
    super()
    // The range holds its read transaction until it ends: the view of the store at the barrier.
    // It starts at the first entry read, so that one is read now, not at the first step.
    // From the first state key: the timers' ranges come before it (the operator snapshots timers).
    this.iterator = db.getRange({ start: stateRange(0, 0).start, snapshot: true })[Symbol.iterator]() as Iterator<{ key: StoreKey; value: string }>
    this.first = this.iterator.next()
    for (const name of [...headers.keys(), ...ownTables.keys()]) this.pieces.set(name, new FiledEntries())
  }

  step(deadline: number): boolean {
    if (this.result !== undefined) return true
    if (this.cancelled) throw new Error('the snapshot was cancelled')
    const { sink } = this
    for (;;) {
      for (let i = 0; i < ENTRIES_PER_STEP; i++) {
        // A full chunk goes before more is read; the last one (once chunks were cut) at the end.
        if (sink !== undefined && (this.cutting !== undefined || this.filed >= CHUNK_CHARS || (this.exhausted && this.filed > 0 && this.chunks.length > 0))) {
          if (!this.cut(sink, deadline)) return false
        }
        if (this.exhausted) {
          this.finish()
          return true
        }
        const next = this.first ?? this.iterator.next()
        this.first = undefined
        if (next.done === true) {
          this.exhausted = true
          // A value held for its elements is filed now, into the last chunk.
          this.fileHeld()
        } else this.file(next.value.key, next.value.value)
      }
      for (const filed of this.pieces.values()) filed.settle()
      if (clock() >= deadline) return false
    }
  }

  /** The snapshot's `chunks` field (with its comma), or '' when the entries are in the states. */
  chunksText(): string {
    if (this.result === undefined) throw new Error('the snapshot is not written yet')
    return this.chunks.length === 0 ? '' : `,"chunks":${JSON.stringify(this.chunks)}`
  }

  text(): string {
    if (this.result === undefined) throw new Error('the snapshot is not written yet')
    return this.result
  }

  tablesText(): string {
    if (this.tablesResult === undefined) throw new Error('the snapshot is not written yet')
    return this.tablesResult
  }

  cancel(): void {
    this.cancelled = true
    this.cutting = undefined
    this.iterator.return?.()
  }

  private file(key: StoreKey, text: string): void {
    const held = this.held
    if (held !== undefined) {
      if (entryKeyOf(key) === held.key) {
        held.elements.push(text)
        return
      }
      this.held = undefined
      this.fileEntry(held.name, held.key, joinElements(held.text, held.field, held.elements))
    }
    const name = this.filing.names[stateOf(key)]
    if (name === undefined || !this.pieces.has(name)) return
    const field = this.filing.elements?.get(name)
    if (field === undefined) this.fileEntry(name, key, text)
    // An element whose value is gone is left out (a value removed takes its elements with it).
    else if (entryKeyOf(key) === key) this.held = { name, field, key, text, elements: [] }
  }

  private fileEntry(name: string, key: StoreKey, text: string): void {
    const entry = entryText(this.filing, name, key, text)
    if (entry === undefined) return
    this.pieces.get(name)!.push(entry)
    if (this.sink === undefined) return
    this.filed += entry.length + 1
    const group = groupOf(key)
    if (this.firstGroup < 0) this.firstGroup = group
    this.lastGroup = group
  }

  /**
   * What is filed goes to the sink as one chunk: its text is made at once (a rope of the
   * entries, no copy), checksummed in steps until `deadline` (a megabyte takes milliseconds:
   * in one go it overran the step's budget), and handed over once the sink is ready. True once
   * it is; the scan reads on only then.
   */
  private cut(sink: ChunkSink, deadline: number): boolean {
    const cutting = (this.cutting ??= this.cutText())
    const sum = cutting.sum.step(deadline, clock)
    if (sum === undefined || !sink.ready) return false
    this.cutting = undefined
    this.chunks.push(sink.put(cutting.sum.text, cutting.first, cutting.last, sum))
    return true
  }

  /** The chunk of what is filed, to checksum; the filed entries are let go. */
  private cutText(): { readonly sum: SteppedChecksum; readonly first: number; readonly last: number } {
    const states = new Map<string, string>()
    for (const name of this.headers.keys()) states.set(name, this.pieces.get(name)!.take())
    const tables = new Map<string, string>()
    for (const [state, name] of this.ownTables) tables.set(name, this.pieces.get(state)!.take())
    const cut = { sum: new SteppedChecksum(chunkText(states, tables)), first: this.firstGroup, last: this.lastGroup }
    this.filed = 0
    this.firstGroup = -1
    return cut
  }

  /** Files the value held for its elements, if any. */
  private fileHeld(): void {
    const held = this.held
    this.held = undefined
    if (held !== undefined) this.fileEntry(held.name, held.key, joinElements(held.text, held.field, held.elements))
  }

  private finish(): void {
    this.fileHeld()
    const states: string[] = []
    for (const [name, header] of this.headers) {
      const head = JSON.stringify(header)
      states.push(`${head.slice(0, -1)},"entries":[${this.pieces.get(name)!.take()}]}`)
    }
    const tables: string[] = []
    for (const [state, name] of this.ownTables) tables.push(`{"name":${JSON.stringify(name)},"entries":[${this.pieces.get(state)!.take()}]}`)
    this.pieces.clear()
    this.result = `[${concat(states)}]`
    this.tablesResult = `[${concat(tables)}]`
  }
}

/** A full keyed part read by a {@link StoreScan}: its states, its tables, and its chunks if it cut any. */
class ScannedKeyedPart extends Deferred {
  constructor(
    private readonly scan: StoreScan,
    private readonly maxParallelism: number
  ) {
    super()
  }

  step(deadline: number): boolean {
    return this.scan.step(deadline)
  }

  text(): string {
    const { scan } = this
    return `{"format":"rx-datastream/keyed-state","version":1,"maxParallelism":${this.maxParallelism},"states":${scan.text()},"tables":${scan.tablesText()}${scan.chunksText()}}`
  }

  cancel(): void {
    this.scan.cancel()
  }
}

/** @internal Where a restore writes a state's or table's entries, and how it checks a value (none: left for when it is made). */
interface RestoreTarget {
  readonly name: string
  readonly stateNo: number
  readonly check: ((encoded: unknown, fail: (detail: string) => never, key: unknown) => string) | undefined
  /** How a checked value goes into the store, when not as one entry (a table's elements apart). */
  readonly put?: (at: StoreKey, text: string, encoded: unknown, fail: (detail: string) => never) => void
  /** Its values may have elements after them, which a removal removes too. */
  readonly elements?: boolean
}

/** Writes a restore's entries (and an increment's removals) to the store, as the restore of one whole snapshot would. */
class RestoreWriter {
  constructor(
    private readonly backend: { restoreTarget(kind: 'state' | 'table', header: Omit<SnapshotState, 'entries'> | string): RestoreTarget; readonly info: OperatorInfo },
    private readonly db: RootDatabase<string, StoreKey>,
    private readonly maxParallelism: number
  ) {}

  state(header: Omit<SnapshotState, 'entries'>): { put(entry: SnapshotEntry): void; remove(entry: RemovedEntry): void } {
    return this.writer(this.backend.restoreTarget('state', header))
  }

  /** `replaces`: an increment's values, which replace the ones there (with their elements, when a value's list is kept apart). */
  table(name: string, replaces = false): { put(entry: SnapshotEntry): void; remove(entry: RemovedEntry): void } {
    return this.writer(this.backend.restoreTarget('table', name), replaces)
  }

  private writer({ name, stateNo, check, put, elements }: RestoreTarget, replaces = false): { put(entry: SnapshotEntry): void; remove(entry: RemovedEntry): void } {
    const { db, maxParallelism } = this
    const { info } = this.backend
    return {
      put: entry => {
        if (check === undefined) return putUnchecked(db, maxParallelism, stateNo, entry)
        const { key, fail } = checkedEntry(info, name, maxParallelism, entry)
        const at = storeKeyOf(entry[0], stateNo, JSON.stringify(encodeKey(key)), entry[2])
        const text = check(entry[3], fail, key)
        if (put === undefined) return db.putSync(at, text)
        // An increment's value holds its whole list: the elements its base put there go first.
        if (replaces && elements === true) for (const element of [...db.getKeys(elementRange(at))]) db.removeSync(element)
        put(at, text, entry[3], fail)
      },
      // Under either key a put may have filed it (as it came, or checked: a key spelt otherwise, -0 for 0).
      remove: ([group, encodedKey, ns]) => {
        const filedGroup = Number.isInteger(group) && group >= 0 && group < maxParallelism ? group : 0
        const key = decodeKey(encodedKey)
        const ats = [storeKeyOf(filedGroup, stateNo, JSON.stringify(encodedKey), ns)]
        if (key !== undefined) ats.push(storeKeyOf(filedGroup, stateNo, JSON.stringify(encodeKey(key)), ns))
        for (const at of ats) {
          db.removeSync(at)
          if (elements === true) for (const element of [...db.getKeys(elementRange(at))]) db.removeSync(element)
        }
      }
    }
  }
}

/** @internal Opens a store at `path` for one operator; `close` deletes `dir`. */
export function openStore(lmdb: typeof import('lmdb'), path: string, dir: string): LmdbStore {
  // Working state only: a crash loses it and the job restores from a checkpoint, so nothing
  // is synced to disk (as Flink runs RocksDB without a write-ahead log).
  const db = lmdb.open<string, StoreKey>({ path, encoding: 'string', noSync: true, compression: false })
  return {
    db,
    close: () => {
      void db.close().then(
        () => rmSync(dir, { recursive: true, force: true }),
        () => rmSync(dir, { recursive: true, force: true })
      )
    }
  }
}
