import { from, take } from 'rxjs'
import * as ds from '../../src/index'
import { active, barrier, collectElements, idle, marbleTest, rec, side, wm } from '../../marbles/index'
import { countingSource } from '../support/sources'

const late = new ds.OutputTag<number>('late')
const odd = (n: number): boolean => n % 2 !== 0

describe('filterValues', () => {
  it('keeps the matching in-order records at their frames and passes the +Infinity watermark', () => {
    marbleTest(({ inOrder, expectStream }) => {
      const output = inOrder('-a-b-c-d|', { a: 1, b: 2, c: 3, d: 4 }).pipe(ds.filterValues(odd))
      expectStream(output).toBe('-a---c--|', { a: rec(1, 1), c: rec(3, 5) })
    })
  })

  it('keeps out-of-order timestamps and passes every control element and side record, even ones whose value fails the predicate', () => {
    marbleTest(({ cold, expectStream }) => {
      const input = cold<ds.StreamElement<number>>('-a-W-b-I-A-B-s-c-d-Z|', {
        a: rec(1, 30),
        W: wm(20),
        b: rec(2, 40),
        I: idle(),
        A: active(),
        B: barrier(3),
        s: side(late, 2, 5), // even, but a side record: not filtered
        c: rec(5, 10), // out of order
        d: rec(6, 11),
        Z: wm(Infinity)
      })
      expectStream(input.pipe(ds.filterValues(odd))).toBe('-a-W---I-A-B-s-c---Z|', {
        a: rec(1, 30),
        W: wm(20),
        I: idle(),
        A: active(),
        B: barrier(3),
        s: side(late, 2, 5),
        c: rec(5, 10),
        Z: wm(Infinity)
      })
    })
  })

  // Records travel through a chain as their parts: equal records, not the same objects.
  it('emits the kept records unchanged, keys included', () => {
    const a = rec(1, 5, 'k1')
    const b = rec(2, 6, 'k2')
    const c = rec(3, 7, ['x', 1n] as const)
    const out = collectElements(from<Array<ds.StreamElement<number, ds.Key>>>([a, b, c]).pipe(ds.filterValues(odd)))
    expect(out.elements.length).toBe(2)
    expect(out.elements[0]).toEqual(a)
    expect(out.elements[1]).toEqual(c)
  })

  it('narrows the value type with a type guard', () => {
    type Shape = { kind: 'circle'; r: number } | { kind: 'square'; side: number }
    const isCircle = (s: Shape): s is Extract<Shape, { kind: 'circle' }> => s.kind === 'circle'
    const input = from<Array<ds.StreamElement<Shape>>>([
      rec({ kind: 'square', side: 2 }, 1),
      rec({ kind: 'circle', r: 3 }, 2),
      rec({ kind: 'circle', r: 4 }, 3)
    ])
    const radii: number[] = []
    // `s.r` only type-checks because the guard narrowed the stream's value type
    const output = input.pipe(ds.filterValues(isCircle), ds.mapValues(s => s.r))
    const out = collectElements(output)
    for (const e of out.elements) if (e._tag === 'Record') radii.push(e.value)
    expect(radii).toEqual([3, 4])
    expect(out.elements).toEqual([rec(3, 2), rec(4, 3)])
  })

  it('calls the predicate once per record, never for control elements', () => {
    const calls: number[] = []
    const input = from<Array<ds.StreamElement<number>>>([rec(1, 1), wm(1), side(late, 9, 1), rec(2, 2), barrier(1), idle()])
    collectElements(
      input.pipe(
        ds.filterValues((n: number) => {
          calls.push(n)
          return false
        })
      )
    )
    expect(calls).toEqual([1, 2])
  })

  it('emits only the control elements when nothing matches, and completes', () => {
    const out = collectElements(ds.fromRecords([{ value: 2, timestamp: 1 }, ds.watermark(1), { value: 4, timestamp: 2 }]).pipe(ds.filterValues(odd)))
    expect(out.elements).toEqual([wm(1), wm(Infinity)])
    expect(out.completed).toBeTrue()
  })

  it('forwards an upstream error unchanged', () => {
    marbleTest(({ cold, expectStream }) => {
      const boom = new Error('upstream')
      const input = cold<ds.StreamElement<number>>('a-b-W-#', { a: rec(1, 1), b: rec(2, 2), W: wm(2) }, boom)
      expectStream(input.pipe(ds.filterValues(odd))).toBe('a---W-#', { a: rec(1, 1), W: wm(2) }, boom)
    })
  })

  it('errors with a UserFunctionError naming operator, name, uid and record when the predicate throws', () => {
    const boom = new RangeError('too big')
    const out = collectElements(
      from<Array<ds.StreamElement<number>>>([rec(1, 1), rec(2, 2), rec(300, 3), rec(5, 4)]).pipe(
        ds.filterValues(
          (n: number) => {
            if (n > 100) throw boom
            return true
          },
          { name: 'small only', uid: 'small-v2' }
        )
      )
    )
    expect(out.elements).toEqual([rec(1, 1), rec(2, 2)])
    expect(out.completed).toBeFalse()
    const error = out.error as ds.UserFunctionError
    expect(error).toBeInstanceOf(ds.UserFunctionError)
    expect(error.cause).toBe(boom)
    expect(error.message).toBe(
      'filterValues "small only" (uid small-v2): the user function threw while processing record (value 300, timestamp 3): too big'
    )
    expect(error.operator).toEqual({ kind: 'filterValues', name: 'small only', uid: 'small-v2' })
  })

  it('shows a throwing predicate in marbles and unsubscribes upstream at that frame', () => {
    marbleTest(({ cold, expectStream, expectSubscriptions }) => {
      const input = cold<ds.StreamElement<number>>('a-b-c|', { a: rec(1, 1), b: rec(2, 2), c: rec(3, 3) })
      const output = input.pipe(
        ds.filterValues((n: number) => {
          if (n === 2) throw new Error('no twos')
          return true
        })
      )
      const info = { kind: 'filterValues', name: 'filterValues', uid: undefined }
      expectStream(output).toBe('a-#', { a: rec(1, 1) }, new ds.UserFunctionError(info, 'processing record (value 2, timestamp 2)', new Error('no twos')))
      expectSubscriptions(input.subscriptions).toBe('^-!')
    })
  })

  it('lets downstream take(1) stop a synchronous source', () => {
    const { source, emitted } = countingSource(1_000_000)
    const out = collectElements(source.pipe(ds.filterValues(odd), take(1)))
    expect(out.elements).toEqual([rec(1, 1)])
    expect(emitted()).toBe(2)
  })
})
