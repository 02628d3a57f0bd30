/**
 * @internal
 * What non-keyed function operators stand on (process, co-process, broadcast process): the
 * context handed to the function, output stamped with the current record's timestamp (and
 * key, which non-keyed operators pass through), and operator state with the
 * `CheckpointedFunction` calls: `initializeState` before `open`, `snapshotState` when a
 * checkpoint barrier arrives, before it is forwarded.
 */
import type { SchedulerLike } from 'rxjs'
import type { Collector } from '../core/Collector'
import type { OperatorInfo } from '../core/OperatorOptions'
import { emitSideOutput } from '../runtime/sideOutput'
import { type CheckpointBarrier, NO_TIMESTAMP } from '../core/StreamElement'
import { validatesStateWrites } from '../state/stateValidation'
import { type CheckpointedFunction, HeapOperatorStateStore } from '../state/OperatorState'
import { asStreamError } from '../runtime/host'
import type { ChainContext } from '../runtime/Output'
import type { ChainOutput } from '../runtime/Output'
import { AbstractStreamOperator, type RestoredParts, type SnapshotParts, type StateSnapshotContext } from '../runtime/StreamOperator'
import { decodeTime, encodeTime, ownField } from '../state/snapshotFormat'
import type { ProcessContext } from './ProcessFunction'

/**
 * @internal
 * A subclass adds how its inputs reach the function (`record`, or `processRecord` per input),
 * setting `timestamp` (and `key`) first.
 */
export abstract class ProcessFunctionOperator<Out, K> extends AbstractStreamOperator<Out, K> {
  readonly context: ProcessContext
  readonly out: Collector<Out>
  readonly operatorState: HeapOperatorStateStore
  protected timestamp = NO_TIMESTAMP
  protected key: K = undefined as K
  protected currentWatermark = -Infinity

  constructor(
    info: OperatorInfo,
    scheduler: SchedulerLike,
    /** The function, for its operator state. */
    private readonly checkpointed: Partial<CheckpointedFunction>,
    output: ChainOutput<Out, K>,
    chain: ChainContext
  ) {
    super(info, output, chain)
    this.operatorState = new HeapOperatorStateStore(info, validatesStateWrites())
    this.context = {
      timestamp: () => (this.timestamp === NO_TIMESTAMP ? null : this.timestamp),
      currentWatermark: () => this.currentWatermark,
      currentProcessingTime: () => scheduler.now(),
      output: (tag, value) => emitSideOutput(output, tag, value, this.timestamp)
    }
    this.out = { collect: v => output.record(v, this.timestamp, this.key) }
  }

  /**
   * The function's `initializeState`, if it has operator state (after a restore the lists hold
   * what was saved, `isRestored()` true); subclasses then open the function.
   */
  override open(): void {
    const fn = this.checkpointed
    if (fn.initializeState === undefined) return
    try {
      fn.initializeState(this.operatorState.initializationContext())
    } catch (error) {
      throw asStreamError(this.info, error, undefined, 'initializing operator state')
    }
  }

  /** The function's operator state is brought up to date before the job snapshots the operator and the barrier goes on. */
  override processBarrier(barrier: CheckpointBarrier): void {
    this.snapshotFunctionState({ checkpointId: barrier.checkpointId, checkpointTimestamp: barrier.timestamp })
    super.processBarrier(barrier)
  }

  /** `snapshotState` at a checkpoint barrier, before the barrier is forwarded. */
  override snapshotFunctionState(context: StateSnapshotContext): void {
    const fn = this.checkpointed
    if (fn.snapshotState === undefined) return
    try {
      fn.snapshotState(context)
    } catch (error) {
      throw asStreamError(this.info, error, undefined, `snapshotting operator state for checkpoint ${context.checkpointId}`)
    }
  }

  /**
   * The operator state as the function writes it for this snapshot (its `snapshotState` runs
   * first, as Flink's operator snapshot does: the lists are otherwise as of the last barrier),
   * the watermark the context reads, and what `snapshotOwn` adds.
   */
  override snapshotParts(context: StateSnapshotContext): SnapshotParts {
    this.snapshotFunctionState(context)
    return { operatorState: this.operatorState.snapshot(), own: { watermark: encodeTime(this.currentWatermark), ...this.snapshotOwn() } }
  }

  override restoreParts(parts: RestoredParts): void {
    this.currentWatermark = decodeTime(this.info, ownField(parts.own, 'watermark'))
    this.restoreOwn(parts.own)
    if (parts.operatorState !== undefined) this.operatorState.restore(parts.operatorState)
  }

  /** What the operator keeps besides operator state and the watermark, as plain JSON data; by default nothing. */
  protected snapshotOwn(): Record<string, unknown> {
    return {}
  }

  /** Reads back what `snapshotOwn` wrote (before the operator state). */
  protected restoreOwn(_own: unknown): void {}

  override processWatermark(time: number): void {
    this.currentWatermark = time
    this.watermarkOutput.watermark(time)
  }

  override currentInputWatermark(): number {
    return this.currentWatermark
  }
}
