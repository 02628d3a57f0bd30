/**
 * A chunked restore of a windowed job: keyed event-time windows with a process window function
 * on LMDB (window contents an entry per element), whose keyed part and timers take several
 * chunks each, checkpointed while every window is open, then a few keys change and an
 * incremental checkpoint is written on it; restored from that chain on either backend, and
 * rescaled from two subtasks to three, the job fires what an uninterrupted run fires.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Subject } from 'rxjs'
import type { Observable } from 'rxjs'
import * as ds from '../../src/index'
import { lmdbStateBackend } from '../../node/index'
import { type Completed, phased, runToEnd } from '../support/phased-updates'
import { decodeCheckpoint } from '../../src/checkpoint/checkpointFormat'
import { openChunkReader } from '../../src/checkpoint/checkpointChunks'
import { chunkedCheckpoints, resolveCheckpointChain, withChunkOrigins } from '../../src/job/checkpointChain'
import { JobContext, runInJob } from '../../src/runtime/JobContext'
import { type ChunkedKeyedSnapshot, type ChunkReader, type ChunkRef, inlineChunks } from '../../src/state/chunks'
import { assignToKeyGroup, DEFAULT_MAX_PARALLELISM } from '../../src/state/KeyGroup'
import { keyGroupRange, rescaleOperatorSnapshots } from '../../src/state/rescale'
import { TIMERS_INCREMENT_FORMAT } from '../../src/state/timerIncrements'

/** A visit of `key` at `ts`; `pad` makes the window contents a few MB. */
interface Visit {
  readonly key: string
  readonly v: number
  readonly ts: number
  readonly pad: string
}

const KEYS = 10_000
/** Windows of 10 ms: every key has a visit in each of the first eight before the checkpoint. */
const WINDOW = 10
const OPEN = 8
const keyName = (i: number): string => `visitor-${String(i).padStart(6, '0')}`
const visit = (i: number, window: number, v: number): Visit => ({ key: keyName(i), v, ts: window * WINDOW + (v % WINDOW), pad: 'x'.repeat(5 + (v % 7)) })

/** Before the checkpoint: a visit per key in windows 0 to 7 (eight timers per key). After: more visits in windows 1 to 9 for some keys. */
const BEFORE: readonly Visit[] = Array.from({ length: OPEN }, (_, w) => Array.from({ length: KEYS }, (_, i) => visit(i, w, i + w))).flat()
/** Between the two checkpoints: 1 % of the keys get a visit, in an open window or a new one (a new timer). */
const MIDDLE: readonly Visit[] = Array.from({ length: KEYS / 100 }, (_, j) => visit(j * 100, 2 + (j % 7), 3 * j + 2))
const AFTER: readonly Visit[] = Array.from({ length: KEYS / 4 }, (_, j) => visit(j * 4, 1 + (j % 9), 7 * j + 1))

/** Per key and window: the visits in the order they came (an entry per element on LMDB), one line. */
const describeWindow = (key: string, ctx: { readonly window: { readonly start: number } }, elements: readonly Visit[], out: { collect(line: string): void }): void =>
  out.collect(`${key} ${ctx.window.start} ${[...elements].map(e => `${e.v}:${e.pad.length}`).join(',')}`)

/**
 * Fires at the end of the window as `eventTimeTrigger()` does, but as a trigger of its own: the
 * operator then keeps a timer per key and window (with the default trigger it fires a window
 * for all its keys at once, without timers).
 */
const atEnd: ds.Trigger<Visit> = {
  name: 'atEnd',
  canMerge: false,
  onElement: (_value, _timestamp, window, ctx) => {
    if (ds.maxTimestamp(window) <= ctx.currentWatermark()) return 'FIRE'
    ctx.registerEventTimeTimer(ds.maxTimestamp(window))
    return 'CONTINUE'
  },
  onEventTime: (time, window) => (time === ds.maxTimestamp(window) ? 'FIRE' : 'CONTINUE'),
  onProcessingTime: () => 'CONTINUE',
  clear: (window, ctx) => ctx.deleteEventTimeTimer(ds.maxTimestamp(window))
}

/** The windows on a keyed stream of visits. */
const windows = (stateBackend: ds.StateBackend | undefined) =>
  ds
    .windowBy(ds.tumblingEventTimeWindows<Visit>(WINDOW), { uid: 'windows', ...(stateBackend === undefined ? {} : { stateBackend }) })
    .trigger(atEnd)
    .process<Visit, string, string>(describeWindow)

/** The watermark stays a second behind: every window stays open until the end of input. */
const pipeline = (env: ds.StreamExecutionEnvironment, source: ds.Source<Visit, number>): Observable<string> =>
  env.fromSource(source, { uid: 'visits' }).pipe(
    ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<Visit>(1_000).withTimestampAssigner(v => v.ts), { uid: 'ts', autoWatermarkInterval: 0 }),
    ds.keyBy(v => v.key, { uid: 'by-key' }),
    windows(undefined),
    ds.values()
  )

const TIMEOUT = 240_000

describe('a chunked restore of a windowed job', () => {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rx-datastream-chunked-windows-'))))
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  let stores = 0
  const lmdb = (): Promise<ds.StateBackend> => lmdbStateBackend(join(dir, `state-${stores++}`), { cacheSize: 2_000, timerCacheSize: 1_000 })

  /** Runs `before`, a checkpoint, `middle`, a checkpoint, then `after` to the end: the second checkpoint (an increment on the first) and every line fired. */
  async function run(store: ds.CheckpointStore, jobId: string, filter: (v: Visit) => boolean = () => true): Promise<{ checkpoint: Completed; fired: string[] }> {
    const phases = [BEFORE.filter(filter), MIDDLE.filter(filter), AFTER.filter(filter)]
    const job: ds.Job<string> = ds.execute(env => pipeline(env, phased(phases, async phase => void (phase < phases.length - 1 && (await job.checkpoint())))), {
      jobId,
      checkpointing: { store, retain: 10 },
      stateBackend: await lmdb(),
      onWarning: () => {}
    })
    const { out: fired, completed } = await runToEnd(job)
    const [base, increment] = completed
    expect(increment!.needs).withContext('the second checkpoint is an increment on the first').toEqual([base!.checkpointId])
    return { checkpoint: increment!, fired }
  }

  /** The window operator's snapshot in checkpoint `id`, its chain resolved (a chunked base's increments to apply after its chunks), its chunks marked with their checkpoint; and the checkpoints whose chunks it reads. */
  async function windowSnapshot(
    store: ds.CheckpointStore,
    jobId: string,
    id: number
  ): Promise<{ snapshot: { keyed: ChunkedKeyedSnapshot & { chunks?: ChunkRef[] }; timers: { format?: string; chunks?: ChunkRef[]; increments?: unknown[] } }; chunked: Set<number>; raw: { timers: { format?: string } } }> {
    const stored = await store.list(jobId)
    const raw = decodeCheckpoint(store.description, stored.find(c => c.checkpointId === id)!, await store.get(jobId, id))
    const checkpoint = withChunkOrigins(await resolveCheckpointChain(store, stored, raw))
    return { snapshot: checkpoint.operators['windows'] as never, chunked: chunkedCheckpoints(checkpoint), raw: raw.operators['windows'] as never }
  }

  it('restores on either backend to fire as an uninterrupted run, keyed part and timers in several chunks each', async () => {
    const store = ds.memoryStore()
    const { checkpoint, fired } = await run(store, 'visits')
    const windowsOpened = new Set([...MIDDLE, ...AFTER].filter(v => v.ts >= OPEN * WINDOW).map(v => `${v.key} ${v.ts - (v.ts % WINDOW)}`)).size
    expect(fired.length).withContext('every window fires once, at the end').toBe(OPEN * KEYS + windowsOpened)
    const { snapshot, raw } = await windowSnapshot(store, 'visits', checkpoint.checkpointId)
    expect(raw.timers.format).withContext("the increment's timers").toBe(TIMERS_INCREMENT_FORMAT)
    expect(snapshot.keyed.chunks?.length ?? 0).withContext("chunks of the base's keyed part").toBeGreaterThanOrEqual(3)
    expect(snapshot.timers.chunks?.length ?? 0).withContext("chunks of the base's timers").toBeGreaterThanOrEqual(2)
    expect(snapshot.timers.increments?.length).withContext('timer increments to apply after the chunks').toBe(1)
    for (const backend of [ds.heapStateBackend(), await lmdb()]) {
      const job = ds.execute(env => pipeline(env, phased([BEFORE, MIDDLE, AFTER], async () => {})), {
        jobId: 'visits',
        checkpointing: { store, retain: 10 },
        restore: checkpoint.checkpointId,
        stateBackend: backend,
        onWarning: () => {}
      })
      const restored: string[] = []
      job.output$.subscribe({ next: line => restored.push(line), error: () => {} })
      await job.done
      expect(restored).withContext(`restored on ${backend.name}`).toEqual(fired)
    }
  }, TIMEOUT)

  it('rescales from two subtasks to three, each restoring the chunks of its key groups, to fire what one uninterrupted run fires', async () => {
    const maxParallelism = DEFAULT_MAX_PARALLELISM
    const subtaskOf = (key: string, parallelism: number): number => {
      const group = assignToKeyGroup(key, maxParallelism)
      for (let i = 0; i < parallelism; i++) {
        const { start, end } = keyGroupRange(maxParallelism, parallelism, i)
        if (group >= start && group <= end) return i
      }
      throw new Error(`no subtask for key group ${group}`)
    }
    const { fired } = await run(ds.memoryStore(), 'all')
    // Two subtasks, each a job of its own key groups' visits, in a store of its own.
    const stores = [ds.memoryStore(), ds.memoryStore()]
    const snapshots: unknown[] = []
    const readers: ChunkReader[] = []
    for (const i of [0, 1]) {
      const mine = (v: Visit): boolean => subtaskOf(v.key, 2) === i
      const { checkpoint } = await run(stores[i]!, `subtask-${i}`, mine)
      const id = checkpoint.checkpointId
      const { snapshot, chunked } = await windowSnapshot(stores[i]!, `subtask-${i}`, id)
      expect(snapshot.keyed.chunks?.length ?? 0).withContext(`subtask ${i}'s keyed chunks`).toBeGreaterThanOrEqual(2)
      expect(snapshot.timers.chunks?.length ?? 0).withContext(`subtask ${i}'s timer chunks`).toBeGreaterThanOrEqual(1)
      // The two jobs number their checkpoints alike: the second's chunks are told apart by an offset.
      const mark = (refs: ChunkRef[] | undefined): ChunkRef[] | undefined => refs?.map(ref => ({ ...ref, checkpoint: ref.checkpoint! + 1_000 * i }))
      snapshots.push({ ...snapshot, keyed: { ...snapshot.keyed, chunks: mark(snapshot.keyed.chunks) }, timers: { ...snapshot.timers, chunks: mark(snapshot.timers.chunks) } })
      readers.push(await openChunkReader(stores[i]!, `subtask-${i}`, id, chunked))
    }
    const reader: ChunkReader = {
      read: ref => readers[ref.checkpoint! >= 1_000 ? 1 : 0]!.read({ ...ref, checkpoint: ref.checkpoint! % 1_000 }),
      inline: (info, keyed) => inlineChunks(info, keyed as ChunkedKeyedSnapshot, reader)
    }
    const info = { kind: 'windowBy', name: 'windows', uid: 'windows' }
    const rescaled = rescaleOperatorSnapshots(snapshots, 3, info)
    for (const backend of [ds.heapStateBackend(), await lmdb()]) {
      const all: string[] = []
      for (let i = 0; i < 3; i++) {
        const job = new JobContext([rescaled[i]])
        job.chunks = reader
        const input = new Subject<ds.StreamElement<Visit, string>>()
        const lines: string[] = []
        let failed: unknown
        runInJob(job, () => input.pipe(windows(backend), ds.values()).subscribe({ next: line => lines.push(line), error: (e: unknown) => (failed = e) }))
        for (const v of AFTER.filter(v => subtaskOf(v.key, 3) === i)) input.next(ds.streamRecord(v, v.ts, v.key))
        input.complete()
        expect(failed).withContext(`subtask ${i} of 3 on ${backend.name}`).toBeUndefined()
        expect(lines.length).withContext(`subtask ${i} of 3 fires its share`).toBeGreaterThan(KEYS / 4)
        all.push(...lines)
      }
      expect(all.sort()).withContext(`three subtasks restored on ${backend.name}`).toEqual([...fired].sort())
    }
  }, TIMEOUT)
})
