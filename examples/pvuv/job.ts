/**
 * The PV/UV job: what a product analytics page shows, from a stream of clicks.
 *
 * - per page and window (a minute by default): page views (PV) and unique visitors (UV),
 *   counted exactly (each window keeps its set of users in keyed state) or approximately (a
 *   HyperLogLog sketch per window: bounded memory, 0.81 % standard error);
 * - every minute, the ten most viewed pages of the last ten minutes (a sliding window per page,
 *   then the top ten across pages);
 * - visitor sessions: a user's views until 30 minutes pass without one (session windows);
 * - late clicks, which arrive after their window has fired: to a side output, reported.
 *
 * The same function runs in Node (`npm start`) and in the browser dashboard; only the source
 * and the store differ.
 */
import * as t from 'io-ts'
import type { Observable } from 'rxjs'
import * as ds from 'rx-datastream'
import type { Click } from './clickstream'

export interface PvUvOptions {
  /** The PV/UV window, ms (default a minute). */
  readonly window?: number
  /** How far out of order clicks arrive, ms (the watermark's allowance; default 5 s). */
  readonly outOfOrderness?: number
  /**
   * Early PV/UV results while a window is open, every this many ms of processing time (the
   * dashboard's running counts); default none: one result per window, when it closes.
   */
  readonly earlyFirings?: number
  /**
   * How UV is counted (default `'exact'`): a set of users per page and window, or a HyperLogLog
   * sketch (`ds.approximateDistinctCount`, precision {@link UV_PRECISION}), whose memory and
   * checkpoints stay small however many users there are. The two keep different state, under
   * different uids: a run restores only checkpoints taken with the same choice.
   */
  readonly uv?: 'exact' | 'approximate'
}

export const MINUTE = 60_000
export const TOP_WINDOW = 10 * MINUTE
export const TOP_SLIDE = MINUTE
export const TOP_N = 10
export const SESSION_GAP = 30 * MINUTE

/** What the job emits: one kind of result each. */
export type PvUvResult =
  | {
      readonly kind: 'pv-uv'
      readonly page: string
      readonly start: number
      readonly end: number
      readonly pv: number
      readonly uv: number
      /** Which firing of the window this is: `'EARLY'` counts are running ones, the `'ON_TIME'` one is final. */
      readonly timing: ds.PaneTiming
    }
  | { readonly kind: 'top-pages'; readonly start: number; readonly end: number; readonly pages: ReadonlyArray<{ readonly page: string; readonly pv: number }> }
  | { readonly kind: 'session'; readonly user: string; readonly start: number; readonly end: number; readonly views: number }
  | { readonly kind: 'late'; readonly click: Click }

/** PV and the set of users of one page in one window: the set is JSON as a sorted list in checkpoints. */
interface Views {
  pv: number
  readonly users: Set<string>
}

const ViewsJson = t.type({ pv: t.number, users: t.array(t.string) })
const ViewsCodec = new t.Type<Views, t.TypeOf<typeof ViewsJson>, unknown>(
  'Views',
  (u): u is Views => typeof u === 'object' && u !== null && (u as Partial<Views>).users instanceof Set,
  (u, c) => {
    const json = ViewsJson.validate(u, c)
    return json._tag === 'Left' ? json : t.success({ pv: json.right.pv, users: new Set(json.right.users) })
  },
  v => ({ pv: v.pv, users: [...v.users].sort() })
)

/** Exact PV and UV: the accumulator keeps every user once. */
export const pvUv: ds.AggregateFunction<Click, Views, { pv: number; uv: number }> = {
  createAccumulator: () => ({ pv: 0, users: new Set() }),
  add: (click, acc) => {
    acc.pv++
    acc.users.add(click.user)
    return acc
  },
  getResult: acc => ({ pv: acc.pv, uv: acc.users.size }),
  merge: (a, b) => ({ pv: a.pv + b.pv, users: new Set([...a.users, ...b.users]) }),
  accumulatorCodec: ViewsCodec
}

/** The precision of the approximate UV's sketches: 2^14 registers, 0.81 % standard error. */
export const UV_PRECISION = 14

/**
 * The relative standard error of the approximate UV, `1.04 / √(2^precision)`: 99.7 % of
 * estimates are within three times it of the exact count, and small counts (up to 3,072
 * distinct users per window at precision 14) are exact or nearly.
 */
export const UV_STANDARD_ERROR = 1.04 / Math.sqrt(2 ** UV_PRECISION)

const visitors = ds.approximateDistinctCount((c: Click) => c.user, { precision: UV_PRECISION })

/** PV and a sketch of the users of one page in one window: the sketch is a short string in checkpoints. */
interface SketchedViews {
  pv: number
  readonly users: ds.HyperLogLog
}

/**
 * PV exactly, UV approximately: a count beside a HyperLogLog sketch (what `uv: 'approximate'`
 * aggregates per page and window).
 *
 * @example
 * keyed$.pipe(ds.windowBy(ds.tumblingEventTimeWindows(MINUTE)).aggregate(pvApproximateUv)) // { pv, uv } per page
 */
export const pvApproximateUv: ds.AggregateFunction<Click, SketchedViews, { pv: number; uv: number }> = {
  createAccumulator: () => ({ pv: 0, users: visitors.createAccumulator() }),
  add: (click, acc) => {
    acc.pv++
    visitors.add(click, acc.users)
    return acc
  },
  getResult: acc => ({ pv: acc.pv, uv: visitors.getResult(acc.users) }),
  merge: (a, b) => ({ pv: a.pv + b.pv, users: visitors.merge(a.users, b.users) }),
  accumulatorCodec: t.type({ pv: t.number, users: visitors.accumulatorCodec })
}

const count: ds.AggregateFunction<Click, number, number> = {
  createAccumulator: () => 0,
  add: (_click, n) => n + 1,
  getResult: n => n,
  merge: (a, b) => a + b
}

/** A session: its first and last view and how many. */
interface SessionAcc {
  readonly first: number
  readonly last: number
  readonly views: number
}

const sessionViews: ds.AggregateFunction<Click, SessionAcc | null, SessionAcc | null> = {
  createAccumulator: () => null,
  add: (click, acc) => (acc === null ? { first: click.ts, last: click.ts, views: 1 } : { first: Math.min(acc.first, click.ts), last: Math.max(acc.last, click.ts), views: acc.views + 1 }),
  getResult: acc => acc,
  merge: (a, b) => (a === null ? b : b === null ? a : { first: Math.min(a.first, b.first), last: Math.max(a.last, b.last), views: a.views + b.views })
}

export const lateClicks = new ds.OutputTag<Click>('late clicks')

/**
 * The job's pipeline over plain clicks from a job source (`env.fromSource`, `env.fromArray`):
 * every operator has a uid, so checkpoints and savepoints find their state. The results of its
 * four parts come out as one DataStream (`unionWith` keeps event time right across them), to
 * pipe into a sink or out with `ds.values()`.
 */
export function pvUvJob(clicks$: Observable<Click>, { window = MINUTE, outOfOrderness = 5_000, earlyFirings, uv = 'exact' }: PvUvOptions = {}): ds.DataStream<PvUvResult> {
  const timed = clicks$.pipe(
    // A watermark after every click: replaying a recording gives the same results every run
    // (periodic watermarks would depend on how fast it is read).
    ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<Click>(outOfOrderness).withTimestampAssigner(c => c.ts), { uid: 'timestamps', autoWatermarkInterval: 0 })
  )
  // One subscription feeds three branches.
  const [forPvUv, forTop, forSessions] = ds.splitBy(
    timed,
    () => true,
    () => true,
    () => true
  )

  const perPageWindows = (options: { readonly uid: string; readonly name: string }) => {
    const windows = ds.windowBy(ds.tumblingEventTimeWindows(window), options).sideOutputLateData(lateClicks)
    return earlyFirings === undefined ? windows : windows.earlyFirings(earlyFirings)
  }
  const perPage = forPvUv!.pipe(
    ds.keyBy(c => c.page, { uid: 'by-page' }),
    uv === 'exact'
      ? perPageWindows({ uid: 'pv-uv', name: 'PV/UV per page' }).aggregate(pvUv, pvUvResult)
      : perPageWindows({ uid: 'pv-uv-approximate', name: 'PV/approximate UV per page' }).aggregate(pvApproximateUv, pvUvResult)
  )
  const { main$: pvUv$, side } = ds.split(perPage, lateClicks)
  const late$ = side(lateClicks).pipe(ds.mapValues((click: Click): PvUvResult => ({ kind: 'late', click }), { uid: 'late' }))

  const top$ = forTop!.pipe(
    ds.keyBy(c => c.page, { uid: 'by-page-top' }),
    ds
      .windowBy(ds.slidingEventTimeWindows(TOP_WINDOW, TOP_SLIDE), { uid: 'views-10-min', name: 'views per page, 10 min' })
      .aggregate(count, (page: string, ctx, [pv], out: ds.Collector<{ page: string; pv: number; end: number }>) => out.collect({ page, pv: pv!, end: ctx.window.end })),
    // Each sliding window's results carry its end − 1 as timestamp: one tumbling window of the slide gathers them.
    ds.windowAll(ds.tumblingEventTimeWindows(TOP_SLIDE), { uid: 'top-pages', name: 'top 10 pages' }).process<{ page: string; pv: number; end: number }, PvUvResult>((_key, ctx, counts, out) => {
      const pages = [...counts].sort((a, b) => b.pv - a.pv || (a.page < b.page ? -1 : 1)).slice(0, TOP_N)
      out.collect({ kind: 'top-pages', start: ctx.window.end - TOP_WINDOW, end: ctx.window.end, pages: pages.map(({ page, pv }) => ({ page, pv })) })
    })
  )

  const sessions$ = forSessions!.pipe(
    ds.keyBy(c => c.user, { uid: 'by-user' }),
    ds
      .windowBy(ds.eventTimeSessionWindows<Click>(SESSION_GAP), { uid: 'sessions', name: 'sessions per user' })
      .aggregate(sessionViews, (user: string, _ctx, [s], out: ds.Collector<PvUvResult>) => {
        if (s != null) out.collect({ kind: 'session', user, start: s.first, end: s.last, views: s.views })
      })
  )

  return pvUv$.pipe(ds.unionWith(late$, top$, sessions$, { uid: 'all-results' }))
}

/** A PV/UV result of a page's window, as the window's aggregate gave it. */
function pvUvResult(page: string, ctx: ds.ProcessWindowContext, [r]: readonly { pv: number; uv: number }[], out: ds.Collector<PvUvResult>): void {
  out.collect({ kind: 'pv-uv', page, start: ctx.window.start, end: ctx.window.end, ...r!, timing: ctx.pane.timing })
}
