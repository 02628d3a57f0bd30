/**
 * Every process-function operator survives a snapshot: snapshotting it at any point of its
 * input, restoring the snapshot into a fresh operator and feeding it the rest gives what an
 * uninterrupted run gives. Processing time runs on a virtual clock that goes on across the
 * cut; the inputs of two-input operators resume as restored sources do (../support/clocked-restore.ts).
 */
import fc from 'fast-check'
import * as t from 'io-ts'
import type { Observable } from 'rxjs'
import * as ds from '../../src/index'
import { type ClockedBuild, type ClockedStep, runWithRestoreClocked, VirtualClock } from '../support/clocked-restore'
import type { OperatorHandle } from '../../src/runtime/JobContext'
import { startJob } from '../support/snapshots'
import { restoreOperator, snapshotOperator } from '../../src/runtime/operatorSnapshot'
import { describeBackends, propertyRuns } from '../support/backends'

// ---- scripts ----

type Command =
  | { readonly kind: 'record'; readonly input: number; readonly key: string; readonly value: number; readonly delta: number }
  | { readonly kind: 'watermark'; readonly input: number }
  | { readonly kind: 'clock'; readonly by: number }
  | { readonly kind: 'barrier' }
  | { readonly kind: 'end'; readonly input: number }

interface ScriptShape {
  readonly inputs: 1 | 2
  /** Barriers pass through input 0 (operator state is written at each). */
  readonly barriers?: boolean
}

const KEYS = ['a', 'b', 'c'] as const

/** Commands of a script: records of a few keys, per-input watermarks, clock moves, barriers, an input ending early. */
function commandsArb(shape: ScriptShape): fc.Arbitrary<Command[]> {
  const input = fc.integer({ min: 0, max: shape.inputs - 1 })
  const command: fc.Arbitrary<Command>[] = [
    fc.record({ kind: fc.constant('record' as const), input, key: fc.constantFrom(...KEYS), value: fc.integer({ min: 0, max: 9 }), delta: fc.integer({ min: -3, max: 6 }) }),
    fc.record({ kind: fc.constant('record' as const), input, key: fc.constantFrom(...KEYS), value: fc.integer({ min: 0, max: 9 }), delta: fc.integer({ min: -3, max: 6 }) }),
    fc.record({ kind: fc.constant('watermark' as const), input }),
    fc.record({ kind: fc.constant('clock' as const), by: fc.integer({ min: 1, max: 6 }) })
  ]
  if (shape.barriers === true) command.push(fc.constant({ kind: 'barrier' as const }))
  // The first input may end before the other: its end must survive the cut too.
  if (shape.inputs === 2) command.push(fc.constant({ kind: 'end' as const, input: 0 }))
  return fc.array(fc.oneof(...command), { maxLength: 40 })
}

/**
 * The script of `commands`: record timestamps at most 3 behind the highest so far, each
 * input's watermark 3 behind its highest timestamp, the clock moved forward, every input
 * ended at the end. `valueOf` says what a record carries on its input.
 */
function scriptOf(commands: readonly Command[], shape: ScriptShape, valueOf: (c: Extract<Command, { kind: 'record' }>) => unknown, keyed: boolean): ClockedStep[] {
  const steps: ClockedStep[] = []
  const highest = Array.from({ length: shape.inputs }, () => -Infinity)
  const ended = new Set<number>()
  let max = 100
  let now = 0
  let barrier = 0
  for (const c of commands) {
    switch (c.kind) {
      case 'record': {
        if (ended.has(c.input)) break
        const ts = max + c.delta
        max = Math.max(max, ts)
        highest[c.input] = Math.max(highest[c.input]!, ts)
        steps.push([c.input, ds.streamRecord(valueOf(c), ts, keyed ? c.key : undefined)])
        break
      }
      case 'watermark':
        if (!ended.has(c.input) && highest[c.input]! > -Infinity) steps.push([c.input, ds.watermark(highest[c.input]! - 3)])
        break
      case 'clock':
        steps.push(['clock', (now += c.by)])
        break
      case 'barrier':
        if (!ended.has(0)) steps.push([0, ds.checkpointBarrier(++barrier, now)])
        break
      case 'end':
        if (!ended.has(c.input)) steps.push([c.input, 'end'])
        ended.add(c.input)
    }
  }
  for (let i = 0; i < shape.inputs; i++) if (!ended.has(i)) steps.push([i, 'end'])
  return steps
}

/** The property: wherever the script is cut, the restored run emits what the uninterrupted one does. */
function restoresExactly(shape: ScriptShape, build: ClockedBuild<unknown, unknown, unknown>, valueOf: (c: Extract<Command, { kind: 'record' }>) => unknown, keyed: boolean): void {
  fc.assert(
    fc.property(commandsArb(shape), fc.nat(), (commands, at) => {
      const steps = scriptOf(commands, shape, valueOf, keyed)
      const cut = at % steps.length
      const { uninterrupted, restored } = runWithRestoreClocked(shape.inputs, build, steps, cut)
      expect(uninterrupted.error).toBeUndefined()
      expect(restored.error).toBeUndefined()
      expect(restored.elements).toEqual(uninterrupted.elements)
      expect(restored.completed).toBe(uninterrupted.completed)
    }),
    propertyRuns(150)
  )
}

const recordValue = (c: Extract<Command, { kind: 'record' }>): number => c.value

// ---- functions ----

const count = ds.valueState('count', t.number)
const sum = ds.reducingState('sum', (a: number, b: number) => a + b, t.number)
/** The last value, forgotten 6 ms of processing time after it was written. */
const recent = ds.enableTimeToLive(ds.valueState('recent', t.number), ds.stateTtlConfig(6))
/** The processing-time timer registered last, which a 0 cancels. */
const armed = ds.valueState('armed', t.number)

/** Per key: a count, a sum, a TTL'd last value; an event-time and a processing-time timer per record. */
const bothDomains: ds.KeyedProcessFunction<string, number, string> = {
  processElement: (value, ctx, out) => {
    const n = (ctx.state(count).value() ?? 0) + 1
    ctx.state(count).update(n)
    ctx.state(sum).add(value)
    const seen = ctx.state(recent).value()
    ctx.state(recent).update(value)
    const timers = ctx.timerService()
    timers.registerEventTimeTimer(ctx.timestamp()! + 5)
    const now = ctx.currentProcessingTime()
    const previous = ctx.state(armed).value()
    if (value === 0 && previous !== undefined) timers.deleteProcessingTimeTimer(previous)
    timers.registerProcessingTimeTimer(now + 1 + (value % 4))
    ctx.state(armed).update(now + 1 + (value % 4))
    out.collect(`${ctx.getCurrentKey()}#${n} saw ${seen} at ${now}`)
  },
  onTimer: (time, ctx, out) => {
    // A processing-time timer sometimes arms another: registered while timers fire.
    if (ctx.timeDomain() === 'PROCESSING_TIME' && time % 3 === 0) ctx.timerService().registerProcessingTimeTimer(time + 2)
    out.collect(
      `${ctx.getCurrentKey()} ${ctx.timeDomain()} ${time}: sum ${ctx.state(sum).get()}, recent ${ctx.state(recent).value()}, now ${ctx.currentProcessingTime()}, wm ${ctx.currentWatermark()}`
    )
  }
}

const firsts = ds.listState('firsts', t.number)
const lastSecond = ds.valueState('lastSecond', t.number)

/** Input 1 collects, input 2 overwrites; an event-time timer per first-input record, a processing-time one per second. */
const keyedCo: ds.KeyedCoProcessFunction<string, number, number, string> = {
  processElement1: (value, ctx, out) => {
    ctx.state(firsts).add(value)
    ctx.timerService().registerEventTimeTimer(ctx.timestamp()! + 4)
    out.collect(`${ctx.getCurrentKey()} 1:${value} last2 ${ctx.state(lastSecond).value()} wm ${ctx.currentWatermark()}`)
  },
  processElement2: (value, ctx, out) => {
    ctx.state(lastSecond).update(value)
    ctx.timerService().registerProcessingTimeTimer(ctx.currentProcessingTime() + 2)
    out.collect(`${ctx.getCurrentKey()} 2:${value} firsts ${ctx.state(firsts).get().join(',')}`)
  },
  onTimer: (time, ctx, out) => {
    out.collect(`${ctx.getCurrentKey()} ${ctx.timeDomain()} ${time}: firsts ${ctx.state(firsts).get().join(',')} last2 ${ctx.state(lastSecond).value()}`)
    if (ctx.timeDomain() === 'EVENT_TIME') ctx.state(firsts).clear()
  }
}

/** Non-keyed: all it remembers is the combined watermark, which its output shows. */
const co: ds.CoProcessFunction<number, number, string> = {
  processElement1: (value, ctx, out) => out.collect(`1:${value}@${ctx.timestamp()} wm ${ctx.currentWatermark()} now ${ctx.currentProcessingTime()}`),
  processElement2: (value, ctx, out) => out.collect(`2:${value}@${ctx.timestamp()} wm ${ctx.currentWatermark()}`)
}

type Rule = readonly [name: string, limit: number | null]
const limits = ds.mapState('limits', t.string, t.number)
const changes = ds.mapState('changes', t.string, t.number)

/** A rule of the broadcast input: a limit for a name, or (on a multiple of 4) none. */
const ruleValue = (c: Extract<Command, { kind: 'record' }>): unknown => (c.input === 1 ? [c.key, c.value % 4 === 0 ? null : c.value] : c.value)

/** Writes a rule into both broadcast states (a removal too); what it did is output. */
function applyRule([name, limit]: Rule, rules: ds.BroadcastState<string, number>, changed: ds.BroadcastState<string, number>): string {
  if (limit === null) rules.remove(name)
  else rules.put(name, limit)
  changed.put(name, (changed.get(name) ?? 0) + 1)
  return `rule ${name}=${limit} (change ${changed.get(name)}) rules ${JSON.stringify(rules.entries())}`
}

const broadcastProcess: ds.BroadcastProcessFunction<number, Rule, string> = {
  processBroadcastElement: (rule, ctx, out) => out.collect(applyRule(rule, ctx.getBroadcastState(limits), ctx.getBroadcastState(changes))),
  processElement: (value, ctx, out) => {
    const rules = ctx.getBroadcastState(limits)
    out.collect(`${value} vs ${JSON.stringify(rules.entries())} changes ${JSON.stringify(ctx.getBroadcastState(changes).entries())} wm ${ctx.currentWatermark()}`)
  }
}

/** Keyed: a count per key reset by a removal of its rule, timers of both domains reading the rules. */
const keyedBroadcast: ds.KeyedBroadcastProcessFunction<string, number, Rule, string> = {
  processBroadcastElement: (rule, ctx, out) => {
    out.collect(applyRule(rule, ctx.getBroadcastState(limits), ctx.getBroadcastState(changes)))
    if (rule[1] !== null) return
    ctx.applyToKeyedState(count, (key, state) => {
      if (key === rule[0]) {
        out.collect(`reset ${key} from ${state.value()}`)
        state.clear()
      }
    })
  },
  processElement: (value, ctx, out) => {
    const n = (ctx.state(count).value() ?? 0) + 1
    ctx.state(count).update(n)
    const limit = ctx.getBroadcastState(limits).get(ctx.getCurrentKey())
    const timers = ctx.timerService()
    timers.registerEventTimeTimer(ctx.timestamp()! + 3)
    timers.registerProcessingTimeTimer(ctx.currentProcessingTime() + 2)
    out.collect(`${ctx.getCurrentKey()}#${n} ${value} vs ${limit}`)
  },
  onTimer: (time, ctx, out) =>
    out.collect(`${ctx.getCurrentKey()} ${ctx.timeDomain()} ${time}: count ${ctx.state(count).value()} limit ${ctx.getBroadcastState(limits).get(ctx.getCurrentKey())}`)
}

const buffered = ds.listState('buffered', t.number)
const totals = ds.listState('totals', t.number)

/**
 * Buffers values in a field and emits them three at a time; the buffer (list state) and a
 * running total (union list state) are written to operator state only in `snapshotState`.
 */
function batching(): ds.ProcessFunction<number, string> & ds.CheckpointedFunction {
  let buffer: number[] = []
  let total = 0
  let savedBuffer: ds.ListState<number> | undefined
  let savedTotal: ds.ListState<number> | undefined
  return {
    initializeState: ctx => {
      savedBuffer = ctx.getOperatorStateStore().getListState(buffered)
      savedTotal = ctx.getOperatorStateStore().getUnionListState(totals)
      buffer = [...savedBuffer.get()]
      total = savedTotal.get()[0] ?? 0
    },
    snapshotState: () => {
      savedBuffer!.update(buffer)
      savedTotal!.update([total])
    },
    processElement: (value, ctx, out) => {
      buffer.push(value)
      total += value
      if (buffer.length < 3) return
      out.collect(`[${buffer.join(',')}] total ${total} wm ${ctx.currentWatermark()}`)
      buffer = []
    }
  }
}

// ---- builds ----

const keyedProcessBuild: ClockedBuild<unknown, unknown, unknown> = ([input], scheduler) =>
  input!.pipe(ds.keyedProcess<string, unknown, string>(bothDomains as ds.KeyedProcessFunction<string, unknown, string>, { scheduler }) as never)

const keyedCoBuild: ClockedBuild<unknown, unknown, unknown> = ([first, second], scheduler) =>
  first!.pipe(
    ds.connectWith(second as never as Observable<ds.StreamElement<number, string>>, { scheduler }).keyedProcess<number, string>(keyedCo) as never
  )

const coBuild: ClockedBuild<unknown, unknown, unknown> = ([first, second], scheduler) =>
  first!.pipe(ds.connectWith(second as never as Observable<ds.StreamElement<number>>, { scheduler }).process<number, string>(co) as never)

const broadcastBuild: ClockedBuild<unknown, unknown, unknown> = ([first, second], scheduler) =>
  first!.pipe(ds.connectWith(ds.broadcast(second as never as Observable<ds.StreamElement<Rule>>, limits, changes), { scheduler }).process(broadcastProcess) as never)

const keyedBroadcastBuild: ClockedBuild<unknown, unknown, unknown> = ([first, second], scheduler) =>
  first!.pipe(
    ds.connectWith(ds.broadcast(second as never as Observable<ds.StreamElement<Rule>>, limits, changes), { scheduler }).keyedProcess(keyedBroadcast) as never
  )

const batchingBuild: ClockedBuild<unknown, unknown, unknown> = ([input], scheduler) => input!.pipe(ds.processElements<number, string>(batching, { scheduler }) as never)

// ---- properties ----

describeBackends('process-function operators snapshot and restore', () => {
  it('keyedProcess: keyed state with TTL, event-time and processing-time timers, the watermark', () => {
    restoresExactly({ inputs: 1 }, keyedProcessBuild, recordValue, true)
  })

  it('connectWith(...).keyedProcess: keyed state and timers of two inputs, the combined watermark', () => {
    restoresExactly({ inputs: 2 }, keyedCoBuild, recordValue, true)
  })

  it('connectWith(...).process: the combined watermark', () => {
    restoresExactly({ inputs: 2 }, coBuild, recordValue, false)
  })

  it('connectWith(broadcast(...)).process: the broadcast states', () => {
    restoresExactly({ inputs: 2 }, broadcastBuild, ruleValue, false)
  })

  it('connectWith(broadcast(...)).keyedProcess: the broadcast states, keyed state and timers', () => {
    restoresExactly({ inputs: 2 }, keyedBroadcastBuild, ruleValue, true)
  })

  it('processElements with a CheckpointedFunction: the operator state it writes, at barriers and at the snapshot', () => {
    restoresExactly({ inputs: 1, barriers: true }, batchingBuild, recordValue, false)
  })
})

// ---- examples ----

/** The snapshot of a broadcast process operator after `rules`, and a fresh operator of the same pipeline. */
function broadcastSnapshot(build: ClockedBuild<unknown, unknown, unknown>, rules: readonly Rule[]): { snapshot: Record<string, unknown>; fresh: OperatorHandle['operator'] } {
  const script: ClockedStep[] = rules.map((rule, i) => [1, ds.streamRecord(rule, i)])
  const { snapshots } = runWithRestoreClocked(2, build, [...script, [0, 'end'], [1, 'end']], script.length)
  const fresh = startJob(2, inputs => build(inputs, new VirtualClock())).job.operators[0]!.operator
  return { snapshot: snapshots[0] as Record<string, unknown>, fresh }
}

describeBackends('process-function snapshots', () => {
  it('hold the broadcast states in the operator part, keys and values written by their codecs', () => {
    const { snapshot } = broadcastSnapshot(broadcastBuild, [['a', 1], ['b', 2], ['a', null]])
    expect(snapshot['own']).toEqual({
      watermark: '-Infinity',
      broadcast: {
        format: 'rx-datastream/broadcast-state',
        version: 1,
        states: [
          { name: 'limits', entries: [['b', 2]] },
          { name: 'changes', entries: [['a', 2], ['b', 1]] }
        ]
      }
    })
  })

  for (const [which, build] of [['process', broadcastBuild], ['keyedProcess', keyedBroadcastBuild]] as const) {
    it(`refuse a corrupt broadcast-state entry on restore (${which}), naming the state and the entry`, () => {
      const { snapshot, fresh } = broadcastSnapshot(build, [['a', 1]])
      const own = snapshot['own'] as { broadcast: { states: { name: string; entries: unknown[] }[] } }
      own.broadcast.states[1]!.entries = [['a', 'one']]
      expect(() => restoreOperator(fresh, snapshot)).toThrowError(ds.StateError, /state "changes": cannot restore broadcast state: entry 0 \(.*\): the value is not a valid number/)
      own.broadcast.states[1]!.entries = [['a', 1]]
      own.broadcast.states[0]!.entries = [['a']]
      expect(() => restoreOperator(fresh, snapshot)).toThrowError(ds.StateError, /state "limits": .*entry 0 .*expected a \[key, value\] pair/)
      // Nothing of a refused snapshot is restored.
      const after = snapshotOperator(fresh, { checkpointId: 2, checkpointTimestamp: 0 }).own as { broadcast: unknown }
      expect(after.broadcast).toEqual({ format: 'rx-datastream/broadcast-state', version: 1, states: [{ name: 'limits', entries: [] }, { name: 'changes', entries: [] }] })
      own.broadcast.states = 'none' as never
      expect(() => restoreOperator(fresh, snapshot)).toThrowError(ds.StateError, /not a broadcast-state snapshot of this version/)
    })
  }

  it('processElements: the function writes its operator state for the snapshot, and is initialized once with it, restored', () => {
    const log = ds.listState('log', t.number)
    const inits: Array<readonly [restored: boolean, log: number[]]> = []
    const fn = (): ds.ProcessFunction<number, number> & ds.CheckpointedFunction => {
      let seen: number[] = []
      let saved: ds.ListState<number> | undefined
      return {
        initializeState: ctx => {
          saved = ctx.getOperatorStateStore().getListState(log)
          seen = [...saved.get()]
          inits.push([ctx.isRestored(), seen.slice()])
        },
        snapshotState: () => saved!.update(seen),
        processElement: (value, _ctx, out) => {
          seen.push(value)
          out.collect(seen.length)
        }
      }
    }
    const build: ClockedBuild<unknown, unknown, unknown> = ([input], scheduler) => input!.pipe(ds.processElements<number, number>(fn, { scheduler }) as never)
    const script: ClockedStep[] = [[0, ds.streamRecord(1, 1)], [0, ds.checkpointBarrier(1, 0)], [0, ds.streamRecord(2, 2)], [0, ds.streamRecord(3, 3)], [0, 'end']]
    const { snapshots, restored } = runWithRestoreClocked(1, build, script, 3)
    // Written when the snapshot was taken, not as of the barrier before it.
    expect((snapshots[0] as { operatorState: unknown }).operatorState).toEqual({
      format: 'rx-datastream/operator-state',
      version: 1,
      lists: [{ name: 'log', distribution: 'split', elements: [1, 2] }]
    })
    // The uninterrupted run, the first run, then the restored one, initialized once, from the
    // snapshot (the job restores it before the operator opens, as Flink does).
    expect(inits).toEqual([[false, []], [false, []], [true, [1, 2]]])
    expect((restored.elements as ds.StreamElement<number>[]).filter(ds.isRecord).map(r => r.value)).toEqual([1, 2, 3])
  })
})
