/**
 * @internal
 * The heap keyed-state backend (Flink's `HeapKeyedStateBackend`): every keyed state of one
 * operator — process functions' descriptors, windows' contents and trigger state, joins'
 * buffers — in {@link StateTable}s (snapshotted key group by key group), scoped by one {@link KeyContext}.
 *
 * Descriptor states are snapshotted with their codecs into a versioned, JSON-ready format
 * and validated on restore: restored values are decoded when their descriptor is registered
 * (as Flink restores heap state), so a value the codec rejects is an error naming the state
 * and the key, never a silent empty state. TTL metadata is part of the format, and expired
 * entries are left out of snapshots. A snapshot is taken at once and written in steps after it
 * (`snapshotDeferred`), the tables copying on write meanwhile.
 */
import { StateError } from '../core/errors'
import type { OperatorInfo } from '../core/OperatorOptions'
import { describeValue } from '../core/describe'
import { DEFAULT_MAX_PARALLELISM, checkMaxParallelism } from './KeyGroup'
import { checkedKeyedSnapshot, encodeKey, type KeyedStateSnapshot, type SnapshotEntry, type SnapshotState, type TableSnapshot } from './snapshotFormat'
import type { ChunkReader } from './chunks'
import { KeyContext } from './KeyContext'
import { createState, type InternalKvState, type InternalMergingState, type KvTable, type StateRuntime } from './heapStates'
import type { MapStateDescriptor, MergingStateDescriptor, StateDescriptor, StateOf } from './StateDescriptor'
import { schemaVersion, stateKindName } from './StateDescriptor'
import { checkCompatible, checkedEntry, restoredValueDecoder, valueEncoder, withoutExpiredStored } from './stateValues'
import { StateTable } from './StateTable'
import { validatesStateWrites } from './stateValidation'
import type { EntryWriter } from './TableCapture'
import { completeNow, deferredArray, type DeferredJson, deferredObject, readyJson } from './DeferredJson'
import type { InternalTableOptions, KeyedStateBackend, KeyedStateBackendOptions, TableCodec } from './KeyedStateBackend'

// -------------------------------------------------------------------------------------
// backend
// -------------------------------------------------------------------------------------

interface RegisteredState {
  readonly descriptor: StateDescriptor
  readonly table: StateTable<unknown, unknown>
  /** One state object per descriptor object (descriptors of one name share the table). */
  readonly states: Map<StateDescriptor, InternalKvState>
  /** The same, for namespaced access (per window). */
  readonly namespacedStates: Map<StateDescriptor, InternalKvState>
}

interface InternalTable<K> {
  readonly table: StateTable<K, unknown>
  readonly codec: TableCodec<unknown>
  /** Its snapshots are written in steps (see `StateTable.capture`). */
  readonly copyOnWrite: boolean
}

/** @internal */
export class HeapKeyedStateBackend<K> implements KeyedStateBackend<K>, StateRuntime {
  readonly keys: KeyContext<K>
  readonly info: OperatorInfo
  readonly validateWrites: boolean
  readonly now: () => number
  private readonly registered = new Map<string, RegisteredState>()
  private readonly internal = new Map<string, InternalTable<K>>()
  /** Restored states not registered yet, by name: decoded on registration. */
  private readonly pendingRestore = new Map<string, SnapshotState>()
  /** Restored operator tables not created yet, by name: decoded on creation. */
  private readonly pendingTables = new Map<string, TableSnapshot>()
  private lastDescriptor: StateDescriptor | undefined = undefined
  private lastState: InternalKvState | undefined = undefined

  constructor(options: KeyedStateBackendOptions) {
    this.info = options.info
    this.now = options.now
    this.keys = new KeyContext<K>(checkMaxParallelism(options.maxParallelism ?? DEFAULT_MAX_PARALLELISM, 'keyed state'))
    this.validateWrites = options.validateWrites ?? validatesStateWrites()
  }

  /** The state `descriptor` describes, scoped to the current key (Flink's `getPartitionedState`). */
  getState<D extends StateDescriptor>(descriptor: D): StateOf<D> & InternalKvState {
    if (descriptor === this.lastDescriptor) return this.lastState as StateOf<D> & InternalKvState
    const state = this.lookup(descriptor)
    this.lastDescriptor = descriptor
    this.lastState = state
    return state as StateOf<D> & InternalKvState
  }

  /**
   * The state `descriptor` describes in `namespace` (a window's id) of the current key: the
   * same table as {@link getState}'s, another slot. Windows' per-window state stands on it.
   */
  getNamespacedState<D extends StateDescriptor>(descriptor: D, namespace: string | number): StateOf<D> & InternalKvState {
    const registered = this.registration(descriptor)
    let state = registered.namespacedStates.get(descriptor)
    if (state === undefined) registered.namespacedStates.set(descriptor, (state = createState(descriptor, registered.table as KvTable<unknown>, this)))
    state.namespace = namespace
    return state as StateOf<D> & InternalKvState
  }

  /** See {@link KeyedStateBackend.unclaimedTables}. */
  unclaimedTables(): string[] {
    return [...this.pendingTables.keys()]
  }

  /** See {@link KeyedStateBackend.mergeNamespaces}. */
  mergeNamespaces(descriptor: MergingStateDescriptor, target: string | number, sources: readonly (string | number)[]): void {
    if (sources.length === 0) return
    // Checked by kind, not by what the state object can do: value state would "merge" quietly
    // whenever only one window has a value.
    const kind: StateDescriptor['_tag'] = descriptor._tag
    if (kind !== 'ReducingStateDescriptor' && kind !== 'AggregatingStateDescriptor' && kind !== 'ListStateDescriptor') {
      throw new StateError(this.info, descriptor.name, `${stateKindName(descriptor)} cannot be merged when windows merge; use reducing, aggregating or list state`)
    }
    const state = this.getNamespacedState(descriptor, target) as unknown as InternalMergingState
    state.mergeNamespaces(target, sources)
  }

  /** Removes the current key's values in `namespace` from every descriptor state (a window's cleanup). */
  clearNamespace(namespace: string | number): void {
    // Windows clean up per key and window, mostly with no descriptor state at all: no iterator then.
    if (this.registered.size === 0) return
    for (const { table } of this.registered.values()) table.remove(namespace)
  }

  /**
   * A table for an operator's own keyed bookkeeping (window contents, join buffers), kept as
   * live objects for speed and written into snapshots through `codec`.
   */
  internalTable<S>(name: string, codec: TableCodec<S>, options: InternalTableOptions = {}): StateTable<K, S> {
    let internal = this.internal.get(name)
    if (internal === undefined) {
      internal = { table: new StateTable<K, unknown>(name, this.keys), codec: codec as TableCodec<unknown>, copyOnWrite: options.copyOnWrite ?? false }
      this.internal.set(name, internal)
      const restored = this.pendingTables.get(name)
      if (restored !== undefined) {
        this.pendingTables.delete(name)
        this.restoreTable(internal, restored)
      }
    }
    return internal.table as StateTable<K, S>
  }

  /**
   * Calls `fn` for every key with a value in `descriptor`'s state (void namespace), with that
   * key current (Flink's `applyToAllKeys`); keys are listed first, so `fn` may clear state.
   */
  applyToAllKeys<D extends StateDescriptor>(descriptor: D, fn: (key: K, state: StateOf<D>) => void): void {
    const state = this.getState(descriptor)
    const { table } = this.registration(descriptor)
    const keys: K[] = []
    for (const entry of table.entries()) if (entry.value !== undefined) keys.push(entry.key as K)
    this.keys.forEachKey(keys, key => fn(key, state))
  }

  /**
   * A snapshot of every descriptor state (and of restored ones never registered since), as
   * plain JSON data: {@link snapshotDeferred} written whole at once.
   */
  snapshot(): KeyedStateSnapshot {
    return JSON.parse(completeNow(this.snapshotDeferred())) as KeyedStateSnapshot
  }

  /**
   * A snapshot as of now, written in steps afterwards (the text of a {@link KeyedStateSnapshot}).
   * Descriptor states and copy-on-write tables are captured (see `StateTable.capture`): values
   * changed in place meanwhile, such as an accumulator an aggregate function mutates, do not
   * change it. Other tables are written at once.
   */
  snapshotDeferred(): DeferredJson {
    const now = this.now()
    const states: DeferredJson[] = []
    for (const { descriptor, table } of this.registered.values()) {
      const version = schemaVersion(descriptor)
      states.push(
        deferredObject({
          name: descriptor.name,
          kind: descriptor._tag,
          ttl: descriptor.ttl !== undefined,
          version: version === 1 ? undefined : version,
          keyCodec: descriptor._tag === 'MapStateDescriptor' ? (descriptor as MapStateDescriptor<unknown, unknown>).keyCodec.name : undefined,
          entries: table.capture(stateEntryWriter(descriptor, now), true)
        })
      )
    }
    for (const pending of this.pendingRestore.values()) states.push(readyJson(pending))
    const tables: DeferredJson[] = []
    for (const [name, { table, codec, copyOnWrite }] of this.internal) {
      tables.push(deferredObject({ name, entries: table.capture(tableEntryWriter(codec), copyOnWrite) }))
    }
    for (const pending of this.pendingTables.values()) tables.push(readyJson(pending))
    return deferredObject({ format: 'rx-datastream/keyed-state', version: 1, maxParallelism: this.keys.maxParallelism, states: deferredArray(states), tables: deferredArray(tables) })
  }

  /**
   * Replaces all state by a snapshot's. The format is checked now; values are decoded with
   * their codecs as their descriptors are registered (already registered ones at once). The
   * snapshot is copied, so it can be restored again however the restored state is changed.
   */
  restore(snapshot: unknown, chunks?: ChunkReader): void {
    // A chunked snapshot (written by a backend on disk) is read whole by the job's reader: the
    // heap holds the state anyway. (The reading is the job's code, kept out of pages that run no job.)
    const whole = chunks === undefined ? snapshot : chunks.inline(this.info, snapshot)
    // (A chunked snapshot reaches a backend only from a job, which always gives the reader.)
    const { states, tables = [] } = checkedKeyedSnapshot(this.info, whole, this.keys.maxParallelism)
    for (const { table } of this.registered.values()) table.clear()
    for (const { table } of this.internal.values()) table.clear()
    this.pendingRestore.clear()
    this.pendingTables.clear()
    for (const state of states) {
      const registered = this.registered.get(state.name)
      if (registered === undefined) this.pendingRestore.set(state.name, state)
      else this.restoreState(registered.descriptor, registered.table, state)
    }
    for (const table of tables) {
      const internal = this.internal.get(table.name)
      if (internal === undefined) this.pendingTables.set(table.name, table)
      else this.restoreTable(internal, table)
    }
  }

  /** Drops all state. */
  dispose(): void {
    for (const { table } of this.registered.values()) table.clear()
    for (const { table } of this.internal.values()) table.clear()
    this.pendingRestore.clear()
    this.pendingTables.clear()
  }

  private lookup(descriptor: StateDescriptor): InternalKvState {
    const registered = this.registration(descriptor)
    let state = registered.states.get(descriptor)
    if (state === undefined) registered.states.set(descriptor, (state = createState(descriptor, registered.table as KvTable<unknown>, this)))
    return state
  }

  /** The table and state objects of `descriptor`'s name, registered (and restored) on first use. */
  private registration(descriptor: StateDescriptor): RegisteredState {
    if (typeof descriptor !== 'object' || descriptor === null || typeof descriptor.name !== 'string') {
      throw new StateError(this.info, String(describeValue(descriptor)), 'not a state descriptor: build one with valueState, listState, mapState, reducingState or aggregatingState')
    }
    let registered = this.registered.get(descriptor.name)
    if (registered === undefined) {
      registered = { descriptor, table: new StateTable<unknown, unknown>(descriptor.name, this.keys as KeyContext<unknown>), states: new Map(), namespacedStates: new Map() }
      const restored = this.pendingRestore.get(descriptor.name)
      if (restored !== undefined) {
        this.restoreState(descriptor, registered.table, restored)
        this.pendingRestore.delete(descriptor.name)
      }
      this.registered.set(descriptor.name, registered)
    } else {
      checkCompatible(this.info, registered.descriptor, descriptor)
    }
    return registered
  }

  private restoreTable({ table, codec }: InternalTable<K>, snapshot: TableSnapshot): void {
    table.clear()
    this.restoreEntries(snapshot.name, snapshot.entries, (key, id, ns, encoded, fail) => table.restoreValue(key as K, id, ns, codec.decode(encoded, fail, key)))
  }

  /** Checks each entry's key and key group, then files it with `put`. */
  private restoreEntries(
    name: string,
    entries: readonly SnapshotEntry[],
    put: (key: unknown, id: unknown, ns: string | number | undefined, encoded: unknown, fail: (detail: string) => never) => void
  ): void {
    for (const entry of entries) {
      const { key, id, ns, fail } = checkedEntry(this.info, name, this.keys.maxParallelism, entry)
      put(key, id, ns, entry[3], fail)
    }
  }

  private restoreState(descriptor: StateDescriptor, table: StateTable<unknown, unknown>, state: SnapshotState): void {
    const decode = restoredValueDecoder(this.info, descriptor, state)
    table.clear()
    this.restoreEntries(descriptor.name, state.entries, (key, id, ns, encoded, failValue) => table.restoreValue(key, id, ns, decode(encoded, failValue)))
  }
}

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/** Writes a descriptor state's entries of one key: `[key group, key, namespace, value]`, expired values left out. */
function stateEntryWriter(descriptor: StateDescriptor, now: number): EntryWriter<unknown, unknown> {
  const ttl = descriptor.ttl
  const encode = valueEncoder(descriptor)
  return entry => {
    const key = encodeKey(entry.key)
    let text = ''
    const add = (ns: unknown, stored: unknown): void => {
      const live = ttl === undefined ? stored : withoutExpiredStored(descriptor, stored, now)
      if (live === undefined) return
      text += `${text === '' ? '' : ','}${JSON.stringify([entry.group, key, ns === undefined ? null : ns, encode(live)])}`
    }
    if (entry.value !== undefined) add(undefined, entry.value)
    if (entry.namespaces !== undefined) for (const [ns, stored] of entry.namespaces) add(ns, stored)
    return text
  }
}

/** Writes an operator table's entries of one key through its codec. */
function tableEntryWriter<K>(codec: TableCodec<unknown>): EntryWriter<K, unknown> {
  return entry => {
    const key = encodeKey(entry.key)
    let text = entry.value === undefined ? '' : JSON.stringify([entry.group, key, null, codec.encode(entry.value)])
    if (entry.namespaces !== undefined) {
      for (const [ns, value] of entry.namespaces) text += `${text === '' ? '' : ','}${JSON.stringify([entry.group, key, ns, codec.encode(value)])}`
    }
    return text
  }
}

