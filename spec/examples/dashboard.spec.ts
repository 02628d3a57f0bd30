/**
 * The dashboard's parts that run the same in Node: its settings, its source, and the model the
 * page draws from (spec/browser/dashboard.spec.ts runs the page itself in Chromium).
 */
import { readConfig, DEFAULTS } from '../../examples/dashboard/config'
import { liveClicks, resultKey } from '../../examples/dashboard/dashboardJob'
import { ResultsModel } from '../../examples/dashboard/model'
import { buildDashboard, serveDashboard } from '../../examples/dashboard/server'
import type { Click } from '../../examples/pvuv/clickstream'
import type { PvUvResult } from '../../examples/pvuv/job'

const pvUv = (page: string, start: number, pv: number, uv: number, timing: 'EARLY' | 'ON_TIME' = 'ON_TIME'): PvUvResult => ({ kind: 'pv-uv', page, start, end: start + 60_000, pv, uv, timing })
const top = (end: number, pages: Array<[string, number]>): PvUvResult => ({ kind: 'top-pages', start: end - 600_000, end, pages: pages.map(([page, pv]) => ({ page, pv })) })

describe('the dashboard', () => {
  describe('settings from the address', () => {
    it('has defaults, and reads durations and numbers', () => {
      expect(readConfig('')).toEqual(DEFAULTS)
      expect(readConfig('?seed=7&clicks=100&speed=2.5&window=30s&early=100ms&checkpoint=1m&uv=approximate&db=mine')).toEqual({
        seed: 7,
        clicks: 100,
        speed: 2.5,
        window: 30_000,
        earlyFirings: 100,
        checkpointInterval: 60_000,
        uv: 'approximate',
        db: 'mine'
      })
    })

    it('names a wrong setting and its value', () => {
      expect(() => readConfig('?speed=fast')).toThrowError(/setting speed: 'fast' is not a number > 0/)
      expect(() => readConfig('?clicks=1.5')).toThrowError(/setting clicks: '1.5' is not a whole number > 0/)
      expect(() => readConfig('?window=soon')).toThrowError(/setting window: 'soon' is not a duration/)
      expect(() => readConfig('?db=a%20b')).toThrowError(/setting db: 'a b'/)
      expect(() => readConfig('?uv=guess')).toThrowError(/setting uv: 'guess' is not exact or approximate/)
      expect(() => readConfig('?windwo=1m')).toThrowError(/setting 'windwo' is not one of/)
    })
  })

  describe('its live source', () => {
    const clicks: Click[] = [0, 1, 2, 3].map(i => ({ user: `u${i}`, page: '/', ts: 1_000 * i }))

    it('reads on from a restored offset, each offset the index of the next click', async () => {
      const started: number[] = []
      const read: Array<{ value: Click; offset: number }> = []
      for await (const entry of liveClicks(clicks, Number.MAX_VALUE, { started: o => started.push(o) }).read(2)) read.push(entry)
      expect(started).toEqual([2])
      expect(read).toEqual([
        { value: clicks[2]!, offset: 3 },
        { value: clicks[3]!, offset: 4 }
      ])
    })

    it('rejects a speed that is not > 0', () => {
      expect(() => liveClicks(clicks, 0)).toThrowError(RangeError, /speed must be a number > 0, got 0/)
    })
  })

  describe('result keys', () => {
    it('are one per window and page, window, session and late click, whatever the pane', () => {
      const click: Click = { user: 'u1', page: '/', ts: 5 }
      const keys = [pvUv('/', 0, 1, 1), pvUv('/a', 0, 1, 1), pvUv('/', 60_000, 1, 1), top(600_000, []), { kind: 'session', user: 'u1', start: 0, end: 9, views: 2 } as const, { kind: 'late', click } as const].map(resultKey)
      expect(new Set(keys).size).toBe(keys.length)
      expect(resultKey(pvUv('/', 0, 1, 1, 'EARLY'))).toBe(resultKey(pvUv('/', 0, 5, 3)))
    })
  })

  describe('its model', () => {
    it("keeps a window's latest pane: early counts give way to the final one", () => {
      const model = new ResultsModel()
      model.apply(pvUv('/', 0, 3, 2, 'EARLY'))
      expect(model.series('/').pvEarly).toEqual([3])
      expect(model.series('/').pvFinal).toEqual([null])
      model.apply(pvUv('/', 0, 5, 4))
      expect(model.series('/')).toEqual({ x: [0], pvFinal: [5], pvEarly: [null], uvFinal: [4], uvEarly: [null] })
      expect(model.size).toBe(1)
    })

    it('counts a final window without views of a page as 0, and leaves an open one a gap', () => {
      const model = new ResultsModel([
        ['a', pvUv('/', 0, 2, 2)],
        ['b', pvUv('/a', 60_000, 1, 1)],
        ['c', pvUv('/a', 120_000, 1, 1, 'EARLY')]
      ])
      // Keys as given are kept; results applied later go by resultKey.
      expect(model.series('/')).toEqual({ x: [0, 60, 120], pvFinal: [2, 0, null], pvEarly: [null, null, null], uvFinal: [2, 0, null], uvEarly: [null, null, null] })
      expect(model.series('/', 2).x).toEqual([60, 120])
    })

    it('lists pages by views, and shows the newest top pages that end with the newest final window', () => {
      const model = new ResultsModel()
      for (const r of [pvUv('/b', 540_000, 2, 1), pvUv('/a', 540_000, 3, 1), top(600_000, [['/a', 3]]), top(660_000, [['/a', 1]])]) model.apply(r)
      expect(model.pages()).toEqual([
        { page: '/a', pv: 3 },
        { page: '/b', pv: 2 }
      ])
      // The window ending at 660,000 fired when the clicks ended and saw only their tail.
      expect(model.latestTop()?.end).toBe(600_000)
    })

    it('counts late clicks and sessions', () => {
      const model = new ResultsModel()
      model.apply({ kind: 'late', click: { user: 'u', page: '/', ts: 1 } })
      model.apply({ kind: 'late', click: { user: 'u', page: '/', ts: 1 } })
      model.apply({ kind: 'late', click: { user: 'u', page: '/', ts: 2 } })
      model.apply({ kind: 'session', user: 'u', start: 0, end: 5, views: 2 })
      expect([model.lateCount(), model.sessionCount()]).toEqual([2, 1])
    })
  })

  describe('as npm run dashboard serves it', () => {
    it('bundles the page against the built package, minified, with state validation compiled out, and serves its files on 127.0.0.1', async () => {
      const script = await buildDashboard({ library: 'package', production: true })
      expect(script).not.toContain('process.env.NODE_ENV')
      expect(script).not.toMatch(/require\(["']node:/)
      const server = await serveDashboard(script)
      try {
        expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
        const get = async (path: string): Promise<[number, string, string]> => {
          const response = await fetch(new URL(path, server.url))
          return [response.status, response.headers.get('content-type') ?? '', await response.text()]
        }
        const [pageStatus, pageType, page] = await get('/')
        expect([pageStatus, pageType]).toEqual([200, 'text/html; charset=utf-8'])
        expect(page).toContain('<script src="dashboard.js"></script>')
        expect(await get('/dashboard.js')).toEqual([200, 'text/javascript; charset=utf-8', script])
        expect((await get('/uPlot.min.css'))[0]).toBe(200)
        expect((await get('/secrets'))[0]).toBe(404)
      } finally {
        await server.close()
      }
    }, 30_000)
  })
})
