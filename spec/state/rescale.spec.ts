/**
 * Rescaling at the snapshot level: a snapshot taken at parallelism 1 is redistributed to 4
 * subtasks, their snapshots to 2. Each subtask gets exactly the key groups Flink's range
 * assignment gives it, and subtasks restored from the redistributed snapshots, each fed the
 * records of its own keys, give together what one uninterrupted run gives.
 */
import fc from 'fast-check'
import * as t from 'io-ts'
import * as ds from '../../src/index'
import { assignToKeyGroup } from '../../src/state/KeyGroup'
import { keyGroupRange, rescaleOperatorSnapshots, subtaskOfKeyGroup } from '../../src/state/rescale'
import { describeBackends, propertyRuns } from '../support/backends'
import { feed, type Build, snapshotJob, startJob, type Step } from '../support/snapshots'

const MAX_PARALLELISM = 128
const info = { kind: 'spec', name: 'spec', uid: undefined }

describe('key group ranges', () => {
  it('split [0, maxParallelism) into contiguous ranges as even as integers allow, one per subtask, and agree with subtaskOfKeyGroup', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: 4096 }), (maxParallelism, wanted) => {
        const parallelism = 1 + (wanted % maxParallelism)
        let next = 0
        const sizes: number[] = []
        for (let i = 0; i < parallelism; i++) {
          const { start, end } = keyGroupRange(maxParallelism, parallelism, i)
          expect(start).toBe(next)
          sizes.push(end - start + 1)
          for (const group of [start, end]) expect(subtaskOfKeyGroup(maxParallelism, parallelism, group)).toBe(i)
          next = end + 1
        }
        expect(next).toBe(maxParallelism)
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
      }),
      { numRuns: 200 }
    )
  })

  it('are refused for a parallelism above the max parallelism', () => {
    expect(() => keyGroupRange(128, 129, 0)).toThrowError(RangeError, /parallelism must be an integer in \[1, maxParallelism 128\]/)
  })
})

const count = ds.valueState('count', t.number)
const seen = ds.listState('seen', t.number)

/** Pipelines of one keyed operator whose records carry their keys (as after a keyBy). */
const PIPELINES: Record<string, Build<number, string, unknown>> = {
  'sliced windows': ([input]) =>
    input!.pipe(
      ds.windowBy(ds.slidingEventTimeWindows(20, 10)).aggregate<number, number[], string, string>({
        createAccumulator: () => [],
        add: (v, acc) => [...acc, v],
        getResult: acc => acc.join(','),
        merge: (a, b) => [...a, ...b]
      })
    ),
  'general windows': ([input]) =>
    input!.pipe(ds.windowBy(ds.tumblingEventTimeWindows<number>(15)).process<number, string, string>((key, ctx, values, out) => out.collect(`${key}@${ctx.window.start}:${values.join(',')}`))),
  'keyed process function': ([input]) =>
    input!.pipe(
      ds.keyedProcess<string, number, string>({
        processElement: (value, ctx, out) => {
          ctx.state(count).update((ctx.state(count).value() ?? 0) + 1)
          ctx.state(seen).add(value)
          ctx.timerService().registerEventTimeTimer(ctx.timestamp()! + 7)
          out.collect(`${ctx.getCurrentKey()}#${ctx.state(count).value()}`)
        },
        onTimer: (ts, ctx, out) => out.collect(`${ctx.getCurrentKey()} at ${ts}: ${[...ctx.state(seen).get()].join(',')}`)
      })
    ),
  // Two inputs (see `onInputs`): a value is `n * KEYS.length + i`, of key `k<i>`. A window
  // lists its keys in the order they fire; rescaled, a subtask holds part of a window's keys.
  'window join (coGroup)': ([left, right]) =>
    left!.pipe(
      ds
        .coGroupWith(right!)
        .where((v: number) => KEYS[v % KEYS.length]!)
        .equalTo((v: number) => KEYS[v % KEYS.length]!)
        .window(ds.slidingEventTimeWindows(20, 10))
        .apply<string>((as, bs, out) => out.collect(`${as.join(',')}|${bs.join(',')}`))
    )
}

/** How many inputs a pipeline has (1 unless named here). */
const INPUTS: Record<string, number> = { 'window join (coGroup)': 2 }

const KEYS = Array.from({ length: 40 }, (_, i) => `k${i}`)

interface Event {
  readonly key: string
  readonly value: number
  readonly ts: number
  /** The input it goes to (0 if not given). */
  readonly input?: number
}

const groupOf = (key: string): number => assignToKeyGroup(key, MAX_PARALLELISM)

/** Every entry's key group in a keyed snapshot (states, tables and timers). */
function groupsIn(snapshot: unknown): number[] {
  const s = snapshot as { keyed?: { states: { entries: [number][] }[]; tables?: { entries: [number][] }[] }; timers?: { eventTime: [number][]; processingTime: [number][] } }
  return [
    ...(s.keyed?.states ?? []).flatMap(x => x.entries.map(e => e[0])),
    ...(s.keyed?.tables ?? []).flatMap(x => x.entries.map(e => e[0])),
    ...(s.timers?.eventTime ?? []).map(e => e[0]),
    ...(s.timers?.processingTime ?? []).map(e => e[0])
  ]
}

/**
 * The steps of `events` for the subtask `index` of `parallelism`: its keys' records (each to
 * its input), and every watermark (to each of `inputs` inputs).
 */
function stepsFor(events: readonly Event[], parallelism: number, index: number, watermarkEvery: number, inputs = 1): Step<number, string>[] {
  const steps: Step<number, string>[] = []
  let max = -Infinity
  events.forEach((e, i) => {
    if (subtaskOfKeyGroup(MAX_PARALLELISM, parallelism, groupOf(e.key)) === index) steps.push([e.input ?? 0, ds.streamRecord(e.value, e.ts, e.key)])
    max = Math.max(max, e.ts)
    if ((i + 1) % watermarkEvery === 0) for (let input = 0; input < inputs; input++) steps.push([input, ds.watermark(max - 5)])
  })
  return steps
}

/**
 * The events as a two-input pipeline gets them: odd values to the second input, and the key
 * in the value (a join's key selectors see only values).
 */
const onInputs = (name: string, events: readonly Event[]): readonly Event[] =>
  INPUTS[name] === 2 ? events.map(e => ({ ...e, input: e.value % 2, value: e.value * KEYS.length + KEYS.indexOf(e.key) })) : events

/** Runs `events` in three parts at parallelisms 1, 4 and 2, rescaling the snapshots between them; every output, and the snapshots. */
function runRescaled(build: Build<number, string, unknown>, parts: readonly (readonly Event[])[], watermarkEvery: number, inputs = 1): { output: unknown[]; rescaled: unknown[][][] } {
  const output: unknown[] = []
  const rescaled: unknown[][][] = []
  // Per subtask, its job's snapshots (one per operator of the job).
  let restored: unknown[][] | undefined
  const parallelisms = [1, 4, 2]
  parallelisms.forEach((parallelism, phase) => {
    const last = phase === parallelisms.length - 1
    const jobs = Array.from({ length: parallelism }, (_, index) => {
      const emitted = { elements: output, error: undefined as unknown, completed: false }
      const running = startJob(inputs, build, emitted, restored?.[index])
      feed(running, stepsFor(parts[phase]!, parallelism, index, watermarkEvery, inputs))
      if (last) for (let input = 0; input < inputs; input++) feed(running, [[input, 'end']])
      if (emitted.error !== undefined) throw emitted.error
      return running
    })
    if (last) return
    const snapshots = jobs.map(j => snapshotJob(j.job))
    for (const j of jobs) j.subscription.unsubscribe()
    const next = parallelisms[phase + 1]!
    // Operator by operator: its subtasks' snapshots to the next parallelism.
    const perOperator = snapshots[0]!.map((_, op) => rescaleOperatorSnapshots(snapshots.map(s => s[op]), next, info))
    restored = Array.from({ length: next }, (_, index) => perOperator.map(op => op[index]!))
    rescaled.push(restored)
  })
  return { output, rescaled }
}

/** The records among stream elements, as sortable text (each subtask emits its own watermarks). */
const recordsOf = (elements: readonly unknown[]): string[] =>
  elements
    .filter((e): e is ds.StreamRecord<unknown> => ds.isRecord(e as ds.StreamElement<unknown>))
    .map(r => JSON.stringify([r.value, r.timestamp, r.key]))
    .sort()

const eventsArb = fc
  .array(fc.record({ key: fc.constantFrom(...KEYS), value: fc.integer({ min: 0, max: 9 }), delta: fc.integer({ min: -4, max: 6 }) }), { minLength: 3, maxLength: 90 })
  .map(raw => {
    let max = 0
    return raw.map(({ key, value, delta }): Event => {
      const ts = Math.max(0, max + delta)
      max = Math.max(max, ts)
      return { key, value, ts }
    })
  })

describeBackends('rescaling operator snapshots: parallelism 1 → 4 → 2', () => {
  for (const [name, build] of Object.entries(PIPELINES)) {
    it(`${name}: each subtask holds exactly its key groups, and the subtasks together give one run's output`, () => {
      fc.assert(
        fc.property(eventsArb, fc.integer({ min: 1, max: 4 }), fc.nat(), fc.nat(), (raw, every, a, b) => {
          const inputs = INPUTS[name] ?? 1
          const events = onInputs(name, raw)
          const first = a % events.length
          const second = first + (b % (events.length - first + 1))
          const parts = [events.slice(0, first), events.slice(first, second), events.slice(second)]
          const { output, rescaled } = runRescaled(build, parts, every, inputs)

          // Each rescaled snapshot holds only the groups of its subtask's range.
          for (const subtasks of rescaled) {
            subtasks.forEach((operators, index) => {
              const { start, end } = keyGroupRange(MAX_PARALLELISM, subtasks.length, index)
              for (const group of operators.flatMap(groupsIn)) expect(group >= start && group <= end).withContext(`group ${group} in subtask ${index} of ${subtasks.length}`).toBeTrue()
            })
          }

          // One run at parallelism 1 over the same events, watermarks at the same places.
          const reference = { elements: [] as unknown[], error: undefined as unknown, completed: false }
          const single = startJob(inputs, build, reference)
          for (const part of parts) feed(single, stepsFor(part, 1, 0, every, inputs))
          for (let input = 0; input < inputs; input++) feed(single, [[input, 'end']])
          // Subtasks interleave their outputs; each key's results keep their order.
          expect(recordsOf(output)).toEqual(recordsOf(reference.elements))
        }),
        propertyRuns(60)
      )
    })
  }

  it('no entry is lost or doubled: the rescaled snapshots hold together what the original held', () => {
    const build = PIPELINES['keyed process function']!
    const emitted = { elements: [] as unknown[], error: undefined as unknown, completed: false }
    const running = startJob(1, build, emitted)
    feed(
      running,
      KEYS.map((key, i): Step<number, string> => [0, ds.streamRecord(i, i, key)])
    )
    const [original] = snapshotJob(running.job) as [unknown]
    const four = rescaleOperatorSnapshots([original], 4, info)
    const two = rescaleOperatorSnapshots(four, 2, info)
    for (const subtasks of [four, two]) expect(subtasks.flatMap(groupsIn).sort((x, y) => x - y)).toEqual(groupsIn(original).sort((x, y) => x - y))
  })

  it('a rescaled window join numbers each window\'s keys again: 0, 1, 2, … in their order, a new key last', () => {
    const join = PIPELINES['window join (coGroup)']!
    const running = startJob(2, join)
    // Every key in the window [0, 20), in the order of KEYS.
    feed(
      running,
      KEYS.map((_, i): Step<number, string> => [i % 2, ds.streamRecord(i, 5, KEYS[i]!)])
    )
    const [original] = snapshotJob(running.job) as [unknown]
    running.subscription.unsubscribe()
    const positions = (snapshot: unknown, start: number): Array<[string, number]> =>
      (snapshot as { keyed: { tables: { name: string; entries: [number, string, number, [number, unknown]][] }[] } }).keyed.tables
        .find(t => t.name === 'panes')!
        .entries.filter(e => e[2] === start)
        .map(e => [e[1], e[3][0]])
    const byPosition = (list: Array<[string, number]>): string[] => [...list].sort((x, y) => x[1] - y[1]).map(([key]) => key)
    const before = byPosition(positions(original, 0))
    // One subtask of four: a part of the keys, with gaps between their positions.
    const [, second] = rescaleOperatorSnapshots([original], 4, info)
    const restored = startJob(2, join, undefined, [second!])
    const own = before.filter(key => subtaskOfKeyGroup(MAX_PARALLELISM, 4, groupOf(key)) === 1)
    const newcomer = KEYS.length * 2 + KEYS.indexOf(own[0]!)
    feed(restored, [[0, ds.streamRecord(newcomer, 6, own[0]!)]])
    const fresh = KEYS.findIndex(key => subtaskOfKeyGroup(MAX_PARALLELISM, 4, groupOf(key)) === 1 && !own.includes(key))
    if (fresh !== -1) feed(restored, [[0, ds.streamRecord(fresh, 6, KEYS[fresh]!)]])
    const [after] = snapshotJob(restored.job) as [unknown]
    restored.subscription.unsubscribe()
    const listed = positions(after, 0)
    expect(listed.map(([, position]) => position).sort((x, y) => x - y)).toEqual(listed.map((_, i) => i))
    expect(byPosition(listed)).toEqual(fresh === -1 ? own : [...own, KEYS[fresh]!])
  })

  it('refuses snapshots of different operators or different max parallelisms', () => {
    const window = startJob(1, PIPELINES['general windows']!)
    const process = startJob(1, PIPELINES['keyed process function']!)
    feed(window, [[0, ds.streamRecord(1, 1, 'k1')]])
    feed(process, [[0, ds.streamRecord(1, 1, 'k1')]])
    const [a] = snapshotJob(window.job) as [unknown]
    const [b] = snapshotJob(process.job) as [unknown]
    expect(() => rescaleOperatorSnapshots([a, b], 2, info)).toThrowError(/taken by different operators/)
    const other = structuredClone(b) as { keyed: { maxParallelism: number } }
    other.keyed.maxParallelism = 256
    expect(() => rescaleOperatorSnapshots([b, other], 2, info)).toThrowError(/different max parallelisms \(128, 256\)/)
  })
})
