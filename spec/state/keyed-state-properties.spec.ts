/**
 * Properties of keyed state: whatever the input, keyed state behaves like a plain `Map` from
 * key to value (scoped per key, independent of the key-group layout, unchanged by a snapshot
 * and restore), and TTL state like a map of values with their last-access times.
 */
import fc from 'fast-check'
import * as t from 'io-ts'
import { from } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements, rec, wm } from '../../marbles/index'
import { mainValues, testBackend, withKey, keyedOptions } from '../support/keyed'
import { describeBackends } from '../support/backends'

/** Small key spaces, so that keys repeat: strings, integers, bigints and composite keys. */
const keyArb: fc.Arbitrary<ds.Key> = fc.oneof(
  fc.constantFrom('a', 'b', 'c', ''),
  fc.integer({ min: -3, max: 3 }),
  fc.bigInt({ min: -2n, max: 2n }),
  fc.tuple(fc.constantFrom('x', 'y'), fc.integer({ min: 0, max: 2 }))
)

/** A string equal for equal keys, for the reference maps. */
const refKey = (key: ds.Key): string => (Array.isArray(key) ? `tuple:${key.map(part => `${typeof part}:${String(part)}`).join('|')}` : `${typeof key}:${String(key)}`)

type Step = { readonly kind: 'record'; readonly key: ds.Key; readonly value: number } | { readonly kind: 'watermark'; readonly delta: number }

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('record' as const), key: keyArb, value: fc.integer({ min: -100, max: 100 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('watermark' as const), delta: fc.integer({ min: 0, max: 5 }) }) }
)

describeBackends('keyed state properties', () => {
  it('keyedProcess counting per key with a value state equals a Map-based count, for any keyed input and key-group layout', () => {
    const count = ds.valueState('count', t.number, 0)
    const counting: ds.KeyedProcessFunction<ds.Key, number, [ds.Key, number]> = {
      processElement: (_v, ctx, out) => {
        const state = ctx.state(count)
        const n = (state.value() ?? 0) + 1
        state.update(n)
        out.collect([ctx.getCurrentKey(), n])
      }
    }
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 120 }), fc.integer({ min: 1, max: 300 }), (steps, maxParallelism) => {
        let watermark = -10
        const input = steps.map((step, i): ds.StreamElement<number, ds.Key> => {
          if (step.kind === 'watermark') return wm((watermark += step.delta + 1))
          return rec(step.value, i, step.key)
        })
        const out = collectElements(from(input).pipe(ds.keyedProcess(counting, keyedOptions({ maxParallelism }))))
        const reference = new Map<string, number>()
        const expected: Array<[ds.Key, number]> = []
        for (const step of steps) {
          if (step.kind !== 'record') continue
          const n = (reference.get(refKey(step.key)) ?? 0) + 1
          reference.set(refKey(step.key), n)
          expected.push([step.key, n])
        }
        expect(out.error).toBeUndefined()
        expect(mainValues(out)).toEqual(expected)
        return out.completed
      }),
      { numRuns: 200 }
    )
  })

  it('list and value state survive a snapshot and restore at any point: the result equals the reference map', () => {
    const last = ds.valueState('last', t.number)
    const all = ds.listState('all', t.number)
    type Op = { readonly key: ds.Key; readonly value: number; readonly clear: boolean }
    const opArb: fc.Arbitrary<Op> = fc.record({ key: keyArb, value: fc.integer({ min: -50, max: 50 }), clear: fc.boolean() })
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), fc.nat(), fc.integer({ min: 1, max: 200 }), (ops, cut, maxParallelism) => {
        const at = ops.length === 0 ? 0 : cut % (ops.length + 1)
        let backend = testBackend({ now: 0 }, { maxParallelism })
        const reference = new Map<string, { key: ds.Key; last: number | undefined; all: number[] }>()
        ops.forEach((op, i) => {
          if (i === at) {
            const restored = testBackend({ now: 0 }, { maxParallelism })
            restored.restore(JSON.parse(JSON.stringify(backend.snapshot())))
            backend = restored
          }
          withKey(backend, op.key, () => {
            if (op.clear) {
              backend.getState(last).clear()
              backend.getState(all).clear()
            } else {
              backend.getState(last).update(op.value)
              backend.getState(all).add(op.value)
            }
          })
          const entry = reference.get(refKey(op.key)) ?? { key: op.key, last: undefined, all: [] }
          reference.set(refKey(op.key), op.clear ? { key: op.key, last: undefined, all: [] } : { key: op.key, last: op.value, all: [...entry.all, op.value] })
        })
        for (const { key, last: expectedLast, all: expectedAll } of reference.values()) {
          withKey(backend, key, () => {
            expect(backend.getState(last).value()).toBe(expectedLast)
            expect(backend.getState(all).get()).toEqual(expectedAll)
          })
        }
        const stored = new Set<string>()
        backend.applyToAllKeys(last, key => stored.add(refKey(key)))
        expect([...stored].sort()).toEqual([...reference.entries()].filter(([, e]) => e.last !== undefined).map(([k]) => k).sort())
      }),
      { numRuns: 200 }
    )
  })

  it('TTL value state reads like a map of values with their last-access times: present iff lastAccess + ttl > now', () => {
    type Op = { readonly key: ds.Key; readonly dt: number; readonly write: number | undefined }
    const opArb: fc.Arbitrary<Op> = fc.record({ key: keyArb, dt: fc.integer({ min: 0, max: 6 }), write: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }) })
    const settings = fc.record({
      ttl: fc.integer({ min: 1, max: 12 }),
      updateType: fc.constantFrom<ds.TtlUpdateType>('OnCreateAndWrite', 'OnReadAndWrite'),
      cleanupIncrementally: fc.integer({ min: 0, max: 6 })
    })
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), settings, (ops, { ttl, updateType, cleanupIncrementally }) => {
        const clock = { now: 0 }
        const backend = testBackend(clock)
        const v = ds.enableTimeToLive(ds.valueState('v', t.number), ds.stateTtlConfig(ttl, { updateType, cleanupIncrementally }))
        const reference = new Map<string, { value: number; time: number }>()
        for (const op of ops) {
          clock.now += op.dt
          const got = withKey(backend, op.key, () => {
            const state = backend.getState(v)
            if (op.write === undefined) return state.value()
            state.update(op.write)
            return op.write
          })
          const entry = reference.get(refKey(op.key))
          let expected: number | undefined
          if (op.write !== undefined) {
            reference.set(refKey(op.key), { value: op.write, time: clock.now })
            expected = op.write
          } else if (entry !== undefined && entry.time + ttl > clock.now) {
            if (updateType === 'OnReadAndWrite') entry.time = clock.now
            expected = entry.value
          } else {
            reference.delete(refKey(op.key))
            expected = undefined
          }
          expect(got).toBe(expected)
        }
        const live = backend.snapshot().states.flatMap(s => s.entries.map(e => e[3]))
        expect(live.length).toBe([...reference.values()].filter(e => e.time + ttl > clock.now).length)
      }),
      { numRuns: 200 }
    )
  })
})
