import * as fc from 'fast-check'
import { NumericPriorityQueue, PriorityQueue } from '../../src/core/PriorityQueue'

const ascending = (a: number, b: number): number => a - b

function drain<T>(queue: { pop(): T | undefined }): T[] {
  const out: T[] = []
  for (let value = queue.pop(); value !== undefined; value = queue.pop()) out.push(value)
  return out
}

describe('PriorityQueue', () => {
  it('is empty at first: no head, nothing to pop', () => {
    const queue = new PriorityQueue<number>(ascending)
    expect(queue.size).toBe(0)
    expect(queue.peek()).toBeUndefined()
    expect(queue.pop()).toBeUndefined()
  })

  it('pops in comparator order, whatever the push order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 })), values => {
        const queue = new PriorityQueue<number>(ascending)
        for (const v of values) queue.push(v)
        expect(queue.size).toBe(values.length)
        expect(drain(queue)).toEqual(values.slice().sort(ascending))
        expect(queue.size).toBe(0)
      })
    )
  })

  it('follows the comparator it was given (a max-heap here)', () => {
    const queue = new PriorityQueue<number>((a, b) => b - a)
    for (const v of [3, 9, 1, 7]) queue.push(v)
    expect(queue.peek()).toBe(9)
    expect(drain(queue)).toEqual([9, 7, 3, 1])
  })

  it('peek leaves the head in place', () => {
    const queue = new PriorityQueue<number>(ascending)
    queue.push(2)
    queue.push(1)
    expect(queue.peek()).toBe(1)
    expect(queue.peek()).toBe(1)
    expect(queue.size).toBe(2)
  })

  it('keeps order across interleaved pushes and pops', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined })), ops => {
        const queue = new PriorityQueue<number>(ascending)
        const model: number[] = []
        for (const op of ops) {
          if (op === undefined) {
            model.sort(ascending)
            expect(queue.pop()).toBe(model.shift())
          } else {
            queue.push(op)
            model.push(op)
          }
          expect(queue.size).toBe(model.length)
        }
      })
    )
  })

  it('from() builds a valid heap from any iterable', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), values => {
        const queue = PriorityQueue.from(new Set(values), ascending)
        expect(drain(queue)).toEqual([...new Set(values)].sort(ascending))
      })
    )
  })

  it('retain() drops what the predicate rejects and keeps the rest ordered', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100 })), values => {
        const queue = new PriorityQueue<number>(ascending)
        for (const v of values) queue.push(v)
        const removed = queue.retain(v => v % 3 !== 0)
        const kept = values.filter(v => v % 3 !== 0).sort(ascending)
        expect(removed).toBe(values.length - kept.length)
        expect(drain(queue)).toEqual(kept)
      })
    )
  })

  it('toArray() is a sorted copy and leaves the queue alone', () => {
    const queue = new PriorityQueue<number>(ascending)
    for (const v of [5, 1, 4, 2, 3]) queue.push(v)
    const snapshot = queue.toArray()
    expect(snapshot).toEqual([1, 2, 3, 4, 5])
    snapshot.length = 0
    expect(queue.size).toBe(5)
    expect(queue.pop()).toBe(1)
  })

  it('iterates every element once, over a copy that survives changes to the queue', () => {
    const queue = new PriorityQueue<number>(ascending)
    for (const v of [5, 1, 4, 2, 3]) queue.push(v)
    const seen: number[] = []
    for (const v of queue) {
      seen.push(v)
      queue.pop()
    }
    expect(seen.sort(ascending)).toEqual([1, 2, 3, 4, 5])
    expect(queue.size).toBe(0)
  })

  it('clear() empties it', () => {
    const queue = new PriorityQueue<number>(ascending)
    queue.push(1)
    queue.push(2)
    queue.clear()
    expect(queue.size).toBe(0)
    expect(queue.peek()).toBeUndefined()
    queue.push(7)
    expect(queue.pop()).toBe(7)
  })

  it('keeps order over many elements', () => {
    const queue = new PriorityQueue<number>(ascending)
    const n = 200_000
    for (let i = 0; i < n; i++) queue.push((i * 7919) % n)
    let previous = -1
    for (let i = 0; i < n; i++) {
      const v = queue.pop() as number
      if (v < previous) fail(`out of order at ${i}: ${v} after ${previous}`)
      previous = v
    }
    expect(queue.size).toBe(0)
  })
})

describe('NumericPriorityQueue', () => {
  interface Item {
    readonly priority: number
    readonly tie: number
  }
  const byPriorityThenTie = (a: Item, b: Item): number =>
    a.priority < b.priority ? -1 : a.priority > b.priority ? 1 : a.tie - b.tie
  const priorities = fc.oneof(fc.integer({ min: -20, max: 20 }), fc.constantFrom(Infinity, -Infinity, -0))

  it('is empty at first', () => {
    const queue = new NumericPriorityQueue<string>()
    expect(queue.size).toBe(0)
    expect(queue.peek()).toBeUndefined()
    expect(queue.peekPriority()).toBeUndefined()
    expect(queue.pop()).toBeUndefined()
  })

  it('pops by priority, then tie-breaker, whatever the push order (and grows past its first buffer)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ priority: priorities, tie: fc.nat(5) }), { maxLength: 300 }), items => {
        const queue = new NumericPriorityQueue<Item>()
        for (const item of items) queue.push(item.priority, item.tie, item)
        expect(queue.size).toBe(items.length)
        const popped = drain(queue)
        // -0 and 0 are equal priorities whose relative order is unspecified: compare them as 0
        const pairs = (xs: Item[]) => xs.map(i => [i.priority + 0, i.tie])
        expect(pairs(popped)).toEqual(pairs(items.slice().sort(byPriorityThenTie)))
      })
    )
  })

  it('peek and peekPriority show the least element without removing it', () => {
    const queue = new NumericPriorityQueue<string>()
    queue.push(5, 0, 'five')
    queue.push(2, 1, 'two-late')
    queue.push(2, 0, 'two')
    expect(queue.peek()).toBe('two')
    expect(queue.peekPriority()).toBe(2)
    expect(queue.size).toBe(3)
    expect(drain(queue)).toEqual(['two', 'two-late', 'five'])
  })

  it('keeps order across interleaved pushes and pops', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }), { maxLength: 400 }), ops => {
        const queue = new NumericPriorityQueue<Item>()
        const model: Item[] = []
        let tie = 0
        for (const op of ops) {
          if (op === undefined) {
            model.sort(byPriorityThenTie)
            expect(queue.pop()).toBe(model.shift())
          } else {
            const item = { priority: op, tie: tie++ }
            queue.push(item.priority, item.tie, item)
            model.push(item)
          }
          expect(queue.size).toBe(model.length)
        }
      })
    )
  })

  it('retain() drops what the predicate rejects and keeps the rest ordered', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 300 }), values => {
        const queue = new NumericPriorityQueue<number>()
        values.forEach((v, i) => queue.push(v, i, v))
        const removed = queue.retain(v => v % 3 !== 0)
        const kept = values.filter(v => v % 3 !== 0).sort(ascending)
        expect(removed).toBe(values.length - kept.length)
        expect(queue.size).toBe(kept.length)
        expect(drain(queue)).toEqual(kept)
      })
    )
  })

  it('toArray() is a sorted copy; the iterator walks a copy', () => {
    const queue = new NumericPriorityQueue<string>()
    queue.push(3, 0, 'c')
    queue.push(1, 1, 'b')
    queue.push(1, 0, 'a')
    expect(queue.toArray()).toEqual(['a', 'b', 'c'])
    const seen: string[] = []
    for (const v of queue) {
      seen.push(v)
      queue.pop()
    }
    expect(seen.sort()).toEqual(['a', 'b', 'c'])
    expect(queue.size).toBe(0)
  })

  it('clear() empties it', () => {
    const queue = new NumericPriorityQueue<string>()
    for (let i = 0; i < 100; i++) queue.push(i, 0, `v${i}`)
    queue.clear()
    expect(queue.size).toBe(0)
    expect(queue.pop()).toBeUndefined()
    queue.push(7, 0, 'seven')
    expect(queue.pop()).toBe('seven')
  })
})
