import * as t from 'io-ts'
import * as ds from '../../src/index'
import { assignToKeyGroup } from '../../src/state/KeyGroup'
import type { KeyedStateBackend } from '../../src/state/KeyedStateBackend'
import type { KeyedStateSnapshot } from '../../src/state/snapshotFormat'
import { averageState as average, testBackend, withKey } from '../support/keyed'
import { describeBackends } from '../support/backends'

/** A snapshot as it comes back from storage: through JSON text. */
function stored(snapshot: KeyedStateSnapshot): unknown {
  return JSON.parse(JSON.stringify(snapshot))
}

/** The StateError `run` throws. */
function stateErrorOf(run: () => unknown): ds.StateError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ds.StateError)
    return error as ds.StateError
  }
  fail('expected a StateError, but nothing was thrown')
  throw new Error('unreachable')
}

/** A codec whose stored form differs from its value: a Date as ISO text. */
const DateFromIso = new t.Type<Date, string, unknown>(
  'DateFromIso',
  (u): u is Date => u instanceof Date,
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c)
    const d = new Date(u)
    return Number.isNaN(d.getTime()) ? t.failure(u, c) : t.success(d)
  },
  d => d.toISOString()
)

const count = ds.valueState('count', t.number)
const seen = ds.listState('seen', t.string)
const visits = ds.mapState('visits', t.string, t.number)
const total = ds.reducingState('total', (a: number, b: number) => a + b, t.number)

const KEYS: readonly ds.Key[] = ['a', '', 7, -2.5, 0, true, false, 12345678901234567890n, ['page', 3, false, 9n], Infinity, -Infinity]

function fill(backend: KeyedStateBackend<ds.Key>): void {
  KEYS.forEach((key, i) =>
    withKey(backend, key, () => {
      backend.getState(count).update(i)
      backend.getState(seen).addAll([`x${i}`, `y${i}`])
      backend.getState(visits).putAll([
        ['/a', i],
        ['/b', i * 2]
      ])
      backend.getState(total).add(i)
      backend.getState(total).add(10)
      backend.getState(average).add(i)
      backend.getState(average).add(i + 2)
    })
  )
}

function read(backend: KeyedStateBackend<ds.Key>, key: ds.Key): unknown {
  return withKey(backend, key, () => ({
    count: backend.getState(count).value(),
    seen: backend.getState(seen).get(),
    visits: backend.getState(visits).entries(),
    total: backend.getState(total).get(),
    average: backend.getState(average).get()
  }))
}

describeBackends('keyed state backend snapshots', () => {
  describe('round trip', () => {
    it('restores every kind of state for every kind of key, through JSON', () => {
      const source = testBackend()
      fill(source)
      const target = testBackend()
      target.restore(stored(source.snapshot()))
      KEYS.forEach((key, i) => {
        expect(read(target, key)).toEqual({
          count: i,
          seen: [`x${i}`, `y${i}`],
          visits: [
            ['/a', i],
            ['/b', i * 2]
          ],
          total: i + 10,
          average: i + 1
        })
      })
      withKey(target, 'never written', () => expect(target.getState(count).value()).toBeUndefined())
      expect(stored(target.snapshot())).toEqual(stored(source.snapshot()))
    })

    it('has a versioned, self-describing format: name, kind, TTL flag and [key group, key, namespace, value] entries', () => {
      const backend = testBackend()
      withKey(backend, 'a', () => backend.getState(count).update(5))
      withKey(backend, ['p', 1], () => backend.getState(seen).add('x'))
      withKey(backend, 3n, () => backend.getState(visits).put('/', 1))
      const snapshot = backend.snapshot()
      expect(snapshot).toEqual({
        format: 'rx-datastream/keyed-state',
        version: 1,
        maxParallelism: 128,
        states: [
          { name: 'count', kind: 'ValueStateDescriptor', ttl: false, entries: [[assignToKeyGroup('a', 128), 'a', null, 5]] },
          { name: 'seen', kind: 'ListStateDescriptor', ttl: false, entries: [[assignToKeyGroup(['p', 1], 128), { tuple: ['p', 1] }, null, ['x']]] },
          { name: 'visits', kind: 'MapStateDescriptor', ttl: false, keyCodec: 'string', entries: [[assignToKeyGroup(3n, 128), { bigint: '3' }, null, [['/', 1]]]] }
        ],
        // An operator's own tables (window contents, join buffers): none in a bare backend.
        tables: []
      })
      expect(stored(snapshot)).toEqual(snapshot)
    })

    it('encodes values with their codecs and decodes them on restore', () => {
      const when = ds.valueState('when', DateFromIso)
      const dates = ds.listState('dates', DateFromIso)
      const byDate = ds.mapState('byDate', DateFromIso, DateFromIso)
      const source = testBackend()
      const d1 = new Date(Date.UTC(2024, 0, 1))
      const d2 = new Date(Date.UTC(2024, 5, 30, 12))
      withKey(source, 'k', () => {
        source.getState(when).update(d1)
        source.getState(dates).addAll([d1, d2])
        source.getState(byDate).put(d1, d2)
      })
      const snapshot = source.snapshot()
      expect(snapshot.states.map(s => s.entries[0][3])).toEqual([d1.toISOString(), [d1.toISOString(), d2.toISOString()], [[d1.toISOString(), d2.toISOString()]]])
      const target = testBackend()
      target.restore(stored(snapshot))
      withKey(target, 'k', () => {
        const value = target.getState(when).value()
        expect(value).toBeInstanceOf(Date)
        expect(value?.getTime()).toBe(d1.getTime())
        expect(target.getState(dates).get().map(d => d.getTime())).toEqual([d1.getTime(), d2.getTime()])
        expect(target.getState(byDate).get(new Date(d1.getTime()))?.getTime()).toBe(d2.getTime())
      })
    })

    it('keeps list order, map insertion order, and finds object map keys by value after restore', () => {
      const Point = t.type({ x: t.number, y: t.number })
      const names = ds.mapState('names', Point, t.string)
      const source = testBackend()
      withKey(source, 'k', () => {
        source.getState(seen).update(['c', 'a', 'b'])
        source.getState(names).put({ x: 2, y: 1 }, 'second')
        source.getState(names).put({ x: 1, y: 2 }, 'first')
      })
      const target = testBackend()
      target.restore(stored(source.snapshot()))
      withKey(target, 'k', () => {
        expect(target.getState(seen).get()).toEqual(['c', 'a', 'b'])
        expect(target.getState(names).keys()).toEqual([
          { x: 2, y: 1 },
          { x: 1, y: 2 }
        ])
        expect(target.getState(names).get({ y: 2, x: 1 })).toBe('first')
      })
    })

    it('keeps the TTL timestamps: restored entries expire when they would have, not ttl after the restore', () => {
      const clock = { now: 3 }
      const source = testBackend(clock)
      const config = ds.stateTtlConfig(10, { cleanupIncrementally: 0 })
      const v = ds.enableTimeToLive(count, config)
      const l = ds.enableTimeToLive(seen, config)
      const m = ds.enableTimeToLive(visits, config)
      withKey(source, 'k', () => {
        source.getState(v).update(1)
        source.getState(l).add('x')
        source.getState(m).put('/', 1)
      })
      const snapshot = source.snapshot()
      expect(snapshot.states.map(s => [s.ttl, s.entries[0][3]])).toEqual([
        [true, { v: 1, t: 3 }],
        [true, [{ v: 'x', t: 3 }]],
        [true, [['/', 1, 3]]]
      ])
      const targetClock = { now: 5 }
      const target = testBackend(targetClock)
      target.restore(stored(snapshot))
      targetClock.now = 12
      withKey(target, 'k', () => {
        expect(target.getState(v).value()).toBe(1)
        expect(target.getState(l).get()).toEqual(['x'])
        expect(target.getState(m).get('/')).toBe(1)
      })
      targetClock.now = 13
      withKey(target, 'k', () => {
        expect(target.getState(v).value()).toBeUndefined()
        expect(target.getState(l).get()).toEqual([])
        expect(target.getState(m).get('/')).toBeUndefined()
      })
    })

    it('files entries under the key group of the key for the backend’s max parallelism', () => {
      const backend = testBackend({ now: 0 }, { maxParallelism: 1_000 })
      const keys: ds.Key[] = ['a', 'b', 42, ['x', 1], true]
      for (const key of keys) withKey(backend, key, () => backend.getState(count).update(1))
      const entries = backend.snapshot().states[0].entries
      expect(entries.length).toBe(keys.length)
      const groups = entries.map(e => e[0])
      expect(groups).toEqual(groups.slice().sort((a, b) => a - b))
      for (const key of keys) {
        const encoded = Array.isArray(key) ? { tuple: key } : key
        expect(entries as unknown[]).toContain([assignToKeyGroup(key, 1_000), encoded, null, 1])
      }
    })

    /** An aggregating state whose `add` changes its accumulator in place: snapshots and restores must copy it. */
    const inPlaceState = <R>(getResult: (acc: number[]) => R) =>
      ds.aggregatingState(
        'inPlace',
        {
          createAccumulator: (): number[] => [],
          add: (v: number, acc: number[]) => {
            acc.push(v)
            return acc
          },
          getResult,
          merge: (a: number[], b: number[]) => [...a, ...b]
        },
        t.array(t.number)
      )

    it('a snapshot does not change when the state changes afterwards, even where values are mutated in place', () => {
      const inPlace = inPlaceState((acc: number[]) => acc.length)
      const backend = testBackend()
      withKey(backend, 'k', () => {
        backend.getState(inPlace).add(1)
        backend.getState(seen).add('x')
      })
      const snapshot = backend.snapshot()
      const before = stored(snapshot)
      withKey(backend, 'k', () => {
        backend.getState(inPlace).add(2)
        backend.getState(seen).add('y')
      })
      expect(stored(snapshot)).toEqual(before)
    })

    it('restored state does not share values with the snapshot it came from: one snapshot restores twice alike', () => {
      const inPlace = inPlaceState((acc: number[]) => acc.join(','))
      const source = testBackend()
      withKey(source, 'k', () => source.getState(inPlace).add(1))
      const snapshot = source.snapshot()
      const first = testBackend()
      first.restore(snapshot)
      withKey(first, 'k', () => first.getState(inPlace).add(2))
      const second = testBackend()
      second.restore(snapshot)
      withKey(second, 'k', () => expect(second.getState(inPlace).get()).toBe('1'))
      withKey(source, 'k', () => expect(source.getState(inPlace).get()).toBe('1'))
    })
  })

  describe('restore replaces the state', () => {
    it('drops keys and states written before the restore that the snapshot does not have', () => {
      const source = testBackend()
      withKey(source, 'a', () => source.getState(count).update(1))
      const target = testBackend()
      withKey(target, 'a', () => target.getState(count).update(100))
      withKey(target, 'b', () => {
        target.getState(count).update(2)
        target.getState(seen).add('gone')
      })
      target.restore(stored(source.snapshot()))
      expect(read(target, 'a')).toEqual({ count: 1, seen: [], visits: [], total: undefined, average: undefined })
      expect(read(target, 'b')).toEqual({ count: undefined, seen: [], visits: [], total: undefined, average: undefined })
    })

    it('a state handle obtained before the restore reads the restored values', () => {
      const source = testBackend()
      withKey(source, 'a', () => source.getState(count).update(1))
      const target = testBackend()
      const handle = target.getState(count)
      withKey(target, 'a', () => handle.update(100))
      target.restore(stored(source.snapshot()))
      withKey(target, 'a', () => expect(handle.value()).toBe(1))
    })

    it('keeps restored states that are not registered yet, unchanged, in the next snapshot', () => {
      const source = testBackend()
      fill(source)
      const snapshot = stored(source.snapshot()) as KeyedStateSnapshot
      const target = testBackend()
      target.restore(snapshot)
      withKey(target, 'a', () => target.getState(count).update(99))
      const next = target.snapshot()
      expect(next.states.map(s => s.name).sort()).toEqual(['average', 'count', 'seen', 'total', 'visits'])
      for (const state of next.states.filter(s => s.name !== 'count')) expect(state).toEqual(snapshot.states.find(s => s.name === state.name)!)
      const restoredAgain = testBackend()
      restoredAgain.restore(stored(next))
      expect(read(restoredAgain, 'a')).toEqual({ ...(read(source, 'a') as object), count: 99 })
    })

    it('validates a restored state only when its descriptor is registered', () => {
      const source = testBackend()
      withKey(source, 'a', () => {
        source.getState(count).update(1)
        source.getState(seen).add('x')
      })
      const snapshot = stored(source.snapshot()) as KeyedStateSnapshot
      snapshot.states[1].entries[0][3] = [42]
      const target = testBackend()
      expect(() => target.restore(snapshot)).not.toThrow()
      withKey(target, 'a', () => expect(target.getState(count).value()).toBe(1))
      const error = stateErrorOf(() => target.getState(seen))
      expect(error.state).toBe('seen')
      expect(error.message).toContain('key "a"')
    })

    it('fails a registration tried again on a restored entry as it failed the first time, whatever it checked before that entry', () => {
      const source = testBackend()
      // Keys in many key groups, the damaged one in the last of them: the check goes group by group.
      for (let key = 0; key < 200; key++) withKey(source, `k${key}`, () => source.getState(count).update(key))
      const snapshot = stored(source.snapshot()) as KeyedStateSnapshot
      const entries = snapshot.states.find(s => s.name === 'count')!.entries
      const last = entries.reduce((a, b) => (b[0] > a[0] ? b : a))
      last[3] = 'not a number'
      const target = testBackend()
      target.restore(snapshot)
      const first = stateErrorOf(() => target.getState(count))
      expect(first.state).toBe('count')
      expect(first.message).toContain(`key ${JSON.stringify(last[1])}`)
      const again = stateErrorOf(() => target.getState(count))
      expect([again.state, again.message]).toEqual([first.state, first.message])
    })

    it('decodes at once what is already registered', () => {
      const source = testBackend()
      withKey(source, 'a', () => source.getState(count).update(1))
      const snapshot = stored(source.snapshot()) as KeyedStateSnapshot
      snapshot.states[0].entries[0][3] = 'one'
      const target = testBackend()
      target.getState(count)
      const error = stateErrorOf(() => target.restore(snapshot))
      expect(error.state).toBe('count')
    })
  })

  describe('restore errors', () => {
    function snapshotOf(fillWith: (backend: KeyedStateBackend<ds.Key>) => void): KeyedStateSnapshot {
      const backend = testBackend()
      fillWith(backend)
      return stored(backend.snapshot()) as KeyedStateSnapshot
    }
    const oneCount = (): KeyedStateSnapshot => snapshotOf(b => withKey(b, 'a', () => b.getState(count).update(1)))

    it('something that is not a snapshot', () => {
      for (const bad of [undefined, null, 'snapshot', 42, {}, [], { format: 'other', version: 1, maxParallelism: 128, states: [] }, { ...oneCount(), states: [{ name: 'x' }] }]) {
        const error = stateErrorOf(() => testBackend().restore(bad))
        expect(error.message).toContain('not a keyed-state snapshot')
        expect(error.operator).toEqual({ kind: 'keyedProcess', name: 'spec', uid: 'spec-v1' })
      }
    })

    it('a snapshot that is not plain data', () => {
      const snapshot = oneCount()
      snapshot.states[0].entries[0][3] = () => 1
      const error = stateErrorOf(() => testBackend().restore(snapshot))
      expect(error.message).toContain('not plain data')
    })

    it('a snapshot of another version', () => {
      const error = stateErrorOf(() => testBackend().restore({ ...oneCount(), version: 2 }))
      expect(error.message).toContain('version')
    })

    it('a snapshot taken with another max parallelism', () => {
      const error = stateErrorOf(() => testBackend({ now: 0 }, { maxParallelism: 256 }).restore(oneCount()))
      expect(error.message).toContain('maxParallelism 128')
      expect(error.message).toContain('256')
      expect(error.message).toContain('must not change across restores')
    })

    it('a state restored into a descriptor of another kind', () => {
      const target = testBackend()
      target.restore(oneCount())
      const error = stateErrorOf(() => target.getState(ds.listState('count', t.number)))
      expect(error.state).toBe('count')
      expect(error.message).toContain('the snapshot holds a value state, the descriptor describes a list state')
    })

    it('TTL switched on or off between snapshot and restore', () => {
      const plain = oneCount()
      const withTtl = snapshotOf(b => withKey(b, 'a', () => b.getState(ds.enableTimeToLive(count, ds.stateTtlConfig(1_000))).update(1)))
      const on = testBackend()
      on.restore(plain)
      const onError = stateErrorOf(() => on.getState(ds.enableTimeToLive(count, ds.stateTtlConfig(1_000))))
      expect(onError.message).toContain('taken without a time to live and the descriptor has one')
      const off = testBackend()
      off.restore(withTtl)
      const offError = stateErrorOf(() => off.getState(count))
      expect(offError.message).toContain('taken with a time to live and the descriptor has none')
    })

    it('a value the codec rejects, naming the state and the key', () => {
      const cases: Array<[KeyedStateSnapshot, ds.StateDescriptor, string]> = []
      const value = oneCount()
      value.states[0].entries[0][3] = 'one'
      cases.push([value, count, 'count'])
      const list = snapshotOf(b => withKey(b, 'a', () => b.getState(seen).add('x')))
      list.states[0].entries[0][3] = ['x', 2]
      cases.push([list, seen, 'seen'])
      const emptyList = snapshotOf(b => withKey(b, 'a', () => b.getState(seen).add('x')))
      emptyList.states[0].entries[0][3] = []
      cases.push([emptyList, seen, 'seen'])
      const mapKey = snapshotOf(b => withKey(b, 'a', () => b.getState(visits).put('/', 1)))
      mapKey.states[0].entries[0][3] = [[1, 1]]
      cases.push([mapKey, visits, 'visits'])
      const mapValue = snapshotOf(b => withKey(b, 'a', () => b.getState(visits).put('/', 1)))
      mapValue.states[0].entries[0][3] = [['/', '1']]
      cases.push([mapValue, visits, 'visits'])
      const mapShape = snapshotOf(b => withKey(b, 'a', () => b.getState(visits).put('/', 1)))
      mapShape.states[0].entries[0][3] = [['/']]
      cases.push([mapShape, visits, 'visits'])
      const accumulator = snapshotOf(b => withKey(b, 'a', () => b.getState(average).add(1)))
      accumulator.states[0].entries[0][3] = [1]
      cases.push([accumulator, average, 'average'])
      const ttlCount = ds.enableTimeToLive(count, ds.stateTtlConfig(1_000))
      const ttlCell = snapshotOf(b => withKey(b, 'a', () => b.getState(ttlCount).update(1)))
      ttlCell.states[0].entries[0][3] = 1
      cases.push([ttlCell, ttlCount, 'count'])
      const ttlTime = snapshotOf(b => withKey(b, 'a', () => b.getState(ttlCount).update(1)))
      ttlTime.states[0].entries[0][3] = { v: 1, t: 'noon' }
      cases.push([ttlTime, ttlCount, 'count'])
      for (const [snapshot, descriptor, name] of cases) {
        const target = testBackend()
        target.restore(snapshot)
        const error = stateErrorOf(() => target.getState(descriptor))
        expect(error.state).toBe(name)
        expect(error.message).toContain(`state "${name}": cannot restore: the value of key "a" is invalid`)
      }
    })

    it('a key filed under the wrong key group', () => {
      const snapshot = oneCount()
      const right = snapshot.states[0].entries[0][0]
      snapshot.states[0].entries[0][0] = (right + 1) % 128
      const target = testBackend()
      target.restore(snapshot)
      const error = stateErrorOf(() => target.getState(count))
      expect(error.message).toContain(`the key "a" is filed under key group ${(right + 1) % 128}, but belongs to ${right}`)
    })

    it('a key that is not a valid encoded key', () => {
      for (const key of [{ bigint: '1.5' }, { number: 'NaN' }, { tuple: [] }]) {
        const snapshot = oneCount()
        snapshot.states[0].entries[0][1] = key
        const target = testBackend()
        target.restore(snapshot)
        const error = stateErrorOf(() => target.getState(count))
        expect(error.message).toContain('is not a valid key')
      }
    })

    it('restore errors are StateErrors naming the operator', () => {
      const error = stateErrorOf(() => testBackend().restore({ ...oneCount(), version: 0 }))
      expect(error).toBeInstanceOf(ds.DataStreamError)
      expect(error.message).toMatch(/^keyedProcess "spec" \(uid spec-v1\): state "\*": /)
    })
  })

  describe('applyToAllKeys', () => {
    it('visits every key with a value, with that key current, and lets the function clear state', () => {
      const backend = testBackend()
      for (const key of ['a', 'b', 'c']) withKey(backend, key, () => backend.getState(count).update(key.charCodeAt(0)))
      withKey(backend, 'd', () => backend.getState(seen).add('not counted'))
      const visited: Array<[ds.Key, number | undefined]> = []
      backend.applyToAllKeys(count, (key, state) => {
        visited.push([key, state.value()])
        if (key === 'b') state.clear()
      })
      expect(visited.sort()).toEqual([
        ['a', 97],
        ['b', 98],
        ['c', 99]
      ])
      const after: ds.Key[] = []
      backend.applyToAllKeys(count, key => after.push(key))
      expect(after.sort()).toEqual(['a', 'c'])
      expect(backend.keys.active).toBeFalse()
    })
  })
})
