/**
 * Nexmark q5, hot items: the auction(s) with the most bids in each sliding window of 10 s every
 * 2 s. Two stages, as in Flink's DataStream "top N" pattern: bids per auction per window
 * (`keyBy(auction)`, sliding windows, a count), then per window the maximum and the auctions
 * that reach it (`windowAll` over tumbling 2 s windows: each count is stamped with its window's
 * end − 1, and exactly one 10 s window ends in each 2 s window). Ties all count, as in Nexmark's
 * SQL (`num >= maxn`).
 */
import type { OperatorFunction } from 'rxjs'
import type { AggregateFunction } from '../../src/index'
import { HEAP_SAMPLE_MASK } from '../harness'
import type { Library } from '../library'
import { checkTimestamp, type NexmarkQuery, type QueryEnv, timestamped, windowStartOf } from './common'
import { isBid, type NexmarkEvent } from './generator'

/** The window size: 10 s (Nexmark's SQL: `HOP(…, INTERVAL '2' SECOND, INTERVAL '10' SECOND)`). */
export const Q5_SIZE = 10_000
/** The window slide: 2 s. */
export const Q5_SLIDE = 2_000

/** Bids of one auction in one window: stage 1's result, and q5's. */
export interface AuctionCount {
  readonly auction: number
  readonly count: number
  /** The window's end. */
  readonly windowEnd: number
}

/** The hottest auctions of a window so far. */
interface Hottest {
  max: number
  auctions: AuctionCount[]
}

/** Keeps the auctions with the highest count (the same function in both variants). */
function addCount(c: AuctionCount, acc: Hottest): Hottest {
  if (c.count > acc.max) {
    acc.max = c.count
    acc.auctions = [c]
  } else if (c.count === acc.max) acc.auctions.push(c)
  return acc
}

const count: AggregateFunction<unknown, number, number> = {
  createAccumulator: () => 0,
  add: (_bid, n) => n + 1,
  getResult: n => n,
  merge: (a, b) => a + b
}

const hottest: AggregateFunction<AuctionCount, Hottest, readonly AuctionCount[]> = {
  createAccumulator: () => ({ max: 0, auctions: [] }),
  add: addCount,
  getResult: acc => acc.auctions,
  merge: (a, b) => {
    for (const c of b.auctions) addCount(c, a)
    return a
  }
}

function pipeline(ds: Library, env: QueryEnv): OperatorFunction<NexmarkEvent, AuctionCount> {
  return events$ =>
    events$.pipe(
      timestamped(ds, env.config),
      ds.filterValues(isBid),
      ds.keyBy(b => b.auction),
      ds.windowBy(ds.slidingEventTimeWindows(Q5_SIZE, Q5_SLIDE)).aggregate<unknown, number, number, AuctionCount, number>(count, (auction, ctx, [n], out) =>
        out.collect({ auction, count: n!, windowEnd: ctx.window.end })
      ),
      ds.windowAll(ds.tumblingEventTimeWindows(Q5_SLIDE)).aggregate(hottest),
      ds.flatMapValues(auctions => auctions),
      ds.values()
    )
}

/** q5: per sliding window, the auctions with the most bids. */
export const q5: NexmarkQuery<AuctionCount> = {
  id: 'q5',
  title: 'hot items',
  exercises: 'keyBy + sliding windows (10 s / 2 s) with aggregate and a process window function, then windowAll + tumbling windows with aggregate, flatMapValues',
  pipeline,
  hand: (at, size, env, probe, emit) => {
    const bound = env.config.maxDisorder
    // The straightforward loop (as windows-sliding's): each bid counted in each of its 5 windows.
    const windows = new Map<number, Map<number, number>>() // window start → auction → bids
    let maxTs = -Infinity
    let watermark = -Infinity
    let nextFire = Infinity
    const fire = (upTo: number): number => {
      let next = Infinity
      for (const [s, counts] of windows) {
        const last = s + Q5_SIZE - 1
        if (last <= upTo) {
          const acc: Hottest = { max: 0, auctions: [] }
          for (const [auction, n] of counts) addCount({ auction, count: n, windowEnd: s + Q5_SIZE }, acc)
          for (const c of acc.auctions) emit(c)
          windows.delete(s)
        } else if (last < next) next = last
      }
      return next
    }
    for (let i = 0; i < size; i++) {
      if ((i & HEAP_SAMPLE_MASK) === 0) probe.sample()
      const e = at(i)
      const ts = e.dateTime
      checkTimestamp(ts)
      if (e.kind === 'bid') {
        for (let s = windowStartOf(ts, Q5_SLIDE); s > ts - Q5_SIZE; s -= Q5_SLIDE) {
          const last = s + Q5_SIZE - 1
          if (last <= watermark) continue // late for this window
          let counts = windows.get(s)
          if (counts === undefined) {
            windows.set(s, (counts = new Map()))
            if (last < nextFire) nextFire = last
          }
          counts.set(e.auction, (counts.get(e.auction) ?? 0) + 1)
        }
      }
      if (ts > maxTs) {
        maxTs = ts
        watermark = ts - bound - 1
        if (watermark >= nextFire) nextFire = fire(watermark)
      }
    }
    fire(Infinity)
  },
  row: (r, sink) => sink.row(r.windowEnd, r.auction, r.count, 0, 0)
}
