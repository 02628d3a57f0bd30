/**
 * Heap state past V8's limit of 2^24 entries per `Map`: `ShardedMap` behaves as one `Map`
 * (checked against one with small shards, for random operations), and a heap state table
 * and the heap timer queue move to it when their maps fill, keeping every key.
 */
import fc from 'fast-check'
import { KeyContext } from '../../src/state/KeyContext'
import { HeapTimerQueue } from '../../src/core/HeapTimerQueue'
import { roomFor, ShardedMap } from '../../src/core/ShardedMap'
import { StateTable } from '../../src/state/StateTable'

const ops = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), key: fc.integer({ min: 0, max: 30 }), value: fc.integer() }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 30 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const) }) }
  ),
  { maxLength: 200 }
)

describe('ShardedMap', () => {
  it('answers as one Map does (size, get, has, key order) after any operations, with shards of 3 entries', () => {
    fc.assert(
      fc.property(ops, script => {
        const model = new Map<number, number>()
        const sharded = new ShardedMap<number, number>([new Map()], 3)
        for (const step of script) {
          if (step.op === 'set') {
            model.set(step.key, step.value)
            sharded.set(step.key, step.value)
          } else if (step.op === 'delete') expect(sharded.delete(step.key)).toBe(model.delete(step.key))
          else {
            model.clear()
            sharded.clear()
          }
          expect(sharded.size).toBe(model.size)
        }
        expect([...sharded.keys()]).toEqual([...model.keys()])
        for (let key = 0; key <= 30; key++) {
          expect(sharded.get(key)).toBe(model.get(key))
          expect(sharded.has(key)).toBe(model.has(key))
        }
      }),
      { numRuns: 300 }
    )
  })

  it('is taken only when a map is full', () => {
    const map = new Map([[1, 'a']])
    expect(roomFor(map)).toBe(map)
    const sharded = new ShardedMap([map])
    expect(roomFor(sharded)).toBe(sharded)
  })

  // With maps of 1,000 keys here; the bench's large-state run holds 20 M keys (past V8's 2^24)
  // on the heap this way.
  it('lets a heap state table hold more keys than one of its maps takes', () => {
    const keys = new KeyContext<number>(128)
    const capacity = 1_000
    const table = new StateTable<number, number>('count', keys, capacity)
    const total = 2 * capacity + 500
    for (let key = 0; key < total; key++) {
      keys.setCurrentKey(key)
      table.put(undefined, key + 1)
    }
    // Its map of values was full at `capacity` keys: the table moved on to shards.
    expect((table as unknown as { readonly values: unknown }).values).toBeInstanceOf(ShardedMap)
    for (const key of [0, 1, capacity - 1, capacity, 2 * capacity, total - 1]) {
      keys.setCurrentKey(key)
      expect(table.get(undefined)).toBe(key + 1)
    }
    // A key of the first map changed and removed, one of the second changed: each stays in its map.
    keys.setCurrentKey(5)
    table.put(undefined, -5)
    expect(table.get(undefined)).toBe(-5)
    table.remove(undefined)
    expect(table.get(undefined)).toBeUndefined()
    keys.setCurrentKey(total - 1)
    table.put(undefined, -1)
    expect(table.get(undefined)).toBe(-1)
    // The snapshot path lists every key once, each with its value.
    let count = 0
    let sum = 0
    for (const entry of table.entries()) {
      count++
      sum += entry.value!
    }
    expect(count).toBe(total - 1)
    expect(sum).toBe((total * (total + 1)) / 2 - 6 - total - 1)
  })

  it('lets the heap timer queue hold timers of more keys than one of its maps takes, in firing order', () => {
    const capacity = 100
    const queue = new HeapTimerQueue<number, undefined>('EVENT_TIME', capacity)
    const keys = 2 * capacity + 50
    // Key k's timer at (k * 37) % 1000, registered twice: one timer each.
    for (let round = 0; round < 2; round++) for (let key = 0; key < keys; key++) queue.add(key, undefined, undefined, (key * 37) % 1_000)
    expect((queue as unknown as { readonly byKey: unknown }).byKey).toBeInstanceOf(ShardedMap)
    expect(queue.size).toBe(keys)
    // Keys of the first map and of the last deleted.
    for (const key of [3, keys - 2]) expect(queue.remove(key, undefined, undefined, (key * 37) % 1_000)).toBeTrue()
    const fired: number[] = []
    for (let timer = queue.head(); timer !== undefined; timer = queue.head()) {
      queue.take(timer)
      fired.push(timer.key)
    }
    const expected = Array.from({ length: keys }, (_, key) => key)
      .filter(key => key !== 3 && key !== keys - 2)
      .sort((a, b) => (a * 37) % 1_000 - (b * 37) % 1_000 || a - b)
    expect(fired).toEqual(expected)
    expect(queue.size).toBe(0)
  })
})
