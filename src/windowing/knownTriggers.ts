/**
 * @internal
 * Triggers whose behaviour an operator may rely on without calling them. Kept out of the
 * public triggers module so that nothing of it reaches the package root.
 */
import type { TimeDomain } from '../core/TimerService'
import type { Trigger } from './Trigger'

/** The triggers `eventTimeTrigger()` and `processingTimeTrigger()` made, by the clock they fire on. */
const END_OF_WINDOW_TRIGGERS = new WeakMap<Trigger<never>, TimeDomain>()

/** Files `trigger`, made by `eventTimeTrigger()` (`EVENT_TIME`) or `processingTimeTrigger()`. */
export function endOfWindowTrigger<T>(trigger: Trigger<T>, domain: TimeDomain): Trigger<T> {
  END_OF_WINDOW_TRIGGERS.set(trigger as Trigger<never>, domain)
  return trigger
}

/**
 * The clock `trigger` fires on if it is one of `eventTimeTrigger()` or `processingTimeTrigger()`:
 * it fires each window once when that clock reaches the window's end (the event-time one also
 * at once for a record arriving after that, within the allowed lateness), and does nothing
 * else. `undefined` for any other trigger.
 */
export function endOfWindowDomain(trigger: Trigger<never>): TimeDomain | undefined {
  return END_OF_WINDOW_TRIGGERS.get(trigger)
}
