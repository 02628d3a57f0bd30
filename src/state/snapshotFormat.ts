/**
 * @internal
 * The snapshot format, versioned, in one place: what a keyed-state backend, a timer service
 * and an operator write into a snapshot, as plain JSON data. The same format will serve
 * checkpoints, savepoints, rescaling and every backend.
 *
 * - Keyed state: per state name, entries `[key group, key, namespace, value]`, values encoded
 *   by their codecs (descriptor states) or by the operator's table codec (window contents,
 *   panes, join buffers). Entries are filed by key group, so a range of key groups can be
 *   redistributed without decoding a value.
 * - Timers: per time domain, `[key group, key, namespace, time]`.
 * - An operator: its kind (checked on restore), its keyed state and timers, and whatever it
 *   keeps outside the backend (its watermark, elements in flight).
 */
import * as t from 'io-ts'
import { messageOf, StateError } from '../core/errors'
import { describeValue } from '../core/describe'
import type { OperatorInfo } from '../core/OperatorOptions'

// Each codec call is marked pure, nested ones too: a bundler may then drop the codecs, and io-ts
// with them, from applications that never read a snapshot (spec/package/bundle-size.spec.ts).

/** @internal A key in a snapshot: JSON has no bigint, no ±Infinity, no tuples-as-keys. */
export const EncodedKey = /*#__PURE__*/ t.union([
  t.string,
  t.number,
  t.boolean,
  /*#__PURE__*/ t.type({ bigint: t.string }),
  /*#__PURE__*/ t.type({ number: t.string }),
  /*#__PURE__*/ t.type({ tuple: /*#__PURE__*/ t.array(/*#__PURE__*/ t.union([t.string, t.number, t.boolean, /*#__PURE__*/ t.type({ bigint: t.string }), /*#__PURE__*/ t.type({ number: t.string })])) })
])

/** @internal One (key, namespace) value of a state: [key group, key, namespace, value]. */
export const SnapshotEntry = /*#__PURE__*/ t.tuple([t.number, EncodedKey, /*#__PURE__*/ t.union([t.string, t.number, t.null]), t.unknown])

/** @internal */
export const SnapshotState = /*#__PURE__*/ t.intersection([
  /*#__PURE__*/ t.type({
    name: t.string,
    kind: /*#__PURE__*/ t.keyof({
      ValueStateDescriptor: null,
      ListStateDescriptor: null,
      MapStateDescriptor: null,
      ReducingStateDescriptor: null,
      AggregatingStateDescriptor: null
    }),
    ttl: t.boolean,
    entries: /*#__PURE__*/ t.array(SnapshotEntry)
  }),
  /*#__PURE__*/ t.partial({
    /** The version of the values' stored form (`withSchemaVersion`); absent: 1. */
    version: t.number,
    /** Map state: the name of its key codec, which must not change. */
    keyCodec: t.string
  })
])

/** @internal An operator's own keyed table (window contents, panes, join buffers), values encoded by its table codec. */
export const TableSnapshot = /*#__PURE__*/ t.type({ name: t.string, entries: /*#__PURE__*/ t.array(SnapshotEntry) })

/** @internal */
export type TableSnapshot = t.TypeOf<typeof TableSnapshot>

/** @internal */
export const KeyedStateSnapshot = /*#__PURE__*/ t.intersection([
  /*#__PURE__*/ t.type({
    format: /*#__PURE__*/ t.literal('rx-datastream/keyed-state'),
    version: /*#__PURE__*/ t.literal(1),
    maxParallelism: t.number,
    states: /*#__PURE__*/ t.array(SnapshotState)
  }),
  // A chunked part's `chunks` (`chunks.ts`) are not in the codec: they are checked as they are
  // read, by the job's code only, which keeps them out of pages that run no job.
  /*#__PURE__*/ t.partial({ tables: /*#__PURE__*/ t.array(TableSnapshot) })
])

/** @internal One timer: [key group, key, namespace, time]. */
export const TimerEntry = /*#__PURE__*/ t.tuple([t.number, EncodedKey, t.unknown, t.number])

/** @internal */
export const TimersSnapshot = /*#__PURE__*/ t.type({ eventTime: /*#__PURE__*/ t.array(TimerEntry), processingTime: /*#__PURE__*/ t.array(TimerEntry) })

/** @internal */
export type TimersSnapshot = t.TypeOf<typeof TimersSnapshot>

/** @internal What one operator's snapshot holds. */
export const OperatorSnapshot = /*#__PURE__*/ t.intersection([
  /*#__PURE__*/ t.type({
    format: /*#__PURE__*/ t.literal('rx-datastream/operator'),
    version: /*#__PURE__*/ t.literal(1),
    /** The operator's kind (`windowBy`, `keyedProcess`, …): a snapshot restores into the same kind only. */
    kind: t.string
  }),
  /*#__PURE__*/ t.partial({
    keyed: KeyedStateSnapshot,
    timers: TimersSnapshot,
    /** Operator (non-keyed) state of a `CheckpointedFunction`. */
    operatorState: t.unknown,
    /** What the operator keeps outside the backend: its watermark, elements in flight. */
    own: t.unknown
  })
])

/** @internal */
export type OperatorSnapshot = t.TypeOf<typeof OperatorSnapshot>

/** @internal */
export type KeyedStateSnapshot = t.TypeOf<typeof KeyedStateSnapshot>
/** @internal */
export type SnapshotState = t.TypeOf<typeof SnapshotState>
/** @internal */
export type SnapshotEntry = t.TypeOf<typeof SnapshotEntry>


/**
 * @internal
 * A keyed-state snapshot to restore into an operator of `maxParallelism`, checked (its format,
 * plain data, the same `maxParallelism`) and copied, so that restoring it again is unaffected by
 * what the restored state does; any fault is a `StateError` of `info`'s operator.
 */
export function checkedKeyedSnapshot(info: OperatorInfo, snapshot: unknown, maxParallelism: number): KeyedStateSnapshot {
  const decoded = KeyedStateSnapshot.decode(snapshot)
  if (decoded._tag === 'Left') {
    throw new StateError(info, '*', `the snapshot is not a keyed-state snapshot of this version: ${describeErrors(decoded.left)}`)
  }
  let copy: KeyedStateSnapshot
  try {
    copy = structuredClone(decoded.right)
  } catch (error) {
    throw new StateError(info, '*', `the snapshot is not plain data: ${messageOf(error)}`, { cause: error })
  }
  if (copy.maxParallelism !== maxParallelism) {
    throw new StateError(info, '*', `the snapshot was taken with maxParallelism ${copy.maxParallelism}, the operator has ${maxParallelism}: it must not change across restores`)
  }
  return copy
}

/** @internal The first few io-ts errors as `path: expected type, got value`. */
export function describeErrors(errors: t.Errors): string {
  return errors
    .slice(0, 3)
    .map(error => {
      const path = error.context
        .map(c => c.key)
        .filter(key => key !== '')
        .join('.')
      const expected = error.context[error.context.length - 1]?.type.name ?? 'unknown'
      return `${path === '' ? 'value' : path}: expected ${expected}, got ${describeValue(error.value)}`
    })
    .join('; ')
}

/** @internal */
export function encodeKey(key: unknown): t.TypeOf<typeof EncodedKey> {
  if (Array.isArray(key)) return { tuple: key.map(part => encodePrimitive(part)) }
  return encodePrimitive(key)
}

function encodePrimitive(key: unknown): string | number | boolean | { bigint: string } | { number: string } {
  if (typeof key === 'bigint') return { bigint: key.toString() }
  if (typeof key === 'number' && !Number.isFinite(key)) return { number: String(key) }
  if (typeof key === 'number' && Object.is(key, -0)) return 0
  return key as string | number | boolean
}

/** @internal */
export function decodeKey(encoded: t.TypeOf<typeof EncodedKey>): unknown {
  if (typeof encoded === 'object' && 'tuple' in encoded) {
    const parts = encoded.tuple.map(decodePrimitive)
    return parts.length === 0 || parts.includes(undefined) ? undefined : parts
  }
  return decodePrimitive(encoded)
}

function decodePrimitive(encoded: string | number | boolean | { bigint: string } | { number: string }): unknown {
  if (typeof encoded !== 'object') return encoded
  if ('bigint' in encoded) return /^-?\d+$/.test(encoded.bigint) ? BigInt(encoded.bigint) : undefined
  const n = Number(encoded.number)
  return encoded.number === 'Infinity' || encoded.number === '-Infinity' ? n : undefined
}


/**
 * @internal
 * Why `value` is not plain JSON data (data that `JSON.stringify` then `JSON.parse` give back
 * equal), or `undefined` if it is: `null`, booleans, strings, finite numbers, arrays without
 * holes and plain objects of those. What a snapshot holds of a user's values (window contents,
 * accumulators, buffered elements) must be such data, or have a codec saying how to make it so.
 */
export function jsonIncompatibility(value: unknown, path = 'value'): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${describeValue(value)}, which JSON cannot hold`
    case 'object': {
      if (value === null) return undefined
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) return `${path}[${i}] is a hole`
          const reason = jsonIncompatibility(value[i], `${path}[${i}]`)
          if (reason !== undefined) return reason
        }
        return undefined
      }
      const proto: unknown = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) {
        const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object'
        return `${path} is a ${name}, not a plain object`
      }
      for (const [k, v] of Object.entries(value)) {
        const reason = jsonIncompatibility(v, `${path}.${k}`)
        if (reason !== undefined) return reason
      }
      return undefined
    }
    default:
      return `${path} is ${describeValue(value)}, which JSON cannot hold`
  }
}

/**
 * @internal
 * Whether `jsonIncompatibility` finds nothing, without building the paths it names: for a check
 * per record (an element written apart on LMDB), the message made only when it fails.
 */
export function isPlainJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value)
    case 'object': {
      if (value === null) return true
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!(i in value) || !isPlainJson(value[i])) return false
        return true
      }
      const proto: unknown = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) return false
      // Own and inherited enumerable properties: a plain object inherits none but from a changed Object.prototype.
      for (const k in value) {
        const v = (value as Record<string, unknown>)[k]
        if (typeof v === 'string' || typeof v === 'boolean') continue
        if (typeof v === 'number' ? !Number.isFinite(v) : !isPlainJson(v)) return false
      }
      return true
    }
    default:
      return false
  }
}

/** @internal A time (a watermark: possibly ±Infinity) as JSON data. */
export function encodeTime(time: number): number | string {
  return Number.isFinite(time) ? time : String(time)
}

/** @internal Back from `encodeTime`; anything else is a `StateError` of `info`'s operator. */
export function decodeTime(info: OperatorInfo, encoded: unknown): number {
  if (typeof encoded === 'number' && Number.isFinite(encoded)) return encoded
  if (encoded === 'Infinity' || encoded === '-Infinity') return Number(encoded)
  throw new StateError(info, '*', `cannot restore: ${describeValue(encoded)} is not a time`)
}

/** @internal Field `name` of an operator snapshot's own part (undefined when absent). */
export function ownField(own: unknown, name: string): unknown {
  return typeof own === 'object' && own !== null ? (own as Record<string, unknown>)[name] : undefined
}
