/**
 * What the dashboard shows, computed from the job's results by key (the table's contents plus
 * what arrived since): pure functions of that map, so the page redraws from it and a spec can
 * check it in Node. A later result of the same key replaces the earlier one, as in the table:
 * a window's running (`EARLY`) counts give way to its final one.
 */
import type { PvUvResult } from '../pvuv/job'
import { resultKey } from './dashboardJob'

type PvUv = PvUvResult & { readonly kind: 'pv-uv' }
type TopPages = PvUvResult & { readonly kind: 'top-pages' }

/** One page's PV and UV per window, as uPlot takes them: x in seconds, a gap as `null`. */
export interface PageSeries {
  /** Window starts, s since the epoch: every window some page has a result for. */
  readonly x: number[]
  readonly pvFinal: Array<number | null>
  /** Running counts of windows still open: their latest early firing. */
  readonly pvEarly: Array<number | null>
  readonly uvFinal: Array<number | null>
  readonly uvEarly: Array<number | null>
}

/** The job's results by key, and what the dashboard reads of them. */
export class ResultsModel {
  private readonly rows: Map<string, PvUvResult>

  constructor(initial: Iterable<readonly [string, PvUvResult]> = []) {
    this.rows = new Map(initial)
  }

  /** A result as it comes: it replaces the one of its key. */
  apply(result: PvUvResult): void {
    this.rows.set(resultKey(result), result)
  }

  /** How many results (keys) there are. */
  get size(): number {
    return this.rows.size
  }

  /** The results, by key. */
  entries(): Array<[string, PvUvResult]> {
    return [...this.rows]
  }

  private pvUv(): PvUv[] {
    const out: PvUv[] = []
    for (const r of this.rows.values()) if (r.kind === 'pv-uv') out.push(r)
    return out
  }

  /** Pages by views over every window so far (early counts included), most viewed first. */
  pages(): Array<{ readonly page: string; readonly pv: number }> {
    const totals = new Map<string, number>()
    for (const r of this.pvUv()) totals.set(r.page, (totals.get(r.page) ?? 0) + r.pv)
    return [...totals].map(([page, pv]) => ({ page, pv })).sort((a, b) => b.pv - a.pv || (a.page < b.page ? -1 : 1))
  }

  /**
   * `page`'s PV and UV per window, the last `limit` windows. A window the page has no result
   * for counts 0 once it is final for some page (the watermark passed it: the page had no
   * views), and is a gap while it is open.
   */
  series(page: string, limit = 120): PageSeries {
    const all = this.pvUv()
    const finalWindows = new Set<number>()
    const starts = new Set<number>()
    for (const r of all) {
      starts.add(r.start)
      if (r.timing !== 'EARLY') finalWindows.add(r.start)
    }
    const byStart = new Map(all.filter(r => r.page === page).map(r => [r.start, r]))
    const x = [...starts].sort((a, b) => a - b).slice(-limit)
    const series: PageSeries = { x: x.map(s => s / 1000), pvFinal: [], pvEarly: [], uvFinal: [], uvEarly: [] }
    for (const start of x) {
      const r = byStart.get(start)
      const early = r?.timing === 'EARLY'
      const empty = r === undefined && finalWindows.has(start) ? 0 : null
      series.pvFinal.push(r === undefined ? empty : early ? null : r.pv)
      series.uvFinal.push(r === undefined ? empty : early ? null : r.uv)
      series.pvEarly.push(early ? r.pv : null)
      series.uvEarly.push(early ? r.uv : null)
    }
    return series
  }

  /**
   * The newest top-pages result of a ten minutes that ends with the newest PV/UV window: the
   * ten most viewed pages of the last ten minutes. (When the clicks end, the sliding windows
   * that reach past the last click fire too, each with less of it: those are not "the last ten
   * minutes".)
   */
  latestTop(): TopPages | undefined {
    let now = -Infinity
    for (const r of this.rows.values()) if (r.kind === 'pv-uv' && r.timing !== 'EARLY') now = Math.max(now, r.end)
    let latest: TopPages | undefined
    for (const r of this.rows.values()) if (r.kind === 'top-pages' && r.end <= now && (latest === undefined || r.end > latest.end)) latest = r
    return latest
  }

  /** Clicks that came after their window had fired: reported, not counted. */
  lateCount(): number {
    let n = 0
    for (const r of this.rows.values()) if (r.kind === 'late') n++
    return n
  }

  /** Sessions ended so far (30 minutes without a view). */
  sessionCount(): number {
    let n = 0
    for (const r of this.rows.values()) if (r.kind === 'session') n++
    return n
  }
}
