/**
 * intervalJoinWith survives a snapshot: snapshotting it at any point of a two-input script
 * (keyed records on both sides, watermarks on both inputs, late records to side outputs),
 * restoring the snapshot into a fresh operator and feeding it the rest gives what an
 * uninterrupted run gives, and leaves the same elements buffered.
 */
import fc from 'fast-check'
import * as ds from '../../src/index'
import { IntervalJoinOperator } from '../../src/join/IntervalJoinOperator'
import type { JobContext } from '../../src/runtime/JobContext'
import { type Build, type Emitted, feed, type Running, snapshotJob, startJob, type Step } from '../support/snapshots'
import { restoreOperator } from '../../src/runtime/operatorSnapshot'
import { describeBackends, propertyRuns } from '../support/backends'

interface Value {
  readonly id: number
}
type Out = ds.StreamElement<string, string>
type AnyJoin = IntervalJoinOperator<Value, Value, string, string>

const leftLate = new ds.OutputTag<Value>('left-late')
const rightLate = new ds.OutputTag<Value>('right-late')

/** Every pair as `left-right@leftTs,rightTs`, so that the output says which elements met. */
const describePair: ds.ProcessJoinFunction<Value, Value, string, string> = (l, r, ctx, out) => out.collect(`${l.id}-${r.id}@${ctx.leftTimestamp()},${ctx.rightTimestamp()}`)

interface JoinSpec {
  readonly lower: number
  readonly upper: number
  readonly lateTags: 'both' | 'left' | 'none'
}

function build({ lower, upper, lateTags }: JoinSpec): Build<Value, string, Out> {
  return ([left, right]) => {
    let joined = ds.intervalJoinWith(right!).between(lower, upper)
    if (lateTags !== 'none') joined = joined.sideOutputLeftLateData(leftLate)
    if (lateTags === 'both') joined = joined.sideOutputRightLateData(rightLate)
    return left!.pipe(joined.process(describePair))
  }
}

function joinOf(job: JobContext): AnyJoin {
  const found = job.operators.find(h => h.operator instanceof IntervalJoinOperator)
  if (found === undefined) throw new Error('the job has no interval join')
  return found.operator as unknown as AnyJoin
}

/** One generated action: a record of a side, or that side's watermark moving to `now - lag`. */
type Action = { readonly kind: 'record'; readonly input: number; readonly key: string; readonly advance: number; readonly delta: number | 'atWatermark' } | { readonly kind: 'watermark'; readonly input: number; readonly lag: number; readonly advance: number }

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('record' as const), input: fc.integer({ min: 0, max: 1 }), key: fc.constantFrom('a', 'b', 'c'), advance: fc.integer({ min: 0, max: 3 }), delta: fc.oneof(fc.integer({ min: -6, max: 4 }), fc.constant('atWatermark' as const)) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('watermark' as const), input: fc.integer({ min: 0, max: 1 }), lag: fc.integer({ min: 0, max: 4 }), advance: fc.integer({ min: 0, max: 3 }) }) }
)

/**
 * Records at `now + delta` (some of them late) or at the combined watermark (buffered at it:
 * the case of a side of shift 0 that only the watermark an element was buffered at decides),
 * watermarks at `now - lag` (each input's own, never going back), then both ends.
 */
function script(actions: readonly Action[], endFirst: number): { body: Step<Value, string>[]; ends: Step<Value, string>[] } {
  const body: Step<Value, string>[] = []
  const watermarks = [-Infinity, -Infinity]
  let now = 100
  actions.forEach((a, id) => {
    now += a.advance
    if (a.kind === 'record') {
      const combined = Math.min(...watermarks)
      const ts = a.delta !== 'atWatermark' ? now + a.delta : combined > -Infinity ? combined : now
      body.push([a.input, ds.streamRecord<Value, string>({ id }, ts, a.key)])
    }
    else if (now - a.lag > watermarks[a.input]!) {
      watermarks[a.input] = now - a.lag
      body.push([a.input, ds.watermark(now - a.lag)])
    }
  })
  return { body, ends: [[endFirst, 'end'], [1 - endFirst, 'end']] }
}

/**
 * What a restored job's sources do (and Flink's after a restore): announce each input's
 * current watermark again, and end the inputs that had ended. The host combines its inputs'
 * watermarks itself, and that is not part of an operator's snapshot; the announced watermarks
 * reach the operator combined as the watermark it restored, which it ignores.
 */
function reannounce(steps: readonly Step<Value, string>[]): Step<Value, string>[] {
  const last = new Map<number, ds.Watermark>()
  const ended = new Set<number>()
  for (const [input, element] of steps) {
    if (element === 'end') ended.add(input)
    else if (element._tag === 'Watermark') last.set(input, element)
  }
  return [...[...last].filter(([input]) => !ended.has(input)), ...[...ended].map(input => [input, 'end'] as const)]
}

interface Outcome {
  readonly emitted: Emitted<Out>
  /** Buffered before the ends: after the whole body. */
  readonly buffered: { left: number[]; right: number[] }
  /** At the cut in the first run, and right after the restore in the second. */
  readonly atCut?: { readonly snapshotted: { left: number[]; right: number[] }; readonly restored: { left: number[]; right: number[] } }
}

function uninterrupted(spec: JoinSpec, body: readonly Step<Value, string>[], ends: readonly Step<Value, string>[]): Outcome {
  const run = startJob(2, build(spec))
  feed(run, body)
  const buffered = joinOf(run.job).bufferedTimestamps()
  feed(run, ends)
  run.subscription.unsubscribe()
  return { emitted: run.emitted, buffered }
}

function interrupted(spec: JoinSpec, body: readonly Step<Value, string>[], ends: readonly Step<Value, string>[], cut: number): Outcome {
  const steps = [...body, ...ends]
  const emitted: Emitted<Out> = { elements: [], error: undefined, completed: false }
  const first = startJob(2, build(spec), emitted)
  feed(first, steps.slice(0, cut))
  const snapshotted = joinOf(first.job).bufferedTimestamps()
  const snapshots = snapshotJob(first.job)
  first.subscription.unsubscribe()

  const second: Running<Value, string, Out> = startJob(2, build(spec), emitted)
  second.job.operators.forEach(({ operator }, i) => restoreOperator(operator, snapshots[i]))
  const join = joinOf(second.job)
  const restored = join.bufferedTimestamps()
  feed(second, reannounce(steps.slice(0, cut)))
  const rest = steps.slice(cut)
  feed(second, rest.slice(0, Math.max(0, body.length - cut)))
  const buffered = join.bufferedTimestamps()
  feed(second, rest.slice(Math.max(0, body.length - cut)))
  second.subscription.unsubscribe()
  return { emitted, buffered, atCut: { snapshotted, restored } }
}

const specArb: fc.Arbitrary<JoinSpec> = fc
  .record({ lower: fc.integer({ min: -5, max: 3 }), width: fc.integer({ min: 0, max: 6 }), lateTags: fc.constantFrom('both' as const, 'left' as const, 'none' as const) })
  .map(({ lower, width, lateTags }) => ({ lower, upper: lower + width, lateTags }))

describeBackends('intervalJoinWith snapshot and restore', () => {
  it('gives the output of an uninterrupted run and buffers the same elements, wherever it is cut', () => {
    fc.assert(
      fc.property(specArb, fc.array(actionArb, { maxLength: 40 }), fc.integer({ min: 0, max: 1 }), fc.nat(), (spec, actions, endFirst, at) => {
        const { body, ends } = script(actions, endFirst)
        // Anywhere up to the last end, exclusive: cut after it, the job has completed.
        const cut = at % (body.length + 2)
        const expected = uninterrupted(spec, body, ends)
        const actual = interrupted(spec, body, ends, cut)
        expect(actual.emitted.error).toBeUndefined()
        expect(actual.atCut!.restored).toEqual(actual.atCut!.snapshotted)
        if (cut <= body.length) expect(actual.buffered).toEqual(expected.buffered)
        expect(actual.emitted.elements).toEqual(expected.emitted.elements)
        expect(actual.emitted.completed).toBeTrue()
        expect(expected.emitted.completed).toBeTrue()
      }),
      propertyRuns(200)
    )
  })

  it('leaves the sweep timers out of the snapshot and keeps only live elements', () => {
    // between(-3, 0): a left element is cleaned up at its timestamp (shift 0), a right one 3 later
    const spec: JoinSpec = { lower: -3, upper: 0, lateTags: 'none' }
    const run = startJob(2, build(spec))
    feed(run, [
      [0, ds.streamRecord({ id: 1 }, 5, 'k')],
      [0, ds.streamRecord({ id: 2 }, 9, 'k')],
      [0, ds.streamRecord({ id: 3 }, 6, 'j')],
      [0, ds.watermark(7)],
      [1, ds.watermark(7)],
      [0, ds.streamRecord({ id: 4 }, 7, 'k')]
    ])
    const [snapshot] = snapshotJob(run.job) as [{ timers?: unknown; keyed: { tables: { name: string; entries: [number, unknown, null, unknown][] }[] } }]
    run.subscription.unsubscribe()
    expect(snapshot.timers).toBeUndefined()
    const [table] = snapshot.keyed.tables
    const byKey = new Map(table!.entries.map(([, key, , value]) => [key, value]))
    // At 7, 5 and 6 are dead (not swept yet); 7 arrived when the watermark was 7, so it still joins
    expect(byKey.get('k')).toEqual({ left: { ts: [7, 9], values: [{ id: 4 }, { id: 2 }], buffered: [7, '-Infinity'] }, right: { ts: [], values: [] } })
    expect(byKey.get('j')).toEqual({ left: { ts: [], values: [], buffered: [] }, right: { ts: [], values: [] } })
    // a restored key with nothing live is released, one with live elements is filed for a sweep
    const restored = startJob(2, build(spec))
    restoreOperator(joinOf(restored.job), snapshot)
    expect(joinOf(restored.job).footprint()).toEqual({ elements: 2, keys: 1, timers: 1 })
    restored.subscription.unsubscribe()
  })

  it('refuses to snapshot a buffered value that is not plain JSON data, naming the side and the key', () => {
    const run = startJob(2, build({ lower: -1, upper: 1, lateTags: 'none' }))
    feed(run, [[1, ds.streamRecord({ id: new Date(0) } as unknown as Value, 5, 'k')]])
    expect(() => snapshotJob(run.job)).toThrowError(ds.StateError, /intervalJoinWith.*"intervalJoinBuffers": cannot snapshot the right element at 5 of key "k": value\.id is a Date, not a plain object/)
    run.subscription.unsubscribe()
  })

  it('refuses a snapshot whose buffers are not what it wrote, naming the key', () => {
    const run = startJob(2, build({ lower: -1, upper: 1, lateTags: 'none' }))
    feed(run, [[0, ds.streamRecord({ id: 1 }, 5, 'k')], [0, ds.streamRecord({ id: 2 }, 6, 'k')]])
    const [snapshot] = snapshotJob(run.job) as [{ keyed: { tables: { entries: [number, unknown, null, { left: { ts: number[] } }][] }[] } }]
    run.subscription.unsubscribe()
    snapshot.keyed.tables[0]!.entries[0]![3].left.ts.reverse()
    const fresh = startJob(2, build({ lower: -1, upper: 1, lateTags: 'none' }))
    expect(() => restoreOperator(joinOf(fresh.job), snapshot)).toThrowError(
      ds.StateError,
      /"intervalJoinBuffers": cannot restore: the value of key "k" is invalid: the left side's timestamps are not finite numbers in ascending order/
    )
    fresh.subscription.unsubscribe()
  })
})
