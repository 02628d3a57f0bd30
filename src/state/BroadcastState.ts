/**
 * Broadcast state (Flink's `BroadcastState`): a map per descriptor, identical in every subtask
 * because every subtask sees every broadcast element. Only the broadcast side may write it;
 * the other side gets a read-only view.
 *
 * @since 0.1.0
 */
import { StateError } from '../errors'
import type { OperatorInfo } from '../OperatorOptions'
import { describeValue } from '../internal/describe'
import { mapKeyId, type MapEntry } from './heapStates'
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
// heap implementation
// -------------------------------------------------------------------------------------

/** @internal The broadcast states of one operator, by descriptor name. */
export class HeapBroadcastStateStore {
  private readonly states = new Map<string, { readonly writable: BroadcastState<unknown, unknown>; readonly readOnly: ReadOnlyBroadcastState<unknown, unknown> }>()

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

  private create(descriptor: MapStateDescriptor<unknown, unknown>): { writable: BroadcastState<unknown, unknown>; readOnly: ReadOnlyBroadcastState<unknown, unknown> } {
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
    return { writable, readOnly: guarded }
  }
}
