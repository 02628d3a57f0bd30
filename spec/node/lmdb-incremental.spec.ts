/**
 * Incremental checkpoints of the LMDB backend, at the backend: whatever is written, removed,
 * evicted, checkpointed, completed, aborted, savepointed or restored, a checkpoint's chain
 * merged (`resolveKeyedChain`) is the full snapshot of the same moment; savepoints, the first
 * checkpoint and those after a restore or at the chain's bound are full; what an increment
 * holds is bounded by what changed.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import * as t from 'io-ts'
import * as ds from '../../src/index'
import { lmdbStateBackend } from '../../node/index'
import { completeNow } from '../../src/state/DeferredJson'
import { INCREMENT_FORMAT, resolveKeyedChain } from '../../src/state/incremental'
import type { KeyedSnapshotOptions, KeyedStateBackend, TableCodec } from '../../src/state/KeyedStateBackend'
import { testBackend, withKey } from '../support/keyed'

const count = ds.valueState('count', t.number)
const names = ds.listState('names', t.string)
const scores = ds.mapState('scores', t.string, t.number)
const sum = ds.reducingState('sum', (a: number, b: number) => a + b, t.number)
const fresh = ds.enableTimeToLive(ds.valueState('fresh', t.string), ds.stateTtlConfig(1_000_000))

/** A change to one key's state. */
type Change =
  | { readonly op: 'count'; readonly key: number; readonly n: number }
  | { readonly op: 'name'; readonly key: number; readonly n: number }
  | { readonly op: 'score'; readonly key: number; readonly n: number }
  | { readonly op: 'window'; readonly key: number; readonly n: number }
  | { readonly op: 'fresh'; readonly key: number; readonly n: number }
  | { readonly op: 'clear'; readonly key: number }
  | { readonly op: 'clearWindow'; readonly key: number; readonly n: number }
  | { readonly op: 'row'; readonly key: number; readonly n: number }
  | { readonly op: 'pin'; readonly key: number; readonly n: number }
  | { readonly op: 'element'; readonly key: number; readonly n: number }
  | { readonly op: 'prepare' }

/** Operators' tables: `rows` evicted like descriptor state, `pins` pinned in the cache (its operator holds its values). */
const numbers: TableCodec<number[]> = {
  encode: value => value,
  decode: (encoded, fail) => (Array.isArray(encoded) && encoded.every(n => typeof n === 'number') ? (encoded as number[]) : fail(`${JSON.stringify(encoded)} is not a list of numbers`))
}

/** A value whose list `items` the LMDB backend keeps as an entry per element (`elementsField`), as window contents. */
interface Listed {
  readonly items?: number[]
}
const listed: TableCodec<Listed> = {
  encode: value => value,
  decode: (encoded, fail) => (typeof encoded === 'object' && encoded !== null ? (encoded as Listed) : fail(`${JSON.stringify(encoded)} is not an object`))
}

const keyOf = (key: number): ds.Key => (key % 2 === 0 ? `k${key}` : key)

function apply(backend: KeyedStateBackend<ds.Key>, change: Change): void {
  // A step of the writing ahead of a barrier (one slice of keys: the deadline has passed).
  if (change.op === 'prepare') return void backend.prepareSnapshot?.(-Infinity)
  withKey(backend, keyOf(change.key), () => {
    switch (change.op) {
      case 'count':
        return backend.getState(count).update(change.n)
      case 'name':
        return backend.getState(names).add(`n${change.n}`)
      case 'score':
        return backend.getState(scores).put(`s${change.n % 3}`, change.n)
      case 'window':
        return backend.getNamespacedState(sum, change.n % 3).add(change.n)
      case 'fresh':
        return backend.getState(fresh).update(`f${change.n}`)
      case 'clear':
        for (const d of [count, names, scores, fresh]) backend.getState(d).clear()
        return
      case 'clearWindow':
        return backend.clearNamespace(change.n % 3)
      case 'row': {
        // In a window namespace or not; every seventh change removes.
        const rows = backend.internalTable<number[]>('rows', numbers, { keepsReferences: false })
        return rows.put(change.n % 2 === 0 ? undefined : change.n % 3, change.n % 7 === 0 ? undefined : [change.n])
      }
      case 'element': {
        // An element added (most), the list replaced (every seventh) or the value removed (every fifth), in one of two windows.
        const lists = backend.internalTable<Listed>('lists', listed, { keepsReferences: false, elementsField: 'items' })
        const ns = change.n % 2
        if (change.n % 5 === 0) return lists.remove(ns)
        if (lists.get(ns) === undefined) lists.put(ns, {})
        if (change.n % 7 === 0) return lists.elements!.update(ns, [change.n, -change.n])
        return lists.elements!.add(ns, change.n)
      }
      case 'pin': {
        const pins = backend.internalTable<number[]>('pins', numbers)
        const held = pins.get(undefined)
        if (change.n % 5 === 0) return pins.remove(undefined)
        // Changed in place after a read, as operators change what they hold.
        if (held !== undefined) held.push(change.n)
        else pins.put(undefined, [change.n])
        return
      }
    }
  })
}

/** What ends a step: a barrier of a checkpoint (completed or aborted) or a savepoint, or a restore of the newest completed checkpoint. */
type Barrier = 'complete' | 'abort' | 'savepoint' | 'restore'

const changeArb: fc.Arbitrary<Change> = fc.oneof(
  fc.record({
    op: fc.constantFrom(
      'count' as const,
      'name' as const,
      'score' as const,
      'window' as const,
      'fresh' as const,
      'clearWindow' as const,
      'row' as const,
      'pin' as const,
      'element' as const,
      'element' as const
    ),
    key: fc.nat(15),
    n: fc.nat(50)
  }),
  fc.record({ op: fc.constant('clear' as const), key: fc.nat(15) }),
  fc.record({ op: fc.constant('prepare' as const) })
)
const stepArb = fc.record({
  changes: fc.array(changeArb, { maxLength: 12 }),
  barrier: fc.constantFrom<Barrier>('complete', 'complete', 'complete', 'abort', 'savepoint', 'restore')
})

/** A keyed snapshot with its states (and tables) sorted by name and their entries by text: the same state whatever the order it was written in. */
function normalized(snapshot: unknown): unknown {
  const { states, tables = [], ...rest } = snapshot as { states: Array<{ name: string; entries: unknown[] }>; tables?: Array<{ name: string; entries: unknown[] }> }
  const sorted = (parts: Array<{ name: string; entries: unknown[] }>): unknown =>
    [...parts].sort((a, b) => (a.name < b.name ? -1 : 1)).map(s => ({ ...s, entries: s.entries.map(e => JSON.stringify(e)).sort() }))
  return { ...rest, states: sorted(states), tables: sorted(tables) }
}

/** Takes a snapshot at a barrier as the keyed base does in a job, written out at once. */
function barrierSnapshot(backend: KeyedStateBackend<ds.Key>, options: KeyedSnapshotOptions): { readonly keyed: unknown; readonly needs: readonly number[] } {
  let needs: readonly number[] = []
  const keyed = JSON.parse(completeNow(backend.snapshotDeferred({ ...options, needs: ids => (needs = ids) }))) as unknown
  return { keyed, needs }
}

describe('incremental checkpoints of the LMDB backend', () => {
  let dir: string
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'rx-datastream-incremental-'))))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('merge a chain into the full snapshot of the same moment, whatever happens between barriers', async () => {
    // A cache of 4 values: most changes reach the store by eviction, between barriers.
    const lmdb = await lmdbStateBackend(dir, { cacheSize: 4, maxCheckpointChain: 4 })
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 14 }), async steps => {
        const backend = testBackend({ now: 0 }, { stateBackend: lmdb })
        try {
          const parts = new Map<number, unknown>()
          let lastCompleted: number | undefined
          let id = 0
          for (const { changes, barrier } of steps) {
            for (const change of changes) apply(backend, change)
            if (barrier === 'restore') {
              if (lastCompleted === undefined) continue
              backend.restore(resolveKeyedChain('spec', lastCompleted, parts.get(lastCompleted), (at: number) => parts.get(at)))
              lastCompleted = undefined // a restored job's first checkpoint has no base in its run
              continue
            }
            const checkpointId = ++id
            const kind = barrier === 'savepoint' ? 'savepoint' : 'checkpoint'
            const { keyed, needs } = barrierSnapshot(backend, { checkpointId, kind, incrementalBase: kind === 'checkpoint' ? lastCompleted : undefined })
            const full = backend.snapshot()
            parts.set(checkpointId, keyed)
            const incremental = (keyed as { format: string }).format === INCREMENT_FORMAT
            if (kind === 'savepoint' || lastCompleted === undefined) expect(incremental).withContext(`checkpoint ${checkpointId} (${kind}) is full`).toBeFalse()
            expect(needs.length > 0).withContext(`checkpoint ${checkpointId}: it needs checkpoints only when it is an increment`).toBe(incremental)
            expect(needs.length).withContext(`checkpoint ${checkpointId}: a restore reads at most 4 checkpoints`).toBeLessThan(4)
            expect(normalized(resolveKeyedChain('spec', checkpointId, keyed, (at: number) => parts.get(at)))).withContext(`checkpoint ${checkpointId}'s chain`).toEqual(normalized(full))
            if (barrier === 'complete') {
              backend.notifyCheckpointComplete?.(checkpointId)
              lastCompleted = checkpointId
            }
            if (barrier === 'savepoint') backend.notifyCheckpointComplete?.(checkpointId)
          }
        } finally {
          backend.dispose()
        }
      }),
      { numRuns: 60 }
    )
  })

  it('write in an increment only what changed since the base, and a full checkpoint at the chain’s bound', async () => {
    const lmdb = await lmdbStateBackend(dir, { cacheSize: 100, maxCheckpointChain: 3 })
    const backend = testBackend({ now: 0 }, { stateBackend: lmdb })
    try {
      for (let key = 0; key < 2_000; key++) apply(backend, { op: 'count', key, n: key })
      const first = barrierSnapshot(backend, { checkpointId: 1, kind: 'checkpoint' })
      backend.notifyCheckpointComplete?.(1)
      for (let key = 0; key < 20; key++) apply(backend, { op: 'count', key, n: -key })
      apply(backend, { op: 'clear', key: 1_999 })
      const second = barrierSnapshot(backend, { checkpointId: 2, kind: 'checkpoint', incrementalBase: 1 })
      expect(second.needs).toEqual([1])
      const increment = second.keyed as { base: number; states: Array<{ name: string; entries: unknown[]; removed: unknown[] }> }
      expect(increment.base).toBe(1)
      const counts = increment.states.find(s => s.name === 'count')!
      expect(counts.entries.length).toBe(20)
      expect(counts.removed).toEqual([[jasmine.any(Number), 1_999, null]])
      expect(JSON.stringify(second.keyed).length).toBeLessThan(JSON.stringify(first.keyed).length * 0.05)
      backend.notifyCheckpointComplete?.(2)
      // Checkpoint 3 is aborted: checkpoint 4 on base 2 carries its changes too.
      apply(backend, { op: 'count', key: 100, n: 1 })
      expect(barrierSnapshot(backend, { checkpointId: 3, kind: 'checkpoint', incrementalBase: 2 }).needs).toEqual([1, 2])
      apply(backend, { op: 'count', key: 101, n: 1 })
      // A chain of 3 at most: checkpoint 4 on 2 would need 1 and 2 and be the third.
      const fourth = barrierSnapshot(backend, { checkpointId: 4, kind: 'checkpoint', incrementalBase: 2 })
      expect(fourth.needs).toEqual([1, 2])
      expect((fourth.keyed as typeof increment).states.find(s => s.name === 'count')!.entries.map(e => (e as unknown[])[1])).toEqual(jasmine.arrayWithExactContents(['k100', 101]))
      backend.notifyCheckpointComplete?.(4)
      const fifth = barrierSnapshot(backend, { checkpointId: 5, kind: 'checkpoint', incrementalBase: 4 })
      expect(fifth.needs).toEqual([])
      expect((fifth.keyed as { format: string }).format).toBe('rx-datastream/keyed-state')
    } finally {
      backend.dispose()
    }
  })

  it('write a snapshot taken before the operator closed after it closed (a job’s final checkpoint), full or incremental', async () => {
    const lmdb = await lmdbStateBackend(dir, { cacheSize: 64 })
    for (const incremental of [false, true]) {
      const backend = testBackend({ now: 0 }, { stateBackend: lmdb })
      for (let key = 0; key < 3_000; key++) apply(backend, { op: 'count', key, n: key })
      barrierSnapshot(backend, { checkpointId: 1, kind: 'checkpoint' })
      backend.notifyCheckpointComplete?.(1)
      for (let key = 0; key < 3_000; key += incremental ? 2 : 1) apply(backend, { op: 'count', key, n: -key })
      const expected = normalized(backend.snapshot())
      const deferred = backend.snapshotDeferred({ checkpointId: 2, kind: 'checkpoint', incrementalBase: incremental ? 1 : undefined })
      expect(deferred.step(0)).withContext('written in steps').toBeFalse()
      backend.dispose()
      const keyed = JSON.parse(completeNow(deferred)) as unknown
      expect((keyed as { format: string }).format).toBe(incremental ? INCREMENT_FORMAT : 'rx-datastream/keyed-state')
      const parts = new Map<number, unknown>([[2, keyed]])
      if (incremental) {
        // Checkpoint 1, as its backend wrote it: every key with its first value.
        const first = testBackend({ now: 0 }, { stateBackend: lmdb })
        for (let key = 0; key < 3_000; key++) apply(first, { op: 'count', key, n: key })
        parts.set(1, first.snapshot())
        first.dispose()
      }
      expect(normalized(resolveKeyedChain('spec', 2, keyed, (at: number) => parts.get(at)))).toEqual(expected)
    }
  })

  it('write every checkpoint full with incrementalCheckpoints: false, and check the options', async () => {
    const lmdb = await lmdbStateBackend(dir, { incrementalCheckpoints: false })
    const backend = testBackend({ now: 0 }, { stateBackend: lmdb })
    try {
      apply(backend, { op: 'count', key: 1, n: 1 })
      barrierSnapshot(backend, { checkpointId: 1, kind: 'checkpoint' })
      backend.notifyCheckpointComplete?.(1)
      apply(backend, { op: 'count', key: 2, n: 2 })
      const second = barrierSnapshot(backend, { checkpointId: 2, kind: 'checkpoint', incrementalBase: 1 })
      expect(second.needs).toEqual([])
      expect((second.keyed as { format: string }).format).toBe('rx-datastream/keyed-state')
    } finally {
      backend.dispose()
    }
    await expectAsync(lmdbStateBackend(dir, { maxCheckpointChain: 0 })).toBeRejectedWithError(RangeError, /maxCheckpointChain must be a whole number ≥ 1, not 0/)
    await expectAsync(lmdbStateBackend(dir, { incrementalCheckpoints: 'yes' as unknown as boolean })).toBeRejectedWithError(TypeError, /incrementalCheckpoints must be true or false/)
  })
})
