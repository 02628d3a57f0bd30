/**
 * Savepoints: `job.savepoint(name)` and `job.stopWithSavepoint(name)`, listed and deleted in the
 * store, kept outside retention, restored by name; and the property that a savepoint taken at
 * any point and restored into the same job gives what one uninterrupted run gives.
 */
import * as fc from 'fast-check'
import * as ds from '../../src/index'
import { Database, ended, events, pipelines, settle, slowStore } from '../support/recovery'

interface View {
  readonly page: string
  readonly ts: number
}

const views: View[] = Array.from({ length: 60 }, (_, i) => ({ page: `/p${i % 3}`, ts: i * 100 }))
const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<View>(100).withTimestampAssigner(v => v.ts)
const quiet = { onWarning: () => {} }

/** Views counted per page per second. */
function countViews(env: ds.StreamExecutionEnvironment, source: ds.Source<View, number>) {
  return env.fromSource(source, { uid: 'views' }).pipe(
    ds.assignTimestampsAndWatermarks(strategy, { uid: 'ts', autoWatermarkInterval: 0 }),
    ds.keyBy(v => v.page, { uid: 'by-page' }),
    ds.windowBy(ds.tumblingEventTimeWindows(1_000), { uid: 'per-second' }).process<View, string, string>((page, ctx, elements, out) => out.collect(`${page}@${ctx.window.start}:${elements.length}`)),
    ds.values()
  )
}

/** A source over `views` calling `at(i)` before value i. */
const viewSource = (at: (i: number) => void = () => {}): ds.Source<View, number> => ({
  *read(offset = 0) {
    for (let i = offset; i < views.length; i++) {
      at(i)
      yield { value: views[i]!, offset: i + 1 }
    }
  }
})

async function outputOf<T>(job: ds.Job<T>): Promise<T[]> {
  const out: T[] = []
  job.output$.subscribe(v => out.push(v))
  await job.done
  return out
}

const uninterrupted = (): Promise<string[]> => outputOf(ds.execute(env => countViews(env, viewSource()), quiet))

describe('savepoints', () => {
  it('job.savepoint(name) is listed, survives retention, and a job restored from it goes on from there', async () => {
    const store = ds.memoryStore()
    let job: ds.Job<string> | undefined
    let taken: Promise<ds.CheckpointEvent> | undefined
    job = ds.execute(
      env =>
        countViews(
          env,
          viewSource(i => {
            if (i === 25) taken = job!.savepoint('v1')
            if (i === 30 || i === 40) void job!.checkpoint()
          })
        ),
      { ...quiet, jobId: 'views', checkpointing: { store, retain: 1 } }
    )
    await outputOf(job)
    const savepoint = await taken!
    expect(savepoint.type === 'completed' && savepoint.kind).toBe('savepoint')
    // Retention kept one checkpoint, and the savepoint besides it.
    const stored = await store.list('views')
    expect(stored.filter(c => c.kind === 'checkpoint').length).toBe(1)
    expect(await ds.listSavepoints(store, 'views')).toEqual([{ jobId: 'views', name: 'v1', checkpointId: savepoint.checkpointId, timestamp: savepoint.timestamp }])

    // Everything before the savepoint's barrier, then the restored job's output: the uninterrupted output.
    const before: string[] = []
    let cut = false
    let job2: ds.Job<string> | undefined
    job2 = ds.execute(
      env =>
        countViews(
          env,
          viewSource(i => {
            if (i === 25) {
              cut = true
              job2!.cancel()
            }
          })
        ),
      quiet
    )
    job2.output$.subscribe(v => {
      if (!cut) before.push(v)
    })
    await job2.done
    const restored = await outputOf(ds.execute(env => countViews(env, viewSource()), { ...quiet, jobId: 'views', checkpointing: { store }, restore: 'v1' }))
    expect([...before, ...restored]).toEqual(await uninterrupted())
  })

  it('names must be free and meaningful; deleteSavepoint removes one and rejects an unknown name', async () => {
    const store = ds.memoryStore()
    let job: ds.Job<string> | undefined
    const results: Array<Promise<unknown>> = []
    job = ds.execute(
      env =>
        countViews(
          env,
          viewSource(i => {
            if (i === 10) results.push(job!.savepoint('v1'))
            if (i === 20) results.push(job!.savepoint('v1').catch((e: unknown) => e))
            if (i === 21) results.push(job!.savepoint('latest').catch((e: unknown) => e))
            if (i === 22) results.push(job!.savepoint('').catch((e: unknown) => e))
          })
        ),
      { ...quiet, jobId: 'views', checkpointing: { store } }
    )
    await outputOf(job)
    const [, duplicate, latest, blank] = await Promise.all(results)
    expect(String(duplicate)).toMatch(/job 'views' has a savepoint named 'v1' already .*delete it first/)
    expect(String(latest)).toMatch(/'latest' cannot name a savepoint/)
    expect(String(blank)).toMatch(/a savepoint needs a name/)
    await ds.deleteSavepoint(store, 'views', 'v1')
    expect(await ds.listSavepoints(store, 'views')).toEqual([])
    await expectAsync(ds.deleteSavepoint(store, 'views', 'v1')).toBeRejectedWithError(/job 'views' has no savepoint named 'v1'/)
    await expectAsync(ds.execute(env => countViews(env, viewSource()), { ...quiet, jobId: 'views', checkpointing: { store }, restore: 'v1' }).done).toBeRejectedWithError(/no savepoint named 'v1'/)
  })

  it('stopWithSavepoint stops the job where its sources stand, windows unfired; restored, it finishes as one run', async () => {
    const store = ds.memoryStore()
    let job: ds.Job<string> | undefined
    let stopped: Promise<ds.CheckpointEvent> | undefined
    job = ds.execute(
      env =>
        countViews(
          env,
          viewSource(i => {
            if (i === 35) stopped = job!.stopWithSavepoint('upgrade')
          })
        ),
      { ...quiet, jobId: 'views', checkpointing: { store } }
    )
    const before = await outputOf(job)
    const result = await job.done
    const savepoint = await stopped!
    expect(result.status).toBe('stopped')
    expect(result.lastCheckpoint).toBe(savepoint.checkpointId)
    // The window open at the stop did not fire: it is in the savepoint.
    expect(before.length).toBeLessThan((await uninterrupted()).length)
    const after = await outputOf(ds.execute(env => countViews(env, viewSource()), { ...quiet, jobId: 'views', checkpointing: { store }, restore: 'upgrade' }))
    expect([...before, ...after]).toEqual(await uninterrupted())
  })

  it('stopWithSavepoint with drain ends the sources first: every window fires, then the savepoint, then the job stops', async () => {
    const store = ds.memoryStore()
    let job: ds.Job<string> | undefined
    let stopped: Promise<ds.CheckpointEvent> | undefined
    job = ds.execute(
      env =>
        countViews(
          env,
          viewSource(i => {
            if (i === 35) stopped = job!.stopWithSavepoint('retired', { drain: true })
          })
        ),
      { ...quiet, jobId: 'views', checkpointing: { store } }
    )
    const out = await outputOf(job)
    expect((await job.done).status).toBe('stopped')
    expect((await stopped!).kind).toBe('savepoint')
    // The 35 views before the call were counted, down to the last window; none after it.
    expect(out.reduce((n, line) => n + Number(line.split(':')[1]), 0)).toBe(35)
    const windowStart = (line: string): number => Number(line.split('@')[1]!.split(':')[0])
    expect(out.filter(line => windowStart(line) < 3_000)).toEqual((await uninterrupted()).filter(line => windowStart(line) < 3_000))
    // The window open at the stop fired with what it had: views 30 to 34.
    expect(out.filter(line => windowStart(line) === 3_000).sort()).toEqual(['/p0@3000:2', '/p1@3000:2', '/p2@3000:1'])
    expect((await ds.listSavepoints(store, 'views')).map(s => s.name)).toEqual(['retired'])
  })

  it('stopWithSavepoint twice, or without checkpointing options, is refused', async () => {
    const plain = ds.execute(env => countViews(env, viewSource()), quiet)
    await expectAsync(plain.stopWithSavepoint('x')).toBeRejectedWithError(/no checkpointing options/)
    await plain.done
    let job: ds.Job<string> | undefined
    let second: Promise<unknown> | undefined
    job = ds.execute(
      env =>
        countViews(
          env,
          viewSource(i => {
            if (i === 5) {
              void job!.stopWithSavepoint('a')
              second = job!.stopWithSavepoint('b').catch((e: unknown) => e)
            }
          })
        ),
      { ...quiet, checkpointing: {} }
    )
    await outputOf(job)
    expect(String(await second)).toMatch(/is stopping already \(savepoint 'a'\)/)
  })
})

describe('a savepoint taken at any point and restored into the same job gives the output of one uninterrupted run', () => {
  for (const [name, pipeline] of Object.entries(pipelines)) {
    it(name, async () => {
      await fc.assert(
        fc.asyncProperty(
          events(100),
          events(100),
          fc.integer({ min: 0, max: 999 }),
          fc.integer({ min: 0, max: 999 }),
          fc.boolean(),
          fc.boolean(),
          async (a, b, fraction, laterFraction, stop, async) => {
            const reads$ = a.length + (name === 'join' || name === 'union' ? b.length : 0)
            const at = 1 + Math.floor((fraction * reads$) / 1000)
            const dieAt = at + Math.floor((laterFraction * (reads$ - at + 1)) / 1000)
            const reference = new Database()
            await ended(ds.execute(env => pipeline(env, a, b, () => {}, reference.sink(), async), { jobId: 'reference', onWarning: () => {} }), 'reference')

            const db = new Database()
            const checkpointing = { store: slowStore(() => {}) }
            let reads = 0
            let job: ds.Job<never> | undefined
            let taken: Promise<boolean> | undefined
            job = ds.execute(
              env =>
                pipeline(
                  env,
                  a,
                  b,
                  () => {
                    reads++
                    // Either stop with the savepoint, or take it and die at a later read (what
                    // the job wrote after it is not committed, unless the job finished first).
                    if (reads === at) {
                      const request = stop ? job!.stopWithSavepoint('sp') : job!.savepoint('sp')
                      taken = request.then(
                        () => true,
                        () => false
                      )
                    }
                    if (!stop && reads === dieAt) job!.cancel()
                  },
                  db.sink(),
                  async
                ),
              { jobId: 'j', checkpointing, onWarning: () => {} }
            )
            const first = await ended(job, 'first')
            await settle()
            const hasSavepoint = (await taken) === true
            if (first.status !== 'finished') {
              // Restored from the savepoint; or, if the job died before it was stored, run again from scratch.
              const restored = ds.execute(env => pipeline(env, a, b, () => {}, db.sink(), async), { jobId: 'j', checkpointing, ...(hasSavepoint ? { restore: 'sp' } : {}), onWarning: () => {} })
              await ended(restored, 'restored')
            }
            expect([...db.table].sort()).toEqual([...reference.table].sort())
          }
        ),
        { numRuns: 25 }
      )
    }, 300_000)
  }
})
