/**
 * Chains of `filterValues` and `mapValues` run fused give exactly what the same operators give
 * apart (an RxJS `map` between each pair), failures included, each failure naming its own
 * operator and the record as that operator received it. A filter writing to a filter hands its
 * records to a copy of the next one's `record` (operators/filter-values.ts), which these cover.
 */
import fc from 'fast-check'
import { Observable, Subject } from 'rxjs'
import * as ds from '../../src/index'
import { apart, expectSameReleaseOrder, expectSameSync, fused, type Gap } from '../support/fusion'

/** A stage of the run: a filter or a map, and the value that makes it throw. */
interface StageSpec {
  readonly filter: boolean
  readonly fault: number | undefined
}

/** The stages, each named `s<i>` and logging its calls, with `gap` between each pair. */
function run(source: Observable<number>, stages: readonly StageSpec[], gap: Gap, log: string[]): Observable<ds.StreamElement<number>> {
  let stream = source.pipe(ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner(v => v), { autoWatermarkInterval: 0 }))
  stages.forEach((stage, i) => {
    const call = (v: number): void => {
      log.push(`s${i} ${v}`)
      if (v === stage.fault) throw new Error(`s${i} fails on ${v}`)
    }
    const name = { name: `s${i}` }
    stream = gap(stream).pipe(
      stage.filter
        ? ds.filterValues((v: number) => {
            call(v)
            return (v + i) % 3 !== 0
          }, name)
        : ds.mapValues((v: number) => {
            call(v)
            return v + 1
          }, name)
    )
  })
  return stream
}

const sourceOf = (values: readonly number[]): Observable<number> =>
  new Observable<number>(subscriber => {
    for (const v of values) {
      if (subscriber.closed) return
      subscriber.next(v)
    }
    subscriber.complete()
  })

const stageArb = fc.record({ filter: fc.boolean(), fault: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }) })

describe('chains of filterValues and mapValues', () => {
  it('property: fused and apart, the same elements, error (naming the stage that threw), completion, calls and release order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 25 }), { maxLength: 20 }), fc.array(stageArb, { minLength: 1, maxLength: 9 }), (values, stages) => {
        expectSameSync((gap, log) => run(sourceOf([...values].sort((a, b) => a - b)), stages, gap, log))
        expectSameReleaseOrder([], (_source, gap, log) => run(sourceOf(values), stages, gap, log))
      }),
      { numRuns: 300 }
    )
  })

  it('names the stage that threw and the record as it received it', () => {
    const stages: StageSpec[] = [
      { filter: false, fault: undefined },
      { filter: true, fault: undefined },
      { filter: true, fault: 4 }
    ]
    const failure = expectSameSync((gap, log) => run(sourceOf([1, 2, 3]), stages, gap, log)).error
    // 3 → s0: 4 → s1 keeps it ((4 + 1) % 3 ≠ 0) → s2, a filter after a filter, throws on 4
    expect(failure).toContain('UserFunctionError')
    expect(failure).toContain('s2')
    expect(failure).toContain('value 4, timestamp 3')
  })

  it('stops where the next operator would when a stage closes the subscription', () => {
    const logs = [fused, apart].map(gap => {
      const log: string[] = []
      const source = new Subject<number>()
      let stop: (() => void) | undefined
      const subscription = source
        .pipe(
          ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner(v => v)),
          ds.filterValues((v: number) => {
            log.push(`first ${v}`)
            // The first stage's function ends the subscription while it runs.
            if (v === 7) stop?.()
            return true
          }),
          gap,
          ds.filterValues((v: number) => {
            log.push(`second ${v}`)
            return true
          }),
          ds.values()
        )
        .subscribe(v => log.push(`out ${v}`))
      stop = () => subscription.unsubscribe()
      source.next(6)
      source.next(7)
      source.next(8)
      return log
    })
    expect(logs[0]).toEqual(logs[1]!)
    expect(logs[0]).toEqual(['first 6', 'second 6', 'out 6', 'first 7'])
  })
})
