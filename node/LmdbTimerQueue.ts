/**
 * @internal
 * The timers of one time domain of an operator on the LMDB backend, in its store (Flink's
 * `RocksDBCachingPriorityQueueSet`): every timer in two ranges of the store (its order and its
 * index, see `timerKeys.ts`), and the earliest of them in memory, so that the timers of an
 * operator may outnumber what the heap holds.
 *
 * - The head cache holds up to `cacheSize` timers, always the earliest ones: a timer earlier
 *   than the latest cached goes in (the latest then drops out if the cache is full), a later
 *   one only to the store. Once the cache is empty and timers are left, it is filled again by
 *   reading the order range from its start, which is the firing order. While the timers fit
 *   in it the store is only written, never read for order.
 * - Identity is the index key (key group, key, namespace, time): registering reads it to tell
 *   a new timer from one already there, deleting reads it to find the timer's order key.
 * - Writes are gathered and written in one transaction when enough are pending, and before
 *   the store is read in order (a refill, a snapshot, the end of processing time); reads of
 *   the index look at the gathered writes first.
 * - A snapshot reads the order range in one read transaction, a view of the store at the
 *   barrier that later writes do not change, one timer at a time as the snapshot is written.
 *   An incremental checkpoint instead reads the index keys written since its base (`record`,
 *   `TimerIncrementScan`).
 */
import type { RootDatabase } from 'lmdb'
import { keyId } from '../src/core/Key'
import { StateError, messageOf } from '../src/core/errors'
import type { OperatorInfo } from '../src/core/OperatorOptions'
import type { InternalTimer, TimeDomain } from '../src/core/TimerService'
import type { NamespaceCodec, PendingTimers, TimerQueue } from '../src/core/TimerQueue'
import { keyGroupOfId } from '../src/state/KeyGroup'
import { decodeKey, encodeKey, type SnapshotEntry } from '../src/state/snapshotFormat'
import type { StoreKey } from './storeKeys'
import { domainChar, indexKey, isIndexKey, orderKey, orderRange, parseIndexKey, parseOrderKey, seqText, timeOf, timeText } from './timerKeys'

/** @internal */
export interface LmdbTimerQueueOptions<N> {
  readonly db: RootDatabase<string, StoreKey>
  readonly info: OperatorInfo
  readonly domain: TimeDomain
  readonly namespaceCodec: NamespaceCodec<N>
  readonly maxParallelism: number
  /** The most timers kept in memory (≥ 1). */
  readonly cacheSize: number
  /** A read of the store in steps begins; the function returned is called when it is over (the store stays open until then). */
  readonly startRead: () => () => void
  /**
   * Told each index key the queue writes to the store (a timer registered, deleted or fired
   * that reached it), so that an incremental checkpoint writes the timers that changed.
   */
  readonly record?: ((key: StoreKey) => void) | undefined
  /** Gathered writes before one transaction writes them; default 4,096 (two per registered, deleted or fired timer). */
  readonly writesPerTransaction?: number
}

const WRITES_PER_TRANSACTION = 4096

/** A timer as the cache holds it: what fires, and the store keys that name it. */
class CachedTimer<K, N> implements InternalTimer<K, N> {
  constructor(
    readonly key: K,
    readonly namespace: N,
    readonly timestamp: number,
    readonly domain: TimeDomain,
    readonly seq: number,
    readonly index: StoreKey,
    readonly order: StoreKey
  ) {}
}

/** @internal */
export class LmdbTimerQueue<K, N> implements TimerQueue<K, N> {
  private readonly db: RootDatabase<string, StoreKey>
  private readonly domain: TimeDomain
  private readonly d: string
  private readonly cacheSize: number
  private readonly writesPerTransaction: number
  private count = 0
  private nextSeq = 0
  /**
   * The earliest timers, latest first (the head is the last element): every pending timer
   * earlier than `cache[0]` is in it. All of them when `cache.length === count`.
   */
  private cache: CachedTimer<K, N>[] = []
  /** Store key → value text, or `null` to remove it: written at the next `flush`. */
  private readonly writes = new Map<StoreKey, string | null>()
  /**
   * The keys of `writes` that are not in the store: one removed again before the flush is
   * forgotten, not removed from the store (a timer that fires soon after it was registered
   * never reaches the store).
   */
  private readonly fresh = new Set<StoreKey>()
  private closed = false

  constructor(private readonly options: LmdbTimerQueueOptions<N>) {
    this.db = options.db
    this.domain = options.domain
    this.d = domainChar(options.domain)
    this.cacheSize = options.cacheSize
    this.writesPerTransaction = options.writesPerTransaction ?? WRITES_PER_TRANSACTION
  }

  get size(): number {
    return this.count
  }

  add(key: K, namespace: N, _namespaceId: unknown, timestamp: number): boolean {
    if (this.closed) return false
    const time = timeText(timestamp)
    const index = this.indexKeyOf(key, namespace, time)
    const written = this.writes.get(index)
    if (written !== undefined ? written !== null : this.db.get(index) !== undefined) return false
    const seq = this.nextSeq++
    const seqHex = seqText(seq)
    const order = orderKey(this.d, time, seqHex)
    // The order key is new; the index key is in the store only if a removal of it is pending.
    this.put(order, index, true)
    this.put(index, seqHex, written === undefined)
    this.count++
    const cache = this.cache
    // Cache it if every timer is cached, or if it comes before the latest cached one (it is
    // the latest registered, so it comes after the cached timers of its own time).
    if (cache.length === this.count - 1 || (cache.length > 0 && timestamp < cache[0]!.timestamp)) {
      const at = this.insertionPoint(timestamp)
      if (at > 0 || cache.length < this.cacheSize) {
        cache.splice(at, 0, new CachedTimer(key, namespace, timestamp === 0 ? 0 : timestamp, this.domain, seq, index, order))
        if (cache.length > this.cacheSize) cache.shift()
      }
    }
    return true
  }

  remove(key: K, namespace: N, _namespaceId: unknown, timestamp: number): boolean {
    if (this.closed) return false
    const time = timeText(timestamp)
    const index = this.indexKeyOf(key, namespace, time)
    const seqHex = this.read(index)
    if (seqHex === undefined) return false
    this.delete(index)
    this.delete(orderKey(this.d, time, seqHex))
    this.count--
    const at = this.cachedAt(timestamp === 0 ? 0 : timestamp, parseInt(seqHex, 16))
    if (at >= 0) this.cache.splice(at, 1)
    return true
  }

  head(): InternalTimer<K, N> | undefined {
    if (this.cache.length === 0) {
      if (this.count === 0 || this.closed) return undefined
      this.refill()
    }
    const cache = this.cache
    return cache[cache.length - 1]
  }

  take(timer: CachedTimer<K, N>): void {
    this.cache.pop()
    this.delete(timer.index)
    this.delete(timer.order)
    this.count--
  }

  pending(): Iterable<InternalTimer<K, N>> {
    return this.scan()
  }

  snapshot(): PendingTimers<K, N> {
    return { _tag: 'Ordered', timers: this.scan() }
  }

  /** The store was cleared (a restore): no timer is left. */
  clear(): void {
    this.cache = []
    this.writes.clear()
    this.fresh.clear()
    this.count = 0
  }

  /** The store is closing: nothing is read or written any more, and no timer is left. */
  close(): void {
    this.clear()
    this.closed = true
  }

  /** Writes the gathered writes in one transaction. */
  flush(): void {
    const writes = this.writes
    if (writes.size === 0 || this.closed) return
    const db = this.db
    const record = this.options.record
    db.transactionSync(() => {
      for (const [key, text] of writes) {
        if (text === null) db.removeSync(key)
        else db.putSync(key, text)
        // Here, not as timers change: one registered and gone before a write never changed the store.
        if (record !== undefined && isIndexKey(key)) record(key)
      }
    })
    writes.clear()
    this.fresh.clear()
  }

  // ---- internal ----

  private indexKeyOf(key: K, namespace: N, time: string): StoreKey {
    const group = keyGroupOfId(keyId(key), this.options.maxParallelism)
    return indexKey(this.d, group, JSON.stringify(encodeKey(key)), namespaceText(this.options.namespaceCodec.encode(namespace)), time)
  }

  private read(key: StoreKey): string | undefined {
    const written = this.writes.get(key)
    if (written !== undefined) return written ?? undefined
    return this.db.get(key)
  }

  /** Writes `text` under `key` (`fresh`: `key` is not in the store). */
  private put(key: StoreKey, text: string, fresh: boolean): void {
    this.writes.set(key, text)
    if (fresh) this.fresh.add(key)
    if (this.writes.size >= this.writesPerTransaction) this.flush()
  }

  private delete(key: StoreKey): void {
    if (this.fresh.delete(key)) {
      this.writes.delete(key)
      return
    }
    this.writes.set(key, null)
    if (this.writes.size >= this.writesPerTransaction) this.flush()
  }

  /** Where a new timer at `timestamp` goes in the cache: after every cached timer of a later time. */
  private insertionPoint(timestamp: number): number {
    const cache = this.cache
    let low = 0
    let high = cache.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (cache[mid]!.timestamp > timestamp) low = mid + 1
      else high = mid
    }
    return low
  }

  /** The cache position of the timer (timestamp, seq), or −1. */
  private cachedAt(timestamp: number, seq: number): number {
    const cache = this.cache
    let low = 0
    let high = cache.length
    while (low < high) {
      const mid = (low + high) >>> 1
      const other = cache[mid]!
      if (other.timestamp > timestamp || (other.timestamp === timestamp && other.seq > seq)) low = mid + 1
      else high = mid
    }
    return low < cache.length && cache[low]!.seq === seq ? low : -1
  }

  /** Fills the empty cache with the earliest timers of the store. */
  private refill(): void {
    this.flush()
    const { start, end } = orderRange(this.d)
    const earliest: CachedTimer<K, N>[] = []
    for (const { key, value } of this.db.getRange({ start, end, limit: this.cacheSize })) {
      const { time, seq } = parseOrderKey(key)
      const timer = this.decode(value, time)
      earliest.push(new CachedTimer(timer.key, timer.namespace, timer.timestamp, this.domain, parseInt(seq, 16), value, key))
    }
    this.cache = earliest.reverse()
  }

  /** The pending timers in firing order, from a read view of the store as of now. */
  private scan(): IterableIterator<InternalTimer<K, N>, undefined> {
    if (this.closed) return [][Symbol.iterator]() as IterableIterator<InternalTimer<K, N>, undefined>
    this.flush()
    // The range holds its read transaction from its first entry on: that one is read now, so
    // that the view is of this moment whatever is written later.
    const range = this.db.getRange({ ...orderRange(this.d), snapshot: true })[Symbol.iterator]() as Iterator<{ key: StoreKey; value: string }, undefined>
    let first: IteratorResult<{ key: StoreKey; value: string }, undefined> | undefined = range.next()
    const readOver = this.options.startRead()
    let over = false
    const iterator: IterableIterator<InternalTimer<K, N>, undefined> = {
      next: () => {
        let next: IteratorResult<{ key: StoreKey; value: string }, undefined>
        if (over) next = { done: true, value: undefined }
        else if (first !== undefined) {
          next = first
          first = undefined
        } else next = range.next()
        if (next.done !== true) return { done: false, value: this.decode(next.value.value, parseOrderKey(next.value.key).time) }
        over = true
        readOver()
        return { done: true, value: undefined }
      },
      return: () => {
        if (!over) range.return?.()
        over = true
        readOver()
        return { done: true, value: undefined }
      },
      [Symbol.iterator]: () => iterator
    }
    return iterator
  }

  /**
   * The timer of an order entry (its value, the index key, and its time text), as a plain
   * object; what the store holds is checked as a snapshot is.
   */
  private decode(index: string, time: string): InternalTimer<K, N> {
    const { keyText, namespaceText: nsText } = parseIndexKey(index)
    const fail = (detail: string): never => {
      throw new StateError(this.options.info, 'timers', `the ${this.domain === 'EVENT_TIME' ? 'event' : 'processing'}-time timer of key ${keyText} in namespace ${nsText} in the store is invalid: ${detail}`)
    }
    let key: unknown
    let encodedNamespace: unknown
    try {
      key = decodeKey(JSON.parse(keyText) as SnapshotEntry[1])
      encodedNamespace = JSON.parse(nsText)
    } catch (error) {
      return fail(messageOf(error))
    }
    if (key === undefined) fail('not a key')
    const namespace = this.options.namespaceCodec.decode(encodedNamespace, fail)
    return { key: key as K, namespace, timestamp: timeOf(time), domain: this.domain }
  }
}

/** A namespace's portable form as JSON text (`undefined`, which JSON has not, as `null`). */
function namespaceText(encoded: unknown): string {
  return JSON.stringify(encoded) ?? 'null'
}
