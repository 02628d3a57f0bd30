/**
 * Batch references of the Nexmark queries: each computed directly from the whole list of
 * events, the simplest way (group everything, then look), with no watermark, no firing and no
 * state to expire. With disorder within the watermark's bound no event is late, so a streaming
 * query must produce exactly these results (in some order).
 */
import { arrivalTime, type Auction, type Bid, type NexmarkConfig, type NexmarkEvent, type Person } from '../../bench/nexmark/generator'
import type { LocalItem } from '../../bench/nexmark/q3'
import type { CategoryAverage } from '../../bench/nexmark/q4'
import type { AuctionCount } from '../../bench/nexmark/q5'
import type { HighestBid } from '../../bench/nexmark/q7'
import type { NewSeller } from '../../bench/nexmark/q8'
import type { BidderSession } from '../../bench/nexmark/q11'
import type { BidderWindow } from '../../bench/nexmark/q12'

const bidsOf = (events: readonly NexmarkEvent[]): Bid[] => events.filter((e): e is Bid => e.kind === 'bid')
const auctionsOf = (events: readonly NexmarkEvent[]): Auction[] => events.filter((e): e is Auction => e.kind === 'auction')
const personsOf = (events: readonly NexmarkEvent[]): Person[] => events.filter((e): e is Person => e.kind === 'person')

/** The start of the epoch-aligned window of `size` that holds `t` (all times here are positive). */
const floorTo = (t: number, size: number): number => Math.floor(t / size) * size

/** Groups `xs` by a key computed for each. */
function groupBy<T, K>(xs: readonly T[], key: (x: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>()
  for (const x of xs) {
    const k = key(x)
    const g = groups.get(k)
    if (g === undefined) groups.set(k, [x])
    else g.push(x)
  }
  return groups
}

/** q1: every bid at 0.908 × its price. */
export const q1Batch = (events: readonly NexmarkEvent[]): Bid[] => bidsOf(events).map(b => ({ ...b, price: 0.908 * b.price }))

/** q2: auction and price of the bids on auctions divisible by 123. */
export const q2Batch = (events: readonly NexmarkEvent[]): { auction: number; price: number }[] =>
  bidsOf(events)
    .filter(b => b.auction % 123 === 0)
    .map(b => ({ auction: b.auction, price: b.price }))

/** q3: every (seller in OR/ID/CA, auction of category 10) with `seller = id`. */
export function q3Batch(events: readonly NexmarkEvent[]): LocalItem[] {
  const sellers = personsOf(events).filter(p => p.state === 'OR' || p.state === 'ID' || p.state === 'CA')
  const out: LocalItem[] = []
  for (const a of auctionsOf(events)) {
    if (a.category !== 10) continue
    for (const p of sellers) if (p.id === a.seller) out.push({ name: p.name, city: p.city, state: p.state, auction: a.id })
  }
  return out
}

/**
 * q4: each auction's highest bid with `dateTime ≤ bid < expires`, closing at `expires − 1`; per
 * category, the mean over the auctions closing in each window of 10 s starting every 5 s.
 */
export function q4Batch(events: readonly NexmarkEvent[]): CategoryAverage[] {
  const bids = groupBy(bidsOf(events), b => b.auction)
  const winners: { category: number; price: number; closed: number }[] = []
  for (const a of auctionsOf(events)) {
    const valid = (bids.get(a.id) ?? []).filter(b => a.dateTime <= b.dateTime && b.dateTime < a.expires)
    if (valid.length > 0) winners.push({ category: a.category, price: Math.max(...valid.map(b => b.price)), closed: a.expires - 1 })
  }
  const out: CategoryAverage[] = []
  const perWindow = new Map<string, { category: number; windowStart: number; prices: number[] }>()
  for (const w of winners) {
    for (let start = floorTo(w.closed, 5_000); start > w.closed - 10_000; start -= 5_000) {
      const key = `${w.category} ${start}`
      let g = perWindow.get(key)
      if (g === undefined) perWindow.set(key, (g = { category: w.category, windowStart: start, prices: [] }))
      g.prices.push(w.price)
    }
  }
  for (const g of perWindow.values()) {
    out.push({ category: g.category, windowStart: g.windowStart, average: g.prices.reduce((x, y) => x + y, 0) / g.prices.length, auctions: g.prices.length })
  }
  return out
}

/** q5: per window of 10 s every 2 s, the auctions with the most bids in it. */
export function q5Batch(events: readonly NexmarkEvent[]): AuctionCount[] {
  const counts = new Map<number, Map<number, number>>() // window end → auction → bids
  for (const b of bidsOf(events)) {
    for (let start = floorTo(b.dateTime, 2_000); start > b.dateTime - 10_000; start -= 2_000) {
      const end = start + 10_000
      let perAuction = counts.get(end)
      if (perAuction === undefined) counts.set(end, (perAuction = new Map()))
      perAuction.set(b.auction, (perAuction.get(b.auction) ?? 0) + 1)
    }
  }
  const out: AuctionCount[] = []
  for (const [windowEnd, perAuction] of counts) {
    const max = Math.max(...perAuction.values())
    for (const [auction, count] of perAuction) if (count === max) out.push({ auction, count, windowEnd })
  }
  return out
}

/** q7: per tumbling window of 10 s, the bids with its highest price. */
export function q7Batch(events: readonly NexmarkEvent[]): HighestBid[] {
  const out: HighestBid[] = []
  for (const [start, bids] of groupBy(bidsOf(events), b => floorTo(b.dateTime, 10_000))) {
    const max = Math.max(...bids.map(b => b.price))
    for (const bid of bids) if (bid.price === max) out.push({ windowEnd: start + 10_000, bid })
  }
  return out
}

/** q8: per tumbling window of 10 s, every (person, auction) of it with `seller = id`. */
export function q8Batch(events: readonly NexmarkEvent[]): NewSeller[] {
  const out: NewSeller[] = []
  const persons = personsOf(events)
  for (const a of auctionsOf(events)) {
    for (const p of persons) {
      const start = floorTo(p.dateTime, 10_000)
      if (p.id === a.seller && floorTo(a.dateTime, 10_000) === start) out.push({ id: p.id, name: p.name, reserve: a.reserve, windowStart: start })
    }
  }
  return out
}

/**
 * q11: per bidder, its bid times sorted; a session runs while each bid comes at most 10 s after
 * the previous one (a bid exactly 10 s later still extends it: the windows touch), and ends
 * 10 s after its last bid.
 */
export function q11Batch(events: readonly NexmarkEvent[]): BidderSession[] {
  const out: BidderSession[] = []
  for (const [bidder, bids] of groupBy(bidsOf(events), b => b.bidder)) {
    const times = bids.map(b => b.dateTime).sort((x, y) => x - y)
    let start = times[0]!
    let last = start
    let n = 0
    for (const t of times) {
      if (t > last + 10_000) {
        out.push({ bidder, bids: n, start, end: last + 10_000 })
        start = t
        n = 0
      }
      last = t
      n++
    }
    out.push({ bidder, bids: n, start, end: last + 10_000 })
  }
  return out
}

/** q12: bids per bidder per tumbling 10 s window of arrival time (event i arrives at `arrivalTime(i)`). */
export function q12Batch(events: readonly NexmarkEvent[], config: NexmarkConfig): BidderWindow[] {
  const counts = new Map<string, BidderWindow>()
  events.forEach((e, i) => {
    if (e.kind !== 'bid') return
    const windowStart = floorTo(arrivalTime(config, i), 10_000)
    const key = `${e.bidder} ${windowStart}`
    const c = counts.get(key)
    counts.set(key, { bidder: e.bidder, bids: (c?.bids ?? 0) + 1, windowStart })
  })
  return [...counts.values()]
}
