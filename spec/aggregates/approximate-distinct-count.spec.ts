/**
 * approximateDistinctCount in windows of every kind (tumbling and sliding slices, merging
 * sessions, windowAll) and in keyed state: each window's result is the estimate of the sketch of
 * exactly its elements (however slices and sessions were merged), close to the exact count.
 */
import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import type { Observable } from 'rxjs'
import * as ds from '../../src/index'

interface Click {
  readonly page: string
  readonly user: number
}

interface Result {
  readonly key: unknown
  readonly timestamp: number
  readonly value: number
}

function collect(result$: Observable<ds.StreamElement<number, unknown>>): Result[] {
  const out: Result[] = []
  let error: unknown
  result$.pipe(ds.records()).subscribe({ next: r => out.push({ key: r.key, timestamp: r.timestamp, value: r.value }), error: (e: unknown) => (error = e) })
  if (error !== undefined) throw error
  return out
}

const ASSIGNERS = {
  tumbling: () => ds.tumblingEventTimeWindows<Click>(40),
  sliding: () => ds.slidingEventTimeWindows<Click>(60, 20),
  session: () => ds.eventTimeSessionWindows<Click>(6)
} as const

/** Clicks on three pages, many users (so that sketches of precision 8 go dense), timestamps ahead or a little behind. */
const clicksArb = fc.array(
  fc.record({ page: fc.constantFrom('/', '/docs', '/pricing'), user: fc.integer({ min: 0, max: 2_000 }), ts: fc.integer({ min: 0, max: 200 }) }),
  { maxLength: 400, size: 'max' }
)

describe('approximateDistinctCount', () => {
  it('checks its arguments at once', () => {
    expect(() => ds.approximateDistinctCount((c: Click) => c.user, { precision: 3 })).toThrowError(
      RangeError,
      /approximateDistinctCount: precision must be an integer from 4 to 18, got 3/
    )
    expect(() => ds.approximateDistinctCount('user' as unknown as (c: Click) => number)).toThrowError(TypeError, /key must be a function/)
    expect(ds.approximateDistinctCount((c: Click) => c.user).precision).toBe(14)
    expect(ds.approximateDistinctCount((c: Click) => c.user, { precision: 10 }).createAccumulator().precision).toBe(10)
  })

  it('counts unique visitors per page and window (exactly, for so few)', () => {
    const clicks = [
      { value: { page: '/', user: 1 }, timestamp: 1_000 },
      { value: { page: '/', user: 2 }, timestamp: 2_000 },
      { value: { page: '/', user: 1 }, timestamp: 3_000 },
      { value: { page: '/docs', user: 3 }, timestamp: 4_000 },
      { value: { page: '/', user: 3 }, timestamp: 61_000 }
    ]
    const uv = collect(
      ds.fromRecords(clicks).pipe(
        ds.keyBy(c => c.page),
        ds.windowBy(ds.tumblingEventTimeWindows(60_000)).aggregate(ds.approximateDistinctCount((c: Click) => c.user))
      )
    )
    expect(uv).toEqual([
      { key: '/', timestamp: 59_999, value: 2 },
      { key: '/docs', timestamp: 59_999, value: 1 },
      { key: '/', timestamp: 119_999, value: 1 }
    ])
  })

  it('gives a user function error (naming the operator) for a key that is neither a string nor a number', () => {
    const bad = ds.approximateDistinctCount((c: Click) => (c.user > 0 ? c.user : (null as unknown as number)))
    let error: unknown
    ds.fromRecords([{ value: { page: '/', user: 0 }, timestamp: 1 }])
      .pipe(ds.windowAll(ds.tumblingEventTimeWindows(10), { name: 'uv' }).aggregate(bad))
      .subscribe({ error: (e: unknown) => (error = e) })
    expect(error).toBeInstanceOf(ds.DataStreamError)
    expect(String((error as Error).message)).toContain('uv')
    expect(String(((error as Error).cause as Error).message)).toMatch(/HyperLogLog.add: a value must be a string or a number, got null/)
  })

  for (const [kind, assigner] of Object.entries(ASSIGNERS)) {
    it(`${kind} windows, keyed or all: each result is the estimate of a sketch of exactly the window's users, close to the exact count`, () => {
      fc.assert(
        fc.property(clicksArb, fc.constantFrom(6, 8, 14), fc.boolean(), (clicks, precision, keyed) => {
          const records = clicks.map(c => ({ value: { page: c.page, user: c.user }, timestamp: c.ts }))
          const uv = ds.approximateDistinctCount((c: Click) => c.user, { precision })
          const windowed = (): ds.WindowedStream<boolean> => (keyed ? ds.windowBy(assigner()) : ds.windowAll(assigner())) as ds.WindowedStream<boolean>
          const input = (): Observable<ds.StreamElement<Click, unknown>> =>
            (keyed ? ds.fromRecords(records).pipe(ds.keyBy(c => c.page)) : ds.fromRecords(records)) as Observable<ds.StreamElement<Click, unknown>>

          const approximate = collect(input().pipe(windowed().aggregate<Click, ds.HyperLogLog, number, unknown>(uv) as never))
          const direct: Result[] = []
          const exact: number[] = []
          collect(
            input().pipe(
              windowed().process<Click, number, unknown>((_key, _ctx, elements, out) => {
                const sketch = new ds.HyperLogLog(precision)
                for (const c of elements) sketch.add(c.user)
                exact.push(new Set(elements.map(c => c.user)).size)
                out.collect(sketch.estimate())
              }) as never
            )
          ).forEach(r => direct.push(r))
          assert.deepEqual(approximate, direct)
          const se = 1.04 / Math.sqrt(2 ** precision)
          direct.forEach((r, i) => assert.ok(Math.abs(r.value - exact[i]!) <= 5 * se * exact[i]! + 1, `estimate ${r.value}, exact ${exact[i]}`))
        }),
        { numRuns: 40 }
      )
    })
  }

  it('keeps a running count in keyed state (aggregatingState with its codec, or a sketch in value state)', () => {
    const visitors = ds.approximateDistinctCount((c: Click) => c.user)
    const viaAggregate = ds.aggregatingState('visitors', visitors, visitors.accumulatorCodec)
    const viaValue = ds.valueState('sketch', ds.hyperLogLogCodec)
    const out = collect(
      ds
        .fromRecords(Array.from({ length: 3_000 }, (_, i) => ({ value: { page: i % 2 === 0 ? '/' : '/docs', user: i % 1_700 }, timestamp: i })))
        .pipe(
          ds.keyBy(c => c.page),
          ds.keyedProcess<string, Click, number>({
            processElement: (click, ctx, collector) => {
              ctx.state(viaAggregate).add(click)
              const sketch = ctx.state(viaValue).value() ?? new ds.HyperLogLog()
              sketch.add(click.user)
              ctx.state(viaValue).update(sketch)
              if (ctx.timestamp()! >= 2_998) collector.collect(ctx.state(viaAggregate).get()! * 10_000 + sketch.estimate())
            }
          })
        )
    )
    // Each page saw 850 distinct users (even and odd numbers below 1,700), counted alike both ways.
    expect(out.map(r => r.value)).toEqual([850 * 10_000 + 850, 850 * 10_000 + 850])
  })
})
