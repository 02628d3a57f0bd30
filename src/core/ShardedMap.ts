/**
 * @internal
 * Maps past V8's limit of 2^24 entries per `Map` (inserting one more throws "Map maximum size
 * exceeded"): a heap state table with more keys than that (Flink's heap backend has no such
 * limit) moves to a {@link ShardedMap} when its `Map` fills, and goes on; so does the heap timer
 * queue's map of keys. Below the limit they keep their plain `Map`, so the per-record path
 * stays one monomorphic `Map` call.
 */

/** @internal What a state table asks of its key maps: the part of `Map` it uses. */
export interface KeyMap<K, V> {
  readonly size: number
  get(key: K): V | undefined
  has(key: K): boolean
  set(key: K, value: V): unknown
  delete(key: K): boolean
  clear(): void
  keys(): IterableIterator<K>
  values(): IterableIterator<V>
}

/**
 * @internal
 * Entries a map takes before its table moves to a {@link ShardedMap}: half of V8's limit, so
 * that a V8 with a somewhat lower limit is still caught before it throws.
 */
export const SHARD_CAPACITY = 2 ** 23

/**
 * @internal
 * `map`, or the map to use instead once it is full: call before every insertion that may add
 * a key, `map = roomFor(map)` (a size check while the map has room).
 */
export function roomFor<K, V>(map: KeyMap<K, V>, capacity = SHARD_CAPACITY): KeyMap<K, V> {
  return map.size < capacity || map instanceof ShardedMap ? map : new ShardedMap([map], capacity)
}

/**
 * @internal
 * A map over several `Map`s of at most {@link SHARD_CAPACITY} entries each: a key is in at
 * most one shard, new keys go to the last shard, a new shard is opened when it is full.
 * Iteration is shard by shard, each in insertion order, as one `Map` iterates.
 */
export class ShardedMap<K, V> implements KeyMap<K, V> {
  private readonly shards: KeyMap<K, V>[]

  constructor(
    shards: readonly KeyMap<K, V>[],
    /** Entries per shard before a new one is opened. */
    private readonly capacity = SHARD_CAPACITY
  ) {
    this.shards = [...shards]
  }

  get size(): number {
    let size = 0
    for (const shard of this.shards) size += shard.size
    return size
  }

  get(key: K): V | undefined {
    for (const shard of this.shards) {
      const value = shard.get(key)
      if (value !== undefined || shard.has(key)) return value
    }
    return undefined
  }

  has(key: K): boolean {
    return this.shards.some(shard => shard.has(key))
  }

  set(key: K, value: V): this {
    const holder = this.shards.find(shard => shard.has(key))
    if (holder !== undefined) {
      holder.set(key, value)
      return this
    }
    let last = this.shards[this.shards.length - 1]!
    if (last.size >= this.capacity) this.shards.push((last = new Map<K, V>()))
    last.set(key, value)
    return this
  }

  delete(key: K): boolean {
    return this.shards.some(shard => shard.delete(key))
  }

  clear(): void {
    this.shards.length = 1
    this.shards[0] = new Map<K, V>()
  }

  *keys(): IterableIterator<K> {
    for (const shard of this.shards) yield* shard.keys()
  }

  *values(): IterableIterator<V> {
    for (const shard of this.shards) yield* shard.values()
  }
}
