import { asyncScheduler, type Observable } from 'rxjs'
import type { Key } from '../src/Key'
import { operatorInfo, type SchedulerOptions } from '../src/OperatorOptions'
import type { StreamElement, StreamRecord } from '../src/StreamElement'
import { describeElement } from '../src/internal/describe'
import { operate } from '../src/internal/operate'
import type { KeyedProcessFunction } from '../src/process/KeyedProcessFunction'
import { KeyedRuntime } from '../src/process/KeyedRuntime'
import { checkMaxParallelism } from '../src/state/KeyGroup'

/**
 * Options of operators with keyed state: `name`, `uid`, `scheduler` (the processing-time
 * clock: timers and TTL) and `maxParallelism` (the number of key groups state is laid out
 * in, an integer in [1, 32768]; default 128; it must not change across restores).
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
}

/**
 * The operator `keyedProcess` returns: a function of a keyed stream. A stream whose records
 * cannot carry keys (key type `never`, i.e. before `keyBy`) is rejected by the type checker,
 * with the fix named in the error.
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
 * What `keyedProcess` requires of its input's key type `K`: nothing (`unknown`) for a keyed
 * stream; for a stream without keys (`never`), a property no stream has, which the compiler
 * names in its error.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * type Ok = ds.NeedsKeys<string> // unknown
 * type Rejected = ds.NeedsKeys<never> // names the fix: apply keyBy first
 *
 * @category process
 * @since 0.1.0
 */
export type NeedsKeys<K> = [K] extends [never] ? { readonly 'keyedProcess needs a keyed stream: apply keyBy first, or use processElements': true } : unknown

const noKey = (record: StreamRecord<unknown, unknown>): string =>
  `${describeElement(record)} has no key: keyedProcess needs a keyed stream; apply keyBy first, or use processElements`

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
  const operator = operate<StreamElement<In, K>, StreamElement<Out, K>>(info, (destination, fail) => {
    const f = typeof fn === 'function' ? fn() : fn
    const runtime = new KeyedRuntime<K, Out>({ info, scheduler, maxParallelism: options?.maxParallelism }, destination, fail)
    if (f.onTimer !== undefined) runtime.onTimer = (ts, ctx, out) => f.onTimer!(ts, ctx, out)
    const { context, out } = runtime
    const processElement = (value: In): void => f.processElement(value, context, out)
    f.open?.(runtime.runtimeContext)
    return {
      next: e => {
        switch (e._tag) {
          case 'Record':
            runtime.processRecord(e, processElement, noKey)
            return
          case 'Watermark':
            runtime.processWatermark(e)
            return
          default:
            destination.next(e)
        }
      },
      complete: () => {
        runtime.endOfInput()
        destination.complete()
      },
      // Runs once (operate's teardown), however the subscription ends.
      finalize: () => {
        runtime.dispose()
        f.close?.()
      }
    }
  })
  return operator as KeyedProcessOperator<K, In, Out>
}
