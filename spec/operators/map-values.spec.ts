import { from, take } from 'rxjs'
import * as ds from '../../src/index'
import { active, barrier, collectElements, idle, marbleTest, rec, side, wm } from '../../marbles/index'
import { countingSource } from '../support/sources'

const late = new ds.OutputTag<string>('late')

describe('mapValues', () => {
  it('maps in-order records at their frames, keeping timestamps, and passes the +Infinity watermark', () => {
    marbleTest(({ inOrder, expectStream }) => {
      const output = inOrder('-a--b-|', { a: 1, b: 2 }).pipe(ds.mapValues((n: number) => n * 10))
      expectStream(output).toBe('-a--b-|', { a: rec(10, 1), b: rec(20, 4) })
    })
  })

  it('keeps out-of-order timestamps and passes watermarks, statuses, barriers and side records unchanged, in order', () => {
    marbleTest(({ cold, expectStream }) => {
      const input = cold<ds.StreamElement<string>>('-a-W-b-I-A-B-s-c-Z|', {
        a: rec('x', 30),
        W: wm(20),
        b: rec('y', 10), // late for W(20): mapValues does not care
        I: idle(),
        A: active(),
        B: barrier(7, 123, 'savepoint'),
        s: side(late, 'not mapped', 5),
        c: rec('z', 25),
        Z: wm(Infinity)
      })
      expectStream(input.pipe(ds.mapValues((s: string) => s.toUpperCase()))).toBe('-a-W-b-I-A-B-s-c-Z|', {
        a: rec('X', 30),
        W: wm(20),
        b: rec('Y', 10),
        I: idle(),
        A: active(),
        B: barrier(7, 123, 'savepoint'),
        s: side(late, 'not mapped', 5),
        c: rec('Z', 25),
        Z: wm(Infinity)
      })
    })
  })

  it('forwards control elements as the same objects', () => {
    const W = wm(3)
    const B = barrier(1)
    const s = side(late, 'x', 1)
    const out = collectElements(from<Array<ds.StreamElement<number>>>([W, B, s, idle()]).pipe(ds.mapValues((n: number) => n + 1)))
    expect(out.elements.length).toBe(4)
    expect(out.elements[0]).toBe(W)
    expect(out.elements[1]).toBe(B)
    expect(out.elements[2]).toBe(s)
    expect(out.elements[3]).toBe(ds.IDLE)
  })

  it('keeps the keys of a keyed stream, composite ones included', () => {
    const input = from<Array<ds.StreamElement<number, ds.Key>>>([rec(1, 5, 'k1'), rec(2, 6, ['a', 1]), rec(3, ds.NO_TIMESTAMP, 0)])
    const out = collectElements(input.pipe(ds.mapValues((n: number) => `${n}!`)))
    expect(out.elements).toEqual([rec('1!', 5, 'k1'), rec('2!', 6, ['a', 1]), rec('3!', ds.NO_TIMESTAMP, 0)])
  })

  it('may map to undefined', () => {
    const out = collectElements(from([rec(1, 1)]).pipe(ds.mapValues(() => undefined)))
    expect(out.elements.length).toBe(1)
    const r = out.elements[0] as ds.StreamRecord<undefined>
    expect(r._tag).toBe('Record')
    expect(r.value).toBeUndefined()
    expect(r.timestamp).toBe(1)
  })

  it('calls the function once per record, never for control elements', () => {
    const calls: number[] = []
    const input = from<Array<ds.StreamElement<number>>>([rec(1, 1), wm(1), idle(), rec(2, 2), side(late, 'x', 1), barrier(1)])
    collectElements(
      input.pipe(
        ds.mapValues((n: number) => {
          calls.push(n)
          return n
        })
      )
    )
    expect(calls).toEqual([1, 2])
  })

  it('completes with the input, after fromRecords’ +Infinity watermark', () => {
    const out = collectElements(ds.fromRecords([{ value: 2, timestamp: 1 }]).pipe(ds.mapValues((n: number) => n * n)))
    expect(out.elements).toEqual([rec(4, 1), wm(Infinity)])
    expect(out.completed).toBeTrue()
  })

  it('forwards an upstream error unchanged, after the records before it', () => {
    marbleTest(({ cold, expectStream }) => {
      const boom = new Error('upstream failed')
      const input = cold<ds.StreamElement<number>>('a-W-#', { a: rec(1, 1), W: wm(1) }, boom)
      expectStream(input.pipe(ds.mapValues((n: number) => n + 1))).toBe('a-W-#', { a: rec(2, 1), W: wm(1) }, boom)
    })
  })

  it('unsubscribes upstream when unsubscribed', () => {
    marbleTest(({ cold, expectStream, expectSubscriptions }) => {
      const input = cold<ds.StreamElement<number>>('a-b-c-|', { a: rec(1, 1), b: rec(2, 2), c: rec(3, 3) })
      expectStream(input.pipe(ds.mapValues((n: number) => -n)), '^--!').toBe('a-b', { a: rec(-1, 1), b: rec(-2, 2) })
      expectSubscriptions(input.subscriptions).toBe('^--!')
    })
  })

  describe('a throwing function', () => {
    it('errors with a UserFunctionError naming the operator and the record, at the failing frame', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const input = cold<ds.StreamElement<number>>('a-W-b-c|', { a: rec(1, 1), W: wm(1), b: rec(2, 7), c: rec(3, 8) })
        const output = input.pipe(
          ds.mapValues((n: number) => {
            if (n === 2) throw new Error('boom')
            return n
          })
        )
        const info = { kind: 'mapValues', name: 'mapValues', uid: undefined }
        expectStream(output).toBe(
          'a-W-#',
          { a: rec(1, 1), W: wm(1) },
          new ds.UserFunctionError(info, 'processing record (value 2, timestamp 7)', new Error('boom'))
        )
        expectSubscriptions(input.subscriptions).toBe('^---!')
      })
    })

    it('names the operator by name and uid, the record with its key, and keeps the original as cause', () => {
      const boom = new TypeError('cannot parse')
      const input = from<Array<ds.StreamElement<string, string>>>([rec('ok', 1, 'k'), rec('bad', 2, 'k'), rec('never', 3, 'k')])
      const out = collectElements(
        input.pipe(
          ds.mapValues(
            (s: string) => {
              if (s === 'bad') throw boom
              return s.length
            },
            { name: 'parse', uid: 'parse-v1' }
          )
        )
      )
      expect(out.elements).toEqual([rec(2, 1, 'k')])
      expect(out.completed).toBeFalse()
      const error = out.error as ds.UserFunctionError
      expect(error).toBeInstanceOf(ds.UserFunctionError)
      expect(error).toBeInstanceOf(ds.DataStreamError)
      expect(error.name).toBe('UserFunctionError')
      expect(error.message).toBe(
        'mapValues "parse" (uid parse-v1): the user function threw while processing record (value "bad", timestamp 2, key "k"): cannot parse'
      )
      expect(error.cause).toBe(boom)
      expect(error.operator).toEqual({ kind: 'mapValues', name: 'parse', uid: 'parse-v1' })
    })

    it('names only the uid when no name is given', () => {
      const out = collectElements(
        from([rec(1, 1)]).pipe(
          ds.mapValues(
            () => {
              throw new Error('x')
            },
            { uid: 'm-1' }
          )
        )
      )
      expect((out.error as Error).message).toBe('mapValues (uid m-1): the user function threw while processing record (value 1, timestamp 1): x')
    })

    it('wraps a thrown non-Error, keeping it as cause', () => {
      const out = collectElements(
        from([rec(1, 1)]).pipe(
          ds.mapValues((): number => {
            throw 'plain string' // eslint-disable-line no-throw-literal
          })
        )
      )
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      expect((out.error as Error).cause).toBe('plain string')
      expect((out.error as Error).message).toBe(
        'mapValues: the user function threw while processing record (value 1, timestamp 1): plain string'
      )
    })

    it('stops a synchronous source at the failing record', () => {
      const { source, emitted } = countingSource(1_000)
      const out = collectElements(
        source.pipe(
          ds.mapValues((n: number) => {
            if (n === 3) throw new Error('stop')
            return n
          })
        )
      )
      expect(out.elements).toEqual([rec(0, 0), rec(1, 1), rec(2, 2)])
      expect(emitted()).toBe(4)
    })
  })

  it('lets downstream take(1) stop a synchronous source', () => {
    const { source, emitted } = countingSource(1_000_000)
    const out = collectElements(source.pipe(ds.mapValues((n: number) => n * 2), take(1)))
    expect(out.elements).toEqual([rec(0, 0)])
    expect(emitted()).toBe(1)
  })
})
