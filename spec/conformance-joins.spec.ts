/**
 * Drives the `intervalJoin` and `windowJoin` conformance vectors (spec/fixtures/
 * flink-cases.json, format in the conformance README) through the public join operators:
 * `intervalJoinWith` for the first, `joinWith` and a cross-product `coGroupWith` for the second.
 * Each input of a case is a Subject fed in the case's order; records carry the case's key.
 */
import { type Observable, Subject } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import * as ds from '../src/index'
import { type AssignerSpec, assignerOf, type Case, commonEvent, compareOutcome, conformanceCases, type Json, type Outcome, outputCollector, type Ts, time } from './support/conformance'

type Input = 'left' | 'right'

/** A case's value with its key: window joins select keys from values, as users do. */
interface Keyed {
  readonly key: string
  readonly value: string
}

/**
 * Feeds the case's events (in `events` order) to the two inputs of `op` and collects its
 * output; the operator must not fail.
 */
function drive<L, R, O, K>(
  events: readonly Json[],
  op: (left: Observable<ds.StreamElement<L, K>>, right: Observable<ds.StreamElement<R, K>>) => Observable<ds.StreamElement<O, K>>,
  toValue: { left: (key: K, value: string) => L; right: (key: K, value: string) => R }
): Omit<Outcome, 'style'> {
  const left = new Subject<ds.StreamElement<L, K>>()
  const right = new Subject<ds.StreamElement<R, K>>()
  const output = outputCollector()
  let error: unknown = undefined
  const subscription = op(left, right).subscribe({
    next: output.next,
    error: (e: unknown) => {
      error = e
    }
  })
  for (const event of events) {
    const input = event['input'] as Input
    switch (event['type']) {
      case 'record': {
        const key = event['key'] as K
        const ts = time(event['ts'] as Ts)
        if (input === 'left') left.next(ds.streamRecord(toValue.left(key, event['value'] as string), ts, key))
        else right.next(ds.streamRecord(toValue.right(key, event['value'] as string), ts, key))
        break
      }
      case 'watermark':
        ;(input === 'left' ? left : right).next(ds.watermark(time(event['ts'] as Ts)))
        break
      default:
        commonEvent(event, output.main)
    }
  }
  left.complete()
  right.complete()
  subscription.unsubscribe()
  if (error !== undefined) throw error
  return { main: output.main, side: output.side }
}

/** The case's events, and (when the case says Flink also runs it so) all right-side events first. */
function orders(c: Case): [string, Json[]][] {
  const runs: [string, Json[]][] = [['as listed', c.input]]
  const description = String((c as unknown as { description?: string }).description ?? '')
  if (description.includes('lhs-first and rhs-first')) {
    const rightFirst = [...c.input.filter(e => e['input'] === 'right'), ...c.input.filter(e => e['input'] !== 'right')]
    runs.push(['right side first', rightFirst])
  }
  return runs
}

function intervalJoinCase(c: Case): Outcome[] {
  const config = c.config as {
    lowerBound: number
    upperBound: number
    lowerBoundExclusive: boolean
    upperBoundExclusive: boolean
    function: { name: string }
  }
  if (config.function.name !== 'pair') throw new Error(`unknown function ${config.function.name}`)
  const leftLate = new ds.OutputTag<string>('left_late')
  const rightLate = new ds.OutputTag<string>('right_late')
  const withLateTags = (c.sideOutputs ?? {})['left_late'] !== undefined || (c.sideOutputs ?? {})['right_late'] !== undefined
  return orders(c).map(([style, events]) => ({
    style,
    ...drive<string, string, [string, string], string>(
      events,
      (left, right) => {
        let builder = ds.intervalJoinWith(right).between(config.lowerBound, config.upperBound)
        if (config.lowerBoundExclusive) builder = builder.lowerBoundExclusive()
        if (config.upperBoundExclusive) builder = builder.upperBoundExclusive()
        if (withLateTags) builder = builder.sideOutputLeftLateData(leftLate).sideOutputRightLateData(rightLate)
        return left.pipe(builder.process<string, [string, string]>((l, r, _ctx, out) => out.collect([l, r])))
      },
      { left: (_k, v) => v, right: (_k, v) => v }
    )
  }))
}

function windowJoinCase(c: Case): Outcome[] {
  const config = c.config as { assigner: AssignerSpec; trigger: { type: string } | null; allowedLateness: number; function: { name: string } }
  if (config.trigger !== null) throw new Error('custom triggers are not in the join vectors yet')
  const scheduler = new TestScheduler(() => undefined)
  const assigner = assignerOf<ds.TaggedUnion<Keyed, Keyed>>(config.assigner)
  const toValue = { left: (key: string, value: string): Keyed => ({ key, value }), right: (key: string, value: string): Keyed => ({ key, value }) }
  const byKey = (k: Keyed) => k.key
  type Op = (left: Observable<ds.StreamElement<Keyed, string>>, right: Observable<ds.StreamElement<Keyed, string>>) => Observable<ds.StreamElement<unknown, string>>
  const styles: [string, Op][] = []
  const coGroup = (fn: ds.CoGroupFunction<Keyed, Keyed, unknown>): Op => (left, right) =>
    left.pipe(ds.coGroupWith(right, { scheduler }).where(byKey).equalTo(byKey).window(assigner).allowedLateness(config.allowedLateness).apply(fn))
  switch (config.function.name) {
    case 'pair':
      styles.push([
        'joinWith',
        (left, right) =>
          left.pipe(
            ds.joinWith(right, { scheduler }).where(byKey).equalTo(byKey).window(assigner).allowedLateness(config.allowedLateness).apply((l, r) => [l.value, r.value])
          )
      ])
      styles.push([
        'coGroupWith (cross product)',
        coGroup((ls, rs, out) => {
          for (const l of ls) for (const r of rs) out.collect([l.value, r.value])
        })
      ])
      break
    case 'coGroupValues':
      styles.push(['coGroupWith', coGroup((ls, rs, out) => out.collect({ left: ls.map(l => l.value), right: rs.map(r => r.value) }))])
      break
    default:
      throw new Error(`unknown function ${config.function.name}`)
  }
  return orders(c).flatMap(([order, events]) => styles.map(([style, op]) => ({ style: `${style}, ${order}`, ...drive(events, op, toValue) })))
}

const drivers: Record<string, (c: Case) => Outcome[]> = {
  intervalJoin: intervalJoinCase,
  windowJoin: windowJoinCase
}

describe('Flink conformance vectors: joins', () => {
  const cases = conformanceCases()

  it('has cases of both join kinds', () => {
    for (const kind of Object.keys(drivers)) expect(cases.some(c => c.kind === kind)).withContext(kind).toBeTrue()
  })

  for (const c of cases.filter(c => c.kind in drivers)) {
    it(`${c.kind}: ${c.id}`, () => {
      const outcomes = drivers[c.kind]!(c)
      expect(outcomes.length).toBeGreaterThan(0)
      for (const outcome of outcomes) compareOutcome(c, outcome)
    })
  }
})
