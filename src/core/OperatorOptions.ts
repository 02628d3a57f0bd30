/**
 * Options that every operator factory takes as its optional last argument.
 *
 * @since 0.1.0
 */
import type { SchedulerLike } from 'rxjs'

/**
 * `name` labels the operator in errors, metrics and the stream graph; `uid` identifies its
 * state across checkpoints and savepoints (required for stateful operators once checkpointing
 * is on).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const opts: ds.OperatorOptions = { name: 'parse clicks', uid: 'parse-clicks-v1' }
 *
 * @category model
 * @since 0.1.0
 */
export interface OperatorOptions {
  readonly name?: string
  readonly uid?: string
  /**
   * Operators of several inputs (`unionWith`, `connectWith`, joins): how they handle checkpoint
   * barriers in a pipeline run outside `execute` (inside a job, the job's mode applies):
   * `exactly-once` (default) holds an input that delivered barrier n until every input has;
   * `at-least-once` holds nothing and forwards n when the last input delivers it.
   */
  readonly checkpointingMode?: 'exactly-once' | 'at-least-once'
}

/**
 * Options of operators that read processing time: the RxJS scheduler that is the clock and
 * runs processing-time timers (default `asyncScheduler`; a `TestScheduler` in marble tests).
 *
 * @example
 * import { asyncScheduler } from 'rxjs'
 * import * as ds from 'rx-datastream'
 *
 * const opts: ds.SchedulerOptions = { name: 'assign', scheduler: asyncScheduler }
 *
 * @category model
 * @since 0.1.0
 */
export interface SchedulerOptions extends OperatorOptions {
  readonly scheduler?: SchedulerLike
}

/**
 * Identifies an operator instance in errors: its kind (the factory's name) and options.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const where = (e: unknown) => (e instanceof ds.DataStreamError ? `${e.operator.kind} ${e.operator.uid ?? ''}` : '?')
 *
 * @category model
 * @since 0.1.0
 */
export interface OperatorInfo {
  /** The factory that built it, e.g. `mapValues`. */
  readonly kind: string
  /** The user's name, or the kind. */
  readonly name: string
  readonly uid: string | undefined
  /** The barrier handling asked for with `checkpointingMode`, if any. */
  readonly checkpointingMode?: 'exactly-once' | 'at-least-once'
}

/** @internal */
export function operatorInfo(kind: string, options?: OperatorOptions): OperatorInfo {
  const mode = options?.checkpointingMode
  if (mode !== undefined && mode !== 'exactly-once' && mode !== 'at-least-once') throw new RangeError(`${kind}: checkpointingMode must be 'exactly-once' or 'at-least-once', not ${JSON.stringify(mode)}`)
  return mode === undefined ? { kind, name: options?.name ?? kind, uid: options?.uid } : { kind, name: options?.name ?? kind, uid: options?.uid, checkpointingMode: mode }
}

/** @internal How errors name an operator: `mapValues`, `mapValues "parse"`, `… (uid parse-v1)`. */
export function operatorLabel(info: OperatorInfo): string {
  const named = info.name === info.kind ? info.kind : `${info.kind} "${info.name}"`
  return info.uid === undefined ? named : `${named} (uid ${info.uid})`
}
