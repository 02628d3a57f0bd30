/**
 * Stateless operators chain like the stateful ones: `mapValues`, `filterValues`,
 * `flatMapValues`, `processElements`, `sideOutput`, `mainOutput` and `asyncWait` run inside
 * the subscription of the chain before them, and a chain of them gives exactly what the same
 * operators give apart (an RxJS `map` between each pair), failures included.
 */
import fc from 'fast-check'
import { map, Observable } from 'rxjs'
import * as ds from '../../src/index'
import { type Click, click, expectSameReleaseOrder, expectSameSync, type Gap } from '../support/fusion'

const odd = new ds.OutputTag<number>('odd')

/** Which value makes which stage throw. */
interface Faults {
  readonly map?: number
  readonly filter?: number
  readonly flatMap?: number
  readonly process?: number
  readonly async?: number
}

/** timestamps → map → filter → flatMap → process (odd values to a side output) → asyncWait → mainOutput, each step logged. */
function pipeline(source: Observable<Click>, gap: Gap, log: string[], faults: Faults): Observable<ds.StreamElement<number>> {
  const fail = (stage: keyof Faults, v: number): void => {
    log.push(`${stage} ${v}`)
    if (faults[stage] === v) throw new Error(`${stage} ${v}`)
  }
  return source.pipe(
    ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<Click>(5).withTimestampAssigner(c => c.ts), { autoWatermarkInterval: 0 }),
    gap,
    ds.mapValues(c => {
      fail('map', c.ts)
      return c.ts
    }),
    gap,
    ds.filterValues(v => {
      fail('filter', v)
      return v % 5 !== 0
    }),
    gap,
    ds.flatMapValues(v => {
      fail('flatMap', v)
      return v % 3 === 0 ? [v, v + 1000] : [v]
    }),
    gap
  ).pipe(
    ds.processElements<number, number>({
      processElement: (v, ctx, out) => {
        fail('process', v)
        if (v % 2 === 1) ctx.output(odd, v)
        else out.collect(v * 2)
      }
    }),
    gap,
    ds.asyncWait<number, number>(v => {
      fail('async', v)
      return [v + 1]
    }),
    gap,
    ds.mainOutput()
  )
}

function clicksOf(timestamps: readonly number[]): Click[] {
  return timestamps.map((ts, i) => click(`c${i}`, 'p', ts))
}

const sourceOf = (clicks: readonly Click[]): Observable<Click> =>
  new Observable<Click>(subscriber => {
    for (const c of clicks) {
      if (subscriber.closed) return
      subscriber.next(c)
    }
    subscriber.complete()
  })

describe('stateless operator fusion', () => {
  it('runs the whole chain in one subscription: only the last operator and the source are subscribed', () => {
    const source = new Observable<Click>(subscriber => {
      subscriber.next(click('a', 'p', 2))
      subscriber.complete()
    })
    const subscribe = spyOn(Observable.prototype, 'subscribe').and.callThrough()
    const elements: ds.StreamElement<number>[] = []
    pipeline(source, s => s, [], {}).subscribe(e => elements.push(e))
    expect(subscribe.calls.count()).toBe(2)
    subscribe.calls.reset()
    pipeline(source, s => s.pipe(map(x => x)), [], {}).subscribe()
    expect(subscribe.calls.count()).toBeGreaterThan(10) // apart: every operator and every map subscribes
    // 2 → 2 → kept → [2] → even: 4 → 5; the watermarks of assignTimestampsAndWatermarks pass through.
    expect(elements).toEqual([ds.streamRecord(5, 2), ds.watermark(-4), ds.MAX_WATERMARK])
  })

  it('property: fused and apart agree on elements, errors, completion, the calls made and the release order', () => {
    const faultArb = fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined })
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 25 }),
        fc.record({ map: faultArb, filter: faultArb, flatMap: faultArb, process: faultArb, async: faultArb }),
        (timestamps, faults) => {
          const clicks = clicksOf(timestamps)
          expectSameSync((gap, log) => pipeline(sourceOf(clicks), gap, log, faults))
          expectSameReleaseOrder(clicks, (source, gap, log) => pipeline(source, gap, log, faults))
        }
      ),
      { numRuns: 150 }
    )
  })
})
