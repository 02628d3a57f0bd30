/**
 * Workload "windows-sliding" (W2): per page, the number of clicks in 60 s event-time windows
 * sliding by 10 s (each click is in 6 windows), counted through an aggregate. The same clicks,
 * watermark and lateness rules as W1 (`windows-tumbling.ts`): a window fires when the watermark
 * reaches its end − 1; a click is added to each of its windows that has not fired yet. Variants:
 *
 * - hand loop:     the straightforward thing: a Map per open window start → Map page → count,
 *                  each click added to each of its 6 windows' counters;
 * - plain RxJS:    as in W1, with `mergeMap` fanning each click out to its (non-late) windows
 *                  and `count()` per page;
 * - rx-datastream: keyBy(page), windowBy(slidingEventTimeWindows(60 s, 10 s)).aggregate
 *                  (createAccumulator 0, add +1, merge +);
 * - ds-reduce:     the same count as a reduce: keyBy(page), mapValues(() => 1),
 *                  windowBy(slidingEventTimeWindows(60 s, 10 s)).reduce((a, b) => a + b) (one
 *                  stage more than `ds`, the mapValues, fused into the chain);
 * - ds-evictor:    the general window operator with every click kept:
 *                  windowBy(…).evictor(timeEvictor(60 s)).process(the number of elements) (the
 *                  evictor removes none: a window spans 60 s).
 */
import { connect, count, filter, groupBy, map, mergeMap, withLatestFrom } from 'rxjs'
import type { AggregateFunction, WatermarkStrategy } from '../src/index'
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

/** Window length and slide, ms. */
export const SIZE = 60_000
export const SLIDE = 10_000

/** The starts of the windows containing `ts`, latest first (as the sliding assigner orders them). */
function windowStarts(ts: number): number[] {
  const starts: number[] = []
  for (let start = windowStartOf(ts, SLIDE); start > ts - SIZE; start -= SLIDE) starts.push(start)
  return starts
}

// -------------------------------------------------------------------------------------
// hand-written loop
// -------------------------------------------------------------------------------------

let handLate = 0
let handFired = 0

function handLoop(at: (i: number) => Event, size: number, probe: HeapProbe, sink: WindowSink): void {
  /** Open windows: start → page → count. */
  const open = new Map<number, Map<number, number>>()
  let maxTs = -Infinity
  let watermark = -Infinity
  let nextFire = Infinity
  let late = 0
  let fired = 0
  const fire = (upTo: number): number => {
    let next = Infinity
    for (const [start, pages] of open) {
      const last = start + SIZE - 1
      if (last <= upTo) {
        for (const [page, n] of pages) sink.emit(page, start, n, 0)
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
    const page = e.page
    let accepted = false
    for (let start = windowStartOf(ts, SLIDE); start > ts - SIZE; start -= SLIDE) {
      const last = start + SIZE - 1
      if (last <= watermark) continue
      accepted = true
      let pages = open.get(start)
      if (pages === undefined) {
        pages = new Map()
        open.set(start, pages)
        if (last < nextFire) nextFire = last
      }
      pages.set(page, (pages.get(page) ?? 0) + 1)
    }
    if (!accepted) late++
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
    connect(clicks$ => {
      const watermark$ = watermarkOf(clicks$)
      return clicks$.pipe(
        withLatestFrom(watermark$),
        // one (window start, click) pair per window of the click that has not fired yet
        mergeMap(([e, watermark]) => windowStarts(e.ts).filter(start => start + SIZE - 1 > watermark).map(start => ({ start, e }))),
        groupBy(p => p.start, {
          duration: window$ => watermark$.pipe(filter(watermark => watermark >= window$.key + SIZE - 1))
        }),
        mergeMap(window$ =>
          window$.pipe(
            groupBy(p => p.e.page),
            mergeMap(page$ =>
              page$.pipe(
                count(),
                map(n => ({ page: page$.key, start: window$.key, n }))
              )
            )
          )
        )
      )
    })
  )
  drainSync(results, r => sink.emit(r.page, r.start, r.n, 0))
}

// -------------------------------------------------------------------------------------
// rx-datastream
// -------------------------------------------------------------------------------------

const counting: AggregateFunction<Event, number, number> = {
  createAccumulator: () => 0,
  add: (_e, n) => n + 1,
  getResult: n => n,
  merge: (a, b) => a + b
}

/** A named function of its own, so that profiles can select it (`cpuprofile-top.mjs --within rxDatastream`). */
function rxDatastream(
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
    ds.windowBy(ds.slidingEventTimeWindows(SIZE, SLIDE)).aggregate<Event, number, number, number>(counting),
    ds.records()
  )
  drainSync(results, r => sink.emit(r.key, r.timestamp + 1 - SIZE, r.value, 0))
}

/** The count as a reduce of ones (a named function of its own, for profiles). */
function rxDatastreamReduce(
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
    ds.mapValues<Event, number, number>(() => 1),
    ds.windowBy(ds.slidingEventTimeWindows(SIZE, SLIDE)).reduce<number, number>((a, b) => a + b),
    ds.records()
  )
  drainSync(results, r => sink.emit(r.key, r.timestamp + 1 - SIZE, r.value, 0))
}

/** The count as the number of elements, behind a time evictor (a named function of its own, for profiles). */
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
      .windowBy(ds.slidingEventTimeWindows(SIZE, SLIDE))
      .evictor(ds.timeEvictor<Event>(SIZE))
      .process<Event, number, number>((_page, _ctx, clicks, out) => out.collect(clicks.length)),
    ds.records()
  )
  drainSync(results, r => sink.emit(r.key, r.timestamp + 1 - SIZE, r.value, 0))
}

/** The run functions on library `ds`, with a strategy of their own: made by that version, as its users would. */
function onLibrary(ds: Library, run: typeof rxDatastream): WindowImpl['run'] {
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
    { id: 'ds-reduce', name: 'rx-datastream reduce', run: onLibrary(ds, rxDatastreamReduce) },
    { id: 'ds-evictor', name: 'rx-datastream evictor + process', run: onLibrary(ds, rxDatastreamEvictor) }
  ])
]

export const windowsSliding: Workload<WindowDigest> = {
  name: 'windows-sliding',
  description: 'W2: clicks per page per 60 s event-time window sliding by 10 s (aggregate count)',
  data: CLICKS,
  defaultEvents: 2_000_000,
  variants: (feed: Feed<Event>, libs) => digestVariants(impls(libs), feed),
  ratioTo: [
    { id: 'hand', label: 'hand' },
    { id: 'rxjs', label: 'RxJS' }
  ],
  same: sameDigest,
  show: showDigest('count', undefined),
  verify: (feed, libs) => verifyExactly(impls(libs), feed)
}
