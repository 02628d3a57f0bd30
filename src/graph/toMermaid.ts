/**
 * A stream graph as a Mermaid flowchart, which GitHub, GitLab and most documentation sites draw
 * from a ```` ```mermaid ```` block.
 *
 * @since 0.1.0
 */
import { type GraphLayout, type LaidNode, layoutGraph, STUB_LABEL, textLines } from './graphLayout'
import type { StreamGraphJson } from './StreamGraph'

/**
 * Draws a stream graph as a Mermaid flowchart, left to right.
 *
 * <span class="informal">Paste it into a ```` ```mermaid ```` block of a README or an issue.</span>
 *
 * - Each operator is a node labelled with its name and, below, its uid (with its kind when the
 *   name is not the kind); a stateful operator is drawn as a cylinder.
 * - A chain of several operators (records pass from one to the next as a direct call) is a
 *   subgraph, `chain N`.
 * - An edge into an operator of several inputs says which input it is (`input 1`).
 * - An input that reads no operator of the job (plain RxJS in between) comes from a dashed
 *   `RxJS` stub.
 *
 * Any name or uid is drawn as it is: quotes, brackets, `<`, `>`, `#`, line breaks and the like
 * are written as Mermaid entity codes (`#34;`), so no name can break the chart.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const job = ds.execute(env =>
 *   env.fromArray([1, 2, 3], { uid: 'numbers' }).pipe(
 *     ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid: 'timestamps' }),
 *     ds.filterValues((n: number) => n % 2 === 1, { name: 'odd', uid: 'odd' })))
 * await job.done
 * console.log(ds.toMermaid(job.graph))
 * // flowchart LR
 * //     subgraph chain0 ["chain 0"]
 * //         n0[("fromArray<br/>numbers")]
 * //         n1[("assignTimestampsAndWatermarks<br/>timestamps")]
 * //         n2["odd<br/>filterValues · odd"]
 * //     end
 * //     n0 --> n1
 * //     n1 --> n2
 *
 * @see {@link toDot}
 * @param graph `job.graph`, or a graph read back from its JSON
 * @returns the flowchart's text, a line per statement, ending with a line break
 * @category graph
 * @since 0.1.0
 */
export function toMermaid(graph: StreamGraphJson): string {
  return mermaid(layoutGraph(graph, 'toMermaid'))
}

const INDENT = '    '

function mermaid({ items, stubs, edges }: GraphLayout): string {
  const lines = ['flowchart LR']
  for (const item of items) {
    if (item._tag === 'Node') {
      lines.push(INDENT + node(item.node))
      continue
    }
    lines.push(`${INDENT}subgraph chain${item.chain} ["chain ${item.chain}"]`)
    for (const n of item.nodes) lines.push(INDENT + INDENT + node(n))
    lines.push(`${INDENT}end`)
  }
  for (const stub of stubs) lines.push(`${INDENT}${stub}(("${STUB_LABEL}"))`)
  for (const e of edges) {
    const arrow = e.outside ? '-.->' : '-->'
    lines.push(`${INDENT}${e.from} ${arrow}${e.label === undefined ? '' : `|"${e.label}"|`} ${e.to}`)
  }
  return lines.join('\n') + '\n'
}

/** `n0["label"]`, or a cylinder, `n0[("label")]`, for an operator with state. */
function node({ id, node, lines }: LaidNode): string {
  const label = lines.map(line => textLines(line).map(escape).join(BREAK)).join(BREAK)
  return node.stateful ? `${id}[("${label}")]` : `${id}["${label}"]`
}

const BREAK = '<br/>'

/**
 * Inside a quoted label Mermaid's lexer takes anything but `"`; but before lexing it rewrites
 * `#name;` into an entity and edits lines that look like `style …:…#…;`, it strips `%%`
 * comments and reads `%%{…}%%` directives, a label quoted in backticks is markdown, and with
 * HTML labels `<`, `>` and `&` are markup. So each of these characters is written as its numeric
 * entity code (decimal, which every Mermaid version reads; named ones like `#lt;` are not
 * always decoded when labels are not HTML), and the only raw `<` or `>` left is the line break.
 *
 * One sequence survives any escaping: Mermaid draws a backslash followed by `n` as a line break,
 * after it has decoded the entities. A backslash before an `n` is therefore followed by a word
 * joiner (U+2060, `#8288;`), which is drawn as nothing and keeps the two apart.
 */
const ESCAPED = /["#&<>:;%`[\]{}()|\\]/g

function escape(text: string): string {
  return text.replace(ESCAPED, (c: string, at: number) => `#${c.charCodeAt(0)};${c === '\\' && text[at + 1] === 'n' ? '#8288;' : ''}`)
}
