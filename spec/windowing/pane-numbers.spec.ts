/**
 * Sliced windows key their panes and open windows by pane number (slides from the first pane)
 * and fall back to starts where a start has none: timestamps 2^30 panes or more apart, negative
 * ones, non-integer ones, offsets. Whichever keys are in use, the results are those of a batch
 * computation over all records (when none is late), and the general operator's (results, late
 * firings, late side output, watermarks) under any disorder and allowed lateness.
 */
import assert from 'node:assert'
import fc from 'fast-check'
import * as ds from '../../src/index'
import { describeBackends, propertyRuns } from '../support/backends'
import { type Build, runWithRestore, type Step } from '../support/snapshots'
import { canonical, windowedSumCount } from '../support/aggregates'

interface Event {
  readonly key: string
  readonly value: number
  readonly ts: number
}

interface Grid {
  readonly slide: number
  /** Panes per window: 1 for tumbling windows. */
  readonly panes: number
  readonly offset: number
}

const gridArb: fc.Arbitrary<Grid> = fc
  .record({ slide: fc.integer({ min: 1, max: 20 }), panes: fc.integer({ min: 1, max: 4 }) })
  .chain(({ slide, panes }) => fc.record({ slide: fc.constant(slide), panes: fc.constant(panes), offset: fc.integer({ min: -(slide - 1), max: slide - 1 }) }))

/** Around which times the records are: near 0, negative, epoch milliseconds of today, and 2^30 panes (± a few) after each other. */
const PANES_APART = 2 ** 30
const originArb = fc.constantFrom(0, -5e11, 1.7e12, -(2 ** 40) + 3)

function eventsArb(grid: Grid): fc.Arbitrary<Event[]> {
  const span = grid.slide * grid.panes
  return fc
    .record({
      origin: originArb,
      // Where each cluster is, in panes from the origin: 0, and about 2^30 and 2^31.
      clusters: fc.array(fc.integer({ min: -2, max: 2 }), { minLength: 1, maxLength: 3 }),
      steps: fc.array(
        fc.record({
          key: fc.constantFrom('a', 'b'),
          value: fc.integer({ min: 0, max: 9 }),
          cluster: fc.nat(2),
          delta: fc.integer({ min: -3 * span, max: 3 * span }),
          // Binary fractions keep every start exact. Others (0.999) only without an offset: with
          // one, \`ts − offset\` rounds and starts fall off the grid, where neither operator
          // finds every window of a record (both key such starts as they are).
          fraction: grid.offset === 0 ? fc.constantFrom(0, 0, 0, 0.5, 0.25, 0.999) : fc.constantFrom(0, 0, 0, 0.5, 0.25)
        }),
        { maxLength: 60 }
      )
    })
    .map(({ origin, clusters, steps }) =>
      steps.map(({ key, value, cluster, delta, fraction }) => {
        const i = cluster % clusters.length
        const panes = i === 0 ? 0 : i * PANES_APART + clusters[i]!
        return { key, value, ts: origin + panes * grid.slide + delta + fraction }
      })
    )
}

function assignerOf(grid: Grid): ds.WindowAssigner<Event> {
  return grid.panes === 1 ? ds.tumblingEventTimeWindows(grid.slide, grid.offset) : ds.slidingEventTimeWindows(grid.slide * grid.panes, grid.slide, grid.offset)
}

const late = new ds.OutputTag<Event>('late')

/** The windows' output and the starts of the windows cleared, sliced or (`general`) through the general operator. */
function run(events: readonly Event[], grid: Grid, bound: number, lateness: number, general: boolean) {
  return windowedSumCount(events, assignerOf(grid), { bound, lateness, late, general })
}

/** Every window's result over all records, as `run` writes them, sorted. */
function batch(events: readonly Event[], grid: Grid): string[] {
  const size = grid.slide * grid.panes
  const windows = new Map<string, { key: string; start: number; sum: number; n: number }>()
  for (const e of events) {
    for (let start = ds.windowStart(e.ts, grid.offset, grid.slide); start > e.ts - size; start -= grid.slide) {
      const id = `${e.key}@${start}`
      const w = windows.get(id) ?? { key: e.key, start, sum: 0, n: 0 }
      w.sum += e.value
      w.n++
      windows.set(id, w)
    }
  }
  return Array.from(windows.values(), w => `${w.key}[${w.start},${w.start + size})=${w.sum}/${w.n}`).sort()
}

describeBackends('sliced windows and non-integer timestamps', () => {
  it('fire at once a window already past its end (end − 1) that a record less than 1 ms ahead of the watermark is in', () => {
    // Watermark 0 after the first record; 0.999 is in [-1, 1), whose maximum timestamp 0 it has passed.
    const events: Event[] = [
      { key: 'a', value: 1, ts: 5 },
      { key: 'a', value: 2, ts: 0.999 }
    ]
    const grid: Grid = { slide: 1, panes: 2, offset: 0 }
    const sliced = run(events, grid, 4, 1, false)
    assert.deepStrictEqual(canonical(sliced.elements), canonical(run(events, grid, 4, 1, true).elements))
    assert.ok(sliced.elements.some(e => e._tag === 'Record' && e.value === 'a[-1,1)=2/1'))
  })

  it('skip a record whose windows are all cleaned up but which is itself not late, without the side output (Flink’s isElementLate)', () => {
    // Watermark 2 after the first record; 2.999 is in [2, 3), whose maximum timestamp 2 the
    // watermark has reached (cleaned up without lateness), but 2.999 + 0 > 2: not a late record.
    const events: Event[] = [
      { key: 'a', value: 0, ts: 3 },
      { key: 'a', value: 1, ts: 2.999 }
    ]
    const grid: Grid = { slide: 1, panes: 1, offset: 0 }
    const sliced = run(events, grid, 0, 0, false)
    assert.deepStrictEqual(canonical(sliced.elements), canonical(run(events, grid, 0, 0, true).elements))
    assert.ok(!sliced.elements.some(e => e._tag === 'SideRecord'))
    assert.ok(sliced.elements.some(e => e._tag === 'Record' && e.value === 'a[3,4)=0/1'))
  })
})

describeBackends('sliced windows keyed by pane number (property)', () => {
  it('give the batch result over all records, whatever the times (2^30 panes apart, negative, non-integer) and offsets', () => {
    fc.assert(
      fc.property(gridArb.chain(grid => fc.tuple(fc.constant(grid), eventsArb(grid))), ([grid, events]) => {
        // A bound beyond every disorder: nothing is late, every window fires once at the end.
        const { elements } = run(events, grid, 2 ** 50, 0, false)
        const results = elements.flatMap(e => (e._tag === 'Record' ? [e.value] : []))
        assert.deepStrictEqual(results.sort(), batch(events, grid))
      }),
      propertyRuns(200)
    )
  })

  it('give the general operator’s output under disorder and allowed lateness, late firings and late side output included', () => {
    fc.assert(
      fc.property(
        gridArb.chain(grid => fc.tuple(fc.constant(grid), eventsArb(grid))),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 60 }),
        ([grid, events], bound, lateness) => {
          const sliced = run(events, grid, bound, lateness, false)
          const general = run(events, grid, bound, lateness, true)
          assert.deepStrictEqual(canonical(sliced.elements), canonical(general.elements))
          assert.deepStrictEqual(sliced.cleared, general.cleared)
        }
      ),
      propertyRuns(200)
    )
  })

  it('restore from a snapshot taken at any point to go on as an uninterrupted run, whichever keys were in use (snapshots hold starts)', () => {
    const tally: ds.AggregateFunction<number, number[], string> = {
      createAccumulator: () => [],
      add: (v, acc) => [...acc, v],
      getResult: acc => acc.join(' '),
      merge: (a, b) => [...a, ...b]
    }
    fc.assert(
      fc.property(gridArb.chain(grid => fc.tuple(fc.constant(grid), eventsArb(grid))), fc.integer({ min: 0, max: 40 }), fc.nat(), fc.nat(), ([grid, events], lag, every, at) => {
        // A watermark `lag` behind the highest timestamp after every (every % 4 + 1) records.
        const steps: Step<number, string>[] = []
        let max = -Infinity
        events.forEach((e, i) => {
          steps.push([0, ds.streamRecord(e.value, e.ts, e.key)])
          max = Math.max(max, e.ts)
          if ((i + 1) % ((every % 4) + 1) === 0) steps.push([0, ds.watermark(max - lag)])
        })
        steps.push([0, 'end'])
        const build: Build<number, string, unknown> = ([input]) =>
          input!.pipe(ds.windowBy(assignerOf(grid)).allowedLateness(lag % 7).aggregate<number, number[], string, string>(tally) as never)
        const { uninterrupted, restored } = runWithRestore(1, build, steps, at % steps.length)
        assert.equal(uninterrupted.error, undefined)
        assert.equal(restored.error, undefined)
        assert.deepEqual(restored.elements, uninterrupted.elements)
      }),
      propertyRuns(150)
    )
  })
})
