/**
 * The Nexmark event generator (as in the Nexmark benchmark that Beam and Flink run): an online
 * auction site's persons, auctions and bids, in the proportions 1 : 3 : 46, deterministic for a
 * seed (mulberry32 from ../data.ts; no `Math.random`).
 *
 * What follows Nexmark's generator (Beam's `NexmarkGenerator` / `GeneratorConfig`, whose
 * defaults the Flink port keeps):
 * - event i is a person, an auction or a bid by `i % 50` (0: person, 1–3: auction, 4–49: bid);
 * - ids are sequential from 1000 (`FIRST_PERSON_ID`, `FIRST_AUCTION_ID`); a new auction's seller
 *   and a bid's bidder refer to one of the last 1,000 persons (plus up to 10 not generated yet),
 *   a bid's auction to one of the last 100 auctions (plus up to 10 ahead);
 * - hot sellers, bidders and auctions: 3 auctions in 4 are by the first person of the latest
 *   batch of 100 persons, 3 bids in 4 by the second one, and 1 bid in 2 is for the first
 *   auction of the latest batch of 100 auctions;
 * - prices are log-uniform, `round(10^(6u) · 100)`; categories 10–14; states AZ CA ID OR WA WY;
 *   an auction lasts `1 + uniform(2 · horizon)` ms, the horizon being the time until 100 more
 *   auctions have been generated (≈ 1.7 s at one event per ms);
 * - half the bids come from 4 hot channels, the rest from 10,000 channels.
 *
 * What is ours: event time advances `msPerEvent` per event (default 1: a thousand events per
 * second of event time), and each event's timestamp lags its position by a bounded delay (nine
 * in ten 0–3 ms, one in ten up to `maxDisorder` ms), as in data.ts; Nexmark's `extra` padding
 * field is left out. Events still arrive in id order: only their timestamps are out of order,
 * by at most `maxDisorder`, so a bounded-out-of-orderness watermark with that bound never makes
 * an event late.
 */
import { mulberry32 } from '../data'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** A new user of the auction site. */
export interface Person {
  readonly kind: 'person'
  readonly id: number
  readonly name: string
  readonly emailAddress: string
  readonly creditCard: string
  readonly city: string
  readonly state: string
  /** Event time, ms since the epoch. */
  readonly dateTime: number
}

/** A new auction: open for bids from `dateTime` until `expires` (exclusive). */
export interface Auction {
  readonly kind: 'auction'
  readonly id: number
  readonly itemName: string
  readonly description: string
  readonly initialBid: number
  readonly reserve: number
  readonly dateTime: number
  readonly expires: number
  /** A person id. */
  readonly seller: number
  readonly category: number
}

/** A bid on an auction. */
export interface Bid {
  readonly kind: 'bid'
  /** An auction id. */
  readonly auction: number
  /** A person id. */
  readonly bidder: number
  /** In cents of a dollar. */
  readonly price: number
  readonly channel: string
  readonly url: string
  readonly dateTime: number
}

/** One event of the stream: a tagged union on `kind`. */
export type NexmarkEvent = Person | Auction | Bid

/** Type guard for persons. */
export const isPerson = (e: NexmarkEvent): e is Person => e.kind === 'person'
/** Type guard for auctions. */
export const isAuction = (e: NexmarkEvent): e is Auction => e.kind === 'auction'
/** Type guard for bids. */
export const isBid = (e: NexmarkEvent): e is Bid => e.kind === 'bid'

// -------------------------------------------------------------------------------------
// configuration
// -------------------------------------------------------------------------------------

/** How the stream is generated; every field has a default (see {@link DEFAULT_NEXMARK}). */
export interface NexmarkConfig {
  readonly seed: number
  /** Event time of event 0, ms since the epoch. */
  readonly start: number
  /** Event time between consecutive events (may be fractional; timestamps are whole ms). */
  readonly msPerEvent: number
  /** The disorder bound D: an event's timestamp is at most D ms behind its position. */
  readonly maxDisorder: number
  /** Nexmark's `numActivePeople`: sellers and bidders are drawn from the latest this many persons. */
  readonly numActivePeople: number
  /** Nexmark's `numInFlightAuctions`: bids go to the latest this many auctions; sets auction lengths. */
  readonly numInFlightAuctions: number
  /** 1 bid in `hotAuctionRatio` goes to any recent auction, the rest to the hot one. */
  readonly hotAuctionRatio: number
  /** 1 auction in `hotSellersRatio` is by any recent person, the rest by the hot seller. */
  readonly hotSellersRatio: number
  /** 1 bid in `hotBiddersRatio` is by any recent person, the rest by the hot bidder. */
  readonly hotBiddersRatio: number
}

/** The defaults: Nexmark's, with one event per ms and 500 ms of disorder. */
export const DEFAULT_NEXMARK: NexmarkConfig = {
  seed: 0x4e78,
  start: Date.UTC(2026, 0, 1),
  msPerEvent: 1,
  maxDisorder: 500,
  numActivePeople: 1_000,
  numInFlightAuctions: 100,
  hotAuctionRatio: 2,
  hotSellersRatio: 4,
  hotBiddersRatio: 4
}

/** The defaults with some fields replaced. */
export function nexmarkConfig(overrides: Partial<NexmarkConfig> = {}): NexmarkConfig {
  const config = { ...DEFAULT_NEXMARK, ...overrides }
  if (!(config.msPerEvent > 0)) throw new RangeError(`msPerEvent must be > 0, got ${config.msPerEvent}`)
  if (!Number.isSafeInteger(config.maxDisorder) || config.maxDisorder < 0) throw new RangeError(`maxDisorder must be an integer >= 0, got ${config.maxDisorder}`)
  return config
}

/** The first person's id (Nexmark's). */
export const FIRST_PERSON_ID = 1_000
/** The first auction's id (Nexmark's). */
export const FIRST_AUCTION_ID = 1_000
/** Categories are 10 … 14 (Nexmark's). */
export const FIRST_CATEGORY_ID = 10
const NUM_CATEGORIES = 5
const PERSON_PROPORTION = 1
const AUCTION_PROPORTION = 3
/** Events per "epoch": 1 person, 3 auctions, 46 bids. */
export const PROPORTION_DENOMINATOR = 50
/** Nexmark lets ids run this far ahead of the last generated one (events seem swapped in time). */
export const PERSON_ID_LEAD = 10
const AUCTION_ID_LEAD = 10
/** Hot sellers, bidders and auctions are the first (or second) of the latest batch of this many. */
const HOT_BATCH = 100
const HOT_CHANNELS_RATIO = 2
const CHANNELS = 10_000

/**
 * When event i is produced: `start + ⌊i · msPerEvent⌋`. Its timestamp is this minus its delay;
 * q12 takes it as the event's arrival (processing) time.
 */
export function arrivalTime(config: NexmarkConfig, i: number): number {
  return config.start + Math.floor(i * config.msPerEvent)
}

/** Events between an auction and the one `numInFlightAuctions` later (Nexmark's horizon). */
function eventsForInFlightAuctions(config: NexmarkConfig): number {
  return Math.floor((config.numInFlightAuctions * PROPORTION_DENOMINATOR) / AUCTION_PROPORTION)
}

/**
 * An upper bound of `expires − dateTime` over all auctions: the horizon is at most
 * `⌈events · msPerEvent⌉ + maxDisorder`, and a length at most twice that. Interval joins of
 * bids to auctions (q4) use it as their upper bound.
 */
export function maxAuctionLengthMs(config: NexmarkConfig): number {
  return 2 * (Math.ceil(eventsForInFlightAuctions(config) * config.msPerEvent) + config.maxDisorder)
}

/**
 * An upper bound of how long after an auction the person it names as seller can arrive: ids
 * run at most {@link PERSON_ID_LEAD} persons ahead, one person per 50 events, plus the disorder
 * of both timestamps (with room to spare). q3 keeps an auction waiting for its seller this long.
 */
export function maxSellerLagMs(config: NexmarkConfig): number {
  return Math.ceil((PERSON_ID_LEAD + 1) * PROPORTION_DENOMINATOR * config.msPerEvent) + 2 * config.maxDisorder
}

// -------------------------------------------------------------------------------------
// ids (Nexmark's formulas)
// -------------------------------------------------------------------------------------

/** The last person id (base 0) generated at or before event i. */
export function lastBase0PersonId(i: number): number {
  const epoch = Math.floor(i / PROPORTION_DENOMINATOR)
  let offset = i % PROPORTION_DENOMINATOR
  if (offset >= PERSON_PROPORTION) offset = PERSON_PROPORTION - 1
  return epoch * PERSON_PROPORTION + offset
}

/** The last auction id (base 0) generated at or before event i (−1 before the first). */
export function lastBase0AuctionId(i: number): number {
  let epoch = Math.floor(i / PROPORTION_DENOMINATOR)
  let offset = i % PROPORTION_DENOMINATOR
  if (offset < PERSON_PROPORTION) {
    epoch--
    offset = AUCTION_PROPORTION - 1
  } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
    offset = AUCTION_PROPORTION - 1
  } else {
    offset -= PERSON_PROPORTION
  }
  return epoch * AUCTION_PROPORTION + offset
}

// -------------------------------------------------------------------------------------
// strings
// -------------------------------------------------------------------------------------

const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'] as const
const US_CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'] as const
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'] as const
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'] as const
const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'] as const
const MIN_STRING_LENGTH = 3

/** 3 to maxLength − 1 characters, lowercase letters and one space in 13, as Nexmark's. */
function nextString(r: () => number, maxLength: number): string {
  const length = MIN_STRING_LENGTH + Math.floor(r() * (maxLength - MIN_STRING_LENGTH))
  let s = ''
  for (let k = 0; k < length; k++) s += Math.floor(r() * 13) === 0 ? ' ' : String.fromCharCode(97 + Math.floor(r() * 26))
  return s
}

function baseUrl(r: () => number): string {
  return `https://www.nexmark.com/${nextString(r, 5)}/${nextString(r, 5)}/${nextString(r, 5)}/item.htm?query=1`
}

/**
 * The channels and their URLs, made once from a fixed seed (Nexmark caches them too), so a
 * bid's strings are shared, not built per bid.
 */
interface Channels {
  readonly hotUrls: readonly string[]
  readonly names: readonly string[]
  readonly urls: readonly string[]
}

let channels: Channels | undefined

function channelTable(): Channels {
  if (channels !== undefined) return channels
  const r = mulberry32(0xc4a7)
  const hotUrls = HOT_CHANNELS.map(() => baseUrl(r))
  const names: string[] = []
  const urls: string[] = []
  for (let n = 0; n < CHANNELS; n++) {
    names.push(`channel-${n}`)
    // As Nexmark: 9 channels in 10 tag their URL with a channel id.
    const url = baseUrl(r)
    urls.push(Math.floor(r() * 10) > 0 ? `${url}&channel_id=${n * 7919}` : url)
  }
  return (channels = { hotUrls, names, urls })
}

// -------------------------------------------------------------------------------------
// the generator
// -------------------------------------------------------------------------------------

/**
 * Makes events 0, 1, 2, … in order, a fresh object each (as a parser would). Two cursors with
 * the same config yield the same events.
 */
export class NexmarkCursor {
  private readonly r: () => number
  private readonly channels = channelTable()
  private readonly horizonEvents: number
  private i = 0

  constructor(readonly config: NexmarkConfig = DEFAULT_NEXMARK) {
    this.r = mulberry32(config.seed)
    this.horizonEvents = eventsForInFlightAuctions(config)
  }

  /** The index of the next event. */
  get index(): number {
    return this.i
  }

  next(): NexmarkEvent {
    const i = this.i++
    const r = this.r
    const c = this.config
    const disorder = c.maxDisorder
    const delay = r() < 0.9 ? Math.floor(r() * (Math.min(3, disorder) + 1)) : Math.floor(r() * (disorder + 1))
    const ts = arrivalTime(c, i) - delay
    const rem = i % PROPORTION_DENOMINATOR
    if (rem < PERSON_PROPORTION) return this.person(i, ts)
    if (rem < PERSON_PROPORTION + AUCTION_PROPORTION) return this.auction(i, ts)
    return this.bid(i, ts)
  }

  /** A random recent person id (base 0): one of the active ones or a few ahead. */
  private nextBase0PersonId(i: number): number {
    const people = lastBase0PersonId(i) + 1
    const active = Math.min(people, this.config.numActivePeople)
    return people - active + Math.floor(this.r() * (active + PERSON_ID_LEAD))
  }

  /** A random recent auction id (base 0): one still likely open, or a few ahead. */
  private nextBase0AuctionId(i: number): number {
    const last = lastBase0AuctionId(i)
    const min = Math.max(last - this.config.numInFlightAuctions, 0)
    return min + Math.floor(this.r() * (last - min + 1 + AUCTION_ID_LEAD))
  }

  private nextPrice(): number {
    return Math.round(Math.pow(10, this.r() * 6) * 100)
  }

  private person(i: number, ts: number): Person {
    const r = this.r
    const name = `${FIRST_NAMES[Math.floor(r() * FIRST_NAMES.length)]!} ${LAST_NAMES[Math.floor(r() * LAST_NAMES.length)]!}`
    const emailAddress = `${nextString(r, 7)}@${nextString(r, 5)}.com`
    let creditCard = ''
    for (let k = 0; k < 4; k++) creditCard += (k > 0 ? ' ' : '') + String(Math.floor(r() * 10_000)).padStart(4, '0')
    const city = US_CITIES[Math.floor(r() * US_CITIES.length)]!
    const state = US_STATES[Math.floor(r() * US_STATES.length)]!
    return { kind: 'person', id: lastBase0PersonId(i) + FIRST_PERSON_ID, name, emailAddress, creditCard, city, state, dateTime: ts }
  }

  private auction(i: number, ts: number): Auction {
    const r = this.r
    const c = this.config
    const seller =
      (Math.floor(r() * c.hotSellersRatio) > 0 ? Math.floor(lastBase0PersonId(i) / HOT_BATCH) * HOT_BATCH : this.nextBase0PersonId(i)) + FIRST_PERSON_ID
    const category = FIRST_CATEGORY_ID + Math.floor(r() * NUM_CATEGORIES)
    const initialBid = this.nextPrice()
    // Nexmark: on average as long as it takes to generate numInFlightAuctions more auctions.
    const horizon = arrivalTime(c, i + this.horizonEvents) - ts
    const expires = ts + 1 + Math.floor(r() * Math.max(horizon * 2, 1))
    const itemName = nextString(r, 20)
    const description = nextString(r, 100)
    const reserve = initialBid + this.nextPrice()
    return { kind: 'auction', id: lastBase0AuctionId(i) + FIRST_AUCTION_ID, itemName, description, initialBid, reserve, dateTime: ts, expires, seller, category }
  }

  private bid(i: number, ts: number): Bid {
    const r = this.r
    const c = this.config
    const auction =
      (Math.floor(r() * c.hotAuctionRatio) > 0 ? Math.floor(lastBase0AuctionId(i) / HOT_BATCH) * HOT_BATCH : this.nextBase0AuctionId(i)) + FIRST_AUCTION_ID
    // The second person of the batch, so that hot bidders and hot sellers differ (as Nexmark).
    const bidder =
      (Math.floor(r() * c.hotBiddersRatio) > 0 ? Math.floor(lastBase0PersonId(i) / HOT_BATCH) * HOT_BATCH + 1 : this.nextBase0PersonId(i)) + FIRST_PERSON_ID
    const price = this.nextPrice()
    let channel: string
    let url: string
    if (Math.floor(r() * HOT_CHANNELS_RATIO) > 0) {
      const k = Math.floor(r() * HOT_CHANNELS.length)
      channel = HOT_CHANNELS[k]!
      url = this.channels.hotUrls[k]!
    } else {
      const n = Math.floor(r() * CHANNELS)
      channel = this.channels.names[n]!
      url = this.channels.urls[n]!
    }
    return { kind: 'bid', auction, bidder, price, channel, url, dateTime: ts }
  }
}

/** The first `n` events, pre-generated. */
export function generateNexmark(n: number, config: NexmarkConfig = DEFAULT_NEXMARK): NexmarkEvent[] {
  const cursor = new NexmarkCursor(config)
  const events: NexmarkEvent[] = []
  for (let i = 0; i < n; i++) events.push(cursor.next())
  return events
}

// -------------------------------------------------------------------------------------
// feeds
// -------------------------------------------------------------------------------------

/**
 * Where a run's events come from (as data.ts's `Feed`): `open()` starts a pass and returns
 * `at(i)`, called with i = 0, 1, … in order. `array`: generated once, shared by every run, so a
 * figure is the query's own cost; `lazy`: regenerated on the fly each pass (a fresh object per
 * event), so the generator's cost is in every figure but memory does not grow with the input.
 */
export interface NexmarkFeed {
  readonly kind: 'array' | 'lazy'
  readonly size: number
  readonly config: NexmarkConfig
  open(): (i: number) => NexmarkEvent
}

/** The array feed of the timed runs is kept here and reused by every query of a bench run. */
let shared: { readonly size: number; readonly config: NexmarkConfig; readonly events: readonly NexmarkEvent[] } | undefined

/** A feed of the first `size` events; array feeds of the same config and size share one array. */
export function nexmarkFeed(kind: 'array' | 'lazy', size: number, config: NexmarkConfig = DEFAULT_NEXMARK): NexmarkFeed {
  if (kind === 'lazy') {
    return {
      kind,
      size,
      config,
      open: () => {
        const cursor = new NexmarkCursor(config)
        return () => cursor.next()
      }
    }
  }
  if (shared === undefined || shared.size !== size || JSON.stringify(shared.config) !== JSON.stringify(config)) {
    shared = undefined // let the previous array go before making the next
    shared = { size, config, events: generateNexmark(size, config) }
  }
  const events = shared.events
  return { kind, size, config, open: () => (i: number) => events[i]! }
}
