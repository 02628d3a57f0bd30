/**
 * Workload "checkpoints": what checkpointing costs a job, in two parts.
 *
 * 1. **Throughput.** W1's pipeline (`windows-tumbling`: per page, PV and UV per 10 s tumbling
 *    event-time window, over the same clicks) run as a job through `ds.execute`, its clicks
 *    read by `env.fromArray` (`env.fromSource` with `--source lazy`):
 *
 *    - ds-job:        no checkpointing;
 *    - ds-job-file:   a checkpoint every 100 ms to `fileStore` in a fresh temporary directory;
 *    - ds-job-memory: a checkpoint every 100 ms to `memoryStore()`;
 *
 *    beside W1's plain pipeline (`ds`, no job) and its hand loop (`hand`). Every variant folds
 *    its windows into the same digest, and the exact check before timing compares them result
 *    by result. A run ends when `job.done` settles, so a checkpointing job's time includes its
 *    last checkpoint (taken when the input ends).
 *
 * 2. **State size** (after the table; `--state-keys N`, default 100,000; 0 skips it). A job
 *    counting events per key in a window one day long, so that every key's window stays open:
 *    `keys × 10` events, key `i mod keys`, 1 ms apart. At the middle of the input the source
 *    calls `job.checkpoint()` itself (between two of its values, as the job's periodic trigger
 *    does between two batches), which injects the barrier, so the time that call takes is the
 *    time processing is blocked: every operator's snapshot, the checkpoint's encoding, and the
 *    synchronous start of the store's `put`. The source also notes the gaps between its
 *    consecutive values (the job's other pauses: its turns on the event loop, GC, the store's
 *    callbacks). Then the job's last checkpoint is deleted, as if the job had died after the one
 *    in the middle, and a new job with `restore: 'latest'` reads the rest: the restore time is
 *    from its `execute` to its source's first value, and its output is checked (every key
 *    counted exactly 10 times).
 *
 * 3. **Keyed state on LMDB** (after part 2, the same `--state-keys`): a `keyedProcess` counting
 *    events per key in a `valueState`, on the heap backend, on LMDB with every checkpoint full
 *    (`incrementalCheckpoints: false`) and on LMDB with incremental checkpoints (the default).
 *    Every key once, a checkpoint; then 7 times 1 % of the keys and a checkpoint, so that the
 *    last one is an increment on a chain of 8 (the default bound). Each checkpoint is
 *    triggered by the (async) source between two values, which waits for it: the time
 *    `job.checkpoint()` takes is the pause at the barrier. Then the job's final checkpoint is
 *    deleted and a new job restores the last one (a chain of 8, merged, for the incremental
 *    variant): restore time from its `execute` to its source's first value; its output is
 *    checked (every key's count).
 *
 * Nothing here is a test: the figures are printed, never asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import * as t from 'io-ts'
import type { Observable } from 'rxjs'
import { fileStore } from '../node/index'
import { lmdbStateBackend } from '../node/lmdbStateBackend'
import type { AggregateFunction, CheckpointEvent, CheckpointingOptions, CheckpointStore, KeyedProcessFunction, Source, StateBackend, StreamExecutionEnvironment, WatermarkStrategy } from '../src/index'
import { type Event, eventFeed, type Feed } from './data'
import { forceGc, HeapProbe, type Measurement, median, type Variant } from './harness'
import { type Library, type LibraryBuild, perLibrary } from './library'
import { CLICKS, CollectingSink, DigestSink, firstDifference, OUT_OF_ORDERNESS, sameDigest, showDigest, type WindowDigest, type WindowSink } from './windows'
import { handLoop, onLibrary, type PvUv, pvUvCheckpointed, rxDatastream, SIZE } from './windows-tumbling'
import type { AfterContext, AfterReport, VerifyReport, Workload } from './workload'

/** The issue's figures, printed beside the measured ones. */
const TARGET_RATIO = 0.9
const TARGET_BLOCKED_MS = 50
const TARGET_RESTORE_MS = 1_000

/** ms between periodic checkpoints in the throughput variants. */
const INTERVAL = 100

// -------------------------------------------------------------------------------------
// temporary directories
// -------------------------------------------------------------------------------------

/**
 * One directory under the system's temporary directory for the whole process, a fresh
 * folder in it per job; all of it removed when the process exits (also after a failure), so a
 * timed run never pays for removing files.
 */
class TempDirs {
  private root: string | undefined

  fresh(): string {
    if (this.root === undefined) {
      const root = mkdtempSync(join(tmpdir(), 'rx-datastream-bench-'))
      this.root = root
      process.once('exit', () => rmSync(root, { recursive: true, force: true }))
    }
    return mkdtempSync(join(this.root, 'job-'))
  }
}

const tempDirs = new TempDirs()

// -------------------------------------------------------------------------------------
// part 1: W1 as a job
// -------------------------------------------------------------------------------------

/** The job's source of the first `size` clicks. */
type JobInput = (env: StreamExecutionEnvironment, size: number) => Observable<Event>

/**
 * `env.fromArray` over the feed's clicks (the same objects the other variants read), or with
 * `--source lazy` a replayable `env.fromSource` regenerating them on the fly. The array is
 * made once, on the first (untimed) use, with a slice per smaller size.
 */
function jobInput(feed: Feed<Event>): JobInput {
  if (feed.kind === 'lazy') {
    return (env, size) =>
      env.fromSource<Event, number>(
        {
          *read(offset = 0) {
            const at = feed.open()
            for (let i = 0; i < offset; i++) at(i)
            for (let i = offset; i < size; i++) yield { value: at(i), offset: i + 1 }
          }
        },
        { uid: 'clicks' }
      )
  }
  let all: Event[] | undefined
  const prefixes = new Map<number, Event[]>()
  const prefix = (size: number): Event[] => {
    if (all === undefined) {
      const at = feed.open()
      all = Array.from({ length: feed.size }, (_, i) => at(i))
    }
    if (size >= all.length) return all
    let p = prefixes.get(size)
    if (p === undefined) prefixes.set(size, (p = all.slice(0, size)))
    return p
  }
  return (env, size) => env.fromArray(prefix(size), { uid: 'clicks' })
}

/** The checkpoints one job run completed, as `job.checkpoints$` reported them. */
interface CheckpointStats {
  readonly durations: number[]
  readonly sizes: number[]
  aborted: number
  readonly reasons: string[]
}

const newStats = (): CheckpointStats => ({ durations: [], sizes: [], aborted: 0, reasons: [] })

const fmtMs = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1))
const fmtChars = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : `${n}`)

function describeStats(s: CheckpointStats): string {
  if (s.durations.length === 0) return `no checkpoint completed${s.aborted > 0 ? `, ${s.aborted} aborted (${s.reasons[0] ?? ''})` : ''}`
  return (
    `${s.durations.length} checkpoints, duration median ${fmtMs(median(s.durations))} / max ${fmtMs(Math.max(...s.durations))} ms, ` +
    `size median ${fmtChars(median(s.sizes))} / max ${fmtChars(Math.max(...s.sizes))} chars${s.aborted > 0 ? `, ${s.aborted} aborted (${s.reasons[0] ?? ''})` : ''}`
  )
}

/** Warnings the jobs print (none expected: every operator has a uid); kept, not printed per run. */
const warnings = new Set<string>()

/**
 * W1 as a job: the same operators as `rxDatastream` in windows-tumbling.ts, each with a uid.
 * A named function of its own, for profiles (`cpuprofile-top.mjs --within rxDatastreamJob`).
 */
async function rxDatastreamJob(
  ds: Library,
  strategy: WatermarkStrategy<Event>,
  input: JobInput,
  checkpointing: (() => CheckpointingOptions) | undefined,
  stats: CheckpointStats,
  size: number,
  probe: HeapProbe,
  sink: WindowSink
): Promise<void> {
  const job = ds.execute(
    env =>
      input(env, size).pipe(
        ds.assignTimestampsAndWatermarks(strategy, { uid: 'timestamps', autoWatermarkInterval: 0 }),
        ds.keyBy(e => e.page, { uid: 'by-page' }),
        ds.windowBy(ds.tumblingEventTimeWindows(SIZE), { uid: 'pv-uv' }).aggregate<Event, PvUv, { pv: number; uv: number }, number>(pvUvCheckpointed),
        ds.records()
      ),
    { jobId: 'w1', ...(checkpointing === undefined ? {} : { checkpointing: checkpointing() }), onWarning: w => warnings.add(w) }
  )
  job.checkpoints$.subscribe(e => {
    if (e.type === 'completed') {
      stats.durations.push(e.duration)
      stats.sizes.push(e.size)
    } else {
      stats.aborted++
      stats.reasons.push(e.reason)
    }
  })
  // The job has no source of ours to sample the heap from: sample once per window fired.
  let lastStart = NaN
  job.output$.subscribe({
    next: r => {
      const start = r.timestamp + 1 - SIZE
      if (start !== lastStart) {
        lastStart = start
        probe.sample()
      }
      sink.emit(r.key, start, r.value.pv, r.value.uv)
    },
    // `done` rejects with the same error.
    error: () => {}
  })
  const result = await job.done
  if (result.status !== 'finished') throw new Error(`the job ended ${result.status}`)
}

interface JobImpl {
  readonly id: string
  readonly name: string
  run(at: () => (i: number) => Event, size: number, probe: HeapProbe, sink: WindowSink): void | Promise<void>
  notes?(): string
}

/**
 * The checkpoints of every run at the timed size outside the exact check, per variant id (the
 * summary after the table). Warm-up runs count too when they are as long (`--events` ≤ 100,000).
 */
const timedStats = new Map<string, CheckpointStats[]>()
/** Set while the exact check runs. */
let verifying = false

function impls(feed: Feed<Event>, libs: readonly LibraryBuild[]): JobImpl[] {
  const input = jobInput(feed)
  return [
    { id: 'hand', name: 'hand-written loop', run: (open, size, probe, sink) => handLoop(open(), size, probe, sink) },
    ...perLibrary(libs, ds => {
      // perLibrary names a baseline's variants `…@base` after they are made: the stats are filed under that name.
      const suffix = libs.find(l => l.lib === ds)?.idSuffix ?? ''
      const plain = onLibrary(ds, rxDatastream)
      const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>(OUT_OF_ORDERNESS).withTimestampAssigner(e => e.ts)
      const job = (id: string, name: string, checkpointing: (() => CheckpointingOptions) | undefined): JobImpl => {
        let last = newStats()
        return {
          id,
          name,
          run: (_open, size, probe, sink) => {
            last = newStats()
            if (size === feed.size && !verifying) {
              const runs = timedStats.get(id + suffix)
              if (runs === undefined) timedStats.set(id + suffix, [last])
              else runs.push(last)
            }
            return rxDatastreamJob(ds, strategy, input, checkpointing, last, size, probe, sink)
          },
          ...(checkpointing === undefined ? {} : { notes: () => describeStats(last) })
        }
      }
      const noJob: JobImpl = { id: 'ds', name: 'rx-datastream, no job', run: (open, size, probe, sink) => plain(open(), size, probe, sink) }
      return [
        noJob,
        job('ds-job', 'job, no checkpointing', undefined),
        job('ds-job-file', `job, fileStore every ${INTERVAL} ms`, () => ({ interval: INTERVAL, store: fileStore(tempDirs.fresh()) })),
        // memoryStore of the library under test: a baseline copy runs with its own.
        job('ds-job-memory', `job, memoryStore every ${INTERVAL} ms`, () => ({ interval: INTERVAL, store: ds.memoryStore() }))
      ]
    })
  ]
}

// -------------------------------------------------------------------------------------
// variants and the exact check
// -------------------------------------------------------------------------------------

function variants(feed: Feed<Event>, libs: readonly LibraryBuild[]): Variant<WindowDigest>[] {
  timedStats.clear()
  return impls(feed, libs).map(impl => ({
    id: impl.id,
    name: impl.name,
    run: (size: number, probe: HeapProbe) => {
      const sink = new DigestSink()
      const done = impl.run(feed.open, size, probe, sink)
      return done === undefined ? sink.digest() : done.then(() => sink.digest())
    },
    ...(impl.notes === undefined ? {} : { notes: () => impl.notes!() })
  }))
}

/** As windows.ts's `verifyExactly`, for variants that may finish asynchronously (the jobs). */
const EXACT_CHECK_EVENTS = 1_000_000
const LATE_CHECK_EVENTS = 300_000
const LATE_CHECK_DISORDER = 70_000

/**
 * Untimed, before the measurements: every variant on (1) the first ≤ 1,000,000 clicks of the
 * timed feed and (2) 300,000 clicks with disorder up to 70 s (late clicks dropped alike),
 * the sorted result lists compared exactly with the hand loop's. The checkpointing jobs take
 * their checkpoints meanwhile, so this also checks that checkpoints change no result.
 */
async function verify(feed: Feed<Event>, libs: readonly LibraryBuild[]): Promise<VerifyReport> {
  const lines: string[] = []
  let ok = true
  const checks = [
    { label: `first ${Math.min(feed.size, EXACT_CHECK_EVENTS).toLocaleString('en-US')} events`, feed, size: Math.min(feed.size, EXACT_CHECK_EVENTS) },
    {
      label: `${LATE_CHECK_EVENTS.toLocaleString('en-US')} events with disorder up to ${LATE_CHECK_DISORDER} ms`,
      feed: eventFeed(feed.kind, LATE_CHECK_EVENTS, { ...CLICKS, maxDisorder: LATE_CHECK_DISORDER }),
      size: LATE_CHECK_EVENTS
    }
  ]
  verifying = true
  try {
    for (const check of checks) {
      let reference: string[] | undefined
      let referenceName = ''
      const facts: string[] = []
      for (const impl of impls(check.feed, libs)) {
        const sink = new CollectingSink()
        await impl.run(check.feed.open, check.size, new HeapProbe(), sink)
        const rows = sink.rows.sort()
        if (impl.notes !== undefined) facts.push(`${impl.id}: ${impl.notes()}`)
        if (reference === undefined) {
          reference = rows
          referenceName = impl.name
          continue
        }
        const diff = firstDifference(reference, rows)
        if (diff !== undefined) {
          ok = false
          lines.push(`EXACT CHECK FAILED (${check.label}): ${referenceName} vs ${impl.name}: ${diff}`)
        }
      }
      if (ok) lines.push(`exact check (${check.label}): ${reference?.length ?? 0} identical (page, start, pv, uv) results in every variant; ${facts.join('; ')}`)
    }
  } finally {
    verifying = false
  }
  return { ok, lines }
}

// -------------------------------------------------------------------------------------
// part 2: state size
// -------------------------------------------------------------------------------------

/** An event of the state scenario. */
interface Counted {
  readonly key: number
  readonly ts: number
}

/** A plain number per key and window: JSON as it is, so the snapshot is the state's layout, not a codec's. */
const countEvents: AggregateFunction<Counted, number, number> = {
  createAccumulator: () => 0,
  add: (_e, n) => n + 1,
  getResult: n => n,
  merge: (a, b) => a + b
}

const DAY = 86_400_000
/** Midnight: the scenario's events (1 ms apart, at most 10 M of them) all fall in one day's window. */
const STATE_START = Date.UTC(2026, 0, 1)
/** Events per key: the input is `keys × EVENTS_PER_KEY` events. */
const EVENTS_PER_KEY = 10

/** A store that times its calls: how much of a checkpoint or a restore is the store's own work. */
interface TimedStore extends CheckpointStore {
  /** ms from each call of `put` / `get` until it returned its Promise (work done before the first await). */
  readonly putSync: number[]
  readonly putMs: number[]
  readonly getMs: number[]
}

function timed(store: CheckpointStore): TimedStore {
  const putSync: number[] = []
  const putMs: number[] = []
  const getMs: number[] = []
  return {
    description: store.description,
    putSync,
    putMs,
    getMs,
    put: (checkpoint, data) => {
      const start = performance.now()
      const done = store.put(checkpoint, data)
      putSync.push(performance.now() - start)
      return done.then(() => {
        putMs.push(performance.now() - start)
      })
    },
    get: (jobId, checkpointId) => {
      const start = performance.now()
      return store.get(jobId, checkpointId).then(data => {
        getMs.push(performance.now() - start)
        return data
      })
    },
    list: jobId => store.list(jobId),
    delete: (jobId, checkpointId) => store.delete(jobId, checkpointId)
  }
}

interface StateFigures {
  readonly store: string
  readonly keys: number
  readonly events: number
  /** ms inside `job.checkpoint()` at the middle of the input: processing blocked by the barrier's synchronous work. */
  readonly blockedMs: number
  /** The process's CPU time (all threads) meanwhile: far below `blockedMs` means it waited for a core. */
  readonly blockedCpuMs: number
  /** Of which: the store's `put` until it returned (its synchronous part). */
  readonly putSyncMs: number
  /** The largest gap (ms) between two consecutive values of the source while the checkpoint was being stored, and elsewhere. */
  readonly maxGapWhileStoringMs: number
  readonly maxGapOtherwiseMs: number
  /** The checkpoint as `job.checkpoints$` reported it (ms from trigger to stored; characters). */
  readonly checkpointMs: number
  readonly checkpointSize: number
  /** The store's `put`, from call to resolution. */
  readonly putMs: number
  /** The first job, from `execute` to `done`. */
  readonly firstJobMs: number
  /** The restored job: from `execute` to its source's first value, of which the store's `get`. */
  readonly restoreMs: number
  readonly restoreCpuMs: number
  readonly getMs: number
  /** The restored job, from `execute` to `done` (the rest of the input, the windows fired, a last checkpoint). */
  readonly restoredJobMs: number
  /** What was wrong, if anything (the restored job's results, where it resumed). */
  readonly problems: readonly string[]
}

const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000

/** One run of the scenario on `store` (see the file's comment). */
async function stateScenario(ds: Library, keys: number, store: TimedStore): Promise<StateFigures> {
  const events = keys * EVENTS_PER_KEY
  const mid = events >> 1
  const jobId = 'state'
  const problems: string[] = []
  const pipeline =
    (source: Source<Counted, number>) =>
    (env: StreamExecutionEnvironment): Observable<{ readonly key: number; readonly value: number }> =>
      env.fromSource(source, { uid: 'events' }).pipe(
        ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forMonotonousTimestamps<Counted>().withTimestampAssigner(e => e.ts), { uid: 'timestamps' }),
        ds.keyBy(e => e.key, { uid: 'by-key' }),
        ds.windowBy(ds.tumblingEventTimeWindows(DAY), { uid: 'per-day' }).aggregate<Counted, number, number, number>(countEvents),
        ds.records()
      )
  const checkpointing: CheckpointingOptions = { store, retain: 2 }

  // The first job: a checkpoint in the middle, triggered by the source between two values.
  let job1: { checkpoint(): Promise<CheckpointEvent & { readonly type: 'completed' }> } | undefined
  let blockedMs = NaN
  let blockedCpuMs = NaN
  let storing = false
  let maxGapWhileStoringMs = 0
  let maxGapOtherwiseMs = 0
  let middle: Promise<CheckpointEvent & { readonly type: 'completed' }> | undefined
  const first: Source<Counted, number> = {
    *read(offset = 0) {
      let last = NaN
      for (let i = offset; i < events; i++) {
        const gap = performance.now() - last
        if (storing) {
          if (gap > maxGapWhileStoringMs) maxGapWhileStoringMs = gap
        } else if (gap > maxGapOtherwiseMs) maxGapOtherwiseMs = gap
        if (i === mid) {
          const cpu = process.cpuUsage()
          const start = performance.now()
          middle = job1!.checkpoint()
          blockedMs = performance.now() - start
          blockedCpuMs = cpuMs(process.cpuUsage(cpu))
          storing = true
          middle.then(
            () => (storing = false),
            () => (storing = false)
          )
        }
        last = performance.now()
        yield { value: { key: i % keys, ts: STATE_START + i }, offset: i + 1 }
      }
    }
  }
  const start1 = performance.now()
  const job = ds.execute(pipeline(first), { jobId, checkpointing, onWarning: w => warnings.add(w) })
  job1 = job
  job.output$.subscribe({ error: () => {} })
  const result1 = await job.done
  const firstJobMs = performance.now() - start1
  if (middle === undefined) throw new Error('state scenario: the source never reached its middle')
  const checkpoint = await middle
  // As if the job had died after the checkpoint in the middle: its last one (at the end of
  // the input, the windows fired) goes, and 'latest' is the one in the middle.
  if (result1.lastCheckpoint !== undefined && result1.lastCheckpoint !== checkpoint.checkpointId) await store.delete(jobId, result1.lastCheckpoint)

  // The restored job: the rest of the input.
  let firstValueAt = NaN
  let restoreCpuMs = NaN
  let resumedAt: number | undefined
  const rest: Source<Counted, number> = {
    *read(offset = 0) {
      resumedAt = offset
      for (let i = offset; i < events; i++) {
        if (i === offset) {
          firstValueAt = performance.now()
          restoreCpuMs = cpuMs(process.cpuUsage(cpu2))
        }
        yield { value: { key: i % keys, ts: STATE_START + i }, offset: i + 1 }
      }
    }
  }
  const getsBefore = store.getMs.length
  const cpu2 = process.cpuUsage()
  const start2 = performance.now()
  const restored = ds.execute(pipeline(rest), { jobId, checkpointing, restore: 'latest', onWarning: w => warnings.add(w) })
  let windows = 0
  let wrong = 0
  restored.output$.subscribe({
    next: r => {
      windows++
      if (r.value !== EVENTS_PER_KEY) wrong++
    },
    error: () => {}
  })
  const result2 = await restored.done
  const restoredJobMs = performance.now() - start2
  if (result2.restoredFrom !== checkpoint.checkpointId) problems.push(`restored from ${String(result2.restoredFrom)}, not checkpoint ${checkpoint.checkpointId}`)
  if (resumedAt !== mid) problems.push(`the restored source resumed at ${String(resumedAt)}, not ${mid}`)
  if (windows !== keys || wrong !== 0) problems.push(`${windows} windows fired (expected ${keys}), ${wrong} with a count other than ${EVENTS_PER_KEY}`)
  return {
    store: store.description,
    keys,
    events,
    blockedMs,
    blockedCpuMs,
    putSyncMs: store.putSync[0] ?? NaN,
    maxGapWhileStoringMs,
    maxGapOtherwiseMs,
    checkpointMs: checkpoint.duration,
    checkpointSize: checkpoint.size,
    putMs: store.putMs[0] ?? NaN,
    firstJobMs,
    restoreMs: firstValueAt - start2,
    restoreCpuMs,
    getMs: store.getMs[getsBefore] ?? NaN,
    restoredJobMs,
    problems
  }
}

// -------------------------------------------------------------------------------------
// part 3: keyed state on LMDB, full and incremental checkpoints
// -------------------------------------------------------------------------------------

/** An event of part 3: a count for `key`, or (value -1) a question for its count. */
/** The fields of `F` that hold numbers. */
type NumericField<F> = { [P in keyof F]: F[P] extends number ? P : never }[keyof F]

/** The first of `figures`, with each of `fields` replaced by its median over all of them. */
function withMedians<F>(figures: readonly F[], fields: readonly NumericField<F>[]): F {
  const result = { ...figures[0]! }
  for (const field of fields) (result[field] as number) = median(figures.map(f => f[field] as number))
  return result
}

interface KeyedEvent {
  readonly key: number
  readonly value: number
}

/** The phases after the first (every key once): each changes 1 % of the keys, then a checkpoint. */
const LMDB_PHASES = 7

interface LmdbFigures {
  readonly variant: string
  /** The first checkpoint (every key written since the start). */
  readonly firstBlockedMs: number
  readonly firstSize: number
  /** The checkpoints after 1 % of the keys changed, medians: the pause in `job.checkpoint()` (and its CPU time), size, duration. */
  readonly blockedMs: number
  readonly blockedCpuMs: number
  readonly size: number
  readonly checkpointMs: number
  /** What the last one needs (its chain). */
  readonly needs: number
  /** The restored job: from `execute` to its source's first value, and its CPU time. */
  readonly restoreMs: number
  readonly restoreCpuMs: number
  readonly problems: readonly string[]
}

/**
 * Awaits `pending`, measuring the longest stretch (real ms) between two turns of the event loop
 * meanwhile (a `setImmediate` tick per turn): the longest a record arriving then would wait.
 */
async function longestPause<T>(pending: Promise<T>): Promise<{ readonly value: T; readonly longest: number }> {
  let longest = 0
  let last = performance.now()
  let over = false
  const tick = (): void => {
    const at = performance.now()
    longest = Math.max(longest, at - last)
    last = at
    if (!over) setImmediate(tick)
  }
  setImmediate(tick)
  const value = await pending
  over = true
  return { value, longest: Math.max(longest, performance.now() - last) }
}

/** One run on `stateBackend` (see the file's comment, part 3). */
async function lmdbScenario(ds: Library, keys: number, variant: string, stateBackend: StateBackend): Promise<LmdbFigures> {
  const jobId = 'lmdb'
  const store = ds.memoryStore()
  const counter = ds.valueState('n', t.number)
  /** Counts; a check event (value -1) says the count instead. */
  const counting: KeyedProcessFunction<number, KeyedEvent, number> = {
    processElement(e, ctx, out) {
      const n = ctx.state(counter).value() ?? 0
      if (e.value < 0) out.collect(n)
      else ctx.state(counter).update(n + 1)
    }
  }
  const pipeline = (source: Source<KeyedEvent, number>) => (env: StreamExecutionEnvironment) =>
    env.fromSource(source, { uid: 'events' }).pipe(
      ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<KeyedEvent>(), { uid: 'timestamps' }),
      ds.keyBy(e => e.key, { uid: 'by-key' }),
      ds.keyedProcess(counting, { uid: 'count' }),
      ds.values()
    )
  const changed = Math.max(1, Math.floor(keys / 100))
  const phases: number[][] = [Array.from({ length: keys }, (_, i) => i), ...Array.from({ length: LMDB_PHASES }, (_, p) => Array.from({ length: changed }, (_, i) => (i * 97 + p * 13) % keys))]
  const expected = phases.reduce((sum, phase) => sum + phase.length, 0)
  const blocked: number[] = []
  const blockedCpu: number[] = []
  const events: Array<CheckpointEvent & { readonly type: 'completed' }> = []
  let job: { checkpoint(): Promise<CheckpointEvent & { readonly type: 'completed' }> } | undefined
  const first: Source<KeyedEvent, number> = {
    async *read(offset = 0) {
      let at = offset
      for (const phase of phases) {
        for (const key of phase) yield { value: { key, value: 1 }, offset: ++at }
        const cpu = process.cpuUsage()
        const start = performance.now()
        const checkpoint = job!.checkpoint()
        const synchronous = performance.now() - start
        blockedCpu.push(cpuMs(process.cpuUsage(cpu)))
        // The barrier may go in later (the LMDB backend writes its cache ahead of it, in steps):
        // the pause is the longest stretch the job held the loop until the checkpoint was stored.
        const { value, longest } = await longestPause(checkpoint)
        blocked.push(Math.max(synchronous, longest))
        events.push(value)
      }
    }
  }
  const checkpointing: CheckpointingOptions = { store, retain: 2 }
  const run = ds.execute(pipeline(first), { jobId, checkpointing, stateBackend, onWarning: w => warnings.add(w) })
  job = run
  run.output$.subscribe({ error: () => {} })
  const result = await run.done
  const last = events.at(-1)!
  if (result.lastCheckpoint !== undefined && result.lastCheckpoint !== last.checkpointId) await store.delete(jobId, result.lastCheckpoint)

  let firstValueAt = NaN
  let restoreCpuMs = NaN
  const cpu2 = process.cpuUsage()
  const check: Source<KeyedEvent, number> = {
    *read(offset = 0) {
      for (let key = 0; key < keys; key++) {
        if (key === 0) {
          firstValueAt = performance.now()
          restoreCpuMs = cpuMs(process.cpuUsage(cpu2))
        }
        yield { value: { key, value: -1 }, offset: offset + key + 1 }
      }
    }
  }
  const start2 = performance.now()
  const restored = ds.execute(pipeline(check), { jobId, checkpointing, restore: 'latest', stateBackend, onWarning: w => warnings.add(w) })
  let total = 0
  restored.output$.subscribe({ next: n => (total += n), error: () => {} })
  const problems: string[] = []
  const result2 = await restored.done.catch(async (error: unknown) => {
    const stored = (await store.list(jobId)).map(c => c.checkpointId)
    problems.push(`the restore failed: ${String(error)}; checkpoints ${events.map(e => `${e.checkpointId} needs [${e.needs.join(',')}]`).join('; ')}, final ${String(result.lastCheckpoint)}; stored now ${stored.join(',')}`)
    return { restoredFrom: undefined }
  })
  if (result2.restoredFrom !== last.checkpointId) problems.push(`restored from ${String(result2.restoredFrom)}, not checkpoint ${last.checkpointId}`)
  if (total !== expected) problems.push(`the restored counts add up to ${total}, not ${expected}`)
  const later = events.slice(1)
  return {
    variant,
    firstBlockedMs: blocked[0]!,
    firstSize: events[0]!.size,
    blockedMs: median(blocked.slice(1)),
    blockedCpuMs: median(blockedCpu.slice(1)),
    size: median(later.map(e => e.size)),
    checkpointMs: median(later.map(e => e.duration)),
    needs: last.needs.length,
    restoreMs: firstValueAt - start2,
    restoreCpuMs,
    problems
  }
}

/** Part 3's runs and table. */
async function lmdbPart(ds: Library, keys: number, rounds: number, say: (line: string) => void): Promise<{ readonly lines: string[]; readonly runs: LmdbFigures[] }> {
  say(`\n### keyed state on LMDB: ${keys.toLocaleString('en-US')} keys, then ${LMDB_PHASES} × 1 % of them changed, a checkpoint after each; a restore of the last`)
  const dir = tempDirs.fresh()
  const backends: Array<[string, StateBackend]> = [
    ['heap', ds.heapStateBackend()],
    ['lmdb, full', await lmdbStateBackend(join(dir, 'full'), { incrementalCheckpoints: false })],
    ['lmdb, incremental', await lmdbStateBackend(join(dir, 'incremental'))]
  ]
  // Untimed: a tenth of the keys on each, so that no measured run is the first.
  for (const [name, backend] of backends) await lmdbScenario(ds, Math.max(100, Math.floor(keys / 10)), name, backend)
  const runs: LmdbFigures[] = []
  for (let round = 0; round < rounds; round++) {
    for (const [name, backend] of backends) {
      forceGc()
      const figures = await lmdbScenario(ds, keys, name, backend)
      runs.push(figures)
      say(`  ${name} round ${round + 1}: blocked ${fmtMs(figures.blockedMs)} ms, ${fmtChars(figures.size)} chars, restore ${fmtMs(figures.restoreMs)} ms`)
    }
  }
  const row = (label: string, f: LmdbFigures): string[] => [
    label,
    `${fmtMs(f.firstBlockedMs)} / ${fmtChars(f.firstSize)}`,
    `${fmtMs(f.blockedMs)} (${fmtMs(f.blockedCpuMs)})`,
    fmtChars(f.size),
    fmtMs(f.checkpointMs),
    String(f.needs + 1),
    `${fmtMs(f.restoreMs)} (${fmtMs(f.restoreCpuMs)})`
  ]
  const names = backends.map(([name]) => name)
  const medianOf = (fs: readonly LmdbFigures[]): LmdbFigures =>
    withMedians(fs, ['firstBlockedMs', 'firstSize', 'blockedMs', 'blockedCpuMs', 'size', 'checkpointMs', 'restoreMs', 'restoreCpuMs'])
  const lines = textTable(
    ['backend', 'first: blocked ms / chars', 'after 1 %: blocked ms (CPU)', 'chars', 'checkpoint ms', 'restore reads', 'restore ms (CPU)'],
    [
      ...runs.map((f, k) => row(`${f.variant}, round ${Math.floor(k / names.length) + 1}`, f)),
      ...(rounds > 1 ? names.map(name => row(`${name}, median`, medianOf(runs.filter(f => f.variant === name)))) : [])
    ]
  )
  const problems = runs.flatMap(f => f.problems.map(p => `${f.variant}: ${p}`))
  for (const p of problems) lines.push(`LMDB CHECK FAILED: ${p}`)
  if (problems.length === 0) lines.push(`restored jobs checked: every key's count as written before the restored checkpoint`)
  return { lines, runs }
}

// -------------------------------------------------------------------------------------
// after the table: the ratios, the checkpoints of the timed runs, the state scenario
// -------------------------------------------------------------------------------------

function mergeStats(runs: readonly CheckpointStats[]): CheckpointStats {
  const all = newStats()
  for (const r of runs) {
    all.durations.push(...r.durations)
    all.sizes.push(...r.sizes)
    all.aborted += r.aborted
    all.reasons.push(...r.reasons)
  }
  return all
}

/** Left-aligned first column, the rest right-aligned. */
function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map(r => r[c]!.length)))
  const line = (cells: readonly string[]): string => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd()
  return [line(header), widths.map(w => '-'.repeat(w)).join('  '), ...rows.map(line)]
}

async function after(measurements: readonly Measurement<WindowDigest>[], context: AfterContext): Promise<AfterReport> {
  const data: Record<string, unknown> = {}
  // Printed at once: the state scenario that follows takes a while and reports its progress.
  const say = (line: string): void => console.log(line)
  for (const suffix of context.libs.map(l => l.idSuffix)) {
    const plain = measurements.find(m => m.id === `ds-job${suffix}`)
    if (plain === undefined) continue
    for (const id of [`ds-job-file${suffix}`, `ds-job-memory${suffix}`]) {
      const m = measurements.find(x => x.id === id)
      if (m === undefined) continue
      // Throughput ratio: the job without checkpoints' time over this one's.
      const perRound = m.roundSeconds.map((s, r) => plain.roundSeconds[r]! / s)
      const ratio = plain.seconds / m.seconds
      const spread = perRound.length > 1 ? ` (per round ${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)}×)` : ''
      const stats = mergeStats(timedStats.get(id) ?? [])
      // CPU time as well: on a shared machine it moves less than wall time.
      const cpuRatio = plain.cpuSeconds / m.cpuSeconds
      say(
        `${id} / ds-job${suffix}: ${ratio.toFixed(2)}× the throughput${spread}, ${cpuRatio.toFixed(2)}× by CPU time, target ≥ ${TARGET_RATIO}×: ${ratio >= TARGET_RATIO ? 'met' : 'not met'}; ` +
          `timed runs: ${describeStats(stats)}`
      )
      data[id] = { throughputRatio: ratio, cpuRatio, perRound, checkpoints: stats }
    }
    const ds = measurements.find(m => m.id === `ds${suffix}`)
    if (ds !== undefined) say(`ds-job${suffix} / ds${suffix}: ${(ds.seconds / plain.seconds).toFixed(2)}× the throughput, ${(ds.cpuSeconds / plain.cpuSeconds).toFixed(2)}× by CPU time (what running as a job costs: batches pulled from the source, the job's turns on the event loop)`)
  }
  if (warnings.size > 0) say(`warnings of the jobs: ${[...warnings].join(' | ')}`)

  const keys = context.stateKeys
  if (keys === 0) return { ok: true, lines: [], data }
  const ds = context.libs[0]!.lib
  say(`\n### state size: ${keys.toLocaleString('en-US')} keys with open windows, ${(keys * EVENTS_PER_KEY).toLocaleString('en-US')} events, job.checkpoint() at the middle, then a restore`)
  const stores = [() => fileStore(tempDirs.fresh()), () => ds.memoryStore()]
  // Untimed: the same code on a tenth of the keys first, on each store, so that no measured run is the first.
  for (const makeStore of stores) await stateScenario(ds, Math.max(1, Math.floor(keys / 10)), timed(makeStore()))
  const runs: StateFigures[] = []
  const storeName = (f: StateFigures): string => (f.store.startsWith('fileStore') ? 'fileStore (temp dir)' : f.store)
  for (let round = 0; round < context.rounds; round++) {
    for (const makeStore of stores) {
      // As before every timed run: the garbage of the last one is not this one's to collect.
      forceGc()
      const figures = await stateScenario(ds, keys, timed(makeStore()))
      runs.push(figures)
      say(`  ${storeName(figures)} round ${round + 1}: blocked ${fmtMs(figures.blockedMs)} ms, restore ${fmtMs(figures.restoreMs)} ms`)
    }
  }
  const row = (label: string, f: StateFigures): string[] => [
    label,
    `${fmtMs(f.blockedMs)} (${fmtMs(f.blockedCpuMs)})`,
    fmtMs(f.putSyncMs),
    `${fmtMs(f.maxGapWhileStoringMs)} / ${fmtMs(f.maxGapOtherwiseMs)}`,
    fmtChars(f.checkpointSize),
    fmtMs(f.checkpointMs),
    fmtMs(f.putMs),
    `${fmtMs(f.restoreMs)} (${fmtMs(f.restoreCpuMs)})`,
    fmtMs(f.getMs),
    fmtMs(f.restoredJobMs),
    fmtMs(f.firstJobMs)
  ]
  const medianRow = (label: string, fs: readonly StateFigures[]): string[] =>
    row(
      label,
      withMedians(fs, ['blockedMs', 'blockedCpuMs', 'putSyncMs', 'maxGapWhileStoringMs', 'maxGapOtherwiseMs', 'checkpointMs', 'putMs', 'restoreMs', 'restoreCpuMs', 'getMs', 'restoredJobMs', 'firstJobMs'])
    )

  const names = [...new Set(runs.map(storeName))]
  const lines = textTable(
    ['store', 'blocked ms (CPU)', 'put sync ms', 'max gap storing / else ms', 'checkpoint chars', 'checkpoint ms', 'put ms', 'restore ms (CPU)', 'get ms', 'restored job ms', 'first job ms'],
    [
      ...runs.map((f, k) => row(`${storeName(f)}, round ${Math.floor(k / names.length) + 1}`, f)),
      ...(context.rounds > 1 ? names.map(name => medianRow(`${name}, median`, runs.filter(f => storeName(f) === name))) : [])
    ]
  )
  const worstBlocked = Math.max(...runs.map(f => f.blockedMs))
  const worstRestore = Math.max(...runs.map(f => f.restoreMs))
  lines.push(
    `targets: blocked ≤ ${TARGET_BLOCKED_MS} ms: ${worstBlocked <= TARGET_BLOCKED_MS ? 'met' : 'not met'} (worst ${fmtMs(worstBlocked)} ms); ` +
      `restore ≤ ${TARGET_RESTORE_MS} ms: ${worstRestore <= TARGET_RESTORE_MS ? 'met' : 'not met'} (worst ${fmtMs(worstRestore)} ms)`
  )
  const problems = runs.flatMap(f => f.problems.map(p => `${storeName(f)}: ${p}`))
  for (const p of problems) lines.push(`STATE CHECK FAILED: ${p}`)
  if (problems.length === 0) lines.push(`restored jobs checked: every key's window counted exactly ${EVENTS_PER_KEY} events, each job resumed at the middle`)
  data.state = runs
  for (const line of lines) say(line)
  const lmdb = await lmdbPart(ds, keys, context.rounds, say)
  data.lmdb = lmdb.runs
  const lmdbOk = lmdb.runs.every(f => f.problems.length === 0)
  return { ok: problems.length === 0 && lmdbOk, lines: lmdb.lines, data }
}

// -------------------------------------------------------------------------------------
// workload
// -------------------------------------------------------------------------------------

export const checkpoints: Workload<WindowDigest> = {
  name: 'checkpoints',
  description: `W1 as a job: no checkpoints, every ${INTERVAL} ms to a fileStore, to a memoryStore; then a checkpoint and a restore of large state`,
  data: CLICKS,
  defaultEvents: 2_000_000,
  variants,
  ratioTo: [
    { id: 'hand', label: 'hand' },
    { id: 'ds-job', label: 'job' }
  ],
  same: sameDigest,
  show: showDigest('pv', 'uv'),
  verify,
  after
}
