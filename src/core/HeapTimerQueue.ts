/**
 * @internal
 * The heap's timer queue (the default {@link TimerQueue}): a map from key to its timers, for
 * identity and exact counts, and a binary heap for order. What every keyed operator's timers
 * stand on unless its backend keeps them (the LMDB backend does), so it is the fast path:
 * registering is O(log n) and allocates one object, deleting is O(1) (the deleted timer is
 * skipped when it reaches the head), counts are exact.
 */
import { type KeyMap, roomFor, SHARD_CAPACITY } from './ShardedMap'
import { NumericPriorityQueue } from './PriorityQueue'
import { keyId } from './Key'
import type { InternalTimer, TimeDomain } from './TimerService'
import type { PendingTimers, TimerQueue } from './TimerQueue'

/**
 * A registered timer: the timer a callback receives (it is one, so registering allocates one
 * object) and its bookkeeping.
 */
class Entry<K, N> implements InternalTimer<K, N> {
  /** False once deleted or fired: the heap drops such entries lazily. */
  live = true

  constructor(
    readonly key: K,
    readonly namespace: N,
    readonly timestamp: number,
    readonly domain: TimeDomain,
    readonly keyId: unknown,
    readonly namespaceId: unknown,
    /** Registration order, to break ties between timers at the same time. */
    readonly seq: number
  ) {}
}

/**
 * The timers of a key with more than one: by namespace id, then (for a namespace with more than
 * one) by time. Plain `Map` keys (SameValueZero, objects by identity), so no id is built per
 * call: windows register per record.
 */
class KeyTimers<K, N> {
  private readonly byNamespace = new Map<unknown, Entry<K, N> | Map<number, Entry<K, N>>>()
  size = 0

  get(namespaceId: unknown, timestamp: number): Entry<K, N> | undefined {
    const found = this.byNamespace.get(namespaceId)
    if (found === undefined || found instanceof Map) return found?.get(timestamp)
    return found.timestamp === timestamp ? found : undefined
  }

  /** Files `entry`, which is not filed yet. */
  add(entry: Entry<K, N>): void {
    const found = this.byNamespace.get(entry.namespaceId)
    if (found === undefined) this.byNamespace.set(entry.namespaceId, entry)
    else if (found instanceof Map) found.set(entry.timestamp, entry)
    else
      this.byNamespace.set(
        entry.namespaceId,
        new Map([
          [found.timestamp, found],
          [entry.timestamp, entry]
        ])
      )
    this.size++
  }

  /** Unfiles the timer at (namespaceId, timestamp); returns it, or `undefined` if none. */
  delete(namespaceId: unknown, timestamp: number): Entry<K, N> | undefined {
    const found = this.byNamespace.get(namespaceId)
    if (found === undefined) return undefined
    let entry: Entry<K, N> | undefined
    if (found instanceof Map) {
      entry = found.get(timestamp)
      if (entry === undefined) return undefined
      found.delete(timestamp)
      if (found.size === 1) this.byNamespace.set(namespaceId, found.values().next().value!)
    } else {
      if (found.timestamp !== timestamp) return undefined
      entry = found
      this.byNamespace.delete(namespaceId)
    }
    this.size--
    return entry
  }

  /** The one timer left (when `size` is 1). */
  only(): Entry<K, N> {
    const found = this.byNamespace.values().next().value!
    return found instanceof Map ? found.values().next().value! : found
  }

  *entries(): Generator<Entry<K, N>> {
    for (const found of this.byNamespace.values()) {
      if (found instanceof Map) yield* found.values()
      else yield found
    }
  }
}

/** A key's timers: most keys have one, held as is. */
type Slot<K, N> = Entry<K, N> | KeyTimers<K, N>

/** Below this many dead entries the heap is never compacted: not worth the O(n). */
const MIN_COMPACTION = 1024

/**
 * @internal
 * The timers of one domain: a map from key to its timers, for identity and exact counts, and
 * a heap for order. Looking up by key first (not by one string for key, namespace and time)
 * spares building and hashing a string on every register, which windows do per record.
 */
export class HeapTimerQueue<K, N> implements TimerQueue<K, N> {
  /** A `Map` until it holds 2^23 keys, then a `ShardedMap` (V8's `Map` holds at most 2^24). */
  private byKey: KeyMap<unknown, Slot<K, N>> = new Map<unknown, Slot<K, N>>()
  private readonly heap = new NumericPriorityQueue<Entry<K, N>>()
  private count = 0
  private nextSeq = 0

  constructor(
    private readonly domain: TimeDomain,
    /** Keys per `Map` before the queue moves to a `ShardedMap` (smaller in specs). */
    private readonly shardCapacity = SHARD_CAPACITY
  ) {}

  get size(): number {
    return this.count
  }

  /** False if the timer is already registered. */
  add(key: K, namespace: N, namespaceId: unknown, timestamp: number): boolean {
    const kid = keyId(key)
    const slot = this.byKey.get(kid)
    // The duplicate check comes first: windows re-register their timers on every record.
    if (slot !== undefined && (slot instanceof KeyTimers ? slot.get(namespaceId, timestamp) !== undefined : isTimer(slot, namespaceId, timestamp))) {
      return false
    }
    const entry = new Entry(key, namespace, timestamp, this.domain, kid, namespaceId, this.nextSeq++)
    if (slot === undefined) {
      if (this.byKey.size >= this.shardCapacity) this.byKey = roomFor(this.byKey, this.shardCapacity)
      this.byKey.set(kid, entry)
    } else if (slot instanceof KeyTimers) {
      slot.add(entry)
    } else {
      const timers = new KeyTimers<K, N>()
      timers.add(slot)
      timers.add(entry)
      this.byKey.set(kid, timers)
    }
    this.count++
    this.heap.push(timestamp, entry.seq, entry)
    return true
  }

  /** False if no such timer is registered. */
  remove(key: K, _namespace: N, namespaceId: unknown, timestamp: number): boolean {
    const entry = this.unfile(keyId(key), namespaceId, timestamp)
    if (entry === undefined) return false
    entry.live = false
    this.count--
    // Deleting never pops, so bound the dead weight: once dead entries outnumber live ones,
    // rebuilding costs O(n), paid for by the n deletions before it.
    const dead = this.heap.size - this.count
    if (dead > MIN_COMPACTION && dead > this.count) this.heap.retain(isLive)
    return true
  }

  /** The earliest live timer, left in place. */
  head(): Entry<K, N> | undefined {
    const heap = this.heap
    for (;;) {
      const entry = heap.peek()
      if (entry === undefined || entry.live) return entry
      heap.pop()
    }
  }

  /** Removes `entry`, which `head()` just returned. */
  take(entry: Entry<K, N>): void {
    this.heap.pop()
    entry.live = false
    this.count--
    this.unfile(entry.keyId, entry.namespaceId, entry.timestamp)
  }

  /** A sorted copy: the timers as plain objects, which later changes do not touch. */
  pending(): InternalTimer<K, N>[] {
    return this.unordered()
      .sort(inFiringOrder)
      .map(({ key, namespace, timestamp, domain }) => ({ key, namespace, timestamp, domain }))
  }

  /** Listed at the barrier (a timer never changes; the set does), sorted by the snapshot after. */
  snapshot(): PendingTimers<K, N> {
    return { _tag: 'Unordered', timers: this.unordered(), compare: inFiringOrder as (a: InternalTimer<K, N>, b: InternalTimer<K, N>) => number }
  }

  /** Every pending timer, in no particular order (`inFiringOrder` sorts them). */
  unordered(): Entry<K, N>[] {
    const entries: Entry<K, N>[] = []
    for (const slot of this.byKey.values()) {
      if (slot instanceof KeyTimers) for (const entry of slot.entries()) entries.push(entry)
      else entries.push(slot)
    }
    return entries
  }

  /** Takes the timer out of its key's slot (a key back to one timer holds it as is again). */
  private unfile(kid: unknown, namespaceId: unknown, timestamp: number): Entry<K, N> | undefined {
    const slot = this.byKey.get(kid)
    if (slot === undefined) return undefined
    if (!(slot instanceof KeyTimers)) {
      if (!isTimer(slot, namespaceId, timestamp)) return undefined
      this.byKey.delete(kid)
      return slot
    }
    const entry = slot.delete(namespaceId, timestamp)
    if (entry !== undefined && slot.size <= 1) {
      if (slot.size === 0) this.byKey.delete(kid)
      else this.byKey.set(kid, slot.only())
    }
    return entry
  }
}

/** Whether `entry` is the timer at (namespaceId, timestamp), by `Map` key equality. */
function isTimer<K, N>(entry: Entry<K, N>, namespaceId: unknown, timestamp: number): boolean {
  const other = entry.namespaceId
  // SameValueZero, as a Map compares keys: NaN equals NaN.
  return entry.timestamp === timestamp && (other === namespaceId || (other !== other && namespaceId !== namespaceId))
}

/** Earliest first; timers of the same time in the order they were registered. */
function inFiringOrder<K, N>(a: Entry<K, N>, b: Entry<K, N>): number {
  return a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.seq - b.seq
}

function isLive<K, N>(entry: Entry<K, N>): boolean {
  return entry.live
}
