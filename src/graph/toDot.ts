/**
 * A stream graph in Graphviz's DOT language, for `dot -Tsvg` and the many programs that read DOT.
 *
 * @since 0.1.0
 */
import { type GraphLayout, type LaidNode, layoutGraph, STUB_LABEL, textLines } from './graphLayout'
import type { StreamGraphJson } from './StreamGraph'

/**
 * Draws a stream graph as a Graphviz `digraph`, left to right, named after the job.
 *
 * <span class="informal">`dot -Tsvg graph.dot > graph.svg` makes a picture of it.</span>
 *
 * - Each operator is a box labelled with its name and, below, its uid (with its kind when the
 *   name is not the kind); a stateful operator is drawn as a cylinder.
 * - A chain of several operators (records pass from one to the next as a direct call) is a
 *   dashed cluster, `chain N`.
 * - An edge into an operator of several inputs says which input it is (`input 1`).
 * - An input that reads no operator of the job (plain RxJS in between) comes from a dashed
 *   `RxJS` stub.
 *
 * Any name or uid is drawn as it is: quotes, backslashes, `&` and line breaks are escaped, so no
 * name can break the graph or turn into one of Graphviz's `\N`-style substitutions.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const job = ds.execute(env =>
 *   env.fromArray([1, 2, 3], { uid: 'numbers' }).pipe(
 *     ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid: 'timestamps' }),
 *     ds.filterValues((n: number) => n % 2 === 1, { name: 'odd', uid: 'odd' })),
 *   { jobId: 'numbers' })
 * await job.done
 * console.log(ds.toDot(job.graph))
 * // digraph "numbers" {
 * //   rankdir=LR
 * //   node [shape=box]
 * //   subgraph cluster_0 {
 * //     label="chain 0"
 * //     style=dashed
 * //     n0 [label="fromArray\nnumbers", shape=cylinder]
 * //     …
 *
 * @see {@link toMermaid}
 * @param graph `job.graph`, or a graph read back from its JSON
 * @returns the graph's DOT text, ending with a line break
 * @category graph
 * @since 0.1.0
 */
export function toDot(graph: StreamGraphJson): string {
  return dot(graph.jobId, layoutGraph(graph, 'toDot'))
}

const INDENT = '  '

function dot(jobId: string, { items, stubs, edges }: GraphLayout): string {
  const lines = [`digraph ${quote(textLines(jobId).join('\n'))} {`, `${INDENT}rankdir=LR`, `${INDENT}node [shape=box]`]
  for (const item of items) {
    if (item._tag === 'Node') {
      lines.push(INDENT + node(item.node))
      continue
    }
    // Graphviz draws a subgraph as a box only when its name starts with `cluster`.
    lines.push(`${INDENT}subgraph cluster_${item.chain} {`, `${INDENT}${INDENT}label=${quote(`chain ${item.chain}`)}`, `${INDENT}${INDENT}style=dashed`)
    for (const n of item.nodes) lines.push(INDENT + INDENT + node(n))
    lines.push(`${INDENT}}`)
  }
  for (const stub of stubs) lines.push(`${INDENT}${stub} [label=${quote(STUB_LABEL)}, shape=plaintext]`)
  for (const e of edges) {
    const attributes = [...(e.label === undefined ? [] : [`label=${quote(e.label)}`]), ...(e.outside ? ['style=dashed'] : [])]
    lines.push(`${INDENT}${e.from} -> ${e.to}${attributes.length === 0 ? '' : ` [${attributes.join(', ')}]`}`)
  }
  lines.push('}')
  return lines.join('\n') + '\n'
}

function node({ id, node, lines }: LaidNode): string {
  const label = quote(lines.flatMap(textLines).join('\n'))
  return `${id} [label=${label}${node.stateful ? ', shape=cylinder' : ''}]`
}

/**
 * A DOT string: its lexer knows only `\"`, but labels go through two more readings, which
 * turn `\\` into `\`, `\n` (`\l`, `\r`) into line breaks, `\N`, `\G`, `\E`, `\T`, `\H`, `\L`
 * into the node's, graph's or edge's names, and `&amp;`-style entities into characters. So a
 * backslash is doubled (which also keeps it from starting any of those), `"` is escaped, `&`
 * becomes `&amp;`, and a line break becomes `\n`.
 */
function quote(text: string): string {
  return `"${text.replace(/[\\"&\n]/g, c => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : c === '&' ? '&amp;' : '\\n'))}"`
}
