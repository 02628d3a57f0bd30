import { of, throwError } from 'rxjs'
import * as ds from '../../src/index'
import { active, barrier, collectElements, idle, marbleTest, rec, side, wm } from '../../marbles/index'

const late = new ds.OutputTag<string>('late')
const errors = new ds.OutputTag<number>('errors')

describe('sideOutput', () => {
  it('turns the side records of its tag into records, keeping their timestamps and their timing', () => {
    marbleTest(({ cold, expectStream }) => {
      const input = cold('-a-l-W-e-m-|', {
        a: rec('a', 1),
        l: side(late, 'x', 0),
        W: wm(5),
        e: side(errors, 42, 3),
        m: side(late, 'y', -7)
      })
      expectStream(input.pipe(ds.sideOutput(late))).toBe('---l-W---m-|', { l: rec('x', 0), W: wm(5), m: rec('y', -7) })
    })
  })

  it('selects by tag id: a tag re-created with the same id selects the same values', () => {
    const input = of(side(late, 'x', 1), side(new ds.OutputTag<string>('late'), 'y', 2), side(new ds.OutputTag<string>('Late'), 'z', 3))
    const again = new ds.OutputTag<string>('late')
    expect(again).not.toBe(late)
    expect(collectElements(input.pipe(ds.sideOutput(again))).elements).toEqual([rec('x', 1), rec('y', 2)])
  })

  it('drops main records (keyed or not) and other side outputs', () => {
    const input = of<ds.StreamElement<string, string>[]>(rec('a', 1), rec('b', 2, 'k'), side(errors, 1, 3), side(late, 'l', 4))
    const out = collectElements(input.pipe(ds.sideOutput(errors)))
    expect(out.elements).toEqual([rec(1, 3)])
    expect(out.completed).toBeTrue()
  })

  it('keeps watermarks, stream statuses and barriers in order, so event-time operators work downstream', () => {
    const input = of(wm(1), side(late, 'a', 0), idle(), active(), barrier(4, 100, 'savepoint'), wm(Infinity))
    expect(collectElements(input.pipe(ds.sideOutput(late))).elements).toEqual([
      wm(1),
      rec('a', 0),
      idle(),
      active(),
      barrier(4, 100, 'savepoint'),
      wm(Infinity)
    ])
  })

  it('keeps a side value without a timestamp without one', () => {
    const out = collectElements(of(ds.sideRecord(late, 'no ts')).pipe(ds.sideOutput(late)))
    expect(out.elements).toEqual([ds.streamRecord('no ts')])
    expect(ds.hasTimestamp(out.elements[0] as ds.StreamRecord<string>)).toBeFalse()
  })

  it('selects the side output of an operator upstream (processElements)', () => {
    const negative = new ds.OutputTag<number>('negative')
    const out = collectElements(
      ds.fromRecords([{ value: 3, timestamp: 1 }, { value: -1, timestamp: 2 }, { value: -5, timestamp: 4 }]).pipe(
        ds.processElements<number, number>({ processElement: (n, ctx, o) => (n < 0 ? ctx.output(negative, n) : o.collect(n)) }),
        ds.sideOutput(negative)
      )
    )
    expect(out.elements).toEqual([rec(-1, 2), rec(-5, 4), wm(Infinity)])
  })

  it('forwards errors and completion', () => {
    marbleTest(({ cold, expectStream }) => {
      const boom = new Error('upstream')
      expectStream(cold('-l-#', { l: side(late, 'x', 1) }, boom).pipe(ds.sideOutput(late))).toBe('-l-#', { l: rec('x', 1) }, boom)
      expectStream(cold('-a-|', { a: rec('a', 1) }).pipe(ds.sideOutput(late))).toBe('---|')
    })
    const boom = new Error('same error')
    expect(collectElements(throwError(() => boom).pipe(ds.sideOutput(late))).error).toBe(boom)
  })

  it('unsubscribes upstream when unsubscribed', () => {
    marbleTest(({ cold, expectStream, expectSubscriptions }) => {
      const input = cold('-l---l-|', { l: side(late, 'x', 1) })
      expectStream(input.pipe(ds.sideOutput(late)), '^--!').toBe('-l-', { l: rec('x', 1) })
      expectSubscriptions(input.subscriptions).toBe('^--!')
    })
  })
})

describe('mainOutput', () => {
  it('drops every side record and keeps records, keys, timestamps and control elements in order', () => {
    marbleTest(({ cold, expectStream }) => {
      const input = cold<ds.StreamElement<string, string>>('-a-l-W-e-bIAB|', {
        a: rec('a', 1, 'k1'),
        l: side(late, 'x', 0),
        W: wm(5),
        e: side(errors, 42, 3),
        b: rec('b', 9, 'k2'),
        I: idle(),
        A: active(),
        B: barrier(2)
      })
      expectStream(input.pipe(ds.mainOutput())).toBe('-a---W---bIAB|', {
        a: rec('a', 1, 'k1'),
        W: wm(5),
        b: rec('b', 9, 'k2'),
        I: idle(),
        A: active(),
        B: barrier(2)
      })
    })
  })

  it('keeps the key and a missing timestamp as they are', () => {
    const input = of<ds.StreamElement<string, string>[]>(ds.streamRecord('no ts', ds.NO_TIMESTAMP, 'k'), side(late, 'x', 1))
    expect(collectElements(input.pipe(ds.mainOutput())).elements).toEqual([ds.streamRecord('no ts', ds.NO_TIMESTAMP, 'k')])
  })

  it('forwards errors and unsubscribes upstream when unsubscribed', () => {
    marbleTest(({ cold, expectStream, expectSubscriptions }) => {
      const boom = new Error('upstream')
      expectStream(cold('-a-#', { a: rec('a', 1) }, boom).pipe(ds.mainOutput())).toBe('-a-#', { a: rec('a', 1) }, boom)
      const input = cold('-a---b-|', { a: rec('a', 1), b: rec('b', 2) })
      expectStream(input.pipe(ds.mainOutput()), '^--!').toBe('-a-', { a: rec('a', 1) })
      expectSubscriptions(input.subscriptions).toBe('^--!')
    })
  })
})
