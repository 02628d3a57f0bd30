/**
 * @internal
 * What an operator may do with a table of its own (`KeyedStateBackend.internalTable`): window
 * contents, sliced panes, join buffers. The heap backend serves it with a `StateTable`; the
 * LMDB backend with a cache over its store (`node/LmdbStateTable.ts`).
 *
 * Values are live objects: an operator changes them in place after reading them through the
 * table (`get`, `getById`) or after announcing it (`willChange`). A backend that writes values
 * out (a snapshot in steps, a store on disk) counts on those two calls to know what changed.
 * Whether an operator may keep references to them across records is the table's to say
 * (`valuesStay`): on the heap a value never moves; a table whose values leave memory gives a
 * copy read back from its store the next time, so the operator reaches them by key (or key id)
 * each time instead.
 */
import type { KeyEntry } from './StateTable'

/** @internal */
export interface OperatorTable<K, S> {
  /**
   * Whether a value stays the one object of its key, in memory, for as long as the key has it
   * (the heap's tables; an LMDB table made with `keepsReferences`): an operator may then hold
   * it across records. False: it may be evicted and come back as a copy, so an operator keeps
   * key ids instead and reads the values through the table when it needs them.
   */
  readonly valuesStay: boolean
  /** The current key's value in namespace `ns` (`undefined`: the void namespace). */
  get(ns: unknown): S | undefined
  /** The void-namespace value of the key with id `id`, whichever key is current. */
  getById(id: unknown): S | undefined
  /** The key whose id is `id` (a key with a value in the table). */
  keyById(id: unknown): K
  /**
   * The current key's value if it has exactly one outside the void namespace, whichever
   * namespace; `undefined` if it has none or several. Read for a change, as `get` is. Present
   * where a key's only such value is held as it is (the heap), so that an operator whose keys
   * mostly have one (a custom assigner's windows) finds it without naming its namespace.
   */
  soleNamespaced?(): S | undefined
  /** Sets the current key's value in namespace `ns`; `undefined` removes it. */
  put(ns: unknown, value: S | undefined): void
  /** Removes the current key's value in namespace `ns`. */
  remove(ns: unknown): void
  /** The values of key `id` are about to change in place, reached other than through this table. */
  willChange(id: unknown): void
  /**
   * Every key with a value, key group by key group (ascending; within a group in an order of
   * the backend's), as a listing made now: changing the table while iterating it does not
   * change what it yields.
   */
  entries(): Iterable<KeyEntry<K, S>>
  /** Removes every value. */
  clear(): void
  /**
   * Present when the backend keeps the values' `elementsField` (`InternalTableOptions`) as
   * entries of their own: then the operator keeps that list here instead of in the values.
   */
  readonly elements?: TableElements
}

/**
 * @internal
 * The lists of a table's values kept apart from them, one store entry per element: adding
 * one reads nothing (as RocksDB's merge operator serves Flink's list state), reading one reads
 * its range once. A snapshot holds each list as its value's `elementsField`, so it is the same
 * as a backend's that keeps the list in the value. Removing a value removes its list.
 */
export interface TableElements {
  /**
   * Adds `encoded` to the end of the current key's list in namespace `ns`: plain JSON data by
   * the time it is written (a `StateError` then names the table, the key and the namespace).
   */
  add(ns: number, encoded: unknown): void
  /** The current key's list in namespace `ns`, in the order added (`[]`: none). */
  get(ns: number): unknown[]
  /** Replaces the current key's list in namespace `ns` (`[]`: removes it). */
  update(ns: number, encoded: readonly unknown[]): void
}
