/**
 * `ds.toDot(graph)`: the exact text for a small job, and, with Graphviz's `dot` (Debian's
 * `graphviz`; pending with the reason printed where it is missing, failing on CI, which
 * installs it), that `dot -Tsvg` accepts the text of jobs of every shape and draws each node
 * with the label it must show, names and uids full of DOT syntax included.
 */
import * as ds from '../../src/index'
import { jobGraphs, labelLines, nastyGraph, numbersGraph, shownLines } from '../support/graphs'
import { svgLabels, useGraphviz } from '../support/graphviz'

describe('toDot (stream graph)', () => {
  it('draws a job as a digraph named after it, chains as clusters, stateful operators as cylinders', async () => {
    const graph = await numbersGraph()
    expect(ds.toDot(graph)).toBe(
      [
        'digraph "numbers" {',
        '  rankdir=LR',
        '  node [shape=box]',
        '  subgraph cluster_0 {',
        '    label="chain 0"',
        '    style=dashed',
        '    n0 [label="fromArray\\nnumbers", shape=cylinder]',
        '    n1 [label="assignTimestampsAndWatermarks\\ntimestamps", shape=cylinder]',
        '    n2 [label="odd\\nfilterValues · odd"]',
        '  }',
        '  n3 [label="unionWith\\nwith 7"]',
        '  rx0 [label="RxJS", shape=plaintext]',
        '  n0 -> n1',
        '  n1 -> n2',
        '  n2 -> n3 [label="input 0"]',
        '  rx0 -> n3 [label="input 1", style=dashed]',
        '}',
        ''
      ].join('\n')
    )
  })

  it('escapes quotes, backslashes, ampersands and line breaks of names', async () => {
    const text = ds.toDot(await nastyGraph())
    expect(text).toContain('label="say \\"hi\\"')
    expect(text).toContain('back\\\\slash \\\\N \\\\n \\\\G \\\\')
    expect(text).toContain('&amp;amp; &amp;lt; &amp;#35; &amp;')
    expect(text).toContain('line one\\nline two')
    expect(text).not.toMatch(/[\r\u2028\u2029\u0000-\u0009\u000b-\u001f]/)
  })

  it('refuses what is not a stream graph', () => {
    expect(() => ds.toDot({ jobId: 'j', nodes: 'no' } as unknown as ds.StreamGraphJson)).toThrowError(TypeError, 'toDot: not a stream graph: nodes is not an array')
  })

  describe('read by Graphviz', () => {
    const dot = useGraphviz()

    it('is accepted by dot -Tsvg for jobs of every shape, each node drawn with its label', async () => {
      for (const [shape, graph] of await jobGraphs()) {
        const run = dot(ds.toDot(graph))
        expect([run.status, run.stderr]).withContext(shape).toEqual([0, ''])
        const labels = svgLabels(run.stdout)
        const ids = new Map(graph.nodes.map((n, i) => [n.uid, `n${i}`]))
        for (const n of graph.nodes) {
          // dot draws no text for an empty line; every other line is drawn as it is.
          expect(labels.get(ids.get(n.uid)!)).withContext(`${shape}: ${n.uid}`).toEqual(labelLines(n, shownLines).filter(line => line !== ''))
        }
        const stubs = graph.nodes.flatMap(n => n.inputs.filter(i => i === null)).length
        expect(labels.size).withContext(shape).toBe(graph.nodes.length + stubs)
      }
    })

    it('accepts a graph read back from its JSON, and an empty one', async () => {
      const graph = JSON.parse(JSON.stringify(await nastyGraph())) as ds.StreamGraphJson
      expect(dot(ds.toDot(graph)).status).toBe(0)
      expect(dot(ds.toDot({ jobId: '"', nodes: [], edges: [] })).status).toBe(0)
    })
  })
})
