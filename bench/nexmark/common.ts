/**
 * What the Nexmark queries share: the query interface (an rx-datastream pipeline beside a
 * hand-written loop), the event-time setup every query starts with, the result sinks, the event
 * sources and the virtual processing-time clock of q12.
 */
import { Observable, type OperatorFunction, type SchedulerAction, type SchedulerLike, Subscription } from 'rxjs'
import type { DataStream, StreamElement } from '../../src/index'
import { drainSync, HEAP_SAMPLE_MASK, type HeapProbe, indexedSource } from '../harness'
import type { Library } from '../library'
import { arrivalTime, type NexmarkConfig, type NexmarkEvent, type NexmarkFeed } from './generator'

// -------------------------------------------------------------------------------------
// queries
// -------------------------------------------------------------------------------------

/** What a query run may use besides the events. */
export interface QueryEnv {
  readonly config: NexmarkConfig
  /**
   * The processing-time clock (q12 only): the source moves it to each event's arrival time
   * before delivering the event (see {@link VirtualClock}).
   */
  readonly clock: VirtualClock
}

/** Where a result goes: as at most five numbers (unused ones 0). */
export interface RowSink {
  row(a: number, b: number, c: number, d: number, e: number): void
}

/** One Nexmark query, twice: with the library's public API and as a hand-written loop. */
export interface NexmarkQuery<R> {
  /** `q0` … `q12`: the workload is `nexmark-<id>`. */
  readonly id: string
  readonly title: string
  /** What the query exercises in the library, for the report. */
  readonly exercises: string
  /** Whether it reads processing time (then the source drives `env.clock`). */
  readonly processingTime?: boolean
  /** The query as a user of library `ds` writes it: the raw events in, the results out. */
  pipeline(ds: Library, env: QueryEnv): OperatorFunction<NexmarkEvent, R>
  /**
   * Other ways to write it with the library, for comparison (the bench's `ds-<id>` variants,
   * checked as the main pipeline is); the query's figures are the main pipeline's.
   */
  readonly alternatives?: readonly QueryAlternative<R>[]
  /**
   * The same results by a loop over events `at(0) … at(size − 1)`, with the same event-time
   * semantics: watermark = highest timestamp − bound − 1 after each event, a window fires when
   * the watermark reaches its end − 1, the end of input fires the rest.
   */
  hand(at: (i: number) => NexmarkEvent, size: number, env: QueryEnv, probe: HeapProbe, emit: (result: R) => void): void
  /** Writes a result to a sink (used alike by every variant). */
  row(result: R, sink: RowSink): void
}

/** Another pipeline for a query's results (see `NexmarkQuery.alternatives`). */
export interface QueryAlternative<R> {
  /** The variant is `ds-<id>`. */
  readonly id: string
  readonly name: string
  pipeline(ds: Library, env: QueryEnv): OperatorFunction<NexmarkEvent, R>
}

/** An alternative pipeline of a query, ready to run (see `RunnableQuery`). */
export interface RunnableAlternative {
  readonly id: string
  readonly name: string
  runPipeline(ds: Library, feed: NexmarkFeed, size: number, probe: HeapProbe, sink: RowSink): void
}

/**
 * A query with its result type hidden, ready to run: what the workloads and specs hold in one
 * list (a `NexmarkQuery<R>` is invariant in `R`).
 */
export interface RunnableQuery {
  readonly id: string
  readonly title: string
  readonly exercises: string
  /** The rx-datastream pipeline on library `ds` over the first `size` events of `feed`. */
  runPipeline(ds: Library, feed: NexmarkFeed, size: number, probe: HeapProbe, sink: RowSink): void
  /** The hand-written loop over the same events. */
  runHand(feed: NexmarkFeed, size: number, probe: HeapProbe, sink: RowSink): void
  readonly alternatives: readonly RunnableAlternative[]
}

/** Hides the result type of `query`. */
export function runnable<R>(query: NexmarkQuery<R>): RunnableQuery {
  return {
    id: query.id,
    title: query.title,
    exercises: query.exercises,
    runPipeline: (ds, feed, size, probe, sink) => runPipeline(query, ds, feed, size, probe, sink),
    runHand: (feed, size, probe, sink) => runHand(query, feed, size, probe, sink),
    alternatives: (query.alternatives ?? []).map(alternative => ({
      id: alternative.id,
      name: alternative.name,
      runPipeline: (ds, feed, size, probe, sink) => runPipeline(query, ds, feed, size, probe, sink, alternative.pipeline)
    }))
  }
}

// -------------------------------------------------------------------------------------
// event time
// -------------------------------------------------------------------------------------

/**
 * The start of every query: timestamps from `dateTime`, bounded-out-of-orderness watermarks
 * with the generator's disorder bound (so no event is late), emitted after every event that
 * raises the highest timestamp (`autoWatermarkInterval: 0`), as the hand loops compute them.
 */
export function timestamped(ds: Library, config: NexmarkConfig): OperatorFunction<NexmarkEvent, StreamElement<NexmarkEvent>> {
  const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(config.maxDisorder).withTimestampAssigner(e => e.dateTime)
  return ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 })
}

/**
 * One event stream as two inputs over one subscription, each with the events its guard selects:
 * `splitBy`, what a user writes. A library without it (a `--baseline` before it) gets what a
 * user of that version wrote instead: `split` with a side output, routed by a process function.
 */
export function twoInputs<A extends NexmarkEvent, B extends NexmarkEvent>(
  ds: Library,
  events$: DataStream<NexmarkEvent>,
  isA: (e: NexmarkEvent) => e is A,
  isB: (e: NexmarkEvent) => e is B
): readonly [DataStream<A>, DataStream<B>] {
  if (typeof ds.splitBy === 'function') {
    const [a$, b$] = ds.splitBy(events$, isA, isB)
    return [a$ as DataStream<A>, b$ as DataStream<B>]
  }
  const tag = new ds.OutputTag<B>('second input')
  const routed = events$.pipe(
    ds.processElements<NexmarkEvent, A>({
      processElement: (e, ctx, out) => {
        if (isA(e)) out.collect(e)
        else if (isB(e)) ctx.output(tag, e)
      }
    })
  )
  const { main$, side } = ds.split(routed, tag)
  return [main$, side(tag)]
}

/** Start of the epoch-aligned window of length `size` (or slide) that contains `ts`. */
export function windowStartOf(ts: number, size: number): number {
  let r = ts % size
  if (r < 0) r += size
  return ts - r
}

/** The hand loops' check of a timestamp, as the assigner's (a record needs a finite number). */
export function checkTimestamp(ts: number): void {
  if (typeof ts !== 'number' || ts - ts !== 0) throw new TypeError(`bad timestamp ${String(ts)}`)
}

/** FNV-1a of a string, for rows of results that carry text. */
export function stringHash(s: string): number {
  let h = 0x811c9dc5
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193)
  return h >>> 0
}

// -------------------------------------------------------------------------------------
// sinks
// -------------------------------------------------------------------------------------

/** Order-independent digest of a run's results: how many, and a 64-bit multiset hash of their rows. */
export interface NexmarkDigest {
  readonly results: number
  readonly hash1: number
  readonly hash2: number
}

// Every number is hashed by its IEEE 754 bits, so floats (q1, q4) count exactly.
const f64 = new Float64Array(1)
const u32 = new Uint32Array(f64.buffer)

function mix(h: number, x: number): number {
  f64[0] = x
  h = Math.imul(h ^ u32[0]!, 0x9e3779b1)
  h = Math.imul(h ^ (h >>> 15) ^ u32[1]!, 0x85ebca6b)
  return h ^ (h >>> 13)
}

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** Folds rows into a {@link NexmarkDigest}; fields, not closure variables (V8 boxes doubles in closures). */
export class DigestSink implements RowSink {
  results = 0
  hash1 = 0
  hash2 = 0

  row(a: number, b: number, c: number, d: number, e: number): void {
    this.results++
    this.hash1 = (this.hash1 + fmix(mix(mix(mix(mix(mix(0x2545f491, a), b), c), d), e))) >>> 0
    this.hash2 = (this.hash2 + fmix(mix(mix(mix(mix(mix(0x68e31da4, e), d), c), b), a))) >>> 0
  }

  digest(): NexmarkDigest {
    return { results: this.results, hash1: this.hash1, hash2: this.hash2 }
  }
}

/** Keeps every row as text (exact: `String` of a double round-trips), for the exact comparison. */
export class CollectingSink implements RowSink {
  readonly rows: string[] = []

  row(a: number, b: number, c: number, d: number, e: number): void {
    this.rows.push(`${a} ${b} ${c} ${d} ${e}`)
  }
}

/** Whether two runs gave the same results. */
export const sameDigest = (x: NexmarkDigest, y: NexmarkDigest): boolean => x.results === y.results && x.hash1 === y.hash1 && x.hash2 === y.hash2

/** A digest for the report. */
export const showDigest = (d: NexmarkDigest): string =>
  `${d.results.toLocaleString('en-US')} results, hash ${d.hash1.toString(16).padStart(8, '0')}${d.hash2.toString(16).padStart(8, '0')}`

// -------------------------------------------------------------------------------------
// running a query
// -------------------------------------------------------------------------------------

/**
 * The events as a synchronous Observable. For a processing-time query, before event i is
 * delivered the clock moves to its arrival time, running the work due strictly before it.
 */
export function nexmarkSource(at: (i: number) => NexmarkEvent, size: number, probe: HeapProbe, env: QueryEnv, processingTime: boolean): Observable<NexmarkEvent> {
  if (!processingTime) return indexedSource(() => at, size, probe)
  return new Observable<NexmarkEvent>(subscriber => {
    const { clock, config } = env
    for (let i = 0; i < size && !subscriber.closed; i++) {
      if ((i & HEAP_SAMPLE_MASK) === 0) probe.sample()
      clock.advanceTo(arrivalTime(config, i))
      subscriber.next(at(i))
    }
    subscriber.complete()
  })
}

/** A fresh environment for one run. */
export function queryEnv(config: NexmarkConfig): QueryEnv {
  return { config, clock: new VirtualClock(config.start) }
}

/** Runs the rx-datastream pipeline of `query` (or `pipeline`, one of its alternatives) on the first `size` events of `feed`. */
export function runPipeline<R>(
  query: NexmarkQuery<R>,
  ds: Library,
  feed: NexmarkFeed,
  size: number,
  probe: HeapProbe,
  sink: RowSink,
  pipeline: NexmarkQuery<R>['pipeline'] = query.pipeline
): void {
  const env = queryEnv(feed.config)
  const results = nexmarkSource(feed.open(), size, probe, env, query.processingTime === true).pipe(pipeline(ds, env))
  drainSync(results, r => query.row(r, sink))
}

/** Runs the hand-written loop of `query` on the first `size` events of `feed`. */
export function runHand<R>(query: NexmarkQuery<R>, feed: NexmarkFeed, size: number, probe: HeapProbe, sink: RowSink): void {
  query.hand(feed.open(), size, queryEnv(feed.config), probe, r => query.row(r, sink))
}

/** A feed over events already made (specs, checks). */
export function arrayFeed(config: NexmarkConfig, events: readonly NexmarkEvent[]): NexmarkFeed {
  return { kind: 'array', size: events.length, config, open: () => i => events[i]! }
}

// -------------------------------------------------------------------------------------
// processing time
// -------------------------------------------------------------------------------------

/** One piece of work on the {@link VirtualClock}; as RxJS actions do, it may schedule itself again. */
class ClockAction<T> extends Subscription implements SchedulerAction<T> {
  due = 0

  constructor(
    private readonly clock: VirtualClock,
    readonly work: (this: SchedulerAction<T>, state?: T) => void,
    public state: T | undefined
  ) {
    super()
    this.add(() => clock.cancel(this as ClockAction<unknown>))
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this
    this.state = state
    this.clock.enqueue(this as ClockAction<unknown>, delay)
    return this
  }
}

/**
 * A processing-time clock that the source moves, so that processing-time results are the same
 * in every run (q12). `advanceTo(t)` runs the work due strictly before `t`, in due order with
 * `now()` at each one's due time, then stands at `t`: work due at `t` itself runs at the next
 * advance, after the events that arrive at `t`. A window `[s, e)` therefore fires once every
 * event that arrived before `e` is in it, when the first event at or after `e` arrives (or at
 * the end of input), which is what the hand loop of q12 does. The queue is a sorted array: the
 * library's timer service keeps at most one action scheduled per operator.
 */
export class VirtualClock implements SchedulerLike {
  private time: number
  private readonly queue: ClockAction<unknown>[] = []

  constructor(start: number) {
    this.time = start
  }

  now(): number {
    return this.time
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    const action = new ClockAction<T>(this, work, state)
    this.enqueue(action as ClockAction<unknown>, delay)
    return action
  }

  /** (Re)schedules `action` `delay` ms from now; among equal due times, first scheduled runs first. */
  enqueue(action: ClockAction<unknown>, delay: number): void {
    this.cancel(action)
    action.due = this.time + Math.max(0, delay)
    const q = this.queue
    let k = q.length
    while (k > 0 && q[k - 1]!.due > action.due) k--
    q.splice(k, 0, action)
  }

  /** Removes `action` from the queue, if it is there. */
  cancel(action: ClockAction<unknown>): void {
    const k = this.queue.indexOf(action)
    if (k >= 0) this.queue.splice(k, 1)
  }

  /** Runs the work due before `time`, then stands at `time` (never goes back). */
  advanceTo(time: number): void {
    const q = this.queue
    while (q.length > 0 && q[0]!.due < time) {
      const action = q.shift()!
      if (action.due > this.time) this.time = action.due
      action.work.call(action, action.state)
    }
    if (time > this.time) this.time = time
  }
}

// -------------------------------------------------------------------------------------
// the hand loops' timers
// -------------------------------------------------------------------------------------

/**
 * A binary min-heap of (time, id) pairs in typed arrays: the hand loops' timer queue (q4's
 * auction closings, q11's session ends). Ids are integers below 2^31.
 */
export class TimeHeap {
  private times = new Float64Array(1024)
  private ids = new Int32Array(1024)
  size = 0

  push(time: number, id: number): void {
    if (this.size === this.times.length) this.grow()
    const { times, ids } = this
    let k = this.size++
    while (k > 0) {
      const parent = (k - 1) >> 1
      if (times[parent]! <= time) break
      times[k] = times[parent]!
      ids[k] = ids[parent]!
      k = parent
    }
    times[k] = time
    ids[k] = id
  }

  /** The earliest time (+Infinity when empty). */
  peekTime(): number {
    return this.size === 0 ? Infinity : this.times[0]!
  }

  /** The id of the earliest time. */
  peekId(): number {
    return this.ids[0]!
  }

  pop(): void {
    const { times, ids } = this
    const n = --this.size
    const time = times[n]!
    const id = ids[n]!
    let k = 0
    for (;;) {
      let child = 2 * k + 1
      if (child >= n) break
      if (child + 1 < n && times[child + 1]! < times[child]!) child++
      if (times[child]! >= time) break
      times[k] = times[child]!
      ids[k] = ids[child]!
      k = child
    }
    times[k] = time
    ids[k] = id
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2)
    times.set(this.times)
    const ids = new Int32Array(this.ids.length * 2)
    ids.set(this.ids)
    this.times = times
    this.ids = ids
  }
}
