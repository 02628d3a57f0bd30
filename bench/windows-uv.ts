/**
 * Workloads "uv-w1" and "uv-large": W1 (PV and UV per page per tumbling event-time window,
 * `windows-tumbling.ts`) with the unique visitors counted exactly (a `Set` of users per page and
 * window) and approximately (a `HyperLogLog` sketch of precision 14 per page and window), each
 * by a hand-written loop and by rx-datastream. The event time, watermark and lateness rules are
 * W1's.
 *
 * - `uv-w1`:    W1's data: 100 pages, 10,000 users, 10 s windows (about 100 distinct users per
 *               page and window: sketches stay sparse);
 * - `uv-large`: 10 pages, 1,000,000 users, 10 min windows (about 55,000 distinct users per page
 *               and window: dense sketches of 16 KiB, against Sets of 55,000 numbers).
 *
 * Variants:
 *
 * - hand:       the hand loop of W1 (a Map per open window start → Map page → {pv, Set});
 * - hand-hll:   the same loop with a `HyperLogLog` instead of the Set;
 * - ds:         keyBy(page), windowBy(tumbling).aggregate(PV and exact UV), as W1's `ds`;
 * - ds-hll:     the same with PV and `approximateDistinctCount(e => e.user)` in one aggregate.
 *
 * The variants must agree on the windows and their page views exactly; the approximate ones on
 * every UV with each other, and with the exact ones within the sketch's error. The untimed check
 * before timing compares every window's UV with the exact count and reports the largest error.
 *
 * Memory: a sketch's registers or sparse table are typed arrays, whose bytes V8 keeps outside
 * the JS heap (beyond 64 bytes), so the peak and live heap columns miss them; `hand-hll`'s notes
 * give their largest total (the operator's sketches are the same size).
 */
import type { AggregateFunction, HyperLogLog, WatermarkStrategy } from '../src/index'
import { HyperLogLog as CurrentHyperLogLog } from '../src/index'
import type { Event, EventOptions, Feed } from './data'
import { drainSync, HEAP_SAMPLE_MASK, HeapProbe, indexedSource, type Variant } from './harness'
import { type Library, type LibraryBuild, perLibrary } from './library'
import { CLICKS, CollectingSink, OUT_OF_ORDERNESS, type WindowImpl, type WindowSink, windowStartOf } from './windows'
import type { VerifyReport, Workload } from './workload'

/** The sketches' precision: the default, 0.81 % standard error. */
const PRECISION = 14

// -------------------------------------------------------------------------------------
// accumulators
// -------------------------------------------------------------------------------------

/** A per-page, per-window accumulator: page views and the unique visitors counted somehow. */
interface Counting<U> {
  pv: number
  readonly users: U
}

/** How a variant counts users: a Set, or a sketch. */
interface Users<U> {
  create(): U
  add(users: U, user: number): void
  count(users: U): number
  /** Bytes held outside the JS heap (a sketch's typed arrays), which the heap figures miss. */
  bytes?(users: U): number
}

const exactUsers: Users<Set<number>> = {
  create: () => new Set<number>(),
  add: (users, user) => void users.add(user),
  count: users => users.size
}

const sketchUsers = (make: () => HyperLogLog): Users<HyperLogLog> => ({
  create: make,
  add: (users, user) => void users.add(user),
  count: users => users.estimate(),
  bytes: users => users.storedBytes()
})

// -------------------------------------------------------------------------------------
// hand-written loop
// -------------------------------------------------------------------------------------

/**
 * W1's hand loop (`windows-tumbling.ts`), over windows of `windowSize` ms and any way of counting
 * users. With `users.bytes`, `outside.peak` gets the most bytes the open accumulators held
 * outside the JS heap, summed before each firing (when the most windows are open).
 */
function handLoop<U>(windowSize: number, users: Users<U>, outside = { peak: 0 }): WindowImpl['run'] {
  const bytes = users.bytes
  return (at, size, probe, sink) => {
    /** Open windows: start → page → accumulator. */
    const open = new Map<number, Map<number, Counting<U>>>()
    let maxTs = -Infinity
    let watermark = -Infinity
    let nextFire = Infinity
    outside.peak = 0
    const fire = (upTo: number): number => {
      if (bytes !== undefined) {
        let total = 0
        for (const pages of open.values()) for (const acc of pages.values()) total += bytes(acc.users)
        if (total > outside.peak) outside.peak = total
      }
      let next = Infinity
      for (const [start, pages] of open) {
        const last = start + windowSize - 1
        if (last <= upTo) {
          for (const [page, acc] of pages) sink.emit(page, start, acc.pv, users.count(acc.users))
          open.delete(start)
        } else if (last < next) next = last
      }
      return next
    }
    for (let i = 0; i < size; i++) {
      if ((i & HEAP_SAMPLE_MASK) === 0) probe.sample()
      const e = at(i)
      const ts = e.ts
      if (typeof ts !== 'number' || ts - ts !== 0) throw new TypeError(`bad timestamp ${String(ts)}`)
      const start = windowStartOf(ts, windowSize)
      const last = start + windowSize - 1
      if (last > watermark) {
        let pages = open.get(start)
        if (pages === undefined) {
          pages = new Map()
          open.set(start, pages)
          if (last < nextFire) nextFire = last
        }
        let acc = pages.get(e.page)
        if (acc === undefined) {
          acc = { pv: 0, users: users.create() }
          pages.set(e.page, acc)
        }
        acc.pv++
        users.add(acc.users, e.user)
      }
      if (ts > maxTs) {
        maxTs = ts
        watermark = maxTs - OUT_OF_ORDERNESS - 1
        if (watermark >= nextFire) nextFire = fire(watermark)
      }
    }
    fire(Infinity)
  }
}

// -------------------------------------------------------------------------------------
// rx-datastream
// -------------------------------------------------------------------------------------

interface PvUv {
  readonly pv: number
  readonly uv: number
}

/** PV and exact UV: W1's aggregate. */
const exactPvUv: AggregateFunction<Event, Counting<Set<number>>, PvUv> = {
  createAccumulator: () => ({ pv: 0, users: new Set<number>() }),
  add: (e, acc) => {
    acc.pv++
    acc.users.add(e.user)
    return acc
  },
  getResult: acc => ({ pv: acc.pv, uv: acc.users.size }),
  merge: (a, b) => {
    for (const u of b.users) a.users.add(u)
    a.pv += b.pv
    return a
  }
}

/** PV and approximate UV, as a user would write it: a count beside the library's aggregate. */
function approximatePvUv(ds: Library): AggregateFunction<Event, Counting<HyperLogLog>, PvUv> {
  const uv = ds.approximateDistinctCount((e: Event) => e.user, { precision: PRECISION })
  return {
    createAccumulator: () => ({ pv: 0, users: uv.createAccumulator() }),
    add: (e, acc) => {
      acc.pv++
      uv.add(e, acc.users)
      return acc
    },
    getResult: acc => ({ pv: acc.pv, uv: uv.getResult(acc.users) }),
    merge: (a, b) => ({ pv: a.pv + b.pv, users: uv.merge(a.users, b.users) })
  }
}

/** A named function of its own, so that profiles can select it. */
function rxDatastreamUv<ACC>(
  ds: Library,
  windowSize: number,
  aggregate: AggregateFunction<Event, ACC, PvUv>,
  strategy: WatermarkStrategy<Event>,
  at: (i: number) => Event,
  size: number,
  probe: HeapProbe,
  sink: WindowSink
): void {
  const results = indexedSource(() => at, size, probe).pipe(
    ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }),
    ds.keyBy(e => e.page),
    ds.windowBy(ds.tumblingEventTimeWindows(windowSize)).aggregate<Event, ACC, PvUv, number>(aggregate),
    ds.records()
  )
  drainSync(results, r => sink.emit(r.key, r.timestamp + 1 - windowSize, r.value.pv, r.value.uv))
}

function onLibrary<ACC>(ds: Library, windowSize: number, aggregate: AggregateFunction<Event, ACC, PvUv>): WindowImpl['run'] {
  const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>(OUT_OF_ORDERNESS).withTimestampAssigner(e => e.ts)
  return (at, size, probe, sink) => rxDatastreamUv(ds, windowSize, aggregate, strategy, at, size, probe, sink)
}

// -------------------------------------------------------------------------------------
// results
// -------------------------------------------------------------------------------------

/**
 * What a run computed, order-independently: the windows and their page views exactly (count,
 * sum and a multiset hash of `(page, start, pv)`), and the sum of the UVs, which the approximate
 * variants estimate.
 */
export interface UvDigest {
  readonly windows: number
  readonly sumPv: number
  readonly pvHash: number
  readonly sumUv: number
  /** Whether the UVs are estimates. */
  readonly approximate: boolean
}

function mix(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x9e3779b1)
  return h ^ (h >>> 15)
}

class UvDigestSink implements WindowSink {
  windows = 0
  sumPv = 0
  pvHash = 0
  sumUv = 0

  emit(page: number, start: number, pv: number, uv: number): void {
    this.windows++
    this.sumPv += pv
    this.sumUv += uv
    this.pvHash = (this.pvHash + (mix(mix(mix(0x2545f491, page), start | 0), pv) >>> 0)) % 4294967296
  }
}

/** The approximate variants' summed UV may differ from the exact one by this fraction (far beyond the sketch's error). */
const SUM_TOLERANCE = 0.01

const sameUv = (x: UvDigest, y: UvDigest): boolean =>
  x.windows === y.windows &&
  x.sumPv === y.sumPv &&
  x.pvHash === y.pvHash &&
  (x.approximate === y.approximate ? x.sumUv === y.sumUv : Math.abs(x.sumUv - y.sumUv) <= SUM_TOLERANCE * Math.max(x.sumUv, y.sumUv))

const showUv = (d: UvDigest): string =>
  `${d.windows} windows, ΣPV ${d.sumPv}, ΣUV ${d.sumUv}${d.approximate ? ' (estimated)' : ''}, PV hash ${d.pvHash.toString(16)}`

// -------------------------------------------------------------------------------------
// workloads
// -------------------------------------------------------------------------------------

interface UvImpl extends WindowImpl {
  readonly approximate: boolean
}

function impls(libs: readonly LibraryBuild[], windowSize: number): UvImpl[] {
  const sketchBytes = { peak: 0 }
  return [
    { id: 'hand', name: 'hand-written loop, exact UV (Set)', approximate: false, run: handLoop(windowSize, exactUsers) },
    {
      id: 'hand-hll',
      name: 'hand-written loop, HyperLogLog',
      approximate: true,
      run: handLoop(windowSize, sketchUsers(() => new CurrentHyperLogLog(PRECISION)), sketchBytes),
      notes: () => `sketches: at most ${(sketchBytes.peak / 1024).toFixed(0)} KiB of typed arrays (outside the heap figures)`
    },
    ...perLibrary(libs, ds => [
      { id: 'ds', name: 'rx-datastream, exact UV (Set)', approximate: false, run: onLibrary(ds, windowSize, exactPvUv) },
      { id: 'ds-hll', name: 'rx-datastream, approximateDistinctCount', approximate: true, run: onLibrary(ds, windowSize, approximatePvUv(ds)) }
    ])
  ]
}

function variants(feed: Feed<Event>, libs: readonly LibraryBuild[], windowSize: number): Variant<UvDigest>[] {
  return impls(libs, windowSize).map(impl => ({
    id: impl.id,
    name: impl.name,
    run: (size: number, probe: HeapProbe) => {
      const sink = new UvDigestSink()
      impl.run(feed.open(), size, probe, sink)
      return { windows: sink.windows, sumPv: sink.sumPv, pvHash: sink.pvHash, sumUv: sink.sumUv, approximate: impl.approximate }
    },
    ...(impl.notes === undefined ? {} : { notes: () => impl.notes!() })
  }))
}

/** At most this many events are checked window by window. */
const CHECK_EVENTS = 1_000_000

/**
 * Untimed, before the measurements: every variant on the first ≤ 1,000,000 events, window by
 * window. The exact variants must agree exactly, the approximate ones must agree exactly with
 * each other (the same sketches, by hand or in the operator) and on the windows and page views
 * with the exact ones; reported: the approximate UVs' error against the exact counts (largest,
 * root mean square, in standard errors), and how many are exact.
 */
function verify(feed: Feed<Event>, libs: readonly LibraryBuild[], windowSize: number): VerifyReport {
  const size = Math.min(feed.size, CHECK_EVENTS)
  const rows = new Map<string, { approximate: boolean; rows: string[][] }>()
  for (const impl of impls(libs, windowSize)) {
    const sink = new CollectingSink()
    impl.run(feed.open(), size, new HeapProbe(), sink)
    rows.set(impl.id, { approximate: impl.approximate, rows: sink.rows.sort().map(r => r.split(' ')) })
  }
  const lines: string[] = []
  let ok = true
  const exact = rows.get('hand')!.rows
  const standardError = 1.04 / Math.sqrt(2 ** PRECISION)
  for (const [id, { approximate, rows: got }] of rows) {
    if (id === 'hand') continue
    if (got.length !== exact.length) {
      ok = false
      lines.push(`UV CHECK FAILED: ${id} has ${got.length} windows, hand ${exact.length}`)
      continue
    }
    let worst = 0
    let squares = 0
    let equal = 0
    for (let i = 0; i < got.length; i++) {
      const [page, start, pv, uv] = got[i]!
      const [xPage, xStart, xPv, xUv] = exact[i]!
      if (page !== xPage || start !== xStart || pv !== xPv || (!approximate && uv !== xUv)) {
        ok = false
        lines.push(`UV CHECK FAILED: ${id}, window ${i}: ${got[i]!.join(' ')} against ${exact[i]!.join(' ')}`)
        break
      }
      const error = (Number(uv) - Number(xUv)) / Number(xUv) / standardError
      if (Math.abs(error) > Math.abs(worst)) worst = error
      squares += error * error
      if (uv === xUv) equal++
    }
    if (approximate && Math.abs(worst) > 5) {
      ok = false
      lines.push(`UV CHECK FAILED: ${id}: an estimate is ${worst.toFixed(2)} standard errors off`)
    }
    lines.push(
      approximate
        ? `uv check (${id}, first ${size.toLocaleString('en-US')} events): ${got.length} windows, PV exact; UV exact in ${equal}, largest error ${worst.toFixed(2)} standard errors (${(worst * standardError * 100).toFixed(3)} %), root mean square ${Math.sqrt(squares / got.length).toFixed(2)}`
        : `uv check (${id}, first ${size.toLocaleString('en-US')} events): ${got.length} windows, identical to the hand loop's`
    )
  }
  const sketched = rows.get('hand-hll')?.rows
  for (const [id, { approximate, rows: got }] of rows) {
    if (!approximate || id === 'hand-hll' || sketched === undefined) continue
    const same = got.length === sketched.length && got.every((r, i) => r.join(' ') === sketched[i]!.join(' '))
    if (!same) {
      ok = false
      lines.push(`UV CHECK FAILED: ${id} does not give the hand loop's sketches' estimates`)
    }
  }
  return { ok, lines }
}

function uvWorkload(name: string, description: string, data: EventOptions, windowSize: number): Workload<UvDigest> {
  return {
    name,
    description,
    data,
    defaultEvents: 2_000_000,
    variants: (feed, libs) => variants(feed, libs, windowSize),
    ratioTo: [
      { id: 'hand', label: 'hand' },
      { id: 'ds', label: 'ds exact' }
    ],
    same: sameUv,
    show: showUv,
    verify: (feed, libs) => verify(feed, libs, windowSize)
  }
}

export const uvWorkloads: readonly Workload<UvDigest>[] = [
  uvWorkload('uv-w1', 'W1 with exact and approximate UV: 100 pages, 10,000 users, 10 s windows', CLICKS, 10_000),
  uvWorkload('uv-large', 'PV and UV, exact and approximate: 10 pages, 1,000,000 users, 10 min windows', { ...CLICKS, pages: 10, users: 1_000_000 }, 600_000)
]
