/**
 * The PV/UV CLI of `npm start` (examples/pvuv/cli.ts) when its process dies: it runs as a child
 * process over the recorded sample, paced (`--pace`) so that a run lasts about three seconds,
 * checkpointing every 100 ms to its working folder (`--dir`, here a temporary one). It is killed
 * with SIGKILL a few times at random moments, each after a random number of checkpoints of its
 * run plus a random delay (so that every kill lands in the middle of the job, sometimes while a
 * checkpoint is being written), and started again with `--restore` until a run finishes (on a
 * slow machine a run may reach the end of the clicks before its kill: it is then the last). The
 * results committed to its part files must then be those of one uninterrupted run of the CLI,
 * each exactly once.
 *
 * The kill moments come from the fast-check seed (FC_SEED), so a failing run can be replayed
 * (in real time only approximately: a kill lands where the child is then).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { fileStore } from 'rx-datastream/node'
import { committedResults } from '../../examples/pvuv/cli'
import { type Child, type ChildEnd, runNode } from '../support/child-process'
import { mulberry32 as random } from '../support/random'

const CLI = join(__dirname, '..', '..', 'examples', 'pvuv', 'cli.js')
/** Runs that are killed before one is let finish. */
const KILLS = 3
/** Clicks a second: the sample's 6,000 clicks take three seconds, so that the kills land before the end. */
const PACE = 2_000
const CHECKPOINT_INTERVAL = '100ms'
/** A kill comes after 1 to this many checkpoints of the run… */
const MAX_CHECKPOINTS_BEFORE_KILL = 2
/** …and up to this many ms after the last of them. */
const MAX_DELAY_MS = 300

const sleep = (ms: number): Promise<void> => new Promise(done => setTimeout(done, ms))

/** The results committed to `dir`, as sorted JSON lines: equal lists hold each result as often. */
const sortedResults = (dir: string): string[] => committedResults(dir).map(r => JSON.stringify(r)).sort()

/** The lines of `a` that `b` holds fewer times. */
function surplus(a: readonly string[], b: readonly string[]): string[] {
  const counts = new Map<string, number>()
  for (const line of b) counts.set(line, (counts.get(line) ?? 0) + 1)
  return a.filter(line => {
    const left = counts.get(line) ?? 0
    counts.set(line, left - 1)
    return left <= 0
  })
}

describe('the PV/UV CLI killed with SIGKILL and resumed with --restore', () => {
  let dir: string
  let child: Child | undefined

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rxds-pvuv-'))))
  afterEach(() => {
    child?.kill()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Runs the CLI to its end; what it printed and how it ended. */
  const run = async (args: readonly string[]): Promise<{ readonly lines: string[]; readonly end: ChildEnd }> => {
    const lines: string[] = []
    child = runNode(CLI, args, line => void lines.push(line))
    return { lines, end: await child.ended }
  }

  /** The id of the newest checkpoint in `checkpoints`, 0 if none. */
  const newestCheckpoint = async (checkpoints: string): Promise<number> => Math.max(0, ...(await fileStore(checkpoints).list('pvuv')).map(c => c.checkpointId))

  it('commits the results of an uninterrupted run, each exactly once', async () => {
    const seed = fc.readConfigureGlobal().seed ?? 0
    const next = random(seed)

    // One uninterrupted run, unpaced.
    const reference = await run(['--dir', join(dir, 'reference'), '--checkpoint-interval', CHECKPOINT_INTERVAL])
    expect(reference.end.code).withContext(reference.end.stderr).toBe(0)
    const expected = sortedResults(join(dir, 'reference', 'results'))
    expect(expected.length).withContext('results of the uninterrupted run').toBeGreaterThan(1_000)

    const work = join(dir, 'crashed')
    const checkpoints = join(work, 'checkpoints')
    const args = ['--dir', work, '--pace', String(PACE), '--checkpoint-interval', CHECKPOINT_INTERVAL]
    const story: string[] = [`seed ${seed}`]
    // Up to KILLS runs are killed; a run that reaches the end of the clicks before its kill (a
    // slow machine checkpoints less often) is the last one. Then one run with --restore finishes.
    let kills = 0
    let last: { readonly lines: string[]; readonly end: ChildEnd; readonly from: number; readonly committedBefore: number } | undefined
    for (let attempt = 0; last === undefined; attempt++) {
      const from = await newestCheckpoint(checkpoints)
      const committedBefore = committedResults(join(work, 'results')).length
      const lines: string[] = []
      child = runNode(CLI, attempt === 0 ? args : [...args, '--restore'], line => void lines.push(line))
      const runner = child
      if (attempt >= KILLS) {
        last = { lines, end: await runner.ended, from, committedBefore }
        story.push(`last run: ${lines.find(l => l.includes('resumed from')) ?? 'resumed from nothing'}`)
        break
      }
      const waitFor = from + 1 + Math.floor(next() * MAX_CHECKPOINTS_BEFORE_KILL)
      const delay = Math.floor(next() * MAX_DELAY_MS)
      // Killed once the run has completed `waitFor`, and `delay` ms more.
      const killer = (async () => {
        while (runner.running && (await newestCheckpoint(checkpoints)) < waitFor) await sleep(10)
        await sleep(delay)
        runner.kill()
      })()
      const end = await runner.ended
      await killer
      const reached = await newestCheckpoint(checkpoints)
      story.push(`run ${attempt}: from checkpoint ${from}, kill ${delay} ms after checkpoint ${waitFor}, ${end.killed ? 'killed' : `ended (code ${String(end.code)})`} at checkpoint ${reached}`)
      if (!end.killed) {
        last = { lines, end, from, committedBefore }
        break
      }
      kills++
      expect(reached).withContext(`${story.join('; ')}: checkpoints completed before the kill`).toBeGreaterThanOrEqual(waitFor)
    }

    // Not vacuous: a run was killed, and the run that finished restored its newest checkpoint,
    // with part of the results (not all) committed before it.
    expect(kills).withContext(`${story.join('; ')}: runs killed`).toBeGreaterThanOrEqual(1)
    expect(last.end.code).withContext(`${story.join('; ')}\n${last.end.stderr}`).toBe(0)
    expect(last.lines.join('\n')).withContext(`${story.join('; ')}: the last run resumed from the latest checkpoint`).toContain(`(resumed from checkpoint ${last.from})`)
    expect(last.committedBefore).withContext(`${story.join('; ')}: results committed before the last run`).toBeGreaterThan(0)
    expect(last.committedBefore).withContext(`${story.join('; ')}: results committed before the last run`).toBeLessThan(expected.length)

    const actual = sortedResults(join(work, 'results'))
    expect({ committed: actual.length, missing: surplus(expected, actual).slice(0, 3), extra: surplus(actual, expected).slice(0, 3) })
      .withContext(story.join('; '))
      .toEqual({ committed: expected.length, missing: [], extra: [] })
    expect(actual).withContext(story.join('; ')).toEqual(expected)
  }, 40_000)
})
