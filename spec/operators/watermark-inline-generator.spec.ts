/**
 * The built-in bounded-out-of-orderness generator asked after every record
 * (`autoWatermarkInterval: 0`) runs inline in `assignTimestampsAndWatermarks`: one comparison
 * per record instead of calls to `onEvent`, `onPeriodicEmit` and `emitWatermark`. Every other
 * generator, the same one behind a wrapper included, takes the general path. These specs hold
 * the two paths to the same output: element by element on any input (late records, repeated
 * and falling timestamps), and across a snapshot taken with periodic emission, whose last
 * watermark may lag behind the generator's, restored with a watermark per record.
 */
import fc from 'fast-check'
import { from, type Observable, VirtualTimeScheduler } from 'rxjs'
import * as ds from '../../src/index'
import { restoreOperator } from '../../src/runtime/operatorSnapshot'
import { type Emitted, snapshotJob, startJob } from '../support/snapshots'

interface Event {
  readonly id: number
  readonly ts: number
}
type Out = ds.StreamElement<Event>

/** The built-in strategy: its generator is recognised and run inline. */
const inline = (bound: number): ds.WatermarkStrategy<Event> => ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>(bound).withTimestampAssigner(e => e.ts)

/** The same generator behind a forwarding wrapper: the general path, calling it. */
const called = (bound: number): ds.WatermarkStrategy<Event> =>
  ds.WatermarkStrategy.forGenerator<Event>(() => {
    const generator = ds.boundedOutOfOrdernessGenerator<Event>(bound)
    return {
      onEvent: (event, ts, output) => generator.onEvent(event, ts, output),
      onPeriodicEmit: output => generator.onPeriodicEmit(output),
      snapshotState: () => generator.snapshotState!(),
      restoreState: state => generator.restoreState!(state)
    }
  }).withTimestampAssigner(e => e.ts)

function run(events: readonly Event[], strategy: ds.WatermarkStrategy<Event>): { elements: Out[]; completed: boolean } {
  const elements: Out[] = []
  let completed = false
  from(events)
    .pipe(ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }))
    .subscribe({ next: e => elements.push(e), complete: () => (completed = true) })
  return { elements, completed }
}

/** Timestamps that rise, repeat and fall, some far behind the highest one (late beyond any bound). */
const eventsArb = fc
  .record({
    start: fc.integer({ min: -1_000_000, max: 2_000_000_000_000 }),
    deltas: fc.array(fc.integer({ min: -700, max: 300 }), { maxLength: 150 })
  })
  .map(({ start, deltas }) => {
    let now = start
    return deltas.map((d, id): Event => {
      if (d > 0) now += d
      return { id, ts: d > 0 ? now : now + d }
    })
  })

const boundArb = fc.integer({ min: 0, max: 500 })

/** A step of a job: a source value, or the virtual clock moving on by one period. */
type Step = Event | 'tick'

function startWith(strategy: ds.WatermarkStrategy<Event>, interval: number, scheduler: VirtualTimeScheduler, emitted?: Emitted<Out>): ReturnType<typeof startJob<Event, never, Out>> {
  return startJob<Event, never, Out>(
    1,
    ([input]) => (input as unknown as Observable<Event>).pipe(ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: interval, scheduler })),
    emitted
  )
}

/**
 * Runs `before` with periodic emission (a period of 5 on a virtual clock, `tick` moving it on
 * by one period), snapshots, and restores into an operator with a watermark per record, which
 * is fed `after`: what both emitted.
 */
function periodicThenPerRecord(
  strategy: (bound: number) => ds.WatermarkStrategy<Event>,
  bound: number,
  before: readonly Step[],
  after: readonly Event[],
  firstStrategy: ds.WatermarkStrategy<Event> = strategy(bound)
): Emitted<Out> {
  const scheduler = new VirtualTimeScheduler()
  let now = 0
  const emitted: Emitted<Out> = { elements: [], error: undefined, completed: false }
  const first = startWith(firstStrategy, 5, scheduler, emitted)
  for (const step of before) {
    if (step !== 'tick') first.inputs[0]!.next(step as unknown as ds.StreamElement<Event>)
    else {
      now += 5
      scheduler.maxFrames = now
      scheduler.flush()
      scheduler.frame = now
    }
  }
  const snapshots = snapshotJob(first.job)
  first.subscription.unsubscribe()
  const second = startWith(strategy(bound), 0, scheduler, emitted)
  second.job.operators.forEach(({ operator }, i) => restoreOperator(operator, snapshots[i]))
  for (const event of after) second.inputs[0]!.next(event as unknown as ds.StreamElement<Event>)
  second.inputs[0]!.complete()
  second.subscription.unsubscribe()
  return emitted
}

describe('assignTimestampsAndWatermarks: the built-in bounded generator inline', () => {
  it('emits what the same generator emits when called, element by element (property)', () => {
    fc.assert(
      fc.property(eventsArb, boundArb, (events, bound) => {
        const expected = run(events, called(bound))
        const actual = run(events, inline(bound))
        expect(actual.completed).toBeTrue()
        expect(actual.elements).toEqual(expected.elements)
      }),
      { numRuns: 300 }
    )
  })

  it('after a restore of a snapshot whose last watermark lags behind the generator, emits the watermark the next record brings', () => {
    // Periodic emission: the watermark of 20 − 2 − 1 waits for a tick that never comes before the snapshot.
    const after = [{ id: 2, ts: 12 }, { id: 3, ts: 25 }]
    const expected = periodicThenPerRecord(called, 2, [{ id: 1, ts: 20 }], after)
    const actual = periodicThenPerRecord(inline, 2, [{ id: 1, ts: 20 }], after)
    expect(actual.error).toBeUndefined()
    expect(actual.elements).toEqual(expected.elements)
    expect(actual.elements).toEqual([
      ds.streamRecord({ id: 1, ts: 20 }, 20),
      ds.streamRecord({ id: 2, ts: 12 }, 12),
      ds.watermark(17),
      ds.streamRecord({ id: 3, ts: 25 }, 25),
      ds.watermark(22),
      ds.MAX_WATERMARK
    ] as Out[])
  })

  it('after a restore of a snapshot taken while idle, declares the stream active before the first watermark a record brings', () => {
    // A generator that declares the stream idle at every tick and remembers no maximum: the
    // snapshot holds the idle status, and the restored operator's generator starts afresh.
    const idling = ds.WatermarkStrategy.forGenerator<Event>(() => ({
      onEvent: () => undefined,
      onPeriodicEmit: output => output.markIdle(),
      snapshotState: () => ({ maxTimestamp: null }),
      restoreState: () => undefined
    })).withTimestampAssigner(e => e.ts)
    const after = [{ id: 2, ts: 12 }, { id: 3, ts: 10 }, { id: 4, ts: 15 }]
    const expected = periodicThenPerRecord(called, 2, [{ id: 1, ts: 20 }, 'tick'], after, idling)
    const actual = periodicThenPerRecord(inline, 2, [{ id: 1, ts: 20 }, 'tick'], after, idling)
    expect(actual.error).toBeUndefined()
    expect(actual.elements).toEqual(expected.elements)
    expect(actual.elements).toEqual([
      ds.streamRecord({ id: 1, ts: 20 }, 20),
      ds.IDLE,
      ds.streamRecord({ id: 2, ts: 12 }, 12),
      ds.ACTIVE,
      ds.watermark(9),
      ds.streamRecord({ id: 3, ts: 10 }, 10),
      ds.streamRecord({ id: 4, ts: 15 }, 15),
      ds.watermark(12),
      ds.MAX_WATERMARK
    ] as Out[])
  })

  it('after any restore of a snapshot taken with periodic emission, emits what the called generator emits (property)', () => {
    const stepsArb = fc.array(fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 60 }) }, { weight: 1, arbitrary: fc.constant('tick' as const) }), { maxLength: 30 })
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), stepsArb, fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 30 }), (bound, raw, rest) => {
        const before = raw.map((r, id): Step => (r === 'tick' ? r : { id, ts: r }))
        const after = rest.map((ts, k): Event => ({ id: 100 + k, ts }))
        const expected = periodicThenPerRecord(called, bound, before, after)
        const actual = periodicThenPerRecord(inline, bound, before, after)
        expect(actual.error).toBeUndefined()
        expect(actual.elements).toEqual(expected.elements)
      }),
      { numRuns: 300 }
    )
  })
})
