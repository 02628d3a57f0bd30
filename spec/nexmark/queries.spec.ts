/**
 * The Nexmark queries of the bench on small inputs: every result of the rx-datastream pipeline,
 * and of the bench's hand-written loop, against a batch reference computed directly from the
 * events (./batch.ts), for several seeds and shapes of data.
 */
import * as ds from '../../src/index'
import { arrayFeed, CollectingSink, type NexmarkQuery, runHand, runPipeline } from '../../bench/nexmark/common'
import { generateNexmark, type NexmarkConfig, nexmarkConfig, type NexmarkEvent } from '../../bench/nexmark/generator'
import { HeapProbe } from '../../bench/harness'
import { q0 } from '../../bench/nexmark/q0'
import { q1 } from '../../bench/nexmark/q1'
import { q2 } from '../../bench/nexmark/q2'
import { q3 } from '../../bench/nexmark/q3'
import { q4 } from '../../bench/nexmark/q4'
import { q5 } from '../../bench/nexmark/q5'
import { q7 } from '../../bench/nexmark/q7'
import { q8 } from '../../bench/nexmark/q8'
import { q11 } from '../../bench/nexmark/q11'
import { q12 } from '../../bench/nexmark/q12'
import { q1Batch, q2Batch, q3Batch, q4Batch, q5Batch, q7Batch, q8Batch, q11Batch, q12Batch } from './batch'

/**
 * Small data sets, each a few thousand events: fewer in-flight auctions and active persons than
 * Nexmark's defaults, so that auctions close and sellers recur within a short input.
 */
const DATA: readonly { readonly label: string; readonly events: number; readonly config: NexmarkConfig }[] = [
  { label: 'seed 1, 10 ms per event, disorder ≤ 500 ms', events: 3_000, config: nexmarkConfig({ seed: 1, msPerEvent: 10, numInFlightAuctions: 10, numActivePeople: 50 }) },
  { label: 'seed 2, 5 ms per event, disorder ≤ 3 s', events: 2_000, config: nexmarkConfig({ seed: 2, msPerEvent: 5, maxDisorder: 3_000, numInFlightAuctions: 10, numActivePeople: 30 }) },
  { label: 'seed 3, 20 ms per event, in order', events: 2_000, config: nexmarkConfig({ seed: 3, msPerEvent: 20, maxDisorder: 0, numInFlightAuctions: 20 }) },
  { label: 'seed 4, Nexmark defaults, 1 ms per event', events: 3_000, config: nexmarkConfig({ seed: 4 }) }
]

/** The rows of `results`, sorted (the queries' output order is not part of their meaning). */
function rowsOf<R>(query: NexmarkQuery<R>, results: readonly R[]): string[] {
  const sink = new CollectingSink()
  for (const r of results) query.row(r, sink)
  return sink.rows.sort()
}

function pipelineRows<R>(query: NexmarkQuery<R>, config: NexmarkConfig, events: readonly NexmarkEvent[], pipeline = query.pipeline): string[] {
  const sink = new CollectingSink()
  runPipeline(query, ds, arrayFeed(config, events), events.length, new HeapProbe(), sink, pipeline)
  return sink.rows.sort()
}

function handRows<R>(query: NexmarkQuery<R>, config: NexmarkConfig, events: readonly NexmarkEvent[]): string[] {
  const sink = new CollectingSink()
  runHand(query, arrayFeed(config, events), events.length, new HeapProbe(), sink)
  return sink.rows.sort()
}

/** Registers the check of one query on one data set. */
function checks<R>(query: NexmarkQuery<R>, batch: (events: readonly NexmarkEvent[], config: NexmarkConfig) => readonly R[], data: () => { config: NexmarkConfig; events: readonly NexmarkEvent[] }): void {
  it(`${query.id} (${query.title}): rx-datastream and the hand loop give exactly the batch result`, () => {
    const { config, events } = data()
    const expected = rowsOf(query, batch(events, config))
    expect(pipelineRows(query, config, events)).toEqual(expected)
    expect(handRows(query, config, events)).toEqual(expected)
  })
  for (const alternative of query.alternatives ?? []) {
    it(`${query.id} written otherwise (${alternative.name}): exactly the batch result`, () => {
      const { config, events } = data()
      expect(pipelineRows(query, config, events, alternative.pipeline)).toEqual(rowsOf(query, batch(events, config)))
    })
  }
}

describe('Nexmark queries against batch references', () => {
  for (const set of DATA) {
    describe(set.label, () => {
      let events: readonly NexmarkEvent[] | undefined
      const data = () => ({ config: set.config, events: (events ??= generateNexmark(set.events, set.config)) })
      checks(q0, e => e, data)
      checks(q1, q1Batch, data)
      checks(q2, q2Batch, data)
      checks(q3, q3Batch, data)
      checks(q4, q4Batch, data)
      checks(q5, q5Batch, data)
      checks(q7, q7Batch, data)
      checks(q8, q8Batch, data)
      checks(q11, q11Batch, data)
      checks(q12, q12Batch, data)
    })
  }

  it('the data sets give every query results to compare', () => {
    // Over all sets together: an empty result everywhere would make a check above vacuous.
    const totals = new Map<string, number>()
    for (const set of DATA) {
      const events = generateNexmark(set.events, set.config)
      const add = (id: string, n: number): void => void totals.set(id, (totals.get(id) ?? 0) + n)
      add('q2', q2Batch(events).length)
      add('q3', q3Batch(events).length)
      add('q4', q4Batch(events).length)
      add('q5', q5Batch(events).length)
      add('q7', q7Batch(events).length)
      add('q8', q8Batch(events).length)
      add('q11', q11Batch(events).length)
      add('q12', q12Batch(events, set.config).length)
    }
    for (const [id, n] of totals) expect(`${id}: ${n > 0 ? 'some' : 'none'}`).toBe(`${id}: some`)
  })
})
