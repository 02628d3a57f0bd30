/**
 * @internal
 * One descriptor state of the LMDB backend: a cache of decoded values in front of the store,
 * which the heap's state objects (`heapStates.ts`) work on as they work on a heap table.
 *
 * Store layout: the key of `storeKeys.ts` (key group, state, key as JSON text, namespace), value
 * the JSON text of the value's portable form (the snapshot format's, through the descriptor's
 * codecs). Key groups lead, so a range of key groups is one range of the store (rescaling),
 * and a full snapshot is one ordered scan.
 *
 * Values are cached as the live objects the states change in place (a list appended to, a
 * TTL cell refreshed): a slot read through a state of such a kind counts as changed, and
 * every changed slot is written back at the next flush. Reads of the other slots, and slots
 * that were only read, cost nothing at a flush. Changes reach the store only in
 * `LmdbKeyedStateBackend.flush`, in one transaction.
 *
 * The cache is a structure of arrays indexed by a slot number (the key id's, in one `Map`),
 * not an object per key: a cache's entries live long enough to be promoted to V8's old
 * generation and then die when evicted, so objects per key made most of the collector's work
 * and let garbage pile up to hundreds of MB on 5 M events; numbers and values in arrays do not.
 * The store key of a slot is made when it is read or written back, not kept.
 *
 * The same cache serves an operator's own tables (`internalTable`: window contents, panes,
 * join buffers), with the table's codec and its name as the state: their values are live
 * objects, so every read counts as a change, `willChange(id)` marks a key changed, and
 * `entries()` flushes and lists the store. Operators reach these values by key or key id
 * (`valuesStay` is false: sliced windows list their keys by id, sessions' firings name them,
 * the interval join files keys), so they are evicted like any value. The values of a table
 * made with `keepsReferences` (an operator that holds them across records; none of the
 * library's now) are pinned: never evicted, so that a key always has one object (an evicted
 * one would come back as a copy decoded from the store, and the operator's changes would go
 * to the other); they cannot leave memory while the operator holds them anyway, so they do
 * not count against the cache's size, and reach the store at flushes (snapshots,
 * `entries()`). The current key's slot is never
 * evicted: an operator may change a value it just read after a nested access of the same key
 * (a window function reading its state) made room.
 *
 * A table made with an `elementsField` (window contents) keeps that list of each value apart
 * (`elements`): an element added waits in its slot, and is written as an entry of its own after
 * the value's (`elementKey`) at the slot's next flush, so that adding reads nothing; a list
 * replaced or a value removed first removes the stored elements in that flush. Its sequence
 * numbers come from the store's one counter, so an element written later sorts later whatever
 * was written before. Waiting elements do not count in the cache's size, as a list in a cached
 * value did not: counting them flushed every window's elements to the store and deleted them
 * at its cleanup even with a cache holding every window (W1's `ds-process-lmdb`: 1.0 → 17 s).
 */
import type { KvTable } from '../src/state/heapStates'
import type { KeyContext } from '../src/state/KeyContext'
import { keyGroupOfId } from '../src/state/KeyGroup'
import { decodeKey, encodeKey, isPlainJson, jsonIncompatibility, type SnapshotEntry } from '../src/state/snapshotFormat'
import { keyId, keyOfId } from '../src/core/Key'
import type { KeyEntry } from '../src/state/StateTable'
import type { OperatorTable, TableElements } from '../src/state/OperatorTable'
import { elementKey, keyPrefix, namespacedKey, parseKey, type StoreKey } from './storeKeys'
import { parseElements } from './elementEntries'
import { now as clock } from '../src/state/DeferredJson'

/** @internal What a table needs of its backend: the store, and room in the cache. */
export interface TableHost {
  /** The portable form's JSON text stored under `key`, if any. */
  read(key: StoreKey): string | undefined
  /** Up to `count` stored entries of state number `state` after `after` (from the start when undefined), in store order. */
  scan(state: number, after: StoreKey | undefined, count: number): Array<{ readonly key: StoreKey; readonly value: string }>
  /** A slot was added to a cache. */
  grew(): void
  /** The cache holds more than it should: the next access makes room first. */
  readonly full: boolean
  /** Flushes every table and evicts part of each. */
  makeRoom(): void
  /** Writes every table's changes to the store. */
  flush(): void
  /** Removes every stored entry of state number `state`. */
  removeAll(state: number): void
  /** The JSON texts of the elements stored after the value under `entry`, in order. */
  readElements(entry: StoreKey): string[]
  /** The store keys of the elements stored after the value under `entry`. */
  elementKeys(entry: StoreKey): StoreKey[]
  /** The next element's sequence number: greater than any the store holds. */
  nextElementSeq(): number
}

/** @internal How a table's changes reach the store: `text` undefined removes the entry. */
export type StoreWrite = (key: StoreKey, text: string | undefined) => void

/** @internal One (key, namespace) value in a namespace other than the void one, as cached. */
interface Slot<S> {
  /** `undefined`: none (known absent, or removed when `dirty`). */
  value: S | undefined
  dirty: boolean
  /** A table with `elementsField`: the changes of the value's list since the last flush. */
  elements?: PendingElements | undefined
}

/** What the store's elements of a value are to its list (`PendingElements.stored`). */
const enum Stored {
  /** The list's first elements: read before those waiting. */
  KEEP,
  /** None: the value was absent in the store when read (a value's elements go with it), so neither read nor removed. */
  NONE,
  /** Gone (the list replaced, the value removed): removed first at the flush, never read. */
  DROP
}

/** The changes of a value's list not yet in the store (see the module's comment). */
interface PendingElements {
  stored: Stored
  /** The elements added since (plain JSON data, encoded), in order. */
  readonly items: unknown[]
}

// A slot's flags.
/** The slot holds a key. */
const OCCUPIED = 1
/** The void namespace's value is cached (`undefined`: none). */
const CACHED = 2
/** The void namespace's value changed since the last flush. */
const DIRTY = 4
/** Some namespaced value changed since the last flush. */
const NS_DIRTY = 8
/** Read or written since the eviction hand last passed (its second chance). */
const USED = 16

/** Stored entries read per scan of `entries()`. */
const ENTRIES_PER_SCAN = 1024
/** Keys `flushSome` writes between two looks at the clock (a power of two). */
const KEYS_PER_CLOCK_READ = 64

/** @internal */
export class LmdbStateTable<S> implements KvTable<S>, OperatorTable<unknown, S> {
  /** The slot of every cached key, by key id. */
  private readonly index = new Map<unknown, number>()
  // Per slot:
  private readonly ids: unknown[] = []
  private readonly keyOf: unknown[] = []
  private readonly values: (S | undefined)[] = []
  private readonly namespaces: (Map<unknown, Slot<S>> | undefined)[] = []
  private flags = new Uint8Array(1024)
  /** Slots given back by eviction, reused first. */
  private readonly free: number[] = []
  /** Where the eviction hand (CLOCK) resumes. */
  private hand = 0
  /** Values held (void namespace and others), to tell the backend how full the cache is. */
  size = 0
  /** Some slot changed since the last flush. */
  private unflushed = false
  /** Keys with a value changed since it was last written (what a flush writes, key by key). */
  dirtyKeys = 0
  /** Where `flushSome` resumes. */
  private flushedTo = 0
  /** Store keys of a pinned table's released keys, removed from the store at the next flush. */
  private readonly removals: StoreKey[] = []
  /** The last stored entry incremental TTL cleanup visited: it resumes after it. */
  private sweptTo: StoreKey | undefined = undefined
  /** The values' lists kept apart (a table made with an `elementsField`). */
  readonly elements: TableElements | undefined

  constructor(
    readonly name: string,
    /** The state's number in store keys. */
    readonly stateNo: number,
    private readonly keys: KeyContext<unknown>,
    private readonly host: TableHost,
    /** Stored form → JSON text. */
    private readonly encode: (stored: S) => string,
    /** JSON text → stored form (checked by the codec: the store is data like a snapshot). */
    private readonly decode: (text: string, at: StoreKey) => S,
    /** The states of this kind change what they read in place (list, map, TTL cells; operators' tables). */
    private readonly changesOnRead: boolean,
    /** An operator table whose operator holds its values: never evicted (see the module's comment). */
    private readonly pinned = false,
    /**
     * The values' list kept as entries of their own (see the module's comment): reports an
     * element that is not plain JSON data, found when it is written.
     */
    private readonly invalidElement: ((at: StoreKey, detail: string) => never) | undefined = undefined
  ) {
    this.elements = invalidElement !== undefined
      ? { add: (ns, encoded) => this.addElement(ns, encoded), get: ns => this.readElements(ns), update: (ns, encoded) => this.updateElements(ns, encoded) }
      : undefined
  }

  /** Only a pinned table's values stay (see `OperatorTable.valuesStay`); others may be evicted. */
  get valuesStay(): boolean {
    return this.pinned
  }

  /**
   * The values held in memory now (void namespace and others, pinned or not): what eviction
   * bounds, counted from the slots themselves (for specs, which check that values leave memory).
   */
  residentValues(): number {
    let held = 0
    for (let i = 0; i < this.ids.length; i++) {
      if ((this.flags[i]! & CACHED) !== 0 && this.values[i] !== undefined) held++
      const namespaces = this.namespaces[i]
      if (namespaces !== undefined) for (const slot of namespaces.values()) if (slot.value !== undefined) held++
    }
    return held
  }

  // Room is made when an access starts, never inside one: a state that reads a value and then
  // changes it in place (a list appended to) must find its slot still cached when it does.

  get(ns: unknown): S | undefined {
    if (this.host.full) this.host.makeRoom()
    const i = this.current()
    if (ns === undefined) {
      if ((this.flags[i]! & CACHED) === 0) this.loadRoot(i)
      const value = this.values[i]
      if (this.changesOnRead && value !== undefined) this.changed(i, DIRTY)
      else if (this.pinned) this.releaseIfEmpty(i)
      return value
    }
    const slot = this.slotOf(i, ns, true)
    if (this.changesOnRead && slot.value !== undefined) {
      slot.dirty = true
      this.changed(i, NS_DIRTY)
    } else if (this.pinned) this.releaseIfEmpty(i)
    return slot.value
  }

  put(ns: unknown, value: S | undefined): void {
    if (this.host.full) this.host.makeRoom()
    const i = this.current()
    if (ns === undefined) {
      if ((this.flags[i]! & CACHED) === 0) this.added(i)
      this.values[i] = value
      this.changed(i, DIRTY)
      if (value === undefined && this.pinned) this.releaseIfEmpty(i)
      return
    }
    const slot = this.slotOf(i, ns, false)
    slot.value = value
    slot.dirty = true
    this.changed(i, NS_DIRTY)
    if (value === undefined && this.elements !== undefined) this.clearElements(slot)
    if (value === undefined && this.pinned) this.releaseIfEmpty(i)
  }

  // ---- elements (a table with an `elementsField`) ----

  private addElement(ns: number, encoded: unknown): void {
    if (this.host.full) this.host.makeRoom()
    const i = this.current()
    const slot = this.slotOf(i, ns, true)
    ;(slot.elements ??= { stored: Stored.KEEP, items: [] }).items.push(encoded)
    slot.dirty = true
    this.changed(i, NS_DIRTY)
  }

  private readElements(ns: number): unknown[] {
    if (this.host.full) this.host.makeRoom()
    const i = this.current()
    const slot = this.slotOf(i, ns, true)
    const pending = slot.elements
    const at = namespacedKey(this.prefixOf(i), ns)
    let stored: unknown[]
    try {
      stored = pending !== undefined && pending.stored !== Stored.KEEP ? [] : parseElements(this.host.readElements(at))
    } catch (error) {
      throw new Error(`the elements of ${this.name}'s value of key ${parseKey(at).keyText} in namespace ${ns} in the store are invalid: ${String(error)}`)
    }
    if (pending === undefined || pending.items.length === 0) return stored
    // Not copied when nothing is stored: the caller reads the list within the access, as a
    // heap table's value.
    return stored.length === 0 ? pending.items : stored.concat(pending.items)
  }

  private updateElements(ns: number, encoded: readonly unknown[]): void {
    if (this.host.full) this.host.makeRoom()
    const i = this.current()
    const slot = this.slotOf(i, ns, true)
    this.clearElements(slot).push(...encoded)
    slot.dirty = true
    this.changed(i, NS_DIRTY)
  }

  /** The slot's stored elements are to go at the next flush, and those added since with them; returns the list to add to. */
  private clearElements(slot: Slot<S>): unknown[] {
    const pending = slot.elements
    if (pending === undefined) return (slot.elements = { stored: Stored.DROP, items: [] }).items
    if (pending.stored === Stored.KEEP) pending.stored = Stored.DROP
    pending.items.length = 0
    return pending.items
  }

  /** Writes a slot's changes of its list after its value's, under `at`. */
  private writeElements(at: StoreKey, pending: PendingElements, write: StoreWrite): void {
    const host = this.host
    if (pending.stored === Stored.DROP) for (const key of host.elementKeys(at)) write(key, undefined)
    const items = pending.items
    for (let j = 0; j < items.length; j++) {
      const item = items[j]
      // Checked here, where JSON would otherwise turn a Date into a string: written elements only, as the heap checks at snapshots.
      if (!isPlainJson(item)) this.invalidElement!(at, jsonIncompatibility(item, 'element') ?? 'not plain JSON data')
      write(elementKey(at, host.nextElementSeq()), JSON.stringify(item))
    }
  }

  remove(ns: unknown): void {
    this.put(ns, undefined)
  }

  /**
   * Incremental TTL cleanup: visits the next `count` values in the store (resuming where the
   * last call stopped, wrapping around), through the cache: a value cached is swept there, a
   * value only on disk is read and, if `keep` changes it, cached as changed. Values written
   * since the last flush are not in the store yet; they are fresh.
   */
  sweep(count: number, keep: (value: S) => S | undefined): void {
    if (this.host.full) this.host.makeRoom()
    // Cleanup sees every value, as the heap's does: the changes cached go to the store first
    // (a transaction per access that follows a write, for TTL states with incremental cleanup).
    else if (this.unflushed) this.host.flush()
    let entries = this.host.scan(this.stateNo, this.sweptTo, count)
    if (entries.length < count) {
      this.sweptTo = undefined
      if (entries.length === 0) entries = this.host.scan(this.stateNo, undefined, count)
    }
    for (const { key: at, value } of entries) {
      this.sweptTo = at
      const { keyText, ns, element } = parseKey(at)
      if (element) continue
      const key = decodeKey(JSON.parse(keyText) as SnapshotEntry[1])
      const id = keyId(key)
      let i = this.index.get(id)
      if (i !== undefined && ns === undefined && (this.flags[i]! & CACHED) !== 0) {
        const cached = this.values[i]
        if (cached === undefined) continue
        const kept = keep(cached)
        if (kept === cached && !this.changesOnRead) continue
        this.values[i] = kept
        this.changed(i, DIRTY)
        continue
      }
      const cachedSlot = i === undefined || ns === undefined ? undefined : this.namespaces[i]?.get(ns)
      if (cachedSlot !== undefined) {
        if (sweepSlot(cachedSlot, keep, this.changesOnRead)) this.changed(i!, NS_DIRTY)
        continue
      }
      // `keep` may change a map or list in place: compared by what would be stored.
      const kept = keep(this.decode(value, at))
      if (kept !== undefined && this.encode(kept) === value) continue
      i ??= this.allocate(id, key)
      if (ns === undefined) {
        this.added(i)
        this.values[i] = kept
        this.changed(i, DIRTY)
      } else {
        ;(this.namespaces[i] ??= new Map()).set(ns, { value: kept, dirty: true })
        this.grew()
        this.changed(i, NS_DIRTY)
      }
    }
  }

  /** Calls `write(key, text)` for every changed value (`undefined`: remove) and marks it clean. */
  flush(write: StoreWrite): void {
    if (!this.unflushed) return
    this.unflushed = false
    for (const key of this.removals) write(key, undefined)
    this.removals.length = 0
    const flags = this.flags
    for (let i = 0; i < this.ids.length; i++) if ((flags[i]! & (DIRTY | NS_DIRTY)) !== 0) this.flushSlot(i, write)
  }

  /**
   * Writes changed values with `write` key by key, resuming where the last call stopped, until
   * none are left or `deadline` (real ms, `now()`) passes: a flush in steps, before a barrier.
   * True when none are left.
   */
  flushSome(write: StoreWrite, deadline: number): boolean {
    for (const key of this.removals) write(key, undefined)
    this.removals.length = 0
    const flags = this.flags
    const slots = this.ids.length
    let i = this.flushedTo
    let written = 0
    for (let visits = 0; this.dirtyKeys > 0 && visits < slots; visits++, i++) {
      if (i >= slots) i = 0
      if ((flags[i]! & (DIRTY | NS_DIRTY)) === 0) continue
      this.flushSlot(i, write)
      if ((++written & (KEYS_PER_CLOCK_READ - 1)) === 0 && clock() >= deadline) break
    }
    this.flushedTo = i
    if (this.dirtyKeys > 0) return false
    this.unflushed = false
    return true
  }

  /**
   * Drops half of the cached keys, writing their changes with `write` first (the keys that
   * stay keep theirs for later). A hand goes round the slots from where it last stopped, and
   * a key used since it last passed gets a second chance (CLOCK), so that keys read again and
   * again stay cached.
   */
  evict(write: StoreWrite): void {
    if (this.pinned) return
    let drop = Math.ceil(this.index.size / 2)
    const slots = this.ids.length
    const flags = this.flags
    // Bounded: the first turn clears every second chance, the second finds keys to drop.
    for (let visits = 2 * slots; drop > 0 && visits > 0; visits--) {
      const i = this.hand
      this.hand = i + 1 === slots ? 0 : i + 1
      const f = flags[i]!
      if ((f & OCCUPIED) === 0) continue
      if ((f & USED) !== 0) {
        flags[i] = f & ~USED
        continue
      }
      if (this.ids[i] === this.keys.currentId) continue
      if ((f & (DIRTY | NS_DIRTY)) !== 0) this.flushSlot(i, write)
      this.release(i)
      drop--
    }
  }

  /** Gives slot `i` back (its changes written or recorded already). */
  private release(i: number): void {
    if (!this.pinned) this.size -= ((this.flags[i]! & CACHED) === 0 ? 0 : 1) + (this.namespaces[i]?.size ?? 0)
    this.index.delete(this.ids[i])
    this.ids[i] = this.keyOf[i] = this.values[i] = this.namespaces[i] = undefined
    this.flags[i] = 0
    this.free.push(i)
  }

  /**
   * A pinned table's key that holds nothing any longer gives its slot back at once (nothing
   * evicts it), its removals kept for the next flush: else every key ever seen would keep one.
   */
  private releaseIfEmpty(i: number): void {
    if (this.values[i] !== undefined) return
    const namespaces = this.namespaces[i]
    if (namespaces !== undefined) for (const slot of namespaces.values()) if (slot.value !== undefined) return
    if ((this.flags[i]! & (DIRTY | NS_DIRTY)) !== 0) this.flushSlot(i, key => void this.removals.push(key))
    this.release(i)
  }

  /** Forgets everything cached (the store was replaced). */
  forget(): void {
    this.removals.length = 0
    this.index.clear()
    this.ids.length = this.keyOf.length = this.values.length = this.namespaces.length = this.free.length = 0
    this.flags.fill(0)
    this.hand = 0
    this.size = 0
    this.dirtyKeys = 0
    this.flushedTo = 0
    this.unflushed = false
    this.sweptTo = undefined
  }

  // ---- operator tables (see the module's comment) ----

  /** The void-namespace value of the key with id `id`, whichever key is current. */
  getById(id: unknown): S | undefined {
    if (this.host.full) this.host.makeRoom()
    const keys = this.keys
    let i = this.index.get(id)
    if (i === undefined) i = this.allocate(id, id === keys.currentId ? keys.currentKey : keyOfId(id))
    else this.flags[i]! |= USED
    if ((this.flags[i]! & CACHED) === 0) this.loadRoot(i)
    const value = this.values[i]
    if (value !== undefined) this.changed(i, DIRTY)
    else if (this.pinned) this.releaseIfEmpty(i)
    return value
  }

  /** The key whose id is `id`: ids are made from keys so that a key is read back from its id. */
  keyById(id: unknown): unknown {
    return keyOfId(id)
  }

  /**
   * The values of key `id` are about to change in place: its cached ones are marked changed.
   * (An operator announces only values it holds: pinned, or read within the same record, so cached.)
   */
  willChange(id: unknown): void {
    const i = this.index.get(id)
    if (i === undefined) return
    const flags = this.flags
    flags[i]! |= USED
    if ((flags[i]! & CACHED) !== 0 && this.values[i] !== undefined) this.changed(i, DIRTY)
    const namespaces = this.namespaces[i]
    if (namespaces === undefined) return
    for (const slot of namespaces.values()) if (slot.value !== undefined) slot.dirty = true
    this.changed(i, NS_DIRTY)
  }

  /**
   * Every key with a value, from the store after a flush (key group by key group, then by the
   * key's JSON text), as a listing made now. A cached value is listed as that object; one
   * decoded from the store is cached too when the table is pinned, so that reading it again
   * gives the same object.
   */
  *entries(): Generator<KeyEntry<unknown, S>> {
    this.host.flush()
    const listed: KeyEntry<unknown, S>[] = []
    let prefix: StoreKey | undefined = undefined
    let entry: { key: unknown; id: unknown; group: number; value: S | undefined; namespaces: Map<unknown, S> | undefined } | undefined = undefined
    let slot: number | undefined = undefined
    let after: StoreKey | undefined = undefined
    for (;;) {
      const batch = this.host.scan(this.stateNo, after, ENTRIES_PER_SCAN)
      for (const { key: at, value: text } of batch) {
        const parsed = parseKey(at)
        // A value's elements are not in its value (see `elements`).
        if (parsed.element) continue
        if (parsed.prefix !== prefix) {
          prefix = parsed.prefix
          const key = decodeKey(JSON.parse(parsed.keyText) as SnapshotEntry[1])
          const id = keyId(key)
          slot = this.index.get(id)
          entry = { key: slot === undefined ? key : this.keyOf[slot], id, group: parsed.group, value: undefined, namespaces: undefined }
          listed.push(entry)
        }
        if (slot === undefined && this.pinned) slot = this.allocate(entry!.id, entry!.key)
        const value = this.listedValue(slot, parsed.ns, at, text)
        if (parsed.ns === undefined) entry!.value = value
        else (entry!.namespaces ??= new Map()).set(parsed.ns, value)
      }
      if (batch.length < ENTRIES_PER_SCAN) break
      after = batch[batch.length - 1]!.key
    }
    yield* listed
  }

  /** Removes every value, cached and stored. */
  clear(): void {
    this.forget()
    this.host.removeAll(this.stateNo)
  }

  /** The value `entries()` lists for a stored entry: the cached object if there is one; else decoded, and cached when pinned. */
  private listedValue(slot: number | undefined, ns: string | number | undefined, at: StoreKey, text: string): S {
    if (slot === undefined) return this.decode(text, at)
    if (ns === undefined) {
      if ((this.flags[slot]! & CACHED) === 0) {
        this.values[slot] = this.decode(text, at)
        this.added(slot)
      }
      return this.values[slot]!
    }
    let cached = this.namespaces[slot]?.get(ns)
    if (cached === undefined) {
      cached = { value: this.decode(text, at), dirty: false }
      ;(this.namespaces[slot] ??= new Map()).set(ns, cached)
      this.grew()
    }
    return cached.value!
  }

  /** The slot of the current key (taken when it has none). */
  private current(): number {
    const keys = this.keys
    const i = this.index.get(keys.currentId)
    if (i === undefined) return this.allocate(keys.currentId, keys.currentKey)
    this.flags[i]! |= USED
    return i
  }

  private allocate(id: unknown, key: unknown): number {
    let i = this.free.pop()
    if (i === undefined) {
      i = this.ids.length
      if (i === this.flags.length) {
        const grown = new Uint8Array(2 * i)
        grown.set(this.flags)
        this.flags = grown
      }
      this.ids.push(id)
      this.keyOf.push(key)
      this.values.push(undefined)
      this.namespaces.push(undefined)
    } else {
      this.ids[i] = id
      this.keyOf[i] = key
    }
    this.flags[i] = OCCUPIED
    this.index.set(id, i)
    return i
  }

  private changed(i: number, flag: number): void {
    const f = this.flags[i]!
    if ((f & (DIRTY | NS_DIRTY)) === 0) this.dirtyKeys++
    this.flags[i] = f | flag
    this.unflushed = true
  }

  /** The store key of slot `i`'s void-namespace value, the prefix of its others. */
  private prefixOf(i: number): StoreKey {
    return keyPrefix(keyGroupOfId(this.ids[i], this.keys.maxParallelism), this.stateNo, JSON.stringify(encodeKey(this.keyOf[i])))
  }

  /** Reads the void namespace's value from the store into the cache. */
  private loadRoot(i: number): void {
    this.values[i] = this.fetch(this.prefixOf(i))
    this.added(i)
  }

  /** The value stored under `at`, decoded. */
  private fetch(at: StoreKey): S | undefined {
    const text = this.host.read(at)
    return text === undefined ? undefined : this.decode(text, at)
  }

  /** A value was added to the cache: it counts against the cache's size unless pinned. */
  private grew(): void {
    if (this.pinned) return
    this.size++
    this.host.grew()
  }

  /** Slot `i` now caches its void namespace's value. */
  private added(i: number): void {
    this.flags[i]! |= CACHED
    this.grew()
  }

  private flushSlot(i: number, write: StoreWrite): void {
    const f = this.flags[i]!
    const prefix = this.prefixOf(i)
    if ((f & DIRTY) !== 0) {
      const value = this.values[i]
      write(prefix, value === undefined ? undefined : this.encode(value))
    }
    const namespaces = this.namespaces[i]
    if ((f & NS_DIRTY) !== 0 && namespaces !== undefined) {
      for (const [ns, slot] of namespaces) {
        if (!slot.dirty) continue
        const at = namespacedKey(prefix, ns as string | number)
        write(at, slot.value === undefined ? undefined : this.encode(slot.value))
        slot.dirty = false
        if (slot.elements === undefined) continue
        // Elements without a value would be read as another value's when one is made: dropped.
        if (slot.value === undefined) this.clearElements(slot)
        this.writeElements(at, slot.elements, write)
        slot.elements = undefined
      }
    }
    if ((f & (DIRTY | NS_DIRTY)) !== 0) this.dirtyKeys--
    this.flags[i] = f & ~(DIRTY | NS_DIRTY)
  }

  /** The slot of namespace `ns` of slot `i`; a new one is read from the store when `load` (a put needs no old value). */
  private slotOf(i: number, ns: unknown, load: boolean): Slot<S> {
    let slot = this.namespaces[i]?.get(ns)
    if (slot !== undefined) return slot
    let value: S | undefined
    if (load) value = this.fetch(namespacedKey(this.prefixOf(i), ns as string | number))
    slot = { value, dirty: false }
    // A value absent from the store has no elements there either: a new window's are never read.
    if (load && value === undefined && this.elements !== undefined) slot.elements = { stored: Stored.NONE, items: [] }
    ;(this.namespaces[i] ??= new Map()).set(ns, slot)
    this.grew()
    return slot
  }
}

/** Whether `keep` changed the slot (in place counts, for kinds changed in place). */
function sweepSlot<S>(slot: Slot<S>, keep: (value: S) => S | undefined, changesInPlace: boolean): boolean {
  if (slot.value === undefined) return false
  const kept = keep(slot.value)
  if (kept === slot.value && !changesInPlace) return false
  slot.value = kept
  slot.dirty = true
  return true
}
