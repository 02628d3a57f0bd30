/**
 * @internal
 * The runtime of every windowed computation (Flink's `WindowOperator`, with its merging
 * window set folded in): one operator per `windowBy(…).reduce/aggregate/fold/process/apply`.
 *
 * Per key it keeps the open windows (contents, trigger state); timers live in one
 * `InternalTimerService` namespaced by window. A window's state is released at its cleanup
 * time, so memory follows the open windows, never the records seen.
 *
 * A window is named by a number (its namespace in the timers and the backend), never by a
 * string built per record: a grid window (tumbling, sliding) by its start; a merging window (sessions) by a number drawn for it when it is made, a merge
 * result getting a new one (as Flink's `MergingWindowSet` maps each window to a state window);
 * the global window by 0; a window of a custom assigner by a number drawn for it, shared by the
 * keys that have it.
 */
import { DataStreamError, StateError, TimestampError } from '../core/errors'
import type { OutputTag } from '../core/OutputTag'
import { NO_TIMESTAMP, type StreamRecord, streamRecord } from '../core/StreamElement'
import type { InternalTimer, TimeDomain } from '../core/TimerService'
import { describeElement, describeValue } from '../core/describe'
import { ownField } from '../state/snapshotFormat'
import { intersects, maxTimestamp, mergeTimeWindows, type TimeWindow, timeWindow } from './TimeWindow'
import { isFire, isPurge, type OnMergeContext, type Trigger } from './Trigger'
import type { WindowAssigner } from './WindowAssigner'
import type { Fail, WindowContents } from './WindowContents'
import { CONTENTS, MERGING_WINDOWS, mergingWindowsCodec, newWindowState, stateCell, WINDOWS, type WindowState, windowStateCodec } from './windowState'
import { paneTiming } from './PaneInfo'
import { type WindowNaming, windowNaming } from './windowNaming'
import type { ProcessWindowContext } from './WindowFunction'
import type { OperatorTable, TableElements } from '../state/OperatorTable'
import type { StateDescriptor } from '../state/StateDescriptor'
import type { KeyedStateBackend } from '../state/KeyedStateBackend'
import { NumericPriorityQueue } from '../core/PriorityQueue'
import { keyId } from '../core/Key'
import { decodeKey, encodeKey } from '../state/snapshotFormat'
import { endOfWindowDomain } from './knownTriggers'
import { InternalTimerService } from '../core/TimerService'
import { SessionReuse, setBounds } from './SessionReuse'
import { asStreamError } from '../runtime/host'
import {
  AbstractWindowOperator,
  emitLateRecord,
  ResultCollector,
  WindowFunctionContext,
  WINDOW_NAMESPACE,
  type WindowNamespace,
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


/** @internal */
export class WindowOperator<T, C, R, K> extends AbstractWindowOperator<T, R, K, WindowNamespace> {
  /** Open windows by key and namespace; not merging windows (the backend also keeps the window functions' state). */
  private readonly windows: OperatorTable<K, WindowState<C>> | undefined
  /**
   * Merging windows: each key's windows in one list (Flink's `MergingWindowSet`), in the void
   * namespace. A key has a few at most (its sessions), so a scan finds one without a map.
   */
  private readonly mergingWindows: OperatorTable<K, WindowState<C>[]> | undefined
  /**
   * Not merging windows whose contents are their elements, on a backend that keeps them apart
   * (LMDB): a window's elements are here, one entry each, and its state holds none (it stays
   * `empty`), so that a record adds its element without reading the others.
   */
  private readonly elements: TableElements | undefined
  /** The window whose element is being encoded or decoded (`elements`), for `failElement`'s message. */
  private elementWindow: TimeWindow = timeWindow(0, 1)
  private readonly failElement: Fail = detail => {
    const { start, end } = this.elementWindow
    throw new StateError(this.config.info, WINDOWS, `cannot snapshot the window [${start}, ${end}): ${detail}`)
  }
  private readonly merging: boolean
  /** The assigner merges windows that intersect (sessions): merged here without its list building. */
  private readonly mergesIntersecting: boolean
  /** The namespace of the next merging window made: each gets its own, never reused. */
  private nextWindowNamespace = 0
  /**
   * Grid windows under their assigner's default trigger (`eventTimeTrigger()` in event time,
   * `processingTimeTrigger()` in processing time): every key of a window fires at the same time
   * and is cleaned at the same time, so the operator keeps one firing and one cleanup per
   * window, for all its keys, instead of a timer per key and window registered on every record
   * (what the trigger would do). Same results, same order: a window's keys fire in the order of
   * their first records in it, as their timers would.
   */
  private readonly byWindow: boolean
  /** `byWindow` in processing time: one timer per window (by start), for all its keys. */
  private readonly windowTimers: InternalTimerService<number> | undefined
  /** `byWindow`: the keys with state in each window (by start), in the order of their first records. */
  private readonly windowKeys = new Map<number, K[]>()
  /** `byWindow`: the pending firings and cleanups, by time. */
  private readonly schedule = new NumericPriorityQueue<ScheduledWindow>()
  private scheduleSeq = 0
  /**
   * Sessions (`eventTimeSessionWindows` and kin) under `eventTimeTrigger()` without allowed
   * lateness: a session fires and is cleaned when the watermark reaches its end, which the
   * operator tracks itself rather than through timers. A record that extends a session (the
   * usual case) grows it in place, under a new namespace, and touches no timer: the session's
   * pending firing, found early when it comes due, is put back at the session's new end. Due
   * sessions fire in the order of (end, namespace), which is the order their timers would have
   * (a timer is registered right after its window's namespace is drawn).
   */
  private readonly bySession: boolean
  /**
   * Windows neither by window nor merging (custom assigners) under `eventTimeTrigger()` in
   * event time: the operator does what the trigger and the cleanup timer would, without calling
   * the trigger (`endOfWindow`). A window's first record registers the timer at its end (the
   * cleanup's too, the same one without allowed lateness); a record of a window the key already
   * has needs neither (they are never deleted while the window lives; registering one again
   * changes nothing). Their names for the windows' numbers need no lookup by number: no timer
   * of theirs rings for a window given back (see `WindowNumbers`).
   */
  private readonly eventTimeEnd: boolean
  /** Whether `windowState` just made the window's state (its first record for the key). */
  private madeWindow = false
  /**
   * Custom assigners on a table that holds a key's only window state as it is
   * (`OperatorTable.soleNamespaced`): a key mostly has one window (an auction's lifetime), and
   * records of many keys interleave, so that one lookup by key replaces finding the window's
   * number by its bounds and then its state among the key's namespaces.
   */
  private readonly soleWindow: boolean
  /**
   * `bySession`: each session's pending firing, by (end, namespace when pushed). It names its
   * session by key, namespace and window, found in the key's list when due (`dueSession`), so
   * that sessions can leave memory meanwhile on a backend that evicts values.
   */
  private readonly sessionSchedule = new NumericPriorityQueue<ScheduledSession<K>>()
  /** `bySession` on a table whose values stay in memory: ended sessions' objects, for the next ones. */
  private readonly sessionReuse: SessionReuse<C> | undefined
  private readonly naming: WindowNaming
  private readonly assignerContext = { currentProcessingTime: () => this.config.scheduler.now() }
  /**
   * The watermark emitted last: a result stamped at or before it is late downstream, so a
   * window's end-of-window firing is on time only while its end is after it (`paneTiming`).
   * During an advance it is still the one before, the watermark being emitted after the
   * firings it causes.
   */
  private outputWatermark = -Infinity
  /** Panes of processing-time windows are timed on the processing-time clock (`paneTiming`). */
  private readonly processingTimeWindows: boolean

  // The key and window a trigger is being called for, and the windows merging into it.
  private currentState!: WindowState<C>
  private mergingFrom: readonly WindowState<C>[] = []
  private readonly triggerContext: OnMergeContext
  private readonly windowFunctionContext: WindowFunctionContext
  private readonly collector: ResultCollector<R, K>

  constructor(
    private readonly config: WindowOperatorConfig<T, C, R, K>,
    output: ChainOutput<R, K>,
    context: ChainContext
  ) {
    super(config, output, context, undefined, WINDOW_NAMESPACE)
    const { assigner } = config
    this.merging = assigner.mergeWindows !== undefined
    this.mergesIntersecting = assigner.mergeWindows === mergeTimeWindows
    const firesAtEnd = endOfWindowDomain(config.trigger)
    this.byWindow = !this.merging && assigner.grid !== undefined && firesAtEnd === assigner.timeDomain
    if (this.byWindow && assigner.timeDomain === 'PROCESSING_TIME') {
      const { info, scheduler } = config
      this.windowTimers = new InternalTimerService<number>(
        { onEventTime: () => undefined, onProcessingTime: timer => this.fireWindow(timer.key, true, true) },
        { scheduler, onError: error => context.fail(output, info, asStreamError(info, error, undefined, 'firing a processing-time window')) }
      )
    }
    this.bySession = this.mergesIntersecting && assigner.timeDomain === 'EVENT_TIME' && firesAtEnd === 'EVENT_TIME' && config.allowedLateness === 0
    this.processingTimeWindows = assigner.timeDomain === 'PROCESSING_TIME'
    this.eventTimeEnd = !this.merging && !this.byWindow && assigner.timeDomain === 'EVENT_TIME' && firesAtEnd === 'EVENT_TIME'
    // Only a trigger's own timers may ring for a window whose number was given back.
    this.naming = windowNaming(assigner, !this.eventTimeEnd)
    // Window functions and triggers only run for a key: state is always in a keyed context.
    this.backend.keys.active = true
    // Copy-on-write snapshots: window state is only ever reached through the table (`get` with
    // the key current), never through references kept across records.
    if (this.merging) {
      this.mergingWindows = this.backend.internalTable<WindowState<C>[]>('merging-windows', mergingWindowsCodec(config.info, config.contents), {
        copyOnWrite: true,
        keepsReferences: false
      })
      if (this.bySession && this.mergingWindows.valuesStay) this.sessionReuse = new SessionReuse<C>()
    } else {
      const elementsField = config.contents.encodeElement === undefined ? undefined : CONTENTS
      this.windows = this.backend.internalTable<WindowState<C>>('windows', windowStateCodec(config.info, config.contents, this.naming), {
        copyOnWrite: true,
        keepsReferences: false,
        elementsField
      })
    }
    this.elements = this.merging || config.contents.encodeElement === undefined ? undefined : this.windows!.elements
    this.soleWindow = this.naming.drawn !== undefined && this.windows?.soleNamespaced !== undefined
    const { info } = config
    this.collector = new ResultCollector<R, K>(output)
    this.windowFunctionContext = new WindowFunctionContext(
      this.timers,
      output as ChainOutput<unknown, unknown>,
      this.backend as KeyedStateBackend<unknown>,
      this.merging
        ? descriptor => {
            throw new DataStreamError(info, `windowState("${descriptor.name}") is not available with merging windows (${assigner.name}); use globalState`)
          }
        : undefined
    )
    const keys = this.backend.keys
    const timers = this.timers
    const self = this
    this.triggerContext = {
      // The operator's watermark, not the timer service's: they differ only while the end of
      // input flushes the pending processing-time timers, which happens after W(+∞) arrived
      // (a trigger then knows that every event-time window is complete, and about to fire).
      currentWatermark: () => self.currentWatermark,
      currentProcessingTime: () => timers.currentProcessingTime(),
      registerEventTimeTimer: t => timers.registerEventTimeTimer(keys.currentKey, self.currentState.namespace, t),
      deleteEventTimeTimer: t => timers.deleteEventTimeTimer(keys.currentKey, self.currentState.namespace, t),
      registerProcessingTimeTimer: t => timers.registerProcessingTimeTimer(keys.currentKey, self.currentState.namespace, t),
      deleteProcessingTimeTimer: t => timers.deleteProcessingTimeTimer(keys.currentKey, self.currentState.namespace, t),
      getPartitionedState: <D extends StateDescriptor>(descriptor: D) => self.backend.getNamespacedState(descriptor, self.currentState.namespace),
      mergePartitionedState: descriptor =>
        self.backend.mergeNamespaces(
          descriptor,
          self.currentState.namespace,
          self.mergingFrom.map(source => source.namespace)
        ),
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
    if (this.byWindow || this.bySession) {
      accepted = this.byWindow ? this.addToWindows(windows, value, timestamp) : this.addToSessions(windows, value, timestamp, key)
      if (!accepted && this.isElementLate(timestamp)) this.lateRecord(streamRecord(value, timestamp, recordKey))
      return
    }
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
      if (this.elements !== undefined) this.addElement(state, value, timestamp)
      else {
        state.contents = this.config.contents.add(state.contents, state.empty, value, timestamp)
        state.empty = false
      }
      if (this.eventTimeEnd) {
        this.endOfWindow(key, state)
        continue
      }
      this.setCurrent(state)
      const result = this.config.trigger.onElement(value, timestamp, state.window, this.triggerContext)
      if (isFire(result) && this.hasContents(state)) this.emitWindowContents(state, this.firedAt(undefined, NaN), false)
      if (isPurge(result)) this.clearContents(state)
      this.registerCleanupTimer(key, state)
    }
    if (!accepted) {
      if (this.isElementLate(timestamp)) this.lateRecord(streamRecord(value, timestamp, recordKey))
    }
  }

  /**
   * `eventTimeEnd`: what `eventTimeTrigger()`'s `onElement` and the cleanup timer do for a
   * record in `state`'s window, without calling the trigger: the window fires at once if the
   * watermark passed its end (a record within the allowed lateness), else its first record
   * registers the timer at its end. The cleanup timer is that same timer without allowed
   * lateness, and later with it.
   */
  private endOfWindow(key: K, state: WindowState<C>): void {
    const end = maxTimestamp(state.window)
    if (end <= this.currentWatermark) this.emitWindowContents(state, this.firedAt(undefined, NaN), false)
    else if (this.madeWindow) this.timers.registerEventTimeTimer(key, state.namespace, end)
    if (this.madeWindow && this.config.allowedLateness !== 0) this.registerCleanupTimer(key, state)
  }

  /**
   * `byWindow`: what `eventTimeTrigger()` and the cleanup timer would do, without timers: a
   * window already past its end fires at once (a record within the allowed lateness). Returns
   * whether any window took the record.
   */
  private addToWindows(windows: readonly TimeWindow[], value: T, timestamp: number): boolean {
    const contents = this.config.contents
    const watermark = this.timers.currentWatermark()
    let accepted = false
    for (const window of windows) {
      if (this.isWindowLate(window)) continue
      const state = this.windowState(window)
      accepted = true
      if (this.elements !== undefined) this.addElement(state, value, timestamp)
      else {
        state.contents = contents.add(state.contents, state.empty, value, timestamp)
        state.empty = false
      }
      // In processing time the window's end is always ahead: it was assigned by the clock.
      if (maxTimestamp(window) <= watermark && this.windowTimers === undefined) this.emitWindowContents(state, watermark, false)
    }
    return accepted
  }

  /**
   * `bySession`: what the merging, the trigger and the cleanup timers would do (see
   * `bySession`), with the key's windows in the same list order as the general path keeps them.
   */
  private addToSessions(windows: readonly TimeWindow[], value: T, timestamp: number, key: K): boolean {
    const contents = this.config.contents
    const table = this.mergingWindows!
    let accepted = false
    for (const window of windows) {
      const list = table.get(undefined)
      const landing = sessionLanding(list, window)
      let state: WindowState<C>
      if (landing === undefined) {
        // A new session; a late one is never made (no live session is late: they are cleaned).
        if (this.isWindowLate(window)) continue
        state = this.newSession(list, window)
        this.scheduleSession(key, state)
      } else {
        state = landing === MERGES ? this.growSession(list!, window) : landing
      }
      accepted = true
      state.contents = contents.add(state.contents, state.empty, value, timestamp)
      state.empty = false
    }
    return accepted
  }

  /** `bySession`: a new session of the current key, with a namespace of its own, at the end of its list. */
  private newSession(list: WindowState<C>[] | undefined, window: TimeWindow): WindowState<C> {
    const namespace = this.nextWindowNamespace++
    const reuse = this.sessionReuse
    if (list !== undefined) {
      const state = reuse === undefined ? newWindowState<C>(window, namespace) : reuse.state(window, namespace)
      list.push(state)
      return state
    }
    const made = reuse === undefined ? [newWindowState<C>(window, namespace)] : reuse.list(window, namespace)
    this.mergingWindows!.put(undefined, made)
    return made[0]!
  }

  /**
   * `bySession`: merges `window` and the sessions it intersects into the first of them (in list
   * order), which takes their cover and a new namespace and goes to the end of the list, as the
   * general path's merge result would. Its pending firing stays where it is, early. The list is
   * compacted in place: this runs for nearly every record of a session that grows.
   */
  private growSession(list: WindowState<C>[], window: TimeWindow): WindowState<C> {
    const { contents } = this.config
    let target: WindowState<C> | undefined
    let start = window.start
    let end = window.end
    let merged: C | undefined
    let empty = true
    let kept = 0
    for (let i = 0; i < list.length; i++) {
      const state = list[i]!
      if (!intersects(state.window, window)) {
        list[kept++] = state
        continue
      }
      target ??= state
      if (state.window.start < start) start = state.window.start
      if (state.window.end > end) end = state.window.end
      if (!state.empty) {
        merged = empty ? state.contents : contents.merge!(merged as C, state.contents as C)
        empty = false
      }
    }
    // On the heap the session's window is its own (see `SessionReuse`): grown in place.
    if (this.sessionReuse === undefined) target!.window = timeWindow(start, end)
    else setBounds(target!.window, start, end)
    target!.namespace = this.nextWindowNamespace++
    target!.contents = merged
    target!.empty = empty
    // The sessions kept, then the grown one. Written in place: cutting the list to `kept` and
    // pushing would empty it in the common case (one session, which grows), and V8 then drops
    // its backing store and allocates a new one on the push.
    list[kept] = target!
    if (list.length !== kept + 1) list.length = kept + 1
    return target!
  }

  /** `byWindow`: files the current key under the window `state` was just made for; a window's first key schedules it. */
  private addWindowKey(start: number, window: TimeWindow): void {
    const key = this.backend.keys.currentKey
    const keys = this.windowKeys.get(start)
    if (keys !== undefined) {
      keys.push(key)
      return
    }
    this.windowKeys.set(start, [key])
    this.scheduleWindow(start, window)
  }

  /** `byWindow`: a firing at the window's end unless already past, then its cleanup (one event when they coincide). */
  private scheduleWindow(start: number, window: TimeWindow): void {
    if (this.windowTimers !== undefined) {
      // Processing time: the window fires and is cleaned when the clock reaches its end.
      this.windowTimers.registerProcessingTimeTimer(start, undefined, maxTimestamp(window))
      return
    }
    const end = maxTimestamp(window)
    const cleanup = this.cleanupTime(window)
    if (end > this.timers.currentWatermark() && end < cleanup) this.schedule.push(end, this.scheduleSeq++, { start, fire: true, cleanup: false })
    this.schedule.push(cleanup, this.scheduleSeq++, { start, fire: end === cleanup && end > this.timers.currentWatermark(), cleanup: true })
  }

  /** The watermark is set: with `byWindow`, the windows it reaches fire (and are cleaned) key by key. */
  protected override advanceEventTime(time: number): void {
    // The end of event time fires every pending processing-time window first, as the base
    // does for timers (`processWatermark`).
    if (time === Infinity) this.windowTimers?.fireProcessingTimeTimersNow()
    this.timers.advanceWatermark(time)
    if (this.bySession) this.fireSessions(time)
    if (this.byWindow) {
      const schedule = this.schedule
      for (let due = schedule.peek(); due !== undefined && schedule.peekPriority()! <= time; due = schedule.peek()) {
        schedule.pop()
        this.fireWindow(due.start, due.fire, due.cleanup)
      }
    }
    // What fired fired before `time`, which is emitted next.
    this.outputWatermark = time
  }

  /** `byWindow`: the window at `start` fires and/or is cleaned, key by key in the order of their first records. */
  private fireWindow(start: number, fire: boolean, cleanup: boolean): void {
    const keys = this.windowKeys.get(start)
    if (keys === undefined) return
    if (cleanup) this.windowKeys.delete(start)
    const windows = this.windows!
    const backendKeys = this.backend.keys
    for (const key of keys) {
      backendKeys.setCurrentKey(key)
      const state = windows.get(start)
      if (state === undefined) continue
      // Its end-of-window firing, at its end on its clock; the last when it is cleaned with it.
      if (fire && this.hasContents(state)) this.emitWindowContents(state, maxTimestamp(state.window), cleanup)
      if (cleanup) this.clearWindow(state)
    }
  }

  /** `bySession`: the sessions whose end the watermark reached fire and are cleaned; those that grew meanwhile are put back. */
  private fireSessions(time: number): void {
    const schedule = this.sessionSchedule
    const table = this.mergingWindows!
    const keys = this.backend.keys
    for (let due = schedule.peek(); due !== undefined && schedule.peekPriority()! <= time; due = schedule.peek()) {
      schedule.pop()
      const { key } = due
      keys.setCurrentKey(key)
      const list = table.get(undefined)
      const state = this.dueSession(list, due)
      if (state === undefined) continue
      if (state.namespace !== due.namespace) {
        this.scheduleSession(key, state)
        continue
      }
      const reuse = this.sessionReuse
      const own = state.window
      // The user gets a window of its own, never changed: the session's is reused.
      if (reuse !== undefined) state.window = timeWindow(own.start, own.end)
      if (!state.empty) this.emitWindowContents(state, maxTimestamp(own), true)
      const last = list!.length === 1
      this.clearWindow(state)
      if (reuse === undefined) continue
      state.window = own
      if (last) reuse.endedList(list!)
      else reuse.endedState(state)
    }
  }

  /** `bySession`: the session's pending firing, at its end and namespace. */
  private scheduleSession(key: K, state: WindowState<C>): void {
    const { start, end } = state.window
    this.sessionSchedule.push(maxTimestamp(state.window), state.namespace, { key, namespace: state.namespace, start, end })
  }

  /**
   * `bySession`: the session a due firing is for, in the key's `list` (a scan, as finding a
   * held session in it was): the one with the namespace scheduled, fired; else the one covering
   * the window scheduled, put back at its end. A session only grows into one that covers its
   * old window (by growing, which draws a new namespace, or by merging into another), and
   * sessions never intersect, so at most one covers it. A session reached from two merged ones
   * is put back twice and fires at the first: the second then finds nothing.
   */
  private dueSession(list: readonly WindowState<C>[] | undefined, due: ScheduledSession<K>): WindowState<C> | undefined {
    if (list === undefined) return undefined
    let covering: WindowState<C> | undefined
    for (let i = 0; i < list.length; i++) {
      const state = list[i]!
      if (state.namespace === due.namespace) return state
      if (state.window.start <= due.start && due.end <= state.window.end) covering = state
    }
    return covering
  }

  // ---- timers ----

  onEventTime(timer: InternalTimer<K, WindowNamespace>): void {
    this.onTimer(timer, 'EVENT_TIME')
  }

  onProcessingTime(timer: InternalTimer<K, WindowNamespace>): void {
    this.onTimer(timer, 'PROCESSING_TIME')
  }

  private onTimer(timer: InternalTimer<K, WindowNamespace>, domain: TimeDomain): void {
    this.backend.keys.setCurrentKey(timer.key)
    const namespace = timer.namespace
    let state: WindowState<C> | undefined
    if (this.merging) {
      state = this.mergingWindows!.get(undefined)?.find(w => w.namespace === namespace)
      // A timer of a window merged away is stale.
      if (state === undefined) return
    } else {
      state = this.windows!.get(namespace)
      if (state === undefined) {
        // A timer of a custom assigner's window no key keeps state in any longer: the window is
        // gone (cleaned up), and with it everything its trigger could fire.
        const window = this.naming.window(namespace)
        if (window === undefined) return
        state = newWindowState(window, namespace)
      }
    }
    if (this.eventTimeEnd && domain === 'EVENT_TIME') {
      this.onEndOfWindowTimer(state, timer.timestamp)
      return
    }
    this.setCurrent(state)
    const { trigger, assigner } = this.config
    const result =
      domain === 'EVENT_TIME'
        ? trigger.onEventTime(timer.timestamp, state.window, this.triggerContext)
        : trigger.onProcessingTime(timer.timestamp, state.window, this.triggerContext)
    // The cleanup follows in this same callback: then nothing can fire the window again.
    const cleanup = assigner.timeDomain === domain && timer.timestamp === this.cleanupTime(state.window)
    if (isFire(result) && this.hasContents(state)) this.emitWindowContents(state, this.firedAt(domain, timer.timestamp), cleanup)
    if (isPurge(result)) this.clearContents(state)
    if (cleanup) this.clearAllState(state)
  }

  /**
   * `eventTimeEnd`: what `eventTimeTrigger()` and the cleanup would do at `time`, without
   * calling the trigger: the window fires at its end, and its state goes at its cleanup time.
   * The trigger's `clear` is left out: it deletes the timer at the window's end, which has
   * already fired by the cleanup time (this timer, or an earlier one), or was never registered
   * (a window made past its end fired at once).
   */
  private onEndOfWindowTimer(state: WindowState<C>, time: number): void {
    const cleanup = time === this.cleanupTime(state.window)
    if (time === maxTimestamp(state.window) && this.hasContents(state)) this.emitWindowContents(state, time, cleanup)
    if (cleanup) this.clearWindow(state)
  }

  // ---- windows ----

  /** The current key's state of `window`, created if new: not merging windows. */
  private windowState(window: TimeWindow): WindowState<C> {
    const windows = this.windows!
    if (this.soleWindow) {
      const found = windows.soleNamespaced!()
      if (found !== undefined && found.window.start === window.start && found.window.end === window.end) {
        this.madeWindow = false
        return found
      }
    }
    const namespace = this.naming.of(window)
    let state = windows.get(namespace)
    this.madeWindow = state === undefined
    if (state === undefined) {
      windows.put(namespace, (state = newWindowState(window, namespace)))
      if (this.byWindow) this.addWindowKey(namespace, window)
      this.naming.drawn?.retain(namespace, window)
    }
    return state
  }

  private removeWindow(state: WindowState<C>): void {
    if (!this.merging) {
      this.windows!.remove(state.namespace)
      this.naming.drawn?.release(state.namespace, state.window)
      return
    }
    const table = this.mergingWindows!
    const list = table.get(undefined)
    if (list === undefined) return
    const at = list.indexOf(state)
    if (at < 0) return
    if (list.length === 1) table.remove(undefined)
    else list.splice(at, 1)
  }

  /** A new merging window of the current key, with a namespace of its own. */
  private addWindow(list: WindowState<C>[] | undefined, window: TimeWindow): WindowState<C> {
    const state = newWindowState<C>(window, this.nextWindowNamespace++)
    if (list === undefined) this.mergingWindows!.put(undefined, [state])
    else list.push(state)
    return state
  }

  /**
   * Adds `window` to the key's merging windows, merging it (and any windows it bridges) per the
   * assigner; returns the state of the window the record belongs to.
   */
  private addMergingWindow(window: TimeWindow): WindowState<C> {
    const list = this.mergingWindows!.get(undefined)
    if (list === undefined) return this.addWindow(list, window)
    return this.mergesIntersecting ? this.mergeIntersecting(list, window) : this.mergeByAssigner(list, window)
  }

  /**
   * Sessions: what the assigner's sort-and-sweep would report, found by one scan. The key's
   * windows never intersect one another (those that did were merged), so the windows that merge
   * with `window` are exactly those it intersects, and their cover is the merge result.
   */
  private mergeIntersecting(list: WindowState<C>[], window: TimeWindow): WindowState<C> {
    const landing = sessionLanding(list, window)
    if (landing === undefined) return this.addWindow(list, window)
    if (landing !== MERGES) return landing
    const sources: WindowState<C>[] = []
    let start = window.start
    let end = window.end
    for (const state of list) {
      if (!intersects(state.window, window)) continue
      sources.push(state)
      if (state.window.start < start) start = state.window.start
      if (state.window.end > end) end = state.window.end
    }
    return this.mergeWindows(list, sources, timeWindow(start, end))
  }

  /** Any other merging assigner: its `mergeWindows` over the key's windows and the new one. */
  private mergeByAssigner(list: WindowState<C>[], window: TimeWindow): WindowState<C> {
    const merges: [readonly TimeWindow[], TimeWindow][] = []
    this.config.assigner.mergeWindows!([...list.map(state => state.window), window], (from, to) => merges.push([from, to]))
    let result = window
    for (const [from, to] of merges) {
      const preExisting = from.filter(w => w !== window)
      // The assigner reports equal windows once, so the new window may stand in `from` as an
      // equal pre-existing one.
      if (from.some(w => sameWindow(w, window))) result = to
      // The new window inside a pre-existing one: nothing merges.
      if (preExisting.length === 1 && sameWindow(preExisting[0]!, to)) continue
      const current = this.mergingWindows!.get(undefined) ?? []
      const sources = preExisting.map(w => current.find(state => sameWindow(state.window, w))!).filter(state => !sameWindow(state.window, to))
      this.mergeWindows(current, sources, to)
    }
    const current = this.mergingWindows!.get(undefined)
    return current?.find(state => sameWindow(state.window, result)) ?? this.addWindow(current, result)
  }

  /** Merges `sources` (windows of `list`) into `to` (one of `list`, or new); returns its state. */
  private mergeWindows(list: WindowState<C>[], sources: readonly WindowState<C>[], to: TimeWindow): WindowState<C> {
    const { assigner, trigger, contents } = this.config
    if (assigner.timeDomain === 'EVENT_TIME' && this.cleanupTime(to) <= this.timers.currentWatermark()) {
      throw new DataStreamError(
        this.config.info,
        `merging windows into [${to.start}, ${to.end}) would make it end before the current watermark ${this.timers.currentWatermark()}`
      )
    }
    const key = this.backend.keys.currentKey
    const target = list.find(state => sameWindow(state.window, to)) ?? this.addWindow(list, to)
    this.setCurrent(target)
    this.mergingFrom = sources
    trigger.onMerge?.(to, this.triggerContext)
    this.mergingFrom = []
    for (const source of sources) {
      this.setCurrent(source)
      trigger.clear(source.window, this.triggerContext)
      this.deleteCleanupTimer(key, source)
      if (!source.empty) {
        target.contents = target.empty ? source.contents : contents.merge!(target.contents as C, source.contents as C)
        target.empty = false
      }
      // What the trigger's clear left of its partitioned state: the namespace is never used again.
      this.backend.clearNamespace(source.namespace)
      this.removeWindow(source)
    }
    return target
  }

  private clearContents(state: WindowState<C>): void {
    state.contents = undefined
    state.empty = true
    this.elements?.update(state.namespace, [])
  }

  /** `elements`: the record's element goes to the window's, unread. */
  private addElement(state: WindowState<C>, value: T, timestamp: number): void {
    this.elements!.add(state.namespace, this.config.contents.encodeElement!(value, timestamp))
  }

  /** Whether the window may have contents to fire: with `elements`, only reading them tells (`emitWindowContents`). */
  private hasContents(state: WindowState<C>): boolean {
    return this.elements !== undefined || !state.empty
  }

  private clearAllState(state: WindowState<C>): void {
    this.setCurrent(state)
    this.config.trigger.clear(state.window, this.triggerContext)
    this.clearWindow(state)
  }

  /** Everything of the window but its trigger's state (`byWindow`: the trigger has none). */
  private clearWindow(state: WindowState<C>): void {
    this.clearContents(state)
    this.config.contents.clear(this.processContext(state))
    // The window function's window state, and the trigger's partitioned state.
    this.backend.clearNamespace(state.namespace)
    this.removeWindow(state)
  }

  /**
   * Evaluates the window: its next pane, fired at `firedAt` on the window's clock (see
   * `firedAt`), the last one if the window is cleaned up right after (`isLast`).
   */
  private emitWindowContents(state: WindowState<C>, firedAt: number, isLast: boolean): void {
    const elements = this.elements
    let contents = state.contents as C
    let count = 0
    if (elements !== undefined) {
      const encoded = elements.get(state.namespace)
      if (encoded.length === 0) return
      count = encoded.length
      this.elementWindow = state.window
      contents = this.config.contents.decode(encoded, this.failElement)
    }
    const timestamp = maxTimestamp(state.window)
    const key = this.resultKey(this.backend.keys.currentKey)
    const timing = paneTiming(state.nonEarlyPanes, firedAt, timestamp, this.processingTimeWindows ? -Infinity : this.outputWatermark)
    const context = this.windowFunctionContext.firing(state.window, state.namespace, timing, state.panes, state.nonEarlyPanes, isLast)
    // In place: every caller reached the state through its table for the current key.
    state.panes++
    if (timing !== 'EARLY') state.nonEarlyPanes++
    const remaining = this.config.contents.fire(key, context, contents, this.collector.at(timestamp, key))
    if (elements !== undefined) this.keepElements(state, contents, count, remaining)
    else if (remaining === undefined) this.clearContents(state)
    else state.contents = remaining
  }

  /**
   * `elements`: what a firing left of the `count` elements read as `fired` is kept. Evictors
   * only remove elements, so the same contents of the same size are the elements stored;
   * anything else replaces them.
   */
  private keepElements(state: WindowState<C>, fired: C, count: number, remaining: C | undefined): void {
    const { contents } = this.config
    if (remaining === undefined) this.elements!.update(state.namespace, [])
    else if (remaining !== fired || contents.size!(remaining) !== count) {
      this.elementWindow = state.window
      this.elements!.update(state.namespace, contents.encode(remaining, this.failElement) as unknown[])
    }
  }

  private processContext(state: WindowState<C>): ProcessWindowContext {
    return this.windowFunctionContext.at(state.window, state.namespace)
  }

  /**
   * When a firing happens on the window's clock, for its pane's timing (`paneTiming`): an
   * event-time window fires at the time of the event-time timer that rang (`domain`
   * `EVENT_TIME`, `time`), or else (a record, a processing-time timer: `domain` undefined or
   * `PROCESSING_TIME`) at the watermark emitted last; a processing-time window at the time
   * of the processing-time timer that rang, or else now.
   */
  private firedAt(domain: TimeDomain | undefined, time: number): number {
    if (this.processingTimeWindows) return domain === 'PROCESSING_TIME' ? time : this.config.scheduler.now()
    return domain === 'EVENT_TIME' ? time : this.outputWatermark
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

  private registerCleanupTimer(key: K, state: WindowState<C>): void {
    const time = this.cleanupTime(state.window)
    if (time === Infinity) return
    if (this.config.assigner.timeDomain === 'EVENT_TIME') this.timers.registerEventTimeTimer(key, state.namespace, time)
    else this.timers.registerProcessingTimeTimer(key, state.namespace, time)
  }

  private deleteCleanupTimer(key: K, state: WindowState<C>): void {
    const time = this.cleanupTime(state.window)
    if (time === Infinity) return
    if (this.config.assigner.timeDomain === 'EVENT_TIME') this.timers.deleteEventTimeTimer(key, state.namespace, time)
    else this.timers.deleteProcessingTimeTimer(key, state.namespace, time)
  }

  // ---- snapshots ----

  /** The namespace the next merging window gets: timers name windows by it. */
  protected override snapshotOwn(): Record<string, unknown> {
    const firing = { firing: this.firing() }
    if (this.byWindow) return { ...firing, windowKeys: Array.from(this.windowKeys, ([start, keys]) => [start, keys.map(encodeKey)]) }
    if (this.naming.drawn !== undefined) return { ...firing, nextWindowNamespace: this.naming.drawn.next }
    return this.merging ? { ...firing, nextWindowNamespace: this.nextWindowNamespace } : firing
  }

  /**
   * What fires the windows: the trigger through timers, or the operator's own schedule (per
   * window, per session). A snapshot of one restores only into the same: the other would find
   * no timers (or timers it does not keep) and never fire the windows.
   */
  private firing(): 'timers' | 'byWindow' | 'bySession' {
    return this.byWindow ? 'byWindow' : this.bySession ? 'bySession' : 'timers'
  }

  protected override restoreOwn(own: unknown): void {
    // The restored watermark was emitted before the snapshot was taken.
    this.outputWatermark = this.currentWatermark
    const firing = ownField(own, 'firing')
    // No `firing`: not a snapshot of this kind of operator (sliced windows'), which the
    // restore reports by what it holds.
    if (firing !== undefined && firing !== this.firing()) {
      throw new StateError(
        this.config.info,
        this.merging ? MERGING_WINDOWS : WINDOWS,
        `cannot restore: the snapshot's windows fire by ${describeValue(firing)}, this operator's by "${this.firing()}" (the trigger, the allowed lateness or the assigner changed): the windows would never fire`
      )
    }
    if (this.byWindow) {
      this.restoreWindowKeys(ownField(own, 'windowKeys'))
      return
    }
    const { drawn } = this.naming
    if (!this.merging && drawn === undefined) return
    const next = ownField(own, 'nextWindowNamespace')
    if (!Number.isSafeInteger(next) || (next as number) < 0) {
      throw new StateError(this.config.info, this.merging ? MERGING_WINDOWS : WINDOWS, `cannot restore: nextWindowNamespace ${describeValue(next)} is not a count`)
    }
    if (drawn !== undefined) {
      // Numbers of the restored windows were taken by the table's restore; none below `next` is drawn again.
      drawn.next = Math.max(drawn.next, next as number)
      return
    }
    this.nextWindowNamespace = next as number
    if (this.bySession) this.scheduleRestoredSessions()
  }

  /** `bySession`: every restored session's firing, by (end, namespace) as before the snapshot. */
  private scheduleRestoredSessions(): void {
    this.sessionSchedule.clear()
    for (const { key, value } of this.mergingWindows!.entries()) {
      for (const state of value ?? []) this.scheduleSession(key, state)
    }
  }

  /**
   * `byWindow`: the keys of each window in the order the snapshot lists them (their firing
   * order), checked against the restored windows, and the schedule made anew from them.
   */
  private restoreWindowKeys(encoded: unknown): void {
    const fail = (detail: string): never => {
      throw new StateError(this.config.info, 'windows', `cannot restore: ${detail}`)
    }
    this.windowKeys.clear()
    this.schedule.clear()
    for (const timer of this.windowTimers?.processingTimeTimers() ?? []) this.windowTimers!.deleteProcessingTimeTimer(timer.key, undefined, timer.timestamp)
    const restored = new Map<number, Map<unknown, K>>()
    for (const entry of this.windows!.entries()) {
      for (const start of entry.namespaces?.keys() ?? []) {
        let keys = restored.get(start as number)
        if (keys === undefined) restored.set(start as number, (keys = new Map()))
        keys.set(entry.id, entry.key)
      }
    }
    if (!Array.isArray(encoded)) fail(`windowKeys ${describeValue(encoded)} is not a list of [start, keys]`)
    for (const item of encoded as unknown[]) {
      if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== 'number' || !Array.isArray(item[1])) {
        return fail(`the windowKeys entry ${describeValue(item)} is not [start, keys]`)
      }
      const [start, encodedKeys] = item as [number, unknown[]]
      const keys = restored.get(start)
      if (keys === undefined || keys.size !== encodedKeys.length) return fail(`the keys of the window at ${start} do not match its state`)
      const ordered = encodedKeys.map(k => {
        const key = keys.get(keyId(decodeKey(k as Parameters<typeof decodeKey>[0])))
        return key !== undefined ? key : fail(`the window at ${start} lists the key ${describeValue(k)}, which has no state in it`)
      })
      this.windowKeys.set(start, ordered)
      this.scheduleWindow(start, this.naming.window(start)!)
    }
    if (this.windowKeys.size !== restored.size) fail('a window with state is missing from windowKeys')
  }

  override close(): void {
    this.windowTimers?.dispose()
    super.close()
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

/** `sessionLanding`: the new window extends or bridges sessions. */
const MERGES: unique symbol = Symbol('merges')

/**
 * Where a new session window lands among a key's sessions (which never intersect one another,
 * those that did were merged): `undefined` when it intersects none, the session when exactly
 * one contains it, else `MERGES`, found by one scan without allocating.
 */
function sessionLanding<C>(list: readonly WindowState<C>[] | undefined, window: TimeWindow): WindowState<C> | undefined | typeof MERGES {
  if (list === undefined) return undefined
  let found: WindowState<C> | undefined
  for (let i = 0; i < list.length; i++) {
    const state = list[i]!
    if (!intersects(state.window, window)) continue
    if (found !== undefined) return MERGES
    found = state
  }
  if (found === undefined) return undefined
  return found.window.start <= window.start && window.end <= found.window.end ? found : MERGES
}

/**
 * `bySession`: a session's pending firing, stale if the session has since taken another
 * namespace (found by `namespace` or `window`, see `dueSession`).
 */
interface ScheduledSession<K> {
  readonly key: K
  readonly namespace: number
  /** The session's window when scheduled (its bounds: on the heap the window grows in place). */
  readonly start: number
  readonly end: number
}

/** `byWindow`: a window's pending firing or cleanup (or both at once, when they coincide). */
interface ScheduledWindow {
  readonly start: number
  readonly fire: boolean
  readonly cleanup: boolean
}
