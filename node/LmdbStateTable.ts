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
 */
import type { KvTable } from '../src/state/heapStates'
import type { KeyContext } from '../src/state/KeyContext'
import { keyGroupOfId } from '../src/state/KeyGroup'
import { decodeKey, encodeKey, type SnapshotEntry } from '../src/state/snapshotFormat'
import { keyId } from '../src/core/Key'
import { keyPrefix, namespacedKey, parseKey, type StoreKey } from './storeKeys'

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
}

/** @internal How a table's changes reach the store: `text` undefined removes the entry. */
export type StoreWrite = (key: StoreKey, text: string | undefined) => void

/** @internal One (key, namespace) value in a namespace other than the void one, as cached. */
interface Slot<S> {
  /** `undefined`: none (known absent, or removed when `dirty`). */
  value: S | undefined
  dirty: boolean
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

/** @internal */
export class LmdbStateTable<S> implements KvTable<S> {
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
  /** The last stored entry incremental TTL cleanup visited: it resumes after it. */
  private sweptTo: StoreKey | undefined = undefined

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
    /** The states of this kind change what they read in place (list, map, TTL cells). */
    private readonly changesOnRead: boolean
  ) {}

  // Room is made when an access starts, never inside one: a state that reads a value and then
  // changes it in place (a list appended to) must find its slot still cached when it does.

  get(ns: unknown): S | undefined {
    if (this.host.full) this.host.makeRoom()
    const i = this.current()
    if (ns === undefined) {
      if ((this.flags[i]! & CACHED) === 0) this.loadRoot(i)
      const value = this.values[i]
      if (this.changesOnRead && value !== undefined) this.changed(i, DIRTY)
      return value
    }
    const slot = this.slotOf(i, ns, true)
    if (this.changesOnRead && slot.value !== undefined) {
      slot.dirty = true
      this.changed(i, NS_DIRTY)
    }
    return slot.value
  }

  put(ns: unknown, value: S | undefined): void {
    if (this.host.full) this.host.makeRoom()
    const i = this.current()
    if (ns === undefined) {
      if ((this.flags[i]! & CACHED) === 0) this.added(i)
      this.values[i] = value
      this.changed(i, DIRTY)
      return
    }
    const slot = this.slotOf(i, ns, false)
    slot.value = value
    slot.dirty = true
    this.changed(i, NS_DIRTY)
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
      const { keyText, ns } = parseKey(at)
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
        this.size++
        this.host.grew()
        this.changed(i, NS_DIRTY)
      }
    }
  }

  /** Calls `write(key, text)` for every changed value (`undefined`: remove) and marks it clean. */
  flush(write: StoreWrite): void {
    if (!this.unflushed) return
    this.unflushed = false
    const flags = this.flags
    for (let i = 0; i < this.ids.length; i++) if ((flags[i]! & (DIRTY | NS_DIRTY)) !== 0) this.flushSlot(i, write)
  }

  /**
   * Drops half of the cached keys, writing their changes with `write` first (the keys that
   * stay keep theirs for later). A hand goes round the slots from where it last stopped, and
   * a key used since it last passed gets a second chance (CLOCK), so that keys read again and
   * again stay cached.
   */
  evict(write: StoreWrite): void {
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
      if ((f & (DIRTY | NS_DIRTY)) !== 0) this.flushSlot(i, write)
      this.size -= ((f & CACHED) === 0 ? 0 : 1) + (this.namespaces[i]?.size ?? 0)
      this.index.delete(this.ids[i])
      this.ids[i] = this.keyOf[i] = this.values[i] = this.namespaces[i] = undefined
      flags[i] = 0
      this.free.push(i)
      drop--
    }
  }

  /** Forgets everything cached (the store was replaced). */
  clear(): void {
    this.index.clear()
    this.ids.length = this.keyOf.length = this.values.length = this.namespaces.length = this.free.length = 0
    this.flags.fill(0)
    this.hand = 0
    this.size = 0
    this.unflushed = false
    this.sweptTo = undefined
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
    this.flags[i]! |= flag
    this.unflushed = true
  }

  /** The store key of slot `i`'s void-namespace value, the prefix of its others. */
  private prefixOf(i: number): StoreKey {
    return keyPrefix(keyGroupOfId(this.ids[i], this.keys.maxParallelism), this.stateNo, JSON.stringify(encodeKey(this.keyOf[i])))
  }

  /** Reads the void namespace's value from the store into the cache. */
  private loadRoot(i: number): void {
    const at = this.prefixOf(i)
    const text = this.host.read(at)
    this.values[i] = text === undefined ? undefined : this.decode(text, at)
    this.added(i)
  }

  /** Slot `i` now caches its void namespace's value. */
  private added(i: number): void {
    this.flags[i]! |= CACHED
    this.size++
    this.host.grew()
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
        write(namespacedKey(prefix, ns as string | number), slot.value === undefined ? undefined : this.encode(slot.value))
        slot.dirty = false
      }
    }
    this.flags[i] = f & ~(DIRTY | NS_DIRTY)
  }

  /** The slot of namespace `ns` of slot `i`; a new one is read from the store when `load` (a put needs no old value). */
  private slotOf(i: number, ns: unknown, load: boolean): Slot<S> {
    let slot = this.namespaces[i]?.get(ns)
    if (slot !== undefined) return slot
    let value: S | undefined
    if (load) {
      const at = namespacedKey(this.prefixOf(i), ns as string | number)
      const text = this.host.read(at)
      value = text === undefined ? undefined : this.decode(text, at)
    }
    slot = { value, dirty: false }
    ;(this.namespaces[i] ??= new Map()).set(ns, slot)
    this.size++
    this.host.grew()
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
