/**
 * Nexmark q3, local item suggestion: who sells in category 10 in Oregon, Idaho or California.
 * An incremental join of persons and auctions on `person.id = auction.seller`, emitting a pair
 * as soon as both sides are there, with keyed state (as Flink's plan for the SQL, a regular
 * join): `keyBy` both inputs, `connectWith(…).keyedProcess` with a value state (the person) and
 * a list state (auctions waiting for their seller).
 *
 * Where Nexmark leaves freedom:
 * - Both filters run before the join (Flink pushes them down): only persons of OR, ID, CA and
 *   auctions of category 10 reach it.
 * - A person is kept forever (a regular join keeps both sides, as Flink's SQL does without a
 *   state TTL): the state grows by one person per ≈ 100 events.
 * - An auction whose seller is not there yet waits for {@link maxSellerLagMs} of event time
 *   (an event-time timer), then is dropped: its seller never comes (not from these states) or
 *   would have come by then (the generator's ids run at most 10 persons ahead). Nothing that
 *   could still match is dropped, so the result is the full join.
 */
import * as t from 'io-ts'
import type { OperatorFunction } from 'rxjs'
import { HEAP_SAMPLE_MASK } from '../harness'
import type { Library } from '../library'
import { checkTimestamp, type NexmarkQuery, stringHash, timestamped, twoInputs, type QueryEnv } from './common'
import { type Auction, isAuction, isPerson, maxSellerLagMs, type NexmarkEvent, type Person } from './generator'

/** A result of q3: a seller's name and place, and one of their auctions. */
export interface LocalItem {
  readonly name: string
  readonly city: string
  readonly state: string
  readonly auction: number
}

/** The category q3 looks at. */
export const Q3_CATEGORY = 10
/** The states q3 looks at: Oregon, Idaho, California. */
export const Q3_STATES: ReadonlySet<string> = new Set(['OR', 'ID', 'CA'])

/** Whether a person takes part in q3. */
export const isLocalSeller = (p: Person): boolean => Q3_STATES.has(p.state)

const localItem = (p: Person, a: Auction): LocalItem => ({ name: p.name, city: p.city, state: p.state, auction: a.id })

// The state codecs (what a checkpoint would store).
const PersonCodec: t.Type<Person, unknown> = t.readonly(
  t.type({
    kind: t.literal('person'),
    id: t.number,
    name: t.string,
    emailAddress: t.string,
    creditCard: t.string,
    city: t.string,
    state: t.string,
    dateTime: t.number
  })
)
const AuctionCodec: t.Type<Auction, unknown> = t.readonly(
  t.type({
    kind: t.literal('auction'),
    id: t.number,
    itemName: t.string,
    description: t.string,
    initialBid: t.number,
    reserve: t.number,
    dateTime: t.number,
    expires: t.number,
    seller: t.number,
    category: t.number
  })
)

function pipeline(ds: Library, env: QueryEnv): OperatorFunction<NexmarkEvent, LocalItem> {
  const wait = maxSellerLagMs(env.config)
  const person = ds.valueState('person', PersonCodec)
  const waiting = ds.listState('waiting', AuctionCodec)
  return events$ => {
    // One source, two inputs over one subscription, filtered as they are split.
    const [persons$, auctions$] = twoInputs(
      ds,
      events$.pipe(timestamped(ds, env.config)),
      (e): e is Person => isPerson(e) && isLocalSeller(e),
      (e): e is Auction => isAuction(e) && e.category === Q3_CATEGORY
    )
    return persons$.pipe(
      ds.keyBy(p => p.id),
      ds.connectWith(auctions$.pipe(ds.keyBy(a => a.seller))).keyedProcess<Person, LocalItem>({
        processElement1: (p, ctx, out) => {
          ctx.state(person).update(p)
          const pending = ctx.state(waiting)
          for (const a of pending.get()) out.collect(localItem(p, a))
          pending.clear()
        },
        processElement2: (a, ctx, out) => {
          const p = ctx.state(person).value()
          if (p !== undefined) return out.collect(localItem(p, a))
          ctx.state(waiting).add(a)
          ctx.timerService().registerEventTimeTimer(a.dateTime + wait)
        },
        onTimer: (time, ctx) => {
          const pending = ctx.state(waiting)
          const left = pending.get().filter(a => a.dateTime + wait > time)
          if (left.length === 0) pending.clear()
          else pending.update(left)
        }
      }),
      ds.values()
    )
  }
}

/** An auction waiting for its seller in the hand loop: until the watermark reaches `until`. */
interface Waiting {
  readonly auction: Auction
  readonly until: number
}

/** q3: persons of OR/ID/CA ⋈ auctions of category 10 on seller, incremental. */
export const q3: NexmarkQuery<LocalItem> = {
  id: 'q3',
  title: 'local item suggestion',
  exercises: 'splitBy into two inputs, keyBy both, connectWith(…).keyedProcess with a value state, a list state and event-time timers',
  pipeline,
  hand: (at, size, env, probe, emit) => {
    const bound = env.config.maxDisorder
    const wait = maxSellerLagMs(env.config)
    const persons = new Map<number, Person>()
    const waiting = new Map<number, Waiting[]>()
    // Sellers with waiting auctions, in arrival order, to drop them once their wait is over.
    const expiry: number[] = []
    let expiryHead = 0
    let maxTs = -Infinity
    let watermark = -Infinity
    for (let i = 0; i < size; i++) {
      if ((i & HEAP_SAMPLE_MASK) === 0) probe.sample()
      const e = at(i)
      const ts = e.dateTime
      checkTimestamp(ts)
      if (e.kind === 'person') {
        if (isLocalSeller(e)) {
          persons.set(e.id, e)
          const list = waiting.get(e.id)
          if (list !== undefined) {
            // Only those not yet dropped: a wait ends when the watermark reaches it.
            for (const w of list) if (w.until > watermark) emit(localItem(e, w.auction))
            waiting.delete(e.id)
          }
        }
      } else if (e.kind === 'auction' && e.category === Q3_CATEGORY) {
        const p = persons.get(e.seller)
        if (p !== undefined) emit(localItem(p, e))
        else {
          const list = waiting.get(e.seller)
          const w = { auction: e, until: ts + wait }
          if (list === undefined) waiting.set(e.seller, [w])
          else list.push(w)
          expiry.push(e.seller)
        }
      }
      if (ts > maxTs) {
        maxTs = ts
        watermark = ts - bound - 1
        // Memory only (the emit above checks `until` itself): drop what waited long enough.
        while (expiryHead < expiry.length) {
          const seller = expiry[expiryHead]!
          const list = waiting.get(seller)
          if (list !== undefined) {
            if (list[0]!.until > watermark) break
            const left = list.filter(w => w.until > watermark)
            if (left.length === 0) waiting.delete(seller)
            else waiting.set(seller, left)
          }
          expiryHead++
        }
        if (expiryHead > 1024 && expiryHead * 2 > expiry.length) {
          expiry.splice(0, expiryHead)
          expiryHead = 0
        }
      }
    }
  },
  row: (r, sink) => sink.row(r.auction, stringHash(r.name), stringHash(r.city), stringHash(r.state), 0)
}
