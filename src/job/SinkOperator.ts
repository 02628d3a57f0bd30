/**
 * @internal
 * The runtime behind `sinkTo`: the last operator of a pipeline, writing each record to a sink.
 * A plain sink is called per record; a two-phase-commit sink gets one transaction per
 * checkpoint interval (Flink's `TwoPhaseCommitSinkFunction`):
 *
 * - at each barrier the open transaction is pre-committed and a new one begins; the snapshot
 *   holds the pre-committed transactions not yet committed and the new one;
 * - when a checkpoint completes, every transaction pre-committed at or before it is committed,
 *   in order;
 * - on restore, the restored pre-committed transactions are committed (again: commits are
 *   idempotent) and the restored open one is aborted;
 * - at the end of input the open transaction is pre-committed; the job's final checkpoint
 *   commits it, or, outside a checkpointed job, it is committed before the output completes.
 */
import { StateError } from '../core/errors'
import type { CheckpointBarrier } from '../core/StreamElement'
import type { OperatorInfo } from '../core/OperatorOptions'
import type { ChainContext, ChainOutput } from '../runtime/Output'
import { AbstractStreamOperator, type OneInput, type RestoredParts, type SnapshotParts } from '../runtime/StreamOperator'
import { jsonIncompatibility, ownField } from '../state/snapshotFormat'
import { isTransactionalSink, type Sink, type TransactionalSinkFunctions } from './Sink'

/**
 * A pre-committed transaction and the checkpoint it belongs to; `null`: the end of input's,
 * until a snapshot of the sink taken after the end names its checkpoint (see `snapshotDone`).
 */
type PendingCommit<Txn> = readonly [checkpointId: number | null, txn: Txn]

/** @internal */
export class SinkOperator<T, Txn> extends AbstractStreamOperator<never, never> implements OneInput<T> {
  private readonly write: ((value: T, timestamp: number) => void) | undefined
  private readonly observer: { error?: (error: unknown) => void; complete?: () => void } | undefined
  private readonly tx: TransactionalSinkFunctions<T, Txn> | undefined
  private current: Txn | undefined
  private pending: Array<PendingCommit<Txn>> = []
  /**
   * Transactions whose commit was called and has not resolved yet. They stay in every snapshot
   * until it does: a job that fails meanwhile may restore from a later checkpoint, and that
   * restore must commit them again (commits are idempotent), or their records are lost.
   */
  private committing: Array<PendingCommit<Txn>> = []
  /** What a restore found: committed, then aborted, in `open`. */
  private restored: { readonly pending: Array<PendingCommit<Txn>>; readonly current: Txn | undefined } | undefined
  /** Pre-commits by checkpoint id, which the checkpoint's snapshot waits for. */
  private readonly preCommits = new Map<number | null, Promise<void>>()
  /** Commits run one after the other, in checkpoint order. */
  private commits: Promise<void> = Promise.resolve()
  /** The last watermark received. */
  private lastWatermark = -Infinity

  constructor(info: OperatorInfo, sink: Sink<T, Txn>, output: ChainOutput<never, never>, context: ChainContext) {
    super(info, output, context)
    if (isTransactionalSink(sink)) {
      this.tx = sink.functions as TransactionalSinkFunctions<T, Txn>
    } else if (typeof sink === 'function') {
      this.write = sink
    } else {
      const next = sink.next?.bind(sink)
      this.write = next === undefined ? undefined : (value: T) => next(value)
      this.observer = { error: sink.error?.bind(sink), complete: sink.complete?.bind(sink) }
    }
  }

  override open(): void {
    const tx = this.tx
    if (tx === undefined) return
    const restored = this.restored
    if (restored !== undefined) {
      // Pre-committed before the failure: the restored checkpoint covers them.
      for (const entry of restored.pending) this.commit(entry)
      const open = restored.current
      if (open !== undefined) this.chainCommit(() => tx.abort(open))
    }
    this.current = tx.beginTransaction()
  }

  record(value: T, timestamp: number): void {
    if (this.destination.closed) return
    try {
      if (this.tx !== undefined) this.tx.write(this.current as Txn, value, timestamp)
      else this.write?.(value, timestamp)
    } catch (error) {
      this.failRecord(error, value, timestamp, undefined)
    }
  }

  // A sink ends the pipeline: nothing of the stream model goes on (the watermark is kept for the job's metrics only).
  override processWatermark(time: number): void {
    this.lastWatermark = time
  }
  override processStatus(): void {}
  override processSideRecord(): void {}
  override processCancelMarker(): void {}

  /** The watermark the records written so far have reached; a sink emits none, so it is its output watermark too. */
  override currentInputWatermark(): number {
    return this.lastWatermark
  }

  override processBarrier(barrier: CheckpointBarrier): void {
    this.snapshotFunctionState?.({ checkpointId: barrier.checkpointId, checkpointTimestamp: barrier.timestamp })
    if (this.tx !== undefined) this.preCommit(barrier.checkpointId)
    this.barrierListener?.barrierReached(this as AbstractStreamOperator<unknown, unknown>, barrier)
  }

  private preCommit(checkpointId: number | null): void {
    const tx = this.tx!
    const txn = this.current as Txn
    this.preCommits.set(checkpointId, Promise.resolve(tx.preCommit(txn)))
    this.pending.push([checkpointId, txn])
    this.current = checkpointId === null ? undefined : tx.beginTransaction()
  }

  override snapshotDone(checkpointId: number): PromiseLike<void> | undefined {
    const own = this.preCommits.get(checkpointId)
    const last = this.preCommits.get(null)
    this.preCommits.delete(checkpointId)
    // The end of input's transaction is in this snapshot: this checkpoint commits it. A
    // checkpoint whose barrier came before the end must not, or a restore from it (which
    // replays what came after its barrier) writes that part again.
    if (last !== undefined) this.pending = this.pending.map(entry => (entry[0] === null ? [checkpointId, entry[1]] : entry))
    if (own === undefined) return last
    return last === undefined ? own : Promise.all([own, last]).then(() => undefined)
  }

  override notifyCheckpointComplete(checkpointId: number): PromiseLike<void> | undefined {
    const tx = this.tx
    if (tx === undefined) return undefined
    const due = this.pending.filter(([id]) => id !== null && id <= checkpointId)
    // Commits of an earlier checkpoint may still be under way: whoever waits for this one (the
    // job's end) waits for them too.
    if (due.length === 0) return this.commits
    this.pending = this.pending.filter(([id]) => id === null || id > checkpointId)
    for (const entry of due) this.commit(entry)
    return this.commits
  }

  /** Commits a pre-committed transaction, after the commits before it; it is snapshotted until its commit resolves. */
  private commit(entry: PendingCommit<Txn>): void {
    const tx = this.tx!
    this.committing.push(entry)
    this.chainCommit(async () => {
      await tx.commit(entry[1])
      this.committing = this.committing.filter(e => e !== entry)
    })
  }

  /** Runs `run` after the commits before it; a failure fails the pipeline (a commit lost is data lost). */
  private chainCommit(run: () => void | PromiseLike<void>): void {
    this.commits = this.commits.then(run)
    this.commits.then(undefined, (error: unknown) => this.chain.fail(this.output, this.info, error))
  }

  /** End of input: the open transaction is pre-committed; committed now unless a final checkpoint will. */
  override complete(): void {
    if (this.destination.closed) return
    this.ended = true
    const tx = this.tx
    try {
      if (tx === undefined) {
        this.observer?.complete?.()
        this.output.complete()
        this.barrierListener?.inputEnded(this as AbstractStreamOperator<unknown, unknown>)
        return
      }
      this.preCommit(null)
      if (this.barrierListener?.checkpointing === true) {
        this.output.complete()
        this.barrierListener.inputEnded(this as AbstractStreamOperator<unknown, unknown>)
        return
      }
      const [, txn] = this.pending.pop()!
      const preCommitted = this.preCommits.get(null)!
      this.chainCommit(() => preCommitted.then(() => tx.commit(txn)))
      this.commits.then(() => {
        if (!this.destination.closed) this.output.complete()
      }, () => {})
    } catch (error) {
      this.chain.fail(this.output, this.info, error)
    }
  }

  override error(error: unknown): void {
    if (!this.destination.closed) this.observer?.error?.(error)
    super.error(error)
  }

  /** Only a two-phase-commit sink has state: its transactions. */
  override get stateful(): boolean {
    return this.tx !== undefined
  }

  override snapshotParts(): SnapshotParts {
    if (this.tx === undefined) return {}
    const own = { pending: [...this.committing, ...this.pending].map(([id, txn]) => [id, txn]), current: this.current ?? null }
    const reason = jsonIncompatibility(own, 'transactions')
    if (reason !== undefined) throw new StateError(this.info, 'transactions', `cannot snapshot the sink's transactions: ${reason}; transaction handles must be plain JSON data`)
    return { own }
  }

  override restoreParts(parts: RestoredParts): void {
    if (this.tx === undefined) return
    const pending = ownField(parts.own, 'pending')
    const current = ownField(parts.own, 'current')
    if (!Array.isArray(pending) || !pending.every(p => Array.isArray(p) && p.length === 2 && (p[0] === null || typeof p[0] === 'number'))) {
      throw new StateError(this.info, 'transactions', `cannot restore: the pending transactions ${JSON.stringify(pending)} are not [checkpoint id, transaction] pairs`)
    }
    this.restored = { pending: pending as Array<PendingCommit<Txn>>, current: current === null || current === undefined ? undefined : (current as Txn) }
  }
}
