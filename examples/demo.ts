/**
 * `npm start`: the main job on built-in sample data. Page views (PV) and unique visitors (UV)
 * per page over 5-minute event-time windows, from two sources (web and app) merged, with
 * views that arrive too late for their window sent to a side output. It grows with each
 * capability (state and checkpoints, the browser dashboard, …).
 */
import { from, lastValueFrom, toArray } from 'rxjs'
import * as ds from 'rx-datastream'
import { type PageView, samplePageViews } from './sample-data'

const MAX_DELAY = 2_000
const WINDOW = 5 * 60_000

const views = samplePageViews({ count: 5_000, maxDelay: MAX_DELAY })
const web = views.filter(v => v.device === 'web')
const app = views.filter(v => v.device === 'app')

const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<PageView>(MAX_DELAY).withTimestampAssigner(v => v.ts)
// autoWatermarkInterval 0: event time advances (and windows fire) as the recorded data is replayed.
const enter = (source: PageView[], name: string) => from(source).pipe(ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0, name }))

interface PageStats {
  readonly page: string
  readonly start: number
  readonly pv: number
  readonly uv: number
}

/** PV and UV incrementally: one counter and one set of users per page and window. */
const pvUv: ds.AggregateFunction<PageView, { pv: number; users: Set<string> }, { pv: number; uv: number }> = {
  createAccumulator: () => ({ pv: 0, users: new Set() }),
  add: (view, acc) => {
    acc.pv++
    acc.users.add(view.user)
    return acc
  },
  getResult: acc => ({ pv: acc.pv, uv: acc.users.size }),
  merge: (a, b) => ({ pv: a.pv + b.pv, users: new Set([...a.users, ...b.users]) })
}

const late = new ds.OutputTag<PageView>('late views')

const stats$ = enter(web, 'web views').pipe(
  ds.unionWith(enter(app, 'app views'), { name: 'all views' }),
  ds.keyBy(v => v.page),
  ds.windowBy(ds.tumblingEventTimeWindows(WINDOW), { name: 'pv/uv per page', uid: 'pv-uv' })
    .sideOutputLateData(late)
    .aggregate(pvUv, (page: string, ctx, [r], out: ds.Collector<PageStats>) => out.collect({ page, start: ctx.window.start, ...r! }))
)

const time = (ms: number) => new Date(ms).toISOString().slice(11, 16)

async function main(): Promise<void> {
  const { main$, side } = ds.split(stats$, late)
  const [lateViews, windows] = await Promise.all([
    lastValueFrom(side(late).pipe(ds.values(), toArray())),
    lastValueFrom(main$.pipe(ds.values(), toArray()))
  ])
  console.log(`rx-datastream demo: ${views.length} page views (${web.length} web, ${app.length} app), up to ${MAX_DELAY} ms out of order`)
  console.log(`PV and UV per page, 5-minute event-time windows (UTC):\n`)
  console.log('window         page              PV     UV')
  for (const s of windows) {
    console.log(`${time(s.start)}–${time(s.start + WINDOW)}    ${s.page.padEnd(14)} ${String(s.pv).padStart(5)}  ${String(s.uv).padStart(5)}`)
  }
  const total = windows.reduce((n, s) => n + s.pv, 0)
  console.log(`\n${windows.length} window results, ${total} views counted; ${lateViews.length} views arrived after their window closed (late side output).`)
  if (total + lateViews.length !== views.length) throw new Error(`lost views: ${views.length - total - lateViews.length}`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
