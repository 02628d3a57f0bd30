/**
 * Timers on the LMDB backend: every timer in the operator's store, the earliest in memory
 * (node/LmdbTimerQueue.ts). Whatever the store and the head cache do, the timers fire as the
 * heap's do: the same timers, in the same order (time, then registration), with the same
 * counts and the same pending lists; a snapshot taken on one backend restores on the other.
 */
import fc from 'fast-check'
import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as t from 'io-ts'
import * as ds from '../../src/index'
import { open as openLmdb } from 'lmdb'
import { lmdbStateBackend } from '../../node/index'
import { LmdbTimerQueue } from '../../node/LmdbTimerQueue'
import { type InternalTimer, InternalTimerService } from '../../src/core/TimerService'
import type { NamespaceCodec } from '../../src/core/TimerQueue'
import type { KeyedStateBackend } from '../../src/state/KeyedStateBackend'
import { feed, snapshotJob, startJob, type Build, type Step } from '../support/snapshots'

/** Namespaces of the specs: small numbers, as windows' are. */
const NUMBER_NAMESPACE: NamespaceCodec<number> = {
  encode: namespace => namespace,
  decode: (encoded, fail) => (typeof encoded === 'number' ? encoded : fail('not a number'))
}

type Fired = readonly [domain: string, key: number, namespace: number, time: number]

/** A timer service and what it fired, on the heap or on a store (with `head` timers in memory). */
interface Subject {
  readonly timers: InternalTimerService<number, number>
  readonly fired: Fired[]
}

describe('timers on LMDB', () => {
  let dir: string
  let backends: KeyedStateBackend<unknown>[]
  let subjects: Subject[]
  let stores: ReturnType<typeof openLmdb<string, string>>[]
  /** Numbers the stores of a spec: a fresh file each (one closed is not deleted). */
  let storeNo = 0
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rx-datastream-timers-'))
    backends = []
    subjects = []
    stores = []
  })
  afterEach(async () => {
    for (const s of subjects) s.timers.dispose()
    for (const backend of backends) backend.dispose()
    for (const db of stores) await db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /**
   * A service over the heap (`head` undefined) or over an LMDB store; `react` runs on every
   * firing (it may register and delete timers, as operators' callbacks do).
   */
  async function subject(
    head: number | undefined,
    react: (timer: InternalTimer<number, number>, timers: InternalTimerService<number, number>) => void = () => {},
    writesPerTransaction?: number
  ): Promise<Subject> {
    const fired: Fired[] = []
    const onTimer = (timer: InternalTimer<number, number>): void => {
      fired.push([timer.domain, timer.key, timer.namespace, timer.timestamp])
      react(timer, timers)
    }
    const target = { onEventTime: onTimer, onProcessingTime: onTimer }
    let timers: InternalTimerService<number, number>
    if (head === undefined) {
      timers = new InternalTimerService<number, number>(target)
    } else if (writesPerTransaction !== undefined) {
      // The queue on a store of its own, written every few changes: flushes fall anywhere.
      const db = openLmdb<string, string>({ path: join(dir, `queue-${++storeNo}.mdb`), encoding: 'string', noSync: true, compression: false })
      stores.push(db)
      const info = { kind: 'keyedProcess', name: 'timers', uid: 'timers' }
      timers = new InternalTimerService<number, number>(target, {
        createQueue: domain =>
          new LmdbTimerQueue<number, number>({ db, info, domain, namespaceCodec: NUMBER_NAMESPACE, maxParallelism: 128, cacheSize: head, startRead: () => () => {}, writesPerTransaction })
      })
    } else {
      const stateBackend = await lmdbStateBackend(join(dir, `store-${backends.length}`), { timerCacheSize: head })
      const backend = stateBackend.createKeyedStateBackend<unknown>({ info: { kind: 'keyedProcess', name: 'timers', uid: 'timers' }, now: () => 0 })
      backends.push(backend)
      timers = new InternalTimerService<number, number>(target, { createQueue: domain => backend.createTimerQueue!<number, number>({ domain, namespaceCodec: NUMBER_NAMESPACE }) })
    }
    const made = { timers, fired }
    subjects.push(made)
    return made
  }

  it('fires 50,000 timers with a head of 64 in the heap’s order, with deletions, duplicates and timers registered while firing', async () => {
    // Timers registered while firing: some due in the same advance, some later, some deleted.
    const react = (timer: InternalTimer<number, number>, timers: InternalTimerService<number, number>): void => {
      if (timer.key % 97 === 0) timers.registerEventTimeTimer(timer.key + 1, 0, timer.timestamp + (timer.key % 3))
      if (timer.key % 89 === 0) timers.deleteEventTimeTimer((timer.key * 31) % 50_000, timer.key % 4, (timer.key * 7) % 10_000)
    }
    const heap = await subject(undefined, react)
    const disk = await subject(64, react)
    const n = 50_000
    for (const { timers } of [heap, disk]) {
      // Keys and times spread (ties by the hundred), every 10th registered twice.
      for (let i = 0; i < n; i++) {
        const key = (i * 31) % n
        timers.registerEventTimeTimer(key, i % 4, (i * 7) % 10_000)
        if (i % 10 === 0) timers.registerEventTimeTimer(key, i % 4, (i * 7) % 10_000)
      }
      for (let i = 0; i < n; i += 3) timers.deleteEventTimeTimer((i * 31) % n, i % 4, (i * 7) % 10_000)
    }
    expect(disk.timers.numEventTimeTimers()).toBe(heap.timers.numEventTimeTimers())
    expect(disk.timers.numEventTimeTimers()).toBe(n - Math.ceil(n / 3))
    for (const watermark of [-1, 0, 17, 2_500, 2_501, 7_000, 9_999, Infinity]) {
      heap.timers.advanceWatermark(watermark)
      disk.timers.advanceWatermark(watermark)
      expect(disk.fired.length).withContext(`fired up to ${watermark}`).toBe(heap.fired.length)
      expect(disk.timers.numEventTimeTimers()).toBe(heap.timers.numEventTimeTimers())
      if (watermark === 2_501) expect(disk.timers.eventTimeTimers()).toEqual(heap.timers.eventTimeTimers())
    }
    expect(heap.fired.length).toBeGreaterThan(30_000)
    expect(disk.fired).toEqual(heap.fired)
  }, 60_000)

  it('agrees with the heap over random registrations, deletions, advances and end-of-input firings (both domains, any head size)', async () => {
    const key = fc.integer({ min: 0, max: 5 })
    const namespace = fc.integer({ min: 0, max: 2 })
    const time = fc.integer({ min: -3, max: 30 })
    const command = fc.oneof(
      { weight: 5, arbitrary: fc.record({ op: fc.constant('register' as const), domain: fc.constantFrom('EVENT_TIME' as const, 'PROCESSING_TIME' as const), key, namespace, time }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), domain: fc.constantFrom('EVENT_TIME' as const, 'PROCESSING_TIME' as const), key, namespace, time }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), by: fc.integer({ min: 0, max: 8 }) }) },
      { weight: 1, arbitrary: fc.constant({ op: 'fireProcessingTime' as const }) }
    )
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { minLength: 10, maxLength: 150, size: 'max' }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 12 }),
        async (commands, head, chain, writesPerTransaction) => {
        // A firing timer of key `chain` registers one more timer, due at once or later, and deletes one.
        const react = (timer: InternalTimer<number, number>, timers: InternalTimerService<number, number>): void => {
          if (timer.key !== chain) return
          if (timer.domain === 'EVENT_TIME') timers.registerEventTimeTimer(timer.key + 1, timer.namespace, timer.timestamp + (timer.namespace % 2))
          else timers.registerProcessingTimeTimer(timer.key + 1, timer.namespace, timer.timestamp + 1)
          timers.deleteEventTimeTimer(timer.key + 2, 0, timer.timestamp + 1)
        }
        const heap = await subject(undefined, react)
        const disk = await subject(head, react, writesPerTransaction)
        let watermark = -5
        for (const c of commands) {
          for (const { timers } of [heap, disk]) {
            if (c.op === 'register' && c.domain === 'EVENT_TIME') timers.registerEventTimeTimer(c.key, c.namespace, c.time)
            else if (c.op === 'register') timers.registerProcessingTimeTimer(c.key, c.namespace, Number.MAX_SAFE_INTEGER - 100 + c.time)
            else if (c.op === 'delete' && c.domain === 'EVENT_TIME') timers.deleteEventTimeTimer(c.key, c.namespace, c.time)
            else if (c.op === 'delete') timers.deleteProcessingTimeTimer(c.key, c.namespace, Number.MAX_SAFE_INTEGER - 100 + c.time)
            else if (c.op === 'advance') timers.advanceWatermark(watermark + c.by)
            else timers.fireProcessingTimeTimersNow()
          }
          if (c.op === 'advance') watermark += c.by
          assert.deepEqual(disk.fired, heap.fired)
          assert.equal(disk.timers.numEventTimeTimers(), heap.timers.numEventTimeTimers())
          assert.equal(disk.timers.numProcessingTimeTimers(), heap.timers.numProcessingTimeTimers())
        }
        assert.deepEqual(disk.timers.eventTimeTimers(), heap.timers.eventTimeTimers())
        assert.deepEqual(disk.timers.processingTimeTimers(), heap.timers.processingTimeTimers())
        }
      ).afterEach(() => {
        // Each run's services and stores go (a failing run's too): nothing stays scheduled or open.
        for (const s of subjects.splice(0)) s.timers.dispose()
        for (const db of stores.splice(0)) void db.close()
      }),
      { numRuns: 100 }
    )
  }, 120_000)

  it('forgets a timer deleted, registered again and deleted again between two writes of the store', async () => {
    const disk = await subject(1, undefined, 1_000)
    const { timers } = disk
    timers.registerEventTimeTimer(1, 0, 5)
    timers.registerEventTimeTimer(2, 0, 1)
    expect(timers.eventTimeTimers().length).toBe(2) // listing them writes the store first
    timers.deleteEventTimeTimer(1, 0, 5)
    timers.registerEventTimeTimer(1, 0, 5)
    timers.deleteEventTimeTimer(1, 0, 5)
    expect(timers.eventTimeTimers().length).toBe(1)
    timers.registerEventTimeTimer(1, 0, 5)
    expect(timers.numEventTimeTimers()).toBe(2)
    timers.advanceWatermark(10)
    expect(disk.fired).toEqual([
      ['EVENT_TIME', 2, 0, 1],
      ['EVENT_TIME', 1, 0, 5]
    ])
  })

  describe('snapshots', () => {
    const count = ds.valueState('count', t.number)
    /** Per key: a count, and a timer 5 ms after each record that reports it. */
    const fn: ds.KeyedProcessFunction<string, number, string> = {
      processElement: (_value, ctx, out) => {
        ctx.state(count).update((ctx.state(count).value() ?? 0) + 1)
        ctx.timerService().registerEventTimeTimer(ctx.timestamp()! + 5)
        out.collect(`${ctx.getCurrentKey()} record`)
      },
      onTimer: (ts, ctx, out) => out.collect(`${ctx.getCurrentKey()} count ${ctx.state(count).value()} at ${ts}`)
    }
    const build =
      (stateBackend: ds.StateBackend): Build<number, string, unknown> =>
      ([input]) =>
        input!.pipe(ds.keyedProcess<string, number, string>(fn, { stateBackend }))
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`)
    const before: Step<number, string>[] = keys.flatMap((key, i) => [[0, ds.streamRecord(i, 10 + (i % 7), key)] as const])
    const after: Step<number, string>[] = [[0, ds.watermark(13)], [0, ds.streamRecord(1, 20, 'k1')], [0, ds.watermark(100)], [0, 'end']]

    /** Runs `before` on `first`, snapshots, and runs `after` restored on `second`: the snapshot and what the second run emitted. */
    function cutOver(first: ds.StateBackend, second: ds.StateBackend): { snapshot: unknown; emitted: unknown[] } {
      const running = startJob(1, build(first))
      feed(running, before)
      const snapshots = snapshotJob(running.job)
      running.subscription.unsubscribe()
      const restored = startJob(1, build(second), undefined, snapshots)
      feed(restored, after)
      expect(restored.emitted.error).toBeUndefined()
      return { snapshot: snapshots[0], emitted: restored.emitted.elements }
    }

    it('are the heap’s, in firing order, and restore on either backend with the same output', async () => {
      const lmdb = await lmdbStateBackend(join(dir, 'jobs'), { timerCacheSize: 4 })
      const heap = ds.heapStateBackend()
      const heapToHeap = cutOver(heap, heap)
      const lmdbToHeap = cutOver(lmdb, heap)
      const heapToLmdb = cutOver(heap, lmdb)
      const lmdbToLmdb = cutOver(lmdb, lmdb)
      const timersOf = (snapshot: unknown): unknown => (snapshot as { timers: unknown }).timers
      expect(timersOf(lmdbToHeap.snapshot)).toEqual(timersOf(heapToHeap.snapshot))
      expect((timersOf(heapToHeap.snapshot) as { eventTime: unknown[] }).eventTime.length).toBe(40)
      for (const run of [lmdbToHeap, heapToLmdb, lmdbToLmdb]) expect(run.emitted).toEqual(heapToHeap.emitted)
      expect(heapToHeap.emitted.length).toBeGreaterThan(40)
    })
  })
})
