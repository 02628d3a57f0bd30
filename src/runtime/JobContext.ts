/**
 * @internal
 * The job an operator belongs to: every operator registers with it when its subscription
 * starts (Flink's `StreamGraph` nodes, in small): its uid, name, kind and the operator itself,
 * so that the state of a whole job can be snapshotted and put back.
 *
 * Subscribing is synchronous, so the job is known while a pipeline is subscribed inside
 * `runInJob`; operators subscribed outside any job belong to none.
 */
import type { OperatorInfo } from '../core/OperatorOptions'
import type { CheckpointBarrier } from '../core/StreamElement'
import type { GateOptions } from './CheckpointedInputGate'
import { CountingOutput } from './CountingOutput'
import { restoreOperator } from './operatorSnapshot'
import type { ChainOutput } from './Output'
import { AbstractStreamOperator, type BarrierListener } from './StreamOperator'
import type { StateBackend } from '../state/StateBackend'
import type { ChunkReader } from '../state/chunks'

/** @internal One operator of a job. */
export interface OperatorHandle {
  /** The operator's uid, or one derived from its kind and place among the operators of that kind. */
  readonly uid: string
  readonly info: OperatorInfo
  readonly operator: AbstractStreamOperator<unknown, unknown>
  /**
   * The operators of this job whose output it reads, one entry per input (0 is the piped one;
   * a job's source has none); an input fed by something else than an operator of the job (a
   * plain RxJS operator, an Observable made outside the job) has `undefined`.
   */
  readonly inputs: ReadonlyArray<AbstractStreamOperator<unknown, unknown> | undefined>
  /** Where its output goes, when that is an operator of this job (the stream graph's edges and chains). */
  readonly output: Downstream | undefined
}

/** @internal Where an operator's output goes: input `input` of `operator`. */
export interface Downstream {
  readonly operator: AbstractStreamOperator<unknown, unknown>
  readonly input: number
  /**
   * The output is the operator itself (a fused chain: one direct call per record), not an
   * input of a multi-input operator, which reads it through its input gate.
   */
  readonly chained: boolean
}

/**
 * @internal
 * An input of a multi-input operator (./multiInputOperator.ts), as an output: it says which
 * operator and input it is. Read as a property, so that the job's graph knows it without the
 * chains of one-input operators bringing the multi-input adapter along.
 */
export interface OperatorInput {
  readonly downstream: Downstream
}

/** Which operator (and input of it) an output is, for the job's graph; none for a subscriber. */
function downstreamOf(output: ChainOutput<unknown, unknown>): Downstream | undefined {
  if (output instanceof CountingOutput) return downstreamOf(output.next as ChainOutput<unknown, unknown>)
  if (output instanceof AbstractStreamOperator) return { operator: output as AbstractStreamOperator<unknown, unknown>, input: 0, chained: true }
  return (output as Partial<OperatorInput>).downstream
}

/**
 * @internal
 * What the job's checkpoints need to hear from its operators (the checkpoint coordinator).
 */
export interface JobCheckpoints {
  acknowledge(uid: string, operator: AbstractStreamOperator<unknown, unknown>, barrier: CheckpointBarrier): void
  /** Unaligned: the operator's snapshot for `checkpointId` waits for its channel state. */
  awaitChannelState(uid: string, checkpointId: number): void
  channelState(uid: string, checkpointId: number, inFlight: readonly unknown[]): void
  decline(uid: string, checkpointId: number, reason: string): void
  /** `uid`'s inputs all ended: it will see no barrier of a pending checkpoint. */
  inputEnded(uid: string, operator: AbstractStreamOperator<unknown, unknown>): void
}

/** @internal */
export class JobContext implements BarrierListener {
  private readonly handles: OperatorHandle[] = []
  private readonly uids = new Map<AbstractStreamOperator<unknown, unknown>, string>()
  private readonly kinds = new Map<string, number>()
  /** The job's checkpoints, once the job runs with them. */
  checkpoints: JobCheckpoints | undefined = undefined
  /** Operators that cannot take more input now (backpressure). */
  private readonly busy = new Set<AbstractStreamOperator<unknown, unknown>>()
  /** Called when the last busy operator can take input again. */
  relieved: (() => void) | undefined = undefined
  /** Called when an operator's alignment holds input back (`held`), or lets it go. */
  onAligning: ((operator: AbstractStreamOperator<unknown, unknown>, held: boolean) => void) | undefined = undefined
  /** Where the job's keyed operators keep their state, unless an operator chooses its own; heap when undefined. */
  stateBackend: StateBackend | undefined = undefined
  /** The chunks of the checkpoint restored (and of those its chain needs), when its state is in chunks. */
  chunks: ChunkReader | undefined = undefined
  /** Uids whose snapshot was taken by an operator (the rest were not restored). */
  private readonly claimed = new Set<string>()

  /**
   * @param restored the snapshots to put back: by uid, or one per operator in registration
   *   order (the same pipeline registers its operators in the same order); none for a fresh start
   * @param gate how multi-input operators handle barriers (the job's checkpointing mode)
   * @param restoredChannelState unaligned checkpoints: per uid, what was in flight into it
   */
  constructor(
    private readonly restored?: readonly unknown[] | ReadonlyMap<string, unknown>,
    readonly gate?: GateOptions,
    private readonly restoredChannelState?: ReadonlyMap<string, readonly unknown[]>
  ) {}

  /** The uids of restored snapshots that no operator of the job took. */
  get unclaimed(): readonly string[] {
    const restored = this.restored
    if (restored === undefined || Array.isArray(restored)) return []
    // An operator without state (a keyBy, a map) may go: as in Flink, only state is matched.
    return [...(restored as ReadonlyMap<string, unknown>)].filter(([uid, snapshot]) => !this.claimed.has(uid) && holdsState(snapshot)).map(([uid]) => uid)
  }

  /** The uid `operator` registered with. */
  uidOf(operator: AbstractStreamOperator<unknown, unknown>): string | undefined {
    return this.uids.get(operator)
  }

  /** What was in flight into the operator `uid` when the restored (unaligned) checkpoint was taken. */
  channelStateOf(operator: AbstractStreamOperator<unknown, unknown>): readonly unknown[] | undefined {
    const uid = this.uids.get(operator)
    return uid === undefined ? undefined : this.restoredChannelState?.get(uid)
  }

  // ---- the barrier listener of every operator of the job ----

  get checkpointing(): boolean {
    return this.checkpoints !== undefined
  }

  barrierReached(operator: AbstractStreamOperator<unknown, unknown>, barrier: CheckpointBarrier): void {
    const uid = this.uids.get(operator)
    if (uid !== undefined) this.checkpoints?.acknowledge(uid, operator, barrier)
  }

  awaitChannelState(operator: AbstractStreamOperator<unknown, unknown>, checkpointId: number): void {
    const uid = this.uids.get(operator)
    if (uid !== undefined) this.checkpoints?.awaitChannelState(uid, checkpointId)
  }

  channelState(operator: AbstractStreamOperator<unknown, unknown>, checkpointId: number, inFlight: readonly unknown[]): void {
    const uid = this.uids.get(operator)
    if (uid !== undefined) this.checkpoints?.channelState(uid, checkpointId, inFlight)
  }

  inputEnded(operator: AbstractStreamOperator<unknown, unknown>): void {
    const uid = this.uids.get(operator)
    if (uid !== undefined) this.checkpoints?.inputEnded(uid, operator)
  }

  backpressure(operator: AbstractStreamOperator<unknown, unknown>, busy: boolean): void {
    if (busy) this.busy.add(operator)
    else if (this.busy.delete(operator) && this.busy.size === 0) this.relieved?.()
  }

  aligning(operator: AbstractStreamOperator<unknown, unknown>, held: boolean): void {
    this.onAligning?.(operator, held)
  }

  /** Whether an operator cannot take more input now: the job's sources wait for `onRelieved`. */
  get backpressured(): boolean {
    return this.busy.size > 0
  }

  declined(operator: AbstractStreamOperator<unknown, unknown>, checkpointId: number, reason: string): void {
    const uid = this.uids.get(operator)
    if (uid !== undefined) this.checkpoints?.decline(uid, checkpointId, reason)
  }

  /** The operators in the order their subscriptions started (downstream ones first in a chain). */
  get operators(): readonly OperatorHandle[] {
    return this.handles
  }

  /**
   * Adds `operator`, of `inputs` inputs, whose output is `downstream` when that is an operator
   * of this job (a subscription creates the last operator first, so it is registered by then);
   * returns the snapshot it is to be restored from, if the job restores one. An operator whose
   * output goes to several (a split) has no `downstream`: `readers` are the operators it feeds.
   */
  register(operator: AbstractStreamOperator<unknown, unknown>, downstream?: Downstream, inputs = 1, readers: readonly Downstream[] = []): unknown {
    const { kind } = operator.info
    const place = (this.kinds.get(kind) ?? 0) + 1
    this.kinds.set(kind, place)
    const uid = operator.info.uid ?? `${kind}#${place}`
    if ([...this.uids.values()].includes(uid)) throw new Error(`two operators of the job have the uid '${uid}': a uid names one operator, so that its state finds it on restore`)
    this.uids.set(operator, uid)
    this.handles.push({ uid, info: operator.info, operator, inputs: new Array<undefined>(inputs).fill(undefined), output: downstream })
    operator.barrierListener = this
    for (const to of downstream === undefined ? readers : [downstream, ...readers]) {
      const reader = this.handles.find(h => h.operator === to.operator)
      if (reader !== undefined) (reader.inputs as Array<AbstractStreamOperator<unknown, unknown> | undefined>)[to.input] = operator
    }
    const restored = this.restored
    if (restored === undefined) return undefined
    if (Array.isArray(restored)) return (restored as readonly unknown[])[this.handles.length - 1]
    const snapshot = (restored as ReadonlyMap<string, unknown>).get(uid)
    if (snapshot !== undefined) this.claimed.add(uid)
    return snapshot
  }

  /**
   * A subscription of the job made `operator`, of `inputs` inputs, writing to `output` (and,
   * for a split, to `readers` too): it is registered, and its snapshot put back when the job
   * restores one for it.
   */
  start(operator: AbstractStreamOperator<unknown, unknown>, output: ChainOutput<unknown, unknown>, inputs: number, readers: readonly ChainOutput<unknown, unknown>[] = []): void {
    const others: Downstream[] = []
    for (const reader of readers) {
      const downstream = downstreamOf(reader)
      if (downstream !== undefined) others.push(downstream)
    }
    const snapshot = this.register(operator, downstreamOf(output), inputs, others)
    if (snapshot !== undefined) restoreOperator(operator, snapshot)
  }

  /** What a chain of the job writes into `input`, counted (its `numRecordsIn`, and `into`'s). */
  counted<T, K>(input: ChainOutput<T, K>, into?: { numRecordsIn?: number }): ChainOutput<T, K> {
    return new CountingOutput(input, into)
  }

  /** The operator with `uid` (or, without one, the only operator of `kind`). */
  operator(uidOrKind: string): AbstractStreamOperator<unknown, unknown> {
    const byUid = this.handles.filter(h => h.info.uid === uidOrKind)
    const found = byUid.length > 0 ? byUid : this.handles.filter(h => h.info.kind === uidOrKind)
    if (found.length !== 1) throw new Error(`the job has ${found.length} operators with uid or kind ${uidOrKind}`)
    return found[0]!.operator
  }
}

let current: JobContext | undefined

/** @internal Runs `subscribe` (a pipeline's subscription) with its operators registering with `job`. */
export function runInJob<T>(job: JobContext, subscribe: () => T): T {
  const previous = current
  current = job
  try {
    return subscribe()
  } finally {
    current = previous
  }
}

/** @internal The job of the subscription being made, if any. */
export function currentJob(): JobContext | undefined {
  return current
}

/** Whether an operator's snapshot holds anything to restore (a stateless operator's has only its kind). */
function holdsState(snapshot: unknown): boolean {
  if (typeof snapshot !== 'object' || snapshot === null) return true
  const { keyed, timers, operatorState, own } = snapshot as Record<string, unknown>
  return keyed !== undefined || timers !== undefined || operatorState !== undefined || own !== undefined
}
