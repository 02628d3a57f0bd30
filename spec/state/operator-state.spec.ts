/** @test {CheckpointedFunction} operator (non-keyed) state */
import fc from 'fast-check'
import * as t from 'io-ts'
import { of, tap } from 'rxjs'
import * as ds from '../../src/index'
import { HeapOperatorStateStore, type OperatorStateSnapshot, redistributeOperatorState } from '../../src/state/OperatorState'
import { barrier, collectElements, rec, wm } from '../../marbles/index'

const INFO: ds.OperatorInfo = { kind: 'processElements', name: 'buffer', uid: 'buffer-v1' }
const offsets = ds.listState('offsets', t.number)
const names = ds.listState('names', t.string)

/** Numbers stored as decimal strings: proves snapshots encode and restores decode with the codec. */
const NumberFromString = new t.Type<number, string, unknown>(
  'NumberFromString',
  (u): u is number => typeof u === 'number',
  (u, c) => (typeof u === 'string' && u.trim() !== '' && !Number.isNaN(Number(u)) ? t.success(Number(u)) : t.failure(u, c)),
  n => String(n)
)

function label(e: ds.StreamElement<unknown, unknown>): string {
  switch (e._tag) {
    case 'Record':
      return `rec ${String(e.value)}`
    case 'CheckpointBarrier':
      return `barrier ${e.checkpointId}`
    case 'Watermark':
      return `wm ${e.timestamp}`
    default:
      return e._tag
  }
}

function snapshotOf(...lists: OperatorStateSnapshot['lists']): OperatorStateSnapshot {
  return { format: 'rx-datastream/operator-state', version: 1, lists }
}

function store(validateWrites = true): HeapOperatorStateStore {
  return new HeapOperatorStateStore(INFO, validateWrites)
}

describe('operator state', () => {
  describe('processElements with a CheckpointedFunction', () => {
    const buffered = ds.listState('buffered', t.string)

    /** Emits records in pairs; the unpaired one is saved at each checkpoint (Flink's buffering sink). */
    function pairing(log: string[]): ds.ProcessFunction<string, string> {
      let buffer: string[] = []
      let saved: ds.ListState<string> | undefined
      let operatorState: HeapOperatorStateStore | undefined
      return {
        initializeState: ctx => {
          log.push(`init restored=${ctx.isRestored()}`)
          operatorState = ctx.getOperatorStateStore() as HeapOperatorStateStore
          saved = ctx.getOperatorStateStore().getListState(buffered)
          buffer = [...saved.get()]
        },
        open: () => log.push('open'),
        processElement: (v, _ctx, out) => {
          log.push(`process ${v}`)
          buffer.push(v)
          if (buffer.length === 2) {
            out.collect(buffer.join(''))
            buffer = []
          }
        },
        snapshotState: ctx => {
          saved!.update(buffer)
          log.push(`snapshot ${ctx.checkpointId}@${ctx.checkpointTimestamp} ${JSON.stringify(operatorState!.snapshot().lists)}`)
        },
        close: () => log.push('close')
      }
    }

    it('initializeState runs once, before open, with isRestored() false and the operator state store', () => {
      const log: string[] = []
      let given: ds.OperatorStateStore | undefined
      const fn = pairing(log)
      const init = fn.initializeState!
      fn.initializeState = ctx => {
        given = ctx.getOperatorStateStore()
        init(ctx)
      }
      const out = collectElements(of(rec('a', 1)).pipe(ds.processElements(fn)))
      expect(out.completed).toBeTrue()
      expect(log).toEqual(['init restored=false', 'open', 'process a', 'close'])
      expect(given).toBeInstanceOf(HeapOperatorStateStore)
    })

    it('snapshotState runs at each barrier with its id and timestamp, after the records before it and before the barrier is forwarded', () => {
      const log: string[] = []
      const input = of<ds.StreamElement<string>[]>(rec('a', 1), barrier(1, 100), rec('b', 2), rec('c', 3), barrier(2, 250), wm(5))
      const out = collectElements(input.pipe(ds.processElements(pairing(log)), tap(e => log.push(`out ${label(e)}`))))
      expect(out.elements).toEqual([barrier(1, 100), rec('ab', 2), barrier(2, 250), wm(5)])
      expect(log).toEqual([
        'init restored=false',
        'open',
        'process a',
        'snapshot 1@100 [{"name":"buffered","distribution":"split","elements":["a"]}]',
        'out barrier 1',
        'process b',
        'out rec ab',
        'process c',
        'snapshot 2@250 [{"name":"buffered","distribution":"split","elements":["c"]}]',
        'out barrier 2',
        'out wm 5',
        'close'
      ])
    })

    it('does nothing at a barrier for a function without snapshotState', () => {
      const out = collectElements(
        of<ds.StreamElement<number>[]>(rec(1, 1), barrier(7, 3)).pipe(ds.processElements<number, number>({ processElement: (n, _c, o) => o.collect(n) }))
      )
      expect(out.elements).toEqual([rec(1, 1), barrier(7, 3)])
    })

    it('gives every subscription its own operator state', () => {
      const seen: Array<readonly number[]> = []
      let list: ds.ListState<number> | undefined
      const fn: ds.ProcessFunction<number, number> = {
        initializeState: ctx => {
          list = ctx.getOperatorStateStore().getListState(offsets)
          seen.push(list.get())
        },
        processElement: n => list!.add(n),
        snapshotState: () => undefined
      }
      collectElements(of(rec(1, 1), rec(2, 2)).pipe(ds.processElements(fn)))
      collectElements(of(rec(3, 3)).pipe(ds.processElements(fn)))
      expect(seen).toEqual([[], []])
    })

    it('an invalid list write in processElement fails with a StateError naming the operator and state', () => {
      const out = collectElements(
        of(rec('1', 1), rec('x', 2)).pipe(
          ds.processElements<string, string>(
            (() => {
              let list: ds.ListState<number> | undefined
              return {
                initializeState: ctx => (list = ctx.getOperatorStateStore().getListState(offsets)),
                snapshotState: () => undefined,
                processElement: (v, _c, o) => {
                  list!.add((v === 'x' ? v : Number(v)) as number)
                  o.collect(v)
                }
              }
            })(),
            { name: 'buffer', uid: 'buffer-v1' }
          )
        )
      )
      expect(out.elements).toEqual([rec('1', 1)])
      expect(out.error).toBeInstanceOf(ds.StateError)
      expect((out.error as Error).message).toBe('processElements "buffer" (uid buffer-v1): state "offsets": "x" is not a valid list element (number)')
    })

    it('a throwing initializeState fails the subscription before open', () => {
      for (const thrown of [new Error('no config'), 'conflict'] as const) {
        const log: string[] = []
        const out = collectElements(
          of(rec(1, 1)).pipe(
            ds.processElements<number, number>({
              initializeState: ctx => {
                if (thrown === 'conflict') {
                  ctx.getOperatorStateStore().getListState(offsets)
                  ctx.getOperatorStateStore().getUnionListState(offsets)
                }
                throw thrown
              },
              snapshotState: () => undefined,
              open: () => log.push('open'),
              processElement: () => log.push('process')
            })
          )
        )
        expect(log).toEqual([])
        expect(out.elements).toEqual([])
        if (thrown === 'conflict') {
          expect(out.error).toBeInstanceOf(ds.StateError)
          expect((out.error as ds.StateError).state).toBe('offsets')
        } else {
          expect(out.error).toBeInstanceOf(ds.UserFunctionError)
          expect((out.error as Error).message).toBe('processElements: the user function threw while initializing operator state: no config')
        }
      }
    })

    it('a throwing snapshotState fails with a UserFunctionError naming the checkpoint; the barrier is not forwarded', () => {
      const boom = new Error('disk full')
      const out = collectElements(
        of<ds.StreamElement<number>[]>(rec(1, 1), barrier(1, 10), barrier(2, 20), rec(2, 2)).pipe(
          ds.processElements<number, number>(
            {
              initializeState: () => undefined,
              snapshotState: ctx => {
                if (ctx.checkpointId === 2) throw boom
              },
              processElement: (n, _c, o) => o.collect(n)
            },
            { name: 'sink' }
          )
        )
      )
      expect(out.elements).toEqual([rec(1, 1), barrier(1, 10)])
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      expect((out.error as Error).cause).toBe(boom)
      expect((out.error as Error).message).toBe('processElements "sink": the user function threw while snapshotting operator state for checkpoint 2: disk full')
    })
  })

  describe('list state', () => {
    it('get, add, addAll, update and clear; get on a new list is empty', () => {
      const list = store().getListState(offsets)
      expect(list.get()).toEqual([])
      list.add(1)
      list.addAll([2, 3])
      list.addAll(new Set([4]))
      list.addAll([])
      expect(list.get()).toEqual([1, 2, 3, 4])
      list.update([9, 8])
      expect(list.get()).toEqual([9, 8])
      list.update([])
      expect(list.get()).toEqual([])
      list.add(5)
      list.clear()
      expect(list.get()).toEqual([])
    })

    it('get returns a copy, and update copies what it is given', () => {
      const list = store().getListState(offsets)
      const given = [1, 2]
      list.update(given)
      given.push(3)
      const read = list.get() as number[]
      read.push(4)
      expect(list.get()).toEqual([1, 2])
    })

    it('returns the same list for the same name, also through another descriptor object', () => {
      const s = store()
      const list = s.getListState(offsets)
      list.add(1)
      expect(s.getListState(offsets)).toBe(list)
      expect(s.getListState(ds.listState('offsets', t.number)).get()).toEqual([1])
      const union = s.getUnionListState(names)
      expect(s.getUnionListState(names)).toBe(union)
    })

    it('checks writes against the codec: add, addAll and update fail with a StateError and change nothing', () => {
      const list = store().getListState(offsets)
      list.add(1)
      const bad = 'two' as unknown as number
      const attempts: Array<[string, () => void]> = [
        ['add', () => list.add(bad)],
        ['addAll', () => list.addAll([2, bad, 3])],
        ['update', () => list.update([7, bad])]
      ]
      for (const [what, attempt] of attempts) {
        let error: unknown
        try {
          attempt()
        } catch (e) {
          error = e
        }
        expect(error).withContext(what).toBeInstanceOf(ds.StateError)
        expect((error as ds.StateError).state).toBe('offsets')
        expect((error as Error).message).toBe('processElements "buffer" (uid buffer-v1): state "offsets": "two" is not a valid list element (number)')
        expect(list.get()).withContext(what).toEqual([1])
      }
    })

    it('addAll and update need an iterable (StateError)', () => {
      const list = store().getListState(offsets)
      for (const bad of [null, undefined, 5]) {
        expect(() => list.addAll(bad as unknown as number[])).toThrowError(ds.StateError, /state "offsets": addAll\/update need an iterable of elements, got /)
        expect(() => list.update(bad as unknown as number[])).toThrowError(ds.StateError, /state "offsets": addAll\/update need an iterable of elements/)
      }
    })

    it('does not check writes when validation is off (production)', () => {
      const list = store(false).getListState(offsets)
      list.add('two' as unknown as number)
      expect(list.get() as readonly unknown[]).toEqual(['two'])
    })

    it('a name declared as list state cannot also be union list state, nor the other way round', () => {
      const s = store()
      s.getListState(offsets)
      expect(() => s.getUnionListState(offsets)).toThrowError(
        ds.StateError,
        'processElements "buffer" (uid buffer-v1): state "offsets": already declared as list state, cannot also be union list state'
      )
      s.getUnionListState(names)
      expect(() => s.getListState(names)).toThrowError(ds.StateError, /state "names": already declared as union list state, cannot also be list state$/)
    })

    it('rejects a descriptor with a time to live: TTL is for keyed state', () => {
      const withTtl = ds.enableTimeToLive(ds.listState('recent', t.number), ds.stateTtlConfig(1_000))
      expect(() => store().getListState(withTtl)).toThrowError(ds.StateError, /state "recent": operator state has no time to live \(TTL is for keyed state\)$/)
      expect(() => store().getUnionListState(withTtl)).toThrowError(ds.StateError, /state "recent": operator state has no time to live/)
    })

    it('rejects a descriptor that is not list state, naming it', () => {
      const value = ds.valueState('latest', t.number)
      let error: unknown
      try {
        store().getListState(value as unknown as ds.ListStateDescriptor<number>)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(ds.StateError)
      expect((error as ds.StateError).state).toBe('latest')
      expect((error as Error).message).toMatch(/operator state is list state: pass a descriptor built by listState$/)
      expect(() => store().getUnionListState(null as unknown as ds.ListStateDescriptor<number>)).toThrowError(ds.StateError, /operator state is list state/)
    })
  })

  describe('HeapOperatorStateStore snapshot and restore', () => {
    it('snapshots every declared list, encoded with its codec, in a JSON-ready versioned format', () => {
      const s = store()
      s.getListState(ds.listState('offsets', NumberFromString)).addAll([1, 2.5, -3])
      s.getUnionListState(names).add('a')
      s.getListState(ds.listState('empty', t.number))
      const snapshot = s.snapshot()
      expect(snapshot).toEqual(
        snapshotOf(
          { name: 'offsets', distribution: 'split', elements: ['1', '2.5', '-3'] },
          { name: 'names', distribution: 'union', elements: ['a'] },
          { name: 'empty', distribution: 'split', elements: [] }
        )
      )
      expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot)
    })

    it('restores what it snapshotted, decoded with the codec; isRestored() turns true', () => {
      const decimal = ds.listState('offsets', NumberFromString)
      const a = store()
      a.getListState(decimal).addAll([1, 2.5])
      a.getUnionListState(names).addAll(['x', 'y'])
      const b = store()
      expect(b.initializationContext().isRestored()).toBeFalse()
      b.restore(JSON.parse(JSON.stringify(a.snapshot())))
      const ctx = b.initializationContext()
      expect(ctx.isRestored()).toBeTrue()
      expect(ctx.getOperatorStateStore().getListState(decimal).get()).toEqual([1, 2.5])
      expect(ctx.getOperatorStateStore().getUnionListState(names).get()).toEqual(['x', 'y'])
      expect(b.snapshot()).toEqual(a.snapshot())
    })

    it('replaces lists declared before the restore, emptying those the snapshot lacks', () => {
      const s = store()
      const list = s.getListState(offsets)
      const other = s.getUnionListState(names)
      list.add(1)
      other.add('gone')
      s.restore(snapshotOf({ name: 'offsets', distribution: 'split', elements: [7, 8] }))
      expect(list.get()).toEqual([7, 8])
      expect(other.get()).toEqual([])
    })

    it('validates restored elements with the codec: the error names the state and the element', () => {
      const s = store()
      s.restore(snapshotOf({ name: 'offsets', distribution: 'split', elements: [1, 'two', 3] }))
      expect(() => s.getListState(offsets)).toThrowError(
        ds.StateError,
        'processElements "buffer" (uid buffer-v1): state "offsets": cannot restore: element 1 ("two") is not a valid number'
      )
      const declared = store()
      declared.getListState(ds.listState('offsets', NumberFromString))
      expect(() => declared.restore(snapshotOf({ name: 'offsets', distribution: 'split', elements: ['1', 'x'] }))).toThrowError(
        ds.StateError,
        /state "offsets": cannot restore: element 1 \("x"\) is not a valid NumberFromString$/
      )
    })

    it('refuses to restore a list as the other distribution', () => {
      const s = store()
      s.restore(snapshotOf({ name: 'offsets', distribution: 'union', elements: [1] }))
      expect(() => s.getListState(offsets)).toThrowError(ds.StateError, /state "offsets": cannot restore: the snapshot holds union list state$/)
    })

    it('rejects what is not an operator-state snapshot of this version', () => {
      for (const bad of [null, {}, [], { ...snapshotOf(), version: 2 }, { ...snapshotOf(), format: 'rx-datastream/keyed-state' }, snapshotOf({ name: 'x', distribution: 'broadcast' as 'split', elements: [] })]) {
        expect(() => store().restore(bad)).withContext(JSON.stringify(bad)).toThrowError(ds.StateError, /state "\*": the snapshot is not an operator-state snapshot of this version/)
      }
    })

    it('keeps restored lists that were never declared in the next snapshot, unchanged', () => {
      const s = store()
      s.restore(
        snapshotOf({ name: 'offsets', distribution: 'split', elements: [1] }, { name: 'legacy', distribution: 'union', elements: [{ any: 'thing' }, 'kept as is'] })
      )
      s.getListState(offsets).add(2)
      expect(s.snapshot()).toEqual(
        snapshotOf({ name: 'offsets', distribution: 'split', elements: [1, 2] }, { name: 'legacy', distribution: 'union', elements: [{ any: 'thing' }, 'kept as is'] })
      )
      const next = store()
      next.restore(s.snapshot())
      expect(next.getUnionListState(ds.listState('legacy', t.unknown)).get()).toEqual([{ any: 'thing' }, 'kept as is'])
    })
  })

  describe('redistributeOperatorState', () => {
    const twoSubtasks = [
      snapshotOf({ name: 'offsets', distribution: 'split', elements: [1, 2, 3, 4, 5] }, { name: 'names', distribution: 'union', elements: ['a'] }),
      snapshotOf({ name: 'offsets', distribution: 'split', elements: [6, 7] }, { name: 'names', distribution: 'union', elements: ['b', 'c'] })
    ]

    it('deals list state round robin over the concatenated lists', () => {
      const three = redistributeOperatorState(twoSubtasks, 3)
      expect(three.map(s => s.lists.find(l => l.name === 'offsets')!.elements)).toEqual([
        [1, 4, 7],
        [2, 5],
        [3, 6]
      ])
      const one = redistributeOperatorState(twoSubtasks, 1)
      expect(one[0]!.lists.find(l => l.name === 'offsets')!.elements).toEqual([1, 2, 3, 4, 5, 6, 7])
    })

    it('gives every subtask the whole union of union list state', () => {
      for (const parallelism of [1, 2, 5]) {
        const result = redistributeOperatorState(twoSubtasks, parallelism)
        expect(result.length).toBe(parallelism)
        for (const subtask of result) {
          expect(subtask.lists.find(l => l.name === 'names')).toEqual({ name: 'names', distribution: 'union', elements: ['a', 'b', 'c'] })
        }
      }
    })

    it('produces snapshots that restore: nothing lost or duplicated', () => {
      const before = [store(), store()]
      before[0]!.getListState(offsets).addAll([1, 2, 3])
      before[1]!.getListState(offsets).addAll([4, 5, 6, 7, 8])
      before[0]!.getUnionListState(names).add('x')
      const after = redistributeOperatorState(
        before.map(s => s.snapshot()),
        4
      ).map(snapshot => {
        const s = store()
        s.restore(snapshot)
        return s
      })
      const lists = after.map(s => s.getListState(offsets).get() as number[])
      expect(lists.flat().sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
      expect(lists.map(l => l.length)).toEqual([2, 2, 2, 2])
      expect(after.map(s => s.getUnionListState(names).get())).toEqual([['x'], ['x'], ['x'], ['x']])
    })

    it('lists a name on every subtask even when some snapshots lack it, and restores from no snapshots to empty state', () => {
      const result = redistributeOperatorState([snapshotOf(), snapshotOf({ name: 'offsets', distribution: 'split', elements: [1] })], 2)
      expect(result).toEqual([snapshotOf({ name: 'offsets', distribution: 'split', elements: [1] }), snapshotOf({ name: 'offsets', distribution: 'split', elements: [] })])
      expect(redistributeOperatorState([], 2)).toEqual([snapshotOf(), snapshotOf()])
    })

    it('rejects a parallelism that is not a positive integer', () => {
      for (const bad of [0, -1, 1.5, NaN, Infinity]) {
        expect(() => redistributeOperatorState(twoSubtasks, bad)).withContext(String(bad)).toThrowError(RangeError, /parallelism must be a positive integer/)
      }
    })

    it('rejects snapshots that disagree on how a list is distributed', () => {
      const mixed = [snapshotOf({ name: 'offsets', distribution: 'split', elements: [1] }), snapshotOf({ name: 'offsets', distribution: 'union', elements: [2] })]
      expect(() => redistributeOperatorState(mixed, 2)).toThrowError(ds.StateError, /state "offsets": .*list state in one snapshot and union list state in another/)
    })

    it('property: the split lists are a partition of all elements (a permutation), balanced within 1; unions are whole everywhere', () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ split: fc.array(fc.integer(), { maxLength: 12 }), union: fc.array(fc.string({ maxLength: 3 }), { maxLength: 4 }) }), { maxLength: 6 }),
          fc.integer({ min: 1, max: 9 }),
          (subtasks, parallelism) => {
            const snapshots = subtasks.map(s =>
              snapshotOf({ name: 'offsets', distribution: 'split', elements: s.split }, { name: 'names', distribution: 'union', elements: s.union })
            )
            const result = redistributeOperatorState(snapshots, parallelism)
            expect(result.length).toBe(parallelism)
            const splitOf = (s: OperatorStateSnapshot): number[] => (s.lists.find(l => l.name === 'offsets')?.elements ?? []) as number[]
            const all = subtasks.flatMap(s => s.split)
            const dealt = result.map(splitOf)
            expect(dealt.flat().sort((a, b) => a - b)).toEqual([...all].sort((a, b) => a - b))
            const sizes = dealt.map(d => d.length)
            expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
            const union = subtasks.flatMap(s => s.union)
            for (const r of result) expect(r.lists.find(l => l.name === 'names')?.elements ?? []).toEqual(union)
          }
        )
      )
    })
  })
})
