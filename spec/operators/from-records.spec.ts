import { take } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements, marbleTest, rec, recordsOf, watermarksOf, wm } from '../../marbles/index'

/** A generator of records that counts how many it was asked for and whether it was closed. */
function countingRecords(n: number): { readonly iterable: Iterable<ds.RecordInput<number>>; pulled(): number; closed(): boolean } {
  let pulled = 0
  let closed = false
  function* gen(): Generator<ds.RecordInput<number>> {
    try {
      for (let i = 0; i < n; i++) {
        pulled++
        yield { value: i, timestamp: i * 10 }
      }
    } finally {
      closed = true
    }
  }
  return { iterable: { [Symbol.iterator]: gen }, pulled: () => pulled, closed: () => closed }
}

describe('fromRecords', () => {
  it('emits the records in order, all at frame 0, then the +Infinity watermark and completes', () => {
    marbleTest(({ expectStream }) => {
      const output = ds.fromRecords([
        { value: 'a', timestamp: 5 },
        { value: 'b', timestamp: 7 }
      ])
      expectStream(output).toBe('(abZ|)', { a: rec('a', 5), b: rec('b', 7), Z: wm(Infinity) })
    })
  })

  it('keeps out-of-order timestamps as given, in input order', () => {
    const out = collectElements(
      ds.fromRecords([
        { value: 'a', timestamp: 30 },
        { value: 'b', timestamp: 10 },
        { value: 'c', timestamp: 20 },
        { value: 'd', timestamp: -5 },
        { value: 'e', timestamp: 0 }
      ])
    )
    expect(out.elements).toEqual([rec('a', 30), rec('b', 10), rec('c', 20), rec('d', -5), rec('e', 0), wm(Infinity)])
    expect(out.completed).toBeTrue()
    expect(out.error).toBeUndefined()
  })

  it('emits records that are not keyed (key undefined)', () => {
    const out = collectElements(ds.fromRecords([{ value: 1, timestamp: 1 }]))
    const first = out.elements[0] as ds.StreamRecord<number>
    expect(first._tag).toBe('Record')
    expect(first.key).toBeUndefined()
  })

  it('emits only the +Infinity watermark for an empty input', () => {
    const out = collectElements(ds.fromRecords<string>([]))
    expect(out.elements).toEqual([wm(Infinity)])
    expect(out.completed).toBeTrue()
  })

  it('gives a record without a timestamp NO_TIMESTAMP', () => {
    const out = collectElements(ds.fromRecords<string>([{ value: 'x' }, { value: 'y', timestamp: undefined }, { value: 'z', timestamp: 3 }]))
    expect(out.elements).toEqual([ds.streamRecord('x'), ds.streamRecord('y'), rec('z', 3), wm(Infinity)])
    expect(out.elements.filter(ds.isRecord).map(ds.hasTimestamp)).toEqual([false, false, true])
    expect((out.elements[0] as ds.StreamRecord<string>).timestamp).toBe(ds.NO_TIMESTAMP)
  })

  describe('interleaved watermarks', () => {
    it('emits them in place and drops those that do not advance', () => {
      const out = collectElements(
        ds.fromRecords<string>([
          { value: 'a', timestamp: 5 },
          ds.watermark(4),
          { value: 'b', timestamp: 3 },
          ds.watermark(4), // equal: dropped
          ds.watermark(2), // lower: dropped
          { value: 'c', timestamp: 9 },
          ds.watermark(10)
        ])
      )
      expect(out.elements).toEqual([rec('a', 5), wm(4), rec('b', 3), rec('c', 9), wm(10), wm(Infinity)])
      expect(out.completed).toBeTrue()
    })

    it('drops a -Infinity watermark, which never advances', () => {
      const out = collectElements(ds.fromRecords<string>([ds.watermark(-Infinity), { value: 'a', timestamp: 1 }]))
      expect(out.elements).toEqual([rec('a', 1), wm(Infinity)])
    })

    it('does not emit a second +Infinity watermark when the input already ends event time', () => {
      const out = collectElements(ds.fromRecords<string>([{ value: 'a', timestamp: 1 }, ds.MAX_WATERMARK]))
      expect(out.elements).toEqual([rec('a', 1), wm(Infinity)])
      expect(watermarksOf(out)).toEqual([Infinity])
      expect(out.completed).toBeTrue()
    })

    it('errors with a TimestampError on a NaN watermark, after the elements before it', () => {
      const out = collectElements(ds.fromRecords<string>([{ value: 'a', timestamp: 1 }, ds.watermark(NaN), { value: 'b', timestamp: 2 }]))
      expect(out.elements).toEqual([rec('a', 1)])
      expect(out.completed).toBeFalse()
      expect(out.error).toBeInstanceOf(ds.TimestampError)
      expect((out.error as Error).message).toBe('fromRecords: element 1 is watermark NaN: not a number')
    })
  })

  describe('bad timestamps', () => {
    for (const [label, bad, shown, reason] of [
      ['NaN', NaN, 'NaN', 'NaN is not a timestamp'],
      ['a string', '17', '"17"', '"17" is not a number'],
      ['null', null, 'null', 'null is not a number'],
      ['+Infinity', Infinity, 'Infinity', 'Infinity is not a finite timestamp'],
      ['-Infinity', -Infinity, '-Infinity', '-Infinity is not a finite timestamp']
    ] as const) {
      it(`errors with a TimestampError naming the index and the value for ${label}, after the earlier records`, () => {
        const input = [
          { value: 'ok', timestamp: 1 },
          { value: 'also ok', timestamp: 2 },
          { value: 'bad', timestamp: bad as unknown as number },
          { value: 'never', timestamp: 4 }
        ]
        const out = collectElements(ds.fromRecords(input))
        expect(out.elements).toEqual([rec('ok', 1), rec('also ok', 2)])
        expect(out.completed).toBeFalse()
        expect(out.error).toBeInstanceOf(ds.TimestampError)
        expect(out.error).toBeInstanceOf(ds.DataStreamError)
        expect((out.error as Error).message).toBe(`fromRecords: record 2 (value "bad") has timestamp ${shown}: ${reason}`)
      })
    }

    it('names the operator by name and uid when given, and counts watermarks in the index', () => {
      const out = collectElements(
        ds.fromRecords([{ value: 1, timestamp: 1 }, ds.watermark(1), { value: 2, timestamp: NaN }], { name: 'clicks', uid: 'clicks-v1' })
      )
      expect(out.elements).toEqual([rec(1, 1), wm(1)])
      const error = out.error as ds.TimestampError
      expect(error).toBeInstanceOf(ds.TimestampError)
      expect(error.name).toBe('TimestampError')
      expect(error.message).toBe('fromRecords "clicks" (uid clicks-v1): record 2 (value 2) has timestamp NaN: NaN is not a timestamp')
      expect(error.operator).toEqual({ kind: 'fromRecords', name: 'clicks', uid: 'clicks-v1' })
    })

    it('shows the error in marbles at frame 0 after the good records', () => {
      marbleTest(({ expectStream }) => {
        const output = ds.fromRecords([
          { value: 'a', timestamp: 1 },
          { value: 'b', timestamp: NaN }
        ])
        const info = { kind: 'fromRecords', name: 'fromRecords', uid: undefined }
        expectStream(output).toBe(
          '(a#)',
          { a: rec('a', 1) },
          new ds.TimestampError(info, 'record 1 (value "b") has timestamp NaN: NaN is not a timestamp')
        )
      })
    })

    it('stops iterating the input at the bad record', () => {
      const pulled: number[] = []
      function* input(): Generator<ds.RecordInput<number>> {
        for (const ts of [1, NaN, 3, 4]) {
          pulled.push(ts)
          yield { value: ts, timestamp: ts }
        }
      }
      const out = collectElements(ds.fromRecords(input()))
      expect(recordsOf(out)).toEqual([[1, 1]])
      expect(out.error).toBeInstanceOf(ds.TimestampError)
      expect(pulled).toEqual([1, NaN])
    })
  })

  describe('subscriptions', () => {
    it('iterates the input again for every subscription (cold)', () => {
      let iterations = 0
      const iterable: Iterable<ds.RecordInput<string>> = {
        *[Symbol.iterator]() {
          iterations++
          yield { value: `run ${iterations}`, timestamp: iterations }
        }
      }
      const stream$ = ds.fromRecords(iterable)
      expect(iterations).toBe(0) // nothing happens before subscribe
      const first = collectElements(stream$)
      const second = collectElements(stream$)
      expect(iterations).toBe(2)
      expect(first.elements).toEqual([rec('run 1', 1), wm(Infinity)])
      expect(second.elements).toEqual([rec('run 2', 2), wm(Infinity)])
    })

    it('replays an array the same way on every subscription, watermark state included', () => {
      const stream$ = ds.fromRecords<string>([{ value: 'a', timestamp: 1 }, ds.watermark(5), { value: 'b', timestamp: 9 }, ds.watermark(3)])
      const expected = [rec('a', 1), wm(5), rec('b', 9), wm(Infinity)]
      expect(collectElements(stream$).elements).toEqual(expected)
      expect(collectElements(stream$).elements).toEqual(expected)
    })

    it('stops iterating and closes the iterator when unsubscribed mid-iteration', () => {
      const source = countingRecords(1_000)
      const seen: Array<ds.StreamElement<number>> = []
      let completed = false
      ds.fromRecords(source.iterable)
        .pipe(take(2))
        .subscribe({ next: e => seen.push(e), complete: () => (completed = true) })
      expect(seen).toEqual([rec(0, 0), rec(1, 10)])
      expect(completed).toBeTrue()
      expect(source.closed()).toBeTrue()
      // no element is pulled from the input after the consumer has gone
      expect(source.pulled()).toBe(2)
    })

    it('pulls nothing more from an infinite input after downstream unsubscribes', () => {
      let pulled = 0
      function* forever(): Generator<ds.RecordInput<number>> {
        for (;;) {
          pulled++
          yield { value: pulled, timestamp: pulled }
        }
      }
      const values: number[] = []
      ds.fromRecords(forever())
        .pipe(take(3))
        .subscribe(e => {
          if (e._tag === 'Record') values.push(e.value)
        })
      expect(values).toEqual([1, 2, 3])
      expect(pulled).toBe(3)
    })
  })
})
