/**
 * The PV/UV job of `npm start` on the recorded sample: its results equal a batch reference
 * computed directly from the clicks, with the job's lateness rule applied click by click (the
 * watermark after each click is the highest timestamp so far minus the allowed disorder, minus
 * 1 ms; a click is late for a window once that window's last millisecond is at or behind the
 * watermark).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as ds from 'rx-datastream'
import type { Click } from '../../examples/pvuv/clickstream'
import { type PvUvResult, pvUvJob, SESSION_GAP, TOP_N, TOP_SLIDE, TOP_WINDOW, UV_STANDARD_ERROR } from '../../examples/pvuv/job'
import { committedResults, paceDelay, parseDuration, parsePace, parseUv, summary } from '../../examples/pvuv/cli'

const SAMPLE = join(__dirname, '../../../examples/pvuv/sample.jsonl')
const OUT_OF_ORDERNESS = 5_000
const WINDOW = 60_000

const clicks: Click[] = readFileSync(SAMPLE, 'utf8')
  .split('\n')
  .filter(line => line !== '')
  .map(line => JSON.parse(line) as Click)

const windowStart = (ts: number, size: number): number => ts - (((ts % size) + size) % size)

/** The results the job must give, computed from the clicks in arrival order. */
function reference(input: readonly Click[]): PvUvResult[] {
  const results: PvUvResult[] = []
  let watermark = -Infinity
  const perWindow = new Map<string, { page: string; start: number; pv: number; users: Set<string> }>()
  const sliding = new Map<number, Map<string, number>>()
  for (const click of input) {
    const start = windowStart(click.ts, WINDOW)
    if (start + WINDOW - 1 <= watermark) results.push({ kind: 'late', click })
    else {
      const key = `${click.page}@${start}`
      const w = perWindow.get(key) ?? { page: click.page, start, pv: 0, users: new Set<string>() }
      w.pv++
      w.users.add(click.user)
      perWindow.set(key, w)
    }
    // Each sliding window of the click judges lateness by itself.
    for (let s = windowStart(click.ts, TOP_SLIDE); s > click.ts - TOP_WINDOW; s -= TOP_SLIDE) {
      if (s + TOP_WINDOW - 1 <= watermark) continue
      const counts = sliding.get(s + TOP_WINDOW) ?? new Map<string, number>()
      counts.set(click.page, (counts.get(click.page) ?? 0) + 1)
      sliding.set(s + TOP_WINDOW, counts)
    }
    watermark = Math.max(watermark, click.ts - OUT_OF_ORDERNESS - 1)
  }
  for (const w of perWindow.values()) results.push({ kind: 'pv-uv', page: w.page, start: w.start, end: w.start + WINDOW, pv: w.pv, uv: w.users.size, timing: 'ON_TIME' })
  for (const [end, counts] of sliding) {
    const pages = [...counts]
      .map(([page, pv]) => ({ page, pv }))
      .sort((a, b) => b.pv - a.pv || (a.page < b.page ? -1 : 1))
      .slice(0, TOP_N)
    results.push({ kind: 'top-pages', start: end - TOP_WINDOW, end, pages })
  }
  // Sessions: no click of the sample is late by half an hour, so every click is in one.
  const byUser = new Map<string, number[]>()
  for (const click of input) byUser.set(click.user, [...(byUser.get(click.user) ?? []), click.ts])
  for (const [user, times] of byUser) {
    times.sort((a, b) => a - b)
    let first = times[0]!
    let views = 0
    times.forEach((ts, i) => {
      if (i > 0 && ts - times[i - 1]! >= SESSION_GAP) {
        results.push({ kind: 'session', user, start: first, end: times[i - 1]!, views })
        first = ts
        views = 0
      }
      views++
    })
    results.push({ kind: 'session', user, start: first, end: times[times.length - 1]!, views })
  }
  return results
}

const sorted = (results: readonly PvUvResult[]): string[] => results.map(r => JSON.stringify(r)).sort()

describe('the PV/UV job on the recorded sample', () => {
  it('gives what a batch computation over the same clicks gives: PV/UV per page and minute, top pages, sessions, late clicks', async () => {
    const job = ds.execute(env => pvUvJob(env.fromArray(clicks, { uid: 'clicks' }), { window: WINDOW, outOfOrderness: OUT_OF_ORDERNESS }).pipe(ds.values()), { onWarning: () => {} })
    const results: PvUvResult[] = []
    job.output$.subscribe(r => results.push(r))
    await job.done
    const expected = reference(clicks)
    expect(results.filter(r => r.kind === 'late').length).withContext('late clicks in the sample').toBeGreaterThan(0)
    for (const kind of ['pv-uv', 'top-pages', 'session', 'late'] as const) {
      expect(sorted(results.filter(r => r.kind === kind))).withContext(kind).toEqual(sorted(expected.filter(r => r.kind === kind)))
    }
  })

  it('with uv: approximate, gives every window a UV within the documented error of the exact one, and all else the same', async () => {
    const run = async (uv: 'exact' | 'approximate'): Promise<PvUvResult[]> => {
      const job = ds.execute(env => pvUvJob(env.fromArray(clicks, { uid: 'clicks' }), { window: WINDOW, outOfOrderness: OUT_OF_ORDERNESS, uv }).pipe(ds.values()), { onWarning: () => {} })
      const results: PvUvResult[] = []
      job.output$.subscribe(r => results.push(r))
      await job.done
      return results
    }
    const [exact, approximate] = [await run('exact'), await run('approximate')]
    const windows = (results: readonly PvUvResult[]) => new Map(results.flatMap(r => (r.kind === 'pv-uv' ? [[`${r.page}@${r.start}`, r] as const] : [])))
    const exactWindows = windows(exact)
    const approximateWindows = windows(approximate)
    expect([...approximateWindows.keys()].sort()).toEqual([...exactWindows.keys()].sort())
    for (const [window, e] of exactWindows) {
      const a = approximateWindows.get(window)! as PvUvResult & { kind: 'pv-uv' }
      expect(a.pv).withContext(`PV of ${window}`).toBe(e.pv)
      // Three standard errors (2.4 % at precision 14); at most 3,072 users a window is exact or nearly: off by one at most.
      expect(Math.abs(a.uv - e.uv)).withContext(`UV of ${window}: ${a.uv}, exactly ${e.uv}`).toBeLessThanOrEqual(Math.max(1, 3 * UV_STANDARD_ERROR * e.uv))
    }
    expect(sorted(approximate.filter(r => r.kind !== 'pv-uv'))).toEqual(sorted(exact.filter(r => r.kind !== 'pv-uv')))
  })

  it('the summary adds up the results', () => {
    const text = summary(reference(clicks))
    const pv = clicks.length - reference(clicks).filter(r => r.kind === 'late').length
    const pvInTable = text
      .split('\n')
      .filter(line => line.startsWith('/'))
      .slice(0, 12)
      .reduce((n, line) => n + Number(line.split(/\s+/)[1]), 0)
    expect(pvInTable).toBe(pv)
    expect(text).toMatch(/Late clicks \(after their window fired, not counted\): \d+/)
  })

  it('paces a run: waits, in steps of 10 ms or more, until a click is due', () => {
    expect(paceDelay(undefined, 0, 1_000, 0)).toBe(0)
    // 1,000 clicks a second: click 500 is due at 500 ms.
    expect(paceDelay(1_000, 0, 500, 100)).toBe(400)
    expect(paceDelay(1_000, 0, 500, 495)).toBe(0)
    expect(paceDelay(1_000, 0, 500, 900)).toBe(0)
  })

  it('reads durations for --window and --checkpoint-interval, --uv and --pace', () => {
    expect([parseDuration('30s'), parseDuration('1m'), parseDuration('2h'), parseDuration('1500')]).toEqual([30_000, 60_000, 7_200_000, 1_500])
    expect(() => parseDuration('soon')).toThrowError(/--window: 'soon' is not a duration/)
    expect(() => parseDuration('0', '--checkpoint-interval')).toThrowError(/--checkpoint-interval: '0' is not a whole positive/)
    expect([parseUv('exact'), parseUv('approximate')]).toEqual(['exact', 'approximate'])
    expect(() => parseUv('roughly')).toThrowError(/--uv: 'roughly' is neither exact nor approximate/)
    expect(parsePace('2500')).toBe(2_500)
    expect(() => parsePace('-1')).toThrowError(/--pace: '-1' is not a positive number/)
    expect(committedResults('/nonexistent/folder')).toEqual([])
  })
})
