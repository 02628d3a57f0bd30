/**
 * Incremental checkpoints of an LMDB operator's timers, in a job with a timer per key: after
 * 1 % of the keys move their timers, the next checkpoint (timers and keyed part) is at most 5 %
 * of a full one; a chain (inline or chunked base, timers registered, deleted and fired between
 * its checkpoints) restores on either backend to fire exactly what an uninterrupted run and a
 * restore of a full checkpoint fire, and a timer deleted or fired never comes back; a property
 * against the heap backend on random phases; a savepoint stays full.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import * as t from 'io-ts'
import type { Observable } from 'rxjs'
import * as ds from '../../src/index'
import { lmdbStateBackend, type LmdbStateBackendOptions } from '../../node/index'
import { type Completed, phased, runToEnd } from '../support/phased-updates'
import { decodeCheckpoint } from '../../src/checkpoint/checkpointFormat'
import { TIMERS_INCREMENT_FORMAT } from '../../src/state/timerIncrements'

/** Processing-time timers an hour ahead: they fire only at the end of input, in time order. */
const PROCESSING_BASE = Date.now() + 3_600_000
/** The key whose records only move the watermark. */
const TICK = 'tick'

/**
 * A key's timers move to `n` (event time 1,000 + n, and processing time when n % 3 = 0);
 * n < 0 deletes them. A tick's `ts` moves the watermark, firing the timers it passes.
 */
interface Move {
  readonly key: string
  readonly n: number
  readonly ts: number
}

const at = ds.valueState('at', t.number)

const timing: ds.KeyedProcessFunction<string, Move, string> = {
  processElement(move, ctx) {
    if (move.key === TICK) return
    const timers = ctx.timerService()
    const previous = ctx.state(at).value()
    if (previous !== undefined) {
      timers.deleteEventTimeTimer(1_000 + previous)
      if (previous % 3 === 0) timers.deleteProcessingTimeTimer(PROCESSING_BASE + previous)
    }
    if (move.n < 0) return ctx.state(at).clear()
    ctx.state(at).update(move.n)
    timers.registerEventTimeTimer(1_000 + move.n)
    if (move.n % 3 === 0) timers.registerProcessingTimeTimer(PROCESSING_BASE + move.n)
  },
  onTimer: (ts, ctx, out) => out.collect(`${ctx.timeDomain()} ${ctx.getCurrentKey()} ${ts}`)
}

const pipeline = (env: ds.StreamExecutionEnvironment, input: ds.Source<Move, number>): Observable<string> =>
  env.fromSource(input, { uid: 'moves' }).pipe(
    ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<Move>(0).withTimestampAssigner(m => m.ts), { uid: 'ts', autoWatermarkInterval: 0 }),
    ds.keyBy(m => m.key, { uid: 'by-key' }),
    ds.keyedProcess(timing, { uid: 'timing' }),
    ds.values()
  )


interface Run {
  readonly checkpoints: Completed[]
  readonly fired: string[]
  /** How much of the output had arrived when each phase's checkpoint completed: fired before its barrier (some of that may arrive later). */
  readonly firedAt: number[]
}

/** `restored` is what `run` fired after its checkpoint of `phase`: the end of its output, none of which arrived before that checkpoint completed. */
function expectTailOf(run: Run, phase: number, restored: readonly string[], what: string): void {
  const split = run.fired.length - restored.length
  expect(split).withContext(`${what}: fires no more than the run went on to fire`).toBeGreaterThanOrEqual(run.firedAt[phase]!)
  expect(restored).withContext(`${what}: fires as the run went on`).toEqual(run.fired.slice(split))
}

const moveTo = (key: string, n: number): Move => ({ key, n, ts: 0 })
const tick = (ts: number): Move => ({ key: TICK, n: 0, ts })
const keyName = (i: number): string => `key-${String(i).padStart(6, '0')}`

describe('incremental timers on LMDB in a job', () => {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rx-datastream-incremental-timers-'))))
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  let stores = 0
  const lmdb = (options: LmdbStateBackendOptions = {}): Promise<ds.StateBackend> => lmdbStateBackend(join(dir, `state-${stores++}`), { cacheSize: 64, timerCacheSize: 16, ...options })

  /** Runs the phases, with a checkpoint after each, to the end of input (every timer left fires). */
  async function run(store: ds.CheckpointStore, stateBackend: ds.StateBackend, phases: readonly (readonly Move[])[], savepointAfter?: number): Promise<Run> {
    const checkpoints: Completed[] = []
    const fired: string[] = []
    const firedAt: number[] = []
    const job: ds.Job<string> = ds.execute(
      env =>
        pipeline(
          env,
          phased(phases, async phase => {
            await (phase === savepointAfter ? job.savepoint(`sp-${phase}`) : job.checkpoint())
            firedAt.push(fired.length)
          })
        ),
      { jobId: 'timing', checkpointing: { store, retain: 100 }, stateBackend, onWarning: () => {} }
    )
    job.output$.subscribe(line => fired.push(line))
    job.checkpoints$.subscribe(e => e.type === 'completed' && checkpoints.push(e))
    await job.done
    return { checkpoints, fired, firedAt }
  }

  /** What fires after a restore of `restore` on `stateBackend`, with no more input. */
  async function firedAfterRestore(store: ds.CheckpointStore, restore: number | string, stateBackend: ds.StateBackend): Promise<string[]> {
    const job = ds.execute(env => pipeline(env, phased<Move>([], async () => {})), { jobId: 'timing', checkpointing: { store, retain: 100 }, restore, stateBackend, onWarning: () => {} })
    return (await runToEnd(job)).out
  }

  async function timersOf(store: ds.CheckpointStore, id: number): Promise<{ format?: string; eventTime: unknown[]; processingTime: unknown[]; chunks?: unknown[] }> {
    const listed = (await store.list('timing')).find(c => c.checkpointId === id)!
    return (decodeCheckpoint(store.description, listed, await store.get('timing', id)).operators['timing'] as { timers: { format?: string; eventTime: unknown[]; processingTime: unknown[] } }).timers
  }

  it('writes at most 5 % of a full checkpoint, timers included, after 1 % of the keys moved their timers', async () => {
    const keys = 4_000
    const phases = [Array.from({ length: keys }, (_, i) => moveTo(keyName(i), i % 500)), Array.from({ length: keys / 100 }, (_, i) => moveTo(keyName(i * 97), 600 + i))]
    const store = ds.memoryStore()
    const { checkpoints } = await run(store, await lmdb(), phases)
    const [full, increment] = checkpoints
    expect(increment!.needs).toEqual([full!.checkpointId])
    const timers = await timersOf(store, increment!.checkpointId)
    expect(timers.format).toBe(TIMERS_INCREMENT_FORMAT)
    // 40 keys moved: 40 timers registered and 40 deleted per domain at most.
    expect(timers.eventTime.length).toBe(keys / 100)
    expect((await timersOf(store, full!.checkpointId)).eventTime.length).toBe(keys)
    expect(increment!.size).withContext(`the increment (${increment!.size}) against the full checkpoint (${full!.size})`).toBeLessThan(full!.size * 0.05)
  })

  /** Phases on `keys` keys: every key's timers, some moved, deleted and fired, a checkpoint after each phase. */
  function churn(keys: number): Move[][] {
    return [
      Array.from({ length: keys }, (_, i) => moveTo(keyName(i), i % 300)),
      [...Array.from({ length: 50 }, (_, i) => moveTo(keyName(i * 7), 310 + (i % 5))), tick(1_020)],
      [...Array.from({ length: 30 }, (_, i) => moveTo(keyName(i * 11 + 1), -1)), ...Array.from({ length: 20 }, (_, i) => moveTo(keyName(i * 13 + 2), 5))],
      [tick(1_100), moveTo(keyName(3), 0), moveTo(keyName(4), 400)],
      [moveTo(keyName(5), 310), tick(1_150)]
    ]
  }

  /** Restores the last phase's checkpoint of a chain on both backends: what fires is what the uninterrupted run fired after it, and what a restore of a full checkpoint fires. */
  async function expectChainRestores(keys: number, options: LmdbStateBackendOptions): Promise<{ chain: Run; store: ds.CheckpointStore }> {
    const phases = churn(keys)
    const store = ds.memoryStore()
    const chain = await run(store, await lmdb(options), phases)
    const last = chain.checkpoints[phases.length - 1]!
    expect(last.needs.length).withContext('the checkpoint restored is incremental').toBe(phases.length - 1)
    expect((await timersOf(store, last.checkpointId)).format).toBe(TIMERS_INCREMENT_FORMAT)
    const fulls = ds.memoryStore()
    const full = await run(fulls, await lmdb({ ...options, incrementalCheckpoints: false }), phases)
    expect(full.fired).withContext('the runs with full checkpoints fire the same').toEqual(chain.fired)
    // Fired before the checkpoint: never again after a restore (no key registers a fired timer again).
    const gone = new Set(chain.fired.slice(0, chain.firedAt[phases.length - 1]))
    expect(gone.size).withContext('timers fired before the checkpoint').toBeGreaterThan(keys / 10)
    const fromFull = await firedAfterRestore(fulls, full.checkpoints[phases.length - 1]!.checkpointId, ds.heapStateBackend())
    expect(fromFull.length).withContext('timers pending at the checkpoint').toBeGreaterThan(keys / 2)
    expectTailOf(chain, phases.length - 1, fromFull, 'the full checkpoint restored on the heap')
    for (const backend of [ds.heapStateBackend(), await lmdb(options)]) {
      const restored = await firedAfterRestore(store, last.checkpointId, backend)
      expect(restored).withContext(`the chain restored on ${backend.name}, against the full checkpoint`).toEqual(fromFull)
      expect(restored.filter(line => gone.has(line))).withContext('timers fired before come back').toEqual([])
    }
    expect(await firedAfterRestore(fulls, full.checkpoints[phases.length - 1]!.checkpointId, await lmdb(options))).withContext('the full checkpoint restored on LMDB').toEqual(fromFull)
    return { chain, store }
  }

  it('restores a chain with timers registered, deleted and fired to fire as the uninterrupted run and a full checkpoint do', async () => {
    await expectChainRestores(2_000, {})
  })

  it('restores a chain on a chunked base (timers in chunks) on both backends', async () => {
    const { store, chain } = await expectChainRestores(40_000, { cacheSize: 1_000, timerCacheSize: 1_000 })
    const base = await timersOf(store, chain.checkpoints[0]!.checkpointId)
    expect(base.chunks?.length ?? 0).withContext("the base's timers in chunks").toBeGreaterThanOrEqual(2)
  }, 180_000)

  it('restores a timer deleted and registered again after the base to fire after the others of its time, as the run does', async () => {
    // A and B at 1,005 (A first); then A moves away and back (now after B), and C joins them.
    const phases = [[moveTo('A', 5), moveTo('B', 5), moveTo('D', 9)], [moveTo('A', 6), moveTo('A', 5), moveTo('C', 5)], [moveTo('D', 8)]]
    const store = ds.memoryStore()
    const chain = await run(store, await lmdb(), phases)
    const last = chain.checkpoints[phases.length - 1]!
    expect(last.needs.length).toBe(2)
    const expected = ['B 1005', 'A 1005', 'C 1005', 'D 1008'].map(timer => `EVENT_TIME ${timer}`)
    expectTailOf(chain, phases.length - 1, expected, 'the run')
    for (const backend of [ds.heapStateBackend(), await lmdb()]) expect(await firedAfterRestore(store, last.checkpointId, backend)).withContext(backend.name).toEqual(expected)
  })

  it('writes a savepoint mid-chain with every timer, which the heap backend restores', async () => {
    const phases = churn(500)
    const store = ds.memoryStore()
    const { checkpoints, fired, firedAt } = await run(store, await lmdb(), phases, 2)
    const savepoint = checkpoints.find(c => c.kind === 'savepoint')!
    expect(savepoint.needs).toEqual([])
    const timers = await timersOf(store, savepoint.checkpointId)
    expect(timers.format).toBeUndefined()
    expect(timers.eventTime.length).toBeGreaterThan(400)
    // The chain goes on past it, on the checkpoint before it.
    const last = checkpoints[4]!
    expect(last.needs).toEqual([1, 2, 4])
    for (const backend of [ds.heapStateBackend(), await lmdb()]) expectTailOf({ checkpoints, fired, firedAt }, 4, await firedAfterRestore(store, last.checkpointId, backend), backend.name)
  })

  it('agrees with the heap backend over random phases of moves, deletions and ticks, restored from any chain on either backend', async () => {
    const moveArb: fc.Arbitrary<Move> = fc.oneof(
      // Few keys and times: timers tie, and a key often comes back to a time it left.
      fc.record({ key: fc.nat(5).map(keyName), n: fc.nat(8), ts: fc.constant(0) }),
      fc.record({ key: fc.nat(5).map(keyName), n: fc.constant(-1), ts: fc.constant(0) }),
      fc.nat(12).map(w => tick(998 + w))
    )
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(moveArb, { minLength: 1, maxLength: 12 }), { minLength: 2, maxLength: 6 }), fc.nat(), async (phases, pick) => {
        const heapStore = ds.memoryStore()
        const heap = await run(heapStore, ds.heapStateBackend(), phases)
        const store = ds.memoryStore()
        const chain = await run(store, await lmdb({ cacheSize: 4, timerCacheSize: 2, maxCheckpointChain: 4 }), phases)
        expect(chain.fired).withContext('the LMDB run fires as the heap run').toEqual(heap.fired)
        const phase = pick % phases.length
        const checkpoint = chain.checkpoints[phase]!
        // What the heap's full checkpoint of the same moment fires; after the last phase, what the run went on to fire.
        const expected = await firedAfterRestore(heapStore, heap.checkpoints[phase]!.checkpointId, ds.heapStateBackend())
        if (phase === phases.length - 1) expectTailOf(chain, phase, expected, 'the last checkpoint')
        for (const backend of [ds.heapStateBackend(), await lmdb({ timerCacheSize: 1 })]) {
          expect(await firedAfterRestore(store, checkpoint.checkpointId, backend))
            .withContext(`checkpoint ${checkpoint.checkpointId} (needs ${JSON.stringify(checkpoint.needs)}) restored on ${backend.name}`)
            .toEqual(expected)
        }
      }),
      { numRuns: 25 }
    )
  }, 120_000)
})
