/**
 * Deep structural equality that understands stream elements, for marble tests.
 *
 * @since 0.1.0
 */
import { OutputTag } from '../src/core/OutputTag'

/**
 * Whether `a` and `b` are structurally equal, the way a test of a stream means it:
 *
 * - numbers: `NaN` equals `NaN`, `-0` equals `0`, `±Infinity` equal themselves;
 * - a property whose value is `undefined` equals a missing property (so a record built
 *   without a key equals one whose `key` is `undefined`);
 * - output tags are equal when their ids are;
 * - errors are equal when their `name` and `message` are (stacks are ignored);
 * - arrays, typed arrays, `Map`s (keys matched structurally too), `Set`s, `Date`s, `RegExp`s
 *   and plain objects are compared deeply; class instances also need the same prototype;
 * - RxJS notification objects (`{ kind, value, error }`, as the `TestScheduler` records them)
 *   compare only what their kind carries;
 * - functions and symbols only equal themselves. Cycles are handled.
 *
 * @example
 * import { deepStrictEqual } from 'node:assert'
 * import * as ds from 'rx-datastream'
 * import { rec, streamEquals } from 'rx-datastream/marbles'
 *
 * deepStrictEqual(streamEquals(rec('a', 5), ds.streamRecord('a', 5)), true)
 * deepStrictEqual(streamEquals({ v: NaN, z: -0 }, { v: NaN, z: 0 }), true)
 * deepStrictEqual(streamEquals(new Error('boom'), new Error('boom')), true)
 * deepStrictEqual(streamEquals(rec('a', 5), rec('a', 6)), false)
 *
 * @param a a value
 * @param b another value
 * @returns `true` when they are equal
 * @category testing
 * @since 0.1.0
 */
export function streamEquals(a: unknown, b: unknown): boolean {
  return difference(a, b) === undefined
}

/** @internal Where two values first differ. `path` is empty when they differ at the top. */
export interface Difference {
  readonly path: string
  readonly expected: unknown
  readonly actual: unknown
  /** Why they differ when the two values alone do not say (a missing key, a size). */
  readonly reason?: string
}

/** @internal The first difference between `expected` and `actual`, or `undefined` if equal. */
export function difference(expected: unknown, actual: unknown): Difference | undefined {
  return diff(expected, actual, '', new Map())
}

type Seen = Map<object, Set<object>>

function diff(x: unknown, y: unknown, path: string, seen: Seen): Difference | undefined {
  if (x === y) return undefined // also 0 === -0
  const at = (reason?: string): Difference => ({ path, expected: x, actual: y, ...(reason === undefined ? {} : { reason }) })
  if (typeof x === 'number' && typeof y === 'number') {
    return Number.isNaN(x) && Number.isNaN(y) ? undefined : at()
  }
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return at()

  // A pair already being compared is assumed equal (cycles).
  let partners = seen.get(x)
  if (partners?.has(y)) return undefined
  if (partners === undefined) seen.set(x, (partners = new Set()))
  partners.add(y)
  try {
    return diffObjects(x, y, path, seen, at)
  } finally {
    partners.delete(y)
  }
}

function diffObjects(x: object, y: object, path: string, seen: Seen, at: (reason?: string) => Difference): Difference | undefined {
  const tagX = isOutputTag(x)
  const tagY = isOutputTag(y)
  if (tagX || tagY) return tagX && tagY && x.id === y.id ? undefined : at()

  const errX = isError(x)
  const errY = isError(y)
  if (errX || errY) {
    if (!(errX && errY)) return at()
    return x.name === y.name && x.message === y.message ? undefined : at()
  }

  if (isNotification(x) && isNotification(y)) {
    if (x.kind !== y.kind) return at()
    if (x.kind === 'N') return diff(x.value, y.value, `${path}.value`, seen)
    if (x.kind === 'E') return diff(x.error, y.error, `${path}.error`, seen)
    return undefined
  }

  if (x instanceof Date || y instanceof Date) {
    if (!(x instanceof Date && y instanceof Date)) return at()
    const tx = x.getTime()
    const ty = y.getTime()
    return tx === ty || (Number.isNaN(tx) && Number.isNaN(ty)) ? undefined : at()
  }
  if (x instanceof RegExp || y instanceof RegExp) {
    return x instanceof RegExp && y instanceof RegExp && x.source === y.source && x.flags === y.flags ? undefined : at()
  }
  const boxed = diffBoxed(x, y)
  if (boxed !== 'not boxed') return boxed ? undefined : at()

  if (Array.isArray(x) || Array.isArray(y)) {
    if (!(Array.isArray(x) && Array.isArray(y))) return at()
    if (x.length !== y.length) return at(`length ${x.length} vs ${y.length}`)
    for (let i = 0; i < x.length; i++) {
      const d = diff(x[i], y[i], `${path}[${i}]`, seen)
      if (d !== undefined) return d
    }
    return undefined
  }
  if (ArrayBuffer.isView(x) || ArrayBuffer.isView(y)) {
    if (!(ArrayBuffer.isView(x) && ArrayBuffer.isView(y)) || Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) return at()
    const bx = new Uint8Array(x.buffer, x.byteOffset, x.byteLength)
    const by = new Uint8Array(y.buffer, y.byteOffset, y.byteLength)
    if (bx.length !== by.length) return at()
    for (let i = 0; i < bx.length; i++) if (bx[i] !== by[i]) return at()
    return undefined
  }
  if (x instanceof Map || y instanceof Map) {
    if (!(x instanceof Map && y instanceof Map)) return at()
    if (x.size !== y.size) return at(`size ${x.size} vs ${y.size}`)
    for (const [key, value] of x) {
      const keyInY = y.has(key) ? { key } : findKey(y, key, seen)
      if (keyInY === undefined) return at(`key ${describeKey(key)} is missing`)
      const d = diff(value, y.get(keyInY.key), `${path}.get(${describeKey(key)})`, seen)
      if (d !== undefined) return d
    }
    return undefined
  }
  if (x instanceof Set || y instanceof Set) {
    if (!(x instanceof Set && y instanceof Set)) return at()
    if (x.size !== y.size) return at(`size ${x.size} vs ${y.size}`)
    const unmatched = [...y]
    for (const item of x) {
      const i = y.has(item) && unmatched.includes(item) ? unmatched.indexOf(item) : unmatched.findIndex(u => diff(item, u, '', seen) === undefined)
      if (i === -1) return at(`an element is missing`)
      unmatched.splice(i, 1)
    }
    return undefined
  }

  const protoX: unknown = Object.getPrototypeOf(x)
  const protoY: unknown = Object.getPrototypeOf(y)
  if (protoX !== protoY && !(isPlainPrototype(protoX) && isPlainPrototype(protoY))) {
    return at(`different types`)
  }
  const recX = x as Record<PropertyKey, unknown>
  const recY = y as Record<PropertyKey, unknown>
  const keys = new Set<PropertyKey>([...ownKeys(x), ...ownKeys(y)])
  for (const key of keys) {
    const vx = recX[key]
    const vy = recY[key]
    // undefined and missing are the same
    if (vx === undefined && vy === undefined) continue
    const d = diff(vx, vy, `${path}${describeProperty(key)}`, seen)
    if (d !== undefined) return d
  }
  return undefined
}

function findKey(map: Map<unknown, unknown>, key: unknown, seen: Seen): { key: unknown } | undefined {
  for (const candidate of map.keys()) {
    if (diff(key, candidate, '', seen) === undefined) return { key: candidate }
  }
  return undefined
}

function ownKeys(o: object): PropertyKey[] {
  const symbols = Object.getOwnPropertySymbols(o).filter(s => Object.prototype.propertyIsEnumerable.call(o, s))
  return [...Object.keys(o), ...symbols]
}

function isPlainPrototype(proto: unknown): boolean {
  return proto === null || proto === Object.prototype
}

/** `true`/`false` for two boxed primitives, 'not boxed' when neither is one. */
function diffBoxed(x: object, y: object): boolean | 'not boxed' {
  const kinds = [Number, String, Boolean] as const
  for (const kind of kinds) {
    if (x instanceof kind || y instanceof kind) {
      if (!(x instanceof kind && y instanceof kind)) return false
      const vx: unknown = x.valueOf()
      const vy: unknown = y.valueOf()
      return vx === vy || (Number.isNaN(vx) && Number.isNaN(vy))
    }
  }
  return 'not boxed'
}

/** @internal Whether `x` is an `OutputTag`, also one from another copy of the library. */
export function isOutputTag(x: unknown): x is OutputTag<unknown> {
  if (x instanceof OutputTag) return true
  if (typeof x !== 'object' || x === null) return false
  const ctor: unknown = (x as { constructor?: unknown }).constructor
  return typeof ctor === 'function' && ctor.name === 'OutputTag' && typeof (x as { id?: unknown }).id === 'string'
}

/** @internal */
export function isError(x: unknown): x is Error {
  return x instanceof Error || Object.prototype.toString.call(x) === '[object Error]'
}

/** @internal An RxJS notification: `{ kind: 'N', value }`, `{ kind: 'E', error }`, `{ kind: 'C' }`. */
export interface NotificationLike {
  readonly kind: 'N' | 'E' | 'C'
  readonly value?: unknown
  readonly error?: unknown
}

/** @internal */
export function isNotification(x: unknown): x is NotificationLike {
  if (typeof x !== 'object' || x === null || '_tag' in x) return false
  const kind: unknown = (x as { kind?: unknown }).kind
  return (kind === 'N' || kind === 'E' || kind === 'C') && ('value' in x || 'error' in x)
}

function describeProperty(key: PropertyKey): string {
  if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) return `.${key}`
  return `[${typeof key === 'string' ? JSON.stringify(key) : String(key)}]`
}

function describeKey(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key)
  if (typeof key === 'object' && key !== null) return Array.isArray(key) ? '[…]' : '{…}'
  return String(key)
}
