/**
 * @internal
 * What every keyed function operator stands on (keyed process, keyed co-process, keyed
 * broadcast process): the heap keyed-state backend, a timer service per key, the context
 * objects handed to user functions, and the rules for stamping their output. The operators add
 * only how their inputs reach the function.
 *
 * Output records carry the current key and a timestamp by Flink's rules: a record's output
 * keeps the record's timestamp, an event-time timer's output gets the timer's time, a
 * processing-time timer's output gets none.
 */
import type { Collector } from '../core/Collector'
import { KeyError, StateError } from '../core/errors'
import { emitSideOutput } from '../runtime/sideOutput'
import { describeValue } from '../core/describe'
import type { StateDescriptor, StateOf } from '../state/StateDescriptor'
import { NO_TIMESTAMP } from '../core/StreamElement'
import type { InternalTimer, TimeDomain } from '../core/TimerService'
import { AbstractKeyedOperator, type KeyedOperatorConfig } from '../runtime/AbstractKeyedOperator'
import { asStreamError } from '../runtime/host'
import type { ChainContext } from '../runtime/Output'
import type { ChainOutput } from '../runtime/Output'
import type { OnTimerContext, RuntimeContext, TimerService } from './KeyedProcessFunction'

/** @internal Called for a firing timer, with its key current. */
export type OnTimer<K, Out> = (timestamp: number, ctx: OnTimerContext<K>, out: Collector<Out>) => void

/**
 * @internal
 * A subclass adds how its inputs reach the function: `record` for one input, `processRecord`
 * per input for two, calling the function between `enter` and `leave`.
 */
export abstract class KeyedFunctionOperator<K, Out> extends AbstractKeyedOperator<K, Out> {
  /** The context of records and timers (`timeDomain` is meaningful in `onTimer` only). */
  readonly context: OnTimerContext<K>
  readonly runtimeContext: RuntimeContext
  readonly out: Collector<Out>
  /** The function's `onTimer`, if it has one. */
  onTimer: OnTimer<K, Out> | undefined = undefined
  private timestamp = NO_TIMESTAMP
  private domain: TimeDomain = 'EVENT_TIME'

  constructor(config: KeyedOperatorConfig, output: ChainOutput<Out, K>, context: ChainContext) {
    super(config, output, context)
    const { info, scheduler } = config
    const keys = this.backend.keys
    const timers = this.timers
    const backend = this.backend
    const checkTimer = (what: string, time: number): void => {
      if (!keys.active) {
        throw new StateError(info, 'timers', `${what} needs a current key: timers can only be used while a record or timer of a key is processed`)
      }
      if (typeof time !== 'number' || Number.isNaN(time)) throw new StateError(info, 'timers', `${what}: the time must be a number, got ${describeValue(time)}`)
    }
    const timerService: TimerService = {
      currentProcessingTime: () => scheduler.now(),
      currentWatermark: () => this.currentWatermark,
      registerEventTimeTimer: time => {
        checkTimer('registerEventTimeTimer', time)
        timers.registerEventTimeTimer(keys.currentKey, undefined, time)
      },
      registerProcessingTimeTimer: time => {
        checkTimer('registerProcessingTimeTimer', time)
        timers.registerProcessingTimeTimer(keys.currentKey, undefined, time)
      },
      deleteEventTimeTimer: time => {
        checkTimer('deleteEventTimeTimer', time)
        timers.deleteEventTimeTimer(keys.currentKey, undefined, time)
      },
      deleteProcessingTimeTimer: time => {
        checkTimer('deleteProcessingTimeTimer', time)
        timers.deleteProcessingTimeTimer(keys.currentKey, undefined, time)
      }
    }
    const state = <D extends StateDescriptor>(descriptor: D): StateOf<D> => backend.getState(descriptor)
    this.context = {
      timestamp: () => (this.timestamp === NO_TIMESTAMP ? null : this.timestamp),
      currentWatermark: () => this.currentWatermark,
      currentProcessingTime: () => scheduler.now(),
      output: (tag, value) => emitSideOutput(output, tag, value, this.timestamp),
      getCurrentKey: () => keys.currentKey,
      timerService: () => timerService,
      state,
      timeDomain: () => this.domain
    }
    this.runtimeContext = { operator: info, state }
    this.out = { collect: value => output.record(value, this.timestamp, keys.currentKey) }
  }

  /**
   * Makes `key` current for a record stamped `timestamp` (`leave` ends it). A record without a
   * key is a `KeyError`; `noKey` says why it needs one.
   */
  enterKeyed(key: unknown, timestamp: number, noKey: () => string): void {
    if (key === undefined) throw new KeyError(this.info, noKey())
    this.enter(key as K, timestamp)
  }

  /** Makes `key` current for a record stamped `timestamp`; `leave` ends it. */
  enter(key: K, timestamp: number): void {
    const keys = this.backend.keys
    keys.setCurrentKey(key)
    keys.active = true
    this.timestamp = timestamp
  }

  /** Processes an element that belongs to no key (a broadcast element), stamped `timestamp`. */
  enterUnkeyed(timestamp: number): void {
    this.backend.keys.active = false
    this.timestamp = timestamp
  }

  leave(): void {
    this.backend.keys.active = false
  }

  onEventTime(timer: InternalTimer<K, undefined>): void {
    this.fire(timer, 'EVENT_TIME', timer.timestamp)
  }

  onProcessingTime(timer: InternalTimer<K, undefined>): void {
    this.fire(timer, 'PROCESSING_TIME', NO_TIMESTAMP)
  }

  private fire(timer: InternalTimer<K, undefined>, domain: TimeDomain, timestamp: number): void {
    const onTimer = this.onTimer
    if (onTimer === undefined) return
    this.enter(timer.key, timestamp)
    this.domain = domain
    try {
      onTimer(timer.timestamp, this.context, this.out)
    } catch (error) {
      const clock = domain === 'EVENT_TIME' ? 'event-time' : 'processing-time'
      throw asStreamError(this.info, error, undefined, `firing the ${clock} timer at ${timer.timestamp} of key ${describeValue(timer.key)}`)
    } finally {
      this.domain = 'EVENT_TIME'
      this.leave()
    }
  }
}
