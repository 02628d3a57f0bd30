import fc from 'fast-check'
import { type SchedulerAction, type Subscription } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { type InternalTimer, InternalTimerService, type TimerServiceOptions, type Triggerable } from '../../src/core/TimerService'
import type { NamespaceCodec } from '../../src/core/TimerQueue'
import type { KeyedStateBackend } from '../../src/state/KeyedStateBackend'
import { currentBackend, describeBackends } from '../support/backends'

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

/** Records every timer that fires, with the scheduler time it fired at. */
interface Fired<K, N> {
  readonly timer: InternalTimer<K, N>
  readonly at: number
}

function recorder<K, N = undefined>(
  now: () => number = () => 0,
  react: (timer: InternalTimer<K, N>) => void = () => {}
): { fired: Fired<K, N>[]; target: Triggerable<K, N> } {
  const fired: Fired<K, N>[] = []
  const onTimer = (timer: InternalTimer<K, N>): void => {
    fired.push({ timer, at: now() })
    react(timer)
  }
  return { fired, target: { onEventTime: onTimer, onProcessingTime: onTimer } }
}

const keysAndTimes = <K, N>(fired: readonly Fired<K, N>[]): [K, number][] => fired.map(f => [f.timer.key, f.timer.timestamp])

/**
 * A TestScheduler that logs every `schedule` call, so the number of scheduled actions shows.
 * Runaway rescheduling fails the spec instead of hanging it.
 */
class RecordingScheduler extends TestScheduler {
  readonly calls: { at: number; delay: number; subscription: Subscription }[] = []

  constructor() {
    super((actual, expected) => expect(actual).toEqual(expected))
    this.maxFrames = 1e12
  }

  override schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    if (this.calls.length >= 10_000) throw new Error('runaway scheduling')
    const subscription = super.schedule(work, delay, state)
    this.calls.push({ at: this.now(), delay, subscription })
    return subscription
  }

  /** Scheduled actions that have neither run nor been cancelled. */
  scheduledCount(): number {
    return this.actions.length
  }
}

interface Window {
  readonly start: number
  readonly end: number
}

/** The keyed-state backends the suite's timer services took their queues from, disposed after each spec. */
const backends: KeyedStateBackend<unknown>[] = []

afterEach(() => {
  for (const backend of backends.splice(0)) backend.dispose()
})

/**
 * A namespace codec for services of any namespace: on a store, a namespace's identity is its
 * portable form, here `namespaceId(namespace)` (or the namespace itself) as JSON; reading one
 * back gives the namespace last registered under that form.
 */
function specCodec<N>(namespaceId: ((namespace: N) => unknown) | undefined): NamespaceCodec<N> {
  const seen = new Map<string, N>()
  return {
    encode: namespace => {
      const encoded = namespaceId === undefined ? namespace : namespaceId(namespace)
      seen.set(JSON.stringify(encoded) ?? 'null', namespace)
      return encoded
    },
    decode: (encoded, fail) => {
      const text = JSON.stringify(encoded) ?? 'null'
      return seen.has(text) ? seen.get(text)! : fail(`no namespace was registered as ${text}`)
    }
  }
}

/**
 * A timer service whose queues are those of the suite's backend: the heap's, or the LMDB
 * backend's in a store of its own (with a head of 3 timers, so that most timers go through it).
 */
function timerService<K, N = undefined>(target: Triggerable<K, N>, options: TimerServiceOptions<N, K> = {}): InternalTimerService<K, N> {
  const backend = currentBackend().createKeyedStateBackend<unknown>({ info: { kind: 'keyedProcess', name: 'spec', uid: 'timers' }, now: () => 0 })
  backends.push(backend)
  if (backend.createTimerQueue === undefined) return new InternalTimerService<K, N>(target, options)
  const namespaceCodec = specCodec(options.namespaceId)
  return new InternalTimerService<K, N>(target, { ...options, createQueue: domain => backend.createTimerQueue!<K, N>({ domain, namespaceCodec }) })
}

// -------------------------------------------------------------------------------------
// event time
// -------------------------------------------------------------------------------------

describeBackends('InternalTimerService', backendName => {
  describe('event time', () => {
    it('starts at watermark -Infinity and tracks advances', () => {
      const timers = timerService<string>(recorder<string>().target)
      expect(timers.currentWatermark()).toBe(-Infinity)
      timers.advanceWatermark(10)
      expect(timers.currentWatermark()).toBe(10)
    })

    it('fires timers at or below the watermark in ascending time, ties in registration order', () => {
      const { fired, target } = recorder<string>()
      const timers = timerService<string>(target)
      timers.registerEventTimeTimer('b', undefined, 10)
      timers.registerEventTimeTimer('a', undefined, 5)
      timers.registerEventTimeTimer('c', undefined, 10)
      timers.registerEventTimeTimer('a', undefined, 10)
      timers.registerEventTimeTimer('a', undefined, 11)
      timers.advanceWatermark(10)
      expect(keysAndTimes(fired)).toEqual([
        ['a', 5],
        ['b', 10],
        ['c', 10],
        ['a', 10]
      ])
      expect(fired[0].timer).toEqual(jasmine.objectContaining({ key: 'a', namespace: undefined, timestamp: 5, domain: 'EVENT_TIME' }))
      expect(timers.numEventTimeTimers()).toBe(1)
      expect(timers.eventTimeTimers()).toEqual([{ key: 'a', namespace: undefined, timestamp: 11, domain: 'EVENT_TIME' }])
    })

    it('keeps ties in registration order among many timers at one time', () => {
      const { fired, target } = recorder<number>()
      const timers = timerService<number>(target)
      const keys = Array.from({ length: 500 }, (_, i) => (i * 37) % 500)
      for (const k of keys) timers.registerEventTimeTimer(k, undefined, 7)
      timers.advanceWatermark(7)
      expect(fired.map(f => f.timer.key)).toEqual(keys)
    })

    it('sets the watermark before firing', () => {
      const seen: number[] = []
      const timers: InternalTimerService<string> = timerService<string>({
        onEventTime: () => seen.push(timers.currentWatermark()),
        onProcessingTime: () => {}
      })
      timers.registerEventTimeTimer('a', undefined, 3)
      timers.advanceWatermark(8)
      expect(seen).toEqual([8])
    })

    it('ignores a watermark that does not advance', () => {
      const { fired, target } = recorder<string>()
      const timers = timerService<string>(target)
      timers.advanceWatermark(10)
      timers.registerEventTimeTimer('a', undefined, 5)
      timers.advanceWatermark(10)
      timers.advanceWatermark(9)
      expect(fired).toEqual([])
      expect(timers.currentWatermark()).toBe(10)
      timers.advanceWatermark(11)
      expect(keysAndTimes(fired)).toEqual([['a', 5]])
    })

    it('does not fire a timer registered at or below the watermark until the next advance', () => {
      const { fired, target } = recorder<string>()
      const timers = timerService<string>(target)
      timers.advanceWatermark(100)
      timers.registerEventTimeTimer('at', undefined, 100)
      timers.registerEventTimeTimer('below', undefined, 50)
      expect(fired).toEqual([])
      expect(timers.numEventTimeTimers()).toBe(2)
      timers.advanceWatermark(101)
      expect(keysAndTimes(fired)).toEqual([
        ['below', 50],
        ['at', 100]
      ])
    })

    it('fires once a timer registered twice', () => {
      const { fired, target } = recorder<string>()
      const timers = timerService<string>(target)
      timers.registerEventTimeTimer('a', undefined, 5)
      timers.registerEventTimeTimer('a', undefined, 5)
      expect(timers.numEventTimeTimers()).toBe(1)
      timers.advanceWatermark(5)
      expect(keysAndTimes(fired)).toEqual([['a', 5]])
      expect(timers.numEventTimeTimers()).toBe(0)
    })

    it('fires again a timer registered again after it fired', () => {
      const { fired, target } = recorder<string>()
      const timers = timerService<string>(target)
      timers.registerEventTimeTimer('a', undefined, 5)
      timers.advanceWatermark(5)
      timers.registerEventTimeTimer('a', undefined, 5)
      timers.advanceWatermark(6)
      expect(keysAndTimes(fired)).toEqual([
        ['a', 5],
        ['a', 5]
      ])
    })

    it('does not fire a deleted timer; deleting a missing timer is a no-op', () => {
      const { fired, target } = recorder<string>()
      const timers = timerService<string>(target)
      timers.registerEventTimeTimer('a', undefined, 5)
      timers.registerEventTimeTimer('b', undefined, 5)
      timers.deleteEventTimeTimer('a', undefined, 5)
      timers.deleteEventTimeTimer('a', undefined, 5)
      timers.deleteEventTimeTimer('zz', undefined, 1)
      timers.deleteEventTimeTimer('b', undefined, 6)
      expect(timers.numEventTimeTimers()).toBe(1)
      expect(timers.eventTimeTimers().map(t => t.key)).toEqual(['b'])
      timers.advanceWatermark(Infinity)
      expect(keysAndTimes(fired)).toEqual([['b', 5]])
    })

    it('fires once a timer deleted then registered again, at its new place in the order', () => {
      const { fired, target } = recorder<string>()
      const timers = timerService<string>(target)
      timers.registerEventTimeTimer('a', undefined, 5)
      timers.registerEventTimeTimer('b', undefined, 5)
      timers.deleteEventTimeTimer('a', undefined, 5)
      timers.registerEventTimeTimer('a', undefined, 5)
      expect(timers.numEventTimeTimers()).toBe(2)
      timers.advanceWatermark(5)
      expect(keysAndTimes(fired)).toEqual([
        ['b', 5],
        ['a', 5]
      ])
    })

    it('does not fire a timer deleted by an earlier timer of the same advance', () => {
      const { fired, target } = recorder<string>(undefined, timer => {
        if (timer.key === 'first') timers.deleteEventTimeTimer('second', undefined, 7)
      })
      const timers = timerService<string>(target)
      timers.registerEventTimeTimer('first', undefined, 5)
      timers.registerEventTimeTimer('second', undefined, 7)
      timers.advanceWatermark(10)
      expect(keysAndTimes(fired)).toEqual([['first', 5]])
      expect(timers.numEventTimeTimers()).toBe(0)
    })

    it('tells keys apart by value and type: [a, 1] and [a, "1"] differ, equal arrays are one key', () => {
      const { fired, target } = recorder<string | number | bigint | boolean | readonly (string | number)[]>()
      const timers = timerService<string | number | bigint | boolean | readonly (string | number)[]>(target)
      timers.registerEventTimeTimer(['a', 1], undefined, 5)
      timers.registerEventTimeTimer(['a', '1'], undefined, 5)
      timers.registerEventTimeTimer(['a', 1], undefined, 5)
      timers.registerEventTimeTimer(1, undefined, 5)
      timers.registerEventTimeTimer('1', undefined, 5)
      timers.registerEventTimeTimer(1n, undefined, 5)
      timers.registerEventTimeTimer(true, undefined, 5)
      timers.registerEventTimeTimer('true', undefined, 5)
      timers.registerEventTimeTimer(['a1'], undefined, 5)
      expect(timers.numEventTimeTimers()).toBe(8)
      timers.deleteEventTimeTimer(['a', 1], undefined, 5)
      timers.advanceWatermark(5)
      expect(fired.map(f => f.timer.key)).toEqual([['a', '1'], 1, '1', 1n, true, 'true', ['a1']])
    })

    it('treats -0 and 0 as one time, as a Map does', () => {
      const { fired, target } = recorder<string>()
      const timers = timerService<string>(target)
      timers.registerEventTimeTimer('a', undefined, 0)
      timers.registerEventTimeTimer('a', undefined, -0)
      expect(timers.numEventTimeTimers()).toBe(1)
      timers.deleteEventTimeTimer('a', undefined, -0)
      expect(timers.numEventTimeTimers()).toBe(0)
      timers.advanceWatermark(1)
      expect(fired).toEqual([])
    })

    // Map semantics of namespace ids: on a store, a namespace is its portable form (JSON).
    if (backendName === 'heap') it('compares namespace ids as a Map does: NaN is NaN, -0 is 0', () => {
      const timers = timerService<string, number>(recorder<string, number>().target)
      timers.registerEventTimeTimer('one', NaN, 1)
      timers.registerEventTimeTimer('one', NaN, 1)
      timers.registerEventTimeTimer('many', NaN, 1)
      timers.registerEventTimeTimer('many', NaN, 1)
      timers.registerEventTimeTimer('many', 0, 1)
      timers.registerEventTimeTimer('many', -0, 1)
      expect(timers.numEventTimeTimers()).toBe(3)
      expect(timers.eventTimeTimers().map(t => [t.key, t.namespace])).toEqual([
        ['one', NaN],
        ['many', NaN],
        ['many', 0]
      ])
      timers.deleteEventTimeTimer('one', NaN, 1)
      timers.deleteEventTimeTimer('many', -0, 1)
      expect(timers.numEventTimeTimers()).toBe(1)
      expect(timers.eventTimeTimers().map(t => [t.key, t.namespace])).toEqual([['many', NaN]])
    })

    it('scopes timers to namespaces: one key, two namespaces, two timers', () => {
      const { fired, target } = recorder<string, string>()
      const timers = timerService<string, string>(target)
      timers.registerEventTimeTimer('k', 'w1', 9)
      timers.registerEventTimeTimer('k', 'w2', 9)
      timers.registerEventTimeTimer('k', 'w1', 9)
      expect(timers.numEventTimeTimers()).toBe(2)
      timers.deleteEventTimeTimer('k', 'w2', 9)
      timers.advanceWatermark(9)
      expect(fired.map(f => f.timer)).toEqual([jasmine.objectContaining({ key: 'k', namespace: 'w1', timestamp: 9, domain: 'EVENT_TIME' })])
    })

    it('compares namespaces through namespaceId, so equal windows built anew are one namespace', () => {
      const { fired, target } = recorder<string, Window>()
      const timers = timerService<string, Window>(target, { namespaceId: w => `${w.start}:${w.end}` })
      timers.registerEventTimeTimer('k', { start: 0, end: 10 }, 9)
      timers.registerEventTimeTimer('k', { start: 0, end: 10 }, 9)
      timers.registerEventTimeTimer('k', { start: 5, end: 10 }, 9)
      expect(timers.numEventTimeTimers()).toBe(2)
      timers.deleteEventTimeTimer('k', { start: 5, end: 10 }, 9)
      timers.advanceWatermark(9)
      expect(fired.map(f => f.timer.namespace)).toEqual([{ start: 0, end: 10 }])
    })

    // Map semantics of namespace ids: on a store, a namespace is its portable form (JSON).
    if (backendName === 'heap') it('compares namespaces by identity without namespaceId', () => {
      const timers = timerService<string, Window>(recorder<string, Window>().target)
      const w = { start: 0, end: 10 }
      timers.registerEventTimeTimer('k', w, 9)
      timers.registerEventTimeTimer('k', w, 9)
      timers.registerEventTimeTimer('k', { start: 0, end: 10 }, 9)
      expect(timers.numEventTimeTimers()).toBe(2)
      timers.deleteEventTimeTimer('k', w, 9)
      expect(timers.eventTimeTimers().map(t => t.namespace === w)).toEqual([false])
    })

    it('fires within the same advance the timers registered during it at or below the watermark', () => {
      const { fired, target } = recorder<string>(undefined, timer => {
        if (timer.key === 'a') {
          timers.registerEventTimeTimer('b', undefined, 10) // due now
          timers.registerEventTimeTimer('c', undefined, 3) // earlier than the one firing: due
          timers.registerEventTimeTimer('d', undefined, 11) // not due
        }
      })
      const timers = timerService<string>(target)
      timers.registerEventTimeTimer('a', undefined, 5)
      timers.registerEventTimeTimer('z', undefined, 8)
      timers.advanceWatermark(10)
      expect(keysAndTimes(fired)).toEqual([
        ['a', 5],
        ['c', 3],
        ['z', 8],
        ['b', 10]
      ])
      expect(timers.eventTimeTimers().map(t => t.key)).toEqual(['d'])
    })

    it('fires everything at +Infinity, timers at +Infinity included, and stays there', () => {
      const { fired, target } = recorder<string>()
      const timers = timerService<string>(target)
      timers.registerEventTimeTimer('inf', undefined, Infinity)
      timers.registerEventTimeTimer('big', undefined, Number.MAX_SAFE_INTEGER)
      timers.registerEventTimeTimer('small', undefined, -Infinity)
      timers.advanceWatermark(Infinity)
      expect(keysAndTimes(fired)).toEqual([
        ['small', -Infinity],
        ['big', Number.MAX_SAFE_INTEGER],
        ['inf', Infinity]
      ])
      expect(timers.currentWatermark()).toBe(Infinity)
      timers.registerEventTimeTimer('late', undefined, 1)
      timers.advanceWatermark(Infinity)
      expect(fired.length).toBe(3)
    })

    it('lets what onEventTime throws reach the caller, and keeps the timers not yet fired', () => {
      const boom = new Error('boom')
      const { fired, target } = recorder<string>(undefined, timer => {
        if (timer.key === 'bad') throw boom
      })
      const timers = timerService<string>(target)
      timers.registerEventTimeTimer('ok', undefined, 1)
      timers.registerEventTimeTimer('bad', undefined, 2)
      timers.registerEventTimeTimer('after', undefined, 3)
      expect(() => timers.advanceWatermark(5)).toThrow(boom)
      expect(fired.map(f => f.timer.key)).toEqual(['ok', 'bad'])
      expect(timers.currentWatermark()).toBe(5)
      expect(timers.eventTimeTimers().map(t => t.key)).toEqual(['after'])
      timers.advanceWatermark(6)
      expect(fired.map(f => f.timer.key)).toEqual(['ok', 'bad', 'after'])
    })

    it('refuses NaN times and watermarks', () => {
      const timers = timerService<string>(recorder<string>().target)
      expect(() => timers.registerEventTimeTimer('a', undefined, NaN)).toThrowError(RangeError, /NaN/)
      expect(() => timers.registerProcessingTimeTimer('a', undefined, NaN)).toThrowError(RangeError)
      expect(() => timers.advanceWatermark(NaN)).toThrowError(RangeError)
      expect(timers.numEventTimeTimers()).toBe(0)
      expect(timers.currentWatermark()).toBe(-Infinity)
    })

    it('snapshots pending timers in firing order without changing them', () => {
      const timers = timerService<string>(recorder<string>().target)
      timers.registerEventTimeTimer('b', undefined, 2)
      timers.registerEventTimeTimer('a', undefined, 3)
      timers.registerEventTimeTimer('c', undefined, 2)
      timers.registerEventTimeTimer('d', undefined, 1)
      timers.deleteEventTimeTimer('d', undefined, 1)
      const expected: InternalTimer<string, undefined>[] = [
        { key: 'b', namespace: undefined, timestamp: 2, domain: 'EVENT_TIME' },
        { key: 'c', namespace: undefined, timestamp: 2, domain: 'EVENT_TIME' },
        { key: 'a', namespace: undefined, timestamp: 3, domain: 'EVENT_TIME' }
      ]
      expect(timers.eventTimeTimers()).toEqual(expected)
      expect(timers.eventTimeTimers()).toEqual(expected)
      expect(timers.processingTimeTimers()).toEqual([])
      expect(timers.numProcessingTimeTimers()).toBe(0)
    })

    it('fires nothing after dispose', () => {
      const { fired, target } = recorder<string>()
      const timers = timerService<string>(target)
      timers.registerEventTimeTimer('a', undefined, 1)
      timers.dispose()
      timers.advanceWatermark(5)
      expect(fired).toEqual([])
    })

    it('stops an advance when a callback disposes the service', () => {
      const { fired, target } = recorder<string>(undefined, () => timers.dispose())
      const timers = timerService<string>(target)
      timers.registerEventTimeTimer('a', undefined, 1)
      timers.registerEventTimeTimer('b', undefined, 2)
      timers.advanceWatermark(5)
      expect(keysAndTimes(fired)).toEqual([['a', 1]])
    })

    it('agrees with a naive model over a long random run of registers, deletes and advances', () => {
      const { fired, target } = recorder<number, string>()
      const timers = timerService<number, string>(target)
      const model = new Map<string, { key: number; namespace: string; timestamp: number; seq: number }>()
      const expected: [number, string, number][] = []
      let seq = 0
      let watermark = -Infinity
      // mulberry32: deterministic, so a failure reproduces.
      let seed = 42
      const random = (n: number): number => {
        seed = (seed + 0x6d2b79f5) | 0
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
        return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n)
      }
      for (let step = 0; step < 30_000; step++) {
        const op = random(100)
        const key = random(50)
        const namespace = `w${random(3)}`
        const time = watermark === -Infinity ? random(1000) : watermark - 5 + random(200)
        const id = `${key}|${namespace}|${time}`
        if (op < 55) {
          timers.registerEventTimeTimer(key, namespace, time)
          if (!model.has(id)) model.set(id, { key, namespace, timestamp: time, seq: seq++ })
        } else if (op < 97) {
          // Mostly delete something that exists, so that dead heap entries pile up.
          const existing = model.size > 0 && random(4) > 0 ? [...model.values()][random(model.size)] : undefined
          const victim = existing ?? { key, namespace, timestamp: time }
          timers.deleteEventTimeTimer(victim.key, victim.namespace, victim.timestamp)
          model.delete(`${victim.key}|${victim.namespace}|${victim.timestamp}`)
        } else {
          const next = (watermark === -Infinity ? 0 : watermark) + random(30)
          timers.advanceWatermark(next)
          if (next > watermark) {
            watermark = next
            const due = [...model.entries()]
              .filter(([, t]) => t.timestamp <= next)
              .sort(([, a], [, b]) => a.timestamp - b.timestamp || a.seq - b.seq)
            for (const [dueId, t] of due) {
              expected.push([t.key, t.namespace, t.timestamp])
              model.delete(dueId)
            }
          }
        }
        expect(timers.numEventTimeTimers()).toBe(model.size)
      }
      const remaining = [...model.values()].sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq)
      expect(timers.eventTimeTimers().map(t => [t.key, t.namespace, t.timestamp])).toEqual(
        remaining.map(t => [t.key, t.namespace, t.timestamp])
      )
      expect(fired.map(f => [f.timer.key, f.timer.namespace, f.timer.timestamp])).toEqual(expected)
      expect(expected.length).toBeGreaterThan(100)
    })

    // The heap's scale; the store's is in spec/node/lmdb-timers.spec.ts.
    if (backendName === 'heap') it('handles a million timers: registering, deleting half, firing the rest', () => {
      let count = 0
      let previous = -Infinity
      let ordered = true
      const timers = timerService<number>({
        onEventTime: timer => {
          count++
          if (timer.timestamp < previous) ordered = false
          previous = timer.timestamp
        },
        onProcessingTime: () => {}
      })
      const n = 200_000
      for (let i = 0; i < n; i++) timers.registerEventTimeTimer(i, undefined, (i * 7919) % n)
      for (let i = 0; i < n; i += 2) timers.deleteEventTimeTimer(i, undefined, (i * 7919) % n)
      expect(timers.numEventTimeTimers()).toBe(n / 2)
      timers.advanceWatermark(Infinity)
      expect(count).toBe(n / 2)
      expect(ordered).toBe(true)
      expect(timers.numEventTimeTimers()).toBe(0)
    })

    // Any order of registrations, deletions, advances, timers registered at or below the
    // watermark and timers that callbacks register fires exactly what a plain list of pending
    // timers does. (It fails, for one, a service that skips the queue below a cached earliest
    // timer and forgets to lower it on a registration, or to read the queue after an advance.)
    it('fires as a plain list of pending timers would, whatever the order of registrations, deletions and advances', () => {
      type Op = { readonly op: 'register' | 'delete'; readonly key: string; readonly time: number } | { readonly op: 'advance'; readonly time: number }
      const op: fc.Arbitrary<Op> = fc.oneof(
        fc.record({ op: fc.constantFrom('register' as const, 'delete' as const), key: fc.constantFrom('a', 'b', 'c'), time: fc.integer({ min: 0, max: 40 }) }),
        fc.record({ op: fc.constant('advance' as const), time: fc.integer({ min: 0, max: 45 }) })
      )
      // A timer of key 'a' registers one of key 'c' near it: before, at or after the watermark.
      const follow = (time: number): number => time + ((time % 3) - 1) * 3
      fc.assert(
        fc.property(fc.array(op, { maxLength: 40 }), ops => {
          const fired: string[] = []
          const timers: InternalTimerService<string> = timerService<string>({
            onEventTime: timer => {
              fired.push(`${timer.key}@${timer.timestamp}`)
              if (timer.key === 'a') timers.registerEventTimeTimer('c', undefined, follow(timer.timestamp))
            },
            onProcessingTime: () => {}
          })
          // The model: pending timers in registration order, fired earliest first (ties in that order).
          let pending: { key: string; time: number }[] = []
          let watermark = -Infinity
          const expected: string[] = []
          const register = (key: string, time: number): void => {
            if (!pending.some(p => p.key === key && p.time === time)) pending.push({ key, time })
          }
          for (const o of ops) {
            if (o.op === 'register') {
              timers.registerEventTimeTimer(o.key, undefined, o.time)
              register(o.key, o.time)
            } else if (o.op === 'delete') {
              timers.deleteEventTimeTimer(o.key, undefined, o.time)
              pending = pending.filter(p => !(p.key === o.key && p.time === o.time))
            } else {
              timers.advanceWatermark(o.time)
              if (o.time <= watermark) continue
              watermark = o.time
              for (;;) {
                let first = -1
                for (let i = 0; i < pending.length; i++) if (pending[i]!.time <= watermark && (first < 0 || pending[i]!.time < pending[first]!.time)) first = i
                if (first < 0) break
                const [due] = pending.splice(first, 1)
                expected.push(`${due!.key}@${due!.time}`)
                if (due!.key === 'a') register('c', follow(due!.time))
              }
            }
          }
          // A boolean, not expectations: fast-check then shrinks a failure and reports it with its seed.
          return fired.join(' ') === expected.join(' ') && timers.numEventTimeTimers() === pending.length
        }),
        { numRuns: backendName === 'heap' ? 300 : 40 }
      )
    })
  })

  // -------------------------------------------------------------------------------------
  // processing time
  // -------------------------------------------------------------------------------------

  describe('processing time', () => {
    it('reads the clock from the scheduler', () => {
      const scheduler = new RecordingScheduler()
      const timers = timerService<string>(recorder<string>().target, { scheduler })
      expect(timers.currentProcessingTime()).toBe(0)
      scheduler.schedule(() => expect(timers.currentProcessingTime()).toBe(30), 30)
      scheduler.flush()
      expect(timers.currentProcessingTime()).toBe(30)
    })

    it('fires each timer when the clock reaches it, in ascending order, ties in registration order', () => {
      const scheduler = new RecordingScheduler()
      const { fired, target } = recorder<string>(() => scheduler.now())
      const timers = timerService<string>(target, { scheduler })
      timers.registerProcessingTimeTimer('c', undefined, 40)
      timers.registerProcessingTimeTimer('a', undefined, 10)
      timers.registerProcessingTimeTimer('b', undefined, 40)
      scheduler.flush()
      expect(fired.map(f => [f.timer.key, f.timer.timestamp, f.at])).toEqual([
        ['a', 10, 10],
        ['c', 40, 40],
        ['b', 40, 40]
      ])
      expect(fired[0].timer.domain).toBe('PROCESSING_TIME')
      expect(timers.numProcessingTimeTimers()).toBe(0)
    })

    it('keeps a single scheduled action however many timers are pending', () => {
      const scheduler = new RecordingScheduler()
      const timers = timerService<number>(recorder<number>().target, { scheduler })
      for (let i = 0; i < 1000; i++) timers.registerProcessingTimeTimer(i, undefined, 500 + i)
      expect(scheduler.scheduledCount()).toBe(1)
      expect(scheduler.calls.length).toBe(1)
      expect(timers.numProcessingTimeTimers()).toBe(1000)
    })

    it('reschedules for a timer earlier than the scheduled one, cancelling the old action', () => {
      const scheduler = new RecordingScheduler()
      const { fired, target } = recorder<string>(() => scheduler.now())
      const timers = timerService<string>(target, { scheduler })
      timers.registerProcessingTimeTimer('late', undefined, 50)
      timers.registerProcessingTimeTimer('later', undefined, 70)
      timers.registerProcessingTimeTimer('early', undefined, 20)
      expect(scheduler.calls.map(c => c.delay)).toEqual([50, 20])
      expect(scheduler.calls[0].subscription.closed).toBe(true)
      expect(scheduler.scheduledCount()).toBe(1)
      scheduler.flush()
      expect(fired.map(f => [f.timer.key, f.at])).toEqual([
        ['early', 20],
        ['late', 50],
        ['later', 70]
      ])
    })

    it('reschedules for the next timer when the earliest is deleted, and cancels when none is left', () => {
      const scheduler = new RecordingScheduler()
      const { fired, target } = recorder<string>(() => scheduler.now())
      const timers = timerService<string>(target, { scheduler })
      timers.registerProcessingTimeTimer('a', undefined, 20)
      timers.registerProcessingTimeTimer('b', undefined, 50)
      timers.deleteProcessingTimeTimer('a', undefined, 20)
      expect(scheduler.calls.map(c => [c.at, c.delay])).toEqual([
        [0, 20],
        [0, 50]
      ])
      expect(scheduler.scheduledCount()).toBe(1)
      timers.deleteProcessingTimeTimer('b', undefined, 50)
      expect(scheduler.scheduledCount()).toBe(0)
      expect(scheduler.calls.every(c => c.subscription.closed)).toBe(true)
      scheduler.flush()
      expect(fired).toEqual([])
      expect(timers.numProcessingTimeTimers()).toBe(0)
    })

    it('leaves the action alone when a later timer is deleted', () => {
      const scheduler = new RecordingScheduler()
      const { fired, target } = recorder<string>(() => scheduler.now())
      const timers = timerService<string>(target, { scheduler })
      timers.registerProcessingTimeTimer('a', undefined, 20)
      timers.registerProcessingTimeTimer('b', undefined, 50)
      timers.deleteProcessingTimeTimer('b', undefined, 50)
      timers.deleteProcessingTimeTimer('b', undefined, 50)
      timers.deleteProcessingTimeTimer('nope', undefined, 20)
      expect(scheduler.calls.length).toBe(1)
      scheduler.flush()
      expect(fired.map(f => [f.timer.key, f.at])).toEqual([['a', 20]])
    })

    it('fires once a timer registered twice, and not a deleted one', () => {
      const scheduler = new RecordingScheduler()
      const { fired, target } = recorder<readonly (string | number)[]>(() => scheduler.now())
      const timers = timerService<readonly (string | number)[]>(target, { scheduler })
      timers.registerProcessingTimeTimer(['a', 1], undefined, 10)
      timers.registerProcessingTimeTimer(['a', 1], undefined, 10)
      timers.registerProcessingTimeTimer(['a', '1'], undefined, 10)
      timers.registerProcessingTimeTimer(['b', 2], undefined, 10)
      timers.deleteProcessingTimeTimer(['b', 2], undefined, 10)
      expect(timers.numProcessingTimeTimers()).toBe(2)
      scheduler.flush()
      expect(fired.map(f => f.timer.key)).toEqual([
        ['a', 1],
        ['a', '1']
      ])
    })

    it('fires a timer already due on the next scheduler turn, never inside register', () => {
      const scheduler = new RecordingScheduler()
      const { fired, target } = recorder<string>(() => scheduler.now())
      const timers = timerService<string>(target, { scheduler })
      scheduler.schedule(() => {
        timers.registerProcessingTimeTimer('past', undefined, 10)
        timers.registerProcessingTimeTimer('now', undefined, 100)
        expect(fired).toEqual([])
      }, 100)
      scheduler.flush()
      expect(fired.map(f => [f.timer.key, f.at])).toEqual([
        ['past', 100],
        ['now', 100]
      ])
      expect(scheduler.calls.slice(1).map(c => [c.at, c.delay])).toEqual([[100, 0]])
    })

    it('fires in the same run the due timers registered by a firing one, and schedules the later ones', () => {
      const scheduler = new RecordingScheduler()
      const { fired, target } = recorder<string>(
        () => scheduler.now(),
        timer => {
          if (timer.key === 'a') {
            timers.registerProcessingTimeTimer('due', undefined, 5)
            timers.registerProcessingTimeTimer('later', undefined, 30)
          }
        }
      )
      const timers = timerService<string>(target, { scheduler })
      timers.registerProcessingTimeTimer('a', undefined, 10)
      scheduler.flush()
      expect(fired.map(f => [f.timer.key, f.at])).toEqual([
        ['a', 10],
        ['due', 10],
        ['later', 30]
      ])
      expect(scheduler.calls.map(c => [c.at, c.delay])).toEqual([
        [0, 10],
        [10, 20]
      ])
    })

    it('reaches timers beyond the longest timeout delay by stepping towards them', () => {
      const scheduler = new RecordingScheduler()
      const { fired, target } = recorder<string>(() => scheduler.now())
      const timers = timerService<string>(target, { scheduler })
      const far = 5_000_000_000
      timers.registerProcessingTimeTimer('far', undefined, far)
      expect(scheduler.calls[0].delay).toBe(2 ** 31 - 1)
      scheduler.flush()
      expect(fired.map(f => [f.timer.key, f.at])).toEqual([['far', far]])
    })

    it('never schedules a timer at +Infinity, but counts it', () => {
      const scheduler = new RecordingScheduler()
      const { fired, target } = recorder<string>(() => scheduler.now())
      const timers = timerService<string>(target, { scheduler })
      timers.registerProcessingTimeTimer('never', undefined, Infinity)
      timers.registerProcessingTimeTimer('soon', undefined, 5)
      scheduler.flush()
      expect(fired.map(f => f.timer.key)).toEqual(['soon'])
      expect(scheduler.calls.length).toBe(1)
      expect(timers.processingTimeTimers()).toEqual([
        { key: 'never', namespace: undefined, timestamp: Infinity, domain: 'PROCESSING_TIME' }
      ])
    })

    it('sends what onProcessingTime throws to onError and fires no processing-time timer after that', () => {
      const scheduler = new RecordingScheduler()
      const boom = new Error('boom')
      const errors: unknown[] = []
      const { fired, target } = recorder<string>(
        () => scheduler.now(),
        timer => {
          if (timer.key === 'bad') throw boom
        }
      )
      const timers = timerService<string>(target, { scheduler, onError: e => errors.push(e) })
      timers.registerProcessingTimeTimer('bad', undefined, 10)
      timers.registerProcessingTimeTimer('same time', undefined, 10)
      timers.registerProcessingTimeTimer('later', undefined, 20)
      expect(() => scheduler.flush()).not.toThrow()
      expect(errors).toEqual([boom])
      timers.registerProcessingTimeTimer('after the error', undefined, 30)
      scheduler.flush()
      expect(fired.map(f => f.timer.key)).toEqual(['bad'])
      expect(timers.numProcessingTimeTimers()).toBe(3)
      // Event time is not the scheduler's business: it still works.
      timers.registerEventTimeTimer('e', undefined, 1)
      timers.advanceWatermark(1)
      expect(fired.map(f => f.timer.key)).toEqual(['bad', 'e'])
    })

    it('rethrows from the scheduled action without onError', () => {
      const scheduler = new RecordingScheduler()
      const boom = new Error('boom')
      const timers = timerService<string>(
        {
          onEventTime: () => {},
          onProcessingTime: () => {
            throw boom
          }
        },
        { scheduler }
      )
      timers.registerProcessingTimeTimer('bad', undefined, 10)
      expect(() => scheduler.flush()).toThrow(boom)
    })

    it('fires nothing after dispose, schedules nothing more, and may be disposed twice', () => {
      const scheduler = new RecordingScheduler()
      const { fired, target } = recorder<string>(() => scheduler.now())
      const timers = timerService<string>(target, { scheduler })
      timers.registerProcessingTimeTimer('a', undefined, 10)
      timers.dispose()
      timers.dispose()
      expect(scheduler.scheduledCount()).toBe(0)
      timers.registerProcessingTimeTimer('b', undefined, 5)
      expect(scheduler.calls.length).toBe(1)
      scheduler.flush()
      expect(fired).toEqual([])
    })

    it('stops a run when a callback disposes the service', () => {
      const scheduler = new RecordingScheduler()
      const { fired, target } = recorder<string>(
        () => scheduler.now(),
        () => timers.dispose()
      )
      const timers = timerService<string>(target, { scheduler })
      timers.registerProcessingTimeTimer('a', undefined, 10)
      timers.registerProcessingTimeTimer('b', undefined, 10)
      timers.registerProcessingTimeTimer('c', undefined, 20)
      scheduler.flush()
      expect(fired.map(f => f.timer.key)).toEqual(['a'])
      expect(scheduler.calls.length).toBe(1)
    })

    it('uses asyncScheduler by default, which TestScheduler.run virtualizes', () => {
      const testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected))
      testScheduler.run(({ flush }) => {
        const at: [string, number][] = []
        const { target } = recorder<string>(undefined, timer => at.push([timer.key, timers.currentProcessingTime()]))
        const timers = timerService<string>(target)
        timers.registerProcessingTimeTimer('b', undefined, 250)
        timers.registerProcessingTimeTimer('a', undefined, 100)
        flush()
        expect(at).toEqual([
          ['a', 100],
          ['b', 250]
        ])
      })
    })

    it('runs on the real asyncScheduler', async () => {
      const fired: string[] = []
      const timers = timerService<string>({ onEventTime: () => {}, onProcessingTime: t => fired.push(t.key) })
      const now = timers.currentProcessingTime()
      timers.registerProcessingTimeTimer('b', undefined, now + 20)
      timers.registerProcessingTimeTimer('a', undefined, now + 5)
      timers.registerProcessingTimeTimer('gone', undefined, now + 10)
      timers.deleteProcessingTimeTimer('gone', undefined, now + 10)
      expect(fired).toEqual([])
      await new Promise(resolve => setTimeout(resolve, 80))
      expect(fired).toEqual(['a', 'b'])
      timers.dispose()
    })
  })
})
