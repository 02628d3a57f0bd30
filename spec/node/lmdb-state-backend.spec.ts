/**
 * The LMDB state backend beyond the shared keyed-state suites (which run against it through
 * `describeBackends`): snapshots that move between the heap and LMDB in both directions, a
 * snapshot written in steps while the job goes on writing, many keys through a small cache,
 * and jobs (keyed process functions, windows, joins) moved between backends through a savepoint.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as t from 'io-ts'
import { map, merge, type Observable } from 'rxjs'
import * as ds from '../../src/index'
import { lmdbStateBackend } from '../../node/index'
import { averageState as average, testBackend, withKey } from '../support/keyed'
import type { KeyedStateBackend } from '../../src/state/KeyedStateBackend'

const count = ds.valueState('count', t.number)
const names = ds.listState('names', t.string)
const scores = ds.mapState('scores', t.string, t.number)
const sum = ds.reducingState('sum', (a: number, b: number) => a + b, t.number)
const fresh = ds.enableTimeToLive(ds.valueState('fresh', t.string), ds.stateTtlConfig(100))

/** Every kind of state, for keys of several shapes, some in window namespaces. */
function fill(backend: KeyedStateBackend<ds.Key>, keys = 40): void {
  for (let i = 0; i < keys; i++) {
    const key: ds.Key = i % 3 === 0 ? `k${i}` : i % 3 === 1 ? i : ['tuple', i]
    withKey(backend, key, () => {
      backend.getState(count).update(i)
      backend.getState(names).addAll([`a${i}`, `b${i}`])
      backend.getState(scores).put(`s${i}`, i * 2)
      backend.getState(sum).add(i)
      backend.getState(average).add(i)
      backend.getState(fresh).update(`f${i}`)
      backend.getNamespacedState(sum, 1_000).add(i * 10)
      backend.getNamespacedState(names, 2_000).add(`w${i}`)
    })
  }
}

/** A snapshot's states by name, each entry list sorted, for comparing snapshots of different backends. */
function normalized(snapshot: object): unknown {
  const { states, ...rest } = snapshot as { states: Array<{ name: string; entries: unknown[] }> }
  return {
    ...rest,
    states: [...states]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map(s => ({ ...s, entries: s.entries.map(e => JSON.stringify(e)).sort() }))
  }
}

describe('lmdbStateBackend', () => {
  let dir: string
  let lmdb: ds.StateBackend
  const heap = ds.heapStateBackend()

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rx-datastream-lmdb-'))
    lmdb = await lmdbStateBackend(dir, { cacheSize: 16 })
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('writes the snapshot the heap backend writes, and each restores the other’s', () => {
    const clock = { now: 0 }
    const onHeap = testBackend(clock, { stateBackend: heap })
    const onDisk = testBackend(clock, { stateBackend: lmdb })
    fill(onHeap)
    fill(onDisk)
    const heapSnapshot = onHeap.snapshot()
    expect(normalized(onDisk.snapshot())).toEqual(normalized(heapSnapshot))

    // heap → lmdb → heap: the same state all the way.
    const diskRestored = testBackend(clock, { stateBackend: lmdb })
    diskRestored.restore(heapSnapshot)
    const heapAgain = testBackend(clock, { stateBackend: heap })
    heapAgain.restore(diskRestored.snapshot())
    expect(normalized(heapAgain.snapshot())).toEqual(normalized(heapSnapshot))
    withKey(diskRestored, ['tuple', 2], () => {
      expect(diskRestored.getState(count).value()).toBe(2)
      expect(diskRestored.getState(names).get()).toEqual(['a2', 'b2'])
      expect(diskRestored.getState(scores).entries()).toEqual([['s2', 4]])
      expect(diskRestored.getNamespacedState(sum, 1_000).get()).toBe(20)
      expect(diskRestored.getState(average).get()).toBe(2)
    })
    for (const backend of [onHeap, onDisk, diskRestored, heapAgain]) backend.dispose()
  })

  it('keeps every value through a cache far smaller than the state', () => {
    const backend = testBackend({ now: 0 }, { stateBackend: lmdb })
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 500; i++) {
        withKey(backend, i, () => {
          backend.getState(count).update((backend.getState(count).value() ?? 0) + i)
          backend.getState(names).add(`r${round}`)
        })
      }
    }
    for (let i = 0; i < 500; i += 37) {
      withKey(backend, i, () => {
        expect(backend.getState(count).value()).toBe(3 * i)
        expect(backend.getState(names).get()).toEqual(['r0', 'r1', 'r2'])
      })
    }
    const keys: ds.Key[] = []
    backend.applyToAllKeys(count, key => keys.push(key))
    expect(keys.length).toBe(500)
    backend.dispose()
  })

  it('writes a snapshot in steps as the state was at the barrier, whatever is written meanwhile', () => {
    const backend = testBackend({ now: 0 }, { stateBackend: lmdb })
    fill(backend, 200)
    const expected = normalized(backend.snapshot())
    const deferred = backend.snapshotDeferred()
    let steps = 0
    while (!deferred.step(-1)) {
      // Between steps the job goes on: it changes, removes and adds values.
      withKey(backend, `k${steps * 3}`, () => backend.getState(count).update(-1))
      withKey(backend, steps + 1_000, () => backend.getState(names).add('new'))
      withKey(backend, 1, () => backend.getState(scores).clear())
      steps++
    }
    expect(steps).toBeGreaterThan(0)
    expect(normalized(JSON.parse(deferred.text()) as object)).toEqual(expected)
    backend.dispose()
  })

  it('snapshots as the heap backend does once disposed (a job’s final checkpoint after its operators closed)', () => {
    const snapshots = [heap, lmdb].map(stateBackend => {
      const backend = testBackend({ now: 0 }, { stateBackend })
      fill(backend, 3)
      backend.dispose()
      return normalized(backend.snapshot())
    })
    expect(snapshots[1]).toEqual(snapshots[0])
  })

  it('deletes its files when the operator ends', async () => {
    const own = mkdtempSync(join(tmpdir(), 'rx-datastream-lmdb-own-'))
    try {
      const backend = testBackend({ now: 0 }, { stateBackend: await lmdbStateBackend(own) })
      withKey(backend, 'a', () => backend.getState(count).update(1))
      expect(readdirSync(own).length).toBe(1)
      backend.dispose()
      await new Promise(resolve => setTimeout(resolve, 50))
      expect(readdirSync(own)).toEqual([])
    } finally {
      rmSync(own, { recursive: true, force: true })
    }
  })

  it('deletes the directories of processes that no longer run, and keeps those of running ones', async () => {
    const own = mkdtempSync(join(tmpdir(), 'rx-datastream-lmdb-left-'))
    try {
      // A process that has ended: its pid names none that runs (until the system reuses it).
      const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
      const deadPid = Number(ended.stdout)
      const leftover = (name: string, owner: string | undefined): void => {
        mkdirSync(join(own, name))
        writeFileSync(join(own, name, 'state.mdb'), 'working state')
        if (owner !== undefined) writeFileSync(join(own, name, 'owner.pid'), owner)
      }
      leftover('killed-abc', String(deadPid))
      leftover('alive-def', String(process.ppid)) // the process that started this one runs
      leftover('unowned-ghi', undefined)
      const backend = testBackend({ now: 0 }, { stateBackend: await lmdbStateBackend(own) })
      withKey(backend, 'a', () => backend.getState(count).update(1))
      const kept = readdirSync(own)
      expect(kept).not.toContain('killed-abc')
      expect(kept).toEqual(jasmine.arrayContaining(['alive-def', 'unowned-ghi']))
      expect(kept.length).withContext('the two kept and the new operator’s').toBe(3)
      backend.dispose()
    } finally {
      rmSync(own, { recursive: true, force: true })
    }
  })

  it('rejects a bad directory or cache size', async () => {
    await expectAsync(lmdbStateBackend('')).toBeRejectedWithError(TypeError, /dir must be a non-empty path/)
    await expectAsync(lmdbStateBackend(dir, { cacheSize: 0 })).toBeRejectedWithError(RangeError, /cacheSize/)
    expect(() => ds.keyedProcess(() => ({ processElement: () => {} }), { stateBackend: {} as ds.StateBackend })).toThrowError(TypeError, /stateBackend must be a state backend/)
  })

  it('checks a restored state on registration, writing again only the values its codec writes otherwise', () => {
    const source = testBackend({ now: 0 }, { stateBackend: heap })
    for (let key = 0; key < 300; key++) withKey(source, key, () => source.getState(count).update(key))
    const snapshot = source.snapshot()
    const registered = (descriptor: ds.ValueStateDescriptor<unknown>): { writes: number; values: unknown[] } => {
      const target = testBackend({ now: 0 }, { stateBackend: lmdb }) as KeyedStateBackend<ds.Key> & { readonly writes: number }
      target.restore(snapshot)
      const before = target.writes
      const values = Array.from({ length: 300 }, (_, key) => withKey(target, key, () => target.getState(descriptor).value()))
      const writes = target.writes - before
      target.dispose()
      return { writes, values }
    }
    // As written: checked, and left as they are.
    expect(registered(count as ds.ValueStateDescriptor<unknown>)).toEqual({ writes: 0, values: Array.from({ length: 300 }, (_, key) => key) })
    // A newer schema: every value is migrated, so written again.
    const counted = ds.withSchemaVersion(ds.valueState('count', t.type({ n: t.number })), 2, old => ({ n: old }))
    expect(registered(counted as ds.ValueStateDescriptor<unknown>)).toEqual({ writes: 300, values: Array.from({ length: 300 }, (_, key) => ({ n: key })) })
  })

  it('runs an operator on the heap in a job on LMDB when the operator says so', async () => {
    const sums: number[] = []
    const job = ds.execute(
      env =>
        env.fromArray([1, 2, 3, 14]).pipe(
          ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner(n => n), { uid: 'ts', autoWatermarkInterval: 0 }),
          ds.keyBy(n => n % 2, { uid: 'parity' }),
          ds.keyedProcess<number, number, number>({ processElement: (n, ctx, out) => out.collect(n + (ctx.state(count).value() ?? 0)) }, { uid: 'on-disk' }),
          ds.windowBy(ds.tumblingEventTimeWindows(10), { uid: 'sums', stateBackend: heap }).reduce((a, b) => a + b),
          ds.values()
        ),
      { stateBackend: lmdb, onWarning: () => {} }
    )
    job.output$.subscribe(n => sums.push(n))
    await job.done
    expect(sums.sort((a, b) => a - b)).toEqual([2, 4, 14])
  })

  describe('a job moved between backends through a savepoint', () => {
    interface Click {
      readonly user: string
      readonly ts: number
    }
    const clicks: Click[] = Array.from({ length: 400 }, (_, i) => ({ user: `u${(i * 7) % 53}`, ts: i }))
    const seen = ds.valueState('seen', t.number)
    const firstSeen = ds.mapState('first', t.string, t.number)
    const counting: ds.KeyedProcessFunction<string, Click, string> = {
      processElement(click, ctx, out) {
        const n = (ctx.state(seen).value() ?? 0) + 1
        ctx.state(seen).update(n)
        if (!ctx.state(firstSeen).contains('at')) ctx.state(firstSeen).put('at', click.ts)
        out.collect(`${click.user}:${n}:${ctx.state(firstSeen).get('at')}`)
      }
    }
    const countClicks: ds.AggregateFunction<Click, number, number> = { createAccumulator: () => 0, add: (_c, n) => n + 1, getResult: n => n, merge: (a, b) => a + b }
    /** Outputs of several operators merged: their interleaving is the scheduler's, their contents are not. */
    const sorted = (values: readonly string[]): string[] => [...values].sort()
    const source = (at: (i: number) => void = () => {}): ds.Source<Click, number> => ({
      *read(offset = 0) {
        for (let i = offset; i < clicks.length; i++) {
          at(i)
          yield { value: clicks[i]!, offset: i + 1 }
        }
      }
    })
    const timestamps = ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forMonotonousTimestamps<Click>().withTimestampAssigner(c => c.ts), {
      uid: 'ts',
      autoWatermarkInterval: 0
    })
    type Pipeline = (env: ds.StreamExecutionEnvironment, src: ds.Source<Click, number>) => Observable<string>
    const pipelines: ReadonlyArray<readonly [string, Pipeline]> = [
      [
        'a keyed process function',
        (env, src) => env.fromSource(src, { uid: 'clicks' }).pipe(timestamps, ds.keyBy(c => c.user, { uid: 'by-user' }), ds.keyedProcess(counting, { uid: 'count' }), ds.values())
      ],
      [
        // Sliced panes (aggregate), the general operator's window contents (process over a
        // sliding window), sessions (merging windows, their firings held by the operator).
        'windows',
        (env, src) => {
          const byUser = env.fromSource(src, { uid: 'clicks' }).pipe(timestamps, ds.keyBy(c => c.user, { uid: 'by-user' }))
          // One subscription of the source for the three windows.
          const [toCount, toSpan, toSession] = ds.splitBy(byUser, () => true, () => true, () => true)
          const counts = toCount.pipe(ds.windowBy(ds.tumblingEventTimeWindows(40), { uid: 'tumbling' }).aggregate(countClicks), ds.values())
          const spans = toSpan.pipe(
            ds.windowBy(ds.slidingEventTimeWindows(60, 20), { uid: 'sliding' }).process<Click, string, string>((user, ctx, clicks, out) =>
              out.collect(`${user}@${ctx.window.start}:${clicks.map(c => c.ts).join(',')}`)
            ),
            ds.values()
          )
          const sessions = toSession.pipe(
            ds.windowBy(ds.eventTimeSessionWindows(9), { uid: 'sessions' }).reduce((a, b) => ({ user: a.user, ts: Math.max(a.ts, b.ts) })),
            ds.values()
          )
          return merge(counts.pipe(map(n => `count ${n}`)), spans, sessions.pipe(map(c => `session ${c.user} to ${c.ts}`)))
        }
      ],
      [
        // Interval join buffers, and a window join's panes.
        'joins',
        (env, src) => {
          const stream = env.fromSource(src, { uid: 'clicks' }).pipe(timestamps)
          const even = (c: Click): boolean => c.ts % 2 === 0
          const odd = (c: Click): boolean => c.ts % 2 === 1
          // Five groups, each with records of both sides close in time (a user's are 53 apart).
          const group = (c: Click): string => `g${c.ts % 5}`
          const [evens, odds, evensAgain, oddsAgain] = ds.splitBy(stream, even, odd, even, odd)
          const near = evens.pipe(
            ds.keyBy(group, { uid: 'even-by-group' }),
            ds.intervalJoinWith(odds.pipe(ds.keyBy(group, { uid: 'odd-by-group' })), { uid: 'near' })
              .between(-30, 30)
              .process<Click, string>((l, r, _ctx, out) => out.collect(`near ${l.ts}-${r.ts}`)),
            ds.values()
          )
          const pairs = evensAgain.pipe(
            ds.joinWith(oddsAgain, { uid: 'pairs' })
              .where(group)
              .equalTo(group)
              .window(ds.tumblingEventTimeWindows(50))
              .apply((l, r) => `pair ${l.ts}-${r.ts}`),
            ds.values()
          )
          return merge(near, pairs)
        }
      ]
    ]
    const outputOf = async <T>(job: ds.Job<T>): Promise<T[]> => {
      const out: T[] = []
      job.output$.subscribe(v => out.push(v))
      await job.done
      return out
    }

    for (const [what, pipeline] of pipelines) {
      for (const [from, to] of [
        ['heap', 'lmdb'],
        ['lmdb', 'heap']
      ] as const) {
        it(`${what}, ${from} → ${to}: the output is one uninterrupted run's`, async () => {
          const backendOf = (name: 'heap' | 'lmdb'): ds.StateBackend => (name === 'heap' ? heap : lmdb)
          const uninterrupted = await outputOf(ds.execute(env => pipeline(env, source()), { onWarning: () => {} }))
          const store = ds.memoryStore()
          let job: ds.Job<string> | undefined
          job = ds.execute(env => pipeline(env, source(i => (i === 150 ? void job!.stopWithSavepoint('move') : undefined))), {
            jobId: 'clicks',
            checkpointing: { store },
            stateBackend: backendOf(from),
            onWarning: () => {}
          })
          const before = await outputOf(job)
          expect((await job.done).status).toBe('stopped')
          const after = await outputOf(ds.execute(env => pipeline(env, source()), { jobId: 'clicks', checkpointing: { store }, restore: 'move', stateBackend: backendOf(to), onWarning: () => {} }))
          expect(before.length).toBeGreaterThan(0)
          expect(after.length).toBeGreaterThan(0)
          expect(sorted([...before, ...after])).toEqual(sorted(uninterrupted))
        })
      }
    }
  })
})
