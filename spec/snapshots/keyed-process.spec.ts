/**
 * keyedProcess survives a snapshot: snapshotting it at any point of its input, restoring the
 * snapshot into a fresh operator and feeding it the rest gives what an uninterrupted run gives
 * (keyed state, event-time timers, the watermark).
 */
import fc from 'fast-check'
import * as t from 'io-ts'
import * as ds from '../../src/index'
import { keyedEventsArb } from '../support/arbitraries'
import { type Build, runWithRestore, startJob, type Step } from '../support/snapshots'
import { restoreOperator } from '../../src/runtime/operatorSnapshot'
import { describeBackends } from '../support/backends'
import { keyedOptions } from '../support/keyed'

const count = ds.valueState('count', t.number)
const sum = ds.reducingState('sum', (a: number, b: number) => a + b, t.number)

/** Per key: a running count, a sum reported by an event-time timer 5 ms after each record. */
const fn: ds.KeyedProcessFunction<string, number, string> = {
  processElement: (value, ctx, out) => {
    const n = (ctx.state(count).value() ?? 0) + 1
    ctx.state(count).update(n)
    ctx.state(sum).add(value)
    ctx.timerService().registerEventTimeTimer(ctx.timestamp()! + 5)
    out.collect(`${ctx.getCurrentKey()}#${n}`)
  },
  onTimer: (ts, ctx, out) => out.collect(`${ctx.getCurrentKey()} sum ${ctx.state(sum).get()} at ${ts}`)
}

function script(events: readonly { key: string; value: number; ts: number }[], watermarkEvery: number): Step<number, string>[] {
  const steps: Step<number, string>[] = []
  let max = -Infinity
  events.forEach((e, i) => {
    steps.push([0, ds.streamRecord(e.value, e.ts, e.key)])
    max = Math.max(max, e.ts)
    if ((i + 1) % watermarkEvery === 0) steps.push([0, ds.watermark(max - 3)])
  })
  steps.push([0, 'end'])
  return steps
}

// On either backend: on LMDB the state and the timers are in the store (with a head of 3 timers in memory).
describeBackends('keyedProcess snapshot and restore', () => {
  it('gives the output of an uninterrupted run, wherever it is cut', () => {
    fc.assert(
      fc.property(
        keyedEventsArb({ keys: ['a', 'b', 'c'], values: { min: 0, max: 9 }, start: 100, maxBehind: 3, maxAhead: 6, maxLength: 30 }),
        fc.integer({ min: 1, max: 4 }),
        fc.nat(),
        (events, every, at) => {
          const steps = script(events, every)
          const cut = at % steps.length
          const { uninterrupted, restored } = runWithRestore(
            1,
            ([input]) => input!.pipe(ds.keyedProcess<string, number, string>(fn, keyedOptions())),
            steps,
            cut
          )
          expect(restored.elements).toEqual(uninterrupted.elements)
          expect(restored.completed).toBe(uninterrupted.completed)
          expect(restored.error).toBeUndefined()
        }
      ),
      { numRuns: 150 }
    )
  })

  it('refuses a snapshot of another kind of operator, and one that is not a snapshot, naming what is wrong', () => {
    const build: Build<number, string, ds.StreamElement<string, string>> = ([input]) => input!.pipe(ds.keyedProcess<string, number, string>(fn, keyedOptions()))
    const { snapshots } = runWithRestore(1, build, [[0, ds.streamRecord(1, 1, 'a')], [0, 'end']], 1)
    const fresh = startJob(1, build).job.operators[0]!.operator
    expect(() => restoreOperator(fresh, { ...(snapshots[0] as object), kind: 'windowBy' })).toThrowError(
      ds.StateError,
      /snapshot was taken by a windowBy operator, not a keyedProcess/
    )
    expect(() => restoreOperator(fresh, { format: 'something else' })).toThrowError(ds.StateError, /not an operator snapshot of this version/)
  })

  it('errors the restored stream (nothing thrown into subscribe, nothing opened) when the job restores a snapshot it refuses', () => {
    let opened = 0
    const build: Build<number, string, ds.StreamElement<string, string>> = ([input]) =>
      input!.pipe(ds.keyedProcess<string, number, string>({ ...fn, open: () => void opened++ }, keyedOptions()))
    const restored = startJob(1, build, undefined, [{ format: 'rx-datastream/operator', version: 1, kind: 'windowBy' }])
    expect(restored.emitted.error).toBeInstanceOf(ds.StateError)
    expect((restored.emitted.error as Error).message).toMatch(/^keyedProcess: state "\*": the snapshot was taken by a windowBy operator/)
    expect(opened).toBe(0)
  })
})
