/**
 * Jobs for recovery specs: pipelines of windows, a keyed process function with timers, an
 * interval join and a union, each over replayable sources that call a hook before every value
 * (so that a spec can checkpoint, take a savepoint, stop or fail the job there), writing to a
 * two-phase-commit sink into a small transactional database; and what the specs need around
 * them (event arbitraries, a slow store, a bounded wait for a job's end).
 */
import * as fc from 'fast-check'
import * as t from 'io-ts'
import { asyncScheduler, type Observable, observeOn } from 'rxjs'
import * as ds from '../../src/index'

export interface Event {
  readonly k: number
  readonly v: number
  readonly ts: number
}

/** A database with transactions, shared by the runs of a job as a real one would be. */
export class Database {
  private nextTxn = 0
  readonly staged = new Map<number, string[]>()
  private readonly committed = new Set<number>()
  readonly table: string[] = []

  sink(): ds.TransactionalSink<string, number> {
    return ds.transactionalSink<string, number>({
      beginTransaction: () => {
        this.staged.set(++this.nextTxn, [])
        return this.nextTxn
      },
      write: (txn, row) => {
        this.staged.get(txn)!.push(row)
      },
      preCommit: () => Promise.resolve(),
      commit: txn => {
        // Idempotent: a restore commits again what may already be committed.
        if (this.committed.has(txn)) return
        this.committed.add(txn)
        this.table.push(...(this.staged.get(txn) ?? []))
      },
      abort: txn => {
        this.staged.delete(txn)
      }
    })
  }
}

/** Hooks a test calls from inside a source: at the i-th value read. */
export type AtRead = (source: string, i: number) => void

/**
 * A source over `events` that calls `at` before each value (so a test can checkpoint or fail
 * there); asynchronous ones interleave with each other value by value.
 */
export function eventSource(name: string, events: readonly Event[], at: AtRead, async: boolean): ds.Source<Event, number> {
  if (async) {
    return {
      async *read(offset = 0) {
        for (let i = offset; i < events.length; i++) {
          await Promise.resolve()
          at(name, i)
          yield { value: events[i]!, offset: i + 1 }
        }
      }
    }
  }
  return {
    *read(offset = 0) {
      for (let i = offset; i < events.length; i++) {
        at(name, i)
        yield { value: events[i]!, offset: i + 1 }
      }
    }
  }
}

export const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>(200).withTimestampAssigner(e => e.ts)
export const timestamps = (uid: string) => ds.assignTimestampsAndWatermarks(strategy, { uid, autoWatermarkInterval: 0 })
export const sum = ds.valueState('sum', t.number)

export type Pipeline = (env: ds.StreamExecutionEnvironment, a: readonly Event[], b: readonly Event[], at: AtRead, sink: ds.Sink<string>, async: boolean) => Observable<never>

export const pipelines: Record<string, Pipeline> = {
  windows: (env, a, _b, at, sink, async) =>
    env.fromSource(eventSource('a', a, at, async), { uid: 'a' }).pipe(
      timestamps('ts-a'),
      ds.keyBy(e => e.k, { uid: 'key' }),
      ds.windowBy(ds.tumblingEventTimeWindows(1_000), { uid: 'window' }).process<Event, string, number>((key, ctx, elements, out) =>
        out.collect(`${key}@${ctx.window.start}:${elements.reduce((s, e) => s + e.v, 0)}`)
      ),
      ds.sinkTo(sink, { uid: 'sink' })
    ),
  keyedProcess: (env, a, _b, at, sink, async) =>
    env.fromSource(eventSource('a', a, at, async), { uid: 'a' }).pipe(
      timestamps('ts-a'),
      ds.keyBy(e => e.k, { uid: 'key' }),
      ds.keyedProcess<number, Event, string>(
        {
          processElement: (e, ctx, out) => {
            const s = (ctx.state(sum).value() ?? 0) + e.v
            ctx.state(sum).update(s)
            ctx.timerService().registerEventTimeTimer(e.ts + 500)
            out.collect(`${ctx.getCurrentKey()}+${e.v}=${s}`)
          },
          onTimer: (ts, ctx, out) => out.collect(`${ctx.getCurrentKey()} timer ${ts}: ${ctx.state(sum).value() ?? 0}`)
        },
        { uid: 'process' }
      ),
      ds.sinkTo(sink, { uid: 'sink' })
    ),
  join: (env, a, b, at, sink, async) => {
    const left = env.fromSource(eventSource('a', a, at, async), { uid: 'a' }).pipe(timestamps('ts-a'), ds.keyBy(e => e.k, { uid: 'key-a' }))
    // A plain RxJS hop on one input: its elements (barriers too) arrive later than the other's, so alignment holds records.
    const right = env.fromSource(eventSource('b', b, at, async), { uid: 'b' }).pipe(timestamps('ts-b'), observeOn(asyncScheduler), ds.keyBy(e => e.k, { uid: 'key-b' }))
    return left.pipe(
      ds
        .intervalJoinWith(right, { uid: 'join' })
        .between(-300, 300)
        .process((l: Event, r: Event, _ctx, out: ds.Collector<string>) => out.collect(`${l.k}:${l.v}-${r.v}`)),
      ds.sinkTo(sink, { uid: 'sink' })
    )
  },
  union: (env, a, b, at, sink, async) => {
    const left = env.fromSource(eventSource('a', a, at, async), { uid: 'a' }).pipe(timestamps('ts-a'))
    const right = env.fromSource(eventSource('b', b, at, async), { uid: 'b' }).pipe(timestamps('ts-b'), observeOn(asyncScheduler))
    return left.pipe(
      ds.unionWith(right, { uid: 'union' }),
      ds.keyBy(e => e.k, { uid: 'key' }),
      ds.windowBy(ds.slidingEventTimeWindows(1_000, 500), { uid: 'window' }).process<Event, string, number>((key, ctx, elements, out) =>
        out.collect(`${key}@${ctx.window.start}:${elements.length}`)
      ),
      ds.sinkTo(sink, { uid: 'sink' })
    )
  }
}

/** Events in time order with bounded disorder (< the strategy's 200 ms), as a source delivers them. */
export const events = (max: number): fc.Arbitrary<Event[]> =>
  fc.array(fc.record({ k: fc.integer({ min: 0, max: 3 }), v: fc.integer({ min: 1, max: 9 }), gap: fc.integer({ min: 0, max: 120 }), jitter: fc.integer({ min: 0, max: 150 }) }), { maxLength: max, size: 'max' }).map(raw => {
    let clock = 0
    return raw.map(({ k, v, gap, jitter }) => {
      clock += gap
      return { k, v, ts: Math.max(0, clock - jitter) }
    })
  })

/** A job's end, or an error naming `what` if it has not ended within 10 s (a hang fails the property with its counterexample). */
export function ended(job: ds.Job<never>, what: string): Promise<ds.JobResult> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the ${what} job did not end within 10 s`)), 10_000)
  })
  return Promise.race([job.done, timeout]).finally(() => clearTimeout(timer))
}

/**
 * A store whose writes take a turn of the event loop, as a disk's do: a job can fail while one is
 * under way. `stored` runs once a checkpoint is written, before the job hears of it (a failure
 * there leaves a checkpoint in the store whose completion no operator was told).
 */
export function slowStore(stored: (checkpointId: number) => void): ds.CheckpointStore {
  const inner = ds.memoryStore()
  return {
    description: 'slow memory store',
    put: (checkpoint, data) =>
      new Promise<void>(resolve => setTimeout(resolve, 0))
        .then(() => inner.put(checkpoint, data))
        .then(() => stored(checkpoint.checkpointId)),
    get: (jobId, id) => inner.get(jobId, id),
    list: jobId => inner.list(jobId),
    delete: (jobId, id) => inner.delete(jobId, id)
  }
}

/** Lets pending store writes and commits settle (a failed process would not; commits are idempotent). */
export const settle = (): Promise<void> => new Promise(resolve => setTimeout(resolve, 0))

