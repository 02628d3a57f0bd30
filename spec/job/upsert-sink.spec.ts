/**
 * `ds.upsertSink`: rows written by key, coalesced between checkpoints and written at each
 * barrier; replays after a restore write the same rows again, so the table ends as after one
 * uninterrupted run.
 */
import * as ds from '../../src/index'

interface Row {
  readonly page: string
  readonly views: number
}

/** A table by key, and every upsert call it received. */
class Table {
  readonly rows = new Map<string, number>()
  readonly calls: Array<Array<[string, number]>> = []

  sink(): ds.TransactionalSink<Row, number> {
    return ds.upsertSink<Row, string>({
      key: row => row.page,
      upsert: rows => {
        this.calls.push([...rows].map(([page, row]) => [page, row.views]))
        for (const [page, row] of rows) this.rows.set(page, row.views)
      }
    })
  }
}

/** Running view counts per page over 30 views of 3 pages. */
const views = Array.from({ length: 30 }, (_, i) => ({ page: `/p${i % 3}`, ts: i }))
const counts: Row[] = (() => {
  const seen = new Map<string, number>()
  return views.map(v => {
    seen.set(v.page, (seen.get(v.page) ?? 0) + 1)
    return { page: v.page, views: seen.get(v.page)! }
  })
})()

const source = (at: (i: number) => void = () => {}): ds.Source<Row, number> => ({
  *read(offset = 0) {
    for (let i = offset; i < counts.length; i++) {
      at(i)
      yield { value: counts[i]!, offset: i + 1 }
    }
  }
})

const pipeline = (env: ds.StreamExecutionEnvironment, src: ds.Source<Row, number>, table: Table) =>
  env.fromSource(src, { uid: 'counts' }).pipe(
    ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<Row>(), { uid: 'ts' }),
    ds.sinkTo(table.sink(), { uid: 'table' })
  )

describe('upsertSink', () => {
  it('writes the latest row per key, coalesced, when the stream ends', () => {
    const table = new Table()
    ds.fromRecords(counts.map((value, timestamp) => ({ value, timestamp })))
      .pipe(ds.sinkTo(table.sink()))
      .subscribe()
    expect(Object.fromEntries(table.rows)).toEqual({ '/p0': 10, '/p1': 10, '/p2': 10 })
    expect(table.calls).toEqual([[['/p0', 10], ['/p1', 10], ['/p2', 10]]])
  })

  it('writes at each checkpoint; a job restored after a failure leaves the table as one run does', async () => {
    const store = ds.memoryStore()
    const table = new Table()
    let job: ds.Job<never> | undefined
    let checkpoint: Promise<unknown> | undefined
    // Dies at value 25, once the checkpoint taken at value 10 is complete.
    const dying: ds.Source<Row, number> = {
      async *read(offset = 0) {
        for (let i = offset; i < counts.length; i++) {
          if (i === 10) checkpoint = job!.checkpoint()
          if (i === 25) {
            await checkpoint
            job!.cancel()
            return
          }
          yield { value: counts[i]!, offset: i + 1 }
        }
      }
    }
    job = ds.execute(env => pipeline(env, dying, table), { jobId: 'upserts', checkpointing: { store, retain: 5 }, onWarning: () => {} })
    expect((await job.done).status).toBe('cancelled')
    // The barrier wrote what came before it, the latest row per page; nothing after it was written.
    expect(table.calls).toEqual([[['/p0', 4], ['/p1', 3], ['/p2', 3]]])
    expect(Object.fromEntries(table.rows)).toEqual({ '/p0': 4, '/p1': 3, '/p2': 3 })
    const restored = ds.execute(env => pipeline(env, source(), table), { jobId: 'upserts', checkpointing: { store }, restore: 'latest', onWarning: () => {} })
    await restored.done
    expect(Object.fromEntries(table.rows)).toEqual({ '/p0': 10, '/p1': 10, '/p2': 10 })
  })

  it('a table that rejects a write aborts the checkpoint, and the job goes on', async () => {
    let fail = true
    const events: ds.CheckpointEvent[] = []
    const rows = new Map<string, number>()
    const sink = ds.upsertSink<Row, string>({
      key: row => row.page,
      upsert: async batch => {
        if (fail) {
          fail = false
          throw new Error('the table is read-only')
        }
        for (const [page, row] of batch) rows.set(page, row.views)
      }
    })
    let job: ds.Job<never> | undefined
    job = ds.execute(
      env =>
        env
          .fromSource(
            source(i => {
              if (i === 5) void job!.checkpoint().catch(() => {})
            }),
            { uid: 'counts' }
          )
          .pipe(ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<Row>(), { uid: 'ts' }), ds.sinkTo(sink, { uid: 'table' })),
      { checkpointing: {}, onWarning: () => {} }
    )
    job.checkpoints$.subscribe(e => events.push(e))
    await job.done
    expect(events[0]?.type === 'aborted' ? events[0].reason : '').toMatch(/the table is read-only/)
    expect(Object.fromEntries(rows)).toEqual({ '/p0': 10, '/p1': 10, '/p2': 10 })
  })

  it('needs key and upsert functions', () => {
    expect(() => ds.upsertSink({ key: (r: Row) => r.page } as unknown as ds.UpsertSinkFunctions<Row, string>)).toThrowError(TypeError, /key and upsert must be functions/)
  })
})
