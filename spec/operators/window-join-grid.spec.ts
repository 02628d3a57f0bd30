/**
 * The grid join (src/join/GridJoinOperator.ts: tumbling and sliding event-time windows with the
 * default trigger and no evictor) against the general window operator over the tagged union
 * driven by a trigger of the user's own that does what the default one does (a copy of
 * `eventTimeTrigger()`, which the operator cannot recognise, so every key and window has its
 * own timers, as in Flink): for random inputs, with late records, late firings within allowed
 * lateness, keys of every kind and errors, both must emit exactly the same elements in the
 * same order, and drop as many late records.
 */
import fc from 'fast-check'
import { type Observable, Subject } from 'rxjs'
import * as ds from '../../src/index'
import { JobContext, runInJob } from '../../src/runtime/JobContext'
import { describeBackends, propertyRuns } from '../support/backends'

type Side = 'L' | 'R'

interface Step {
  readonly side: Side
  /** A record of `key` at `ts`, or (key undefined) a watermark at `ts` of that input. */
  readonly key: string | number | readonly [string, number] | undefined
  readonly ts: number
  readonly id: number
}

interface V {
  readonly key: Step['key']
  readonly id: number
}

type Flavour = 'join' | 'coGroup'

interface Setup {
  readonly assigner: { readonly kind: 'tumbling'; readonly size: number; readonly offset: number } | { readonly kind: 'sliding'; readonly size: number; readonly slide: number; readonly offset: number }
  readonly lateness: number
  readonly flavour: Flavour
}

const setupArb: fc.Arbitrary<Setup> = fc.record({
  assigner: fc.oneof(
    fc.integer({ min: 1, max: 12 }).chain(size => fc.record({ kind: fc.constant('tumbling' as const), size: fc.constant(size), offset: fc.integer({ min: -(size - 1), max: size - 1 }) })),
    fc
      .record({ size: fc.integer({ min: 2, max: 14 }), slide: fc.integer({ min: 1, max: 7 }) })
      .filter(({ size, slide }) => slide < size)
      .chain(({ size, slide }) => fc.record({ kind: fc.constant('sliding' as const), size: fc.constant(size), slide: fc.constant(slide), offset: fc.integer({ min: -(slide - 1), max: slide - 1 }) }))
  ),
  lateness: fc.constantFrom(0, 0, 1, 3, 10),
  flavour: fc.constantFrom<Flavour>('join', 'coGroup')
})

/**
 * Records and watermarks of both inputs in arrival order; timestamps wander, so some records
 * are late, and some fall between two milliseconds.
 */
const stepsArb: fc.Arbitrary<Step[]> = fc
  .array(
    fc.record({
      side: fc.constantFrom<Side>('L', 'R'),
      watermark: fc.integer({ min: 0, max: 4 }).map(n => n === 0),
      key: fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.constantFrom(1, 2), fc.constant(['k', 1] as const)),
      delta: fc.integer({ min: -12, max: 6 }),
      // Now and then a timestamp between two milliseconds: window math and lateness on fractions.
      fraction: fc.constantFrom(0, 0, 0, 0, 0.5)
    }),
    { maxLength: 60 }
  )
  .map(raw => {
    let max = 0
    return raw.map(({ side, watermark, key, delta, fraction }, id): Step => {
      const ts = max + delta + fraction
      max = Math.max(max, ts)
      return { side, key: watermark ? undefined : key, ts, id }
    })
  })

function assignerOf(setup: Setup): ds.WindowAssigner<ds.TaggedUnion<V, V>> {
  const a = setup.assigner
  return a.kind === 'tumbling' ? ds.tumblingEventTimeWindows(a.size, a.offset) : ds.slidingEventTimeWindows(a.size, a.slide, a.offset)
}

const keyOf = (v: V): string | number | readonly [string, number] => v.key!

/** The default trigger's behaviour, as a trigger of the user's own (not recognised as the default one). */
const sameAsDefault: ds.Trigger<ds.TaggedUnion<V, V>> = { ...ds.eventTimeTrigger<ds.TaggedUnion<V, V>>(), name: 'userEventTimeTrigger()' }

/** The join (`general`: with `sameAsDefault`, so on the general window operator, by timers). */
function joined(setup: Setup, general: boolean) {
  return (left: Observable<ds.StreamElement<V>>, right: Observable<ds.StreamElement<V>>): Observable<ds.StreamElement<string, unknown>> => {
    const options = { uid: 'join' }
    const base = setup.flavour === 'join' ? ds.joinWith(right, options).where(keyOf).equalTo(keyOf) : ds.coGroupWith(right, options).where(keyOf).equalTo(keyOf)
    let windowed = base.window(assignerOf(setup)) as ds.WindowedJoin<V, V, unknown> & ds.WindowedCoGroup<V, V, unknown>
    if (general) windowed = windowed.trigger(sameAsDefault) as typeof windowed
    if (setup.lateness > 0) windowed = windowed.allowedLateness(setup.lateness) as typeof windowed
    const op =
      setup.flavour === 'join'
        ? (windowed as ds.WindowedJoin<V, V, unknown>).apply((l, r) => `${l.id}+${r.id}`)
        : (windowed as ds.WindowedCoGroup<V, V, unknown>).apply<string>((ls, rs, out) => out.collect(`${ls.map(l => l.id).join(',')}|${rs.map(r => r.id).join(',')}`))
    return left.pipe(op)
  }
}

/**
 * Feeds the steps to two Subjects (both complete at the end); returns what came out, errors
 * included, then the join's count of late records dropped.
 */
function run(steps: readonly Step[], op: ReturnType<typeof joined>): unknown[] {
  const left = new Subject<ds.StreamElement<V>>()
  const right = new Subject<ds.StreamElement<V>>()
  const out: unknown[] = []
  const job = new JobContext()
  runInJob(job, () =>
    op(left, right).subscribe({
      next: e => out.push(e),
      error: (e: unknown) => out.push(['error', e instanceof Error ? `${e.name}: ${e.message}` : e]),
      complete: () => out.push('complete')
    })
  )
  for (const step of steps) {
    const input = step.side === 'L' ? left : right
    input.next(step.key === undefined ? ds.watermark(step.ts) : ds.streamRecord<V>({ key: step.key, id: step.id }, step.ts))
  }
  left.complete()
  right.complete()
  out.push(['late records dropped', job.operator('join').numLateRecordsDropped])
  return out
}

describeBackends('window join on grid windows (tumbling, sliding) with the default trigger', () => {
  it('emits exactly what the general window operator emits, in the same order, and drops as many late records (late firings, every key kind)', () => {
    fc.assert(
      fc.property(setupArb, stepsArb, (setup, steps) => {
        const grid = run(steps, joined(setup, false))
        const general = run(steps, joined(setup, true))
        expect(grid).toEqual(general)
      }),
      propertyRuns(300)
    )
  })

  it('fails on a record without timestamp, naming the input, as the general operator does', () => {
    const setup: Setup = { assigner: { kind: 'tumbling', size: 10, offset: 0 }, lateness: 0, flavour: 'join' }
    // Also which error comes first when the key is not one either (undefined).
    for (const ts of [ds.NO_TIMESTAMP, NaN, Infinity]) {
      for (const key of ['a', undefined]) {
        const make = (general: boolean): unknown[] => {
          const left = new Subject<ds.StreamElement<V>>()
          const right = new Subject<ds.StreamElement<V>>()
          const out: unknown[] = []
          joined(setup, general)(left, right).subscribe({ error: (e: unknown) => out.push(e instanceof Error ? [e.constructor.name, e.message] : e) })
          right.next(ds.streamRecord<V>({ key, id: 1 }, ts))
          return out
        }
        const grid = make(false)
        expect(grid).withContext(`${ts} ${key}`).toEqual(make(true))
        expect(grid.length).toBe(1)
      }
    }
    const left = new Subject<ds.StreamElement<V>>()
    let error: unknown
    joined(setup, false)(left, new Subject()).subscribe({ error: (e: unknown) => (error = e) })
    left.next(ds.streamRecord<V>({ key: 'a', id: 1 }, ds.NO_TIMESTAMP))
    expect(error).toEqual(jasmine.any(ds.TimestampError))
    expect((error as Error).message).toMatch(/of the left \(piped\) input has no timestamp, which event-time windows \(tumblingEventTimeWindows\(10\)\) need/)
  })

  it('drops records late for all their windows, and counts them as the general operator does', () => {
    const late = (ts: number, lateness: number, general: boolean): { out: string[]; dropped: number | undefined } => {
      const left = new Subject<ds.StreamElement<V>>()
      const right = new Subject<ds.StreamElement<V>>()
      const out: string[] = []
      const job = new JobContext()
      let windowed = ds.joinWith(right, { uid: 'join' }).where(keyOf).equalTo(keyOf).window(ds.tumblingEventTimeWindows(10)).allowedLateness(lateness)
      if (general) windowed = windowed.trigger(sameAsDefault)
      runInJob(job, () => left.pipe(windowed.apply((l, r) => `${l.id}+${r.id}`), ds.values()).subscribe(v => out.push(v)))
      left.next(ds.watermark(19))
      right.next(ds.watermark(19))
      left.next(ds.streamRecord<V>({ key: 'a', id: 1 }, ts)) // in [10, 20)
      right.next(ds.streamRecord<V>({ key: 'a', id: 2 }, 15))
      left.next(ds.streamRecord<V>({ key: 'a', id: 3 }, 21)) // [20, 30): on time
      right.next(ds.streamRecord<V>({ key: 'a', id: 4 }, 25))
      left.complete()
      right.complete()
      return { out, dropped: job.operator('join').numLateRecordsDropped }
    }
    // The window [10, 20) is late at W(19): both records in it are dropped and counted.
    expect(late(19, 0, false)).toEqual({ out: ['3+4'], dropped: 2 })
    // 19.5 is in that late window, but not itself behind the watermark: dropped, not counted.
    expect(late(19.5, 0, false)).toEqual({ out: ['3+4'], dropped: 1 })
    // With allowed lateness the window is still open: each record re-fires it for its key.
    expect(late(19, 1, false)).toEqual({ out: ['1+2', '3+4'], dropped: 0 })
    for (const [ts, lateness] of [[19, 0], [19.5, 0], [19, 1]] as const) expect(late(ts, lateness, false)).toEqual(late(ts, lateness, true))
  })
})
