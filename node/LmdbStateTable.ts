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

/** @internal One (key, namespace) value as cached. */
interface Slot<S> {
  /** `undefined`: none (known absent, or removed when `dirty`). */
  value: S | undefined
  dirty: boolean
}

/**
 * @internal The cached values of one key. The void namespace's slot is inline (the per-record
 * path of process functions: one object per cached key, not two).
 */
interface KeySlots<S> {
  /** The store key of the void-namespace value, and the prefix of the namespaced ones. */
  readonly prefix: StoreKey
  /** The void namespace's value, when `rootCached`; `undefined`: none. */
  value: S | undefined
  rootCached: boolean
  rootDirty: boolean
  namespaces: Map<unknown, Slot<S>> | undefined
  /** Read or written since the last eviction (its second chance). */
  used: boolean
}

/** @internal */
export class LmdbStateTable<S> implements KvTable<S> {
  private readonly slots = new Map<unknown, KeySlots<S>>()
  /** Slots held, to tell the backend how full the cache is. */
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
    const slots = this.keySlots()
    if (ns === undefined) {
      if (!slots.rootCached) this.loadRoot(slots)
      if (this.changesOnRead && slots.value !== undefined) slots.rootDirty = this.unflushed = true
      return slots.value
    }
    const slot = this.slotOf(slots, ns, true)
    if (this.changesOnRead && slot.value !== undefined) slot.dirty = this.unflushed = true
    return slot.value
  }

  put(ns: unknown, value: S | undefined): void {
    if (this.host.full) this.host.makeRoom()
    const slots = this.keySlots()
    if (ns === undefined) {
      if (!slots.rootCached) this.added(slots)
      slots.value = value
      slots.rootDirty = this.unflushed = true
      return
    }
    const slot = this.slotOf(slots, ns, false)
    slot.value = value
    slot.dirty = this.unflushed = true
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
    for (const { key, value } of entries) {
      this.sweptTo = key
      const { keyText, prefix, ns } = parseKey(key)
      const id = keyId(decodeKey(JSON.parse(keyText) as SnapshotEntry[1]))
      let slots = this.slots.get(id)
      if (slots !== undefined && (ns === undefined ? slots.rootCached : slots.namespaces?.has(ns) === true)) {
        if (ns === undefined) {
          if (slots.value === undefined) continue
          const kept = keep(slots.value)
          if (kept === slots.value && !this.changesOnRead) continue
          slots.value = kept
          slots.rootDirty = this.unflushed = true
        } else if (sweepSlot(slots.namespaces!.get(ns)!, keep, this.changesOnRead)) this.unflushed = true
        continue
      }
      // `keep` may change a map or list in place: compared by what would be stored.
      const stored = this.decode(value, key)
      const kept = keep(stored)
      if (kept !== undefined && this.encode(kept) === value) continue
      if (slots === undefined) this.slots.set(id, (slots = newSlots(prefix)))
      this.unflushed = true
      if (ns === undefined) {
        this.added(slots)
        slots.value = kept
        slots.rootDirty = true
      } else {
        ;(slots.namespaces ??= new Map()).set(ns, { value: kept, dirty: true })
        this.size++
        this.host.grew()
      }
    }
  }

  /** Calls `write(key, text)` for every changed slot (`undefined`: remove) and marks it clean. */
  flush(write: StoreWrite): void {
    if (!this.unflushed) return
    this.unflushed = false
    for (const slots of this.slots.values()) this.flushSlots(slots, write)
  }

  /**
   * Drops half of the cached keys, writing their changes with `write` first (the keys that
   * stay keep theirs for later). Keys are visited in the order they were loaded, and a key
   * used since the last eviction gets a second chance (CLOCK): it goes to the end, unused, so
   * that keys read again and again stay cached.
   */
  evict(write: StoreWrite): void {
    let drop = Math.ceil(this.slots.size / 2)
    // Bounded: a key moved to the end is seen again at most once, unused by then.
    let visits = 2 * this.slots.size
    for (const [id, slots] of this.slots) {
      if (drop === 0 || visits-- === 0) break
      this.slots.delete(id)
      if (slots.used) {
        slots.used = false
        this.slots.set(id, slots)
        continue
      }
      drop--
      this.flushSlots(slots, write)
      this.size -= (slots.rootCached ? 1 : 0) + (slots.namespaces?.size ?? 0)
    }
  }

  /** Forgets everything cached (the store was replaced). */
  clear(): void {
    this.slots.clear()
    this.size = 0
    this.sweptTo = undefined
  }

  private flushSlots(slots: KeySlots<S>, write: StoreWrite): void {
    if (slots.rootDirty) {
      write(slots.prefix, slots.value === undefined ? undefined : this.encode(slots.value))
      slots.rootDirty = false
    }
    if (slots.namespaces !== undefined) {
      for (const [ns, slot] of slots.namespaces) {
        if (!slot.dirty) continue
        write(namespacedKey(slots.prefix, ns as string | number), slot.value === undefined ? undefined : this.encode(slot.value))
        slot.dirty = false
      }
    }
  }

  private keySlots(): KeySlots<S> {
    const keys = this.keys
    const id = keys.currentId
    let slots = this.slots.get(id)
    if (slots === undefined) {
      slots = newSlots(keyPrefix(keyGroupOfId(id, keys.maxParallelism), this.stateNo, JSON.stringify(encodeKey(keys.currentKey))))
      this.slots.set(id, slots)
    } else slots.used = true
    return slots
  }

  /** Reads the void namespace's value from the store into the cache. */
  private loadRoot(slots: KeySlots<S>): void {
    const text = this.host.read(slots.prefix)
    slots.value = text === undefined ? undefined : this.decode(text, slots.prefix)
    this.added(slots)
  }

  private added(slots: KeySlots<S>): void {
    slots.rootCached = true
    this.size++
    this.host.grew()
  }

  /** The slot of namespace `ns`; a new one is read from the store when `load` (a put needs no old value). */
  private slotOf(slots: KeySlots<S>, ns: unknown, load: boolean): Slot<S> {
    let slot = slots.namespaces?.get(ns)
    if (slot !== undefined) return slot
    let value: S | undefined
    if (load) {
      const at = namespacedKey(slots.prefix, ns as string | number)
      const text = this.host.read(at)
      value = text === undefined ? undefined : this.decode(text, at)
    }
    slot = { value, dirty: false }
    ;(slots.namespaces ??= new Map()).set(ns, slot)
    this.size++
    this.host.grew()
    return slot
  }
}

function newSlots<S>(prefix: StoreKey): KeySlots<S> {
  return { prefix, value: undefined, rootCached: false, rootDirty: false, namespaces: undefined, used: false }
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
