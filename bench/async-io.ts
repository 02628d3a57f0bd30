/**
 * Workload "async-io": enrich every event from a fake external service that answers after
 * 5 ms, with at most 100 calls in flight. The bound is capacity ÷ latency = 100 / 5 ms =
 * 20,000 events/s; the target is 80 % of it (16,000/s). Every variant calls the same service
 * (which counts the calls in flight) and folds the same enrichment into the same totals:
 *
 * - plain RxJS:                 `mergeMap(e => service.call(e), 100)` (results in completion order);
 * - rx-datastream, ordered:     `assignTimestampsAndWatermarks`, `asyncWait(fn, { capacity: 100 })`
 *                               (results in input order), `values()`;
 * - rx-datastream, unordered:   the same with `ordered: false`.
 *
 * The source is the harness's synchronous one: it pushes every event at once and cannot be
 * paused, so the events that do not fit in the 100 slots wait in a buffer. `mergeMap` buffers
 * them without bound; `asyncWait` is told to (`overflowBuffer: Infinity`, its default is 10,000).
 */
import { mergeMap, type Observable } from 'rxjs'
import type { Event, Feed } from './data'
import { type HeapProbe, indexedSource, type Variant } from './harness'
import { type Library, type LibraryBuild, perLibrary } from './library'
import type { Workload } from './workload'

/** Calls in flight at most (`capacity` / `mergeMap` concurrency). */
export const CAPACITY = 100
/** The fake service's latency, ms. */
export const LATENCY_MS = 5
/** capacity ÷ latency, events per second. */
export const BOUND = (CAPACITY * 1_000) / LATENCY_MS

export interface EnrichTotals {
  readonly count: number
  /** Sum of the enriched values (exact: well below 2^53). */
  readonly sum: number
}

/** What the service answers for an event. */
const enrich = (e: Event): number => e.user * 1_000 + e.page

/** A fake remote service: answers after {@link LATENCY_MS} of real time, counting calls in flight. */
class FakeService {
  inFlight = 0
  maxInFlight = 0
  calls = 0

  readonly call = (e: Event): Promise<number> => {
    this.calls++
    if (++this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight
    return new Promise(resolve =>
      setTimeout(() => {
        this.inFlight--
        resolve(enrich(e))
      }, LATENCY_MS)
    )
  }
}

/** The consumer: fields, not closure variables (see stateless.ts). */
class Totals implements EnrichTotals {
  count = 0
  sum = 0
  readonly add = (v: number): void => {
    this.count++
    this.sum += v
  }
}

/** Subscribes and resolves when the stream completes. */
function drain<T>(source: Observable<T>, onValue: (value: T) => void): Promise<void> {
  return new Promise((resolve, reject) => source.subscribe({ next: onValue, error: reject, complete: resolve }))
}

type Pipeline = (source: Observable<Event>, service: FakeService) => Observable<number>

interface PipelineVariant {
  readonly id: string
  readonly name: string
  readonly pipe: Pipeline
}

/** The rx-datastream pipelines on library `ds` (its own strategy, as a user of that version would make it). */
function dsPipelines(ds: Library): PipelineVariant[] {
  const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>(500).withTimestampAssigner(e => e.ts)
  return [
    {
      id: 'ds',
      name: 'rx-datastream asyncWait, ordered',
      pipe: (source, service) =>
        source.pipe(
          ds.assignTimestampsAndWatermarks(strategy),
          ds.asyncWait((e: Event) => service.call(e), { capacity: CAPACITY, overflowBuffer: Infinity }),
          ds.values()
        )
    },
    {
      id: 'ds-unordered',
      name: 'rx-datastream asyncWait, unordered',
      pipe: (source, service) =>
        source.pipe(
          ds.assignTimestampsAndWatermarks(strategy),
          ds.asyncWait((e: Event) => service.call(e), { capacity: CAPACITY, ordered: false, overflowBuffer: Infinity }),
          ds.values()
        )
    }
  ]
}

const pipelines = (libs: readonly LibraryBuild[]): PipelineVariant[] => [
  {
    id: 'rxjs',
    name: 'plain RxJS mergeMap(…, 100)',
    pipe: (source, service) => source.pipe(mergeMap(service.call, CAPACITY))
  },
  ...perLibrary(libs, dsPipelines)
]

function variants(feed: Feed<Event>, libs: readonly LibraryBuild[]): Variant<EnrichTotals>[] {
  return pipelines(libs).map(p => {
    let last = ''
    return {
      id: p.id,
      name: p.name,
      run: async (size: number, probe: HeapProbe): Promise<EnrichTotals> => {
        const service = new FakeService()
        const totals = new Totals()
        const start = process.hrtime.bigint()
        await drain(p.pipe(indexedSource(() => feed.open(), size, probe), service), totals.add)
        const seconds = Number(process.hrtime.bigint() - start) / 1e9
        // A variant that lost, duplicated or over-parallelised calls would look fast: fail instead.
        if (totals.count !== size || service.calls !== size) throw new Error(`${p.id}: ${service.calls} calls and ${totals.count} results for ${size} events`)
        if (service.maxInFlight > CAPACITY) throw new Error(`${p.id}: ${service.maxInFlight} calls in flight, more than ${CAPACITY}`)
        last = `max ${service.maxInFlight} in flight; ${((size / seconds / BOUND) * 100).toFixed(0)} % of capacity ÷ latency`
        return { count: totals.count, sum: totals.sum }
      },
      notes: () => last
    }
  })
}

export const asyncIo: Workload<EnrichTotals> = {
  name: 'async-io',
  description: `enrich every event from a fake service (${LATENCY_MS} ms latency, ${CAPACITY} calls in flight): mergeMap vs asyncWait ordered and unordered; bound ${BOUND.toLocaleString('en-US')}/s`,
  defaultEvents: 200_000,
  // Latency-bound, not CPU-bound: one warm-up run of 10,000 events (≈ 0.6 s) is plenty.
  defaultWarmupEvents: 10_000,
  variants,
  ratioTo: [{ id: 'rxjs', label: 'mergeMap' }],
  same: (a, b) => a.count === b.count && a.sum === b.sum,
  show: r => `count ${r.count.toLocaleString('en-US')}, Σ enriched ${r.sum.toLocaleString('en-US')}`
}
