/**
 * assignTimestampsAndWatermarks survives a snapshot: its last watermark and idleness, with the
 * built-in generators' state (the highest timestamp seen; idleness bookkeeping; for clock
 * advance, how long ago the last record came and the watermark was reached), so that a
 * restored operator fed the rest of its plain values gives what an uninterrupted one gives,
 * with a watermark per record (autoWatermarkInterval 0) or periodic ones, and idleness noticed
 * on a virtual processing-time clock. Per record, the last watermark alone says what the
 * generator's highest timestamp was; periodic emission is what shows the generator's state
 * is carried over too.
 */
import fc from 'fast-check'
import { type Observable, VirtualTimeScheduler } from 'rxjs'
import * as ds from '../../src/index'
import { type Emitted, snapshotJob, startJob } from '../support/snapshots'
import { restoreOperator } from '../../src/runtime/operatorSnapshot'

interface Value {
  readonly id: number
  readonly ts: number
}
type Out = ds.StreamElement<Value>

/** A step: a value of the source, or processing time moving on by one tick. */
type Step = Value | 'tick'

interface StrategySpec {
  readonly kind: 'bounded' | 'monotonous'
  readonly bound: number
  readonly idleTimeout: number | undefined
  readonly clockAdvance: { readonly timeout: number; readonly maxLag: number } | undefined
  /** autoWatermarkInterval: 0 (per record) or a period of the virtual clock. */
  readonly interval: number
}

function strategyOf({ kind, bound, idleTimeout, clockAdvance }: StrategySpec): ds.WatermarkStrategy<Value> {
  const base = kind === 'bounded' ? ds.WatermarkStrategy.forBoundedOutOfOrderness<Value>(bound) : ds.WatermarkStrategy.forMonotonousTimestamps<Value>()
  const assigned = base.withTimestampAssigner(v => v.ts)
  const idling = idleTimeout === undefined ? assigned : assigned.withIdleness(idleTimeout)
  return clockAdvance === undefined ? idling : idling.withClockAdvance(clockAdvance.timeout, { maxLag: clockAdvance.maxLag })
}

/** A virtual clock the test moves by hand: a tick runs what is due up to the next tick. */
class Clock {
  readonly scheduler = new VirtualTimeScheduler()
  private now = 0

  constructor(private readonly tick: number) {}

  advance(): void {
    this.now += this.tick
    this.scheduler.maxFrames = this.now
    this.scheduler.flush()
    this.scheduler.frame = this.now
  }
}

function start(spec: StrategySpec, clock: Clock, emitted?: Emitted<Out>): ReturnType<typeof startJob<Value, never, Out>> {
  const strategy = strategyOf(spec)
  return startJob<Value, never, Out>(
    1,
    ([input]) => (input as unknown as Observable<Value>).pipe(ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: spec.interval, scheduler: clock.scheduler })),
    emitted
  )
}

function play(running: ReturnType<typeof start>, clock: Clock, steps: readonly Step[]): void {
  for (const step of steps) {
    if (step === 'tick') clock.advance()
    else running.inputs[0]!.next(step as unknown as ds.StreamElement<Value>)
  }
}

function uninterrupted(spec: StrategySpec, steps: readonly Step[]): Emitted<Out> {
  const clock = new Clock(tickOf(spec))
  const run = start(spec, clock)
  play(run, clock, steps)
  run.inputs[0]!.complete()
  run.subscription.unsubscribe()
  return run.emitted
}

/** Cut after `cut` steps; the restored job goes on with the same clock, as processing time does. */
function interrupted(spec: StrategySpec, steps: readonly Step[], cut: number): Emitted<Out> {
  const clock = new Clock(tickOf(spec))
  const emitted: Emitted<Out> = { elements: [], error: undefined, completed: false }
  const first = start(spec, clock, emitted)
  play(first, clock, steps.slice(0, cut))
  const snapshots = snapshotJob(first.job)
  first.subscription.unsubscribe()
  const second = start(spec, clock, emitted)
  second.job.operators.forEach(({ operator }, i) => restoreOperator(operator, snapshots[i]))
  play(second, clock, steps.slice(cut))
  second.inputs[0]!.complete()
  second.subscription.unsubscribe()
  return emitted
}

const specArb: fc.Arbitrary<StrategySpec> = fc.record({
  kind: fc.constantFrom('bounded' as const, 'monotonous' as const),
  bound: fc.integer({ min: 0, max: 5 }),
  idleTimeout: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
  clockAdvance: fc.option(fc.record({ timeout: fc.integer({ min: 1, max: 5 }), maxLag: fc.integer({ min: 0, max: 3 }) }), { nil: undefined }),
  interval: fc.constantFrom(0, 0, 3)
})

/**
 * A tick of the clock is one period of what the operator schedules (periodic emission, or
 * checks for silence: the shorter of the idle and clock-advance timeouts), so that the
 * restored operator, started at a tick, keeps the same schedule.
 */
function tickOf(spec: StrategySpec): number {
  if (spec.interval > 0) return spec.interval
  const timeouts = [spec.idleTimeout, spec.clockAdvance?.timeout].filter((t): t is number => t !== undefined)
  return timeouts.length === 0 ? 1 : Math.min(...timeouts)
}

/** Values whose timestamps wander around a rising `now` (some behind the watermark), and ticks of the clock between them. */
const stepsArb: fc.Arbitrary<Step[]> = fc
  .array(fc.oneof({ weight: 3, arbitrary: fc.record({ advance: fc.integer({ min: 0, max: 3 }), delta: fc.integer({ min: -6, max: 2 }) }) }, { weight: 1, arbitrary: fc.constant('tick' as const) }), { maxLength: 40 })
  .map(raw => {
    let now = 50
    return raw.map((r, id): Step => {
      if (r === 'tick') return r
      now += r.advance
      return { id, ts: now + r.delta }
    })
  })

describe('assignTimestampsAndWatermarks snapshot and restore', () => {
  const sameAsUninterrupted = (spec: StrategySpec, steps: readonly Step[], at: number): void => {
    const cut = at % (steps.length + 1)
    const expected = uninterrupted(spec, steps)
    const actual = interrupted(spec, steps, cut)
    expect(expected.error).toBeUndefined()
    expect(actual.error).toBeUndefined()
    expect(actual.elements).toEqual(expected.elements)
    expect(actual.completed).toBeTrue()
  }

  it('gives the output of an uninterrupted run, wherever it is cut (bounded out-of-orderness, monotonous, with idleness, with clock advance, per record or periodic)', () => {
    fc.assert(fc.property(specArb, stepsArb, fc.nat(), sameAsUninterrupted), { numRuns: 200 })
  })

  it('with clock advance, gives the output of an uninterrupted run across pauses long enough for the clock to move the watermark, cut anywhere, even mid-pause', () => {
    const clockSpecArb = specArb.chain(spec =>
      fc.record({ timeout: fc.integer({ min: 1, max: 5 }), maxLag: fc.integer({ min: 0, max: 3 }) }).map(clockAdvance => ({ ...spec, clockAdvance }))
    )
    // bursts of values between pauses of up to 12 ticks
    const pausedStepsArb = fc
      .array(fc.tuple(stepsArb, fc.integer({ min: 0, max: 12 })), { maxLength: 4 })
      .map(parts => parts.flatMap(([burst, pause], i) => [...burst.map(v => (v === 'tick' ? v : { ...v, id: v.id + 100 * i, ts: v.ts + 30 * i })), ...Array<Step>(pause).fill('tick')]))
    fc.assert(fc.property(clockSpecArb, pausedStepsArb, fc.nat(), sameAsUninterrupted), { numRuns: 200 })
  })

  it('never emits a watermark at or below one emitted before the snapshot, even with a generator that starts afresh', () => {
    // a user generator without snapshotState: the watermark of the last event, forgotten by a restore
    const strategy = ds.WatermarkStrategy.forGenerator<Value>(() => ({ onEvent: (_e, ts, out) => out.emitWatermark(ts), onPeriodicEmit: () => {} })).withTimestampAssigner(v => v.ts)
    const build = ([input]: Observable<ds.StreamElement<Value>>[]): Observable<Out> => (input as unknown as Observable<Value>).pipe(ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }))
    const first = startJob<Value, never, Out>(1, build)
    first.inputs[0]!.next({ id: 1, ts: 10 } as unknown as ds.StreamElement<Value>)
    const [snapshot] = snapshotJob(first.job)
    first.subscription.unsubscribe()
    expect(snapshot).toEqual({ format: 'rx-datastream/operator', version: 1, kind: 'assignTimestampsAndWatermarks', own: { lastWatermark: 10, idle: false } })
    const second = startJob<Value, never, Out>(1, build)
    restoreOperator(second.job.operators[0]!.operator, snapshot)
    for (const ts of [8, 10, 12]) second.inputs[0]!.next({ id: ts, ts } as unknown as ds.StreamElement<Value>)
    second.subscription.unsubscribe()
    expect(second.emitted.elements).toEqual([ds.streamRecord({ id: 8, ts: 8 }, 8), ds.streamRecord({ id: 10, ts: 10 }, 10), ds.streamRecord({ id: 12, ts: 12 }, 12), ds.watermark(12)] as Out[])
  })

  it('writes the built-in generators state as plain data, and refuses one it did not write', () => {
    const build = ([input]: Observable<ds.StreamElement<Value>>[]): Observable<Out> =>
      (input as unknown as Observable<Value>).pipe(ds.assignTimestampsAndWatermarks(strategyOf({ kind: 'bounded', bound: 2, idleTimeout: 100, clockAdvance: undefined, interval: 0 }), { autoWatermarkInterval: 0, scheduler: new VirtualTimeScheduler() }))
    const first = startJob<Value, never, Out>(1, build)
    first.inputs[0]!.next({ id: 1, ts: 10 } as unknown as ds.StreamElement<Value>)
    const [snapshot] = snapshotJob(first.job) as [{ own: Record<string, unknown> }]
    first.subscription.unsubscribe()
    expect(snapshot.own).toEqual({ lastWatermark: 7, idle: false, generator: { eventSinceCheck: false, inactiveSince: null, generator: { maxTimestamp: 10 } } })
    const corrupt = { ...snapshot, own: { ...snapshot.own, generator: { eventSinceCheck: false, inactiveSince: null, generator: { maxTimestamp: 'ten' } } } }
    const second = startJob<Value, never, Out>(1, build)
    expect(() => restoreOperator(second.job.operators[0]!.operator, corrupt)).toThrowError(
      ds.StateError,
      /assignTimestampsAndWatermarks.*"watermarkGenerator": cannot restore: boundedOutOfOrdernessGenerator: cannot restore \{.*maxTimestamp: "ten".*\}: expected \{ maxTimestamp: a finite number or null \}/
    )
    second.subscription.unsubscribe()
  })

  it('writes the clock advance state as plain data: how long ago the last record came and the watermark was reached', () => {
    const clock = new Clock(5)
    const spec: StrategySpec = { kind: 'bounded', bound: 2, idleTimeout: undefined, clockAdvance: { timeout: 20, maxLag: 1 }, interval: 5 }
    const run = start(spec, clock)
    play(run, clock, ['tick', { id: 1, ts: 10 }, 'tick', 'tick', 'tick'])
    const [snapshot] = snapshotJob(run.job) as [{ own: Record<string, unknown> }]
    run.subscription.unsubscribe()
    // the record came at 5, the generator reported 7 at the tick of 10; now is 20
    expect(snapshot.own).toEqual({ lastWatermark: 7, idle: false, generator: { quietFor: 15, watermark: 7, watermarkAge: 10, generator: { maxTimestamp: 10 } } })
  })

  it('refuses to snapshot a generator state that is not plain JSON data', () => {
    const strategy = ds.WatermarkStrategy.forGenerator<Value>(() => ({ onEvent: () => {}, onPeriodicEmit: () => {}, snapshotState: () => ({ seen: new Set([1]) }), restoreState: () => {} })).withTimestampAssigner(v => v.ts)
    const run = startJob<Value, never, Out>(1, ([input]) => (input as unknown as Observable<Value>).pipe(ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 })))
    expect(() => snapshotJob(run.job)).toThrowError(ds.StateError, /"watermarkGenerator": cannot snapshot the generator's state: state\.seen is a Set, not a plain object; snapshotState must return plain JSON data/)
    run.subscription.unsubscribe()
  })
})
