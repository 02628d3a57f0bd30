/**
 * The worked example of docs/process-functions.md ("clicks per user per minute"): the same
 * keyed process function, run through the public API, with its exact output records (values,
 * timestamps, keys), side records and watermarks asserted. A last spec checks that the guide
 * still shows this function verbatim, so the two cannot drift apart.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Subject } from 'rxjs'
import * as t from 'io-ts'
import * as ds from '../../src/index'
import { marbleTest, rec, side, wm } from '../../marbles/index'

// ---- begin: the function of docs/process-functions.md, verbatim ----
interface Click { readonly user: string; readonly page: string }
type ClicksPerMinute = readonly [user: string, count: number, minuteEnd: number]

const MINUTE = 60_000
const counts = ds.mapState('counts', t.number, t.number) // minute end → clicks in that minute
const late = new ds.OutputTag<Click>('late')

const clicksPerMinute: ds.KeyedProcessFunction<string, Click, ClicksPerMinute> = {
  processElement: (click, ctx) => {
    const ts = ctx.timestamp()
    if (ts === null) throw new Error('clicks need event timestamps')
    const minuteEnd = Math.floor(ts / MINUTE) * MINUTE + MINUTE
    const timers = ctx.timerService()
    if (minuteEnd - 1 <= timers.currentWatermark()) {
      ctx.output(late, click) // this minute was reported already
      return
    }
    const perMinute = ctx.state(counts)
    perMinute.put(minuteEnd, (perMinute.get(minuteEnd) ?? 0) + 1)
    timers.registerEventTimeTimer(minuteEnd - 1) // one timer per user and minute, however many clicks
  },
  onTimer: (time, ctx, out) => {
    const minuteEnd = time + 1
    const perMinute = ctx.state(counts)
    out.collect([ctx.getCurrentKey(), perMinute.get(minuteEnd) ?? 0, minuteEnd])
    perMinute.remove(minuteEnd) // the minute is complete: forget it
  },
}
// ---- end ----

const click = (user: string, page: string, timestamp: number): ds.StreamRecord<Click> => rec({ user, page }, timestamp)
/** A result as the operator emits it: stamped with the minute's last millisecond, keyed by user. */
const result = (user: string, count: number, minuteEnd: number): ds.StreamRecord<ClicksPerMinute, string> =>
  rec<ClicksPerMinute, string>([user, count, minuteEnd], minuteEnd - 1, user)

const pipeline = (input$: ds.DataStream<Click>) => input$.pipe(ds.keyBy(c => c.user), ds.keyedProcess(clicksPerMinute))

describe('docs: the worked example of process-functions.md (clicks per user per minute)', () => {
  it('emits each minute\'s count per user before the watermark that completes it, late clicks to the side output', () => {
    marbleTest(({ cold, expectStream }) => {
      const input = cold<ds.StreamElement<Click>>('abcdW-----efX-----g|', {
        a: click('ann', '/home', 10_000),
        b: click('bob', '/home', 20_000),
        c: click('ann', '/docs', 65_000),
        d: click('ann', '/blog', 55_000),
        W: wm(59_999),
        e: click('bob', '/docs', 30_000),
        f: click('bob', '/blog', 100_000),
        X: wm(119_999),
        g: click('ann', '/home', 130_000)
      })
      expectStream(pipeline(input)).toBe('----(pqW)-l-(rsX)--(tZ|)', {
        p: result('ann', 2, 60_000),
        q: result('bob', 1, 60_000),
        W: wm(59_999),
        l: side(late, { user: 'bob', page: '/docs' }, 30_000),
        r: result('ann', 1, 120_000),
        s: result('bob', 1, 120_000),
        X: wm(119_999),
        t: result('ann', 1, 180_000),
        Z: wm(Infinity)
      })
    })
  })

  it('emits nothing until a watermark completes a minute, and keeps no state for completed minutes', () => {
    const input$ = new Subject<ds.StreamElement<Click>>()
    const out: Array<ds.StreamElement<ClicksPerMinute, string>> = []
    let completed = false
    pipeline(input$).subscribe({ next: e => out.push(e), complete: () => (completed = true) })

    input$.next(click('ann', '/home', 10_000))
    input$.next(click('ann', '/docs', 20_000))
    input$.next(click('ann', '/blog', 70_000))
    input$.next(wm(59_998)) // one millisecond short of the minute
    expect(out).toEqual([wm(59_998)])

    input$.next(wm(59_999))
    expect(out.slice(1)).toEqual([result('ann', 2, 60_000), wm(59_999)])

    // A click of the reported minute goes to the side output and does not resurrect the minute.
    input$.next(click('ann', '/late', 59_999))
    input$.next(wm(119_999))
    expect(out.slice(3)).toEqual([side(late, { user: 'ann', page: '/late' }, 59_999), result('ann', 1, 120_000), wm(119_999)])

    input$.complete()
    expect(out.slice(6)).toEqual([wm(Infinity)])
    expect(completed).toBe(true)
  })

  it('fails with a UserFunctionError for a click without a timestamp', () => {
    const errors: unknown[] = []
    pipeline(ds.fromRecords<Click>([{ value: { user: 'ann', page: '/' } }])).subscribe({ error: (e: unknown) => errors.push(e) })
    expect(errors.length).toBe(1)
    expect(errors[0]).toBeInstanceOf(ds.UserFunctionError)
    expect((errors[0] as ds.UserFunctionError).message).toContain('clicks need event timestamps')
  })

  it('is shown verbatim in docs/process-functions.md', () => {
    const root = resolve(__dirname, '../../..') // compiled into .build/spec/docs
    const source = readFileSync(resolve(root, 'spec/docs/worked-example.spec.ts'), 'utf8')
    const begin = source.indexOf('// ---- begin: the function of docs/process-functions.md, verbatim ----\n')
    const end = source.indexOf('// ---- end ----')
    expect(begin).toBeGreaterThanOrEqual(0)
    expect(end).toBeGreaterThan(begin)
    const fn = source.slice(source.indexOf('\n', begin) + 1, end).trim()
    const guide = readFileSync(resolve(root, 'docs/process-functions.md'), 'utf8')
    expect(guide.includes(fn)).withContext('the worked example in docs/process-functions.md differs from this spec\'s copy').toBe(true)
  })
})
