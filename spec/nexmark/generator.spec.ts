/** The bench's Nexmark generator: the properties the queries and their checks rely on. */
import {
  arrivalTime,
  type Auction,
  type Bid,
  DEFAULT_NEXMARK,
  FIRST_AUCTION_ID,
  FIRST_PERSON_ID,
  generateNexmark,
  maxAuctionLengthMs,
  maxSellerLagMs,
  nexmarkConfig,
  nexmarkFeed,
  type NexmarkEvent,
  type Person
} from '../../bench/nexmark/generator'

const CONFIGS = [
  nexmarkConfig(),
  nexmarkConfig({ seed: 7, msPerEvent: 0.5, maxDisorder: 2_000 }),
  nexmarkConfig({ seed: 8, msPerEvent: 10, maxDisorder: 0, numInFlightAuctions: 10, numActivePeople: 50 })
]
const N = 10_000

describe('Nexmark generator', () => {
  // (JSON text: jasmine's deep equality is slow on thousands of objects.)
  it('is deterministic for a seed, and the seed matters', () => {
    expect(JSON.stringify(generateNexmark(2_000))).toBe(JSON.stringify(generateNexmark(2_000)))
    expect(JSON.stringify(generateNexmark(2_000, nexmarkConfig({ seed: 1 })))).not.toBe(JSON.stringify(generateNexmark(2_000)))
  })

  it('makes the same events on the fly as up front', () => {
    const config = CONFIGS[1]!
    const at = nexmarkFeed('lazy', 2_000, config).open()
    const lazy = Array.from({ length: 2_000 }, (_, i) => at(i))
    expect(JSON.stringify(lazy)).toBe(JSON.stringify(generateNexmark(2_000, config)))
  })

  it('makes persons, auctions and bids 1 : 3 : 46 by position, with sequential ids', () => {
    const events = generateNexmark(N)
    let persons = 0
    let auctions = 0
    const wrong: string[] = []
    events.forEach((e, i) => {
      const rem = i % 50
      if (e.kind !== (rem === 0 ? 'person' : rem < 4 ? 'auction' : 'bid')) wrong.push(`event ${i} is a ${e.kind}`)
      if (e.kind === 'person' && e.id !== FIRST_PERSON_ID + persons++) wrong.push(`person ${i} has id ${e.id}`)
      if (e.kind === 'auction' && e.id !== FIRST_AUCTION_ID + auctions++) wrong.push(`auction ${i} has id ${e.id}`)
    })
    expect(wrong).toEqual([])
    expect([persons, auctions, events.length - persons - auctions]).toEqual([N / 50, (3 * N) / 50, (46 * N) / 50])
  })

  for (const config of CONFIGS) {
    describe(`with ${config.msPerEvent} ms per event and disorder ≤ ${config.maxDisorder} ms`, () => {
      const events = generateNexmark(N, config)

      it('stamps each event at most maxDisorder before its arrival, so a watermark of that bound never makes one late', () => {
        let maxTs = -Infinity
        const wrong: string[] = []
        events.forEach((e, i) => {
          const arrival = arrivalTime(config, i)
          if (e.dateTime > arrival || e.dateTime < arrival - config.maxDisorder) wrong.push(`event ${i} at ${e.dateTime}, arrived ${arrival}`)
          if (e.dateTime <= maxTs - config.maxDisorder - 1) wrong.push(`event ${i} late`)
          maxTs = Math.max(maxTs, e.dateTime)
        })
        expect(wrong).toEqual([])
      })

      it('refers to recent persons and auctions only, at most 10 ids ahead', () => {
        // Hot ones are the first (or second) of the latest batch of 100: up to 99 back.
        let lastPerson = FIRST_PERSON_ID - 1
        let lastAuction = FIRST_AUCTION_ID - 1
        const oldestPerson = (): number => Math.max(FIRST_PERSON_ID, lastPerson - Math.max(config.numActivePeople, 99))
        const oldestAuction = (): number => Math.max(FIRST_AUCTION_ID, lastAuction - Math.max(config.numInFlightAuctions, 99))
        const wrong: string[] = []
        for (const e of events) {
          if (e.kind === 'person') lastPerson = e.id
          else if (e.kind === 'auction') {
            lastAuction = e.id
            if (e.seller < oldestPerson() || e.seller > lastPerson + 10) wrong.push(`auction ${e.id} sold by ${e.seller} (last person ${lastPerson})`)
          } else {
            if (e.auction < oldestAuction() || e.auction > lastAuction + 10) wrong.push(`bid on ${e.auction} (last auction ${lastAuction})`)
            if (e.bidder < oldestPerson() || e.bidder > lastPerson + 10) wrong.push(`bid by ${e.bidder} (last person ${lastPerson})`)
          }
        }
        expect(wrong).toEqual([])
      })

      it('makes auctions that end after they start, within maxAuctionLengthMs', () => {
        const limit = maxAuctionLengthMs(config)
        const wrong = events
          .filter((e): e is Auction => e.kind === 'auction')
          .filter(a => !(a.expires > a.dateTime && a.expires - a.dateTime <= limit && a.category >= 10 && a.category <= 14 && a.reserve > a.initialBid))
        expect(wrong).toEqual([])
      })

      it('brings a seller, if it comes at all, before the watermark passes the auction by maxSellerLagMs', () => {
        const wait = maxSellerLagMs(config)
        const firstAuctionOf = new Map<number, number>() // seller → earliest auction time still waiting
        let maxTs = -Infinity
        const wrong: string[] = []
        for (const e of events) {
          if (e.kind === 'auction') firstAuctionOf.set(e.seller, Math.min(firstAuctionOf.get(e.seller) ?? Infinity, e.dateTime))
          if (e.kind === 'person') {
            const since = firstAuctionOf.get(e.id)
            // The watermark when the person arrives is maxTs − D − 1: the wait must not be over.
            if (since !== undefined && maxTs - config.maxDisorder - 1 >= since + wait) wrong.push(`person ${e.id} after ${maxTs - since} ms`)
          }
          maxTs = Math.max(maxTs, e.dateTime)
        }
        expect(wrong).toEqual([])
      })
    })
  }

  it('skews as Nexmark: half the bids on the hot auction, 3 in 4 by the hot bidder, 3 in 4 auctions by the hot seller', () => {
    const events = generateNexmark(50_000, DEFAULT_NEXMARK)
    const bids = events.filter((e): e is Bid => e.kind === 'bid')
    const auctions = events.filter((e): e is Auction => e.kind === 'auction')
    const share = (n: number, of: number): number => n / of
    // Hot auctions are multiples of 100 (from 1000); a random pick lands on one rarely.
    expect(share(bids.filter(b => (b.auction - FIRST_AUCTION_ID) % 100 === 0).length, bids.length)).toBeCloseTo(0.5, 1)
    expect(share(bids.filter(b => (b.bidder - FIRST_PERSON_ID) % 100 === 1).length, bids.length)).toBeCloseTo(0.75, 1)
    expect(share(auctions.filter(a => (a.seller - FIRST_PERSON_ID) % 100 === 0).length, auctions.length)).toBeCloseTo(0.75, 1)
    expect(new Set(bids.map(b => b.channel)).size).toBeGreaterThan(1_000)
    const persons = events.filter((e): e is Person => e.kind === 'person')
    expect(new Set(persons.map(p => p.state))).toEqual(new Set(['AZ', 'CA', 'ID', 'OR', 'WA', 'WY']))
  })

  it('gives each kind of event its fields', () => {
    const [person, auction, , , bid] = generateNexmark(5) as [Person, Auction, NexmarkEvent, NexmarkEvent, Bid]
    expect(Object.keys(person).sort()).toEqual(['city', 'creditCard', 'dateTime', 'emailAddress', 'id', 'kind', 'name', 'state'])
    expect(person.creditCard).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/)
    expect(person.emailAddress).toMatch(/^[a-z ]+@[a-z ]+\.com$/)
    expect(Object.keys(auction).sort()).toEqual(['category', 'dateTime', 'description', 'expires', 'id', 'initialBid', 'itemName', 'kind', 'reserve', 'seller'])
    expect(Object.keys(bid).sort()).toEqual(['auction', 'bidder', 'channel', 'dateTime', 'kind', 'price', 'url'])
  })
})
