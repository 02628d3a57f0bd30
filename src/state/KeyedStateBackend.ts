/**
 * @internal
 * What a keyed operator asks of its keyed-state backend (Flink's `KeyedStateBackend`): one
 * current key, state by descriptor (per key, or per key and namespace: a window), the
 * operator's own tables, every key of a state, and snapshots by key group. The heap backend
 * (`HeapKeyedStateBackend`) is the default; `rx-datastream/node` has one on disk (LMDB). Which
 * one an operator gets is a `StateBackend` (see `StateBackend.ts`).
 */
import type { OperatorInfo } from '../core/OperatorOptions'
import type { InternalKvState } from './heapStates'
import type { KeyContext } from './KeyContext'
import type { DeferredJson } from './DeferredJson'
import type { ChunkReader, ChunkSink } from './chunks'
import type { KeyedStateSnapshot } from './snapshotFormat'
import type { MergingStateDescriptor, StateDescriptor, StateOf } from './StateDescriptor'
import type { OperatorTable } from './OperatorTable'
import type { TimerQueue, TimerQueueOptions } from '../core/TimerQueue'

/**
 * @internal
 * How an operator's own table (window contents, panes, join buffers) goes into a snapshot:
 * its values as JSON-ready data and back. `encode` throws a `StateError` for a value it cannot
 * represent; `decode` calls `fail` with what is wrong.
 */
export interface TableCodec<S> {
  encode(value: S): unknown
  /** `key` is the entry's key (current in the backend meanwhile). */
  decode(encoded: unknown, fail: (detail: string) => never, key: unknown): S
  /**
   * Decodes what `encode` wrote to a backend's working state (a store on disk reading back a
   * value it evicted), when that must differ from a restore's `decode`: a restore may also
   * register what the snapshot holds (a custom assigner's window numbers), which a read-back
   * must not do again. Default: `decode`.
   */
  readonly load?: (encoded: unknown, fail: (detail: string) => never, key: unknown) => S
}

/** @internal How an operator's own table is kept. */
export interface InternalTableOptions {
  /**
   * Snapshots of the table are written in steps after the barrier (copy-on-write): the
   * operator promises that it changes a value in place only after reading it through the table
   * or announcing it (`StateTable.willChange`). Default false: written at the barrier.
   */
  readonly copyOnWrite?: boolean
  /**
   * The operator keeps references to the table's values across records (and changes them in
   * place after `willChange`, or compares them by identity): a backend that evicts values to
   * a store pins them instead, so that a key keeps one object, and they cannot leave memory.
   * False: the operator reaches a value only through the table, within one record or timer, or
   * holds it only where the table says values stay (`OperatorTable.valuesStay`), so an evicted
   * value can leave memory. Default false: none of the library's operators holds values of a
   * table that does not keep them in memory.
   */
  readonly keepsReferences?: boolean
  /**
   * A field of the values' encoded form that holds a list added to item by item (window
   * contents): a backend with a store may keep its items apart, one entry each, and then offers
   * `OperatorTable.elements` for them. Only for a table whose values are in numeric namespaces
   * (not the void one) and that does not keep references. Default none.
   */
  readonly elementsField?: string
}

/** @internal What a backend is made with, per operator. */
export interface KeyedStateBackendOptions {
  readonly info: OperatorInfo
  /** Processing time (TTL's clock). */
  readonly now: () => number
  readonly maxParallelism?: number
  /** Check written values against their codecs. Default: `validatesStateWrites()` (NODE_ENV, or `setStateValidation`). */
  readonly validateWrites?: boolean
}

/**
 * @internal
 * What a snapshot is taken for, as the keyed base hands it to its backend at the barrier. A
 * backend that keeps track of what changed (the LMDB one) may write a checkpoint as an
 * increment on `incrementalBase`; every other snapshot is full.
 */
export interface KeyedSnapshotOptions {
  readonly checkpointId: number
  /** A savepoint is always full (absent: a checkpoint). */
  readonly kind?: 'checkpoint' | 'savepoint'
  /** The newest completed checkpoint of this run, which an increment may be written on; absent: write it full. */
  readonly incrementalBase?: number | undefined
  /**
   * Called by a backend that wrote an increment, with every checkpoint its chain needs on
   * restore (its full one and the increments up to the base): the checkpoint lists them.
   */
  readonly needs?: (checkpointIds: readonly number[]) => void
  /**
   * Where a backend may hand its entries in chunks as it writes them (`chunks.ts`), when the
   * checkpoint's store keeps chunks: a state larger than memory is never one text.
   */
  readonly chunks?: ChunkSink | undefined
}

/** @internal */
export interface KeyedStateBackend<K> {
  /** The current key, its id and key group, and whether a key is current at all. */
  readonly keys: KeyContext<K>
  /** The state `descriptor` describes, scoped to the current key (Flink's `getPartitionedState`). */
  getState<D extends StateDescriptor>(descriptor: D): StateOf<D> & InternalKvState
  /** The same state in `namespace` (a window) of the current key. */
  getNamespacedState<D extends StateDescriptor>(descriptor: D, namespace: string | number): StateOf<D> & InternalKvState
  /** Removes the current key's values in `namespace` from every descriptor state. */
  clearNamespace(namespace: string | number): void
  /**
   * Combines the current key's values of `descriptor` (reducing, aggregating or list state) in
   * `sources` into `target`, removing them: windows merging (Flink's `mergeNamespaces`).
   */
  mergeNamespaces(descriptor: MergingStateDescriptor, target: string | number, sources: readonly (string | number)[]): void
  /**
   * The tables of the last restored snapshot that no `internalTable` call has taken: an
   * operator makes its tables when it is built, so after its restore any left are another
   * operator's state.
   */
  unclaimedTables(): string[]
  /** A table for the operator's own keyed bookkeeping, written into snapshots through `codec`. */
  internalTable<S>(name: string, codec: TableCodec<S>, options?: InternalTableOptions): OperatorTable<K, S>
  /** `fn` for every key with a value in `descriptor`'s state, that key current (Flink's `applyToAllKeys`). */
  applyToAllKeys<D extends StateDescriptor>(descriptor: D, fn: (key: K, state: StateOf<D>) => void): void
  /** Every state, as plain JSON data filed by key group (a copy). */
  snapshot(): KeyedStateSnapshot
  /**
   * The same as of now, as JSON text written in steps afterwards (see `DeferredJson`); at a
   * barrier, `options` say for what (a backend may then write an increment, see `incremental.ts`).
   */
  snapshotDeferred(options?: KeyedSnapshotOptions): DeferredJson
  /**
   * Work a snapshot would do at the barrier, done before it until `deadline` (real ms): the
   * LMDB backend writes its changed cached values to the store. True once what is left is small
   * (the barrier's share is bounded); a backend without it does nothing before the barrier.
   */
  prepareSnapshot?(deadline: number): boolean
  /** Checkpoint `checkpointId` (or a savepoint) is stored whole: a backend writing increments may forget what it covers. */
  notifyCheckpointComplete?(checkpointId: number): void
  /** Replaces all state by a snapshot's, checking it as it goes; a chunked one's chunks read through `chunks`. */
  restore(snapshot: unknown, chunks?: ChunkReader): void
  /**
   * Makes the queue of one time domain's timers of the operator, for a backend that keeps them
   * itself (Flink's `PriorityQueueSetFactory`: the LMDB backend keeps them in its store). A
   * backend without it leaves them to the timer service's heap. `restore` and `dispose` clear
   * the queues it made.
   */
  createTimerQueue?<TK, N>(options: TimerQueueOptions<N>): TimerQueue<TK, N>
  /**
   * The timer part of the snapshot `snapshotDeferred` has just begun, when the backend writes it
   * as an increment on the same base as its keyed part (the timers of the queues it made,
   * `timerIncrements.ts`); `undefined`: the operator lists its timers in full.
   */
  snapshotTimerIncrement?(): DeferredJson | undefined
  /** Drops all state and releases what holds it (files, handles); the backend is not used again. */
  dispose(): void
}
