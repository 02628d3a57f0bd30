/**
 * docs/stream-graph.md draws the demo job's graph as a ```mermaid block: it must be what
 * `toMermaid` draws for the job the guide's own snippet defines (the snippet that exports
 * `demoGraph`, extracted and compiled by `npm test` like every snippet), so that neither the
 * picture nor the code can change without the other. A stale block fails with the chart to
 * paste in its place.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as ds from '../../src/index'
import { checkMermaid } from '../support/mermaid'

const ROOT = resolve(__dirname, '../../..') // compiled: .build/spec/docs
const DOC = join(ROOT, 'docs/stream-graph.md')
const SOURCES = join(ROOT, '.snippets')
const COMPILED = join(ROOT, '.build/.snippets')

/** The compiled snippet of the guide that exports `demoGraph`. */
function demoSnippet(): string {
  const sources = existsSync(SOURCES) ? readdirSync(SOURCES).filter(f => f.startsWith('docs-stream-graph-') && f.endsWith('.mts')) : []
  const found = sources.filter(f => /^export const demoGraph\b/m.test(readFileSync(join(SOURCES, f), 'utf8')))
  if (found.length !== 1) {
    throw new Error(`expected one snippet of docs/stream-graph.md exporting demoGraph in .snippets/, found ${found.length} (npm test extracts the snippets before compiling)`)
  }
  return join(COMPILED, found[0]!.replace(/\.mts$/, '.mjs'))
}

describe('docs/stream-graph.md: the demo job graph', () => {
  it('shows, in its one ```mermaid block, the chart toMermaid draws for the demo job of its snippet', async () => {
    const blocks = [...readFileSync(DOC, 'utf8').matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map(m => m[1]!)
    expect(blocks.length).withContext('```mermaid blocks in docs/stream-graph.md').toBe(1)
    // What the snippet prints is kept quiet, as the snippets spec does.
    const log = console.log
    console.log = () => {}
    let demo: { readonly demoGraph: ds.StreamGraph }
    try {
      demo = (await import(pathToFileURL(demoSnippet()).href)) as { readonly demoGraph: ds.StreamGraph }
    } finally {
      console.log = log
    }
    const chart = ds.toMermaid(demo.demoGraph)
    expect(() => checkMermaid(chart)).not.toThrow()
    expect(blocks[0]).withContext(`docs/stream-graph.md is stale: replace its \`\`\`mermaid block with\n${chart}`).toBe(chart)
  }, 20_000)
})
