/**
 * The merge of incremental keyed snapshots (src/state/incremental.ts), on its own: entries
 * merged in place, a chain resolved into a full snapshot, and a chain that does not hold
 * together refused with the checkpoint and operator named. The LMDB backend's increments are
 * checked against its full snapshots in spec/node/lmdb-incremental.spec.ts.
 */
import fc from 'fast-check'
import { applyKeyedIncrement, INCREMENT_FORMAT, type KeyedStateIncrement, mergeEntries, resolveKeyedChain } from '../../src/state/incremental'
import type { KeyedStateSnapshot, SnapshotEntry } from '../../src/state/snapshotFormat'

const header = { name: 'count', kind: 'ValueStateDescriptor' as const, ttl: false }

const full = (entries: SnapshotEntry[]): KeyedStateSnapshot => ({ format: 'rx-datastream/keyed-state', version: 1, maxParallelism: 128, states: [{ ...header, entries }], tables: [] })

const increment = (base: number, entries: SnapshotEntry[], removed: Array<[number, string, null]> = []): KeyedStateIncrement => ({
  format: INCREMENT_FORMAT,
  version: 1,
  base,
  maxParallelism: 128,
  states: [{ ...header, entries, removed }],
  tables: []
})

describe('incremental keyed snapshots', () => {
  it('replace written entries where they stand, leave removed ones out and add new ones after', () => {
    const base: SnapshotEntry[] = [
      [1, 'a', null, 1],
      [2, 'b', null, 2],
      [3, 'c', null, 3],
      [3, 'c', 10, 30]
    ]
    expect(mergeEntries(base, [[2, 'b', null, 20], [4, 'd', null, 4]], [[3, 'c', null]])).toEqual([
      [1, 'a', null, 1],
      [2, 'b', null, 20],
      [3, 'c', 10, 30],
      [4, 'd', null, 4]
    ])
  })

  it('give the entries of the newer snapshot, whatever the two snapshots hold', () => {
    // Keys and namespaces as they are written (key groups do not matter to the merge).
    const entryArb = fc.record({ key: fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -5, max: 5 })), ns: fc.constantFrom(null, 1, 'w'), value: fc.nat(9) })
    const stateArb = fc.uniqueArray(entryArb, { selector: e => JSON.stringify([e.key, e.ns]), maxLength: 12 })
    fc.assert(
      fc.property(stateArb, stateArb, (before, after) => {
        const toEntry = (e: { key: string | number; ns: null | number | string; value: number }): SnapshotEntry => [0, e.key, e.ns, e.value]
        const id = (e: { key: unknown; ns: unknown }): string => JSON.stringify([e.key, e.ns])
        const old = new Map(before.map(e => [id(e), e.value]))
        const written = after.filter(e => old.get(id(e)) !== e.value).map(toEntry)
        const kept = new Set(after.map(id))
        const removed = before.filter(e => !kept.has(id(e))).map(e => [0, e.key, e.ns] as [number, string | number, null | number | string])
        const merged = mergeEntries(before.map(toEntry), written, removed)
        expect(merged.map(e => JSON.stringify(e)).sort()).toEqual(after.map(e => JSON.stringify(toEntry(e))).sort())
        // What stays keeps the order it had.
        const stayed = before.filter(e => kept.has(id(e))).map(id)
        expect(merged.map(e => id({ key: e[1], ns: e[2] })).filter(k => stayed.includes(k))).toEqual(stayed)
      })
    )
  })

  it('resolve a chain into the full snapshot its newest increment stands for', () => {
    const parts = new Map<number, unknown>([
      [1, full([[1, 'a', null, 1], [2, 'b', null, 2]])],
      [2, increment(1, [[1, 'a', null, 10]])],
      [3, increment(2, [[5, 'e', null, 5]], [[2, 'b', null]])]
    ])
    expect(resolveKeyedChain('counts', 3, parts.get(3), id => parts.get(id))).toEqual({
      format: 'rx-datastream/keyed-state',
      version: 1,
      maxParallelism: 128,
      states: [{ ...header, entries: [[1, 'a', null, 10], [5, 'e', null, 5]] }],
      tables: []
    })
    // A full snapshot is its own chain.
    expect(resolveKeyedChain('counts', 1, parts.get(1), () => fail('no base is read'))).toBe(parts.get(1))
  })

  it('refuse a chain that does not hold together, naming the operator and the checkpoint', () => {
    const base = full([[1, 'a', null, 1]])
    const cases: Array<[string, Map<number, unknown>, RegExp]> = [
      ['a base missing', new Map([[3, increment(2, [])]]), /operator 'counts' in checkpoint 3 is an increment on checkpoint 2, which holds no keyed state of that operator/],
      ['a base not older', new Map<number, unknown>([[3, increment(3, [])]]), /in checkpoint 3 is an increment on checkpoint 3, which is not older/],
      ['a damaged increment', new Map<number, unknown>([[3, { ...increment(1, []), states: 'x' }], [1, base]]), /operator 'counts' in checkpoint 3 is not an increment of this version: states/],
      ['a damaged base', new Map<number, unknown>([[3, increment(1, [])], [1, { ...base, version: 2 }]]), /in checkpoint 1, the base of its chain, is not a keyed-state snapshot of this version: its format is "rx-datastream\/keyed-state" version 2/],
      ['entries not arrays', new Map<number, unknown>([[3, increment(1, [])], [1, { ...base, states: [{ ...header, entries: [{}] }] }]]), /in checkpoint 1, the base of its chain, is not a keyed-state snapshot of this version: states holds a part without a name or entries/],
      ['another maxParallelism', new Map<number, unknown>([[3, { ...increment(1, []), maxParallelism: 64 }], [1, base]]), /in checkpoint 1, the base of its chain, has maxParallelism 128, the increment written on it 64/],
      ['another maxParallelism in the chain', new Map<number, unknown>([[3, { ...increment(2, []), maxParallelism: 64 }], [2, increment(1, [])], [1, base]]), /in checkpoint 2 has maxParallelism 128, the increment written on it 64/]
    ]
    for (const [label, parts, message] of cases) {
      expect(() => resolveKeyedChain('counts', 3, parts.get(3), id => parts.get(id)))
        .withContext(label)
        .toThrowError(message)
    }
  })

  it('keep the increment’s headers: a state’s newest version, and states new since the base', () => {
    const merged = applyKeyedIncrement(full([[1, 'a', null, 1]]), {
      ...increment(1, []),
      states: [
        { ...header, version: 2, entries: [[1, 'a', null, { v: 1 }]], removed: [] },
        { name: 'names', kind: 'ListStateDescriptor', ttl: false, entries: [[1, 'a', null, ['x']]], removed: [] }
      ]
    })
    expect(merged.states).toEqual([
      { ...header, version: 2, entries: [[1, 'a', null, { v: 1 }]] },
      { name: 'names', kind: 'ListStateDescriptor', ttl: false, entries: [[1, 'a', null, ['x']]] }
    ])
  })
})
