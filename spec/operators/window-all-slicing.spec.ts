/**
 * `windowAll` over grid windows with `aggregate` runs sliced (one partition, its panes held
 * across records): its output must be exactly what a direct computation from the events gives
 * under Flink's rules (FLINK_SEMANTICS.md): a window fires when the watermark reaches its
 * maximum timestamp, again on every record it takes within the allowed lateness (with all its
 * contents), and is cleaned up at maximum timestamp + allowed lateness; a record whose every
 * window is cleaned up goes to the late side output. The keys the records carry are ignored.
 */
import assert from 'node:assert'
import fc from 'fast-check'
import { from } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements } from '../../marbles/index'
import { type KeyedEvent, keyedEventsArb } from '../support/arbitraries'
import { describeBackends, propertyRuns } from '../support/backends'
import { sumCount } from '../support/aggregates'

type Event = KeyedEvent

interface Grid {
  readonly size: number
  readonly slide: number
  readonly offset: number
}

const eventsArb = keyedEventsArb({ keys: ['a', 'b', 'c'], values: { min: 0, max: 9 }, start: 5_000, maxBehind: 120, maxAhead: 30, maxLength: 150 })

const gridArb: fc.Arbitrary<Grid> = fc.oneof(
  fc.integer({ min: 1, max: 60 }).chain(size => fc.record({ size: fc.constant(size), slide: fc.constant(size), offset: fc.integer({ min: -(size - 1), max: size - 1 }) })),
  fc
    .tuple(fc.integer({ min: 1, max: 25 }), fc.integer({ min: 2, max: 5 }))
    .chain(([slide, factor]) => fc.record({ size: fc.constant(slide * factor), slide: fc.constant(slide), offset: fc.integer({ min: -(slide - 1), max: slide - 1 }) }))
)

const startOf = (ts: number, { offset, slide }: Grid): number => {
  const r = (ts - offset) % slide
  return ts - (r < 0 ? r + slide : r)
}

/**
 * The elements `windowAll` must emit for `events` (watermark: highest timestamp − bound − 1
 * after every event that raises it; +∞ at the end), computed window by window from the
 * records each window took: results as `[start,end)=sum/n` at the window's end − 1.
 */
function reference(events: readonly Event[], grid: Grid, bound: number, lateness: number): string[][] {
  const { size, slide } = grid
  const contents = new Map<number, Event[]>() // window start → its records, while not cleaned up
  const segments: string[][] = [[]]
  let watermark = -Infinity
  let max = -Infinity
  const emit = (text: string): void => void segments[segments.length - 1]!.push(text)
  const result = (start: number): string => {
    const records = contents.get(start)!
    const sum = records.reduce((s, e) => s + e.value, 0)
    return `R [${start},${start + size})=${sum}/${records.length}@${start + size - 1}`
  }
  const advance = (to: number): void => {
    // Fire every window whose end the watermark passes, then clean up what is past lateness.
    for (const start of contents.keys()) if (start + size - 1 > watermark && start + size - 1 <= to) emit(result(start))
    watermark = to
    for (const start of [...contents.keys()]) if (start + size - 1 + lateness <= to) contents.delete(start)
    segments.push([`W${to}`], [])
  }
  for (const e of events) {
    let taken = false
    for (let start = startOf(e.ts, grid); start > e.ts - size; start -= slide) {
      const maxTs = start + size - 1
      if (maxTs + lateness <= watermark) continue // cleaned up: late for this window
      taken = true
      let records = contents.get(start)
      if (records === undefined) contents.set(start, (records = []))
      records.push(e)
      if (maxTs <= watermark) emit(result(start)) // a late firing, with all the window holds
    }
    if (!taken) emit(`L ${JSON.stringify(e)}@${e.ts}`)
    if (e.ts > max) {
      max = e.ts
      if (max - bound - 1 > watermark) advance(max - bound - 1)
    }
  }
  advance(Infinity)
  return segments.map(s => s.sort())
}

/** What `windowAll(…).allowedLateness(lateness).sideOutputLateData(late).aggregate(sumCount, …)` emits, in the reference's form. */
function windowAllRun(events: readonly Event[], grid: Grid, bound: number, lateness: number, general: boolean): string[][] {
  const late = new ds.OutputTag<Event>('late')
  const assigner = grid.size === grid.slide ? ds.tumblingEventTimeWindows(grid.size, grid.offset) : ds.slidingEventTimeWindows(grid.size, grid.slide, grid.offset)
  let builder = ds.windowAll(assigner).allowedLateness(lateness).sideOutputLateData(late)
  if (general) builder = builder.trigger(ds.eventTimeTrigger())
  const out = collectElements(
    from(events).pipe(
      ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>(bound).withTimestampAssigner(e => e.ts), { autoWatermarkInterval: 0 }),
      ds.keyBy(e => e.key), // keyed or not, windowAll has one partition
      builder.aggregate<Event, { sum: number; n: number }, string, string>(sumCount, (key, ctx, [r], o) => {
        assert.strictEqual(key, undefined)
        o.collect(`[${ctx.window.start},${ctx.window.end})=${r}`)
      })
    )
  )
  assert.strictEqual(out.error, undefined)
  const segments: string[][] = [[]]
  for (const e of out.elements) {
    if (e._tag === 'Watermark') segments.push([`W${e.timestamp}`], [])
    else if (e._tag === 'Record') segments[segments.length - 1]!.push(`R ${e.value}@${e.timestamp}`)
    else if (e._tag === 'SideRecord') segments[segments.length - 1]!.push(`L ${JSON.stringify(e.value)}@${e.timestamp}`)
  }
  return segments.map(s => s.sort())
}

describeBackends('windowAll, sliced (property)', () => {
  it('gives exactly the direct computation’s results, late firings and late side output included', () => {
    fc.assert(
      fc.property(eventsArb, gridArb, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 80 }), (events, grid, bound, lateness) => {
        assert.deepStrictEqual(windowAllRun(events, grid, bound, lateness, false), reference(events, grid, bound, lateness))
      }),
      propertyRuns(200)
    )
  })

  it('gives what the general operator gives (the default trigger given explicitly)', () => {
    fc.assert(
      fc.property(eventsArb, gridArb, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 80 }), (events, grid, bound, lateness) => {
        assert.deepStrictEqual(windowAllRun(events, grid, bound, lateness, false), windowAllRun(events, grid, bound, lateness, true))
      }),
      propertyRuns(100)
    )
  })
})

describe('windowAll, sliced, with lateness', () => {
  it('fires late on every record within the lateness, then sends what is later to the side output', () => {
    // Tumbling 10 ms, 5 ms of lateness, watermark = max − 1.
    const events: Event[] = [
      { key: 'a', value: 1, ts: 3 },
      { key: 'b', value: 2, ts: 12 }, // watermark 11: [0,10) fires 1/1
      { key: 'a', value: 4, ts: 5 }, // late, within lateness: [0,10) fires again, 5/2
      { key: 'c', value: 8, ts: 15 }, // watermark 14: [0,10) cleaned up (9 + 5 ≤ 14)
      { key: 'b', value: 16, ts: 7 } // too late: side output
    ]
    assert.deepStrictEqual(windowAllRun(events, { size: 10, slide: 10, offset: 0 }, 0, 5, false), [
      [],
      ['W2'],
      ['R [0,10)=1/1@9'],
      ['W11'],
      ['R [0,10)=5/2@9'],
      ['W14'],
      ['L {"key":"b","value":16,"ts":7}@7', 'R [10,20)=10/2@19'],
      ['WInfinity'],
      []
    ])
  })
})

describe('windowAll, sliced, a failing aggregate', () => {
  it('errors the stream naming the operator, also for a record in the pane of the record before', () => {
    let calls = 0
    const failing: ds.AggregateFunction<number, number, number> = {
      createAccumulator: () => 0,
      add: (v, acc) => {
        if (++calls === 3) throw new Error('add failed')
        return acc + v
      },
      getResult: acc => acc,
      merge: (a, b) => a + b
    }
    const out = collectElements(
      ds.fromRecords([1, 2, 3, 4].map(n => ({ value: n, timestamp: n }))).pipe(ds.windowAll(ds.tumblingEventTimeWindows(100), { uid: 'sum-all' }).aggregate(failing))
    )
    assert.strictEqual(calls, 3)
    assert.match(String(out.error), /sum-all/)
    assert.match(String(out.error), /add failed/)
  })
})
