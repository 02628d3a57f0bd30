/**
 * Workload "window-join": Nexmark q8 ("new users"): the persons who opened an auction in the
 * same 10 s tumbling event-time window as they registered, by `person.id = auction.seller`,
 * emitting (person id, name, window start) for every such pair. One stream of events, as
 * Nexmark has: one person for every three auctions, event time ≈ 1 ms apart with bounded
 * disorder (90 % of events 0–3 ms late, 10 % up to 300 ms).
 *
 * - Persons get ids 0, 1, 2, … in order; an auction's seller is one of the last 1,000 persons
 *   or one of the next 10 (Nexmark's generator: a seller may register after their auction), so
 *   most auctions meet their seller in the same window and some do not.
 * - Event time, identical in every variant: watermark = max timestamp − 500 − 1, advanced after
 *   each event that raises the maximum (rx-datastream: `autoWatermarkInterval: 0`); a window
 *   `[start, end)` fires when the watermark reaches `end − 1`; an event whose window has fired
 *   is dropped (none in the timed data; the exact check feeds late ones); the end of input
 *   fires the windows still open.
 *
 * Variants, folding every result into the same order-independent digest:
 * - hand:      a hand-written loop: per open window a `Map` from person id to that key's persons
 *              and auctions, fired by hand, the cross product per key at firing;
 * - ds:        the public API as a user of that version writes q8: timestamps assigned once on
 *              the event stream, the stream split into persons and auctions over one
 *              subscription (`splitBy`, or `split` with a side output in a version without it),
 *              `joinWith(auctions$).where(p => p.id).equalTo(a => a.seller)
 *              .window(tumblingEventTimeWindows(10_000)).apply(…)`, `records()`;
 * - ds-split:  the same join fed through `split` and a side output on every version: the same
 *              user code on both sides of `--baseline`, so `ds-split / ds-split@base` is the
 *              join's own before/after;
 * - ds-lmdb:   `ds` with its state on LMDB, default cache (every open window's keys cached);
 *              ds-lmdb-small: a cache of 1,000 values, under half of a window's 2,500 persons
 *              and their sellers (panes are evicted, written back and read again when the
 *              window fires and is cleaned up). Current sources only.
 */
import type { DataStream, OutputTag, StateBackend, WatermarkStrategy } from '../src/index'
import type { LmdbStateBackendOptions } from '../node/lmdbStateBackend'
import { setDefaultStateBackend } from '../src/state/defaultStateBackend'
import { lmdbBackend } from './lmdbBackends'
import { type Event, eventFeed, type Feed } from './data'
import { drainSync, HEAP_SAMPLE_MASK, HeapProbe, indexedSource, type Variant } from './harness'
import { type Library, type LibraryBuild, perLibrary } from './library'
import { OUT_OF_ORDERNESS, windowStartOf } from './windows'
import type { VerifyReport, Workload } from './workload'

// -------------------------------------------------------------------------------------
// data
// -------------------------------------------------------------------------------------

/** Window length, ms. */
export const SIZE = 10_000
/** An auction's seller is one of the last this many persons (Nexmark's `activePeople`)… */
const ACTIVE_PEOPLE = 1_000
/** …or one of the next this many, not registered yet (Nexmark's `PERSON_ID_LEAD`). */
const PERSON_ID_LEAD = 10

export interface Person {
  readonly kind: 'person'
  readonly id: number
  readonly name: string
  readonly ts: number
}

export interface Auction {
  readonly kind: 'auction'
  readonly id: number
  readonly seller: number
  readonly ts: number
}

export type NexmarkEvent = Person | Auction

export const isPerson = (e: NexmarkEvent): e is Person => e.kind === 'person'
export const isAuction = (e: NexmarkEvent): e is Auction => e.kind === 'auction'

const FIRST = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter', 'Ana', 'Ines', 'Omar', 'Mei', 'Ravi']
const LAST = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris', 'Okafor', 'Garcia', 'Tanaka', 'Novak', 'Haddad', 'Silva', 'Berg']
/** 256 names, made once: a person's name is one of these strings. */
const NAMES = FIRST.flatMap(f => LAST.map(l => `${f} ${l}`))

/**
 * Event i of the Nexmark stream, made from event i of the shared seeded feed (data.ts), whose
 * timestamp it keeps: a person when i % 4 = 0, else an auction, whose seller is drawn from the
 * feed's `user` (0..9999).
 */
function nexmarkEvent(i: number, e: Event): NexmarkEvent {
  if ((i & 3) === 0) return { kind: 'person', id: i >> 2, name: NAMES[e.page & 255]!, ts: e.ts }
  const people = (i >> 2) + 1
  const active = people < ACTIVE_PEOPLE ? people : ACTIVE_PEOPLE
  const seller = people - active + (e.user % (active + PERSON_ID_LEAD))
  return { kind: 'auction', id: i - (i >> 2) - 1, seller, ts: e.ts }
}

/** Pre-generated events (array feed, shared by every run), or made on the fly (lazy feed). */
const generated = new WeakMap<Feed<Event>, NexmarkEvent[]>()

function openEvents(feed: Feed<Event>): (i: number) => NexmarkEvent {
  if (feed.kind === 'array') {
    let events = generated.get(feed)
    if (events === undefined) {
      const at = feed.open()
      events = []
      for (let i = 0; i < feed.size; i++) events.push(nexmarkEvent(i, at(i)))
      generated.set(feed, events)
    }
    const all = events
    return i => all[i]!
  }
  const at = feed.open()
  return i => nexmarkEvent(i, at(i))
}

// -------------------------------------------------------------------------------------
// results
// -------------------------------------------------------------------------------------

/** Where a variant reports each joined pair: (person id, name, window start). */
interface JoinSink {
  emit(id: number, name: string, start: number): void
}

export interface JoinDigest {
  readonly pairs: number
  readonly sumId: number
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

/** An order-independent digest of the pairs; fields, not closure variables (see stateless.ts). */
class DigestSink implements JoinSink {
  pairs = 0
  sumId = 0
  hash1 = 0
  hash2 = 0

  emit(id: number, name: string, start: number): void {
    // The name by its length and two of its characters: enough to tell the 256 names apart.
    const n = name.length * 65_536 + name.charCodeAt(0) * 256 + name.charCodeAt(name.length - 1)
    const lo = start | 0
    const hi = (start / 4294967296) | 0
    this.pairs++
    this.sumId += id
    this.hash1 = (this.hash1 + fmix(mix(mix(mix(mix(0x2545f491, id), n), lo), hi))) >>> 0
    this.hash2 = (this.hash2 + fmix(mix(mix(mix(mix(0x68e31da4, hi), lo), n), id))) >>> 0
  }

  digest(): JoinDigest {
    return { pairs: this.pairs, sumId: this.sumId, hash1: this.hash1, hash2: this.hash2 }
  }
}

/** Keeps every pair, as text, for the exact comparison. */
class CollectingSink implements JoinSink {
  readonly rows: string[] = []

  emit(id: number, name: string, start: number): void {
    this.rows.push(`${id} ${name} ${start}`)
  }
}

const same = (a: JoinDigest, b: JoinDigest): boolean => a.pairs === b.pairs && a.sumId === b.sumId && a.hash1 === b.hash1 && a.hash2 === b.hash2
const show = (d: JoinDigest): string => `${d.pairs.toLocaleString('en-US')} pairs, Σid ${d.sumId}, hash ${d.hash1.toString(16)}/${d.hash2.toString(16)}`

// -------------------------------------------------------------------------------------
// hand-written loop
// -------------------------------------------------------------------------------------

/** One key's elements in one window, each side's list made with its first element. */
class Bucket {
  persons: Person[] | undefined = undefined
  auctions: Auction[] | undefined = undefined
}

let handLate = 0
let handFired = 0

function handLoop(at: (i: number) => NexmarkEvent, size: number, probe: HeapProbe, sink: JoinSink): void {
  /** Open windows: start → person id → bucket. */
  const open = new Map<number, Map<number, Bucket>>()
  let maxTs = -Infinity
  let watermark = -Infinity
  /** The smallest `end − 1` of the open windows: the watermark at which the next one fires. */
  let nextFire = Infinity
  let late = 0
  let fired = 0
  const fire = (upTo: number): number => {
    let next = Infinity
    for (const [start, buckets] of open) {
      const last = start + SIZE - 1
      if (last <= upTo) {
        for (const bucket of buckets.values()) {
          const { persons, auctions } = bucket
          if (persons === undefined || auctions === undefined) continue
          for (const p of persons) for (let k = 0; k < auctions.length; k++) sink.emit(p.id, p.name, start)
        }
        open.delete(start)
        fired++
      } else if (last < next) next = last
    }
    return next
  }
  for (let i = 0; i < size; i++) {
    if ((i & HEAP_SAMPLE_MASK) === 0) probe.sample()
    const e = at(i)
    const ts = e.ts
    if (typeof ts !== 'number' || ts - ts !== 0) throw new TypeError(`bad timestamp ${String(ts)}`)
    const start = windowStartOf(ts, SIZE)
    const last = start + SIZE - 1
    if (last > watermark) {
      let buckets = open.get(start)
      if (buckets === undefined) {
        buckets = new Map()
        open.set(start, buckets)
        if (last < nextFire) nextFire = last
      }
      const key = e.kind === 'person' ? e.id : e.seller
      let bucket = buckets.get(key)
      if (bucket === undefined) {
        bucket = new Bucket()
        buckets.set(key, bucket)
      }
      if (e.kind === 'person') {
        if (bucket.persons === undefined) bucket.persons = [e]
        else bucket.persons.push(e)
      } else if (bucket.auctions === undefined) bucket.auctions = [e]
      else bucket.auctions.push(e)
    } else {
      late++
    }
    if (ts > maxTs) {
      maxTs = ts
      watermark = maxTs - OUT_OF_ORDERNESS - 1
      if (watermark >= nextFire) nextFire = fire(watermark)
    }
  }
  fire(Infinity)
  handLate = late
  handFired = fired
}

// -------------------------------------------------------------------------------------
// rx-datastream
// -------------------------------------------------------------------------------------

/** What q8 emits per pair; the window start comes from the result's timestamp (`end − 1`). */
interface NewUser {
  readonly id: number
  readonly name: string
}

const newUser = (p: Person, _a: Auction): NewUser => ({ id: p.id, name: p.name })

/**
 * The events split into persons and auctions with `split`: persons on the main output, auctions
 * on a side output, routed by a process function (what a version without `splitBy` offers).
 */
function splitWithSideOutput(ds: Library, auctionsTag: OutputTag<Auction>, events$: DataStream<NexmarkEvent>): readonly [DataStream<Person>, DataStream<Auction>] {
  const routed = events$.pipe(
    ds.processElements<NexmarkEvent, Person>({
      processElement: (e, ctx, out) => (e.kind === 'person' ? out.collect(e) : ctx.output(auctionsTag, e))
    })
  )
  const { main$, side } = ds.split(routed, auctionsTag)
  return [main$, side(auctionsTag)]
}

function timestamped(ds: Library, strategy: WatermarkStrategy<NexmarkEvent>, at: (i: number) => NexmarkEvent, size: number, probe: HeapProbe): DataStream<NexmarkEvent> {
  return indexedSource(() => at, size, probe).pipe(ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }))
}

/** A named function of its own, so that profiles can select it (`cpuprofile-top.mjs --within rxDatastream`). */
function rxDatastream(
  ds: Library,
  how: 'splitBy' | 'split',
  strategy: WatermarkStrategy<NexmarkEvent>,
  auctionsTag: OutputTag<Auction>,
  at: (i: number) => NexmarkEvent,
  size: number,
  probe: HeapProbe,
  sink: JoinSink
): void {
  const events$ = timestamped(ds, strategy, at, size, probe)
  const [persons$, auctions$] =
    how === 'splitBy' ? (ds as unknown as SplitByLibrary).splitBy(events$, isPerson, isAuction) : splitWithSideOutput(ds, auctionsTag, events$)
  const results = persons$.pipe(
    ds
      .joinWith(auctions$)
      .where((p: Person) => p.id)
      .equalTo(a => a.seller)
      .window(ds.tumblingEventTimeWindows(SIZE))
      .apply(newUser),
    ds.records()
  )
  drainSync(results, r => sink.emit(r.value.id, r.value.name, r.timestamp + 1 - SIZE))
}

/** The `splitBy` of a library that has one (not every version the bench can be compared with does). */
interface SplitByLibrary {
  splitBy(events$: DataStream<NexmarkEvent>, persons: typeof isPerson, auctions: typeof isAuction): readonly [DataStream<Person>, DataStream<Auction>]
}

const hasSplitBy = (ds: Library): boolean => typeof (ds as unknown as Partial<SplitByLibrary>).splitBy === 'function'

/** The run function on library `ds`, with a strategy of its own: made by that version, as its users would. */
function onLibrary(ds: Library, how: 'splitBy' | 'split'): JoinImpl['run'] {
  const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(OUT_OF_ORDERNESS).withTimestampAssigner(e => e.ts)
  const auctionsTag = new ds.OutputTag<Auction>('auctions')
  return (at, size, probe, sink) => rxDatastream(ds, how, strategy, auctionsTag, at, size, probe, sink)
}

/**
 * `ds` on LMDB: joins take no backend of their own, so the run makes `backend` the default of
 * the operators it builds (as a job's backend would be), and puts the heap's back after.
 */
function rxDatastreamLmdb(ds: Library, backend: StateBackend, at: (i: number) => NexmarkEvent, size: number, probe: HeapProbe, sink: JoinSink): void {
  const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(OUT_OF_ORDERNESS).withTimestampAssigner(e => e.ts)
  setDefaultStateBackend(backend)
  try {
    rxDatastream(ds, 'splitBy', strategy, new ds.OutputTag<Auction>('auctions'), at, size, probe, sink)
  } finally {
    setDefaultStateBackend(undefined)
  }
}

/** The LMDB variants (current sources only: the baseline copy is compiled from src/ alone). */
function lmdbImpls(ds: Library): JoinImpl[] {
  const onLmdb =
    (id: string, options: LmdbStateBackendOptions): JoinImpl['run'] =>
    async (at, size, probe, sink) =>
      rxDatastreamLmdb(ds, await lmdbBackend(id, options), at, size, probe, sink)
  return [
    { id: 'ds-lmdb', name: 'rx-datastream splitBy + joinWith, LMDB (default cache)', run: onLmdb('q8-ds-lmdb', {}) },
    { id: 'ds-lmdb-small', name: `rx-datastream splitBy + joinWith, LMDB (cache of ${LMDB_SMALL_CACHE.toLocaleString('en-US')})`, run: onLmdb('q8-ds-lmdb-small', { cacheSize: LMDB_SMALL_CACHE }) }
  ]
}

/** Under half of a window's persons and sellers: panes go through evictions and reads from the store. */
const LMDB_SMALL_CACHE = 1_000

// -------------------------------------------------------------------------------------
// workload
// -------------------------------------------------------------------------------------

interface JoinImpl {
  readonly id: string
  readonly name: string
  run(at: (i: number) => NexmarkEvent, size: number, probe: HeapProbe, sink: JoinSink): void | Promise<void>
  notes?(): string
}

const impls = (libs: readonly LibraryBuild[]): JoinImpl[] => [
  { id: 'hand', name: 'hand-written loop', run: handLoop, notes: () => `${handFired} windows fired, ${handLate} late events dropped` },
  ...perLibrary(libs, ds => [
    hasSplitBy(ds)
      ? { id: 'ds', name: 'rx-datastream splitBy + joinWith', run: onLibrary(ds, 'splitBy') }
      : { id: 'ds', name: 'rx-datastream split + joinWith', run: onLibrary(ds, 'split') },
    { id: 'ds-split', name: 'rx-datastream split + joinWith', run: onLibrary(ds, 'split') }
  ]),
  ...libs.filter(l => l.idSuffix === '').flatMap(l => lmdbImpls(l.lib))
]

function variants(feed: Feed<Event>, libs: readonly LibraryBuild[]): Variant<JoinDigest>[] {
  return impls(libs).map(impl => ({
    id: impl.id,
    name: impl.name,
    run: (size: number, probe: HeapProbe) => {
      const sink = new DigestSink()
      const ran = impl.run(openEvents(feed), size, probe, sink)
      return ran === undefined ? sink.digest() : ran.then(() => sink.digest())
    },
    ...(impl.notes === undefined ? {} : { notes: () => impl.notes!() })
  }))
}

/** At most this many events of the timed feed are checked pair by pair. */
const EXACT_CHECK_EVENTS = 1_000_000
/** The late-data check: events, and a disorder bound well past the strategy's 500 ms and the 10 s windows. */
const LATE_CHECK_EVENTS = 300_000
const LATE_CHECK_DISORDER = 30_000

/**
 * Untimed, before the measurements: every variant on (1) the first ≤ 1,000,000 events of the
 * timed feed and (2) 300,000 events with disorder up to 30 s, where events arrive after their
 * window fired and must be dropped alike; the sorted lists of pairs must be identical.
 */
async function verify(feed: Feed<Event>, libs: readonly LibraryBuild[]): Promise<VerifyReport> {
  const lines: string[] = []
  let ok = true
  const checks = [
    { label: `first ${Math.min(feed.size, EXACT_CHECK_EVENTS).toLocaleString('en-US')} events`, feed, size: Math.min(feed.size, EXACT_CHECK_EVENTS) },
    {
      label: `${LATE_CHECK_EVENTS.toLocaleString('en-US')} events with disorder up to ${LATE_CHECK_DISORDER} ms`,
      feed: eventFeed('array', LATE_CHECK_EVENTS, { maxDisorder: LATE_CHECK_DISORDER }),
      size: LATE_CHECK_EVENTS
    }
  ]
  for (const check of checks) {
    let reference: string[] | undefined
    let referenceName = ''
    let passed = true
    const facts: string[] = []
    for (const impl of impls(libs)) {
      const sink = new CollectingSink()
      await impl.run(openEvents(check.feed), check.size, new HeapProbe(), sink)
      const rows = sink.rows.sort()
      if (impl.notes !== undefined) facts.push(`${impl.id}: ${impl.notes()}`)
      if (reference === undefined) {
        reference = rows
        referenceName = impl.name
        continue
      }
      const diff = firstDifference(reference, rows)
      if (diff !== undefined) {
        passed = false
        lines.push(`EXACT CHECK FAILED (${check.label}): ${referenceName} vs ${impl.name}${impl.id.includes('@') ? ` (${impl.id})` : ''}: ${diff}`)
      }
    }
    if (passed) lines.push(`exact check (${check.label}): ${reference?.length ?? 0} identical (id, name, start) pairs in every variant${facts.length > 0 ? `; ${facts.join('; ')}` : ''}`)
    ok &&= passed
  }
  return { ok, lines }
}

function firstDifference(a: readonly string[], b: readonly string[]): string | undefined {
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return `${a.length} vs ${b.length} pairs; first difference at sorted row ${i}: "${a[i] ?? '(none)'}" vs "${b[i] ?? '(none)'}"`
  }
  return undefined
}

export const windowJoin: Workload<JoinDigest> = {
  name: 'window-join',
  description: 'Nexmark q8: persons ⋈ auctions (person.id = auction.seller) per 10 s tumbling event-time window, one event stream (1 person : 3 auctions)',
  defaultEvents: 1_000_000,
  variants,
  ratioTo: [{ id: 'hand', label: 'hand' }],
  same,
  show,
  verify
}
