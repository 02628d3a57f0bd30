/**
 * Incremental checkpoints in a job (the LMDB backend's default): a keyed job updates its state
 * phase by phase, with a checkpoint after each phase. What a checkpoint writes after 1 % of the
 * keys changed, restores of a chain under either backend against a model of the state and
 * against a full checkpoint of the same moment, a chain with a checkpoint missing or cut
 * short, retention, the chain's bound, an aborted checkpoint, and a savepoint mid-chain.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as t from 'io-ts'
import * as ds from '../../src/index'
import { lmdbStateBackend, type LmdbStateBackendOptions } from '../../node/index'
import { decodeCheckpoint } from '../../src/checkpoint/checkpointFormat'
import { resolveCheckpointChain } from '../../src/job/checkpointChain'
import { dumpSource, phased, runToEnd, type Update, updatesPipeline } from '../support/phased-updates'

const value = ds.valueState('value', t.number)
const history = ds.listState('history', t.number)
const latest = ds.mapState('latest', t.string, t.number)

/** Keeps each key's last value, every value it had, and the last value per parity; writes the state of a key it is asked to dump. */
const keeping: ds.KeyedProcessFunction<string, Update, string> = {
  processElement(update, ctx, out) {
    if (update.dump === true) {
      const entries = [...ctx.state(latest).entries()].sort()
      const v = ctx.state(value).value()
      if (v !== undefined) out.collect(`${update.key}=${v}|${(ctx.state(history).get() ?? []).join(',')}|${JSON.stringify(entries)}`)
      return
    }
    if (update.n < 0) {
      ctx.state(value).clear()
      ctx.state(history).clear()
      ctx.state(latest).clear()
      return
    }
    ctx.state(value).update(update.n)
    ctx.state(history).add(update.n)
    ctx.state(latest).put(update.n % 2 === 0 ? 'even' : 'odd', update.n)
  }
}

/** The same state as plain maps: what a dump must say after `phases`. */
function model(phases: readonly (readonly Update[])[]): string[] {
  const state = new Map<string, { v: number; history: number[]; latest: Map<string, number> }>()
  for (const phase of phases) {
    for (const { key, n } of phase) {
      if (n < 0) {
        state.delete(key)
        continue
      }
      const s = state.get(key) ?? { v: 0, history: [] as number[], latest: new Map<string, number>() }
      s.v = n
      s.history.push(n)
      s.latest.set(n % 2 === 0 ? 'even' : 'odd', n)
      state.set(key, s)
    }
  }
  return [...state].map(([key, s]) => `${key}=${s.v}|${s.history.join(',')}|${JSON.stringify([...s.latest].sort())}`).sort()
}

const KEYS = 2_000
const keyName = (i: number): string => `user-${i}`
/** Every key set, then a few changed or cleared per phase. */
const PHASES: readonly (readonly Update[])[] = [
  Array.from({ length: KEYS }, (_, i) => ({ key: keyName(i), n: i })),
  Array.from({ length: KEYS / 100 }, (_, i) => ({ key: keyName(i * 97), n: i + 1 })),
  [...Array.from({ length: 10 }, (_, i) => ({ key: keyName(i * 13), n: -1 })), { key: 'new-key', n: 7 }],
  Array.from({ length: 15 }, (_, i) => ({ key: keyName(i * 31), n: i * 3 })),
  [{ key: keyName(5), n: 55 }],
  [{ key: keyName(6), n: 66 }]
]

const pipeline = updatesPipeline(keeping)

interface Run {
  readonly events: Array<ds.CheckpointEvent & { readonly type: 'completed' }>
  readonly aborted: number[]
}

describe('incremental checkpoints in a job', () => {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rx-datastream-incremental-job-'))))
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const lmdb = (options: LmdbStateBackendOptions = {}): Promise<ds.StateBackend> => lmdbStateBackend(join(dir, 'state'), { cacheSize: 256, ...options })

  /** Runs the phases on `stateBackend`, with `after(phase, job)` after each (a checkpoint by default). */
  async function run(
    store: ds.CheckpointStore,
    stateBackend: ds.StateBackend,
    options: { readonly retain?: number; readonly phases?: readonly (readonly Update[])[]; readonly after?: (phase: number, job: ds.Job<string>) => Promise<unknown> } = {}
  ): Promise<Run> {
    const events: Run['events'] = []
    const aborted: number[] = []
    const after = options.after ?? ((_: number, job: ds.Job<string>) => job.checkpoint())
    let job: ds.Job<string> | undefined
    job = ds.execute(env => pipeline(env, phased(options.phases ?? PHASES, async phase => void (await after(phase, job!).catch(() => undefined)))), {
      jobId: 'keeping',
      // The job's final checkpoint (after its operators closed) holds no keyed state: the
      // chains before it are kept to be restored.
      checkpointing: { store, retain: options.retain ?? 100 },
      stateBackend,
      onWarning: () => {}
    })
    job.checkpoints$.subscribe(e => (e.type === 'completed' ? events.push(e) : aborted.push(e.checkpointId)))
    await job.done
    return { events, aborted }
  }

  /** Restores `restore` from `store` under `stateBackend` and dumps every key's state. */
  async function dumpAfterRestore(store: ds.CheckpointStore, restore: number | string, stateBackend: ds.StateBackend): Promise<string[]> {
    // Its own final checkpoint must not let the chains go: they are restored again.
    const job = ds.execute(env => pipeline(env, dumpSource(PHASES)), { jobId: 'keeping', checkpointing: { store, retain: 100 }, restore, stateBackend, onWarning: () => {} })
    return (await runToEnd(job)).out.sort()
  }

  it('writes at most 5 % of a full checkpoint after 1 % of the keys changed', async () => {
    const { events } = await run(ds.memoryStore(), await lmdb(), { phases: PHASES.slice(0, 2) })
    const [full, increment] = events
    expect(full!.needs).toEqual([])
    expect(increment!.needs).toEqual([full!.checkpointId])
    expect(increment!.size).toBeLessThan(full!.size * 0.05)
  })

  it('restores a chain under either backend as the state was, as a full checkpoint of the same moment restores', async () => {
    const chains = ds.memoryStore()
    const { events } = await run(chains, await lmdb())
    const last = events.at(-2)! // the last phase's checkpoint (the final one follows it)
    expect(last.needs.length).withContext('the checkpoint restored is incremental').toBeGreaterThan(1)
    const fulls = ds.memoryStore()
    const full = await run(fulls, await lmdb({ incrementalCheckpoints: false }))
    expect(full.events.every(e => e.needs.length === 0)).toBeTrue()

    const expected = model(PHASES)
    for (const backend of [ds.heapStateBackend(), await lmdb()]) {
      expect(await dumpAfterRestore(chains, last.checkpointId, backend)).withContext(`the chain restored on ${backend.name}`).toEqual(expected)
      expect(await dumpAfterRestore(fulls, full.events.at(-2)!.checkpointId, backend)).withContext(`the full checkpoint restored on ${backend.name}`).toEqual(expected)
    }
    // The chain merged is the full checkpoint's keyed state, entry for entry.
    const read = async (store: ds.CheckpointStore, id: number) => {
      const stored = await store.list('keeping')
      const checkpoint = decodeCheckpoint(store.description, stored.find(c => c.checkpointId === id)!, await store.get('keeping', id))
      const keyed = (await resolveCheckpointChain(store, stored, checkpoint)).operators['keeping'] as { keyed: { states: Array<{ entries: unknown[] }> } }
      return keyed.keyed.states.map(s => ({ ...s, entries: s.entries.map(e => JSON.stringify(e)).sort() }))
    }
    expect(await read(chains, last.checkpointId)).toEqual(await read(fulls, full.events.at(-2)!.checkpointId))
  })

  it('fails to restore a chain with a checkpoint deleted or cut short, naming both checkpoints', async () => {
    const store = ds.memoryStore()
    const { events } = await run(store, await lmdb(), { phases: PHASES.slice(0, 3) })
    const last = events.at(-1)!
    const [base, middle] = last.needs
    expect(middle).toBeDefined()
    const text = await store.get('keeping', middle!)
    const listed = (await store.list('keeping')).find(c => c.checkpointId === middle)!
    await store.put(listed, text.slice(0, -20))
    await expectAsync(dumpAfterRestore(store, 'latest', ds.heapStateBackend())).toBeRejectedWithError(
      ds.CheckpointStoreError,
      new RegExp(`checkpoint ${last.checkpointId} of job 'keeping' cannot be restored: it is incremental and needs checkpoint ${middle}: .*checkpoint ${middle} of job 'keeping' is damaged: .*truncated`)
    )
    await store.delete('keeping', middle!)
    await expectAsync(dumpAfterRestore(store, 'latest', await lmdb())).toBeRejectedWithError(
      ds.CheckpointStoreError,
      new RegExp(`checkpoint ${last.checkpointId} of job 'keeping' cannot be restored: it is incremental and needs checkpoint ${middle}, which is not in the store`)
    )
    // 'latest-valid' goes back to a checkpoint whose chain is whole: the base.
    const job = ds.execute(env => pipeline(env, dumpSource(PHASES)), { jobId: 'keeping', checkpointing: { store }, restore: 'latest-valid', onWarning: () => {} })
    expect((await job.done).restoredFrom).toBe(base)
  })

  it('keeps the base of the newest checkpoint with retain: 1, and lets the old chain go once a checkpoint is full', async () => {
    const store = ds.memoryStore()
    const stored: number[][] = []
    const backend = await lmdb({ maxCheckpointChain: 3 })
    const { events } = await run(store, backend, {
      retain: 1,
      after: async (_, job) => {
        await job.checkpoint()
        // Retention runs after the completion: let it.
        await new Promise(resolve => setTimeout(resolve, 20))
        stored.push((await store.list('keeping')).map(c => c.checkpointId))
      }
    })
    const needs = events.map(e => [e.checkpointId, e.needs])
    expect(needs.slice(0, 4)).toEqual([
      [1, []],
      [2, [1]],
      [3, [1, 2]],
      [4, []]
    ])
    expect(stored.slice(0, 4)).toEqual([[1], [1, 2], [1, 2, 3], [4]])
  })

  it('carries an aborted checkpoint’s changes in the next increment', async () => {
    const inner = ds.memoryStore()
    let refuse = 2
    const store: ds.CheckpointStore = {
      ...inner,
      description: 'a store that refuses checkpoint 2',
      put: (checkpoint, data) => (checkpoint.checkpointId === refuse ? Promise.reject(new Error('disk full')) : inner.put(checkpoint, data)),
      get: (jobId, id) => inner.get(jobId, id),
      list: jobId => inner.list(jobId),
      delete: (jobId, id) => inner.delete(jobId, id)
    }
    const { events, aborted } = await run(store, await lmdb(), { phases: PHASES.slice(0, 3) })
    refuse = 0
    expect(aborted).toEqual([2])
    expect(events[1]!.checkpointId).toBe(3)
    expect(events[1]!.needs).toEqual([1])
    expect(await dumpAfterRestore(store, 3, ds.heapStateBackend())).toEqual(model(PHASES.slice(0, 3)))
  })

  it('takes a savepoint mid-chain in full, which the heap backend restores; the chain goes on past it', async () => {
    const store = ds.memoryStore()
    const { events } = await run(store, await lmdb(), {
      phases: PHASES.slice(0, 4),
      after: (phase, job) => (phase === 2 ? job.savepoint('mid') : job.checkpoint())
    })
    const savepoint = events.find(e => e.kind === 'savepoint')!
    expect(savepoint.needs).toEqual([])
    const after = events[events.indexOf(savepoint) + 1]!
    expect(after.needs).withContext('the checkpoint after the savepoint is written on the checkpoint before it').toEqual([1, 2])
    expect(await dumpAfterRestore(store, 'mid', ds.heapStateBackend())).toEqual(model(PHASES.slice(0, 3)))
    expect(await dumpAfterRestore(store, after.checkpointId, ds.heapStateBackend())).toEqual(model(PHASES.slice(0, 4)))
  })
})
