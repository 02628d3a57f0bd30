/**
 * Operators whose tables were pinned in the LMDB backend's cache (their operator held their
 * values across records) now reach their values by key, so the values leave memory like any
 * cached value: while many more keys are open than the cache holds, the operator's table keeps
 * at most about the cache's size of values in memory (a count of the table's slots, not a
 * timing), the output is the heap backend's, and a savepoint moves the job between backends.
 * The window join and coGroup over grid windows kept their panes in a `Map` of their own and
 * wrote them to their table only at snapshots; on LMDB the table is now where they live.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { map, type Observable } from 'rxjs'
import * as ds from '../../src/index'
import { lmdbStateBackend } from '../../node/index'
import type { LmdbKeyedStateBackend } from '../../node/LmdbKeyedStateBackend'
import { watched } from '../support/watched-backend'

/** The LMDB backend's cache in these specs: far fewer values than the keys open at once. */
const CACHE = 8
/** Keys open at once (each with state in an open window, or buffered in a join). */
const KEYS = 200

interface Event {
  readonly key: string
  readonly ts: number
  readonly n: number
}

/** A source of `events`, calling `at(i)` before the i-th: every event before it has gone through the job. */
function source(events: readonly Event[], at: (i: number) => void = () => {}): ds.Source<Event, number> {
  return {
    *read(offset = 0) {
      for (let i = offset; i < events.length; i++) {
        at(i)
        yield { value: events[i]!, offset: i + 1 }
      }
    }
  }
}

async function outputOf<T>(job: ds.Job<T>): Promise<T[]> {
  const out: T[] = []
  job.output$.subscribe(v => out.push(v))
  await job.done
  return out
}

type Pipeline = (env: ds.StreamExecutionEnvironment, src: ds.Source<Event, number>) => Observable<string>

interface Case {
  readonly what: string
  /** The operator's table, as the backend names it. */
  readonly table: string
  readonly events: readonly Event[]
  /** An event before which all `KEYS` keys hold values in the table. */
  readonly probeAt: number
  readonly pipeline: Pipeline
}

type Acc = { n: number; sum: number }

const countEvents: ds.AggregateFunction<Event, Acc, string> = {
  createAccumulator: () => ({ n: 0, sum: 0 }),
  add: (e, acc) => {
    acc.n++
    acc.sum += e.n
    return acc
  },
  getResult: acc => `${acc.n}/${acc.sum}`,
  merge: (a, b) => ({ n: a.n + b.n, sum: a.sum + b.sum })
}

/** Every key in turn, one event each per ms: 2,000 events over 2 s, each key every 200 ms. */
const roundRobin: readonly Event[] = Array.from({ length: 2_000 }, (_, i) => ({ key: `k${(i * 7) % KEYS}`, ts: i, n: i % 13 }))

/** Two inputs from one stream of events (a third of them on the right), by key. */
function sides(env: ds.StreamExecutionEnvironment, src: ds.Source<Event, number>, strategy: ds.WatermarkStrategy<Event>): [Observable<ds.StreamElement<Event, never>>, Observable<ds.StreamElement<Event, never>>] {
  const stream = env.fromSource(src, { uid: 'events' }).pipe(ds.assignTimestampsAndWatermarks(strategy.withTimestampAssigner(e => e.ts), { uid: 'ts', autoWatermarkInterval: 0 }))
  const [lefts, rights] = ds.splitBy(stream, e => e.ts % 3 !== 0, e => e.ts % 3 === 0)
  return [lefts, rights]
}

/** Every 50th event late by 300 ms: within the allowed lateness of the sliding cases, so late firings. */
const someLate: readonly Event[] = roundRobin.map((e, i) => (i % 50 === 49 && e.ts >= 300 ? { ...e, ts: e.ts - 300 } : e))

/**
 * The window join and coGroup over grid windows (tumbling; sliding with allowed lateness): each
 * key has a pane in every open window, in the `panes` table.
 */
const GRID_JOINS: readonly Case[] = (['join', 'coGroup'] as const).flatMap(flavour =>
  (['tumbling', 'sliding'] as const).map((grid): Case => ({
    what: `the window ${flavour === 'join' ? 'join' : 'coGroup'} (${grid === 'tumbling' ? 'tumbling' : 'sliding, allowed lateness, late firings'})`,
    table: 'panes',
    events: grid === 'tumbling' ? roundRobin : someLate,
    probeAt: 700,
    pipeline: (env, src) => {
      const [lefts, rights] = sides(env, src, grid === 'tumbling' ? ds.WatermarkStrategy.forMonotonousTimestamps<Event>() : ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>(50))
      const assigner = grid === 'tumbling' ? ds.tumblingEventTimeWindows(500) : ds.slidingEventTimeWindows(600, 200)
      const lateness = grid === 'tumbling' ? 0 : 400
      const joined =
        flavour === 'join'
          ? ds
              .joinWith(rights, { uid: 'join' })
              .where((l: Event) => l.key)
              .equalTo(r => r.key)
              .window(assigner)
              .allowedLateness(lateness)
              .apply<string>((l, r) => `${l.key}:${l.ts}-${r.ts}`)
          : ds
              .coGroupWith(rights, { uid: 'join' })
              .where((l: Event) => l.key)
              .equalTo(r => r.key)
              .window(assigner)
              .allowedLateness(lateness)
              .apply<string>((ls, rs, out) => out.collect(`${ls.map(l => l.ts).join(',')}|${rs.map(r => r.ts).join(',')}`))
      return lefts.pipe(
        joined,
        ds.records(),
        map(r => `${r.key}@${r.timestamp}:${r.value}`)
      )
    }
  }))
)

const CASES: readonly Case[] = [
  {
    what: 'sliced windows (tumbling)',
    table: 'panes',
    events: roundRobin,
    probeAt: 700,
    pipeline: (env, src) =>
      env
        .fromSource(src, { uid: 'events' })
        .pipe(
          ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner(e => e.ts), { uid: 'ts', autoWatermarkInterval: 0 }),
          ds.keyBy(e => e.key, { uid: 'by-key' }),
          ds.windowBy(ds.tumblingEventTimeWindows(500), { uid: 'tumbling' }).aggregate<Event, Acc, string, string, string>(countEvents, (key, ctx, results, out) => out.collect(`${key}@${ctx.window.start}:${results[0]}`)),
          ds.values()
        )
  },
  {
    what: 'sliced windows (sliding, allowed lateness, a window function counting firings, composite keys)',
    table: 'panes',
    // Every 50th event late by 300 ms: within the allowed lateness, so late firings.
    events: roundRobin.map((e, i) => (i % 50 === 49 && e.ts >= 300 ? { ...e, ts: e.ts - 300 } : e)),
    probeAt: 700,
    pipeline: (env, src) =>
      env.fromSource(src, { uid: 'events' }).pipe(
        ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>(50).withTimestampAssigner(e => e.ts), { uid: 'ts', autoWatermarkInterval: 0 }),
        ds.keyBy(e => [e.key, e.key.length] as [string, number], { uid: 'by-key' }),
        ds
          .windowBy(ds.slidingEventTimeWindows(600, 200), { uid: 'sliding' })
          .allowedLateness(400)
          .aggregate<Event, Acc, string, string, [string, number]>(countEvents, (key, ctx, results, out) =>
            out.collect(`${key.join('/')}@${ctx.window.start}:${results[0]}:${ctx.pane.timing}:${ctx.pane.index}`)
          ),
        ds.values()
      )
  },
  {
    what: 'sessions',
    table: 'merging-windows',
    // A key every 200 ms, sessions of 150 ms: one per event, but every third round of the keys
    // comes 300 ms early (within the watermark's bound): each of its events bridges its key's
    // last two sessions, which merge.
    events: roundRobin.map((e, i) => (Math.floor(i / KEYS) % 3 === 2 ? { ...e, ts: e.ts - 300 } : e)),
    probeAt: 1_000,
    pipeline: (env, src) =>
      env.fromSource(src, { uid: 'events' }).pipe(
        ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<Event>(350).withTimestampAssigner(e => e.ts), { uid: 'ts', autoWatermarkInterval: 0 }),
        ds.keyBy(e => e.key, { uid: 'by-key' }),
        ds
          .windowBy(ds.eventTimeSessionWindows(150), { uid: 'sessions' })
          .aggregate<Event, Acc, string, string, string>(countEvents, (key, ctx, results, out) => out.collect(`${key}@${ctx.window.start}-${ctx.window.end}:${results[0]}`)),
        ds.values()
      )
  },
  {
    what: 'the interval join',
    table: 'intervalJoinBuffers',
    events: roundRobin,
    probeAt: 700,
    pipeline: (env, src) => {
      const stream = env
        .fromSource(src, { uid: 'events' })
        .pipe(ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner(e => e.ts), { uid: 'ts', autoWatermarkInterval: 0 }))
      const [lefts, rights] = ds.splitBy(stream, e => e.ts % 3 !== 0, e => e.ts % 3 === 0)
      return lefts.pipe(
        ds.keyBy(e => e.key, { uid: 'left-by-key' }),
        ds.intervalJoinWith(rights.pipe(ds.keyBy(e => e.key, { uid: 'right-by-key' })), { uid: 'near' })
          .between(-450, 250)
          .process<Event, string>((l, r, ctx, out) => out.collect(`${ctx.getCurrentKey()}:${l.ts}-${r.ts}`)),
        ds.values()
      )
    }
  },
  ...GRID_JOINS
]

describe('lmdbStateBackend: operators’ tables that leave memory', () => {
  let dir: string
  let lmdb: ds.StateBackend
  const heap = ds.heapStateBackend()

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rx-datastream-unpinned-'))
    lmdb = await lmdbStateBackend(dir, { cacheSize: CACHE })
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  for (const { what, table, events, probeAt, pipeline } of CASES) {
    describe(what, () => {
      it(`holds at most about ${CACHE} values of its table while ${KEYS} keys are open, and gives the heap's output`, async () => {
        const onHeap = await outputOf(ds.execute(env => pipeline(env, source(events)), { stateBackend: heap, onWarning: () => {} }))
        const made: Array<LmdbKeyedStateBackend<unknown>> = []
        const held: number[] = []
        const onDisk = await outputOf(
          ds.execute(env => pipeline(env, source(events, i => (i === probeAt ? held.push(...made.map(b => b.residentTableValues(table))) : undefined))), {
            stateBackend: watched(lmdb, made),
            onWarning: () => {}
          })
        )
        expect(onDisk).toEqual(onHeap)
        expect(onHeap.length).toBeGreaterThan(KEYS)
        // The cache is made room in when it is over its size: at most one value above it.
        expect(Math.max(...held)).toBeGreaterThan(0)
        expect(Math.max(...held)).toBeLessThanOrEqual(CACHE + 1)
      })

      for (const [from, to] of [
        ['heap', 'lmdb'],
        ['lmdb', 'heap']
      ] as const) {
        it(`moves by a savepoint ${from} → ${to} while ${KEYS} keys are open: the output is one uninterrupted run's`, async () => {
          const backendOf = (name: 'heap' | 'lmdb'): ds.StateBackend => (name === 'heap' ? heap : lmdb)
          const uninterrupted = await outputOf(ds.execute(env => pipeline(env, source(events)), { stateBackend: heap, onWarning: () => {} }))
          const store = ds.memoryStore()
          let job: ds.Job<string> | undefined
          job = ds.execute(env => pipeline(env, source(events, i => (i === probeAt ? void job!.stopWithSavepoint('move') : undefined))), {
            jobId: 'unpinned',
            checkpointing: { store },
            stateBackend: backendOf(from),
            onWarning: () => {}
          })
          const before = await outputOf(job)
          expect((await job.done).status).toBe('stopped')
          // Keys, never the ids an operator lists them by on LMDB (a composite key's starts with U+0000).
          const [saved] = await store.list('unpinned')
          const text = await store.get('unpinned', saved!.checkpointId)
          expect(text.includes('\\u0000')).withContext('a key id in the savepoint').toBeFalse()
          const after = await outputOf(
            ds.execute(env => pipeline(env, source(events)), { jobId: 'unpinned', checkpointing: { store }, restore: 'move', stateBackend: backendOf(to), onWarning: () => {} })
          )
          expect(before.length).toBeGreaterThan(0)
          expect(after.length).toBeGreaterThan(KEYS)
          expect([...before, ...after]).toEqual(uninterrupted)
        })
      }
    })
  }
})
