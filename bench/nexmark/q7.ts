/**
 * Nexmark q7, highest bid: the bid(s) with the highest price in each tumbling window of 10 s,
 * over the whole stream (`windowAll`: one group, as Flink runs it with parallelism 1). Ties all
 * count, as in Nexmark's SQL (a join on `price = maxprice`).
 */
import type { OperatorFunction } from 'rxjs'
import type { AggregateFunction } from '../../src/index'
import { HEAP_SAMPLE_MASK } from '../harness'
import type { Library } from '../library'
import { checkTimestamp, type NexmarkQuery, type QueryEnv, timestamped, windowStartOf } from './common'
import { type Bid, isBid, type NexmarkEvent } from './generator'

/** The tumbling window: 10 s (Nexmark's `windowSizeSec`). */
export const Q7_SIZE = 10_000

/** A result of q7: a bid with the window's highest price. */
export interface HighestBid {
  readonly windowEnd: number
  readonly bid: Bid
}

/** The highest-priced bids of a window so far. */
interface Highest {
  max: number
  bids: Bid[]
}

const newHighest = (): Highest => ({ max: -1, bids: [] })

/** Keeps the bids with the highest price (the same function in both variants). */
function addBid(b: Bid, acc: Highest): Highest {
  if (b.price > acc.max) {
    acc.max = b.price
    acc.bids = [b]
  } else if (b.price === acc.max) acc.bids.push(b)
  return acc
}

const highest: AggregateFunction<Bid, Highest, readonly Bid[]> = {
  createAccumulator: newHighest,
  add: addBid,
  getResult: acc => acc.bids,
  merge: (a, b) => {
    for (const bid of b.bids) addBid(bid, a)
    return a
  }
}

function pipeline(ds: Library, env: QueryEnv): OperatorFunction<NexmarkEvent, HighestBid> {
  return events$ =>
    events$.pipe(
      timestamped(ds, env.config),
      ds.filterValues(isBid),
      ds.windowAll(ds.tumblingEventTimeWindows(Q7_SIZE)).aggregate<Bid, Highest, readonly Bid[], HighestBid>(highest, (_key, ctx, [bids], out) => {
        for (const bid of bids!) out.collect({ windowEnd: ctx.window.end, bid })
      }),
      ds.values()
    )
}

/** q7: per tumbling 10 s window, the highest bid(s). */
export const q7: NexmarkQuery<HighestBid> = {
  id: 'q7',
  title: 'highest bid',
  exercises: 'windowAll + tumbling windows with aggregate and a process window function (one group for the whole stream)',
  pipeline,
  hand: (at, size, env, probe, emit) => {
    const bound = env.config.maxDisorder
    const windows = new Map<number, Highest>() // window start → highest bids
    let maxTs = -Infinity
    let watermark = -Infinity
    let nextFire = Infinity
    const fire = (upTo: number): number => {
      let next = Infinity
      for (const [s, acc] of windows) {
        const last = s + Q7_SIZE - 1
        if (last <= upTo) {
          for (const bid of acc.bids) emit({ windowEnd: s + Q7_SIZE, bid })
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
        const s = windowStartOf(ts, Q7_SIZE)
        const last = s + Q7_SIZE - 1
        if (last > watermark) {
          let acc = windows.get(s)
          if (acc === undefined) {
            windows.set(s, (acc = newHighest()))
            if (last < nextFire) nextFire = last
          }
          addBid(e, acc)
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
  row: (r, sink) => sink.row(r.windowEnd, r.bid.auction, r.bid.bidder, r.bid.price, r.bid.dateTime)
}
