/**
 * @internal
 * The timers of one time domain as the timer service sees them (Flink's
 * `KeyGroupedInternalPriorityQueue` of timers, made by a `PriorityQueueSetFactory`): a set
 * (a timer is identified by key, namespace and time, so registering one twice keeps one) in
 * firing order (earliest time first, ties in registration order).
 *
 * The heap's (`HeapTimerQueue`) is the default and the fast one; a keyed-state backend may
 * make its own, e.g. the LMDB backend's, which keeps the timers in its store with the earliest
 * of them in memory. Either way the service's semantics are one code (`TimerService.ts`).
 */
import type { InternalTimer, TimeDomain } from './TimerService'

/**
 * @internal
 * The timers pending at a snapshot's barrier, as the queue can give them without stopping the
 * job for long: listed now and sorted afterwards (the heap), or read in firing order from a
 * view of that moment (a store), one at a time as the snapshot is written.
 */
export type PendingTimers<K, N> =
  | {
      readonly _tag: 'Unordered'
      readonly timers: InternalTimer<K, N>[]
      readonly compare: (a: InternalTimer<K, N>, b: InternalTimer<K, N>) => number
    }
  | {
      readonly _tag: 'Ordered'
      /** Unchanged by what happens after the barrier; `return()` releases the view early. */
      readonly timers: Iterator<InternalTimer<K, N>, undefined>
    }

/** @internal The timers of one domain (see the module's comment). */
export interface TimerQueue<K, N> {
  /** How many timers are pending (exact). */
  readonly size: number
  /**
   * Registers the timer; false (and nothing changes) if it is already registered.
   * `namespaceId` is the namespace as a `Map` key (the service's `namespaceId` option).
   */
  add(key: K, namespace: N, namespaceId: unknown, timestamp: number): boolean
  /** Removes the timer; false if it is not registered. */
  remove(key: K, namespace: N, namespaceId: unknown, timestamp: number): boolean
  /** The earliest timer, left in place. */
  head(): InternalTimer<K, N> | undefined
  /** Removes `timer`, which `head()` has just returned (nothing changed the queue since). */
  take(timer: InternalTimer<K, N>): void
  /**
   * The timers pending now, in firing order: later changes to the queue do not show in what
   * it yields. Read lazily (a store's queue does not list them all in memory).
   */
  pending(): Iterable<InternalTimer<K, N>>
  /** The timers pending now, for a snapshot (see {@link PendingTimers}). */
  snapshot(): PendingTimers<K, N>
}

/**
 * @internal
 * How a timer namespace goes into a snapshot (windows: their number; none: `null`), and into a
 * store that keeps timers: its JSON text is its identity there, as `namespaceId` is on the heap.
 */
export interface NamespaceCodec<N> {
  encode(namespace: N): unknown
  /** Back from `encode`; `fail` when `encoded` is not a namespace. */
  decode(encoded: unknown, fail: (detail: string) => never): N
}

/**
 * @internal
 * What a keyed-state backend that keeps timers itself makes them with (Flink's
 * `PriorityQueueSetFactory`): one queue per time domain of an operator.
 */
export interface TimerQueueOptions<N> {
  readonly domain: TimeDomain
  readonly namespaceCodec: NamespaceCodec<N>
}
