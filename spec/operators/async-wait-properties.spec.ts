/**
 * asyncWait properties: for any interleaving of inputs and answers and any completion order,
 * ordered output is the input order and unordered output respects watermark segments (in
 * completion order inside a segment); calls in flight never exceed the capacity. And a load
 * spec: 100,000 inputs against a fake service with random latencies.
 */
import fc from 'fast-check'
import { from, Subject } from 'rxjs'
import * as ds from '../../src/index'
import { rec, wm } from '../../marbles/index'
import { manualService, promiseService } from '../support/async-services'

type Element = ds.StreamElement<number>

/** Input: records with distinct values 0, 1, 2, … and increasing watermarks between them. */
const inputArb = fc
  .array(fc.oneof({ weight: 4, arbitrary: fc.constant('r' as const) }, { weight: 1, arbitrary: fc.constant('w' as const) }), { maxLength: 40 })
  .map(kinds => {
    let value = 0
    return kinds.map((kind, i): Element => (kind === 'r' ? rec(value++, i) : wm(i)))
  })

/** Each value's results: `count` of them (0 to 2), distinct across values. */
const resultsOf = (v: number, count: number): number[] => Array.from({ length: count }, (_, k) => v * 10 + k)

/** Records between watermarks, as lists; the watermarks themselves. */
function segmentsOf(elements: readonly Element[]): { records: number[][]; watermarks: number[] } {
  const records: number[][] = [[]]
  const watermarks: number[] = []
  for (const e of elements) {
    if (e._tag === 'Watermark') {
      watermarks.push(e.timestamp)
      records.push([])
    } else if (e._tag === 'Record') records[records.length - 1]!.push(e.value)
  }
  return { records, watermarks }
}

interface Run {
  readonly output: Element[]
  readonly completed: boolean
  readonly error: unknown
  readonly maxInFlight: number
  readonly calls: number[]
  /** Values in the order the service answered them. */
  readonly answerOrder: number[]
}

/**
 * Feeds `input` through asyncWait against a service answered by hand: each choice either
 * pushes the next element or answers one of the pending calls (which one: the choice), so
 * fast-check explores every interleaving and completion order. At the end the source
 * completes and the remaining calls are answered, again in an order the choices give.
 */
function drive(input: readonly Element[], choices: readonly number[], counts: readonly number[], capacity: number, ordered: boolean): Run {
  const { fn, pending, stats } = manualService<number, number>()
  const source = new Subject<Element>()
  const output: Element[] = []
  let completed = false
  let error: unknown
  source.pipe(ds.asyncWait(fn, { capacity, ordered, overflowBuffer: Infinity })).subscribe({
    next: e => output.push(e),
    error: (e: unknown) => (error = e),
    complete: () => (completed = true)
  })
  const answerOrder: number[] = []
  const answer = (choice: number): void => {
    const call = pending[choice % pending.length]!
    answerOrder.push(call.value)
    call.answer(resultsOf(call.value, counts[call.value % counts.length] ?? 1))
  }
  let next = 0
  let c = 0
  while (next < input.length) {
    const choice = choices[c++ % Math.max(1, choices.length)] ?? 0
    if (pending.length > 0 && choice % 3 !== 0) answer(choice)
    else source.next(input[next++]!)
  }
  source.complete()
  while (pending.length > 0) answer(choices[c++ % Math.max(1, choices.length)] ?? 0)
  return { output, completed, error, maxInFlight: stats.maxInFlight, calls: stats.calls.map(call => call.value), answerOrder }
}

const runArb = fc.record({
  input: inputArb,
  choices: fc.array(fc.nat({ max: 1_000 }), { minLength: 1, maxLength: 60 }),
  counts: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 5 }),
  capacity: fc.integer({ min: 1, max: 8 })
})

describe('asyncWait properties', () => {
  it('ordered: for any completion order, the output is the input order, watermarks in place', () => {
    fc.assert(
      fc.property(runArb, ({ input, choices, counts, capacity }) => {
        const run = drive(input, choices, counts, capacity, true)
        expect(run.error).toBeUndefined()
        expect(run.completed).toBeTrue()
        const expected = input.flatMap((e): Element[] => (e._tag === 'Record' ? resultsOf(e.value, counts[e.value % counts.length]!).map(r => rec(r, e.timestamp)) : [e]))
        expect(run.output).toEqual(expected)
        expect(run.maxInFlight).toBeLessThanOrEqual(capacity)
        expect(run.calls).toEqual(input.flatMap(e => (e._tag === 'Record' ? [e.value] : [])))
      })
    )
  })

  it('unordered: for any completion order, watermark segments hold the same results, in completion order', () => {
    fc.assert(
      fc.property(runArb, ({ input, choices, counts, capacity }) => {
        const run = drive(input, choices, counts, capacity, false)
        expect(run.error).toBeUndefined()
        expect(run.completed).toBeTrue()
        const actual = segmentsOf(run.output)
        const inputSegments = segmentsOf(input)
        expect(actual.watermarks).toEqual(inputSegments.watermarks)
        // segment k of the output holds exactly the results of segment k of the input, in the order their calls completed
        const expected = inputSegments.records.map(values => {
          const inSegment = new Set(values)
          return run.answerOrder.filter(v => inSegment.has(v)).flatMap(v => resultsOf(v, counts[v % counts.length]!))
        })
        expect(actual.records).toEqual(expected)
        // results keep their input's timestamp
        const timestampOf = new Map(input.flatMap(e => (e._tag === 'Record' ? [[e.value, e.timestamp] as const] : [])))
        for (const e of run.output) if (e._tag === 'Record') expect(e.timestamp).toBe(timestampOf.get(Math.floor(e.value / 10))!)
        expect(run.maxInFlight).toBeLessThanOrEqual(capacity)
      })
    )
  })

  describe('load: 100,000 inputs, capacity 50, random latencies', () => {
    const N = 100_000
    const CAPACITY = 50
    // a watermark every 1,000 records: segments for the unordered mode
    const input: Element[] = []
    for (let i = 0; i < N; i++) {
      input.push(rec(i, i))
      if (i % 1_000 === 999) input.push(wm(i))
    }
    // 0 to 4 turns of the event loop, pseudo-random and fixed per value
    const latency = (v: number) => (Math.imul(v, 2654435761) >>> 29) % 5

    for (const ordered of [true, false]) {
      it(`${ordered ? 'ordered' : 'unordered'}: never more than 50 calls in flight, every input answered once`, async () => {
        const { fn, stats, answered } = promiseService((v: number) => -v, latency)
        const output: Element[] = []
        await new Promise<void>((resolve, reject) =>
          from(input)
            .pipe(ds.asyncWait(fn, { capacity: CAPACITY, ordered, overflowBuffer: Infinity }))
            .subscribe({ next: e => output.push(e), error: reject, complete: resolve })
        )
        // ordered: answered calls still waiting for their turn hold their slots, so fewer are in flight
        expect(stats.maxInFlight).toBeLessThanOrEqual(CAPACITY)
        expect(stats.maxInFlight).toBeGreaterThan(ordered ? CAPACITY / 2 : CAPACITY - 1)
        expect(stats.calls.length).toBe(N)
        expect(answered.size).toBe(N)
        let once = true
        for (const k of answered.values()) once &&= k === 1
        expect(once).withContext('every input answered exactly once').toBeTrue()
        const { records, watermarks } = segmentsOf(output)
        expect(watermarks.length).toBe(N / 1_000)
        expect(records.reduce((n, r) => n + r.length, 0)).toBe(N)
        if (ordered) {
          let inOrder = true
          let expected = 0
          for (const segment of records) for (const v of segment) inOrder &&= v === -expected++
          expect(inOrder).withContext('input order').toBeTrue()
        } else {
          let inSegment = true
          records.forEach((segment, k) => {
            for (const v of segment) inSegment &&= Math.floor(-v / 1_000) === k
          })
          expect(inSegment).withContext('every result in its watermark segment').toBeTrue()
        }
        // 100,000 calls take about a second alone; a loaded machine needs more than jasmine's 5 s default.
      }, 30_000)
    }
  })
})
