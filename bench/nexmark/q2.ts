/**
 * Nexmark q2, selection: the bids on a few auctions (`auction % 123 == 0`, as Nexmark's SQL),
 * reduced to auction and price. Few results (≈ 0.5 % of the bids): mostly the cost of looking
 * at every event and dropping it.
 */
import { HEAP_SAMPLE_MASK } from '../harness'
import { checkTimestamp, type NexmarkQuery, timestamped } from './common'
import { type Bid, isBid } from './generator'

/** A result of q2. */
export interface AuctionPrice {
  readonly auction: number
  readonly price: number
}

/** The selection of q2. */
export const everyHundredTwentyThird = (b: Bid): boolean => b.auction % 123 === 0
const auctionPrice = (b: Bid): AuctionPrice => ({ auction: b.auction, price: b.price })

/** q2: `SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0`. */
export const q2: NexmarkQuery<AuctionPrice> = {
  id: 'q2',
  title: 'selection',
  exercises: 'two filters and a map, most events dropped',
  pipeline: (ds, env) => events$ =>
    events$.pipe(timestamped(ds, env.config), ds.filterValues(isBid), ds.filterValues(everyHundredTwentyThird), ds.mapValues(auctionPrice), ds.values()),
  hand: (at, size, _env, probe, emit) => {
    let maxTs = -Infinity
    for (let i = 0; i < size; i++) {
      if ((i & HEAP_SAMPLE_MASK) === 0) probe.sample()
      const e = at(i)
      const ts = e.dateTime
      checkTimestamp(ts)
      if (ts > maxTs) maxTs = ts
      if (isBid(e) && everyHundredTwentyThird(e)) emit(auctionPrice(e))
    }
  },
  row: (r, sink) => sink.row(r.auction, r.price, 0, 0, 0)
}
