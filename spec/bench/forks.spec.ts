/**
 * The summary of `--forks`: medians over the forks, the spread between them, and ratios taken
 * within each fork (both variants of a fork ran in one process), never between forks.
 */
import { forkBaselineLines, type ForkMeasurement, formatForkTable } from '../../bench/forks'

const measurement = (id: string, seconds: number, cpuSeconds: number): ForkMeasurement => ({
  workload: 'w',
  id,
  name: id === 'hand' ? 'hand-written loop' : 'rx-datastream',
  events: 1_000,
  seconds,
  eventsPerSecond: 1_000 / seconds,
  roundSeconds: [seconds],
  cpuSeconds,
  peakHeapBytes: 2 * 1048576,
  gcCount: 1,
  gcMs: 1,
  notes: ''
})

const ratioTo = [{ id: 'hand', label: 'hand' }]

describe('bench --forks summary (formatForkTable)', () => {
  it('gives the median over the forks with their range, and each ratio within its fork', () => {
    const forks = [
      [measurement('hand', 0.1, 0.2), measurement('ds', 0.2, 0.3)],
      // A slow fork: both variants slower, the ratio within it lower.
      [measurement('hand', 0.4, 0.5), measurement('ds', 0.6, 0.5)],
      [measurement('hand', 0.1, 0.2), measurement('ds', 0.3, 0.4)]
    ]
    const rows = formatForkTable(forks, { ratioTo }).split('\n')
    const ds = rows.find(r => r.startsWith('rx-datastream'))!
    expect(ds).toContain('0.300 (0.200–0.600)')
    expect(ds).toContain('0.400 (0.300–0.500)')
    // Time ratios 2, 1.5, 3: median 2; CPU ratios 1.5, 1, 2: median 1.5. The ratio of the
    // medians (0.3 / 0.1 = 3) would mix the slow fork's hand loop with another fork's pipeline.
    expect(ds).toContain('2.00× (1.50–3.00)')
    expect(ds).toContain('1.50× (1.00–2.00)')
    expect(rows.find(r => r.startsWith('hand-written loop'))).toContain('1.00× (1.00–1.00)')
  })

  it('shows a single fork without a range', () => {
    const rows = formatForkTable([[measurement('hand', 0.1, 0.1), measurement('ds', 0.25, 0.2)]], { ratioTo }).split('\n')
    const ds = rows.find(r => r.startsWith('rx-datastream'))!
    expect(ds).toContain('2.50×')
    expect(ds).not.toContain('(')
  })

  it('gives each variant against its baseline by the ratios within the forks', () => {
    const forks = [
      [measurement('ds', 0.2, 0.4), measurement('ds@base', 0.25, 0.4)],
      [measurement('ds', 0.9, 0.9), measurement('ds@base', 0.9, 1.0)],
      [measurement('ds', 0.3, 0.3), measurement('ds@base', 0.2, 0.3)]
    ]
    expect(forkBaselineLines(forks)).toEqual(['ds / ds@base: 1.00× (0.80–1.50) time, 1.00× (0.90–1.00) CPU, over 3 fork(s)'])
    expect(forkBaselineLines([[measurement('ds', 0.2, 0.4)]])).toEqual([])
  })
})
