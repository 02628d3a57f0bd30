/**
 * Recovery, end to end, through the public API: a job with checkpoints at random points fails
 * (is cancelled) at a random point; a new job restores from the latest completed checkpoint and
 * runs to the end. What a two-phase-commit sink committed over both runs equals the output of
 * one uninterrupted run, for pipelines of windows, keyed process functions with timers, an
 * interval join of two sources and a union of two sources, in the exactly-once modes.
 */
import * as fc from 'fast-check'
import * as ds from '../../src/index'
import { Database, ended, events, pipelines, settle, slowStore } from '../support/recovery'

describe('execute: recovery from the latest checkpoint gives the output of one uninterrupted run', () => {
  for (const [name, pipeline] of Object.entries(pipelines)) {
    for (const mode of [{ mode: 'exactly-once' as const }, { mode: 'exactly-once' as const, unaligned: true }]) {
      it(`${name}, ${mode.unaligned === true ? 'unaligned' : 'aligned'}`, async () => {
        await fc.assert(
          fc.asyncProperty(
            events(120),
            events(120),
            // Per mille of the reads, uniformly (doubles would cluster at the ends).
            fc.array(fc.integer({ min: 0, max: 999 }), { maxLength: 4 }),
            fc.integer({ min: 0, max: 1100 }),
            fc.boolean(),
            fc.boolean(),
            async (a, b, checkpointFractions, failFraction, async, failOnStore) => {
              // Points in the reads of both sources: a checkpoint is asked for at each, the job fails at the last.
              const reads$ = a.length + (name === 'join' || name === 'union' ? b.length : 0)
              const checkpointAt = checkpointFractions.map(f => 1 + Math.floor((f * reads$) / 1000))
              const failAt = 1 + Math.floor((failFraction * reads$) / 1000)
              // One uninterrupted run.
              const reference = new Database()
              await ended(ds.execute(env => pipeline(env, a, b, () => {}, reference.sink(), async), { jobId: 'reference', onWarning: () => {} }), 'reference')

              const db = new Database()
              const store = slowStore(() => {
                if (failOnStore) job?.cancel()
              })
              const checkpointing = { store, retain: 10, ...mode }
              let reads = 0
              let job: ds.Job<never> | undefined
              const first = ds.execute(
                env =>
                  pipeline(env, a, b, () => {
                    reads++
                    if (checkpointAt.includes(reads)) void job!.checkpoint().catch(() => {})
                    if (reads === failAt) job!.cancel()
                  }, db.sink(), async),
                { jobId: 'j', checkpointing, onWarning: () => {} }
              )
              job = first
              await ended(first, 'failing')
              await settle()
              const second = ds.execute(env => pipeline(env, a, b, () => {}, db.sink(), async), { jobId: 'j', checkpointing, restore: 'latest', onWarning: () => {} })
              await ended(second, 'restored')
              // Exactly once: the same results. Their order across keys and inputs is not part
              // of the contract (windows firing at one watermark, two inputs interleaving).
              expect([...db.table].sort()).toEqual([...reference.table].sort())
            }
          ),
          { numRuns: 25 }
        )
      }, 300_000)
    }
  }
})
