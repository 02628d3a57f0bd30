/**
 * Properties of `withClockAdvance`, on virtual processing time, over inputs whose records
 * arrive at given frames, with event timestamps that follow the clock from an arbitrary
 * origin, minus a delay:
 *
 * - the watermark only rises, whatever the delays;
 * - without a pause as long as the timeout, the option changes nothing: the windows give
 *   the same output, at the same frames;
 * - with pauses, and delays within the generator's bound (the assumption the option rests
 *   on), no record is late, so the windows give the same results as without the option;
 * - with pauses, and any delays, every record is counted in a window or sent to the late side
 *   output a bounded time after the last one arrives, without the input completing (which
 *   without the option the last window never is).
 */
import assert from 'node:assert'
import fc from 'fast-check'
import { Observable } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import * as ds from '../../src/index'

interface Click {
  readonly id: number
  readonly user: string
  readonly ts: number
}

/**
 * A record of the input: when it arrives (frame), after the operator's tick of that frame or
 * before it, and what it is.
 */
interface Arrival {
  readonly at: number
  readonly afterTick: boolean
  readonly click: Click
}

interface Params {
  readonly bound: number
  readonly timeout: number
  /** autoWatermarkInterval: 0 is a watermark per record (ticks every timeout). */
  readonly interval: number
  readonly maxLag: number
  readonly size: number
  /** Event time of frame 0: the clocks need not agree. */
  readonly origin: number
}

const paramsArb: fc.Arbitrary<Params> = fc.record({
  bound: fc.integer({ min: 0, max: 20 }),
  timeout: fc.integer({ min: 1, max: 30 }),
  interval: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10 })),
  maxLag: fc.integer({ min: 0, max: 5 }),
  size: fc.integer({ min: 1, max: 30 }),
  origin: fc.integer({ min: -1_000_000, max: 1_000_000 })
})

/** The period of the operator's ticks. */
const tickOf = (p: Params): number => (p.interval > 0 ? p.interval : p.timeout)

/**
 * Records whose timestamps are their arrival frame + `origin` − a delay in [0, `maxDelay`];
 * the gaps between arrivals are shorter than the timeout, or (with `pauses`) sometimes longer.
 * `end` is the frame the input completes at, less than the timeout after the last record
 * unless `pauses`. The edges are drawn often (delays of 0 and `maxDelay`, pauses that end on
 * a tick, records just after a tick), since that is where a watermark one too high shows.
 */
function inputArb(p: Params, { pauses, maxDelay }: { pauses: boolean; maxDelay: number }): fc.Arbitrary<{ arrivals: Arrival[]; end: number }> {
  const tick = tickOf(p)
  const short = fc.integer({ min: 0, max: p.timeout - 1 })
  const long = fc.integer({ min: p.timeout, max: 4 * p.timeout + 20 })
  // a pause that ends on one of the first ticks at least the timeout later: the gap, from `at`
  const onTick = fc.integer({ min: 0, max: 3 }).map(k => (at: number) => (Math.ceil((at + p.timeout) / tick) + k) * tick - at)
  const gap: fc.Arbitrary<(at: number) => number> = pauses
    ? fc.oneof({ weight: 3, arbitrary: short.map(g => () => g) }, { weight: 1, arbitrary: long.map(g => () => g) }, { weight: 2, arbitrary: onTick })
    : short.map(g => () => g)
  const delay = fc.oneof(fc.constant(0), fc.constant(maxDelay), fc.integer({ min: 0, max: maxDelay }))
  return fc
    .record({
      first: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 4 }).map(k => k * tick)),
      steps: fc.array(fc.record({ gap, delay, afterTick: fc.boolean(), user: fc.constantFrom('ann', 'bob') }), { minLength: 1, maxLength: 60 }),
      tail: gap
    })
    .map(({ first, steps, tail }) => {
      let at = first
      const arrivals = steps.map(({ gap: g, delay: d, afterTick, user }, id): Arrival => {
        if (id > 0) at += g(at)
        return { at, afterTick: afterTick && at > 0, click: { id, user, ts: at + p.origin - d } }
      })
      return { arrivals, end: at + tail(at) }
    })
}

const late = new ds.OutputTag<Click>('late')

interface Run {
  /** What the windows emitted, with the frame of each element. */
  readonly windows: { readonly at: number; readonly element: ds.StreamElement<number, string> }[]
  /** The watermarks `assignTimestampsAndWatermarks` emitted, in order. */
  readonly watermarks: number[]
  /** Ids of the records that arrived at or behind the watermark. */
  readonly behind: number[]
}

/**
 * Runs the input through `assignTimestampsAndWatermarks` (with the option or not), then
 * per-user tumbling windows counting their records, late ones to the side; until the input
 * completes at `end`, or, with `end` undefined, until frame `until`, when it is unsubscribed.
 */
function run(p: Params, clock: boolean, arrivals: readonly Arrival[], end: number | undefined, until = Infinity): Run {
  const scheduler = new TestScheduler((a, b) => assert.deepStrictEqual(a, b))
  const windows: { at: number; element: ds.StreamElement<number, string> }[] = []
  const watermarks: number[] = []
  const behind: number[] = []
  scheduler.run(() => {
    const input = new Observable<Click>(subscriber => {
      // At one frame, what was scheduled earlier runs first: the operator schedules each tick
      // one period ahead, so a record scheduled one frame ahead comes after it.
      for (const { at, afterTick, click } of arrivals) {
        if (afterTick) scheduler.schedule(() => scheduler.schedule(() => subscriber.next(click), 1), at - 1)
        else scheduler.schedule(() => subscriber.next(click), at)
      }
      if (end !== undefined) scheduler.schedule(() => subscriber.complete(), end)
    })
    const base = ds.WatermarkStrategy.forBoundedOutOfOrderness<Click>(p.bound).withTimestampAssigner(c => c.ts)
    const strategy = clock ? base.withClockAdvance(p.timeout, { maxLag: p.maxLag }) : base
    let watermark = -Infinity
    const subscription = input
      .pipe(
        ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: p.interval, scheduler }),
        source =>
          new Observable<ds.StreamElement<Click>>(subscriber =>
            source.subscribe({
              next: e => {
                if (ds.isWatermark(e)) watermarks.push((watermark = e.timestamp))
                else if (ds.isRecord(e) && e.timestamp <= watermark) behind.push(e.value.id)
                subscriber.next(e)
              },
              error: (err: unknown) => subscriber.error(err),
              complete: () => subscriber.complete()
            })
          ),
        ds.keyBy(c => c.user),
        ds.windowBy(ds.tumblingEventTimeWindows(p.size)).sideOutputLateData(late).fold<Click, number, string>(0, n => n + 1)
      )
      .subscribe(element => windows.push({ at: scheduler.now(), element }))
    if (until !== Infinity) scheduler.schedule(() => subscription.unsubscribe(), until)
  })
  return { windows, watermarks, behind }
}

const strictlyRising = (xs: readonly number[]): boolean => xs.every((x, i) => i === 0 || x > xs[i - 1]!)

/** The windows' results and late records, in a canonical order, without frames or watermarks. */
function results(r: Run): string[] {
  return r.windows
    .map(({ element: e }) => (ds.isRecord(e) ? `${String(e.key)} ${e.timestamp}: ${e.value}` : ds.isSideRecord(e) ? `late ${(e.value as Click).id}` : undefined))
    .filter((s): s is string => s !== undefined)
    .sort()
}

describe('withClockAdvance (property)', () => {
  it('(a) the watermark only rises, whatever the delays and pauses', () => {
    fc.assert(
      fc.property(
        paramsArb.chain(p => fc.tuple(fc.constant(p), inputArb(p, { pauses: true, maxDelay: 3 * p.bound + 10 }))),
        ([p, { arrivals, end }]) => {
          const r = run(p, true, arrivals, end)
          assert.ok(strictlyRising(r.watermarks), `watermarks ${r.watermarks.join(', ')}`)
          assert.strictEqual(r.watermarks[r.watermarks.length - 1], Infinity)
          const windowWatermarks = r.windows.map(w => w.element).filter(ds.isWatermark).map(w => w.timestamp)
          assert.ok(strictlyRising(windowWatermarks))
        }
      )
    )
  })

  it('(b) without a pause as long as the timeout, the windows give the same output at the same frames as without the option', () => {
    fc.assert(
      fc.property(
        paramsArb.chain(p => fc.tuple(fc.constant(p), inputArb(p, { pauses: false, maxDelay: 2 * p.bound + 5 }))),
        ([p, { arrivals, end }]) => {
          assert.deepStrictEqual(run(p, true, arrivals, end), run(p, false, arrivals, end))
        }
      )
    )
  })

  it('(b) with pauses and delays within the bound, no record is late: the windows give the same results as without the option', () => {
    fc.assert(
      fc.property(
        paramsArb.chain(p => fc.tuple(fc.constant(p), inputArb(p, { pauses: true, maxDelay: p.bound }))),
        ([p, { arrivals, end }]) => {
          const advanced = run(p, true, arrivals, end)
          assert.deepStrictEqual(advanced.behind, [])
          assert.deepStrictEqual(results(advanced), results(run(p, false, arrivals, end)))
          assert.ok(results(advanced).every(s => !s.startsWith('late')))
        }
      )
    )
  })

  it('(c) with pauses, every record is in a fired window or on the late side a bounded time after the last one, without the input completing', () => {
    fc.assert(
      fc.property(
        paramsArb.chain(p => fc.tuple(fc.constant(p), inputArb(p, { pauses: true, maxDelay: 2 * p.bound + 10 }))),
        ([p, { arrivals }]) => {
          // After the last record (at `last`), the generator reports max − bound − 1 within a
          // tick; the clock moves it on from the first tick at least `timeout` after `last`;
          // the window of the highest timestamp ends at most `size` above it.
          const tick = tickOf(p)
          const last = arrivals[arrivals.length - 1]!.at
          const horizon = last + Math.max(p.timeout, tick + p.bound + p.size + p.maxLag) + tick
          const advanced = run(p, true, arrivals, undefined, horizon + 1)
          const counted = advanced.windows.reduce((n, { element: e }) => n + (ds.isRecord(e) ? e.value : ds.isSideRecord(e) ? 1 : 0), 0)
          assert.strictEqual(counted, arrivals.length)
          assert.ok(advanced.windows.every(w => w.at <= horizon))
          // without the option, the window of the highest timestamp is still open then
          const plain = run(p, false, arrivals, undefined, horizon + 1)
          const plainCounted = plain.windows.reduce((n, { element: e }) => n + (ds.isRecord(e) ? e.value : ds.isSideRecord(e) ? 1 : 0), 0)
          assert.ok(plainCounted < arrivals.length)
        }
      )
    )
  })
})
