/**
 * What `job.metrics$` emits: a snapshot of a running job's metrics, per operator and for its
 * checkpoints, named after Flink's metrics where Flink has one (docs/metrics.md lists them all).
 *
 * A snapshot is plain data (numbers, strings, `null`, arrays, objects), made anew each time, so
 * a dashboard may keep it, compare two, or send it elsewhere as JSON. Watermarks are the
 * library's own numbers: `-Infinity` before the first, `+Infinity` at the end of event time,
 * which `JSON.stringify` writes as `null`; every other number is finite.
 *
 * @since 0.1.0
 */
import type { CheckpointEvent } from './CheckpointCoordinator'

/**
 * Options of a job's metrics (`JobOptions.metrics`).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const options: ds.JobOptions = { metrics: { interval: 5_000 } } // a snapshot every 5 s
 *
 * @category metrics
 * @since 0.1.0
 */
export interface MetricsOptions {
  /**
   * Milliseconds of processing time (on the job's scheduler) between two snapshots of
   * `job.metrics$`, while it has a subscriber; default 1,000. Nothing is measured on a timer
   * when nobody subscribes.
   */
  readonly interval?: number
}

/**
 * Where a job is in its life, as a snapshot says: `created` until its first turn (a restore is
 * read then), `running`, then how it ended: as `job.done` says (`finished`, `cancelled`,
 * `stopped` with a savepoint), or `failed`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const over = (m: ds.JobMetrics): boolean => m.status !== 'created' && m.status !== 'running'
 *
 * @category metrics
 * @since 0.1.0
 */
export type JobStatus = 'created' | 'running' | 'finished' | 'cancelled' | 'stopped' | 'failed'

/**
 * One operator's metrics in a snapshot of `job.metrics$`, under its uid. Counts are totals since
 * the job started; `…PerSecond` rates are over the time since the previous snapshot (counts on
 * the job's scheduler, times on the real clock); `null` where a value cannot be known (see each).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const line = (uid: string, o: ds.OperatorMetrics): string =>
 *   `${uid}: ${o.numRecordsIn} in, ${o.numRecordsOut} out, watermark lag ${o.watermarkLag ?? '-'} ms, busy ${o.busyTimeMsPerSecond ?? '-'} ms/s`
 *
 * @category metrics
 * @since 0.1.0
 */
export interface OperatorMetrics {
  readonly name: string
  readonly kind: string
  /**
   * Records received (Flink's `numRecordsIn`): by a multi-input operator, over all its inputs;
   * by a source, records read (as FLIP-33 counts a source's), which is its `numRecordsOut`.
   */
  readonly numRecordsIn: number
  /** Records emitted to its main output (Flink's `numRecordsOut`); side-output records travel in-band and are not counted. */
  readonly numRecordsOut: number
  /** `numRecordsIn` per second of processing time since the previous snapshot; `null` if no time passed. */
  readonly numRecordsInPerSecond: number | null
  readonly numRecordsOutPerSecond: number | null
  /** Records dropped as too late, with no late side output to go to (Flink's `numLateRecordsDropped`). */
  readonly numLateRecordsDropped: number
  /**
   * The watermark the operator stands at (Flink's `currentInputWatermark`): for several inputs,
   * what their watermarks combine to (the minimum over the active ones). An operator that only
   * forwards watermarks (`mapValues`, `keyBy`, …) has those of the operator before it. A
   * source's input has no watermarks: `-Infinity`, `+Infinity` once it ended.
   */
  readonly currentInputWatermark: number
  /** The last watermark it emitted (Flink's `currentOutputWatermark`); behind the input one where watermarks wait (async I/O). */
  readonly currentOutputWatermark: number
  /**
   * The snapshot's `timestamp` (processing time) minus `currentOutputWatermark`, ms: how far
   * event time lags behind the clock here (FLIP-33's `watermarkLag`). Large when replaying old
   * data; `null` while the watermark is not finite.
   */
  readonly watermarkLag: number | null
  /**
   * Time the job spent running batches of the sources that feed this operator, ms per second
   * (Flink's `busyTimeMsPerSecond`, for the task it is in). A batch runs its records
   * synchronously through every operator they reach, so this is the time of the operator's
   * chain, not of the operator alone, measured once per batch, never per record. Work that runs
   * later from a timer or a promise (after async I/O, a plain RxJS `delay`, processing-time
   * timers, periodic watermarks) is not counted. `null` where no source of the job reaches it
   * through operators (it reads from a plain RxJS operator).
   */
  readonly busyTimeMsPerSecond: number | null
  /**
   * Time its sources were paused because an operator after it could take no more, ms per second
   * (Flink's `backPressuredTimeMsPerSecond`): async I/O at capacity, or a barrier alignment
   * holding what this operator sent. `null` as `busyTimeMsPerSecond`.
   */
  readonly backPressuredTimeMsPerSecond: number | null
  /** The rest of each second, ms: waiting for input, or for the job's turn on the event loop (Flink's `idleTimeMsPerSecond`). */
  readonly idleTimeMsPerSecond: number | null
  /** Busy time since the job started, ms (Flink's `accumulatedBusyTime`). */
  readonly accumulatedBusyTime: number | null
  /** Back-pressured time since the job started, ms (Flink's `accumulatedBackPressuredTime`). */
  readonly accumulatedBackPressuredTime: number | null
  /** Idle time since the job started, ms (Flink's `accumulatedIdleTime`). */
  readonly accumulatedIdleTime: number | null
  /**
   * Elements (records, watermarks, …) a barrier alignment holds back now, on inputs that
   * delivered the barrier first (what Flink's checkpoint statistics called "buffered during
   * alignment"); 0 for an operator of one input.
   */
  readonly numElementsHeldByAlignment: number
  /**
   * How long its last barrier alignment took, from the first barrier to the last, or how long the
   * one under way has taken so far, ms of processing time (Flink's `checkpointAlignmentTime`); 0
   * for an operator of one input, whose barrier needs no alignment.
   */
  readonly checkpointAlignmentTime: number
  /**
   * How long the last checkpoint's (first) barrier took to reach it from the trigger, ms of
   * processing time (Flink's `checkpointStartDelayNanos`); `null` before any reached it.
   */
  readonly checkpointStartDelay: number | null
  /** `asyncWait` only: elements in its queue (at most `capacity`): calls in flight, results and watermarks waiting for their turn. */
  readonly asyncQueueSize?: number
  /** `asyncWait` only: elements waiting in its overflow buffer for a free slot. */
  readonly asyncOverflowSize?: number
}

/**
 * A job's checkpoints in a snapshot of `job.metrics$`, as Flink's checkpointing metrics; the
 * `last…` values are `null` until a checkpoint completes. Savepoints are counted too (their
 * `kind` in `history` tells them apart).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const health = (c: ds.CheckpointMetrics): string =>
 *   `${c.numberOfCompletedCheckpoints} completed, ${c.numberOfFailedCheckpoints} failed, last took ${c.lastCheckpointDuration ?? '-'} ms`
 *
 * @category metrics
 * @since 0.1.0
 */
export interface CheckpointMetrics {
  readonly numberOfCompletedCheckpoints: number
  /** Checkpoints aborted (declined, timed out, rejected by the store, …). */
  readonly numberOfFailedCheckpoints: number
  /** 1 while a checkpoint is under way (a job takes one at a time), else 0. */
  readonly numberOfInProgressCheckpoints: number
  /** Completed, failed and in progress. */
  readonly totalNumberOfCheckpoints: number
  readonly lastCompletedCheckpointId: number | null
  /** From trigger to stored, ms. */
  readonly lastCheckpointDuration: number | null
  /** What was stored, characters. */
  readonly lastCheckpointSize: number | null
  /** When it was stored (processing time). */
  readonly lastCheckpointCompletedTimestamp: number | null
  /** The newest checkpoints that ended (at most 10, oldest first, as many as Flink's web UI keeps by default), with their alignment time and start delay. */
  readonly history: readonly CheckpointEvent[]
}

/**
 * A snapshot of a job's metrics, what `job.metrics$` emits: per operator (by uid) and for its
 * checkpoints.
 *
 * @example
 * import { sample, interval } from 'rxjs'
 * import * as ds from 'rx-datastream'
 *
 * const job = ds.execute(env => env.fromArray([1, 2, 3], { uid: 'numbers' }))
 * job.metrics$.pipe(sample(interval(5_000))).subscribe((m: ds.JobMetrics) => {
 *   for (const [uid, o] of Object.entries(m.operators)) console.log(uid, o.numRecordsOutPerSecond)
 * })
 *
 * @category metrics
 * @since 0.1.0
 */
export interface JobMetrics {
  readonly jobId: string
  /** When the snapshot was taken: processing time, the job scheduler's `now()`. */
  readonly timestamp: number
  readonly status: JobStatus
  /** Every operator of the job, by uid (none before the job's first turn). */
  readonly operators: { readonly [uid: string]: OperatorMetrics }
  readonly checkpoints: CheckpointMetrics
}
