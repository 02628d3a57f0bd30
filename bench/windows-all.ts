/**
 * Workload "windows-all" (W3): the click with the highest user id in each 10 s tumbling
 * event-time window over all clicks, one group for the whole stream (Nexmark q7's shape: the
 * highest bid per 10 s). The same clicks, watermark and lateness rules as W1
 * (`windows-tumbling.ts`). Variants:
 *
 * - hand loop:     a Map window start → highest click so far; fires by hand;
 * - ds:            windowAll(tumblingEventTimeWindows(10 s)).reduce(the higher click);
 * - ds-agg:        windowAll(…).aggregate (accumulator: the highest user id so far);
 * - ds-keyed:      keyBy(() => 0), windowBy(…).reduce: the keyed path with one key, the same
 *                  work as `ds`, for comparison;
 * - ds-keyed-agg:  keyBy(() => 0), windowBy(…).aggregate.
 */
import type { AggregateFunction, WatermarkStrategy } from '../src/index'
import type { Event, Feed } from './data'
import { drainSync, HEAP_SAMPLE_MASK, type HeapProbe, indexedSource } from './harness'
import { type Library, type LibraryBuild, perLibrary } from './library'
import {
  CLICKS,
  digestVariants,
  OUT_OF_ORDERNESS,
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

/** The higher click of two (the first on a tie): the reduce function of every variant. */
const higher = (a: Event, b: Event): Event => (b.user > a.user ? b : a)

// -------------------------------------------------------------------------------------
// hand-written loop
// -------------------------------------------------------------------------------------

let handFired = 0

function handLoop(at: (i: number) => Event, size: number, probe: HeapProbe, sink: WindowSink): void {
  /** Open windows: start → highest click so far. */
  const open = new Map<number, Event>()
  let maxTs = -Infinity
  let watermark = -Infinity
  let nextFire = Infinity
  let fired = 0
  const fire = (upTo: number): number => {
    let next = Infinity
    for (const [start, e] of open) {
      const last = start + SIZE - 1
      if (last <= upTo) {
        sink.emit(0, start, e.user, 0)
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
      const before = open.get(start)
      if (before === undefined) {
        open.set(start, e)
        if (last < nextFire) nextFire = last
      } else open.set(start, higher(before, e))
    }
    if (ts > maxTs) {
      maxTs = ts
      watermark = maxTs - OUT_OF_ORDERNESS - 1
      if (watermark >= nextFire) nextFire = fire(watermark)
    }
  }
  fire(Infinity)
  handFired = fired
}

// -------------------------------------------------------------------------------------
// rx-datastream
// -------------------------------------------------------------------------------------

const highestUser: AggregateFunction<Event, number, number> = {
  createAccumulator: () => -1,
  add: (e, max) => (e.user > max ? e.user : max),
  getResult: max => max,
  merge: (a, b) => (a > b ? a : b)
}

type Run = (ds: Library, strategy: WatermarkStrategy<Event>, at: (i: number) => Event, size: number, probe: HeapProbe, sink: WindowSink) => void

// Named functions of their own, so that profiles can select them (`cpuprofile-top.mjs --within rxDatastreamAll`).

function rxDatastreamAll(ds: Library, strategy: WatermarkStrategy<Event>, at: (i: number) => Event, size: number, probe: HeapProbe, sink: WindowSink): void {
  const results = indexedSource(() => at, size, probe).pipe(
    ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }),
    ds.windowAll(ds.tumblingEventTimeWindows(SIZE)).reduce<Event>(higher),
    ds.records()
  )
  drainSync(results, r => sink.emit(0, r.timestamp + 1 - SIZE, r.value.user, 0))
}

function rxDatastreamAllAggregate(ds: Library, strategy: WatermarkStrategy<Event>, at: (i: number) => Event, size: number, probe: HeapProbe, sink: WindowSink): void {
  const results = indexedSource(() => at, size, probe).pipe(
    ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }),
    ds.windowAll(ds.tumblingEventTimeWindows(SIZE)).aggregate<Event, number, number>(highestUser),
    ds.records()
  )
  drainSync(results, r => sink.emit(0, r.timestamp + 1 - SIZE, r.value, 0))
}

function rxDatastreamKeyed(ds: Library, strategy: WatermarkStrategy<Event>, at: (i: number) => Event, size: number, probe: HeapProbe, sink: WindowSink): void {
  const results = indexedSource(() => at, size, probe).pipe(
    ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }),
    ds.keyBy(() => 0),
    ds.windowBy(ds.tumblingEventTimeWindows(SIZE)).reduce<Event, number>(higher),
    ds.records()
  )
  drainSync(results, r => sink.emit(0, r.timestamp + 1 - SIZE, r.value.user, 0))
}

function rxDatastreamKeyedAggregate(ds: Library, strategy: WatermarkStrategy<Event>, at: (i: number) => Event, size: number, probe: HeapProbe, sink: WindowSink): void {
  const results = indexedSource(() => at, size, probe).pipe(
    ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }),
    ds.keyBy(() => 0),
    ds.windowBy(ds.tumblingEventTimeWindows(SIZE)).aggregate<Event, number, number, number>(highestUser),
    ds.records()
  )
  drainSync(results, r => sink.emit(0, r.timestamp + 1 - SIZE, r.value, 0))
}

/** The run function on library `ds`, with a strategy of its own: made by that version, as its users would. */
function onLibrary(ds: Library, run: Run): WindowImpl['run'] {
  const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>(OUT_OF_ORDERNESS).withTimestampAssigner(e => e.ts)
  return (at, size, probe, sink) => run(ds, strategy, at, size, probe, sink)
}

// -------------------------------------------------------------------------------------
// workload
// -------------------------------------------------------------------------------------

const impls = (libs: readonly LibraryBuild[]): WindowImpl[] => [
  { id: 'hand', name: 'hand-written loop', run: handLoop, notes: () => `${handFired} windows fired` },
  ...perLibrary(libs, ds => [
    { id: 'ds', name: 'windowAll reduce', run: onLibrary(ds, rxDatastreamAll) },
    { id: 'ds-agg', name: 'windowAll aggregate', run: onLibrary(ds, rxDatastreamAllAggregate) },
    { id: 'ds-keyed', name: 'keyBy(0) windowBy reduce', run: onLibrary(ds, rxDatastreamKeyed) },
    { id: 'ds-keyed-agg', name: 'keyBy(0) windowBy aggregate', run: onLibrary(ds, rxDatastreamKeyedAggregate) }
  ])
]

export const windowsAll: Workload<WindowDigest> = {
  name: 'windows-all',
  description: 'W3: the highest user id per 10 s tumbling event-time window over all clicks (windowAll, Nexmark q7 shape)',
  data: CLICKS,
  defaultEvents: 2_000_000,
  variants: (feed: Feed<Event>, libs) => digestVariants(impls(libs), feed),
  ratioTo: [{ id: 'hand', label: 'hand' }],
  same: sameDigest,
  show: showDigest('max user', undefined),
  verify: (feed, libs) => verifyExactly(impls(libs), feed)
}
