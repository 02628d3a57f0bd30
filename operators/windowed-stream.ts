import { asyncScheduler, type Observable, type SchedulerLike } from 'rxjs'
import type { NeedsKeys } from '../src/core/Key'
import { type OperatorInfo, operatorInfo, type SchedulerOptions } from '../src/core/OperatorOptions'
import { checkStateBackend, type StateBackend } from '../src/state/StateBackend'
import type { OutputTag } from '../src/core/OutputTag'
import type { StreamElement } from '../src/core/StreamElement'
import { assertDuration } from '../src/core/WatermarkGenerator'
import { describeValue } from '../src/core/describe'
import type { Evictor } from '../src/windowing/Evictor'
import type { Trigger } from '../src/windowing/Trigger'
import type { WindowAssigner } from '../src/windowing/WindowAssigner'
import {
  bufferedContents,
  emitResult,
  evictingContents,
  incrementalContents,
  paneResults,
  reduceContents,
  runProcessWindowFunction,
  type WindowContents
} from '../src/windowing/WindowContents'
import type { WindowResultOf } from '../src/windowing/PaneInfo'
import { eventTimeTriggerWithEarlyFirings } from '../src/windowing/triggers'
import type { AggregateFunction, ProcessWindowFunction, WindowFunction } from '../src/windowing/WindowFunction'
import { WindowOperator } from '../src/windowing/WindowOperator'
import { aggregatePanes, canSlice, type PaneFunction, reducePanes, SlicedWindowOperator } from '../src/windowing/SlicedWindowOperator'
import { SlicedWindowAllOperator } from '../src/windowing/SlicedWindowAllOperator'
import { oneInputOperator } from '../src/runtime/host'
import type { ChainContext } from '../src/runtime/Output'
import type { ChainOutput } from '../src/runtime/Output'
import type { AbstractStreamOperator, OneInput } from '../src/runtime/StreamOperator'


/**
 * Options of the window builders (`windowBy`, `windowAll`, `countWindow`, `countWindowAll`):
 * `name`, `uid`, `scheduler` (processing time, for processing-time windows and triggers) and
 * `stateBackend` (where the window's state lives; default the job's, or the heap). The LMDB
 * backend does not keep window contents yet: in a job on it, give windows the heap backend.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const options: ds.WindowOptions = { uid: 'views-per-page', stateBackend: ds.heapStateBackend() }
 * const perPage = ds.windowBy(ds.tumblingEventTimeWindows(10_000), options)
 *
 * @category windowing
 * @since 0.1.0
 */
export interface WindowOptions extends SchedulerOptions {
  /** Where this window's state lives, overriding the job's `stateBackend`. */
  readonly stateBackend?: StateBackend
}

/**
 * A windowed computation as a pipeable operator: the result of a terminal method of
 * {@link WindowedStream}. Each result is stamped with its window's `maxTimestamp`; keyed
 * windows (`windowBy`, `countWindow`) keep the key, `windowAll` results have none. Keyed
 * windows reject a stream without keys at the type level ({@link NeedsKeys}): apply `keyBy`
 * first, or use `windowAll`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const sums: ds.WindowOperatorFunction<number, string, number, true> =
 *   ds.windowBy(ds.tumblingEventTimeWindows(1_000)).reduce<number, string>((a, b) => a + b)
 *
 * @category windowing
 * @since 0.1.0
 */
export type WindowOperatorFunction<T, K, R, Keyed extends boolean> = Keyed extends true
  ? (source: Observable<StreamElement<T, K>> & NeedsKeys<K>) => Observable<StreamElement<R, K>>
  : (source: Observable<StreamElement<T, unknown>>) => Observable<StreamElement<R>>

interface WindowSpec {
  readonly kind: string
  readonly keyed: boolean
  readonly assigner: WindowAssigner<unknown>
  readonly trigger: Trigger<unknown> | undefined
  readonly evictor: Evictor<unknown> | undefined
  readonly allowedLateness: number
  readonly lateDataTag: OutputTag<unknown> | undefined
  readonly options: WindowOptions | undefined
  /** `earlyFirings(interval)`: the default event-time trigger with early firings every `interval`. */
  readonly earlyFirings: number | undefined
  /** `withPaneInfo()`: results as `{ value, window, pane }`. */
  readonly paneInfo: boolean
}

/**
 * The window builder (Flink's `WindowedStream` / `AllWindowedStream`), from `windowBy`,
 * `windowAll`, `countWindow` or `countWindowAll`. It is immutable: `trigger`, `earlyFirings`,
 * `evictor`, `allowedLateness`, `sideOutputLateData` and `withPaneInfo` return a new builder;
 * a terminal method (`reduce`, `aggregate`, `fold`, `process`, `apply`) returns the pipeable
 * operator. `Panes` is true after `withPaneInfo()`: the results are then
 * {@link WindowResult}s.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const late = new ds.OutputTag<number>('late')
 * const perSecond = ds.windowBy(ds.tumblingEventTimeWindows(1_000))
 *   .allowedLateness(500)
 *   .sideOutputLateData(late)
 *   .reduce<number, string>((a, b) => a + b)
 *
 * @category windowing
 * @since 0.1.0
 */
export class WindowedStream<Keyed extends boolean, Panes extends boolean = false> {
  // Private, with an internal factory: the published declarations then say that users cannot
  // construct a builder (an internal constructor would be stripped, leaving a public one).
  private constructor(private readonly spec: WindowSpec) {}

  /** @internal */
  static fromSpec<Keyed extends boolean, Panes extends boolean = false>(spec: WindowSpec): WindowedStream<Keyed, Panes> {
    return new WindowedStream<Keyed, Panes>(spec)
  }

  /** Replaces the assigner's default trigger. */
  trigger<T>(trigger: Trigger<T>): WindowedStream<Keyed, Panes> {
    if (this.spec.assigner.mergeWindows !== undefined && !trigger.canMerge) {
      throw new TypeError(`${this.spec.kind}: ${trigger.name} cannot merge windows, which ${this.spec.assigner.name} needs`)
    }
    if (this.spec.earlyFirings !== undefined) throw this.triggerAndEarlyFirings(trigger)
    return new WindowedStream({ ...this.spec, trigger: trigger as Trigger<unknown> })
  }

  /**
   * Adds early firings to the default event-time trigger: while a window is open, it fires
   * every `interval` ms of processing time if it got records since its last firing (ticks
   * aligned to multiples of `interval`, the same for every window and key); then once on time,
   * when the watermark passes its end; then once per late record within the allowed lateness.
   * Firings never purge: each early result is the result so far (accumulating panes). Tell
   * them apart with `withPaneInfo()` or `ctx.pane`. See {@link eventTimeTriggerWithEarlyFirings}.
   *
   * Only for event-time windows, and not with `.trigger` (it is a trigger:
   * `.trigger(ds.eventTimeTriggerWithEarlyFirings(interval))` is the same). Early firings need
   * a timer per key and window, so windows with them are never sliced.
   */
  earlyFirings(interval: number): WindowedStream<Keyed, Panes> {
    const { kind, assigner, trigger } = this.spec
    if (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0) {
      throw new RangeError(`${kind}: earlyFirings: interval must be a finite number of milliseconds > 0, got ${describeValue(interval)}`)
    }
    if (assigner.timeDomain !== 'EVENT_TIME') {
      throw new TypeError(
        `${kind}: earlyFirings adds early firings to the event-time trigger, and ${assigner.name} are not event-time windows; for running results of other windows, give a trigger such as continuousProcessingTimeTrigger`
      )
    }
    if (trigger !== undefined) throw this.triggerAndEarlyFirings(trigger)
    return new WindowedStream({ ...this.spec, earlyFirings: interval })
  }

  /**
   * Emits each result as a {@link WindowResult} `{ value, window, pane }`: the value, the
   * window it is of, and the pane that produced it (early, on time or late, its index, whether
   * first or last; see {@link PaneInfo}). With a window function, each value it collects is
   * wrapped; a process window function also sees the pane as `ctx.pane`. The records still
   * carry the window's `maxTimestamp` and the key.
   */
  withPaneInfo(): WindowedStream<Keyed, true> {
    return new WindowedStream<Keyed, true>({ ...this.spec, paneInfo: true })
  }

  private triggerAndEarlyFirings(trigger: Trigger<unknown>): TypeError {
    return new TypeError(
      `${this.spec.kind}: earlyFirings adds early firings to the default event-time trigger, which .trigger(${trigger.name}) replaces: give one or the other`
    )
  }

  /** Adds an evictor: every element is then kept, and evicted at firings. */
  evictor<T>(evictor: Evictor<T>): WindowedStream<Keyed, Panes> {
    return new WindowedStream({ ...this.spec, evictor: evictor as Evictor<unknown> })
  }

  /**
   * Keeps event-time windows `ms` past their end: a late record within it is added and (with
   * the default trigger) re-fires the window at once; state is cleaned at `maxTimestamp + ms`.
   * Ignored for processing-time and global windows, as in Flink.
   */
  allowedLateness(ms: number): WindowedStream<Keyed, Panes> {
    assertDuration(`${this.spec.kind}: allowedLateness`, ms)
    return new WindowedStream({ ...this.spec, allowedLateness: ms })
  }

  /** Sends records too late for every window they belong to to side output `tag`, instead of dropping them. */
  sideOutputLateData<T>(tag: OutputTag<T>): WindowedStream<Keyed, Panes> {
    return new WindowedStream({ ...this.spec, lateDataTag: tag as OutputTag<unknown> })
  }

  /**
   * Combines the elements of each window pairwise, incrementally (one value per window).
   *
   * The function should be associative and commutative, as Flink expects of a window's reduce
   * function: the order in which it combines elements is the runtime's. Tumbling and sliding
   * event-time windows with the default trigger and no evictor are sliced (as `aggregate`): each
   * record is reduced into the value of its slide, in arrival order, and a sliding window
   * reduces its slides' values in window order. So a tumbling window reduces in arrival order
   * whatever the function, and a sliding one gives the result of arrival order when the
   * function is associative and commutative (with floating-point sums, up to rounding). The
   * values are shared by overlapping windows: the function must not modify its arguments.
   *
   * Reduced values go into snapshots as they are, so they must be plain JSON data (or the
   * snapshot fails with a `StateError` naming the window and the value).
   */
  reduce<T, K = never>(fn: (a: T, b: T) => T): WindowOperatorFunction<T, K, WindowResultOf<T, Panes>, Keyed>
  reduce<T, R, K = never>(fn: (a: T, b: T) => T, windowFunction: ProcessWindowFunction<T, R, K>): WindowOperatorFunction<T, K, WindowResultOf<R, Panes>, Keyed>
  reduce<T, R, K>(fn: (a: T, b: T) => T, userFunction?: ProcessWindowFunction<T, R, K>): WindowOperatorFunction<T, K, WindowResultOf<R, Panes>, Keyed> {
    const windowFunction = this.withPanes(userFunction)
    return this.build<T, K, R>(
      () => reduceContents(fn, windowFunction) as WindowContents<T, unknown, R, K>,
      (key, ctx, values, out) => {
        // Everything evicted: nothing to reduce (Flink would hand the function a null).
        if (values.length === 0) return
        let acc = values[0] as T
        for (let i = 1; i < values.length; i++) acc = fn(acc, values[i] as T)
        emitResult(acc, windowFunction, key, ctx, out)
      },
      windowFunction,
      false,
      this.sliced<T, T, T, R, K>(() => reducePanes(fn), windowFunction)
    )
  }

  /** Aggregates each window incrementally with an accumulator (`merge` is used when sessions merge). */
  aggregate<T, ACC, V, K = never>(aggregate: AggregateFunction<T, ACC, V>): WindowOperatorFunction<T, K, WindowResultOf<V, Panes>, Keyed>
  aggregate<T, ACC, V, R, K = never>(
    aggregate: AggregateFunction<T, ACC, V>,
    windowFunction: ProcessWindowFunction<V, R, K>
  ): WindowOperatorFunction<T, K, WindowResultOf<R, Panes>, Keyed>
  aggregate<T, ACC, V, R, K>(
    aggregate: AggregateFunction<T, ACC, V>,
    userFunction?: ProcessWindowFunction<V, R, K>
  ): WindowOperatorFunction<T, K, WindowResultOf<R, Panes>, Keyed> {
    const windowFunction = this.withPanes(userFunction)
    const assignerName = this.spec.assigner.name
    return this.build<T, K, R>(
      () => incrementalContents(aggregate, windowFunction, true) as WindowContents<T, unknown, R, K>,
      (key, ctx, values, out) => {
        let acc = aggregate.createAccumulator()
        for (const v of values) acc = aggregate.add(v, acc)
        emitResult(aggregate.getResult(acc), windowFunction, key, ctx, out)
      },
      windowFunction,
      false,
      this.sliced<T, ACC, V, R, K>(info => aggregatePanes(aggregate, info, assignerName), windowFunction)
    )
  }

  /** Folds each window from `initial` (Flink's deprecated `fold`; cannot be used with merging windows). */
  fold<T, R, K = never>(initial: R, fn: (acc: R, value: T) => R): WindowOperatorFunction<T, K, WindowResultOf<R, Panes>, Keyed>
  fold<T, A, R, K = never>(
    initial: A,
    fn: (acc: A, value: T) => A,
    windowFunction: ProcessWindowFunction<A, R, K>
  ): WindowOperatorFunction<T, K, WindowResultOf<R, Panes>, Keyed>
  fold<T, A, R, K>(initial: A, fn: (acc: A, value: T) => A, userFunction?: ProcessWindowFunction<A, R, K>): WindowOperatorFunction<T, K, WindowResultOf<R, Panes>, Keyed> {
    const windowFunction = this.withPanes(userFunction)
    if (this.spec.assigner.mergeWindows !== undefined) {
      throw new TypeError(`${this.spec.kind}: fold cannot be used with merging windows (${this.spec.assigner.name}); use aggregate`)
    }
    const folding: AggregateFunction<T, A, A> = {
      createAccumulator: () => initial,
      add: (value, acc) => fn(acc, value),
      getResult: acc => acc,
      merge: () => {
        throw new TypeError('fold cannot merge windows')
      }
    }
    return this.build<T, K, R>(
      () => incrementalContents(folding, windowFunction, false) as WindowContents<T, unknown, R, K>,
      (key, ctx, values, out) => emitResult(values.reduce(fn, initial), windowFunction, key, ctx, out),
      windowFunction,
      false
    )
  }

  /** Evaluates each window over all its elements (arrival order) with a process window function. */
  process<T, R, K = never>(userFunction: ProcessWindowFunction<T, R, K>): WindowOperatorFunction<T, K, WindowResultOf<R, Panes>, Keyed> {
    const fn = this.withPanes(userFunction)
    return this.build<T, K, R>(
      () => bufferedContents(fn) as WindowContents<T, unknown, R, K>,
      (key, ctx, values, out) => runProcessWindowFunction(fn, key, ctx, values, out),
      fn,
      true
    )
  }

  /** Evaluates each window over all its elements with Flink's legacy `WindowFunction` `(key, window, elements, out)`. */
  apply<T, R, K = never>(fn: WindowFunction<T, R, K>): WindowOperatorFunction<T, K, WindowResultOf<R, Panes>, Keyed> {
    return this.process<T, R, K>((key, ctx, elements, out) => fn(key, ctx.window, elements, out))
  }

  /**
   * `withPaneInfo()`: the window function that wraps each result of `fn` (or, without one,
   * the pre-aggregated value) as `{ value, window, pane }`; else `fn` itself. Typed as `fn`:
   * the builder's result type says what is emitted (`WindowResultOf`).
   */
  private withPanes<V, R, K>(fn: ProcessWindowFunction<V, R, K>): ProcessWindowFunction<V, R, K>
  private withPanes<V, R, K>(fn: ProcessWindowFunction<V, R, K> | undefined): ProcessWindowFunction<V, R, K> | undefined
  private withPanes<V, R, K>(fn: ProcessWindowFunction<V, R, K> | undefined): ProcessWindowFunction<V, R, K> | undefined {
    if (!this.spec.paneInfo) return fn
    return (fn === undefined ? paneResults<V, K>(undefined) : paneResults(fn)) as unknown as ProcessWindowFunction<V, R, K>
  }

  /**
   * Grid event-time windows with the default trigger and no evictor are sliced into panes
   * (identical results, less work): the sliced operator, with `panes` the incremental function;
   * otherwise `undefined` (the general operator).
   */
  private sliced<T, ACC, V, R, K>(
    panes: (info: OperatorInfo) => PaneFunction<T, ACC, V>,
    windowFunction: ProcessWindowFunction<V, R, K> | undefined
  ): ((info: OperatorInfo, scheduler: SchedulerLike, output: ChainOutput<R, K>, context: ChainContext) => SlicedWindowOperator<T, ACC, V, R, K>) | undefined {
    const { assigner, trigger, earlyFirings, evictor, keyed, allowedLateness, lateDataTag } = this.spec
    const grid = assigner.grid
    if (trigger !== undefined || earlyFirings !== undefined || evictor !== undefined || assigner.timeDomain !== 'EVENT_TIME' || !canSlice(grid)) return undefined
    // windowAll's one partition has a path of its own for a record in the pane before.
    const Operator = keyed ? SlicedWindowOperator : SlicedWindowAllOperator
    return (info, scheduler, output, context) =>
      new Operator<T, ACC, V, R, K>(
        {
          info,
          keyed,
          assignerName: assigner.name,
          grid,
          allowedLateness,
          lateDataTag: lateDataTag as OutputTag<T> | undefined,
          panes: panes(info),
          windowFunction,
          scheduler,
          stateBackend: this.spec.options?.stateBackend
        },
        output,
        context
      )
  }

  private build<T, K, R>(
    contents: () => WindowContents<T, unknown, R, K>,
    evaluateEvicted: (key: K, ctx: Parameters<typeof runProcessWindowFunction>[2], values: readonly T[], out: { collect(v: R): void }) => void,
    windowFunction: ProcessWindowFunction<never, R, K> | undefined,
    /** Whether `evaluateEvicted` hands its values to user code that may keep them (process, apply). */
    evictedValuesEscape: boolean,
    sliced?: (info: OperatorInfo, scheduler: SchedulerLike, output: ChainOutput<R, K>, context: ChainContext) => AbstractStreamOperator<R, K> & OneInput<T>
  ): WindowOperatorFunction<T, K, WindowResultOf<R, Panes>, Keyed> {
    const spec = this.spec
    const info = operatorInfo(spec.kind, spec.options)
    const assigner = spec.assigner as WindowAssigner<T>
    const trigger = (spec.trigger ?? (spec.earlyFirings !== undefined ? eventTimeTriggerWithEarlyFirings(spec.earlyFirings) : assigner.defaultTrigger())) as Trigger<T>
    const scheduler = spec.options?.scheduler ?? asyncScheduler
    const clear =
      windowFunction !== undefined && typeof windowFunction !== 'function' && windowFunction.clear !== undefined
        ? windowFunction.clear.bind(windowFunction)
        : () => undefined
    const makeContents = (): WindowContents<T, unknown, R, K> =>
      spec.evictor === undefined
        ? contents()
        : (evictingContents(spec.evictor as Evictor<T>, evaluateEvicted, clear, { valuesEscape: evictedValuesEscape }) as WindowContents<T, unknown, R, K>)
    const keyed = spec.keyed
    // Chained onto the operators before it (assignTimestampsAndWatermarks, keyBy) when they are
    // right before it, and the operators after it onto it: records travel as their parts.
    const operator = oneInputOperator<T, R, K>(
      info,
      (output, context) =>
        sliced?.(info, scheduler, output, context) ??
        new WindowOperator<T, unknown, R, K>(
          {
            info,
            keyed,
            assigner,
            trigger,
            allowedLateness: spec.allowedLateness,
            lateDataTag: spec.lateDataTag as OutputTag<T> | undefined,
            contents: makeContents(),
            scheduler,
            stateBackend: spec.options?.stateBackend
          },
          output,
          context
        )
    )
    return operator as unknown as WindowOperatorFunction<T, K, WindowResultOf<R, Panes>, Keyed>
  }
}

/** @internal */
export function windowedStream<Keyed extends boolean>(
  kind: string,
  keyed: Keyed,
  assigner: WindowAssigner<unknown>,
  options: WindowOptions | undefined,
  trigger?: Trigger<unknown>,
  evictor?: Evictor<unknown>
): WindowedStream<Keyed> {
  checkStateBackend(options?.stateBackend, `${kind}: stateBackend`)
  return WindowedStream.fromSpec<Keyed>({ kind, keyed, assigner, trigger, evictor, allowedLateness: 0, lateDataTag: undefined, options, earlyFirings: undefined, paneInfo: false })
}
