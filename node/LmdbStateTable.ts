/**
 * @internal
 * One descriptor state of the LMDB backend: a cache of decoded values in front of the store,
 * which the heap's state objects (`heapStates.ts`) work on as they work on a heap table.
 *
 * Store layout: key `[key group, state name, key as JSON text, namespace or false]`, value the
 * JSON text of the value's portable form (the snapshot format's, through the descriptor's
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

/** @internal What a table needs of its backend: the store, and room in the cache. */
export interface TableHost {
  /** The portable form's JSON text stored under `key`, if any. */
  read(key: StoreKey): string | undefined
  /** Up to `count` stored entries of state `name` after `after` (from the start when undefined), in store order. */
  scan(name: string, after: StoreKey | undefined, count: number): Array<{ readonly key: StoreKey; readonly value: string }>
  /** A slot was added to a cache. */
  grew(): void
  /** The cache holds more than it should: the next access makes room first. */
  readonly full: boolean
  /** Flushes every table and evicts part of each. */
  makeRoom(): void
  /** Writes every table's changes to the store. */
  flush(): void
}

/** @internal `[key group, state name, key as JSON text, namespace or false]` (LMDB keys have no null). */
export type StoreKey = [number, string, string, string | number | false]

/** @internal One (key, namespace) value as cached. */
interface Slot<S> {
  /** `undefined`: none (known absent, or removed when `dirty`). */
  value: S | undefined
  dirty: boolean
}

/** @internal The cached values of one key. */
interface KeySlots<S> {
  readonly group: number
  /** The key's JSON text in the store's keys. */
  readonly keyText: string
  root: Slot<S> | undefined
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
    const slot = this.slotOf(this.keySlots(), ns, true)
    if (this.changesOnRead && slot.value !== undefined) slot.dirty = this.unflushed = true
    return slot.value
  }

  put(ns: unknown, value: S | undefined): void {
    if (this.host.full) this.host.makeRoom()
    const slot = this.slotOf(this.keySlots(), ns, false)
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
    let entries = this.host.scan(this.name, this.sweptTo, count)
    if (entries.length < count) {
      this.sweptTo = undefined
      if (entries.length === 0) entries = this.host.scan(this.name, undefined, count)
    }
    for (const { key, value } of entries) {
      this.sweptTo = key
      const [group, , keyText, ns] = key
      const id = keyId(decodeKey(JSON.parse(keyText) as SnapshotEntry[1]))
      let slots = this.slots.get(id)
      const cached = slots === undefined ? undefined : ns === false ? slots.root : slots.namespaces?.get(ns)
      if (cached !== undefined) {
        if (sweepSlot(cached, keep, this.changesOnRead)) this.unflushed = true
        continue
      }
      // `keep` may change a map or list in place: compared by what would be stored.
      const stored = this.decode(value, key)
      const kept = keep(stored)
      if (kept !== undefined && this.encode(kept) === value) continue
      if (slots === undefined) this.slots.set(id, (slots = { group, keyText, root: undefined, namespaces: undefined, used: false }))
      const slot: Slot<S> = { value: kept, dirty: true }
      this.unflushed = true
      if (ns === false) slots.root = slot
      else (slots.namespaces ??= new Map()).set(ns, slot)
      this.size++
      this.host.grew()
    }
  }

  /** Calls `write(key, text)` for every changed slot (`undefined`: remove) and marks it clean. */
  flush(write: (key: StoreKey, text: string | undefined) => void): void {
    if (!this.unflushed) return
    this.unflushed = false
    for (const slots of this.slots.values()) {
      if (slots.root !== undefined && slots.root.dirty) this.flushSlot(slots, false, slots.root, write)
      if (slots.namespaces !== undefined) {
        for (const [ns, slot] of slots.namespaces) if (slot.dirty) this.flushSlot(slots, ns as string | number, slot, write)
      }
    }
  }

  /**
   * Drops half of the cached keys, writing their changes with `write` first (the keys that
   * stay keep theirs for later). Keys are visited in the order they were loaded, and a key
   * used since the last eviction gets a second chance (CLOCK): it goes to the end, unused, so
   * that keys read again and again stay cached.
   */
  evict(write: (key: StoreKey, text: string | undefined) => void): void {
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
      if (slots.root !== undefined && slots.root.dirty) this.flushSlot(slots, false, slots.root, write)
      if (slots.namespaces !== undefined) {
        for (const [ns, slot] of slots.namespaces) if (slot.dirty) this.flushSlot(slots, ns as string | number, slot, write)
      }
      this.size -= (slots.root === undefined ? 0 : 1) + (slots.namespaces?.size ?? 0)
    }
  }

  /** Forgets everything cached (the store was replaced). */
  clear(): void {
    this.slots.clear()
    this.size = 0
    this.sweptTo = undefined
  }

  private flushSlot(slots: KeySlots<S>, ns: string | number | false, slot: Slot<S>, write: (key: StoreKey, text: string | undefined) => void): void {
    write([slots.group, this.name, slots.keyText, ns], slot.value === undefined ? undefined : this.encode(slot.value))
    slot.dirty = false
  }

  private keySlots(): KeySlots<S> {
    const keys = this.keys
    const id = keys.currentId
    let slots = this.slots.get(id)
    if (slots === undefined) {
      slots = { group: keyGroupOfId(id, keys.maxParallelism), keyText: JSON.stringify(encodeKey(keys.currentKey)), root: undefined, namespaces: undefined, used: false }
      this.slots.set(id, slots)
    } else slots.used = true
    return slots
  }

  /** The slot of `ns`; a new one is read from the store when `load` (a put needs no old value). */
  private slotOf(slots: KeySlots<S>, ns: unknown, load: boolean): Slot<S> {
    let slot = ns === undefined ? slots.root : slots.namespaces?.get(ns)
    if (slot !== undefined) return slot
    let value: S | undefined
    if (load) {
      const at: StoreKey = [slots.group, this.name, slots.keyText, ns === undefined ? false : (ns as string | number)]
      const text = this.host.read(at)
      value = text === undefined ? undefined : this.decode(text, at)
    }
    slot = { value, dirty: false }
    if (ns === undefined) slots.root = slot
    else (slots.namespaces ??= new Map()).set(ns, slot)
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
