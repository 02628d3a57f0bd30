/**
 * asyncWait survives a snapshot: its snapshot is the elements in flight, which a restored
 * operator pushes again (calling the function again for every record among them). Cut at any
 * point, with calls pending and answered in any order, a restored run gives what an
 * uninterrupted run gives: the same output in ordered mode; in unordered mode, the same
 * watermarks and statuses in the same order with, between two of them, the same results (the
 * order inside a segment is the order calls complete, which a restore changes).
 */
import fc from 'fast-check'
import * as ds from '../../src/index'
import { rec, wm } from '../../marbles/index'
import { AsyncWaitOperator } from '../../src/async/AsyncWaitOperator'
import type { JobContext } from '../../src/runtime/JobContext'
import { manualService, type PendingCall } from '../support/async-services'
import { type Emitted, feed, type Running, snapshotJob, startJob } from '../support/snapshots'
import { restoreOperator } from '../../src/runtime/operatorSnapshot'

type Element = ds.StreamElement<number, string>
type Out = ds.StreamElement<number, string>

const late = new ds.OutputTag<number>('passing-through')

/** Each value's results: `count` of them (0 to 2), distinct across values. */
const resultsOf = (v: number, count: number): number[] => Array.from({ length: count }, (_, k) => v * 10 + k)

/** Input: records with distinct values (keyed or not, some without a timestamp), increasing watermarks, statuses and side records between them. */
const inputArb: fc.Arbitrary<Element[]> = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('record' as const, 'keyed' as const, 'untimed' as const) },
      { weight: 2, arbitrary: fc.constant('watermark' as const) },
      { weight: 1, arbitrary: fc.constantFrom('idle' as const, 'active' as const, 'side' as const) }
    ),
    { maxLength: 30 }
  )
  .map(kinds => {
    let value = 0
    return kinds.map((kind, i): Element => {
      switch (kind) {
        case 'record':
          return rec(value++, i) as Element
        case 'keyed':
          return rec(value++, i, i % 2 === 0 ? 'a' : 'b')
        case 'untimed':
          return rec(value++, ds.NO_TIMESTAMP) as Element
        case 'watermark':
          return wm(i)
        case 'idle':
          return ds.IDLE
        case 'active':
          return ds.ACTIVE
        case 'side':
          return ds.sideRecord(late, -i, i)
      }
    })
  })

/** An action of the script: push the next input, or answer a pending call (which one: `choice`). */
type Action = { readonly push: true } | { readonly answer: number }

const actionArb: fc.Arbitrary<Action> = fc.oneof(fc.constant({ push: true as const }), fc.record({ answer: fc.nat({ max: 1_000 }) }))

interface Config {
  readonly ordered: boolean
  readonly capacity: number
  readonly counts: readonly number[]
}

/** The job and the service its calls go to. */
interface Started {
  readonly running: Running<number, string, Out>
  readonly pending: PendingCall<number, number>[]
  readonly calls: { value: number; attempt: number }[]
}

function start(config: Config, emitted: Emitted<Out>): Started {
  const { fn, pending, stats } = manualService<number, number>()
  const running = startJob<number, string, Out>(1, ([input]) => input!.pipe(ds.asyncWait(fn, { ordered: config.ordered, capacity: config.capacity, overflowBuffer: Infinity })), emitted)
  return { running, pending, calls: stats.calls }
}

function operatorOf(job: JobContext): AsyncWaitOperator<number, number, string> {
  const found = job.operators.find(h => h.operator instanceof AsyncWaitOperator)
  if (found === undefined) throw new Error('the job has no asyncWait')
  return found.operator as unknown as AsyncWaitOperator<number, number, string>
}

/** Runs `actions` from `from` on (pushing from input position `next`); returns the next input position. */
function act(started: Started, config: Config, input: readonly Element[], actions: readonly Action[], next: number): number {
  for (const action of actions) {
    if ('push' in action) {
      if (next < input.length) feed(started.running, [[0, input[next++]!]])
    } else if (started.pending.length > 0) {
      const call = started.pending[action.answer % started.pending.length]!
      call.answer(resultsOf(call.value, config.counts[call.value % config.counts.length]!))
    }
  }
  return next
}

/** The rest of the input, the end, then every pending call answered (in an order `choices` gives). */
function finish(started: Started, config: Config, input: readonly Element[], next: number, choices: readonly number[]): void {
  feed(started.running, [...input.slice(next).map(e => [0, e] as const), [0, 'end'] as const])
  for (let c = 0; started.pending.length > 0; c++) {
    act(started, config, input, [{ answer: choices[c % choices.length]! }], input.length)
  }
  started.running.subscription.unsubscribe()
}

function uninterrupted(config: Config, input: readonly Element[], actions: readonly Action[], choices: readonly number[]): Emitted<Out> {
  const emitted: Emitted<Out> = { elements: [], error: undefined, completed: false }
  const run = start(config, emitted)
  finish(run, config, input, act(run, config, input, actions, 0), choices)
  return emitted
}

interface Interrupted {
  readonly emitted: Emitted<Out>
  readonly inFlightAtCut: Element[]
  readonly inFlightRestored: Element[]
  /** The calls the restored operator made, in order. */
  readonly callsAfterRestore: { value: number; attempt: number }[]
}

function interrupted(config: Config, input: readonly Element[], actions: readonly Action[], choices: readonly number[], cut: number): Interrupted {
  const emitted: Emitted<Out> = { elements: [], error: undefined, completed: false }
  const first = start(config, emitted)
  const next = act(first, config, input, actions.slice(0, cut), 0)
  const inFlightAtCut = operatorOf(first.running.job).inFlight()
  const snapshots = snapshotJob(first.running.job)
  first.running.subscription.unsubscribe()

  const second = start(config, emitted)
  second.running.job.operators.forEach(({ operator }, i) => restoreOperator(operator, snapshots[i]))
  const inFlightRestored = operatorOf(second.running.job).inFlight()
  finish(second, config, input, act(second, config, input, actions.slice(cut), next), choices)
  return { emitted, inFlightAtCut, inFlightRestored, callsAfterRestore: second.calls.map(({ value, attempt }) => ({ value, attempt })) }
}

/** Separators (watermarks, statuses) in order, and what came between them, sorted. */
function segmentsOf(elements: readonly Out[]): { separators: Out[]; between: string[][] } {
  const separators: Out[] = []
  const between: string[][] = [[]]
  for (const e of elements) {
    if (e._tag === 'Watermark' || e._tag === 'StreamStatus') {
      separators.push(e)
      between.push([])
    } else between[between.length - 1]!.push(JSON.stringify(e))
  }
  return { separators, between: between.map(s => s.sort()) }
}

const configArb: fc.Arbitrary<Config> = fc.record({
  ordered: fc.boolean(),
  capacity: fc.integer({ min: 1, max: 5 }),
  counts: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 5 })
})

describe('asyncWait snapshot and restore', () => {
  it('gives the output of an uninterrupted run, wherever it is cut (ordered: the same; unordered: the same segments)', () => {
    fc.assert(
      fc.property(
        configArb,
        inputArb,
        fc.array(actionArb, { maxLength: 60 }),
        fc.array(fc.nat({ max: 1_000 }), { minLength: 1, maxLength: 10 }),
        fc.nat(),
        (config, input, actions, choices, at) => {
          const cut = at % (actions.length + 1)
          const expected = uninterrupted(config, input, actions, choices)
          const actual = interrupted(config, input, actions, choices, cut)
          expect(expected.error).toBeUndefined()
          expect(actual.emitted.error).toBeUndefined()
          expect(actual.emitted.completed).toBeTrue()
          // The restored operator holds what the snapshotted one held, and calls its records again, first.
          expect(actual.inFlightRestored).toEqual(actual.inFlightAtCut)
          const again = actual.inFlightAtCut.flatMap(e => (e._tag === 'Record' ? [{ value: e.value, attempt: 1 }] : []))
          expect(actual.callsAfterRestore.slice(0, again.length)).toEqual(again)
          if (config.ordered) expect(actual.emitted.elements).toEqual(expected.elements)
          else expect(segmentsOf(actual.emitted.elements)).toEqual(segmentsOf(expected.elements))
        }
      ),
      { numRuns: 200 }
    )
  })

  it('writes the elements in flight as plain data, keys and missing timestamps included', () => {
    const { fn } = manualService<number, number>()
    const run = startJob<number, string, Out>(1, ([input]) => input!.pipe(ds.asyncWait(fn, { capacity: 2, overflowBuffer: 5 })))
    feed(run, [
      [0, rec(1, 10, 'a')],
      [0, wm(10)],
      [0, rec(2, ds.NO_TIMESTAMP) as Element],
      [0, ds.sideRecord(late, 7, 11)],
      [0, ds.IDLE]
    ])
    const [snapshot] = snapshotJob(run.job)
    run.subscription.unsubscribe()
    expect(snapshot).toEqual({
      format: 'rx-datastream/operator',
      version: 1,
      kind: 'asyncWait',
      own: { inFlight: [{ record: 1, timestamp: 10, key: 'a' }, { watermark: 10 }, { record: 2, timestamp: '-Infinity' }, { sideOutput: 'passing-through', value: 7, timestamp: 11 }, { idle: true }] }
    })
  })

  it('refuses to snapshot a value in flight that is not plain JSON data, naming the element', () => {
    const { fn } = manualService<unknown, number>()
    const run = startJob<unknown, string, Out>(1, ([input]) => input!.pipe(ds.asyncWait(fn)))
    feed(run, [[0, rec({ at: new Map() }, 5, 'k')]])
    expect(() => snapshotJob(run.job)).toThrowError(ds.StateError, /asyncWait.*"inFlight": cannot snapshot .*: value\.at is a Map, not a plain object/)
    run.subscription.unsubscribe()
  })

  it('refuses a snapshot whose elements are not what it wrote, and pushes none of them', () => {
    const { fn, stats } = manualService<number, number>()
    const run = startJob<number, string, Out>(1, ([input]) => input!.pipe(ds.asyncWait(fn)))
    const snapshot = { format: 'rx-datastream/operator', version: 1, kind: 'asyncWait', own: { inFlight: [{ record: 1, timestamp: 1 }, { record: 2, timestamp: null }] } }
    expect(() => restoreOperator(operatorOf(run.job), snapshot)).toThrowError(ds.StateError, /"inFlight": cannot restore: element 1: null is not a time/)
    expect(stats.calls).toEqual([])
    run.subscription.unsubscribe()
  })
})
