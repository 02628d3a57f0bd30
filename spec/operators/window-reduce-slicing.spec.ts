/**
 * `reduce` on sliced windows: tumbling and sliding event-time windows with the default
 * trigger and no evictor reduce each slide's records in arrival order and a window's slides in
 * window order. For an associative and commutative function (what Flink expects of a window's
 * reduce function) that is invisible: the results equal the general window operator's
 * (which reduces a window in arrival order) element for element, late firings and late side
 * output included, and equal a batch computation for any arrival order within the watermark's
 * bound. Tumbling windows have one slide per window, so there any function gives the general
 * operator's results. The general path is forced by giving the default trigger explicitly.
 */
import assert from 'node:assert'
import fc from 'fast-check'
import { from } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements } from '../../marbles/index'
import { SlicedWindowOperator } from '../../src/windowing/SlicedWindowOperator'
import { WindowOperator } from '../../src/windowing/WindowOperator'
import { type KeyedEvent, keyedEventsArb } from '../support/arbitraries'
import { type Build, startJob } from '../support/snapshots'
import { describeBackends, propertyRuns } from '../support/backends'
import { canonical } from '../support/aggregates'

type Event = KeyedEvent

/** Sliceable grids: tumbling (size, size, offset) and sliding with the size a multiple of the slide. */
const gridArb = fc.oneof(
  fc.integer({ min: 1, max: 60 }).chain(size => fc.tuple(fc.constant(size), fc.constant(size), fc.integer({ min: -(size - 1), max: size - 1 }))),
  fc
    .tuple(fc.integer({ min: 1, max: 25 }), fc.integer({ min: 2, max: 5 }))
    .chain(([slide, factor]) => fc.tuple(fc.constant(slide * factor), fc.constant(slide), fc.integer({ min: -(slide - 1), max: slide - 1 })))
)

const assignerOf = ([size, slide, offset]: [number, number, number]): ds.WindowAssigner<unknown> =>
  slide === size ? ds.tumblingEventTimeWindows(size, offset) : ds.slidingEventTimeWindows(size, slide, offset)

/** A record's summary: what the reduce functions below combine. `first`: the arrival index, for ties. */
interface Summary {
  readonly sum: number
  readonly count: number
  readonly min: number
  readonly max: number
  readonly first: number
}

/** Associative and commutative, returning a new value. */
const summarize = (a: Summary, b: Summary): Summary => ({
  sum: a.sum + b.sum,
  count: a.count + b.count,
  min: Math.min(a.min, b.min),
  max: Math.max(a.max, b.max),
  first: Math.min(a.first, b.first)
})

/** Associative and commutative (a maximum over a total order), returning one of its arguments unchanged. */
const largest = (a: Summary, b: Summary): Summary => (b.max > a.max || (b.max === a.max && b.first < a.first) ? b : a)

const summaryOf = (e: Event, i: number): Summary => ({ sum: e.value, count: 1, min: e.value, max: e.value, first: i })

/** Seen by every window function: the key, the window and the reduced value, as text. */
const describe_ = <T>(key: unknown, ctx: ds.ProcessWindowContext, [v]: readonly T[], out: ds.Collector<string>): void =>
  out.collect(`${String(key)}[${ctx.window.start},${ctx.window.end})=${JSON.stringify(v)}`)

describeBackends('reduce on sliced windows', () => {
  it('takes the sliced runtime under the same conditions as aggregate', () => {
    const runtimeOf = (windowed: ds.WindowedStream<boolean>): unknown => {
      const build: Build<number, string, unknown> = ([input]) => input!.pipe(windowed.reduce<number>((a, b) => a + b) as never)
      const running = startJob(1, build)
      const operator = running.job.operators[0]!.operator
      running.subscription.unsubscribe()
      return operator instanceof SlicedWindowOperator ? 'sliced' : operator instanceof WindowOperator ? 'general' : 'other'
    }
    const cases: [string, ds.WindowedStream<boolean>, string][] = [
      ['tumbling', ds.windowBy(ds.tumblingEventTimeWindows(10)), 'sliced'],
      ['sliding', ds.windowBy(ds.slidingEventTimeWindows(10, 5)), 'sliced'],
      ['windowAll sliding', ds.windowAll(ds.slidingEventTimeWindows(10, 5)), 'sliced'],
      ['with allowed lateness and late side output', ds.windowBy(ds.tumblingEventTimeWindows(10)).allowedLateness(5).sideOutputLateData(new ds.OutputTag('late')), 'sliced'],
      ['size not a multiple of the slide', ds.windowBy(ds.slidingEventTimeWindows(10, 3)), 'general'],
      ['an explicit trigger', ds.windowBy(ds.tumblingEventTimeWindows(10)).trigger(ds.eventTimeTrigger()), 'general'],
      ['an evictor', ds.windowBy(ds.tumblingEventTimeWindows(10)).evictor(ds.countEvictor(2)), 'general'],
      ['processing time', ds.windowBy(ds.tumblingProcessingTimeWindows(10)), 'general'],
      ['sessions', ds.windowBy(ds.eventTimeSessionWindows(10)), 'general']
    ]
    for (const [label, windowed, expected] of cases) expect(`${label}: ${String(runtimeOf(windowed))}`).toBe(`${label}: ${expected}`)
  })

  it('property: for an associative and commutative function, exactly the general operator’s output, late firings and late side output included', () => {
    const late = new ds.OutputTag<Event>('late')
    const eventsArb = keyedEventsArb({ keys: ['a', 'b'], values: { min: -9, max: 9 }, start: 5_000, maxBehind: 120, maxAhead: 30, maxLength: 150 })
    fc.assert(
      fc.property(
        eventsArb,
        gridArb,
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 80 }),
        fc.constantFrom('summarize', 'largest'),
        fc.constantFrom('none', 'function', 'object with clear'),
        (events, grid, bound, lateness, fnName, windowFn) => {
          const fn = fnName === 'summarize' ? summarize : largest
          const indexed = events.map((e, i) => ({ e, s: summaryOf(e, i) }))
          const run = (general: boolean) => {
            let builder = ds.windowBy(assignerOf(grid)).allowedLateness(lateness).sideOutputLateData(late)
            if (general) builder = builder.trigger(ds.eventTimeTrigger())
            const cleared: number[] = []
            const reduce =
              windowFn === 'none'
                ? builder.reduce<Summary, string>(fn)
                : windowFn === 'function'
                  ? builder.reduce<Summary, string, string>(fn, describe_)
                  : builder.reduce<Summary, string, string>(fn, { process: describe_, clear: ctx => cleared.push(ctx.window.start) })
            const out = collectElements(
              from(indexed).pipe(
                ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<{ e: Event; s: Summary }>(bound).withTimestampAssigner(x => x.e.ts), {
                  autoWatermarkInterval: 0
                }),
                ds.keyBy(x => x.e.key),
                ds.mapValues(x => x.s),
                reduce as ds.WindowOperatorFunction<Summary, string, unknown, true>
              )
            )
            assert.strictEqual(out.error, undefined)
            return { elements: canonical(out.elements), cleared: cleared.sort((a, b) => a - b) }
          }
          assert.deepStrictEqual(run(false), run(true))
        }
      ),
      propertyRuns(300)
    )
  })

  it('property: tumbling windows give the general operator’s output for any function (arrival order)', () => {
    const eventsArb = keyedEventsArb({ keys: ['a', 'b'], values: { min: 0, max: 9 }, start: 1_000, maxBehind: 40, maxAhead: 20, maxLength: 100 })
    fc.assert(
      fc.property(eventsArb, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 20 }), (events, size, bound, lateness) => {
        const run = (general: boolean) => {
          let builder = ds.windowBy(ds.tumblingEventTimeWindows(size)).allowedLateness(lateness)
          if (general) builder = builder.trigger(ds.eventTimeTrigger())
          const out = collectElements(
            from(events).pipe(
              ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>(bound).withTimestampAssigner(e => e.ts), { autoWatermarkInterval: 0 }),
              ds.keyBy(e => e.key),
              ds.mapValues(e => `${e.value}@${e.ts}`),
              // neither associative nor commutative
              builder.reduce<string, string>((a, b) => `(${a} ${b})`)
            )
          )
          assert.strictEqual(out.error, undefined)
          return canonical(out.elements)
        }
        assert.deepStrictEqual(run(false), run(true))
      }),
      propertyRuns(200)
    )
  })

  it('property: for any arrival order within the watermark’s bound, sliding and tumbling results equal the batch computation', () => {
    const BOUND = 50
    const eventsArb = keyedEventsArb({ keys: ['a', 'b', 'c'], values: { min: -100, max: 100 }, start: 10_000, maxBehind: BOUND, maxAhead: 40, maxLength: 120 })
    fc.assert(
      fc.property(eventsArb, gridArb, fc.boolean(), (events, grid, keyed) => {
        const [size, slide, offset] = grid
        // The batch computation: every window of every record by definition, reduced in arrival order.
        const reference = new Map<string, Summary>()
        events.forEach((e, i) => {
          for (let s = e.ts - size + 1; s <= e.ts; s++) {
            if ((((s - offset) % slide) + slide) % slide !== 0) continue
            const id = `${keyed ? e.key : String(undefined)}[${s},${s + size})`
            const before = reference.get(id)
            reference.set(id, before === undefined ? summaryOf(e, i) : summarize(before, summaryOf(e, i)))
          }
        })
        const expected = [...reference].map(([id, v]) => `${id}=${JSON.stringify(v)}`).sort()

        const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<{ e: Event; s: Summary }>(BOUND).withTimestampAssigner(x => x.e.ts)
        const source = from(events.map((e, i) => ({ e, s: summaryOf(e, i) }))).pipe(ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }))
        const out = keyed
          ? collectElements(
              source.pipe(
                ds.keyBy(x => x.e.key),
                ds.mapValues(x => x.s),
                ds.windowBy(assignerOf(grid)).reduce<Summary, string, string>(summarize, describe_)
              )
            )
          : collectElements(source.pipe(ds.mapValues(x => x.s), ds.windowAll(assignerOf(grid)).reduce<Summary, string>(summarize, describe_)))
        assert.strictEqual(out.completed, true)
        const results: string[] = []
        let watermark = -Infinity
        for (const e of out.elements) {
          if (e._tag === 'Watermark') watermark = e.timestamp
          if (e._tag !== 'Record') continue
          assert.ok(e.timestamp > watermark, 'a result after the watermark that passed its window')
          results.push(e.value)
        }
        assert.deepStrictEqual(results.sort(), expected)
      }),
      propertyRuns(200)
    )
  })

  it('a sliding window reduces its slides in window order: a function that is not commutative sees them so', () => {
    const joined = (trigger: boolean): string[] => {
      const out: string[] = []
      const windowed = ds.windowAll(ds.slidingEventTimeWindows(4, 2))
      ds.fromRecords([
        { value: 'c', timestamp: 2 },
        { value: 'a', timestamp: 0 },
        { value: 'b', timestamp: 1 }
      ])
        .pipe((trigger ? windowed.trigger(ds.eventTimeTrigger()) : windowed).reduce<string>((x, y) => x + y), ds.values())
        .subscribe(s => out.push(s))
      return out
    }
    // [0, 4): slide [0, 2) holds a, b (arrival order: "ab"), then slide [2, 4): c
    expect(joined(false)).toEqual(['ab', 'abc', 'c'])
    // the general operator: arrival order
    expect(joined(true)).toEqual(['ab', 'cab', 'c'])
  })

  it('reduces undefined values as the general operator does', () => {
    const run = (trigger: boolean, assigner: ds.WindowAssigner<number | undefined>): unknown[] => {
      const out: unknown[] = []
      const windowed = ds.windowAll(assigner)
      ds.fromRecords<number | undefined>([
        { value: undefined, timestamp: 1 },
        { value: undefined, timestamp: 2 },
        { value: 3, timestamp: 3 },
        { value: undefined, timestamp: 12 }
      ])
        .pipe(
          (trigger ? windowed.trigger(ds.eventTimeTrigger()) : windowed).reduce<number | undefined, string>((a, b) => (a === undefined ? b : b === undefined ? a : a + b), describe_),
          ds.values()
        )
        .subscribe(s => out.push(s))
      return out
    }
    const tumbling = ds.tumblingEventTimeWindows<number | undefined>(10)
    expect(run(false, tumbling)).toEqual(run(true, tumbling))
    expect(run(false, tumbling)).toEqual(['undefined[0,10)=3', 'undefined[10,20)=undefined'])
    const sliding = ds.slidingEventTimeWindows<number | undefined>(10, 5)
    expect(run(false, sliding)).toEqual(run(true, sliding))
  })

  it('aggregates whose accumulator may be undefined, as the general operator does', () => {
    const run = (aggregate: ds.AggregateFunction<number, number | undefined, string>, trigger: boolean, assigner: ds.WindowAssigner<number>): unknown[] => {
      const out: unknown[] = []
      const windowed = ds.windowAll(assigner)
      ds.fromRecords([0, 0, 3, 0, 11, 0, 0, 14, 2, 0, 5].map((value, i) => ({ value, timestamp: [1, 2, 3, 4, 12, 13, 21, 16, 7, 22, 8][i]! })))
        .pipe((trigger ? windowed.trigger(ds.eventTimeTrigger()) : windowed).aggregate<number, number | undefined, string, string>(aggregate, describe_), ds.values())
        .subscribe(s => out.push(s))
      return out
    }
    // undefined until a value other than 0 comes: a window of zeros only is a result too
    const sum: ds.AggregateFunction<number, number | undefined, string> = {
      createAccumulator: () => undefined,
      add: (v, acc) => (v === 0 ? acc : (acc ?? 0) + v),
      getResult: acc => String(acc),
      merge: (a, b) => (a === undefined ? b : b === undefined ? a : a + b)
    }
    for (const assigner of [ds.tumblingEventTimeWindows<number>(10), ds.slidingEventTimeWindows<number>(10, 5), ds.slidingEventTimeWindows<number>(15, 5)]) {
      expect(run(sum, false, assigner)).withContext(assigner.name).toEqual(run(sum, true, assigner))
    }
    expect(run(sum, false, ds.tumblingEventTimeWindows<number>(10))).toEqual(['undefined[0,10)="10"', 'undefined[10,20)="25"', 'undefined[20,30)="undefined"'])
    // an undefined accumulator is added to, not replaced by a new one (tumbling: any function)
    const wiping: ds.AggregateFunction<number, number | undefined, string> = {
      createAccumulator: () => 0,
      add: (v, acc) => (v === 0 ? undefined : (acc ?? 100) + v),
      getResult: acc => String(acc),
      merge: (a, b) => (a ?? 0) + (b ?? 0)
    }
    const tumbling = ds.tumblingEventTimeWindows<number>(10)
    expect(run(wiping, false, tumbling)).toEqual(run(wiping, true, tumbling))
    expect(run(wiping, false, tumbling)).toEqual(['undefined[0,10)="107"', 'undefined[10,20)="114"', 'undefined[20,30)="undefined"'])
  })

  it('a failing reduce function fails the stream as on the general operator', () => {
    const run = (trigger: boolean) => {
      const windowed = ds.windowBy(ds.slidingEventTimeWindows(10, 5))
      const build = (trigger ? windowed.trigger(ds.eventTimeTrigger()) : windowed).reduce<number, string>((a, b) => {
        if (b === 3) throw new Error('no threes')
        return a + b
      })
      return collectElements(
        ds
          .fromRecords([
            { value: 1, timestamp: 1 },
            { value: 2, timestamp: 2 },
            { value: 3, timestamp: 3 }
          ])
          .pipe(
            ds.keyBy(() => 'k'),
            build
          )
      )
    }
    const sliced = run(false)
    const general = run(true)
    expect(sliced.error).toBeInstanceOf(ds.UserFunctionError)
    expect((sliced.error as Error).message).toBe((general.error as Error).message)
    expect(sliced.elements).toEqual(general.elements)
  })
})
