/**
 * Upgrades from a savepoint, one scenario each: a job (version 1) stops with a savepoint in the
 * middle of its input, and a changed job (version 2) restores it and reads the rest. State is
 * matched by uid; what can change (operators added or removed, a window function, record
 * fields, a state's schema version with a migration) works, and what cannot (a state's kind, a
 * map state's key codec, an older schema without a migration, an operator's kind) fails naming
 * the operator's uid and the state.
 */
import * as t from 'io-ts'
import type { Observable } from 'rxjs'
import * as ds from '../../src/index'

interface Click {
  readonly user: string
  readonly page: string
  readonly ts: number
}

const clicks: Click[] = Array.from({ length: 40 }, (_, i) => ({ user: `u${i % 4}`, page: `/p${i % 3}`, ts: i * 100 }))
const STOP_AT = 22
const quiet = { onWarning: () => {} }

type Pipeline = (input: Observable<Click>) => Observable<string>

const source = (at: (i: number) => void = () => {}): ds.Source<Click, number> => ({
  *read(offset = 0) {
    for (let i = offset; i < clicks.length; i++) {
      at(i)
      yield { value: clicks[i]!, offset: i + 1 }
    }
  }
})

const timestamps = ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<Click>(100).withTimestampAssigner(c => c.ts), { uid: 'ts', autoWatermarkInterval: 0 })

/** Runs `v1` until its STOP_AT-th click, stops it with a savepoint, and returns the store and what it emitted. */
async function stopV1(v1: Pipeline): Promise<{ store: ds.CheckpointStore; before: string[] }> {
  const store = ds.memoryStore()
  let job: ds.Job<string> | undefined
  job = ds.execute(
    env =>
      v1(
        env.fromSource(
          source(i => {
            if (i === STOP_AT) void job!.stopWithSavepoint('v1')
          }),
          { uid: 'clicks' }
        )
      ),
    { ...quiet, jobId: 'app', checkpointing: { store } }
  )
  const before: string[] = []
  job.output$.subscribe(v => before.push(v))
  expect((await job.done).status).toBe('stopped')
  return { store, before }
}

/** Restores `v2` from the savepoint and runs it to the end; its output, or the error it failed with. */
async function runV2(v2: Pipeline, store: ds.CheckpointStore, options: ds.JobOptions = {}): Promise<string[]> {
  const job = ds.execute(env => v2(env.fromSource(source(), { uid: 'clicks' })), { ...quiet, jobId: 'app', checkpointing: { store }, restore: 'v1', ...options })
  const out: string[] = []
  job.output$.subscribe({ next: v => out.push(v), error: () => {} })
  await job.done
  return out
}

const runOnce = async (pipeline: Pipeline): Promise<string[]> => {
  const job = ds.execute(env => pipeline(env.fromSource(source(), { uid: 'clicks' })), quiet)
  const out: string[] = []
  job.output$.subscribe(v => out.push(v))
  await job.done
  return out
}

/** Clicks per page per second, in a window of the general operator (its contents are the clicks). */
const pagesPerSecond =
  (describe: (page: string, clicks: readonly Click[]) => string): Pipeline =>
  input =>
    input.pipe(
      timestamps,
      ds.keyBy(c => c.page, { uid: 'by-page' }),
      ds.windowBy(ds.tumblingEventTimeWindows(1_000), { uid: 'per-second' }).process<Click, string, string>((page, ctx, elements, out) => out.collect(`${ctx.window.start} ${describe(page, elements)}`)),
      ds.values()
    )

const count = pagesPerSecond((page, cs) => `${page}:${cs.length}`)

/** A keyed process function per user over `state`, emitting what `step` makes of each click. */
function perUser<D extends ds.StateDescriptor>(state: D, step: (s: ds.StateOf<D>, c: Click) => string): Pipeline {
  return input =>
    input.pipe(
      timestamps,
      ds.keyBy(c => c.user, { uid: 'by-user' }),
      ds.keyedProcess<string, Click, string>({ processElement: (c, ctx, out) => out.collect(`${c.user} ${step(ctx.state(state), c)}`) }, { uid: 'profile' }),
      ds.values()
    )
}

describe('upgrades from a savepoint', () => {
  it('an operator added in version 2 starts empty; the others keep their state', async () => {
    const { store, before } = await stopV1(count)
    const tagged: Pipeline = input =>
      count(input).pipe(
        ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<string>(), { uid: 'ts-2' }),
        ds.keyBy(() => 'all', { uid: 'all' }),
        ds.keyedProcess<string, string, string>(
          {
            processElement: (line, ctx, out) => {
              const n = (ctx.state(seen).value() ?? 0) + 1
              ctx.state(seen).update(n)
              out.collect(`#${n} ${line}`)
            }
          },
          { uid: 'numbered' }
        ),
        ds.values()
      )
    const seen = ds.valueState('seen', t.number)
    const after = await runV2(tagged, store)
    // Numbering starts at 1 in version 2: the new operator had no state.
    expect(after.map(line => line.replace(/^#\d+ /, ''))).toEqual((await runOnce(count)).slice(before.length))
    expect(after[0]).toMatch(/^#1 /)
  })

  it('a stateful operator removed in version 2 fails the restore naming its uid, unless allowNonRestoredState', async () => {
    const total = ds.valueState('total', t.number)
    const v1: Pipeline = input =>
      input.pipe(
        timestamps,
        ds.keyBy(c => c.user, { uid: 'by-user' }),
        ds.keyedProcess<string, Click, Click>(
          {
            processElement: (c, ctx, out) => {
              ctx.state(total).update((ctx.state(total).value() ?? 0) + 1)
              out.collect(c)
            }
          },
          { uid: 'totals' }
        ),
        ds.keyBy(c => c.page, { uid: 'by-page' }),
        ds.windowBy(ds.tumblingEventTimeWindows(1_000), { uid: 'per-second' }).process<Click, string, string>((page, ctx, elements, out) => out.collect(`${ctx.window.start} ${page}:${elements.length}`)),
        ds.values()
      )
    const { store, before } = await stopV1(v1)
    // Only the state is matched: the stateless keyBy by user may go, the process function's state may not.
    await expectAsync(runV2(count, store)).toBeRejectedWithError(/holds state of operators this job does not have: totals;/)
    const after = await runV2(count, store, { allowNonRestoredState: true })
    expect([...before, ...after]).toEqual(await runOnce(count))
  })

  it('a changed window function under the same uid reads the restored windows', async () => {
    const { store, before } = await stopV1(count)
    const users = pagesPerSecond((page, cs) => `${page}:${[...new Set(cs.map(c => c.user))].sort().join(',')}`)
    const after = await runV2(users, store)
    // The windows open at the savepoint fire with version 2's function over all their clicks.
    expect([...before, ...after].slice(before.length)).toEqual((await runOnce(users)).slice(before.length))
  })

  it('a record state gains a field (t.partial) and loses one: old values read with the new field undefined and without the old one', async () => {
    const v1State = ds.valueState('profile', t.type({ clicks: t.number, legacy: t.string }))
    const v1 = perUser(v1State, (s, c) => {
      const p = s.value() ?? { clicks: 0, legacy: 'x' }
      s.update({ clicks: p.clicks + 1, legacy: p.legacy })
      return `${p.clicks + 1}`
    })
    const v2State = ds.valueState('profile', t.intersection([t.type({ clicks: t.number }), t.partial({ lastPage: t.string })]))
    const v2 = perUser(v2State, (s, c) => {
      const p = s.value()
      const shown = JSON.stringify(p ?? null)
      s.update({ clicks: (p?.clicks ?? 0) + 1, lastPage: c.page })
      return shown
    })
    const { store } = await stopV1(v1)
    const after = await runV2(v2, store)
    // The first click of each user after the upgrade shows the restored value: its count, no legacy field, no last page yet.
    const firstPerUser = new Map<string, string>()
    for (const line of after) {
      const [user, value] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)]
      if (!firstPerUser.has(user)) firstPerUser.set(user, value)
    }
    expect(Object.fromEntries(firstPerUser)).toEqual({ u0: '{"clicks":6}', u1: '{"clicks":6}', u2: '{"clicks":5}', u3: '{"clicks":5}' })
  })

  it('a schema version bump with migrate rewrites every stored value; without migrate, or from a newer version, the restore fails naming both versions', async () => {
    const v1 = perUser(ds.valueState('total', t.number), (s, c) => {
      s.update((s.value() ?? 0) + c.ts)
      return `${s.value() ?? 0}`
    })
    const v2State = ds.withSchemaVersion(ds.valueState('total', t.type({ sum: t.number, n: t.number })), 2, (old, from) => (from === 1 ? { sum: old, n: -1 } : old))
    const v2 = perUser(v2State, (s, c) => {
      const p = s.value()!
      s.update({ sum: p.sum + c.ts, n: p.n })
      return `${p.sum + c.ts}/${p.n}`
    })
    const { store, before } = await stopV1(v1)
    const after = await runV2(v2, store)
    // The same running sums as one run of version 1, each marked as migrated.
    expect(after.map(line => line.replace(/\/-1$/, ''))).toEqual((await runOnce(v1)).slice(before.length))

    const noMigrate = perUser(ds.withSchemaVersion(ds.valueState('total', t.number), 2), (s, c) => `${(s.value() ?? 0) + c.ts}`)
    await expectAsync(runV2(noMigrate, store)).toBeRejectedWithError(/profile.*state "total".*stored at schema version 1 and the descriptor has version 2 without a migrate/)

    // A savepoint of version 2 cannot go back to version 1.
    const store2 = (await stopV1(v2Fresh())).store
    await expectAsync(runV2(perUser(ds.valueState('total', t.type({ sum: t.number, n: t.number })), () => ''), store2)).toBeRejectedWithError(/state "total".*stored at schema version 2, newer than the descriptor's version 1/)
  })

  it('incompatible changes fail naming the operator and the state: another kind of state, another map key codec, another operator kind', async () => {
    const v1 = perUser(ds.valueState('visits', t.number), s => {
      s.update((s.value() ?? 0) + 1)
      return ''
    })
    const { store } = await stopV1(v1)
    const asList = perUser(ds.listState('visits', t.number), () => '')
    await expectAsync(runV2(asList, store)).toBeRejectedWithError(/profile.*state "visits".*value state.*list state/)

    const byPage = perUser(ds.mapState('pages', t.string, t.number), (s, c) => {
      s.put(c.page, (s.get(c.page) ?? 0) + 1)
      return ''
    })
    const mapStore = (await stopV1(byPage)).store
    const numberKeys = perUser(ds.mapState('pages', t.number, t.number), () => '')
    await expectAsync(runV2(numberKeys, mapStore)).toBeRejectedWithError(/state "pages".*key codec string.*number.*cannot change/)

    // The window operator's uid now names a keyed process function.
    const { store: windowStore } = await stopV1(count)
    const impostor: Pipeline = input =>
      input.pipe(timestamps, ds.keyBy(c => c.page, { uid: 'by-page' }), ds.keyedProcess<string, Click, string>({ processElement: () => {} }, { uid: 'per-second' }), ds.values())
    await expectAsync(runV2(impostor, windowStore)).toBeRejectedWithError(/per-second.*taken by a windowBy operator, not a keyedProcess/)
  })
})

/** Version 2 of the sum, used fresh: its savepoint holds version 2 values. */
function v2Fresh(): Pipeline {
  const state = ds.withSchemaVersion(ds.valueState('total', t.type({ sum: t.number, n: t.number })), 2, old => old)
  return perUser(state, (s, c) => {
    const p = s.value() ?? { sum: 0, n: 0 }
    s.update({ sum: p.sum + c.ts, n: p.n + 1 })
    return ''
  })
}
