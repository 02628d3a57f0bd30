/**
 * `npm start`: the PV/UV job over a file of clicks (JSON lines), in Node.
 *
 *     npm start                              the recorded sample, examples/pvuv/sample.jsonl
 *     npm start -- --input clicks.jsonl      another file of { user, page, ts } lines
 *     npm start -- --window 5m               PV/UV per 5 minutes (default 1m)
 *     npm start -- --restore                 resume from the last checkpoint of an interrupted run
 *     npm start -- --uv approximate          UV from HyperLogLog sketches instead of sets of users
 *     npm start -- --dir /tmp/pvuv --pace 2000   another working folder; 2,000 clicks a second
 *
 * The job checkpoints every second (`--checkpoint-interval`) to a folder (`--checkpoints`,
 * default `<dir>/checkpoints`, `--dir` being `.pvuv`) and writes its results exactly once to
 * part files (`<dir>/results`). The summary at the end is read from those files, so after an
 * interrupted run and `--restore` it covers the whole input, each result once.
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { SingleBar } from 'cli-progress'
import type { Observable } from 'rxjs'
import * as ds from 'rx-datastream'
import { fileLinesSource, fileSink, fileStore } from 'rx-datastream/node'
import type { Click } from './clickstream'
import { parseDuration } from './duration'
import { type PvUvOptions, type PvUvResult, pvUvJob, TOP_N } from './job'

const USAGE = `usage: npm start -- [--input file.jsonl] [--window 1m] [--uv exact|approximate] [--dir .pvuv] [--restore] [--help] [more options below]

  --input FILE                  clicks as JSON lines { "user": "u1", "page": "/", "ts": 1764579600000 } (default: the recorded sample)
  --window DURATION             the PV/UV window: 30s, 1m, 5m, 1h or milliseconds (default 1m)
  --uv exact|approximate        UV from a set of users per window (exact, the default) or from a HyperLogLog sketch
                                (approximate: bounded memory, 0.81 % standard error; exact or nearly up to 3,072 users)
  --dir DIR                     the working folder: checkpoints in DIR/checkpoints, results in DIR/results (default .pvuv)
  --checkpoints DIR             where checkpoints go (default DIR/checkpoints)
  --results DIR                 where results are committed, as JSON lines (default DIR/results)
  --checkpoint-interval DURATION  how often the job checkpoints: 100ms, 1s, … (default 1s)
  --pace CLICKS                 read at most CLICKS clicks a second (default: as fast as it can), to watch a run or interrupt it
  --restore                     resume an interrupted run from its last checkpoint (else start afresh)
  --help                        this text`

export { parseDuration }

/** `--uv`: how UV is counted. */
export function parseUv(text: string): 'exact' | 'approximate' {
  if (text === 'exact' || text === 'approximate') return text
  throw new Error(`--uv: '${text}' is neither exact nor approximate`)
}

/** `--pace`: clicks a second, a positive number. */
export function parsePace(text: string): number {
  const pace = Number(text)
  if (!Number.isFinite(pace) || pace <= 0) throw new Error(`--pace: '${text}' is not a positive number of clicks a second`)
  return pace
}

/**
 * How long to wait before reading click `read` (counted from 0) to read `pace` clicks a second
 * from `started` (ms) on, `now` being the time now. Waits come in steps of at least 10 ms: a
 * timer per click would be slower than most paces asked for.
 */
export function paceDelay(pace: number | undefined, started: number, read: number, now: number): number {
  if (pace === undefined) return 0
  const ahead = started + (read * 1_000) / pace - now
  return ahead >= 10 ? ahead : 0
}

/**
 * The lines of a file as clicks, with the byte offsets `fileLinesSource` gives (replayable); at
 * most `pace` a second when it is given.
 */
function clicksOf(path: string, progress: (offset: number) => void, pace: number | undefined): ds.Source<Click, number> {
  const lines = fileLinesSource(path)
  return {
    async *read(offset?: number) {
      let line = 0
      const started = Date.now()
      for await (const entry of lines.read(offset)) {
        const wait = paceDelay(pace, started, line, Date.now())
        if (wait > 0) await sleep(wait)
        line++
        let click: Click
        try {
          click = JSON.parse(entry.value) as Click
        } catch (error) {
          throw new Error(`${path}: a line after byte ${offset ?? 0} is not JSON (${(error as Error).message}): ${entry.value.slice(0, 80)}`)
        }
        if (typeof click.user !== 'string' || typeof click.page !== 'string' || !Number.isFinite(click.ts)) {
          throw new Error(`${path}: line ${line} of this run is not a click { user, page, ts }: ${entry.value.slice(0, 80)}`)
        }
        progress(entry.offset)
        yield { value: click, offset: entry.offset }
      }
    }
  }
}

/**
 * The job `npm start` runs: the PV/UV job over `clicks` (a job source, uid `clicks`), its
 * results committed to part files in `results` (uid `results`). docs/pvuv.md draws its graph.
 *
 * @example
 * const job = ds.execute(env => cliPipeline(env, fileLinesSourceOfClicks, '.pvuv/results', { uv: 'approximate' }))
 */
export function cliPipeline(env: ds.StreamExecutionEnvironment, clicks: ds.Source<Click, number>, results: string, options: PvUvOptions): Observable<never> {
  return pvUvJob(env.fromSource(clicks, { uid: 'clicks' }), options).pipe(ds.sinkTo(fileSink<PvUvResult>(results, { suffix: '.jsonl' }), { uid: 'results' }))
}

/** Every result committed to `dir` so far, in the order they were written. */
export function committedResults(dir: string): PvUvResult[] {
  let files: string[]
  try {
    files = readdirSync(dir).filter(f => f.startsWith('part-'))
  } catch {
    return []
  }
  return files.sort().flatMap(f =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter(line => line !== '')
      .map(line => JSON.parse(line) as PvUvResult)
  )
}

const time = (ts: number): string => new Date(ts).toISOString().slice(11, 16)

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map(r => r[c]!.length)))
  const line = (cells: readonly string[]): string => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')
  return [line(header), widths.map(w => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

/** The summary printed at the end. */
export function summary(results: readonly PvUvResult[]): string {
  const perPage = new Map<string, { pv: number; uvSum: number; windows: number; peakPv: number }>()
  const sessions: Array<PvUvResult & { kind: 'session' }> = []
  const late: Array<PvUvResult & { kind: 'late' }> = []
  // The busiest ten minutes.
  let lastTop: (PvUvResult & { kind: 'top-pages' }) | undefined
  const total = (r: PvUvResult & { kind: 'top-pages' }): number => r.pages.reduce((n, p) => n + p.pv, 0)
  for (const r of results) {
    if (r.kind === 'pv-uv') {
      const p = perPage.get(r.page) ?? { pv: 0, uvSum: 0, windows: 0, peakPv: 0 }
      perPage.set(r.page, { pv: p.pv + r.pv, uvSum: p.uvSum + r.uv, windows: p.windows + 1, peakPv: Math.max(p.peakPv, r.pv) })
    } else if (r.kind === 'top-pages') {
      if (lastTop === undefined || total(r) > total(lastTop)) lastTop = r
    } else if (r.kind === 'session') sessions.push(r)
    else late.push(r)
  }
  const pages = [...perPage].sort((a, b) => b[1].pv - a[1].pv || (a[0] < b[0] ? -1 : 1))
  const out: string[] = []
  out.push('PV/UV per page (over all windows)')
  out.push(table(['page', 'PV', 'windows', 'PV per window, peak', 'UV per window, mean'], pages.map(([page, p]) => [page, String(p.pv), String(p.windows), String(p.peakPv), (p.uvSum / p.windows).toFixed(1)])))
  if (lastTop !== undefined) {
    out.push('', `Top ${TOP_N} pages of the busiest ten minutes, ${time(lastTop.start)}–${time(lastTop.end)} UTC`)
    out.push(table(['page', 'PV'], lastTop.pages.map(p => [p.page, String(p.pv)])))
  }
  if (sessions.length > 0) {
    const views = sessions.reduce((n, s) => n + s.views, 0)
    const minutes = sessions.reduce((n, s) => n + (s.end - s.start), 0) / 60_000
    out.push('', `Sessions: ${sessions.length}, ${(views / sessions.length).toFixed(1)} views and ${(minutes / sessions.length).toFixed(1)} minutes on average`)
  }
  out.push('', `Late clicks (after their window fired, not counted): ${late.length}${late.length > 0 ? `, e.g. ${late.slice(0, 3).map(l => `${l.click.page} at ${time(l.click.ts)}`).join(', ')}` : ''}`)
  return out.join('\n')
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      input: { type: 'string' },
      window: { type: 'string', default: '1m' },
      uv: { type: 'string', default: 'exact' },
      dir: { type: 'string', default: '.pvuv' },
      checkpoints: { type: 'string' },
      results: { type: 'string' },
      'checkpoint-interval': { type: 'string', default: '1s' },
      pace: { type: 'string' },
      restore: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false }
    },
    strict: true
  })
  if (values.help === true) {
    console.log(USAGE)
    return
  }
  const input = resolve(values.input ?? join(__dirname, '..', '..', '..', 'examples', 'pvuv', 'sample.jsonl'))
  const window = parseDuration(values.window!)
  const uv = parseUv(values.uv!)
  const interval = parseDuration(values['checkpoint-interval']!, '--checkpoint-interval')
  const pace = values.pace === undefined ? undefined : parsePace(values.pace)
  const checkpoints = resolve(values.checkpoints ?? join(values.dir!, 'checkpoints'))
  const results = resolve(values.results ?? join(values.dir!, 'results'))
  if (values.restore !== true) {
    // A fresh run: earlier checkpoints and results are another run's.
    rmSync(checkpoints, { recursive: true, force: true })
    rmSync(results, { recursive: true, force: true })
  }
  const size = statSync(input).size
  const bar = new SingleBar({ format: 'PV/UV {bar} {percentage}% | {value}/{total} bytes | checkpoints {checkpoints}', hideCursor: true, stream: process.stderr })
  let checkpointsDone = 0
  let shown = 0
  bar.start(size, 0, { checkpoints: 0 })
  const job = ds.execute(
    env =>
      cliPipeline(
        env,
        clicksOf(
          input,
          offset => {
            if (offset - shown >= size / 200 || offset === size) bar.update((shown = offset), { checkpoints: checkpointsDone })
          },
          pace
        ),
        results,
        { window, uv }
      ),
    {
      jobId: 'pvuv',
      checkpointing: { interval, store: fileStore(checkpoints), retain: 2 },
      ...(values.restore === true ? { restore: 'latest' } : {}),
      onWarning: message => process.stderr.write(`warning: ${message}\n`)
    }
  )
  job.checkpoints$.subscribe(e => {
    if (e.type === 'completed') checkpointsDone++
  })
  const result = await job.done
  bar.update(size, { checkpoints: checkpointsDone })
  bar.stop()
  const resumed = result.restoredFrom === undefined ? '' : ` (resumed from checkpoint ${result.restoredFrom})`
  console.log(`\n${input}: ${window / 1_000} s windows, ${uv} UV${resumed}; results in ${results}\n`)
  console.log(summary(committedResults(results)))
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 1
  })
}
