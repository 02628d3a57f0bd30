/**
 * @internal
 * The keyed base (Flink's `AbstractStreamOperator` with its keyed-state backend and
 * `InternalTimeServiceManager`): what every keyed operator stands on, written once.
 *
 * - one keyed-state backend (all the operator's keyed state, in key groups): the heap's, or
 *   the one its `stateBackend` option or its job chose;
 * - one timer service, whose processing-time failures error the stream as the operator's;
 * - the watermark rule: a watermark that advances event time first fires every event-time
 *   timer it passes (their output precedes it), then is forwarded; `+Infinity`, the end of
 *   event time, first fires every pending processing-time timer, so that their results too
 *   come before the end (Flink drops them; a finite stream here would lose them);
 * - the end of input, which is the end of event time unless the input said so itself.
 *
 * Windows, keyed process functions (one or two inputs, broadcast) and the interval join
 * extend it and add only what is theirs.
 */
import type { SchedulerLike } from 'rxjs'
import type { OperatorInfo } from '../core/OperatorOptions'
import type { StateBackend } from '../state/StateBackend'
import { defaultStateBackend } from '../state/defaultStateBackend'
import { currentJob } from './JobContext'
import type { KeyedStateBackend } from '../state/KeyedStateBackend'
import { keyId } from '../core/Key'
import { StateError } from '../core/errors'
import { describeValue } from '../core/describe'
import { keyGroupOfId } from '../state/KeyGroup'
import { decodeKey, decodeTime, encodeKey, encodeTime, ownField, type TimersSnapshot } from '../state/snapshotFormat'
import { type InternalTimer, InternalTimerService, type TimeDomain, type Triggerable } from '../core/TimerService'
import type { NamespaceCodec, PendingTimers } from '../core/TimerQueue'
import type { ChunkSink } from '../state/chunks'
import { ChunkedTimerPart, type ChunkedTimersSnapshot, type EncodedTimer, restoreTimerChunks } from '../state/timerChunks'
import { type DeferredJson, deferredList, deferredObject, deferredSequence } from '../state/DeferredJson'
import { asStreamError } from './host'
import type { ChainContext } from './Output'
import type { ChainOutput } from './Output'
import { AbstractStreamOperator, type RestoredParts, type SnapshotParts, type StateSnapshotContext } from './StreamOperator'

/** @internal What every keyed operator is configured with. */
export interface KeyedOperatorConfig {
  readonly info: OperatorInfo
  /** The processing-time clock: timers and state TTL. */
  readonly scheduler: SchedulerLike
  /** Key groups of the state; the backend's default when undefined. */
  readonly maxParallelism?: number | undefined
  /** Where its keyed state lives; undefined: the job's backend, or the heap outside a job. */
  readonly stateBackend?: StateBackend | undefined
}

export type { NamespaceCodec } from '../core/TimerQueue'

/** The namespace of operators whose timers have none. */
const NO_NAMESPACE: NamespaceCodec<undefined> = {
  encode: () => null,
  decode: (encoded, fail) => (encoded === null ? undefined : fail('a timer without namespace was expected'))
}

/**
 * @internal
 * A keyed operator writing `Out` records keyed by `K` to `output`. Its timers are kept by
 * timer key `TK` (the record key, or e.g. a slice of event time for operators that sweep many
 * keys with one timer) and namespace `N` (a window, or none).
 */
export abstract class AbstractKeyedOperator<K, Out, TK = K, N = undefined> extends AbstractStreamOperator<Out, K> implements Triggerable<TK, N> {
  readonly backend: KeyedStateBackend<K>
  readonly timers: InternalTimerService<TK, N>
  /** The last watermark processed; `-Infinity` before the first. */
  protected currentWatermark = -Infinity
  /**
   * Records dropped as too late, with no late side output to go to (Flink's
   * `numLateRecordsDropped`): only keyed operators (windows, joins) keep event time for records.
   */
  override numLateRecordsDropped = 0

  constructor(
    config: KeyedOperatorConfig,
    output: ChainOutput<Out, K>,
    context: ChainContext,
    namespaceId?: (namespace: N) => unknown,
    private readonly namespaceCodec: NamespaceCodec<N> = NO_NAMESPACE as NamespaceCodec<unknown> as NamespaceCodec<N>
  ) {
    super(config.info, output, context)
    const { info, scheduler } = config
    // Made once per operator, never per record: the per-record calls go to the backend object
    // itself, so the heap backend's path is the same whether or not another backend exists.
    const stateBackend = config.stateBackend ?? currentJob()?.stateBackend ?? defaultStateBackend()
    this.backend = stateBackend.createKeyedStateBackend<K>({ info, now: () => scheduler.now(), maxParallelism: config.maxParallelism })
    // A backend that keeps timers itself (on disk) makes their queues; the heap's otherwise.
    const backend = this.backend
    const createQueue = backend.createTimerQueue === undefined ? undefined : (domain: TimeDomain) => backend.createTimerQueue!<TK, N>({ domain, namespaceCodec })
    this.timers = new InternalTimerService<TK, N>(this, {
      scheduler,
      namespaceId,
      onError: error => context.fail(output, info, asStreamError(info, error, undefined, 'firing a processing-time timer')),
      createQueue
    })
  }

  abstract onEventTime(timer: InternalTimer<TK, N>): void
  abstract onProcessingTime(timer: InternalTimer<TK, N>): void

  /** The watermark rule (see the module comment). A watermark that does not advance is dropped. */
  override processWatermark(time: number): void {
    if (time <= this.currentWatermark) return
    this.currentWatermark = time
    if (time === Infinity) this.timers.fireProcessingTimeTimersNow()
    this.advanceEventTime(time)
    this.watermarkOutput.watermark(time)
  }

  /**
   * Fires what is due at event time `time` (the watermark is already set). By default the
   * timer service's event-time timers; an operator keeping its own event-time schedule (one
   * firing per window for all its keys) fires that instead.
   */
  protected advanceEventTime(time: number): void {
    this.timers.advanceWatermark(time)
  }

  /** Every input ended: event time ends (if the inputs did not say so themselves). */
  override finish(): void {
    this.processWatermark(Infinity)
  }

  /** The watermark its timers stand at; it forwards it once they have fired, so it is also the one it emitted. */
  override currentInputWatermark(): number {
    return this.currentWatermark
  }

  // ---- snapshots ----

  /**
   * Keyed state and timers, filed by key group, and the watermark with what `snapshotOwn` adds;
   * the keyed state as an increment where the backend writes one (`context`, at a job's barrier).
   */
  override snapshotParts(context?: StateSnapshotContext): SnapshotParts {
    const keyed = this.backend.snapshotDeferred(context)
    // Timers as an increment where the backend wrote its keyed part as one and keeps the timers.
    const timers = (context === undefined ? undefined : this.backend.snapshotTimerIncrement?.()) ?? this.snapshotTimers(context?.chunks)
    return { keyed, timers, own: { watermark: encodeTime(this.currentWatermark), ...this.snapshotOwn() } }
  }

  override restoreParts(parts: RestoredParts): void {
    if (parts.keyed !== undefined) this.backend.restore(parts.keyed, currentJob()?.chunks)
    this.currentWatermark = decodeTime(this.info, ownField(parts.own, 'watermark'))
    // The timer service learns the watermark only by advancing (what timers, triggers and
    // lateness checks read): it advances before any timer is restored, so none fires.
    if (this.currentWatermark > -Infinity) this.timers.advanceWatermark(this.currentWatermark)
    this.restoreOwn(parts.own)
    if (parts.timers !== undefined) this.restoreTimers(parts.timers)
    const unclaimed = this.backend.unclaimedTables()
    if (unclaimed.length > 0) {
      // E.g. sliced windows' panes restored into the general window operator after a custom
      // trigger was added: the same kind of operator, state it cannot read.
      throw new StateError(
        this.info,
        unclaimed.join(', '),
        `cannot restore: the snapshot holds ${unclaimed.map(name => `"${name}"`).join(', ')}, which this operator does not keep (was it taken from an operator built differently?)`
      )
    }
  }

  /** What the operator keeps outside the backend, as plain JSON data; by default nothing. */
  protected snapshotOwn(): Record<string, unknown> {
    return {}
  }

  /** Reads back what `snapshotOwn` wrote (after the keyed state, before the timers). */
  protected restoreOwn(_own: unknown): void {}

  /**
   * The timers pending now, written in steps: listed now and sorted after (a timer never
   * changes; the set does), or read in order from the backend's view of this moment.
   */
  private snapshotTimers(chunks: ChunkSink | undefined): DeferredJson {
    const maxParallelism = this.backend.keys.maxParallelism
    const encode = (timer: InternalTimer<TK, N>): string =>
      JSON.stringify([keyGroupOfId(keyId(timer.key), maxParallelism), encodeKey(timer.key), this.namespaceCodec.encode(timer.namespace), timer.timestamp])
    const eventTime = this.timers.snapshotTimers('EVENT_TIME')
    const processingTime = this.timers.snapshotTimers('PROCESSING_TIME')
    // Timers read from a view of the store (on disk, maybe more than the heap holds) go in chunks once they are many.
    if (chunks !== undefined && eventTime._tag === 'Ordered' && processingTime._tag === 'Ordered') {
      const encodeWithGroup = (timer: InternalTimer<TK, N>): EncodedTimer => {
        const group = keyGroupOfId(keyId(timer.key), maxParallelism)
        return { group, text: JSON.stringify([group, encodeKey(timer.key), this.namespaceCodec.encode(timer.namespace), timer.timestamp]) }
      }
      return new ChunkedTimerPart([eventTime.timers, processingTime.timers], encodeWithGroup, chunks)
    }
    const list = (pending: PendingTimers<TK, N>): DeferredJson => (pending._tag === 'Unordered' ? deferredList(pending.timers, encode, pending.compare) : deferredSequence(pending.timers, encode))
    return deferredObject({ eventTime: list(eventTime), processingTime: list(processingTime) })
  }

  private restoreTimers(snapshot: ChunkedTimersSnapshot): void {
    restoreTimerChunks(
      this.info,
      snapshot,
      currentJob()?.chunks,
      part => this.restoreTimerEntries(part, false),
      part => this.restoreTimerEntries(part, true)
    )
  }

  /** Registers the timers of `snapshot`, or deletes them (`remove`: an increment's removals). */
  private restoreTimerEntries(snapshot: TimersSnapshot, remove: boolean): void {
    const restore = (entries: TimersSnapshot['eventTime'], register: (key: TK, namespace: N, time: number) => void): void => {
      for (const [, encodedKey, encodedNamespace, time] of entries) {
        const fail = (detail: string): never => {
          throw new StateError(this.info, 'timers', `cannot restore: the timer of key ${JSON.stringify(encodedKey)} in namespace ${describeValue(encodedNamespace)} is invalid: ${detail}`)
        }
        const key = decodeKey(encodedKey) ?? fail('not a key')
        register(key as TK, this.namespaceCodec.decode(encodedNamespace, fail), time)
      }
    }
    const timers = this.timers
    restore(snapshot.eventTime, (key, namespace, time) => (remove ? timers.deleteEventTimeTimer(key, namespace, time) : timers.registerEventTimeTimer(key, namespace, time)))
    restore(snapshot.processingTime, (key, namespace, time) => (remove ? timers.deleteProcessingTimeTimer(key, namespace, time) : timers.registerProcessingTimeTimer(key, namespace, time)))
  }

  /** The backend's work before a barrier (the LMDB one writes its cache); none on the heap. */
  override prepareSnapshot(deadline: number): boolean {
    return this.backend.prepareSnapshot?.(deadline) ?? true
  }

  /** The backend may forget the changes the completed checkpoint covers (incremental checkpoints). */
  override notifyCheckpointComplete(checkpointId: number): void {
    this.backend.notifyCheckpointComplete?.(checkpointId)
  }

  /** Cancels every timer and releases the state, however the subscription ended. */
  override close(): void {
    this.timers.dispose()
    this.backend.dispose()
  }
}
