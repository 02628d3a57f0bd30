/**
 * Nexmark q11, user sessions: bids per bidder per session, a session ending after 10 s without
 * a bid (event-time session windows, merged as bids arrive, out of order or not).
 */
import type { OperatorFunction } from 'rxjs'
import type { AggregateFunction } from '../../src/index'
import { HEAP_SAMPLE_MASK } from '../harness'
import type { Library } from '../library'
import { checkTimestamp, type NexmarkQuery, type QueryEnv, TimeHeap, timestamped } from './common'
import { isBid, type NexmarkEvent } from './generator'

/** The session gap: 10 s (Nexmark's SQL: `SESSION(dateTime, INTERVAL '10' SECOND)`). */
export const Q11_GAP = 10_000

/** A result of q11. */
export interface BidderSession {
  readonly bidder: number
  readonly bids: number
  /** The session: from its first bid to its last bid + the gap. */
  readonly start: number
  readonly end: number
}

const count: AggregateFunction<unknown, number, number> = {
  createAccumulator: () => 0,
  add: (_bid, n) => n + 1,
  getResult: n => n,
  merge: (a, b) => a + b
}

function pipeline(ds: Library, env: QueryEnv): OperatorFunction<NexmarkEvent, BidderSession> {
  return events$ =>
    events$.pipe(
      timestamped(ds, env.config),
      ds.filterValues(isBid),
      ds.keyBy(b => b.bidder),
      ds.windowBy(ds.eventTimeSessionWindows(Q11_GAP)).aggregate<unknown, number, number, BidderSession, number>(count, (bidder, ctx, [n], out) =>
        out.collect({ bidder, bids: n!, start: ctx.window.start, end: ctx.window.end })
      ),
      ds.values()
    )
}

interface Session {
  start: number
  end: number
  bids: number
}

/** A bidder's open sessions (usually one) and the time of its entry in the firing heap. */
interface Bidder {
  sessions: Session[]
  scheduled: number
}

/** q11: bids per bidder per session (gap 10 s). */
export const q11: NexmarkQuery<BidderSession> = {
  id: 'q11',
  title: 'user sessions',
  exercises: 'keyBy + event-time session windows (merging windows) with aggregate and a process window function',
  pipeline,
  hand: (at, size, env, probe, emit) => {
    const bound = env.config.maxDisorder
    const bidders = new Map<number, Bidder>()
    // One entry per bidder: its earliest session end − 1; an entry whose time is not the
    // bidder's `scheduled` any more is stale and skipped.
    const heap = new TimeHeap()
    let maxTs = -Infinity
    let watermark = -Infinity
    const schedule = (id: number, b: Bidder): void => {
      let next = Infinity
      for (const s of b.sessions) if (s.end - 1 < next) next = s.end - 1
      if (next < b.scheduled) {
        b.scheduled = next
        heap.push(next, id)
      }
    }
    const fire = (upTo: number): void => {
      while (heap.size > 0 && heap.peekTime() <= upTo) {
        const time = heap.peekTime()
        const id = heap.peekId()
        heap.pop()
        const b = bidders.get(id)
        if (b === undefined || b.scheduled !== time) continue
        // The open sessions are kept in place: a new list per firing would live until the
        // bidder's next one, seconds of event time, and be promoted to die in the old generation.
        const sessions = b.sessions
        let open = 0
        for (let k = 0; k < sessions.length; k++) {
          const s = sessions[k]!
          if (s.end - 1 <= upTo) emit({ bidder: id, bids: s.bids, start: s.start, end: s.end })
          else sessions[open++] = s
        }
        if (open === 0) bidders.delete(id)
        else {
          sessions.length = open
          b.scheduled = Infinity
          schedule(id, b)
        }
      }
    }
    for (let i = 0; i < size; i++) {
      if ((i & HEAP_SAMPLE_MASK) === 0) probe.sample()
      const e = at(i)
      const ts = e.dateTime
      checkTimestamp(ts)
      if (e.kind === 'bid' && ts + Q11_GAP - 1 > watermark) {
        let b = bidders.get(e.bidder)
        if (b === undefined) bidders.set(e.bidder, (b = { sessions: [], scheduled: Infinity }))
        // Merge [ts, ts + gap) with every session it intersects (touching counts).
        const end = ts + Q11_GAP
        let merged: Session | undefined
        const sessions = b.sessions
        for (let k = 0; k < sessions.length; k++) {
          const s = sessions[k]!
          if (s.start > end || s.end < ts) continue
          if (merged === undefined) {
            merged = s
            if (ts < s.start) s.start = ts
            if (end > s.end) s.end = end
            s.bids++
          } else {
            if (s.start < merged.start) merged.start = s.start
            if (s.end > merged.end) merged.end = s.end
            merged.bids += s.bids
            sessions.splice(k--, 1)
          }
        }
        if (merged === undefined) sessions.push({ start: ts, end, bids: 1 })
        schedule(e.bidder, b)
      }
      if (ts > maxTs) {
        maxTs = ts
        watermark = ts - bound - 1
        if (watermark >= heap.peekTime()) fire(watermark)
      }
    }
    fire(Infinity)
  },
  row: (r, sink) => sink.row(r.bidder, r.start, r.end, r.bids, 0)
}
