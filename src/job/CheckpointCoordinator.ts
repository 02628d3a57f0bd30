/**
 * @internal
 * The checkpoints of one job (Flink's `CheckpointCoordinator`): triggers them (on the interval,
 * on `job.checkpoint()`, and a last one when the job finishes), injects the barrier at every
 * source, collects each operator's snapshot as the barrier passes it, writes the whole
 * checkpoint to the store, and only then tells every operator it completed (sinks commit
 * there). A checkpoint that fails (an operator's snapshot throws, the store rejects, it times
 * out) is aborted and reported; the job goes on, and the checkpoints already completed stay.
 *
 * One checkpoint is pending at a time, as Flink's default: a trigger while one is pending waits
 * for it to end, and the interval counts from the end of the last one (`minPause` apart).
 *
 * Before the barrier goes in, operators that have work a snapshot would do at the barrier do
 * it ahead, in steps between records (`prepare`: the LMDB backend writes its cache), so that
 * the barrier's synchronous share stays small at any state size.
 *
 * Incremental checkpoints: each checkpoint offers its operators the newest checkpoint completed
 * in this run as a base (`incrementalBase`); a keyed backend that writes an increment on it
 * says what its chain needs, and the checkpoint lists the union (`needs`). Retention keeps what
 * the retained checkpoints need. The first checkpoint of a run, and every savepoint, is full.
 *
 * Chunks: when the store keeps them (`putChunk`), each snapshot may hand its state to the
 * checkpoint's `ChunkWriter` in pieces as it writes it (the LMDB backend does, for state larger
 * than memory); the writing waits while a chunk is being stored, and the body is put only once
 * every chunk is, so the body's put stays the commit point. An aborted checkpoint's chunks are
 * deleted.
 */
import type { SchedulerLike, Subscription } from 'rxjs'
import { messageOf } from '../core/errors'
import { checkpointBarrier, type CheckpointBarrier } from '../core/StreamElement'
import type { CheckpointStore, StoredCheckpoint } from '../checkpoint/CheckpointStore'
import { CheckpointEncoder, checkpointBody } from '../checkpoint/checkpointFormat'
import { ChunkWriter } from '../checkpoint/checkpointChunks'
import { type DeferredJson, now } from '../state/DeferredJson'
import { snapshotOperatorDeferred } from '../runtime/operatorSnapshot'
import { checkSavepointNameFree } from './savepoints'
import { checkpointsToDelete } from './retention'
import type { AbstractStreamOperator } from '../runtime/StreamOperator'

/**
 * How a checkpoint of a job ended, as `job.checkpoints$` reports it: `completed` once the store
 * holds it whole (with how long it took from trigger to store, and its size), or `aborted`
 * with the reason (an operator's snapshot failed, the store rejected it, it timed out, a
 * cancellation); an aborted checkpoint leaves the job running and the earlier ones usable.
 * Both say how long its barriers took at the operators (`alignmentTime`, `startDelay`).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const report = (e: ds.CheckpointEvent): string =>
 *   e.type === 'completed' ? `checkpoint ${e.checkpointId}: ${e.size} chars in ${e.duration} ms` : `checkpoint ${e.checkpointId} aborted: ${e.reason}`
 *
 * @category checkpoints
 * @since 0.1.0
 */
export type CheckpointEvent =
  | ({
      readonly type: 'completed'
      readonly checkpointId: number
      readonly kind: 'checkpoint' | 'savepoint'
      readonly name?: string
      /** When it was triggered (processing time). */
      readonly timestamp: number
      /** From trigger to the store's acknowledgement, ms. */
      readonly duration: number
      /** The size of what was stored (characters): for an incremental checkpoint, what changed. */
      readonly size: number
      /**
       * The checkpoints a restore of this one reads too, oldest first: empty when it restores
       * alone (every snapshot in it full, as a savepoint's always is), else the chain its
       * incremental parts are written on (the LMDB backend's checkpoints).
       */
      readonly needs: readonly number[]
    } & CheckpointTiming)
  | ({ readonly type: 'aborted'; readonly checkpointId: number; readonly kind: 'checkpoint' | 'savepoint'; readonly timestamp: number; readonly reason: string } & CheckpointTiming)

/**
 * How long a checkpoint's barriers took at the operators of a job (its metrics), in ms of
 * processing time; an aborted checkpoint's, up to the abort.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const slowest = (t: ds.CheckpointTiming): string => `aligned in ${t.alignmentTime} ms, first barrier after ${t.startDelay} ms`
 *
 * @category checkpoints
 * @since 0.1.0
 */
export interface CheckpointTiming {
  /**
   * The longest barrier alignment of any operator of several inputs for this checkpoint, from
   * its first barrier to its last (Flink's alignment duration); 0 when none had to align.
   */
  readonly alignmentTime: number
  /** The longest time from the trigger until its barrier reached an operator (Flink's start delay). */
  readonly startDelay: number
}

/** @internal What the coordinator needs of its job. */
export interface CoordinatedJob {
  readonly jobId: string
  readonly store: CheckpointStore
  readonly scheduler: SchedulerLike
  /** Every operator of the job, by uid. */
  operators(): ReadonlyArray<{ readonly uid: string; readonly operator: AbstractStreamOperator<unknown, unknown> }>
  /** The sources, where barriers are injected. */
  injectBarrier(barrier: CheckpointBarrier): void
  /** Reports a checkpoint's end. */
  report(event: CheckpointEvent): void
  /** How long checkpoint `checkpointId`'s barriers took at the operators so far (the job's metrics measure it). */
  timing(checkpointId: number): CheckpointTiming
  /** A failure that ends the job (a sink's commit that failed). */
  fail(error: unknown): void
}

/** @internal The checkpointing options the coordinator applies. */
export interface CoordinatorConfig {
  /** ms between checkpoints (from the end of one to the trigger of the next, at least `minPause`); `undefined`: only on request. */
  readonly interval: number | undefined
  readonly timeout: number
  readonly minPause: number
  /** How many completed checkpoints (not savepoints) the store keeps. */
  readonly retain: number
}

interface Pending {
  readonly barrier: CheckpointBarrier
  readonly name: string | undefined
  readonly started: number
  /** Operators (by uid) that have not acknowledged yet. */
  readonly waiting: Set<string>
  /** Each operator's snapshot, taken at its barrier and written in steps after it. */
  readonly snapshots: Map<string, DeferredJson>
  /** Operators whose snapshot is not written whole yet. */
  readonly unwritten: Set<string>
  /** Unaligned: operators whose snapshot waits for its channel state, and the channel states. */
  readonly awaitingChannelState: Set<string>
  /** Operators whose snapshot waits for work of theirs (`snapshotDone`). */
  readonly awaitingSnapshot: Set<string>
  readonly channelState: Record<string, readonly unknown[]>
  /** The checkpoints the operators' increments need. */
  readonly needs: Set<number>
  timeout: Subscription | undefined
  readonly settle: Array<{ resolve(event: CheckpointEvent & { type: 'completed' }): void; reject(error: Error): void }>
  /** Every operator has acknowledged: the checkpoint is written out and stored, whatever happens to the job. */
  storing: boolean
  /** The whole checkpoint's text being checksummed, once every snapshot is written. */
  encoder: CheckpointEncoder | undefined
  /** The next step of writing, scheduled. */
  stepping: Subscription | undefined
  /** The next step of the operators' preparation for the barrier, scheduled. */
  preparing: Subscription | undefined
  /** Where snapshots store their chunks, when the store keeps chunks. */
  readonly chunks: ChunkWriter | undefined
  /** The writing waits for a chunk to be stored. */
  awaitingChunk: boolean
  /** The body's put has begun: from then on the chunks are the body's. */
  bodyPut: boolean
}

/**
 * How long (real ms) snapshots are written at the barrier and after the last acknowledgement,
 * before the rest is left for later steps: small state is written at once, no turn is waited for.
 */
const BARRIER_BUDGET = 2
/**
 * How long one later step writes, between the job's slices of processing: what processing can
 * be held up by a large snapshot (Flink writes it on another thread; here it takes turns).
 */
const STEP_BUDGET = 8
/**
 * The most steps operators prepare for a barrier (see `prepare`): a job changing its state
 * faster than a step writes it still checkpoints, its barrier then writing what is left.
 */
const PREPARE_STEPS = 64

interface Request {
  readonly kind: 'checkpoint' | 'savepoint'
  readonly name: string | undefined
  readonly resolve: (event: CheckpointEvent & { type: 'completed' }) => void
  readonly reject: (error: Error) => void
}

/** @internal */
export class CheckpointCoordinator {
  private nextId: number
  private pending: Pending | undefined
  private readonly queue: Request[] = []
  /** When the next periodic checkpoint is due (processing time). */
  private nextDue = Infinity
  private timer: Subscription | undefined
  private stopped = false
  /** The newest completed checkpoint. */
  lastCompleted: number | undefined
  /** The newest checkpoint (not savepoint) completed in this run: the base offered for increments. */
  private lastCheckpoint: number | undefined = undefined
  /** What each checkpoint known to this run needs (completed here, or restored). */
  private readonly needsOf = new Map<number, readonly number[]>()

  constructor(
    private readonly job: CoordinatedJob,
    private readonly config: CoordinatorConfig,
    /** The newest checkpoint id already in the store or restored from: ids go on after it. */
    lastId: number,
    /** The checkpoint restored from and what it needs, kept by retention as long as it is retained. */
    restored?: { readonly checkpointId: number; readonly needs: readonly number[] }
  ) {
    this.nextId = lastId + 1
    if (restored !== undefined) this.needsOf.set(restored.checkpointId, restored.needs)
  }

  /** Starts the interval. */
  start(): void {
    this.schedulePeriodic(this.job.scheduler.now())
  }

  /** Stops triggering; what is pending is aborted. */
  stop(reason: string): void {
    this.stopped = true
    this.timer?.unsubscribe()
    this.timer = undefined
    if (this.pending !== undefined && !this.pending.storing) this.abort(this.pending.barrier.checkpointId, reason)
    for (const r of this.queue.splice(0)) r.reject(new Error(`checkpoint not taken: ${reason}`))
  }

  /** Called between two batches of a busy source: a periodic checkpoint that is due is triggered. */
  poll(): void {
    if (this.pending === undefined && this.job.scheduler.now() >= this.nextDue) this.triggerPeriodic()
  }

  /** A checkpoint (or a savepoint named `name`) now, or as soon as the pending one ends. */
  request(kind: 'checkpoint' | 'savepoint', name?: string): Promise<CheckpointEvent & { type: 'completed' }> {
    return new Promise((resolve, reject) => {
      if (this.stopped) return reject(new Error('checkpoint not taken: the job has ended'))
      this.queue.push({ kind, name, resolve, reject })
      this.next()
    })
  }

  /** The barrier of a pending checkpoint reached `operator` (of `uid`): its snapshot is taken now. */
  acknowledge(uid: string, operator: AbstractStreamOperator<unknown, unknown>, barrier: CheckpointBarrier): void {
    const pending = this.pending
    if (pending === undefined || pending.barrier.checkpointId !== barrier.checkpointId || !pending.waiting.has(uid)) return
    let snapshot: DeferredJson
    try {
      snapshot = snapshotOperatorDeferred(operator, {
        checkpointId: barrier.checkpointId,
        checkpointTimestamp: barrier.timestamp,
        kind: barrier.kind,
        incrementalBase: barrier.kind === 'checkpoint' ? this.lastCheckpoint : undefined,
        chunks: pending.chunks,
        needs: ids => {
          for (const id of ids) pending.needs.add(id)
        }
      })
    } catch (error) {
      return this.abort(barrier.checkpointId, `operator '${uid}' could not snapshot its state: ${messageOf(error)}`)
    }
    pending.snapshots.set(uid, snapshot)
    pending.unwritten.add(uid)
    const done = operator.snapshotDone?.(barrier.checkpointId)
    if (done === undefined) {
      if (!pending.awaitingChannelState.has(uid)) this.acknowledged(pending, uid)
      else this.write(pending, BARRIER_BUDGET)
      return
    }
    this.write(pending, BARRIER_BUDGET)
    pending.awaitingSnapshot.add(uid)
    Promise.resolve(done).then(
      () => {
        if (this.pending !== pending || !pending.awaitingSnapshot.delete(uid)) return
        if (!pending.awaitingChannelState.has(uid)) this.acknowledged(pending, uid)
      },
      (error: unknown) => this.abort(barrier.checkpointId, `operator '${uid}' could not complete its snapshot: ${messageOf(error)}`)
    )
  }

  /** Unaligned: the snapshot `uid` takes at the barrier is acknowledged with its channel state. */
  awaitChannelState(uid: string, checkpointId: number): void {
    if (this.pending?.barrier.checkpointId === checkpointId) this.pending.awaitingChannelState.add(uid)
  }

  /** Unaligned: what was in flight into `uid` for `checkpointId` (encoded), which completes its acknowledgement. */
  channelState(uid: string, checkpointId: number, inFlight: readonly unknown[]): void {
    const pending = this.pending
    if (pending?.barrier.checkpointId !== checkpointId || !pending.awaitingChannelState.delete(uid)) return
    if (inFlight.length > 0) pending.channelState[uid] = inFlight
    if (pending.snapshots.has(uid) && !pending.awaitingSnapshot.has(uid)) this.acknowledged(pending, uid)
  }

  private acknowledged(pending: Pending, uid: string): void {
    pending.waiting.delete(uid)
    // The timeout runs on: a store that never answers aborts the checkpoint as well.
    if (pending.waiting.size === 0) pending.storing = true
    this.write(pending, BARRIER_BUDGET)
  }

  /**
   * Writes the snapshots taken so far for `budget` ms; once every operator has acknowledged and
   * every snapshot is written, the checkpoint is encoded and stored. What is left when the
   * budget is spent waits for a later turn, so that the job goes on meanwhile.
   */
  private write(pending: Pending, budget: number): void {
    if (this.pending !== pending || pending.awaitingChunk) return
    const deadline = now() + budget
    for (const uid of pending.unwritten) {
      try {
        if (!pending.snapshots.get(uid)!.step(deadline)) return pending.chunks?.ready === false ? this.writeWhenStored(pending, pending.chunks) : this.writeLater(pending)
      } catch (error) {
        return this.abort(pending.barrier.checkpointId, `operator '${uid}' could not snapshot its state: ${messageOf(error)}`, true)
      }
      pending.unwritten.delete(uid)
    }
    if (!pending.storing) return
    // The checkpoint's text is joined and checksummed in a step of its own.
    if (pending.encoder === undefined && now() >= deadline) return this.writeLater(pending)
    const { barrier, name } = pending
    const id = barrier.checkpointId
    try {
      if (pending.encoder === undefined) {
        const channelState = Object.keys(pending.channelState).length === 0 ? {} : { channelState: pending.channelState as Record<string, unknown[]> }
        const needs = pending.needs.size === 0 ? {} : { needs: [...pending.needs].sort((a, b) => a - b) }
        // (Every snapshot is taken by now: the operators have said what their increments need.)
        const texts = new Map(Array.from(pending.snapshots, ([uid, snapshot]) => [uid, snapshot.text()]))
        pending.encoder = new CheckpointEncoder(
          checkpointBody({ jobId: this.job.jobId, checkpointId: id, timestamp: barrier.timestamp, kind: barrier.kind, ...channelState, ...needs, ...(name === undefined ? {} : { name }) }, texts)
        )
      }
      if (!pending.encoder.step(deadline, now)) return this.writeLater(pending)
    } catch (error) {
      return this.abort(id, `it could not be encoded: ${messageOf(error)}`, true)
    }
    this.store(pending, pending.encoder.text())
  }

  /** Writes on once the chunk being stored is (a snapshot makes its next chunk only then). */
  private writeWhenStored(pending: Pending, chunks: ChunkWriter): void {
    pending.awaitingChunk = true
    void chunks.whenReady().then(() => {
      pending.awaitingChunk = false
      if (this.pending !== pending) return
      if (chunks.failure !== undefined) return this.abort(pending.barrier.checkpointId, chunks.failure.message, true)
      this.writeLater(pending)
    })
  }

  private writeLater(pending: Pending): void {
    if (pending.stepping !== undefined) return
    pending.stepping = this.job.scheduler.schedule(() => {
      pending.stepping = undefined
      this.write(pending, STEP_BUDGET)
    })
  }

  /**
   * `uid`'s inputs ended while a checkpoint is pending whose barrier it has not seen (none was
   * sent down its path: its sources had ended): its final state is its snapshot, and an
   * operator still emitting sends the barrier on.
   */
  inputEnded(uid: string, operator: AbstractStreamOperator<unknown, unknown>): void {
    const pending = this.pending
    if (pending === undefined || !pending.waiting.has(uid) || pending.snapshots.has(uid)) return
    this.acknowledge(uid, operator, pending.barrier)
    if (this.pending === pending) operator.barrierAfterEnd?.(pending.barrier)
  }

  /** The operator `uid` aborted checkpoint `checkpointId` (a cancellation marker reached it, its alignment was subsumed). */
  decline(uid: string, checkpointId: number, reason: string): void {
    if (this.pending?.barrier.checkpointId !== checkpointId || this.pending.storing) return
    this.abort(checkpointId, `declined by operator '${uid}': ${reason}`)
  }

  // ---- the life of a checkpoint ----

  private triggerPeriodic(): void {
    this.nextDue = Infinity
    this.trigger('checkpoint', undefined, [])
  }

  private next(): void {
    if (this.pending !== undefined || this.stopped) return
    const request = this.queue.shift()
    if (request === undefined) return
    this.trigger(request.kind, request.name, [request])
  }

  private trigger(kind: 'checkpoint' | 'savepoint', name: string | undefined, settle: Pending['settle']): void {
    const scheduler = this.job.scheduler
    const started = scheduler.now()
    const barrier = checkpointBarrier(this.nextId++, started, kind)
    const operators = this.job.operators()
    const pending: Pending = {
      barrier,
      name,
      started,
      waiting: new Set(operators.map(o => o.uid)),
      snapshots: new Map(),
      unwritten: new Set(),
      awaitingChannelState: new Set(),
      awaitingSnapshot: new Set(),
      channelState: {},
      needs: new Set(),
      timeout: undefined,
      settle,
      storing: false,
      encoder: undefined,
      stepping: undefined,
      preparing: undefined,
      chunks: putsChunks(this.job.store) ? new ChunkWriter(this.job.store, this.job.jobId, this.nextId - 1) : undefined,
      awaitingChunk: false,
      bodyPut: false
    }
    this.pending = pending
    const id = barrier.checkpointId
    pending.timeout = scheduler.schedule(() => this.abort(id, `it did not complete within ${this.config.timeout} ms`, true), this.config.timeout)
    this.prepare(pending, 1)
  }

  /**
   * Before the barrier goes in, the operators do ahead what their snapshots would do at it (the
   * LMDB backend writes its changed cached values), one step of `STEP_BUDGET` now and then
   * between the job's slices of processing, until each says what is left is small or
   * `PREPARE_STEPS` are spent: the barrier's synchronous share stays small at any state size.
   * Every operator ready at the first step (the heap's always are): the barrier goes in at once.
   */
  private prepare(pending: Pending, step: number): void {
    if (this.pending !== pending) return
    const deadline = now() + STEP_BUDGET
    let ready = true
    for (const { uid, operator } of this.job.operators()) {
      if (operator.ended === true || operator.prepareSnapshot === undefined) continue
      try {
        if (!operator.prepareSnapshot(deadline)) ready = false
      } catch (error) {
        return this.abort(pending.barrier.checkpointId, `operator '${uid}' could not prepare its snapshot: ${messageOf(error)}`)
      }
    }
    if (ready || step >= PREPARE_STEPS) return this.injectBarrier(pending)
    pending.preparing = this.job.scheduler.schedule(() => {
      pending.preparing = undefined
      this.prepare(pending, step + 1)
    })
  }

  private injectBarrier(pending: Pending): void {
    const { barrier } = pending
    // Operators whose input has ended will see no barrier: their state is final, taken now
    // (unless it ended while the operators prepared, and was taken then).
    for (const { uid, operator } of this.job.operators()) {
      if (!operator.ended || pending.snapshots.has(uid)) continue
      this.acknowledge(uid, operator, barrier)
      if (this.pending !== pending) return
      operator.barrierAfterEnd?.(barrier)
    }
    if (this.pending !== pending) return
    this.job.injectBarrier(barrier)
  }

  private store(pending: Pending, data: string): void {
    const { barrier, name } = pending
    const id = barrier.checkpointId
    const metadata = { jobId: this.job.jobId, checkpointId: id, timestamp: barrier.timestamp, kind: barrier.kind, ...(name === undefined ? {} : { name }) }
    const { store, jobId } = this.job
    // A savepoint's name must tell it apart: checked when it is stored, so that the barrier
    // goes in at the moment it is asked for, as a checkpoint's does.
    const nameFree = name === undefined ? Promise.resolve() : checkSavepointNameFree(store, jobId, name, 'savepoint')
    nameFree.then(
      () => this.put(pending, metadata, data),
      (error: unknown) => this.abort(id, messageOf(error), true)
    )
  }

  private put(pending: Pending, metadata: Omit<StoredCheckpoint, 'size'>, data: string): void {
    const id = pending.barrier.checkpointId
    const { chunks } = pending
    const failed = (error: unknown): void =>
      this.abort(id, error !== undefined && error === chunks?.failure ? messageOf(error) : `the store (${this.job.store.description}) failed to write it: ${messageOf(error)}`, true)
    const putBody = (): void => {
      pending.bodyPut = true
      this.job.store.put(metadata, data).then(
        () => {
          // A write that ends after its checkpoint timed out: the data is whole, but the job
          // has moved on; what it covers is committed with the next checkpoint.
          if (this.pending === pending) this.completed(pending, data.length + (chunks?.size ?? 0))
        },
        (error: unknown) => {
          // A put that failed stored nothing (it is atomic): the chunks are no body's.
          pending.bodyPut = false
          if (this.pending === pending) failed(error)
          else chunks?.discard()
        }
      )
    }
    if (chunks === undefined || !chunks.used) return putBody()
    // The body last: it is the commit point, so every chunk is stored before it.
    chunks.whenReady().then(() => {
      // Aborted meanwhile (timed out): its chunks are being deleted, so no body may name them.
      if (this.pending !== pending) return
      if (chunks.failure !== undefined) return failed(chunks.failure)
      putBody()
    }, failed)
  }

  private completed(pending: Pending, size: number): void {
    const { barrier, name } = pending
    const id = barrier.checkpointId
    pending.timeout?.unsubscribe()
    this.pending = undefined
    this.lastCompleted = id
    const needs = [...pending.needs].sort((a, b) => a - b)
    if (barrier.kind === 'checkpoint') {
      this.lastCheckpoint = id
      this.needsOf.set(id, needs)
    }
    const event = {
      type: 'completed' as const,
      checkpointId: id,
      kind: barrier.kind,
      ...(name === undefined ? {} : { name }),
      timestamp: barrier.timestamp,
      duration: this.job.scheduler.now() - pending.started,
      size,
      needs,
      ...this.job.timing(id)
    }
    // Stored after the job ended (as after a crash): it is there to restore from, and the
    // restored job commits what it covers; this job's operators are gone.
    if (this.stopped) {
      for (const s of pending.settle) s.resolve(event)
      return
    }
    // Only now may effects outside the job (a sink's transaction) be made visible.
    const commits: Array<PromiseLike<void>> = []
    const failed = (uid: string, error: unknown): void =>
      this.job.fail(new Error(`operator '${uid}' failed when checkpoint ${id} completed: ${messageOf(error)}`, { cause: error }))
    for (const { uid, operator } of this.job.operators()) {
      try {
        const commit = operator.notifyCheckpointComplete?.(id)
        if (commit !== undefined) commits.push(Promise.resolve(commit).then(undefined, (error: unknown) => failed(uid, error)))
      } catch (error) {
        failed(uid, error)
      }
    }
    this.job.report(event)
    // Whoever waits for the checkpoint (the job's end) waits for what it commits, too.
    void Promise.all(commits).then(() => {
      for (const s of pending.settle) s.resolve(event)
    })
    if (barrier.kind === 'checkpoint') void this.retain()
    this.afterEnd()
  }

  private abort(checkpointId: number, reason: string, evenWhileStoring = false): void {
    const pending = this.pending
    if (pending === undefined || pending.barrier.checkpointId !== checkpointId) return
    if (pending.storing && !evenWhileStoring) return
    this.pending = undefined
    pending.timeout?.unsubscribe()
    pending.stepping?.unsubscribe()
    pending.preparing?.unsubscribe()
    // The operators' state tables stop copying on write.
    for (const snapshot of pending.snapshots.values()) snapshot.cancel()
    // A body being put may yet complete (a write that ends after a timeout): its chunks stay.
    if (!pending.bodyPut) pending.chunks?.discard()
    for (const { operator } of this.job.operators()) operator.notifyCheckpointAborted?.(checkpointId)
    const { barrier } = pending
    const event = { type: 'aborted' as const, checkpointId, kind: barrier.kind, timestamp: barrier.timestamp, reason, ...this.job.timing(checkpointId) }
    this.job.report(event)
    for (const s of pending.settle) s.reject(new Error(`checkpoint ${checkpointId} was aborted: ${reason}`))
    this.afterEnd()
  }

  private afterEnd(): void {
    if (this.stopped) return
    this.schedulePeriodic(this.job.scheduler.now())
    this.next()
  }

  /** Arms the next periodic checkpoint, `interval` (at least `minPause`) after `from`. */
  private schedulePeriodic(from: number): void {
    const { interval, minPause } = this.config
    if (interval === undefined || this.stopped) return
    const delay = Math.max(interval, minPause)
    this.nextDue = from + delay
    this.timer?.unsubscribe()
    // The timer covers a job whose sources wait; a busy source polls between batches.
    this.timer = this.job.scheduler.schedule(() => this.poll(), delay)
  }

  /** Keeps the newest `retain` checkpoints and what they need (savepoints are the user's to delete). */
  private async retain(): Promise<void> {
    const { store, jobId } = this.job
    try {
      const old = checkpointsToDelete(await store.list(jobId), this.config.retain, id => this.needsOf.get(id))
      for (const id of old) {
        await store.delete(jobId, id)
        this.needsOf.delete(id)
      }
    } catch {
      // A failed clean-up loses nothing: the next completed checkpoint tries again.
    }
  }
}

/** Whether `store` keeps chunks. */
function putsChunks(store: CheckpointStore): store is CheckpointStore & Required<Pick<CheckpointStore, 'putChunk'>> {
  return typeof store.putChunk === 'function' && typeof store.openChunks === 'function'
}
