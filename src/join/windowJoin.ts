/**
 * @internal
 * The runtime of window joins and coGroups, as Flink builds them (`CoGroupedStreams`): both
 * inputs become one stream of {@link TaggedUnion} elements keyed by the join key, windowed by
 * one `WindowOperator` whose window function splits each firing's contents back into the two
 * inputs' elements and hands them to a coGroup function. A join is a coGroup that calls the
 * join function for every pair of the cross product. Nothing of the window machinery
 * (assigners, triggers, evictors, lateness, merging, cleanup) is reimplemented here.
 */
import { asyncScheduler, type Observable, type OperatorFunction } from 'rxjs'
import type { Collector } from '../core/Collector'
import { operatorInfo, operatorLabel, type SchedulerOptions } from '../core/OperatorOptions'
import { NO_TIMESTAMP, type StreamElement } from '../core/StreamElement'
import { assertDuration } from '../core/WatermarkGenerator'
import { describeValue } from '../core/describe'
import { checkObservable } from '../runtime/host'
import { multiInputOperator } from '../runtime/multiInputOperator'
import type { ChainContext } from '../runtime/Output'
import type { ChainOutput } from '../runtime/Output'
import type { MultiInput } from '../runtime/StreamOperator'
import type { Evictor } from '../windowing/Evictor'
import type { Trigger } from '../windowing/Trigger'
import type { WindowAssigner } from '../windowing/WindowAssigner'
import { evictingContents, type WindowContents } from '../windowing/WindowContents'
import type { ProcessWindowContext } from '../windowing/WindowFunction'
import { WindowOperator, type WindowOperatorConfig } from '../windowing/WindowOperator'
import type { CoGroupFunction, JoinFunction, TaggedUnion } from './JoinFunction'
import { joinKeySelector, joinNoTimestamp } from './joinChecks'
import { paneContents } from './JoinPane'
import { GridJoinOperator, joinGrid } from './GridJoinOperator'

/** @internal Everything a window join or coGroup is built from. */
export interface WindowJoinSpec<A, B, K> {
  /** `joinWith` or `coGroupWith`: names the operator in errors. */
  readonly kind: string
  readonly right: Observable<StreamElement<B, unknown>>
  readonly options: SchedulerOptions | undefined
  readonly leftKey: (value: A) => K
  readonly rightKey: (value: B) => K
  readonly assigner: WindowAssigner<TaggedUnion<A, B>>
  readonly trigger: Trigger<TaggedUnion<A, B>> | undefined
  readonly evictor: Evictor<TaggedUnion<A, B>> | undefined
  readonly allowedLateness: number
}

/**
 * @internal
 * The immutable builder behind `joinWith(…).where(…).equalTo(…).window(…)` and its coGroup
 * twin: each configuration method returns a new builder, `coGroup` the operator.
 */
export class WindowJoinBuilder<A, B, K> {
  constructor(readonly spec: WindowJoinSpec<A, B, K>) {}

  trigger(trigger: Trigger<TaggedUnion<A, B>>): WindowJoinBuilder<A, B, K> {
    const { assigner } = this.spec
    if (assigner.mergeWindows !== undefined && !trigger.canMerge) {
      throw new TypeError(`${this.label()}: ${trigger.name} cannot merge windows, which ${assigner.name} needs`)
    }
    return new WindowJoinBuilder({ ...this.spec, trigger })
  }

  evictor(evictor: Evictor<TaggedUnion<A, B>>): WindowJoinBuilder<A, B, K> {
    return new WindowJoinBuilder({ ...this.spec, evictor })
  }

  allowedLateness(ms: number): WindowJoinBuilder<A, B, K> {
    assertDuration(`${this.label()}: allowedLateness`, ms)
    return new WindowJoinBuilder({ ...this.spec, allowedLateness: ms })
  }

  /**
   * The operator: `fn` runs once per key and window that has elements of either input. An inner
   * join also gives its `join` function, which `fn` calls for every pair: the grid join calls it
   * directly.
   */
  coGroup<R>(fn: CoGroupFunction<A, B, R>, join?: JoinFunction<A, B, R>): OperatorFunction<StreamElement<A, unknown>, StreamElement<R, K>> {
    return windowJoinOperator(this.spec, fn, join)
  }

  private label(): string {
    return operatorLabel(operatorInfo(this.spec.kind, this.spec.options))
  }
}

/**
 * @internal
 * What `joinWith` and `coGroupWith` differ in: the user function `apply` takes (described in
 * errors by `expected`) and how it becomes the coGroup function the window operator runs.
 */
export interface WindowJoinFlavour<F> {
  readonly kind: string
  readonly expected: string
  toCoGroup(fn: F): CoGroupFunction<unknown, unknown, unknown>
  /** An inner join's function for every pair (`toCoGroup`'s nested loop calls it). */
  toJoin?(fn: F): JoinFunction<unknown, unknown, unknown>
}

/**
 * @internal
 * The `where → equalTo → window` steps and the immutable windowed builder that `joinWith` and
 * `coGroupWith` share, with every argument checked as it is given (JavaScript callers may pass
 * anything). Typed by the public interfaces of each operator, which the caller casts it to.
 */
export function windowJoinSteps<F>(right$: unknown, options: SchedulerOptions | undefined, flavour: WindowJoinFlavour<F>): unknown {
  const { kind } = flavour
  checkObservable(right$, `${operatorLabel(operatorInfo(kind, options))}: the right input`)
  const right = right$ as Observable<StreamElement<unknown, unknown>>
  const windowed = (builder: WindowJoinBuilder<unknown, unknown, unknown>): unknown => ({
    trigger: (trigger: Trigger<TaggedUnion<unknown, unknown>>) => windowed(builder.trigger(trigger)),
    evictor: (evictor: Evictor<TaggedUnion<unknown, unknown>>) => windowed(builder.evictor(evictor)),
    allowedLateness: (ms: number) => windowed(builder.allowedLateness(ms)),
    apply: (fn: F) => {
      checkFunction(kind, options, 'apply', fn, flavour.expected)
      return builder.coGroup(flavour.toCoGroup(fn), flavour.toJoin?.(fn))
    }
  })
  return {
    where: (leftKey: (left: unknown) => unknown) => {
      checkFunction(kind, options, 'where', leftKey, 'a key selector function')
      return {
        equalTo: (rightKey: (right: unknown) => unknown) => {
          checkFunction(kind, options, 'equalTo', rightKey, 'a key selector function')
          return {
            window: (assigner: WindowAssigner<TaggedUnion<unknown, unknown>>) => {
              checkAssigner(kind, options, assigner)
              return windowed(new WindowJoinBuilder({ kind, right, options, leftKey, rightKey, assigner, trigger: undefined, evictor: undefined, allowedLateness: 0 }))
            }
          }
        }
      }
    }
  }
}

/** Checks a `window(assigner)` argument (JavaScript callers may pass anything). */
function checkAssigner(kind: string, options: SchedulerOptions | undefined, assigner: unknown): void {
  const a = assigner as Partial<WindowAssigner<unknown>> | null | undefined
  if (typeof a !== 'object' || a === null || typeof a.assignWindows !== 'function' || typeof a.defaultTrigger !== 'function') {
    throw new TypeError(`${operatorLabel(operatorInfo(kind, options))}: window() needs a window assigner (e.g. tumblingEventTimeWindows(ms)), got ${describeValue(assigner)}`)
  }
}

/** Checks a function argument (`where`, `equalTo`, `apply`, …): `expected` says what it should be. */
function checkFunction(kind: string, options: SchedulerOptions | undefined, method: string, fn: unknown, expected: string): void {
  if (typeof fn !== 'function') {
    throw new TypeError(`${operatorLabel(operatorInfo(kind, options))}: ${method}() needs ${expected}, got ${describeValue(fn)}`)
  }
}

function windowJoinOperator<A, B, K, R>(
  spec: WindowJoinSpec<A, B, K>,
  coGroup: CoGroupFunction<A, B, R>,
  join: JoinFunction<A, B, R> | undefined
): OperatorFunction<StreamElement<A, unknown>, StreamElement<R, K>> {
  const info = operatorInfo(spec.kind, spec.options)
  const { assigner, evictor } = spec
  const trigger = spec.trigger ?? assigner.defaultTrigger()
  const scheduler = spec.options?.scheduler ?? asyncScheduler
  const key = joinKeySelector(info, spec.leftKey, spec.rightKey)
  const grid = joinGrid(assigner as WindowAssigner<never>, spec.trigger as Trigger<never> | undefined, evictor !== undefined)
  if (grid !== undefined) {
    const config = { info, scheduler, assigner: assigner as WindowAssigner<never>, grid, allowedLateness: spec.allowedLateness, coGroup, join, key }
    return multiInputOperator<A, R, K>(info, [spec.right], (output, context) => new GridJoinOperator<A, B, R, K>(config, output, context))
  }
  // Without an evictor, each side's elements in a list of its own; with one, the tagged
  // elements themselves (the evictor sees them), split back into the two inputs' elements at
  // each firing (Flink's CoGroupWindowFunction). An evictor may have left nothing of either.
  const evaluate = (_key: K, _ctx: ProcessWindowContext, elements: readonly TaggedUnion<A, B>[], out: Collector<R>): void => {
    const lefts: A[] = []
    const rights: B[] = []
    for (const e of elements) {
      if (e._tag === 'One') lefts.push(e.value)
      else rights.push(e.value)
    }
    if (lefts.length > 0 || rights.length > 0) coGroup(lefts, rights, out)
  }
  return multiInputOperator<A, R, K>(info, [spec.right], (output, context) => {
    const contents: WindowContents<TaggedUnion<A, B>, unknown, R, K> =
      evictor === undefined
        ? (paneContents<A, B, R, K>(coGroup) as WindowContents<TaggedUnion<A, B>, unknown, R, K>)
        : (evictingContents<TaggedUnion<A, B>, R, K>(evictor, evaluate, () => undefined) as WindowContents<TaggedUnion<A, B>, unknown, R, K>)
    return new WindowJoinOperator<A, B, R, K>(
      { info, keyed: true, assigner, trigger, allowedLateness: spec.allowedLateness, lateDataTag: undefined, contents, scheduler },
      key,
      output,
      context
    )
  })
}

/**
 * Both inputs into one window operator: each record tagged with its input and keyed by its
 * side's key selector. Windows fire at the combined watermark (their results precede it).
 * Triggers, evictors and assigners other than the grid join's see (and may keep) the tagged
 * elements.
 */
class WindowJoinOperator<A, B, R, K> extends WindowOperator<TaggedUnion<A, B>, unknown, R, K> implements MultiInput {
  private readonly eventTime: boolean
  private readonly assignerName: string

  constructor(
    config: WindowOperatorConfig<TaggedUnion<A, B>, unknown, R, K>,
    private readonly keyOf: (input: number, value: unknown) => K,
    output: ChainOutput<R, K>,
    context: ChainContext
  ) {
    super(config, output, context)
    this.eventTime = config.assigner.timeDomain === 'EVENT_TIME'
    this.assignerName = config.assigner.name
  }

  processRecord(input: number, value: unknown, timestamp: number, recordKey: unknown): void {
    if (this.eventTime && timestamp === NO_TIMESTAMP) throw joinNoTimestamp(this.info, input, value, timestamp, recordKey, this.assignerName)
    const key = this.keyOf(input, value)
    const tagged: TaggedUnion<A, B> = input === 0 ? { _tag: 'One', value: value as A } : { _tag: 'Two', value: value as B }
    this.addRecord(tagged, timestamp, key, recordKey)
  }
}
