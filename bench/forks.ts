/**
 * `--forks N`: every selected workload measured in N fresh processes of its own, as JMH forks a
 * JVM per benchmark, and the figures of the forks summarised side by side.
 *
 * Why: in one process the workloads share the library's code, so each one runs on type feedback
 * and compiled code that the workloads before it shaped (a hand loop is code of its own and is
 * never shaped by another), and a shared machine moves a single process's figures by ±20 %
 * (bench/README.md, *Status of the targets*). A fork per workload gives both variants a fresh
 * VM; several forks, interleaved (fork 1 of every workload, then fork 2, …) so that a slow
 * spell of the machine spreads over the workloads, give the spread between processes. The
 * verdict of a target reads the median of the forks' ratios.
 *
 * Each fork is this runner with the same flags for one workload, writing its measurements to
 * a file (`--result-file`); only the first fork of a workload runs its exact checks (the others
 * get `--skip-verify`). A fork that fails (its checks, its results disagreeing) fails the run.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alignColumns, type Measurement, median, type ReportOptions } from './harness'
import { BASELINE_SUFFIX } from './library'

/** What a fork writes for each variant: a measurement without its result (a digest, or more). */
export type ForkMeasurement = Omit<Measurement<unknown>, 'result'>

/** A workload to fork: its name (one `--workload`) and how its table gives ratios. */
export interface ForkedWorkload extends ReportOptions {
  readonly name: string
}

export interface ForkOptions {
  readonly forks: number
  /** The runner's flags for every fork, without `--workload`, `--forks`, `--json` and `--result-file`. */
  readonly args: readonly string[]
  /** Whether the forks run the exact checks at all (`--skip-verify` given: none does). */
  readonly verify: boolean
  /** The runner's compiled entry (this process's `main.js`). */
  readonly main: string
}

/** A workload's measurements per fork, in fork order. */
export interface ForkedResult {
  readonly workload: string
  readonly forks: readonly (readonly ForkMeasurement[])[]
}

/** Runs the forks, printing a line per fork and a summary per workload; returns whether every fork passed, and the measurements. */
export function runForks(workloads: readonly ForkedWorkload[], options: ForkOptions): { ok: boolean; results: ForkedResult[] } {
  const dir = mkdtempSync(join(tmpdir(), 'rx-datastream-forks-'))
  const perWorkload = workloads.map(() => [] as ForkMeasurement[][])
  let ok = true
  try {
    for (let fork = 0; fork < options.forks; fork++) {
      for (let w = 0; w < workloads.length; w++) {
        const workload = workloads[w]!
        const file = join(dir, `${w}-${fork}.json`)
        const checks = options.verify && fork === 0 ? [] : ['--skip-verify']
        const child = spawnSync(process.execPath, ['--expose-gc', options.main, ...options.args, ...checks, '--workload', workload.name, '--result-file', file], {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024
        })
        const label = `${workload.name} fork ${fork + 1}/${options.forks}`
        if (child.error !== undefined || child.status !== 0) {
          ok = false
          // Its whole report: which check failed, which results differ.
          console.log(`${label}: FAILED (exit ${child.status ?? child.error?.message})\n${child.stdout}${child.stderr}`)
          continue
        }
        const measurements = JSON.parse(readFileSync(file, 'utf8')) as ForkMeasurement[]
        perWorkload[w]!.push(measurements)
        console.log(`${label}: ${forkLine(measurements, workload)}`)
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const results = workloads.map((workload, w) => ({ workload: workload.name, forks: perWorkload[w]! }))
  for (let w = 0; w < workloads.length; w++) {
    const forks = perWorkload[w]!
    if (forks.length === 0) continue
    console.log(`\n## ${workloads[w]!.name}: ${forks.length} fork(s)`)
    console.log(formatForkTable(forks, workloads[w]!))
    for (const line of forkBaselineLines(forks)) console.log(line)
  }
  return { ok, results }
}

/**
 * One line per variant measured on both libraries (`--baseline`): its time and CPU ratio to the
 * baseline's, taken within each fork (the two ran in one process, round by round), then the
 * median over the forks and their range.
 */
export function forkBaselineLines(forks: readonly (readonly ForkMeasurement[])[]): string[] {
  const lines: string[] = []
  for (const base of forks[0] ?? []) {
    if (!base.id.endsWith(BASELINE_SUFFIX)) continue
    const id = base.id.slice(0, -BASELINE_SUFFIX.length)
    const pairs = forks
      .map(f => ({ cur: f.find(m => m.id === id), base: f.find(m => m.id === base.id) }))
      .filter((p): p is ForkPair => p.cur !== undefined && p.base !== undefined)
    if (pairs.length === 0) continue
    const [time, cpu] = ratiosWithinForks(pairs)
    lines.push(`${id} / ${base.id}: ${time} time, ${cpu} CPU, over ${pairs.length} fork(s)`)
  }
  return lines
}

/** One fork in a line: each variant's median time and its ratios. */
function forkLine(measurements: readonly ForkMeasurement[], options: ReportOptions): string {
  return measurements
    .map(m => {
      const ratios = options.ratioTo
        .filter(r => r.id !== m.id)
        .map(r => {
          const base = measurements.find(x => x.id === r.id)
          return base === undefined ? '' : ` (${(m.seconds / base.seconds).toFixed(2)}× ${r.label})`
        })
      return `${m.id} ${m.seconds.toFixed(3)} s${ratios.join('')}`
    })
    .join(', ')
}

/** A variant and the one it is compared with, measured in one fork. */
interface ForkPair {
  readonly cur: ForkMeasurement
  readonly base: ForkMeasurement
}

/** The time and the CPU ratio of each pair (taken within its fork): their medians over the forks, with their ranges. */
function ratiosWithinForks(pairs: readonly ForkPair[]): [time: string, cpu: string] {
  return [range(pairs.map(p => p.cur.seconds / p.base.seconds), 2, '×'), range(pairs.map(p => p.cur.cpuSeconds / p.base.cpuSeconds), 2, '×')]
}

const range = (xs: readonly number[], digits: number, suffix = ''): string =>
  xs.length === 1 ? `${xs[0]!.toFixed(digits)}${suffix}` : `${median(xs).toFixed(digits)}${suffix} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`

/**
 * The forks of one workload side by side, a row per variant: the median over the forks of each
 * fork's median (min–max over the forks), the same for CPU time, and each ratio taken within a
 * fork (both variants in one process), then its median over the forks.
 */
export function formatForkTable(forks: readonly (readonly ForkMeasurement[])[], options: ReportOptions): string {
  const ids = forks[0]!.map(m => m.id)
  const header = ['variant', 'forks', 's: median of forks (min–max)', 'CPU s', ...options.ratioTo.flatMap(r => [`× ${r.label}`, `× ${r.label} by CPU`]), 'peak heap MB', 'GCs']
  const rows = ids.map(id => {
    const runs = forks.map(f => ({ m: f.find(x => x.id === id), all: f })).filter((r): r is { m: ForkMeasurement; all: readonly ForkMeasurement[] } => r.m !== undefined)
    const ratios = options.ratioTo.flatMap(r => {
      const pairs = runs.map(({ m, all }) => ({ cur: m, base: all.find(x => x.id === r.id) })).filter((p): p is ForkPair => p.base !== undefined)
      return pairs.length === 0 ? ['–', '–'] : ratiosWithinForks(pairs)
    })
    return [
      runs[0]!.m.name,
      String(runs.length),
      range(runs.map(r => r.m.seconds), 3),
      range(runs.map(r => r.m.cpuSeconds), 3),
      ...ratios,
      median(runs.map(r => r.m.peakHeapBytes / 1048576)).toFixed(1),
      median(runs.map(r => r.m.gcCount)).toFixed(0)
    ]
  })
  return alignColumns(header, rows, c => c === 0)
}
