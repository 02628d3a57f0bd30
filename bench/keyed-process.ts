/**
 * Workload "keyed-process": a running count per key, the smallest keyed-state function. Every
 * event emits its user's count so far (1 for the user's first event, 2 for the second, …); the
 * consumer folds the emitted counts into a checksum. Every variant reads the same events and must
 * compute the same count, sum and order-sensitive hash of the emitted counts:
 *
 * - hand loop:      a for-loop over a `Map<number, number>` (user → count);
 * - plain RxJS:     the keyed-stream idiom, as in the window workloads: `groupBy(user)` and a
 *                   `scan` counter in each group (`mergeMap`), one group per user;
 * - plain RxJS, scan over a Map: one `scan` whose accumulator holds the `Map` (the hand loop's
 *                   data structure inside one operator);
 * - rx-datastream:  assignTimestampsAndWatermarks(bounded 500 ms, default 200 ms interval: no
 *                   tick fires during a synchronous burst, so records only), keyBy(user),
 *                   keyedProcess with a `valueState` counter, values();
 * - rx-datastream, own Map: the same pipeline, the counts in a `Map` the function keeps itself
 *                   (keyed by `ctx.getCurrentKey()`) instead of keyed state: what the pipeline
 *                   costs without the state backend;
 * - rx-datastream on LMDB: the `ds` pipeline with the state on disk (`lmdbStateBackend` from
 *                   rx-datastream/node), with its default cache (half of the keys: the cache's
 *                   misses and write-backs are what is measured) and with a cache of every key
 *                   (the store's cost without misses). Current sources only: the baseline copy
 *                   is compiled from src/ alone.
 *
 * Data: 5,000,000 events over 100,000 users (the seeded events of data.ts with `users: 100_000`),
 * so every user has ≈ 50 events spread over the whole run and almost no two consecutive events
 * share a key: every event switches the current key.
 */
import * as t from 'io-ts'
import { groupBy, map, mergeMap, scan } from 'rxjs'
import type { KeyedProcessFunction } from '../src/index'
import type { LmdbStateBackendOptions } from '../node/lmdbStateBackend'
import { lmdbBackend } from './lmdbBackends'
import { type Event, type EventOptions, eventFeed, type Feed } from './data'
import { drainSync, HEAP_SAMPLE_MASK, HeapProbe, indexedSource, type Variant } from './harness'
import { type Library, type LibraryBuild, perLibrary } from './library'
import type { VerifyReport, Workload } from './workload'

/** Keys (users) of the workload's data. */
export const USERS = 100_000
/** The workload's data set: {@link USERS} users, the rest as data.ts's defaults. */
export const KEYED: EventOptions = { users: USERS }

export interface CountTotals {
  /** Emitted counts (one per event). */
  readonly count: number
  /** Their sum: Σ over users of n(n + 1)/2 (exact: well below 2^53). */
  readonly sum: number
  /** An order-sensitive 32-bit hash of the emitted counts, in emission order. */
  readonly hash: number
}

/**
 * The consumer of every variant, hand loop included. Fields, not closure variables (see
 * stateless.ts: V8 boxes a double stored into a closure variable).
 */
class Checksum implements CountTotals {
  count = 0
  sum = 0
  hash = 0
  readonly add = (n: number): void => {
    this.count++
    this.sum += n
    this.hash = (Math.imul(this.hash, 31) + n) | 0
  }
  totals(): CountTotals {
    return { count: this.count, sum: this.sum, hash: this.hash >>> 0 }
  }
}

// The same functions in every variant.
const userOf = (e: Event): number => e.user

/** One way of computing the workload, folding every emitted count into `sink`. */
interface CountImpl {
  readonly id: string
  readonly name: string
  run(at: (i: number) => Event, size: number, probe: HeapProbe, sink: Checksum): void | Promise<void>
  /** Extra facts of the last run, for the notes column. */
  notes?(): string
}

// -------------------------------------------------------------------------------------
// hand-written loop
// -------------------------------------------------------------------------------------

/** Keys of the hand loop's last run, for the notes column. */
let handKeys = 0

function handLoop(at: (i: number) => Event, size: number, probe: HeapProbe, sink: Checksum): void {
  const counts = new Map<number, number>()
  for (let i = 0; i < size; i++) {
    if ((i & HEAP_SAMPLE_MASK) === 0) probe.sample()
    const user = userOf(at(i))
    const n = (counts.get(user) ?? 0) + 1
    counts.set(user, n)
    sink.add(n)
  }
  handKeys = counts.size
}

// -------------------------------------------------------------------------------------
// plain RxJS
// -------------------------------------------------------------------------------------

/** The keyed-stream idiom: a group per user, a `scan` counter in each. */
function rxjsGroupBy(at: (i: number) => Event, size: number, probe: HeapProbe, sink: Checksum): void {
  drainSync(
    indexedSource(() => at, size, probe).pipe(
      groupBy(userOf),
      mergeMap(user$ => user$.pipe(scan(n => n + 1, 0)))
    ),
    sink.add
  )
}

/** The accumulator of {@link rxjsScan}: the counts and the count of the last event. */
interface Counts {
  readonly counts: Map<number, number>
  last: number
}

/** One `scan` over a `Map`, made per subscription (`scan`'s seed is shared by subscriptions). */
function rxjsScan(at: (i: number) => Event, size: number, probe: HeapProbe, sink: Checksum): void {
  drainSync(
    indexedSource(() => at, size, probe).pipe(
      scan(
        (acc: Counts, e: Event) => {
          const user = userOf(e)
          const n = (acc.counts.get(user) ?? 0) + 1
          acc.counts.set(user, n)
          acc.last = n
          return acc
        },
        { counts: new Map<number, number>(), last: 0 }
      ),
      map(acc => acc.last)
    ),
    sink.add
  )
}

// -------------------------------------------------------------------------------------
// rx-datastream
// -------------------------------------------------------------------------------------

/** Diagnostic: the counts in the function's own `Map` (one per subscription: a factory). */
const countPerUserInMap = (): KeyedProcessFunction<number, Event, number> => {
  const counts = new Map<number, number>()
  return {
    processElement: (_e, ctx, out) => {
      const user = ctx.getCurrentKey()
      const n = (counts.get(user) ?? 0) + 1
      counts.set(user, n)
      out.collect(n)
    }
  }
}

/** The strategy and the counting function on library `ds`, made with its own state descriptor, as a user of that version would. */
function countingOn(ds: Library): { readonly strategy: ReturnType<typeof ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>>; readonly countPerUser: KeyedProcessFunction<number, Event, number> } {
  const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>(500).withTimestampAssigner(e => e.ts)
  const count = ds.valueState('count', t.number, 0)
  const countPerUser: KeyedProcessFunction<number, Event, number> = {
    processElement: (_e, ctx, out) => {
      const s = ctx.state(count)
      const n = (s.value() ?? 0) + 1
      s.update(n)
      out.collect(n)
    }
  }
  return { strategy, countPerUser }
}

/** The rx-datastream variants on library `ds`. */
function dsImpls(ds: Library): CountImpl[] {
  const { strategy, countPerUser } = countingOn(ds)

  const rxDatastream =
    (fn: KeyedProcessFunction<number, Event, number> | (() => KeyedProcessFunction<number, Event, number>)): CountImpl['run'] =>
    (at, size, probe, sink) =>
      drainSync(
        indexedSource(() => at, size, probe).pipe(
          ds.assignTimestampsAndWatermarks(strategy),
          ds.keyBy(userOf),
          ds.keyedProcess(fn),
          ds.values()
        ),
        sink.add
      )

  return [
    { id: 'ds', name: 'rx-datastream', run: rxDatastream(countPerUser) },
    { id: 'ds-map', name: 'rx-datastream, own Map (no state)', run: rxDatastream(countPerUserInMap) }
  ]
}

/** The `ds` pipeline with its state on LMDB: the current sources only (see the file's comment). */
function lmdbImpls(ds: Library): CountImpl[] {
  const { strategy, countPerUser } = countingOn(ds)
  const onLmdb =
    (id: string, options: LmdbStateBackendOptions): CountImpl['run'] =>
    async (at, size, probe, sink) => {
      const stateBackend = await lmdbBackend(id, options)
      drainSync(
        indexedSource(() => at, size, probe).pipe(
          ds.assignTimestampsAndWatermarks(strategy),
          ds.keyBy(userOf),
          ds.keyedProcess(countPerUser, { stateBackend }),
          ds.values()
        ),
        sink.add
      )
    }
  return [
    { id: 'ds-lmdb', name: 'rx-datastream, LMDB (default cache)', run: onLmdb('ds-lmdb', {}) },
    { id: 'ds-lmdb-all', name: `rx-datastream, LMDB (cache of ${(2 * USERS).toLocaleString('en-US')})`, run: onLmdb('ds-lmdb-all', { cacheSize: 2 * USERS }) }
  ]
}

// -------------------------------------------------------------------------------------
// workload
// -------------------------------------------------------------------------------------

const impls = (libs: readonly LibraryBuild[]): CountImpl[] => [
  { id: 'hand', name: 'hand-written loop (Map)', run: handLoop, notes: () => `${handKeys.toLocaleString('en-US')} keys` },
  { id: 'rxjs', name: 'plain RxJS (groupBy + scan)', run: rxjsGroupBy },
  { id: 'rxjs-scan', name: 'plain RxJS (scan over a Map)', run: rxjsScan },
  ...perLibrary(libs, dsImpls),
  ...libs.filter(l => l.idSuffix === '').flatMap(l => lmdbImpls(l.lib))
]

function variants(feed: Feed<Event>, libs: readonly LibraryBuild[]): Variant<CountTotals>[] {
  return impls(libs).map(impl => ({
    id: impl.id,
    name: impl.name,
    run: (size: number, probe: HeapProbe) => {
      const sink = new Checksum()
      const ran = impl.run(feed.open(), size, probe, sink)
      return ran === undefined ? sink.totals() : ran.then(() => sink.totals())
    },
    ...(impl.notes === undefined ? {} : { notes: () => impl.notes!() })
  }))
}

/**
 * The expected totals, computed without a `Map`: the running counts in a typed array indexed
 * by user (users are 0 … users − 1), folded the same way.
 */
function reference(at: (i: number) => Event, size: number, users: number): CountTotals {
  const counts = new Int32Array(users)
  const sink = new Checksum()
  for (let i = 0; i < size; i++) sink.add(++counts[at(i).user]!)
  return sink.totals()
}

/** At most this many events of the timed feed are checked against the reference. */
const CHECK_EVENTS = 1_000_000
/**
 * The few-keys check: one event in seven has the previous event's key (the key stays current
 * across records), against one in 100,000 in the timed data.
 */
const FEW_KEYS_EVENTS = 300_000
const FEW_KEYS_USERS = 7

const same = (a: CountTotals, b: CountTotals): boolean => a.count === b.count && a.sum === b.sum && a.hash === b.hash
const show = (r: CountTotals): string => `count ${r.count}, Σ counts ${r.sum}, hash ${r.hash.toString(16)}`

/**
 * Untimed, before the measurements: every variant on (1) the first ≤ 1,000,000 events of the
 * timed feed and (2) 300,000 events over 7 users (one event in seven keeps the previous event's
 * key), compared with {@link reference}: the same number of counts, the same sum, and the same
 * order-sensitive hash of the whole emitted sequence.
 */
async function verify(feed: Feed<Event>, libs: readonly LibraryBuild[]): Promise<VerifyReport> {
  const lines: string[] = []
  let ok = true
  const checks = [
    { label: `first ${Math.min(feed.size, CHECK_EVENTS).toLocaleString('en-US')} events`, feed, size: Math.min(feed.size, CHECK_EVENTS), users: USERS },
    {
      label: `${FEW_KEYS_EVENTS.toLocaleString('en-US')} events over ${FEW_KEYS_USERS} users`,
      feed: eventFeed('array', FEW_KEYS_EVENTS, { users: FEW_KEYS_USERS }),
      size: FEW_KEYS_EVENTS,
      users: FEW_KEYS_USERS
    }
  ]
  for (const check of checks) {
    const expected = reference(check.feed.open(), check.size, check.users)
    let passed = true
    for (const impl of impls(libs)) {
      const sink = new Checksum()
      await impl.run(check.feed.open(), check.size, new HeapProbe(), sink)
      const actual = sink.totals()
      if (!same(expected, actual)) {
        passed = false
        lines.push(`CHECK FAILED (${check.label}): expected ${show(expected)}, ${impl.name} computed ${show(actual)}`)
      }
    }
    if (passed) lines.push(`check (${check.label}): every variant emits the reference's counts (${show(expected)})`)
    ok &&= passed
  }
  return { ok, lines }
}

export const keyedProcess: Workload<CountTotals> = {
  name: 'keyed-process',
  description: 'running count per key (100,000 users), one output per event: a Map loop vs groupBy/scan vs keyBy + keyedProcess with a valueState',
  data: KEYED,
  variants,
  ratioTo: [
    { id: 'hand', label: 'hand' },
    { id: 'rxjs', label: 'RxJS' }
  ],
  same,
  show,
  verify
}
