/**
 * docs/pvuv.md draws the PV/UV job's graph as a ```mermaid block: it must be what `toMermaid`
 * draws for the job `npm start` runs (examples/pvuv/cli.ts, `cliPipeline`), so that neither the
 * picture nor the job can change without the other. A stale block fails with the chart to paste
 * in its place.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import * as ds from 'rx-datastream'
import type { Click } from '../../examples/pvuv/clickstream'
import { cliPipeline } from '../../examples/pvuv/cli'
import { checkMermaid } from '../support/mermaid'

const ROOT = resolve(__dirname, '../../..') // compiled: .build/spec/docs
const DOC = join(ROOT, 'docs/pvuv.md')

/** A few clicks of the sample, as a job source: the graph does not depend on how many. */
function someClicks(): ds.Source<Click, number> {
  const clicks = readFileSync(join(ROOT, 'examples/pvuv/sample.jsonl'), 'utf8').split('\n').slice(0, 20).filter(line => line !== '').map(line => JSON.parse(line) as Click)
  return {
    async *read(offset = 0) {
      for (let i = offset; i < clicks.length; i++) yield { value: clicks[i]!, offset: i + 1 }
    }
  }
}

describe('docs/pvuv.md: the graph of the PV/UV job', () => {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rxds-pvuv-graph-'))))
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('shows, in its one ```mermaid block, the chart toMermaid draws for the job of npm start', async () => {
    const blocks = [...readFileSync(DOC, 'utf8').matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map(m => m[1]!)
    expect(blocks.length).withContext('```mermaid blocks in docs/pvuv.md').toBe(1)
    const job = ds.execute(env => cliPipeline(env, someClicks(), dir, {}), { jobId: 'pvuv', onWarning: () => {} })
    await job.done
    const chart = ds.toMermaid(job.graph)
    expect(() => checkMermaid(chart)).not.toThrow()
    // Not a picture of a job that lost its branches: every part of the job is in it.
    for (const uid of ['clicks', 'splitBy#35;1', 'pv-uv', 'split#35;1', 'late', 'top-pages', 'sessions', 'all-results', 'results']) expect(chart).toContain(uid)
    expect(blocks[0]).withContext(`docs/pvuv.md is stale: replace its \`\`\`mermaid block with\n${chart}`).toBe(chart)
  })
})
