/**
 * The built-in evictors evict in place from a window kept as two arrays (values, timestamps):
 * they must remove exactly what their `evictBefore` / `evictAfter` remove, calling the user's
 * delta function with the same arguments in the same order; and a window operator running them
 * that way must give what it gives with the same evictor seen as a user's evictor (which
 * takes the `{ value, timestamp }` path): results, late firings, snapshots and restores.
 */
import assert from 'node:assert'
import fc from 'fast-check'
import * as ds from '../../src/index'
import type { Evictor, TimestampedValue } from '../../src/windowing/Evictor'
import { bufferEvictionOf } from '../../src/windowing/bufferEviction'
import { countEvictor, deltaEvictor, timeEvictor } from '../../src/windowing/evictors'
import { timeWindow } from '../../src/windowing/TimeWindow'
import { type Build, runWithRestore, type Step } from '../support/snapshots'
import { describeBackends, propertyRuns } from '../support/backends'

const W = timeWindow(0, 100)

/** A built-in evictor from generated parameters, with a log of its delta function's calls. */
type Made = { readonly evictor: Evictor<number>; readonly calls: string[] }

const evictorArb: fc.Arbitrary<() => Made> = fc.oneof(
  fc.record({ n: fc.integer({ min: 0, max: 6 }), after: fc.boolean() }).map(({ n, after }) => () => ({ evictor: countEvictor<number>(n, { doEvictAfter: after }), calls: [] })),
  fc.record({ w: fc.integer({ min: 0, max: 20 }), after: fc.boolean() }).map(({ w, after }) => () => ({ evictor: timeEvictor<number>(w, { doEvictAfter: after }), calls: [] })),
  fc.record({ threshold: fc.integer({ min: -2, max: 8 }), after: fc.boolean() }).map(({ threshold, after }) => () => {
    const calls: string[] = []
    const evictor = deltaEvictor<number>(
      threshold,
      (a, b) => {
        calls.push(`${a},${b}`)
        return Math.abs(a - b)
      },
      { doEvictAfter: after }
    )
    return { evictor, calls }
  })
)

/** Elements in arrival order; timestamps all absent (-Infinity) or all present, as records of one window are. */
const elementsArb: fc.Arbitrary<TimestampedValue<number>[]> = fc
  .tuple(fc.boolean(), fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: -30, max: 30 })), { maxLength: 12 }))
  .map(([timed, items]) => items.map(([value, ts]) => ({ value, timestamp: timed ? ts : -Infinity })))

describeBackends('built-in evictors in place (property)', () => {
  it('remove what evictBefore / evictAfter remove, with the same delta calls', () => {
    fc.assert(
      fc.property(evictorArb, elementsArb, (make, elements) => {
        const byObjects = make()
        const inPlace = make()
        const eviction = bufferEvictionOf(inPlace.evictor as Evictor<never>)
        assert.ok(eviction !== undefined)
        const side = eviction.after ? 'evictAfter' : 'evictBefore'
        const expected = byObjects.evictor[side](elements, W)
        // the other side keeps everything, the same array
        assert.strictEqual(byObjects.evictor[eviction.after ? 'evictBefore' : 'evictAfter'](elements, W), elements)
        const values = elements.map(e => e.value)
        const timestamps = elements.map(e => e.timestamp)
        eviction.evict(values, timestamps)
        assert.deepStrictEqual(
          values.map((value, i) => ({ value, timestamp: timestamps[i] })),
          expected.map(e => ({ value: e.value, timestamp: e.timestamp }))
        )
        assert.deepStrictEqual(inPlace.calls, byObjects.calls)
      }),
      propertyRuns(500)
    )
  })

  it('user evictors have none', () => {
    const mine: Evictor<number> = { name: 'mine', evictBefore: es => es, evictAfter: es => es }
    expect(bufferEvictionOf(mine as Evictor<never>)).toBeUndefined()
    expect(bufferEvictionOf(countEvictor(1) as Evictor<never>)).toBeDefined()
  })
})

describeBackends('windows with a built-in evictor (property)', () => {
  /** The same evictor, as a user's: the window keeps `{ value, timestamp }` objects. */
  const asUsers = (evictor: Evictor<number>): Evictor<number> => ({
    name: `user(${evictor.name})`,
    evictBefore: (es, w) => evictor.evictBefore(es, w),
    evictAfter: (es, w) => evictor.evictAfter(es, w)
  })

  /** Keyed records with timestamps up to 12 behind the highest, a watermark every few, and where to cut. */
  const scriptArb = fc
    .record({
      events: fc.array(
        fc.record({ key: fc.constantFrom('a', 'b'), value: fc.integer({ min: 0, max: 9 }), delta: fc.integer({ min: -12, max: 6 }) }),
        { maxLength: 40 }
      ),
      every: fc.integer({ min: 1, max: 5 }),
      at: fc.nat()
    })
    .map(({ events, every, at }) => {
      const steps: Step<number, string>[] = []
      const cuts = [0]
      let max = 0
      events.forEach((e, i) => {
        const ts = max + e.delta
        max = Math.max(max, ts)
        steps.push([0, ds.streamRecord(e.value, ts, e.key)])
        cuts.push(steps.length)
        if ((i + 1) % every === 0) {
          steps.push([0, ds.watermark(max - 2)])
          cuts.push(steps.length)
        }
      })
      steps.push([0, 'end'])
      return { steps, cut: cuts[at % cuts.length]! }
    })

  const ASSIGNERS = {
    tumbling: () => ds.tumblingEventTimeWindows<number>(8),
    sliding: () => ds.slidingEventTimeWindows<number>(12, 4),
    session: () => ds.eventTimeSessionWindows<number>(3)
  }
  const TRIGGERS = {
    default: undefined,
    count: () => ds.countTrigger<number>(2),
    continuous: () => ds.continuousEventTimeTrigger<number>(3)
  }

  it('give what the same evictor gives as a user’s evictor, across snapshot and restore', () => {
    fc.assert(
      fc.property(
        scriptArb,
        evictorArb,
        fc.constantFrom(...(Object.keys(ASSIGNERS) as (keyof typeof ASSIGNERS)[])),
        fc.constantFrom(...(Object.keys(TRIGGERS) as (keyof typeof TRIGGERS)[])),
        fc.constantFrom('process', 'reduce', 'aggregate'),
        fc.constantFrom(0, 5),
        ({ steps, cut }, make, assignerName, triggerName, fn, lateness) => {
          const build =
            (user: boolean): Build<number, string, unknown> =>
            ([input]) => {
              const evictor = make().evictor
              let windowed = ds.windowBy(ASSIGNERS[assignerName]()).evictor(user ? asUsers(evictor) : evictor).allowedLateness(lateness) as ds.WindowedStream<boolean>
              const trigger = TRIGGERS[triggerName]
              if (trigger !== undefined) windowed = windowed.trigger(trigger() as ds.Trigger<unknown>)
              const describe = (key: string, ctx: ds.ProcessWindowContext, values: readonly unknown[], out: ds.Collector<string>): void =>
                out.collect(`${key}@[${ctx.window.start},${ctx.window.end}): ${values.join(' ')}`)
              const operator =
                fn === 'process'
                  ? windowed.process<number, string, string>(describe)
                  : fn === 'reduce'
                    ? windowed.reduce<number, string, string>((a, b) => a * 3 + b, describe)
                    : windowed.aggregate<number, number[], number[], string, string>(
                        { createAccumulator: () => [], add: (v, acc) => [...acc, v], getResult: acc => acc, merge: (a, b) => [...a, ...b] },
                        describe
                      )
              return input!.pipe(operator as never)
            }
          const inPlace = runWithRestore(1, build(false), steps, cut)
          const objects = runWithRestore(1, build(true), steps, cut)
          assert.strictEqual(String(inPlace.uninterrupted.error), String(objects.uninterrupted.error))
          assert.deepStrictEqual(inPlace.uninterrupted.elements, objects.uninterrupted.elements)
          assert.deepStrictEqual(inPlace.restored.elements, inPlace.uninterrupted.elements)
          assert.deepStrictEqual(objects.restored.elements, objects.uninterrupted.elements)
        }
      ),
      propertyRuns(200)
    )
  })

  it('a process window function gets an array of its own at each firing, which later elements do not change', () => {
    const kept: (readonly number[])[] = []
    ds.fromRecords([1, 2, 3, 4].map(n => ({ value: n, timestamp: n })))
      .pipe(
        ds
          .windowAll(ds.tumblingEventTimeWindows<number>(100))
          .trigger(ds.countTrigger(2))
          .evictor(ds.countEvictor<number>(3))
          .process<number, number>((_key, _ctx, elements, out) => {
            kept.push(elements)
            out.collect(elements.length)
          }),
        ds.values()
      )
      .subscribe()
    expect(kept).toEqual([[1, 2], [2, 3, 4]])
  })
})
