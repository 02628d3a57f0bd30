/**
 * Timers scoped to a key and a namespace, in event time and in processing time: what windows,
 * keyed process functions and joins stand on (Flink's `InternalTimerService`).
 *
 * - Event-time timers fire when the watermark reaches them, synchronously inside
 *   {@link InternalTimerService.advanceWatermark}, so an operator emits their results before it
 *   forwards the watermark.
 * - Processing-time timers fire from the scheduler, the only clock (a `TestScheduler` in tests).
 * - A timer is identified by (key, namespace, time): registering it twice fires it once.
 *
 * Runtime machinery: of this module only {@link TimeDomain} is public (the package root
 * exports it); the rest is marked internal and left out of the published declarations.
 *
 * @example
 * import * as ds from './TimerService'
 *
 * const fired: string[] = []
 * const timers = new ds.InternalTimerService<string>({
 *   onEventTime: timer => fired.push(`${timer.key}@${timer.timestamp}`),
 *   onProcessingTime: () => {}
 * })
 * timers.registerEventTimeTimer('a', undefined, 20)
 * timers.registerEventTimeTimer('b', undefined, 10)
 * timers.registerEventTimeTimer('b', undefined, 10) // the same timer: fires once
 * timers.advanceWatermark(15) // fired: ['b@10']
 * timers.advanceWatermark(Infinity) // fired: ['b@10', 'a@20']
 *
 * @since 0.1.0
 */
import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs'
import { describeValue } from './describe'
import { HeapTimerQueue } from './HeapTimerQueue'
import type { PendingTimers, TimerQueue } from './TimerQueue'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The clock a timer or a window runs on (Flink's `TimeDomain`): the watermark (`EVENT_TIME`)
 * or the scheduler (`PROCESSING_TIME`). `OnTimerContext.timeDomain()` gives it for a firing
 * timer, and a window assigner's `timeDomain` for its windows.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const domain: ds.TimeDomain = 'EVENT_TIME'
 *
 * @category time
 * @since 0.1.0
 */
export type TimeDomain = 'EVENT_TIME' | 'PROCESSING_TIME'

/**
 * A timer as it fires: the key and namespace (e.g. the window) it is scoped to, its time in
 * milliseconds and its domain.
 *
 * @example
 * import * as ds from './TimerService'
 *
 * const timer: ds.InternalTimer<string, undefined> = {
 *   key: 'user-1',
 *   namespace: undefined,
 *   timestamp: 1_000,
 *   domain: 'EVENT_TIME'
 * }
 *
 * @category time
 * @since 0.1.0
 * @internal
 */
export interface InternalTimer<K, N> {
  readonly key: K
  readonly namespace: N
  readonly timestamp: number
  readonly domain: TimeDomain
}

/**
 * What a timer service calls when a timer fires: usually the operator that owns the service.
 *
 * @example
 * import * as ds from './TimerService'
 *
 * const target: ds.Triggerable<string, undefined> = {
 *   onEventTime: timer => console.log('event time', timer.key, timer.timestamp),
 *   onProcessingTime: timer => console.log('processing time', timer.key, timer.timestamp)
 * }
 *
 * @category time
 * @since 0.1.0
 * @internal
 */
export interface Triggerable<K, N> {
  onEventTime(timer: InternalTimer<K, N>): void
  onProcessingTime(timer: InternalTimer<K, N>): void
}

/**
 * Options of {@link InternalTimerService}: its clock, how namespaces are compared, and where
 * processing-time failures go.
 *
 * @example
 * import { asyncScheduler } from 'rxjs'
 * import * as ds from './TimerService'
 *
 * interface Window { readonly start: number; readonly end: number }
 * const options: ds.TimerServiceOptions<Window> = {
 *   scheduler: asyncScheduler,
 *   namespaceId: w => `${w.start}:${w.end}`,
 *   onError: error => console.error(error)
 * }
 *
 * @category time
 * @since 0.1.0
 * @internal
 */
export interface TimerServiceOptions<N, K = unknown> {
  /** The clock and the runner of processing-time timers. Default: `asyncScheduler`. */
  readonly scheduler?: SchedulerLike
  /**
   * A value equal (as a `Map` key) for namespaces that are the same, e.g. `${start}:${end}`
   * for windows that are fresh objects each time. Default: the namespace itself.
   */
  readonly namespaceId?: (namespace: N) => unknown
  /**
   * Receives what `onProcessingTime` throws: it runs from the scheduler, where no caller could
   * catch it. Default: rethrow from the scheduled action.
   */
  readonly onError?: (error: unknown) => void
  /**
   * Makes the queue of a domain's timers: a keyed-state backend's that keeps them itself (the
   * LMDB backend's, in its store). Default: the heap's.
   */
  readonly createQueue?: (domain: TimeDomain) => TimerQueue<K, N>
}

// -------------------------------------------------------------------------------------
// service
// -------------------------------------------------------------------------------------

/**
 * Event-time and processing-time timers per key and namespace, deduplicated, fired in
 * ascending time order (ties in registration order).
 *
 * Event-time timers fire inside {@link InternalTimerService.advanceWatermark}, which sets the
 * watermark first; what `onEventTime` throws reaches its caller. Processing-time timers fire
 * from one scheduled action, always kept for the earliest of them; a timer already due fires
 * on the next scheduler turn, never inside the call that registers it. What `onProcessingTime`
 * throws goes to `options.onError`, and no processing-time timer of this service fires after
 * that, as a failed Flink task fires none. After {@link InternalTimerService.dispose} no timer
 * fires.
 *
 * The timers of each domain are a {@link TimerQueue}: the heap's by default (registering is
 * O(log n), deleting O(1)), or the one its keyed-state backend keeps (`options.createQueue`);
 * counts and snapshots are exact either way.
 *
 * @example
 * import { TestScheduler } from 'rxjs/testing'
 * import * as ds from './TimerService'
 *
 * const scheduler = new TestScheduler((a, b) => a === b)
 * const fired: number[] = []
 * const timers = new ds.InternalTimerService<string>(
 *   { onEventTime: () => {}, onProcessingTime: timer => fired.push(timer.timestamp) },
 *   { scheduler }
 * )
 * timers.registerProcessingTimeTimer('a', undefined, 50)
 * timers.registerProcessingTimeTimer('a', undefined, 20)
 * timers.deleteProcessingTimeTimer('a', undefined, 50)
 * scheduler.flush() // fired: [20], at virtual time 20
 * timers.dispose()
 *
 * @category time
 * @since 0.1.0
 * @internal
 */
export class InternalTimerService<K, N = undefined> {
  private readonly scheduler: SchedulerLike
  private readonly namespaceId: ((namespace: N) => unknown) | undefined
  private readonly onError: ((error: unknown) => void) | undefined
  private readonly eventTime: TimerQueue<K, N>
  private readonly processingTime: TimerQueue<K, N>
  private watermark = -Infinity
  /** The one scheduled processing-time action, and the timer time it was scheduled for. */
  private scheduled: Subscription | undefined = undefined
  private scheduledFor = Infinity
  /** Bumped whenever the scheduled action is replaced or runs, so a stale one does nothing. */
  private generation = 0
  /** While processing-time timers fire, registering must not schedule: the run reschedules. */
  private firingProcessingTime = false
  private processingTimeFailed = false
  private disposed = false

  constructor(
    private readonly target: Triggerable<K, N>,
    options: TimerServiceOptions<N, K> = {}
  ) {
    this.scheduler = options.scheduler ?? asyncScheduler
    this.namespaceId = options.namespaceId
    this.onError = options.onError
    const create = options.createQueue
    this.eventTime = create === undefined ? new HeapTimerQueue('EVENT_TIME') : create('EVENT_TIME')
    this.processingTime = create === undefined ? new HeapTimerQueue('PROCESSING_TIME') : create('PROCESSING_TIME')
  }

  /** The last watermark passed to `advanceWatermark`; `-Infinity` before the first. */
  currentWatermark(): number {
    return this.watermark
  }

  /** The scheduler's `now()`. */
  currentProcessingTime(): number {
    return this.scheduler.now()
  }

  /** Fires at the first watermark advance to `time` or later; a no-op if already registered. */
  registerEventTimeTimer(key: K, namespace: N, time: number): void {
    checkTime(time)
    this.eventTime.add(key, namespace, this.namespaceIdOf(namespace), time)
  }

  /** Removes the timer if it is registered. */
  deleteEventTimeTimer(key: K, namespace: N, time: number): void {
    checkTime(time)
    this.eventTime.remove(key, namespace, this.namespaceIdOf(namespace), time)
  }

  /** Fires once the scheduler's clock reaches `time`; a no-op if already registered. */
  registerProcessingTimeTimer(key: K, namespace: N, time: number): void {
    checkTime(time)
    if (!this.processingTime.add(key, namespace, this.namespaceIdOf(namespace), time)) return
    if (!this.firingProcessingTime && time < this.scheduledFor) this.scheduleAt(time)
  }

  /** Removes the timer if it is registered. */
  deleteProcessingTimeTimer(key: K, namespace: N, time: number): void {
    checkTime(time)
    if (!this.processingTime.remove(key, namespace, this.namespaceIdOf(namespace), time)) return
    if (this.firingProcessingTime || time !== this.scheduledFor) return
    // The action was for this timer (or one at the same time): aim it at the new earliest.
    const next = this.processingTime.head()?.timestamp ?? Infinity
    if (next !== time) this.scheduleAt(next)
  }

  /**
   * Sets the watermark to `time`, then fires every event-time timer at or before it, earliest
   * first, including timers that those callbacks register at or before `time`. Ignored unless
   * `time` is greater than the current watermark. `+Infinity` fires every timer.
   */
  advanceWatermark(time: number): void {
    checkTime(time)
    if (time <= this.watermark) return
    this.watermark = time
    const queue = this.eventTime
    // Poll rather than collect: timers registered by the callbacks join this same advance.
    for (let head = queue.head(); head !== undefined && head.timestamp <= time && !this.disposed; head = queue.head()) {
      queue.take(head)
      this.target.onEventTime(head)
    }
  }

  /**
   * Fires every pending processing-time timer now, earliest first, whatever the clock says:
   * operators call it at the end of input so that no processing-time result is lost. Timers
   * registered by these callbacks stay pending; one deleted by an earlier callback does not fire.
   */
  fireProcessingTimeTimersNow(): void {
    for (const timer of this.processingTime.pending()) {
      if (this.disposed || this.processingTimeFailed) return
      if (!this.processingTime.remove(timer.key, timer.namespace, this.namespaceIdOf(timer.namespace), timer.timestamp)) continue
      this.target.onProcessingTime(timer)
    }
  }

  /** How many event-time timers are registered and not yet fired. */
  numEventTimeTimers(): number {
    return this.eventTime.size
  }

  /** How many processing-time timers are registered and not yet fired. */
  numProcessingTimeTimers(): number {
    return this.processingTime.size
  }

  /** The pending event-time timers, in firing order: for snapshots and tests. */
  eventTimeTimers(): InternalTimer<K, N>[] {
    return [...this.eventTime.pending()]
  }

  /** The pending processing-time timers, in firing order: for snapshots and tests. */
  processingTimeTimers(): InternalTimer<K, N>[] {
    return [...this.processingTime.pending()]
  }

  /** The timers of `domain` pending now, for a snapshot taken at this moment (see {@link PendingTimers}). */
  snapshotTimers(domain: TimeDomain): PendingTimers<K, N> {
    return (domain === 'EVENT_TIME' ? this.eventTime : this.processingTime).snapshot()
  }

  /** Cancels the scheduled action; afterwards no timer fires. Idempotent. */
  dispose(): void {
    this.disposed = true
    this.cancelScheduled()
  }

  // -------------------------------------------------------------------------------------
  // processing time
  // -------------------------------------------------------------------------------------

  private scheduleAt(time: number): void {
    this.cancelScheduled()
    // A timer at +Infinity never fires, and must not spin a scheduler that clamps delays.
    if (time === Infinity || this.disposed || this.processingTimeFailed) return
    const generation = this.generation
    const delay = Math.min(Math.max(time - this.scheduler.now(), 0), MAX_DELAY)
    this.scheduledFor = time
    const subscription = this.scheduler.schedule(() => {
      if (generation === this.generation) this.runProcessingTime()
    }, delay)
    // A synchronous scheduler (queueScheduler) has already run it, and maybe scheduled the next.
    if (generation === this.generation) this.scheduled = subscription
  }

  private cancelScheduled(): void {
    this.generation++
    this.scheduledFor = Infinity
    const scheduled = this.scheduled
    if (scheduled === undefined) return
    this.scheduled = undefined
    scheduled.unsubscribe()
  }

  private runProcessingTime(): void {
    this.generation++
    this.scheduled = undefined
    this.scheduledFor = Infinity
    if (this.disposed || this.processingTimeFailed) return
    // The action may run early (a clamped delay, a coarse clock): then it just reschedules.
    const now = this.scheduler.now()
    const queue = this.processingTime
    this.firingProcessingTime = true
    try {
      for (let head = queue.head(); head !== undefined && head.timestamp <= now && !this.disposed; head = queue.head()) {
        queue.take(head)
        this.target.onProcessingTime(head)
      }
    } catch (error) {
      this.processingTimeFailed = true
      this.firingProcessingTime = false
      if (this.onError === undefined) throw error
      this.onError(error)
      return
    }
    this.firingProcessingTime = false
    const head = queue.head()
    if (head !== undefined) this.scheduleAt(head.timestamp)
  }

  // -------------------------------------------------------------------------------------
  // identity
  // -------------------------------------------------------------------------------------

  private namespaceIdOf(namespace: N): unknown {
    return this.namespaceId === undefined ? namespace : this.namespaceId(namespace)
  }
}

// -------------------------------------------------------------------------------------
// internal
// -------------------------------------------------------------------------------------

/** setTimeout/setInterval treat longer delays as 1 ms; a clamped action just reschedules. */
const MAX_DELAY = 2_147_483_647 // 2 ** 31 - 1, written out: a bundler keeps an unused top-level expression it does not fold

/** Ordering falls apart on NaN, so it is refused up front. */
function checkTime(time: number): void {
  if (typeof time !== 'number' || Number.isNaN(time)) {
    throw new RangeError(`a timer time or watermark must be a number, not ${describeValue(time)}`)
  }
}
