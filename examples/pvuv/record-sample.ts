/**
 * Writes the recorded sample, examples/pvuv/sample.jsonl, from the seeded generator: run it
 * again after a change to the generator, and the sample follows.
 *
 *     node .build/examples/pvuv/record-sample.js
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { clickstream } from './clickstream'

/** The sample's shape: what `npm start` and the specs read. */
export const SAMPLE = { count: 6_000, seed: 2026 } as const

if (require.main === module) {
  const path = join(__dirname, '..', '..', '..', 'examples', 'pvuv', 'sample.jsonl')
  writeFileSync(path, clickstream(SAMPLE).map(click => `${JSON.stringify(click)}\n`).join(''))
  console.log(`wrote ${SAMPLE.count} clicks to ${path}`)
}
