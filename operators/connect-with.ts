import { asyncScheduler, type Observable, type OperatorFunction, type Subscriber } from 'rxjs'
import type { Key, NeedsKeys } from '../src/Key'
import { operatorInfo, type OperatorInfo } from '../src/OperatorOptions'
import { type StreamElement, type StreamRecord, streamRecord } from '../src/StreamElement'
import { describeElement } from '../src/internal/describe'
import { EmittingSink } from '../src/internal/fusion'
import { checkObservable, type MultiInputHandler, multiInputOperator } from '../src/internal/multiInput'
import type {
  BroadcastContext,
  BroadcastProcessFunction,
  KeyedBroadcastContext,
  KeyedBroadcastOnTimerContext,
  KeyedBroadcastProcessFunction,
  ReadOnlyBroadcastContext
} from '../src/process/BroadcastProcessFunction'
import type { MapStateDescriptor } from '../src/state/StateDescriptor'
import type { CoProcessFunction, KeyedCoProcessFunction } from '../src/process/CoProcessFunction'
import { KeyedRuntime } from '../src/process/KeyedRuntime'
import { ProcessRuntime } from '../src/process/ProcessRuntime'
import { isDevelopmentMode } from '../src/state/HeapKeyedStateBackend'
import { checkMaxParallelism } from '../src/state/KeyGroup'
import { HeapBroadcastStateStore } from '../src/state/BroadcastState'
import type { KeyedProcessOperator, KeyedStateOptions } from './keyed-process'
import { type BroadcastStream, isBroadcastStream } from './broadcast'

/**
 * Two streams connected for joint processing: each input keeps its own type, a function per
 * input handles its records, and both share one operator (Flink's `ConnectedStreams`).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const connected: ds.ConnectedStreams<number> = ds.connectWith(ds.fromRecords([{ value: 1, timestamp: 0 }]))
 *
 * @category transforms
 * @since 0.1.0
 */
export interface ConnectedStreams<B, KB = unknown> {
  /**
   * One output value per record: `f1` for this stream's records, `f2` for the other's, each
   * result stamped with its input record's timestamp (Flink's `CoMapFunction`).
   */
  map<A, R>(f1: (value: A) => R, f2: (value: B) => R): OperatorFunction<StreamElement<A, unknown>, StreamElement<R>>
  /** Zero or more output values per record (Flink's `CoFlatMapFunction`). */
  flatMap<A, R>(
    f1: (value: A) => Iterable<R>,
    f2: (value: B) => Iterable<R>
  ): OperatorFunction<StreamElement<A, unknown>, StreamElement<R>>
  /**
   * Runs a {@link CoProcessFunction}: `processElement1` for this stream's records,
   * `processElement2` for the other's; results keep their input record's timestamp. Pass a
   * factory (`() => fn`) when the function keeps per-subscription fields.
   */
  process<A, R>(fn: CoProcessFunction<A, B, R> | (() => CoProcessFunction<A, B, R>)): OperatorFunction<StreamElement<A, unknown>, StreamElement<R>>
  /**
   * Runs a {@link KeyedCoProcessFunction} over two keyed streams: records of both inputs are
   * processed with their key current, sharing keyed state and timers (Flink's
   * `connect(...).keyBy(...).process(...)`). Event-time timers fire when the combined
   * watermark (the minimum of both inputs) passes them. Output records carry the key. An
   * input without keys is rejected by the type checker ({@link NeedsKeys}).
   */
  keyedProcess<A, R>(
    fn: KeyedCoProcessFunction<KB, A, B, R> | (() => KeyedCoProcessFunction<KB, A, B, R>)
  ): KeyedProcessOperator<KB, A, R>
}

/**
 * A stream connected to a broadcast stream (Flink's `BroadcastConnectedStream`): the broadcast
 * elements write broadcast state, the stream's records read it.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const limits = ds.mapState('limits', t.string, t.number)
 * const rules = ds.broadcast(ds.fromRecords([{ value: ['cpu', 90] as [string, number], timestamp: 0 }]), limits)
 * const connected: ds.BroadcastConnectedStreams<[string, number]> = ds.connectWith(rules)
 *
 * @category process
 * @since 0.1.0
 */
export interface BroadcastConnectedStreams<B> {
  /** Runs a {@link BroadcastProcessFunction} over a non-keyed stream. */
  process<A, R>(
    fn: BroadcastProcessFunction<A, B, R> | (() => BroadcastProcessFunction<A, B, R>)
  ): OperatorFunction<StreamElement<A, unknown>, StreamElement<R>>
  /**
   * Runs a {@link KeyedBroadcastProcessFunction} over a keyed stream: records with keyed state
   * and timers of their key; broadcast elements with `applyToKeyedState` over all keys. A
   * stream without keys is rejected by the type checker ({@link NeedsKeys}).
   */
  keyedProcess<K extends Key, A, R>(
    fn: KeyedBroadcastProcessFunction<K, A, B, R> | (() => KeyedBroadcastProcessFunction<K, A, B, R>)
  ): KeyedProcessOperator<K, A, R>
}

/**
 * Connects the piped stream with `other`. The output watermark is the minimum of both
 * inputs' (idle inputs excluded), as for every multi-input operator; the output completes when
 * both inputs have.
 *
 * ```text
 * this:    1@1      W(5)          |
 * other:       x@3       W(8)     |
 * output:  "1"@1 "x"@3   W(5)   W(+∞)|      (map(n => String(n), s => s))
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Click { page: string }
 * interface Purchase { page: string; amount: number }
 * const clicks = ds.fromRecords<Click>([{ value: { page: '/a' }, timestamp: 1 }])
 * const purchases = ds.fromRecords<Purchase>([{ value: { page: '/a', amount: 5 }, timestamp: 2 }])
 * clicks.pipe(
 *   ds.connectWith(purchases).map((c: Click) => `click ${c.page}`, p => `buy ${p.page} ${p.amount}`),
 *   ds.values()
 * ).subscribe(v => console.log(v)) // click /a, buy /a 5
 *
 * @param other the second input
 * @param options `name`, `uid`
 * @category transforms
 * @since 0.1.0
 */
export function connectWith<B, KB = unknown>(other: Observable<StreamElement<B, KB>>, options?: KeyedStateOptions): ConnectedStreams<B, KB>
export function connectWith<B>(other: BroadcastStream<B>, options?: KeyedStateOptions): BroadcastConnectedStreams<B>
export function connectWith<B, KB>(
  other: Observable<StreamElement<B, KB>> | BroadcastStream<B>,
  options?: KeyedStateOptions
): ConnectedStreams<B, KB> | BroadcastConnectedStreams<B> {
  // Configuration mistakes throw here, when the operator is built, not at subscription.
  if (options?.maxParallelism !== undefined) checkMaxParallelism(options.maxParallelism, 'connectWith')
  if (isBroadcastStream(other)) return broadcastConnected(other, options)
  checkObservable(other, 'connectWith: the other input')
  const inputs = [other as Observable<StreamElement<unknown, unknown>>]
  const scheduler = options?.scheduler ?? asyncScheduler
  return {
    map: <A, R>(f1: (value: A) => R, f2: (value: B) => R) =>
      multiInputOperator<A, R>(operatorInfo('connectWith.map', options), inputs, out => ({
        record: (input, record) => out.next(streamRecord(input === 0 ? f1(record.value as A) : f2(record.value as B), record.timestamp))
      })),
    flatMap: <A, R>(f1: (value: A) => Iterable<R>, f2: (value: B) => Iterable<R>) =>
      multiInputOperator<A, R>(operatorInfo('connectWith.flatMap', options), inputs, out => ({
        record: (input, record) => {
          const results = input === 0 ? f1(record.value as A) : f2(record.value as B)
          for (const r of results) out.next(streamRecord(r, record.timestamp))
        }
      })),
    process: <A, R>(fn: CoProcessFunction<A, B, R> | (() => CoProcessFunction<A, B, R>)) => {
      const info = operatorInfo('connectWith.process', options)
      return multiInputOperator<A, R>(info, inputs, out => {
        const f = typeof fn === 'function' ? fn() : fn
        const runtime = new ProcessRuntime<R, undefined>(info, scheduler, out as Subscriber<StreamElement<R, undefined>>)
        const { context, out: collector } = runtime
        f.open?.()
        return processHandler(runtime, out, (input, value) => {
          if (input === 0) f.processElement1(value as A, context, collector)
          else f.processElement2(value as B, context, collector)
        }, () => f.close?.())
      })
    },
    keyedProcess: <A, R>(fn: KeyedCoProcessFunction<KB, A, B, R> | (() => KeyedCoProcessFunction<KB, A, B, R>)) => {
      const info = operatorInfo('connectWith.keyedProcess', options)
      return multiInputOperator<A, R, KB>(info, inputs, (out, fail) => {
        const f = typeof fn === 'function' ? fn() : fn
        const runtime = new KeyedRuntime<KB, R>({ info, scheduler, maxParallelism: options?.maxParallelism }, new EmittingSink(out as Subscriber<StreamElement<R, KB>>), fail)
        if (f.onTimer !== undefined) runtime.onTimer = (ts, ctx, o) => f.onTimer!(ts, ctx, o)
        const { context, out: collector } = runtime
        const processElement1 = (value: unknown): void => f.processElement1(value as A, context, collector)
        const processElement2 = (value: unknown): void => f.processElement2(value as B, context, collector)
        f.open?.(runtime.runtimeContext)
        return keyedHandler(info, runtime, [processElement1, processElement2], () => f.close?.())
      }) as unknown as KeyedProcessOperator<KB, A, R>
    }
  }
}

function broadcastConnected<B>(broadcastStream: BroadcastStream<B>, options: KeyedStateOptions | undefined): BroadcastConnectedStreams<B> {
  const inputs = [broadcastStream.source as Observable<StreamElement<unknown, unknown>>]
  const scheduler = options?.scheduler ?? asyncScheduler
  const { descriptors } = broadcastStream
  return {
    process: <A, R>(fn: BroadcastProcessFunction<A, B, R> | (() => BroadcastProcessFunction<A, B, R>)) => {
      const info = operatorInfo('connectWith.process', options)
      return multiInputOperator<A, R>(info, inputs, out => {
        const f = typeof fn === 'function' ? fn() : fn
        const runtime = new ProcessRuntime<R, undefined>(info, scheduler, out as Subscriber<StreamElement<R, undefined>>)
        const store = new HeapBroadcastStateStore(info, descriptors, isDevelopmentMode())
        const readOnly: ReadOnlyBroadcastContext = { ...runtime.context, getBroadcastState: d => store.get(d, false) }
        const writable: BroadcastContext = { ...runtime.context, getBroadcastState: d => store.get(d, true) }
        f.open?.()
        return processHandler(runtime, out, (input, value) => {
          if (input === 0) f.processElement(value as A, readOnly, runtime.out)
          else f.processBroadcastElement(value as B, writable, runtime.out)
        }, () => f.close?.())
      })
    },
    keyedProcess: <K extends Key, A, R>(fn: KeyedBroadcastProcessFunction<K, A, B, R> | (() => KeyedBroadcastProcessFunction<K, A, B, R>)) => {
      const info = operatorInfo('connectWith.keyedProcess', options)
      return multiInputOperator<A, R, K>(info, inputs, (out, fail) => {
        const f = typeof fn === 'function' ? fn() : fn
        const runtime = new KeyedRuntime<K, R>({ info, scheduler, maxParallelism: options?.maxParallelism }, new EmittingSink(out as Subscriber<StreamElement<R, K>>), fail)
        const store = new HeapBroadcastStateStore(info, descriptors, isDevelopmentMode())
        // Records and timers see the broadcast state read-only, through the keyed context.
        const context: KeyedBroadcastOnTimerContext<K> = Object.assign(runtime.context, {
          getBroadcastState: <UK, UV>(d: MapStateDescriptor<UK, UV>) => store.get(d, false)
        })
        if (f.onTimer !== undefined) runtime.onTimer = (ts, _ctx, o) => f.onTimer!(ts, context, o)
        // Broadcast elements belong to no key: their output has none.
        let broadcastTimestamp = 0
        const broadcastOut = { collect: (value: R) => out.next(streamRecord(value, broadcastTimestamp)) }
        const { timestamp, currentWatermark, currentProcessingTime, output } = runtime.context
        const broadcastContext: KeyedBroadcastContext<K> = {
          timestamp,
          currentWatermark,
          currentProcessingTime,
          output,
          getBroadcastState: d => store.get(d, true),
          applyToKeyedState: (descriptor, apply) => runtime.backend.applyToAllKeys(descriptor, apply)
        }
        f.open?.(runtime.runtimeContext)
        const processElement = (value: unknown): void => f.processElement(value as A, context, runtime.out)
        return keyedHandler(info, runtime, [processElement], () => f.close?.(), record => {
          runtime.enterUnkeyed(record.timestamp)
          broadcastTimestamp = record.timestamp
          f.processBroadcastElement(record.value as B, broadcastContext, broadcastOut)
        })
      }) as unknown as KeyedProcessOperator<K, A, R>
    }
  }
}

/**
 * The handler of a non-keyed two-input operator: `process(input, value)` per record, stamped
 * with its timestamp; the combined watermark is what `ctx.currentWatermark()` reads.
 */
function processHandler<R>(
  runtime: ProcessRuntime<R, undefined>,
  out: Subscriber<StreamElement<R, unknown>>,
  process: (input: number, value: unknown) => void,
  close: () => void
): MultiInputHandler {
  return {
    record: (input, record) => {
      runtime.timestamp = record.timestamp
      process(input, record.value)
    },
    watermark: element => {
      runtime.watermark = element.timestamp
      out.next(element)
    },
    // Runs once (operate's teardown), however the subscription ends.
    finalize: close
  }
}

/**
 * The handler of a keyed two-input operator: records of input `i` processed by `process[i]`
 * with their key current (input 1 by `broadcast` instead when it is a broadcast input),
 * timers fired by the combined watermark, state and timers released at the end.
 */
function keyedHandler<K, R>(
  info: OperatorInfo,
  runtime: KeyedRuntime<K, R>,
  process: ReadonlyArray<(value: unknown) => void>,
  close: () => void,
  broadcast?: (record: StreamRecord<unknown, unknown>) => void
): MultiInputHandler {
  const noKeyOn = process.map(
    (_, input) => (record: StreamRecord<unknown, unknown>) =>
      `${describeElement(record)} on input ${input + 1} has no key: ${info.kind} needs keyed inputs; apply keyBy first`
  )
  return {
    record: (input, record) => {
      if (input === 1 && broadcast !== undefined) broadcast(record)
      else runtime.processRecord(record, process[input]!, noKeyOn[input]!)
    },
    watermark: element => runtime.processWatermark(element),
    finalize: () => {
      runtime.dispose()
      close()
    }
  }
}
