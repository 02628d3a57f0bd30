/** @test {splitBy} @test {connectWith} */
import fc from 'fast-check'
import { from, Subject } from 'rxjs'
import * as ds from '../../src/index'
import { loggingCoProcess, normalized, TimerLogModel } from '../support/twoInputModel'

/**
 * A stream of records, watermarks and statuses split three ways: two outputs into the inputs of
 * a keyed co-process function, the third to a subscriber of its own, in every arrangement. Where
 * the function's inputs are next to each other in the split's order, each watermark reaches both
 * in one call (the valve takes it for both at once while they stand level); elsewhere input after
 * input. Either way what the function sees (the watermark at each record, its timers) and the
 * order of everything against the third output must be what delivering each element to each
 * output in turn gives, with the inputs combined as FLINK_SEMANTICS §2 has it.
 */
interface E {
  /** The output that selects it (`arrangement` says what that output feeds). */
  readonly output: 0 | 1 | 2
  readonly key: 'a' | 'b'
  readonly id: number
  readonly ts: number
}

type Role = 'first input' | 'second input' | 'other subscriber'
const ARRANGEMENTS: readonly (readonly Role[])[] = [
  ['first input', 'second input', 'other subscriber'],
  ['second input', 'first input', 'other subscriber'],
  ['other subscriber', 'first input', 'second input'],
  ['first input', 'other subscriber', 'second input'],
  ['second input', 'other subscriber', 'first input']
]

const describeElement = (e: ds.StreamElement<E>): string =>
  e._tag === 'Record' ? `record ${e.value.id}` : e._tag === 'Watermark' ? `watermark ${e.timestamp}` : e._tag === 'StreamStatus' ? (e.idle ? 'IDLE' : 'ACTIVE') : e._tag

/** The log as the model has it: each element to each output in the split's order. */
function expected(elements: readonly ds.StreamElement<E>[], arrangement: readonly Role[]): string[] {
  const model = new TimerLogModel()
  const log = model.log
  const inputOf = (role: Role): number => (role === 'first input' ? 0 : 1)
  for (const element of elements) {
    arrangement.forEach((role, output) => {
      if (element._tag === 'Record') {
        if (element.value.output !== output) return
        if (role === 'other subscriber') log.push(`other: record ${element.value.id}`)
        else model.record(element.value.id, element.value.key, element.value.ts)
      } else if (role === 'other subscriber') log.push(`other: ${describeElement(element)}`)
      else if (element._tag === 'Watermark') model.inputs.watermark(inputOf(role), element.timestamp)
      else if (element._tag === 'StreamStatus') model.inputs.status(inputOf(role), element.idle)
    })
  }
  // The split's outputs end in their order: an input that ends counts as active at the end of event time.
  for (const role of arrangement) {
    if (role === 'other subscriber') log.push('other: end')
    else model.inputs.end(inputOf(role))
  }
  return log
}

/** The log of the pipeline: splitBy three ways, keyBy both inputs, connectWith(…).keyedProcess, and the other subscriber. */
function actual(elements: readonly ds.StreamElement<E>[], arrangement: readonly Role[]): string[] {
  const log: string[] = []
  const outputs = ds.splitBy(
    from(elements),
    e => e.output === 0,
    e => e.output === 1,
    e => e.output === 2
  )
  const of = (role: Role): ds.DataStream<E> => outputs[arrangement.indexOf(role)]!
  of('other subscriber').subscribe({ next: e => log.push(`other: ${describeElement(e)}`), complete: () => log.push('other: end') })
  loggingCoProcess(
    of('first input').pipe(ds.keyBy(e => e.key)),
    of('second input').pipe(ds.keyBy(e => e.key)),
    log
  ).subscribe()
  return log
}

type Step = { kind: 'record'; output: 0 | 1 | 2; key: 'a' | 'b'; delta: number } | { kind: 'watermark'; back: number } | { kind: 'status'; idle: boolean }
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ output: fc.constantFrom<0 | 1 | 2>(0, 1, 2), key: fc.constantFrom<'a' | 'b'>('a', 'b'), delta: fc.integer({ min: -4, max: 3 }) }).map((r): Step => ({ kind: 'record', ...r })) },
  // Mostly the highest timestamp so far minus a bound, sometimes lower than an earlier watermark.
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 5 }).map((back): Step => ({ kind: 'watermark', back })) },
  { weight: 1, arbitrary: fc.boolean().map((idle): Step => ({ kind: 'status', idle })) }
)
const elementsArb = fc.array(stepArb, { maxLength: 60 }).map(steps => {
  let max = 0
  return steps.map((step, id): ds.StreamElement<E> => {
    if (step.kind === 'watermark') return ds.watermark(max - step.back)
    if (step.kind === 'status') return step.idle ? ds.IDLE : ds.ACTIVE
    const ts = max + step.delta
    max = Math.max(max, ts)
    return ds.streamRecord<E>({ output: step.output, key: step.key, id, ts }, ts)
  })
})

describe("a split's watermarks into both inputs of one operator", () => {
  it('are seen by the operator and by the other outputs as delivering them output after output would, in every arrangement of the outputs (a model of FLINK_SEMANTICS §2)', () => {
    fc.assert(
      fc.property(elementsArb, fc.constantFrom(...ARRANGEMENTS), (elements, arrangement) => {
        expect(normalized(actual(elements, arrangement))).toEqual(normalized(expected(elements, arrangement)))
      }),
      { numRuns: 300 }
    )
  })

  it('go input after input while the inputs are not level (idle, a watermark while idle) and together again once they are', () => {
    const r = (id: number, output: 0 | 1, ts: number): ds.StreamElement<E> => ds.streamRecord<E>({ output, key: 'a', id, ts }, ts)
    const elements: ds.StreamElement<E>[] = [r(0, 0, 10), ds.watermark(5), ds.IDLE, ds.watermark(7), r(1, 1, 12), ds.ACTIVE, ds.watermark(8), r(2, 0, 20), ds.watermark(15), r(3, 1, 30)]
    const log = actual(elements, ARRANGEMENTS[0]!)
    expect(normalized(log)).toEqual([
      'record 0 at -Infinity',
      'other: watermark 5',
      'other: IDLE',
      // Both inputs idle: ignored.
      'other: watermark 7',
      'record 1 at 5',
      'other: ACTIVE',
      'other: watermark 8',
      'record 2 at 8',
      'timer a@10 at 15',
      'timer a@12 at 15',
      'other: watermark 15',
      'record 3 at 15',
      // The first input ends, then the second: the end of event time.
      'timer a@20 at Infinity',
      'timer a@30 at Infinity',
      'other: end'
    ])
    expect(normalized(log)).toEqual(normalized(expected(elements, ARRANGEMENTS[0]!)))
  })

  it('reach a subscriber that comes while the stream runs, and no longer one that has left', () => {
    const source = new Subject<ds.StreamElement<number>>()
    const [even$, odd$] = ds.splitBy(source, n => n % 2 === 0, n => n % 2 === 1)
    const seen: string[] = []
    const log = (who: string) => (e: ds.StreamElement<number>) => seen.push(`${who}: ${e._tag === 'Watermark' ? `watermark ${e.timestamp}` : e._tag === 'Record' ? `record ${e.value}` : e._tag}`)
    const first = even$.subscribe(log('even'))
    odd$.subscribe(log('odd'))
    source.next(ds.watermark(1))
    even$.subscribe(log('even, later'))
    source.next(ds.streamRecord(2, 2))
    source.next(ds.watermark(2))
    first.unsubscribe()
    source.next(ds.watermark(3))
    expect(seen).toEqual([
      'even: watermark 1',
      'odd: watermark 1',
      'even: record 2',
      'even, later: record 2',
      'even: watermark 2',
      'even, later: watermark 2',
      'odd: watermark 2',
      'even, later: watermark 3',
      'odd: watermark 3'
    ])
  })

  it("fail as the operator's error when its watermark rule throws, and nothing after them is processed", () => {
    const elements = [ds.streamRecord({ n: 0, ts: 5 }, 5), ds.watermark(10), ds.streamRecord({ n: 1, ts: 12 }, 12)]
    const [a$, b$] = ds.splitBy(from(elements), e => e.n === 0, e => e.n === 1)
    const boom = new Error('boom')
    const seen: number[] = []
    let failure: unknown
    a$.pipe(
      ds.keyBy(() => 'k'),
      ds.connectWith(b$.pipe(ds.keyBy(() => 'k'))).keyedProcess<{ n: number; ts: number }, never>({
        processElement1: (e, ctx) => {
          seen.push(e.n)
          ctx.timerService().registerEventTimeTimer(e.ts)
        },
        processElement2: e => {
          seen.push(e.n)
        },
        onTimer: () => {
          throw boom
        }
      })
    ).subscribe({ error: (error: unknown) => (failure = error) })
    expect(failure).toBeInstanceOf(ds.UserFunctionError)
    expect((failure as Error).message).toContain('connectWith.keyedProcess: the user function threw while firing the event-time timer at 5')
    expect((failure as Error).cause).toBe(boom)
    expect(seen).toEqual([0])
  })
})

