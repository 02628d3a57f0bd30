/**
 * Workload "windows-tumbling" (W1): per page, page views (count) and unique visitors (distinct
 * users) per 10 s tumbling event-time window. Watermark = max timestamp − 500 − 1, advanced after
 * every record that raises the maximum; a window fires when the watermark reaches its end − 1; a
 * record whose window has already fired is dropped (none are in the timed data, whose disorder
 * stays within the 500 ms bound; the exact check before timing feeds late records too). The
 * end of input fires the windows still open. Variants:
 *
 * - hand loop:     a Map per open window start → Map page → {pv, Set of users}; fires by hand;
 * - plain RxJS:    what an RxJS user would write: the watermark as a shared stream (scan max),
 *                  `withLatestFrom` to drop late clicks, `groupBy(window start)` closed by a
 *                  duration on the watermark, `groupBy(page)` and `reduce` inside each window;
 * - rx-datastream: assignTimestampsAndWatermarks(forBoundedOutOfOrderness(500), interval 0),
 *                  keyBy(page), windowBy(tumblingEventTimeWindows(10 s)).aggregate, records();
 * - ds-process:    the same with `.process` over the window's elements (the general window
 *                  operator: every click is kept until its window fires);
 * - ds-evictor:    `.evictor(timeEvictor(10 s)).process`: every click kept with its timestamp, the
 *                  evictor scanning them at each firing (it removes none: a window spans 10 s);
 * - ds-lmdb:       the rx-datastream pipeline with its state on LMDB, default cache (every page
 *                  cached); ds-lmdb-evict: a cache of 50 values, half of the pages; ds-lmdb-tiny:
 *                  a cache of 10, a tenth (sliced panes are evicted, written back and read again);
 * - ds-process-lmdb, ds-process-lmdb-evict: ds-process on LMDB, the same two caches: a window's
 *                  clicks per page in the cache and store, evicted, written back and read again
 *                  with the small one. Current sources only.
 */
import * as t from 'io-ts'
import { connect, filter, groupBy, map, mergeMap, reduce, withLatestFrom } from 'rxjs'
import type { AggregateFunction, StateBackend, WatermarkStrategy } from '../src/index'
import type { LmdbStateBackendOptions } from '../node/lmdbStateBackend'
import { lmdbBackend } from './lmdbBackends'
import type { Event, Feed } from './data'
import { drainSync, HEAP_SAMPLE_MASK, type HeapProbe, indexedSource } from './harness'
import { type Library, type LibraryBuild, perLibrary } from './library'
import {
  CLICKS,
  digestVariants,
  OUT_OF_ORDERNESS,
  watermarkOf,
  sameDigest,
  showDigest,
  verifyExactly,
  type WindowDigest,
  type WindowImpl,
  type WindowSink,
  windowStartOf
} from './windows'
import type { Workload } from './workload'

/** Window length, ms. */
export const SIZE = 10_000

/** The per-page, per-window accumulator of every variant. */
export interface PvUv {
  pv: number
  readonly users: Set<number>
}

// The same functions in every variant.
const newPvUv = (): PvUv => ({ pv: 0, users: new Set<number>() })
const addClick = (acc: PvUv, e: Event): PvUv => {
  acc.pv++
  acc.users.add(e.user)
  return acc
}

// -------------------------------------------------------------------------------------
// hand-written loop
// -------------------------------------------------------------------------------------

let handLate = 0
let handFired = 0

export function handLoop(at: (i: number) => Event, size: number, probe: HeapProbe, sink: WindowSink): void {
  /** Open windows: start → page → accumulator. */
  const open = new Map<number, Map<number, PvUv>>()
  let maxTs = -Infinity
  let watermark = -Infinity
  /** The smallest `end − 1` of the open windows: the watermark at which the next one fires. */
  let nextFire = Infinity
  let late = 0
  let fired = 0
  const fire = (upTo: number): number => {
    let next = Infinity
    for (const [start, pages] of open) {
      const last = start + SIZE - 1
      if (last <= upTo) {
        for (const [page, acc] of pages) sink.emit(page, start, acc.pv, acc.users.size)
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
      let pages = open.get(start)
      if (pages === undefined) {
        pages = new Map()
        open.set(start, pages)
        if (last < nextFire) nextFire = last
      }
      let acc = pages.get(e.page)
      if (acc === undefined) {
        acc = newPvUv()
        pages.set(e.page, acc)
      }
      addClick(acc, e)
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
// plain RxJS
// -------------------------------------------------------------------------------------

function plainRxjs(at: (i: number) => Event, size: number, probe: HeapProbe, sink: WindowSink): void {
  const results = indexedSource(() => at, size, probe).pipe(
    // connect: subscribe everything below to one shared pass over the source, then start it.
    connect(clicks$ => {
      const watermark$ = watermarkOf(clicks$)
      return clicks$.pipe(
        // The watermark including this click: equivalent for lateness, as a click that raises
        // the maximum is never late.
        withLatestFrom(watermark$),
        filter(([e, watermark]) => windowStartOf(e.ts, SIZE) + SIZE - 1 > watermark),
        map(([e]) => e),
        groupBy(e => windowStartOf(e.ts, SIZE), {
          duration: window$ => watermark$.pipe(filter(watermark => watermark >= window$.key + SIZE - 1))
        }),
        mergeMap(window$ =>
          window$.pipe(
            groupBy(e => e.page),
            mergeMap(page$ =>
              page$.pipe(
                reduce(addClick, newPvUv()),
                map(acc => ({ page: page$.key, start: window$.key, pv: acc.pv, uv: acc.users.size }))
              )
            )
          )
        )
      )
    })
  )
  drainSync(results, r => sink.emit(r.page, r.start, r.pv, r.uv))
}

// -------------------------------------------------------------------------------------
// rx-datastream
// -------------------------------------------------------------------------------------

export const pvUv: AggregateFunction<Event, PvUv, { pv: number; uv: number }> = {
  createAccumulator: newPvUv,
  add: (e, acc) => addClick(acc, e),
  getResult: acc => ({ pv: acc.pv, uv: acc.users.size }),
  merge: (a, b) => {
    for (const u of b.users) a.users.add(u)
    a.pv += b.pv
    return a
  }
}

/** PV and UV's users as a list in snapshots (a `Set` is not JSON); the running accumulators stay Sets. */
const PvUvJson = t.type({ pv: t.number, users: t.array(t.number) })
const PvUvCodec = new t.Type<PvUv, { pv: number; users: number[] }, unknown>(
  'PvUv',
  (u): u is PvUv => typeof u === 'object' && u !== null && (u as Partial<PvUv>).users instanceof Set,
  (u, c) => {
    const decoded = PvUvJson.validate(u, c)
    return decoded._tag === 'Left' ? decoded : t.success({ pv: decoded.right.pv, users: new Set(decoded.right.users) })
  },
  acc => ({ pv: acc.pv, users: [...acc.users] })
)

/** W1's aggregate with the codec its state needs to be checkpointed; the same functions otherwise. */
export const pvUvCheckpointed: AggregateFunction<Event, PvUv, { pv: number; uv: number }> = { ...pvUv, accumulatorCodec: PvUvCodec }

/** A named function of its own, so that profiles can select it (`cpuprofile-top.mjs --within rxDatastream`). */
export function rxDatastream(
  ds: Library,
  strategy: WatermarkStrategy<Event>,
  at: (i: number) => Event,
  size: number,
  probe: HeapProbe,
  sink: WindowSink
): void {
  const results = indexedSource(() => at, size, probe).pipe(
    ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }),
    ds.keyBy(e => e.page),
    ds.windowBy(ds.tumblingEventTimeWindows(SIZE)).aggregate<Event, PvUv, { pv: number; uv: number }, number>(pvUv),
    ds.records()
  )
  drainSync(results, r => sink.emit(r.key, r.timestamp + 1 - SIZE, r.value.pv, r.value.uv))
}

/** PV and UV of a window's clicks, for `process`. */
const pvUvOfElements = (_page: number, _ctx: unknown, clicks: readonly Event[], out: { collect(r: { pv: number; uv: number }): void }): void => {
  const acc = newPvUv()
  for (const e of clicks) addClick(acc, e)
  out.collect({ pv: acc.pv, uv: acc.users.size })
}

/** `process` over the elements (named functions of their own, for profiles). */
function rxDatastreamProcess(
  ds: Library,
  strategy: WatermarkStrategy<Event>,
  at: (i: number) => Event,
  size: number,
  probe: HeapProbe,
  sink: WindowSink
): void {
  const results = indexedSource(() => at, size, probe).pipe(
    ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }),
    ds.keyBy(e => e.page),
    ds.windowBy(ds.tumblingEventTimeWindows(SIZE)).process<Event, { pv: number; uv: number }, number>(pvUvOfElements),
    ds.records()
  )
  drainSync(results, r => sink.emit(r.key, r.timestamp + 1 - SIZE, r.value.pv, r.value.uv))
}

/** `process` behind a time evictor. */
function rxDatastreamEvictor(
  ds: Library,
  strategy: WatermarkStrategy<Event>,
  at: (i: number) => Event,
  size: number,
  probe: HeapProbe,
  sink: WindowSink
): void {
  const results = indexedSource(() => at, size, probe).pipe(
    ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }),
    ds.keyBy(e => e.page),
    ds
      .windowBy(ds.tumblingEventTimeWindows(SIZE))
      .evictor(ds.timeEvictor<Event>(SIZE))
      .process<Event, { pv: number; uv: number }, number>(pvUvOfElements),
    ds.records()
  )
  drainSync(results, r => sink.emit(r.key, r.timestamp + 1 - SIZE, r.value.pv, r.value.uv))
}

/**
 * The `ds` pipeline with its state on LMDB (`lmdbStateBackend` from rx-datastream/node): the
 * sliced panes in the backend's cache and store, the accumulators through the codec a store
 * needs (a `Set` of users is not JSON). A named function of its own, for profiles.
 */
function rxDatastreamLmdb(
  ds: Library,
  strategy: WatermarkStrategy<Event>,
  at: (i: number) => Event,
  size: number,
  probe: HeapProbe,
  sink: WindowSink,
  stateBackend: StateBackend
): void {
  const results = indexedSource(() => at, size, probe).pipe(
    ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }),
    ds.keyBy(e => e.page),
    ds.windowBy(ds.tumblingEventTimeWindows(SIZE), { stateBackend }).aggregate<Event, PvUv, { pv: number; uv: number }, number>(pvUvCheckpointed),
    ds.records()
  )
  drainSync(results, r => sink.emit(r.key, r.timestamp + 1 - SIZE, r.value.pv, r.value.uv))
}

/** `process` over the elements on LMDB: the general operator's window contents (every click) in the cache and store. */
function rxDatastreamProcessLmdb(
  ds: Library,
  strategy: WatermarkStrategy<Event>,
  at: (i: number) => Event,
  size: number,
  probe: HeapProbe,
  sink: WindowSink,
  stateBackend: StateBackend
): void {
  const results = indexedSource(() => at, size, probe).pipe(
    ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }),
    ds.keyBy(e => e.page),
    ds.windowBy(ds.tumblingEventTimeWindows(SIZE), { stateBackend }).process<Event, { pv: number; uv: number }, number>(pvUvOfElements),
    ds.records()
  )
  drainSync(results, r => sink.emit(r.key, r.timestamp + 1 - SIZE, r.value.pv, r.value.uv))
}

/** The LMDB variants (current sources only: the baseline copy is compiled from src/ alone). */
function lmdbImpls(ds: Library): WindowImpl[] {
  const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>(OUT_OF_ORDERNESS).withTimestampAssigner(e => e.ts)
  const onLmdb =
    (id: string, options: LmdbStateBackendOptions, run: typeof rxDatastreamLmdb = rxDatastreamLmdb): WindowImpl['run'] =>
    async (at, size, probe, sink) =>
      run(ds, strategy, at, size, probe, sink, await lmdbBackend(id, options))
  return [
    { id: 'ds-lmdb', name: 'rx-datastream, LMDB (default cache)', run: onLmdb('w1-ds-lmdb', {}) },
    { id: 'ds-lmdb-evict', name: `rx-datastream, LMDB (cache of ${LMDB_SMALL_CACHE})`, run: onLmdb('w1-ds-lmdb-evict', { cacheSize: LMDB_SMALL_CACHE }) },
    { id: 'ds-lmdb-tiny', name: `rx-datastream, LMDB (cache of ${LMDB_TINY_CACHE})`, run: onLmdb('w1-ds-lmdb-tiny', { cacheSize: LMDB_TINY_CACHE }) },
    { id: 'ds-process-lmdb', name: 'rx-datastream process, LMDB (default cache)', run: onLmdb('w1-ds-process-lmdb', {}, rxDatastreamProcessLmdb) },
    {
      id: 'ds-process-lmdb-evict',
      name: `rx-datastream process, LMDB (cache of ${LMDB_SMALL_CACHE})`,
      run: onLmdb('w1-ds-process-lmdb-evict', { cacheSize: LMDB_SMALL_CACHE }, rxDatastreamProcessLmdb)
    }
  ]
}

/** Half of the pages: every window's keys go through evictions and reads from the store. */
const LMDB_SMALL_CACHE = 50
/** A tenth of the pages: most clicks find their page's panes evicted. */
const LMDB_TINY_CACHE = 10

/** The run functions on library `ds`, with a strategy of their own: made by that version, as its users would. */
export function onLibrary(ds: Library, run: typeof rxDatastream): WindowImpl['run'] {
  const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>(OUT_OF_ORDERNESS).withTimestampAssigner(e => e.ts)
  return (at, size, probe, sink) => run(ds, strategy, at, size, probe, sink)
}

// -------------------------------------------------------------------------------------
// workload
// -------------------------------------------------------------------------------------

const impls = (libs: readonly LibraryBuild[]): WindowImpl[] => [
  { id: 'hand', name: 'hand-written loop', run: handLoop, notes: () => `${handFired} windows fired, ${handLate} late clicks dropped` },
  { id: 'rxjs', name: 'plain RxJS (groupBy + duration)', run: plainRxjs },
  ...perLibrary(libs, ds => [
    { id: 'ds', name: 'rx-datastream', run: onLibrary(ds, rxDatastream) },
    { id: 'ds-process', name: 'rx-datastream process', run: onLibrary(ds, rxDatastreamProcess) },
    { id: 'ds-evictor', name: 'rx-datastream evictor + process', run: onLibrary(ds, rxDatastreamEvictor) }
  ]),
  ...libs.filter(l => l.idSuffix === '').flatMap(l => lmdbImpls(l.lib))
]

export const windowsTumbling: Workload<WindowDigest> = {
  name: 'windows-tumbling',
  description: 'W1: PV and UV per page per 10 s tumbling event-time window (watermark max ts − 501)',
  data: CLICKS,
  defaultEvents: 2_000_000,
  variants: (feed: Feed<Event>, libs) => digestVariants(impls(libs), feed),
  ratioTo: [
    { id: 'hand', label: 'hand' },
    { id: 'rxjs', label: 'RxJS' }
  ],
  same: sameDigest,
  show: showDigest('pv', 'uv'),
  verify: (feed, libs) => verifyExactly(impls(libs), feed)
}
