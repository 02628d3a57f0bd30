/**
 * Benchmark runner: `npm run bench [-- flags]` (scripts/bench.mjs compiles bench/ and runs this
 * file with `node --expose-gc`).
 *
 * Flags:
 *   --events N        events per timed run (default: the workload's, 5000000 for stateless and keyed-process,
 *                     2000000 for windows-*, 200000 for async-io)
 *   --warmup N        events of the untimed warm-up runs of each variant (default events/10, at least 100000;
 *                     async-io: 10000)
 *   --warmup-runs N   warm-up runs of each variant (default 3)
 *   --rounds N        timed runs of each variant, interleaved; medians are reported (default 1)
 *   --only ID         only these variants (repeatable or comma-separated): hand, rxjs, ds, ds-wm0,
 *                     ds-process, ds-evictor, ds-reduce, ds-agg, ds-keyed, ds-keyed-agg, rxjs-scan,
 *                     ds-map, ds-lmdb, ds-lmdb-all, ds-unordered, ds-split, ds-job, ds-job-file, ds-job-memory, and with a baseline ds@base, ds-wm0@base, …;
 *                     large-state's parts: lmdb, checkpoint, heap
 *   --workload NAME   only these workloads (repeatable or comma-separated; default: all):
 *                     stateless, windows-tumbling, windows-sliding, windows-all, keyed-process, async-io,
 *                     interval-join, window-join, checkpoints, nexmark-q0 … nexmark-q12, and large-state (only when named) (interval-join: --events counts
 *                     orders, default 1000000; as many payments flow beside them; window-join: default
 *                     1000000 events, persons and auctions); a NAME no workload has selects every NAME-*
 *                     workload (nexmark: all the Nexmark queries; windows: the window workloads)
 *   --source KIND     array (pre-generated, shared; default) or lazy (generated on the fly)
 *   --live-heap       after the timed runs, one untimed run per variant with gc() before every heap
 *                     sample: the peak live heap (state), without uncollected garbage
 *   --state-keys N    checkpoints: keys of the state scenario after the table (default 100000; 0 skips it)
 *   --skip-verify     skip the workloads' untimed exact checks (windows-*, keyed-process) before timing
 *   --json            also print the measurements as JSON
 *   --forks N         each workload in N fresh processes of its own, interleaved (fork 1 of every
 *                     workload, then fork 2, …), and a summary per workload: medians over the forks,
 *                     their spread, ratios taken within each fork (see forks.ts); only the first
 *                     fork runs the exact checks
 *   --baseline-module PATH
 *                     the baseline library, compiled to CommonJS (its src/index.js): every rx-datastream
 *                     variant also runs on it, as ID@base (scripts/bench.mjs turns --baseline REF into this)
 *   --baseline-label TEXT
 *                     how the report names the baseline (default: PATH)
 */
import { writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { parseArgs } from 'node:util'
import { asyncIo } from './async-io'
import { checkpoints } from './checkpoints'
import { type Event, eventFeed, type Feed } from './data'
import { type ForkMeasurement, runForks } from './forks'
import { checkSameResults, formatTable, type Measurement, measureAll, median } from './harness'
import { intervalJoin } from './interval-join'
import { keyedProcess } from './keyed-process'
import { LARGE_STATE_PARTS, largeState } from './large-state'
import { BASELINE_SUFFIX, CURRENT, type LibraryBuild, loadBaseline } from './library'
import { nexmarkWorkloads } from './nexmark/workloads'
import { stateless } from './stateless'
import { windowJoin } from './window-join'
import { windowsAll } from './windows-all'
import { windowsSliding } from './windows-sliding'
import { windowsTumbling } from './windows-tumbling'
import { uvWorkloads } from './windows-uv'
import type { AfterReport, Workload } from './workload'

const workloads: readonly Workload<any>[] = [stateless, windowsTumbling, windowsSliding, windowsAll, keyedProcess, asyncIo, intervalJoin, windowJoin, checkpoints, ...uvWorkloads, ...nexmarkWorkloads]

/**
 * Scenarios: runs of their own (child processes, minutes long), not interleaved variants; each
 * runs only when `--workload` names it, and `--events` is its size.
 */
interface Scenario {
  readonly name: string
  readonly description: string
  readonly defaultEvents: number
  /** What `--only` may name of it: its parts (all run without `--only`). */
  readonly parts: readonly string[]
  /** `only`: `--only`'s names, which a scenario reads as its parts to run. */
  run(events: number, only?: readonly string[]): Promise<AfterReport>
}

const scenarios: readonly Scenario[] = [
  {
    name: 'large-state',
    description: 'keyed state larger than the heap: LMDB at a 256 MB heap against the heap backend (--events: keys)',
    defaultEvents: 20_000_000,
    parts: LARGE_STATE_PARTS,
    run: largeState
  }
]

/** `--workload NAME`: the workload of that name or, if none has it, every `NAME-…` workload. */
function selects(name: string, workload: Workload<unknown>): boolean {
  return workload.name === name || (!workloads.some(w => w.name === name) && workload.name.startsWith(`${name}-`))
}

function positiveInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const n = Number(text.replace(/_/g, ''))
  if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`--${flag} must be a positive integer, got ${text}`)
  return n
}

/**
 * One line per variant measured on both libraries: the ratio of the medians and, since rounds
 * interleave, the spread of the ratios of the runs of each round (the noise of that ratio).
 */
function baselineLines(measurements: readonly Measurement<unknown>[]): string[] {
  const lines: string[] = []
  for (const base of measurements) {
    if (!base.id.endsWith(BASELINE_SUFFIX)) continue
    const cur = measurements.find(m => m.id === base.id.slice(0, -BASELINE_SUFFIX.length))
    if (cur === undefined) continue
    const perRound = cur.roundSeconds.map((s, r) => s / base.roundSeconds[r]!)
    const spread = perRound.length > 1 ? ` (per round ${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)}×, median ${median(perRound).toFixed(2)}×)` : ''
    // CPU time as well: on a shared machine it moves less than wall time when the process waits for a core.
    lines.push(
      `${cur.id} / ${base.id}: ${(cur.seconds / base.seconds).toFixed(2)}× time${spread}, ${(cur.cpuSeconds / base.cpuSeconds).toFixed(2)}× CPU, ` +
        `${(cur.peakHeapBytes / 1048576).toFixed(1)} vs ${(base.peakHeapBytes / 1048576).toFixed(1)} MB peak heap`
    )
  }
  return lines
}

/** The flags a fork runs with: this run's, but for those `runForks` sets per fork. */
function forkArgs(flags: Readonly<Record<string, string | boolean | string[] | undefined>>): string[] {
  const args: string[] = []
  for (const name of ['events', 'warmup', 'warmup-runs', 'rounds', 'source', 'state-keys', 'baseline-module', 'baseline-label']) {
    const value = flags[name]
    if (typeof value === 'string') args.push(`--${name}`, value)
  }
  const only = flags.only
  if (Array.isArray(only)) for (const id of only) args.push('--only', id)
  if (flags['live-heap'] === true) args.push('--live-heap')
  return args
}

async function main(): Promise<number> {
  const { values: flags } = parseArgs({
    options: {
      events: { type: 'string' },
      warmup: { type: 'string' },
      'warmup-runs': { type: 'string' },
      rounds: { type: 'string' },
      only: { type: 'string', multiple: true },
      workload: { type: 'string', multiple: true },
      source: { type: 'string' },
      'skip-verify': { type: 'boolean' },
      'state-keys': { type: 'string' },
      'live-heap': { type: 'boolean' },
      json: { type: 'boolean' },
      forks: { type: 'string' },
      // Where a fork writes its measurements (set by --forks, not by hand).
      'result-file': { type: 'string' },
      'baseline-module': { type: 'string' },
      'baseline-label': { type: 'string' },
      // Resolved to a compiled library by scripts/bench.mjs, never seen here through npm run bench.
      baseline: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (flags.help === true) {
    console.log(
      'npm run bench -- [--events N] [--warmup N] [--warmup-runs N] [--rounds N] [--only ID] [--workload NAME] [--source array|lazy] [--state-keys N] [--live-heap] [--skip-verify] [--json] [--forks N] [--baseline REF]'
    )
    return 0
  }
  if (flags.baseline !== undefined) throw new RangeError('--baseline REF is resolved by scripts/bench.mjs (npm run bench); run directly, give --baseline-module PATH')
  const baselineModule = flags['baseline-module']
  const libs: readonly LibraryBuild[] = baselineModule === undefined ? [CURRENT] : [CURRENT, loadBaseline(baselineModule)]
  const warmupRuns = positiveInt('warmup-runs', flags['warmup-runs'], 3)
  const rounds = positiveInt('rounds', flags.rounds, 1)
  const stateKeys = flags['state-keys'] === '0' ? 0 : positiveInt('state-keys', flags['state-keys'], 100_000)
  const source = flags.source ?? 'array'
  if (source !== 'array' && source !== 'lazy') throw new RangeError(`--source must be array or lazy, got ${source}`)
  const only = flags.only?.flatMap(s => s.split(',')).map(s => s.trim()).filter(s => s !== '')
  const names = flags.workload?.flatMap(s => s.split(',')).map(s => s.trim()).filter(s => s !== '')
  const unknownNames = names?.filter(n => !workloads.some(w => selects(n, w)) && !scenarios.some(s => s.name === n)) ?? []
  if (unknownNames.length > 0) {
    throw new RangeError(`unknown --workload ${unknownNames.join(', ')}; known: ${[...workloads, ...scenarios].map(w => w.name).join(', ')}, nexmark`)
  }
  const selected = workloads.filter(w => names === undefined || names.some(n => selects(n, w)))
  const selectedScenarios = scenarios.filter(s => names?.includes(s.name) === true)

  // Listing variants generates nothing (see each workload's `variants`): no data.
  const noFeed: Feed<Event> = { kind: source, size: 0, open: () => () => undefined as never }
  if (only !== undefined) {
    const known = new Set([...selected.flatMap(w => w.variants(noFeed, libs).map(v => v.id)), ...selectedScenarios.flatMap(s => s.parts)])
    const unknown = only.filter(id => !known.has(id))
    if (unknown.some(id => id.endsWith(BASELINE_SUFFIX)) && baselineModule === undefined) throw new RangeError(`--only ${unknown.join(', ')}: the ${BASELINE_SUFFIX} variants need --baseline REF`)
    if (unknown.length > 0) throw new RangeError(`unknown --only ${unknown.join(', ')}; known: ${[...known].join(', ')}`)
  }
  if (flags.forks !== undefined) {
    const forks = positiveInt('forks', flags.forks, 1)
    if (selectedScenarios.length > 0) throw new RangeError(`--forks: ${selectedScenarios.map(s => s.name).join(', ')} runs in processes of its own already; name it in a run without --forks`)
    const forked = selected.filter(w => w.variants(noFeed, libs).some(v => only === undefined || only.includes(v.id)))
    console.log(`node ${process.version}, ${cpus().length} cpus (${cpus()[0]?.model.trim() ?? '?'}), ${source} source, ${rounds} round(s), ${forks} fork(s) per workload`)
    const { ok, results } = runForks(forked, { forks, args: forkArgs(flags), verify: flags['skip-verify'] !== true, main: process.argv[1]! })
    if (flags.json === true) console.log(JSON.stringify(results, null, 2))
    return ok ? 0 : 1
  }
  console.log(`node ${process.version}, ${cpus().length} cpus (${cpus()[0]?.model.trim() ?? '?'}), ${source} source, ${rounds} round(s)`)
  if (baselineModule !== undefined) console.log(`baseline (${BASELINE_SUFFIX} variants): ${flags['baseline-label'] ?? baselineModule}`)
  let ok = true
  const all: unknown[] = []
  const measured: ForkMeasurement[] = []
  for (const workload of selected) {
    const events = positiveInt('events', flags.events, workload.defaultEvents ?? 5_000_000)
    const warmupEvents = Math.min(events, positiveInt('warmup', flags.warmup, workload.defaultWarmupEvents ?? Math.max(100_000, Math.floor(events / 10))))
    // A workload with its own data reads only the feed's kind and size: no clicks to generate.
    const feed: Feed<Event> =
      workload.ownData === true
        ? { kind: source, size: events, open: () => { throw new Error(`${workload.name} makes its own data`) } }
        : eventFeed(source, events, workload.data)
    const variants = workload.variants(feed, libs).filter(v => only === undefined || only.includes(v.id))
    if (variants.length === 0) continue
    console.log(`\n## ${workload.name}: ${workload.description}`)
    console.log(`${events.toLocaleString('en-US')} events, warm-up ${warmupRuns} × ${warmupEvents.toLocaleString('en-US')}`)
    if (workload.verify !== undefined && flags['skip-verify'] !== true) {
      const report = await workload.verify(feed, libs)
      for (const line of report.lines) console.log(line)
      if (!report.ok) {
        ok = false
        continue
      }
    }
    const measurements = await measureAll(variants, {
      workload: workload.name,
      events,
      warmupEvents,
      warmupRuns,
      rounds,
      liveHeap: flags['live-heap'] === true,
      onRun: (v, round, s) => console.log(`  ${v.id} round ${round + 1}: ${s.toFixed(3)} s`)
    })
    console.log(formatTable(measurements, workload))
    for (const line of baselineLines(measurements)) console.log(line)
    const same = checkSameResults(measurements, workload.same, workload.show)
    console.log(same ? `results agree: ${workload.show(measurements[0]!.result)}` : 'RESULTS DIFFER')
    ok &&= same
    all.push(...measurements)
    measured.push(...measurements.map(({ result: _result, ...m }) => m))
    if (workload.after !== undefined) {
      const report = await workload.after(measurements, { libs, rounds, stateKeys })
      for (const line of report.lines) console.log(line)
      ok &&= report.ok
      if (report.data !== undefined) all.push({ workload: workload.name, after: report.data })
    }
  }
  for (const scenario of selectedScenarios) {
    console.log(`\n## ${scenario.name}: ${scenario.description}`)
    const report = await scenario.run(positiveInt('events', flags.events, scenario.defaultEvents), only)
    for (const line of report.lines) console.log(line)
    ok &&= report.ok
    if (report.data !== undefined) all.push({ workload: scenario.name, after: report.data })
  }
  if (flags.json === true) console.log(JSON.stringify(all, null, 2))
  const resultFile = flags['result-file']
  if (resultFile !== undefined) writeFileSync(resultFile, JSON.stringify(measured))
  return ok ? 0 : 1
}

main().then(
  code => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error instanceof RangeError ? `bench: ${error.message}` : error)
    process.exitCode = 2
  }
)
