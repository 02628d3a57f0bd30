/**
 * Window operators survive a snapshot: snapshotting one at any point of its input, restoring
 * the snapshot into a fresh operator and feeding it the rest gives exactly what an
 * uninterrupted run gives (results, late firings, late side records, watermarks, completion).
 * Both runtimes: sliced grid windows (`aggregate` or `reduce` with the default trigger) and the
 * general operator (reduce, process, custom triggers, evictors, merging sessions, the window join).
 */
import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import * as t from 'io-ts'
import type { Observable, OperatorFunction } from 'rxjs'
import * as ds from '../../src/index'
import { type Build, feed, interruptAndRestore, runWithRestore, snapshotJob, startJob, type Step } from '../support/snapshots'
import { type ClockedBuild, type ClockedStep, feedClocked, VirtualClock } from '../support/clocked-restore'
import { restoreOperator, snapshotOperator } from '../../src/runtime/operatorSnapshot'
import { describeBackends, propertyRuns } from '../support/backends'

/** A record of the script: for input `input` (0 unless the pipeline has two). */
interface Event {
  readonly key: string
  readonly value: number
  readonly ts: number
  readonly input: number
}

/**
 * Keyed events whose timestamps go up to `maxBehind` behind the highest so far, with a
 * watermark `lag` behind the highest after every `every` events: records behind the watermark
 * (late, or within allowed lateness) come up as often as in-time ones.
 */
function scriptArb(inputs: number): fc.Arbitrary<{ steps: Step<number, string>[]; cut: number }> {
  return fc
    .record({
      start: fc.integer({ min: -50, max: 50 }),
      events: fc.array(
        fc.record({
          key: fc.constantFrom('a', 'b', 'c'),
          value: fc.integer({ min: 0, max: 9 }),
          delta: fc.integer({ min: -12, max: 6 }),
          input: fc.integer({ min: 0, max: inputs - 1 })
        }),
        { maxLength: 40 }
      ),
      every: fc.integer({ min: 1, max: 5 }),
      lag: fc.integer({ min: 0, max: 4 }),
      at: fc.nat()
    })
    .map(({ start, events, every, lag, at }) => {
      let max = start
      const timed = events.map(({ key, value, delta, input }): Event => {
        const ts = max + delta
        max = Math.max(max, ts)
        return { key, value, ts, input }
      })
      const { steps, cuts } = script(timed, every, lag, inputs)
      return { steps, cut: cuts[at % cuts.length]! }
    })
}

/**
 * The steps, and where they may be cut: before any input ends (the restored job's inputs are
 * all open: one that had ended before the snapshot would never end again), and not between
 * the inputs' copies of one watermark (the watermark of each input is the host's, which a
 * restored job learns again from its inputs, as a restored Flink task does).
 */
function script(events: readonly Event[], every: number, lag: number, inputs: number): { steps: Step<number, string>[]; cuts: number[] } {
  const steps: Step<number, string>[] = []
  const cuts = [0]
  let max = -Infinity
  events.forEach((e, i) => {
    steps.push([e.input, ds.streamRecord(e.value, e.ts, e.key)])
    cuts.push(steps.length)
    max = Math.max(max, e.ts)
    if ((i + 1) % every === 0) {
      for (let input = 0; input < inputs; input++) steps.push([input, ds.watermark(max - lag)])
      cuts.push(steps.length)
    }
  })
  for (let input = 0; input < inputs; input++) steps.push([input, 'end'])
  return { steps, cuts }
}

/** Checks the property on one generated script. */
function expectSameAfterRestore<In, Out>(inputs: number, build: Build<In, string, Out>, { steps, cut }: { steps: Step<In, string>[]; cut: number }): void {
  // assert, not expect: a failure must throw for fast-check to see it and shrink it.
  const { uninterrupted, restored } = runWithRestore(inputs, build, steps, cut)
  assert.equal(uninterrupted.error, undefined)
  assert.equal(restored.error, undefined)
  assert.deepEqual(restored.elements, uninterrupted.elements)
  assert.equal(restored.completed, uninterrupted.completed)
}

const RUNS = 120

/** An accumulator of plain data: sum, count and the values in arrival order. */
interface Tally {
  readonly sum: number
  readonly count: number
  readonly values: number[]
}
const tally: ds.AggregateFunction<number, Tally, string> = {
  createAccumulator: () => ({ sum: 0, count: 0, values: [] }),
  // Mutates its accumulator: the snapshot must be a copy, not the live object.
  add: (value, acc) => {
    acc.values.push(value)
    return { ...acc, sum: acc.sum + value, count: acc.count + 1 }
  },
  getResult: acc => `${acc.sum}/${acc.count} [${acc.values.join(',')}]`,
  merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count, values: [...a.values, ...b.values] })
}

/** What the sliced reduce reduces: plain data too. */
interface ReducedTally {
  readonly sum: number
  readonly values: readonly number[]
}

const late = new ds.OutputTag<number>('late')
/** How many times each window fired (window state in the backend, across late firings). */
const firings = ds.valueState('firings', t.number)

/** The window function of sliced and general runs alike: the result, the window, how often it fired and the pane. */
const describeWindow = <V>(key: string, ctx: ds.ProcessWindowContext, values: readonly V[], out: ds.Collector<string>): void => {
  const n = (ctx.windowState(firings).value() ?? 0) + 1
  ctx.windowState(firings).update(n)
  out.collect(`${key}@[${ctx.window.start},${ctx.window.end}) #${n} ${describePane(ctx.pane)}: ${values.join(' ')}`)
}

const describePane = ({ timing, index, nonSpeculativeIndex, isFirst, isLast }: ds.PaneInfo): string =>
  `${timing}#${index}/${nonSpeculativeIndex}${isFirst ? ' first' : ''}${isLast ? ' last' : ''}`

/** Allowed lateness and the late side output, or neither. */
const latenessArb = fc.record({ lateness: fc.constantFrom(0, 0, 3, 8), sideOutput: fc.boolean() })

function configure(windowed: ds.WindowedStream<boolean>, { lateness, sideOutput }: { lateness: number; sideOutput: boolean }): ds.WindowedStream<boolean> {
  const withLateness = lateness > 0 ? windowed.allowedLateness(lateness) : windowed
  return sideOutput ? withLateness.sideOutputLateData(late) : withLateness
}

type Pipeline = (input: Observable<ds.StreamElement<number, string>>) => Observable<unknown>

function oneInput(pipeline: Pipeline): Build<number, string, unknown> {
  return ([input]) => pipeline(input!)
}

describeBackends('window snapshot and restore', () => {
  describe('sliced grid windows (aggregate or reduce, default trigger)', () => {
    /**
     * A reduce function that is associative and commutative, over plain data: a sum and the
     * values in sorted order (so that a sliding window's result does not depend on the order
     * in which its slides are combined). It returns a new value, never modifying its arguments.
     */
    const sortedSum = (a: ReducedTally, b: ReducedTally): ReducedTally => ({ sum: a.sum + b.sum, values: [...a.values, ...b.values].sort((x, y) => x - y) })

    function evaluate(windowed: ds.WindowedStream<boolean>, fn: 'aggregate' | 'reduce', withFunction: boolean): Pipeline {
      if (fn === 'aggregate') {
        return withFunction
          ? input => input.pipe(windowed.aggregate<number, Tally, string, string, string>(tally, describeWindow) as never)
          : input => input.pipe(windowed.aggregate<number, Tally, string, string>(tally) as never)
      }
      const reduce = withFunction ? windowed.reduce<ReducedTally, string, string>(sortedSum, describeWindow) : windowed.reduce<ReducedTally, string>(sortedSum)
      return input => input.pipe(ds.mapValues((value: number): ReducedTally => ({ sum: value, values: [value] })), reduce as never)
    }

    it('tumbling and sliding, aggregate or reduce, with or without a window function, lateness and late side output', () => {
      fc.assert(
        fc.property(
          scriptArb(1),
          fc.record({ size: fc.integer({ min: 2, max: 12 }), panes: fc.integer({ min: 1, max: 3 }), offset: fc.integer({ min: 0, max: 3 }) }),
          latenessArb,
          fc.constantFrom('aggregate' as const, 'reduce' as const),
          fc.boolean(),
          (script, { size, panes, offset }, lateness, fn, withFunction) => {
            const assigner = panes === 1 ? ds.tumblingEventTimeWindows(size, offset % size) : ds.slidingEventTimeWindows(size * panes, size, offset % size)
            expectSameAfterRestore(1, oneInput(evaluate(configure(ds.windowBy(assigner), lateness), fn, withFunction)), script)
          }
        ),
        propertyRuns(RUNS)
      )
    })

    it('windowAll, aggregate or reduce', () => {
      fc.assert(
        fc.property(
          scriptArb(1),
          fc.integer({ min: 2, max: 10 }),
          fc.integer({ min: 1, max: 3 }),
          latenessArb,
          fc.constantFrom('aggregate' as const, 'reduce' as const),
          (script, size, panes, lateness, fn) => {
            const windowed = configure(ds.windowAll(ds.slidingEventTimeWindows(size * panes, size)), lateness)
            expectSameAfterRestore(1, oneInput(evaluate(windowed, fn, false)), script)
          }
        ),
        propertyRuns(RUNS)
      )
    })
  })

  describe('the general window operator', () => {
    /** The triggers and evictors the general path runs with (none: the assigner's default). */
    const TRIGGERS = {
      default: undefined,
      count: () => ds.countTrigger<number>(2),
      purgingCount: () => ds.purgingTrigger(ds.countTrigger<number>(3)),
      continuous: () => ds.continuousEventTimeTrigger<number>(3),
      delta: () => ds.deltaTrigger<number>(4, (a, b) => Math.abs(b - a))
    } as const
    const EVICTORS = {
      none: undefined,
      count: () => ds.countEvictor<number>(2),
      time: () => ds.timeEvictor<number>(3),
      countAfter: () => ds.countEvictor<number>(1, { doEvictAfter: true })
    } as const
    const FUNCTIONS = ['reduce', 'process', 'aggregate'] as const

    const gridArb = fc.record({ size: fc.integer({ min: 2, max: 12 }), panes: fc.integer({ min: 1, max: 3 }) })

    function evaluate(windowed: ds.WindowedStream<boolean>, fn: (typeof FUNCTIONS)[number]): Pipeline {
      switch (fn) {
        case 'reduce':
          return input => input.pipe(windowed.reduce<number, string, string>((a, b) => a * 3 + b, describeWindow) as never)
        case 'process':
          return input => input.pipe(windowed.process<number, string, string>(describeWindow) as never)
        case 'aggregate':
          return input => input.pipe(windowed.aggregate<number, Tally, string, string, string>(tally, describeWindow) as never)
      }
    }

    it('tumbling and sliding windows with reduce, process or aggregate, custom triggers and evictors', () => {
      fc.assert(
        fc.property(
          scriptArb(1),
          gridArb,
          fc.constantFrom(...(Object.keys(TRIGGERS) as (keyof typeof TRIGGERS)[])),
          fc.constantFrom(...(Object.keys(EVICTORS) as (keyof typeof EVICTORS)[])),
          fc.constantFrom(...FUNCTIONS),
          latenessArb,
          (script, { size, panes }, trigger, evictor, fn, lateness) => {
            const assigner = panes === 1 ? ds.tumblingEventTimeWindows<number>(size) : ds.slidingEventTimeWindows<number>(size * panes, size)
            let windowed = ds.windowBy(assigner) as ds.WindowedStream<boolean>
            const makeTrigger = TRIGGERS[trigger]
            const makeEvictor = EVICTORS[evictor]
            if (makeTrigger !== undefined) windowed = windowed.trigger(makeTrigger() as ds.Trigger<unknown>)
            if (makeEvictor !== undefined) windowed = windowed.evictor(makeEvictor() as ds.Evictor<unknown>)
            expectSameAfterRestore(1, oneInput(evaluate(configure(windowed, lateness), fn)), script)
          }
        ),
        propertyRuns(RUNS)
      )
    })

    it('merging session windows, with the default trigger or a merging count trigger, and an evictor', () => {
      fc.assert(
        fc.property(
          scriptArb(1),
          fc.integer({ min: 1, max: 8 }),
          fc.constantFrom('default', 'count', 'continuous'),
          fc.boolean(),
          fc.constantFrom('reduce', 'aggregate', 'process'),
          latenessArb,
          (script, gap, trigger, evict, fn, lateness) => {
            let windowed = ds.windowBy(ds.eventTimeSessionWindows<number>(gap)) as ds.WindowedStream<boolean>
            if (trigger === 'count') windowed = windowed.trigger(ds.countTrigger(2))
            if (trigger === 'continuous') windowed = windowed.trigger(ds.continuousEventTimeTrigger(2))
            if (evict) windowed = windowed.evictor(ds.countEvictor(3))
            // Merging windows have no window state: the session's results name the session.
            const describe = (key: string, ctx: ds.ProcessWindowContext, values: readonly unknown[], out: ds.Collector<string>): void =>
              out.collect(`${key}@[${ctx.window.start},${ctx.window.end}) ${describePane(ctx.pane)}: ${values.join(' ')}`)
            const configured = configure(windowed, lateness)
            const pipeline: Pipeline =
              fn === 'reduce'
                ? input => input.pipe(configured.reduce<number, string, string>((a, b) => a * 3 + b, describe) as never)
                : fn === 'aggregate'
                  ? input => input.pipe(configured.aggregate<number, Tally, string, string, string>(tally, describe) as never)
                  : input => input.pipe(configured.process<number, string, string>(describe) as never)
            expectSameAfterRestore(1, oneInput(pipeline), script)
          }
        ),
        propertyRuns(RUNS)
      )
    })

    it('windowAll, with a count trigger or the default one', () => {
      fc.assert(
        fc.property(scriptArb(1), gridArb, fc.boolean(), latenessArb, (script, { size, panes }, count, lateness) => {
          const assigner = panes === 1 ? ds.tumblingEventTimeWindows<number>(size) : ds.slidingEventTimeWindows<number>(size * panes, size)
          let windowed = ds.windowAll(assigner) as ds.WindowedStream<boolean>
          if (count) windowed = windowed.trigger(ds.countTrigger(2))
          const configured = configure(windowed, lateness)
          expectSameAfterRestore(1, oneInput(input => input.pipe(configured.process<number, string, string>(describeWindow) as never)), script)
        }),
        propertyRuns(RUNS)
      )
    })
  })

  describe('a custom assigner under the event-time trigger, known to the operator or a user\'s copy of it', () => {
    /**
     * Windows of a user's assigner (not a grid: no sliced or per-window path), two per record:
     * `[ts - ts mod size, + size)` and one of its own length starting at the record, so that
     * windows of one end come from several keys and records.
     */
    const twoWindows = (size: number): ds.WindowAssigner<number> => ({
      name: 'twoWindows',
      timeDomain: 'EVENT_TIME',
      assignWindows: (value, ts) => {
        const start = ts - (((ts % size) + size) % size)
        return [ds.timeWindow(start, start + size), ds.timeWindow(ts, ts + 1 + (value % size))]
      },
      defaultTrigger: () => ds.eventTimeTrigger()
    })
    /**
     * The event-time trigger as a user's object: the operator does not know it, so it calls it
     * for every record. It knows its own, and skips it for the records of a window it has.
     */
    const userEventTimeTrigger: ds.Trigger<number> = { ...ds.eventTimeTrigger<number>(), name: 'userEventTimeTrigger()' }
    const build =
      (size: number, by: 'known' | 'user', fn: 'reduce' | 'process'): Build<number, string, unknown> =>
      ([input]) => {
        const windowed = ds.windowBy(twoWindows(size)).sideOutputLateData(late) as ds.WindowedStream<boolean>
        const fired = by === 'user' ? windowed.trigger(userEventTimeTrigger as ds.Trigger<unknown>) : windowed
        return input!.pipe((fn === 'reduce' ? fired.reduce<number, string, string>((a, b) => a * 3 + b, describeWindow) : fired.process<number, string, string>(describeWindow)) as never)
      }

    it('fire alike, in the same order, and a snapshot of either restores into both', () => {
      fc.assert(
        fc.property(
          scriptArb(1),
          fc.integer({ min: 2, max: 9 }),
          fc.constantFrom('reduce' as const, 'process' as const),
          fc.constantFrom('known' as const, 'user' as const),
          fc.constantFrom('known' as const, 'user' as const),
          ({ steps, cut }, size, fn, from, to) => {
            const uninterrupted = startJob(1, build(size, 'user', fn))
            feed(uninterrupted, steps)
            uninterrupted.subscription.unsubscribe()
            const known = startJob(1, build(size, 'known', fn))
            feed(known, steps)
            known.subscription.unsubscribe()
            assert.equal(uninterrupted.emitted.error, undefined)
            assert.deepEqual(known.emitted, uninterrupted.emitted)
            const { restored } = interruptAndRestore(
              1,
              build(size, from, fn),
              first => feed(first, steps.slice(0, cut)),
              second => feed(second, steps.slice(cut)),
              undefined,
              build(size, to, fn)
            )
            assert.deepEqual(restored, uninterrupted.emitted)
          }
        ),
        propertyRuns(RUNS)
      )
    })

    it('a snapshot lists one timer per key and window, at its end, in the order the windows were made, with either trigger', () => {
      const steps: Step<number, string>[] = [
        [0, ds.streamRecord(1, 3, 'b')],
        [0, ds.streamRecord(2, 4, 'a')],
        [0, ds.streamRecord(3, 1, 'b')],
        [0, ds.watermark(2)]
      ]
      const timersOf = (by: 'known' | 'user'): unknown => {
        const running = startJob(1, build(5, by, 'reduce'))
        feed(running, steps)
        const [snapshot] = snapshotJob(running.job) as [{ timers: unknown; own: unknown }]
        running.subscription.unsubscribe()
        return { timers: snapshot.timers, own: snapshot.own }
      }
      const known = timersOf('known')
      expect(known).toEqual(timersOf('user'))
      // b's [0, 5) and [3, 5), a's [0, 5) and [4, 7), b's [1, 5): by end, then as made.
      expect(JSON.stringify(known)).toMatch(/"b",\d+,4\],\[\d+,"b",\d+,4\],\[\d+,"a",\d+,4\],\[\d+,"b",\d+,4\],\[\d+,"a",\d+,6\]/)
    })
  })

  describe('early firings (processing-time timers, pane counts)', () => {
    /** The script with processing time moving before each record, by up to `7` ms. */
    const clockedArb = fc.tuple(scriptArb(1), fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 60, maxLength: 60 })).map(([{ steps, cut }, gaps]) => {
      const clocked: ClockedStep<number, string>[] = []
      let at = 0
      let clockedCut = 0
      steps.forEach((step, i) => {
        if (i === cut) clockedCut = clocked.length
        if (step[1] !== 'end' && step[1]._tag === 'Record') clocked.push(['clock', (at += gaps[i % gaps.length]!)])
        clocked.push(step)
      })
      if (cut === steps.length) clockedCut = clocked.length
      return { steps: clocked, cut: clockedCut }
    })

    /**
     * As `expectSameAfterRestore`, with a processing-time clock moved by the script (one clock
     * across the cut for the interrupted run, one of its own for the uninterrupted run), and the
     * check of snapshots written in steps while the job goes on (with the records after the cut).
     */
    function expectSameAfterClockedRestore(build: ClockedBuild<number, string, unknown>, { steps, cut }: { steps: ClockedStep<number, string>[]; cut: number }): void {
      const ownClock = new VirtualClock()
      const uninterrupted = startJob<number, string, unknown>(1, inputs => build(inputs, ownClock))
      feedClocked(uninterrupted, ownClock, steps)
      uninterrupted.subscription.unsubscribe()
      const clock = new VirtualClock()
      const after = steps.slice(cut)
      const { restored } = interruptAndRestore<number, string, unknown>(
        1,
        inputs => build(inputs, clock),
        first => feedClocked(first, clock, steps.slice(0, cut)),
        second => feedClocked(second, clock, after),
        after.filter((step): step is Step<number, string> => step[0] !== 'clock')
      )
      assert.equal(uninterrupted.emitted.error, undefined)
      assert.equal(restored.error, undefined)
      assert.deepEqual(restored.elements, uninterrupted.emitted.elements)
      assert.equal(restored.completed, uninterrupted.emitted.completed)
    }

    it('tumbling, sliding and session windows with earlyFirings and withPaneInfo, or ctx.pane, lateness and late side output', () => {
      fc.assert(
        fc.property(
          clockedArb,
          fc.constantFrom('tumbling', 'sliding', 'session'),
          fc.integer({ min: 1, max: 6 }),
          latenessArb,
          fc.constantFrom('aggregate', 'process'),
          (script, kind, tick, lateness, fn) => {
            const assigner =
              kind === 'tumbling' ? ds.tumblingEventTimeWindows<number>(6) : kind === 'sliding' ? ds.slidingEventTimeWindows<number>(8, 4) : ds.eventTimeSessionWindows<number>(3)
            const build: ClockedBuild<number, string, unknown> = ([input], clock) => {
              const windowed = configure(ds.windowBy(assigner, { scheduler: clock }).earlyFirings(tick), lateness)
              return fn === 'aggregate'
                ? input!.pipe(windowed.withPaneInfo().aggregate<number, Tally, string, string>(tally) as never)
                : input!.pipe(
                    windowed.process<number, string, string>((key, ctx, values, out) =>
                      out.collect(`${key}@[${ctx.window.start},${ctx.window.end}) ${describePane(ctx.pane)}: ${values.join(' ')}`)
                    ) as never
                  )
            }
            expectSameAfterClockedRestore(build, script)
          }
        ),
        propertyRuns(RUNS)
      )
    })
  })

  describe('the window join', () => {
    interface Side {
      readonly k: string
      readonly v: number
    }
    /** The script's records as join values carrying their key. */
    const sides = (steps: readonly Step<number, string>[]): Step<Side, string>[] =>
      steps.map(([input, e]) => [input, e === 'end' || e._tag !== 'Record' ? (e as ds.StreamElement<never, string> | 'end') : ds.streamRecord({ k: e.key, v: e.value }, e.timestamp, e.key)])

    it('joinWith and coGroupWith over tumbling, sliding and session windows, with a trigger or an evictor', () => {
      fc.assert(
        fc.property(
          scriptArb(2),
          fc.constantFrom('tumbling', 'sliding', 'session'),
          fc.constantFrom('join', 'coGroup'),
          fc.constantFrom('default', 'count', 'evictor'),
          fc.constantFrom(0, 4),
          (script, kind, flavour, extra, lateness) => {
            const assigner =
              kind === 'tumbling'
                ? ds.tumblingEventTimeWindows<ds.TaggedUnion<Side, Side>>(6)
                : kind === 'sliding'
                  ? ds.slidingEventTimeWindows<ds.TaggedUnion<Side, Side>>(8, 4)
                  : ds.eventTimeSessionWindows<ds.TaggedUnion<Side, Side>>(3)
            const build: Build<Side, string, unknown> = ([left, right]) => {
              const steps =
                flavour === 'join'
                  ? ds
                      .joinWith(right!)
                      .where((a: Side) => a.k)
                      .equalTo(b => b.k)
                      .window(assigner)
                  : ds
                      .coGroupWith(right!)
                      .where((a: Side) => a.k)
                      .equalTo(b => b.k)
                      .window(assigner)
              let windowed = steps as unknown as {
                trigger(t: ds.Trigger<ds.TaggedUnion<Side, Side>>): typeof windowed
                evictor(e: ds.Evictor<ds.TaggedUnion<Side, Side>>): typeof windowed
                allowedLateness(ms: number): typeof windowed
                apply(fn: (a: never, b: never, out?: never) => unknown): OperatorFunction<ds.StreamElement<Side, string>, unknown>
              }
              if (extra === 'count') windowed = windowed.trigger(ds.countTrigger(2))
              if (extra === 'evictor') windowed = windowed.evictor(ds.countEvictor(3))
              if (lateness > 0) windowed = windowed.allowedLateness(lateness)
              const apply =
                flavour === 'join'
                  ? windowed.apply(((a: Side, b: Side) => `${a.k}:${a.v}${b.v}`) as never)
                  : windowed.apply(((as: readonly Side[], bs: readonly Side[], out: ds.Collector<string>) =>
                      out.collect(`${as.map(a => a.v).join('')}|${bs.map(b => b.v).join('')}`)) as never)
              return left!.pipe(apply)
            }
            expectSameAfterRestore(2, build, { steps: sides(script.steps), cut: script.cut })
          }
        ),
        propertyRuns(RUNS)
      )
    })
  })
})

describeBackends('window snapshot errors', backend => {
  /** Distinct values per window, in a Set: not plain JSON data. */
  const distinct: ds.AggregateFunction<number, Set<number>, number> = {
    createAccumulator: () => new Set(),
    add: (value, acc) => acc.add(value),
    getResult: acc => acc.size,
    merge: (a, b) => new Set([...a, ...b])
  }
  const SetOfNumbers = new t.Type<Set<number>, number[], unknown>(
    'SetOfNumbers',
    (u): u is Set<number> => u instanceof Set,
    (u, c) => (Array.isArray(u) && u.every(n => typeof n === 'number') ? t.success(new Set(u as number[])) : t.failure(u, c)),
    set => [...set].sort((a, b) => a - b)
  )
  const steps: Step<number, string>[] = [
    [0, ds.streamRecord(1, 1, 'a')],
    [0, ds.streamRecord(2, 12, 'b')],
    [0, ds.streamRecord(1, 3, 'a')],
    [0, ds.watermark(5)],
    [0, ds.streamRecord(3, 14, 'b')],
    [0, 'end']
  ]
  const ASSIGNERS = {
    'sliced tumbling': () => ds.tumblingEventTimeWindows<number>(10),
    'sliced sliding': () => ds.slidingEventTimeWindows<number>(10, 5),
    'general (session)': () => ds.eventTimeSessionWindows<number>(4)
  }
  const snapshotAfter = (build: Build<number, string, unknown>, count: number, script: readonly Step<number, string>[] = steps): unknown[] => {
    const running = startJob(1, build)
    feed(running, script.slice(0, count))
    const snapshots = running.job.operators.map(({ operator }) => snapshotOperator(operator, { checkpointId: 1, checkpointTimestamp: 0 }))
    running.subscription.unsubscribe()
    return snapshots
  }

  for (const [path, assigner] of Object.entries(ASSIGNERS)) {
    it(`${path}: an accumulator that is not plain JSON data and has no codec fails the snapshot, naming the operator, the window and the value`, () => {
      const build: Build<number, string, unknown> = ([input]) => input!.pipe(ds.windowBy(assigner()).aggregate<number, Set<number>, number>(distinct) as never)
      expect(() => snapshotAfter(build, 3)).toThrowMatching(
        (e: unknown) =>
          e instanceof ds.StateError &&
          /windowBy/.test(e.message) &&
          /(window|pane) \[0, (10|5)\)|window \[1, 7\)/.test(e.message) &&
          /accumulator is a Set, not a plain object/.test(e.message) &&
          /accumulatorCodec/.test(e.message)
      )
    })

    it(`${path}: with an accumulatorCodec, the same aggregate survives a snapshot`, () => {
      const withCodec = { ...distinct, accumulatorCodec: SetOfNumbers }
      const build: Build<number, string, unknown> = ([input]) => input!.pipe(ds.windowBy(assigner()).aggregate<number, Set<number>, number>(withCodec) as never)
      for (let cut = 0; cut < steps.length; cut++) {
        const { uninterrupted, restored } = runWithRestore(1, build, steps, cut)
        expect(restored.error).toBeUndefined()
        expect(restored.elements).toEqual(uninterrupted.elements)
        expect(restored.elements.length).toBeGreaterThan(1)
      }
    })
  }

  for (const [path, assigner] of Object.entries(ASSIGNERS)) {
    it(`${path}: a reduced value that is not plain JSON data fails the snapshot, naming the operator, the window and the value`, () => {
      const build: Build<number, string, unknown> = ([input]) =>
        input!.pipe(
          ds.mapValues((n: number) => new Set([n])),
          ds.windowBy(assigner() as unknown as ds.WindowAssigner<Set<number>>).reduce<Set<number>, string>((a, b) => new Set([...a, ...b])) as never
        )
      expect(() => snapshotAfter(build, 3)).toThrowMatching(
        (e: unknown) =>
          e instanceof ds.StateError &&
          /windowBy/.test(e.message) &&
          /(window|pane) \[0, (10|5)\)|window \[1, 7\)/.test(e.message) &&
          /reduced value is a Set, not a plain object/.test(e.message)
      )
    })
  }

  it('sliced windows that counted their firings (lateness and a window function) restore into ones that do not count them (no window function)', () => {
    const counted: Build<number, string, unknown> = ([input]) =>
      input!.pipe(ds.windowBy(ds.tumblingEventTimeWindows<number>(10)).allowedLateness(5).reduce<number, number, string>((a, b) => a + b, (_k, _c, [n], out) => out.collect(n!)) as never)
    const plain: Build<number, string, unknown> = ([input]) => input!.pipe(ds.windowBy(ds.tumblingEventTimeWindows<number>(10)).allowedLateness(5).reduce<number>((a, b) => a + b) as never)
    const script: Step<number, string>[] = [[0, ds.streamRecord(1, 1, 'a')], [0, ds.watermark(9)], [0, ds.streamRecord(2, 3, 'a')], [0, ds.streamRecord(4, 12, 'a')]]
    const [snapshot] = JSON.parse(JSON.stringify(snapshotAfter(counted, script.length, script))) as [{ keyed: { tables: { name: string; entries: unknown[] }[] } }]
    expect(snapshot.keyed.tables.find(table => table.name === 'window-firings')?.entries.length).toBe(1)
    const fresh = startJob(1, plain)
    restoreOperator(fresh.job.operators[0]!.operator, snapshot)
    feed(fresh, [[0, ds.streamRecord(8, 4, 'a')], [0, ds.watermark(30)]])
    expect(fresh.emitted.elements).toEqual([ds.streamRecord(11, 9, 'a'), ds.streamRecord(4, 19, 'a'), ds.watermark(30)])
    fresh.subscription.unsubscribe()
  })

  it('a snapshot of the general operator does not restore into sliced windows: a StateError, not lost windows', () => {
    const sliced: Build<number, string, unknown> = ([input]) => input!.pipe(ds.windowBy(ds.slidingEventTimeWindows<number>(10, 5)).reduce<number>((a, b) => a + b) as never)
    for (const trigger of [ds.eventTimeTrigger<number>(), ds.countTrigger<number>(5)]) {
      const general: Build<number, string, unknown> = ([input]) =>
        input!.pipe(ds.windowBy(ds.slidingEventTimeWindows<number>(10, 5)).trigger(trigger).reduce<number>((a, b) => a + b) as never)
      const [snapshot] = JSON.parse(JSON.stringify(snapshotAfter(general, 3))) as [unknown]
      const fresh = startJob(1, sliced).job.operators[0]!.operator
      expect(() => restoreOperator(fresh, snapshot))
        .withContext(trigger.name)
        .toThrowError(ds.StateError, /cannot restore: .*; was the snapshot taken by sliced windows/)
    }
  })

  it('a snapshot of sliced windows does not restore into the general operator: a StateError naming the panes, not lost windows', () => {
    const sliced: Build<number, string, unknown> = ([input]) => input!.pipe(ds.windowBy(ds.slidingEventTimeWindows<number>(10, 5)).reduce<number>((a, b) => a + b) as never)
    const [snapshot] = JSON.parse(JSON.stringify(snapshotAfter(sliced, 3))) as [unknown]
    for (const trigger of [ds.countTrigger<number>(5), ds.purgingTrigger(ds.eventTimeTrigger<number>())]) {
      const general: Build<number, string, unknown> = ([input]) =>
        input!.pipe(ds.windowBy(ds.slidingEventTimeWindows<number>(10, 5)).trigger(trigger).reduce<number>((a, b) => a + b) as never)
      const fresh = startJob(1, general).job.operators[0]!.operator
      expect(() => restoreOperator(fresh, snapshot))
        .withContext(trigger.name)
        .toThrowError(ds.StateError, /cannot restore: the snapshot holds "panes", which this operator does not keep/)
    }
  })

  it('windows fired by the operator\'s own schedule do not restore into windows fired by timers, nor the other way: a StateError, not windows that never fire', () => {
    const sum = (a: number, b: number) => a + b
    const sameAsDefault: ds.Trigger<number> = { ...ds.eventTimeTrigger<number>(), name: 'userEventTimeTrigger()' }
    const pairs: [string, Build<number, string, unknown>, Build<number, string, unknown>][] = [
      [
        'grid windows',
        ([input]) => input!.pipe(ds.windowBy(ds.tumblingEventTimeWindows<number>(10)).process<number, number, string>((_k, _c, xs, out) => out.collect(xs.reduce(sum))) as never),
        ([input]) =>
          input!.pipe(ds.windowBy(ds.tumblingEventTimeWindows<number>(10)).trigger(sameAsDefault).process<number, number, string>((_k, _c, xs, out) => out.collect(xs.reduce(sum))) as never)
      ],
      [
        'sessions',
        ([input]) => input!.pipe(ds.windowBy(ds.eventTimeSessionWindows<number>(10)).reduce<number>(sum) as never),
        ([input]) => input!.pipe(ds.windowBy(ds.eventTimeSessionWindows<number>(10)).allowedLateness(5).reduce<number>(sum) as never)
      ]
    ]
    for (const [what, own, timers] of pairs) {
      for (const [from, to] of [
        [own, timers],
        [timers, own]
      ] as const) {
        const [snapshot] = JSON.parse(JSON.stringify(snapshotAfter(from, 3))) as [unknown]
        const fresh = startJob(1, to).job.operators[0]!.operator
        expect(() => restoreOperator(fresh, snapshot))
          .withContext(what)
          .toThrowError(ds.StateError, /cannot restore: the snapshot's windows fire by "(byWindow|bySession|timers)", this operator's by "(byWindow|bySession|timers)"/)
      }
    }
  })

  it('an accumulatorCodec whose output is not plain JSON data fails the snapshot, naming the codec', () => {
    const badCodec = new t.Type<Set<number>, unknown, unknown>('BadSet', (u): u is Set<number> => u instanceof Set, (u, c) => t.failure(u, c), set => set)
    const build: Build<number, string, unknown> = ([input]) =>
      input!.pipe(ds.windowBy(ds.tumblingEventTimeWindows<number>(10)).aggregate<number, Set<number>, number>({ ...distinct, accumulatorCodec: badCodec }) as never)
    expect(() => snapshotAfter(build, 1)).toThrowError(ds.StateError, /the accumulatorCodec \(BadSet\) did not encode to plain JSON data: accumulator is a Set/)
  })

  it('elements that are not plain JSON data fail the snapshot, naming the element', () => {
    const build: Build<number, string, unknown> = ([input]) =>
      input!.pipe(
        ds.mapValues<number, { n: number; at: Date }, string>(n => ({ n, at: new Date(0) })),
        ds.windowBy(ds.tumblingEventTimeWindows<{ n: number; at: Date }>(10)).process<{ n: number; at: Date }, number, string>((_k, _c, es, out) => out.collect(es.length)) as never
      )
    if (backend === 'heap') {
      expect(() => snapshotAfter(build, 1)).toThrowError(ds.StateError, /state "windows": cannot snapshot the window \[0, 10\): elements\[0\]\.at is a Date, not a plain object/)
      return
    }
    // On LMDB each element is written apart (one store entry per element): checked when it is
    // written, at the snapshot's flush here, naming the key and the window's namespace.
    expect(() => snapshotAfter(build, 1)).toThrowError(ds.StateError, /state "windows": cannot write contents of key "a" in namespace 0: element\.at is a Date, not a plain object; .*must be plain JSON data/)
  })

  it('trigger state that is not plain JSON data fails the snapshot, naming the state', () => {
    const build: Build<number, string, unknown> = ([input]) =>
      input!.pipe(
        ds
          .windowBy(ds.tumblingEventTimeWindows<number>(10))
          .trigger(ds.deltaTrigger<number>(Infinity, (a, b) => b - a))
          .reduce<number>((a, b) => a + b) as never
      )
    const running = startJob(1, build)
    // The delta trigger keeps the first element: NaN is a number JSON cannot hold.
    feed(running, [[0, ds.streamRecord(NaN, 1, 'a')]])
    expect(() => snapshotOperator(running.job.operators[0]!.operator, { checkpointId: 1, checkpointTimestamp: 0 })).toThrowError(
      ds.StateError,
      /cannot snapshot the window \[0, 10\): (trigger state "[^"]+" is NaN|reduced value is NaN)/
    )
    running.subscription.unsubscribe()
  })

  for (const [path, assigner] of Object.entries(ASSIGNERS)) {
    it(`${path}: a corrupt entry fails the restore with a StateError naming the state and the key`, () => {
      const build: Build<number, string, unknown> = ([input]) => input!.pipe(ds.windowBy(assigner()).aggregate<number, Tally, string>(tally) as never)
      const [snapshot] = JSON.parse(JSON.stringify(snapshotAfter(build, 3))) as [{ keyed: { tables: { name: string; entries: unknown[][] }[] } }]
      const table = snapshot.keyed.tables[0]!
      const entry = table.entries.find(e => e[1] === 'a')!
      entry[3] = 'garbage'
      const fresh = startJob(1, build).job.operators[0]!.operator
      expect(() => restoreOperator(fresh, snapshot)).toThrowError(ds.StateError, new RegExp(`state "${table.name}": cannot restore: the value of key "a".* is invalid: .*garbage`))
    })
  }
})
