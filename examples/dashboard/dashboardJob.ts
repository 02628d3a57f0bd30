/**
 * The dashboard's job: examples/pvuv's PV/UV job over a live simulated stream of clicks, its
 * checkpoints in IndexedDB and its results upserted into a table there. The page runs it
 * (main.ts), and the browser spec runs it once in Node for the results to compare with, so
 * everything both sides must agree on is here.
 */
import type { Observable } from 'rxjs'
import { asapScheduler } from 'rxjs'
import * as ds from 'rx-datastream'
import { type Click, clickstream } from '../pvuv/clickstream'
import { type PvUvResult, pvUvJob } from '../pvuv/job'

export const JOB_ID = 'pvuv-dashboard'

/** What a run of the dashboard is given: from the page's address (config.ts). */
export interface DashboardConfig {
  /** The clickstream's seed and length: the same ones give the same clicks. */
  readonly seed: number
  readonly clicks: number
  /** How many times faster than the clock event time runs: 60 plays a minute of clicks in a second. */
  readonly speed: number
  /** The PV/UV window, ms of event time. */
  readonly window: number
  /** Early PV/UV results of the open windows, every this many ms (real time). */
  readonly earlyFirings: number
  /** UV from a set of users per window, or from a HyperLogLog sketch (examples/pvuv/job.ts). */
  readonly uv: 'exact' | 'approximate'
  /** Checkpoints, every this many ms (real time). */
  readonly checkpointInterval: number
  /** Prefix of the IndexedDB databases: `<db>-checkpoints` and `<db>-results`. */
  readonly db: string
}

/** The key of a result in the table: a later result of the same key (a window's next pane) replaces it. */
export function resultKey(result: PvUvResult): string {
  switch (result.kind) {
    case 'pv-uv':
      return `pv-uv ${result.page} ${result.start}`
    case 'top-pages':
      return `top-pages ${result.end}`
    case 'session':
      return `session ${result.user} ${result.start}`
    case 'late':
      return `late ${result.click.user} ${result.click.page} ${result.click.ts}`
  }
}

/** The clicks of a configuration, in arrival order. */
export const clicksOf = (config: Pick<DashboardConfig, 'seed' | 'clicks'>): Click[] => clickstream({ count: config.clicks, seed: config.seed })

/** What the live source tells the page: where it starts (a restored offset, or 0), and each click it reads. */
export interface SourceWatch {
  started?(offset: number): void
  read?(offset: number, click: Click): void
}

/** Real ms: at high speeds a wait this short is not worth a timer (browsers clamp nested timers to 4 ms). */
const SHORTEST_WAIT = 4

/**
 * The clicks as a live stream: each arrives when the simulated clock, running `speed` times
 * faster than the real one from where the source starts, reaches the newest event time so
 * far. Its offset is the index of the next click, so a restored job reads on from its
 * checkpoint, on a clock that starts again there.
 */
export function liveClicks(clicks: readonly Click[], speed: number, watch: SourceWatch = {}): ds.Source<Click, number> {
  if (!(speed > 0)) throw new RangeError(`liveClicks: speed must be a number > 0, got ${speed}`)
  return {
    async *read(offset = 0) {
      watch.started?.(offset)
      const startedAt = performance.now()
      const firstEventTime = clicks[offset]?.ts ?? 0
      let clock = firstEventTime
      for (let i = offset; i < clicks.length; i++) {
        const click = clicks[i]!
        clock = Math.max(clock, click.ts)
        const wait = startedAt + (clock - firstEventTime) / speed - performance.now()
        if (wait >= SHORTEST_WAIT) await new Promise<void>(resume => setTimeout(resume, wait))
        watch.read?.(i + 1, click)
        yield { value: click, offset: i + 1 }
      }
    }
  }
}

/** The job: PV/UV with early firings, its results into `sink`, every result also to `show` as it comes. */
export function dashboardPipeline(
  env: ds.StreamExecutionEnvironment,
  source: ds.Source<Click, number>,
  sink: ds.Sink<PvUvResult>,
  config: Pick<DashboardConfig, 'window' | 'earlyFirings' | 'uv'>,
  show: (result: PvUvResult) => void = () => {}
): Observable<never> {
  return pvUvJob(env.fromSource(source, { uid: 'clicks' }), { window: config.window, earlyFirings: config.earlyFirings, uv: config.uv }).pipe(
    ds.mapValues(
      (result: PvUvResult) => {
        show(result)
        return result
      },
      { uid: 'show' }
    ),
    ds.sinkTo(sink, { uid: 'results' })
  )
}

/**
 * The job's options. Turns go through `asapScheduler`: with the default `asyncScheduler` every
 * click would cost a timer turn, at least 4 ms in a browser, too slow for a fast replay.
 */
export function dashboardJobOptions(
  config: Pick<DashboardConfig, 'checkpointInterval'>,
  store: ds.CheckpointStore,
  restore: ds.JobOptions['restore'],
  onWarning: (message: string) => void
): ds.JobOptions {
  return {
    jobId: JOB_ID,
    checkpointing: { interval: config.checkpointInterval, store },
    ...(restore === undefined ? {} : { restore }),
    scheduler: asapScheduler,
    metrics: { interval: 250 },
    onWarning
  }
}
