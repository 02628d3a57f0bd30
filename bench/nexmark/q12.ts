/**
 * Nexmark q12, processing-time windows: bids per bidder per tumbling 10 s window of processing
 * time (Nexmark's SQL: `TUMBLE(PROCTIME(), INTERVAL '10' SECOND)`).
 *
 * Processing time makes results depend on when events arrive. So that every run (and the hand
 * loop) gives the same results, processing time here is virtual: the window operator's
 * `scheduler` option is a {@link VirtualClock} that the source moves to each event's arrival
 * time (`arrivalTime`: when the generator produced it, `msPerEvent` apart) before delivering the
 * event. A window `[s, e)` then holds exactly the bids that arrived in `[s, e)`, and fires when
 * the first event at or after `e` arrives (the clock passes `e − 1`) or at the end of input
 * (rx-datastream flushes processing-time windows then). This keeps the results checkable one by
 * one instead of comparing totals only, and costs the rx-datastream variant one clock step per
 * event (a comparison, when nothing is due), which a real clock would not.
 */
import type { OperatorFunction } from 'rxjs'
import type { AggregateFunction } from '../../src/index'
import { HEAP_SAMPLE_MASK } from '../harness'
import type { Library } from '../library'
import { checkTimestamp, type NexmarkQuery, type QueryEnv, timestamped, windowStartOf } from './common'
import { arrivalTime, isBid, type NexmarkEvent } from './generator'

/** The tumbling processing-time window: 10 s. */
export const Q12_SIZE = 10_000

/** A result of q12. */
export interface BidderWindow {
  readonly bidder: number
  readonly bids: number
  /** The processing-time window's start. */
  readonly windowStart: number
}

const count: AggregateFunction<unknown, number, number> = {
  createAccumulator: () => 0,
  add: (_bid, n) => n + 1,
  getResult: n => n,
  merge: (a, b) => a + b
}

function pipeline(ds: Library, env: QueryEnv): OperatorFunction<NexmarkEvent, BidderWindow> {
  return events$ =>
    events$.pipe(
      timestamped(ds, env.config),
      ds.filterValues(isBid),
      ds.keyBy(b => b.bidder),
      ds
        .windowBy(ds.tumblingProcessingTimeWindows(Q12_SIZE), { scheduler: env.clock })
        .aggregate<unknown, number, number, BidderWindow, number>(count, (bidder, ctx, [n], out) => out.collect({ bidder, bids: n!, windowStart: ctx.window.start })),
      ds.values()
    )
}

/** q12: bids per bidder per tumbling 10 s window of (virtual) processing time. */
export const q12: NexmarkQuery<BidderWindow> = {
  id: 'q12',
  title: 'processing-time windows',
  exercises: 'keyBy + tumbling processing-time windows with aggregate: processing-time timers on the scheduler option (a virtual clock)',
  processingTime: true,
  pipeline,
  hand: (at, size, env, probe, emit) => {
    const windows = new Map<number, Map<number, number>>() // window start → bidder → bids
    let nextFire = Infinity
    const fire = (before: number): number => {
      let next = Infinity
      for (const [s, counts] of windows) {
        const last = s + Q12_SIZE - 1
        if (last < before) {
          for (const [bidder, bids] of counts) emit({ bidder, bids, windowStart: s })
          windows.delete(s)
        } else if (last < next) next = last
      }
      return next
    }
    let maxTs = -Infinity
    for (let i = 0; i < size; i++) {
      if ((i & HEAP_SAMPLE_MASK) === 0) probe.sample()
      const now = arrivalTime(env.config, i)
      // Windows whose last millisecond is behind the arrival of this event are complete.
      if (nextFire < now) nextFire = fire(now)
      const e = at(i)
      const ts = e.dateTime
      checkTimestamp(ts)
      if (ts > maxTs) maxTs = ts
      if (e.kind === 'bid') {
        const s = windowStartOf(now, Q12_SIZE)
        let counts = windows.get(s)
        if (counts === undefined) {
          windows.set(s, (counts = new Map()))
          if (s + Q12_SIZE - 1 < nextFire) nextFire = s + Q12_SIZE - 1
        }
        counts.set(e.bidder, (counts.get(e.bidder) ?? 0) + 1)
      }
    }
    fire(Infinity)
  },
  row: (r, sink) => sink.row(r.bidder, r.windowStart, r.bids, 0, 0)
}
