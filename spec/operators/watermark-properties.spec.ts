/**
 * Property tests of the watermark guarantees, against a direct reference computation:
 * within the out-of-orderness bound nothing is late and watermarks only rise; beyond it,
 * exactly the records that are late by definition arrive behind the watermark.
 */
import assert from 'node:assert'
import fc from 'fast-check'
import { from, map } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import * as ds from '../../src/index'

interface Event {
  readonly id: number
  readonly ts: number
}

/** Timestamps whose disorder is at most `maxBehind` behind the highest one so far. */
const eventsArb = (maxBehind: number, maxAhead = 1_000) =>
  fc
    .record({
      start: fc.integer({ min: -1_000_000, max: 1_000_000 }),
      deltas: fc.array(fc.integer({ min: -maxBehind, max: maxAhead }), { maxLength: 200 })
    })
    .map(({ start, deltas }) => {
      let max = start
      return deltas.map((d, id): Event => {
        const ts = max + d
        if (ts > max) max = ts
        return { id, ts }
      })
    })

const boundArb = fc.integer({ min: 0, max: 500 })

function run(events: readonly Event[], bound: number): ds.StreamElement<Event>[] {
  const out: ds.StreamElement<Event>[] = []
  let completed = false
  from(events)
    .pipe(
      ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>(bound).withTimestampAssigner(e => e.ts), {
        autoWatermarkInterval: 0
      })
    )
    .subscribe({ next: e => out.push(e), complete: () => (completed = true) })
  assert.strictEqual(completed, true)
  return out
}

/** Ids of the records that arrive with a timestamp at or below the last watermark before them. */
function behindWatermark(out: readonly ds.StreamElement<Event>[]): number[] {
  let wm = -Infinity
  const late: number[] = []
  for (const e of out) {
    if (e._tag === 'Watermark') wm = e.timestamp
    else if (e._tag === 'Record' && e.timestamp <= wm) late.push(e.value.id)
  }
  return late
}

function checkWatermarkShape(out: readonly ds.StreamElement<Event>[], events: readonly Event[]): void {
  const wms = out.filter(ds.isWatermark).map(w => w.timestamp)
  for (let i = 1; i < wms.length; i++) assert.ok(wms[i]! > wms[i - 1]!)
  assert.deepStrictEqual(out[out.length - 1], ds.MAX_WATERMARK)
  assert.deepStrictEqual(out.filter(ds.isRecord).map(r => r.value), [...events])
}

describe('bounded-out-of-orderness watermarks (property)', () => {
  it('within the bound: watermarks strictly increase, no record is behind one, the stream ends with +Infinity', () => {
    fc.assert(
      fc.property(
        boundArb.chain(bound => fc.tuple(fc.constant(bound), eventsArb(bound))),
        ([bound, events]) => {
          const out = run(events, bound)
          checkWatermarkShape(out, events)
          assert.deepStrictEqual(behindWatermark(out), [])
        }
      )
    )
  })

  it('beyond the bound: exactly the records late by definition are behind the watermark', () => {
    fc.assert(
      fc.property(
        boundArb.chain(bound => fc.tuple(fc.constant(bound), eventsArb(bound * 3 + 50))),
        ([bound, events]) => {
          // Reference: a record is late iff ts <= (highest earlier timestamp) − bound − 1.
          const expectedLate: number[] = []
          let max = -Infinity
          for (const e of events) {
            if (e.ts <= max - bound - 1) expectedLate.push(e.id)
            max = Math.max(max, e.ts)
          }
          const out = run(events, bound)
          checkWatermarkShape(out, events)
          assert.deepStrictEqual(behindWatermark(out), expectedLate)
        }
      )
    )
  })

  it('with periodic emission under virtual time, the same guarantees hold and every watermark is a past max − B − 1', () => {
    fc.assert(
      fc.property(
        boundArb.chain(bound => fc.tuple(fc.constant(bound), eventsArb(bound), fc.integer({ min: 1, max: 30 }))),
        ([bound, events, interval]) => {
          const scheduler = new TestScheduler((a, b) => assert.deepStrictEqual(a, b))
          const out: ds.StreamElement<Event>[] = []
          scheduler.run(({ cold }) => {
            // one event every 3 frames, so periodic ticks interleave with records
            const marbles = events.map(() => 'a--').join('') + '|'
            cold(marbles, { a: 0 })
              .pipe(
                map((_, i) => events[i]!),
                ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>(bound).withTimestampAssigner(e => e.ts), {
                  autoWatermarkInterval: interval,
                  scheduler
                })
              )
              .subscribe(e => out.push(e))
          })
          checkWatermarkShape(out, events)
          assert.deepStrictEqual(behindWatermark(out), [])
          const possible = new Set<number>()
          let max = -Infinity
          for (const e of events) possible.add((max = Math.max(max, e.ts)) - bound - 1)
          for (const w of out.filter(ds.isWatermark)) if (w.timestamp !== Infinity) assert.strictEqual(possible.has(w.timestamp), true)
        }
      ),
      { numRuns: 50 }
    )
  })
})
