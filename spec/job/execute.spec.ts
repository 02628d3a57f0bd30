/**
 * `ds.execute`: the job's sources, checkpoints and restores, and every way they fail: bad
 * options, a store that rejects, a checkpoint that times out, a snapshot that throws, damaged
 * or foreign checkpoints, state of operators the job no longer has.
 */
import { delay, map, Subject, toArray } from 'rxjs'
import * as ds from '../../src/index'

interface View {
  readonly page: string
  readonly ts: number
}

const views: View[] = Array.from({ length: 40 }, (_, i) => ({ page: `/p${i % 3}`, ts: i * 100 }))
const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<View>(100).withTimestampAssigner(v => v.ts)
const quiet = { onWarning: () => {} }

/** Views counted per page per second, the job's pipeline in these specs. */
const counts = (source: ds.DataStream<View>) =>
  source.pipe(
    ds.keyBy(v => v.page, { uid: 'by-page' }),
    ds.windowBy(ds.tumblingEventTimeWindows(1_000), { uid: 'per-second' }).process<View, string, string>((page, ctx, elements, out) => out.collect(`${page}@${ctx.window.start}:${elements.length}`)),
    ds.values()
  )

/** A source over `views` that calls `at(i)` before value i. */
const viewSource = (at: (i: number) => void = () => {}): ds.Source<View, number> => ({
  *read(offset = 0) {
    for (let i = offset; i < views.length; i++) {
      at(i)
      yield { value: views[i]!, offset: i + 1 }
    }
  }
})

function job(source: ds.Source<View, number>, options: ds.JobOptions = {}): ds.Job<string> {
  return ds.execute(env => counts(env.fromSource(source, { uid: 'views' }).pipe(ds.assignTimestampsAndWatermarks(strategy, { uid: 'ts', autoWatermarkInterval: 0 }))), { ...quiet, ...options })
}

async function outputOf<T>(j: ds.Job<T>): Promise<T[]> {
  const out: T[] = []
  j.output$.subscribe(v => out.push(v))
  await j.done
  return out
}

/** A store that fails as told, around a memory store. */
function faultyStore(fail: { put?: (id: number) => boolean; get?: boolean }): ds.CheckpointStore & { readonly inner: ds.CheckpointStore } {
  const inner = ds.memoryStore()
  return {
    inner,
    description: 'faulty store',
    put: async (c, data) => {
      if (fail.put?.(c.checkpointId) === true) throw new Error(`disk full while writing checkpoint ${c.checkpointId}`)
      return inner.put(c, data)
    },
    get: (jobId, id) => inner.get(jobId, id),
    list: jobId => inner.list(jobId),
    delete: (jobId, id) => inner.delete(jobId, id)
  }
}

describe('execute', () => {
  describe('runs a pipeline of the job\'s sources', () => {
    it('fromArray, fromIterable and fromSource give the same output as a plain pipeline', async () => {
      const plain = await new Promise<string[]>(resolve =>
        counts(ds.fromRecords(views.map(v => ({ value: v, timestamp: v.ts }))))
          .pipe(toArray())
          .subscribe(resolve)
      )
      const viaArray = await outputOf(ds.execute(env => counts(env.fromArray(views).pipe(ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }))), quiet))
      const viaIterable = await outputOf(ds.execute(env => counts(env.fromIterable(new Set(views)).pipe(ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }))), quiet))
      const viaSource = await outputOf(job(viewSource()))
      expect(viaArray).toEqual(plain)
      expect(viaIterable).toEqual(plain)
      expect(viaSource).toEqual(plain)
    })

    it('fromObservable reads a live source; a plain RxJS operator may follow a source when no checkpoints are taken', async () => {
      const live = new Subject<number>()
      const j = ds.execute(env => env.fromObservable(live).pipe(map(n => n * 2)), quiet)
      const out: number[] = []
      j.output$.subscribe(v => out.push(v))
      await new Promise(resolve => setTimeout(resolve, 5))
      live.next(1)
      live.next(2)
      live.complete()
      expect(await j.done).toEqual({ status: 'finished', lastCheckpoint: undefined, restoredFrom: undefined })
      expect(out).toEqual([2, 4])
    })

    it('lists its operators by uid, deriving one from the kind and place when none is given', async () => {
      const warnings: string[] = []
      const j = ds.execute(env => env.fromArray([1, 2]).pipe(ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>()), ds.mapValues((n: number) => n + 1), ds.mapValues((n: number) => n * 2, { uid: 'double' }), ds.values()), {
        checkpointing: {},
        onWarning: w => warnings.push(w)
      })
      await j.done
      // Numbered among the operators of their kind (the named one counts too), in the order they start.
      expect(j.operators().map(o => o.uid).sort()).toEqual(['assignTimestampsAndWatermarks#1', 'double', 'fromArray#1', 'mapValues#2'])
      expect(warnings.join()).toContain('operators without a uid')
    })

    it('cancel stops the job: the output completes and done resolves cancelled', async () => {
      let j: ds.Job<string> | undefined
      j = job(viewSource(i => {
        if (i === 10) j!.cancel()
      }))
      const out = await outputOf(j)
      expect((await j.done).status).toBe('cancelled')
      expect(out.length).toBeLessThan((await outputOf(job(viewSource()))).length)
    })
  })

  describe('checkpoints and restores', () => {
    it('restores from a checkpoint by id: the rest of the input continues its state', async () => {
      const store = ds.memoryStore()
      let first: ds.Job<string> | undefined
      let cut = -1
      const before: string[] = []
      first = job(viewSource(i => {
        if (i === 15) {
          cut = before.length
          void first!.checkpoint()
        }
      }), { jobId: 'views', checkpointing: { store, retain: 5 } })
      first.output$.subscribe(v => before.push(v))
      await first.done
      const after = await outputOf(job(viewSource(), { jobId: 'views', checkpointing: { store }, restore: 1 }))
      expect([...before.slice(0, cut), ...after]).toEqual(await outputOf(job(viewSource())))
    })

    it('takes checkpoints on its interval while the sources run', async () => {
      const slow: ds.Source<number, number> = {
        async *read(offset = 0) {
          for (let i = offset; i < 30; i++) {
            await new Promise(resolve => setTimeout(resolve, 3))
            yield { value: i, offset: i + 1 }
          }
        }
      }
      const completed: number[] = []
      const j = ds.execute(env => env.fromSource(slow, { uid: 'slow' }).pipe(ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid: 'ts' }), ds.values()), {
        ...quiet,
        checkpointing: { interval: 10 }
      })
      j.checkpoints$.subscribe(e => {
        if (e.type === 'completed') completed.push(e.checkpointId)
      })
      const result = await j.done
      // At least one on the interval before the final one the job's end takes.
      expect(completed.length).toBeGreaterThanOrEqual(2)
      expect(result.lastCheckpoint).toBe(completed[completed.length - 1])
    })

    it('keeps the newest `retain` checkpoints in the store', async () => {
      const store = ds.memoryStore()
      let j: ds.Job<string> | undefined
      j = job(viewSource(i => {
        if (i % 5 === 0) void j!.checkpoint().catch(() => {})
      }), { jobId: 'r', checkpointing: { store, retain: 2 } })
      await j.done
      await new Promise(resolve => setTimeout(resolve, 5))
      expect((await store.list('r')).length).toBe(2)
    })

    it("restore 'latest' with nothing stored starts from scratch, with a warning", async () => {
      const warnings: string[] = []
      const j = job(viewSource(), { jobId: 'empty', checkpointing: { store: ds.memoryStore() }, restore: 'latest', onWarning: w => warnings.push(w) })
      expect((await j.done).restoredFrom).toBeUndefined()
      expect(warnings.join()).toContain("no checkpoint in memoryStore to restore")
    })
  })

  describe('faults', () => {
    it('a store that rejects a checkpoint aborts it and reports why; the job goes on and the previous checkpoint stays usable', async () => {
      const store = faultyStore({ put: id => id === 2 })
      const events: ds.CheckpointEvent[] = []
      let j: ds.Job<string> | undefined
      j = job(viewSource(i => {
        if (i === 10 || i === 20) void j!.checkpoint().catch(() => {})
      }), { jobId: 'f', checkpointing: { store, retain: 5 } })
      j.checkpoints$.subscribe(e => events.push(e))
      const result = await j.done
      const aborted = events.find(e => e.type === 'aborted')
      expect(aborted?.checkpointId).toBe(2)
      expect(aborted?.type === 'aborted' ? aborted.reason : '').toContain('disk full while writing checkpoint 2')
      expect(result.status).toBe('finished')
      const restored = job(viewSource(), { jobId: 'f', checkpointing: { store }, restore: 1 })
      expect((await restored.done).restoredFrom).toBe(1)
    })

    it('a checkpoint that does not complete in time is aborted with the reason', async () => {
      const never: ds.CheckpointStore = { ...ds.memoryStore(), description: 'stuck store', put: () => new Promise<void>(() => {}) }
      const j = job(viewSource(), { checkpointing: { store: never, timeout: 20 } })
      const events: ds.CheckpointEvent[] = []
      j.checkpoints$.subscribe(e => events.push(e))
      await expectAsync(j.done).toBeRejectedWithError(/final checkpoint failed.*did not complete within 20 ms/)
      expect(events.map(e => e.type)).toEqual(['aborted'])
    })

    it('a snapshot that cannot be taken aborts the checkpoint, naming the operator and the state', async () => {
      const bad: ds.Source<View, () => number> = {
        *read() {
          for (const v of views) yield { value: v, offset: () => 1 }
        }
      }
      const j = ds.execute(env => counts(env.fromSource(bad, { uid: 'bad' }).pipe(ds.assignTimestampsAndWatermarks(strategy, { uid: 'ts' }))), { ...quiet, checkpointing: {} })
      const events: ds.CheckpointEvent[] = []
      j.checkpoints$.subscribe(e => events.push(e))
      await expectAsync(j.done).toBeRejected()
      expect(events[0]?.type === 'aborted' ? events[0].reason : '').toMatch(/operator 'bad' could not snapshot its state: .*offset.*plain JSON data/)
    })

    it("restore 'latest' fails on a damaged newest checkpoint; 'latest-valid' skips it, saying so", async () => {
      const store = ds.memoryStore()
      let j: ds.Job<string> | undefined
      j = job(viewSource(i => {
        if (i === 10) void j!.checkpoint().catch(() => {})
      }), { jobId: 'd', checkpointing: { store, retain: 5 } })
      await j.done
      const newest = (await store.list('d')).at(-1)!
      const data = await store.get('d', newest.checkpointId)
      await store.put(newest, data.slice(0, -10))
      await expectAsync(job(viewSource(), { jobId: 'd', checkpointing: { store }, restore: 'latest' }).done).toBeRejectedWithError(
        ds.CheckpointStoreError,
        new RegExp(`checkpoint ${newest.checkpointId} of job 'd' is damaged`)
      )
      const warnings: string[] = []
      const valid = job(viewSource(), { jobId: 'd', checkpointing: { store }, restore: 'latest-valid', onWarning: w => warnings.push(w) })
      expect((await valid.done).restoredFrom).toBe(newest.checkpointId - 1)
      expect(warnings.join()).toContain(`skipping checkpoint ${newest.checkpointId}`)
    })

    it('state of an operator the job does not have fails the restore, naming its uid, unless allowNonRestoredState', async () => {
      const store = ds.memoryStore()
      let j: ds.Job<string> | undefined
      j = job(viewSource(i => {
        if (i === 10) void j!.checkpoint().catch(() => {})
      }), { jobId: 'u', checkpointing: { store, retain: 5 } })
      await j.done
      const without = (options: ds.JobOptions) =>
        ds.execute(env => env.fromSource(viewSource(), { uid: 'views' }).pipe(ds.assignTimestampsAndWatermarks(strategy, { uid: 'ts' }), ds.values()), { ...quiet, jobId: 'u', checkpointing: { store }, restore: 1, ...options })
      await expectAsync(without({}).done).toBeRejectedWithError(/holds state of operators this job does not have: .*per-second/)
      expect((await without({ allowNonRestoredState: true }).done).restoredFrom).toBe(1)
    })

    it('a restore of a checkpoint or savepoint that is not there is an error', async () => {
      await expectAsync(job(viewSource(), { checkpointing: {}, restore: 7 }).done).toBeRejectedWithError(ds.CheckpointStoreError, /has no checkpoint 7/)
      await expectAsync(job(viewSource(), { checkpointing: {}, restore: 'before-upgrade' }).done).toBeRejectedWithError(/no savepoint named 'before-upgrade'/)
      await expectAsync(job(viewSource(), { restore: 'latest' }).done).toBeRejectedWithError(/restore needs a store/)
    })

    it('two operators with one uid, or a plain RxJS operator between a source and the pipeline in a checkpointed job, fail the job', async () => {
      const twice = ds.execute(env => env.fromArray([1]).pipe(ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid: 'x' }), ds.mapValues((n: number) => n, { uid: 'x' }), ds.values()), quiet)
      await expectAsync(twice.done).toBeRejectedWithError(/two operators of the job have the uid 'x'/)
      const hidden = ds.execute(env => env.fromArray([1], { uid: 'numbers' }).pipe(map(n => n)), { ...quiet, checkpointing: {} })
      await expectAsync(hidden.done).toBeRejectedWithError(/fromArray \(uid numbers\): a plain RxJS operator reads this source, and would drop its checkpoint barriers/)
    })

    it('a source that throws fails the job with an error naming it', async () => {
      const broken: ds.Source<number, number> = {
        *read() {
          yield { value: 1, offset: 1 }
          throw new Error('connection reset')
        }
      }
      const j = ds.execute(env => env.fromSource(broken, { uid: 'feed' }).pipe(ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>()), ds.values()), quiet)
      await expectAsync(j.done).toBeRejectedWithError(/fromSource.*feed.*connection reset/)
    })

    it('checks its options', () => {
      expect(() => ds.execute(env => env.fromArray([1]), { checkpointing: { interval: 0 } })).toThrowError(RangeError, /interval must be a positive finite number/)
      expect(() => ds.execute(env => env.fromArray([1]), { checkpointing: { retain: 0 } })).toThrowError(RangeError, /retain must be a whole number/)
      expect(() => ds.execute(env => env.fromArray([1]), { checkpointing: { mode: 'at-least-once', unaligned: true } })).toThrowError(RangeError, /unaligned checkpoints are exactly-once/)
      expect(() => ds.execute(env => env.fromArray([1]), { jobId: '' })).toThrowError(TypeError, /jobId must be a non-empty string/)
      expect(() => ds.execute(() => 42 as never)).toThrowError(TypeError, /not an Observable/)
    })

    it('job.checkpoint() without checkpointing options rejects, saying what to pass', async () => {
      await expectAsync(job(viewSource()).checkpoint()).toBeRejectedWithError(/has no checkpointing options/)
    })
  })

  describe('backpressure', () => {
    it('sources wait while async I/O is at capacity, so its overflow buffer never overflows', async () => {
      const numbers = Array.from({ length: 3_000 }, (_, i) => i)
      const j = ds.execute(
        env =>
          env.fromArray(numbers, { uid: 'numbers' }).pipe(
            ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid: 'ts' }),
            // 3,000 values pushed in batches would overflow 50 waiting places at once without backpressure.
            ds.asyncWait((n: number) => new Promise<number>(resolve => setTimeout(() => resolve(n * 2), 0)), { capacity: 20, overflowBuffer: 300, uid: 'double' }),
            ds.values()
          ),
        { ...quiet, checkpointing: { interval: 20 } }
      )
      const out = await outputOf(j)
      expect(out).toEqual(numbers.map(n => n * 2))
    }, 30_000)

    it('a source whose values a barrier alignment holds back waits until the alignment completes', async () => {
      // A plain RxJS delay on input 0 (allowed between operators) holds its barrier back; input
      // 1's source would meanwhile read all its values into the union's alignment buffer.
      const FAST = 5_000
      let read = 0
      let readWhileAligning = -1
      let job: ds.Job<number> | undefined
      const fast: ds.Source<number, number> = {
        *read(offset = 0) {
          for (let i = offset; i < FAST; i++) {
            if (i === 1_000) {
              const at = read
              void job!.checkpoint().then(() => (readWhileAligning = read - at))
            }
            read++
            yield { value: i, offset: i + 1 }
          }
        }
      }
      const noWatermarks = (uid: string) => ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid })
      job = ds.execute(
        env =>
          env
            .fromArray([-1, -2, -3], { uid: 'slow-source' })
            .pipe(
              noWatermarks('slow-ts'),
              delay(30),
              ds.unionWith(env.fromSource(fast, { uid: 'fast-source' }).pipe(noWatermarks('fast-ts')), { uid: 'union' }),
              ds.values()
            ),
        { ...quiet, checkpointing: {} }
      )
      const out = await outputOf(job)
      expect(out.filter(n => n >= 0)).toEqual(Array.from({ length: FAST }, (_, i) => i))
      expect(out.filter(n => n < 0)).toEqual([-1, -2, -3])
      // At most the rest of the batch being read when the barrier came (256 values), not the rest of the input.
      expect(readWhileAligning).toBeGreaterThanOrEqual(0)
      expect(readWhileAligning).toBeLessThanOrEqual(256)
    })
  })

  describe('at-least-once', () => {
    it('a union of two sources completes checkpoints without holding records back', async () => {
      const half = (even: boolean): ds.Source<View, number> => ({
        *read(offset = 0) {
          for (let i = offset; i < views.length; i++) if ((i % 2 === 0) === even) yield { value: views[i]!, offset: i + 1 }
        }
      })
      const build = (env: ds.StreamExecutionEnvironment) =>
        counts(
          env
            .fromSource(half(true), { uid: 'even' })
            .pipe(ds.assignTimestampsAndWatermarks(strategy, { uid: 'ts-even', autoWatermarkInterval: 0 }), ds.unionWith(env.fromSource(half(false), { uid: 'odd' }).pipe(ds.assignTimestampsAndWatermarks(strategy, { uid: 'ts-odd', autoWatermarkInterval: 0 })), { uid: 'union' }))
        )
      const j = ds.execute(build, { ...quiet, checkpointing: { mode: 'at-least-once' } })
      const out = await outputOf(j)
      expect((await j.done).lastCheckpoint).toBe(1)
      expect(out.sort()).toEqual((await outputOf(ds.execute(build, quiet))).sort())
    })
  })
})

describe('checkpointingMode outside a job', () => {
  it('at-least-once: a union forwards barrier n when the last input delivers it, holding nothing', () => {
    const a = new Subject<ds.StreamElement<number>>()
    const b = new Subject<ds.StreamElement<number>>()
    const seen: string[] = []
    a.pipe(ds.unionWith(b, { checkpointingMode: 'at-least-once' })).subscribe(e => seen.push(e._tag === 'Record' ? String(e.value) : e._tag))
    a.next(ds.checkpointBarrier(1, 0))
    a.next(ds.streamRecord(1, 1))
    b.next(ds.checkpointBarrier(1, 0))
    expect(seen).toEqual(['1', 'CheckpointBarrier'])
  })

  it('an unknown mode is refused when the operator is made', () => {
    expect(() => ds.unionWith({ checkpointingMode: 'twice' as never })).toThrowError(RangeError, /unionWith: checkpointingMode must be 'exactly-once' or 'at-least-once'/)
  })
})
