/**
 * The PV/UV dashboard page: the PV/UV job over a live simulated stream of clicks, in the
 * browser. Its checkpoints go to IndexedDB every few seconds and its results to a table there;
 * a reload restores the latest checkpoint and reads on from it, so the counts go on exactly
 * where they were. `npm run dashboard` serves it (server.ts).
 */
import * as ds from 'rx-datastream'
import type { PvUvResult } from '../pvuv/job'
import { LagChart, WindowChart } from './charts'
import { readConfig } from './config'
import { clicksOf, type DashboardConfig, dashboardJobOptions, dashboardPipeline, JOB_ID, liveClicks } from './dashboardJob'
import { ResultsModel } from './model'
import { readResults, resultsSink, resultsTable } from './resultsTable'

/** How the run of this page load is doing: what the page shows in words, and what the browser spec reads. */
export interface DashboardStatus {
  readonly state: 'starting' | 'running' | 'finished' | 'failed'
  readonly total: number
  /** The newest checkpoint stored when the page loaded: the one this run restores. */
  readonly latestStored: number | undefined
  /** Where the source started reading (a restored offset, or 0), and how far it has read. */
  readonly startOffset: number | undefined
  readonly offset: number | undefined
  /** Checkpoints completed by this run. */
  readonly checkpointsCompleted: number
  readonly results: number
  /** Values the charts draw now. */
  readonly chartPoints: number
  readonly error?: string
  readonly warnings: readonly string[]
}

declare global {
  interface Window {
    pvuvDashboard: {
      status(): DashboardStatus
      /** Waits for the end of the clicks. */
      finished(): Promise<DashboardStatus>
      /** The results table, as IndexedDB holds it. */
      results(): Promise<Array<[string, PvUvResult]>>
    }
  }
}

const element = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id)
  if (found === null) throw new Error(`the page has no #${id}`)
  return found as T
}

const clock = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ')

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name)
    request.onsuccess = () => resolve()
    request.onerror = () => reject(request.error ?? new Error(`could not delete the database ${name}`))
  })
}

let status: DashboardStatus = {
  state: 'starting',
  total: 0,
  latestStored: undefined,
  startOffset: undefined,
  offset: undefined,
  checkpointsCompleted: 0,
  results: 0,
  chartPoints: 0,
  warnings: []
}
const update = (change: Partial<DashboardStatus>): void => {
  status = { ...status, ...change }
}

async function start(config: DashboardConfig, reset: boolean): Promise<void> {
  const checkpointDb = `${config.db}-checkpoints`
  const resultsDb = `${config.db}-results`
  if (reset) {
    await Promise.all([deleteDatabase(checkpointDb), deleteDatabase(resultsDb)])
    const url = new URL(location.href)
    url.searchParams.delete('reset')
    history.replaceState(null, '', url)
  }
  const store = ds.indexedDbStore(checkpointDb)
  const results = resultsTable(resultsDb)
  const [stored, committed] = await Promise.all([store.list(JOB_ID), readResults(results)])
  const model = new ResultsModel(committed)
  const clicks = clicksOf(config)
  update({ state: 'running', total: clicks.length, latestStored: stored.at(-1)?.checkpointId, results: model.size })

  const pvChart = new WindowChart(element('pv'), 'Page views', s => [s.pvFinal, s.pvEarly])
  const uvChart = new WindowChart(element('uv'), 'Unique visitors', s => [s.uvFinal, s.uvEarly])
  const lagChart = new LagChart(element('lag'))
  let selected: string | undefined
  let newest = -Infinity

  let drawing = false
  const render = (): void => {
    drawing = false
    const pages = model.pages()
    const page = selected ?? pages[0]?.page
    const picker = element('pages')
    picker.replaceChildren(
      ...pages.slice(0, 8).map(p => {
        const button = document.createElement('button')
        button.textContent = `${p.page} (${p.pv})`
        button.className = p.page === page ? 'selected' : ''
        button.onclick = () => {
          selected = p.page
          render()
        }
        return button
      })
    )
    if (page !== undefined) {
      const series = model.series(page)
      pvChart.show(series, `Page views of ${page} per ${config.window / 1000} s window`)
      uvChart.show(series, `Unique visitors of ${page} per ${config.window / 1000} s window`)
    }
    const top = model.latestTop()
    element('top-title').textContent = top === undefined ? 'Top pages' : `Top pages, ${clock(top.start).slice(11, 16)}–${clock(top.end).slice(11, 16)} UTC`
    element('top').replaceChildren(
      ...(top?.pages ?? []).map(p => {
        const row = document.createElement('tr')
        for (const text of [p.page, String(p.pv)]) row.appendChild(document.createElement('td')).textContent = text
        return row
      })
    )
    element('late').textContent = String(model.lateCount())
    element('sessions').textContent = String(model.sessionCount())
    element('progress').textContent =
      `${status.state}: ${status.offset ?? 0} of ${status.total} clicks read` + (Number.isFinite(newest) ? `, event time ${clock(newest)} UTC` : '') + (status.error === undefined ? '' : ` (${status.error})`)
    update({ results: model.size, chartPoints: pvChart.points() + uvChart.points() + lagChart.points() })
  }
  const redraw = (): void => {
    if (drawing) return
    drawing = true
    requestAnimationFrame(render)
  }
  addEventListener('resize', () => {
    pvChart.resize(element('pv').clientWidth)
    uvChart.resize(element('uv').clientWidth)
    lagChart.resize(element('lag').clientWidth)
  })

  const source = liveClicks(clicks, config.speed, {
    started: offset => update({ startOffset: offset, offset }),
    read: (offset, click) => {
      update({ offset })
      newest = Math.max(newest, click.ts)
    }
  })
  const warn = (message: string): void => {
    update({ warnings: [...status.warnings, message] })
    console.warn(message)
  }
  const job = ds.execute(
    env =>
      dashboardPipeline(env, source, resultsSink(results), config, result => {
        model.apply(result)
        redraw()
      }),
    dashboardJobOptions(config, store, 'latest', warn)
  )
  job.metrics$.subscribe(metrics => {
    const windowOperator = metrics.operators['pv-uv']
    if (windowOperator !== undefined && Number.isFinite(windowOperator.currentInputWatermark) && Number.isFinite(newest)) {
      const lag = Math.max(0, newest - windowOperator.currentInputWatermark)
      lagChart.add(metrics.timestamp, lag)
      element('lag-now').textContent = `${(lag / 1000).toFixed(1)} s`
    }
    const rate = metrics.operators['clicks']?.numRecordsOutPerSecond
    element('rate').textContent = rate == null ? '-' : `${Math.round(rate)}/s`
    const c = metrics.checkpoints
    update({ checkpointsCompleted: c.numberOfCompletedCheckpoints })
    element('checkpoint').textContent =
      c.lastCompletedCheckpointId === null
        ? `none yet${status.latestStored === undefined ? '' : `; restored ${status.latestStored}`}`
        : `#${c.lastCompletedCheckpointId} · ${c.lastCheckpointDuration} ms · ${Math.round((c.lastCheckpointSize ?? 0) / 1000)} kB` + (c.numberOfFailedCheckpoints > 0 ? ` · ${c.numberOfFailedCheckpoints} failed` : '')
    redraw()
  })
  done = job.done.then(
    () => {
      update({ state: 'finished' })
      redraw()
    },
    (error: unknown) => {
      update({ state: 'failed', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) })
      console.error(error)
      redraw()
    }
  )
  render()
}

let done: Promise<void> | undefined

window.pvuvDashboard = {
  status: () => status,
  finished: async () => {
    while (done === undefined && status.state !== 'failed') await new Promise(resolve => setTimeout(resolve, 20))
    await done
    return status
  },
  results: async () => {
    const config = readConfig(location.search)
    return [...(await readResults(resultsTable(`${config.db}-results`)))]
  }
}

function showError(error: unknown): void {
  update({ state: 'failed', error: error instanceof Error ? error.message : String(error) })
  element('error').textContent = status.error ?? ''
  element('error').hidden = false
  element('progress').textContent = 'failed'
}

// Start over works even when the address's settings do not.
element('reset').onclick = () => {
  const url = new URL(location.href)
  url.searchParams.set('reset', '1')
  location.assign(url)
}
try {
  start(readConfig(location.search), new URLSearchParams(location.search).has('reset')).catch(showError)
} catch (error) {
  showError(error)
}
