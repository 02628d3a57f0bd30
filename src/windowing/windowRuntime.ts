/**
 * @internal
 * What the two window operators (the general `WindowOperator` and the `SlicedWindowOperator`)
 * share: their input, the context a process window function sees, and the handling of late
 * records.
 */
import type { Collector } from '../core/Collector'
import { KeyError } from '../core/errors'
import type { OutputTag } from '../core/OutputTag'
import { describeElement } from '../core/describe'
import { emitSideOutput } from '../runtime/sideOutput'
import { sideRecord, type StreamRecord, streamRecord } from '../core/StreamElement'
import { AbstractKeyedOperator, type KeyedOperatorConfig, type NamespaceCodec } from '../runtime/AbstractKeyedOperator'
import type { ChainContext } from '../runtime/Output'
import type { ChainOutput, Output } from '../runtime/Output'
import type { OneInput } from '../runtime/StreamOperator'
import type { StateDescriptor, StateOf } from '../state/StateDescriptor'
import type { KeyedStateBackend } from '../state/KeyedStateBackend'
import { encodeTime } from '../state/snapshotFormat'
import { GLOBAL_WINDOW, maxTimestamp, type TimeWindow, timeWindow } from './TimeWindow'
import type { ProcessWindowContext } from './WindowFunction'
import { type PaneInfo, paneInfo, type PaneTiming } from './PaneInfo'

/** @internal Time as the window's operator sees it. */
export interface WindowClock {
  currentWatermark(): number
  currentProcessingTime(): number
}

/**
 * @internal
 * The context a process window function sees: one per operator, pointed at each window in turn
 * before a call (as Flink's is), so no context is built per firing. It is valid during the
 * call; the window object it holds is a value of its own, which a result may keep.
 */
export class WindowFunctionContext implements ProcessWindowContext {
  window: TimeWindow = GLOBAL_WINDOW
  /** The namespace of `window`'s state in the backend. */
  private namespace = 0
  // The pane of the firing being evaluated, as its parts (see `firing`); no timing: not a firing.
  private paneTiming: PaneTiming | undefined = undefined
  private paneIndex = 0
  private paneNonEarly = 0
  private paneIsLast = false
  private paneMade: PaneInfo | undefined = undefined
  // Fields, not methods: a function may take them off the context (`const { output } = ctx`).
  readonly currentWatermark: () => number
  readonly currentProcessingTime: () => number
  readonly output: <S>(tag: OutputTag<S>, value: S) => void
  readonly windowState: <D extends StateDescriptor>(descriptor: D) => StateOf<D>
  readonly globalState: <D extends StateDescriptor>(descriptor: D) => StateOf<D>

  /** `noWindowState`: why `windowState` is refused (merging windows), if it is. */
  constructor(clock: WindowClock, output: Output<unknown, unknown>, backend: KeyedStateBackend<unknown>, noWindowState?: (descriptor: StateDescriptor) => never) {
    this.currentWatermark = () => clock.currentWatermark()
    this.currentProcessingTime = () => clock.currentProcessingTime()
    this.output = (tag, value) => emitSideOutput(output, tag, value, maxTimestamp(this.window))
    this.windowState = descriptor => (noWindowState !== undefined ? noWindowState(descriptor) : backend.getNamespacedState(descriptor, this.namespace))
    this.globalState = descriptor => backend.getState(descriptor)
  }

  /** Points the context at `window`, whose state is in `namespace`, outside a firing (`clear`). */
  at(window: TimeWindow, namespace: number): this {
    this.window = window
    this.namespace = namespace
    this.paneTiming = undefined
    this.paneMade = undefined
    return this
  }

  /**
   * Points the context at a firing of `window`: its pane is `index` (the panes fired before),
   * of which `nonEarlyPanes` were not early. The pane object is made only if asked for, once.
   */
  firing(window: TimeWindow, namespace: number, timing: PaneTiming, index: number, nonEarlyPanes: number, isLast: boolean): this {
    this.window = window
    this.namespace = namespace
    this.paneTiming = timing
    this.paneIndex = index
    this.paneNonEarly = nonEarlyPanes
    this.paneIsLast = isLast
    this.paneMade = undefined
    return this
  }

  // A getter: `const { pane } = ctx` works as it does for the fields.
  get pane(): PaneInfo {
    if (this.paneMade !== undefined) return this.paneMade
    if (this.paneTiming === undefined) throw new TypeError('ctx.pane describes a firing: it is not available in clear, which runs when the window is cleaned up')
    return (this.paneMade = paneInfo(this.paneTiming, this.paneIndex, this.paneNonEarly, this.paneIsLast))
  }
}

/**
 * @internal
 * The collector a window function emits its results through: one per operator, set to each
 * window's result timestamp and key before a call, as the context is.
 */
export class ResultCollector<R, K> implements Collector<R> {
  private timestamp = 0
  private key: K | undefined = undefined
  readonly collect: (value: R) => void

  constructor(output: Output<R, K>) {
    this.collect = value => output.record(value, this.timestamp, this.key as K)
  }

  at(timestamp: number, key: K): this {
    this.timestamp = timestamp
    this.key = key
    return this
  }
}

/**
 * @internal
 * A record too late for all its windows: to the late-data side output (unchanged, with its own
 * timestamp) if there is one; else dropped. Returns whether it was dropped (for the count).
 */
export function emitLateRecord<T, R, K>(
  output: Output<R, K>,
  tag: OutputTag<T> | undefined,
  record: StreamRecord<T, K>
): boolean {
  if (tag === undefined) return true
  output.element(sideRecord(tag, record.value, record.timestamp))
  return false
}

/**
 * @internal
 * A window as `[start, end]`: numbers, the global window's infinite bounds as watermarks are
 * written (`"-Infinity"`, `"Infinity"`).
 */
export function encodeWindow(window: TimeWindow): [number | string, number | string] {
  return [encodeTime(window.start), encodeTime(window.end)]
}

/** @internal Back from `encodeWindow`; `undefined` if `encoded` is not a window. */
export function decodeWindow(encoded: unknown): TimeWindow | undefined {
  if (!Array.isArray(encoded) || encoded.length !== 2) return undefined
  const start = boundOf(encoded[0])
  const end = boundOf(encoded[1])
  return start === undefined || end === undefined || !(start < end) ? undefined : timeWindow(start, end)
}

function boundOf(encoded: unknown): number | undefined {
  if (typeof encoded === 'number' && Number.isFinite(encoded)) return encoded
  return encoded === 'Infinity' || encoded === '-Infinity' ? Number(encoded) : undefined
}

/**
 * @internal
 * What names a window in the timers and the backend of the general window operator: a number
 * (a grid window's start, 0 for the global window, a number drawn for a merging window or a
 * custom assigner's window).
 */
export type WindowNamespace = number

/** @internal How a window's timers file its namespace in a snapshot: as it is. */
export const WINDOW_NAMESPACE: NamespaceCodec<WindowNamespace> = {
  encode: namespace => namespace,
  decode: (encoded, fail) => (typeof encoded === 'number' && Number.isFinite(encoded) ? encoded : fail('not a window namespace (a number)'))
}

/** @internal */
export interface WindowOperatorBaseConfig extends KeyedOperatorConfig {
  /** Whether records are partitioned by their key (`windowBy`) or all in one (`windowAll`). */
  readonly keyed: boolean
}

/**
 * The one partition of `windowAll`. Not `undefined`: the partition is the key of the state and
 * timers, and snapshots file those by key, which must be one a snapshot can hold. Results of
 * `windowAll` carry no key all the same (`resultKey`).
 */
const ALL_RECORDS = ''

/**
 * @internal
 * A window operator (`windowBy` on a keyed stream, or `windowAll`): a record goes to the
 * windows of its key's partition, every record into one partition for `windowAll`
 * (`keyed` false), whatever keys the records carry.
 */
export abstract class AbstractWindowOperator<T, R, K, N> extends AbstractKeyedOperator<K, R, K, N> implements OneInput<T> {
  /** Whether records are partitioned by their key (`windowBy`) or all in one (`windowAll`). */
  private readonly keyed: boolean

  constructor(
    config: WindowOperatorBaseConfig,
    output: ChainOutput<R, K>,
    context: ChainContext,
    namespaceId?: (namespace: N) => unknown,
    namespaceCodec?: NamespaceCodec<N>
  ) {
    super(config, output, context, namespaceId, namespaceCodec)
    this.keyed = config.keyed
  }

  /**
   * A record, as its parts: `key` is its partition (one for all records of `windowAll`); `recordKey` the key it carries, for messages and the late-data side output.
   */
  abstract addRecord(value: T, timestamp: number, key: K, recordKey: unknown): void

  record(value: T, timestamp: number, key: unknown): void {
    if (this.destination.closed) return
    try {
      if (!this.keyed) this.addRecord(value, timestamp, ALL_RECORDS as K, key)
      else if (key === undefined) throw this.noKey(value, timestamp)
      else this.addRecord(value, timestamp, key as K, key)
    } catch (error) {
      this.failRecord(error, value, timestamp, key)
    }
  }

  /** The key results of partition `partition` carry (and window functions see): none for `windowAll`. */
  protected resultKey(partition: K): K {
    return this.keyed ? partition : (undefined as K)
  }

  // The cold path is a method of its own: the hot one stays small enough for V8 to inline.
  private noKey(value: T, timestamp: number): KeyError {
    return new KeyError(
      this.info,
      `${describeElement(streamRecord(value, timestamp))} has no key: ${this.info.kind} needs a keyed stream; apply keyBy first, or use windowAll`
    )
  }
}
