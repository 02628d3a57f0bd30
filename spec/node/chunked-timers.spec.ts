/**
 * Chunked timers in a job: an operator on LMDB with timers of a few MB writes them to the store
 * in chunks, as its keyed state; the heap and LMDB backends restore them and fire them as an
 * uninterrupted run does; a few timers stay in the body; a missing chunk fails the restore
 * naming it; rescaling gives each subtask the chunks that hold its key groups.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ds from '../../src/index'
import { fileStore, lmdbStateBackend } from '../../node/index'
import { decodeCheckpoint } from '../../src/checkpoint/checkpointFormat'
import { openChunkReader } from '../../src/checkpoint/checkpointChunks'
import { withChunkOrigins } from '../../src/job/checkpointChain'
import type { ChunkRef } from '../../src/state/chunks'
import { keyGroupRange, rescaleOperatorSnapshots } from '../../src/state/rescale'
import { type ChunkedTimersSnapshot, restoreTimerChunks } from '../../src/state/timerChunks'
import { type Completed, dumpSource, phased, runToEnd, type Update, updatesPipeline } from '../support/phased-updates'

/** Processing-time timers an hour ahead: they fire only at the end of input, in time order. */
const PROCESSING_BASE = Date.now() + 3_600_000

/** Per key `n`: two event-time timers and one processing-time timer, each at a time of its own; a firing says which. */
const timing: ds.KeyedProcessFunction<string, Update, string> = {
  processElement(update, ctx) {
    if (update.dump === true) return
    const timers = ctx.timerService()
    timers.registerEventTimeTimer(1_000_000 + 2 * update.n)
    timers.registerEventTimeTimer(1_000_001 + 2 * update.n)
    timers.registerProcessingTimeTimer(PROCESSING_BASE + update.n)
  },
  onTimer: (ts, ctx, out) => out.collect(`${ctx.timeDomain()} ${ctx.getCurrentKey()} ${ts}`)
}

const pipeline = updatesPipeline(timing)
const KEYS = 40_000
const TIMERS = 3 * KEYS
const TIMEOUT = 120_000
const updates = (keys: number): Update[] => Array.from({ length: keys }, (_, i) => ({ key: `timer-key-${String(i).padStart(6, '0')}`, n: i }))


describe('chunked timers in a job', () => {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rx-datastream-chunked-timers-'))))
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  let lmdbs = 0
  const lmdb = (): Promise<ds.StateBackend> => lmdbStateBackend(join(dir, `state-${lmdbs++}`), { cacheSize: 1_000, timerCacheSize: 1_000 })

  /** Registers the timers of `keys` keys, checkpoints, and runs to the end (every timer fires): the checkpoint and what fired. */
  async function run(store: ds.CheckpointStore, keys: number): Promise<{ checkpoint: Completed; fired: string[] }> {
    const job: ds.Job<string> = ds.execute(env => pipeline(env, phased([updates(keys)], async () => void (await job.checkpoint()))), {
      jobId: 'timing',
      checkpointing: { store, retain: 10 },
      stateBackend: await lmdb(),
      onWarning: () => {}
    })
    const { out: fired, completed } = await runToEnd(job)
    expect(completed.length).withContext('checkpoints completed').toBeGreaterThan(0)
    return { checkpoint: completed[0]!, fired }
  }

  /** What fires after a restore of checkpoint `id` on `stateBackend`, running to the end. */
  async function firedAfterRestore(store: ds.CheckpointStore, id: number, stateBackend: ds.StateBackend): Promise<string[]> {
    const job = ds.execute(env => pipeline(env, dumpSource([])), { jobId: 'timing', checkpointing: { store, retain: 10 }, restore: id, stateBackend, onWarning: () => {} })
    return (await runToEnd(job)).out
  }

  async function timersInBody(store: ds.CheckpointStore, id: number): Promise<ChunkedTimersSnapshot> {
    const listed = (await store.list('timing')).find(c => c.checkpointId === id)!
    const checkpoint = withChunkOrigins(decodeCheckpoint(store.description, listed, await store.get('timing', id)))
    return (checkpoint.operators['keeping'] as { timers: ChunkedTimersSnapshot }).timers
  }

  it('writes the timers of an LMDB operator in chunks, which both backends restore to fire as an uninterrupted run fires', async () => {
    const store = ds.memoryStore()
    const { checkpoint, fired } = await run(store, KEYS)
    expect(fired.length).withContext('every timer fires in the uninterrupted run').toBe(TIMERS)
    const timers = await timersInBody(store, checkpoint.checkpointId)
    expect(timers.chunks?.length ?? 0).withContext('chunks').toBeGreaterThanOrEqual(3)
    expect(timers.eventTime.length + timers.processingTime.length).withContext('timers listed in the body').toBe(0)
    expect(timers.chunks!.every(c => c.length <= (1 << 20) + 200)).withContext('each chunk about 1 MB at most').toBeTrue()
    expect(checkpoint.size).withContext('the checkpoint, chunks included').toBeGreaterThan(3_000_000)
    for (const backend of [ds.heapStateBackend(), await lmdb()]) {
      expect(await firedAfterRestore(store, checkpoint.checkpointId, backend)).withContext(`restored on ${backend.name}`).toEqual(fired)
    }
  }, TIMEOUT)

  it('keeps a few timers in the body, as without chunks', async () => {
    const store = ds.memoryStore()
    const { checkpoint, fired } = await run(store, 100)
    const timers = await timersInBody(store, checkpoint.checkpointId)
    expect(timers.chunks).toBeUndefined()
    expect(timers.eventTime.length).toBe(200)
    expect(timers.processingTime.length).toBe(100)
    expect(await firedAfterRestore(store, checkpoint.checkpointId, ds.heapStateBackend())).toEqual(fired)
  }, TIMEOUT)

  it('fails a restore whose timer chunk is missing, naming the operator, the timers, the checkpoint and the chunk', async () => {
    const store = fileStore(join(dir, 'checkpoints'))
    const { checkpoint } = await run(store, KEYS)
    const id = checkpoint.checkpointId
    const n = (await timersInBody(store, id)).chunks![1]!.n
    const chunks = join(dir, 'checkpoints', 'job-timing', `${id}.chunks`)
    expect(readdirSync(chunks)).toContain(`${n}.json`)
    rmSync(join(chunks, `${n}.json`))
    for (const backend of [ds.heapStateBackend(), await lmdb()]) {
      await expectAsync(firedAfterRestore(store, id, backend)).toBeRejectedWithError(
        ds.StateError,
        new RegExp(`uid keeping.*timers.*checkpoint ${id} of job 'timing' cannot be restored: chunk ${n} of checkpoint ${id} cannot be read: .*has no chunk ${n}`)
      )
    }
  }, TIMEOUT)

  it("rescales chunked timers to the chunks that hold each subtask's key groups, a restore of which keeps only its groups' timers", async () => {
    const store = ds.memoryStore()
    const { checkpoint } = await run(store, KEYS)
    const id = checkpoint.checkpointId
    const listed = (await store.list('timing')).find(c => c.checkpointId === id)!
    const snapshot = withChunkOrigins(decodeCheckpoint(store.description, listed, await store.get('timing', id))).operators['keeping'] as {
      keyed: { maxParallelism: number }
      timers: ChunkedTimersSnapshot & { chunks: ChunkRef[] }
    }
    const all = snapshot.timers.chunks
    const reader = await openChunkReader(store, 'timing', id, [id])
    const info = { kind: 'keyedProcess', name: 'keyedProcess', uid: 'keeping' }
    const parallelism = 3
    const subtasks = rescaleOperatorSnapshots([snapshot], parallelism, info)
    let restored = 0
    for (let index = 0; index < parallelism; index++) {
      const { start, end } = keyGroupRange(snapshot.keyed.maxParallelism, parallelism, index)
      const timers = subtasks[index]!.timers as ChunkedTimersSnapshot
      expect(timers.chunks!.map(c => c.n)).withContext(`subtask ${index}'s chunks`).toEqual(all.filter(c => c.last >= start && c.first <= end).map(c => c.n))
      const groups: number[] = []
      restoreTimerChunks(info, timers, reader, part => groups.push(...part.eventTime.map(e => e[0]), ...part.processingTime.map(e => e[0])), () => {})
      expect(groups.every(group => group >= start && group <= end)).withContext(`subtask ${index} keeps its groups only`).toBeTrue()
      restored += groups.length
    }
    expect(restored).withContext('every timer restored by one subtask').toBe(TIMERS)
  }, TIMEOUT)
})
