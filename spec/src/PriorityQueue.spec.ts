import * as fc from 'fast-check'
import { PriorityQueue } from '../../src/internal/PriorityQueue'

const ascending = (a: number, b: number): number => a - b

function drain<T>(queue: PriorityQueue<T>): T[] {
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

  it('handles a million elements quickly', () => {
    const queue = new PriorityQueue<number>(ascending)
    const n = 1_000_000
    const started = performance.now()
    for (let i = 0; i < n; i++) queue.push((i * 7919) % n)
    let previous = -1
    for (let i = 0; i < n; i++) {
      const v = queue.pop() as number
      if (v < previous) fail(`out of order at ${i}: ${v} after ${previous}`)
      previous = v
    }
    expect(queue.size).toBe(0)
    expect(performance.now() - started).toBeLessThan(5_000)
  })
})
