/**
 * @internal
 * One state's values on the heap, laid out in key groups (Flink's `StateTable`): group →
 * key → (namespace → value). Reads and writes address the backend's current key; the
 * namespace is a primitive id (`undefined` for the void namespace of process functions, a
 * window's id in windows). Lookups go through an index by key id (one `Map.get`, no hash of
 * the key per record); the groups are the layout snapshots and redistribution read. The entry
 * of the current key is cached, since a function usually touches several states of one key in
 * a row.
 */
import type { KeyContext } from './KeyContext'

/** @internal One key's values in one table. */
export interface KeyEntry<K, S> {
  readonly key: K
  readonly id: unknown
  readonly group: number
  /** The value in the void namespace. */
  value: S | undefined
  /** Values in other namespaces, by namespace id. */
  namespaces: Map<unknown, S> | undefined
}

/** @internal Nothing is cached: an id no key has (NaN is not a key). */
const NO_KEY = NaN

/** @internal */
export class StateTable<K, S> {
  /** Per key group, the keys with a value. */
  private readonly groups: Array<Map<unknown, KeyEntry<K, S>> | undefined>
  /** Every entry by key id, whatever its group. */
  private readonly index = new Map<unknown, KeyEntry<K, S>>()
  private cachedId: unknown = NO_KEY
  private cachedEntry: KeyEntry<K, S> | undefined = undefined
  /** Where incremental cleanup resumes. */
  private cursor: Iterator<KeyEntry<K, S>> | undefined = undefined

  constructor(
    readonly name: string,
    private readonly keys: KeyContext<K>
  ) {
    this.groups = new Array<Map<unknown, KeyEntry<K, S>> | undefined>(keys.maxParallelism).fill(undefined)
  }

  /** The current key's value in namespace `ns`. */
  get(ns: unknown): S | undefined {
    const entry = this.currentEntry()
    if (entry === undefined) return undefined
    return ns === undefined ? entry.value : entry.namespaces?.get(ns)
  }

  /** Sets the current key's value in namespace `ns`; `undefined` removes it. */
  put(ns: unknown, value: S | undefined): void {
    if (value === undefined) {
      this.remove(ns)
      return
    }
    let entry = this.currentEntry()
    if (entry === undefined) {
      const keys = this.keys
      entry = this.addEntry(keys.currentKey, keys.currentId, keys.currentGroup())
      this.cachedEntry = entry
    }
    if (ns === undefined) entry.value = value
    else (entry.namespaces ??= new Map()).set(ns, value)
  }

  /** Removes the current key's value in namespace `ns`. */
  remove(ns: unknown): void {
    const entry = this.currentEntry()
    if (entry === undefined) return
    if (ns === undefined) entry.value = undefined
    else entry.namespaces?.delete(ns)
    if (entry.value === undefined && (entry.namespaces === undefined || entry.namespaces.size === 0)) this.removeEntry(entry)
  }

  /** The current key's namespaces with a value (not the void one). */
  namespacesOfCurrentKey(): IterableIterator<unknown> | undefined {
    return this.currentEntry()?.namespaces?.keys()
  }

  /** Every key entry, group by group (ascending), in insertion order within a group. */
  *entries(): Generator<KeyEntry<K, S>> {
    for (const group of this.groups) if (group !== undefined) yield* group.values()
  }

  /** The entries of one key group. */
  entriesOfGroup(keyGroup: number): Iterable<KeyEntry<K, S>> {
    return this.groups[keyGroup]?.values() ?? []
  }

  /** Whether no key has a value. */
  isEmpty(): boolean {
    return this.index.size === 0
  }

  /**
   * Visits up to `count` key entries after the last one visited (wrapping around once), and
   * replaces each of their values by `keep(value)`: `undefined` removes it. Incremental TTL
   * cleanup runs on this.
   */
  sweep(count: number, keep: (value: S) => S | undefined): void {
    let visited = 0
    let wrapped = false
    while (visited < count) {
      this.cursor ??= this.entries()
      const next = this.cursor.next()
      if (next.done === true) {
        this.cursor = undefined
        if (wrapped) return
        wrapped = true
        continue
      }
      visited++
      this.sweepEntry(next.value, keep)
    }
  }

  /** Replaces the values of every entry by `keep(value)` (a full cleanup, e.g. before a snapshot). */
  sweepAll(keep: (value: S) => S | undefined): void {
    for (const entry of this.entries()) this.sweepEntry(entry, keep)
  }

  /** Puts a value for `key` (with `id` and `group`) without changing the current key: restore. */
  restoreValue(key: K, id: unknown, group: number, ns: unknown, value: S): void {
    let entry = this.index.get(id)
    if (entry === undefined) {
      entry = this.addEntry(key, id, group)
      if (id === this.cachedId) this.cachedEntry = entry
    }
    if (ns === undefined) entry.value = value
    else (entry.namespaces ??= new Map()).set(ns, value)
  }

  /** Removes everything. */
  clear(): void {
    this.groups.fill(undefined)
    this.index.clear()
    this.cachedId = NO_KEY
    this.cachedEntry = undefined
    this.cursor = undefined
  }

  private currentEntry(): KeyEntry<K, S> | undefined {
    const keys = this.keys
    if (keys.currentId === this.cachedId) return this.cachedEntry
    this.cachedId = keys.currentId
    return (this.cachedEntry = this.index.get(keys.currentId))
  }

  private addEntry(key: K, id: unknown, group: number): KeyEntry<K, S> {
    const entry: KeyEntry<K, S> = { key, id, group, value: undefined, namespaces: undefined }
    let map = this.groups[group]
    if (map === undefined) this.groups[group] = map = new Map()
    map.set(id, entry)
    this.index.set(id, entry)
    return entry
  }

  private sweepEntry(entry: KeyEntry<K, S>, keep: (value: S) => S | undefined): void {
    if (entry.value !== undefined) entry.value = keep(entry.value)
    const namespaces = entry.namespaces
    if (namespaces !== undefined) {
      for (const [ns, value] of namespaces) {
        const kept = keep(value)
        if (kept === undefined) namespaces.delete(ns)
        else if (kept !== value) namespaces.set(ns, kept)
      }
    }
    if (entry.value === undefined && (namespaces === undefined || namespaces.size === 0)) this.removeEntry(entry)
  }

  private removeEntry(entry: KeyEntry<K, S>): void {
    this.groups[entry.group]?.delete(entry.id)
    this.index.delete(entry.id)
    if (this.cachedEntry === entry) this.cachedEntry = undefined
  }
}
