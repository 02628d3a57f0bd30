/**
 * `job.metrics$`: snapshots of a job's metrics per operator (records in and out, late records,
 * watermarks and their lag, elements held by an alignment or in async I/O, busy and
 * back-pressured time) and of its checkpoints, on the job's scheduler while subscribed, and a
 * last one when the job ends. Processing time is a virtual clock moved by the specs, so counts,
 * watermarks, lags, alignment times and intervals are exact; real-time measures (busy time) are
 * only checked to be counted where they must be.
 */
import { delay, interval, map, type Observable, sample, type SchedulerAction, type SchedulerLike, Subject, type Subscription, timer } from 'rxjs'
import * as ds from '../../src/index'
import { VirtualClock } from '../support/clocked-restore'

interface Event {
  readonly key: string
  readonly name: string
  readonly ts: number
}

const ev = (name: string, ts: number, key = 'x'): Event => ({ key, name, ts })
const quiet = { onWarning: () => {} }

/** Lets the job run at the clock's time: due work, promises and their follow-ups, until they rest. */
async function settle(clock: VirtualClock): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await new Promise(resolve => setImmediate(resolve))
    clock.advanceTo(clock.now())
  }
}

/**
 * Awaits `promise` while the clock runs what falls due now. A checkpoint is written in steps of
 * a real-time budget, the next step on the job's scheduler: on a loaded machine any checkpoint
 * may take one more step, which only a turn of this clock runs.
 */
async function settled<T>(clock: VirtualClock, promise: Promise<T>): Promise<T> {
  let done = false
  const watched = promise.finally(() => (done = true))
  // A rejection is the caller's to see, when this returns: not unhandled while the clock runs.
  watched.catch(() => {})
  while (!done) await settle(clock)
  return watched
}

/** Moves the clock to `time`, letting the job run at each due time on the way. */
async function advance(clock: VirtualClock, time: number): Promise<void> {
  await settle(clock)
  clock.advanceTo(time)
  await settle(clock)
}

/** Every snapshot `metrics$` emits, and whether it completed. */
function record(metrics$: Observable<ds.JobMetrics>): { readonly snapshots: ds.JobMetrics[]; completed: boolean; readonly subscription: Subscription } {
  const seen = { snapshots: [] as ds.JobMetrics[], completed: false, subscription: undefined as unknown as Subscription }
  seen.subscription = metrics$.subscribe({ next: m => seen.snapshots.push(m), complete: () => (seen.completed = true) })
  return seen
}

/** A scheduler over `clock` that counts the work it runs (to see that nothing runs once the job ended). */
function counting(clock: VirtualClock): SchedulerLike & { runs: number } {
  const scheduler = {
    runs: 0,
    now: () => clock.now(),
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delayMs?: number, state?: T): Subscription {
      return clock.schedule<T>(function (this: SchedulerAction<T>, s?: T) {
        scheduler.runs++
        work.call(this, s)
      }, delayMs, state)
    }
  }
  return scheduler
}

const pick = (o: ds.OperatorMetrics) => ({
  in: o.numRecordsIn,
  out: o.numRecordsOut,
  late: o.numLateRecordsDropped,
  inputWatermark: o.currentInputWatermark,
  outputWatermark: o.currentOutputWatermark,
  lag: o.watermarkLag
})

describe('job.metrics$', () => {
  describe('per operator', () => {
    /** Counts per key per 10 ms, 2 ms of allowed lateness; `drop` events are filtered out. */
    function windowJob(clock: SchedulerLike, input: Observable<Event>): ds.Job<number> {
      return ds.execute(
        env =>
          env.fromObservable(input, { uid: 'events' }).pipe(
            ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner(e => e.ts), { uid: 'ts', autoWatermarkInterval: 0 }),
            ds.filterValues((e: Event) => e.name !== 'drop', { uid: 'filter' }),
            ds.keyBy((e: Event) => e.key, { uid: 'by-key' }),
            ds.windowBy(ds.tumblingEventTimeWindows(10), { uid: 'window' })
              .allowedLateness(2)
              .fold(0, (n: number) => n + 1),
            ds.values()
          ),
        { ...quiet, scheduler: clock, metrics: { interval: 1_000 } }
      )
    }

    it('counts records in and out, late records dropped, and says where the watermarks stand, exactly', async () => {
      const clock = new VirtualClock()
      const input = new Subject<Event>()
      const job = windowJob(clock, input)
      const out: number[] = []
      job.output$.subscribe(n => out.push(n))
      const seen = record(job.metrics$)
      // Subscribed before the job's first turn: a snapshot at once, of a job not running yet.
      expect(seen.snapshots.map(m => [m.status, Object.keys(m.operators).length])).toEqual([['created', 0]])

      await settle(clock)
      for (const e of [ev('a', 1), ev('b', 2), ev('c', 3), ev('drop', 4)]) input.next(e)
      await advance(clock, 1_000)
      const first = seen.snapshots.at(-1)!
      expect(first.timestamp).toBe(1_000)
      expect(first.status).toBe('running')
      expect(Object.keys(first.operators).sort()).toEqual(['by-key', 'events', 'filter', 'ts', 'window'])
      // Monotonous timestamps: the watermark is the highest timestamp - 1 (3, from the dropped event's 4).
      expect(pick(first.operators['events']!)).toEqual({ in: 4, out: 4, late: 0, inputWatermark: -Infinity, outputWatermark: -Infinity, lag: null })
      expect(pick(first.operators['ts']!)).toEqual({ in: 4, out: 4, late: 0, inputWatermark: -Infinity, outputWatermark: 3, lag: 997 })
      expect(pick(first.operators['filter']!)).toEqual({ in: 4, out: 3, late: 0, inputWatermark: 3, outputWatermark: 3, lag: 997 })
      expect(pick(first.operators['by-key']!)).toEqual({ in: 3, out: 3, late: 0, inputWatermark: 3, outputWatermark: 3, lag: 997 })
      expect(pick(first.operators['window']!)).toEqual({ in: 3, out: 0, late: 0, inputWatermark: 3, outputWatermark: 3, lag: 997 })
      expect(first.operators['window']!.kind).toBe('windowBy')

      // 15 fires [0, 10) (3 events) and ends its lateness (9 + 2 <= 14): 5 is then dropped as late.
      for (const e of [ev('d', 15), ev('late', 5), ev('e', 25)]) input.next(e)
      await advance(clock, 2_000)
      const second = seen.snapshots.at(-1)!
      expect(second.timestamp).toBe(2_000)
      expect(pick(second.operators['window']!)).toEqual({ in: 6, out: 2, late: 1, inputWatermark: 24, outputWatermark: 24, lag: 1_976 })
      expect(pick(second.operators['ts']!)).toEqual({ in: 7, out: 7, late: 0, inputWatermark: -Infinity, outputWatermark: 24, lag: 1_976 })
      // Rates over the second since the previous snapshot, on the job's clock.
      expect(second.operators['window']!.numRecordsInPerSecond).toBe(3)
      expect(second.operators['window']!.numRecordsOutPerSecond).toBe(2)
      expect(second.operators['events']!.numRecordsOutPerSecond).toBe(3)
      // One snapshot per interval while subscribed: at 0 (on subscribing), 1,000 and 2,000.
      expect(seen.snapshots.map(m => m.timestamp)).toEqual([0, 1_000, 2_000])

      input.complete()
      expect(await settled(clock, job.done)).toEqual(jasmine.objectContaining({ status: 'finished' }))
      expect(out).toEqual([3, 1, 1])
      const last = seen.snapshots.at(-1)!
      expect(seen.completed).toBe(true)
      expect(last.status).toBe('finished')
      expect(pick(last.operators['window']!)).toEqual({ in: 6, out: 3, late: 1, inputWatermark: Infinity, outputWatermark: Infinity, lag: null })
      expect(pick(last.operators['ts']!)).toEqual({ in: 7, out: 7, late: 0, inputWatermark: Infinity, outputWatermark: Infinity, lag: null })
    })

    it('works with sample(): a dashboard sees the latest snapshot at its own pace', async () => {
      const clock = new VirtualClock()
      const input = new Subject<Event>()
      const job = windowJob(clock, input)
      const sampled: ds.JobMetrics[] = []
      job.metrics$.pipe(sample(interval(2_400, clock))).subscribe(m => sampled.push(m))
      await settle(clock)
      input.next(ev('a', 1))
      await advance(clock, 3_000)
      input.next(ev('b', 12))
      await advance(clock, 6_000)
      // At 2,400 the snapshot of 2,000; at 4,800 the one of 4,000; the others are not seen.
      expect(sampled.map(m => [m.timestamp, m.operators['window']?.numRecordsIn])).toEqual([
        [2_000, 1],
        [4_000, 2]
      ])
      job.cancel()
    })

    it('is plain data: JSON keeps every value but the infinite watermarks, which it writes as null', async () => {
      const clock = new VirtualClock()
      const input = new Subject<Event>()
      const job = windowJob(clock, input)
      const seen = record(job.metrics$)
      await settle(clock)
      input.next(ev('a', 1))
      await advance(clock, 1_000)
      const snapshot = seen.snapshots.at(-1)!
      const finite = JSON.parse(JSON.stringify(snapshot)) as ds.JobMetrics
      for (const [uid, o] of Object.entries(snapshot.operators)) {
        for (const [name, value] of Object.entries(o)) {
          const back = (finite.operators[uid] as unknown as Record<string, unknown>)[name]
          if (typeof value === 'number' && !Number.isFinite(value)) {
            expect([uid, name, back]).toEqual([uid, jasmine.stringMatching(/Watermark$/), null])
          } else {
            expect([uid, name, back]).toEqual([uid, name, value])
          }
        }
      }
      expect(finite.checkpoints).toEqual(snapshot.checkpoints)
      job.cancel()
    })

    it('counts the time of each source\'s batches as busy time of the operators they reach, never per record', async () => {
      const clock = new VirtualClock()
      const job = ds.execute(
        env =>
          env.fromArray(Array.from({ length: 2_000 }, (_, i) => ev('a', i)), { uid: 'events' }).pipe(
            ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner(e => e.ts), { uid: 'ts', autoWatermarkInterval: 0 }),
            ds.mapValues((e: Event) => e.ts, { uid: 'ts-only' }),
            ds.values()
          ),
        { ...quiet, scheduler: clock }
      )
      const seen = record(job.metrics$)
      await settled(clock, job.done)
      const last = seen.snapshots.at(-1)!
      for (const uid of ['events', 'ts', 'ts-only']) {
        const o = last.operators[uid]!
        // One source feeds them all: the same chain time, and nothing held them back.
        expect(o.accumulatedBusyTime).withContext(uid).toBe(last.operators['events']!.accumulatedBusyTime)
        expect(o.accumulatedBusyTime!).withContext(uid).toBeGreaterThan(0)
        expect(o.accumulatedBackPressuredTime).withContext(uid).toBe(0)
        expect(o.accumulatedIdleTime!).withContext(uid).toBeGreaterThanOrEqual(0)
        expect(o.numElementsHeldByAlignment).toBe(0)
        expect(o.checkpointAlignmentTime).toBe(0)
        expect(o.checkpointStartDelay).toBeNull()
      }
    })
  })

  describe('barrier alignment', () => {
    it('shows the elements a union holds while one input\'s barrier is late, and how long the alignment took', async () => {
      const clock = new VirtualClock()
      const slow = new Subject<number>()
      const fast = new Subject<number>()
      const noWatermarks = (uid: string) => ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid })
      const job = ds.execute(
        env =>
          env.fromObservable(slow, { uid: 'slow' }).pipe(
            noWatermarks('slow-ts'),
            // A plain RxJS delay between two rx-datastream operators: this input's barriers come 30 ms late.
            delay(30, clock),
            ds.unionWith(env.fromObservable(fast, { uid: 'fast' }).pipe(noWatermarks('fast-ts')), { uid: 'union' }),
            ds.values()
          ),
        { ...quiet, scheduler: clock, checkpointing: {}, metrics: { interval: 10 } }
      )
      const out: number[] = []
      job.output$.subscribe(n => out.push(n))
      const events: ds.CheckpointEvent[] = []
      job.checkpoints$.subscribe(e => events.push(e))
      await settle(clock)
      fast.next(1)
      slow.next(-1)
      await advance(clock, 100)
      const checkpoint = job.checkpoint()
      // The barrier reached the union on the fast input at once: what that input sends now is held.
      fast.next(2)
      fast.next(3)
      fast.next(4)
      await settle(clock)
      const seen = record(job.metrics$)
      await advance(clock, 110)
      const aligning = seen.snapshots.at(-1)!
      expect(aligning.timestamp).toBe(110)
      const union = aligning.operators['union']!
      expect(union.numElementsHeldByAlignment).toBe(3)
      expect(union.checkpointAlignmentTime).toBe(10)
      expect(aligning.checkpoints.numberOfInProgressCheckpoints).toBe(1)
      // What fills the held input is back-pressured; the other input and the union are not.
      expect(aligning.operators['fast']!.accumulatedBackPressuredTime!).toBeGreaterThan(0)
      expect(aligning.operators['fast-ts']!.accumulatedBackPressuredTime!).toBeGreaterThan(0)
      expect(aligning.operators['slow']!.accumulatedBackPressuredTime).toBe(0)
      expect(union.accumulatedBackPressuredTime).toBe(0)
      expect(out.sort()).toEqual([-1, 1])

      await advance(clock, 130)
      const done = await checkpoint
      expect([done.alignmentTime, done.startDelay]).toEqual([30, 0])
      expect(out.sort()).toEqual([-1, 1, 2, 3, 4])
      await advance(clock, 140)
      const after = seen.snapshots.at(-1)!
      expect(after.operators['union']!.numElementsHeldByAlignment).toBe(0)
      expect(after.operators['union']!.checkpointAlignmentTime).toBe(30)
      expect(after.operators['union']!.checkpointStartDelay).toBe(0)
      expect(after.checkpoints.history).toEqual([jasmine.objectContaining({ type: 'completed', checkpointId: 1, alignmentTime: 30, startDelay: 0 })])
      expect(events).toEqual(after.checkpoints.history)
      job.cancel()
    })
  })

  describe('async I/O', () => {
    it('shows the elements in flight and waiting for a slot, and back-pressure before it while it is full', async () => {
      const clock = new VirtualClock()
      const input = new Subject<number>()
      const job = ds.execute(
        env =>
          env.fromObservable(input, { uid: 'numbers' }).pipe(
            ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner(n => n), { uid: 'ts', autoWatermarkInterval: 0 }),
            ds.asyncWait((n: number) => timer(50, clock).pipe(map(() => n * 10)), { capacity: 2, uid: 'lookup' }),
            ds.values()
          ),
        { ...quiet, scheduler: clock, metrics: { interval: 10 } }
      )
      const out: number[] = []
      job.output$.subscribe(n => out.push(n))
      const seen = record(job.metrics$)
      await settle(clock)
      for (const n of [1, 2, 3, 4, 5]) input.next(n)
      await advance(clock, 10)
      const full = seen.snapshots.at(-1)!.operators
      // A watermark after each record: they take slots too (as in Flink), so the queue holds the
      // first record and its watermark, and the other eight elements wait.
      expect([full['lookup']!.asyncQueueSize, full['lookup']!.asyncOverflowSize]).toEqual([2, 8])
      // Watermarks wait in the queue behind the calls: the input is at 4 (5 - 1), nothing has left.
      expect([full['lookup']!.currentInputWatermark, full['lookup']!.currentOutputWatermark]).toEqual([4, -Infinity])
      expect(full['ts']!.accumulatedBackPressuredTime!).toBeGreaterThan(0)
      expect(full['lookup']!.accumulatedBackPressuredTime).toBe(0)
      expect(full['ts']!.asyncQueueSize).toBeUndefined()

      // One call of 50 ms at a time (its watermark takes the other slot): the last completes at 250.
      await advance(clock, 300)
      const drained = seen.snapshots.at(-1)!.operators['lookup']!
      expect([drained.asyncQueueSize, drained.asyncOverflowSize, drained.numRecordsIn, drained.numRecordsOut, drained.currentOutputWatermark]).toEqual([0, 0, 5, 5, 4])
      expect(out).toEqual([10, 20, 30, 40, 50])
      job.cancel()
    })
  })

  describe('checkpoints', () => {
    it('counts completed and failed checkpoints, with the reason of an abort and the last one\'s duration and size', async () => {
      const clock = new VirtualClock()
      const inner = ds.memoryStore()
      const store: ds.CheckpointStore = {
        ...inner,
        description: 'a store that fails once',
        put: async (c, data) => {
          if (c.checkpointId === 2) throw new Error('disk full')
          return inner.put(c, data)
        }
      }
      const input = new Subject<number>()
      const job = ds.execute(
        env =>
          env.fromObservable(input, { uid: 'numbers' }).pipe(
            ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid: 'ts' }),
            ds.values()
          ),
        { ...quiet, scheduler: clock, checkpointing: { store } }
      )
      const events: ds.CheckpointEvent[] = []
      job.checkpoints$.subscribe(e => events.push(e))
      const seen = record(job.metrics$)
      await settle(clock)
      input.next(1)
      await advance(clock, 100)
      await settled(clock, job.checkpoint())
      await advance(clock, 200)
      await expectAsync(settled(clock, job.checkpoint())).toBeRejectedWithError(/disk full/)
      await advance(clock, 300)
      input.complete()
      await settled(clock, job.done)

      const { checkpoints } = seen.snapshots.at(-1)!
      const final = events[2]!
      expect(events.map(e => [e.type, e.checkpointId, e.type === 'aborted' ? e.reason : e.timestamp])).toEqual([
        ['completed', 1, 100],
        ['aborted', 2, "the store (a store that fails once) failed to write it: disk full"],
        ['completed', 3, 300]
      ])
      expect(checkpoints).toEqual({
        numberOfCompletedCheckpoints: 2,
        numberOfFailedCheckpoints: 1,
        numberOfInProgressCheckpoints: 0,
        totalNumberOfCheckpoints: 3,
        lastCompletedCheckpointId: 3,
        lastCheckpointDuration: 0,
        lastCheckpointSize: final.type === 'completed' ? final.size : NaN,
        lastCheckpointCompletedTimestamp: 300,
        history: events
      })
      expect(checkpoints.lastCheckpointSize).toBeGreaterThan(0)
    })

    it('keeps the 10 newest checkpoints in its history', async () => {
      const clock = new VirtualClock()
      const input = new Subject<number>()
      const job = ds.execute(env => env.fromObservable(input, { uid: 'numbers' }).pipe(ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid: 'ts' }), ds.values()), {
        ...quiet,
        scheduler: clock,
        checkpointing: {}
      })
      const seen = record(job.metrics$)
      await settle(clock)
      for (let i = 0; i < 12; i++) {
        await settled(clock, job.checkpoint())
        await settle(clock)
      }
      job.cancel()
      const { checkpoints } = seen.snapshots.at(-1)!
      expect(checkpoints.numberOfCompletedCheckpoints).toBe(12)
      expect(checkpoints.history.map(e => e.checkpointId)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    })
  })

  describe('the end of a job', () => {
    it('emits a last snapshot and completes; a later subscriber gets that one; nothing runs on the job\'s scheduler after', async () => {
      const clock = new VirtualClock()
      const scheduler = counting(clock)
      const input = new Subject<number>()
      const job = ds.execute(env => env.fromObservable(input, { uid: 'numbers' }).pipe(ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid: 'ts' }), ds.values()), {
        ...quiet,
        scheduler,
        metrics: { interval: 100 }
      })
      const seen = record(job.metrics$)
      await settle(clock)
      input.next(1)
      await advance(clock, 250)
      expect(seen.snapshots.map(m => m.timestamp)).toEqual([0, 100, 200])
      job.cancel()
      expect(seen.completed).toBe(true)
      const last = seen.snapshots.at(-1)!
      expect([last.timestamp, last.status, last.operators['ts']!.numRecordsOut]).toEqual([250, 'cancelled', 1])
      const runs = scheduler.runs
      await advance(clock, 10_000)
      expect(scheduler.runs).toBe(runs)
      const late = record(job.metrics$)
      expect(late.snapshots).toEqual([last])
      expect(late.completed).toBe(true)
    })

    it('stops taking snapshots when the last subscriber leaves, and takes a fresh one for the next', async () => {
      const clock = new VirtualClock()
      const input = new Subject<number>()
      const job = ds.execute(env => env.fromObservable(input, { uid: 'numbers' }).pipe(ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid: 'ts' }), ds.values()), {
        ...quiet,
        scheduler: clock,
        metrics: { interval: 100 }
      })
      const first = record(job.metrics$)
      const second = record(job.metrics$)
      await advance(clock, 150)
      first.subscription.unsubscribe()
      // A late subscriber gets the latest snapshot, the one the others got.
      const third = record(job.metrics$)
      expect(third.snapshots).toEqual([second.snapshots.at(-1)!])
      second.subscription.unsubscribe()
      third.subscription.unsubscribe()
      input.next(1)
      await advance(clock, 1_000)
      expect(second.snapshots.map(m => m.timestamp)).toEqual([0, 100])
      const again = record(job.metrics$)
      expect(again.snapshots.map(m => [m.timestamp, m.operators['ts']!.numRecordsIn])).toEqual([[1_000, 1]])
      again.subscription.unsubscribe()
      job.cancel()
    })

    it('a job stopped with a savepoint ends its metrics with the status stopped; the savepoint counts as a checkpoint', async () => {
      const clock = new VirtualClock()
      const input = new Subject<number>()
      const job = ds.execute(env => env.fromObservable(input, { uid: 'numbers' }).pipe(ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid: 'ts' }), ds.values()), {
        ...quiet,
        scheduler: clock,
        checkpointing: {}
      })
      const seen = record(job.metrics$)
      await settle(clock)
      input.next(1)
      await settle(clock)
      const savepoint = await settled(clock, job.stopWithSavepoint('before-upgrade'))
      expect((await settled(clock, job.done)).status).toBe('stopped')
      const last = seen.snapshots.at(-1)!
      expect(seen.completed).toBe(true)
      expect([last.status, last.checkpoints.numberOfCompletedCheckpoints, last.checkpoints.lastCompletedCheckpointId]).toEqual(['stopped', 1, savepoint.checkpointId])
      expect(last.checkpoints.history).toEqual([jasmine.objectContaining({ type: 'completed', kind: 'savepoint', name: 'before-upgrade' })])
    })

    it('a failed job ends its metrics with the status failed', async () => {
      const clock = new VirtualClock()
      const input = new Subject<number>()
      const job = ds.execute(
        env =>
          env.fromObservable(input, { uid: 'numbers' }).pipe(
            ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid: 'ts' }),
            ds.mapValues((n: number) => {
              if (n === 2) throw new Error('two')
              return n
            }, { uid: 'check' }),
            ds.values()
          ),
        { ...quiet, scheduler: clock }
      )
      job.output$.subscribe({ error: () => {} })
      const seen = record(job.metrics$)
      await settle(clock)
      input.next(1)
      input.next(2)
      await settle(clock)
      await expectAsync(job.done).toBeRejected()
      const last = seen.snapshots.at(-1)!
      expect(seen.completed).toBe(true)
      expect([last.status, last.operators['check']!.numRecordsIn, last.operators['check']!.numRecordsOut]).toEqual(['failed', 2, 1])
    })

    it('on the default scheduler, a finished job\'s metrics$ has completed', async () => {
      const job = ds.execute(env => env.fromArray([1, 2, 3], { uid: 'numbers' }), quiet)
      const seen = record(job.metrics$)
      await job.done
      expect(seen.completed).toBe(true)
      expect(seen.snapshots.at(-1)!.operators['numbers']!.numRecordsOut).toBe(3)
    })
  })

  it('refuses an interval that is not a positive number of milliseconds', () => {
    expect(() => ds.execute(env => env.fromArray([1]), { metrics: { interval: 0 } })).toThrowError(RangeError, /metrics.interval must be a positive finite number of milliseconds, not 0/)
    expect(() => ds.execute(env => env.fromArray([1]), { metrics: { interval: Infinity } })).toThrowError(RangeError, /not Infinity/)
  })
})
