/**
 * @internal
 * A binary min-heap over an array: the timer queues (and anything else that needs "earliest
 * first") stand on it. The comparator decides the order; equal elements come out in no
 * particular order, so callers that need determinism break ties themselves (e.g. with a
 * sequence number).
 */

/** @internal */
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
