/**
 * The LMDB backend's operator tables (`internalTable`: window contents, panes, join buffers)
 * beyond the window and join suites that run on it: what the `OperatorTable` contract asks of
 * a table whose values leave memory, through a cache of a few keys.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as t from 'io-ts'
import * as ds from '../../src/index'
import { lmdbStateBackend } from '../../node/index'
import type { KeyedStateBackend, TableCodec } from '../../src/state/KeyedStateBackend'
import type { OperatorTable } from '../../src/state/OperatorTable'
import { encodeKey, type KeyedStateSnapshot } from '../../src/state/snapshotFormat'
import { keyId } from '../../src/core/Key'
import { assignToKeyGroup } from '../../src/state/KeyGroup'
import { testBackend, withKey } from '../support/keyed'

/** A table value: a live object the operator changes in place. */
interface Tally {
  n: number
  readonly seen: string[]
}

/** Counts its calls: a restore decodes, a read-back from the store loads. */
function tallyCodec(): TableCodec<Tally> & { decoded: number; loaded: number } {
  const codec = {
    decoded: 0,
    loaded: 0,
    encode: (tally: Tally): unknown => [tally.n, tally.seen],
    decode: (encoded: unknown, fail: (detail: string) => never): Tally => {
      codec.decoded++
      return parse(encoded, fail)
    },
    load: (encoded: unknown, fail: (detail: string) => never): Tally => {
      codec.loaded++
      return parse(encoded, fail)
    }
  }
  return codec
}

function parse(encoded: unknown, fail: (detail: string) => never): Tally {
  if (!Array.isArray(encoded) || typeof encoded[0] !== 'number' || !Array.isArray(encoded[1])) return fail(`${JSON.stringify(encoded)} is not [n, seen]`)
  return { n: encoded[0], seen: [...(encoded[1] as string[])] }
}

const KEYS: ds.Key[] = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? `k${i}` : i % 3 === 1 ? i : ['pair', i]))

/** Every key gets a tally in the void namespace and one in namespace 7. */
function fill(backend: KeyedStateBackend<ds.Key>, table: OperatorTable<ds.Key, Tally>): void {
  for (const key of KEYS) {
    withKey(backend, key, () => {
      table.put(undefined, { n: 1, seen: [String(key)] })
      table.put(7, { n: 70, seen: [] })
    })
  }
}

/** A snapshot's tables, entries sorted: the backends list a key group's keys in orders of their own. */
function tablesOf(snapshot: KeyedStateSnapshot): unknown {
  return (snapshot.tables ?? []).map(({ name, entries }) => ({ name, entries: entries.map(e => JSON.stringify(e)).sort() }))
}

describe('lmdbStateBackend: operator tables', () => {
  let dir: string
  let lmdb: ds.StateBackend
  const heap = ds.heapStateBackend()

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rx-datastream-lmdb-tables-'))
    lmdb = await lmdbStateBackend(dir, { cacheSize: 8 })
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('lists every key with its values, key group by key group, through evictions; removing while iterating changes nothing listed', () => {
    const backend = testBackend(undefined, { stateBackend: lmdb })
    const table = backend.internalTable<Tally>('tallies', tallyCodec())
    fill(backend, table)
    const listed = [...table.entries()]
    expect(listed.length).toBe(KEYS.length)
    const groups = listed.map(e => e.group)
    expect(groups).toEqual([...groups].sort((a, b) => a - b))
    for (const entry of listed) {
      expect(entry.value).toEqual({ n: 1, seen: [String(entry.key)] })
      expect(entry.namespaces?.get(7)).toEqual({ n: 70, seen: [] })
    }
    let yielded = 0
    for (const entry of table.entries()) {
      yielded++
      withKey(backend, entry.key as ds.Key, () => table.remove(undefined))
    }
    expect(yielded).toBe(KEYS.length)
    expect([...table.entries()].every(e => e.value === undefined && e.namespaces?.get(7)?.n === 70)).toBeTrue()
    backend.dispose()
  })

  it('keeps the object the operator holds through evictions, and writes what changed after willChange', () => {
    const backend = testBackend(undefined, { stateBackend: lmdb })
    const codec = tallyCodec()
    const table = backend.internalTable<Tally>('tallies', codec, { keepsReferences: true })
    const key: ds.Key = ['pair', 1]
    const held = withKey(backend, key, () => {
      const tally = { n: 1, seen: [] as string[] }
      table.put(undefined, tally)
      return tally
    })
    const valueInSnapshot = (): unknown =>
      backend.snapshot().tables!.find(t => t.name === 'tallies')!.entries.find(e => JSON.stringify(e[1]) === JSON.stringify(encodeKey(key)) && e[2] === null)?.[3]
    expect(valueInSnapshot()).toEqual([1, []])
    // Other keys through a cache of 8, then a change in place without the key current, announced
    // (as an interval join's sweep does).
    fill(backend, table)
    table.willChange(keyId(key))
    held.n = 99
    held.seen.push('later')
    fill(backend, table)
    expect(valueInSnapshot()).toEqual([99, ['later']])
    expect(table.getById(keyId(key))).toBe(held)
    expect(codec.loaded).withContext('a held value is never decoded again').toBe(0)
    backend.dispose()
  })

  it('gives a restored value listed by entries() back as the same object afterwards', () => {
    const onHeap = testBackend(undefined, { stateBackend: heap })
    fill(onHeap, onHeap.internalTable<Tally>('tallies', tallyCodec()))
    const backend = testBackend(undefined, { stateBackend: lmdb })
    const table = backend.internalTable<Tally>('tallies', tallyCodec(), { keepsReferences: true })
    backend.restore(onHeap.snapshot())
    const listed = new Map([...table.entries()].map(e => [e.id, e.value]))
    fill(backend, backend.internalTable<Tally>('others', tallyCodec(), { keepsReferences: false })) // evictions
    for (const key of KEYS) expect(withKey(backend, key, () => table.get(undefined))).toBe(listed.get(keyId(key))!)
    onHeap.dispose()
    backend.dispose()
  })

  it('gives a pinned table’s slot back when its key holds nothing, the removal reaching the store', () => {
    const backend = testBackend(undefined, { stateBackend: lmdb })
    const table = backend.internalTable<Tally>('tallies', tallyCodec(), { keepsReferences: true })
    const slots = (): number => (table as unknown as { readonly index: Map<unknown, number> }).index.size
    for (let round = 0; round < 5; round++) {
      for (const key of KEYS) withKey(backend, key, () => table.put(undefined, { n: round, seen: [] }))
      if (round === 2) expect([...table.entries()].length).toBe(KEYS.length) // flushed to the store
      for (const key of KEYS) withKey(backend, key, () => expect(table.get(undefined)?.n).toBe(round))
      for (const key of KEYS) withKey(backend, key, () => table.remove(undefined))
      expect(slots()).withContext(`round ${round}`).toBe(0)
    }
    withKey(backend, 'absent', () => expect(table.get(undefined)).toBeUndefined())
    expect(table.getById(keyId(['pair', 9999]))).toBeUndefined()
    expect(slots()).toBe(0)
    expect([...table.entries()]).toEqual([])
    expect(backend.snapshot().tables).toEqual([{ name: 'tallies', entries: [] }])
    backend.dispose()
  })

  it('lets a value go when the operator holds none (keepsReferences: false): it is read back from the store with load', () => {
    const backend = testBackend(undefined, { stateBackend: lmdb })
    const codec = tallyCodec()
    const table = backend.internalTable<Tally>('windows', codec, { keepsReferences: false })
    const first = withKey(backend, 'k0', () => {
      const tally = { n: 5, seen: ['a'] }
      table.put(3, tally)
      return tally
    })
    fill(backend, table)
    const again = withKey(backend, 'k0', () => table.get(3))
    expect(again).toEqual(first)
    expect(again).not.toBe(first)
    expect(codec.loaded).toBeGreaterThan(0)
    expect(codec.decoded).withContext('decode is a restore’s').toBe(0)
    backend.dispose()
  })

  it('says whose values stay in memory (valuesStay): a pinned table’s and the heap’s, not one whose values leave it', () => {
    const backend = testBackend(undefined, { stateBackend: lmdb })
    expect(backend.internalTable<Tally>('pinned', tallyCodec(), { keepsReferences: true }).valuesStay).toBeTrue()
    expect(backend.internalTable<Tally>('evicted', tallyCodec()).valuesStay).withContext('the default').toBeFalse()
    const onHeap = testBackend(undefined, { stateBackend: heap })
    expect(onHeap.internalTable<Tally>('evicted', tallyCodec()).valuesStay).toBeTrue()
    backend.dispose()
    onHeap.dispose()
  })

  it('reaches a composite key by its id when another key is current', () => {
    const backend = testBackend(undefined, { stateBackend: lmdb })
    const table = backend.internalTable<Tally>('tallies', tallyCodec(), { keepsReferences: false })
    fill(backend, table)
    withKey(backend, 'k3', () => {
      expect(table.getById(keyId(['pair', 2]))).toEqual({ n: 1, seen: ['pair,2'] })
      expect(table.getById(keyId(['pair', 2000]))).toBeUndefined()
    })
    backend.dispose()
  })

  it('writes the tables the heap backend writes, and each restores the other’s, checking values with the table’s codec', () => {
    const onHeap = testBackend(undefined, { stateBackend: heap })
    const onDisk = testBackend(undefined, { stateBackend: lmdb })
    fill(onHeap, onHeap.internalTable<Tally>('tallies', tallyCodec()))
    fill(onDisk, onDisk.internalTable<Tally>('tallies', tallyCodec()))
    const heapSnapshot = onHeap.snapshot()
    expect(tablesOf(onDisk.snapshot())).toEqual(tablesOf(heapSnapshot))

    // Restored before the table is made (as a sliced window's firing counts are): checked when it is.
    const restored = testBackend(undefined, { stateBackend: lmdb })
    restored.restore(heapSnapshot)
    expect(restored.unclaimedTables()).toEqual(['tallies'])
    expect(tablesOf(restored.snapshot())).toEqual(tablesOf(heapSnapshot))
    const codec = tallyCodec()
    const table = restored.internalTable<Tally>('tallies', codec)
    expect(codec.decoded).toBe(2 * KEYS.length)
    expect(restored.unclaimedTables()).toEqual([])
    withKey(restored, 'k3', () => expect(table.get(7)).toEqual({ n: 70, seen: [] }))
    const heapAgain = testBackend(undefined, { stateBackend: heap })
    heapAgain.internalTable<Tally>('tallies', tallyCodec())
    heapAgain.restore(restored.snapshot())
    expect(tablesOf(heapAgain.snapshot())).toEqual(tablesOf(heapSnapshot))
    for (const backend of [onHeap, onDisk, restored, heapAgain]) backend.dispose()
  })

  it('refuses a restored value the table’s codec rejects, naming the operator and the table', () => {
    const snapshot = testBackend(undefined, { stateBackend: heap }).snapshot()
    const bad = { ...snapshot, tables: [{ name: 'tallies', entries: [[assignToKeyGroup('k0', snapshot.maxParallelism), 'k0', null, 'not a tally']] }] }
    const made = testBackend(undefined, { stateBackend: lmdb })
    made.internalTable<Tally>('tallies', tallyCodec())
    expect(() => made.restore(bad)).toThrowMatching(e => e instanceof ds.StateError && /uid spec-v1.*tallies.*not a tally.*is not \[n, seen\]/.test(e.message))
    made.dispose()
    const pending = testBackend(undefined, { stateBackend: lmdb })
    pending.restore(bad)
    expect(() => pending.internalTable<Tally>('tallies', tallyCodec())).toThrowMatching(e => e instanceof ds.StateError && /tallies.*is not \[n, seen\]/.test(e.message))
    pending.dispose()
  })

  it('keeps a table apart from a descriptor state of the same name', () => {
    const backend = testBackend(undefined, { stateBackend: lmdb })
    const table = backend.internalTable<Tally>('panes', tallyCodec())
    const state = ds.valueState('panes', t.number)
    fill(backend, table)
    for (const [i, key] of KEYS.entries()) withKey(backend, key, () => backend.getState(state).update(i))
    expect([...table.entries()].length).toBe(KEYS.length)
    withKey(backend, 'k0', () => {
      expect(backend.getState(state).value()).toBe(0)
      expect(table.get(undefined)).toEqual({ n: 1, seen: ['k0'] })
    })
    const snapshot = backend.snapshot()
    expect(snapshot.states.find(s => s.name === 'panes')?.entries.length).toBe(KEYS.length)
    expect(snapshot.tables?.find(s => s.name === 'panes')?.entries.length).toBe(2 * KEYS.length)
    backend.dispose()
  })

  it('clears a table from the cache and the store', () => {
    const backend = testBackend(undefined, { stateBackend: lmdb })
    const table = backend.internalTable<Tally>('tallies', tallyCodec())
    fill(backend, table)
    table.clear()
    expect([...table.entries()]).toEqual([])
    withKey(backend, 'k0', () => expect(table.get(undefined)).toBeUndefined())
    expect(backend.snapshot().tables).toEqual([{ name: 'tallies', entries: [] }])
    backend.dispose()
  })
})
