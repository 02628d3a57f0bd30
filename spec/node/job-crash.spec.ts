/**
 * A whole job when its process dies: a child process (spec/node/fixtures/crash-job-runner.ts)
 * runs a keyed event-time window job over a file of JSON lines (read with fileLinesSource),
 * checkpoints every few milliseconds to a fileStore, restores the latest checkpoint when it
 * starts, and writes through a two-phase-commit file sink. It is killed with SIGKILL at random
 * moments and started again, round after round, until a run finishes. Then the committed
 * files, in transaction order, must hold exactly the output of one uninterrupted run of the
 * same job in this process: nothing lost, nothing twice. It runs once per state backend (the
 * job's keyed state on the heap, then in LMDB, whose checkpoints are incremental: a restore of
 * any checkpoint but the first of the run that wrote it reads a chain); the uninterrupted run
 * is on the heap.
 *
 * The input and the kill moments come from the fast-check seed (FC_SEED), so a failing run can
 * be replayed (the moments in real time only approximately: a kill lands where the child is then).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { asapScheduler } from 'rxjs'
import * as ds from '../../src/index'
import { type Child, runNode } from '../support/child-process'
import { mulberry32 as random } from '../support/random'
import { crashInput, crashPipeline } from './fixtures/crash-job'
import { describeBackends } from '../support/backends'

const RUNNER = join(__dirname, 'fixtures', 'crash-job-runner.js')
/** Lines of input: enough that an uninterrupted run takes about a second. */
const EVENTS = 150_000
/** Kills that land after the run completed a checkpoint, before a run is let finish. */
const LANDED_KILLS = 4
/** At most this many runs are killed (most kills land, but one at the start of a run need not). */
const MAX_KILLED_RUNS = 14
/**
 * The longest a child runs after it is loaded before it is killed: this share of how long the
 * uninterrupted run takes here, so that kills land mid-run on a fast machine as on a slow one
 * (a child that finishes before its kill ends the test's runs).
 */
const KILL_WITHIN = 0.6

/** How a run of the child ended, and what it reported. */
interface RunReport {
  readonly killedAfterMs: number | undefined
  readonly checkpoints: number
  /** `finished <restored>`: the checkpoint the finishing run restored, `none` if it started afresh. */
  readonly restored: string | undefined
  /** The checkpoint it restored, and how many it needs besides itself (incremental), if it restored one. */
  readonly restoredId: number | undefined
  readonly restoredNeeds: number | undefined
  /** The checkpoints it reported completed, in order. */
  readonly completed: readonly number[]
}

describeBackends('a job killed with SIGKILL and restarted from its latest checkpoint', backend => {
  let dir: string
  let child: Child | undefined

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rxds-job-'))))
  afterEach(() => {
    child?.kill()
    rmSync(dir, { recursive: true, force: true })
  })

  /**
   * Runs the child once; kills it `killAfterMs` after it is loaded (after its first completed
   * checkpoint when `afterCheckpoint`), unless that is undefined or it finishes first.
   */
  const runOnce = async (input: string, run: number, killAfterMs: number | undefined, afterCheckpoint: boolean): Promise<RunReport> => {
    const completed: number[] = []
    let restored: string | undefined
    let restoredId: number | undefined
    let restoredNeeds: number | undefined
    let timer: NodeJS.Timeout | undefined
    child = runNode(RUNNER, [input, join(dir, 'output'), join(dir, 'checkpoints'), String(run), backend], (line, runner) => {
      const arm = afterCheckpoint ? line.startsWith('checkpoint ') && completed.length === 0 : line === 'ready'
      if (arm && killAfterMs !== undefined) timer = setTimeout(() => runner.kill(), killAfterMs)
      if (line.startsWith('checkpoint ')) completed.push(Number(line.slice('checkpoint '.length)))
      if (line.startsWith('finished ')) restored = line.slice('finished '.length)
      if (line.startsWith('restoring ')) {
        const [, id, , needs] = line.split(' ')
        restoredId = Number(id)
        restoredNeeds = Number(needs)
      }
    })
    const end = await child.ended
    clearTimeout(timer)
    const report = { checkpoints: completed.length, restored, restoredId, restoredNeeds, completed }
    if (end.killed) return { killedAfterMs: killAfterMs, ...report }
    if (end.code === 0 && restored !== undefined) return { killedAfterMs: undefined, ...report }
    throw new Error(`run ${run} of the job failed (exit code ${String(end.code)}, signal ${String(end.signal)}):\n${end.stderr}`)
  }

  it('commits exactly the output of an uninterrupted run', async () => {
    const seed = fc.readConfigureGlobal().seed ?? 0
    const next = random(seed)
    const input = join(dir, 'input.jsonl')
    writeFileSync(input, crashInput(seed, EVENTS))

    // One uninterrupted run, in this process, without checkpoints.
    const expected: string[] = []
    const started = Date.now()
    await ds.execute(env => crashPipeline(env, input, (line: string) => void expected.push(line)), { jobId: 'reference', scheduler: asapScheduler, onWarning: () => {} }).done
    expect(expected.length).withContext('windows in the uninterrupted output').toBeGreaterThan(1_000)
    const maxRunMs = Math.max(40, Math.round((Date.now() - started) * KILL_WITHIN))

    const runs: RunReport[] = []
    let landed = 0
    let lastStarted = 0
    // Killed runs in a row that had completed no checkpoint: on a loaded machine a child takes
    // longer to reach its first than the run here suggests, so after two such runs the next
    // kill is timed from its first checkpoint instead.
    let dry = 0
    for (let run = 0; ; run++) {
      // Now and then a kill as soon as the child is loaded, mostly somewhere in its run; once
      // enough kills have landed, a run is let finish (a run may also finish before its kill).
      const killAfterMs = landed >= LANDED_KILLS || run >= MAX_KILLED_RUNS ? undefined : next() < 0.15 ? 0 : Math.floor(next() * maxRunMs)
      lastStarted = Date.now()
      const report = await runOnce(input, run, killAfterMs, dry >= 2)
      runs.push(report)
      if (report.killedAfterMs === undefined) break
      if (report.checkpoints > 0) landed++
      dry = report.checkpoints > 0 ? 0 : dry + 1
    }
    // Each run: how it ended, the checkpoint it restored (with how many it needs), those it completed.
    const story = `seed ${seed}; runs: ${runs
      .map(
        (r, i) =>
          `${i}: ${r.killedAfterMs === undefined ? `finished (restored ${r.restored ?? '?'})` : `killed after ${r.killedAfterMs} ms`}, ` +
          `from ${r.restoredId === undefined ? 'none' : `${r.restoredId} (+${r.restoredNeeds})`}, checkpoints [${r.completed.join(',')}]`
      )
      .join('; ')}`

    // The file sink's part files, named by the time their transaction began: in order.
    const committed = join(dir, 'output')
    const files = readdirSync(committed)
      .filter(f => f.startsWith('part-'))
      .sort()
    const actual = files.flatMap(f => {
      const text = readFileSync(join(committed, f), 'utf8')
      return text === '' ? [] : text.slice(0, -1).split('\n')
    })
    const firstDifference = actual.findIndex((line, i) => line !== expected[i])
    const at = firstDifference === -1 ? Math.min(actual.length, expected.length) : firstDifference
    expect(actual.length).withContext(`${story}: lines committed (uninterrupted: ${expected.length})`).toBe(expected.length)
    expect(firstDifference === -1 ? undefined : { line: at, committed: actual.slice(at, at + 3), uninterrupted: expected.slice(at, at + 3) })
      .withContext(`${story}: the first committed line that differs from the uninterrupted output`)
      .toBeUndefined()

    // The kills did land in the middle of the job: killed runs had completed checkpoints, the
    // run that finished started from one, and part of the output is in transactions that runs
    // before it began.
    expect(landed).withContext(`${story}: killed runs that had completed a checkpoint`).toBeGreaterThan(0)
    expect(runs[runs.length - 1]!.restored).withContext(`${story}: the checkpoint the last run restored`).not.toBe('none')
    expect(files.filter(f => Number(f.slice('part-'.length, 'part-'.length + 13)) < lastStarted).length)
      .withContext(`${story}: committed transactions begun by runs before the last`)
      .toBeGreaterThan(0)
    // LMDB's checkpoints after a run's first are increments, and their restores read chains;
    // the heap's are always full.
    for (const [i, run] of runs.entries()) {
      if (run.restoredId === undefined) continue
      const writer = runs.find(r => r.completed.includes(run.restoredId!))
      const incremental = backend === 'lmdb' && writer !== undefined && writer.completed[0] !== run.restoredId
      if (backend === 'lmdb' && writer === undefined) continue // completed, but its run was killed before it said so
      expect(run.restoredNeeds! > 0)
        .withContext(`${story}: run ${i} restored checkpoint ${run.restoredId}, which needs ${run.restoredNeeds} others`)
        .toBe(incremental)
    }
  }, 60_000)
})
