/**
 * Type-level specs of `approximateDistinctCount` and `HyperLogLog`: compiled by `tsc` as part of
 * `npm test`; an `@ts-expect-error` that no longer errors fails the build.
 */
import type { Observable } from 'rxjs'
import * as ds from '../../src/index'

interface Click {
  readonly user: string
  readonly page: string
  readonly at: Date
}
declare const clicks$: ds.KeyedStream<string, Click>
declare const all$: ds.DataStream<Click>

type Equals<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false
const assertType = <T extends true>(_?: T): void => undefined

const uv = ds.approximateDistinctCount((c: Click) => c.user)
assertType<Equals<typeof uv, ds.ApproximateDistinctCount<Click>>>()

// An AggregateFunction: results are numbers, keyed or not.
const perPage$ = clicks$.pipe(ds.windowBy(ds.tumblingEventTimeWindows(10_000)).aggregate(uv))
assertType<Equals<typeof perPage$, Observable<ds.StreamElement<number, string>>>>()
const overall$ = all$.pipe(ds.windowAll(ds.slidingEventTimeWindows(60_000, 10_000)).aggregate(uv))
assertType<Equals<typeof overall$, Observable<ds.StreamElement<number, never>>>>()

// With a process window function, which receives the estimate.
clicks$.pipe(
  ds.windowBy(ds.eventTimeSessionWindows(30_000)).aggregate(uv, (page: string, ctx, [visitors], out: ds.Collector<string>) =>
    out.collect(`${page} ${ctx.window.start}: ${visitors}`)
  )
)

// Its codec is never undefined: it goes to aggregatingState as it is.
const state = ds.aggregatingState('visitors', uv, uv.accumulatorCodec)
assertType<Equals<typeof state, ds.AggregatingStateDescriptor<Click, ds.HyperLogLog, number>>>()
const sketches = ds.valueState('sketch', ds.hyperLogLogCodec)
assertType<Equals<typeof sketches, ds.ValueStateDescriptor<ds.HyperLogLog>>>()

// Keys are strings or numbers.
// @ts-expect-error a Date is not a key
ds.approximateDistinctCount((c: Click) => c.at)
// @ts-expect-error neither is a boolean
ds.approximateDistinctCount((c: Click) => c.user === 'ann')
ds.approximateDistinctCount((c: Click) => c.at.getTime())

// @ts-expect-error the precision is a number
ds.approximateDistinctCount((c: Click) => c.user, { precision: '14' })

// The sketch: values are strings or numbers; merge takes a sketch and returns it.
const sketch = new ds.HyperLogLog(12)
sketch.add('ann')
sketch.add(42)
// @ts-expect-error not a boolean
sketch.add(true)
const merged: ds.HyperLogLog = sketch.merge(new ds.HyperLogLog())
const stored: ds.EncodedHyperLogLog = ds.hyperLogLogCodec.encode(merged)
void stored
// @ts-expect-error the precision is read-only
sketch.precision = 10
