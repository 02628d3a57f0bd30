/** @test {execute} */
// The PV/UV dashboard of examples/dashboard in a real headless Chromium, as `npm run dashboard`
// serves it (built from the sources here). It must load without a console error and draw its
// charts; reloaded three times at random moments while the clicks stream in, its results table
// in IndexedDB must end equal to what one uninterrupted run of the same job leaves (run here in
// Node). A screenshot of the finished page is written to artifacts/dashboard.png.
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import fc from 'fast-check'
import type { Page } from 'playwright-core'
import * as ds from 'rx-datastream'
import { clicksOf, type DashboardConfig, dashboardJobOptions, dashboardPipeline, liveClicks, resultKey } from '../../examples/dashboard/dashboardJob'
import type { DashboardStatus } from '../../examples/dashboard/main'
import { buildDashboard, serveDashboard } from '../../examples/dashboard/server'
import type { PvUvResult } from '../../examples/pvuv/job'
import { useBrowserOn } from '../support/browser'
import { mulberry32 } from '../support/random'

const SPEC_TIMEOUT_MS = 90_000
const RELOADS = 3
/** About 50 minutes of clicks at 1,000 times the clock's speed: three seconds of streaming. */
const CONFIG: Omit<DashboardConfig, 'seed' | 'db' | 'uv'> = { clicks: 3_000, speed: 1_000, window: 60_000, earlyFirings: 50, checkpointInterval: 150 }
/** When, after a page load, it is reloaded (ms). */
const EARLIEST_RELOAD = 300
const LATEST_RELOAD = 1_500
const ARTIFACT = resolve(__dirname, '../../../artifacts/dashboard.png')

const seed = (): number => fc.readConfigureGlobal().seed ?? 0
const sleep = (ms: number): Promise<void> => new Promise(done => setTimeout(done, ms))

/** The results table one uninterrupted run leaves, in Node, with checkpoints in memory and clicks as fast as they come. */
async function uninterruptedTable(config: DashboardConfig): Promise<Map<string, PvUvResult>> {
  const table = new Map<string, PvUvResult>()
  const sink = ds.upsertSink<PvUvResult, string>({
    key: resultKey,
    upsert: rows => {
      for (const [key, row] of rows) table.set(key, row)
    }
  })
  const source = liveClicks(clicksOf(config), Number.MAX_VALUE)
  const result = await ds.execute(env => dashboardPipeline(env, source, sink, config), dashboardJobOptions(config, ds.memoryStore(), undefined, () => {})).done
  expect(result.status).toBe('finished')
  return table
}

/** Where two tables differ, in a few words; `undefined` when they are equal. */
function difference(expected: ReadonlyMap<string, PvUvResult>, actual: ReadonlyMap<string, PvUvResult>): string | undefined {
  const missing = [...expected.keys()].filter(key => !actual.has(key))
  const extra = [...actual.keys()].filter(key => !expected.has(key))
  const changed = [...expected].filter(([key, row]) => actual.has(key) && JSON.stringify(actual.get(key)) !== JSON.stringify(row))
  if (missing.length + extra.length + changed.length === 0) return undefined
  return (
    `${actual.size} results, ${expected.size} expected: ${missing.length} missing (${missing.slice(0, 3).join(', ')}), ` +
    `${extra.length} extra (${extra.slice(0, 3).join(', ')}), ${changed.length} different (` +
    changed
      .slice(0, 2)
      .map(([key, row]) => `${key}: ${JSON.stringify(actual.get(key))} instead of ${JSON.stringify(row)}`)
      .join('; ') +
    ')'
  )
}

const describeRun = (run: DashboardStatus): string =>
  `${run.state}, restoring checkpoint ${run.latestStored ?? 'none'}, read from ${run.startOffset ?? '-'} to ${run.offset ?? '-'} of ${run.total}, ` +
  `${run.checkpointsCompleted} checkpoints completed, ${run.results} results shown, ${run.chartPoints} chart points` +
  (run.error === undefined ? '' : `, failed: ${run.error}`)

describe('the PV/UV dashboard in Chromium', () => {
  const browser = useBrowserOn(async () => serveDashboard(await buildDashboard({ library: 'sources', production: false })))

  const status = (page: Page): Promise<DashboardStatus> => page.evaluate(() => window.pvuvDashboard.status())
  /** Waits until the page's job runs and its charts draw something (it loads asynchronously: IndexedDB first). */
  async function running(page: Page): Promise<DashboardStatus> {
    await page.waitForFunction(() => window.pvuvDashboard !== undefined && window.pvuvDashboard.status().state !== 'starting')
    return status(page)
  }

  it(
    `loads without console errors, draws its charts, and after ${RELOADS} reloads at random moments its results equal an uninterrupted run's`,
    async () => {
      const random = mulberry32(seed())
      // Either way of counting UV, by the seed: both must resume exactly.
      const config: DashboardConfig = { ...CONFIG, seed: 1 + (seed() % 100_000), uv: seed() % 2 === 0 ? 'exact' : 'approximate', db: `dashboard-${seed()}` }
      const expected = await uninterruptedTable(config)
      const address = `${browser().url}?seed=${config.seed}&clicks=${config.clicks}&speed=${config.speed}&early=${config.earlyFirings}ms&checkpoint=${config.checkpointInterval}ms&uv=${config.uv}&db=${config.db}`
      const page = await browser().context.newPage()
      const errors: string[] = []
      page.on('console', message => {
        if (message.type() === 'error') errors.push(`console error: ${message.text()}`)
      })
      page.on('pageerror', error => errors.push(`page error: ${error.message}`))
      try {
        await page.goto(address)
        const delays = Array.from({ length: RELOADS }, () => EARLIEST_RELOAD + Math.floor(random() * (LATEST_RELOAD - EARLIEST_RELOAD)))
        const log = [`fast-check seed ${seed()}: ${address}; reloads ${delays.join(', ')} ms after each load`]
        const starts: DashboardStatus[] = []
        for (const delay of delays) {
          starts.push(await running(page))
          await sleep(delay)
          log.push(`reloaded ${delay} ms after the load: ${describeRun(await status(page))}`)
          await page.reload()
        }
        starts.push(await running(page))
        const last = await page.evaluate(() => window.pvuvDashboard.finished())
        log.push(`last run: ${describeRun(last)}`, ...errors)
        const context = log.join('\n')

        expect(last.state).withContext(context).toBe('finished')
        expect(expected.size).withContext('the uninterrupted run has results to compare with').toBeGreaterThan(100)
        const table = new Map(await page.evaluate(() => window.pvuvDashboard.results()))
        expect(difference(expected, table)).withContext(context).toBeUndefined()
        // Not vacuous: a reload came after a checkpoint, and the next load restored it and read
        // on from the middle of the clicks, showing the results committed before.
        expect(starts.slice(1).some(run => run.startOffset !== undefined && run.startOffset > 0 && run.startOffset < config.clicks))
          .withContext(`a load restored a checkpoint in the middle of the clicks\n${context}`)
          .toBeTrue()
        expect(last.chartPoints).withContext(`the charts draw the results\n${context}`).toBeGreaterThan(10)
        expect(await page.locator('canvas').count()).withContext('uPlot draws on canvases').toBeGreaterThanOrEqual(3)
        expect(errors).withContext(context).toEqual([])

        mkdirSync(join(ARTIFACT, '..'), { recursive: true })
        await page.setViewportSize({ width: 1200, height: 860 })
        await page.screenshot({ path: ARTIFACT, fullPage: true })
        process.stdout.write(`\ndashboard screenshot: artifacts/dashboard.png\n`)
      } finally {
        await page.close()
      }
    },
    SPEC_TIMEOUT_MS
  )
})
