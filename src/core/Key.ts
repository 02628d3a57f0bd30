/**
 * Keys partition a stream (see `keyBy`): state, timers and windows are scoped per key.
 *
 * @since 0.1.0
 */
import { describeValue } from './describe'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A primitive that can be (part of) a key.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const k: ds.KeyPrimitive = 'user-1'
 *
 * @category model
 * @since 0.1.0
 */
export type KeyPrimitive = string | number | boolean | bigint

/**
 * A key: a primitive, or an array of primitives for composite keys. Keys are compared by
 * value, so `['a', 1]` and `['a', 1]` are the same key.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const composite: ds.Key = ['/home', 'mobile']
 *
 * @category model
 * @since 0.1.0
 */
export type Key = KeyPrimitive | readonly KeyPrimitive[]

/**
 * What an operator that needs keys requires of its input's key type `K`: nothing (`unknown`)
 * for a keyed stream; for a stream without keys (key type `never`, i.e. before `keyBy`), a
 * property no stream has, which the compiler names in its error. Every keyed operator checks
 * its inputs with it: `keyedProcess`, `windowBy` and `countWindow`, `intervalJoinWith`, and
 * the `keyedProcess` of `connectWith`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * type Ok = ds.NeedsKeys<string> // unknown: nothing required
 * type Rejected = ds.NeedsKeys<never> // names the fix: apply keyBy first
 *
 * @category model
 * @since 0.1.0
 */
export type NeedsKeys<K> = [K] extends [never] ? { readonly 'needs a keyed stream: apply keyBy first': true } : unknown

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/**
 * @internal
 * Why `key` cannot be a key, or `undefined` if it can.
 */
export function invalidKeyReason(key: unknown): string | undefined {
  if (Array.isArray(key)) {
    if (key.length === 0) return 'an empty array is not a key'
    for (let i = 0; i < key.length; i++) {
      const reason = Array.isArray(key[i]) ? 'composite keys cannot nest arrays' : invalidPrimitiveReason(key[i])
      if (reason !== undefined) return `element ${i} of the composite key ${describeValue(key)}: ${reason}`
    }
    return undefined
  }
  return invalidPrimitiveReason(key)
}

function invalidPrimitiveReason(key: unknown): string | undefined {
  switch (typeof key) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return undefined
    case 'number':
      return Number.isNaN(key) ? 'NaN is not a key' : undefined
    default:
      return `${typeof key === 'object' ? (key === null ? 'null' : 'an object') : typeof key} is not a key: keys are strings, numbers, booleans, bigints or arrays of them`
  }
}

const KEY_PART_TAG = { string: 's', number: 'n', boolean: 'b', bigint: 'i' } as const

/**
 * @internal
 * A value usable as a `Map` key that is equal for equal keys: primitives stand for
 * themselves; composite keys become a string no primitive key can equal (it starts with NUL
 * and tags each part with its type).
 */
export function keyId(key: unknown): unknown {
  if (!Array.isArray(key)) return key
  let id = '\u0000'
  for (const part of key) id += `${KEY_PART_TAG[typeof part as 'string' | 'number' | 'boolean' | 'bigint']}${String(part).length}:${String(part)}`
  return id
}

/**
 * @internal
 * The key whose {@link keyId} is `id`: for a store that reaches a value by id alone and must
 * name the key it is filed under.
 */
export function keyOfId(id: unknown): unknown {
  if (typeof id !== 'string' || !id.startsWith('\u0000')) return id
  const parts: unknown[] = []
  for (let at = 1; at < id.length; ) {
    const tag = id[at]!
    const colon = id.indexOf(':', at)
    const length = Number(id.slice(at + 1, colon))
    const text = id.slice(colon + 1, colon + 1 + length)
    parts.push(tag === 's' ? text : tag === 'n' ? Number(text) : tag === 'b' ? text === 'true' : BigInt(text))
    at = colon + 1 + length
  }
  return parts
}
