/**
 * Property tests of windows against a batch reference computed directly from the records:
 * for keyed input shuffled within the watermark bound (so nothing is late), tumbling, sliding
 * and session windows give exactly the reference results, through reduce, aggregate and
 * process; and the input gives the same results whether it arrives in one synchronous burst or
 * spread over virtual time, except where Flink's semantics let the watermark's timing decide
 * (a record landing exactly on a session's end, see `withoutSessionEndArrivals`).
 */
import assert from 'node:assert'
import fc from 'fast-check'
import { from, map, type Observable } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import * as ds from '../../src/index'
import { collectElements } from '../../marbles/index'
import { type AssignerSpec, assignerOf, type KeyedEvent, keyedEventsArb } from '../support/arbitraries'
import { runWithRestore, type Step } from '../support/snapshots'
import { describeBackends, propertyRuns } from '../support/backends'

type Event = KeyedEvent

interface Result {
  readonly key: string
  readonly start: number
  readonly end: number
  readonly sum: number
  readonly count: number
}

const BOUND = 50

/** Events in arrival order: each at most BOUND behind the highest timestamp so far. */
const eventsArb = keyedEventsArb({ keys: ['a', 'b', 'c'], values: { min: -100, max: 100 }, start: 10_000, maxBehind: BOUND, maxAhead: 40, maxLength: 120 })

const assignerArb: fc.Arbitrary<AssignerSpec> = fc.oneof(
  fc.integer({ min: 1, max: 100 }).chain(size =>
    fc.record({ kind: fc.constant('tumbling' as const), size: fc.constant(size), offset: fc.integer({ min: -(size - 1), max: size - 1 }) })
  ),
  fc
    .tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 4 }))
    .chain(([slide, factor]) =>
      fc.record({
        kind: fc.constant('sliding' as const),
        size: fc.constant(slide * factor + (factor > 1 ? slide - 1 : 0)),
        slide: fc.constant(slide),
        offset: fc.integer({ min: -(slide - 1), max: slide - 1 })
      })
    ),
  fc.record({ kind: fc.constant('session' as const), gap: fc.integer({ min: 1, max: 60 }) })
)

/** Batch reference: the windows of every record by definition, then sums per key and window. */
function reference(events: readonly Event[], spec: AssignerSpec): Result[] {
  const groups = new Map<string, { key: string; start: number; end: number; values: number[] }>()
  const add = (key: string, start: number, end: number, value: number) => {
    const id = `${key}|${start}|${end}`
    const g = groups.get(id) ?? { key, start, end, values: [] }
    g.values.push(value)
    groups.set(id, g)
  }
  if (spec.kind === 'session') {
    // Sessions close when event time passes their end: a record that arrives exactly at
    // `lastTs + gap` after the watermark reached `lastTs + gap − 1` starts a new session (the old
    // one has fired and is gone), as in Flink. So the reference follows arrival order with the
    // watermark (max − BOUND − 1) and merges only into sessions still open.
    const open = new Map<string, { start: number; end: number; values: number[] }[]>()
    let max = -Infinity
    const close = (watermark: number) => {
      for (const [key, sessions] of open) {
        for (const s of sessions.filter(s => s.end - 1 <= watermark)) for (const v of s.values) add(key, s.start, s.end, v)
        open.set(key, sessions.filter(s => s.end - 1 > watermark))
      }
    }
    for (const e of events) {
      close(max - BOUND - 1)
      const sessions = open.get(e.key) ?? []
      const joined = { start: e.ts, end: e.ts + spec.gap, values: [e.value] }
      const rest = []
      for (const s of sessions) {
        if (s.start <= joined.end && s.end >= joined.start) {
          joined.start = Math.min(joined.start, s.start)
          joined.end = Math.max(joined.end, s.end)
          joined.values.push(...s.values)
        } else rest.push(s)
      }
      open.set(e.key, [...rest, joined])
      max = Math.max(max, e.ts)
    }
    close(Infinity)
  } else {
    const size = spec.size
    const slide = spec.kind === 'sliding' ? spec.slide : spec.size
    for (const e of events) {
      // every start s ≡ offset (mod slide) with s <= ts < s + size, by brute force
      for (let s = e.ts - size + 1; s <= e.ts; s++) {
        if ((((s - spec.offset) % slide) + slide) % slide === 0) add(e.key, s, s + size, e.value)
      }
    }
  }
  return [...groups.values()].map(g => ({ key: g.key, start: g.start, end: g.end, sum: g.values.reduce((a, b) => a + b, 0), count: g.values.length }))
}

type Style = 'reduce' | 'aggregate' | 'process'

/** What every style windows: one tally per record, so the three give comparable results. */
interface Tally {
  readonly sum: number
  readonly count: number
}
const plus = (a: Tally, b: Tally): Tally => ({ sum: a.sum + b.sum, count: a.count + b.count })

function windowed(spec: AssignerSpec, style: Style): ds.WindowOperatorFunction<Tally, string, Result, true> {
  const builder = ds.windowBy(assignerOf(spec))
  const result = (key: string, w: ds.TimeWindow, t: Tally): Result => ({ key, start: w.start, end: w.end, sum: t.sum, count: t.count })
  switch (style) {
    case 'reduce':
      return builder.reduce<Tally, Result, string>(plus, (key, ctx, [t], out) => out.collect(result(key, ctx.window, t!)))
    case 'aggregate':
      return builder.aggregate<Tally, Tally, Tally, Result, string>(
        { createAccumulator: () => ({ sum: 0, count: 0 }), add: plus, getResult: t => t, merge: plus },
        (key, ctx, [t], out) => out.collect(result(key, ctx.window, t!))
      )
    case 'process':
      return builder.process<Tally, Result, string>((key, ctx, ts, out) => out.collect(result(key, ctx.window, ts.reduce(plus))))
  }
}

const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>(BOUND).withTimestampAssigner(e => e.ts)

/** Events stamped, keyed, and each one a tally: what every window of these properties reads. */
function tallies(source: Observable<Event>, options: ds.AssignTimestampsAndWatermarksOptions = { autoWatermarkInterval: 0 }) {
  return source.pipe(
    ds.assignTimestampsAndWatermarks(strategy, options),
    ds.keyBy(e => e.key),
    ds.mapValues((e): Tally => ({ sum: e.value, count: 1 }))
  )
}

/** `builder` with `trigger`, or with its default one when there is none. */
function withTrigger<B extends { trigger(trigger: ds.Trigger<Tally>): B }>(builder: B, trigger: ds.Trigger<Tally> | undefined): B {
  return trigger === undefined ? builder : builder.trigger(trigger)
}

function pipeline(source: Observable<Event>, spec: AssignerSpec, style: Style, options: ds.AssignTimestampsAndWatermarksOptions) {
  return tallies(source, options).pipe(windowed(spec, style))
}

const sortResults = (rs: readonly Result[]): Result[] =>
  [...rs].sort((a, b) => a.key.localeCompare(b.key) || a.start - b.start || a.end - b.end || a.sum - b.sum)

/** The records as a script of one input's elements, each raise of the maximum followed by the strategy's watermark. */
function scriptOf(events: readonly Event[]): Step<Event, string>[] {
  const script: Step<Event, string>[] = []
  let max = -Infinity
  for (const e of events) {
    script.push([0, ds.streamRecord(e, e.ts, e.key)])
    if (e.ts > max) script.push([0, ds.watermark((max = e.ts) - BOUND - 1)])
  }
  script.push([0, 'end'])
  return script
}

function checkShape(elements: readonly ds.StreamElement<Result, string>[]): Result[] {
  const results: Result[] = []
  let watermark = -Infinity
  for (const e of elements) {
    if (e._tag === 'Watermark') watermark = e.timestamp
    if (e._tag !== 'Record') continue
    // Stamped with the window's maxTimestamp, keyed, and emitted before the watermark passes it.
    assert.strictEqual(e.timestamp, e.value.end - 1)
    assert.strictEqual(e.key, e.value.key)
    assert.ok(e.timestamp > watermark)
    results.push(e.value)
  }
  return results
}

/**
 * The records of `events` whose session windows do not depend on when watermarks arrive: each
 * record is dropped whose timestamp is exactly `ts + gap` of an earlier-arrived record of its key.
 *
 * Why only those: no record is late (each is at most BOUND behind the highest timestamp so far,
 * the watermark is that less BOUND + 1) and a periodic watermark never leads the per-record one.
 * A record strictly inside a session's reach (`ts < end`) finds it open in every run, since the
 * session fires only once the watermark reaches `end − 1 ≥ ts`, which would make the record late.
 * A record beyond it (`ts > end`) never merges. At `ts === end` the record is not late (the
 * watermark may be at `end − 1`), Flink merges touching sessions, but only if the earlier one is
 * still there: once a watermark has reached `end − 1` it has fired and been cleaned, and the
 * record opens a session of its own. With a watermark per record that can happen before the
 * record arrives and with periodic watermarks after, so the two runs differ and both are right
 * (the example after the property shows one). A session's end is `ts + gap` of one of its members, all of them earlier
 * arrivals, so dropping those records removes every such case; dropping records only lowers the
 * running maximum, so the rest stay within the bound.
 */
function withoutSessionEndArrivals(events: readonly Event[], gap: number): Event[] {
  const seen = new Map<string, Set<number>>()
  return events.filter(e => {
    const earlier = seen.get(e.key) ?? new Set<number>()
    seen.set(e.key, earlier)
    if (earlier.has(e.ts - gap)) return false
    earlier.add(e.ts)
    return true
  })
}

describeBackends('windows against a batch reference (property)', () => {
  /** Neither a grid nor sessions: windows of two sizes sharing a start, each numbered when first seen, the number shared by its keys. */
  const twoSizes: ds.WindowAssigner<Tally> = {
    name: 'twoSizes',
    timeDomain: 'EVENT_TIME',
    assignWindows: (_value, ts) => {
      const start = ts - (((ts % 10) + 10) % 10)
      return [ds.timeWindow(start, start + 10), ds.timeWindow(start, start + 20)]
    },
    defaultTrigger: () => ds.eventTimeTrigger()
  }

  for (const style of ['reduce', 'aggregate', 'process'] as const) {
    it(`${style}: a synchronous burst with a watermark per record gives the reference results`, () => {
      fc.assert(
        fc.property(eventsArb, assignerArb, (events, spec) => {
          const out = collectElements(pipeline(from(events), spec, style, { autoWatermarkInterval: 0 }))
          assert.strictEqual(out.completed, true)
          assert.deepStrictEqual(sortResults(checkShape(out.elements)), sortResults(reference(events, spec)))
        }),
        propertyRuns(150)
      )
    })
  }

  it('results are the same when records arrive over virtual time with periodic watermarks', () => {
    fc.assert(
      fc.property(eventsArb, assignerArb, fc.integer({ min: 1, max: 7 }), (generated, spec, interval) => {
        // Tumbling and sliding windows depend on timestamps only; sessions only once no record
        // lands on a session's end (see withoutSessionEndArrivals).
        const events = spec.kind === 'session' ? withoutSessionEndArrivals(generated, spec.gap) : generated
        const burst = collectElements(pipeline(from(events), spec, 'aggregate', { autoWatermarkInterval: 0 }))
        const scheduler = new TestScheduler((a, b) => assert.deepStrictEqual(a, b))
        const spread: ds.StreamElement<Result, string>[] = []
        scheduler.run(({ cold }) => {
          const marbles = events.map(() => 'e-').join('') + '|'
          pipeline(cold(marbles, { e: 0 }).pipe(map((_, i) => events[i]!)), spec, 'aggregate', { autoWatermarkInterval: interval, scheduler }).subscribe(
            e => spread.push(e)
          )
        })
        assert.deepStrictEqual(sortResults(checkShape(spread)), sortResults(checkShape(burst.elements)))
      }),
      propertyRuns(60)
    )
  })

  it('windows under the default trigger give exactly what a per-key-timer trigger gives, in the same order', () => {
    // With eventTimeTrigger() the operator keeps one firing per grid window for all its keys,
    // and tracks session ends itself (without lateness); a trigger of the user's own doing the
    // same goes through a timer per key and window. Both must emit the same elements in the same
    // order, late records and late firings within the lateness included.
    const sameAsDefault: ds.Trigger<Tally> = { ...ds.eventTimeTrigger<Tally>(), name: 'userEventTimeTrigger()' }
    const late = eventsArb.map(events => events.map((e, i) => (i % 7 === 3 ? { ...e, ts: e.ts - 3 * BOUND } : e)))
    const latenessArb = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 80 }))
    fc.assert(
      fc.property(late, assignerArb, latenessArb, (events, spec, lateness) => {
        const run = (trigger: ds.Trigger<Tally> | undefined) => {
          const configured = withTrigger(ds.windowBy(assignerOf(spec)).allowedLateness(lateness), trigger)
          return collectElements(
            tallies(from(events)).pipe(
              configured.process<Tally, Result, string>((key, ctx, ts, out) => out.collect({ key, start: ctx.window.start, end: ctx.window.end, ...ts.reduce(plus) }))
            )
          )
        }
        const byWindow = run(undefined)
        assert.strictEqual(byWindow.completed, true)
        assert.deepStrictEqual(byWindow.elements, run(sameAsDefault).elements)
      }),
      propertyRuns(150)
    )
  })

  it('processing-time grid windows under the default trigger give exactly what a per-key-timer trigger gives, in the same order', () => {
    const sameAsDefault: ds.Trigger<Tally> = { ...ds.processingTimeTrigger<Tally>(), name: 'userProcessingTimeTrigger()' }
    const assigner = fc.oneof(
      fc.integer({ min: 1, max: 30 }).map(size => ds.tumblingProcessingTimeWindows<Tally>(size)),
      fc.tuple(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 4 })).map(([slide, n]) => ds.slidingProcessingTimeWindows<Tally>(slide * n, slide))
    )
    const arrivals = fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: -5, max: 5 }), fc.integer({ min: 0, max: 4 })), { maxLength: 60 })
    fc.assert(
      fc.property(arrivals, assigner, (events, windows) => {
        const run = (trigger: ds.Trigger<Tally> | undefined) => {
          const scheduler = new TestScheduler((a, b) => assert.deepStrictEqual(a, b))
          const out: ds.StreamElement<Result, string>[] = []
          scheduler.run(({ cold }) => {
            // Each record after its gap of virtual time; the source ends a while after the last.
            const marbles = events.map(([, , gap]) => '-'.repeat(gap) + 'e').join('') + '-'.repeat(40) + '|'
            const configured = withTrigger(ds.windowBy(windows, { scheduler }), trigger)
            cold(marbles, { e: 0 })
              .pipe(
                map((_, i) => ds.streamRecord<Tally, string>({ sum: events[i]![1], count: 1 }, i, events[i]![0])),
                configured.process<Tally, Result, string>((key, ctx, ts, o) => o.collect({ key, start: ctx.window.start, end: ctx.window.end, ...ts.reduce(plus) }))
              )
              .subscribe(e => out.push(e))
          })
          return out
        }
        assert.deepStrictEqual(run(undefined), run(sameAsDefault))
      }),
      propertyRuns(100)
    )
  })

  it('sessions ending all through a run, a key\'s last or one of several, give the reference results, and the same across a snapshot', () => {
    // Gaps short against the bound and six keys: sessions end at nearly every watermark, while
    // their keys keep other sessions open (records up to the bound behind open their own) or
    // have none left, and new sessions begin meanwhile: the operator makes them of what ended
    // ones left (on the heap), which must not change a result.
    const manySessions = keyedEventsArb({ keys: ['a', 'b', 'c', 'd', 'e', 'f'], values: { min: -100, max: 100 }, start: 10_000, maxBehind: BOUND, maxAhead: 30, maxLength: 300 })
    const build = (gap: number, style: Style) => (input: Observable<ds.StreamElement<Event, string>>) =>
      input.pipe(
        ds.mapValues((e: Event): Tally => ({ sum: e.value, count: 1 })),
        windowed({ kind: 'session', gap }, style)
      )
    fc.assert(
      fc.property(manySessions, fc.integer({ min: 1, max: 20 }), fc.constantFrom<Style>('reduce', 'aggregate', 'process'), fc.nat(), (events, gap, style, cutSeed) => {
        const out = collectElements(from(events).pipe(ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }), ds.keyBy(e => e.key), build(gap, style)))
        assert.strictEqual(out.completed, true)
        assert.deepStrictEqual(sortResults(checkShape(out.elements)), sortResults(reference(events, { kind: 'session', gap })))
        // The same records as a script of elements with watermarks, interrupted and restored.
        const script = scriptOf(events)
        const { uninterrupted, restored } = runWithRestore(1, ([input]) => build(gap, style)(input!), script, cutSeed % (script.length + 1))
        assert.deepStrictEqual(restored.elements, uninterrupted.elements)
        assert.deepStrictEqual(sortResults(checkShape(uninterrupted.elements)), sortResults(reference(events, { kind: 'session', gap })))
        // A window the window function keeps stays the window it fired (sessions grow theirs in place).
        const held: [ds.TimeWindow, number, number][] = []
        const keeping = collectElements(
          from(events).pipe(
            ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }),
            ds.keyBy(e => e.key),
            ds.windowBy(ds.eventTimeSessionWindows<Event>(gap)).process<Event, number, string>((_key, ctx, es, out) => {
              held.push([ctx.window, ctx.window.start, ctx.window.end])
              out.collect(es.length)
            })
          )
        )
        assert.strictEqual(keeping.completed, true)
        for (const [window, start, end] of held) assert.deepStrictEqual([window.start, window.end], [start, end])
      }),
      propertyRuns(150)
    )
  })

  it('a custom assigner (windows sharing a start, of two sizes) gives the reference results, and the same across a snapshot', () => {
    const build = (input: Observable<ds.StreamElement<Event, string>>) =>
      input.pipe(
        ds.mapValues((e: Event): Tally => ({ sum: e.value, count: 1 })),
        ds.windowBy(twoSizes).process<Tally, Result, string>((key, ctx, ts, out) => out.collect({ key, start: ctx.window.start, end: ctx.window.end, ...ts.reduce(plus) }))
      )
    fc.assert(
      fc.property(eventsArb, fc.nat(), (events, cutSeed) => {
        const expected = new Map<string, Result>()
        for (const e of events) {
          const start = e.ts - (((e.ts % 10) + 10) % 10)
          for (const end of [start + 10, start + 20]) {
            const id = `${e.key}|${start}|${end}`
            const r = expected.get(id) ?? { key: e.key, start, end, sum: 0, count: 0 }
            expected.set(id, { ...r, sum: r.sum + e.value, count: r.count + 1 })
          }
        }
        const out = collectElements(from(events).pipe(ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }), ds.keyBy(e => e.key), build))
        assert.deepStrictEqual(sortResults(checkShape(out.elements)), sortResults([...expected.values()]))
        // The same records as a script of elements with watermarks, interrupted and restored.
        const script = scriptOf(events)
        const { uninterrupted, restored } = runWithRestore(1, ([input]) => build(input!), script, cutSeed % (script.length + 1))
        assert.deepStrictEqual(restored.elements, uninterrupted.elements)
      }),
      propertyRuns(100)
    )
  })

  it('a custom assigner under the default trigger gives exactly what a copy of the trigger gives, late records and late firings included', () => {
    // The operator skips the default trigger for a window the key already has (its timers are
    // registered with the window's first record); the copy is called for every record.
    const sameAsDefault: ds.Trigger<Tally> = { ...ds.eventTimeTrigger<Tally>(), name: 'userEventTimeTrigger()' }
    // Dense in time, so that most windows get several records of a key, some of them late by
    // up to 2 × BOUND + 10: often within the allowed lateness, in a window the key already has.
    const dense = keyedEventsArb({ keys: ['a', 'b', 'c'], values: { min: -100, max: 100 }, start: 10_000, maxBehind: BOUND, maxAhead: 6, maxLength: 120 })
    const late = dense.map(events => events.map((e, i) => (i % 4 === 1 ? { ...e, ts: e.ts - BOUND - 10 * (i % 7) } : e)))
    const latenessArb = fc.oneof(fc.constant(0), fc.integer({ min: 20, max: 80 }))
    fc.assert(
      fc.property(late, latenessArb, (events, lateness) => {
        const run = (trigger: ds.Trigger<Tally> | undefined) => {
          const configured = withTrigger(ds.windowBy(twoSizes).allowedLateness(lateness), trigger)
          // Each window's cleanup too, with the watermark it came at: the same windows are released at the same time.
          const cleared: string[] = []
          const out = collectElements(
            tallies(from(events)).pipe(
              configured.process<Tally, Result & { readonly timing: string; readonly index: number }, string>({
                process: (key, ctx, ts, o) =>
                  o.collect({ key, start: ctx.window.start, end: ctx.window.end, ...ts.reduce(plus), timing: ctx.pane.timing, index: ctx.pane.index }),
                clear: ctx => cleared.push(`[${ctx.window.start}, ${ctx.window.end}) at ${ctx.currentWatermark()}`)
              })
            )
          )
          return { ...out, cleared }
        }
        const byDefault = run(undefined)
        assert.strictEqual(byDefault.completed, true)
        const byCopy = run(sameAsDefault)
        assert.deepStrictEqual(byDefault.elements, byCopy.elements)
        assert.deepStrictEqual(byDefault.cleared, byCopy.cleared)
      }),
      propertyRuns(300)
    )
  })

  it('a custom assigner\'s window sharing a start with one cleaned up keeps its state: late records land in it (against a reference)', () => {
    // With lateness, [s, s + 10) is cleaned up while [s, s + 20) of the same start still takes
    // late records: they must reach the key's state of [s, s + 20) (its last firing holds every
    // record it took), not a state of their own. The reference follows the watermark (after each
    // record, the highest timestamp − BOUND − 1): a record joins a window unless the window's
    // end − 1 + lateness is at or below the watermark when it arrives.
    const dense = keyedEventsArb({ keys: ['a', 'b'], values: { min: -100, max: 100 }, start: 10_000, maxBehind: BOUND, maxAhead: 6, maxLength: 120 })
    const late = dense.map(events => events.map((e, i) => (i % 3 === 1 ? { ...e, ts: e.ts - BOUND - 15 } : e)))
    fc.assert(
      fc.property(late, fc.integer({ min: 5, max: 30 }), (events, lateness) => {
        const out = collectElements(
          tallies(from(events)).pipe(
            ds
              .windowBy(twoSizes)
              .allowedLateness(lateness)
              .process<Tally, Result, string>((key, ctx, ts, o) => o.collect({ key, start: ctx.window.start, end: ctx.window.end, ...ts.reduce(plus) }))
          )
        )
        assert.strictEqual(out.completed, true)
        const last = new Map<string, Result>()
        for (const e of out.elements) if (e._tag === 'Record') last.set(`${e.value.key}|${e.value.start}|${e.value.end}`, e.value)
        const expected = new Map<string, Result>()
        let watermark = -Infinity
        let max = -Infinity
        for (const e of events) {
          const start = e.ts - (((e.ts % 10) + 10) % 10)
          for (const end of [start + 10, start + 20]) {
            if (end - 1 + lateness <= watermark) continue
            const id = `${e.key}|${start}|${end}`
            const r = expected.get(id) ?? { key: e.key, start, end, sum: 0, count: 0 }
            expected.set(id, { ...r, sum: r.sum + e.value, count: r.count + 1 })
          }
          if (e.ts > max) watermark = (max = e.ts) - BOUND - 1
        }
        assert.deepStrictEqual(sortResults([...last.values()]), sortResults([...expected.values()]))
      }),
      propertyRuns(200)
    )
  })

  it('a merging assigner of the user\'s own (sessions merged by hand) gives the reference results', () => {
    // The operator merges the built-in sessions by one scan of the key's windows; any other
    // merging assigner goes through its own mergeWindows. Both must give the sessions' results.
    const userSessions = (gap: number): ds.WindowAssigner<Tally> => ({
      ...ds.eventTimeSessionWindows<Tally>(gap),
      name: `userSessions(${gap})`,
      mergeWindows: (windows, merge) => {
        // Grow groups until no two intersect (quadratic, obviously right), then report each
        // group of two or more distinct windows with its cover.
        const groups = windows.map(w => ({ members: [w], cover: w }))
        for (let merged = true; merged; ) {
          merged = false
          for (let i = 0; i < groups.length && !merged; i++) {
            for (let j = i + 1; j < groups.length && !merged; j++) {
              if (!ds.intersects(groups[i]!.cover, groups[j]!.cover)) continue
              groups[i] = { members: [...groups[i]!.members, ...groups[j]!.members], cover: ds.cover(groups[i]!.cover, groups[j]!.cover) }
              groups.splice(j, 1)
              merged = true
            }
          }
        }
        for (const { members, cover } of groups) {
          const distinct = members.filter((w, i) => members.findIndex(v => v.start === w.start && v.end === w.end) === i)
          if (distinct.length > 1) merge(distinct, cover)
        }
      }
    })
    fc.assert(
      fc.property(eventsArb, fc.integer({ min: 1, max: 60 }), (events, gap) => {
        const result = (key: string, w: ds.TimeWindow, t: Tally): Result => ({ key, start: w.start, end: w.end, sum: t.sum, count: t.count })
        const out = collectElements(
          tallies(from(events)).pipe(
            ds.windowBy(userSessions(gap)).reduce<Tally, Result, string>(plus, (key, ctx, [t], out) => out.collect(result(key, ctx.window, t!)))
          )
        )
        assert.strictEqual(out.completed, true)
        assert.deepStrictEqual(sortResults(checkShape(out.elements)), sortResults(reference(events, { kind: 'session', gap })))
      }),
      propertyRuns(100)
    )
  })

  it('a record on a session\'s end merges into it only if no watermark has fired the session yet', () => {
    // The case withoutSessionEndArrivals leaves out, once found by the property above: -12 is
    // the end of the session of -15 (gap 3) and is not late, since the watermark is at most -13.
    const events: Event[] = [-15, 2, 38, -12].map(ts => ({ key: 'a', value: 1, ts }))
    const spec: AssignerSpec = { kind: 'session', gap: 3 }
    const burst = collectElements(pipeline(from(events), spec, 'aggregate', { autoWatermarkInterval: 0 }))
    const scheduler = new TestScheduler((a, b) => assert.deepStrictEqual(a, b))
    const spread: ds.StreamElement<Result, string>[] = []
    scheduler.run(({ cold }) => {
      // Records at frames 0, 2, 4, 6; the first periodic watermark at 7, after all of them.
      pipeline(cold('e-e-e-e-|', { e: 0 }).pipe(map((_, i) => events[i]!)), spec, 'aggregate', { autoWatermarkInterval: 7, scheduler }).subscribe(e =>
        spread.push(e)
      )
    })
    const sessions = (rs: readonly Result[]) => sortResults(rs).map(r => [r.start, r.end, r.count])
    // After 38 the watermark (-13) fires [-15, -12) and cleans it, so -12 opens a session of its own.
    assert.deepStrictEqual(sessions(checkShape(burst.elements)), [[-15, -12, 1], [-12, -9, 1], [2, 5, 1], [38, 41, 1]])
    // No watermark yet when -12 arrives: [-15, -12) is still open and touches [-12, -9).
    assert.deepStrictEqual(sessions(checkShape(spread)), [[-15, -9, 2], [2, 5, 1], [38, 41, 1]])
  })
})
