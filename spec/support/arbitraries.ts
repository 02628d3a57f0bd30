/** fast-check generators shared by the property specs, and what they describe. */
import fc from 'fast-check'
import * as ds from '../../src/index'

/** A keyed event with an event timestamp. */
export interface KeyedEvent {
  readonly key: string
  readonly value: number
  readonly ts: number
}

/**
 * Keyed events in arrival order whose timestamps are at most `maxBehind` behind the highest
 * one so far (the disorder a bounded-out-of-orderness watermark of `maxBehind` tolerates when
 * `maxBehind` is the bound), and at most `maxAhead` ahead of it.
 */
export function keyedEventsArb(options: {
  readonly keys: readonly string[]
  readonly values: { readonly min: number; readonly max: number }
  readonly start: number
  readonly maxBehind: number
  readonly maxAhead: number
  readonly maxLength: number
}): fc.Arbitrary<KeyedEvent[]> {
  return fc
    .record({
      start: fc.integer({ min: -options.start, max: options.start }),
      steps: fc.array(
        fc.record({ key: fc.constantFrom(...options.keys), value: fc.integer(options.values), delta: fc.integer({ min: -options.maxBehind, max: options.maxAhead }) }),
        { maxLength: options.maxLength }
      )
    })
    .map(({ start, steps }) => {
      let max = start
      return steps.map(({ key, value, delta }): KeyedEvent => {
        const ts = max + delta
        max = Math.max(max, ts)
        return { key, value, ts }
      })
    })
}

/** An event-time window assigner, as the property specs generate it (each with its own ranges). */
export type AssignerSpec =
  | { readonly kind: 'tumbling'; readonly size: number; readonly offset: number }
  | { readonly kind: 'sliding'; readonly size: number; readonly slide: number; readonly offset: number }
  | { readonly kind: 'session'; readonly gap: number }

/** The window assigner a spec describes. */
export function assignerOf<T>(spec: AssignerSpec): ds.WindowAssigner<T> {
  switch (spec.kind) {
    case 'tumbling':
      return ds.tumblingEventTimeWindows(spec.size, spec.offset)
    case 'sliding':
      return ds.slidingEventTimeWindows(spec.size, spec.slide, spec.offset)
    case 'session':
      return ds.eventTimeSessionWindows(spec.gap)
  }
}
