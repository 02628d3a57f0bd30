import { defer, Observable, of, take } from 'rxjs'
import * as ds from '../../src/index'
import { barrier, collectElements, marbleTest, rec, side, wm } from '../../marbles/index'

const late = new ds.OutputTag<string>('late')
const errors = new ds.OutputTag<number>('errors')

/** Subscribes and records everything `stream$` emits, as strings. */
function record<T>(stream$: Observable<ds.StreamElement<T>>, log: unknown[]): void {
  stream$.subscribe({ next: e => log.push(e), error: (err: unknown) => log.push(['error', err]), complete: () => log.push('complete') })
}

describe('split', () => {
  it('splits main records and each side output over one subscription; control elements reach all', () => {
    marbleTest(({ cold, expectStream, expectSubscriptions }) => {
      const source = cold<ds.StreamElement<string>>('-a-l-e-B-W-|', {
        a: rec('a', 1),
        l: side(late, 'x', 0),
        e: side(errors, 7, 2),
        B: barrier(1),
        W: wm(5)
      })
      const outputs = ds.split(source, late, errors)
      expectStream(outputs.main$).toBe('-a-----B-W-|', { a: rec('a', 1), B: barrier(1), W: wm(5) })
      expectStream(outputs.side(late)).toBe('---l---B-W-|', { l: rec('x', 0), B: barrier(1), W: wm(5) })
      expectStream(outputs.side(errors)).toBe('-----e-B-W-|', { e: rec(7, 2), B: barrier(1), W: wm(5) })
      expectSubscriptions(source.subscriptions).toBe('^----------!')
    })
  })

  it('subscribes to the source once, however many outputs and subscribers there are', () => {
    let subscriptions = 0
    const source = defer(() => {
      subscriptions++
      return of<ds.StreamElement<string>[]>(rec('a', 1), side(late, 'x', 2), side(errors, 3, 3))
    })
    const outputs = ds.split(source, late, errors)
    const main1: unknown[] = []
    const main2: unknown[] = []
    const lateLog: unknown[] = []
    const errorLog: unknown[] = []
    record(outputs.main$, main1)
    record(outputs.main$, main2)
    record(outputs.side(late), lateLog)
    expect(subscriptions).toBe(0)
    record(outputs.side(errors), errorLog)
    expect(subscriptions).toBe(1)
    expect(main1).toEqual([rec('a', 1), 'complete'])
    expect(main2).toEqual([rec('a', 1), 'complete'])
    expect(lateLog).toEqual([rec('x', 2), 'complete'])
    expect(errorLog).toEqual([rec(3, 3), 'complete'])
  })

  it('starts only once the main output and every named side output have a subscriber', () => {
    marbleTest(({ cold, expectStream, expectSubscriptions }) => {
      const source = cold<ds.StreamElement<string>>('-a-l-e-|', { a: rec('a', 1), l: side(late, 'x', 0), e: side(errors, 7, 2) })
      const outputs = ds.split(source, late, errors)
      expectStream(outputs.main$).toBe('-----a-----|', { a: rec('a', 1) })
      expectStream(outputs.side(late), '--^').toBe('-------l---|', { l: rec('x', 0) })
      expectStream(outputs.side(errors), '----^').toBe('---------e-|', { e: rec(7, 2) })
      expectSubscriptions(source.subscriptions).toBe('----^------!')
    })
  })

  for (const order of ['main first', 'side first'] as const) {
    it(`loses nothing of a synchronous source when the ${order === 'main first' ? 'side' : 'main'} output subscribes last`, () => {
      const source = of<ds.StreamElement<string>[]>(rec('a', 1), side(late, 'x', 2), wm(3), rec('b', 4), side(late, 'y', 5), wm(Infinity))
      const outputs = ds.split(source, late)
      const main: unknown[] = []
      const lateLog: unknown[] = []
      if (order === 'main first') {
        record(outputs.main$, main)
        expect(main).toEqual([])
        record(outputs.side(late), lateLog)
      } else {
        record(outputs.side(late), lateLog)
        expect(lateLog).toEqual([])
        record(outputs.main$, main)
      }
      expect(main).toEqual([rec('a', 1), wm(3), rec('b', 4), wm(Infinity), 'complete'])
      expect(lateLog).toEqual([rec('x', 2), wm(3), rec('y', 5), wm(Infinity), 'complete'])
    })
  }

  it('with no tags, is the main output over one subscription', () => {
    let subscriptions = 0
    const source = defer(() => {
      subscriptions++
      return of<ds.StreamElement<string>[]>(rec('a', 1), side(late, 'x', 2))
    })
    const { main$ } = ds.split(source)
    expect(collectElements(main$).elements).toEqual([rec('a', 1)])
    expect(subscriptions).toBe(1)
  })

  describe('tags', () => {
    it('throws a clear TypeError when asked for a side output it was not given', () => {
      const outputs = ds.split(of(rec('a', 1)), late)
      expect(() => outputs.side(errors)).toThrowError(TypeError, 'split: side output "errors" was not named; name it: split(stream$, late, errors)')
    })

    it('rejects a side output named twice (same id, even through different tag objects)', () => {
      expect(() => ds.split(of(rec('a', 1)), late, errors, new ds.OutputTag<string>('late'))).toThrowError(
        TypeError,
        'split: a side output is named twice (late, errors, late)'
      )
      expect(() => ds.split(of(rec('a', 1)), late, late)).toThrowError(TypeError, /named twice/)
    })

    it('finds a side output by tag id: a re-created tag with the same id selects it', () => {
      const outputs = ds.split(of<ds.StreamElement<string>[]>(side(late, 'x', 1)), late)
      const log: unknown[] = []
      record(outputs.side(new ds.OutputTag<string>('late')), log)
      record(outputs.main$, [])
      expect(log).toEqual([rec('x', 1), 'complete'])
    })
  })

  describe('lifecycle', () => {
    it('tears the source down when every output has unsubscribed; a later subscription starts over', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const source = cold<ds.StreamElement<string>>('-a-l-a-l-|', { a: rec('a', 1), l: side(late, 'x', 2) })
        const outputs = ds.split(source, late)
        expectStream(outputs.main$, '^--!').toBe('-a-', { a: rec('a', 1) })
        expectStream(outputs.side(late), '^---!').toBe('---l', { l: rec('x', 2) })
        expectStream(outputs.main$, '------^').toBe('-------a---a---|', { a: rec('a', 1) })
        expectStream(outputs.side(late), '------^').toBe('---------l---l-|', { l: rec('x', 2) })
        expectSubscriptions(source.subscriptions).toBe(['^---!', '------^--------!'])
      })
    })

    it('stops a synchronous source as soon as every output has ended while it is still emitting', () => {
      let pushed = 0
      const source = new Observable<ds.StreamElement<number>>(subscriber => {
        for (let i = 0; i < 1_000 && !subscriber.closed; i++) {
          pushed++
          subscriber.next(i % 2 === 0 ? rec(i / 2, i) : wm(i))
        }
        subscriber.complete()
      })
      const outputs = ds.split(source, errors)
      const seen: number[] = []
      // The side output ends at its first element (the watermark after record 0), the main
      // output at its second value (record 1, the third element): then nothing more is pulled.
      outputs.side(errors).pipe(take(1)).subscribe()
      outputs.main$.pipe(ds.values(), take(2)).subscribe(v => seen.push(v))
      expect(seen).toEqual([0, 1])
      expect(pushed).toBe(3)
    })

    it('keeps the source while one output is subscribed; a returning subscriber joins the running subscription', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const source = cold<ds.StreamElement<string>>('-a-l-a-l-|', { a: rec('a', 1), l: side(late, 'x', 2) })
        const outputs = ds.split(source, late)
        expectStream(outputs.main$, '^-!').toBe('-a', { a: rec('a', 1) })
        expectStream(outputs.side(late)).toBe('---l---l-|', { l: rec('x', 2) })
        expectStream(outputs.main$, '----^').toBe('-----a---|', { a: rec('a', 1) })
        expectSubscriptions(source.subscriptions).toBe('^--------!')
      })
    })

    it('starts over after the source completed', () => {
      let subscriptions = 0
      const source = defer(() => {
        subscriptions++
        return of<ds.StreamElement<string>[]>(rec('a', subscriptions), side(late, 'x', subscriptions))
      })
      const outputs = ds.split(source, late)
      for (const run of [1, 2]) {
        const main: unknown[] = []
        const lateLog: unknown[] = []
        record(outputs.main$, main)
        record(outputs.side(late), lateLog)
        expect(main).toEqual([rec('a', run), 'complete'])
        expect(lateLog).toEqual([rec('x', run), 'complete'])
      }
      expect(subscriptions).toBe(2)
    })

    it('sends an error of the source to every output', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const boom = new Error('source failed')
        const source = cold<ds.StreamElement<string>>('-a-l-#', { a: rec('a', 1), l: side(late, 'x', 2) }, boom)
        const outputs = ds.split(source, late)
        expectStream(outputs.main$).toBe('-a---#', { a: rec('a', 1) }, boom)
        expectStream(outputs.side(late)).toBe('---l-#', { l: rec('x', 2) }, boom)
        expectSubscriptions(source.subscriptions).toBe('^----!')
      })
    })

    it('sends the same error object to every output', () => {
      const boom = new Error('sync failure')
      const source = defer((): Observable<ds.StreamElement<string>> => {
        throw boom
      })
      const outputs = ds.split(source, late)
      const main: unknown[] = []
      const lateLog: unknown[] = []
      record(outputs.main$, main)
      record(outputs.side(late), lateLog)
      expect(main).toEqual([['error', boom]])
      expect(lateLog).toEqual([['error', boom]])
      expect((main[0] as unknown[])[1]).toBe(boom)
    })
  })
})
