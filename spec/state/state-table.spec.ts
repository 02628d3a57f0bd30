/**
 * The heap state table against a model (a `Map` per key of namespace → value): any sequence of
 * puts, removals, restores and sweeps over a few keys and namespaces leaves the same values,
 * read one by one, listed as snapshots list them, and a key's only namespaced value as the
 * window operator reads it. Keys move between one namespace (held as
 * a pair) and several (a `Map`) and back to none; the model does not care how.
 */
import fc from 'fast-check'
import { KeyContext } from '../../src/state/KeyContext'
import { StateTable } from '../../src/state/StateTable'

type Ns = number | undefined
type Op =
  | { readonly kind: 'put'; readonly key: number; readonly ns: Ns; readonly value: number }
  | { readonly kind: 'remove'; readonly key: number; readonly ns: Ns }
  | { readonly kind: 'restore'; readonly key: number; readonly ns: Ns; readonly value: number }
  | { readonly kind: 'sweep'; readonly modulo: number }

const KEYS = [1, 2, 3]
// NaN is a namespace as `Map` keys take it (SameValueZero).
const NAMESPACES: readonly Ns[] = [undefined, 10, 20, 30, Number.NaN]

const nsArb = fc.constantFrom(...NAMESPACES)
const keyArb = fc.constantFrom(...KEYS)
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('put' as const), key: keyArb, ns: nsArb, value: fc.integer({ min: 1, max: 99 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('remove' as const), key: keyArb, ns: nsArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restore' as const), key: keyArb, ns: nsArb, value: fc.integer({ min: 1, max: 99 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const), modulo: fc.integer({ min: 2, max: 5 }) }) }
)

/** The sweeps' rule: a value divisible by `modulo` goes, an odd one is doubled, the rest stay. */
const keepFor =
  (modulo: number) =>
  (value: number): number | undefined =>
    value % modulo === 0 ? undefined : value % 2 === 1 ? value * 2 : value

/** The model's namespace key: NaN as itself (`Map` keys compare NaN equal). */
type Model = Map<number, Map<Ns, number>>

function apply(model: Model, op: Op): void {
  if (op.kind === 'sweep') {
    const keep = keepFor(op.modulo)
    for (const [key, values] of model) {
      for (const [ns, value] of values) {
        const kept = keep(value)
        if (kept === undefined) values.delete(ns)
        else values.set(ns, kept)
      }
      if (values.size === 0) model.delete(key)
    }
    return
  }
  let values = model.get(op.key)
  if (op.kind === 'remove') {
    values?.delete(op.ns)
    if (values?.size === 0) model.delete(op.key)
    return
  }
  if (values === undefined) model.set(op.key, (values = new Map()))
  values.set(op.ns, op.value)
}

function run(table: StateTable<number, number>, keys: KeyContext<number>, op: Op): void {
  switch (op.kind) {
    case 'put':
      keys.setCurrentKey(op.key)
      table.put(op.ns, op.value)
      return
    case 'remove':
      keys.setCurrentKey(op.key)
      table.remove(op.ns)
      return
    case 'restore':
      table.restoreValue(op.key, op.key, op.ns, op.value)
      return
    case 'sweep':
      table.sweepAll(keepFor(op.modulo))
  }
}

/** The table as the model's shape: every key's values, read one by one with the key current. */
function readBack(table: StateTable<number, number>, keys: KeyContext<number>): Model {
  const read: Model = new Map()
  for (const key of KEYS) {
    keys.setCurrentKey(key)
    for (const ns of NAMESPACES) {
      const value = table.get(ns)
      if (value === undefined) continue
      let values = read.get(key)
      if (values === undefined) read.set(key, (values = new Map()))
      values.set(ns, value)
    }
  }
  return read
}

/** The table as snapshots list it. */
function listed(table: StateTable<number, number>): Model {
  const read: Model = new Map()
  for (const entry of table.entries()) {
    const values = new Map<Ns, number>()
    if (entry.value !== undefined) values.set(undefined, entry.value)
    for (const [ns, value] of entry.namespaces ?? []) values.set(ns as Ns, value)
    read.set(entry.key, values)
  }
  return read
}

/** A model as sorted text, so that two compare regardless of insertion order. */
function show(model: Model): string[] {
  const lines: string[] = []
  for (const [key, values] of model) for (const [ns, value] of values) lines.push(`${key}/${String(ns)}=${value}`)
  return lines.sort()
}

describe('StateTable (heap)', () => {
  it('holds what a map per key of namespace → value holds, through any puts, removals, restores and sweeps', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), ops => {
        const keys = new KeyContext<number>(128)
        const table = new StateTable<number, number>('t', keys)
        const model: Model = new Map()
        for (const op of ops) {
          run(table, keys, op)
          apply(model, op)
          // Read back after every step: a stale cached namespace would show here.
          expect(show(readBack(table, keys))).toEqual(show(model))
          for (const key of KEYS) {
            keys.setCurrentKey(key)
            const namespaced = [...(model.get(key) ?? [])].filter(([ns]) => ns !== undefined)
            expect(table.soleNamespaced()).toBe(namespaced.length === 1 ? namespaced[0]![1] : undefined)
          }
        }
        expect(show(listed(table))).toEqual(show(model))
        expect(table.isEmpty()).toBe(model.size === 0)
      }),
      { numRuns: 300 }
    )
  })

  it('reads a key moved from one namespace to two and back, and lists each key once', () => {
    const keys = new KeyContext<number>(128)
    const table = new StateTable<number, string>('t', keys)
    keys.setCurrentKey(7)
    table.put(1, 'a')
    table.put(1, 'b') // the one namespace, replaced in place
    expect(table.get(1)).toBe('b')
    expect(table.get(2)).toBeUndefined()
    table.put(2, 'c') // a second: both in a map
    table.remove(1)
    expect(table.get(1)).toBeUndefined()
    expect(table.get(2)).toBe('c')
    table.put(undefined, 'v')
    expect([...table.entries()].map(e => [e.key, e.value, [...(e.namespaces ?? [])]])).toEqual([[7, 'v', [[2, 'c']]]])
    table.remove(2)
    table.remove(undefined)
    expect(table.isEmpty()).toBeTrue()
  })
})
