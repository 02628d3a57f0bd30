/**
 * Properties of pane information and early firings, over random keyed input with disorder
 * (records within the watermark's bound, within the allowed lateness, and too late), random
 * processing time between records, and random windows:
 *
 * - early firings change nothing final: the on-time and late results with `earlyFirings` are
 *   the default trigger's results, with the same timing, `nonSpeculativeIndex` and `isLast`
 *   (only the index counts the early panes too); the late side output and watermarks are the
 *   same;
 * - the panes of each key and window are numbered 0, 1, 2, … in the order they are emitted,
 *   their timings follow `EARLY* ON_TIME? LATE*`, and `isLast` marks only the last one;
 * - early results accumulate: each sees at least what the one before it saw;
 * - the sliced runtime and the general one give the same panes.
 */
import assert from 'node:assert'
import fc from 'fast-check'
import { Subject } from 'rxjs'
import * as ds from '../../src/index'
import { type KeyedEvent, keyedEventsArb } from '../support/arbitraries'
import { VirtualClock } from '../support/clocked-restore'
import { describeBackends, propertyRuns } from '../support/backends'

/** A record of the input, and the processing time it arrives at (never earlier than the one before). */
interface Arrival extends KeyedEvent {
  readonly at: number
}

const arrivalsArb: fc.Arbitrary<Arrival[]> = keyedEventsArb({ keys: ['a', 'b', 'c'], values: { min: 0, max: 9 }, start: 200, maxBehind: 40, maxAhead: 15, maxLength: 60 }).chain(events =>
  fc.array(fc.integer({ min: 0, max: 7 }), { minLength: events.length, maxLength: events.length }).map(gaps => {
    let at = 0
    return events.map((e, i) => ({ ...e, at: (at += gaps[i]!) }))
  })
)

type AssignerSpec = { readonly kind: 'tumbling'; readonly size: number } | { readonly kind: 'sliding'; readonly slide: number; readonly panes: number } | { readonly kind: 'session'; readonly gap: number }

const gridArb: fc.Arbitrary<AssignerSpec> = fc.oneof(
  fc.record({ kind: fc.constant('tumbling' as const), size: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('sliding' as const), slide: fc.integer({ min: 1, max: 15 }), panes: fc.integer({ min: 2, max: 4 }) })
)
const sessionArb: fc.Arbitrary<AssignerSpec> = fc.record({ kind: fc.constant('session' as const), gap: fc.integer({ min: 1, max: 20 }) })

function assignerOf(spec: AssignerSpec): ds.WindowAssigner<KeyedEvent> {
  switch (spec.kind) {
    case 'tumbling':
      return ds.tumblingEventTimeWindows(spec.size)
    case 'sliding':
      return ds.slidingEventTimeWindows(spec.slide * spec.panes, spec.slide)
    case 'session':
      return ds.eventTimeSessionWindows(spec.gap)
  }
}

/** Sum and count: associative and commutative, so that every runtime and firing order agree. */
const sumCount: ds.AggregateFunction<KeyedEvent, { sum: number; n: number }, { sum: number; n: number }> = {
  createAccumulator: () => ({ sum: 0, n: 0 }),
  add: (e, acc) => ({ sum: acc.sum + e.value, n: acc.n + 1 }),
  getResult: acc => ({ ...acc }),
  merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n })
}

type Result = ds.WindowResult<{ sum: number; n: number }>
type Out = ds.StreamElement<Result, string>

const late = new ds.OutputTag<KeyedEvent>('late')

interface Setup {
  readonly arrivals: readonly Arrival[]
  readonly assigner: AssignerSpec
  readonly bound: number
  readonly lateness: number
}

/** Runs the arrivals through windows configured by `configure`, on a processing-time clock of its own. */
function run({ arrivals, assigner, bound, lateness }: Setup, configure: (windowed: ds.WindowedStream<true>) => ds.WindowedStream<true>): Out[] {
  const clock = new VirtualClock()
  const input = new Subject<KeyedEvent>()
  const windowed = configure(ds.windowBy(assignerOf(assigner), { scheduler: clock }).allowedLateness(lateness).sideOutputLateData(late))
  const elements: Out[] = []
  let failed: unknown = undefined
  input
    .pipe(
      ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<KeyedEvent>(bound).withTimestampAssigner(e => e.ts), {
        autoWatermarkInterval: 0,
        scheduler: clock
      }),
      ds.keyBy(e => e.key),
      windowed.withPaneInfo().aggregate(sumCount)
    )
    .subscribe({ next: e => elements.push(e as Out), error: (e: unknown) => (failed = e) })
  for (const arrival of arrivals) {
    clock.advanceTo(arrival.at)
    input.next(arrival)
  }
  input.complete()
  assert.strictEqual(failed, undefined)
  return elements
}

/**
 * The output as segments between watermarks, each as a sorted list of lines: the order of
 * results of different keys and windows between two watermarks is the runtime's (timers of
 * one time fire in no specified order across keys).
 */
function canonical(elements: readonly Out[], line: (e: Out) => string | undefined): string[][] {
  const segments: string[][] = [[]]
  for (const e of elements) {
    if (e._tag === 'Watermark') segments.push([`W(${e.timestamp})`], [])
    else {
      const l = line(e)
      if (l !== undefined) segments[segments.length - 1]!.push(l)
    }
  }
  return segments.map(s => s.sort())
}

/** A result without its pane index (early panes shift it), or a late side record; early results are left out. */
const finalLine = (e: Out): string | undefined => {
  if (e._tag === 'SideRecord') return `late ${JSON.stringify(e.value)}@${e.timestamp}`
  if (e._tag !== 'Record') return e._tag
  if (e.value.pane.timing === 'EARLY') return undefined
  const { index: _index, isFirst: _isFirst, ...pane } = e.value.pane
  return JSON.stringify([e.key, e.timestamp, e.value.window, e.value.value, pane])
}

const wholeLine = (e: Out): string => (e._tag === 'SideRecord' ? `late ${JSON.stringify(e.value)}@${e.timestamp}` : JSON.stringify(e))

const setupArb = (assigners: fc.Arbitrary<AssignerSpec>): fc.Arbitrary<Setup> =>
  fc.record({ arrivals: arrivalsArb, assigner: assigners, bound: fc.integer({ min: 0, max: 12 }), lateness: fc.constantFrom(0, 0, 5, 20, 60) })

const TIMINGS: Record<ds.PaneTiming, number> = { EARLY: 0, ON_TIME: 1, LATE: 2 }

describeBackends('window panes (properties)', () => {
  it('with early firings, the on-time and late results are the default trigger’s, with the same panes but for the index', () => {
    fc.assert(
      fc.property(setupArb(fc.oneof(gridArb, sessionArb)), fc.integer({ min: 1, max: 12 }), (setup, tick) => {
        const withEarly = run(setup, w => w.earlyFirings(tick))
        const byDefault = run(setup, w => w)
        assert.deepStrictEqual(canonical(withEarly, finalLine), canonical(byDefault, finalLine))
      }),
      propertyRuns(250)
    )
  })

  it('panes of each key and window: indices 0, 1, 2, … in emission order, EARLY* ON_TIME? LATE*, isLast only last, early results accumulate', () => {
    fc.assert(
      fc.property(setupArb(gridArb), fc.integer({ min: 1, max: 12 }), (setup, tick) => {
        const panes = new Map<string, Result[]>()
        for (const e of run(setup, w => w.earlyFirings(tick))) {
          if (e._tag !== 'Record') continue
          const id = `${e.key} [${e.value.window.start}, ${e.value.window.end})`
          const list = panes.get(id) ?? []
          panes.set(id, [...list, e.value])
        }
        for (const [id, results] of panes) {
          results.forEach(({ pane }, i) => {
            assert.strictEqual(pane.index, i, `${id}: pane ${i} has index ${pane.index}`)
            assert.strictEqual(pane.isFirst, i === 0, id)
            assert.strictEqual(pane.isLast, setup.lateness === 0 && pane.timing === 'ON_TIME' && i === results.length - 1, `${id}: isLast of pane ${i}`)
            const early = results.filter(r => r.pane.timing === 'EARLY').length
            assert.strictEqual(pane.nonSpeculativeIndex, pane.timing === 'EARLY' ? -1 : i - early, `${id}: nonSpeculativeIndex of pane ${i}`)
            if (i > 0) {
              const before = results[i - 1]!
              assert.ok(TIMINGS[before.pane.timing] <= TIMINGS[pane.timing] && !(before.pane.timing === 'ON_TIME' && pane.timing === 'ON_TIME'), `${id}: ${before.pane.timing} then ${pane.timing}`)
              assert.ok(before.value.n <= results[i]!.value.n, `${id}: pane ${i} saw less than the one before`)
            }
          })
        }
      }),
      propertyRuns(250)
    )
  })

  it('the sliced runtime and the general one give the same panes (and the same everything else)', () => {
    fc.assert(
      fc.property(setupArb(gridArb), setup => {
        const sliced = run(setup, w => w)
        const general = run(setup, w => w.trigger(ds.eventTimeTrigger()))
        assert.deepStrictEqual(canonical(sliced, wholeLine), canonical(general, wholeLine))
      }),
      propertyRuns(250)
    )
  })
})
