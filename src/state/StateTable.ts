/**
 * @internal
 * One state's values on the heap (Flink's `StateTable`): key → (namespace → value). Reads and
 * writes address the backend's current key; the namespace is a primitive id (`undefined` for
 * the void namespace of process functions, a window's id in windows).
 *
 * The layout is chosen for the per-record path, which is memory-bound with many keys: the
 * void-namespace values sit directly in one `Map` by key id, so reading and writing a key's
 * value is one `Map` lookup each, as in a hand-written loop (an entry object per key costs a
 * second dependent memory access per read: measured −30% throughput). Values in other
 * namespaces are per key: one as a pair of namespace and value, more in a `Map` (see
 * {@link OneNamespace}). Key groups are not stored: a key's group follows from its
 * id, and {@link StateTable.entries} lists the keys group by group, which is the layout
 * snapshots and redistribution read.
 *
 * Snapshots are copy-on-write ({@link StateTable.capture}): while one is being written, every
 * read and write first lets it write the key's entries, a field check otherwise.
 *
 * A `Map` holds at most 2^24 entries in V8; a table whose keys outgrow that moves each full map
 * to a `ShardedMap` (an insertion first checks the map's size) and goes on, slower but whole.
 */
import type { DeferredJson } from './DeferredJson'
import { keyGroupOfId } from './KeyGroup'
import type { KeyContext } from './KeyContext'
import type { OperatorTable } from './OperatorTable'
import { type KeyMap, roomFor, SHARD_CAPACITY } from '../core/ShardedMap'
import { type CapturedTable, type EntryWriter, TableCapture } from './TableCapture'

/** @internal One key's values in one table, as {@link StateTable.entries} lists them. */
export interface KeyEntry<K, S> {
  readonly key: K
  readonly id: unknown
  readonly group: number
  /** The value in the void namespace. */
  readonly value: S | undefined
  /** Values in other namespaces, by namespace id. */
  readonly namespaces: ReadonlyMap<unknown, S> | undefined
}

/**
 * @internal
 * A key's only value outside the void namespace. A window operator's key is mostly in one
 * window at a time (a per-key window of its own, a tumbling window), made and dropped with
 * every window: a `Map` made for it costs more than the lookups it serves, and about 190 bytes
 * against the pair's 45 (Node 20). A second namespace moves the key's values to a `Map`, which
 * stays one until the key has none: a key of sliding windows goes from one to several and
 * back with every firing, and making a pair or a `Map` each time costs more (W2's evictor
 * variant: 12.14 G against 11.98 G instructions).
 */
class OneNamespace<S> {
  constructor(
    readonly ns: unknown,
    public value: S
  ) {}
}

/** A key's values in namespaces other than the void one. */
type Namespaces<S> = Map<unknown, S> | OneNamespace<S>

/**
 * Whether a key's namespaces are the pair: by its constructor, not `instanceof`, which walks a
 * `Map`'s prototype chain on every read of a key with several (2 ns against 0.2, measured).
 */
function isOne<S>(namespaces: Namespaces<S> | undefined): namespaces is OneNamespace<S> {
  return namespaces?.constructor === OneNamespace
}

/** Namespaces compare as `Map` keys do (SameValueZero). */
function sameNamespace(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b)
}

/** A key's namespaces as a `Map`, for the cold paths that list them. */
function asMap<S>(namespaces: Namespaces<S> | undefined): Map<unknown, S> | undefined {
  return isOne(namespaces) ? new Map([[namespaces.ns, namespaces.value]]) : namespaces
}

/** @internal Nothing is cached: an id no key has (not NaN: see `KeyContext.currentId`). */
const NO_KEY: unique symbol = Symbol('no key')

/** @internal */
export class StateTable<K, S> implements CapturedTable<K, S>, OperatorTable<K, S> {
  /** A value never moves on the heap: an operator may hold it (see `OperatorTable.valuesStay`). */
  readonly valuesStay = true
  /** The void-namespace value of every key that has one, by key id. */
  private values: KeyMap<unknown, S> = new Map<unknown, S>()
  /** The values in other namespaces, per key id (only keys that have some). */
  private namespaced: KeyMap<unknown, Namespaces<S>> = new Map<unknown, Namespaces<S>>()
  /**
   * The key of every id that is not the key itself (composite keys: arrays, whose id is a
   * string). Primitive keys are their own ids and need no entry here.
   */
  private composite: KeyMap<unknown, K> = new Map<unknown, K>()
  /** The namespaces of the last key asked for: windows touch several of one key in a row. */
  private cachedId: unknown = NO_KEY
  private cachedNamespaces: Namespaces<S> | undefined = undefined
  /** Where incremental cleanup resumes. */
  private cursor: Iterator<unknown> | undefined = undefined
  /**
   * The snapshot being written in steps, if any: every read for the record path and every
   * change tells it the key first (one field check per access otherwise).
   */
  private capturing: TableCapture<K, S> | undefined = undefined

  constructor(
    readonly name: string,
    private readonly keys: KeyContext<K>,
    /** Keys per `Map` before the table moves to a `ShardedMap` (smaller in specs). */
    private readonly shardCapacity = SHARD_CAPACITY
  ) {}

  /** The current key's value in namespace `ns`. */
  get(ns: unknown): S | undefined {
    const id = this.keys.currentId
    if (this.capturing !== undefined) this.capturing.before(id)
    if (ns === undefined) return this.values.get(id)
    const namespaces = this.namespacesOf(id)
    if (namespaces === undefined) return undefined
    if (isOne(namespaces)) return sameNamespace(namespaces.ns, ns) ? namespaces.value : undefined
    return namespaces.get(ns)
  }

  /** See `OperatorTable.soleNamespaced`. */
  soleNamespaced(): S | undefined {
    const id = this.keys.currentId
    if (this.capturing !== undefined) this.capturing.before(id)
    // Not through the cache of the last key: records of many keys interleave, and the writes
    // to it cost more than they save here.
    const namespaces = this.namespaced.get(id)
    if (isOne(namespaces)) return namespaces.value
    // A key that had several and is down to one (rare where keys mostly have one).
    return namespaces?.size === 1 ? namespaces.values().next().value : undefined
  }

  /**
   * The void-namespace value of the key with id `id`, whichever key is current: for an
   * operator that reaches its own bookkeeping by key id without making the key current.
   */
  getById(id: unknown): S | undefined {
    if (this.capturing !== undefined) this.capturing.before(id)
    return this.values.get(id)
  }

  /** Sets the current key's value in namespace `ns`; `undefined` removes it. */
  put(ns: unknown, value: S | undefined): void {
    if (value === undefined) {
      this.remove(ns)
      return
    }
    const keys = this.keys
    const id = keys.currentId
    if (this.capturing !== undefined) this.capturing.before(id)
    if (id !== keys.currentKey) this.rememberKey(id, keys.currentKey)
    if (ns === undefined) {
      if (this.values.size >= this.shardCapacity) this.values = roomFor(this.values, this.shardCapacity)
      this.values.set(id, value)
      return
    }
    // `namespacesOf` made `id` the cached key.
    this.cachedNamespaces = this.setNamespaced(id, this.namespacesOf(id), ns, value)
  }

  /** Removes the current key's value in namespace `ns`. */
  remove(ns: unknown): void {
    const id = this.keys.currentId
    if (this.capturing !== undefined) this.capturing.before(id)
    if (ns === undefined) {
      if (!this.values.delete(id)) return
    } else {
      const namespaces = this.namespacesOf(id)
      if (namespaces === undefined) return
      if (isOne(namespaces)) {
        if (!sameNamespace(namespaces.ns, ns)) return
        this.dropNamespaces(id)
      } else {
        if (!namespaces.delete(ns)) return
        this.shrunk(id, namespaces)
      }
    }
    if (id !== this.keys.currentKey) this.forgetKeyIfEmpty(id)
  }

  /**
   * The values of key `id` are about to change in place, reached other than through this
   * table (an operator that keeps references to them): a snapshot being written keeps them as
   * they are now. Reads and writes through the table need no such call.
   */
  willChange(id: unknown): void {
    if (this.capturing !== undefined) this.capturing.before(id)
  }

  /**
   * A snapshot of the table's entries (a JSON array of `write`'s texts, key group by key
   * group), as of now. With `copyOnWrite` it is written in steps while the table goes on being
   * used: the owner promises that every in-place change of a value either follows a read
   * through this table or is announced with {@link willChange}. Without, it is written now.
   */
  capture(write: EntryWriter<K, S>, copyOnWrite: boolean): DeferredJson {
    // A capture still running (an earlier snapshot) is written out before the next one starts.
    this.capturing?.takeAll()
    const ids: unknown[] = Array.from(this.values.keys())
    for (const id of this.namespaced.keys()) if (!this.values.has(id)) ids.push(id)
    const capture = new TableCapture<K, S>(this, ids, write, this.keys.maxParallelism)
    this.capturing = capture
    if (!copyOnWrite) capture.takeAll()
    return capture
  }

  /** See {@link CapturedTable.entryOf}. */
  entryOf(id: unknown, group: number): KeyEntry<K, S> {
    return { key: this.keyOf(id), id, group, value: this.values.get(id), namespaces: asMap(this.namespaced.get(id)) }
  }

  /** See {@link CapturedTable.release}. */
  release(capture: TableCapture<K, S>): void {
    if (this.capturing === capture) this.capturing = undefined
  }

  /**
   * Every key with a value, group by group (ascending); within a group, the keys with a
   * void-namespace value first, each part in insertion order. A listing made now: changing the
   * table while iterating it does not change what it yields.
   */
  *entries(): Generator<KeyEntry<K, S>> {
    const maxParallelism = this.keys.maxParallelism
    const byGroup = new Map<number, unknown[]>()
    const file = (id: unknown): void => {
      const group = keyGroupOfId(id, maxParallelism)
      const ids = byGroup.get(group)
      if (ids === undefined) byGroup.set(group, [id])
      else ids.push(id)
    }
    for (const id of this.values.keys()) file(id)
    for (const id of this.namespaced.keys()) if (!this.values.has(id)) file(id)
    const groups = [...byGroup.keys()].sort((a, b) => a - b)
    const listed: KeyEntry<K, S>[] = []
    for (const group of groups) {
      for (const id of byGroup.get(group)!) {
        listed.push({ key: this.keyOf(id), id, group, value: this.values.get(id), namespaces: asMap(this.namespaced.get(id)) })
      }
    }
    yield* listed
  }

  /** Whether no key has a value. */
  isEmpty(): boolean {
    return this.values.size === 0 && this.namespaced.size === 0
  }

  /**
   * Visits up to `count` keys after the last one visited (wrapping around once), and replaces
   * each of their values by `keep(value)`: `undefined` removes it. Incremental TTL cleanup runs
   * on this.
   */
  sweep(count: number, keep: (value: S) => S | undefined): void {
    let visited = 0
    let wrapped = false
    while (visited < count) {
      this.cursor ??= this.ids()
      const next = this.cursor.next()
      if (next.done === true) {
        this.cursor = undefined
        if (wrapped) return
        wrapped = true
        continue
      }
      visited++
      this.sweepKey(next.value, keep)
    }
  }

  /** Replaces the values of every key by `keep(value)` (a full cleanup, e.g. before a snapshot). */
  sweepAll(keep: (value: S) => S | undefined): void {
    for (const id of [...this.ids()]) this.sweepKey(id, keep)
  }

  /** Puts a value for `key` (with `id`) without changing the current key: restore. */
  restoreValue(key: K, id: unknown, ns: unknown, value: S): void {
    if (this.capturing !== undefined) this.capturing.before(id)
    if (id !== key) this.rememberKey(id, key)
    if (ns === undefined) {
      this.values = roomFor(this.values, this.shardCapacity)
      this.values.set(id, value)
      return
    }
    this.setNamespaced(id, this.namespaced.get(id), ns, value)
    this.cachedId = NO_KEY
    this.cachedNamespaces = undefined
  }

  /** Removes everything. */
  clear(): void {
    this.capturing?.takeAll()
    this.values.clear()
    this.namespaced.clear()
    this.composite.clear()
    this.cachedId = NO_KEY
    this.cachedNamespaces = undefined
    this.cursor = undefined
  }

  private namespacesOf(id: unknown): Namespaces<S> | undefined {
    if (id === this.cachedId) return this.cachedNamespaces
    this.cachedId = id
    return (this.cachedNamespaces = this.namespaced.get(id))
  }

  private dropNamespaces(id: unknown): void {
    this.namespaced.delete(id)
    if (id === this.cachedId) this.cachedNamespaces = undefined
  }

  // The cold paths are methods of their own: the hot ones stay small enough for V8 to inline.

  private rememberKey(id: unknown, key: K): void {
    if (this.composite.has(id)) return
    this.composite = roomFor(this.composite, this.shardCapacity)
    this.composite.set(id, key)
  }

  /** Sets key `id`'s value in namespace `ns`, given its `namespaces` now; returns them after. */
  private setNamespaced(id: unknown, namespaces: Namespaces<S> | undefined, ns: unknown, value: S): Namespaces<S> {
    if (namespaces === undefined) return this.newNamespaces(id, new OneNamespace(ns, value))
    if (!isOne(namespaces)) namespaces.set(ns, value)
    else if (sameNamespace(namespaces.ns, ns)) namespaces.value = value
    else return this.secondNamespace(id, namespaces, ns, value)
    return namespaces
  }

  /** Key `id`'s `Map` of namespaces lost values: none left drops it. */
  private shrunk(id: unknown, namespaces: Map<unknown, S>): void {
    if (namespaces.size === 0) this.dropNamespaces(id)
  }

  private newNamespaces(id: unknown, namespaces: Namespaces<S>): Namespaces<S> {
    this.namespaced = roomFor(this.namespaced, this.shardCapacity)
    this.namespaced.set(id, namespaces)
    return namespaces
  }

  /** Key `id`, with a value in one namespace, gets one in `ns` as well: both move to a `Map`. */
  private secondNamespace(id: unknown, one: OneNamespace<S>, ns: unknown, value: S): Map<unknown, S> {
    const namespaces = new Map<unknown, S>()
    namespaces.set(one.ns, one.value)
    namespaces.set(ns, value)
    this.namespaced.set(id, namespaces)
    return namespaces
  }

  private forgetKeyIfEmpty(id: unknown): void {
    if (!this.values.has(id) && !this.namespaced.has(id)) this.composite.delete(id)
  }

  /** See `OperatorTable.keyById`. */
  keyById(id: unknown): K {
    return this.keyOf(id)
  }

  private keyOf(id: unknown): K {
    return this.composite.has(id) ? this.composite.get(id)! : (id as K)
  }

  /** Every key id with a value (a key with values in both parts once), live. */
  private *ids(): Generator<unknown> {
    yield* this.values.keys()
    for (const id of this.namespaced.keys()) if (!this.values.has(id)) yield id
  }

  private sweepKey(id: unknown, keep: (value: S) => S | undefined): void {
    if (this.capturing !== undefined) this.capturing.before(id)
    const value = this.values.get(id)
    if (value !== undefined) {
      const kept = keep(value)
      if (kept === undefined) this.values.delete(id)
      else if (kept !== value) this.values.set(id, kept)
    }
    const namespaces = this.namespaced.get(id)
    if (isOne(namespaces)) {
      const kept = keep(namespaces.value)
      if (kept === undefined) this.dropNamespaces(id)
      else namespaces.value = kept
    } else if (namespaces !== undefined) {
      for (const [ns, stored] of namespaces) {
        const kept = keep(stored)
        if (kept === undefined) namespaces.delete(ns)
        else if (kept !== stored) namespaces.set(ns, kept)
      }
      this.shrunk(id, namespaces)
    }
    this.forgetKeyIfEmpty(id)
  }
}
