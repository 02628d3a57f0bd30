/**
 * `ds.toMermaid(graph)`: every graph gives a chart that the strict checker of the subset
 * accepts (spec/support/mermaid.ts says why there is no Mermaid parser here), drawing each
 * node once with the label it must show, each chain of several operators as a subgraph, each
 * edge once, and a stub per input that reads plain RxJS.
 */
import * as ds from '../../src/index'
import { checkMermaid } from '../support/mermaid'
import { jobGraphs, labelLines, nastyGraph, numbersGraph, shownLines } from '../support/graphs'

/** Checks the chart of `graph` against the graph; returns the chart. */
function expectDrawn(graph: ds.StreamGraphJson): void {
  const text = ds.toMermaid(graph)
  const chart = checkMermaid(text)
  const ids = new Map(graph.nodes.map((n, i) => [n.uid, `n${i}`]))
  const stubs = graph.nodes.flatMap(n => n.inputs.filter(i => i === null))
  expect(chart.nodes.size).toBe(graph.nodes.length + stubs.length)
  for (const n of graph.nodes) {
    const drawn = chart.nodes.get(ids.get(n.uid)!)!
    expect(drawn.lines).withContext(n.uid).toEqual(labelLines(n, shownLines))
    expect(drawn.shape).toBe(n.stateful ? 'cylinder' : 'box')
  }
  // A subgraph per chain of several operators, holding exactly its operators.
  const chains = new Map<number, string[]>()
  for (const n of graph.nodes) chains.set(n.chain, [...(chains.get(n.chain) ?? []), ids.get(n.uid)!])
  const groups = [...chains].filter(([, members]) => members.length > 1)
  expect([...chart.subgraphs].map(([id, s]) => [id, s.title, s.members])).toEqual(groups.map(([chain, members]) => [`chain${chain}`, `chain ${chain}`, members]))
  // Every edge of the graph, labelled with its input where the target has several, and one dashed edge per stub.
  const multi = (uid: string) => graph.nodes.find(n => n.uid === uid)!.inputs.length > 1
  expect(chart.edges.filter(e => !e.dashed).map(e => [e.from, e.to, e.label])).toEqual(
    graph.edges.map(e => [ids.get(e.source), ids.get(e.target), multi(e.target) ? `input ${e.input}` : undefined])
  )
  expect(chart.edges.filter(e => e.dashed).map(e => [e.to, e.label])).toEqual(
    graph.nodes.flatMap(n => n.inputs.flatMap((i, input) => (i === null ? [[ids.get(n.uid), n.inputs.length > 1 ? `input ${input}` : undefined]] : [])))
  )
}

describe('toMermaid (stream graph)', () => {
  it('draws a job as a flowchart, chains as subgraphs, stateful operators as cylinders', async () => {
    const graph = await numbersGraph()
    expect(ds.toMermaid(graph)).toBe(
      [
        'flowchart LR',
        '    subgraph chain0 ["chain 0"]',
        '        n0[("fromArray<br/>numbers")]',
        '        n1[("assignTimestampsAndWatermarks<br/>timestamps")]',
        '        n2["odd<br/>filterValues · odd"]',
        '    end',
        '    n3["unionWith<br/>with 7"]',
        '    rx0(("RxJS"))',
        '    n0 --> n1',
        '    n1 --> n2',
        '    n2 -->|"input 0"| n3',
        '    rx0 -.->|"input 1"| n3',
        ''
      ].join('\n')
    )
  })

  it('gives a chart the checker accepts, matching the graph, for jobs of every shape', async () => {
    for (const [shape, graph] of await jobGraphs()) {
      try {
        expectDrawn(graph)
      } catch (error) {
        fail(`${shape}: ${String(error)}`)
      }
    }
  })

  it('writes every character of names and uids that Mermaid would read as syntax as an entity code', async () => {
    const text = ds.toMermaid(await nastyGraph())
    expect(() => checkMermaid(text)).not.toThrow()
    const labels = text.split('\n').filter(l => /^ +n\d+\[/.test(l))
    for (const label of labels) expect(label.replace(/<br\/>|#\d+;/g, '')).not.toMatch(/[&<>:;%`{}|\\#]/)
    expect(text).toContain('say #34;hi#34;')
    expect(text).toContain('line one<br/>line two')
  })

  it('draws a graph read back from its JSON as the graph itself', async () => {
    const graph = await nastyGraph()
    expect(ds.toMermaid(JSON.parse(JSON.stringify(graph)) as ds.StreamGraphJson)).toBe(ds.toMermaid(graph))
  })

  it('refuses what is not a stream graph, saying what is wrong', () => {
    const node: ds.StreamNode = { uid: 'a', name: 'a', kind: 'mapValues', inputs: [], parallelism: 1, stateful: false, chain: 0 }
    const bad = (graph: unknown) => () => ds.toMermaid(graph as ds.StreamGraphJson)
    expect(bad(null)).toThrowError(TypeError, 'toMermaid: not a stream graph: got null')
    expect(bad({ jobId: 'j' })).toThrowError(TypeError, /nodes is not an array/)
    expect(bad({ jobId: 'j', nodes: [node, node], edges: [] })).toThrowError(TypeError, /two nodes have the uid "a"/)
    expect(bad({ jobId: 'j', nodes: [{ ...node, inputs: ['b'] }], edges: [] })).toThrowError(TypeError, /node "a" reads "b", which is no node of the graph/)
    expect(bad({ jobId: 'j', nodes: [{ ...node, chain: -1 }], edges: [] })).toThrowError(TypeError, /chain is not a whole number/)
    expect(bad({ jobId: 'j', nodes: [{ ...node, name: 3 }], edges: [] })).toThrowError(TypeError, /node 0's name is not a string/)
  })
})
