/**
 * Chunked checkpoints in a job: the LMDB backend hands a state of a few MB to the store in
 * chunks of about 1 MB, the body last; the heap and LMDB backends restore them (a full
 * checkpoint, a chain on a chunked base, a savepoint); a store without chunks gets the state in
 * the body; a missing or damaged chunk fails the restore naming the store, the job, the
 * checkpoint and the chunk; an aborted checkpoint's chunks are deleted; rescaling gives each
 * subtask the chunks of its key groups.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as t from 'io-ts'
import * as ds from '../../src/index'
import { fileStore, lmdbStateBackend } from '../../node/index'
import { decodeCheckpoint } from '../../src/checkpoint/checkpointFormat'
import { openChunkReader } from '../../src/checkpoint/checkpointChunks'
import { withChunkOrigins } from '../../src/job/checkpointChain'
import { type ChunkedKeyedSnapshot, type ChunkReader, type ChunkRef, inlineChunks } from '../../src/state/chunks'
import { keyGroupRange, rescaleOperatorSnapshots } from '../../src/state/rescale'
import { type Completed, dumpSource, phased, runToEnd, type Update, updatesPipeline } from '../support/phased-updates'

const value = ds.valueState('value', t.number)
const pad = ds.valueState('pad', t.string)
const history = ds.listState('history', t.number)

/** Keeps each key's value (with a long text, so that the state is a few MB), every value it had; dumps a key when asked. */
const keeping: ds.KeyedProcessFunction<string, Update, string> = {
  processElement(update, ctx, out) {
    if (update.dump === true) {
      const v = ctx.state(value).value()
      if (v !== undefined) out.collect(`${update.key}=${v}|${(ctx.state(history).get() ?? []).join(',')}|${ctx.state(pad).value()!.length}`)
      return
    }
    if (update.n < 0) {
      ctx.state(value).clear()
      ctx.state(history).clear()
      ctx.state(pad).clear()
      return
    }
    ctx.state(value).update(update.n)
    ctx.state(history).add(update.n)
    ctx.state(pad).update(`${update.key}:`.padEnd(400 + (update.n % 50), 'x'))
  }
}

function model(phases: readonly (readonly Update[])[]): string[] {
  const state = new Map<string, { v: number; history: number[] }>()
  for (const phase of phases) {
    for (const { key, n } of phase) {
      if (n < 0) {
        state.delete(key)
        continue
      }
      const s = state.get(key) ?? { v: 0, history: [] as number[] }
      s.v = n
      s.history.push(n)
      state.set(key, s)
    }
  }
  return [...state].map(([key, s]) => `${key}=${s.v}|${s.history.join(',')}|${`${key}:`.padEnd(400 + (s.v % 50), 'x').length}`).sort()
}

const KEYS = 8_000
/** Each check runs jobs over a few MB of state on LMDB, and restores them. */
const TIMEOUT = 60_000
const keyName = (i: number): string => `user-${i}`
/** Every key set (about 3.5 MB of state), then a few changed or cleared per phase. */
const PHASES: readonly (readonly Update[])[] = [
  Array.from({ length: KEYS }, (_, i) => ({ key: keyName(i), n: i })),
  Array.from({ length: 40 }, (_, i) => ({ key: keyName(i * 97), n: i + 1 })),
  [...Array.from({ length: 10 }, (_, i) => ({ key: keyName(i * 13), n: -1 })), { key: 'new-key', n: 7 }]
]

const pipeline = updatesPipeline(keeping)


/** A store without chunks: what a store written before chunks existed offers. */
const withoutChunks = (inner: ds.CheckpointStore): ds.CheckpointStore => ({
  description: `${inner.description} without chunks`,
  put: (c, data) => inner.put(c, data),
  get: (jobId, id) => inner.get(jobId, id),
  list: jobId => inner.list(jobId),
  delete: (jobId, id) => inner.delete(jobId, id)
})

describe('chunked checkpoints in a job', () => {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rx-datastream-chunked-job-'))))
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const lmdb = (): Promise<ds.StateBackend> => lmdbStateBackend(join(dir, 'state'), { cacheSize: 1_000 })

  async function run(
    store: ds.CheckpointStore,
    stateBackend: ds.StateBackend,
    options: { readonly phases?: readonly (readonly Update[])[]; readonly after?: (phase: number, job: ds.Job<string>) => Promise<unknown> } = {}
  ): Promise<{ events: Completed[]; aborted: Array<{ id: number; reason: string }> }> {
    const events: Completed[] = []
    const aborted: Array<{ id: number; reason: string }> = []
    const after = options.after ?? ((_: number, job: ds.Job<string>) => job.checkpoint())
    let job: ds.Job<string> | undefined
    job = ds.execute(env => pipeline(env, phased(options.phases ?? PHASES, async phase => void (await after(phase, job!).catch(() => undefined)))), {
      jobId: 'keeping',
      checkpointing: { store, retain: 100 },
      stateBackend,
      onWarning: () => {}
    })
    job.checkpoints$.subscribe(e => (e.type === 'completed' ? events.push(e) : aborted.push({ id: e.checkpointId, reason: e.reason })))
    await job.done
    return { events, aborted }
  }

  async function dumpAfterRestore(store: ds.CheckpointStore, restore: number | string, stateBackend: ds.StateBackend): Promise<string[]> {
    const job = ds.execute(env => pipeline(env, dumpSource(PHASES)), { jobId: 'keeping', checkpointing: { store, retain: 100 }, restore, stateBackend, onWarning: () => {} })
    return (await runToEnd(job)).out.sort()
  }

  /** The keyed part of `uid` in checkpoint `id` as its body holds it. */
  async function keyedInBody(store: ds.CheckpointStore, id: number): Promise<{ chunks?: Array<{ n: number; first: number; last: number; length: number }>; states: Array<{ entries: unknown[] }> }> {
    const listed = (await store.list('keeping')).find(c => c.checkpointId === id)!
    const checkpoint = decodeCheckpoint(store.description, listed, await store.get('keeping', id))
    return (checkpoint.operators['keeping'] as { keyed: never }).keyed
  }

  for (const [name, makeStore] of [
    ['memoryStore', () => ds.memoryStore()],
    ['fileStore', () => fileStore(join(dir, 'checkpoints'))]
  ] as const) {
    it(`stores an LMDB checkpoint of a few MB in chunks of about 1 MB in ${name}, which both backends restore`, async () => {
      const store = makeStore()
      const { events } = await run(store, await lmdb(), { phases: PHASES.slice(0, 1) })
      const first = events[0]!
      const body = (await store.list('keeping')).find(c => c.checkpointId === first.checkpointId)!
      const keyed = await keyedInBody(store, first.checkpointId)
      expect(keyed.chunks!.length).withContext('chunks').toBeGreaterThanOrEqual(3)
      expect(keyed.states.every(s => s.entries.length === 0)).withContext('the states list no entries of their own').toBeTrue()
      expect(keyed.chunks!.every(c => c.length <= (1 << 20) + 2_000)).withContext('each chunk about 1 MB at most').toBeTrue()
      // Chunks are in key-group order, each a range of groups.
      for (let i = 1; i < keyed.chunks!.length; i++) expect(keyed.chunks![i]!.first).toBeGreaterThanOrEqual(keyed.chunks![i - 1]!.last)
      expect(body.size).withContext('the body').toBeLessThan(20_000)
      expect(first.size).withContext('the checkpoint, chunks included').toBeGreaterThan(3_000_000)
      for (const backend of [ds.heapStateBackend(), await lmdb()]) {
        expect(await dumpAfterRestore(store, first.checkpointId, backend)).withContext(`restored on ${backend.name}`).toEqual(model(PHASES.slice(0, 1)))
      }
    }, TIMEOUT)
  }

  it('restores a chain of increments on a chunked base under either backend, the increments applied after the chunks', async () => {
    const store = ds.memoryStore()
    const { events } = await run(store, await lmdb())
    const last = events.at(-2)!
    expect(last.needs.length).withContext('the checkpoint restored is incremental').toBe(2)
    expect((await keyedInBody(store, last.needs[0]!)).chunks).withContext('its base is chunked').toBeDefined()
    expect((await keyedInBody(store, last.checkpointId)).chunks).withContext('an increment is small: written whole').toBeUndefined()
    for (const backend of [ds.heapStateBackend(), await lmdb()]) {
      expect(await dumpAfterRestore(store, last.checkpointId, backend)).withContext(`restored on ${backend.name}`).toEqual(model(PHASES))
    }
  }, TIMEOUT)

  it('takes a savepoint in chunks too, which the heap backend restores', async () => {
    const store = ds.memoryStore()
    await run(store, await lmdb(), { phases: PHASES.slice(0, 2), after: (phase, job) => (phase === 1 ? job.savepoint('sp') : job.checkpoint()) })
    const savepoint = (await store.list('keeping')).find(c => c.kind === 'savepoint')!
    expect((await keyedInBody(store, savepoint.checkpointId)).chunks).toBeDefined()
    expect(await dumpAfterRestore(store, 'sp', ds.heapStateBackend())).toEqual(model(PHASES.slice(0, 2)))
  }, TIMEOUT)

  it('rescales a chunked keyed part to the chunks of each subtask\'s key groups, a restore of which keeps only its groups\' entries', async () => {
    const store = ds.memoryStore()
    const { events } = await run(store, await lmdb(), { phases: PHASES.slice(0, 1) })
    const id = events[0]!.checkpointId
    const listed = (await store.list('keeping')).find(c => c.checkpointId === id)!
    const checkpoint = withChunkOrigins(decodeCheckpoint(store.description, listed, await store.get('keeping', id)))
    const snapshot = checkpoint.operators['keeping'] as { keyed: { maxParallelism: number; chunks: ChunkRef[] } }
    const all = snapshot.keyed.chunks
    expect(all.length).toBeGreaterThanOrEqual(3)
    const reader = await openChunkReader(store, 'keeping', id, [id])
    const read: number[] = []
    const counting: ChunkReader = { read: ref => (read.push(ref.n), reader.read(ref)), inline: (info, keyed) => inlineChunks(info, keyed as ChunkedKeyedSnapshot, counting) }
    const info = { kind: 'keyedProcess', name: 'keyedProcess', uid: 'keeping' }
    const parallelism = 3
    const subtasks = rescaleOperatorSnapshots([snapshot], parallelism, info)
    let restored = 0
    for (let index = 0; index < parallelism; index++) {
      const { start, end } = keyGroupRange(snapshot.keyed.maxParallelism, parallelism, index)
      const keyed = subtasks[index]!.keyed as unknown as ChunkedKeyedSnapshot
      const expected = all.filter(c => c.last >= start && c.first <= end).map(c => c.n)
      expect(keyed.chunks!.map(c => c.n)).withContext(`subtask ${index}'s chunks`).toEqual(expected)
      read.length = 0
      const whole = counting.inline(info, keyed) as { states: Array<{ name: string; entries: Array<[number, ...unknown[]]> }> }
      expect(read).withContext(`the chunks subtask ${index} reads`).toEqual(expected)
      const values = whole.states.find(s => s.name === 'value')!.entries
      expect(values.every(([group]) => group >= start && group <= end)).withContext(`subtask ${index} keeps its groups only`).toBeTrue()
      restored += values.length
    }
    expect(restored).withContext('every key restored by one subtask').toBe(KEYS)
  }, TIMEOUT)

  it('writes the state into the body for a store without chunks, as before', async () => {
    const store = withoutChunks(ds.memoryStore())
    const { events } = await run(store, await lmdb(), { phases: PHASES.slice(0, 1) })
    const keyed = await keyedInBody(store, events[0]!.checkpointId)
    expect(keyed.chunks).toBeUndefined()
    expect(keyed.states.some(s => s.entries.length === KEYS)).toBeTrue()
    expect(await dumpAfterRestore(store, events[0]!.checkpointId, await lmdb())).toEqual(model(PHASES.slice(0, 1)))
  }, TIMEOUT)

  it('fails a restore whose chunk is missing or damaged, naming the operator, the store, the job, the checkpoint and the chunk', async () => {
    const store = fileStore(join(dir, 'checkpoints'))
    const { events } = await run(store, await lmdb(), { phases: PHASES.slice(0, 1) })
    const id = events[0]!.checkpointId
    const chunks = join(dir, 'checkpoints', 'job-keeping', `${id}.chunks`)
    const files = readdirSync(chunks).sort()
    expect(files).toContain('1.json')
    writeFileSync(join(chunks, '1.json'), '{"states":{},"tables":{}}')
    for (const backend of [ds.heapStateBackend(), await lmdb()]) {
      await expectAsync(dumpAfterRestore(store, id, backend)).toBeRejectedWithError(
        ds.StateError,
        new RegExp(`uid keeping.*cannot restore: fileStore\\('.*'\\): checkpoint ${id} of job 'keeping' cannot be restored: chunk 1 of checkpoint ${id} is damaged: .* characters where the checkpoint says`)
      )
    }
    rmSync(join(chunks, '1.json'))
    await expectAsync(dumpAfterRestore(store, id, await lmdb())).toBeRejectedWithError(
      ds.StateError,
      new RegExp(`checkpoint ${id} of job 'keeping' cannot be restored: chunk 1 of checkpoint ${id} cannot be read: .*checkpoint ${id} of job 'keeping' has no chunk 1`)
    )
  }, TIMEOUT)

  it('deletes the chunks of a checkpoint whose body the store refused, and never lists them', async () => {
    // Chunks in one store, bodies in another: a put of the next body cannot tidy the chunks away.
    const inner = ds.memoryStore()
    const bodies = ds.memoryStore()
    const puts: number[] = []
    const store: ds.CheckpointStore = {
      ...bodies,
      description: 'a store that refuses the body of checkpoint 1',
      put: (c, data) => (c.checkpointId === 1 ? Promise.reject(new Error('disk full')) : bodies.put(c, data)),
      delete: async (jobId, id) => {
        await bodies.delete(jobId, id)
        await inner.delete(jobId, id)
      },
      putChunk: (c, n, data) => {
        puts.push(c.checkpointId)
        return inner.putChunk!(c, n, data)
      }
    }
    const { events, aborted } = await run(store, await lmdb(), { phases: PHASES.slice(0, 1) })
    expect(aborted.map(a => a.id)).toEqual([1])
    expect(aborted[0]!.reason).toContain('disk full')
    expect(puts).toContain(1)
    expect(events.map(e => e.checkpointId)).not.toContain(1)
    await new Promise(resolve => setTimeout(resolve, 20))
    // Its chunks are gone: a body put now under its id finds none.
    await inner.put({ jobId: 'keeping', checkpointId: 1, timestamp: 0, kind: 'checkpoint' }, 'x')
    await expectAsync(inner.openChunks!('keeping', 1).then(f => f.read(0))).toBeRejectedWithError(ds.CheckpointStoreError, /has no chunk 0/)
  }, TIMEOUT)

  it('never restores from a torn chunk folder (a process killed while writing chunks), and the next checkpoint of that id starts it afresh', async () => {
    const store = fileStore(join(dir, 'checkpoints'))
    const { events } = await run(store, await lmdb(), { phases: PHASES.slice(0, 1) })
    const last = events.at(-1)!.checkpointId
    // What a process killed while writing checkpoint last + 1 leaves: chunks, no manifest.
    const torn = join(dir, 'checkpoints', 'job-keeping', `${last + 1}.chunks`)
    mkdirSync(torn)
    writeFileSync(join(torn, '0.json'), '{"states":{"value":[[0,"torn",null,1]]},"tables":{}}')
    writeFileSync(join(torn, '7.json'), 'torn')
    const restored = ds.execute(env => pipeline(env, phased(PHASES.slice(0, 2), async () => void (await restored.checkpoint()))), {
      jobId: 'keeping',
      checkpointing: { store, retain: 100 },
      restore: 'latest',
      stateBackend: await lmdb(),
      onWarning: () => {}
    })
    const completed: number[] = []
    restored.checkpoints$.subscribe(e => e.type === 'completed' && completed.push(e.checkpointId))
    expect((await restored.done).restoredFrom).toBe(last)
    expect(completed[0]).toBe(last + 1)
    expect(readdirSync(torn)).not.toContain('7.json')
    expect(await dumpAfterRestore(store, last + 1, ds.heapStateBackend())).toEqual(model(PHASES.slice(0, 2)))
  }, TIMEOUT)

  it('aborts a checkpoint whose chunk the store refuses, naming the chunk; the job goes on', async () => {
    const inner = ds.memoryStore()
    const store: ds.CheckpointStore = {
      ...inner,
      description: 'a store that refuses chunk 1',
      putChunk: (c, n, data) => (n === 1 && c.checkpointId === 1 ? Promise.reject(new Error('disk full')) : inner.putChunk!(c, n, data))
    }
    const { events, aborted } = await run(store, await lmdb(), { phases: PHASES.slice(0, 2) })
    expect(aborted.map(a => a.id)).toEqual([1])
    expect(aborted[0]!.reason).toMatch(/the store \(a store that refuses chunk 1\) failed to write chunk 1: disk full/)
    expect(events[0]!.checkpointId).toBe(2)
    expect(await dumpAfterRestore(store, 2, ds.heapStateBackend())).toEqual(model(PHASES.slice(0, 2)))
  }, TIMEOUT)
})
