/**
 * The LMDB backend's work at a checkpoint barrier is bounded whatever the state's size: before
 * the barrier goes in, the job lets the backend write its changed cached values in steps
 * (`prepareSnapshot`), so that the barrier's flush writes at most a bounded number of keys.
 * What the checkpoints and savepoints hold is the state of their moment, full or incremental.
 * (Structural, not timed: the bound is on the writes the barrier makes, which the backend counts.)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as t from 'io-ts'
import * as ds from '../../src/index'
import { lmdbStateBackend } from '../../node/index'
import type { LmdbKeyedStateBackend } from '../../node/LmdbKeyedStateBackend'
import { completeNow } from '../../src/state/DeferredJson'
import { resolveKeyedChain } from '../../src/state/incremental'
import type { KeyedStateBackend } from '../../src/state/KeyedStateBackend'
import { testBackend, withKey } from '../support/keyed'
import { watched } from '../support/watched-backend'

/** Changed keys the barrier may be left to write (the backend's `PREPARED_DIRTY_KEYS`). */
const BARRIER_BOUND = 1_000
const KEYS = 60_000

/** An event: a count for `key`, or (value -1) a question for its count. */
interface Event {
  readonly key: number
  readonly value: number
}

const counter = ds.valueState('n', t.number)

/** Counts per key; a question is answered `[key, count]`. */
const counting: ds.KeyedProcessFunction<number, Event, readonly [number, number]> = {
  processElement(e, ctx, out) {
    const n = ctx.state(counter).value() ?? 0
    if (e.value < 0) out.collect([e.key, n])
    else ctx.state(counter).update(n + 1)
  }
}

const pipeline = (source: ds.Source<Event, number>) => (env: ds.StreamExecutionEnvironment) =>
  env.fromSource(source, { uid: 'events' }).pipe(
    ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<Event>(), { uid: 'timestamps' }),
    ds.keyBy(e => e.key, { uid: 'by-key' }),
    ds.keyedProcess(counting, { uid: 'count' }),
    ds.values()
  )

/** The counts a job restored from `restore` holds for every key. */
async function restoredCounts(stateBackend: ds.StateBackend, store: ds.CheckpointStore, restore: number | string): Promise<Map<number, number>> {
  const questions: ds.Source<Event, number> = {
    *read(offset = 0) {
      for (let key = 0; key < KEYS; key++) yield { value: { key, value: -1 }, offset: offset + key + 1 }
    }
  }
  const job = ds.execute(pipeline(questions), { jobId: 'barrier', checkpointing: { store, retain: 20 }, restore, stateBackend, onWarning: () => {} })
  const counts = new Map<number, number>()
  job.output$.subscribe({ next: ([key, n]) => counts.set(key, n), error: () => {} })
  await job.done
  return counts
}

describe('the LMDB backend at a checkpoint barrier', () => {
  let dir: string
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'rx-datastream-barrier-'))))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('writes a bounded number of keys at the barrier after 60,000 were changed, and its checkpoints hold the state', async () => {
    // Every key stays cached and changed until a checkpoint: without writing ahead, the first
    // barrier would write all 60,000.
    const lmdb = await lmdbStateBackend(dir, { cacheSize: 100_000 })
    const made: Array<LmdbKeyedStateBackend<unknown>> = []
    const stateBackend = watched(lmdb, made)
    const store = ds.memoryStore()
    const every = Array.from({ length: KEYS }, (_, key) => key)
    const phases: ReadonlyArray<{ readonly keys: readonly number[]; readonly savepoint?: string }> = [
      { keys: every },
      { keys: every.slice(0, KEYS / 2), savepoint: 'half' },
      { keys: Array.from({ length: KEYS / 100 }, (_, i) => (i * 97) % KEYS) }
    ]
    const expected = new Map<number, number>()
    const expectedAt = new Map<number | string, Map<number, number>>()
    const barrierWrites: number[] = []
    const events: Array<ds.CheckpointEvent & { readonly type: 'completed' }> = []
    let job: ds.Job<readonly [number, number]> | undefined
    const source: ds.Source<Event, number> = {
      async *read(offset = 0) {
        let at = offset
        for (const { keys, savepoint } of phases) {
          for (const key of keys) {
            expected.set(key, (expected.get(key) ?? 0) + 1)
            yield { value: { key, value: 1 }, offset: ++at }
          }
          const event = await (savepoint === undefined ? job!.checkpoint() : job!.savepoint(savepoint))
          events.push(event)
          expectedAt.set(savepoint ?? event.checkpointId, new Map(expected))
          barrierWrites.push(made[0]!.barrierWrites)
        }
      }
    }
    job = ds.execute(pipeline(source), { jobId: 'barrier', checkpointing: { store, retain: 20 }, stateBackend, onWarning: () => {} })
    job.output$.subscribe({ error: () => {} })
    await job.done
    expect(made.length).toBe(1)
    for (const [i, writes] of barrierWrites.entries()) expect(writes).withContext(`the barrier of ${events[i]!.kind} ${events[i]!.checkpointId}`).toBeLessThanOrEqual(BARRIER_BOUND)
    // The last checkpoint is an increment on the first (the savepoint is full, and no base).
    const last = events[2]!
    expect(last.needs).toEqual([events[0]!.checkpointId])
    for (const restore of [events[0]!.checkpointId, 'half', last.checkpointId]) {
      const counts = await restoredCounts(stateBackend, store, restore)
      expect(counts.size).withContext(`restored from ${restore}`).toBe(KEYS)
      const wrong = [...expectedAt.get(restore)!].filter(([key, n]) => counts.get(key) !== n)
      expect(wrong.length).withContext(`keys restored from ${restore} with a wrong count, e.g. ${JSON.stringify(wrong.slice(0, 3))}`).toBe(0)
    }
    // Four jobs over 60,000 keys: about 2 s alone, several times that on a loaded machine.
  }, 60_000)

  it('counts what is left changed as it writes ahead in steps, and an increment after a partial write-ahead holds every change', async () => {
    const lmdb = await lmdbStateBackend(dir, { cacheSize: 100_000 })
    const backend = testBackend({ now: 0 }, { stateBackend: lmdb }) as KeyedStateBackend<ds.Key> & LmdbKeyedStateBackend<ds.Key>
    const update = (key: number, n: number): void => withKey(backend, key, () => backend.getState(counter).update(n))
    try {
      for (let key = 0; key < 5_000; key++) update(key, key)
      const first = JSON.parse(completeNow(backend.snapshotDeferred({ checkpointId: 1 }))) as unknown
      expect(backend.barrierWrites).toBe(5_000)
      backend.notifyCheckpointComplete(1)
      for (let key = 0; key < 3_000; key++) update(key, -key)
      // A step whose deadline has passed writes one slice of keys (64), then stops.
      expect(backend.prepareSnapshot(-Infinity)).toBeFalse()
      let steps = 1
      while (!backend.prepareSnapshot(-Infinity)) steps++
      expect(steps).toBeGreaterThan(10)
      const written = backend.writes
      // Keys written ahead and changed again, and keys not written yet, are changed at the barrier.
      for (let key = 0; key < 100; key++) update(key, 1_000_000 + key)
      for (let key = 2_950; key < 3_000; key++) update(key, 2_000_000 + key)
      let needs: readonly number[] = []
      const second = JSON.parse(completeNow(backend.snapshotDeferred({ checkpointId: 2, incrementalBase: 1, needs: ids => (needs = ids) }))) as unknown
      expect(needs).toEqual([1])
      expect(backend.barrierWrites).toBe(backend.writes - written)
      // What the last step left (at most the bound), and the 150 keys changed since.
      expect(backend.barrierWrites).toBeLessThanOrEqual(BARRIER_BOUND + 150)
      const merged = resolveKeyedChain('spec', 2, second, (at: number) => (at === 1 ? first : undefined)) as { states: Array<{ name: string; entries: Array<[number, number, null, number]> }> }
      const values = new Map(merged.states.find(s => s.name === 'n')!.entries.map(([, key, , n]) => [key, n]))
      const wrong: number[] = []
      for (let key = 0; key < 5_000; key++) {
        const want = key < 100 ? 1_000_000 + key : key >= 2_950 && key < 3_000 ? 2_000_000 + key : key < 3_000 ? -key : key
        if (values.get(key) !== want) wrong.push(key)
      }
      expect(wrong).toEqual([])
    } finally {
      backend.dispose()
    }
  })
})
