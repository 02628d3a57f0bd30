/**
 * Window contents on LMDB as one store entry per element (`elementsField`): a record adds its
 * element without reading the window's others, a firing reads them once in the order added,
 * evictors' removals and purges replace them, snapshots and restores move between this layout
 * and the heap's (the list in the window's value) both ways, and a property holds the table
 * to a model through evictions, replacements, removals, snapshots and restores.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { from, lastValueFrom, toArray } from 'rxjs'
import * as ds from '../../src/index'
import { lmdbStateBackend } from '../../node/index'
import { LmdbKeyedStateBackend } from '../../node/LmdbKeyedStateBackend'
import type { KeyedStateBackend, TableCodec } from '../../src/state/KeyedStateBackend'
import type { KeyedStateSnapshot } from '../../src/state/snapshotFormat'
import { assignToKeyGroup } from '../../src/state/KeyGroup'
import { testBackend, withKey } from '../support/keyed'

/** A window-like value: its list `items` is kept apart on LMDB. */
interface Held {
  readonly label: string
  readonly items?: number[]
}
const held: TableCodec<Held> = {
  encode: value => value,
  decode: (encoded, fail) =>
    typeof encoded === 'object' && encoded !== null && typeof (encoded as Held).label === 'string' ? (encoded as Held) : fail(`${JSON.stringify(encoded)} is not { label, items? }`)
}
const OPTIONS = { keepsReferences: false, elementsField: 'items' } as const

/** The table's entries in a snapshot, sorted by text. */
function entriesOf(snapshot: KeyedStateSnapshot, name: string): string[] {
  return (snapshot.tables ?? [])
    .find(table => table.name === name)!
    .entries.map(entry => JSON.stringify(entry))
    .sort()
}

interface Click {
  readonly page: string
  readonly user: number
  readonly ts: number
}

/** Clicks on `pages` pages drawn by a small generator (the same for every run). */
function clicks(count: number, pages: number): Click[] {
  let seed = 7
  const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648)
  return Array.from({ length: count }, (_, i) => ({ page: `p${next() % pages}`, user: next() % 1_000, ts: i * 3 }))
}

/** Per page and 100 ms window: the users in the order they came, after the evictor (if any). */
function usersPerWindow(stateBackend: ds.StateBackend, input: readonly Click[], evictor?: ds.Evictor<Click>): Promise<string[]> {
  const windows = ds.windowBy(ds.tumblingEventTimeWindows<Click>(100), { stateBackend })
  const evaluated = evictor === undefined ? windows : windows.evictor(evictor)
  return lastValueFrom(
    from(input).pipe(
      ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<Click>(10).withTimestampAssigner(c => c.ts), { autoWatermarkInterval: 0 }),
      ds.keyBy(c => c.page),
      evaluated.process<Click, string, string>((page, ctx, elements, out) => out.collect(`${page}@${ctx.window.start}:${elements.map(c => c.user).join(',')}`)),
      ds.values(),
      toArray()
    )
  )
}

describe('lmdbStateBackend: window contents as an entry per element', () => {
  let dir: string
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'rx-datastream-elements-'))))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('adds an element without reading the others, through evictions, and reads them once in the order added', async () => {
    const lmdb = await lmdbStateBackend(dir, { cacheSize: 8 })
    const backend = testBackend(undefined, { stateBackend: lmdb })
    try {
      const table = backend.internalTable<Held>('held', held, OPTIONS)
      expect(table.elements).toBeDefined()
      const host = backend as unknown as LmdbKeyedStateBackend<ds.Key>
      const readElements = spyOn(host, 'readElements').and.callThrough()
      const reads = spyOn(host, 'read').and.callThrough()
      for (let i = 0; i < 500; i++) {
        withKey(backend, 'a', () => {
          if (table.get(3) === undefined) table.put(3, { label: 'a' })
          table.elements!.add(3, i)
        })
        // 60 other keys: 'a' is evicted again and again, its elements written as they go.
        for (let j = 0; j < 30; j++) withKey(backend, `other${(30 * i + j) % 60}`, () => table.put(1, { label: 'other' }))
      }
      expect(readElements).not.toHaveBeenCalled()
      expect(reads.calls.all().filter(call => call.args[0].includes('"a"')).length).toBeGreaterThan(10)
      // What was read back from the store: the value without its elements, never a list.
      for (const text of reads.calls.all().map(call => call.returnValue)) if (text !== undefined) expect(text.length).toBeLessThan(40)
      const read = withKey(backend, 'a', () => table.elements!.get(3))
      expect(read).toEqual(Array.from({ length: 500 }, (_, i) => i))
      expect(readElements).toHaveBeenCalledTimes(1)
    } finally {
      backend.dispose()
    }
  })

  it('neither reads nor removes stored elements of a value that was absent from the store', async () => {
    const lmdb = await lmdbStateBackend(dir, { cacheSize: 1_000 })
    const backend = testBackend(undefined, { stateBackend: lmdb })
    try {
      const table = backend.internalTable<Held>('held', held, OPTIONS)
      const host = backend as unknown as LmdbKeyedStateBackend<ds.Key>
      const readElements = spyOn(host, 'readElements').and.callThrough()
      const elementKeys = spyOn(host, 'elementKeys').and.callThrough()
      withKey(backend, 'a', () => {
        expect(table.get(1)).toBeUndefined()
        table.put(1, { label: 'new' })
        table.elements!.add(1, 1)
        table.elements!.add(1, 2)
        expect(table.elements!.get(1)).toEqual([1, 2])
        table.remove(1)
      })
      backend.snapshot()
      expect(readElements).not.toHaveBeenCalled()
      expect(elementKeys).not.toHaveBeenCalled()
      // Once written, they are read and removed from the store.
      withKey(backend, 'a', () => {
        table.put(2, { label: 'kept' })
        table.elements!.add(2, 3)
      })
      backend.snapshot()
      expect(withKey(backend, 'a', () => table.elements!.get(2))).toEqual([3])
      expect(readElements).toHaveBeenCalledTimes(1)
      withKey(backend, 'a', () => table.remove(2))
      expect(entriesOf(backend.snapshot(), 'held')).toEqual([])
      expect(elementKeys).toHaveBeenCalledTimes(1)
      // Elements of no value are not kept: a value made later starts empty.
      withKey(backend, 'b', () => table.elements!.add(5, 9))
      backend.snapshot()
      withKey(backend, 'b', () => {
        table.put(5, { label: 'later' })
        expect(table.elements!.get(5)).toEqual([])
      })
    } finally {
      backend.dispose()
    }
  })

  it('writes the list into the value in snapshots as the heap does, and each backend restores the other’s', async () => {
    const lmdb = await lmdbStateBackend(dir, { cacheSize: 8 })
    const onLmdb = testBackend(undefined, { stateBackend: lmdb })
    const onHeap = testBackend(undefined, { stateBackend: ds.heapStateBackend() })
    try {
      const lmdbTable = onLmdb.internalTable<Held>('held', held, OPTIONS)
      const heapTable = onHeap.internalTable<Held>('held', held, OPTIONS)
      expect(heapTable.elements).toBeUndefined()
      for (let key = 0; key < 30; key++) {
        for (let ns = 0; ns < 3; ns++) {
          const items = Array.from({ length: (key + ns) % 4 }, (_, i) => key * 10 + i)
          withKey(onLmdb, key, () => {
            lmdbTable.put(ns, { label: `w${ns}` })
            for (const item of items) lmdbTable.elements!.add(ns, item)
          })
          withKey(onHeap, key, () => heapTable.put(ns, items.length === 0 ? { label: `w${ns}` } : { label: `w${ns}`, items }))
        }
      }
      // Replaced and removed: the stored elements go.
      withKey(onLmdb, 5, () => lmdbTable.elements!.update(1, [-1, -2]))
      withKey(onHeap, 5, () => heapTable.put(1, { label: 'w1', items: [-1, -2] }))
      withKey(onLmdb, 6, () => lmdbTable.remove(2))
      withKey(onHeap, 6, () => heapTable.remove(2))
      const fromLmdb = onLmdb.snapshot()
      const fromHeap = onHeap.snapshot()
      expect(entriesOf(fromLmdb, 'held')).toEqual(entriesOf(fromHeap, 'held'))

      // LMDB → heap → LMDB: the same entries, and the elements read back in order.
      const heapAgain = testBackend(undefined, { stateBackend: ds.heapStateBackend() })
      heapAgain.restore(JSON.parse(JSON.stringify(fromLmdb)))
      heapAgain.internalTable<Held>('held', held, OPTIONS)
      expect(entriesOf(heapAgain.snapshot(), 'held')).toEqual(entriesOf(fromHeap, 'held'))
      const lmdbAgain = testBackend(undefined, { stateBackend: lmdb })
      try {
        lmdbAgain.restore(JSON.parse(JSON.stringify(fromHeap)))
        const table = lmdbAgain.internalTable<Held>('held', held, OPTIONS)
        expect(withKey(lmdbAgain, 7, () => table.elements!.get(2))).toEqual([70])
        expect(withKey(lmdbAgain, 5, () => table.elements!.get(1))).toEqual([-1, -2])
        expect(withKey(lmdbAgain, 6, () => [table.get(2), table.elements!.get(2)])).toEqual([undefined, []])
        // Restored elements come before those added after the restore.
        withKey(lmdbAgain, 7, () => table.elements!.add(2, 71))
        expect(withKey(lmdbAgain, 7, () => table.elements!.get(2))).toEqual([70, 71])
        // The value read back from the store holds no list: it is apart.
        expect(withKey(lmdbAgain, 7, () => table.get(2))).toEqual({ label: 'w2' })
      } finally {
        lmdbAgain.dispose()
      }
    } finally {
      onLmdb.dispose()
    }
  })

  it('refuses a restored value whose list is not a list, naming the operator and the table', async () => {
    const lmdb = await lmdbStateBackend(dir, { cacheSize: 8 })
    const backend = testBackend(undefined, { stateBackend: lmdb })
    try {
      const snapshot = { format: 'rx-datastream/keyed-state', version: 1, maxParallelism: 128, states: [], tables: [{ name: 'held', entries: [[assignToKeyGroup('k', 128), 'k', 1, { label: 'x', items: 3 }]] }] }
      backend.internalTable<Held>('held', held, OPTIONS)
      expect(() => backend.restore(snapshot)).toThrowError(ds.StateError, /keyedProcess "spec".*state "held".*expected items to be a list, got 3/)
    } finally {
      backend.dispose()
    }
  })

  it('keeps a table’s values whole when its operator holds them (keepsReferences)', async () => {
    const lmdb = await lmdbStateBackend(dir, { cacheSize: 8 })
    const backend = testBackend(undefined, { stateBackend: lmdb })
    try {
      expect(backend.internalTable<Held>('pinned', held, { keepsReferences: true, elementsField: 'items' }).elements).toBeUndefined()
    } finally {
      backend.dispose()
    }
  })

  it('fires process windows as the heap does, reading each window’s elements once per firing, with evictors that remove some', async () => {
    const input = clicks(6_000, 60)
    const heap = ds.heapStateBackend()
    const lmdb = await lmdbStateBackend(dir, { cacheSize: 8 })
    const readElements = spyOn(LmdbKeyedStateBackend.prototype, 'readElements').and.callThrough()
    const expected = await usersPerWindow(heap, input)
    expect(readElements).not.toHaveBeenCalled()
    const actual = await usersPerWindow(lmdb, input)
    expect(actual).toEqual(expected)
    // At most one read per window fired (a page's window holds about 10 clicks): not one per click.
    expect(readElements.calls.count()).toBeGreaterThan(0)
    expect(readElements.calls.count()).toBeLessThanOrEqual(expected.length)
    for (const evictor of [ds.countEvictor<Click>(3), ds.countEvictor<Click>(2, { doEvictAfter: true }), ds.timeEvictor<Click>(40)]) {
      expect(await usersPerWindow(lmdb, input, evictor)).toEqual(await usersPerWindow(heap, input, evictor))
    }
  })

  it('keeps the table equal to a list per (key, window) whatever is added, replaced, removed, evicted, snapshotted and restored (property)', async () => {
    const lmdb = await lmdbStateBackend(dir, { cacheSize: 8 })
    type Op =
      | { readonly op: 'add'; readonly key: number; readonly ns: number; readonly item: number }
      | { readonly op: 'update'; readonly key: number; readonly ns: number; readonly items: number[] }
      | { readonly op: 'remove'; readonly key: number; readonly ns: number }
      | { readonly op: 'read'; readonly key: number; readonly ns: number }
      | { readonly op: 'restore' }
    const key = fc.nat(11)
    const ns = fc.nat(2)
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ op: fc.constant('add' as const), key, ns, item: fc.integer({ min: -99, max: 99 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('update' as const), key, ns, items: fc.array(fc.integer({ min: -99, max: 99 }), { maxLength: 4 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), key, ns }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('read' as const), key, ns }) },
      { weight: 1, arbitrary: fc.constant({ op: 'restore' as const }) }
    )
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 80 }), async ops => {
        let backend: KeyedStateBackend<ds.Key> = testBackend(undefined, { stateBackend: lmdb })
        const model = new Map<string, number[]>()
        const at = (k: number, n: number): string => `${k}/${n}`
        try {
          let table = backend.internalTable<Held>('held', held, OPTIONS)
          for (const op of ops) {
            if (op.op === 'restore') {
              // Through the heap and back: the portable form.
              const heap = testBackend(undefined, { stateBackend: ds.heapStateBackend() })
              heap.restore(JSON.parse(JSON.stringify(backend.snapshot())))
              heap.internalTable<Held>('held', held, OPTIONS)
              const next = testBackend(undefined, { stateBackend: lmdb })
              next.restore(JSON.parse(JSON.stringify(heap.snapshot())))
              backend.dispose()
              backend = next
              table = backend.internalTable<Held>('held', held, OPTIONS)
              continue
            }
            withKey(backend, op.key, () => {
              const list = model.get(at(op.key, op.ns))
              switch (op.op) {
                case 'add':
                  if (table.get(op.ns) === undefined) table.put(op.ns, { label: 'w' })
                  table.elements!.add(op.ns, op.item)
                  model.set(at(op.key, op.ns), [...(list ?? []), op.item])
                  return
                case 'update':
                  if (table.get(op.ns) === undefined) table.put(op.ns, { label: 'w' })
                  table.elements!.update(op.ns, op.items)
                  model.set(at(op.key, op.ns), [...op.items])
                  return
                case 'remove':
                  table.remove(op.ns)
                  model.delete(at(op.key, op.ns))
                  return
                case 'read':
                  expect(table.elements!.get(op.ns)).toEqual(list ?? [])
                  return
              }
            })
          }
          const expected = [...model].flatMap(([where, items]) => {
            const [k, n] = where.split('/').map(Number) as [number, number]
            return [JSON.stringify([assignToKeyGroup(k, 128), k, n, items.length === 0 ? { label: 'w' } : { label: 'w', items }])]
          })
          expect(entriesOf(backend.snapshot(), 'held')).toEqual(expected.sort())
        } finally {
          backend.dispose()
        }
      }),
      { numRuns: 100 }
    )
  })
})
