import * as ds from '../../src/index'

interface View { page: string; user: string; ts: number }

describe('execute smoke', () => {
  it('runs, checkpoints, restores', async () => {
    const first: unknown[] = []
    let cut = -1
    const views: View[] = Array.from({ length: 2000 }, (_, i) => ({ page: `/p${i % 7}`, user: `u${i % 13}`, ts: i * 100 }))
    const store = ds.memoryStore()
    const build = (env: ds.StreamExecutionEnvironment, at?: number, job?: () => ds.Job<unknown>) =>
      env.fromSource<View, number>({ *read(offset = 0) { for (let i = offset; i < views.length; i++) { if (i === at) { cut = first.length; void job!().checkpoint() } yield { value: views[i]!, offset: i + 1 } } } }, { uid: 'views' }).pipe(
        ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<View>(500).withTimestampAssigner(v => v.ts), { uid: 'ts', autoWatermarkInterval: 0 }),
        ds.keyBy(v => v.page, { uid: 'key' }),
        ds.windowBy(ds.tumblingEventTimeWindows(10_000), { uid: 'win' }).fold(0, (n: number) => n + 1),
        ds.values())
    const full: unknown[] = []
    const j0 = ds.execute(env => build(env), { jobId: 'a' })
    j0.output$.subscribe(v => full.push(v))
    console.log(await j0.done)
    let j1: ds.Job<unknown>
    j1 = ds.execute(env => build(env, 1000, () => j1), { jobId: 'b', checkpointing: { store, retain: 5 } })
    j1.output$.subscribe(v => first.push(v))
    j1.checkpoints$.subscribe(e => console.log(JSON.stringify(e)))
    console.log(await j1.done, (await store.list('b')).map(c => c.checkpointId))
    const j2 = ds.execute(env => build(env), { jobId: 'b', checkpointing: { store }, restore: 1 })
    const second: unknown[] = []
    j2.output$.subscribe(v => second.push(v))
    console.log(await j2.done)
    console.log(full.length, first.length, second.length)
    expect(first).toEqual(full)
    expect([...first.slice(0, cut), ...second]).toEqual(full)
  })
})
