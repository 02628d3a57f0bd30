/**
 * What every operator does with an input that is not a stream element (`undefined`, `null`, a
 * plain value, an object without a known `_tag`): it fails the stream downstream with an
 * `ElementError` naming itself and showing the value; nothing is thrown into the producer,
 * nothing is dropped, and no user function is blamed.
 */
import { map, merge, Observable, of, Subject } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements, rec, side, wm } from '../../marbles/index'
import { describeValue } from '../../src/core/describe'

type In = ds.StreamElement<number, string>
type Build = (inputs: ReadonlyArray<Observable<In>>) => Observable<unknown>

/** An operator family under test: how it shows in messages, its inputs, and a pipeline over them. */
interface Case {
  /** The failing operator's kind. */
  readonly operator: string
  /** The spec's title, when not the operator's kind. */
  readonly title?: string
  readonly inputs: 1 | 2
  readonly build: Build
}

const late = new ds.OutputTag<number>('late')
const sum: ds.AggregateFunction<number, number, number> = { createAccumulator: () => 0, add: (v, a) => a + v, getResult: a => a, merge: (a, b) => a + b }
const keyOf = (_: number): string => 'k'

// `as never`: these pipelines are typed for what the operators accept, and fed what a
// JavaScript caller (or a cast) could push anyway.
const one = (f: (input: Observable<In>) => Observable<unknown>): Pick<Case, 'inputs' | 'build'> => ({ inputs: 1, build: inputs => f(inputs[0]!) })
const two = (f: (left: Observable<In>, right: Observable<In>) => Observable<unknown>): Pick<Case, 'inputs' | 'build'> => ({
  inputs: 2,
  build: inputs => f(inputs[0]!, inputs[1]!)
})

const CASES: Case[] = [
  { operator: 'mapValues', ...one(s => s.pipe(ds.mapValues((n: number) => n + 1))) },
  { operator: 'filterValues', ...one(s => s.pipe(ds.filterValues((n: number) => n > 0))) },
  { operator: 'flatMapValues', ...one(s => s.pipe(ds.flatMapValues((n: number) => [n, n]))) },
  { operator: 'processElements', ...one(s => s.pipe(ds.processElements<number, number, string>({ processElement: (n, _ctx, out) => out.collect(n) }))) },
  { operator: 'keyBy', ...one(s => s.pipe(ds.keyBy((n: number) => n % 2))) },
  { operator: 'values', ...one(s => s.pipe(ds.values())) },
  { operator: 'records', ...one(s => s.pipe(ds.records())) },
  { operator: 'sideOutput', ...one(s => s.pipe(ds.sideOutput(late))) },
  { operator: 'mainOutput', ...one(s => s.pipe(ds.mainOutput())) },
  {
    title: 'split', // the split reads the stream itself, before its outputs select from it
    operator: 'split',
    ...one(s => {
      const outputs = ds.split(s, late)
      return merge(outputs.main$, outputs.side(late))
    })
  },
  { operator: 'keyedProcess', ...one(s => s.pipe(ds.keyedProcess<string, number, number>({ processElement: (n, _ctx, out) => out.collect(n) }))) },
  { operator: 'windowBy', ...one(s => s.pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).aggregate<number, number, number, string>(sum))) },
  { operator: 'windowAll', ...one(s => s.pipe(ds.windowAll(ds.tumblingEventTimeWindows(10)).aggregate<number, number, number>(sum) as never)) },
  { operator: 'asyncWait', ...one(s => s.pipe(ds.asyncWait((n: number) => [n * 10]))) },
  { operator: 'unionWith', ...two((l, r) => l.pipe(ds.unionWith(r))) },
  { operator: 'connectWith.map', ...two((l, r) => l.pipe(ds.connectWith(r).map((n: number) => n, (n: number) => -n))) },
  {
    operator: 'connectWith.keyedProcess',
    ...two((l, r) =>
      l.pipe(
        ds.connectWith(r).keyedProcess<number, number>({
          processElement1: (n, _ctx, out) => out.collect(n),
          processElement2: (n, _ctx, out) => out.collect(-n)
        }) as never
      )
    )
  },
  {
    operator: 'joinWith',
    ...two((l, r) => l.pipe(ds.joinWith(r).where(keyOf).equalTo(keyOf).window(ds.tumblingEventTimeWindows(10)).apply((a: number, b: number) => a + b) as never))
  },
  {
    operator: 'coGroupWith',
    ...two((l, r) =>
      l.pipe(
        ds.coGroupWith(r).where(keyOf).equalTo(keyOf).window(ds.tumblingEventTimeWindows(10)).apply<number>((as, bs, out) => out.collect(as.length + bs.length)) as never
      )
    )
  },
  {
    operator: 'intervalJoinWith',
    ...two((l, r) =>
      (l as Observable<ds.StreamElement<number, string>>).pipe(ds.intervalJoinWith(r as Observable<ds.StreamElement<number, string>>).between(-5, 5).process<number, number>((a, b, _ctx, out) => out.collect(a + b)))
    )
  }
]

/** What a JavaScript caller, a plain Rx operator or a forgotten `fromRecords` can push. */
const BAD: ReadonlyArray<unknown> = [undefined, null, 42, 'text', { value: 1, timestamp: 0 }, { _tag: 'Nope', value: 1 }]

/** Enough input for every case above to emit something: a keyed record and a watermark per input that fires the window [0, 10). */
const PREFIX: ReadonlyArray<ReadonlyArray<In>> = [
  [rec(1, 1, 'k'), side(late, 7, 1) as In, wm(20)],
  [rec(2, 1, 'k'), wm(20)]
]

interface Seen {
  readonly values: unknown[]
  error: unknown
  errors: number
  completed: boolean
}

function observe(stream$: Observable<unknown>): Seen {
  const seen: Seen = { values: [], error: undefined, errors: 0, completed: false }
  stream$.subscribe({
    next: v => seen.values.push(v),
    error: (e: unknown) => {
      seen.errors++
      seen.error = e
    },
    complete: () => (seen.completed = true)
  })
  return seen
}

/** Pushes each input's prefix, interleaved, so that multi-input operators see every input advance. */
function pushPrefix(subjects: ReadonlyArray<Subject<In>>): void {
  const longest = Math.max(...subjects.map((_, i) => PREFIX[i]!.length))
  for (let step = 0; step < longest; step++) {
    subjects.forEach((s, i) => {
      const e = PREFIX[i]![step]
      if (e !== undefined) s.next(e)
    })
  }
}

function expectElementError(error: unknown, operator: string, bad: unknown): void {
  expect(error).toBeInstanceOf(ds.ElementError)
  expect(error).toBeInstanceOf(ds.DataStreamError)
  expect(error).not.toBeInstanceOf(ds.UserFunctionError)
  const e = error as ds.ElementError
  expect(e.operator.kind).toBe(operator)
  expect(e.message.startsWith(operator)).withContext(e.message).toBeTrue()
  expect(e.message).toContain(`: received ${describeValue(bad)}, which is not a stream element`)
  expect(e.message).toContain('assignTimestampsAndWatermarks(...) or fromRecords(...)')
  expect(e.cause).toBeUndefined()
}

describe('bad input (not a stream element)', () => {
  for (const c of CASES) {
    for (let input = 0; input < c.inputs; input++) {
      describe(`${c.title ?? c.operator}${c.inputs > 1 ? `, input ${input}` : ''}`, () => {
        for (const bad of BAD) {
          it(`fails the stream with an ElementError on ${describeValue(bad)} from a Subject, throwing nothing into next and losing nothing`, () => {
            const subjects = Array.from({ length: c.inputs }, () => new Subject<In>())
            const seen = observe(c.build(subjects))
            pushPrefix(subjects)
            const before = [...seen.values]
            expect(before.length).withContext('the prefix emits something').toBeGreaterThan(0)
            expect(seen.error).toBeUndefined()

            expect(() => subjects[input]!.next(bad as In)).not.toThrow()

            expect(seen.values).toEqual(before)
            expect(seen.errors).toBe(1)
            expect(seen.completed).toBeFalse()
            expectElementError(seen.error, c.operator, bad)
            // The operator released its inputs, as on any failure.
            for (const s of subjects) expect(s.observed).toBeFalse()
          })
        }

        it('fails a synchronous source at the bad value, which stops emitting', () => {
          let pushed = 0
          const inputs = Array.from({ length: c.inputs }, (_, i) =>
            i === input
              ? new Observable<In>(subscriber => {
                  for (const e of [...PREFIX[i]!, undefined as unknown as In, rec(3, 30, 'k'), ds.MAX_WATERMARK]) {
                    if (subscriber.closed) return
                    pushed++
                    subscriber.next(e)
                  }
                  subscriber.complete()
                })
              : new Subject<In>()
          )
          const seen = observe(c.build(inputs))
          // Failing stops a synchronous source at once.
          expect(pushed).toBe(PREFIX[input]!.length + 1)
          expectElementError(seen.error, c.operator, undefined)
        })
      })
    }
  }

  describe('a stream of plain values (no assignTimestampsAndWatermarks, no fromRecords)', () => {
    it('of(1, 2, 3).pipe(mapValues(f), values()) fails at the first value instead of completing empty', () => {
      const f = jasmine.createSpy('f', (n: number) => n * 2).and.callThrough()
      const seen = observe((of(1, 2, 3) as unknown as ds.DataStream<number>).pipe(ds.mapValues(f), ds.values()))
      expect(seen.values).toEqual([])
      expect(seen.completed).toBeFalse()
      expectElementError(seen.error, 'mapValues', 1)
      expect(f).not.toHaveBeenCalled()
    })

    it('names the operator by its options', () => {
      const seen = observe((of(1) as unknown as ds.DataStream<number>).pipe(ds.mapValues((n: number) => n, { name: 'double', uid: 'double-v1' })))
      expect(seen.error).toBeInstanceOf(ds.ElementError)
      expect((seen.error as ds.ElementError).operator).toEqual({ kind: 'mapValues', name: 'double', uid: 'double-v1' })
      expect((seen.error as Error).message).toMatch(/^mapValues "double" \(uid double-v1\): received 1, which is not a stream element/)
    })

    it('of(1, 2, 3).pipe(keyBy(f)) fails naming keyBy, the first operator to receive them', () => {
      const out = collectElements((of(1, 2, 3) as unknown as ds.DataStream<number>).pipe(ds.keyBy((n: number) => n)))
      expect(out.elements).toEqual([])
      expectElementError(out.error, 'keyBy', 1)
    })
  })

  describe('behind a plain Rx operator', () => {
    it('an rx map returning undefined fails the next operator with an ElementError, not a TypeError', () => {
      const out = collectElements(
        ds.fromRecords([{ value: 1, timestamp: 1 }, { value: 2, timestamp: 2 }]).pipe(
          map(e => (e._tag === 'Record' && e.value === 2 ? undefined : e) as ds.StreamElement<number>),
          ds.keyBy((n: number) => n % 2),
          ds.windowBy(ds.tumblingEventTimeWindows(10)).aggregate(sum)
        )
      )
      expect(out.elements).toEqual([])
      expectElementError(out.error, 'keyBy', undefined)
    })

    it('a record of an element stream fused through keyBy into a window is not checked again (only where elements enter)', () => {
      const out = collectElements(
        ds.fromRecords([{ value: 1, timestamp: 1 }, { value: 2, timestamp: 2 }]).pipe(
          ds.keyBy(() => 'k'),
          ds.windowBy(ds.tumblingEventTimeWindows(10)).aggregate(sum)
        )
      )
      expect(out.error).toBeUndefined()
      expect(out.elements).toEqual([rec(3, 9, 'k'), wm(Infinity)])
    })
  })

  it('a user function that throws is still a UserFunctionError', () => {
    const out = collectElements(
      ds.fromRecords([{ value: 1, timestamp: 1 }]).pipe(
        ds.mapValues(() => {
          throw new Error('boom')
        })
      )
    )
    expect(out.error).toBeInstanceOf(ds.UserFunctionError)
    expect(out.error).not.toBeInstanceOf(ds.ElementError)
  })
})
