/**
 * A trigger's keyed state through descriptors (Flink's `getPartitionedState` and
 * `mergePartitionedState`): scoped to the key and window, merged when sessions merge, released
 * with the window, and written into snapshots through the descriptors' codecs.
 */
import assert from 'node:assert'
import * as t from 'io-ts'
import { from } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements } from '../../marbles/index'
import { runWithRestore, type Step } from '../support/snapshots'
import { describeBackends } from '../support/backends'

interface Click {
  readonly user: string
  readonly ts: number
}

const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<Click>(50).withTimestampAssigner(c => c.ts)

/** Fires a window at every third element, counting in reducing state, and at its end; sums merge. */
function everyThird(): ds.Trigger<Click> {
  const seen = ds.reducingState('seen', (a: number, b: number) => a + b, t.number)
  const users = ds.listState('users', t.string)
  return {
    name: 'everyThird',
    canMerge: true,
    onElement: (click, _ts, window, ctx) => {
      ctx.registerEventTimeTimer(ds.maxTimestamp(window))
      ctx.getPartitionedState(users).add(click.user)
      const count = ctx.getPartitionedState(seen)
      count.add(1)
      if (count.get()! % 3 !== 0) return 'CONTINUE'
      return 'FIRE'
    },
    onEventTime: (time, window) => (time === ds.maxTimestamp(window) ? 'FIRE' : 'CONTINUE'),
    onProcessingTime: () => 'CONTINUE',
    onMerge: (window, ctx) => {
      ctx.mergePartitionedState(seen)
      ctx.mergePartitionedState(users)
      ctx.registerEventTimeTimer(ds.maxTimestamp(window))
    },
    clear: (window, ctx) => {
      ctx.getPartitionedState(seen).clear()
      ctx.getPartitionedState(users).clear()
      ctx.deleteEventTimeTimer(ds.maxTimestamp(window))
    }
  }
}

const countsPerSession = (trigger: ds.Trigger<Click>) =>
  ds.windowBy(ds.eventTimeSessionWindows(10)).trigger(trigger).process<Click, string, string>((user, ctx, clicks, out) => out.collect(`${user} [${ctx.window.start}, ${ctx.window.end}) ${clicks.length}`))

function run(clicks: readonly Click[], trigger: ds.Trigger<Click>) {
  const out = collectElements(from(clicks).pipe(ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0 }), ds.keyBy(c => c.user), countsPerSession(trigger)))
  return { ...out, results: out.elements.flatMap(e => (e._tag === 'Record' ? [e.value] : [])) }
}

describeBackends('trigger state through descriptors', () => {
  it('is kept per key and window, and sessions that merge add their counts up', () => {
    // a: 0 and 18 open two sessions, 9 bridges them into [0, 28): 1 + 1 merged, + 1 fires.
    // b: 1 and 2 merge into [1, 12) with 2, which fires only at its end.
    const clicks: Click[] = [
      { user: 'a', ts: 0 },
      { user: 'b', ts: 1 },
      { user: 'a', ts: 18 },
      { user: 'a', ts: 9 },
      { user: 'b', ts: 2 }
    ]
    const out = run(clicks, everyThird())
    assert.strictEqual(out.completed, true)
    assert.deepStrictEqual(out.results, ['a [0, 28) 3', 'b [1, 12) 2', 'a [0, 28) 3'])
  })

  it('is released with the window: a later session of the same key counts from zero', () => {
    const clicks: Click[] = [0, 1, 100, 101, 102].map(ts => ({ user: 'a', ts }))
    const out = run(clicks, everyThird())
    assert.deepStrictEqual(out.results, ['a [0, 11) 2', 'a [100, 112) 3', 'a [100, 112) 3'])
  })

  it('goes into snapshots through its codecs and is restored from them', () => {
    const trigger = everyThird()
    const script: Step<Click, string>[] = [0, 3, 25, 12, 40, 41, 42].map(ts => [0, ds.streamRecord({ user: 'a', ts }, ts, 'a')] as const)
    script.push([0, 'end'])
    const build = ([input]: Parameters<Parameters<typeof runWithRestore>[1]>[0]) => input!.pipe(countsPerSession(trigger) as never)
    for (let cut = 0; cut <= script.length; cut++) {
      const { uninterrupted, restored, snapshots } = runWithRestore(1, build, script, cut)
      assert.deepStrictEqual(restored.elements, uninterrupted.elements, `cut at ${cut}`)
      if (cut === 4) {
        // After 0, 3, 25, 12: one session [0, 35) with 4 elements, counted in the trigger's state.
        const json = JSON.stringify(snapshots)
        assert.match(json, /"name":"seen","kind":"ReducingStateDescriptor"/)
        assert.match(json, /"users"/)
      }
    }
  })

  it('deltaTrigger with a codec keeps its reference element in value state through the codec, across a snapshot', () => {
    interface Reading {
      readonly celsius: number
    }
    const trigger = ds.deltaTrigger<Reading>(5, (a, b) => b.celsius - a.celsius, t.type({ celsius: t.number }))
    const windowed = ds.windowBy(ds.tumblingEventTimeWindows(100)).trigger(trigger).process<Reading, string, string>((_key, ctx, rs, out) => out.collect(`[${ctx.window.start}) ${rs.length}`))
    const script: Step<Reading, string>[] = [0, 3, 7, 8, 20, 30, 150].map(ts => [0, ds.streamRecord({ celsius: ts }, ts, 'a')] as const)
    script.push([0, 'end'])
    for (let cut = 0; cut <= script.length; cut++) {
      const { uninterrupted, restored, snapshots } = runWithRestore(1, ([input]) => input!.pipe(windowed as never), script, cut)
      assert.deepStrictEqual(restored.elements, uninterrupted.elements, `cut at ${cut}`)
      if (cut === 2) assert.match(JSON.stringify(snapshots), /"name":"deltaTrigger.lastFired","kind":"ValueStateDescriptor"/)
    }
    const { uninterrupted } = runWithRestore(1, ([input]) => input!.pipe(windowed as never), script, 0)
    // 7 fires (7 - 0 > 5), 20 fires (20 - 7), 30 fires (30 - 20); 150 is its window's first
    // element, the reference. The trigger replaces the default one: nothing fires at the end.
    const results = (uninterrupted.elements as ds.StreamElement<string>[]).flatMap(e => (e._tag === 'Record' ? [e.value] : []))
    assert.deepStrictEqual(results, ['[0) 3', '[0) 5', '[0) 6'])
  })

  it('merging value state is a clear error naming the state', () => {
    const last = ds.valueState('last', t.number)
    const trigger: ds.Trigger<Click> = {
      ...everyThird(),
      name: 'mergesValueState',
      onElement: (click, _ts, window, ctx) => {
        ctx.getPartitionedState(last).update(click.ts)
        ctx.registerEventTimeTimer(ds.maxTimestamp(window))
        return 'CONTINUE'
      },
      onMerge: (_window, ctx) => ctx.mergePartitionedState(last as unknown as ds.MergingStateDescriptor),
      clear: (window, ctx) => ctx.deleteEventTimeTimer(ds.maxTimestamp(window))
    }
    const out = run(
      [
        { user: 'a', ts: 0 },
        { user: 'a', ts: 5 }
      ],
      trigger
    )
    assert.ok(out.error instanceof ds.DataStreamError, String(out.error))
    assert.match(String(out.error), /last/)
    assert.match(String(out.error), /value state cannot be merged/)
  })
})
