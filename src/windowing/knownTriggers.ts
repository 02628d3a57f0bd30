/**
 * @internal
 * Triggers whose behaviour an operator may rely on without calling them. Kept out of the
 * public triggers module so that nothing of it reaches the package root.
 */
import type { Trigger } from './Trigger'

/** The triggers `eventTimeTrigger()` made. */
export const EVENT_TIME_TRIGGERS = new WeakSet<Trigger<never>>()

/**
 * Whether `trigger` is one of `eventTimeTrigger()`: it fires each window once when the
 * watermark reaches the window's end (and at once for a record that arrives after that, within
 * the allowed lateness), and does nothing else.
 */
export function isEventTimeTrigger(trigger: Trigger<never>): boolean {
  return EVENT_TIME_TRIGGERS.has(trigger)
}

/** The triggers `processingTimeTrigger()` made. */
export const PROCESSING_TIME_TRIGGERS = new WeakSet<Trigger<never>>()

/**
 * Whether `trigger` is one of `processingTimeTrigger()`: it fires each window once when the
 * clock reaches the window's end, and does nothing else.
 */
export function isProcessingTimeTrigger(trigger: Trigger<never>): boolean {
  return PROCESSING_TIME_TRIGGERS.has(trigger)
}
