/** @test {splitBy} @test {connectWith} */
import fc from 'fast-check'
import * as ds from '../../src/index'
import { loggingCoProcess, normalized, TimerLogModel } from '../support/twoInputModel'

/**
 * One stream split into the two inputs of a keyed co-process function, each input with
 * watermarks of its own (a different disorder bound, idle spells): what the function sees
 * (`currentWatermark` at each record, its timers and the watermark they fire at) against a
 * model of FLINK_SEMANTICS §2 (punctuated generators, the combination of two inputs,
 * idleness, timers firing at the next advance).
 */
interface E {
  readonly side: 0 | 1
  readonly key: 'a' | 'b'
  readonly id: number
  readonly ts: number
  /** The input's generator marks it idle after this event. */
  readonly quiet: boolean
}

/** A punctuated generator: `max - bound - 1` after each event that raises it, idle after a quiet event. */
function generator(bound: number): ds.WatermarkStrategy<E> {
  return ds.WatermarkStrategy.forGenerator<E>(() => {
    let max = -Infinity
    return {
      onEvent: (e, ts, out) => {
        max = Math.max(max, ts)
        if (e.quiet) out.markIdle()
        else out.emitWatermark(max - bound - 1)
      },
      onPeriodicEmit: () => {}
    }
  }).withTimestampAssigner(e => e.ts)
}

/** What the two inputs deliver, in order: as FLINK_SEMANTICS §2 has the timestamps operator emit it. */
type Delivery = { kind: 'record'; e: E } | { kind: 'watermark'; input: 0 | 1; time: number } | { kind: 'status'; input: 0 | 1; idle: boolean } | { kind: 'end'; input: 0 | 1 }

function deliveries(events: readonly E[], bounds: readonly [number, number]): Delivery[] {
  const out: Delivery[] = []
  const max = [-Infinity, -Infinity]
  const last = [-Infinity, -Infinity]
  const idle = [false, false]
  const watermark = (input: 0 | 1, time: number): void => {
    // Only a watermark that advances goes on; it makes an idle input active first.
    if (!(time > last[input]!)) return
    if (idle[input]) {
      idle[input] = false
      out.push({ kind: 'status', input, idle: false })
    }
    last[input] = time
    out.push({ kind: 'watermark', input, time })
  }
  for (const e of events) {
    out.push({ kind: 'record', e })
    max[e.side] = Math.max(max[e.side]!, e.ts)
    if (e.quiet) {
      if (!idle[e.side]) out.push({ kind: 'status', input: e.side, idle: true })
      idle[e.side] = true
    } else watermark(e.side, max[e.side]! - bounds[e.side]! - 1)
  }
  // The split's outputs end in their order: each input's end of event time, then its end.
  for (const input of [0, 1] as const) {
    watermark(input, Infinity)
    out.push({ kind: 'end', input })
  }
  return out
}

/** The function's log as the model has it: each record with the watermark it saw, each timer with the one it fired at. */
function expected(events: readonly E[], bounds: readonly [number, number]): string[] {
  const model = new TimerLogModel()
  for (const d of deliveries(events, bounds)) {
    if (d.kind === 'record') model.record(d.e.id, d.e.key, d.e.ts)
    else if (d.kind === 'watermark') model.inputs.watermark(d.input, d.time)
    else if (d.kind === 'status') model.inputs.status(d.input, d.idle)
    else model.inputs.end(d.input)
  }
  return model.log
}

/** The function's log in the pipeline: splitBy, a generator per input, keyBy both, connectWith(…).keyedProcess. */
function actual(events: readonly E[], bounds: readonly [number, number]): { log: string[]; completed: boolean } {
  const log: string[] = []
  const [left$, right$] = ds.splitBy(
    ds.fromRecords(events.map(e => ({ value: e, timestamp: e.ts }))),
    e => e.side === 0,
    e => e.side === 1
  )
  const input = (side: 0 | 1, stream$: ds.DataStream<E>) =>
    // Each input's own timestamps and watermarks (the split's stream has none).
    stream$.pipe(ds.values(), ds.assignTimestampsAndWatermarks(generator(bounds[side]), { autoWatermarkInterval: 0 }), ds.keyBy(e => e.key))
  let completed = false
  loggingCoProcess(input(0, left$), input(1, right$), log).subscribe({ complete: () => (completed = true) })
  return { log, completed }
}

const eventsArb = fc
  .array(
    fc.record({
      side: fc.constantFrom<0 | 1>(0, 1),
      key: fc.constantFrom<'a' | 'b'>('a', 'b'),
      delta: fc.integer({ min: -6, max: 3 }),
      quiet: fc.integer({ min: 0, max: 7 }).map(n => n === 0)
    }),
    { maxLength: 60 }
  )
  .map(raw => {
    let max = 0
    return raw.map(({ side, key, delta, quiet }, id): E => {
      const ts = max + delta
      max = Math.max(max, ts)
      return { side, key, id, ts, quiet }
    })
  })
const boundsArb = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }))

describe('one stream split into the two inputs of a keyed co-process function', () => {
  it('sees the combined watermark of inputs with different disorder and idle spells, its timers firing as the minimum passes them (a model of FLINK_SEMANTICS §2)', () => {
    fc.assert(
      fc.property(eventsArb, boundsArb, (events, bounds) => {
        const { log, completed } = actual(events, bounds)
        expect(completed).toBe(true)
        expect(normalized(log)).toEqual(normalized(expected(events, bounds)))
      })
    )
  })

  it('waits for the input with more disorder, follows the other while it is idle, and rejoins it once caught up', () => {
    const events: E[] = [
      { side: 0, key: 'a', id: 0, ts: 10, quiet: false }, // input 1 at 9; input 2 has not reported
      { side: 1, key: 'a', id: 1, ts: 10, quiet: false }, // input 2 at 6 (bound 3): combined 6
      { side: 0, key: 'b', id: 2, ts: 20, quiet: false }, // input 1 at 19: combined still 6
      { side: 1, key: 'b', id: 3, ts: 12, quiet: true }, // input 2 idle: combined 19, timers a@10, b@12 fire
      { side: 1, key: 'a', id: 4, ts: 14, quiet: false }, // input 2 at 10, active but behind 19: not counted
      { side: 0, key: 'a', id: 5, ts: 30, quiet: false }, // input 1 at 29: combined 29, timers a@14, b@20 fire
      { side: 1, key: 'b', id: 6, ts: 40, quiet: false } // input 2 at 36, caught up: combined min(29, 36), no change
    ]
    const { log } = actual(events, [0, 3])
    expect(normalized(log)).toEqual([
      'record 0 at -Infinity',
      'record 1 at -Infinity',
      'record 2 at 6',
      'record 3 at 6',
      'timer a@10 at 19',
      'timer b@12 at 19',
      'record 4 at 19',
      'record 5 at 19',
      'timer a@14 at 29',
      'timer b@20 at 29',
      'record 6 at 29',
      // Input 1 ends first (the split's first output): the minimum is input 2's 36.
      'timer a@30 at 36',
      'timer b@40 at Infinity'
    ])
    expect(normalized(log)).toEqual(normalized(expected(events, [0, 3])))
  })
})
