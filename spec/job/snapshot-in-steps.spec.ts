/**
 * Checkpoints of large state are written while the job goes on (the asynchronous part of a
 * checkpoint): the job reads on between the steps of writing, and the checkpoint still holds
 * the state as it was at the barrier, so a job restored from it gives exactly what an
 * uninterrupted run gives. Each pipeline keeps its state where a different table keeps it:
 * sliced windows (panes), the general window operator (window contents and one timer per key;
 * a custom assigner's windows, found by key without the table, changed in place),
 * a keyed process function (value, list and map state changed in place, and timers).
 */
import { map, type Observable } from 'rxjs'
import * as t from 'io-ts'
import * as ds from '../../src/index'

/** Keys with state: enough that writing it takes many steps (a few ms each). */
const KEYS = 20_000
/** Events per key; the checkpoint is taken at the middle of the input. */
const PER_KEY = 4
const EVENTS = KEYS * PER_KEY
const MIDDLE = EVENTS >> 1
const DAY = 86_400_000

interface Event {
  readonly key: number
  readonly ts: number
}

const eventAt = (i: number): Event => ({ key: i % KEYS, ts: i })

type Pipeline = (events: Observable<Event>) => Observable<string>

const count: ds.AggregateFunction<Event, number, number> = {
  createAccumulator: () => 0,
  add: (_e, acc) => acc + 1,
  getResult: acc => acc,
  merge: (a, b) => a + b
}

const timestamps = ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner(e => e.ts), { uid: 'timestamps' })

/** A window assigner of the user's own, one window per record: the general operator's windows found by key (`lastWindows`). */
const wholeDay: ds.WindowAssigner<Event> = {
  name: 'wholeDay',
  timeDomain: 'EVENT_TIME',
  assignWindows: () => [ds.timeWindow(0, DAY)],
  defaultTrigger: () => ds.eventTimeTrigger()
}

const seen = ds.valueState('seen', t.type({ n: t.number }))
const times = ds.listState('times', t.number)
const byParity = ds.mapState('byParity', t.string, t.number)

const PIPELINES: Record<string, Pipeline> = {
  'sliced windows': events =>
    events.pipe(
      timestamps,
      ds.keyBy(e => e.key, { uid: 'by-key' }),
      ds.windowBy(ds.tumblingEventTimeWindows(DAY), { uid: 'per-day' }).aggregate<Event, number, number, number>(count),
      ds.records(),
      map(r => `${String(r.key)}:${r.value}`)
    ),
  'general windows': events =>
    events.pipe(
      timestamps,
      ds.keyBy(e => e.key, { uid: 'by-key' }),
      ds.windowBy(ds.tumblingEventTimeWindows<Event>(DAY), { uid: 'per-day' }).process<Event, string, number>((key, _ctx, elements, out) => out.collect(`${key}:${elements.length}`)),
      ds.values()
    ),
  'a custom assigner\'s windows': events =>
    events.pipe(
      timestamps,
      ds.keyBy(e => e.key, { uid: 'by-key' }),
      // Each record changes its key's window in place (a new count): the checkpoint must not see it.
      ds.windowBy(wholeDay, { uid: 'per-day' }).aggregate<Event, number, number, string, number>(count, (key, _ctx, [n], out) => out.collect(`${key}:${n!}`)),
      ds.values()
    ),
  'keyed process function': events =>
    events.pipe(
      timestamps,
      ds.keyBy(e => e.key, { uid: 'by-key' }),
      ds.keyedProcess<number, Event, string>(
        {
          processElement(e, ctx) {
            const state = ctx.state(seen)
            const current = state.value()
            // Changed in place, then written back: the snapshot must not see the change.
            if (current === undefined) state.update({ n: 1 })
            else {
              current.n++
              state.update(current)
            }
            ctx.state(times).add(e.ts)
            const parity = e.ts % 2 === 0 ? 'even' : 'odd'
            const map = ctx.state(byParity)
            map.put(parity, (map.get(parity) ?? 0) + 1)
            ctx.timerService().registerEventTimeTimer(DAY)
          },
          onTimer(_time, ctx, out) {
            const n = ctx.state(seen).value()?.n ?? 0
            const listed = [...ctx.state(times).get()].length
            const parities = [...ctx.state(byParity).entries()].map(([p, c]) => `${p}=${c}`).join(',')
            out.collect(`${String(ctx.getCurrentKey())}:${n}/${listed}/${parities}`)
          }
        },
        { uid: 'process' }
      ),
      ds.values()
    )
}

/** The output a run over all events gives, sorted. */
function expectedOutput(pipeline: string): string[] {
  const out: string[] = []
  for (let key = 0; key < KEYS; key++) {
    if (pipeline === 'keyed process function') {
      const even = Array.from({ length: PER_KEY }, (_, j) => key + j * KEYS).filter(ts => ts % 2 === 0).length
      const parities = [even > 0 ? `even=${even}` : '', even < PER_KEY ? `odd=${PER_KEY - even}` : ''].filter(p => p !== '')
      out.push(`${key}:${PER_KEY}/${PER_KEY}/${parities.join(',')}`)
    } else out.push(`${key}:${PER_KEY}`)
  }
  return out.sort()
}

const quiet = { onWarning: () => {} }

describe('a checkpoint of large state is written in steps while the job goes on', () => {
  for (const [name, pipeline] of Object.entries(PIPELINES)) {
    it(`${name}: the job reads on while it is written, and a restore from it gives the uninterrupted output`, async () => {
      const store = ds.memoryStore()
      let job: ds.Job<string> | undefined
      let readWhileWriting = -1
      let middle: Promise<ds.CheckpointEvent> | undefined
      let at = 0
      const first: ds.Source<Event, number> = {
        *read(offset = 0) {
          for (let i = offset; i < EVENTS; i++) {
            at = i
            if (i === MIDDLE) {
              middle = job!.checkpoint()
              void middle.then(() => (readWhileWriting = at - MIDDLE))
            }
            yield { value: eventAt(i), offset: i + 1 }
          }
        }
      }
      job = ds.execute(env => pipeline(env.fromSource(first, { uid: 'events' })), { ...quiet, jobId: 'steps', checkpointing: { store, retain: 3 } })
      job.output$.subscribe({ error: () => {} })
      const result = await job.done
      expect(result.status).toBe('finished')
      const checkpoint = await middle!
      expect(checkpoint.type).toBe('completed')
      // The job did not stop for the whole of the writing.
      expect(readWhileWriting).toBeGreaterThan(0)
      // As if the job had died after the checkpoint in the middle.
      if (result.lastCheckpoint !== checkpoint.checkpointId) await store.delete('steps', result.lastCheckpoint!)

      let resumedAt = -1
      const rest: ds.Source<Event, number> = {
        *read(offset = 0) {
          resumedAt = offset
          for (let i = offset; i < EVENTS; i++) yield { value: eventAt(i), offset: i + 1 }
        }
      }
      const restored = ds.execute(env => pipeline(env.fromSource(rest, { uid: 'events' })), { ...quiet, jobId: 'steps', checkpointing: { store, retain: 3 }, restore: 'latest' })
      const output: string[] = []
      restored.output$.subscribe(v => output.push(v))
      expect((await restored.done).restoredFrom).toBe(checkpoint.checkpointId)
      expect(resumedAt).toBe(MIDDLE)
      expect(output.sort()).toEqual(expectedOutput(name))
    }, 60_000)
  }

  it('a checkpoint that fails while it is written is aborted, naming the operator; the job goes on and the next one restores exactly', async () => {
    const store = ds.memoryStore()
    // The 5000th accumulator written (in the first checkpoint, well after its barrier) fails.
    let encoded = 0
    const FlakyCount = new t.Type<number, number, unknown>(
      'FlakyCount',
      (u): u is number => typeof u === 'number',
      (u, c) => (typeof u === 'number' ? t.success(u) : t.failure(u, c)),
      acc => {
        if (++encoded === 5000) throw new Error('the encoder failed')
        return acc
      }
    )
    const flaky: Pipeline = events =>
      events.pipe(
        timestamps,
        ds.keyBy(e => e.key, { uid: 'by-key' }),
        ds.windowBy(ds.tumblingEventTimeWindows(DAY), { uid: 'per-day' }).aggregate<Event, number, number, number>({ ...count, accumulatorCodec: FlakyCount }),
        ds.records(),
        map(r => `${String(r.key)}:${r.value}`)
      )
    let job: ds.Job<string> | undefined
    const requests: Array<Promise<unknown>> = []
    let aborted: () => void = () => {}
    const abortSeen = new Promise<void>(resolve => (aborted = resolve))
    // The source waits after the first request until that checkpoint is aborted: the job
    // cannot finish first however fast it is, and the failure comes from a step of writing.
    const source: ds.Source<Event, number> = {
      async *read(offset = 0) {
        for (let i = offset; i < EVENTS; i++) {
          if (i === MIDDLE - 1000) {
            requests.push(job!.checkpoint().catch((e: unknown) => e))
            await abortSeen
          }
          if (i === MIDDLE) requests.push(job!.checkpoint().catch((e: unknown) => e))
          yield { value: eventAt(i), offset: i + 1 }
        }
      }
    }
    const events: ds.CheckpointEvent[] = []
    job = ds.execute(env => flaky(env.fromSource(source, { uid: 'events' })), { ...quiet, jobId: 'fails', checkpointing: { store, retain: 3 } })
    job.checkpoints$.subscribe(e => {
      events.push(e)
      if (e.type === 'aborted') aborted()
    })
    job.output$.subscribe({ error: () => {} })
    expect((await job.done).status).toBe('finished')
    await Promise.all(requests)
    const [failed, next] = events
    expect(failed?.type === 'aborted' ? failed.reason : '').toMatch(/operator 'per-day' could not snapshot its state: .*the encoder failed/)
    expect(next?.type).toBe('completed')
    for (const c of await store.list('fails')) if (c.checkpointId !== next!.checkpointId) await store.delete('fails', c.checkpointId)

    let resumedAt = -1
    const rest: ds.Source<Event, number> = {
      *read(offset = 0) {
        resumedAt = offset
        for (let i = offset; i < EVENTS; i++) yield { value: eventAt(i), offset: i + 1 }
      }
    }
    const restored = ds.execute(env => flaky(env.fromSource(rest, { uid: 'events' })), { ...quiet, jobId: 'fails', checkpointing: { store, retain: 3 }, restore: 'latest' })
    const output: string[] = []
    restored.output$.subscribe(v => output.push(v))
    expect((await restored.done).restoredFrom).toBe(next!.checkpointId)
    expect(resumedAt).toBe(MIDDLE)
    expect(output.sort()).toEqual(expectedOutput('sliced windows'))
  }, 60_000)
})
