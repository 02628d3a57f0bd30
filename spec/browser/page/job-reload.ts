/**
 * The page of spec/browser/job-reload.spec.ts, bundled by esbuild from these sources into one
 * script (spec/support/browser.ts). It puts `window.jobReloadPage` on the page: start the
 * readings job (spec/browser/page/readings-job.ts) with its checkpoints in one IndexedDB
 * database and its output in another, say how it is doing, and read its output back. The spec
 * reloads the page while the job runs; each load starts the job again, from the latest checkpoint.
 */
import * as ds from '../../../src/index'
import { readTable, type TableContents, tableSink } from './idb-table'
import { generateReadings, JOB_ID, type Pacing, readingsJobOptions, readingSource, readingsPipeline } from './readings-job'

/** What a run of the job is given. */
export interface RunConfig {
  readonly seed: number
  readonly count: number
  readonly pacing: Pacing
  readonly checkpointDb: string
  readonly tableDb: string
  readonly restore: ds.JobOptions['restore']
}

/** How the run of this page load is doing. */
export interface RunStatus {
  readonly state: 'not started' | 'running' | 'finished' | 'failed'
  /** The newest checkpoint in the store when the run started: what `restore: 'latest'` restores. */
  readonly latestStored: number | undefined
  /** The offset the source was first read from (a restored one, or 0); `undefined` until it is read. */
  readonly startOffset: number | undefined
  /** How far the source has read. */
  readonly offset: number | undefined
  readonly checkpointsCompleted: number
  /** Once finished: what `job.done` said. */
  readonly result?: ds.JobResult
  /** Once failed: why. */
  readonly error?: string
  readonly warnings: readonly string[]
}

declare global {
  interface Window {
    jobReloadPage: typeof api
  }
}

let status: RunStatus = { state: 'not started', latestStored: undefined, startOffset: undefined, offset: undefined, checkpointsCompleted: 0, warnings: [] }
const update = (change: Partial<RunStatus>): void => {
  status = { ...status, ...change }
}
let done: Promise<ds.JobResult> | undefined

const api = {
  /** Starts the job; resolves once it is running (it goes on after this resolves). */
  start: async (config: RunConfig): Promise<RunStatus> => {
    if (done !== undefined) throw new Error('the job already runs on this page: reload it to start another')
    const store = ds.indexedDbStore(config.checkpointDb)
    const stored = await store.list(JOB_ID)
    update({ state: 'running', latestStored: stored.at(-1)?.checkpointId })
    const readings = generateReadings(config.seed, config.count)
    const source = readingSource(readings, config.pacing, {
      started: offset => update({ startOffset: offset, offset }),
      reached: offset => update({ offset })
    })
    const warn = (message: string): void => update({ warnings: [...status.warnings, message] })
    const job = ds.execute(env => readingsPipeline(env, source, tableSink(config.tableDb)), readingsJobOptions(store, config.restore, warn))
    job.checkpoints$.subscribe(event => {
      if (event.type === 'completed') update({ checkpointsCompleted: status.checkpointsCompleted + 1 })
      else warn(`checkpoint ${event.checkpointId} aborted: ${event.reason}`)
    })
    done = job.done
    done.then(
      result => update({ state: 'finished', result }),
      (error: unknown) => update({ state: 'failed', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) })
    )
    return status
  },

  status: (): RunStatus => status,

  /** Waits for the job's end. */
  finished: async (): Promise<RunStatus> => {
    if (done === undefined) throw new Error('no job was started on this page')
    await done.then(
      () => {},
      () => {}
    )
    return status
  },

  /** The job's output table. */
  table: (tableDb: string): Promise<TableContents> => readTable(tableDb)
}

window.jobReloadPage = api
