/**
 * Specs that run Graphviz's `dot` (Debian's `graphviz` package) on the DOT text `toDot` writes.
 *
 * `useGraphviz()`, called in a `describe`, gives its specs a function that runs `dot` on a text.
 * Where `dot` is missing the suite's specs are pending, with the reason printed; with CI=true
 * they fail instead, since CI installs the package (.ci/run). The same rule as the browser
 * specs (./browser.ts).
 */
import { spawnSync } from 'node:child_process'

/** What one run of `dot` gave. */
export interface DotRun {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `dot -T<format>` with `input` on its standard input. */
export type RunDot = (input: string, format?: 'svg' | 'plain') => DotRun

/** Whether `dot` can be run. */
export function dotInstalled(): boolean {
  const probe = spawnSync('dot', ['-V'], { encoding: 'utf8' })
  return probe.error === undefined && probe.status === 0
}

export const runDot: RunDot = (input, format = 'svg') => {
  const result = spawnSync('dot', [`-T${format}`], { input, encoding: 'utf8', timeout: 30_000, maxBuffer: 64 * 1024 * 1024 })
  if (result.error !== undefined) throw result.error
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

export const DOT_MISSING = "Graphviz's dot is not installed: install Debian's graphviz package to run the DOT specs"

export function useGraphviz(): RunDot {
  if (dotInstalled()) return runDot
  if (process.env['CI'] !== 'true') {
    const reason = DOT_MISSING
    process.stdout.write(`graphviz specs pending: ${reason}\n`)
    beforeEach(() => pending(reason))
  } else {
    beforeAll(() => {
      throw new Error("Graphviz's dot is not installed: CI must install Debian's graphviz package before npm test (.ci/run)")
    })
  }
  return () => {
    throw new Error('dot is not installed')
  }
}

/**
 * The text lines of each node of an SVG drawn by `dot`, by node id (its `<title>`), with XML
 * entities decoded: what the picture shows.
 */
export function svgLabels(svg: string): Map<string, string[]> {
  const decode = (s: string): string =>
    s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
      e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'apos' ? "'" : String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : Number(e.slice(1)))
    )
  const labels = new Map<string, string[]>()
  for (const g of svg.matchAll(/<g id="[^"]*" class="node">\s*<title>([^<]*)<\/title>([\s\S]*?)<\/g>/g)) {
    labels.set(decode(g[1]!), [...g[2]!.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map(t => decode(t[1]!)))
  }
  return labels
}
