import { from, Observable, take } from 'rxjs'
import * as ds from '../../src/index'
import { active, barrier, collectElements, idle, marbleTest, rec, side, wm } from '../../marbles/index'
import { countingSource } from '../support/sources'

const late = new ds.OutputTag<string>('late')

/** Collects what a synchronous plain observable emits. */
function collect<T>(source$: Observable<T>): { values: T[]; completed: boolean; error: unknown } {
  const values: T[] = []
  let completed = false
  let error: unknown
  source$.subscribe({ next: v => values.push(v), error: (e: unknown) => (error = e), complete: () => (completed = true) })
  return { values, completed, error }
}

describe('values', () => {
  it('emits the value of every record at its frame and drops every control element and side record', () => {
    marbleTest(({ cold, expectObservable }) => {
      const input = cold<ds.StreamElement<string>>('-a-W-b-I-A-B-s-c-Z-|', {
        a: rec('x', 10),
        W: wm(9),
        b: rec('y', 3), // out of order: still emitted
        I: idle(),
        A: active(),
        B: barrier(1),
        s: side(late, 'l', 2),
        c: rec('z', 20),
        Z: wm(Infinity)
      })
      expectObservable(input.pipe(ds.values())).toBe('-a---b---------c---|', { a: 'x', b: 'y', c: 'z' })
    })
  })

  it('drops the keys of a keyed stream', () => {
    const out = collect(from<Array<ds.StreamElement<string, ds.Key>>>([rec('x', 1, 'k1'), rec('y', 2, ['k', 2])]).pipe(ds.values()))
    expect(out.values).toEqual(['x', 'y'])
  })

  it('emits undefined and null values as they are', () => {
    const out = collect(from<Array<ds.StreamElement<unknown>>>([rec(undefined, 1), rec(null, 2)]).pipe(ds.values()))
    expect(out.values).toEqual([undefined, null])
    expect(out.completed).toBeTrue()
  })

  it('completes when the input completes, after the +Infinity watermark', () => {
    const out = collect(ds.fromRecords([{ value: 1, timestamp: 0 }, { value: 2, timestamp: 1 }]).pipe(ds.values()))
    expect(out.values).toEqual([1, 2])
    expect(out.completed).toBeTrue()
  })

  it('forwards an upstream error unchanged, after the values before it', () => {
    marbleTest(({ cold, expectObservable }) => {
      const boom = new Error('upstream')
      const input = cold<ds.StreamElement<number>>('a-W-#', { a: rec(1, 1), W: wm(1) }, boom)
      expectObservable(input.pipe(ds.values())).toBe('a---#', { a: 1 }, boom)
    })
  })

  it('passes the very same upstream error object', () => {
    const boom = new ds.KeyError({ kind: 'keyBy', name: 'keyBy', uid: undefined }, 'bad')
    const input = new Observable<ds.StreamElement<number>>(s => {
      s.next(rec(1, 1))
      s.error(boom)
    })
    const out = collect(input.pipe(ds.values()))
    expect(out.values).toEqual([1])
    expect(out.error).toBe(boom)
  })

  it('unsubscribes from upstream when unsubscribed', () => {
    marbleTest(({ cold, expectObservable, expectSubscriptions }) => {
      const input = cold<ds.StreamElement<number>>('a-b-c-|', { a: rec(1, 1), b: rec(2, 2), c: rec(3, 3) })
      expectObservable(input.pipe(ds.values()), '^--!').toBe('a-b', { a: 1, b: 2 })
      expectSubscriptions(input.subscriptions).toBe('^--!')
    })
  })

  it('stops a synchronous source when downstream takes enough', () => {
    const { source, emitted } = countingSource(1_000)
    const out = collect(source.pipe(ds.values(), take(2)))
    expect(out.values).toEqual([0, 1])
    expect(emitted()).toBe(2)
  })
})

describe('records', () => {
  it('emits every main-output record with its timestamp at its frame and drops the rest', () => {
    marbleTest(({ cold, expectObservable }) => {
      const input = cold<ds.StreamElement<string>>('-a-W-b-I-A-B-s-c-Z-|', {
        a: rec('x', 10),
        W: wm(9),
        b: rec('y', 3),
        I: idle(),
        A: active(),
        B: barrier(1),
        s: side(late, 'l', 2),
        c: rec('z', 20),
        Z: wm(Infinity)
      })
      expectObservable(input.pipe(ds.records())).toBe('-a---b---------c---|', { a: rec('x', 10), b: rec('y', 3), c: rec('z', 20) })
    })
  })

  // Records travel through a chain as their parts: equal records, not the same objects.
  it('emits the records unchanged, keys and NO_TIMESTAMP included', () => {
    const a = rec('x', 5, 'user-1')
    const b = ds.streamRecord('y') as ds.StreamRecord<string, string>
    const out = collect(from<Array<ds.StreamElement<string, string>>>([a, wm(4), b, wm(Infinity)]).pipe(ds.records()))
    expect(out.values.length).toBe(2)
    expect(out.values[0]).toEqual(a)
    expect(out.values[1]).toEqual(b)
    expect(out.values.map(r => [r.value, r.timestamp, r.key] as const)).toEqual([
      ['x', 5, 'user-1'],
      ['y', ds.NO_TIMESTAMP, undefined as unknown as string]
    ])
    expect(out.completed).toBeTrue()
  })

  it('forwards an upstream error unchanged', () => {
    marbleTest(({ cold, expectObservable }) => {
      const boom = new Error('upstream')
      const input = cold<ds.StreamElement<number>>('a-W-#', { a: rec(1, 1), W: wm(1) }, boom)
      expectObservable(input.pipe(ds.records())).toBe('a---#', { a: rec(1, 1) }, boom)
    })
  })

  it('completes after a finite source with nothing but control elements', () => {
    const out = collectElements(from<Array<ds.StreamElement<number>>>([wm(1), idle(), wm(Infinity)]).pipe(ds.records()))
    expect(out.elements).toEqual([])
    expect(out.completed).toBeTrue()
  })
})
