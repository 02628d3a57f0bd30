/**
 * Benchmark harness, shared by every workload: an index-driven Rx source that samples the heap
 * as it goes, timing with warm-up and gc() between variants, result checks and the report.
 *
 * Needs `node --expose-gc` (scripts/bench.mjs passes it).
 */
import { PerformanceObserver } from 'node:perf_hooks'
import { getHeapStatistics } from 'node:v8'
import { Observable, type Subscriber } from 'rxjs'

// -------------------------------------------------------------------------------------
// heap sampling
// -------------------------------------------------------------------------------------

/** Sources and hand loops call `probe.sample()` once every this many events. */
export const HEAP_SAMPLE_EVERY = 65_536
/** `(i & HEAP_SAMPLE_MASK) === 0` is true once every {@link HEAP_SAMPLE_EVERY} events. */
export const HEAP_SAMPLE_MASK = HEAP_SAMPLE_EVERY - 1

/**
 * Tracks the highest `heapUsed` (V8's used heap size) seen during a run. With `collect` set
 * (the untimed `--live-heap` pass), every sample first runs a full gc(), so the peak is that of
 * the live objects only: what a pipeline retains, without the garbage not yet collected.
 */
export class HeapProbe {
  peak = 0
  samples = 0
  collect = false

  sample(): void {
    if (this.collect) forceGc()
    // = process.memoryUsage().heapUsed, without its RSS syscall (~4 µs instead of ~18 µs a call)
    const used = getHeapStatistics().used_heap_size
    if (used > this.peak) this.peak = used
    this.samples++
  }

  reset(): void {
    this.peak = 0
    this.samples = 0
  }
}

/**
 * A synchronous source emitting `at(0) … at(size − 1)` (`open` is called once per
 * subscription) and sampling the heap every {@link HEAP_SAMPLE_EVERY} events. It stops as soon
 * as the subscriber is closed, as RxJS's `from(array)` does.
 */
export function indexedSource<T>(open: () => (i: number) => T, size: number, probe: HeapProbe): Observable<T> {
  return new Observable<T>(subscriber => emitIndexed(open(), size, probe, subscriber))
}

// The hot loop is one function shared by all sources (not a closure made per source), so its
// type feedback and optimised code carry over from run to run.
function emitIndexed<T>(at: (i: number) => T, size: number, probe: HeapProbe, subscriber: Subscriber<T>): void {
  for (let i = 0; i < size && !subscriber.closed; i++) {
    if ((i & HEAP_SAMPLE_MASK) === 0) probe.sample()
    subscriber.next(at(i))
  }
  subscriber.complete()
}

/**
 * Subscribes, feeds every value to `onValue`, and throws if the stream errored or did not
 * complete synchronously (a benchmark that silently stopped early would look fast).
 */
export function drainSync<T>(source: Observable<T>, onValue: (value: T) => void): void {
  let completed = false
  let failed = false
  let failure: unknown
  source.subscribe({
    next: onValue,
    error: (error: unknown) => {
      failed = true
      failure = error
    },
    complete: () => {
      completed = true
    }
  })
  if (failed) throw failure
  if (!completed) throw new Error('drainSync: the stream did not complete synchronously')
}

// -------------------------------------------------------------------------------------
// variants and measurements
// -------------------------------------------------------------------------------------

/** One way of doing a workload's work. */
export interface Variant<R> {
  /** Short id, used by `--only` and as a ratio baseline. */
  readonly id: string
  /** Label in the report. */
  readonly name: string
  /** Processes the first `size` events, synchronously or not, and returns its result. */
  run(size: number, probe: HeapProbe): R | Promise<R>
  /** Untimed, after the measurements: extra facts for the report (e.g. how many elements flowed). */
  notes?(size: number): string
}

export interface Measurement<R> {
  readonly workload: string
  readonly id: string
  readonly name: string
  readonly events: number
  /** Median over rounds. */
  readonly seconds: number
  readonly eventsPerSecond: number
  /** Per round, in run order. */
  readonly roundSeconds: readonly number[]
  /**
   * Process CPU time (user + system, all threads: GC helpers and the JIT included) during the
   * run, median over rounds. Far below `seconds` means the process was descheduled (a busy machine).
   */
  readonly cpuSeconds: number
  /** Peak `heapUsed` during the run minus the post-gc() baseline, median over rounds. */
  readonly peakHeapBytes: number
  /**
   * With `--live-heap`: the peak of the heap after a full gc(), sampled every
   * {@link HEAP_SAMPLE_EVERY} events during one extra untimed run, minus the baseline: the
   * largest live set (state) during the run.
   */
  readonly liveHeapBytes?: number
  /** Garbage collections during the timed run (median over rounds) and their total pause. */
  readonly gcCount: number
  readonly gcMs: number
  readonly result: R
  readonly notes: string
}

export function forceGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('the benchmark needs node --expose-gc (run it with npm run bench)')
  gc()
  gc()
}

/** Counts GC pauses through perf_hooks; entries arrive asynchronously, see {@link settle}. */
class GcCounter {
  count = 0
  ms = 0
  private readonly observer = new PerformanceObserver(list => {
    for (const entry of list.getEntries()) {
      this.count++
      this.ms += entry.duration
    }
  })

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] })
  }

  reset(): void {
    this.count = 0
    this.ms = 0
  }

  disconnect(): void {
    this.observer.disconnect()
  }
}

/** Lets pending perf_hooks entries (delivered via setImmediate) reach their observers. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>(resolve => setImmediate(resolve))
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export interface MeasureOptions {
  readonly workload: string
  readonly events: number
  /** Each variant first runs `warmupRuns` times on this many events, untimed. */
  readonly warmupEvents: number
  /**
   * At least 2: after a single run the hot loops have only been compiled on-stack (OSR) and
   * often deoptimise at loop exit (no type feedback for the code after the loop yet), so the
   * timed run would start in the interpreter again.
   */
  readonly warmupRuns: number
  /** Every variant runs this many times, interleaved (v1, v2, …, v1, v2, …); medians are reported. */
  readonly rounds: number
  /** After the timed runs, one more untimed run per variant with gc() before every heap sample. */
  readonly liveHeap?: boolean
  /** Called after each timed run, e.g. to print progress. */
  readonly onRun?: (variant: Variant<unknown>, round: number, seconds: number) => void
}

/**
 * Runs every variant: warm-up runs on a smaller input, then `rounds` timed runs each preceded
 * by gc(), sampling the heap from inside the source.
 */
export async function measureAll<R>(variants: readonly Variant<R>[], options: MeasureOptions): Promise<Measurement<R>[]> {
  const probe = new HeapProbe()
  const gcs = new GcCounter()
  try {
    for (const variant of variants) {
      // Tiny runs first, so that the code after each hot loop has type feedback before the loop
      // is optimised on-stack (else it deoptimises at loop exit, warm-up after warm-up) and sums
      // have outgrown small integers.
      for (const size of [1, 1_000]) await variant.run(size, probe)
      for (let w = 0; w < options.warmupRuns; w++) {
        forceGc()
        await variant.run(options.warmupEvents, probe)
      }
    }
    const runs = variants.map(() => ({
      seconds: [] as number[],
      cpu: [] as number[],
      peaks: [] as number[],
      gcCount: [] as number[],
      gcMs: [] as number[],
      result: undefined as R | undefined
    }))
    for (let round = 0; round < options.rounds; round++) {
      for (const [k, variant] of variants.entries()) {
        forceGc()
        await settle()
        gcs.reset()
        probe.reset()
        probe.sample()
        const baseline = probe.peak
        const cpuStart = process.cpuUsage()
        const start = process.hrtime.bigint()
        const result = await variant.run(options.events, probe)
        const seconds = Number(process.hrtime.bigint() - start) / 1e9
        const cpu = process.cpuUsage(cpuStart)
        probe.sample()
        await settle()
        const run = runs[k]!
        run.seconds.push(seconds)
        run.cpu.push((cpu.user + cpu.system) / 1e6)
        run.peaks.push(probe.peak - baseline)
        run.gcCount.push(gcs.count)
        run.gcMs.push(gcs.ms)
        run.result = result
        options.onRun?.(variant as Variant<unknown>, round, seconds)
      }
    }
    const live: (number | undefined)[] = []
    for (const variant of variants) {
      if (options.liveHeap !== true) break
      forceGc()
      probe.reset()
      probe.sample()
      const baseline = probe.peak
      probe.collect = true
      try {
        await variant.run(options.events, probe)
        probe.sample()
      } finally {
        probe.collect = false
      }
      live.push(probe.peak - baseline)
    }
    return variants.map((variant, k) => {
      const run = runs[k]!
      const seconds = median(run.seconds)
      const liveHeapBytes = live[k]
      forceGc()
      return {
        workload: options.workload,
        id: variant.id,
        name: variant.name,
        events: options.events,
        seconds,
        eventsPerSecond: options.events / seconds,
        roundSeconds: run.seconds,
        cpuSeconds: median(run.cpu),
        peakHeapBytes: median(run.peaks),
        ...(liveHeapBytes === undefined ? {} : { liveHeapBytes }),
        gcCount: median(run.gcCount),
        gcMs: median(run.gcMs),
        result: run.result as R,
        notes: variant.notes?.(options.events) ?? ''
      }
    })
  } finally {
    gcs.disconnect()
  }
}

/**
 * Checks that every variant computed the same result as the first; prints the mismatches.
 * Returns false if any differ.
 */
export function checkSameResults<R>(
  measurements: readonly Measurement<R>[],
  same: (a: R, b: R) => boolean,
  show: (r: R) => string
): boolean {
  const [first, ...rest] = measurements
  if (first === undefined) return true
  let ok = true
  for (const m of rest) {
    if (!same(first.result, m.result)) {
      ok = false
      console.error(`RESULT MISMATCH in ${m.workload}: ${first.name} = ${show(first.result)}, ${m.name} = ${show(m.result)}`)
    }
  }
  return ok
}

// -------------------------------------------------------------------------------------
// report
// -------------------------------------------------------------------------------------

export interface ReportOptions {
  /** Ratios are "× time of" these variants (time ratio: > 1 is slower). */
  readonly ratioTo: readonly { readonly id: string; readonly label: string }[]
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US')
const fmtRate = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`)

/** A plain-text table: variant, events, seconds, CPU seconds, events/s, ratios, peak heap, GC. */
export function formatTable<R>(measurements: readonly Measurement<R>[], options: ReportOptions): string {
  const rounds = measurements[0]?.roundSeconds.length ?? 1
  const header = [
    'variant',
    'events',
    rounds > 1 ? `s (median of ${rounds})` : 's',
    'CPU s',
    'events/s',
    ...options.ratioTo.map(r => `× ${r.label}`),
    'peak heap MB',
    ...(measurements.some(m => m.liveHeapBytes !== undefined) ? ['live heap MB'] : []),
    'GCs (ms)',
    ...(rounds > 1 ? ['events/s min–max'] : []),
    'notes'
  ]
  const rows = measurements.map(m => {
    const rates = m.roundSeconds.map(s => m.events / s)
    return [
      m.name,
      fmtInt(m.events),
      m.seconds.toFixed(3),
      m.cpuSeconds.toFixed(3),
      fmtRate(m.eventsPerSecond),
      ...options.ratioTo.map(r => {
        const base = measurements.find(x => x.id === r.id)
        return base === undefined ? '–' : `${(m.seconds / base.seconds).toFixed(2)}×`
      }),
      (m.peakHeapBytes / 1048576).toFixed(1),
      ...(measurements.some(x => x.liveHeapBytes !== undefined) ? [m.liveHeapBytes === undefined ? '–' : (m.liveHeapBytes / 1048576).toFixed(2)] : []),
      `${m.gcCount} (${m.gcMs.toFixed(0)})`,
      ...(rounds > 1 ? [`${fmtRate(Math.min(...rates))} – ${fmtRate(Math.max(...rates))}`] : []),
      m.notes
    ]
  })
  // The variant's name and the notes to the left, the figures to the right.
  return alignColumns(header, rows, (c, count) => c === 0 || c === count - 1)
}

/** A text table: a header, a rule and the rows, each column as wide as its widest cell; `leftAligned` says which columns are text. */
export function alignColumns(header: readonly string[], rows: readonly (readonly string[])[], leftAligned: (column: number, count: number) => boolean): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map(r => r[c]!.length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (leftAligned(c, cells.length) ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd()
  return [line(header), widths.map(w => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}
