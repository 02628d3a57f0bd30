/**
 * Workload "stateless": the per-record cost of a stateless chain. Every variant does the same
 * work on the same events (extract the timestamp, map, filter, consume) and must compute the
 * same count and checksum:
 *
 * - hand loop:            a for-loop (timestamp check + max timestamp tracked, map, filter, sum);
 * - plain RxJS:           source.pipe(map, filter);
 * - rx-datastream:        source.pipe(assignTimestampsAndWatermarks(bounded 500 ms), mapValues,
 *                         filterValues, values()) with the default 200 ms periodic watermarks
 *                         (no tick fires during a synchronous burst: records only);
 * - rx-datastream, wm/rec: the same with `autoWatermarkInterval: 0`, a watermark after every
 *                         record that advances it (about one record in two here).
 */
import { filter, map } from 'rxjs'
import type { AssignTimestampsAndWatermarksOptions, WatermarkStrategy } from '../src/index'
import type { Event, Feed } from './data'
import { drainSync, HEAP_SAMPLE_MASK, HeapProbe, indexedSource, type Variant } from './harness'
import { type Library, type LibraryBuild, perLibrary } from './library'
import type { Workload } from './workload'

export interface Totals {
  readonly count: number
  /** Sum of the mapped values that passed the filter (exact: well below 2^53). */
  readonly checksum: number
}

/**
 * The consumer of the Rx variants. Counting into fields of an object, not into closure
 * variables: V8 boxes a double stored in a closure (context) variable, allocating 16 bytes on
 * every update once the checksum leaves the small-integer range, while a double field is
 * updated in place. (The hand loop's locals live in registers.)
 */
class Accumulator implements Totals {
  count = 0
  checksum = 0
  readonly add = (v: number): void => {
    this.count++
    this.checksum += v
  }
  totals(): Totals {
    return { count: this.count, checksum: this.checksum }
  }
}

// The same functions in every variant.
const timestampOf = (e: Event): number => e.ts
/** A page-view id: user × 1000 + page (pages < 1000). */
const mapFn = (e: Event): number => e.user * 1_000 + e.page
/** Keeps 4 in 5. */
const keep = (v: number): boolean => v % 5 !== 0

/** Keeps the hand loop's max timestamp observable, so it is not optimised away. */
export let handLoopMaxTimestamp = -Infinity

function rxDatastream(
  ds: Library,
  strategy: WatermarkStrategy<Event>,
  feed: Feed<Event>,
  size: number,
  probe: HeapProbe,
  options: AssignTimestampsAndWatermarksOptions
): Totals {
  const acc = new Accumulator()
  drainSync(
    indexedSource(feed.open, size, probe).pipe(
      ds.assignTimestampsAndWatermarks(strategy, options),
      ds.mapValues(mapFn),
      ds.filterValues(keep),
      ds.values()
    ),
    acc.add
  )
  return acc.totals()
}

/** Untimed: what flows out of assignTimestampsAndWatermarks. */
function elementsOut(
  ds: Library,
  strategy: WatermarkStrategy<Event>,
  feed: Feed<Event>,
  size: number,
  options: AssignTimestampsAndWatermarksOptions
): string {
  let records = 0
  let watermarks = 0
  let other = 0
  drainSync(indexedSource(feed.open, size, new HeapProbe()).pipe(ds.assignTimestampsAndWatermarks(strategy, options)), e => {
    if (e._tag === 'Record') records++
    else if (e._tag === 'Watermark') watermarks++
    else other++
  })
  const m = (n: number): string => `${(n / 1e6).toFixed(2)}M`
  return `assign emits ${m(records)} records + ${m(watermarks)} watermarks${other > 0 ? ` + ${other} other` : ''}`
}

function dsVariants(ds: Library, feed: Feed<Event>): Variant<Totals>[] {
  // Made by the library it is given to, as a user of that version would.
  const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>(500).withTimestampAssigner(timestampOf)
  return [
    {
      id: 'ds',
      name: 'rx-datastream (wm every 200 ms)',
      run: (size, probe) => rxDatastream(ds, strategy, feed, size, probe, {}),
      notes: size => elementsOut(ds, strategy, feed, size, {})
    },
    {
      id: 'ds-wm0',
      name: 'rx-datastream (wm per record, interval 0)',
      run: (size, probe) => rxDatastream(ds, strategy, feed, size, probe, { autoWatermarkInterval: 0 }),
      notes: size => elementsOut(ds, strategy, feed, size, { autoWatermarkInterval: 0 })
    }
  ]
}

function variants(feed: Feed<Event>, libs: readonly LibraryBuild[]): Variant<Totals>[] {
  return [
    {
      id: 'hand',
      name: 'hand-written loop',
      run: (size, probe) => {
        const at = feed.open()
        let count = 0
        let checksum = 0
        let maxTs = -Infinity
        for (let i = 0; i < size; i++) {
          if ((i & HEAP_SAMPLE_MASK) === 0) probe.sample()
          const e = at(i)
          const ts = timestampOf(e)
          if (typeof ts !== 'number' || ts - ts !== 0) throw new TypeError(`bad timestamp ${String(ts)}`)
          if (ts > maxTs) maxTs = ts
          const v = mapFn(e)
          if (keep(v)) {
            count++
            checksum += v
          }
        }
        handLoopMaxTimestamp = maxTs
        return { count, checksum }
      }
    },
    {
      id: 'rxjs',
      name: 'plain RxJS',
      run: (size, probe) => {
        const acc = new Accumulator()
        drainSync(indexedSource(feed.open, size, probe).pipe(map(mapFn), filter(keep)), acc.add)
        return acc.totals()
      }
    },
    ...perLibrary(libs, ds => dsVariants(ds, feed))
  ]
}

export const stateless: Workload<Totals> = {
  name: 'stateless',
  description: 'extract timestamp → map → filter → consume (per-record cost of a stateless chain)',
  variants,
  ratioTo: [
    { id: 'rxjs', label: 'RxJS' },
    { id: 'hand', label: 'hand' }
  ],
  same: (a, b) => a.count === b.count && a.checksum === b.checksum,
  show: r => `count ${r.count}, checksum ${r.checksum}`
}
