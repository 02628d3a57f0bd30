/**
 * `npm start`: the main job on built-in sample data. Page views (PV) and unique visitors (UV)
 * per page over 5-minute event-time windows, from two sources (web and app) merged, with
 * views that arrive too late for their window sent to a side output; and visitor sessions
 * (a session ends after 2 minutes of event time without a view) from a keyed process
 * function with keyed state and event-time timers; the window results enriched with page
 * titles from a (simulated) content service through async I/O; and a pricing → signup funnel
 * from an interval join of each user's views. It grows with each capability (checkpoints, the
 * browser dashboard, …).
 */
import * as t from 'io-ts'
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

const SESSION_GAP = 2 * 60_000

interface Session {
  readonly user: string
  readonly start: number
  readonly views: number
}

const sessionStart = ds.valueState('session start', t.number)
const sessionViews = ds.valueState('session views', t.number, 0)
const lastView = ds.valueState('last view', t.number)

/**
 * Sessions per user: each view moves the session's end timer to `last view + gap`; when the
 * watermark passes it, the session is emitted and the user's state cleared.
 */
const sessions: ds.KeyedProcessFunction<string, PageView, Session> = {
  processElement: (view, ctx, _out) => {
    const timers = ctx.timerService()
    const last = ctx.state(lastView).value()
    if (last !== undefined) timers.deleteEventTimeTimer(last + SESSION_GAP)
    const seen = Math.max(last ?? view.ts, view.ts)
    ctx.state(lastView).update(seen)
    ctx.state(sessionStart).update(Math.min(ctx.state(sessionStart).value() ?? view.ts, view.ts))
    ctx.state(sessionViews).update((ctx.state(sessionViews).value() ?? 0) + 1)
    timers.registerEventTimeTimer(seen + SESSION_GAP)
  },
  onTimer: (_ts, ctx, out) => {
    out.collect({ user: ctx.getCurrentKey(), start: ctx.state(sessionStart).value()!, views: ctx.state(sessionViews).value()! })
    for (const state of [ctx.state(lastView), ctx.state(sessionStart), ctx.state(sessionViews)]) state.clear()
  }
}

const sessions$ = enter(views, 'views').pipe(ds.keyBy(v => v.user), ds.keyedProcess(sessions, { name: 'sessions', uid: 'sessions' }), ds.values())

/** A stand-in for a content service: a page's title after a few ms, as a real lookup would. */
const TITLES: Record<string, string> = {
  '/': 'Home',
  '/pricing': 'Pricing',
  '/docs': 'Docs',
  '/docs/windows': 'Docs: windows',
  '/blog': 'Blog',
  '/signup': 'Sign up'
}
const lookupTitle = (page: string, signal: AbortSignal): Promise<string> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(TITLES[page] ?? page), 1 + (page.length % 3))
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(signal.reason)
    })
  })

const FUNNEL = 10 * 60_000

interface Conversion {
  readonly user: string
  readonly pricingAt: number
  readonly signupAt: number
}

/** Each user's /pricing views joined with their /signup views in the 10 minutes after. */
const conversions$ = enter(views.filter(v => v.page === '/pricing'), 'pricing views').pipe(
  ds.keyBy(v => v.user),
  ds.intervalJoinWith(enter(views.filter(v => v.page === '/signup'), 'signup views').pipe(ds.keyBy(v => v.user)), { name: 'pricing → signup' })
    .between(0, FUNNEL)
    .process((pricing: PageView, signup, _ctx, out: ds.Collector<Conversion>) => out.collect({ user: pricing.user, pricingAt: pricing.ts, signupAt: signup.ts })),
  ds.values()
)

const time = (ms: number) => new Date(ms).toISOString().slice(11, 16)

async function main(): Promise<void> {
  const { main$, side } = ds.split(stats$, late)
  const [lateViews, windows] = await Promise.all([
    lastValueFrom(side(late).pipe(ds.values(), toArray())),
    lastValueFrom(
      main$.pipe(
        // Ordered: the results keep their order (and watermarks their place) while up to 8 lookups run at once.
        ds.asyncWait(async (s: PageStats, { signal }) => ({ ...s, title: await lookupTitle(s.page, signal) }), {
          ordered: true,
          capacity: 8,
          timeout: 1_000,
          name: 'page titles'
        }),
        ds.values(),
        toArray()
      )
    )
  ])
  console.log(`rx-datastream demo: ${views.length} page views (${web.length} web, ${app.length} app), up to ${MAX_DELAY} ms out of order`)
  console.log(`PV and UV per page, 5-minute event-time windows (UTC):\n`)
  console.log('window         page           title             PV     UV')
  for (const s of windows) {
    console.log(`${time(s.start)}–${time(s.start + WINDOW)}    ${s.page.padEnd(14)} ${s.title.padEnd(14)} ${String(s.pv).padStart(5)}  ${String(s.uv).padStart(5)}`)
  }
  const total = windows.reduce((n, s) => n + s.pv, 0)
  console.log(`\n${windows.length} window results, ${total} views counted; ${lateViews.length} views arrived after their window closed (late side output).`)
  if (total + lateViews.length !== views.length) throw new Error(`lost views: ${views.length - total - lateViews.length}`)

  const userSessions = await lastValueFrom(sessions$.pipe(toArray()))
  const longest = userSessions.reduce((a, b) => (b.views > a.views ? b : a))
  const sessionViewCount = userSessions.reduce((n, s) => n + s.views, 0)
  console.log(`\nSessions (a gap of ${SESSION_GAP / 60_000} minutes ends one): ${userSessions.length} sessions of ${new Set(userSessions.map(s => s.user)).size} users,`)
  console.log(`${(sessionViewCount / userSessions.length).toFixed(1)} views per session; the longest: ${longest.user} from ${time(longest.start)}, ${longest.views} views.`)
  if (sessionViewCount !== views.length) throw new Error(`sessions lost views: ${views.length - sessionViewCount}`)

  const funnel = await lastValueFrom(conversions$.pipe(toArray()))
  const converted = new Set(funnel.map(c => c.user))
  const pricingUsers = new Set(views.filter(v => v.page === '/pricing').map(v => v.user))
  const fastest = funnel.reduce((a, b) => (b.signupAt - b.pricingAt < a.signupAt - a.pricingAt ? b : a))
  console.log(`\nFunnel (interval join, /signup within ${FUNNEL / 60_000} minutes after /pricing): ${converted.size} of ${pricingUsers.size} users who saw /pricing`)
  console.log(`signed up in time (${funnel.length} matching pairs); the quickest: ${fastest.user}, ${((fastest.signupAt - fastest.pricingAt) / 1_000).toFixed(0)} s.`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
