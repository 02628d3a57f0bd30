/**
 * @internal
 * What non-keyed function operators stand on (process, co-process, broadcast process): the
 * context handed to the function, output stamped with the current record's timestamp (and
 * key, which non-keyed operators pass through), and operator state with the
 * `CheckpointedFunction` calls: `initializeState` before `open`, `snapshotState` when a
 * checkpoint barrier arrives, before it is forwarded.
 */
import type { SchedulerLike, Subscriber } from 'rxjs'
import type { Collector } from '../Collector'
import type { OperatorInfo } from '../OperatorOptions'
import { asStreamError } from '../internal/operate'
import { emitSideOutput } from '../internal/sideOutput'
import { type CheckpointBarrier, NO_TIMESTAMP, type StreamElement, streamRecord } from '../StreamElement'
import { isDevelopmentMode } from '../state/HeapKeyedStateBackend'
import { type CheckpointedFunction, HeapOperatorStateStore } from '../state/OperatorState'
import type { ProcessContext } from './ProcessFunction'

/** @internal */
export class ProcessRuntime<Out, K> {
  readonly context: ProcessContext
  readonly out: Collector<Out>
  readonly operatorState: HeapOperatorStateStore
  timestamp = NO_TIMESTAMP
  key: K = undefined as K
  watermark = -Infinity

  constructor(
    private readonly info: OperatorInfo,
    scheduler: SchedulerLike,
    destination: Subscriber<StreamElement<Out, K>>
  ) {
    this.operatorState = new HeapOperatorStateStore(info, isDevelopmentMode())
    this.context = {
      timestamp: () => (this.timestamp === NO_TIMESTAMP ? null : this.timestamp),
      currentWatermark: () => this.watermark,
      currentProcessingTime: () => scheduler.now(),
      output: (tag, value) => emitSideOutput({ element: e => destination.next(e) }, tag, value, this.timestamp)
    }
    this.out = { collect: v => destination.next(streamRecord(v, this.timestamp, this.key)) }
  }

  /** `initializeState`, if the function has operator state. */
  initialize(fn: Partial<CheckpointedFunction>): void {
    if (fn.initializeState === undefined) return
    try {
      fn.initializeState(this.operatorState.initializationContext())
    } catch (error) {
      throw asStreamError(this.info, error, undefined, 'initializing operator state')
    }
  }

  /** `snapshotState` at a checkpoint barrier, before the barrier is forwarded. */
  snapshot(fn: Partial<CheckpointedFunction>, barrier: CheckpointBarrier): void {
    if (fn.snapshotState === undefined) return
    try {
      fn.snapshotState({ checkpointId: barrier.checkpointId, checkpointTimestamp: barrier.timestamp })
    } catch (error) {
      throw asStreamError(this.info, error, undefined, `snapshotting operator state for checkpoint ${barrier.checkpointId}`)
    }
  }
}
