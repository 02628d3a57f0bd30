/**
 * Built-in sample data: a deterministic (seeded) day of page views with realistic disorder,
 * so `npm start` needs nothing from outside.
 */

export interface PageView {
  readonly user: string
  readonly page: string
  /** Event time: when the view happened (ms since epoch). */
  readonly ts: number
  readonly device: 'web' | 'app'
}

/** mulberry32: a tiny, good-enough seeded PRNG, so every run sees the same data. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const PAGES = ['/', '/pricing', '/docs', '/docs/windows', '/blog', '/signup']

/**
 * `count` page views starting at `start`, about `spacing` ms apart, each delayed by up to
 * `maxDelay` ms on its way to us (so they arrive out of order), in arrival order. A few
 * (`lateShare`) are delayed much more: they arrive late for any reasonable watermark.
 */
export function samplePageViews({
  count = 2_000,
  start = Date.UTC(2026, 10, 24, 9, 0, 0),
  spacing = 150,
  maxDelay = 2_000,
  lateShare = 0.01,
  seed = 42
} = {}): PageView[] {
  const random = prng(seed)
  const views: { view: PageView; arrival: number }[] = []
  for (let i = 0; i < count; i++) {
    const ts = start + Math.round(i * spacing + random() * spacing)
    const page = PAGES[Math.floor(Math.pow(random(), 1.6) * PAGES.length)]!
    const user = `user-${Math.floor(random() * 300)}`
    const device = random() < 0.35 ? 'app' : 'web'
    const delay = random() < lateShare ? maxDelay * 10 : random() * maxDelay
    views.push({ view: { user, page, ts, device }, arrival: ts + delay })
  }
  return views.sort((a, b) => a.arrival - b.arrival).map(v => v.view)
}
