/**
 * Window slicing (panes) must be invisible: for grid windows with `aggregate` and the default
 * trigger, the sliced runtime's output equals the general window operator's element for
 * element (results, late firings, late side output, watermarks), whatever the disorder and
 * allowed lateness. The general path is forced by giving the default trigger explicitly.
 */
import assert from 'node:assert'
import fc from 'fast-check'
import * as ds from '../../src/index'
import { type KeyedEvent, keyedEventsArb } from '../support/arbitraries'
import { describeBackends, propertyRuns } from '../support/backends'
import { canonical, windowedSumCount } from '../support/aggregates'

type Event = KeyedEvent

const eventsArb = keyedEventsArb({ keys: ['a', 'b'], values: { min: 0, max: 9 }, start: 5_000, maxBehind: 120, maxAhead: 30, maxLength: 150 })

const gridArb = fc.oneof(
  fc.integer({ min: 1, max: 60 }).chain(size => fc.tuple(fc.constant(size), fc.constant(size), fc.integer({ min: -(size - 1), max: size - 1 }))),
  fc
    .tuple(fc.integer({ min: 1, max: 25 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 3 }))
    .chain(([slide, factor, extra]) =>
      fc.tuple(fc.constant(slide * factor + (extra % slide)), fc.constant(slide), fc.integer({ min: -(slide - 1), max: slide - 1 }))
    )
)

describeBackends('window slicing (property)', () => {
  it('gives exactly the general operator’s output, late firings and late side output included', () => {
    const late = new ds.OutputTag<Event>('late')
    fc.assert(
      fc.property(eventsArb, gridArb, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 80 }), (events, [size, slide, offset], bound, lateness) => {
        const assigner = slide === size ? ds.tumblingEventTimeWindows(size, offset) : ds.slidingEventTimeWindows(size, slide, offset)
        const run = (general: boolean) => windowedSumCount(events, assigner, { bound, lateness, late, general })
        const sliced = run(false)
        const general = run(true)
        // Between two watermarks the order of results of different keys/windows is free.
        assert.deepStrictEqual(canonical(sliced.elements), canonical(general.elements))
        assert.deepStrictEqual(sliced.cleared, general.cleared)
      }),
      propertyRuns(300)
    )
  })
})
