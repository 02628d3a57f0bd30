/**
 * A window assigner of the user's own under the event-time trigger: the general operator fires
 * and cleans its windows itself (a window's first record registers the timer at its end, a
 * record past the end within the allowed lateness fires the window at once, the cleanup comes
 * at the end plus the lateness). A custom assigner giving exactly the windows of a tumbling or
 * sliding one (without declaring their grid) must give what the grid's windows give: the same
 * results, panes and timing, the same late records, and the same windows cleaned up (the
 * window function's `clear`), for any input with disorder, on every backend.
 */
import assert from 'node:assert'
import fc from 'fast-check'
import { Subject } from 'rxjs'
import * as ds from '../../src/index'
import { type KeyedEvent, keyedEventsArb } from '../support/arbitraries'
import { describeBackends, propertyRuns } from '../support/backends'

type GridSpec = { readonly kind: 'tumbling'; readonly size: number } | { readonly kind: 'sliding'; readonly slide: number; readonly panes: number }

const gridArb: fc.Arbitrary<GridSpec> = fc.oneof(
  fc.record({ kind: fc.constant('tumbling' as const), size: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('sliding' as const), slide: fc.integer({ min: 1, max: 15 }), panes: fc.integer({ min: 2, max: 4 }) })
)

function gridOf(spec: GridSpec): ds.WindowAssigner<KeyedEvent> {
  return spec.kind === 'tumbling' ? ds.tumblingEventTimeWindows(spec.size) : ds.slidingEventTimeWindows(spec.slide * spec.panes, spec.slide)
}

/** The same windows as `grid`, from an assigner of the user's own: no `grid`, so windows are numbered by their bounds. */
function custom(grid: ds.WindowAssigner<KeyedEvent>): ds.WindowAssigner<KeyedEvent> {
  return {
    name: `custom ${grid.name}`,
    timeDomain: 'EVENT_TIME',
    assignWindows: (value, timestamp, context) => grid.assignWindows(value, timestamp, context),
    defaultTrigger: () => ds.eventTimeTrigger()
  }
}

interface Setup {
  readonly events: readonly KeyedEvent[]
  readonly grid: GridSpec
  readonly bound: number
  readonly lateness: number
}

const setupArb: fc.Arbitrary<Setup> = fc.record({
  events: keyedEventsArb({ keys: ['a', 'b', 'c'], values: { min: 0, max: 9 }, start: 200, maxBehind: 40, maxAhead: 15, maxLength: 60 }),
  grid: gridArb,
  bound: fc.integer({ min: 0, max: 12 }),
  lateness: fc.constantFrom(0, 0, 5, 20, 60)
})

const late = new ds.OutputTag<KeyedEvent>('late')

/** The output as lines, segment by segment between watermarks (sorted within: timers of one time fire in no set order across keys), and the windows cleaned up. */
function run({ events, bound, lateness }: Setup, assigner: ds.WindowAssigner<KeyedEvent>): { readonly segments: string[][]; readonly cleared: string[] } {
  const input = new Subject<KeyedEvent>()
  const segments: string[][] = [[]]
  const cleared: string[] = []
  let failed: unknown = undefined
  input
    .pipe(
      ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<KeyedEvent>(bound).withTimestampAssigner(e => e.ts), { autoWatermarkInterval: 0 }),
      ds.keyBy(e => e.key),
      ds
        .windowBy(assigner)
        .allowedLateness(lateness)
        .sideOutputLateData(late)
        .reduce<KeyedEvent, string, string>((x, y) => ({ key: x.key, value: x.value + y.value, ts: Math.max(x.ts, y.ts) }), {
          process: (key, ctx, [sum], out) => out.collect(JSON.stringify([key, ctx.window, sum!.value, ctx.pane.timing, ctx.pane.index, ctx.pane.isLast])),
          clear: ctx => cleared.push(`[${ctx.window.start}, ${ctx.window.end}) at ${ctx.currentWatermark()}`)
        })
    )
    .subscribe({
      next: e => {
        if (e._tag === 'Watermark') segments.push([`W(${e.timestamp})`], [])
        else if (e._tag === 'Record') segments[segments.length - 1]!.push(`${e.value}@${e.timestamp}`)
        else if (e._tag === 'SideRecord') segments[segments.length - 1]!.push(`late ${JSON.stringify(e.value)}@${e.timestamp}`)
      },
      error: (e: unknown) => (failed = e)
    })
  for (const e of events) input.next(e)
  input.complete()
  assert.strictEqual(failed, undefined)
  return { segments: segments.map(s => s.sort()), cleared: cleared.sort() }
}

describeBackends('a custom assigner under the event-time trigger (properties)', () => {
  it('gives what the grid assigner of the same windows gives: results, panes, late records, cleanups', () => {
    fc.assert(
      fc.property(setupArb, setup => {
        const grid = gridOf(setup.grid)
        const byGrid = run(setup, grid)
        const byCustom = run(setup, custom(grid))
        assert.deepStrictEqual(byCustom.segments, byGrid.segments)
        assert.deepStrictEqual(byCustom.cleared, byGrid.cleared)
      }),
      propertyRuns(250)
    )
  })
})
