/**
 * The dashboard's charts, drawn by uPlot: PV and UV per window of one page (final counts as a
 * line, the running counts of open windows as points), and the watermark's lag over time.
 */
import uPlot from 'uplot'
import type { PageSeries } from './model'

const FINAL = '#2563eb'
const EARLY = '#f59e0b'
const LAG = '#7c3aed'

const time = (s: number): string => new Date(s * 1000).toISOString().slice(11, 16)

function chartOptions(title: string, width: number, series: uPlot.Series[]): uPlot.Options {
  return {
    title,
    width,
    height: 220,
    scales: { x: { time: false } },
    axes: [{ values: (_u, ticks) => ticks.map(time) }, {}],
    series: [{ label: 'window (UTC)', value: (_u, v) => (v == null ? '-' : time(v)) }, ...series]
  }
}

const finalLine = (label: string): uPlot.Series => ({ label, stroke: FINAL, width: 2, spanGaps: false })
const earlyPoints = (label: string): uPlot.Series => ({ label, stroke: EARLY, width: 0, points: { show: true, size: 8, fill: EARLY } })

/** A window-by-window chart of one page: final counts and early ones. */
export class WindowChart {
  private readonly plot: uPlot

  constructor(parent: HTMLElement, title: string, private readonly pick: (s: PageSeries) => [Array<number | null>, Array<number | null>]) {
    this.plot = new uPlot(chartOptions(title, parent.clientWidth || 600, [finalLine('final'), earlyPoints('early (window open)')]), [[], [], []], parent)
  }

  show(series: PageSeries, title: string): void {
    const [final, early] = this.pick(series)
    this.plot.setData([series.x, final, early])
    const heading = this.plot.root.querySelector('.u-title')
    if (heading !== null) heading.textContent = title
  }

  /** How many values the chart draws now: what the spec checks. */
  points(): number {
    let n = 0
    for (const values of this.plot.data.slice(1)) for (let i = 0; i < values.length; i++) if (values[i] != null) n++
    return n
  }

  resize(width: number): void {
    this.plot.setSize({ width, height: 220 })
  }
}

/** Watermark lag (seconds of event time behind the newest click) over real time, the last few minutes. */
export class LagChart {
  private readonly plot: uPlot
  private readonly at: number[] = []
  private readonly lag: number[] = []

  constructor(parent: HTMLElement) {
    this.plot = new uPlot(
      {
        title: 'Watermark lag behind the newest click (event-time seconds)',
        width: parent.clientWidth || 600,
        height: 160,
        series: [{}, { label: 'lag', stroke: LAG, width: 2 }]
      },
      [[], []],
      parent
    )
  }

  add(wallClockMs: number, lagMs: number): void {
    this.at.push(wallClockMs / 1000)
    this.lag.push(lagMs / 1000)
    if (this.at.length > 600) {
      this.at.shift()
      this.lag.shift()
    }
    this.plot.setData([this.at, this.lag])
  }

  points(): number {
    return this.at.length
  }

  resize(width: number): void {
    this.plot.setSize({ width, height: 160 })
  }
}
