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
import type { AbstractStreamOperator } from './StreamOperator'

/** @internal One operator of a job. */
export interface OperatorHandle {
  readonly info: OperatorInfo
  readonly operator: AbstractStreamOperator<unknown, unknown>
  /**
   * The operators of this job whose output it reads, by input (0 is the piped one); an input
   * fed by something else than an operator (a source, a plain RxJS operator) has none.
   */
  readonly inputs: ReadonlyArray<AbstractStreamOperator<unknown, unknown> | undefined>
}

/** @internal Where an operator's output goes: input `input` of `operator`. */
export interface Downstream {
  readonly operator: AbstractStreamOperator<unknown, unknown>
  readonly input: number
}

/** @internal */
export class JobContext {
  private readonly handles: OperatorHandle[] = []

  /**
   * @param restored the snapshots to put back, one per operator in registration order (the
   *   same pipeline registers its operators in the same order), or none for a fresh start
   */
  constructor(private readonly restored?: readonly unknown[]) {}

  /** The operators in the order their subscriptions started (downstream ones first in a chain). */
  get operators(): readonly OperatorHandle[] {
    return this.handles
  }

  /**
   * Adds `operator`, whose output is `downstream` when that is an operator of this job (a
   * subscription creates the last operator first, so it is registered by then); returns the
   * snapshot it is to be restored from, if the job restores one.
   */
  register(operator: AbstractStreamOperator<unknown, unknown>, downstream?: Downstream): unknown {
    this.handles.push({ info: operator.info, operator, inputs: [] })
    const reader = downstream === undefined ? undefined : this.handles.find(h => h.operator === downstream.operator)
    if (reader !== undefined) (reader.inputs as Array<AbstractStreamOperator<unknown, unknown> | undefined>)[downstream!.input] = operator
    return this.restored?.[this.handles.length - 1]
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
