/**
 * @internal
 * A first-in first-out buffer on a growable ring: O(1) `push` and `shift` at any size
 * (`Array#shift` copies the whole array once it is large, and a queue of waiting inputs may
 * hold hundreds of thousands of elements).
 */
export class Fifo<T> {
  private items: (T | undefined)[] = new Array<T | undefined>(16)
  private head = 0
  private count = 0

  get length(): number {
    return this.count
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow()
    this.items[(this.head + this.count) & (this.items.length - 1)] = item
    this.count++
  }

  /** The oldest item, removed; `undefined` when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined // no reference kept to an item that left
    this.head = (this.head + 1) & (this.items.length - 1)
    this.count--
    return item
  }

  /** Every item, oldest first, without removing them. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.count; i++) yield this.items[(this.head + i) & (this.items.length - 1)] as T
  }

  clear(): void {
    this.items = new Array<T | undefined>(16)
    this.head = 0
    this.count = 0
  }

  /** Doubles the ring (its size stays a power of two, so indexes wrap with a mask). */
  private grow(): void {
    const old = this.items
    const next = new Array<T | undefined>(old.length * 2)
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)]
    this.items = next
    this.head = 0
  }
}
