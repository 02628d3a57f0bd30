/** @test {transactionalSink} */
// A two-phase-commit sink commits a transaction asynchronously once its checkpoint completes.
// Until that commit has resolved, the transaction must stay in every checkpoint taken: a job
// that fails (a page reloaded, a process killed) before it resolves is restored from a later
// checkpoint, which must still name the transaction for the restore to commit it again.
import type { Observable } from 'rxjs'
import * as ds from 'rx-datastream'

/** A table outside the job (it outlives a run), whose commits hang while `hang` is set. */
class SlowTable {
  readonly staged = new Map<number, string[]>()
  readonly committed = new Set<number>()
  readonly rows: string[] = []
  hang = false
  private next = 0

  sink(): ds.TransactionalSink<string, number> {
    return ds.transactionalSink<string, number>({
      beginTransaction: () => {
        this.staged.set(++this.next, [])
        return this.next
      },
      write: (txn, row) => {
        this.staged.get(txn)!.push(row)
      },
      preCommit: () => {},
      commit: async txn => {
        if (this.hang) await new Promise<void>(() => {})
        if (this.committed.has(txn)) return
        this.committed.add(txn)
        this.rows.push(...(this.staged.get(txn) ?? []))
      },
      abort: txn => {
        this.staged.delete(txn)
      }
    })
  }
}

/** A source of `values` that waits, before value i, for `gates[i]` (if any); offsets are indexes. */
function gatedSource(values: readonly string[], gates: ReadonlyMap<number, Promise<void>>, reached: (i: number) => void): ds.Source<string, number> {
  return {
    async *read(offset = 0) {
      for (let i = offset; i < values.length; i++) {
        await gates.get(i)
        yield { value: values[i]!, offset: i + 1 }
        reached(i + 1)
      }
    }
  }
}

/** The letters read, into the table. */
const letters = (env: ds.StreamExecutionEnvironment, source: ds.Source<string, number>, table: SlowTable): Observable<never> =>
  env.fromSource(source, { uid: 'letters' }).pipe(ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<string>(), { uid: 'ts' }), ds.sinkTo(table.sink(), { uid: 'table' }))

const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise(resolve => setTimeout(resolve, 1))
}

describe('a two-phase-commit sink whose commit is under way', () => {
  it('keeps the transaction in later checkpoints, so a restore from them commits it', async () => {
    const store = ds.memoryStore()
    const table = new SlowTable()
    const options: ds.JobOptions = { jobId: 'slow-commits', checkpointing: { interval: 1_000_000, store }, onWarning: () => {} }
    let release!: () => void
    const gate = new Promise<void>(resolve => (release = resolve))
    let read = 0

    // First run: 'a' in checkpoint 1's transaction, whose commit hangs; 'b' in checkpoint 2's; then the job dies.
    table.hang = true
    const gates = new Map([
      [1, gate],
      [2, new Promise<void>(() => {})]
    ])
    const first = ds.execute(env => letters(env, gatedSource(['a', 'b', 'c'], gates, i => (read = i)), table), options)
    // first.checkpoint() resolves only once the checkpoint's commits have: the events say when it is stored.
    const completed: number[] = []
    first.checkpoints$.subscribe(event => {
      if (event.type === 'completed') completed.push(event.checkpointId)
    })
    await until(() => read === 1)
    void first.checkpoint()
    await until(() => completed.length === 1)
    release()
    await until(() => read === 2)
    void first.checkpoint()
    await until(() => completed.length === 2)
    first.cancel()
    expect(table.rows).toEqual([])

    // Restored from checkpoint 2, with commits that go through.
    table.hang = false
    const second = ds.execute(env => letters(env, gatedSource(['a', 'b', 'c'], new Map(), () => {}), table), { ...options, restore: 'latest' })
    const result = await second.done
    expect(result.restoredFrom).toBe(2)
    expect([...table.rows].sort()).toEqual(['a', 'b', 'c'])
  })

  it('commits what came after a checkpoint\'s barrier only with a later checkpoint, even when the input ended before that checkpoint was stored', async () => {
    // The end of input pre-commits the open transaction ('b', 'c'): checkpoint 1, whose barrier
    // came before them, must commit 'a' alone. Were it to commit 'b' and 'c' too, a job dying
    // before its final checkpoint would be restored from checkpoint 1, read 'b' and 'c' again
    // and write them twice.
    const memory = ds.memoryStore()
    let storeFirst!: () => void
    let storeFinal!: () => void
    const held = new Map([
      [1, new Promise<void>(resolve => (storeFirst = resolve))],
      [2, new Promise<void>(resolve => (storeFinal = resolve))]
    ])
    const store: ds.CheckpointStore = {
      description: 'a store that holds checkpoints back',
      put: async (checkpoint, data) => {
        await held.get(checkpoint.checkpointId)
        return memory.put(checkpoint, data)
      },
      get: (jobId, id) => memory.get(jobId, id),
      list: jobId => memory.list(jobId),
      delete: (jobId, id) => memory.delete(jobId, id)
    }
    const table = new SlowTable()
    let release!: () => void
    const gate = new Promise<void>(resolve => (release = resolve))
    let read = 0
    const job = ds.execute(env => letters(env, gatedSource(['a', 'b', 'c'], new Map([[1, gate]]), i => (read = i)), table), {
      jobId: 'end-before-stored',
      checkpointing: { interval: 1_000_000, store },
      onWarning: () => {}
    })
    const completed: number[] = []
    job.checkpoints$.subscribe(event => {
      if (event.type === 'completed') completed.push(event.checkpointId)
    })
    await until(() => read === 1)
    void job.checkpoint()
    release()
    await until(() => read === 3)
    // The input has ended; checkpoint 1 is still being stored.
    await new Promise(resolve => setTimeout(resolve, 5))
    expect(completed).toEqual([])
    storeFirst()
    await until(() => completed.length === 1)
    // Its commits, then the final checkpoint's barrier (held back in the store) are under way.
    await new Promise(resolve => setTimeout(resolve, 5))
    expect(table.rows).withContext('committed with checkpoint 1').toEqual(['a'])
    storeFinal()
    const result = await job.done
    expect(result.lastCheckpoint).toBe(2)
    expect(table.rows).withContext('committed with the final checkpoint').toEqual(['a', 'b', 'c'])
  })
})
