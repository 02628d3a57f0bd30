/**
 * Operator (non-keyed) state, as Flink's `OperatorStateStore` with its `CheckpointedFunction`
 * pair: a non-keyed function declares list states in `initializeState` (reading what a restore
 * brought back) and writes into them in `snapshotState`, which the operator calls when a
 * checkpoint barrier passes it.
 *
 * - List state (`getListState`): on restore with another parallelism, all subtasks' lists are
 *   concatenated and split evenly (round robin) across the new subtasks.
 * - Union list state (`getUnionListState`): every subtask receives the union of all lists.
 *
 * @since 0.1.0
 */
import * as t from 'io-ts'
import { StateError } from '../core/errors'
import type { OperatorInfo } from '../core/OperatorOptions'
import { describeValue } from '../core/describe'
import type { ListState } from './State'
import type { ListStateDescriptor } from './StateDescriptor'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Where a non-keyed function gets its operator state.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const offsets = ds.listState('offsets', t.number)
 * const init = (ctx: ds.FunctionInitializationContext) => ctx.getOperatorStateStore().getListState(offsets)
 *
 * @category state
 * @since 0.1.0
 */
export interface OperatorStateStore {
  /** A list redistributed evenly when parallelism changes. */
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>
  /** A list every subtask receives whole (the union of all subtasks' lists) on restore. */
  getUnionListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>
}

/**
 * What `initializeState` receives.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const fresh = (ctx: ds.FunctionInitializationContext) => !ctx.isRestored()
 *
 * @category state
 * @since 0.1.0
 */
export interface FunctionInitializationContext {
  /** Whether state was restored from a snapshot (the lists hold what was saved). */
  isRestored(): boolean
  getOperatorStateStore(): OperatorStateStore
}

/**
 * What `snapshotState` receives: the checkpoint being taken.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const label = (ctx: ds.FunctionSnapshotContext) => `checkpoint ${ctx.checkpointId}`
 *
 * @category state
 * @since 0.1.0
 */
export interface FunctionSnapshotContext {
  readonly checkpointId: number
  /** Processing time at which the checkpoint was triggered. */
  readonly checkpointTimestamp: number
}

/**
 * A function with operator state (Flink's `CheckpointedFunction`): `initializeState` once per
 * subscription before `open`, `snapshotState` at each checkpoint barrier, before the barrier
 * is forwarded.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const bufferedState = ds.listState('buffered', t.string)
 * const buffering = (): ds.ProcessFunction<string, string[]> & ds.CheckpointedFunction => {
 *   let buffer: string[] = []
 *   let saved: ds.ListState<string> | undefined
 *   return {
 *     initializeState: ctx => {
 *       saved = ctx.getOperatorStateStore().getListState(bufferedState)
 *       buffer = [...saved.get()]
 *     },
 *     snapshotState: () => saved!.update(buffer),
 *     processElement: (v, _ctx, out) => {
 *       buffer.push(v)
 *       if (buffer.length === 10) { out.collect(buffer); buffer = [] }
 *     }
 *   }
 * }
 *
 * @category state
 * @since 0.1.0
 */
export interface CheckpointedFunction {
  initializeState(ctx: FunctionInitializationContext): void
  snapshotState(ctx: FunctionSnapshotContext): void
}

/** @internal How a list is redistributed on restore. */
type Distribution = 'split' | 'union'

const OperatorListSnapshot = /*#__PURE__*/ t.type({ name: t.string, distribution: /*#__PURE__*/ t.keyof({ split: null, union: null }), elements: /*#__PURE__*/ t.array(t.unknown) })

/** @internal One subtask's operator state, JSON-ready. */
export const OperatorStateSnapshot = /*#__PURE__*/ t.type({
  format: /*#__PURE__*/ t.literal('rx-datastream/operator-state'),
  version: /*#__PURE__*/ t.literal(1),
  lists: /*#__PURE__*/ t.array(OperatorListSnapshot)
})

/** @internal */
export type OperatorStateSnapshot = t.TypeOf<typeof OperatorStateSnapshot>

// -------------------------------------------------------------------------------------
// store
// -------------------------------------------------------------------------------------

interface RegisteredList {
  readonly descriptor: ListStateDescriptor<unknown>
  readonly distribution: Distribution
  elements: unknown[]
  readonly state: ListState<unknown>
}

/** @internal The heap operator-state store of one operator (one subtask). */
export class HeapOperatorStateStore implements OperatorStateStore {
  private readonly lists = new Map<string, RegisteredList>()
  /** Restored lists not declared yet, by name: decoded when declared. */
  private readonly restored = new Map<string, t.TypeOf<typeof OperatorListSnapshot>>()
  private wasRestored = false

  constructor(
    private readonly info: OperatorInfo,
    private readonly validateWrites: boolean
  ) {}

  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.list(descriptor, 'split')
  }

  getUnionListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.list(descriptor, 'union')
  }

  /** The context `initializeState` receives. */
  initializationContext(): FunctionInitializationContext {
    return { isRestored: () => this.wasRestored, getOperatorStateStore: () => this }
  }

  /** Every list, written by its codec: a copy, which later writes (or in-place changes) leave as it is. */
  snapshot(): OperatorStateSnapshot {
    const lists: OperatorStateSnapshot['lists'] = []
    for (const { descriptor, distribution, elements } of this.lists.values()) {
      lists.push({ name: descriptor.name, distribution, elements: elements.map(e => descriptor.codec.encode(e)) })
    }
    for (const pending of this.restored.values()) lists.push(pending)
    return structuredClone({ format: 'rx-datastream/operator-state', version: 1, lists })
  }

  /** Takes a (redistributed) snapshot; lists are decoded and validated as they are declared. */
  restore(snapshot: unknown): void {
    const decoded = OperatorStateSnapshot.decode(snapshot)
    if (decoded._tag === 'Left') throw new StateError(this.info, '*', 'the snapshot is not an operator-state snapshot of this version')
    this.restored.clear()
    // A copy: the restored lists must not share objects with a snapshot that may be restored again.
    for (const list of decoded.right.lists) this.restored.set(list.name, structuredClone(list))
    for (const registered of this.lists.values()) registered.elements = this.takeRestored(registered.descriptor, registered.distribution)
    this.wasRestored = true
  }

  private list<T>(descriptor: ListStateDescriptor<T>, distribution: Distribution): ListState<T> {
    if (typeof descriptor !== 'object' || descriptor === null || descriptor._tag !== 'ListStateDescriptor') {
      const name = (descriptor as { name?: unknown } | null)?.name
      throw new StateError(this.info, typeof name === 'string' ? name : describeValue(descriptor), 'operator state is list state: pass a descriptor built by listState')
    }
    if (descriptor.ttl !== undefined) throw new StateError(this.info, descriptor.name, 'operator state has no time to live (TTL is for keyed state)')
    const existing = this.lists.get(descriptor.name)
    if (existing !== undefined) {
      if (existing.distribution !== distribution) {
        throw new StateError(this.info, descriptor.name, `already declared as ${existing.distribution === 'union' ? 'union ' : ''}list state, cannot also be ${distribution === 'union' ? 'union ' : ''}list state`)
      }
      return existing.state as ListState<T>
    }
    const registered: RegisteredList = {
      descriptor: descriptor as ListStateDescriptor<unknown>,
      distribution,
      elements: this.takeRestored(descriptor as ListStateDescriptor<unknown>, distribution),
      state: undefined as unknown as ListState<unknown>
    }
    ;(registered as { state: ListState<unknown> }).state = this.listView(registered)
    this.lists.set(descriptor.name, registered)
    return registered.state as ListState<T>
  }

  private takeRestored(descriptor: ListStateDescriptor<unknown>, distribution: Distribution): unknown[] {
    const restored = this.restored.get(descriptor.name)
    if (restored === undefined) return []
    this.restored.delete(descriptor.name)
    if (restored.distribution !== distribution) {
      throw new StateError(this.info, descriptor.name, `cannot restore: the snapshot holds ${restored.distribution === 'union' ? 'union ' : ''}list state`)
    }
    return restored.elements.map((encoded, i) => {
      const result = descriptor.codec.decode(encoded)
      if (result._tag === 'Left') {
        throw new StateError(this.info, descriptor.name, `cannot restore: element ${i} (${describeValue(encoded)}) is not a valid ${descriptor.codec.name}`)
      }
      return result.right
    })
  }

  private listView(registered: RegisteredList): ListState<unknown> {
    const { descriptor } = registered
    const check = (value: unknown): void => {
      if (this.validateWrites && !descriptor.codec.is(value)) {
        throw new StateError(this.info, descriptor.name, `${describeValue(value)} is not a valid list element (${descriptor.codec.name})`)
      }
    }
    const elementsOf = (values: Iterable<unknown>): unknown[] => {
      if (values === null || values === undefined || typeof (values as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
        throw new StateError(this.info, descriptor.name, `addAll/update need an iterable of elements, got ${describeValue(values)}`)
      }
      const elements = Array.from(values)
      elements.forEach(check)
      return elements
    }
    return {
      get: () => registered.elements.slice(),
      add: value => {
        check(value)
        registered.elements.push(value)
      },
      addAll: values => void registered.elements.push(...elementsOf(values)),
      update: values => void (registered.elements = elementsOf(values)),
      clear: () => void (registered.elements = [])
    }
  }
}

// -------------------------------------------------------------------------------------
// redistribution
// -------------------------------------------------------------------------------------

/**
 * @internal
 * Redistributes the snapshots of `snapshots.length` subtasks to `parallelism` subtasks:
 * list state concatenated and dealt round robin, union list state whole to every subtask.
 * Throws a `RangeError` unless `parallelism` is a positive integer, and a `StateError` (of
 * `info`'s operator) when two snapshots hold one name with different distributions.
 */
export function redistributeOperatorState(
  snapshots: readonly OperatorStateSnapshot[],
  parallelism: number,
  info: OperatorInfo = { kind: 'redistributeOperatorState', name: 'redistributeOperatorState', uid: undefined }
): OperatorStateSnapshot[] {
  if (!Number.isSafeInteger(parallelism) || parallelism < 1) {
    throw new RangeError(`redistributeOperatorState: parallelism must be a positive integer, got ${describeValue(parallelism)}`)
  }
  const names = new Map<string, Distribution>()
  for (const snapshot of snapshots) {
    for (const list of snapshot.lists) {
      const seen = names.get(list.name)
      if (seen !== undefined && seen !== list.distribution) {
        throw new StateError(info, list.name, `cannot redistribute: ${kindOf(seen)} in one snapshot and ${kindOf(list.distribution)} in another`)
      }
      names.set(list.name, list.distribution)
    }
  }
  const result: OperatorStateSnapshot[] = Array.from({ length: parallelism }, () => ({ format: 'rx-datastream/operator-state', version: 1, lists: [] }))
  for (const [name, distribution] of names) {
    const all = snapshots.flatMap(s => s.lists.filter(l => l.name === name).flatMap(l => l.elements))
    result.forEach((subtask, i) =>
      subtask.lists.push({ name, distribution, elements: distribution === 'union' ? all.slice() : all.filter((_, j) => j % parallelism === i) })
    )
  }
  return result
}

function kindOf(distribution: Distribution): string {
  return distribution === 'union' ? 'union list state' : 'list state'
}
