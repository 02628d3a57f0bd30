/**
 * Broadcast state (Flink's `BroadcastState`): a map per descriptor, identical in every subtask
 * because every subtask sees every broadcast element. Only the broadcast side may write it;
 * the other side gets a read-only view.
 *
 * @since 0.1.0
 */
import * as t from 'io-ts'
import { messageOf, StateError } from '../core/errors'
import type { OperatorInfo } from '../core/OperatorOptions'
import { describeValue } from '../core/describe'
import { mapKeyId, type MapEntry } from './heapStates'
import { describeErrors } from './snapshotFormat'
import type { MapStateDescriptor } from './StateDescriptor'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The broadcast state as `processElement` sees it: readable, not writable.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const threshold = (rules: ds.ReadOnlyBroadcastState<string, number>, metric: string) => rules.get(metric) ?? Infinity
 *
 * @category state
 * @since 0.1.0
 */
export interface ReadOnlyBroadcastState<UK, UV> {
  get(key: UK): UV | undefined
  contains(key: UK): boolean
  /** The entries, a copy taken now, in insertion order. */
  entries(): Array<[UK, UV]>
  keys(): UK[]
  values(): UV[]
  isEmpty(): boolean
}

/**
 * The broadcast state as `processBroadcastElement` sees it: readable and writable.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const setRule = (rules: ds.BroadcastState<string, number>, metric: string, limit: number) => rules.put(metric, limit)
 *
 * @category state
 * @since 0.1.0
 */
export interface BroadcastState<UK, UV> extends ReadOnlyBroadcastState<UK, UV> {
  put(key: UK, value: UV): void
  putAll(entries: Iterable<readonly [UK, UV]>): void
  remove(key: UK): void
  clear(): void
}

// -------------------------------------------------------------------------------------
// snapshot format
// -------------------------------------------------------------------------------------

const BroadcastStateEntries = /*#__PURE__*/ t.type({ name: t.string, entries: /*#__PURE__*/ t.array(t.unknown) })

/**
 * @internal
 * One operator's broadcast states, JSON-ready: per state, its entries `[key, value]` in
 * insertion order, written by the descriptor's codecs. Every subtask holds the same states, so
 * any subtask's snapshot restores any subtask.
 */
export const BroadcastStateSnapshot = /*#__PURE__*/ t.type({
  format: /*#__PURE__*/ t.literal('rx-datastream/broadcast-state'),
  version: /*#__PURE__*/ t.literal(1),
  states: /*#__PURE__*/ t.array(BroadcastStateEntries)
})

/** @internal */
export type BroadcastStateSnapshot = t.TypeOf<typeof BroadcastStateSnapshot>

// -------------------------------------------------------------------------------------
// heap implementation
// -------------------------------------------------------------------------------------

interface HeapBroadcastState {
  readonly descriptor: MapStateDescriptor<unknown, unknown>
  /** By `mapKeyId`, in insertion order (what `entries()` lists). */
  readonly entries: Map<unknown, MapEntry<unknown, unknown>>
  readonly writable: BroadcastState<unknown, unknown>
  readonly readOnly: ReadOnlyBroadcastState<unknown, unknown>
}

/** @internal The broadcast states of one operator, by descriptor name. */
export class HeapBroadcastStateStore {
  private readonly states = new Map<string, HeapBroadcastState>()
  /** Restored states no descriptor of this operator declares: kept, and written into later snapshots. */
  private readonly undeclared = new Map<string, t.TypeOf<typeof BroadcastStateEntries>>()

  constructor(
    private readonly info: OperatorInfo,
    descriptors: readonly MapStateDescriptor<unknown, unknown>[],
    private readonly validateWrites: boolean
  ) {
    for (const descriptor of descriptors) this.states.set(descriptor.name, this.create(descriptor))
  }

  /** The state of `descriptor`, writable or read-only. */
  get<UK, UV>(descriptor: MapStateDescriptor<UK, UV>, writable: true): BroadcastState<UK, UV>
  get<UK, UV>(descriptor: MapStateDescriptor<UK, UV>, writable: false): ReadOnlyBroadcastState<UK, UV>
  get<UK, UV>(descriptor: MapStateDescriptor<UK, UV>, writable: boolean): ReadOnlyBroadcastState<UK, UV> {
    const name = typeof descriptor === 'object' && descriptor !== null ? descriptor.name : String(descriptor)
    const state = this.states.get(name)
    if (state === undefined) {
      throw new StateError(
        this.info,
        name,
        `not a broadcast state of this operator: pass its descriptor to broadcast(stream, ...descriptors) (declared: ${Array.from(this.states.keys()).join(', ')})`
      )
    }
    return (writable ? state.writable : state.readOnly) as ReadOnlyBroadcastState<UK, UV>
  }

  /**
   * Every broadcast state, its keys and values written by the descriptor's codecs. It is a
   * copy: values later changed in place do not change a snapshot already taken.
   */
  snapshot(): BroadcastStateSnapshot {
    const states: BroadcastStateSnapshot['states'] = []
    for (const { descriptor, entries } of this.states.values()) {
      const { name, keyCodec, valueCodec } = descriptor
      const encoded = Array.from(entries.values(), e => [keyCodec.encode(e.key), valueCodec.encode(e.value)])
      states.push({ name, entries: encoded })
    }
    for (const pending of this.undeclared.values()) states.push(pending)
    const snapshot: BroadcastStateSnapshot = { format: 'rx-datastream/broadcast-state', version: 1, states }
    try {
      return structuredClone(snapshot)
    } catch (error) {
      throw new StateError(this.info, '*', `cannot snapshot broadcast state: it is not plain data (${messageOf(error)})`, { cause: error })
    }
  }

  /**
   * Replaces every broadcast state by the snapshot's, each entry decoded and checked by its
   * descriptor's codecs: an entry they reject is a `StateError` naming the state and the entry,
   * and leaves the states as they were.
   */
  restore(snapshot: unknown): void {
    const decoded = BroadcastStateSnapshot.decode(snapshot)
    if (decoded._tag === 'Left') {
      throw new StateError(this.info, '*', `cannot restore: not a broadcast-state snapshot of this version: ${describeErrors(decoded.left)}`)
    }
    const restored = new Map<HeapBroadcastState, Map<unknown, MapEntry<unknown, unknown>>>()
    const undeclared = new Map<string, t.TypeOf<typeof BroadcastStateEntries>>()
    for (const entries of decoded.right.states) {
      const state = this.states.get(entries.name)
      if (state === undefined) undeclared.set(entries.name, structuredClone(entries))
      else restored.set(state, this.decodeEntries(state.descriptor, entries.entries))
    }
    for (const state of this.states.values()) {
      state.entries.clear()
      for (const [id, entry] of restored.get(state) ?? []) state.entries.set(id, entry)
    }
    this.undeclared.clear()
    for (const [name, entries] of undeclared) this.undeclared.set(name, entries)
  }

  private decodeEntries({ name, keyCodec, valueCodec }: MapStateDescriptor<unknown, unknown>, encoded: readonly unknown[]): Map<unknown, MapEntry<unknown, unknown>> {
    const entries = new Map<unknown, MapEntry<unknown, unknown>>()
    encoded.forEach((entry, i) => {
      const fail = (detail: string): never => {
        throw new StateError(this.info, name, `cannot restore broadcast state: entry ${i} (${describeValue(entry)}): ${detail}`)
      }
      if (!Array.isArray(entry) || entry.length !== 2) return fail('expected a [key, value] pair')
      const key = keyCodec.decode(entry[0])
      if (key._tag === 'Left') return fail(`the key is not a valid ${keyCodec.name}: ${describeErrors(key.left)}`)
      const value = valueCodec.decode(entry[1])
      if (value._tag === 'Left') return fail(`the value is not a valid ${valueCodec.name}: ${describeErrors(value.left)}`)
      entries.set(mapKeyId(key.right, keyCodec), { key: key.right, value: value.right, time: 0 })
    })
    return entries
  }

  private create(descriptor: MapStateDescriptor<unknown, unknown>): HeapBroadcastState {
    const entries = new Map<unknown, MapEntry<unknown, unknown>>()
    const { keyCodec, valueCodec, name } = descriptor
    const check = (codec: { is(u: unknown): boolean; name: string }, value: unknown, what: string): void => {
      if (this.validateWrites && !codec.is(value)) throw new StateError(this.info, name, `${describeValue(value)} is not a valid ${what} (${codec.name})`)
    }
    const put = (key: unknown, value: unknown): void => {
      check(keyCodec, key, 'map key')
      check(valueCodec, value, 'map value')
      entries.set(mapKeyId(key, keyCodec), { key, value, time: 0 })
    }
    const readOnly: ReadOnlyBroadcastState<unknown, unknown> = {
      get: key => entries.get(mapKeyId(key, keyCodec))?.value,
      contains: key => entries.has(mapKeyId(key, keyCodec)),
      entries: () => Array.from(entries.values(), e => [e.key, e.value]),
      keys: () => Array.from(entries.values(), e => e.key),
      values: () => Array.from(entries.values(), e => e.value),
      isEmpty: () => entries.size === 0
    }
    const writable: BroadcastState<unknown, unknown> = {
      ...readOnly,
      put,
      putAll: pairs => {
        for (const [key, value] of pairs) put(key, value)
      },
      remove: key => void entries.delete(mapKeyId(key, keyCodec)),
      clear: () => entries.clear()
    }
    // The view handed to processElement and onTimer: writes are refused loudly, even from untyped code.
    const refuse = (method: string) => (): never => {
      throw new StateError(
        this.info,
        name,
        `broadcast state is read-only outside processBroadcastElement (${method} called): only broadcast elements reach every subtask, so only they may write it and every subtask holds the same state`
      )
    }
    const guarded = Object.assign({}, readOnly, { put: refuse('put'), putAll: refuse('putAll'), remove: refuse('remove'), clear: refuse('clear') })
    return { descriptor, entries, writable, readOnly: guarded }
  }
}
