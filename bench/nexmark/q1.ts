/**
 * Nexmark q1, currency conversion: every bid, its price turned from dollars to euros
 * (`0.908 · price`, as Nexmark's SQL; Beam's integer `price · 89 / 100` is the older form).
 */
import { HEAP_SAMPLE_MASK } from '../harness'
import { checkTimestamp, type NexmarkQuery, timestamped } from './common'
import { type Bid, isBid } from './generator'

/** The same bid, priced in euro cents. */
export function toEuro(b: Bid): Bid {
  return { kind: 'bid', auction: b.auction, bidder: b.bidder, price: b.price * 0.908, channel: b.channel, url: b.url, dateTime: b.dateTime }
}

/** q1: `SELECT auction, bidder, 0.908 * price AS price, dateTime FROM bid`. */
export const q1: NexmarkQuery<Bid> = {
  id: 'q1',
  title: 'currency conversion',
  exercises: 'a stateless chain: filterValues (a type guard) and mapValues after the source stage',
  pipeline: (ds, env) => events$ => events$.pipe(timestamped(ds, env.config), ds.filterValues(isBid), ds.mapValues(toEuro), ds.values()),
  hand: (at, size, _env, probe, emit) => {
    let maxTs = -Infinity
    for (let i = 0; i < size; i++) {
      if ((i & HEAP_SAMPLE_MASK) === 0) probe.sample()
      const e = at(i)
      const ts = e.dateTime
      checkTimestamp(ts)
      if (ts > maxTs) maxTs = ts
      if (isBid(e)) emit(toEuro(e))
    }
  },
  row: (b, sink) => sink.row(b.auction, b.bidder, b.price, b.dateTime, 0)
}
