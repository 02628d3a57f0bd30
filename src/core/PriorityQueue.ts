/**
 * @internal
 * Binary min-heaps over arrays, for anything that needs "earliest first":
 * - `PriorityQueue`: any element type, ordered by a comparator;
 * - `NumericPriorityQueue`: ordered by two numbers stored apart from the elements, the fast
 *   one for big queues (the timer service stands on it).
 * Equal elements come out in no particular order, so callers that need determinism break ties
 * themselves (e.g. with a sequence number).
 */

/** @internal A binary min-heap ordered by the comparator given at construction. */
export class PriorityQueue<T> implements Iterable<T> {
  private heap: T[] = []

  constructor(private readonly compare: (a: T, b: T) => number) {}

  /** @internal Builds a queue from `values` in O(n), cheaper than n pushes. */
  static from<T>(values: Iterable<T>, compare: (a: T, b: T) => number): PriorityQueue<T> {
    const queue = new PriorityQueue(compare)
    queue.heap = Array.from(values)
    queue.heapify()
    return queue
  }

  get size(): number {
    return this.heap.length
  }

  /** The least element, left in place. */
  peek(): T | undefined {
    return this.heap.length === 0 ? undefined : this.heap[0]
  }

  push(value: T): void {
    this.heap.push(value)
    this.siftUp(this.heap.length - 1, value)
  }

  /** Removes and returns the least element. */
  pop(): T | undefined {
    const heap = this.heap
    if (heap.length === 0) return undefined
    const top = heap[0]
    const last = heap.pop() as T
    if (heap.length > 0) this.siftDown(0, last)
    return top
  }

  clear(): void {
    this.heap = []
  }

  /**
   * Keeps only the elements `keep` accepts, in O(n): how lazily deleted elements are purged
   * in bulk once they outnumber the live ones. Returns how many were removed.
   */
  retain(keep: (value: T) => boolean): number {
    const before = this.heap.length
    this.heap = this.heap.filter(keep)
    if (this.heap.length !== before) this.heapify()
    return before - this.heap.length
  }

  /** A sorted copy (ascending), for snapshots and tests. */
  toArray(): T[] {
    return this.heap.slice().sort(this.compare)
  }

  /** Iterates a copy in heap order (not sorted), so the queue may change meanwhile. */
  [Symbol.iterator](): Iterator<T> {
    return this.heap.slice()[Symbol.iterator]()
  }

  // Both sifts move a "hole" rather than swapping, which halves the array writes.

  private siftUp(index: number, value: T): void {
    const heap = this.heap
    const compare = this.compare
    while (index > 0) {
      const parentIndex = (index - 1) >> 1
      const parent = heap[parentIndex]
      if (compare(value, parent) >= 0) break
      heap[index] = parent
      index = parentIndex
    }
    heap[index] = value
  }

  private siftDown(index: number, value: T): void {
    const heap = this.heap
    const compare = this.compare
    const length = heap.length
    const half = length >> 1
    while (index < half) {
      let childIndex = 2 * index + 1
      let child = heap[childIndex]
      const rightIndex = childIndex + 1
      if (rightIndex < length && compare(heap[rightIndex], child) < 0) {
        childIndex = rightIndex
        child = heap[rightIndex]
      }
      if (compare(child, value) >= 0) break
      heap[index] = child
      index = childIndex
    }
    heap[index] = value
  }

  private heapify(): void {
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i, this.heap[i])
  }
}

/**
 * @internal
 * A min-heap ordered by two numbers (a priority, then a tie-breaker), kept in a typed array
 * beside the values. For big heaps of objects this is several times faster than
 * {@link PriorityQueue}: comparisons read contiguous numbers instead of chasing a pointer to
 * each object, which misses the cache once the heap outgrows it. NaN priorities are not
 * supported (they compare as neither less nor greater).
 */
export class NumericPriorityQueue<T> implements Iterable<T> {
  /** `[priority0, tie0, priority1, tie1, …]`: both numbers of a slot share a cache line. */
  private keys = new Float64Array(64)
  private values: T[] = []

  get size(): number {
    return this.values.length
  }

  /** The least element, left in place. */
  peek(): T | undefined {
    return this.values.length === 0 ? undefined : this.values[0]
  }

  /** The priority of the least element, or `undefined` when empty. */
  peekPriority(): number | undefined {
    return this.values.length === 0 ? undefined : this.keys[0]
  }

  push(priority: number, tie: number, value: T): void {
    const index = this.values.length
    if (2 * index + 2 > this.keys.length) this.grow()
    this.values.push(value)
    this.siftUp(index, priority, tie, value)
  }

  /** Removes and returns the least element. */
  pop(): T | undefined {
    const values = this.values
    if (values.length === 0) return undefined
    const top = values[0]
    const last = values.length - 1
    const lastValue = values.pop() as T
    if (last > 0) this.siftDown(0, this.keys[2 * last], this.keys[2 * last + 1], lastValue)
    return top
  }

  clear(): void {
    this.keys = new Float64Array(64)
    this.values = []
  }

  /** Keeps only the elements `keep` accepts, in O(n). Returns how many were removed. */
  retain(keep: (value: T) => boolean): number {
    const keys = this.keys
    const values = this.values
    const before = values.length
    let kept = 0
    for (let i = 0; i < before; i++) {
      if (!keep(values[i])) continue
      keys[2 * kept] = keys[2 * i]
      keys[2 * kept + 1] = keys[2 * i + 1]
      values[kept++] = values[i]
    }
    values.length = kept
    if (kept !== before) {
      for (let i = (kept >> 1) - 1; i >= 0; i--) this.siftDown(i, keys[2 * i], keys[2 * i + 1], values[i])
    }
    return before - kept
  }

  /** A copy sorted by priority, then tie-breaker: for snapshots and tests. */
  toArray(): T[] {
    const keys = this.keys
    return this.values
      .map((value, i) => ({ priority: keys[2 * i], tie: keys[2 * i + 1], value }))
      .sort((a, b) => (a.priority < b.priority ? -1 : a.priority > b.priority ? 1 : a.tie - b.tie))
      .map(slot => slot.value)
  }

  /** Iterates a copy in heap order (not sorted), so the queue may change meanwhile. */
  [Symbol.iterator](): Iterator<T> {
    return this.values.slice()[Symbol.iterator]()
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2)
    keys.set(this.keys)
    this.keys = keys
  }

  private siftUp(index: number, priority: number, tie: number, value: T): void {
    const keys = this.keys
    const values = this.values
    while (index > 0) {
      const parent = (index - 1) >> 1
      const parentPriority = keys[2 * parent]
      const parentTie = keys[2 * parent + 1]
      if (parentPriority < priority || (parentPriority === priority && parentTie <= tie)) break
      keys[2 * index] = parentPriority
      keys[2 * index + 1] = parentTie
      values[index] = values[parent]
      index = parent
    }
    keys[2 * index] = priority
    keys[2 * index + 1] = tie
    values[index] = value
  }

  /** Places (priority, tie, value) at `index` or below; the heap holds `values.length` slots. */
  private siftDown(index: number, priority: number, tie: number, value: T): void {
    const keys = this.keys
    const values = this.values
    const length = values.length
    const half = length >> 1
    while (index < half) {
      let child = 2 * index + 1
      let childPriority = keys[2 * child]
      let childTie = keys[2 * child + 1]
      const right = child + 1
      if (right < length) {
        const rightPriority = keys[2 * right]
        const rightTie = keys[2 * right + 1]
        if (rightPriority < childPriority || (rightPriority === childPriority && rightTie < childTie)) {
          child = right
          childPriority = rightPriority
          childTie = rightTie
        }
      }
      if (priority < childPriority || (priority === childPriority && tie <= childTie)) break
      keys[2 * index] = childPriority
      keys[2 * index + 1] = childTie
      values[index] = values[child]
      index = child
    }
    keys[2 * index] = priority
    keys[2 * index + 1] = tie
    values[index] = value
  }
}
