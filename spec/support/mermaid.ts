/**
 * A strict checker of the Mermaid flowcharts `toMermaid` writes.
 *
 * Why not Mermaid itself: its parser is not a public entry point, and the package it ships in
 * needs a DOM (DOMPurify, d3) as soon as it is loaded, so it does not run in Node without a
 * browser; the parsers published apart from it cover other diagram types, not flowcharts. So
 * this checks the subset `toMermaid` emits against the rules of Mermaid's grammar that the
 * subset relies on, and nothing looser: every line matches one statement form, every label is
 * made only of characters that Mermaid's lexer and its pre-processing leave alone plus numeric
 * entity codes and `<br/>`, ids are unique and declared before use, every edge joins declared
 * nodes, subgraphs are balanced and not nested. It also decodes each label, so a spec can check
 * that what Mermaid will show is the text that was drawn.
 */

/** A node as a Mermaid chart declares it. */
export interface MermaidNode {
  readonly id: string
  readonly shape: 'box' | 'cylinder' | 'circle'
  /** The label's lines, entity codes decoded. */
  readonly lines: readonly string[]
  /** The subgraph it is declared in, if any. */
  readonly subgraph: string | undefined
}

export interface MermaidEdge {
  readonly from: string
  readonly to: string
  readonly dashed: boolean
  readonly label: string | undefined
}

export interface MermaidChart {
  readonly nodes: ReadonlyMap<string, MermaidNode>
  readonly subgraphs: ReadonlyMap<string, { readonly title: string; readonly members: readonly string[] }>
  readonly edges: readonly MermaidEdge[]
}

/**
 * What a label may hold between its quotes: no `"` (it ends the string), none of the characters
 * Mermaid's pre-processing or HTML labels act on (`#` only as a numeric entity code, `<` and `>`
 * only in `<br/>`), no control character and no line separator, no lone surrogate.
 */
const PLAIN = String.raw`[^"#&<>:;%\x60\[\]{}()|\\\u0000-\u001F\u007F-\u009F\u2028\u2029\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF]`
const LABEL = String.raw`(?:${PLAIN}|#\d{1,7};|<br/>)*`
const ID = String.raw`n\d+`

const FORMS = {
  header: /^flowchart LR$/,
  node: new RegExp(String.raw`^( {4}| {8})(${ID})(?:\["(${LABEL})"\]|\[\("(${LABEL})"\)\])$`),
  stub: /^ {4}(rx\d+)\(\("RxJS"\)\)$/,
  subgraph: /^ {4}subgraph (chain\d+) \["(chain \d+)"\]$/,
  end: /^ {4}end$/,
  edge: new RegExp(String.raw`^ {4}(${ID}|rx\d+) (-->|-\.->)(?:\|"(input \d+)"\|)? (${ID})$`)
}

/**
 * Decodes a label as Mermaid shows it: entity codes become characters (`#34;` → `"`), and
 * `<br/>` and a backslash followed by `n` (Mermaid reads it as a line break, even after decoding
 * `#92;n`) start a new line; a word joiner, which is drawn as nothing, is dropped after a backslash.
 */
function decode(label: string, fail: (why: string) => never): string[] {
  return label
    .split('<br/>')
    .flatMap(line =>
      line
        .replace(/#(\d{1,7});/g, (_, code: string) => {
          const n = Number(code)
          if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) fail(`#${code}; is no character`)
          return String.fromCodePoint(n)
        })
        .split('\\n')
    )
    .map(line => line.replace(/\\\u2060/g, '\\'))
}

/** Checks `text` line by line; throws an Error naming the first line that breaks a rule. */
export function checkMermaid(text: string): MermaidChart {
  if (!text.endsWith('\n')) throw new Error('the chart does not end with a line break')
  if (text.includes('\r')) throw new Error('the chart holds a carriage return')
  const lines = text.slice(0, -1).split('\n')
  const nodes = new Map<string, MermaidNode>()
  const subgraphs = new Map<string, { title: string; members: string[] }>()
  const edges: MermaidEdge[] = []
  let open: string | undefined
  let edgesStarted = false
  lines.forEach((line, i) => {
    const fail = (why: string): never => {
      throw new Error(`line ${i + 1} ${JSON.stringify(line)}: ${why}`)
    }
    if (i === 0) {
      if (!FORMS.header.test(line)) fail('expected `flowchart LR`')
      return
    }
    const declare = (node: MermaidNode): void => {
      if (nodes.has(node.id) || subgraphs.has(node.id)) fail(`${node.id} is declared twice`)
      if (edgesStarted) fail('a node declared after the edges')
      nodes.set(node.id, node)
      if (open !== undefined) subgraphs.get(open)!.members.push(node.id)
    }
    let m: RegExpExecArray | null
    if ((m = FORMS.node.exec(line)) !== null) {
      const inside = m[1]!.length === 8
      if (inside !== (open !== undefined)) fail(inside ? 'indented as inside a subgraph, outside one' : 'not indented inside its subgraph')
      const label = m[3] ?? m[4]!
      declare({ id: m[2]!, shape: m[3] === undefined ? 'cylinder' : 'box', lines: decode(label, fail), subgraph: open })
    } else if ((m = FORMS.stub.exec(line)) !== null) {
      if (open !== undefined) fail('a stub inside a subgraph')
      declare({ id: m[1]!, shape: 'circle', lines: ['RxJS'], subgraph: undefined })
    } else if ((m = FORMS.subgraph.exec(line)) !== null) {
      if (open !== undefined) fail(`a subgraph inside ${open}`)
      if (edgesStarted) fail('a subgraph after the edges')
      if (subgraphs.has(m[1]!) || nodes.has(m[1]!)) fail(`${m[1]} is declared twice`)
      open = m[1]!
      subgraphs.set(open, { title: m[2]!, members: [] })
    } else if (FORMS.end.test(line)) {
      if (open === undefined) fail('`end` without a subgraph')
      if (subgraphs.get(open!)!.members.length === 0) fail(`subgraph ${open} is empty`)
      open = undefined
    } else if ((m = FORMS.edge.exec(line)) !== null) {
      if (open !== undefined) fail('an edge inside a subgraph')
      edgesStarted = true
      const [, from, arrow, label, to] = m
      if (!nodes.has(from!)) fail(`${from} is not declared`)
      if (!nodes.has(to!)) fail(`${to} is not declared`)
      if (from!.startsWith('rx') !== (arrow === '-.->')) fail('only an edge from a stub is dashed')
      edges.push({ from: from!, to: to!, dashed: arrow === '-.->', label })
    } else {
      fail('matches no statement of the subset')
    }
  })
  if (open !== undefined) throw new Error(`subgraph ${open} is not closed`)
  return { nodes, subgraphs, edges }
}
