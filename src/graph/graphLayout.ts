/**
 * @internal
 * What `toMermaid` and `toDot` both draw, decided once: the ids of the nodes, which nodes are
 * drawn together as a chain, the text of each label, the edges with their labels, and a stub
 * node for each input that reads no operator of the job. Each renderer only writes it in its
 * own syntax and escapes the text its own way.
 */
import type { StreamGraphJson, StreamNode } from './StreamGraph'

/** @internal A node as drawn. */
export interface LaidNode {
  /** `n0`, `n1`, …: ids are made here, never taken from uids, so no uid needs escaping as an id. */
  readonly id: string
  readonly node: StreamNode
  /** Its label, a line per entry (a line may still hold line breaks of a name: the renderer keeps them). */
  readonly lines: readonly string[]
}

/** @internal What is declared, in order: a node alone, or a chain of several nodes drawn as a group. */
export type LaidItem = { readonly _tag: 'Node'; readonly node: LaidNode } | { readonly _tag: 'Chain'; readonly chain: number; readonly nodes: readonly LaidNode[] }

/** @internal An edge as drawn. */
export interface LaidEdge {
  readonly from: string
  readonly to: string
  /** `input 1`: only into an operator of several inputs, where the order of its inputs matters. */
  readonly label: string | undefined
  /** From a stub: the input reads something that is not an operator of the job. */
  readonly outside: boolean
}

/** @internal */
export interface GraphLayout {
  readonly items: readonly LaidItem[]
  /** The ids of the stubs standing for inputs that read no operator of the job. */
  readonly stubs: readonly string[]
  readonly edges: readonly LaidEdge[]
}

/** @internal What a stub is labelled: whatever an input reads that is not an operator is plain RxJS (an operator, a Subject, an Observable). */
export const STUB_LABEL = 'RxJS'

/**
 * @internal
 * Lays out `graph`, checking it first: it may come from `JSON.parse` rather than from a job, so
 * anything that is not a stream graph is a `TypeError` naming `caller`, not a broken drawing.
 */
export function layoutGraph(graph: StreamGraphJson, caller: string): GraphLayout {
  checkGraph(graph, caller)
  const laid = graph.nodes.map((node, i): LaidNode => ({ id: `n${i}`, node, lines: [node.name, node.name === node.kind ? node.uid : `${node.kind} · ${node.uid}`] }))
  const idOf = new Map(laid.map(l => [l.node.uid, l.id]))

  // A chain of one operator is no group: a box around a single node says nothing.
  const members = new Map<number, LaidNode[]>()
  for (const l of laid) {
    const list = members.get(l.node.chain)
    if (list === undefined) members.set(l.node.chain, [l])
    else list.push(l)
  }
  const items: LaidItem[] = []
  const drawn = new Set<number>()
  for (const l of laid) {
    const chain = members.get(l.node.chain)!
    if (chain.length === 1) items.push({ _tag: 'Node', node: l })
    else if (!drawn.has(l.node.chain)) {
      drawn.add(l.node.chain)
      items.push({ _tag: 'Chain', chain: l.node.chain, nodes: chain })
    }
  }

  const stubs: string[] = []
  const edges: LaidEdge[] = []
  for (const l of laid) {
    const { inputs } = l.node
    inputs.forEach((uid, input) => {
      const label = inputs.length > 1 ? `input ${input}` : undefined
      if (uid !== null) {
        edges.push({ from: idOf.get(uid)!, to: l.id, label, outside: false })
        return
      }
      const stub = `rx${stubs.length}`
      stubs.push(stub)
      edges.push({ from: stub, to: l.id, label, outside: true })
    })
  }
  return { items, stubs, edges }
}

function checkGraph(graph: StreamGraphJson, caller: string): void {
  const fail = (what: string): never => {
    throw new TypeError(`${caller}: not a stream graph: ${what}`)
  }
  if (typeof graph !== 'object' || graph === null) return fail(`got ${graph === null ? 'null' : typeof graph}`)
  if (typeof graph.jobId !== 'string') fail('jobId is not a string')
  if (!Array.isArray(graph.nodes)) return fail('nodes is not an array')
  const uids = new Set<string>()
  graph.nodes.forEach((n: Partial<StreamNode> | null, i) => {
    if (typeof n !== 'object' || n === null) return fail(`node ${i} is not an object`)
    for (const key of ['uid', 'name', 'kind'] as const) if (typeof n[key] !== 'string') fail(`node ${i}'s ${key} is not a string`)
    if (uids.has(n.uid!)) fail(`two nodes have the uid ${JSON.stringify(n.uid)}`)
    uids.add(n.uid!)
    if (!Number.isSafeInteger(n.chain) || n.chain! < 0) fail(`node ${JSON.stringify(n.uid)}'s chain is not a whole number ≥ 0`)
    if (!Array.isArray(n.inputs)) fail(`node ${JSON.stringify(n.uid)}'s inputs is not an array`)
  })
  for (const n of graph.nodes) {
    for (const input of n.inputs) {
      if (input !== null && (typeof input !== 'string' || !uids.has(input))) fail(`node ${JSON.stringify(n.uid)} reads ${JSON.stringify(input)}, which is no node of the graph`)
    }
  }
}

/**
 * @internal
 * The lines of a text to draw: split at its line breaks (`\n`, `\r\n`, `\r`, U+2028, U+2029), a
 * tab made a space, and what no label can show (other control characters, a lone half of a
 * surrogate pair, which cannot even be written as UTF-8) made U+FFFD, so that every name and
 * uid can be drawn, whatever it holds.
 */
export function textLines(text: string): string[] {
  return text
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/\t/g, ' ')
    .split(/\r\n|[\n\r\u2028\u2029]/)
    .map(line => line.replace(/[\u0000-\u001F\u007F-\u009F]/g, '\uFFFD'))
}
