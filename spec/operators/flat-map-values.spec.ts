import { from, take } from 'rxjs'
import * as ds from '../../src/index'
import { active, barrier, collectElements, idle, marbleTest, rec, side, wm } from '../../marbles/index'
import { countingSource } from '../support/sources'

const late = new ds.OutputTag<string>('late')
const words = (line: string): string[] => line.split(' ').filter(w => w !== '')

describe('flatMapValues', () => {
  it('emits every result of an in-order record at its frame with its timestamp, and passes the +Infinity watermark', () => {
    marbleTest(({ inOrder, expectStream }) => {
      // a group of n letters spans n + 2 frames, so the input leaves room for it
      const output = inOrder('-a----b-|', { a: 'to be', b: 'or' }).pipe(ds.flatMapValues(words))
      expectStream(output).toBe('-(xy)-b-|', { x: rec('to', 1), y: rec('be', 1), b: rec('or', 6) })
    })
  })

  it('keeps out-of-order timestamps and passes every control element and side record, in order', () => {
    marbleTest(({ cold, expectStream }) => {
      const input = cold<ds.StreamElement<string>>('-a---W-b-I-A-B-s-c-Z|', {
        a: rec('p q', 30),
        W: wm(20),
        b: rec('r', 10),
        I: idle(),
        A: active(),
        B: barrier(2),
        s: side(late, 'x y', 1),
        c: rec('', 40), // no results
        Z: wm(Infinity)
      })
      expectStream(input.pipe(ds.flatMapValues(words))).toBe('-(pq)W-b-I-A-B-s---Z|', {
        p: rec('p', 30),
        q: rec('q', 30),
        W: wm(20),
        b: rec('r', 10),
        I: idle(),
        A: active(),
        B: barrier(2),
        s: side(late, 'x y', 1),
        Z: wm(Infinity)
      })
    })
  })

  it('gives every result the key of its record', () => {
    const input = from<Array<ds.StreamElement<number, ds.Key>>>([rec(2, 5, 'k'), rec(1, 6, ['a', true])])
    const out = collectElements(input.pipe(ds.flatMapValues((n: number) => Array.from({ length: n }, (_, i) => i))))
    expect(out.elements).toEqual([rec(0, 5, 'k'), rec(1, 5, 'k'), rec(0, 6, ['a', true])])
  })

  it('accepts arrays, Sets, Maps, strings and generators', () => {
    const input = from<Array<ds.StreamElement<number>>>([rec(1, 10), rec(2, 20), rec(3, 30), rec(4, 40)])
    const out = collectElements(
      input.pipe(
        ds.flatMapValues((n: number): Iterable<string> => {
          switch (n) {
            case 1:
              return ['a1', 'b1']
            case 2:
              return new Set(['a2', 'a2', 'b2']) // a Set: duplicates already gone
            case 3:
              return 'xy' // a string iterates its characters
            default:
              return (function* () {
                yield 'g1'
                yield 'g2'
                yield 'g3'
              })()
          }
        })
      )
    )
    expect(out.elements).toEqual([
      rec('a1', 10),
      rec('b1', 10),
      rec('a2', 20),
      rec('b2', 20),
      rec('x', 30),
      rec('y', 30),
      rec('g1', 40),
      rec('g2', 40),
      rec('g3', 40)
    ])
    expect(out.completed).toBeTrue()
  })

  it('drops a record whose results are empty (empty array, empty Set, empty generator)', () => {
    const empties: Array<() => Iterable<number>> = [() => [], () => new Set<number>(), function* () {}]
    const input = from<Array<ds.StreamElement<number>>>([rec(0, 1), wm(1), rec(1, 2), rec(2, 3)])
    const out = collectElements(input.pipe(ds.flatMapValues((i: number) => empties[i]!())))
    expect(out.elements).toEqual([wm(1)])
    expect(out.completed).toBeTrue()
  })

  it('keeps undefined entries (array holes included)', () => {
    // eslint-disable-next-line no-sparse-arrays
    const out = collectElements(from([rec('x', 1)]).pipe(ds.flatMapValues(() => [1, , 3] as Array<number | undefined>)))
    expect(out.elements).toEqual([rec(1, 1), rec(undefined, 1), rec(3, 1)])
  })

  it('completes with the input', () => {
    const out = collectElements(ds.fromRecords([{ value: 'a b', timestamp: 3 }]).pipe(ds.flatMapValues(words)))
    expect(out.elements).toEqual([rec('a', 3), rec('b', 3), wm(Infinity)])
    expect(out.completed).toBeTrue()
  })

  it('forwards an upstream error unchanged', () => {
    marbleTest(({ cold, expectStream }) => {
      const boom = new Error('upstream')
      const input = cold<ds.StreamElement<string>>('a---W-#', { a: rec('u v', 1), W: wm(1) }, boom)
      expectStream(input.pipe(ds.flatMapValues(words))).toBe('(uv)W-#', { u: rec('u', 1), v: rec('v', 1), W: wm(1) }, boom)
    })
  })

  describe('a throwing function', () => {
    it('errors with a UserFunctionError naming operator, name, uid and record; earlier results were emitted', () => {
      const boom = new Error('bad line')
      const out = collectElements(
        from<Array<ds.StreamElement<string>>>([rec('a b', 1), rec('!', 2), rec('c', 3)]).pipe(
          ds.flatMapValues(
            (line: string) => {
              if (line === '!') throw boom
              return words(line)
            },
            { name: 'tokenize', uid: 'tok-1' }
          )
        )
      )
      expect(out.elements).toEqual([rec('a', 1), rec('b', 1)])
      expect(out.completed).toBeFalse()
      const error = out.error as ds.UserFunctionError
      expect(error).toBeInstanceOf(ds.UserFunctionError)
      expect(error.cause).toBe(boom)
      expect(error.operator).toEqual({ kind: 'flatMapValues', name: 'tokenize', uid: 'tok-1' })
      expect(error.message).toBe(
        'flatMapValues "tokenize" (uid tok-1): the user function threw while processing record (value "!", timestamp 2): bad line'
      )
    })

    it('emits the results a generator yielded before it threw, then the error', () => {
      const boom = new Error('half way')
      const out = collectElements(
        from<Array<ds.StreamElement<number>>>([rec(7, 70), rec(8, 80)]).pipe(
          ds.flatMapValues(function* (n: number) {
            yield n * 10
            yield n * 10 + 1
            throw boom
          })
        )
      )
      expect(out.elements).toEqual([rec(70, 70), rec(71, 70)])
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      expect((out.error as Error).cause).toBe(boom)
      expect((out.error as Error).message).toBe(
        'flatMapValues: the user function threw while processing record (value 7, timestamp 70): half way'
      )
    })

    it('shows the error in marbles and unsubscribes upstream at that frame', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const input = cold<ds.StreamElement<number>>('a---b-c|', { a: rec(1, 1), b: rec(2, 2), c: rec(3, 3) })
        const output = input.pipe(
          ds.flatMapValues((n: number) => {
            if (n === 2) throw new Error('two')
            return [n, n]
          })
        )
        const info = { kind: 'flatMapValues', name: 'flatMapValues', uid: undefined }
        expectStream(output).toBe(
          '(xx)#',
          { x: rec(1, 1) },
          new ds.UserFunctionError(info, 'processing record (value 2, timestamp 2)', new Error('two'))
        )
        expectSubscriptions(input.subscriptions).toBe('^---!')
      })
    })
  })

  describe('downstream unsubscribing', () => {
    it('lets take(1) stop a synchronous source', () => {
      const { source, emitted } = countingSource(1_000_000)
      const out = collectElements(source.pipe(ds.flatMapValues((n: number) => [n, n]), take(1)))
      expect(out.elements).toEqual([rec(0, 0)])
      expect(emitted()).toBe(1)
    })

    it('stops iterating a record’s results, and closes the generator, once downstream has gone', () => {
      let pulled = 0
      let closed = false
      const out = collectElements(
        from([rec('x', 1)]).pipe(
          ds.flatMapValues(function* () {
            try {
              for (let i = 0; i < 1_000; i++) {
                pulled++
                yield i
              }
            } finally {
              closed = true
            }
          }),
          take(3)
        )
      )
      expect(out.elements).toEqual([rec(0, 1), rec(1, 1), rec(2, 1)])
      expect(closed).toBeTrue()
      expect(pulled).toBe(3)
    })

    it('stops emitting a large array once downstream has gone', () => {
      const big = Array.from({ length: 100_000 }, (_, i) => i)
      const reads: number[] = []
      const watched = new Proxy(big, {
        get(target, property, receiver) {
          if (typeof property === 'string' && /^\d+$/.test(property)) reads.push(Number(property))
          return Reflect.get(target, property, receiver) as unknown
        }
      })
      const out = collectElements(from([rec('x', 1)]).pipe(ds.flatMapValues(() => watched), take(2)))
      expect(out.elements).toEqual([rec(0, 1), rec(1, 1)])
      expect(reads.length).toBeLessThanOrEqual(3)
    })
  })
})
