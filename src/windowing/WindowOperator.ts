/**
 * @internal
 * The runtime of every windowed computation (Flink's `WindowOperator`, with its merging
 * window set folded in): one operator per `windowBy(…).reduce/aggregate/fold/process/apply`.
 *
 * Per key it keeps the open windows (contents, trigger state); timers live in one
 * `InternalTimerService` namespaced by window. A window's state is released at its cleanup
 * time, so memory follows the open windows, never the records seen.
 */
import type { Collector } from '../core/Collector'
import { DataStreamError, StateError, TimestampError } from '../core/errors'
import type { OutputTag } from '../core/OutputTag'
import { NO_TIMESTAMP, type StreamRecord, streamRecord } from '../core/StreamElement'
import type { InternalTimer, TimeDomain } from '../core/TimerService'
import { describeElement, describeValue } from '../core/describe'
import type { OperatorInfo } from '../core/OperatorOptions'
import type { TableCodec } from '../state/KeyedStateBackend'
import { jsonIncompatibility } from '../state/snapshotFormat'
import { maxTimestamp, type TimeWindow, windowId } from './TimeWindow'
import { isFire, isPurge, type OnMergeContext, type Trigger, type TriggerState } from './Trigger'
import type { WindowAssigner } from './WindowAssigner'
import type { Fail, WindowContents } from './WindowContents'
import type { ProcessWindowContext } from './WindowFunction'
import type { StateTable } from '../state/StateTable'
import {
  AbstractWindowOperator,
  decodeWindow,
  emitLateRecord,
  encodeWindow,
  processWindowContext,
  WINDOW_NAMESPACE,
  type WindowOperatorBaseConfig
} from './windowRuntime'
import type { ChainContext } from '../runtime/Output'
import type { ChainOutput } from '../runtime/Output'

/** @internal */
export interface WindowOperatorConfig<T, C, R, K> extends WindowOperatorBaseConfig {
  readonly assigner: WindowAssigner<T>
  readonly trigger: Trigger<T>
  readonly allowedLateness: number
  readonly lateDataTag: OutputTag<T> | undefined
  readonly contents: WindowContents<T, C, R, K>
}

interface WindowState<C> {
  readonly window: TimeWindow
  /** No contents (never added, purged, or all evicted). */
  empty: boolean
  contents: C | undefined
  /**
   * The trigger's `getState` cells. They live in the window's entry rather than in descriptor
   * state of the backend (Flink's `getPartitionedState`): the entry is at hand on every call, so
   * a cell costs one lookup where a descriptor would add a name lookup, a registration lookup
   * and a namespaced table lookup per call (triggers run per record); cell names could collide
   * with the window function's descriptors; and cells of windows merged away or cleaned up go
   * with the entry. The entry is keyed state all the same, snapshotted by key group.
   */
  triggerState: Map<string, unknown> | undefined
}

/** @internal */
export class WindowOperator<T, C, R, K> extends AbstractWindowOperator<T, R, K, TimeWindow> {
  /** Open windows by key and window id (the backend also keeps the window functions' state). */
  private readonly windows: StateTable<K, WindowState<C>>
  private readonly merging: boolean
  private readonly assignerContext = { currentProcessingTime: () => this.config.scheduler.now() }

  // The key and window a trigger is being called for, and the windows merging into it.
  private currentState!: WindowState<C>
  private mergingFrom: readonly WindowState<C>[] = []
  private readonly triggerContext: OnMergeContext
  /** A window's namespace in the backend and the timer service (see `windowNamespace`). */
  private readonly namespaceOf: (window: TimeWindow) => string | number

  constructor(
    private readonly config: WindowOperatorConfig<T, C, R, K>,
    output: ChainOutput<R, K>,
    context: ChainContext
  ) {
    const namespaceOf = windowNamespace(config.assigner)
    super(config, output, context, namespaceOf, WINDOW_NAMESPACE)
    this.namespaceOf = namespaceOf
    this.merging = config.assigner.mergeWindows !== undefined
    // Window functions and triggers only run for a key: state is always in a keyed context.
    this.backend.keys.active = true
    this.windows = this.backend.internalTable<WindowState<C>>('windows', windowStateCodec(config.info, config.contents))
    const keys = this.backend.keys
    const timers = this.timers
    const self = this
    this.triggerContext = {
      currentWatermark: () => timers.currentWatermark(),
      currentProcessingTime: () => timers.currentProcessingTime(),
      registerEventTimeTimer: t => timers.registerEventTimeTimer(keys.currentKey, self.currentState.window, t),
      deleteEventTimeTimer: t => timers.deleteEventTimeTimer(keys.currentKey, self.currentState.window, t),
      registerProcessingTimeTimer: t => timers.registerProcessingTimeTimer(keys.currentKey, self.currentState.window, t),
      deleteProcessingTimeTimer: t => timers.deleteProcessingTimeTimer(keys.currentKey, self.currentState.window, t),
      getState: <S>(name: string) => stateCell<S>(self.currentState, name),
      mergeState: <S>(name: string, merge: (a: S, b: S) => S) => {
        const target = self.currentState
        let merged = target.triggerState?.get(name) as S | undefined
        for (const source of self.mergingFrom) {
          const value = source.triggerState?.get(name) as S | undefined
          if (value !== undefined) merged = merged === undefined ? value : merge(merged, value)
        }
        if (merged !== undefined) (target.triggerState ??= new Map()).set(name, merged)
      }
    }
  }

  private setCurrent(state: WindowState<C>): void {
    this.currentState = state
  }

  // ---- input ----

  /**
   * A record, as its parts (fused operators hand records on without building them): `key` is
   * its partition, one for all records of `windowAll`; `recordKey` the key it carries,
   * for messages and the late-data side output.
   */
  override addRecord(value: T, timestamp: number, key: K, recordKey: unknown): void {
    const { assigner } = this.config
    if (timestamp === NO_TIMESTAMP && assigner.timeDomain === 'EVENT_TIME') {
      throw new TimestampError(
        this.config.info,
        `${describeElement(streamRecord(value, timestamp, recordKey))} has no timestamp, which event-time windows (${assigner.name}) need: did you forget assignTimestampsAndWatermarks?`
      )
    }
    const windows = assigner.assignWindows(value, timestamp, this.assignerContext)
    this.backend.keys.setCurrentKey(key)
    let accepted = false
    for (const window of windows) {
      let state: WindowState<C>
      if (this.merging) {
        state = this.addMergingWindow(window)
        if (this.isWindowLate(state.window)) {
          // Retire it: a new late window, never merged into a live one.
          this.removeWindow(state)
          continue
        }
      } else {
        if (this.isWindowLate(window)) continue
        state = this.windowState(window)
      }
      accepted = true
      state.contents = this.config.contents.add(state.contents, state.empty, value, timestamp)
      state.empty = false
      this.setCurrent(state)
      const result = this.config.trigger.onElement(value, timestamp, state.window, this.triggerContext)
      if (isFire(result) && !state.empty) this.emitWindowContents(state)
      if (isPurge(result)) this.clearContents(state)
      this.registerCleanupTimer(key, state.window)
    }
    if (!accepted) {
      if (this.isElementLate(timestamp)) this.lateRecord(streamRecord(value, timestamp, recordKey))
    }
  }

  // ---- timers ----

  onEventTime(timer: InternalTimer<K, TimeWindow>): void {
    this.onTimer(timer, 'EVENT_TIME')
  }

  onProcessingTime(timer: InternalTimer<K, TimeWindow>): void {
    this.onTimer(timer, 'PROCESSING_TIME')
  }

  private onTimer(timer: InternalTimer<K, TimeWindow>, domain: TimeDomain): void {
    this.backend.keys.setCurrentKey(timer.key)
    let state = this.windows.get(this.namespaceOf(timer.namespace))
    // Merging windows: a timer of a window merged away is stale.
    if (state === undefined && this.merging) return
    state ??= { window: timer.namespace, empty: true, contents: undefined, triggerState: undefined }
    this.setCurrent(state)
    const { trigger, assigner } = this.config
    const result =
      domain === 'EVENT_TIME'
        ? trigger.onEventTime(timer.timestamp, state.window, this.triggerContext)
        : trigger.onProcessingTime(timer.timestamp, state.window, this.triggerContext)
    if (isFire(result) && !state.empty) this.emitWindowContents(state)
    if (isPurge(result)) this.clearContents(state)
    if (assigner.timeDomain === domain && timer.timestamp === this.cleanupTime(state.window)) this.clearAllState(state)
  }

  // ---- windows ----

  /** The current key's state of `window`, created if new. */
  private windowState(window: TimeWindow): WindowState<C> {
    const id = this.namespaceOf(window)
    let state = this.windows.get(id)
    if (state === undefined) {
      state = { window, empty: true, contents: undefined, triggerState: undefined }
      this.windows.put(id, state)
    }
    return state
  }

  private removeWindow(state: WindowState<C>): void {
    this.windows.remove(this.namespaceOf(state.window))
  }

  /**
   * Adds `window` to the key's set of merging windows, merging it (and any windows it bridges)
   * per the assigner; returns the state of the window the record belongs to.
   */
  private addMergingWindow(window: TimeWindow): WindowState<C> {
    const existing = Array.from(this.windows.namespacesOfCurrentKey() ?? [], id => this.windows.get(id)!.window)
    const merges: [readonly TimeWindow[], TimeWindow][] = []
    this.config.assigner.mergeWindows!([...existing, window], (from, to) => merges.push([from, to]))
    let result = window
    for (const [from, to] of merges) {
      const preExisting = from.filter(w => w !== window)
      // The assigner reports equal windows once, so the new window may stand in `from` as an
      // equal pre-existing one.
      if (from.some(w => sameWindow(w, window))) result = to
      // The new window inside a pre-existing one: nothing merges.
      if (preExisting.length === 1 && sameWindow(preExisting[0]!, to)) continue
      this.mergeWindows(preExisting, to)
    }
    return this.windowState(result)
  }

  private mergeWindows(from: readonly TimeWindow[], to: TimeWindow): void {
    const { assigner, trigger, contents } = this.config
    if (assigner.timeDomain === 'EVENT_TIME' && this.cleanupTime(to) <= this.timers.currentWatermark()) {
      throw new DataStreamError(
        this.config.info,
        `merging windows into [${to.start}, ${to.end}) would make it end before the current watermark ${this.timers.currentWatermark()}`
      )
    }
    const key = this.backend.keys.currentKey
    const sources = from.map(w => this.windows.get(this.namespaceOf(w))!)
    const target = this.windowState(to)
    this.setCurrent(target)
    this.mergingFrom = sources
    trigger.onMerge?.(to, this.triggerContext)
    this.mergingFrom = []
    for (const source of sources) {
      this.setCurrent(source)
      trigger.clear(source.window, this.triggerContext)
      this.deleteCleanupTimer(key, source.window)
      if (!source.empty) {
        target.contents = target.empty ? source.contents : contents.merge!(target.contents as C, source.contents as C)
        target.empty = false
      }
      this.removeWindow(source)
    }
  }

  private clearContents(state: WindowState<C>): void {
    state.contents = undefined
    state.empty = true
  }

  private clearAllState(state: WindowState<C>): void {
    this.clearContents(state)
    this.setCurrent(state)
    this.config.trigger.clear(state.window, this.triggerContext)
    this.config.contents.clear(this.processContext(state))
    this.backend.clearNamespace(this.namespaceOf(state.window))
    this.removeWindow(state)
  }

  private emitWindowContents(state: WindowState<C>): void {
    const timestamp = maxTimestamp(state.window)
    const key = this.resultKey(this.backend.keys.currentKey)
    const output = this.output
    const out: Collector<R> = { collect: value => output.record(value, timestamp, key) }
    const remaining = this.config.contents.fire(key, this.processContext(state), state.contents as C, out)
    if (remaining === undefined) this.clearContents(state)
    else state.contents = remaining
  }

  private processContext(state: WindowState<C>): ProcessWindowContext {
    const { info, assigner } = this.config
    const { merging, backend } = this
    return processWindowContext(
      state.window,
      this.timers,
      this.output,
      descriptor => {
        if (merging) {
          throw new DataStreamError(info, `windowState("${descriptor.name}") is not available with merging windows (${assigner.name}); use globalState`)
        }
        return backend.getNamespacedState(descriptor, this.namespaceOf(state.window))
      },
      descriptor => backend.getState(descriptor)
    )
  }

  private lateRecord(record: StreamRecord<T, unknown>): void {
    if (emitLateRecord(this.output, this.config.lateDataTag, record)) this.numLateRecordsDropped++
  }

  // ---- time ----

  /** When a window's state is dropped: `maxTimestamp + allowedLateness` in event time, `maxTimestamp` in processing time, never for the global window. */
  private cleanupTime(window: TimeWindow): number {
    switch (this.config.assigner.timeDomain) {
      case 'EVENT_TIME':
        return maxTimestamp(window) + this.config.allowedLateness
      case 'PROCESSING_TIME':
        return maxTimestamp(window)
      case 'GLOBAL':
        return Infinity
    }
  }

  private registerCleanupTimer(key: K, window: TimeWindow): void {
    const time = this.cleanupTime(window)
    if (time === Infinity) return
    if (this.config.assigner.timeDomain === 'EVENT_TIME') this.timers.registerEventTimeTimer(key, window, time)
    else this.timers.registerProcessingTimeTimer(key, window, time)
  }

  private deleteCleanupTimer(key: K, window: TimeWindow): void {
    const time = this.cleanupTime(window)
    if (time === Infinity) return
    if (this.config.assigner.timeDomain === 'EVENT_TIME') this.timers.deleteEventTimeTimer(key, window, time)
    else this.timers.deleteProcessingTimeTimer(key, window, time)
  }

  private isWindowLate(window: TimeWindow): boolean {
    return this.config.assigner.timeDomain === 'EVENT_TIME' && this.cleanupTime(window) <= this.timers.currentWatermark()
  }

  private isElementLate(timestamp: number): boolean {
    return this.config.assigner.timeDomain === 'EVENT_TIME' && timestamp + this.config.allowedLateness <= this.timers.currentWatermark()
  }
}

function sameWindow(a: TimeWindow, b: TimeWindow): boolean {
  return a.start === b.start && a.end === b.end
}

/**
 * How a window's state goes into a snapshot: `{ window: [start, end], contents?, trigger? }`,
 * the contents (left out when empty) through the window's `WindowContents`, the trigger state
 * as `[name, value]` pairs of plain JSON data (the trigger API has no codecs).
 */
function windowStateCodec<C>(info: OperatorInfo, contents: WindowContents<never, C, unknown, unknown>): TableCodec<WindowState<C>> {
  return {
    encode: state => {
      const { start, end } = state.window
      const fail = (detail: string): never => {
        throw new StateError(info, 'windows', `cannot snapshot the window [${start}, ${end}): ${detail}`)
      }
      const encoded: { window: unknown; contents?: unknown; trigger?: unknown } = { window: encodeWindow(state.window) }
      if (!state.empty) encoded.contents = contents.encode(state.contents as C, fail)
      if (state.triggerState !== undefined && state.triggerState.size > 0) encoded.trigger = encodeTriggerState(state.triggerState, fail)
      return encoded
    },
    decode: (encoded, fail) => {
      if (typeof encoded !== 'object' || encoded === null || Array.isArray(encoded)) {
        return fail(`expected a window's state { window, contents?, trigger? }, got ${describeValue(encoded)}`)
      }
      const fields = encoded as { window?: unknown; contents?: unknown; trigger?: unknown }
      const window = decodeWindow(fields.window) ?? fail(`${describeValue(fields.window)} is not a window [start, end]`)
      const empty = !('contents' in fields)
      return {
        window,
        empty,
        contents: empty ? undefined : contents.decode(fields.contents, fail),
        triggerState: fields.trigger === undefined ? undefined : decodeTriggerState(fields.trigger, fail)
      }
    }
  }
}

function encodeTriggerState(state: ReadonlyMap<string, unknown>, fail: Fail): [string, unknown][] {
  return Array.from(state, ([name, value]) => {
    const reason = jsonIncompatibility(value, `trigger state "${name}"`)
    return reason === undefined ? [name, value] : fail(`${reason}; trigger state is snapshotted as it is, so it must be plain JSON data`)
  })
}

function decodeTriggerState(encoded: unknown, fail: Fail): Map<string, unknown> {
  if (!Array.isArray(encoded)) return fail(`the trigger state ${describeValue(encoded)} is not a list of [name, value]`)
  return new Map(
    encoded.map((entry: unknown) =>
      Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string'
        ? ([entry[0], entry[1]] as const)
        : fail(`the trigger state entry ${describeValue(entry)} is not a [name, value] pair`)
    )
  )
}

function stateCell<S>(state: WindowState<unknown>, name: string): TriggerState<S> {
  return {
    value: () => state.triggerState?.get(name) as S | undefined,
    update: value => void (state.triggerState ??= new Map()).set(name, value),
    clear: () => void state.triggerState?.delete(name)
  }
}

/**
 * A window's namespace in the backend and the timer service. For a grid assigner (tumbling and
 * sliding: windows of one size, one per start) the start tells windows apart, a number: no
 * string is built per access. Otherwise (sessions, whose merge target may share its start with
 * a window merged into it; custom assigners) the bounds as `${start}|${end}`.
 */
function windowNamespace(assigner: WindowAssigner<never>): (window: TimeWindow) => string | number {
  return assigner.grid !== undefined && assigner.mergeWindows === undefined ? startOf : windowId
}

function startOf(window: TimeWindow): number {
  return window.start
}
