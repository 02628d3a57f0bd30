/**
 * A deterministic clickstream: the same seed gives the same clicks, so runs, specs and the
 * recorded sample agree. Shaped like real traffic where it matters to the PV/UV job:
 *
 * - pages are skewed (a few pages get most views: Zipf-like weights), users too (a few come
 *   back often);
 * - users come in sessions: a visit of a few views a few seconds to a minute apart, then a
 *   pause of minutes to hours before the user's next visit;
 * - clicks reach us out of order (each delayed by up to `maxDelay` ms on its way), and a small
 *   share (`lateShare`) much later than any watermark allows: late data.
 *
 * Clicks are returned in arrival order, as a source would deliver them.
 */

/** One page view. */
export interface Click {
  readonly user: string
  readonly page: string
  /** Event time: when the view happened, ms since the epoch. */
  readonly ts: number
}

export interface ClickstreamOptions {
  /** How many clicks. */
  readonly count?: number
  /** Event time of the first visit, ms since the epoch. */
  readonly start?: number
  readonly users?: number
  /** A new visit starts every `visitEvery` ms on average. */
  readonly visitEvery?: number
  /** Largest delay on the way for ordinary clicks, ms: the disorder a watermark must allow. */
  readonly maxDelay?: number
  /** Share of clicks delayed by minutes instead: late for any reasonable watermark. */
  readonly lateShare?: number
  readonly seed?: number
}

export const PAGES = ['/', '/pricing', '/docs', '/docs/windows', '/docs/state', '/docs/checkpoints', '/blog', '/blog/event-time', '/signup', '/login', '/about', '/careers']

/** mulberry32: a small seeded generator with a good spread. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Picks index i of `n` with weight 1 / (i + 1)^s (Zipf-like). */
function zipf(n: number, s: number, random: () => number): () => number {
  const weights = Array.from({ length: n }, (_, i) => 1 / Math.pow(i + 1, s))
  const total = weights.reduce((a, b) => a + b, 0)
  const cumulative: number[] = []
  let sum = 0
  for (const w of weights) cumulative.push((sum += w / total))
  return () => {
    const r = random()
    const i = cumulative.findIndex(c => r <= c)
    return i < 0 ? n - 1 : i
  }
}

/** The clicks, in arrival order. */
export function clickstream({
  count = 5_000,
  start = Date.UTC(2026, 11, 1, 9, 0, 0),
  users = 400,
  visitEvery = 2_500,
  maxDelay = 5_000,
  lateShare = 0.01,
  seed = 2026
}: ClickstreamOptions = {}): Click[] {
  const random = seeded(seed)
  const page = zipf(PAGES.length, 1.1, random)
  const user = zipf(users, 0.8, random)
  const events: Array<{ readonly click: Click; readonly arrival: number }> = []
  let visitAt = start
  while (events.length < count) {
    // A visit: 1 to 8 views, 2 to 60 s apart, of the same user.
    visitAt += Math.round(-Math.log(1 - random()) * visitEvery)
    const who = `u${user()}`
    const views = 1 + Math.floor(random() * random() * 8)
    let ts = visitAt
    for (let v = 0; v < views && events.length < count; v++) {
      const click = { user: who, page: PAGES[page()]!, ts }
      const late = random() < lateShare
      const delay = late ? 5 * 60_000 + Math.floor(random() * 10 * 60_000) : Math.floor(random() * maxDelay)
      events.push({ click, arrival: ts + delay })
      ts += 2_000 + Math.floor(random() * 58_000)
    }
  }
  // Stable: clicks arriving at the same moment keep their generation order.
  return events
    .map((e, i) => ({ ...e, i }))
    .sort((a, b) => a.arrival - b.arrival || a.i - b.i)
    .map(e => e.click)
}
