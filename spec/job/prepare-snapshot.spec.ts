/**
 * Before a barrier goes in, the checkpoint coordinator lets keyed backends prepare their
 * snapshots in steps (`prepareSnapshot`: the LMDB backend writes its cache ahead). These specs
 * drive that loop with a backend whose preparation is scripted: a backend that is never ready
 * gets the barrier after the step limit, one ready after a few steps gets it then, and one
 * whose preparation throws aborts the checkpoint naming the operator. In every case the job's
 * checkpoints hold its state.
 */
import * as t from 'io-ts'
import * as ds from '../../src/index'
import type { KeyedStateBackend, KeyedStateBackendOptions } from '../../src/state/KeyedStateBackend'

/** The coordinator's most preparation steps per barrier (`PREPARE_STEPS`). */
const STEP_LIMIT = 64

const counter = ds.valueState('n', t.number)

/** Counts per key; a negative value asks for the key's count, answered `[key, count]`. */
const counting: ds.KeyedProcessFunction<number, number, readonly [number, number]> = {
  processElement(key, ctx, out) {
    const n = ctx.state(counter).value() ?? 0
    if (key < 0) out.collect([-key, ctx.state(counter).value() ?? 0])
    else ctx.state(counter).update(n + 1)
  }
}

/**
 * The heap backend, whose keyed backends prepare as `prepare(call)` says (the number of the
 * call within one barrier's preparation, from 1), counted in `calls`.
 */
function scripted(prepare: (call: number) => boolean, calls: number[]): ds.StateBackend {
  const heap = ds.heapStateBackend()
  return {
    ...heap,
    createKeyedStateBackend: <K>(options: KeyedStateBackendOptions): KeyedStateBackend<K> => {
      const keyed = heap.createKeyedStateBackend<K>(options)
      let call = 0
      keyed.prepareSnapshot = () => {
        calls.push(++call)
        const ready = prepare(call)
        if (ready) call = 0
        return ready
      }
      return keyed
    }
  }
}

/** Runs keys 1…5 once each, a checkpoint, then keys 1…3 again: the checkpoint's event, or its error. */
async function runWith(stateBackend: ds.StateBackend, store: ds.CheckpointStore): Promise<ds.CheckpointEvent | Error> {
  let job: ds.Job<readonly [number, number]> | undefined
  let outcome: ds.CheckpointEvent | Error | undefined
  const source: ds.Source<number, number> = {
    async *read(offset = 0) {
      let at = offset
      for (const key of [1, 2, 3, 4, 5]) yield { value: key, offset: ++at }
      outcome = await job!.checkpoint().catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))
      for (const key of [1, 2, 3]) yield { value: key, offset: ++at }
    }
  }
  job = ds.execute(
    env =>
      env.fromSource(source, { uid: 'keys' }).pipe(
        ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid: 'timestamps' }),
        ds.keyBy(key => key, { uid: 'by-key' }),
        ds.keyedProcess(counting, { uid: 'count' }),
        ds.values()
      ),
    { jobId: 'prepare', checkpointing: { store, retain: 10 }, stateBackend, onWarning: () => {} }
  )
  job.output$.subscribe({ error: () => {} })
  await job.done
  return outcome!
}

/** The counts of keys 1…5 held by checkpoint `checkpointId`. */
async function countsIn(store: ds.CheckpointStore, checkpointId: number): Promise<ReadonlyArray<readonly [number, number]>> {
  // The same kind of source as the job's (a snapshot belongs to its operator's kind), asking.
  const questions: ds.Source<number, number> = {
    *read(offset = 0) {
      for (const key of [1, 2, 3, 4, 5]) yield { value: -key, offset: offset + key }
    }
  }
  const job = ds.execute(
    env =>
      env.fromSource(questions, { uid: 'keys' }).pipe(
        ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid: 'timestamps' }),
        ds.keyBy(key => Math.abs(key), { uid: 'by-key' }),
        ds.keyedProcess(counting, { uid: 'count' }),
        ds.values()
      ),
    { jobId: 'prepare', checkpointing: { store }, restore: checkpointId, onWarning: () => {} }
  )
  const counts: Array<readonly [number, number]> = []
  job.output$.subscribe(answer => counts.push(answer))
  await job.done
  return counts
}

describe('preparing snapshots before a barrier', () => {
  it('injects the barrier after the step limit when a backend never says it is ready, and the checkpoint holds the state', async () => {
    const calls: number[] = []
    const store = ds.memoryStore()
    const outcome = await runWith(
      scripted(() => false, calls),
      store
    )
    if (outcome instanceof Error) throw outcome
    expect(outcome.type).toBe('completed')
    // The checkpoint asked for mid-stream: exactly the step limit (the job's final checkpoint
    // comes after the operator ended, with nothing to prepare).
    expect(calls).toEqual(Array.from({ length: STEP_LIMIT }, (_, i) => i + 1))
    expect(await countsIn(store, outcome.checkpointId)).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 1]
    ])
  })

  it('injects the barrier at the step a backend says it is ready', async () => {
    const calls: number[] = []
    const store = ds.memoryStore()
    const outcome = await runWith(
      scripted(call => call === 3, calls),
      store
    )
    if (outcome instanceof Error) throw outcome
    expect(calls).toEqual([1, 2, 3])
    expect((await countsIn(store, outcome.checkpointId)).map(([, n]) => n)).toEqual([1, 1, 1, 1, 1])
  })

  it('aborts the checkpoint, naming the operator, when a preparation throws; the job goes on', async () => {
    const store = ds.memoryStore()
    const calls: number[] = []
    const outcome = await runWith(
      scripted(() => {
        throw new Error('disk full')
      }, calls),
      store
    )
    expect(outcome).toBeInstanceOf(Error)
    expect((outcome as Error).message).toMatch(/operator 'count' could not prepare its snapshot: disk full/)
    // One call, then the abort; the job ran to its end and stored its final checkpoint.
    expect(calls).toEqual([1])
    expect((await store.list('prepare')).length).toBe(1)
  })
})
