/**
 * Deterministic benchmark data: seeded events with event timestamps about 1 ms apart and
 * bounded disorder. No `Math.random`: every run, and every variant, sees the same events.
 */

/** The event every workload consumes. */
export interface Event {
  readonly user: number
  readonly page: number
  /** Event time, ms since the epoch (a realistic magnitude: a double, not a small integer). */
  readonly ts: number
}

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface EventOptions {
  readonly seed?: number
  /** Event time of event 0. */
  readonly start?: number
  /** The disorder bound: an event is at most this many ms older than its position says. */
  readonly maxDisorder?: number
  readonly users?: number
  readonly pages?: number
}

export const DEFAULT_EVENTS: Required<EventOptions> = {
  seed: 0x5eed,
  start: Date.UTC(2026, 0, 1),
  maxDisorder: 300,
  users: 10_000,
  pages: 1_000
}

/**
 * A lazy cursor over the event sequence: `next()` makes event i (i = 0, 1, …) on demand, a
 * fresh object each time, as a parser or a network source would. Two cursors with the same
 * options yield identical sequences.
 */
export class EventCursor {
  private readonly random: () => number
  private i = 0
  private readonly o: Required<EventOptions>

  constructor(options: EventOptions = {}) {
    this.o = { ...DEFAULT_EVENTS, ...options }
    this.random = mulberry32(this.o.seed)
  }

  next(): Event {
    const r = this.random
    const o = this.o
    const user = Math.floor(r() * o.users)
    const page = Math.floor(r() * o.pages)
    // Most events are nearly in order (0–3 ms late), one in ten up to maxDisorder ms late.
    const delay = r() < 0.9 ? Math.floor(r() * 4) : Math.floor(r() * (o.maxDisorder + 1))
    const ts = o.start + this.i++ - delay
    return { user, page, ts }
  }
}

/** The first `n` events, pre-generated (a packed array). */
export function generateEvents(n: number, options: EventOptions = {}): Event[] {
  const cursor = new EventCursor(options)
  const events: Event[] = []
  for (let i = 0; i < n; i++) events.push(cursor.next())
  return events
}

/**
 * Where a variant's events come from. `open()` starts a fresh pass and returns `at(i)`, to be
 * called with i = 0, 1, 2, … in order:
 * - `array`: all events are generated once up front and shared; `at` only indexes, so the
 *   figures show the pipeline's own cost;
 * - `lazy`: each pass regenerates the same events on demand (a fresh object per event, as a
 *   parser would), so the source's own cost and allocation are part of every figure.
 */
export interface Feed<T> {
  readonly kind: 'array' | 'lazy'
  readonly size: number
  open(): (i: number) => T
}

export function eventFeed(kind: 'array' | 'lazy', size: number, options: EventOptions = {}): Feed<Event> {
  if (kind === 'array') {
    const events = generateEvents(size, options)
    return { kind, size, open: () => (i: number) => events[i]! }
  }
  return {
    kind,
    size,
    open: () => {
      const cursor = new EventCursor(options)
      return () => cursor.next()
    }
  }
}
