/**
 * @internal
 * The one operator contract (Flink's `StreamOperator`, `OneInputStreamOperator`,
 * `TwoInputStreamOperator` and `AbstractStreamOperator`). Every runtime implements it; the host
 * (./host.ts) alone subscribes, chains operators, combines the watermarks and statuses of
 * several inputs, and tears down.
 *
 * An operator is made once per subscription. It reads its input through the methods below and
 * writes to one `ChainOutput`: the next operator of its chain, or the subscriber. It never
 * knows which: whether operators fuse is the host's decision.
 *
 * - One input: the previous operator's output *is* the operator (`record`, `watermark`,
 *   `element`, `complete`, `error`), so a record travels down a chain as its parts and a
 *   watermark as its time, one direct call per operator, with no object and no subscriber
 *   between. Each operator implements `record` itself, catching what it throws (`failRecord`):
 *   a method of its own per operator class is what lets V8 inline a chain's hot path.
 * - Several inputs: the host calls `processRecord(input, …)` per record, and the hooks below
 *   with the watermark and status combined over all inputs (FLINK_SEMANTICS §2).
 * - Watermarks reach `processWatermark(time)`, as a number, whether they came as one
 *   (`watermark`) or as an element from a source of elements (`element`). An operator writes
 *   its watermarks to `watermarkOutput`: past the operators after it that only forward them.
 * - Other control elements reach their hooks: `processStatus`, `processSideRecord`,
 *   `processBarrier` (a process function's `CheckpointedFunction.snapshotState`, then forward).
 * - State: `snapshotState` returns everything the operator remembers as plain JSON data (its
 *   keyed state and timers, what it keeps outside the backend); `initializeState` puts a
 *   snapshot back into a fresh instance, which then goes on as the snapshotted one would.
 * - The start: the host creates the operator, puts its snapshot back when the job restores one
 *   (`initializeState`), then opens it (`open`: the user function's `open`), as Flink does.
 * - The end: `endInput(input)` as each input ends, then `finish` once every input has ended
 *   (Flink's `finish`: flush what is buffered), then the output completes. `close` runs once
 *   when the subscription ends, however it ends.
 */
import type { Subscription } from 'rxjs'
import type { OperatorInfo } from '../core/OperatorOptions'
import type { DeferredJson } from '../state/DeferredJson'
import type { OperatorSnapshot } from '../state/snapshotFormat'
import type { KeyedSnapshotOptions } from '../state/KeyedStateBackend'
import { type CancelCheckpointMarker, type CheckpointBarrier, type SideRecord, type StreamStatus, streamRecord } from '../core/StreamElement'
import type { ChainContext } from './Output'
import { type ChainOutput, type ControlElement, type Output, type RecordCounter, watermarkElement } from './Output'

/**
 * @internal
 * Who learns that a checkpoint barrier reached an operator (the job's checkpoint coordinator):
 * it takes the operator's snapshot then, before the barrier is forwarded.
 */
export interface BarrierListener {
  /** Whether the job takes checkpoints (a sink commits at each, or else at the end). */
  readonly checkpointing: boolean
  barrierReached(operator: AbstractStreamOperator<unknown, unknown>, barrier: CheckpointBarrier): void
  /** Unaligned (multi-input operators): the snapshot taken at the barrier waits for the channel state. */
  awaitChannelState(operator: AbstractStreamOperator<unknown, unknown>, checkpointId: number): void
  /** Unaligned: what was in flight into the operator for `checkpointId` (encoded elements). */
  channelState(operator: AbstractStreamOperator<unknown, unknown>, checkpointId: number, inFlight: readonly unknown[]): void
  /** The operator aborted `checkpointId` (its alignment was subsumed or cancelled). */
  declined(operator: AbstractStreamOperator<unknown, unknown>, checkpointId: number, reason: string): void
  /**
   * Every input of the operator ended, and what it released has gone on: a checkpoint pending
   * that it has not snapshotted for (its barrier was never sent down this path) takes its
   * final state now.
   */
  inputEnded(operator: AbstractStreamOperator<unknown, unknown>): void
  /** The operator cannot take more input for now (`busy`), or can again: the job pauses its sources meanwhile. */
  backpressure(operator: AbstractStreamOperator<unknown, unknown>, busy: boolean): void
  /**
   * The operator's barrier alignment holds back input it was just given (`held`), or let go of
   * what it held: the job pauses the source it was reading meanwhile (Flink's blocked channel).
   */
  aligning(operator: AbstractStreamOperator<unknown, unknown>, held: boolean): void
}

/**
 * @internal
 * What a checkpoint barrier tells the operator snapshotting for it; the job's coordinator adds
 * what a keyed backend needs to write an increment (`KeyedSnapshotOptions`).
 */
export interface StateSnapshotContext extends KeyedSnapshotOptions {
  readonly checkpointId: number
  readonly checkpointTimestamp: number
}

/** @internal The parts of an operator snapshot, as a subclass reads them back. */
export type RestoredParts = Omit<OperatorSnapshot, 'format' | 'version' | 'kind'>

/**
 * @internal
 * The parts of an operator snapshot as a subclass writes them: JSON data (written at the
 * barrier) or parts written in steps after it (see `DeferredJson`).
 */
export type SnapshotParts = { [P in keyof RestoredParts]?: RestoredParts[P] | DeferredJson }

/** @internal The input side of a one-input operator: what the operator before it writes to. */
export interface OneInput<In> extends ChainOutput<In, unknown> {
  record(value: In, timestamp: number, key: unknown): void
}

/** @internal An operator of several inputs: the host hands it each input's records. */
export interface MultiInput {
  /** A record of input `input` (0 is the piped source). */
  processRecord(input: number, value: unknown, timestamp: number, key: unknown): void
}

/**
 * @internal
 * The base of every operator. `Out`, `K`: the records it writes. A subclass adds how records
 * are processed (`record` for one input, `processRecord` for several) and overrides the hooks
 * it needs; by default control elements pass on unchanged.
 */
export abstract class AbstractStreamOperator<Out, K> {
  /** The chain's subscription: once it is closed the operator ignores its input. */
  protected readonly destination: Subscription
  /**
   * Where the operator's watermarks go: its output, or past the operators after it that only
   * forward them (see `watermarkTarget`).
   */
  readonly watermarkOutput: WatermarkOutput

  constructor(
    readonly info: OperatorInfo,
    protected readonly output: ChainOutput<Out, K>,
    protected readonly chain: ChainContext
  ) {
    this.destination = chain.destination
    this.watermarkOutput = watermarkTarget(output)
  }

  /** Opens the operator (the user function's `open`), after any restore, before any input. */
  open(): void {}

  // ---- hooks ----

  /** A watermark, as its time (combined over all inputs); by default forwarded. */
  processWatermark(time: number): void {
    this.watermarkOutput.watermark(time)
  }

  /** A stream status (combined over all inputs); by default forwarded. */
  processStatus(status: StreamStatus): void {
    this.output.element(status)
  }

  /** A record of a side output (of an operator before it); by default forwarded. */
  processSideRecord(record: SideRecord<unknown>): void {
    this.output.element(record)
  }

  /**
   * A checkpoint barrier: the job (in a checkpointed one) takes the operator's snapshot
   * (`barrierListener`), then the barrier is forwarded. An operator with function state brings
   * it up to date first (`ProcessFunctionOperator`).
   */
  processBarrier(barrier: CheckpointBarrier): void {
    this.barrierListener?.barrierReached(this as AbstractStreamOperator<unknown, unknown>, barrier)
    this.output.element(barrier)
  }

  /** A cancellation marker (a checkpoint aborted upstream); by default forwarded, in order. */
  processCancelMarker(marker: CancelCheckpointMarker): void {
    this.output.element(marker)
  }

  /** Input `input` (0 for the only input of a one-input operator) ended; by default nothing happens. */
  endInput(_input: number): void {}

  /** Every input has ended: what is buffered is released now; by default nothing is. */
  finish(): void {}

  /** Runs exactly once when the subscription ends, however it ends. */
  close(): void {}

  // ---- input (one-input operators; the host drives multi-input ones) ----

  watermark(time: number): void {
    if (this.destination.closed) return
    try {
      this.processWatermark(time)
    } catch (error) {
      this.failWatermark(error, time)
    }
  }

  element(element: ControlElement): void {
    if (this.destination.closed) return
    try {
      this.dispatch(element)
    } catch (error) {
      this.chain.fail(this.output, this.info, error, element)
    }
  }

  /** A control element to its hook. */
  dispatch(element: ControlElement): void {
    switch (element._tag) {
      case 'Watermark':
        this.chain.sourceWatermark = element
        this.processWatermark(element.timestamp)
        return
      case 'StreamStatus':
        this.processStatus(element)
        return
      case 'CheckpointBarrier':
        this.processBarrier(element)
        return
      case 'CancelCheckpointMarker':
        this.processCancelMarker(element)
        return
      case 'SideRecord':
        this.processSideRecord(element)
    }
  }

  complete(): void {
    if (this.destination.closed) return
    this.ended = true
    try {
      this.endInput(0)
      this.finish()
      this.output.complete()
      this.barrierListener?.inputEnded(this as AbstractStreamOperator<unknown, unknown>)
    } catch (error) {
      this.chain.fail(this.output, this.info, error)
    }
  }

  error(error: unknown): void {
    if (this.destination.closed) return
    // As an operator's upstream subscriber does: release the upstream, then pass the error on.
    this.chain.teardown.unsubscribe()
    this.output.error(error)
  }

  /**
   * Reports that processing a record (as this operator received it) threw. A cold path of its
   * own, so that `record` stays small enough for V8 to inline.
   */
  protected failRecord(error: unknown, value: unknown, timestamp: number, key: unknown): void {
    this.chain.fail(this.output, this.info, error, streamRecord(value, timestamp, key))
  }

  /** Reports that processing watermark `time` threw; out of line for the same reason. */
  protected failWatermark(error: unknown, time: number): void {
    this.chain.fail(this.output, this.info, error, watermarkElement(time))
  }
}

/**
 * @internal
 * What only a job asks of an operator (its checkpoints, restores and metrics), as optional
 * members that an operator defines when it has something to say: an absent one means nothing to
 * do, nothing to snapshot, no watermark of its own, no record dropped. Not defaults on the base
 * class, so that an operator used without a job (a plain `mapValues` in a page) carries none of
 * it. The job reads them through ./operatorSnapshot.ts and its metrics.
 */
export interface AbstractStreamOperator<Out, K> {
  /**
   * Records received (Flink's `numRecordsIn`), counted by the job's `CountingOutput` in front of
   * each input of the operator, which starts the count; absent outside a job.
   */
  numRecordsIn?: number
  /**
   * The job's checkpoints, told when a barrier reaches the operator; set when the operator
   * registers with a job, absent outside one.
   */
  barrierListener?: BarrierListener
  /**
   * Every input has ended (set before `finish`): no barrier will reach the operator any more,
   * so a job snapshots it when a checkpoint is triggered. Absent until then.
   */
  ended?: boolean
  /**
   * Records dropped as too late, with no late side output to go to (Flink's
   * `numLateRecordsDropped`); absent for an operator that never drops one.
   */
  readonly numLateRecordsDropped?: number
  /**
   * A checkpoint started after every input ended (no barrier will come): the job took the
   * snapshot already. An operator still emitting (async I/O draining) sends the barrier on, so
   * that the operators after it snapshot too; absent, the output has ended, nothing to do.
   */
  barrierAfterEnd?(barrier: CheckpointBarrier): void
  /**
   * A checkpoint is about to be triggered: work the snapshot would do at the barrier is done
   * now, in steps between records, until `deadline` (real ms, `now()` of `DeferredJson`) each.
   * True once what is left for the barrier is small; absent (or always true): nothing to do.
   */
  prepareSnapshot?(deadline: number): boolean
  /**
   * Checkpoint `checkpointId` is complete: stored whole, with every operator's snapshot (Flink's
   * `notifyCheckpointComplete`). What a sink made ready for it may be made visible now.
   */
  notifyCheckpointComplete?(checkpointId: number): void | PromiseLike<void>
  /**
   * What the snapshot taken for `checkpointId` still waits for (a sink's pre-commit that
   * flushes to disk): the checkpoint completes only once it resolves.
   */
  snapshotDone?(checkpointId: number): PromiseLike<void> | undefined
  /** Checkpoint `checkpointId` was aborted. */
  notifyCheckpointAborted?(checkpointId: number): void
  /** Lets the user function write its operator state for a checkpoint. */
  snapshotFunctionState?(context: StateSnapshotContext): void
  /**
   * What the operator adds to a snapshot: everything it remembers (keyed state, timers, operator
   * state, what it keeps outside the backend); absent for an operator without state.
   */
  snapshotParts?(context: StateSnapshotContext): SnapshotParts
  /** Reads back what `snapshotParts` wrote. */
  restoreParts?(parts: RestoredParts): void
  /**
   * Whether the operator puts state of its own into checkpoints, for an operator whose state
   * depends on how it was made (a sink); otherwise an operator with `snapshotParts` has state.
   */
  readonly stateful?: boolean
  /**
   * The watermark the operator stands at on its input (Flink's `currentInputWatermark`), where it
   * keeps one for its own work anyway; absent or `undefined` where it keeps none: an operator
   * that only forwards watermarks never sees them (they pass it by, see `watermarkTarget`), and
   * its watermarks are those of the operator before it; a multi-input operator's come from its valve.
   */
  currentInputWatermark?(): number | undefined
  /** The last watermark the operator emitted (Flink's `currentOutputWatermark`); absent, the one it stands at. */
  currentOutputWatermark?(): number | undefined
}

/**
 * @internal
 * Records written by `operator` (Flink's `numRecordsOut`): what its output counted, which in a
 * job is a `CountingOutput`; 0 outside a job.
 */
export function numRecordsOut(operator: AbstractStreamOperator<unknown, unknown>): number {
  // Read from outside the class, so that only the job's metrics carry it.
  return (operator['output'] as Partial<RecordCounter>).numRecordsIn ?? 0
}

/** @internal What takes watermarks, as their time. */
export type WatermarkOutput = Pick<Output<unknown, unknown>, 'watermark'>

/**
 * @internal
 * Where watermarks written to `output` first meet something that does more than forward them:
 * past every operator that keeps both the default `watermark` and `processWatermark` (maps,
 * filters, `keyBy`, …) and past the host's counting (which counts records only). A watermark
 * then costs one call per operator that acts on it, not two per operator of the chain: with a
 * watermark after nearly every record, the hops of the stateless operators of Nexmark q2 were
 * what V8 no longer inlined. Nothing observable changes: such an operator cannot fail on a
 * watermark, and an operator written to is always made before the one writing to it, so its own
 * target is known.
 */
export function watermarkTarget(output: ChainOutput<unknown, unknown>): WatermarkOutput {
  if (output instanceof AbstractStreamOperator) return onlyForwardsWatermarks(output) ? output.watermarkOutput : output
  // A job's record counting (CountingOutput) says where its watermarks go.
  return (output as Partial<{ readonly watermarkOutput: WatermarkOutput }>).watermarkOutput ?? output
}

function onlyForwardsWatermarks(operator: AbstractStreamOperator<unknown, unknown>): boolean {
  const base = AbstractStreamOperator.prototype
  return operator.watermark === base.watermark && operator.processWatermark === base.processWatermark
}

/**
 * @internal
 * An operator around one user function (Flink's `AbstractUdfStreamOperator`): a map, a filter,
 * a flat map, a key selector. The function is `fn`; each subclass calls it in its own `record`.
 */
export abstract class AbstractUdfStreamOperator<F, Out, K> extends AbstractStreamOperator<Out, K> {
  constructor(
    info: OperatorInfo,
    protected readonly fn: F,
    output: ChainOutput<Out, K>,
    chain: ChainContext
  ) {
    super(info, output, chain)
  }
}
