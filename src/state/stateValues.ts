/**
 * @internal
 * How descriptor states' values cross the line between a backend and the snapshot format:
 * stored form (what the state objects work on: TTL cells, maps of entries) to JSON-ready form
 * through the descriptor's codecs and back, the checks a restored state must pass before its
 * values are read, and the checks of a restored entry's key. Every keyed-state backend uses
 * these, so a snapshot means the same whichever backend wrote or reads it.
 */
import * as t from 'io-ts'
import { messageOf, StateError } from '../core/errors'
import type { OperatorInfo } from '../core/OperatorOptions'
import { describeValue } from '../core/describe'
import { keyId } from '../core/Key'
import { keyGroupOfId } from './KeyGroup'
import { decodeKey, describeErrors, type SnapshotEntry, type SnapshotState } from './snapshotFormat'
import { isExpired, type MapEntry, mapKeyId, type TtlValue } from './heapStates'
import type { MapStateDescriptor, StateDescriptor, ValueStateDescriptor } from './StateDescriptor'
import { schemaVersion, stateKindName } from './StateDescriptor'

/**
 * @internal
 * The decoder of `state`'s values (a restored state) for `descriptor`, after checking that they
 * fit: the same kind, TTL or not, map key codec, and a schema version the descriptor can read
 * (migrating older ones). Fails with a `StateError` naming the state otherwise.
 */
export function restoredValueDecoder(
  info: OperatorInfo,
  descriptor: StateDescriptor,
  state: Omit<SnapshotState, 'entries'>
): (encoded: unknown, fail: (detail: string) => never) => unknown {
  const fail = (detail: string): never => {
    throw new StateError(info, descriptor.name, `cannot restore: ${detail}`)
  }
  if (state.kind !== descriptor._tag) {
    fail(`the snapshot holds a ${kindName(state.kind)}, the descriptor describes a ${stateKindName(descriptor)}`)
  }
  if (state.ttl !== (descriptor.ttl !== undefined)) {
    fail(`the snapshot was taken ${state.ttl ? 'with' : 'without'} a time to live and the descriptor has ${descriptor.ttl === undefined ? 'none' : 'one'}: switching TTL is a state-compatibility change`)
  }
  if (descriptor._tag === 'MapStateDescriptor' && state.keyCodec !== undefined) {
    const keyCodec = (descriptor as MapStateDescriptor<unknown, unknown>).keyCodec.name
    if (keyCodec !== state.keyCodec) fail(`its map keys were stored by key codec ${state.keyCodec}, the descriptor's is ${keyCodec}: the key codec of a map state cannot change`)
  }
  const stored = state.version ?? 1
  const version = schemaVersion(descriptor)
  if (stored > version) fail(`its values were stored at schema version ${stored}, newer than the descriptor's version ${version}: restore it with the job that wrote it, or one that knows version ${stored}`)
  const migrate = descriptor.schema?.migrate
  if (stored < version && migrate === undefined) {
    fail(`its values were stored at schema version ${stored} and the descriptor has version ${version} without a migrate function: give withSchemaVersion a migrate (stored, fromVersion) => stored`)
  }
  return valueDecoder(descriptor, stored < version ? (value: unknown) => migrate!(value, stored) : undefined)
}

/** @internal A restored entry's key, its id, and a `fail` for its value that says where it is. */
export interface CheckedEntry {
  readonly key: unknown
  readonly id: unknown
  readonly ns: string | number | undefined
  readonly fail: (detail: string) => never
}

/**
 * @internal
 * Checks a restored entry's key and key group (of state or table `name`): a key that does not
 * decode, or is filed under another key group than its own, fails the restore.
 */
export function checkedEntry(info: OperatorInfo, name: string, maxParallelism: number, entry: SnapshotEntry): CheckedEntry {
  const [group, encodedKey, ns] = entry
  const failEntry = (detail: string): never => {
    throw new StateError(info, name, `cannot restore: ${detail}`)
  }
  const key = decodeKey(encodedKey)
  if (key === undefined) failEntry(`the key ${JSON.stringify(encodedKey)} is not a valid key`)
  const id = keyId(key)
  if (keyGroupOfId(id, maxParallelism) !== group) {
    failEntry(`the key ${describeValue(key)} is filed under key group ${group}, but belongs to ${keyGroupOfId(id, maxParallelism)}: the snapshot is corrupt or was hashed differently`)
  }
  const at = `key ${describeValue(key)}${ns === null ? '' : ` in namespace ${String(ns)}`}`
  return { key, id, ns: ns === null ? undefined : ns, fail: detail => failEntry(`the value of ${at} is invalid: ${detail}`) }
}

/**
 * @internal
 * The JSON-ready form of a TTL state's value without what has expired at `now` (cells `{ v, t }`,
 * map entries `[k, v, t]`); `undefined` if nothing is left. A backend that keeps values encoded
 * filters its snapshots with it without decoding them.
 */
export function withoutExpiredEncoded(descriptor: Pick<StateDescriptor, '_tag' | 'ttl'>, encoded: unknown, now: number): unknown {
  const ttl = descriptor.ttl!
  const live = (time: unknown): boolean => typeof time !== 'number' || !isExpired(ttl, time, now)
  switch (descriptor._tag) {
    case 'ListStateDescriptor': {
      const kept = (encoded as { t: unknown }[]).filter(cell => live(cell.t))
      return kept.length === 0 ? undefined : kept
    }
    case 'MapStateDescriptor': {
      const kept = (encoded as unknown[][]).filter(entry => live(entry[2]))
      return kept.length === 0 ? undefined : kept
    }
    default:
      return live((encoded as { t: unknown }).t) ? encoded : undefined
  }
}

/** @internal Two descriptors of one name must describe the same kind of state, both with or both without TTL. */
export function checkCompatible(info: OperatorInfo, registered: StateDescriptor, descriptor: StateDescriptor): void {
  if (registered._tag !== descriptor._tag) {
    throw new StateError(
      info,
      descriptor.name,
      `the name is already used by a ${stateKindName(registered)}, and cannot also name a ${stateKindName(descriptor)}: descriptors are identified by name`
    )
  }
  if ((registered.ttl === undefined) !== (descriptor.ttl === undefined)) {
    throw new StateError(info, descriptor.name, 'two descriptors of this name disagree on having a time to live')
  }
}

/** @internal */
export function kindName(tag: SnapshotState['kind']): string {
  return stateKindName({ _tag: tag, name: '', ttl: undefined })
}

/** @internal The stored form without expired parts (value cells, list elements, map entries). */
export function withoutExpiredStored(descriptor: StateDescriptor, stored: unknown, now: number): unknown {
  const ttl = descriptor.ttl!
  switch (descriptor._tag) {
    case 'ListStateDescriptor': {
      const kept = (stored as TtlValue<unknown>[]).filter(cell => !isExpired(ttl, cell.time, now))
      return kept.length === 0 ? undefined : kept
    }
    case 'MapStateDescriptor': {
      const kept = Array.from((stored as Map<unknown, MapEntry<unknown, unknown>>).values()).filter(entry => !isExpired(ttl, entry.time, now))
      return kept.length === 0 ? undefined : kept
    }
    default:
      return isExpired(ttl, (stored as TtlValue<unknown>).time, now) ? undefined : stored
  }
}

/**
 * `codec`, dropping properties it does not declare when it is a record codec (`t.type`,
 * `t.partial`, intersections of them): a field removed from a record state is dropped on
 * restore, as Flink's POJO serializer drops removed fields. Other codecs are used as they are.
 */
function evolvable(codec: t.Type<unknown, unknown>): t.Type<unknown, unknown> {
  return hasProps(codec) ? (t.exact(codec) as t.Type<unknown, unknown>) : codec
}

function hasProps(codec: t.Mixed): codec is t.HasProps {
  if (codec instanceof t.InterfaceType || codec instanceof t.PartialType || codec instanceof t.StrictType) return true
  if (codec instanceof t.IntersectionType) return (codec.types as t.Mixed[]).every(hasProps)
  if (codec instanceof t.RefinementType || codec instanceof t.ReadonlyType) return hasProps(codec.type as t.Mixed)
  return false
}

interface Codecs {
  readonly codec: t.Type<unknown, unknown>
  readonly keyCodec?: t.Type<unknown, unknown>
}

function codecsOf(descriptor: StateDescriptor): Codecs {
  if (descriptor._tag === 'MapStateDescriptor') {
    const d = descriptor as MapStateDescriptor<unknown, unknown>
    return { codec: d.valueCodec, keyCodec: d.keyCodec }
  }
  return { codec: (descriptor as ValueStateDescriptor<unknown>).codec }
}

/** @internal Stored form → JSON-ready form. TTL cells become `{ v, t }`, map entries `[k, v]` / `[k, v, t]`. */
export function valueEncoder(descriptor: StateDescriptor): (stored: unknown) => unknown {
  const { codec, keyCodec } = codecsOf(descriptor)
  const ttl = descriptor.ttl !== undefined
  const cell = ttl ? (c: unknown) => ({ v: codec.encode((c as TtlValue<unknown>).value), t: (c as TtlValue<unknown>).time }) : (v: unknown) => codec.encode(v)
  switch (descriptor._tag) {
    case 'ListStateDescriptor':
      return stored => (stored as unknown[]).map(cell)
    case 'MapStateDescriptor':
      return stored => {
        const entries = stored instanceof Map ? Array.from((stored as Map<unknown, MapEntry<unknown, unknown>>).values()) : (stored as MapEntry<unknown, unknown>[])
        return entries.map(e => (ttl ? [keyCodec!.encode(e.key), codec.encode(e.value), e.time] : [keyCodec!.encode(e.key), codec.encode(e.value)]))
      }
    default:
      return cell
  }
}

/**
 * @internal
 * JSON-ready form → stored form, validating every value with its codec; values of an older
 * schema version go through `migrate` first. Records drop the fields their codec no longer
 * has (see `evolvable`).
 */
export function valueDecoder(descriptor: StateDescriptor, migrate?: (value: unknown) => unknown): (encoded: unknown, fail: (detail: string) => never) => unknown {
  const { codec: current, keyCodec } = codecsOf(descriptor)
  const codec = evolvable(current)
  const ttl = descriptor.ttl !== undefined
  const decodeWith = (c: t.Type<unknown, unknown>, encoded: unknown, fail: (detail: string) => never): unknown => {
    let value = encoded
    if (migrate !== undefined && c === codec) {
      try {
        value = migrate(encoded)
      } catch (error) {
        return fail(`migrate failed on ${describeValue(encoded)}: ${messageOf(error)}`)
      }
    }
    const result = c.decode(value)
    return result._tag === 'Right' ? result.right : fail(describeErrors(result.left))
  }
  const time = (encoded: unknown, fail: (detail: string) => never): number =>
    typeof encoded === 'number' && Number.isFinite(encoded) ? encoded : fail(`the TTL timestamp ${describeValue(encoded)} is not a finite number`)
  const cell = (encoded: unknown, fail: (detail: string) => never): unknown => {
    if (!ttl) return decodeWith(codec, encoded, fail)
    if (typeof encoded !== 'object' || encoded === null || !('v' in encoded) || !('t' in encoded)) return fail('expected a TTL cell { v, t }')
    return { value: decodeWith(codec, encoded.v, fail), time: time(encoded.t, fail) }
  }
  switch (descriptor._tag) {
    case 'ListStateDescriptor':
      return (encoded, fail) => (Array.isArray(encoded) && encoded.length > 0 ? encoded.map(e => cell(e, fail)) : fail('expected a non-empty list'))
    case 'MapStateDescriptor':
      return (encoded, fail) => {
        if (!Array.isArray(encoded) || encoded.length === 0) return fail('expected a non-empty list of map entries')
        const map = new Map<unknown, MapEntry<unknown, unknown>>()
        for (const e of encoded) {
          if (!Array.isArray(e) || e.length !== (ttl ? 3 : 2)) fail(`expected map entries [key, value${ttl ? ', time' : ''}]`)
          const key = decodeWith(keyCodec!, e[0], fail)
          map.set(mapKeyId(key, keyCodec!), { key, value: decodeWith(codec, e[1], fail), time: ttl ? time(e[2], fail) : 0 })
        }
        return map
      }
    default:
      return cell
  }
}
