/**
 * `npm start`: the PV/UV job over a file of clicks (JSON lines), in Node.
 *
 *     npm start                              the recorded sample, examples/pvuv/sample.jsonl
 *     npm start -- --input clicks.jsonl      another file of { user, page, ts } lines
 *     npm start -- --window 5m               PV/UV per 5 minutes (default 1m)
 *     npm start -- --restore                 resume from the last checkpoint of an interrupted run
 *
 * The job checkpoints every second to a folder (`--checkpoints`, default `.pvuv/checkpoints`)
 * and writes its results exactly once to part files (`.pvuv/results`). The summary at the end
 * is read from those files, so after an interrupted run and `--restore` it covers the whole
 * input, each result once.
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { SingleBar } from 'cli-progress'
import * as ds from 'rx-datastream'
import { fileLinesSource, fileSink, fileStore } from 'rx-datastream/node'
import type { Click } from './clickstream'
import { parseDuration } from './duration'
import { type PvUvResult, pvUvJob, TOP_N } from './job'

const USAGE = `usage: npm start -- [--input file.jsonl] [--window 1m] [--checkpoints dir] [--results dir] [--restore] [--help]

  --input FILE        clicks as JSON lines { "user": "u1", "page": "/", "ts": 1764579600000 } (default: the recorded sample)
  --window DURATION   the PV/UV window: 30s, 1m, 5m, 1h or milliseconds (default 1m)
  --checkpoints DIR   where checkpoints go (default .pvuv/checkpoints)
  --results DIR       where results are committed, as JSON lines (default .pvuv/results)
  --restore           resume an interrupted run from its last checkpoint (else start afresh)
  --help              this text`

export { parseDuration }

/** The lines of a file as clicks, with the byte offsets `fileLinesSource` gives (replayable). */
function clicksOf(path: string, progress: (offset: number) => void): ds.Source<Click, number> {
  const lines = fileLinesSource(path)
  return {
    async *read(offset?: number) {
      let line = 0
      for await (const entry of lines.read(offset)) {
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
      checkpoints: { type: 'string', default: '.pvuv/checkpoints' },
      results: { type: 'string', default: '.pvuv/results' },
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
  const checkpoints = resolve(values.checkpoints!)
  const results = resolve(values.results!)
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
      pvUvJob(
        env.fromSource(
          clicksOf(input, offset => {
            if (offset - shown >= size / 200 || offset === size) bar.update((shown = offset), { checkpoints: checkpointsDone })
          }),
          { uid: 'clicks' }
        ),
        { window }
      ).pipe(ds.sinkTo(fileSink<PvUvResult>(results, { suffix: '.jsonl' }), { uid: 'results' })),
    {
      jobId: 'pvuv',
      checkpointing: { interval: 1_000, store: fileStore(checkpoints), retain: 2 },
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
  console.log(`\n${input}: ${window / 1_000} s windows${resumed}; results in ${results}\n`)
  console.log(summary(committedResults(results)))
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 1
  })
}
