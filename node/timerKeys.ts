/**
 * @internal
 * The LMDB backend's store keys of timers: two ranges of the operator's store, before every
 * state key (those start at U+0100, see `storeKeys.ts`), per time domain `D` (`e` or `p`):
 *
 * - the order, `U+00FE D T Q`: T the time and Q the registration number, fixed-width hex, so
 *   that the range read from its start is the firing order (earliest time first, ties in
 *   registration order, as on the heap). Its value is the timer's index key, which names it.
 * - the index, `U+00FF D G K U+0001 N U+0001 T`: G the key group (one character, as in state
 *   keys), K the key's and N the namespace's portable form as JSON text (which escapes every
 *   control character, so U+0001 ends each). Its value is Q. A timer's identity is its index
 *   key, so registering or deleting one by (key, namespace, time) is one read.
 *
 * T is the IEEE 754 bits of the time with the sign bit flipped (all bits for a negative), so
 * that the hex text orders as the numbers do, −Infinity and +Infinity included; −0 is 0.
 */
import type { TimeDomain } from '../src/core/TimerService'
import type { StoreKey } from './storeKeys'

/** The lead character of the order range and of the index range: below U+0100, the state keys' first. */
const ORDER = '\u00fe'
const INDEX = '\u00ff'
/** Ends K and N in an index key. */
const SEPARATOR = '\u0001'
/** The first character of a key group, as in state keys. */
const GROUP_BASE = 0x100
/** Hex digits of a registration number: 52 bits, every safe integer. */
const SEQ_DIGITS = 13

// Marked pure: a construction at the top level would otherwise count as an effect of loading
// the module, and keep it in bundles that never use timers on LMDB.
const bits = /*#__PURE__*/ new DataView(/*#__PURE__*/ new ArrayBuffer(8))

/** @internal The domain's character in timer keys. */
export function domainChar(domain: TimeDomain): string {
  return domain === 'EVENT_TIME' ? 'e' : 'p'
}

/** @internal `time` as 16 hex digits that order as the numbers do. */
export function timeText(time: number): string {
  bits.setFloat64(0, time === 0 ? 0 : time)
  let high = bits.getUint32(0)
  let low = bits.getUint32(4)
  if (high >= 0x80000000) {
    high = ~high >>> 0
    low = ~low >>> 0
  } else {
    high = (high | 0x80000000) >>> 0
  }
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0')
}

/** @internal The time {@link timeText} wrote. */
export function timeOf(text: string): number {
  let high = parseInt(text.slice(0, 8), 16)
  let low = parseInt(text.slice(8, 16), 16)
  if (high >= 0x80000000) {
    high = (high & 0x7fffffff) >>> 0
  } else {
    high = ~high >>> 0
    low = ~low >>> 0
  }
  bits.setUint32(0, high)
  bits.setUint32(4, low)
  return bits.getFloat64(0)
}

/** @internal A registration number as fixed-width hex. */
export function seqText(seq: number): string {
  return seq.toString(16).padStart(SEQ_DIGITS, '0')
}

/** @internal The order key of the timer at time text `time` registered as number text `seq`. */
export function orderKey(domain: string, time: string, seq: string): StoreKey {
  return ORDER + domain + time + seq
}

/** @internal The order range of a domain's timers: `start` ≤ key < `end`. */
export function orderRange(domain: string): { readonly start: StoreKey; readonly end: StoreKey } {
  return { start: ORDER + domain, end: ORDER + String.fromCharCode(domain.charCodeAt(0) + 1) }
}

/** @internal The index key of a timer: key group, key and namespace JSON text, time text. */
export function indexKey(domain: string, group: number, keyText: string, namespaceText: string, time: string): StoreKey {
  return INDEX + domain + String.fromCharCode(GROUP_BASE + group) + keyText + SEPARATOR + namespaceText + SEPARATOR + time
}

/** @internal Whether a store key is a timer's index key (which names the timer: what incremental checkpoints track). */
export function isIndexKey(key: StoreKey): boolean {
  return key.charCodeAt(0) === 0xff
}

/** @internal The domain (`e` or `p`) of a timer's index key. */
export function domainOfIndexKey(key: StoreKey): string {
  return key.charAt(1)
}

/** @internal The parts of an order key. */
export function parseOrderKey(key: StoreKey): { readonly time: string; readonly seq: string } {
  return { time: key.slice(2, 18), seq: key.slice(18) }
}

/** @internal The parts of an index key. */
export function parseIndexKey(key: StoreKey): { readonly group: number; readonly keyText: string; readonly namespaceText: string; readonly time: string } {
  const keyEnd = key.indexOf(SEPARATOR, 3)
  const namespaceEnd = key.indexOf(SEPARATOR, keyEnd + 1)
  return { group: key.charCodeAt(2) - GROUP_BASE, keyText: key.slice(3, keyEnd), namespaceText: key.slice(keyEnd + 1, namespaceEnd), time: key.slice(namespaceEnd + 1) }
}
