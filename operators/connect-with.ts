import { asyncScheduler, type Observable, type OperatorFunction, type SchedulerLike } from 'rxjs'
import type { Collector } from '../src/core/Collector'
import type { Key } from '../src/core/Key'
import { operatorInfo, type OperatorInfo } from '../src/core/OperatorOptions'
import { type StreamElement, streamRecord } from '../src/core/StreamElement'
import { describeElement } from '../src/core/describe'
import { checkObservable, NO_KEY } from '../src/runtime/host'
import { multiInputOperator } from '../src/runtime/multiInputOperator'
import type { ChainContext } from '../src/runtime/Output'
import type { ChainOutput } from '../src/runtime/Output'
import { AbstractStreamOperator, type MultiInput } from '../src/runtime/StreamOperator'
import type { KeyedOperatorConfig } from '../src/runtime/AbstractKeyedOperator'
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
import { KeyedFunctionOperator } from '../src/process/KeyedFunctionOperator'
import { ProcessFunctionOperator } from '../src/process/ProcessFunctionOperator'
import { validatesStateWrites } from '../src/state/stateValidation'
import { checkMaxParallelism } from '../src/state/KeyGroup'
import { checkStateBackend } from '../src/state/StateBackend'
import { HeapBroadcastStateStore } from '../src/state/BroadcastState'
import { ownField } from '../src/state/snapshotFormat'
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
  checkStateBackend(options?.stateBackend, 'connectWith: stateBackend')
  if (isBroadcastStream(other)) return broadcastConnected(other, options)
  checkObservable(other, 'connectWith: the other input')
  const inputs = [other as Observable<StreamElement<unknown, unknown>>]
  const scheduler = options?.scheduler ?? asyncScheduler
  const keyedConfig = (info: OperatorInfo): KeyedOperatorConfig => ({ info, scheduler, maxParallelism: options?.maxParallelism, stateBackend: options?.stateBackend })
  return {
    map: <A, R>(f1: (value: A) => R, f2: (value: B) => R) => {
      const info = operatorInfo('connectWith.map', options)
      return multiInputOperator<A, R>(info, inputs, (output, context) =>
        new CoFlatMapOperator<R>(info, (input, value, out) => out.collect(input === 0 ? f1(value as A) : f2(value as B)), output, context)
      )
    },
    flatMap: <A, R>(f1: (value: A) => Iterable<R>, f2: (value: B) => Iterable<R>) => {
      const info = operatorInfo('connectWith.flatMap', options)
      return multiInputOperator<A, R>(info, inputs, (output, context) =>
        new CoFlatMapOperator<R>(
          info,
          (input, value, out) => {
            for (const r of input === 0 ? f1(value as A) : f2(value as B)) out.collect(r)
          },
          output,
          context
        )
      )
    },
    process: <A, R>(fn: CoProcessFunction<A, B, R> | (() => CoProcessFunction<A, B, R>)) => {
      const info = operatorInfo('connectWith.process', options)
      return multiInputOperator<A, R>(info, inputs, (output, context) => {
        const f = typeof fn === 'function' ? fn() : fn
        return new CoProcessOperator<R>(
          info,
          scheduler,
          (input, value, ctx, out) => (input === 0 ? f.processElement1(value as A, ctx, out) : f.processElement2(value as B, ctx, out)),
          f,
          output,
          context
        )
      })
    },
    keyedProcess: <A, R>(fn: KeyedCoProcessFunction<KB, A, B, R> | (() => KeyedCoProcessFunction<KB, A, B, R>)) => {
      const info = operatorInfo('connectWith.keyedProcess', options)
      return multiInputOperator<A, R, KB>(info, inputs, (output, context) => {
        const f = typeof fn === 'function' ? fn() : fn
        return new KeyedCoProcessOperator<KB, A, B, R>(keyedConfig(info), f, output, context)
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
      return multiInputOperator<A, R>(info, inputs, (output, context) => {
        const f = typeof fn === 'function' ? fn() : fn
        const store = new HeapBroadcastStateStore(info, descriptors, validatesStateWrites())
        let readOnly: ReadOnlyBroadcastContext | undefined
        let writable: BroadcastContext | undefined
        return new CoProcessOperator<R>(
          info,
          scheduler,
          (input, value, ctx, out) => {
            if (input === 0) f.processElement(value as A, (readOnly ??= { ...ctx, getBroadcastState: d => store.get(d, false) }), out)
            else f.processBroadcastElement(value as B, (writable ??= { ...ctx, getBroadcastState: d => store.get(d, true) }), out)
          },
          f,
          output,
          context,
          store
        )
      })
    },
    keyedProcess: <K extends Key, A, R>(fn: KeyedBroadcastProcessFunction<K, A, B, R> | (() => KeyedBroadcastProcessFunction<K, A, B, R>)) => {
      const info = operatorInfo('connectWith.keyedProcess', options)
      return multiInputOperator<A, R, K>(info, inputs, (output, context) => {
        const f = typeof fn === 'function' ? fn() : fn
        const store = new HeapBroadcastStateStore(info, descriptors, validatesStateWrites())
        return new KeyedBroadcastProcessOperator<K, A, B, R>({ info, scheduler, maxParallelism: options?.maxParallelism, stateBackend: options?.stateBackend }, f, store, output, context)
      }) as unknown as KeyedProcessOperator<K, A, R>
    }
  }
}

/** `map` and `flatMap` of connected streams: `fn` per record of either input, results stamped with its timestamp, keys dropped. */
class CoFlatMapOperator<R> extends AbstractStreamOperator<R, never> implements MultiInput {
  private timestamp = 0
  private readonly out: Collector<R>

  constructor(
    info: OperatorInfo,
    private readonly fn: (input: number, value: unknown, out: Collector<R>) => void,
    output: ChainOutput<R, never>,
    context: ChainContext
  ) {
    super(info, output, context)
    this.out = {
      collect: value => {
        if (!this.destination.closed) output.record(value, this.timestamp, NO_KEY)
      }
    }
  }

  processRecord(input: number, value: unknown, timestamp: number): void {
    this.timestamp = timestamp
    this.fn(input, value, this.out)
  }
}

/**
 * A non-keyed two-input process function (co-process, broadcast process): `process(input, …)`
 * per record, stamped with its timestamp; the combined watermark is what
 * `ctx.currentWatermark()` reads. Operator state waits for barrier alignment (checkpoints).
 * The broadcast process's snapshot holds its broadcast state (see `snapshotOwn`).
 */
class CoProcessOperator<R> extends ProcessFunctionOperator<R, never> implements MultiInput {
  constructor(
    info: OperatorInfo,
    scheduler: SchedulerLike,
    private readonly process: (input: number, value: unknown, ctx: ProcessFunctionOperator<R, never>['context'], out: Collector<R>) => void,
    private readonly fn: { open?(): void; close?(): void },
    output: ChainOutput<R, never>,
    context: ChainContext,
    private readonly broadcastState?: HeapBroadcastStateStore
  ) {
    super(info, scheduler, {}, output, context)
  }

  override open(): void {
    this.fn.open?.()
  }

  processRecord(input: number, value: unknown, timestamp: number): void {
    this.timestamp = timestamp
    this.process(input, value, this.context, this.out)
  }

  /**
   * The combined watermark, which only ever advances within a run; after a restore the inputs'
   * combination starts afresh and may repeat the restored watermark, which was already forwarded.
   */
  override processWatermark(time: number): void {
    if (time <= this.currentWatermark) return
    super.processWatermark(time)
  }

  /**
   * Broadcast state goes in the operator's own part, not `operatorState`: that part is the
   * function's list state, in the format (and with the split/union redistribution) of the
   * operator-state store, while broadcast state is a map per descriptor that every subtask
   * holds whole, and only this operator reads it back.
   */
  protected override snapshotOwn(): Record<string, unknown> {
    return this.broadcastState === undefined ? {} : { broadcast: this.broadcastState.snapshot() }
  }

  protected override restoreOwn(own: unknown): void {
    const broadcast = ownField(own, 'broadcast')
    if (this.broadcastState !== undefined && broadcast !== undefined) this.broadcastState.restore(broadcast)
  }

  override close(): void {
    this.fn.close?.()
  }
}

/** Why a record of a keyed two-input operator needs a key. */
function noKeyOn(info: OperatorInfo, input: number, value: unknown, timestamp: number): string {
  return `${describeElement(streamRecord(value, timestamp))} on input ${input + 1} has no key: ${info.kind} needs keyed inputs; apply keyBy first`
}

/** Flink's `KeyedCoProcessOperator`: records of either input with their key current; timers fire on the combined watermark. */
class KeyedCoProcessOperator<K, A, B, R> extends KeyedFunctionOperator<K, R> implements MultiInput {
  constructor(
    config: KeyedOperatorConfig,
    private readonly fn: KeyedCoProcessFunction<K, A, B, R>,
    output: ChainOutput<R, K>,
    context: ChainContext
  ) {
    super(config, output, context)
    if (fn.onTimer !== undefined) this.onTimer = (ts, ctx, out) => fn.onTimer!(ts, ctx, out)
  }

  override open(): void {
    this.fn.open?.(this.runtimeContext)
  }

  processRecord(input: number, value: unknown, timestamp: number, key: unknown): void {
    this.enterKeyed(key, timestamp, () => noKeyOn(this.info, input, value, timestamp))
    try {
      if (input === 0) this.fn.processElement1(value as A, this.context, this.out)
      else this.fn.processElement2(value as B, this.context, this.out)
    } finally {
      this.leave()
    }
  }

  override close(): void {
    super.close()
    this.fn.close?.()
  }
}

/**
 * Flink's `CoBroadcastWithKeyedOperator`: keyed records with their key current, seeing the
 * broadcast state read-only (in records and timers); broadcast elements with no key, the state
 * writable, and `applyToKeyedState` over every key.
 */
class KeyedBroadcastProcessOperator<K, A, B, R> extends KeyedFunctionOperator<K, R> implements MultiInput {
  private readonly keyedContext: KeyedBroadcastOnTimerContext<K>
  private readonly broadcastContext: KeyedBroadcastContext<K>
  private readonly broadcastOut: Collector<R>
  private broadcastTimestamp = 0

  constructor(
    config: KeyedOperatorConfig,
    private readonly fn: KeyedBroadcastProcessFunction<K, A, B, R>,
    private readonly store: HeapBroadcastStateStore,
    output: ChainOutput<R, K>,
    context: ChainContext
  ) {
    super(config, output, context)
    // Records and timers see the broadcast state read-only, through the keyed context.
    const keyedContext = (this.keyedContext = Object.assign(this.context, {
      getBroadcastState: <UK, UV>(d: MapStateDescriptor<UK, UV>) => store.get(d, false)
    }))
    if (fn.onTimer !== undefined) this.onTimer = (ts, _ctx, o) => fn.onTimer!(ts, keyedContext, o)
    // Broadcast elements belong to no key: their output has none.
    this.broadcastOut = { collect: (value: R) => output.record(value, this.broadcastTimestamp, NO_KEY) }
    const { timestamp, currentWatermark, currentProcessingTime, output: sideOutput } = this.context
    this.broadcastContext = {
      timestamp,
      currentWatermark,
      currentProcessingTime,
      output: sideOutput,
      getBroadcastState: d => store.get(d, true),
      applyToKeyedState: (descriptor, apply) => this.backend.applyToAllKeys(descriptor, apply)
    }
  }

  override open(): void {
    this.fn.open?.(this.runtimeContext)
  }

  processRecord(input: number, value: unknown, timestamp: number, key: unknown): void {
    if (input === 1) {
      this.enterUnkeyed(timestamp)
      this.broadcastTimestamp = timestamp
      this.fn.processBroadcastElement(value as B, this.broadcastContext, this.broadcastOut)
      return
    }
    this.enterKeyed(key, timestamp, () => noKeyOn(this.info, input, value, timestamp))
    try {
      this.fn.processElement(value as A, this.keyedContext, this.out)
    } finally {
      this.leave()
    }
  }

  /** The broadcast state, beside the keyed state and timers (why in the own part: see `CoProcessOperator`). */
  protected override snapshotOwn(): Record<string, unknown> {
    return { broadcast: this.store.snapshot() }
  }

  protected override restoreOwn(own: unknown): void {
    const broadcast = ownField(own, 'broadcast')
    if (broadcast !== undefined) this.store.restore(broadcast)
  }

  override close(): void {
    super.close()
    this.fn.close?.()
  }
}
