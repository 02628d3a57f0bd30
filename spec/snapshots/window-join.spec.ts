/**
 * The grid window join's snapshots (src/join/GridJoinOperator.ts): its panes are keyed state
 * (entries by key group, key and window start, in the backend's `panes` table), a restore puts
 * them back with their keys' firing order, and what cannot be snapshotted or restored is a
 * `StateError` naming the operator, the window and the key. That a restored join goes on as an
 * uninterrupted one is the property of windows.spec.ts ("the window join").
 */
import * as ds from '../../src/index'
import { type Build, feed, runWithRestore, snapshotJob, startJob, type Step } from '../support/snapshots'
import { describeBackends } from '../support/backends'

interface Side {
  readonly k: string
  readonly v: unknown
}

const join: Build<Side, string, unknown> = ([left, right]) =>
  left!.pipe(
    ds
      .coGroupWith(right!, { uid: 'join' })
      .where((a: Side) => a.k)
      .equalTo(b => b.k)
      .window(ds.slidingEventTimeWindows(10, 5))
      .apply<string>((as, bs, out) => out.collect(`${as.map(a => String(a.v)).join('')}|${bs.map(b => String(b.v)).join('')}`))
  )

const rec = (k: string, v: unknown, ts: number): ds.StreamRecord<Side, string> => ds.streamRecord({ k, v }, ts, k)

const script: Step<Side, string>[] = [
  [0, rec('b', 1, 3)],
  [1, rec('a', 'x', 4)],
  [0, rec('a', 2, 7)],
  [1, rec('b', 'y', 8)],
  [0, ds.watermark(6)],
  [1, ds.watermark(6)],
  [0, rec('a', 3, 12)],
  [0, 'end'],
  [1, 'end']
]

/** The keyed entries of the `panes` table in a job's snapshot. */
function panesEntries(snapshot: unknown): unknown[] {
  const keyed = (snapshot as { keyed: { tables?: { name: string; entries: unknown[] }[] } }).keyed
  return JSON.parse(JSON.stringify(keyed)).tables?.find((t: { name: string }) => t.name === 'panes')?.entries ?? []
}

describeBackends('grid window join snapshots', () => {
  it('holds each key\'s pane per open window as keyed state, by key group, key and window start, with the key\'s firing position', () => {
    const running = startJob(2, join)
    feed(running, script.slice(0, 4))
    const [snapshot] = snapshotJob(running.job)
    running.subscription.unsubscribe()
    const entries = panesEntries(snapshot).map(e => (e as unknown[]).slice(1))
    // Sliding windows [-5, 5), [0, 10), [5, 15): b came first to [-5, 5) and [0, 10), a to [5, 15).
    expect(entries).toEqual(
      jasmine.arrayWithExactContents([
        ['b', -5, [0, { lefts: [{ k: 'b', v: 1 }], rights: [] }]],
        ['b', 0, [0, { lefts: [{ k: 'b', v: 1 }], rights: [{ k: 'b', v: 'y' }] }]],
        ['b', 5, [1, { lefts: [], rights: [{ k: 'b', v: 'y' }] }]],
        ['a', -5, [1, { lefts: [], rights: [{ k: 'a', v: 'x' }] }]],
        ['a', 0, [1, { lefts: [{ k: 'a', v: 2 }], rights: [{ k: 'a', v: 'x' }] }]],
        ['a', 5, [0, { lefts: [{ k: 'a', v: 2 }], rights: [] }]]
      ])
    )
  })

  it('restores at every point of the script to what an uninterrupted run emits', () => {
    for (let cut = 0; cut < script.length - 1; cut++) {
      const { uninterrupted, restored } = runWithRestore(2, join, script, cut)
      expect(restored.error).toBeUndefined()
      expect(restored.elements).withContext(`cut ${cut}`).toEqual(uninterrupted.elements)
      expect(restored.completed).toBe(true)
    }
  })

  it('refuses to snapshot an element that is not plain JSON data, naming the window, the key and the element', () => {
    const running = startJob(2, join)
    feed(running, [[1, rec('a', new Date(0), 4)]])
    expect(() => snapshotJob(running.job)).toThrowMatching(
      (e: unknown) =>
        e instanceof ds.StateError &&
        /coGroupWith/.test(e.message) &&
        /cannot snapshot the window \[0, 10\) of key "a": right elements\[0\]\.v is a Date, not a plain object; window contents are snapshotted as they are/.test(e.message)
    )
    running.subscription.unsubscribe()
  })

  it('refuses a corrupt snapshot with a StateError naming the operator and the state', () => {
    const running = startJob(2, join)
    feed(running, script.slice(0, 4))
    const [snapshot] = snapshotJob(running.job) as [{ keyed: { tables: { name: string; entries: unknown[][] }[] } }]
    running.subscription.unsubscribe()
    const corrupt = (change: (entries: unknown[][]) => void): unknown => {
      const copy = JSON.parse(JSON.stringify(snapshot)) as typeof snapshot
      change(copy.keyed.tables.find(t => t.name === 'panes')!.entries)
      return copy
    }
    // A restore that fails is the operator's error, through the error channel.
    const restore = (s: unknown): unknown => {
      const restored = startJob(2, join, undefined, [s])
      restored.subscription.unsubscribe()
      return restored.emitted.error
    }
    const cases: [string, (entries: unknown[][]) => void, RegExp][] = [
      ['a window start off the grid', entries => (entries[0]![2] = 3), /is not the start of a window of slidingEventTimeWindows\(10, 5\)/],
      ['a pane that is not one', entries => (entries[0]![3] = [0, { lefts: 'x', rights: [] }]), /expected a join window's elements/],
      ['an empty pane', entries => (entries[0]![3] = [0, { lefts: [], rights: [] }]), /without elements/],
      // Positions with gaps or repeated are those of a rescaled snapshot (spec/state/rescale.spec.ts).
      ['a position that is not one', entries => ((entries[0]![3] as unknown[])[0] = -1), /expected a join window's pane \[position, \{ lefts, rights \}\]/],
      ['a pane without window', entries => (entries[0]![2] = null), /has a pane outside any window/]
    ]
    for (const [what, change, message] of cases) {
      const error = restore(corrupt(change))
      expect(error).withContext(what).toEqual(jasmine.any(ds.StateError))
      expect((error as Error).message).withContext(what).toMatch(/coGroupWith/)
      expect((error as Error).message).withContext(what).toMatch(/"panes"/)
      expect((error as Error).message).withContext(what).toMatch(message)
    }
  })
})
