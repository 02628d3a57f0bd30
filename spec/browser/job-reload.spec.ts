/** @test {execute} */
// A job in a real headless Chromium (spec/support/browser.ts), through the page
// spec/browser/page/job-reload.ts: keyed event-time windows over a few thousand readings, its
// checkpoints in ds.indexedDbStore and its output committed by a two-phase-commit sink into a
// table of another IndexedDB database. The page is reloaded at random moments while the job
// runs; each load starts the job again with restore: 'latest'. Once a run finishes, the table
// must hold exactly what one uninterrupted run of the same job (here in Node) commits.
import fc from 'fast-check'
import type { Page } from 'playwright-core'
import * as ds from '../../src/index'
import { useBrowser } from '../support/browser'
import { mulberry32 } from '../support/random'
import type { RunConfig, RunStatus } from './page/job-reload'
import { generateReadings, type Pacing, readingsJobOptions, readingSource, readingsPipeline } from './page/readings-job'

const SPEC_TIMEOUT_MS = 60_000
/** Rounds of reloads, each with its own readings, databases and moments. */
const ROUNDS = 3
const RELOADS = 3
/** A few thousand readings; with the pacing, an uninterrupted run in Chromium takes about half a second. */
const READINGS = 3_000
const PACING: Pacing = { pauseEvery: 25, pauseMs: 2 }
/** When, after a run starts, the page is reloaded (ms). */
const EARLIEST_RELOAD = 40
const LATEST_RELOAD = 240

/** The fast-check seed of the run, printed first by npm test: `FC_SEED=N npm test` replays it (the moments of the reloads too). */
const seed = (): number => fc.readConfigureGlobal().seed ?? 0

const sleep = (ms: number): Promise<void> => new Promise(done => setTimeout(done, ms))

/** What one uninterrupted run of the job commits, in Node, with its checkpoints in memory. */
async function uninterruptedOutput(config: RunConfig): Promise<string[]> {
  const committed: string[] = []
  const open = new Map<number, string[]>()
  let next = 0
  const table = ds.transactionalSink<string, number>({
    beginTransaction: () => {
      open.set(++next, [])
      return next
    },
    write: (txn, row) => {
      open.get(txn)!.push(row)
    },
    preCommit: () => {},
    commit: txn => {
      committed.push(...(open.get(txn) ?? []))
      open.delete(txn)
    },
    abort: txn => {
      open.delete(txn)
    }
  })
  const source = readingSource(generateReadings(config.seed, config.count), config.pacing)
  const result = await ds.execute(env => readingsPipeline(env, source, table), readingsJobOptions(ds.memoryStore(), undefined, () => {})).done
  expect(result.status).toBe('finished')
  return committed
}

/** Where `actual` departs from `expected`, in a few words; `undefined` when they are equal. */
function difference(expected: readonly string[], actual: readonly string[]): string | undefined {
  let same = 0
  while (same < expected.length && same < actual.length && expected[same] === actual[same]) same++
  if (same === expected.length && same === actual.length) return undefined
  const surplus = new Map<string, number>()
  for (const row of actual) surplus.set(row, (surplus.get(row) ?? 0) + 1)
  for (const row of expected) surplus.set(row, (surplus.get(row) ?? 0) - 1)
  const extra = [...surplus].filter(([, n]) => n > 0)
  const missing = [...surplus].filter(([, n]) => n < 0)
  const some = (rows: ReadonlyArray<readonly [string, number]>): string => rows.slice(0, 3).map(([row, n]) => `${row} ×${Math.abs(n)}`).join(', ')
  return (
    `${actual.length} rows committed, ${expected.length} expected; the first ${same} agree, then ${JSON.stringify(actual[same])} instead of ${JSON.stringify(expected[same])}; ` +
    `${extra.length} rows too many (${some(extra)}), ${missing.length} missing (${some(missing)})`
  )
}

const describeRun = (run: RunStatus): string =>
  `${run.state}, latest stored checkpoint ${run.latestStored ?? 'none'}, read from ${run.startOffset ?? '-'} to ${run.offset ?? '-'}, ` +
  `${run.checkpointsCompleted} checkpoints completed` +
  (run.result === undefined ? '' : `, restored from ${run.result.restoredFrom ?? 'none'}, last checkpoint ${run.result.lastCheckpoint ?? 'none'}`) +
  (run.error === undefined ? '' : `, failed: ${run.error}`) +
  (run.warnings.length === 0 ? '' : `; warnings: ${run.warnings.join(' | ')}`)

describe('a job in Chromium whose page is reloaded while it runs', () => {
  const browser = useBrowser('spec/browser/page/job-reload.ts')

  const start = (page: Page, config: RunConfig): Promise<RunStatus> => page.evaluate(c => window.jobReloadPage.start(c), config)
  const status = (page: Page): Promise<RunStatus> => page.evaluate(() => window.jobReloadPage.status())

  it(
    `commits exactly the output of one uninterrupted run, after ${RELOADS} reloads at random moments, restoring from the latest checkpoint each time`,
    async () => {
      const random = mulberry32(seed())
      for (let round = 1; round <= ROUNDS; round++) {
        const page = await browser().openPage()
        const pageErrors: string[] = []
        page.on('pageerror', error => pageErrors.push(`page error: ${error.message}`))
        try {
          const config: RunConfig = {
            seed: seed() + round,
            count: READINGS,
            pacing: PACING,
            checkpointDb: `readings-checkpoints-${round}`,
            tableDb: `readings-table-${round}`,
            restore: 'latest'
          }
          const expected = await uninterruptedOutput(config)
          const delays = Array.from({ length: RELOADS }, () => EARLIEST_RELOAD + Math.floor(random() * (LATEST_RELOAD - EARLIEST_RELOAD)))
          const log = [`fast-check seed ${seed()}, round ${round}: reloads ${delays.join(', ')} ms after each start`]

          const interrupted: RunStatus[] = []
          for (const delay of delays) {
            await start(page, config)
            await sleep(delay)
            const before = await status(page)
            interrupted.push(before)
            log.push(`reloaded ${delay} ms after the start: ${describeRun(before)}`)
            await page.reload()
          }
          await start(page, config)
          const last = await page.evaluate(() => window.jobReloadPage.finished())
          log.push(`last run: ${describeRun(last)}`)
          const table = await page.evaluate(db => window.jobReloadPage.table(db), config.tableDb)
          log.push(`table: ${table.rows.length} rows in ${table.commits} commits, ${table.staged} transactions staged and never committed`, ...pageErrors.splice(0))
          const context = log.join('\n')

          expect(last.state).withContext(context).toBe('finished')
          expect(expected.length).withContext('the uninterrupted run has output to compare with').toBeGreaterThan(100)
          expect(difference(expected, table.rows)).withContext(context).toBeUndefined()
          // Not vacuous: some reload interrupted the job after a checkpoint, and the next run
          // restored it and read on from the middle of the readings.
          const restarts = [...interrupted.slice(1), last]
          expect(restarts.some(run => run.startOffset !== undefined && run.startOffset > 0 && run.startOffset < READINGS))
            .withContext(`a run restored from a checkpoint in the middle of the readings\n${context}`)
            .toBeTrue()
          // restore: 'latest' took the newest checkpoint stored.
          expect(last.result?.restoredFrom).withContext(context).toBe(last.latestStored)
        } finally {
          await page.close()
        }
      }
    },
    SPEC_TIMEOUT_MS
  )
})
