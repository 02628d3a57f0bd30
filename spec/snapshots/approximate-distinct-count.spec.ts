/**
 * Sketches survive a snapshot: windows counting with approximateDistinctCount (tumbling and
 * sliding slices, merging sessions, windowAll), and sketches in keyed state, snapshotted at any
 * point of their input, restored into fresh operators and fed the rest, give exactly what an
 * uninterrupted run gives. Sketches are both sparse and dense at the cut (precision 6 goes
 * dense past 12 registers).
 */
import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import * as ds from '../../src/index'
import { type Build, runWithRestore, type Step } from '../support/snapshots'

/** Users per key, with timestamps up to 8 behind the highest so far and a watermark 3 behind it every few records. */
const scriptArb = fc
  .record({
    events: fc.array(
      fc.record({ key: fc.constantFrom('a', 'b'), user: fc.integer({ min: 0, max: 500 }), delta: fc.integer({ min: -8, max: 3 }) }),
      { maxLength: 250, size: 'max' }
    ),
    every: fc.integer({ min: 1, max: 25 }),
    at: fc.nat()
  })
  .map(({ events, every, at }) => {
    const steps: Step<number, string>[] = []
    const cuts = [0]
    let max = 0
    events.forEach(({ key, user, delta }, i) => {
      const ts = Math.max(0, max + delta)
      max = Math.max(max, ts)
      steps.push([0, ds.streamRecord(user, ts, key)])
      cuts.push(steps.length)
      if ((i + 1) % every === 0) {
        steps.push([0, ds.watermark(max - 3)])
        cuts.push(steps.length)
      }
    })
    steps.push([0, 'end'])
    return { steps, cut: cuts[at % cuts.length]! }
  })

const ASSIGNERS = {
  tumbling: () => ds.tumblingEventTimeWindows<number>(30),
  sliding: () => ds.slidingEventTimeWindows<number>(45, 15),
  session: () => ds.eventTimeSessionWindows<number>(4)
} as const

function expectSameAfterRestore(build: Build<number, string, unknown>, { steps, cut }: { steps: Step<number, string>[]; cut: number }): void {
  const { uninterrupted, restored } = runWithRestore(1, build, steps, cut)
  assert.equal(uninterrupted.error, undefined)
  assert.equal(restored.error, undefined)
  assert.deepEqual(restored.elements, uninterrupted.elements)
  assert.equal(restored.completed, uninterrupted.completed)
}

describe('approximateDistinctCount snapshot and restore', () => {
  for (const [kind, assigner] of Object.entries(ASSIGNERS)) {
    it(`${kind} windows, keyed or all, with allowed lateness or not: the restored run gives the uninterrupted run's output`, () => {
      fc.assert(
        fc.property(scriptArb, fc.boolean(), fc.constantFrom(0, 10), (script, keyed, lateness) => {
          const uv = ds.approximateDistinctCount((user: number) => user, { precision: 6 })
          const build: Build<number, string, unknown> = ([input]) => {
            const windowed = (keyed ? ds.windowBy(assigner()) : ds.windowAll(assigner())) as ds.WindowedStream<boolean>
            return input!.pipe((lateness > 0 ? windowed.allowedLateness(lateness) : windowed).aggregate<number, ds.HyperLogLog, number, string>(uv) as never)
          }
          expectSameAfterRestore(build, script)
        }),
        { numRuns: 60 }
      )
    })
  }

  it('sketches in keyed state (aggregatingState and value state): the restored run gives the uninterrupted run\'s output', () => {
    const visitors = ds.approximateDistinctCount((user: number) => user, { precision: 6 })
    const viaAggregate = ds.aggregatingState('visitors', visitors, visitors.accumulatorCodec)
    const viaValue = ds.valueState('sketch', ds.hyperLogLogCodec)
    const build: Build<number, string, unknown> = ([input]) =>
      input!.pipe(
        ds.keyedProcess<string, number, string>({
          processElement: (user, ctx, out) => {
            ctx.state(viaAggregate).add(user)
            const sketch = ctx.state(viaValue).value() ?? new ds.HyperLogLog(12)
            sketch.add(user)
            ctx.state(viaValue).update(sketch)
            out.collect(`${ctx.getCurrentKey()}: ${ctx.state(viaAggregate).get()} ${sketch.estimate()}`)
          }
        })
      )
    fc.assert(
      fc.property(scriptArb, script => expectSameAfterRestore(build, script)),
      { numRuns: 60 }
    )
  })

  it('writes a window of a hundred users in a few hundred characters', () => {
    const steps: Step<number, string>[] = Array.from({ length: 100 }, (_, i): Step<number, string> => [0, ds.streamRecord(i, 1, 'a')])
    const build: Build<number, string, unknown> = ([input]) =>
      input!.pipe(ds.windowBy(ds.tumblingEventTimeWindows<number>(30)).aggregate<number, ds.HyperLogLog, number, string>(ds.approximateDistinctCount((u: number) => u)) as never)
    const { snapshots } = runWithRestore(1, build, [...steps, [0, 'end']], steps.length)
    expect(JSON.stringify(snapshots).length).toBeLessThan(1_500)
  })
})
