/**
 * Nexmark q4, average closing price per category, in two stages:
 *
 * 1. The winning bid of each auction: the highest price among its bids with a timestamp in
 *    `[auction.dateTime, auction.expires)`, known once the watermark passes the auction's end.
 *    An interval join matches each auction with the bids of its id up to the longest possible
 *    auction after its start (`between(0, maxAuctionLengthMs)`; the function keeps the bids
 *    before `expires`), then a window per auction, `[dateTime, expires)` (a window assigner of
 *    our own: the auction's lifetime), reduces them to the highest and fires when the auction
 *    closes. An auction without a valid bid has no winner.
 * 2. The average winning price per category over sliding windows of 10 s every 5 s of closing
 *    time (a winner is stamped with its auction's `expires − 1`).
 *
 * Where Nexmark leaves freedom: no reserve-price rule (Nexmark's SQL has none; Beam's older
 * query drops bids below the reserve), and the second stage is windowed as Beam's query 4 is
 * (sliding 10 s / 5 s) instead of the SQL's ever-updating average, so that every result is
 * final.
 */
import * as t from 'io-ts'
import { type OperatorFunction, pipe } from 'rxjs'
import type { AggregateFunction, StreamElement, WindowAssigner } from '../../src/index'
import { HEAP_SAMPLE_MASK } from '../harness'
import type { Library } from '../library'
import { checkTimestamp, type NexmarkQuery, type QueryEnv, TimeHeap, timestamped, twoInputs, windowStartOf } from './common'
import { type Auction, type Bid, isAuction, isBid, maxAuctionLengthMs, type NexmarkEvent } from './generator'

/** Stage 2's window size: 10 s (Nexmark's `windowSizeSec`). */
export const Q4_SIZE = 10_000
/** Stage 2's window slide: 5 s (Nexmark's `windowPeriodSec`). */
export const Q4_SLIDE = 5_000

/** A bid valid for its auction: the interval join's result. */
export interface AuctionBid {
  readonly auction: number
  readonly category: number
  /** The auction's lifetime, `[start, expires)`. */
  readonly start: number
  readonly expires: number
  readonly price: number
}

/** An auction's winning price: what the second stage averages. */
export interface Winner {
  readonly category: number
  readonly price: number
}

/** A result of q4. */
export interface CategoryAverage {
  readonly category: number
  /** Stage 2's window. */
  readonly windowStart: number
  /** The mean winning price of the auctions of the category that closed in the window. */
  readonly average: number
  readonly auctions: number
}

interface Mean {
  sum: number
  count: number
}

interface MeanPrice {
  readonly average: number
  readonly auctions: number
}

/** The mean of the winning prices, incremental (the same functions in both variants). */
const newMean = (): Mean => ({ sum: 0, count: 0 })
const addPrice = (price: number, acc: Mean): Mean => {
  acc.sum += price
  acc.count++
  return acc
}

/** The bid of a pair, if it is within the auction's lifetime. */
function validBid(a: Auction, b: Bid): AuctionBid | undefined {
  return b.dateTime >= a.dateTime && b.dateTime < a.expires ? { auction: a.id, category: a.category, start: a.dateTime, expires: a.expires, price: b.price } : undefined
}

const higherBid = (x: AuctionBid, y: AuctionBid): AuctionBid => (y.price > x.price ? y : x)

/** Stage 2, alike in both pipelines: the mean winning price per category over sliding windows of closing time. */
function categoryAverages(ds: Library): OperatorFunction<StreamElement<Winner, unknown>, CategoryAverage> {
  const mean: AggregateFunction<Winner, Mean, MeanPrice> = {
    createAccumulator: newMean,
    add: (w, acc) => addPrice(w.price, acc),
    getResult: acc => ({ average: acc.sum / acc.count, auctions: acc.count }),
    merge: (a, b) => {
      a.sum += b.sum
      a.count += b.count
      return a
    }
  }
  return pipe(
    ds.keyBy(w => w.category),
    ds.windowBy(ds.slidingEventTimeWindows(Q4_SIZE, Q4_SLIDE)).aggregate<Winner, Mean, MeanPrice, CategoryAverage, number>(
      mean,
      (category, ctx, [m], out) => out.collect({ category, windowStart: ctx.window.start, average: m!.average, auctions: m!.auctions })
    ),
    ds.values()
  )
}

function pipeline(ds: Library, env: QueryEnv): OperatorFunction<NexmarkEvent, CategoryAverage> {
  const maxLength = maxAuctionLengthMs(env.config)
  /** Each auction's lifetime is its window: it fires when the watermark passes `expires − 1`. */
  const auctionLifetime: WindowAssigner<AuctionBid> = {
    name: 'auctionLifetime',
    timeDomain: 'EVENT_TIME',
    assignWindows: v => [ds.timeWindow(v.start, v.expires)],
    defaultTrigger: () => ds.eventTimeTrigger()
  }
  return events$ => {
    const [auctions$, bids$] = twoInputs(ds, events$.pipe(timestamped(ds, env.config)), isAuction, isBid)
    return auctions$.pipe(
      ds.keyBy(a => a.id),
      ds.intervalJoinWith(bids$.pipe(ds.keyBy(b => b.auction)))
        .between(0, maxLength)
        .process<Auction, AuctionBid>((a, b, _ctx, out) => {
          const valid = validBid(a, b)
          if (valid !== undefined) out.collect(valid)
        }),
      ds.windowBy(auctionLifetime).reduce<AuctionBid, number>(higherBid),
      categoryAverages(ds)
    )
  }
}

/** An auction the process function has seen and not closed yet: its lifetime and the highest valid price so far (−1: none). */
const OpenAuctionCodec = t.type({ category: t.number, start: t.number, expires: t.number, best: t.number })
/** A bid that came before its auction: `[timestamp, price]`. */
const EarlyBidCodec = t.tuple([t.number, t.number])

/**
 * Stage 1 as one keyed process function over auctions and bids by auction id (the hand loop's
 * algorithm with keyed state and timers), instead of the interval join and the auction's
 * window: an auction keeps its best price so far and closes at a timer at `expires − 1`; a bid
 * before its auction waits in a list until the watermark reaches it (a timer at its
 * timestamp), as it would in the join's buffer. Late records are dropped, as the join drops
 * them. The bench's `ds-process` variant, to compare the general operators with a user's own
 * keyed state and timers doing the same.
 */
function processPipeline(ds: Library, env: QueryEnv): OperatorFunction<NexmarkEvent, CategoryAverage> {
  const open = ds.valueState('auction', OpenAuctionCodec)
  const early = ds.listState('earlyBids', EarlyBidCodec)
  return events$ => {
    const [auctions$, bids$] = twoInputs(ds, events$.pipe(timestamped(ds, env.config)), isAuction, isBid)
    return auctions$.pipe(
      ds.keyBy(a => a.id),
      ds.connectWith(bids$.pipe(ds.keyBy(b => b.auction))).keyedProcess<Auction, Winner>({
        processElement1: (a, ctx) => {
          if (a.dateTime < ctx.timerService().currentWatermark()) return
          let best = -1
          const waiting = ctx.state(early)
          for (const [ts, price] of waiting.get()) if (ts >= a.dateTime && ts < a.expires && price > best) best = price
          waiting.clear()
          ctx.state(open).update({ category: a.category, start: a.dateTime, expires: a.expires, best })
          ctx.timerService().registerEventTimeTimer(a.expires - 1)
        },
        processElement2: (b, ctx) => {
          if (b.dateTime < ctx.timerService().currentWatermark()) return
          const auction = ctx.state(open)
          const a = auction.value()
          if (a === undefined) {
            ctx.state(early).add([b.dateTime, b.price])
            ctx.timerService().registerEventTimeTimer(b.dateTime)
          } else if (b.dateTime >= a.start && b.dateTime < a.expires && b.price > a.best) {
            a.best = b.price
            auction.update(a)
          }
        },
        onTimer: (time, ctx, out) => {
          const auction = ctx.state(open)
          const a = auction.value()
          if (a !== undefined && time === a.expires - 1) {
            if (a.best >= 0) out.collect({ category: a.category, price: a.best })
            auction.clear()
          }
          const waiting = ctx.state(early)
          const bids = waiting.get()
          if (bids.length === 0) return
          const left = bids.filter(([ts]) => ts > time)
          if (left.length === 0) waiting.clear()
          else if (left.length < bids.length) waiting.update(left)
        }
      }),
      categoryAverages(ds)
    )
  }
}

/** An auction the hand loop has seen and not closed yet. */
interface OpenAuction {
  readonly category: number
  readonly start: number
  readonly expires: number
  /** The highest valid price so far; −1: none. */
  best: number
}

/** q4: winning bid per auction (interval join + a window per auction), then the mean per category (sliding windows). */
export const q4: NexmarkQuery<CategoryAverage> = {
  id: 'q4',
  title: 'average closing price per category',
  exercises:
    'splitBy into two inputs, intervalJoinWith (auctions × bids), a custom window assigner with reduce, then keyBy and sliding windows with aggregate and a process window function',
  pipeline,
  alternatives: [{ id: 'process', name: 'rx-datastream, stage 1 a process function', pipeline: processPipeline }],
  hand: (at, size, env, probe, emit) => {
    const bound = env.config.maxDisorder
    // Stage 1: open auctions by id, closed by a heap of their `expires − 1`; bids for an
    // auction not seen (yet) wait until the watermark passes them, as in the join.
    const open = new Map<number, OpenAuction>()
    const closing = new TimeHeap()
    const early = new Map<number, number[]>() // auction id → [ts, price, ts, price, …]
    const earlyOrder: number[] = []
    let earlyHead = 0
    // Stage 2: window start → category → mean.
    const windows = new Map<number, Map<number, Mean>>()
    let nextFire = Infinity
    let watermark = -Infinity
    let maxTs = -Infinity

    const closeWinner = (category: number, price: number, time: number, stage2Watermark: number): void => {
      for (let s = windowStartOf(time, Q4_SLIDE); s > time - Q4_SIZE; s -= Q4_SLIDE) {
        const last = s + Q4_SIZE - 1
        if (last <= stage2Watermark) continue
        let perCategory = windows.get(s)
        if (perCategory === undefined) {
          windows.set(s, (perCategory = new Map()))
          if (last < nextFire) nextFire = last
        }
        let m = perCategory.get(category)
        if (m === undefined) perCategory.set(category, (m = newMean()))
        addPrice(price, m)
      }
    }
    const fire = (upTo: number): number => {
      let next = Infinity
      for (const [s, perCategory] of windows) {
        const last = s + Q4_SIZE - 1
        if (last <= upTo) {
          for (const [category, m] of perCategory) emit({ category, windowStart: s, average: m.sum / m.count, auctions: m.count })
          windows.delete(s)
        } else if (last < next) next = last
      }
      return next
    }
    const advance = (to: number): void => {
      const before = watermark
      watermark = to
      // Auctions closing at or below the watermark give their winners to stage 2, whose own
      // watermark is still the previous one (results travel before the watermark).
      while (closing.size > 0 && closing.peekTime() <= to) {
        const id = closing.peekId()
        closing.pop()
        const a = open.get(id)!
        open.delete(id)
        if (a.best >= 0) closeWinner(a.category, a.best, a.expires - 1, before)
      }
      if (to >= nextFire) nextFire = fire(to)
      // Memory only: a waiting bid at or below the watermark can no longer meet its auction.
      while (earlyHead < earlyOrder.length) {
        const id = earlyOrder[earlyHead]!
        const list = early.get(id)
        if (list !== undefined) {
          if (list[0]! > to) break
          let keep = 0
          for (let k = 0; k < list.length; k += 2) {
            if (list[k]! > to) {
              list[keep++] = list[k]!
              list[keep++] = list[k + 1]!
            }
          }
          if (keep === 0) early.delete(id)
          else list.length = keep
        }
        earlyHead++
      }
      if (earlyHead > 1024 && earlyHead * 2 > earlyOrder.length) {
        earlyOrder.splice(0, earlyHead)
        earlyHead = 0
      }
    }

    for (let i = 0; i < size; i++) {
      if ((i & HEAP_SAMPLE_MASK) === 0) probe.sample()
      const e = at(i)
      const ts = e.dateTime
      checkTimestamp(ts)
      if (e.kind === 'auction') {
        if (ts >= watermark) {
          const a: OpenAuction = { category: e.category, start: ts, expires: e.expires, best: -1 }
          const list = early.get(e.id)
          if (list !== undefined) {
            for (let k = 0; k < list.length; k += 2) {
              const t = list[k]!
              if (t >= a.start && t < a.expires && list[k + 1]! > a.best) a.best = list[k + 1]!
            }
            early.delete(e.id)
          }
          open.set(e.id, a)
          closing.push(e.expires - 1, e.id)
        }
      } else if (e.kind === 'bid') {
        if (ts >= watermark) {
          const a = open.get(e.auction)
          if (a !== undefined) {
            if (ts >= a.start && ts < a.expires && e.price > a.best) a.best = e.price
          } else {
            const list = early.get(e.auction)
            if (list === undefined) early.set(e.auction, [ts, e.price])
            else list.push(ts, e.price)
            earlyOrder.push(e.auction)
          }
        }
      }
      if (ts > maxTs) {
        maxTs = ts
        const w = ts - bound - 1
        if (w > watermark) advance(w)
      }
    }
    advance(Infinity)
  },
  row: (r, sink) => sink.row(r.category, r.windowStart, r.average, r.auctions, 0)
}
