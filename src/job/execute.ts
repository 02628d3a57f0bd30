/**
 * Running a pipeline as a job (Flink's `StreamExecutionEnvironment.execute`): its sources are
 * pulled by the job, in batches, so that checkpoint barriers can be injected between values;
 * its operators snapshot as the barrier passes them; whole checkpoints go to a store; and a
 * job can start again from one.
 *
 * @since 0.1.0
 */
import { asyncScheduler, type Observable, type SchedulerLike, Subject, type Subscription } from 'rxjs'
import { messageOf } from '../core/errors'
import { operatorInfo, type OperatorOptions } from '../core/OperatorOptions'
import { CheckpointStoreError, type CheckpointStore, type StoredCheckpoint } from '../checkpoint/CheckpointStore'
import { type CompletedCheckpoint, decodeCheckpoint } from '../checkpoint/checkpointFormat'
import { memoryStore } from '../checkpoint/memoryStore'
import { jobGraph } from '../graph/jobGraph'
import type { StreamGraph } from '../graph/StreamGraph'
import { valueSource } from '../runtime/host'
import { JobContext, runInJob } from '../runtime/JobContext'
import { isStateful } from '../runtime/operatorSnapshot'
import type { AbstractStreamOperator } from '../runtime/StreamOperator'
import { CheckpointCoordinator, type CheckpointEvent } from './CheckpointCoordinator'
import { chunkedCheckpoints, resolveCheckpointChain, withChunkOrigins } from './checkpointChain'
import { openChunkReader } from '../checkpoint/checkpointChunks'
import type { ChunkReader } from '../state/chunks'
import { arrayReader, iterableReader, observableReader, type PullResult, type Source, sourceReader, type SourceReader } from './Source'
import { SourceOperator } from './SourceOperator'
import { checkSavepointName } from './savepoints'
import { now } from '../state/DeferredJson'
import type { JobMetrics, JobStatus, MetricsOptions } from './JobMetrics'
import { MetricsCollector } from './MetricsCollector'
import { checkStateBackend, type StateBackend } from '../state/StateBackend'

export type { CheckpointEvent } from './CheckpointCoordinator'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * How a job takes checkpoints (Flink's `CheckpointConfig`).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const checkpointing: ds.CheckpointingOptions = {
 *   interval: 10_000,            // a checkpoint every 10 s
 *   mode: 'exactly-once',        // multi-input operators align barriers
 *   store: ds.memoryStore(),
 *   retain: 3                    // keep the 3 newest
 * }
 *
 * @category checkpoints
 * @since 0.1.0
 */
export interface CheckpointingOptions {
  /**
   * Milliseconds of processing time between checkpoints (from the end of one to the start of the
   * next, as Flink's interval with at most one checkpoint at a time). Omitted: checkpoints are
   * taken only by `job.checkpoint()` (and a last one when the job finishes).
   */
  readonly interval?: number
  /**
   * `exactly-once` (default): an operator of several inputs holds back the inputs that delivered
   * a barrier until all have (aligned), so each snapshot reflects exactly the records before the
   * barrier. `at-least-once`: nothing is held; after a restore some records are processed twice.
   */
  readonly mode?: 'exactly-once' | 'at-least-once'
  /** Exactly-once only: barriers overtake the records in flight, which are stored with the checkpoint (no alignment wait). */
  readonly unaligned?: boolean
  /** Exactly-once, aligned: an alignment that takes longer (ms) turns unaligned. */
  readonly alignmentTimeout?: number
  /** Where checkpoints go; default a new {@link memoryStore}. */
  readonly store?: CheckpointStore
  /** How many completed checkpoints the store keeps (the newest; savepoints are not counted); default 1, as Flink. */
  readonly retain?: number
  /** A checkpoint not complete after this many ms is aborted; default 600,000 (10 minutes, as Flink). */
  readonly timeout?: number
  /** The least time (ms) from the end of one checkpoint to the start of the next; default 0. */
  readonly minPause?: number
}

/**
 * Options of {@link execute}.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const options: ds.JobOptions = {
 *   jobId: 'page-views',
 *   checkpointing: { interval: 5_000, store: ds.memoryStore() },
 *   restore: 'latest'            // go on from the newest checkpoint, if there is one
 * }
 *
 * @category checkpoints
 * @since 0.1.0
 */
export interface JobOptions {
  /** Names the job in its store: a store keeps many jobs' checkpoints apart. Default `'job'`. */
  readonly jobId?: string
  /** Checkpoints; omitted, the job takes none (and `job.checkpoint()` rejects). */
  readonly checkpointing?: CheckpointingOptions
  /**
   * Start from a stored checkpoint of this job instead of from scratch:
   * - `'latest'`: the newest checkpoint (a damaged one fails the job); none stored: a fresh start;
   * - `'latest-valid'`: the newest one that reads back whole, skipping damaged ones (with a warning);
   * - a number: that checkpoint;
   * - any other string: the savepoint of that name.
   */
  readonly restore?: 'latest' | 'latest-valid' | number | string
  /**
   * A restored checkpoint may hold state of operators the job no longer has (it is dropped);
   * without it such a restore fails, naming their uids. Default false.
   */
  readonly allowNonRestoredState?: boolean
  /** Processing time: checkpoint intervals and timeouts, and the job's turns; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike
  /** Where warnings go (operators without a uid, a damaged checkpoint skipped); default `console.warn`. */
  readonly onWarning?: (message: string) => void
  /** `job.metrics$`: how often it takes a snapshot while subscribed (default every 1,000 ms). */
  readonly metrics?: MetricsOptions
  /**
   * Where keyed operators keep their keyed state (an operator's own `stateBackend` option
   * overrides it): `ds.heapStateBackend()`, the default, or `lmdbStateBackend(dir)` from
   * `rx-datastream/node` for state larger than memory. Snapshots have one format whatever
   * the backend, so a job can move between backends through a savepoint.
   */
  readonly stateBackend?: StateBackend
}

/**
 * How a job ended.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const show = (r: ds.JobResult): string => `${r.status}, last checkpoint ${r.lastCheckpoint ?? 'none'}`
 *
 * @category checkpoints
 * @since 0.1.0
 */
export interface JobResult {
  /**
   * `finished`: every source ended and the output completed; `cancelled`: `job.cancel()`;
   * `stopped`: `job.stopWithSavepoint` (its savepoint is `lastCheckpoint`).
   */
  readonly status: 'finished' | 'cancelled' | 'stopped'
  /** The newest checkpoint completed, if any. */
  readonly lastCheckpoint: number | undefined
  /** The checkpoint or savepoint the job was restored from, if any. */
  readonly restoredFrom: number | undefined
}

/**
 * An operator of a running job, by its uid.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const label = (o: ds.JobOperator): string => `${o.uid}: ${o.kind} "${o.name}"`
 *
 * @category checkpoints
 * @since 0.1.0
 */
export interface JobOperator {
  /** Its `uid`, or one derived from its kind and place (`mapValues#2`). */
  readonly uid: string
  readonly name: string
  readonly kind: string
}

/**
 * A running job: what {@link execute} returns.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const job = ds.execute(env => env.fromArray([1, 2, 3]))
 * job.output$.subscribe(n => console.log(n))
 * await job.done // { status: 'finished', … }
 *
 * @category checkpoints
 * @since 0.1.0
 */
export interface Job<T> {
  readonly jobId: string
  /**
   * What the pipeline emits, for every subscriber (subscribe before the job's first turn, i.e.
   * synchronously after `execute`, to see all of it). It completes when the job finishes or is
   * cancelled, and errors when the job fails.
   */
  readonly output$: Observable<T>
  /** Each checkpoint's end: completed (with its duration and size) or aborted (with the reason). */
  readonly checkpoints$: Observable<CheckpointEvent>
  /**
   * Snapshots of the job's metrics (docs/metrics.md): the latest at once, then one every
   * `metrics.interval` ms of processing time while subscribed, and a last one when the job ends,
   * with completion. Sample it as any Observable (`sample`, `throttleTime`).
   */
  readonly metrics$: Observable<JobMetrics>
  /**
   * Settles when the job ends: finished (after a last checkpoint, when checkpointing is on, so
   * that sinks commit what they wrote) or cancelled; rejects with the error that failed it.
   */
  readonly done: Promise<JobResult>
  /** Takes a checkpoint now (or once the pending one ends): resolves when it is stored, rejects if it is aborted. */
  checkpoint(): Promise<CheckpointEvent & { readonly type: 'completed' }>
  /**
   * Takes a savepoint named `name` (Flink's savepoint): a checkpoint the store keeps until it
   * is deleted (retention leaves it), to restore with `restore: name`, e.g. into an upgraded job.
   * Rejects if the job has a savepoint of that name already, or if it is aborted.
   */
  savepoint(name: string): Promise<CheckpointEvent & { readonly type: 'completed' }>
  /**
   * Takes a savepoint and stops the job (Flink's stop-with-savepoint): the sources stop reading,
   * the savepoint is taken, and `done` resolves `stopped`; the output completes. Restoring it
   * goes on where the job stopped. With `drain`, the sources end first, as if their input had
   * ended: every window fires and every timer runs before the savepoint (Flink's `--drain`, for
   * a job that is retired for good: a job restored from it sees event time at its end).
   * If the savepoint fails, the job goes on and the promise rejects.
   */
  stopWithSavepoint(name: string, options?: { readonly drain?: boolean }): Promise<CheckpointEvent & { readonly type: 'completed' }>
  /** Stops the job: sources are released, nothing more is emitted, `done` resolves `cancelled`. */
  cancel(): void
  /** The job's operators, once it runs (empty before its first turn). */
  operators(): readonly JobOperator[]
  /**
   * The job's stream graph: its operators, what each reads, its chains (empty before its first
   * turn, as `operators()`: the operators register when the job subscribes its pipeline; fixed
   * once the job runs). Draw it with `ds.toMermaid` or `ds.toDot`.
   */
  readonly graph: StreamGraph
}

/**
 * The sources of a job (Flink's `StreamExecutionEnvironment`): each returns an Observable of
 * plain values to pipe into `assignTimestampsAndWatermarks` (or another rx-datastream operator).
 * The job reads them in batches and injects checkpoint barriers between values; replayable ones
 * put their position into each checkpoint and resume there on restore.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Click { page: string; ts: number }
 * const clicks: Click[] = [{ page: '/', ts: 1_000 }, { page: '/a', ts: 2_000 }]
 *
 * const job = ds.execute(env =>
 *   env.fromArray(clicks, { uid: 'clicks' }).pipe(
 *     ds.assignTimestampsAndWatermarks(
 *       ds.WatermarkStrategy.forMonotonousTimestamps<Click>().withTimestampAssigner(c => c.ts), { uid: 'timestamps' }),
 *     ds.values()))
 *
 * @category checkpoints
 * @since 0.1.0
 */
export interface StreamExecutionEnvironment {
  /** The values of an array, in order (replayable: the offset is an index). */
  fromArray<T>(values: readonly T[], options?: OperatorOptions): Observable<T>
  /**
   * The values of an iterable (replayable: the offset is how many were read, and a restore skips
   * that many, so the iterable must give the same values each time it is iterated).
   */
  fromIterable<T>(values: Iterable<T>, options?: OperatorOptions): Observable<T>
  /** A replayable {@link Source}: its offsets go into the checkpoints. */
  fromSource<T, Offset>(source: Source<T, Offset>, options?: OperatorOptions): Observable<T>
  /**
   * An Observable, which cannot be replayed: at-most-once for what is in flight. A restored job
   * subscribes to it anew; values it emitted after the restored checkpoint are not seen again.
   */
  fromObservable<T>(source: Observable<T>, options?: OperatorOptions): Observable<T>
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/** Values a source hands over per pull: small enough for barriers to wait little, large enough to cost nothing. */
const BATCH = 256
/** How long (real ms) the job runs its sources before it gives the event loop a turn. */
const SLICE = 20

/**
 * Runs the pipeline `build` makes from the job's sources, as a job: it starts on the job's next
 * turn (after `execute` returns), takes checkpoints as `options.checkpointing` says, and can
 * start from a stored checkpoint (`options.restore`).
 *
 * - Every operator's state is matched to its snapshot by uid: give each operator (and each
 *   source) a `uid`, or the job derives one from the operator's kind and place, with a warning,
 *   and a changed pipeline may then not find its state.
 * - Between two pipelines, plain RxJS operators are fine; between a source and the first
 *   rx-datastream operator they are not when checkpointing is on (barriers would be lost): the
 *   job fails and says so.
 * - A restore fails clearly (never an empty state) when the checkpoint is damaged, of another
 *   job, or holds state of operators the job does not have (unless `allowNonRestoredState`).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface View { page: string; user: string; ts: number }
 * const views: View[] = [
 *   { page: '/', user: 'ann', ts: 1_000 },
 *   { page: '/', user: 'bob', ts: 61_000 }
 * ]
 * const store = ds.memoryStore()
 *
 * const job = ds.execute(
 *   env =>
 *     env.fromArray(views, { uid: 'views' }).pipe(
 *       ds.assignTimestampsAndWatermarks(
 *         ds.WatermarkStrategy.forBoundedOutOfOrderness<View>(5_000).withTimestampAssigner(v => v.ts),
 *         { uid: 'timestamps', autoWatermarkInterval: 0 }),
 *       ds.keyBy(v => v.page, { uid: 'by-page' }),
 *       ds.windowBy(ds.tumblingEventTimeWindows(60_000), { uid: 'per-minute' }).fold(0, (n: number) => n + 1),
 *       ds.values()),
 *   { jobId: 'views', checkpointing: { interval: 1_000, store } })
 *
 * job.output$.subscribe(count => console.log(count)) // 1, 1
 * await job.done
 *
 * @param build makes the pipeline from the job's sources (called once, at once)
 * @param options the job's id, checkpointing, restore
 * @returns the running job
 * @category checkpoints
 * @since 0.1.0
 */
export function execute<T>(build: (env: StreamExecutionEnvironment) => Observable<T>, options: JobOptions = {}): Job<T> {
  const config = checkJobOptions(options)
  const run = new JobRun<T>(config)
  const pipeline = build(run.environment())
  if (typeof (pipeline as Partial<Observable<T>> | undefined)?.subscribe !== 'function') {
    throw new TypeError(`execute: the build function returned ${pipeline === null ? 'null' : typeof pipeline}, not an Observable`)
  }
  run.start(pipeline)
  return run.handle()
}

// -------------------------------------------------------------------------------------
// internal
// -------------------------------------------------------------------------------------

interface JobConfig {
  readonly jobId: string
  readonly checkpointing: (Required<Pick<CheckpointingOptions, 'mode' | 'retain' | 'timeout' | 'minPause'>> & { readonly interval: number | undefined; readonly store: CheckpointStore; readonly unaligned: boolean; readonly alignmentTimeout: number | undefined }) | undefined
  readonly restore: JobOptions['restore']
  readonly allowNonRestoredState: boolean
  readonly scheduler: SchedulerLike
  readonly warn: (message: string) => void
  readonly metricsInterval: number
  readonly stateBackend: StateBackend | undefined
}

function checkJobOptions(options: JobOptions): JobConfig {
  const jobId = options.jobId ?? 'job'
  if (typeof jobId !== 'string' || jobId === '') throw new TypeError(`execute: jobId must be a non-empty string, not ${JSON.stringify(jobId)}`)
  const c = options.checkpointing
  const positive = (name: string, v: number | undefined, zero = false): void => {
    if (v === undefined) return
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0 || (!zero && v === 0) || v === Infinity) throw new RangeError(`execute: checkpointing.${name} must be a ${zero ? 'non-negative' : 'positive'} finite number of milliseconds, not ${String(v)}`)
  }
  if (c !== undefined) {
    positive('interval', c.interval)
    positive('timeout', c.timeout)
    positive('minPause', c.minPause, true)
    positive('alignmentTimeout', c.alignmentTimeout, true)
    if (c.mode !== undefined && c.mode !== 'exactly-once' && c.mode !== 'at-least-once') throw new RangeError(`execute: checkpointing.mode must be 'exactly-once' or 'at-least-once', not ${JSON.stringify(c.mode)}`)
    if (c.unaligned === true && c.mode === 'at-least-once') throw new RangeError(`execute: unaligned checkpoints are exactly-once; mode 'at-least-once' has no alignment to skip`)
    if (c.retain !== undefined && (!Number.isSafeInteger(c.retain) || c.retain < 1)) throw new RangeError(`execute: checkpointing.retain must be a whole number ≥ 1, not ${String(c.retain)}`)
    const store = c.store
    if (store !== undefined && (typeof store.put !== 'function' || typeof store.get !== 'function' || typeof store.list !== 'function' || typeof store.delete !== 'function')) {
      throw new TypeError('execute: checkpointing.store must be a CheckpointStore (put, get, list, delete)')
    }
  }
  checkStateBackend(options.stateBackend, 'execute: stateBackend')
  const metricsInterval = options.metrics?.interval ?? 1_000
  if (typeof metricsInterval !== 'number' || !(metricsInterval > 0) || metricsInterval === Infinity) throw new RangeError(`execute: metrics.interval must be a positive finite number of milliseconds, not ${String(metricsInterval)}`)
  const restore = options.restore
  if (restore !== undefined && !(typeof restore === 'string' && restore !== '') && !(typeof restore === 'number' && Number.isSafeInteger(restore) && restore > 0)) {
    throw new TypeError(`execute: restore must be 'latest', 'latest-valid', a checkpoint id or a savepoint name, not ${JSON.stringify(restore)}`)
  }
  return {
    jobId,
    checkpointing:
      c === undefined
        ? undefined
        : {
            interval: c.interval,
            mode: c.mode ?? 'exactly-once',
            unaligned: c.unaligned === true,
            alignmentTimeout: c.alignmentTimeout,
            store: c.store ?? memoryStore(),
            retain: c.retain ?? 1,
            timeout: c.timeout ?? 600_000,
            minPause: c.minPause ?? 0
          },
    restore,
    allowNonRestoredState: options.allowNonRestoredState === true,
    scheduler: options.scheduler ?? asyncScheduler,
    warn: options.onWarning ?? (message => console.warn(message)),
    metricsInterval,
    stateBackend: options.stateBackend
  }
}

/** One run of a job: its sources, operators, checkpoints and end. */
/** A checkpoint read back to restore (`undefined`: a fresh start), with a reader of its chunks if its state is in chunks. */
interface Loaded {
  readonly checkpoint: CompletedCheckpoint | undefined
  readonly chunks?: ChunkReader | undefined
}

class JobRun<T> {
  private readonly output = new Subject<T>()
  private readonly events = new Subject<CheckpointEvent>()
  private readonly sources: Array<SourceOperator<unknown>> = []
  private readonly waiting = new Set<SourceOperator<unknown>>()
  /** The source being read now (its values run synchronously down the pipeline). */
  private reading: SourceOperator<unknown> | undefined = undefined
  /** Sources paused because an operator's barrier alignment holds what they give, by that operator. */
  private readonly pausedBy = new Map<AbstractStreamOperator<unknown, unknown>, Set<SourceOperator<unknown>>>()
  private readonly paused = new Set<SourceOperator<unknown>>()
  /** `stopWithSavepoint` in progress: the sources read no more. */
  private stopping: { readonly name: string; resolve(event: CheckpointEvent & { readonly type: 'completed' }): void; reject(error: unknown): void } | undefined = undefined
  private job: JobContext | undefined
  private coordinator: CheckpointCoordinator | undefined
  /** Requests made before the job started (`whenRunning`); called with `undefined` if it never does. */
  private readonly startWaiters: Array<(coordinator: CheckpointCoordinator | undefined) => void> = []
  private subscription: Subscription | undefined
  private ended = false
  private driving = false
  /** When the current slice of the sources' time began (real time). */
  private sliceStart = 0
  private turn: Subscription | undefined
  private restoredFrom: number | undefined
  private readonly done: Promise<JobResult>
  private settle!: { resolve(result: JobResult): void; reject(error: unknown): void }
  private readonly metrics: MetricsCollector

  constructor(private readonly config: JobConfig) {
    this.metrics = new MetricsCollector(config.jobId, config.scheduler, config.metricsInterval, this.sources as ReadonlyArray<AbstractStreamOperator<unknown, unknown>>)
    this.done = new Promise<JobResult>((resolve, reject) => {
      this.settle = { resolve, reject }
    })
    // A job nobody awaits must not fail the process with an unhandled rejection: the error
    // also reaches `output$`.
    this.done.catch(() => {})
  }

  handle(): Job<T> {
    const run = this
    return {
      jobId: this.config.jobId,
      output$: this.output.asObservable(),
      checkpoints$: this.events.asObservable(),
      metrics$: this.metrics.metrics$,
      done: this.done,
      checkpoint: () => this.whenRunning(coordinator => coordinator.request('checkpoint')),
      savepoint: name => this.savepoint(name),
      stopWithSavepoint: (name, options) => this.stopWithSavepoint(name, options?.drain === true),
      cancel: () => this.cancel(),
      operators: () => (this.job?.operators ?? []).map(h => ({ uid: h.uid, name: h.info.name, kind: h.info.kind })),
      get graph(): StreamGraph {
        return jobGraph(run.config.jobId, run.job?.operators ?? [])
      }
    }
  }

  environment(): StreamExecutionEnvironment {
    return {
      fromArray: (values, options) => {
        if (!Array.isArray(values)) throw new TypeError(`fromArray: expected an array, not ${typeof values}`)
        return this.source('fromArray', options, offset => arrayReader(values, offset), true)
      },
      fromIterable: (values, options) => {
        if (typeof (values as Partial<Iterable<unknown>> | null)?.[Symbol.iterator] !== 'function') throw new TypeError(`fromIterable: expected an iterable, not ${typeof values}`)
        return this.source('fromIterable', options, offset => iterableReader(values, offset), true)
      },
      fromSource: <V, O>(source: Source<V, O>, options?: OperatorOptions) => {
        if (typeof (source as Partial<Source<V, O>> | null)?.read !== 'function') throw new TypeError('fromSource: expected a source with a read(offset) method')
        return this.source<V>('fromSource', options, offset => sourceReader(source, offset as O | undefined), true)
      },
      fromObservable: (observable, options) => {
        if (typeof (observable as Partial<Observable<unknown>> | null)?.subscribe !== 'function') throw new TypeError('fromObservable: expected an Observable')
        return this.source('fromObservable', options, () => observableReader(observable), false)
      }
    }
  }

  private source<V>(kind: string, options: OperatorOptions | undefined, reader: (offset: unknown) => SourceReader<V>, replayable: boolean): Observable<V> {
    const info = operatorInfo(kind, options)
    return valueSource<V, SourceOperator<V>>(
      info,
      (output, context) => new SourceOperator<V>(info, output, context, reader, replayable),
      operator => {
        this.sources.push(operator as SourceOperator<unknown>)
      },
      () =>
        this.config.checkpointing === undefined
          ? undefined
          : new Error(
              `${kind}${info.uid === undefined ? '' : ` (uid ${info.uid})`}: a plain RxJS operator reads this source, and would drop its checkpoint barriers; ` +
                'pipe the source straight into an rx-datastream operator (ds.assignTimestampsAndWatermarks, then ds.mapValues, ds.filterValues, …)'
            )
    )
  }

  /** Restores (if asked), subscribes the pipeline within the job, then runs its sources. */
  start(pipeline: Observable<T>): void {
    this.config.scheduler.schedule(() => {
      this.load().then(
        checkpoint => this.run(pipeline, checkpoint),
        (error: unknown) => this.fail(error)
      )
    })
  }

  /** The checkpoint to restore, read back and checked; `undefined` for a fresh start. */
  private async load(): Promise<Loaded & { readonly lastId: number }> {
    const { restore, jobId, warn } = this.config
    const store = this.config.checkpointing?.store
    if (store === undefined) {
      if (restore !== undefined) throw new Error(`execute: restore needs a store: pass checkpointing: { store } with the store the checkpoints are in`)
      return { checkpoint: undefined, lastId: 0 }
    }
    const stored = await store.list(jobId)
    const lastId = stored.reduce((max, c) => Math.max(max, c.checkpointId), 0)
    if (restore === undefined) return { checkpoint: undefined, lastId }
    // An incremental checkpoint is read with the chain it needs, merged into full snapshots;
    // chunks are opened to be read as the operators restore.
    const read = async (c: StoredCheckpoint): Promise<Loaded> => {
      const checkpoint = withChunkOrigins(await resolveCheckpointChain(store, stored, decodeCheckpoint(store.description, c, await store.get(jobId, c.checkpointId))))
      const ids = chunkedCheckpoints(checkpoint)
      return { checkpoint, chunks: ids.size === 0 ? undefined : await openChunkReader(store, jobId, checkpoint.checkpointId, ids) }
    }
    if (restore === 'latest' || restore === 'latest-valid') {
      const checkpoints = stored.filter(c => c.kind === 'checkpoint')
      if (checkpoints.length === 0) {
        warn(`job '${jobId}': no checkpoint in ${store.description} to restore; starting from scratch`)
        return { checkpoint: undefined, lastId }
      }
      for (let i = checkpoints.length - 1; i >= 0; i--) {
        try {
          return { ...(await read(checkpoints[i]!)), lastId }
        } catch (error) {
          if (restore === 'latest' || i === 0) throw error
          warn(`job '${jobId}': skipping checkpoint ${checkpoints[i]!.checkpointId}: ${messageOf(error)}`)
        }
      }
    }
    const wanted = typeof restore === 'number' ? stored.find(c => c.checkpointId === restore) : stored.find(c => c.kind === 'savepoint' && c.name === restore)
    if (wanted === undefined) {
      throw new CheckpointStoreError(store.description, jobId, typeof restore === 'number' ? restore : undefined, typeof restore === 'number' ? `job '${jobId}' has no checkpoint ${restore} to restore` : `job '${jobId}' has no savepoint named '${restore}' to restore`)
    }
    return { ...(await read(wanted)), lastId }
  }

  private run(pipeline: Observable<T>, loaded: Loaded & { readonly lastId: number }): void {
    if (this.ended) return
    const { checkpointing, jobId } = this.config
    const { checkpoint } = loaded
    this.restoredFrom = checkpoint?.checkpointId
    const restored = checkpoint === undefined ? undefined : new Map(Object.entries(checkpoint.operators))
    const channelState = checkpoint?.channelState === undefined ? undefined : new Map(Object.entries(checkpoint.channelState))
    const gate = checkpointing === undefined ? undefined : { mode: checkpointing.mode, unaligned: checkpointing.unaligned, alignmentTimeout: checkpointing.alignmentTimeout, now: () => this.config.scheduler.now() }
    const job = new JobContext(restored, gate, channelState)
    job.stateBackend = this.config.stateBackend
    job.chunks = loaded.chunks
    this.job = job
    job.relieved = () => this.schedule()
    job.onAligning = (operator, held) => this.aligning(operator, held)
    if (checkpointing !== undefined) {
      const coordinator = new CheckpointCoordinator(
        {
          jobId,
          store: checkpointing.store,
          scheduler: this.config.scheduler,
          operators: () => job.operators,
          injectBarrier: barrier => {
            this.metrics.checkpointStarted(barrier)
            for (const source of this.sources) {
              // What the barrier does on its way (the operators' snapshots) is the source's chain's work.
              const started = now()
              source.injectBarrier(barrier)
              this.metrics.read(source, now() - started)
            }
          },
          report: event => {
            this.metrics.checkpointEnded(event)
            this.events.next(event)
          },
          timing: checkpointId => this.metrics.timing(checkpointId),
          fail: error => this.fail(error)
        },
        checkpointing,
        loaded.lastId,
        checkpoint?.kind === 'checkpoint' ? { checkpointId: checkpoint.checkpointId, needs: checkpoint.needs ?? [] } : undefined
      )
      this.coordinator = coordinator
      job.checkpoints = coordinator
    }
    this.metrics.start(job)
    this.subscription = runInJob(job, () =>
      pipeline.subscribe({
        next: value => this.output.next(value),
        error: (error: unknown) => this.fail(error),
        complete: () => this.finish()
      })
    )
    this.metrics.listen(job)
    if (this.ended) return
    const unclaimed = job.unclaimed
    if (unclaimed.length > 0 && !this.config.allowNonRestoredState) {
      return this.fail(
        new Error(
          `job '${jobId}': checkpoint ${checkpoint!.checkpointId} holds state of operators this job does not have: ${unclaimed.join(', ')}; ` +
            'give the operators their old uids, or pass allowNonRestoredState: true to drop that state'
        )
      )
    }
    // Only state is matched on restore: a stateless operator (a map, a keyBy) needs no uid.
    const derived = job.operators.filter(h => h.info.uid === undefined && isStateful(h.operator)).map(h => h.uid)
    if (derived.length > 0 && (checkpointing !== undefined || checkpoint !== undefined)) {
      this.config.warn(`job '${jobId}': stateful operators without a uid get one from their kind and place (${derived.join(', ')}); a changed pipeline may not find their state: give each { uid }`)
    }
    this.coordinator?.start()
    for (const waiter of this.startWaiters.splice(0)) waiter(this.coordinator)
    this.sliceStart = Date.now()
    this.drive()
  }

  /** Pulls every source in turn, batch by batch, until all wait or end, yielding after a slice. */
  private readonly drive = (): void => {
    if (this.turn !== undefined) {
      // A turn of the scheduler: the event loop has had its turn, a new slice begins.
      this.turn = undefined
      this.sliceStart = Date.now()
    }
    if (this.ended || this.driving || this.stopping !== undefined) return
    this.driving = true
    try {
      const deadline = this.sliceStart + SLICE
      let busy = true
      while (busy && !this.ended) {
        busy = false
        for (const source of this.sources) {
          // An operator that cannot take more (async I/O at capacity): wait until it can.
          if (this.job?.backpressured === true) return
          if (source.done || this.waiting.has(source) || this.paused.has(source)) continue
          this.reading = source
          let result: PullResult
          // Busy time: two clock readings per batch, none per record.
          const started = now()
          try {
            result = source.pull(BATCH)
          } finally {
            this.reading = undefined
            this.metrics.read(source, now() - started)
          }
          if (result === 'more') busy = true
          else if (result !== 'end') this.wait(source, result)
          this.coordinator?.poll()
          if (this.ended) return
        }
        if (busy && Date.now() >= deadline) {
          // Timers, async work and `job.checkpoint()` callers get their turn.
          this.schedule()
          return
        }
      }
    } finally {
      this.driving = false
    }
  }

  /**
   * An operator's alignment holds back what it was given (`held`): the source being read is
   * paused until the alignment lets go, so that what is held stays within one batch (Flink
   * blocks the channel). A source whose barrier is still on its way is never paused: every
   * source sends a checkpoint's barrier before any later value, so what an alignment holds
   * always comes after the barrier it waits for on that input.
   */
  private aligning(operator: AbstractStreamOperator<unknown, unknown>, held: boolean): void {
    if (held) {
      const source = this.reading
      if (source === undefined || this.paused.has(source)) return
      this.paused.add(source)
      let sources = this.pausedBy.get(operator)
      if (sources === undefined) this.pausedBy.set(operator, (sources = new Set()))
      sources.add(source)
      return
    }
    const sources = this.pausedBy.get(operator)
    if (sources === undefined) return
    this.pausedBy.delete(operator)
    for (const source of sources) this.paused.delete(source)
    this.schedule()
  }

  private wait(source: SourceOperator<unknown>, ready: Promise<void>): void {
    this.waiting.add(source)
    ready.then(
      () => {
        this.waiting.delete(source)
        // The source's own wait was a turn of its own: read on at once while the slice lasts
        // (a timer turn per value would cost a millisecond or more each, 4 ms in browsers).
        if (Date.now() < this.sliceStart + SLICE && this.turn === undefined) this.drive()
        else this.schedule()
      },
      (error: unknown) => this.fail(error)
    )
  }

  private schedule(): void {
    if (this.turn === undefined && !this.ended) this.turn = this.config.scheduler.schedule(this.drive)
  }

  /** The pipeline completed: a last checkpoint (sinks commit), then the job is done. */
  private finish(): void {
    if (this.ended) return
    this.output.complete()
    const coordinator = this.coordinator
    const stopping = this.stopping
    const result = (): JobResult => ({ status: stopping === undefined ? 'finished' : 'stopped', lastCheckpoint: coordinator?.lastCompleted, restoredFrom: this.restoredFrom })
    if (coordinator === undefined) {
      this.end('finished')
      this.settle.resolve(result())
      return
    }
    // Drained: the savepoint is the last checkpoint.
    const last = stopping === undefined ? coordinator.request('checkpoint') : coordinator.request('savepoint', stopping.name)
    last.then(
      event => {
        this.end(stopping === undefined ? 'finished' : 'stopped')
        this.settle.resolve(result())
        stopping?.resolve(event)
      },
      (error: unknown) => {
        stopping?.reject(error)
        this.fail(new Error(`job '${this.config.jobId}': the final ${stopping === undefined ? 'checkpoint' : `savepoint '${stopping.name}'`} failed, so sinks could not commit what they wrote last: ${messageOf(error)}`, { cause: error }))
      }
    )
  }

  /** A savepoint, its barrier injected now (its name is checked to be free before it is stored). */
  private savepoint(name: string): Promise<CheckpointEvent & { readonly type: 'completed' }> {
    try {
      checkSavepointName(name, 'savepoint')
    } catch (error) {
      return Promise.reject(error)
    }
    return this.whenRunning(coordinator => coordinator.request('savepoint', name))
  }

  /**
   * Stop with a savepoint. Without drain the sources pause (the driver reads no more), the
   * savepoint's barrier is injected where they stand, and the job ends once it is stored. With
   * drain the sources end now; the job finishes as when its input ends, with the savepoint as
   * its last checkpoint (`finish`).
   */
  private stopWithSavepoint(name: string, drain: boolean): Promise<CheckpointEvent & { readonly type: 'completed' }> {
    try {
      checkSavepointName(name, 'stopWithSavepoint')
    } catch (error) {
      return Promise.reject(error)
    }
    return this.whenRunning(coordinator => this.stopRunning(coordinator, name, drain))
  }

  private stopRunning(coordinator: CheckpointCoordinator, name: string, drain: boolean): Promise<CheckpointEvent & { readonly type: 'completed' }> {
    if (this.stopping !== undefined) return Promise.reject(new Error(`stopWithSavepoint: job '${this.config.jobId}' is stopping already (savepoint '${this.stopping.name}')`))
    return new Promise((resolve, reject) => {
      this.stopping = { name, resolve, reject }
      this.turn?.unsubscribe()
      this.turn = undefined
      if (drain) {
        // The sources end where they stand (a source reading a batch now emits no more of it):
        // the pipeline finishes, and `finish` takes the savepoint as the last checkpoint.
        for (const source of this.sources) source.stop()
        return
      }
      // The barrier goes in where the sources stand; what a source reading a batch now would
      // emit after it is left for the restored job to read.
      const savepoint = coordinator.request('savepoint', name)
      for (const source of this.sources) source.hold(true)
      savepoint.then(
        event => {
          if (this.ended) return resolve(event)
          this.end('stopped')
          this.output.complete()
          this.settle.resolve({ status: 'stopped', lastCheckpoint: event.checkpointId, restoredFrom: this.restoredFrom })
          resolve(event)
        },
        (error: unknown) => {
          // The job goes on, as after any aborted checkpoint, from where its sources stood.
          this.stopping = undefined
          for (const source of this.sources) source.hold(false)
          this.schedule()
          reject(error)
        }
      )
    })
  }

  /**
   * `request` with the job's coordinator: now if the job runs; once it does if it has not
   * started yet (a call right after `execute`), before its sources read anything.
   */
  private whenRunning<R>(request: (coordinator: CheckpointCoordinator) => Promise<R>): Promise<R> {
    const { jobId, checkpointing } = this.config
    if (checkpointing === undefined) return Promise.reject(new Error(`job '${jobId}' has no checkpointing options: pass execute(build, { checkpointing: { … } })`))
    if (this.ended) return Promise.reject(new Error(`job '${jobId}' is not running`))
    if (this.coordinator !== undefined) return request(this.coordinator)
    return new Promise<R>((resolve, reject) => {
      this.startWaiters.push(coordinator => {
        if (coordinator === undefined) return reject(new Error(`job '${jobId}' ended before it started`))
        request(coordinator).then(resolve, reject)
      })
    })
  }

  private cancel(): void {
    if (this.ended) return
    this.end('cancelled')
    this.output.complete()
    this.settle.resolve({ status: 'cancelled', lastCheckpoint: this.coordinator?.lastCompleted, restoredFrom: this.restoredFrom })
  }

  private fail(error: unknown): void {
    if (this.ended) return
    this.end('failed')
    this.output.error(error)
    this.settle.reject(error)
  }

  private end(status: JobStatus): void {
    this.ended = true
    for (const waiter of this.startWaiters.splice(0)) waiter(undefined)
    this.turn?.unsubscribe()
    this.coordinator?.stop('the job has ended')
    try {
      this.subscription?.unsubscribe()
    } catch (error) {
      // A teardown that throws (an operator's close) must not keep the job from ending.
      this.config.warn(`job '${this.config.jobId}': releasing the pipeline failed: ${messageOf(error)}`)
    }
    this.events.complete()
    // After the last checkpoint's end and the pipeline's release: the last snapshot has them.
    this.metrics.end(status)
  }
}
