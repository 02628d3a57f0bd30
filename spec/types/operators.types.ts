/**
 * Type-level specs: compiled by `tsc` as part of `npm test`; an `@ts-expect-error` that no
 * longer errors fails the build, so these pin what the types accept and reject.
 */
import { from, type Observable } from 'rxjs'
import * as ds from '../../src/index'

interface Click {
  user: string
  page: string
  ts: number
}
declare const clicks$: Observable<Click>
declare const stream$: ds.DataStream<Click>

type Equals<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false
const assertType = <T extends true>(_?: T): void => undefined

// ---- entering and leaving ----
const entered = clicks$.pipe(
  ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<Click>(5).withTimestampAssigner(c => c.ts))
)
assertType<Equals<typeof entered, Observable<ds.StreamElement<Click>>>>()

// @ts-expect-error a strategy for another type does not fit
clicks$.pipe(ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forMonotonousTimestamps<number>()))

// @ts-expect-error the timestamp assigner must return a number
ds.WatermarkStrategy.forMonotonousTimestamps<Click>().withTimestampAssigner(c => c.page)

const vals = stream$.pipe(ds.values())
assertType<Equals<typeof vals, Observable<Click>>>()
const recs = stream$.pipe(ds.records())
assertType<Equals<typeof recs, Observable<ds.StreamRecord<Click, never>>>>()

// ---- transforms keep keys ----
const keyed = stream$.pipe(ds.keyBy(c => c.page))
assertType<Equals<typeof keyed, Observable<ds.StreamElement<Click, string>>>>()
const composite = stream$.pipe(ds.keyBy(c => [c.page, c.user.length] as const))
assertType<Equals<typeof composite, Observable<ds.StreamElement<Click, readonly [string, number]>>>>()
const mappedKeyed = keyed.pipe(ds.mapValues(c => c.ts))
assertType<Equals<typeof mappedKeyed, Observable<ds.StreamElement<number, string>>>>()

// @ts-expect-error keys are primitives or arrays of primitives, not objects
stream$.pipe(ds.keyBy(c => ({ page: c.page })))

// @ts-expect-error nor dates
stream$.pipe(ds.keyBy(() => new Date()))

const narrowed = from([ds.streamRecord<string | number>(1, 0)]).pipe(ds.filterValues((v): v is number => typeof v === 'number'))
assertType<Equals<typeof narrowed, Observable<ds.StreamElement<number, never>>>>()

const words = stream$.pipe(ds.flatMapValues(c => c.page.split('/')))
assertType<Equals<typeof words, Observable<ds.StreamElement<string, never>>>>()

// @ts-expect-error flatMapValues needs an iterable
stream$.pipe(ds.flatMapValues(c => c.ts))

// ---- side outputs ----
const late = new ds.OutputTag<Click>('late')
const side = stream$.pipe(ds.sideOutput(late))
assertType<Equals<typeof side, Observable<ds.StreamElement<Click>>>>()
const { main$ } = ds.split(keyed, late)
assertType<Equals<typeof main$, Observable<ds.StreamElement<Click, string>>>>()

// ---- multiple inputs ----
const unioned = stream$.pipe(ds.unionWith(ds.fromRecords<number>([])))
assertType<Equals<typeof unioned, Observable<ds.StreamElement<Click | number>>>>()
const coMapped = stream$.pipe(ds.connectWith(ds.fromRecords<number>([])).map((c: Click) => c.page, n => String(n)))
assertType<Equals<typeof coMapped, Observable<ds.StreamElement<string>>>>()

// ---- process functions ----
const processed = stream$.pipe(
  ds.processElements<Click, number>({
    processElement: (c, ctx, out) => {
      const ts: number | null = ctx.timestamp()
      out.collect(ts ?? c.ts)
      ctx.output(late, c)
      // @ts-expect-error side output values must match the tag's type
      ctx.output(late, 42)
    }
  })
)
assertType<Equals<typeof processed, Observable<ds.StreamElement<number>>>>()

// ---- windows ----
// one spelling for time domains: Flink's, for timers and assigners alike
assertType<Equals<ds.TimeDomain, 'EVENT_TIME' | 'PROCESSING_TIME'>>()
assertType<Equals<ds.WindowAssigner<Click>['timeDomain'], ds.TimeDomain | 'GLOBAL'>>()
assertType<Equals<ReturnType<ds.OnTimerContext<string>['timeDomain']>, ds.TimeDomain>>()

const pageCounts = keyed.pipe(
  ds.windowBy(ds.tumblingEventTimeWindows(10_000)).aggregate({
    createAccumulator: () => 0,
    add: (_c: Click, n: number) => n + 1,
    getResult: (n: number) => n,
    merge: (a: number, b: number) => a + b
  })
)
assertType<Equals<typeof pageCounts, Observable<ds.StreamElement<number, string>>>>()

// the reducer's parameters are inferred from the piped stream
const latest = keyed.pipe(ds.windowBy(ds.tumblingEventTimeWindows(10_000)).reduce((a, b) => (a.ts > b.ts ? a : b)))
assertType<Equals<typeof latest, Observable<ds.StreamElement<Click, string>>>>()

// @ts-expect-error windowBy needs a keyed stream
stream$.pipe(ds.windowBy(ds.tumblingEventTimeWindows(10_000)).reduce((a, b) => (a.ts > b.ts ? a : b)))

const latestOfTen = keyed.pipe(ds.countWindow(10).reduce((a, b) => (a.ts > b.ts ? a : b)))
assertType<Equals<typeof latestOfTen, Observable<ds.StreamElement<Click, string>>>>()

// @ts-expect-error countWindow needs a keyed stream
stream$.pipe(ds.countWindow(10).reduce((a, b) => (a.ts > b.ts ? a : b)))

// windowAll takes any stream and drops keys
const allCounts = keyed.pipe(ds.windowAll(ds.tumblingEventTimeWindows(10_000)).process<Click, number>((_k, _ctx, xs, out) => out.collect(xs.length)))
assertType<Equals<typeof allCounts, Observable<ds.StreamElement<number>>>>()

// @ts-expect-error a window function's results must match the collector
keyed.pipe(ds.windowBy(ds.tumblingEventTimeWindows(1)).process<Click, number, string>((_k, _ctx, _xs, out) => out.collect('x')))

// pane information: ctx.pane in process window functions; withPaneInfo() wraps each result,
// and inference from the piped stream is unchanged (also after earlyFirings)
assertType<Equals<ds.ProcessWindowContext['pane'], ds.PaneInfo>>()
assertType<Equals<ds.PaneInfo['timing'], ds.PaneTiming>>()
assertType<Equals<ds.PaneTiming, 'EARLY' | 'ON_TIME' | 'LATE'>>()
const livePageCounts = keyed.pipe(
  ds
    .windowBy(ds.tumblingEventTimeWindows(10_000))
    .earlyFirings(1_000)
    .allowedLateness(5_000)
    .withPaneInfo()
    .aggregate({
      createAccumulator: () => 0,
      add: (_c: Click, n: number) => n + 1,
      getResult: (n: number) => n,
      merge: (a: number, b: number) => a + b
    })
)
assertType<Equals<typeof livePageCounts, Observable<ds.StreamElement<ds.WindowResult<number>, string>>>>()
const latestWithPane = keyed.pipe(ds.windowBy(ds.tumblingEventTimeWindows(10_000)).withPaneInfo().reduce((a, b) => (a.ts > b.ts ? a : b)))
assertType<Equals<typeof latestWithPane, Observable<ds.StreamElement<ds.WindowResult<Click>, string>>>>()
const sizesWithPane = keyed.pipe(ds.windowAll(ds.tumblingEventTimeWindows(10_000)).withPaneInfo().process<Click, number>((_k, ctx, xs, out) => out.collect(ctx.pane.index + xs.length)))
assertType<Equals<typeof sizesWithPane, Observable<ds.StreamElement<ds.WindowResult<number>>>>>()

// ---- keyed process functions ----
// one guard for every keyed operator: nothing required of a keyed stream, a named property of one without keys
assertType<Equals<ds.NeedsKeys<string>, unknown>>()
assertType<Equals<ds.NeedsKeys<never>, { readonly 'needs a keyed stream: apply keyBy first': true }>>()

const counted = stream$.pipe(
  ds.keyBy(c => c.user),
  ds.keyedProcess<string, Click, number>({ processElement: (_c, _ctx, out) => out.collect(1) })
)
assertType<Equals<typeof counted, Observable<ds.StreamElement<number, string>>>>()

// @ts-expect-error keyedProcess needs a keyed stream
stream$.pipe(ds.keyedProcess<string, Click, number>({ processElement: (_c, _ctx, out) => out.collect(1) }))

// connected keyed streams: both inputs keyed by the same key type; the output is keyed by it
declare const keyedNumbers$: ds.KeyedStream<string, number>
const coCounted = keyed.pipe(
  ds.connectWith(keyedNumbers$).keyedProcess<Click, string>({
    processElement1: (c, _ctx, out) => out.collect(c.page),
    processElement2: (n, _ctx, out) => out.collect(String(n))
  })
)
assertType<Equals<typeof coCounted, Observable<ds.StreamElement<string, string>>>>()

// @ts-expect-error connectWith(…).keyedProcess needs a keyed left input
stream$.pipe(ds.connectWith(keyedNumbers$).keyedProcess<Click, string>({ processElement1: (c, _ctx, out) => out.collect(c.page), processElement2: () => {} }))

// @ts-expect-error connectWith(…).keyedProcess needs a keyed right input
keyed.pipe(ds.connectWith(ds.fromRecords<number>([])).keyedProcess<Click, string>({ processElement1: (c, _ctx, out) => out.collect(c.page), processElement2: () => {} }))

// a keyed stream connected to a broadcast stream
declare const limits: ds.MapStateDescriptor<string, number>
const rules = ds.broadcast(ds.fromRecords<[string, number]>([]), limits)
const checked = keyed.pipe(
  ds.connectWith(rules).keyedProcess<string, Click, string>({
    processElement: (c, _ctx, out) => out.collect(c.page),
    processBroadcastElement: () => {}
  })
)
assertType<Equals<typeof checked, Observable<ds.StreamElement<string, string>>>>()

// @ts-expect-error connectWith(broadcast).keyedProcess needs a keyed stream
stream$.pipe(ds.connectWith(rules).keyedProcess<string, Click, string>({ processElement: (c, _ctx, out) => out.collect(c.page), processBroadcastElement: () => {} }))

// ---- joins ----
interface Payment {
  user: string
  amount: number
}
declare const payments$: ds.DataStream<Payment>
const keyedPayments = payments$.pipe(ds.keyBy(p => p.user))

// window joins take any streams: the key comes from where/equalTo, and keys the output
const windowJoined = stream$.pipe(
  ds
    .joinWith(payments$)
    .where((c: Click) => c.user)
    .equalTo(p => p.user)
    .window(ds.tumblingEventTimeWindows(1_000))
    .apply((c, p) => `${c.page} ${p.amount}`)
)
assertType<Equals<typeof windowJoined, Observable<ds.StreamElement<string, string>>>>()
const coGrouped = keyed.pipe(
  ds
    .coGroupWith(keyedPayments)
    .where((c: Click) => c.user)
    .equalTo(p => p.user)
    .window(ds.eventTimeSessionWindows(1_000))
    .apply<number>((cs, ps, out) => out.collect(cs.length + ps.length))
)
assertType<Equals<typeof coGrouped, Observable<ds.StreamElement<number, string>>>>()

// @ts-expect-error both join keys must have the same type
ds.joinWith(payments$).where((c: Click) => c.user).equalTo(p => p.amount)

// @ts-expect-error a coGroup function's results must match the collector
ds.coGroupWith(payments$).where((c: Click) => c.user).equalTo(p => p.user).window(ds.tumblingEventTimeWindows(1)).apply<number>((_cs, _ps, out) => out.collect('x'))

// interval joins: two keyed streams with the same key type; the output is keyed by it
const intervalJoined = keyed.pipe(
  ds
    .intervalJoinWith(keyedPayments)
    .between(-1_000, 1_000)
    .process<Click, { page: string; amount: number; at: number }>((c, p, ctx, out) => out.collect({ page: c.page, amount: p.amount, at: ctx.timestamp() }))
)
assertType<Equals<typeof intervalJoined, Observable<ds.StreamElement<{ page: string; amount: number; at: number }, string>>>>()

// @ts-expect-error the collector takes the declared result type
ds.intervalJoinWith(keyedPayments).between(0, 1).process<Click, number>((_c, _p, _ctx, out) => out.collect('x'))

// @ts-expect-error intervalJoinWith needs a keyed right input
ds.intervalJoinWith(payments$)

// @ts-expect-error intervalJoinWith needs a keyed left input
stream$.pipe(ds.intervalJoinWith(keyedPayments).between(0, 1).process((c: Click, p, _ctx, out) => out.collect(c.ts + p.amount)))

// @ts-expect-error both inputs must be keyed by the same key type
stream$.pipe(ds.keyBy(c => c.ts), ds.intervalJoinWith(keyedPayments).between(0, 1).process((c: Click, _p, _ctx, out) => out.collect(c.ts)))

// @ts-expect-error a late-data side output of the left input must hold left values
keyed.pipe(ds.intervalJoinWith(keyedPayments).between(0, 1).sideOutputLeftLateData(new ds.OutputTag<number>('late')).process((c: Click, _p, _ctx, out) => out.collect(c.ts)))

// @ts-expect-error the right input's late-data side output must hold right values
ds.intervalJoinWith(keyedPayments).between(0, 1).sideOutputRightLateData(new ds.OutputTag<Click>('late'))
