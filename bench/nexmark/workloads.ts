/**
 * The Nexmark workloads (`nexmark-q0` … `nexmark-q12`, all of them with `--workload nexmark`):
 * each query's hand-written loop (`hand`) against its rx-datastream pipeline (`ds`, made per
 * library so that `--baseline` works), on the same pre-generated events (or regenerated per run
 * with `--source lazy`). Every run folds its results into an order-independent digest; before
 * timing, `verify` compares every result of every variant with the hand loop's.
 */
import type { Feed } from '../data'
import type { Event } from '../data'
import { HeapProbe, type Variant } from '../harness'
import { type LibraryBuild, perLibrary } from '../library'
import type { VerifyReport, Workload } from '../workload'
import { CollectingSink, DigestSink, type NexmarkDigest, type RunnableAlternative, type RunnableQuery, sameDigest, showDigest } from './common'
import { type NexmarkConfig, nexmarkConfig, nexmarkFeed, type NexmarkFeed } from './generator'
import { NEXMARK_QUERIES } from './queries'

/** Events per timed run by default. */
export const NEXMARK_EVENTS = 1_000_000

/** The data of the timed runs: the generator's defaults (1 event per ms, disorder ≤ 500 ms). */
const TIMED: NexmarkConfig = nexmarkConfig()

/** The rx-datastream pipelines of a query as variants: `ds`, then its alternatives as `ds-<id>`. */
function pipelines(query: RunnableQuery): readonly RunnableAlternative[] {
  const main = { id: 'ds', name: 'rx-datastream', runPipeline: query.runPipeline }
  return [main, ...query.alternatives.map(alternative => ({ ...alternative, id: `ds-${alternative.id}` }))]
}

function variants(query: RunnableQuery, feed: Feed<Event>, libs: readonly LibraryBuild[]): Variant<NexmarkDigest>[] {
  // Made at the first run, so listing the variants (--only) generates nothing.
  let data: NexmarkFeed | undefined
  const events = (): NexmarkFeed => (data ??= nexmarkFeed(feed.kind, feed.size, TIMED))
  return [
    {
      id: 'hand',
      name: 'hand-written loop',
      run: (size: number, probe: HeapProbe) => {
        const sink = new DigestSink()
        query.runHand(events(), size, probe, sink)
        return sink.digest()
      }
    },
    ...perLibrary(libs, ds =>
      pipelines(query).map(pipeline => ({
        id: pipeline.id,
        name: pipeline.name,
        run: (size: number, probe: HeapProbe) => {
          const sink = new DigestSink()
          pipeline.runPipeline(ds, events(), size, probe, sink)
          return sink.digest()
        }
      }))
    )
  ]
}

/** At most this many events of the timed data are checked result by result. */
const CHECK_EVENTS = 1_000_000
/** A second data set: another seed, two events per ms, disorder up to 2 s (and a bound of 2 s). */
const DENSE = nexmarkConfig({ seed: 0x5ec0, msPerEvent: 0.5, maxDisorder: 2_000 })
const DENSE_EVENTS = 200_000

/**
 * Untimed, before the measurements: the hand loop and every rx-datastream variant on (1) the
 * first ≤ 1,000,000 events of the timed data and (2) 200,000 denser, more disordered events;
 * the sorted lists of result rows must be identical.
 */
function verify(query: RunnableQuery, feed: Feed<Event>, libs: readonly LibraryBuild[]): VerifyReport {
  const lines: string[] = []
  let ok = true
  const size = Math.min(feed.size, CHECK_EVENTS)
  const checks = [
    { label: `first ${size.toLocaleString('en-US')} events`, feed: nexmarkFeed(feed.kind, feed.size, TIMED), size },
    { label: `${DENSE_EVENTS.toLocaleString('en-US')} events, 2 per ms, disorder ≤ 2 s`, feed: nexmarkFeed('lazy', DENSE_EVENTS, DENSE), size: DENSE_EVENTS }
  ]
  for (const check of checks) {
    const expected = new CollectingSink()
    query.runHand(check.feed, check.size, new HeapProbe(), expected)
    const rows = expected.rows.sort()
    let passed = true
    for (const lib of libs) {
      for (const pipeline of pipelines(query)) {
        const actual = new CollectingSink()
        pipeline.runPipeline(lib.lib, check.feed, check.size, new HeapProbe(), actual)
        const diff = firstDifference(rows, actual.rows.sort())
        if (diff !== undefined) {
          passed = false
          lines.push(`EXACT CHECK FAILED (${check.label}): hand-written loop vs ${pipeline.name}${lib.nameSuffix}: ${diff}`)
        }
      }
    }
    if (passed) lines.push(`exact check (${check.label}): ${rows.length.toLocaleString('en-US')} identical results in every variant`)
    ok &&= passed
  }
  return { ok, lines }
}

function firstDifference(a: readonly string[], b: readonly string[]): string | undefined {
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return `${a.length} vs ${b.length} results; first difference at sorted row ${i}: "${a[i] ?? '(none)'}" vs "${b[i] ?? '(none)'}"`
  }
  return undefined
}

/** One workload per query. */
export const nexmarkWorkloads: readonly Workload<NexmarkDigest>[] = NEXMARK_QUERIES.map(query => ({
  name: `nexmark-${query.id}`,
  description: `Nexmark ${query.id}, ${query.title}: ${query.exercises}`,
  ownData: true,
  defaultEvents: NEXMARK_EVENTS,
  variants: (feed, libs) => variants(query, feed, libs),
  ratioTo: [{ id: 'hand', label: 'hand' }],
  same: sameDigest,
  show: showDigest,
  verify: (feed, libs) => verify(query, feed, libs)
}))
