/**
 * The job of spec/browser/job-reload.spec.ts, in one place for both sides: the page runs it
 * through reloads (spec/browser/page/job-reload.ts) and the spec runs it once, uninterrupted, in
 * Node, for the output to compare with. Its input is derived from a seed, so both sides read the
 * same readings without passing them around.
 */
import { asapScheduler, type Observable } from 'rxjs'
import * as ds from '../../../src/index'
import { mulberry32 } from '../../support/random'

/** A sensor reading: sensor `k` measured `v` at event time `ts`. */
export interface Reading {
  readonly k: number
  readonly v: number
  readonly ts: number
}

export const JOB_ID = 'readings'

/** Readings arrive out of order by less than this (ms of event time), so none is late. */
const OUT_OF_ORDERNESS = 200

/**
 * `count` readings of 6 sensors from `seed`, in arrival order: event time advances by up to
 * 40 ms a reading, and each reading lags the newest by less than the out-of-orderness bound.
 */
export function generateReadings(seed: number, count: number): Reading[] {
  const next = mulberry32(seed)
  const readings: Reading[] = []
  let clock = 0
  for (let i = 0; i < count; i++) {
    clock += Math.floor(next() * 40)
    const lag = Math.floor(next() * (OUT_OF_ORDERNESS - 50))
    readings.push({ k: Math.floor(next() * 6), v: 1 + Math.floor(next() * 9), ts: Math.max(0, clock - lag) })
  }
  return readings
}

/** What the source tells whoever watches it: where it starts reading (a restored offset, or 0) and each offset it reaches. */
export interface SourceWatch {
  started?(offset: number): void
  reached?(offset: number): void
}

/** A pause of `pauseMs` before every `pauseEvery`-th reading, so the job runs for a while, as over a network. */
export interface Pacing {
  readonly pauseEvery: number
  readonly pauseMs: number
}

/** The readings as a replayable source: the offset is the index of the next reading. */
export function readingSource(readings: readonly Reading[], pacing: Pacing, watch: SourceWatch = {}): ds.Source<Reading, number> {
  return {
    async *read(offset = 0) {
      watch.started?.(offset)
      for (let i = offset; i < readings.length; i++) {
        if (i % pacing.pauseEvery === 0) await new Promise<void>(resume => setTimeout(resume, pacing.pauseMs))
        watch.reached?.(i + 1)
        yield { value: readings[i]!, offset: i + 1 }
      }
    }
  }
}

/** Per sensor and event-time second: `sensor@windowStart:count/sum`. */
export function readingsPipeline(env: ds.StreamExecutionEnvironment, source: ds.Source<Reading, number>, sink: ds.Sink<string>): Observable<never> {
  return env.fromSource(source, { uid: 'readings' }).pipe(
    ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<Reading>(OUT_OF_ORDERNESS).withTimestampAssigner(r => r.ts), {
      uid: 'timestamps',
      // Watermarks follow the readings, not the wall clock: the output is the same however the job is paced.
      autoWatermarkInterval: 0
    }),
    ds.keyBy(r => r.k, { uid: 'by-sensor' }),
    ds.windowBy(ds.tumblingEventTimeWindows(1_000), { uid: 'per-second' }).process<Reading, string, number>((sensor, ctx, readings, out) => {
      let sum = 0
      for (const r of readings) sum += r.v
      out.collect(`${sensor}@${ctx.window.start}:${readings.length}/${sum}`)
    }),
    ds.sinkTo(sink, { uid: 'table' })
  )
}

/**
 * The job's options. Its turns go through `asapScheduler`: with the default `asyncScheduler`
 * every value of an async source costs a timer turn, at least 4 ms in a browser (nested timers
 * are clamped), which would make a few thousand readings take many seconds. The periodic
 * checkpoints still use timers (asapScheduler delegates delays > 0 to them), and the source's
 * pauses give the event loop its turns.
 */
export function readingsJobOptions(store: ds.CheckpointStore, restore: ds.JobOptions['restore'], onWarning: (message: string) => void): ds.JobOptions {
  return {
    jobId: JOB_ID,
    checkpointing: { interval: 20, store },
    ...(restore === undefined ? {} : { restore }),
    scheduler: asapScheduler,
    onWarning
  }
}
