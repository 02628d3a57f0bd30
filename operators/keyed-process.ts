import { asyncScheduler, type Observable } from 'rxjs'
import { KeyError } from '../src/core/errors'
import type { Key, NeedsKeys } from '../src/core/Key'
import { operatorInfo, type SchedulerOptions } from '../src/core/OperatorOptions'
import { type StreamElement, streamRecord } from '../src/core/StreamElement'
import { describeElement } from '../src/core/describe'
import { oneInputOperator } from '../src/runtime/host'
import type { ChainContext } from '../src/runtime/Output'
import type { ChainOutput } from '../src/runtime/Output'
import type { OneInput } from '../src/runtime/StreamOperator'
import type { KeyedOperatorConfig } from '../src/runtime/AbstractKeyedOperator'
import type { KeyedProcessFunction } from '../src/process/KeyedProcessFunction'
import { KeyedFunctionOperator } from '../src/process/KeyedFunctionOperator'
import { checkMaxParallelism } from '../src/state/KeyGroup'
import { checkStateBackend, type StateBackend } from '../src/state/StateBackend'

/**
 * Options of operators with keyed state: `name`, `uid`, `scheduler` (the processing-time
 * clock: timers and TTL), `maxParallelism` (the number of key groups state is laid out
 * in, an integer in [1, 32768]; default 128; it must not change across restores) and
 * `stateBackend` (where its keyed state lives; default the job's, or the heap).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const options: ds.KeyedStateOptions = { name: 'count-per-user', uid: 'count-per-user-v1', maxParallelism: 256 }
 *
 * @category process
 * @since 0.1.0
 */
export interface KeyedStateOptions extends SchedulerOptions {
  readonly maxParallelism?: number
  /** Where this operator keeps its keyed state, overriding the job's `stateBackend`. */
  readonly stateBackend?: StateBackend
}

/**
 * The operator `keyedProcess` (and `connectWith(…).keyedProcess`) returns: a function of a
 * keyed stream. A stream whose records cannot carry keys (key type `never`, i.e. before
 * `keyBy`) is rejected by the type checker ({@link NeedsKeys}), with the fix named in the error.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const echo: ds.KeyedProcessOperator<string, string, string> = ds.keyedProcess<string, string, string>({
 *   processElement: (v, _ctx, out) => out.collect(v)
 * })
 *
 * @category process
 * @since 0.1.0
 */
export interface KeyedProcessOperator<K, In, Out> {
  <KS extends K>(source: Observable<StreamElement<In, KS>> & NeedsKeys<KS>): Observable<StreamElement<Out, K>>
}

/**
 * Runs a keyed process function over a keyed stream (Flink's `KeyedProcessOperator`): per
 * record with its key current, with keyed state (`ctx.state`), timers in event and
 * processing time (`ctx.timerService()`), side outputs, and `onTimer` per firing timer.
 *
 * ```text
 * input:   a@1   a@7   W(10)              |
 * output:  (count a = 1 at 1, timer at 5 fires at W(10) before it is forwarded)
 *          1@1   2@7   timer(5)@5  W(10)   W(+∞)|
 * ```
 *
 * Output records carry the current key; records from `processElement` keep the input's
 * timestamp, from an event-time timer the timer's time, from a processing-time timer none.
 * At the end of input, pending processing-time timers fire (instead of being lost), then the
 * `+Infinity` watermark fires every event-time timer. Pass a factory (`() => fn`) when the
 * function keeps per-subscription fields.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const count = ds.valueState('count', t.number, 0)
 * ds.fromRecords([{ value: 'ann', timestamp: 1 }, { value: 'bob', timestamp: 2 }, { value: 'ann', timestamp: 3 }])
 *   .pipe(
 *     ds.keyBy(user => user),
 *     ds.keyedProcess<string, string, string>({
 *       processElement: (user, ctx, out) => {
 *         const n = (ctx.state(count).value() ?? 0) + 1
 *         ctx.state(count).update(n)
 *         out.collect(`${user} #${n}`)
 *       }
 *     }),
 *     ds.values()
 *   )
 *   .subscribe(v => console.log(v)) // ann #1, bob #1, ann #2
 *
 * @param fn the keyed process function, or a factory creating one per subscription
 * @param options `name`, `uid`, `scheduler`, `maxParallelism`
 * @category process
 * @since 0.1.0
 */
export function keyedProcess<K extends Key, In, Out>(
  fn: KeyedProcessFunction<K, In, Out> | (() => KeyedProcessFunction<K, In, Out>),
  options?: KeyedStateOptions
): KeyedProcessOperator<K, In, Out> {
  const info = operatorInfo('keyedProcess', options)
  const scheduler = options?.scheduler ?? asyncScheduler
  if (options?.maxParallelism !== undefined) checkMaxParallelism(options.maxParallelism, 'keyedProcess')
  checkStateBackend(options?.stateBackend, 'keyedProcess: stateBackend')
  const config = { info, scheduler, maxParallelism: options?.maxParallelism, stateBackend: options?.stateBackend }
  // Chained, as Flink chains operators: records reach the function from the operators before
  // it (assignTimestampsAndWatermarks, keyBy), and its output reaches the operator after it
  // (values, a window), as their parts, with no record object or subscriber between.
  const operator = oneInputOperator<In, Out, K>(info, (output, context) => new KeyedProcessFunctionOperator(config, typeof fn === 'function' ? fn() : fn, output, context))
  return operator as (source: Observable<StreamElement<In, unknown>>) => Observable<StreamElement<Out, K>> as KeyedProcessOperator<K, In, Out>
}

/** Flink's `KeyedProcessOperator`: the function per record with its key current. */
class KeyedProcessFunctionOperator<K, In, Out> extends KeyedFunctionOperator<K, Out> implements OneInput<In> {
  constructor(
    config: KeyedOperatorConfig,
    private readonly fn: KeyedProcessFunction<K, In, Out>,
    output: ChainOutput<Out, K>,
    context: ChainContext
  ) {
    super(config, output, context)
    if (fn.onTimer !== undefined) this.onTimer = (ts, ctx, out) => fn.onTimer!(ts, ctx, out)
  }

  override open(): void {
    this.fn.open?.(this.runtimeContext)
  }

  record(value: In, timestamp: number, key: unknown): void {
    if (this.destination.closed) return
    try {
      if (key === undefined) throw this.noKey(value, timestamp)
      this.enter(key as K, timestamp)
      this.fn.processElement(value, this.context, this.out)
      this.leave()
    } catch (error) {
      // Not a `finally`: the hot path stays small enough for V8 to inline into the operators before it.
      this.leave()
      this.failRecord(error, value, timestamp, key)
    }
  }

  // The cold path is a method of its own: the hot one stays small enough for V8 to inline.
  private noKey(value: In, timestamp: number): KeyError {
    return new KeyError(
      this.info,
      `${describeElement(streamRecord(value, timestamp))} has no key: keyedProcess needs a keyed stream; apply keyBy first, or use processElements`
    )
  }

  override close(): void {
    super.close()
    this.fn.close?.()
  }
}
