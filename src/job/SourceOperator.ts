/**
 * @internal
 * The operator at the head of every source of a job (Flink's `SourceOperator`): it pulls values
 * from its reader when the job asks, hands them to the chain as records without timestamps,
 * and injects checkpoint barriers between two values. Its snapshot is the reader's position, so
 * a restored job reads on after the last value before the barrier.
 */
import { StateError } from '../core/errors'
import { type CheckpointBarrier, NO_TIMESTAMP } from '../core/StreamElement'
import type { OperatorInfo } from '../core/OperatorOptions'
import { NO_KEY } from '../runtime/host'
import type { ChainContext, ChainOutput } from '../runtime/Output'
import { AbstractStreamOperator, type RestoredParts, type SnapshotParts } from '../runtime/StreamOperator'
import { jsonIncompatibility, ownField } from '../state/snapshotFormat'
import type { PullResult, SourceReader } from './Source'

/** @internal A source of a job: what the job's driver pulls and injects barriers into. */
export class SourceOperator<T> extends AbstractStreamOperator<T, never> {
  private reader: SourceReader<T> | undefined
  private restoredPosition: unknown = undefined
  /** The reader ended and the output completed (or the chain closed). */
  done = false
  /**
   * Stopping with a savepoint: values read from now on are not emitted, and the position stays
   * where it was, so that a job restored from the savepoint reads them.
   */
  private held: { readonly position: unknown } | undefined = undefined
  private readonly emit = (value: T): void => {
    if (this.held === undefined) this.output.record(value, NO_TIMESTAMP, NO_KEY)
  }

  constructor(
    info: OperatorInfo,
    output: ChainOutput<T, never>,
    context: ChainContext,
    /** Makes the reader, resuming at a restored position (`undefined`: from the start). */
    private readonly makeReader: (position: unknown) => SourceReader<T>,
    /** Whether the source can resume at a position (an Observable cannot). */
    readonly replayable: boolean
  ) {
    super(info, output, context)
  }

  /** Opens the reader at the restored position, if any. */
  override open(): void {
    this.reader = this.makeReader(this.restoredPosition)
  }

  /**
   * Pulls at most `max` values into the chain; 'end' once the reader ended (the output is
   * completed then), a Promise when the reader waits for data.
   */
  pull(max: number): PullResult {
    if (this.done || this.destination.closed) return 'end'
    let result: PullResult
    try {
      result = this.reader!.pull(max, this.emit)
    } catch (error) {
      this.done = true
      this.chain.fail(this.output, this.info, error)
      return 'end'
    }
    // Held for a stop with a savepoint: the input has not ended for the job, whose restored
    // successor reads on from the held position.
    if (result === 'end' && this.held === undefined) this.end()
    return result
  }

  /** The end of the source: as any operator's input that ends. */
  private end(): void {
    this.done = true
    this.complete()
  }

  /**
   * Checkpoint `barrier`: the position is taken (the operator's snapshot, acknowledged to the
   * job by `processBarrier`), then the barrier goes down the chain.
   */
  injectBarrier(barrier: CheckpointBarrier): void {
    if (this.done || this.destination.closed) return
    this.element(barrier)
  }

  override snapshotParts(): SnapshotParts {
    const position = this.held !== undefined ? this.held.position : this.reader === undefined ? this.restoredPosition : this.reader.position()
    const reason = position === undefined ? undefined : jsonIncompatibility(position, 'offset')
    if (reason !== undefined) throw new StateError(this.info, 'offset', `cannot snapshot the source's offset: ${reason}; offsets must be plain JSON data`)
    return { own: { position: position ?? null, replayable: this.replayable } }
  }

  override restoreParts(parts: RestoredParts): void {
    const position = ownField(parts.own, 'position')
    // An Observable cannot resume where it was: it is subscribed anew (at-most-once for what was in flight).
    this.restoredPosition = position === null || !this.replayable ? undefined : position
  }

  /**
   * Ends the source where it stands (stop with a drained savepoint): the reader is released and
   * the output completes, as at the end of its input.
   */
  stop(): void {
    if (this.done || this.destination.closed) return
    this.hold(true)
    this.reader?.close()
    this.end()
  }

  /** Stops emitting what is read (`true`), keeping the position; or emits again (`false`: a failed stop), from there. */
  hold(held: boolean): void {
    if (!held) {
      if (this.held === undefined) return
      // The values read while held were not emitted: read them again.
      const { position } = this.held
      this.held = undefined
      this.reader?.close()
      this.reader = this.makeReader(position)
      return
    }
    this.held ??= { position: this.reader?.position() ?? this.restoredPosition }
  }

  override close(): void {
    this.reader?.close()
  }
}
