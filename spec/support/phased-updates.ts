/**
 * A keyed job that updates its state phase by phase, waiting between phases (for a checkpoint,
 * a savepoint, a failure), then dumps the state of every key it touched: the harness of the
 * incremental and the chunked checkpoint specs, each with a keyed function of its own. The
 * phased source and `runToEnd` serve the timer and window checkpoint specs too.
 */
import type { Observable } from 'rxjs'
import * as ds from '../../src/index'

/** Sets a key's state (`n` ≥ 0) or clears it (`n` < 0); `dump` asks for it. */
export interface Update {
  readonly key: string
  readonly n: number
  readonly dump?: boolean
}

/** A source of the phases; `between(i)` runs (and is awaited) after phase i, while the source waits. */
export function phased<T = Update>(phases: readonly (readonly T[])[], between: (phase: number) => Promise<void>): ds.Source<T, number> {
  return {
    async *read(offset = 0) {
      let at = 0
      for (let p = 0; p < phases.length; p++) {
        for (const update of phases[p]!) {
          if (at >= offset) yield { value: update, offset: at + 1 }
          at++
        }
        if (at > offset) await between(p)
      }
    }
  }
}

/** A dump of every key the phases touch, whatever the offset a restored job resumes at. */
export function dumpSource(phases: readonly (readonly Update[])[]): ds.Source<Update, number> {
  const keys = [...new Set(phases.flat().map(u => u.key))]
  return {
    *read() {
      for (let i = 0; i < keys.length; i++) yield { value: { key: keys[i]!, n: 0, dump: true }, offset: i + 1 }
    }
  }
}

/** The job: `source`'s updates by key into `keeping`, its output as plain values. */
export const updatesPipeline =
  (keeping: ds.KeyedProcessFunction<string, Update, string>) =>
  (env: ds.StreamExecutionEnvironment, source: ds.Source<Update, number>): Observable<string> =>
    env.fromSource(source, { uid: 'updates' }).pipe(
      ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<Update>(), { uid: 'ts' }),
      ds.keyBy(u => u.key, { uid: 'by-key' }),
      ds.keyedProcess(keeping, { uid: 'keeping' }),
      ds.values()
    )

/** A completed checkpoint's event. */
export type Completed = ds.CheckpointEvent & { readonly type: 'completed' }

/** Runs `job` to its end: what it emitted and the checkpoints it completed, in order (a failed job rejects, through `done`). */
export async function runToEnd<T>(job: ds.Job<T>): Promise<{ readonly out: T[]; readonly completed: Completed[] }> {
  const out: T[] = []
  const completed: Completed[] = []
  job.output$.subscribe({ next: value => out.push(value), error: () => {} })
  job.checkpoints$.subscribe(e => e.type === 'completed' && completed.push(e))
  await job.done
  return { out, completed }
}
