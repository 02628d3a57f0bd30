/**
 * Key groups: the unit keyed state is laid out, snapshotted and (later) redistributed in, by
 * the rule of Flink's `KeyGroupRangeAssignment`: a key belongs to group
 * `hash(key) mod maxParallelism`. The hash is rx-datastream's own (a key's group is not the
 * number Flink would give it), a stable function of the key's value (never of object
 * identity), so a key lands in the same group in every run, every process and after every
 * restore.
 *
 * Of this module only {@link DEFAULT_MAX_PARALLELISM} is public, the default of the
 * `maxParallelism` option; assigning keys to groups is the runtime's business.
 *
 * @since 0.1.0
 */
import { invalidKeyReason, keyId } from '../core/Key'

// -------------------------------------------------------------------------------------
// constants
// -------------------------------------------------------------------------------------

/**
 * The smallest default max parallelism (Flink's `DEFAULT_LOWER_BOUND_MAX_PARALLELISM`).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * console.log(ds.DEFAULT_MAX_PARALLELISM) // 128
 *
 * @category state
 * @since 0.1.0
 */
export const DEFAULT_MAX_PARALLELISM = 128

/**
 * The largest max parallelism (Flink's `UPPER_BOUND_MAX_PARALLELISM`, 2^15).
 *
 * @example
 * import * as ds from './KeyGroup'
 *
 * console.log(ds.UPPER_BOUND_MAX_PARALLELISM) // 32768
 *
 * @category state
 * @since 0.1.0
 * @internal
 */
export const UPPER_BOUND_MAX_PARALLELISM = 1 << 15

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/**
 * The default max parallelism for an operator of `parallelism` subtasks: 1.5 × parallelism
 * rounded up to a power of two, clamped to [128, 32768] (Flink's rule). It must not change
 * between a snapshot and its restore.
 *
 * @example
 * import * as ds from './KeyGroup'
 *
 * ds.computeDefaultMaxParallelism(1) // 128
 * ds.computeDefaultMaxParallelism(100) // 256
 *
 * @category state
 * @since 0.1.0
 * @internal
 */
export function computeDefaultMaxParallelism(parallelism: number): number {
  if (!Number.isSafeInteger(parallelism) || parallelism < 1) {
    throw new RangeError(`computeDefaultMaxParallelism: the parallelism must be a positive integer, got ${String(parallelism)}`)
  }
  const wanted = roundUpToPowerOfTwo(parallelism + (parallelism >>> 1))
  return Math.min(Math.max(wanted, DEFAULT_MAX_PARALLELISM), UPPER_BOUND_MAX_PARALLELISM)
}

/**
 * The key group of a key: `murmur(hash(key)) mod maxParallelism`. Keys are compared by value
 * (a composite key `['a', 1]` is the same key however often it is built). Throws a `TypeError`
 * for a value that cannot be a key and a `RangeError` for a max parallelism outside
 * [1, 32768].
 *
 * @example
 * import * as ds from './KeyGroup'
 *
 * const group = ds.assignToKeyGroup('user-42', 128) // the same number in every run
 * console.log(group >= 0 && group < 128) // true
 *
 * @category state
 * @since 0.1.0
 * @internal
 */
export function assignToKeyGroup(key: unknown, maxParallelism: number): number {
  checkMaxParallelism(maxParallelism, 'assignToKeyGroup')
  const reason = invalidKeyReason(key)
  if (reason !== undefined) throw new TypeError(`assignToKeyGroup: ${reason}`)
  return keyGroupOfId(keyId(key), maxParallelism)
}

/** @internal The group of a key already reduced to its `keyId` (a primitive). */
export function keyGroupOfId(id: unknown, maxParallelism: number): number {
  return (fmix32(primitiveHash(id)) >>> 0) % maxParallelism
}

/**
 * @internal
 * Validates a max parallelism given by a user: an integer in [1, 32768].
 */
export function checkMaxParallelism(maxParallelism: number, where: string): number {
  if (!Number.isSafeInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > UPPER_BOUND_MAX_PARALLELISM) {
    throw new RangeError(`${where}: maxParallelism must be an integer in [1, ${UPPER_BOUND_MAX_PARALLELISM}], got ${String(maxParallelism)}`)
  }
  return maxParallelism
}

function roundUpToPowerOfTwo(n: number): number {
  let power = 1
  while (power < n) power *= 2
  return power
}

/** A 32-bit hash of a primitive, equal for equal values (Java's conventions where it has one). */
function primitiveHash(id: unknown): number {
  switch (typeof id) {
    case 'number':
      // Integers hash as themselves (as Java's Integer); -0 is 0, like keys in a Map.
      return (id | 0) === id ? id | 0 : stringHash(String(id))
    case 'string':
      return stringHash(id)
    case 'boolean':
      return id ? 1231 : 1237
    case 'bigint':
      return stringHash(`${id.toString()}n`)
    default:
      return 0
  }
}

/** Java's `String.hashCode` over UTF-16 code units. */
function stringHash(s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0
  return h
}

/** MurmurHash3's finalizer: spreads the bits so that `mod` sees all of them. */
function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h
}
