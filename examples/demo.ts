/**
 * `npm start`: the main job on built-in sample data. It grows with each capability; for now:
 * event time and watermarks, keys, a union of two sources, side outputs for late and invalid
 * records, and a per-page summary of page views (PV) and unique visitors (UV).
 */
import { from, lastValueFrom, reduce, share } from 'rxjs'
import * as ds from 'rx-datastream'
import { type PageView, samplePageViews } from './sample-data'

const MAX_DELAY = 2_000
const views = samplePageViews({ count: 5_000, maxDelay: MAX_DELAY })
const web = views.filter(v => v.device === 'web')
const app = views.filter(v => v.device === 'app')

const strategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<PageView>(MAX_DELAY).withTimestampAssigner(v => v.ts)
// autoWatermarkInterval 0: event time advances as the recorded data is replayed.
const enter = (source: PageView[], name: string) =>
  from(source).pipe(ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 0, name }))

const late = new ds.OutputTag<PageView>('late')

const classified$ = enter(web, 'web views').pipe(
  ds.unionWith(enter(app, 'app views'), { name: 'all views' }),
  ds.keyBy(v => v.page),
  // A record is late when its timestamp is at or below the watermark it arrives behind.
  ds.processElements<PageView, PageView, string>({
    processElement: (view, ctx, out) => (view.ts <= ctx.currentWatermark() ? ctx.output(late, view) : out.collect(view))
  }, { name: 'split late views' }),
  share()
)

interface PageStats {
  pv: number
  users: Set<string>
}

async function main(): Promise<void> {
  const { main$, side } = ds.split(classified$, late)
  const lateViews = lastValueFrom(side(late).pipe(ds.values(), reduce((n: number) => n + 1, 0)))
  const watermarks = lastValueFrom(
    main$.pipe(
      ds.records(),
      reduce((stats: Map<string, PageStats>, r) => {
        const s = stats.get(r.key) ?? { pv: 0, users: new Set<string>() }
        s.pv++
        s.users.add(r.value.user)
        return stats.set(r.key, s)
      }, new Map<string, PageStats>())
    )
  )
  const [stats, lateCount] = await Promise.all([watermarks, lateViews])
  console.log(`rx-datastream demo: ${views.length} page views (${web.length} web, ${app.length} app), up to ${MAX_DELAY} ms out of order\n`)
  console.log('page              PV     UV')
  for (const [page, s] of [...stats].sort((a, b) => b[1].pv - a[1].pv)) {
    console.log(`${page.padEnd(14)} ${String(s.pv).padStart(5)}  ${String(s.users.size).padStart(5)}`)
  }
  console.log(`\n${lateCount} views arrived behind the watermark and went to the 'late' side output.`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
