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
import * as t from 'io-ts'
import { messageOf, StateError } from '../core/errors'
import type { OperatorInfo } from '../core/OperatorOptions'
import { describeValue } from '../core/describe'
import { keyId } from '../core/Key'
import { DEFAULT_MAX_PARALLELISM, checkMaxParallelism, keyGroupOfId } from './KeyGroup'
import { decodeKey, describeErrors, encodeKey, KeyedStateSnapshot, type SnapshotEntry, type SnapshotState, type TableSnapshot } from './snapshotFormat'
import { KeyContext } from './KeyContext'
import {
  HeapAggregatingState,
  HeapListState,
  HeapMapState,
  HeapReducingState,
  HeapValueState,
  type InternalKvState,
  type InternalMergingState,
  isExpired,
  type MapEntry,
  mapKeyId,
  type StateRuntime,
  type TtlValue
} from './heapStates'
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  MergingStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  StateOf,
  ValueStateDescriptor
} from './StateDescriptor'
import { schemaVersion, stateKindName } from './StateDescriptor'
import { StateTable } from './StateTable'
import { validatesStateWrites } from './stateValidation'
import type { EntryWriter } from './TableCapture'
import { completeNow, deferredArray, type DeferredJson, deferredObject, readyJson } from './DeferredJson'
import type { InternalTableOptions, KeyedStateBackend, TableCodec } from './KeyedStateBackend'

// -------------------------------------------------------------------------------------
// backend
// -------------------------------------------------------------------------------------

/** @internal */
export interface KeyedStateBackendOptions {
  readonly info: OperatorInfo
  /** Processing time (TTL's clock). */
  readonly now: () => number
  readonly maxParallelism?: number
  /** Check written values against their codecs. Default: `validatesStateWrites()` (NODE_ENV, or `setStateValidation`). */
  readonly validateWrites?: boolean
}

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
    if (state === undefined) registered.namespacedStates.set(descriptor, (state = this.createState(descriptor, registered.table)))
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
    const previous = this.keys.currentKey
    const wasActive = this.keys.active
    this.keys.active = true
    try {
      for (const key of keys) {
        this.keys.setCurrentKey(key)
        fn(key, state)
      }
    } finally {
      this.keys.active = wasActive
      if (keys.length > 0) this.keys.setCurrentKey(previous)
    }
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
  restore(snapshot: unknown): void {
    const decoded = KeyedStateSnapshot.decode(snapshot)
    if (decoded._tag === 'Left') {
      throw new StateError(this.info, '*', `the snapshot is not a keyed-state snapshot of this version: ${describeErrors(decoded.left)}`)
    }
    let copy: KeyedStateSnapshot
    try {
      copy = structuredClone(decoded.right)
    } catch (error) {
      throw new StateError(this.info, '*', `the snapshot is not plain data: ${messageOf(error)}`, { cause: error })
    }
    const { maxParallelism, states, tables = [] } = copy
    if (maxParallelism !== this.keys.maxParallelism) {
      throw new StateError(
        this.info,
        '*',
        `the snapshot was taken with maxParallelism ${maxParallelism}, the operator has ${this.keys.maxParallelism}: it must not change across restores`
      )
    }
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
    if (state === undefined) registered.states.set(descriptor, (state = this.createState(descriptor, registered.table)))
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

  private createState(descriptor: StateDescriptor, table: StateTable<unknown, unknown>): InternalKvState {
    const runtime: StateRuntime = this as StateRuntime
    switch (descriptor._tag) {
      case 'ValueStateDescriptor':
        return new HeapValueState(table as never, descriptor as ValueStateDescriptor<unknown>, runtime)
      case 'ListStateDescriptor':
        return new HeapListState(table as never, descriptor as ListStateDescriptor<unknown>, runtime)
      case 'MapStateDescriptor':
        return new HeapMapState(table as never, descriptor as MapStateDescriptor<unknown, unknown>, runtime)
      case 'ReducingStateDescriptor':
        return new HeapReducingState(table as never, descriptor as ReducingStateDescriptor<unknown>, runtime)
      case 'AggregatingStateDescriptor':
        return new HeapAggregatingState(table as never, descriptor as AggregatingStateDescriptor<unknown, unknown, unknown>, runtime)
    }
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
    for (const [group, encodedKey, ns, encoded] of entries) {
      const fail = (detail: string): never => {
        throw new StateError(this.info, name, `cannot restore: ${detail}`)
      }
      const key = decodeKey(encodedKey)
      if (key === undefined) fail(`the key ${JSON.stringify(encodedKey)} is not a valid key`)
      const id = keyId(key)
      if (keyGroupOfId(id, this.keys.maxParallelism) !== group) {
        fail(`the key ${describeValue(key)} is filed under key group ${group}, but belongs to ${keyGroupOfId(id, this.keys.maxParallelism)}: the snapshot is corrupt or was hashed differently`)
      }
      const at = `key ${describeValue(key)}${ns === null ? '' : ` in namespace ${String(ns)}`}`
      put(key, id, ns === null ? undefined : ns, encoded, detail => fail(`the value of ${at} is invalid: ${detail}`))
    }
  }

  private restoreState(descriptor: StateDescriptor, table: StateTable<unknown, unknown>, state: SnapshotState): void {
    const fail = (detail: string): never => {
      throw new StateError(this.info, descriptor.name, `cannot restore: ${detail}`)
    }
    if (state.kind !== descriptor._tag) {
      fail(`the snapshot holds a ${kindName(state.kind)}, the descriptor describes a ${stateKindName(descriptor)}`)
    }
    if (state.ttl !== (descriptor.ttl !== undefined)) {
      fail(`the snapshot was taken ${state.ttl ? 'with' : 'without'} a time to live and the descriptor has ${descriptor.ttl === undefined ? 'none' : 'one'}: switching TTL is a state-compatibility change`)
    }
    if (descriptor._tag === 'MapStateDescriptor' && state.keyCodec !== undefined) {
      const keyCodec = (descriptor as MapStateDescriptor<unknown, unknown>).keyCodec.name
      if (keyCodec !== state.keyCodec) fail(`its map keys were stored by key codec ${state.keyCodec}, the descriptor's is ${keyCodec}: the key codec of a map state cannot change`)
    }
    const stored = state.version ?? 1
    const version = schemaVersion(descriptor)
    if (stored > version) fail(`its values were stored at schema version ${stored}, newer than the descriptor's version ${version}: restore it with the job that wrote it, or one that knows version ${stored}`)
    const migrate = descriptor.schema?.migrate
    if (stored < version && migrate === undefined) {
      fail(`its values were stored at schema version ${stored} and the descriptor has version ${version} without a migrate function: give withSchemaVersion a migrate (stored, fromVersion) => stored`)
    }
    const decode = valueDecoder(descriptor, stored < version ? (value: unknown) => migrate!(value, stored) : undefined)
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

function checkCompatible(info: OperatorInfo, registered: StateDescriptor, descriptor: StateDescriptor): void {
  if (registered._tag !== descriptor._tag) {
    throw new StateError(
      info,
      descriptor.name,
      `the name is already used by a ${stateKindName(registered)}, and cannot also name a ${stateKindName(descriptor)}: descriptors are identified by name`
    )
  }
  if ((registered.ttl === undefined) !== (descriptor.ttl === undefined)) {
    throw new StateError(info, descriptor.name, 'two descriptors of this name disagree on having a time to live')
  }
}

function kindName(tag: SnapshotState['kind']): string {
  return stateKindName({ _tag: tag, name: '', ttl: undefined })
}

/** The stored form without expired parts (value cells, list elements, map entries). */
function withoutExpiredStored(descriptor: StateDescriptor, stored: unknown, now: number): unknown {
  const ttl = descriptor.ttl!
  switch (descriptor._tag) {
    case 'ListStateDescriptor': {
      const kept = (stored as TtlValue<unknown>[]).filter(cell => !isExpired(ttl, cell.time, now))
      return kept.length === 0 ? undefined : kept
    }
    case 'MapStateDescriptor': {
      const kept = Array.from((stored as Map<unknown, MapEntry<unknown, unknown>>).values()).filter(entry => !isExpired(ttl, entry.time, now))
      return kept.length === 0 ? undefined : kept
    }
    default:
      return isExpired(ttl, (stored as TtlValue<unknown>).time, now) ? undefined : stored
  }
}

/**
 * `codec`, dropping properties it does not declare when it is a record codec (`t.type`,
 * `t.partial`, intersections of them): a field removed from a record state is dropped on
 * restore, as Flink's POJO serializer drops removed fields. Other codecs are used as they are.
 */
function evolvable(codec: t.Type<unknown, unknown>): t.Type<unknown, unknown> {
  return hasProps(codec) ? (t.exact(codec) as t.Type<unknown, unknown>) : codec
}

function hasProps(codec: t.Mixed): codec is t.HasProps {
  if (codec instanceof t.InterfaceType || codec instanceof t.PartialType || codec instanceof t.StrictType) return true
  if (codec instanceof t.IntersectionType) return (codec.types as t.Mixed[]).every(hasProps)
  if (codec instanceof t.RefinementType || codec instanceof t.ReadonlyType) return hasProps(codec.type as t.Mixed)
  return false
}

interface Codecs {
  readonly codec: t.Type<unknown, unknown>
  readonly keyCodec?: t.Type<unknown, unknown>
}

function codecsOf(descriptor: StateDescriptor): Codecs {
  if (descriptor._tag === 'MapStateDescriptor') {
    const d = descriptor as MapStateDescriptor<unknown, unknown>
    return { codec: d.valueCodec, keyCodec: d.keyCodec }
  }
  return { codec: (descriptor as ValueStateDescriptor<unknown>).codec }
}

/** Stored form → JSON-ready form. TTL cells become `{ v, t }`, map entries `[k, v]` / `[k, v, t]`. */
function valueEncoder(descriptor: StateDescriptor): (stored: unknown) => unknown {
  const { codec, keyCodec } = codecsOf(descriptor)
  const ttl = descriptor.ttl !== undefined
  const cell = ttl ? (c: unknown) => ({ v: codec.encode((c as TtlValue<unknown>).value), t: (c as TtlValue<unknown>).time }) : (v: unknown) => codec.encode(v)
  switch (descriptor._tag) {
    case 'ListStateDescriptor':
      return stored => (stored as unknown[]).map(cell)
    case 'MapStateDescriptor':
      return stored => {
        const entries = stored instanceof Map ? Array.from((stored as Map<unknown, MapEntry<unknown, unknown>>).values()) : (stored as MapEntry<unknown, unknown>[])
        return entries.map(e => (ttl ? [keyCodec!.encode(e.key), codec.encode(e.value), e.time] : [keyCodec!.encode(e.key), codec.encode(e.value)]))
      }
    default:
      return cell
  }
}

/**
 * JSON-ready form → stored form, validating every value with its codec; values of an older
 * schema version go through `migrate` first. Records drop the fields their codec no longer
 * has (see `evolvable`).
 */
function valueDecoder(descriptor: StateDescriptor, migrate?: (value: unknown) => unknown): (encoded: unknown, fail: (detail: string) => never) => unknown {
  const { codec: current, keyCodec } = codecsOf(descriptor)
  const codec = evolvable(current)
  const ttl = descriptor.ttl !== undefined
  const decodeWith = (c: t.Type<unknown, unknown>, encoded: unknown, fail: (detail: string) => never): unknown => {
    let value = encoded
    if (migrate !== undefined && c === codec) {
      try {
        value = migrate(encoded)
      } catch (error) {
        return fail(`migrate failed on ${describeValue(encoded)}: ${messageOf(error)}`)
      }
    }
    const result = c.decode(value)
    return result._tag === 'Right' ? result.right : fail(describeErrors(result.left))
  }
  const time = (encoded: unknown, fail: (detail: string) => never): number =>
    typeof encoded === 'number' && Number.isFinite(encoded) ? encoded : fail(`the TTL timestamp ${describeValue(encoded)} is not a finite number`)
  const cell = (encoded: unknown, fail: (detail: string) => never): unknown => {
    if (!ttl) return decodeWith(codec, encoded, fail)
    if (typeof encoded !== 'object' || encoded === null || !('v' in encoded) || !('t' in encoded)) return fail('expected a TTL cell { v, t }')
    return { value: decodeWith(codec, encoded.v, fail), time: time(encoded.t, fail) }
  }
  switch (descriptor._tag) {
    case 'ListStateDescriptor':
      return (encoded, fail) => (Array.isArray(encoded) && encoded.length > 0 ? encoded.map(e => cell(e, fail)) : fail('expected a non-empty list'))
    case 'MapStateDescriptor':
      return (encoded, fail) => {
        if (!Array.isArray(encoded) || encoded.length === 0) return fail('expected a non-empty list of map entries')
        const map = new Map<unknown, MapEntry<unknown, unknown>>()
        for (const e of encoded) {
          if (!Array.isArray(e) || e.length !== (ttl ? 3 : 2)) fail(`expected map entries [key, value${ttl ? ', time' : ''}]`)
          const key = decodeWith(keyCodec!, e[0], fail)
          map.set(mapKeyId(key, keyCodec!), { key, value: decodeWith(codec, e[1], fail), time: ttl ? time(e[2], fail) : 0 })
        }
        return map
      }
    default:
      return cell
  }
}
