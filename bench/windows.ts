/**
 * What the window workloads (`windows-tumbling`, `windows-sliding`) share: the data set, the
 * event-time constants, the result sinks (an order-independent digest for timed runs, a full
 * list for the exact check), and the exact cross-check of the variants run before timing.
 *
 * Every window variant is an {@link WindowImpl}: it reads events `at(0) … at(size − 1)` and
 * reports each fired window to a {@link WindowSink} as `(page, windowStart, a, b)` (W1: pv, uv;
 * W2: count, 0). The timed runs fold the results into a {@link WindowDigest}; nothing is kept, so
 * the peak heap shows the operator's state (the open windows), not a growing result list.
 */
import type { EventOptions, Feed } from './data'
import { eventFeed, type Event } from './data'
import { HeapProbe, type Variant } from './harness'
import type { VerifyReport } from './workload'
import { distinctUntilChanged, map, type Observable, scan, share } from 'rxjs'

// -------------------------------------------------------------------------------------
// data and event time
// -------------------------------------------------------------------------------------

/** The window workloads' clicks: users 0..9999, pages 0..99, disorder up to 500 ms. */
export const CLICKS: EventOptions = { pages: 100, maxDisorder: 500 }

/** The watermark strategy's bound: watermark = max timestamp − OUT_OF_ORDERNESS − 1. */
export const OUT_OF_ORDERNESS = 500

/** Start of the window of length `size` (aligned to the epoch, offset 0) containing `ts`. */
export function windowStartOf(ts: number, size: number): number {
  let r = ts % size
  if (r < 0) r += size
  return ts - r
}

// -------------------------------------------------------------------------------------
// sinks
// -------------------------------------------------------------------------------------

/** Where a variant reports each fired window. */
export interface WindowSink {
  emit(page: number, start: number, a: number, b: number): void
}

/**
 * Order-independent digest of a multiset of results: their number, the sums of `a` and `b`, and
 * the sums of two independent 32-bit hashes of each `(page, start, a, b)` (a 64-bit multiset
 * hash; the sums stay exact doubles below 2^21 results).
 */
export interface WindowDigest {
  readonly windows: number
  readonly sumA: number
  readonly sumB: number
  readonly hash1: number
  readonly hash2: number
}

function mix(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x9e3779b1)
  return h ^ (h >>> 15)
}

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** Folds results into a {@link WindowDigest}; fields, not closure variables (see stateless.ts). */
export class DigestSink implements WindowSink {
  windows = 0
  sumA = 0
  sumB = 0
  hash1 = 0
  hash2 = 0

  emit(page: number, start: number, a: number, b: number): void {
    // start is an integer of up to 53 bits: its low and high 32-bit words.
    const lo = start | 0
    const hi = (start / 4294967296) | 0
    this.windows++
    this.sumA += a
    this.sumB += b
    this.hash1 += fmix(mix(mix(mix(mix(mix(0x2545f491, page), lo), hi), a), b))
    this.hash2 += fmix(mix(mix(mix(mix(mix(0x68e31da4, b), a), hi), lo), page))
  }

  digest(): WindowDigest {
    return { windows: this.windows, sumA: this.sumA, sumB: this.sumB, hash1: this.hash1, hash2: this.hash2 }
  }
}

/** Keeps every result, as text, for the exact comparison. */
export class CollectingSink implements WindowSink {
  readonly rows: string[] = []

  emit(page: number, start: number, a: number, b: number): void {
    this.rows.push(`${page} ${start} ${a} ${b}`)
  }
}

export const sameDigest = (x: WindowDigest, y: WindowDigest): boolean =>
  x.windows === y.windows && x.sumA === y.sumA && x.sumB === y.sumB && x.hash1 === y.hash1 && x.hash2 === y.hash2

export const showDigest =
  (a: string, b: string | undefined) =>
  (d: WindowDigest): string =>
    `${d.windows} windows, Σ${a} ${d.sumA}${b === undefined ? '' : `, Σ${b} ${d.sumB}`}, hash ${d.hash1.toString(16)}/${d.hash2.toString(16)}`

// -------------------------------------------------------------------------------------
// variants
// -------------------------------------------------------------------------------------

/** One way of computing a window workload, writing its results to `sink`. */
export interface WindowImpl {
  readonly id: string
  readonly name: string
  /** Synchronous, or a promise when it needs something made asynchronously first (an LMDB backend). */
  run(at: (i: number) => Event, size: number, probe: HeapProbe, sink: WindowSink): void | Promise<void>
  /** Extra facts of the last run, for the notes column. */
  notes?(): string
}

/** The timed variants: each run folds its results into a fresh {@link DigestSink}. */
export function digestVariants(impls: readonly WindowImpl[], feed: Feed<Event>): Variant<WindowDigest>[] {
  return impls.map(impl => ({
    id: impl.id,
    name: impl.name,
    run: (size: number, probe: HeapProbe) => {
      const sink = new DigestSink()
      const ran = impl.run(feed.open(), size, probe, sink)
      return ran === undefined ? sink.digest() : ran.then(() => sink.digest())
    },
    ...(impl.notes === undefined ? {} : { notes: () => impl.notes!() })
  }))
}

/** At most this many events of the timed feed are checked result by result. */
const EXACT_CHECK_EVENTS = 1_000_000
/** The late-data check: events, and a disorder bound well past the strategy's 500 ms and W2's 60 s windows. */
const LATE_CHECK_EVENTS = 300_000
const LATE_CHECK_DISORDER = 70_000

/**
 * Untimed, before the measurements: runs every implementation with a {@link CollectingSink} on
 * (1) the first ≤ 1,000,000 events of the timed feed and (2) 300,000 events with disorder up to
 * 70 s (past the 500 ms bound and past a 60 s window, so clicks arrive after some or all of their
 * windows fired and must be dropped alike), and compares
 * the sorted result lists exactly with the first implementation's.
 */
export async function verifyExactly(impls: readonly WindowImpl[], feed: Feed<Event>): Promise<VerifyReport> {
  const lines: string[] = []
  let ok = true
  const checks: { label: string; feed: Feed<Event>; size: number }[] = [
    { label: `first ${Math.min(feed.size, EXACT_CHECK_EVENTS).toLocaleString('en-US')} events`, feed, size: Math.min(feed.size, EXACT_CHECK_EVENTS) },
    {
      label: `${LATE_CHECK_EVENTS.toLocaleString('en-US')} events with disorder up to ${LATE_CHECK_DISORDER} ms`,
      feed: eventFeed('array', LATE_CHECK_EVENTS, { ...CLICKS, maxDisorder: LATE_CHECK_DISORDER }),
      size: LATE_CHECK_EVENTS
    }
  ]
  for (const check of checks) {
    let reference: string[] | undefined
    let referenceName = ''
    const facts: string[] = []
    for (const impl of impls) {
      const sink = new CollectingSink()
      await impl.run(check.feed.open(), check.size, new HeapProbe(), sink)
      const rows = sink.rows.sort()
      if (impl.notes !== undefined) facts.push(`${impl.id}: ${impl.notes()}`)
      if (reference === undefined) {
        reference = rows
        referenceName = impl.name
        continue
      }
      const diff = firstDifference(reference, rows)
      if (diff !== undefined) {
        ok = false
        lines.push(`EXACT CHECK FAILED (${check.label}): ${referenceName} vs ${impl.name}: ${diff}`)
      }
    }
    if (ok) lines.push(`exact check (${check.label}): ${reference?.length ?? 0} identical (page, start, …) results in every variant${facts.length > 0 ? `; ${facts.join('; ')}` : ''}`)
  }
  return { ok, lines }
}

export function firstDifference(a: readonly string[], b: readonly string[]): string | undefined {
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return `${a.length} vs ${b.length} results; first difference at sorted row ${i}: "${a[i] ?? '(none)'}" vs "${b[i] ?? '(none)'}"`
  }
  return undefined
}

/**
 * Idiomatic RxJS event time for the plain-RxJS variants: the watermark after each click
 * (highest timestamp so far − OUT_OF_ORDERNESS − 1), emitted when it changes, shared.
 */
export function watermarkOf(clicks$: Observable<Event>): Observable<number> {
  return clicks$.pipe(
    scan((max, e) => (e.ts > max ? e.ts : max), -Infinity),
    map(max => max - OUT_OF_ORDERNESS - 1),
    distinctUntilChanged(),
    share()
  )
}
