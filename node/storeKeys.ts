/**
 * @internal
 * The LMDB backend's store keys: one string per (key group, state, key, namespace), ordered so
 * that a key group is one range of the store and a state within it a sub-range.
 *
 * Layout: `G S K` for a key's value in the void namespace, `G S K \u0001 n|s N` in namespace
 * N (`n` a number, `s` a string), where G is the key group and S the state's number, each one
 * character from U+0100 up, and K the key's portable form as JSON text. A table that keeps a
 * value's list as entries of their own (window contents) files element E of the value in
 * numeric namespace N at `G S K \u0001 n N \u0001 E`: right after the value, in the order added
 * (E a sequence number, its length first, so that the text orders as the number).
 *
 * Why strings and not LMDB's ordered arrays: `lmdb` encodes a string key with one UTF-8 write,
 * an array part by part, and a miss of the cache costs a read and a write-back of the key
 * (measured on 100,000 keys: read 1.1 → 0.75 µs, write 1.9 → 1.5 µs). UTF-8 orders by code
 * point, so G's and S's characters order their numbers. JSON text escapes every control
 * character, so the first U+0001 ends K, whatever K and N hold.
 */

/** @internal A store key (see the module's comment). */
export type StoreKey = string

/** The first character of G and S: above ASCII, so no key starts with a byte `lmdb` reads as a type tag. */
const BASE = 0x100
/** Ends the key's text in a namespaced entry's store key. */
const NAMESPACE = '\u0001'

/** @internal The store key of `keyText`'s void-namespace value in state `state`, key group `group`: the prefix of its namespaced ones. */
export function keyPrefix(group: number, state: number, keyText: string): StoreKey {
  return String.fromCharCode(BASE + group, BASE + state) + keyText
}

/** @internal The store key of namespace `ns` under `prefix` ({@link keyPrefix}). */
export function namespacedKey(prefix: StoreKey, ns: string | number): StoreKey {
  return typeof ns === 'number' ? `${prefix}${NAMESPACE}n${ns}` : `${prefix}${NAMESPACE}s${ns}`
}

/** @internal The range of state `state`'s entries in key group `group`: `start` ≤ key < `end`. */
export function stateRange(group: number, state: number): { readonly start: StoreKey; readonly end: StoreKey } {
  return { start: String.fromCharCode(BASE + group, BASE + state), end: String.fromCharCode(BASE + group, BASE + state + 1) }
}

/** @internal A store key's parts. */
export interface ParsedKey {
  readonly group: number
  readonly state: number
  /** The key's portable form, as JSON text. */
  readonly keyText: string
  /** The store key of the key's void-namespace value (see {@link keyPrefix}). */
  readonly prefix: StoreKey
  /** `undefined`: the void namespace. */
  readonly ns: string | number | undefined
  /** An element of the value at `G S K \u0001 n N` (see the module's comment), not a value. */
  readonly element: boolean
}

/** @internal The parts of a key this module made. */
export function parseKey(key: StoreKey): ParsedKey {
  const group = key.charCodeAt(0) - BASE
  const state = key.charCodeAt(1) - BASE
  const split = key.indexOf(NAMESPACE, 2)
  if (split < 0) return { group, state, keyText: key.slice(2), prefix: key, ns: undefined, element: false }
  const keyText = key.slice(2, split)
  const prefix = key.slice(0, split)
  if (key.charCodeAt(split + 1) !== 0x6e /* n */) return { group, state, keyText, prefix, ns: key.slice(split + 2), element: false }
  const end = key.indexOf(NAMESPACE, split + 2)
  return { group, state, keyText, prefix, ns: Number(end < 0 ? key.slice(split + 2) : key.slice(split + 2, end)), element: end >= 0 }
}

/** @internal The store key of element number `seq` of the value stored under `entry` (a numeric namespace's). */
export function elementKey(entry: StoreKey, seq: number): StoreKey {
  const digits = seq.toString(36)
  return `${entry}${NAMESPACE}${String.fromCharCode(0x30 + digits.length)}${digits}`
}

/** @internal The range of the elements of the value stored under `entry`: `start` ≤ key < `end`. */
export function elementRange(entry: StoreKey): { readonly start: StoreKey; readonly end: StoreKey } {
  return { start: `${entry}${NAMESPACE}`, end: `${entry}\u0002` }
}

/** @internal The store key of the value `key` belongs to: `key` itself unless it is an element's. */
export function entryKeyOf(key: StoreKey): StoreKey {
  const split = key.indexOf(NAMESPACE, 2)
  if (split < 0 || key.charCodeAt(split + 1) !== 0x6e /* n */) return key
  const end = key.indexOf(NAMESPACE, split + 2)
  return end < 0 ? key : key.slice(0, end)
}

/** @internal The key group of a store key, without parsing the rest. */
export function groupOf(key: StoreKey): number {
  return key.charCodeAt(0) - BASE
}

/** @internal The state number of a store key, without parsing the rest. */
export function stateOf(key: StoreKey): number {
  return key.charCodeAt(1) - BASE
}
