// Extracts the runnable TypeScript snippets of the documentation so that `npm test` type-checks
// and runs them against the built package.
//
// Every fenced block of README.md and docs/**/*.md whose info string starts with `ts` or
// `typescript` becomes `.snippets/<doc-path-with-dashes>-<n>.mts` (n counts the runnable blocks
// of that file from 1). A block marked `ts no-run` or `ts ignore` (also `typescript …`) is
// left out. The folder is emptied first.
//
// Snippets are ES modules (`.mts`): they import the package by name (`'rx-datastream'`,
// `'rx-datastream/node'`, …), which resolves to the BUILT package through the package's
// self-reference and its `exports` map, exactly as a user's ESM code would, and they may use
// top-level `await`. A snippet that exports a Promise as `done` or as its default export is
// awaited by spec/docs/snippets.spec.ts.
//
// Line numbers are kept: line L of a snippet is line L of its markdown file, so a type error in
// `.snippets/docs-windows-2.mts(42,7)` is at line 42 of docs/windows.md.
//
// Usage: node scripts/extract-snippets.mjs   (prints how many snippets it wrote)
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..')
export const SNIPPETS_DIR = join(ROOT, '.snippets')

const RUNNABLE = new Set(['ts', 'typescript'])
const SKIP_MARKERS = new Set(['no-run', 'ignore'])

/** README.md and every markdown file under docs/, sorted, as paths relative to the root. */
export function markdownFiles(root = ROOT) {
  const files = []
  if (existsSync(join(root, 'README.md'))) files.push('README.md')
  const docs = join(root, 'docs')
  if (existsSync(docs)) {
    for (const entry of readdirSync(docs, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.md')) continue
      const dir = entry.parentPath ?? entry.path
      const rel = relative(root, join(dir, entry.name)).split('\\').join('/')
      if (!rel.split('/').includes('node_modules')) files.push(rel)
    }
  }
  return files.sort()
}

/**
 * The fenced code blocks of a markdown text (CommonMark fences: ``` or ~~~, up to three spaces
 * of indentation, closed by a fence of the same character at least as long).
 *
 * @returns `{ info, firstLine, lines }[]`, `firstLine` being the 1-based line of the block's
 *   first code line.
 */
export function fencedBlocks(markdown) {
  const blocks = []
  const lines = markdown.split(/\r\n|\r|\n/)
  let open = null
  lines.forEach((line, i) => {
    if (open === null) {
      const m = /^( {0,3})(`{3,}|~{3,})(.*)$/.exec(line)
      if (m && !(m[2][0] === '`' && m[3].includes('`'))) {
        open = { indent: m[1].length, fence: m[2], info: m[3].trim(), firstLine: i + 2, lines: [] }
      }
      return
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line)
    if (close && close[1][0] === open.fence[0] && close[1].length >= open.fence.length) {
      blocks.push({ info: open.info, firstLine: open.firstLine, lines: open.lines })
      open = null
      return
    }
    // Content lines lose up to the fence's indentation, as CommonMark says.
    let strip = 0
    while (strip < open.indent && line[strip] === ' ') strip++
    open.lines.push(line.slice(strip))
  })
  // An unclosed fence runs to the end of the document (CommonMark).
  if (open !== null) blocks.push({ info: open.info, firstLine: open.firstLine, lines: open.lines })
  return blocks
}

/** Whether a block with this info string is a snippet to run. */
export function isRunnable(info) {
  const words = info.split(/[\s,{}]+/).filter(Boolean)
  return words.length > 0 && RUNNABLE.has(words[0].toLowerCase()) && !words.slice(1).some((w) => SKIP_MARKERS.has(w))
}

const hasModuleSyntax = (code) => /^\s*(import|export)\b/m.test(code)

/** `docs/guide/windows.md` -> `docs-guide-windows` */
const snippetBase = (docPath) =>
  docPath
    .replace(/\.md$/i, '')
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^-+|-+$/g, '')

/** Writes the snippets; returns the list of `{ file, source, line }` written. */
export function extractSnippets(root = ROOT) {
  const out = join(root, '.snippets')
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out, { recursive: true })
  const written = []
  for (const doc of markdownFiles(root)) {
    const blocks = fencedBlocks(readFileSync(join(root, doc), 'utf8')).filter((b) => isRunnable(b.info))
    blocks.forEach((block, i) => {
      const code = block.lines.join('\n')
      const header = `// Extracted from ${doc} (block ${i + 1}, line ${block.firstLine}) by scripts/extract-snippets.mjs: edit the doc, not this file.`
      // Pad so that line numbers match the markdown file.
      const padding = '\n'.repeat(Math.max(0, block.firstLine - 2))
      const footer = hasModuleSyntax(code) ? '' : '\nexport {}'
      const file = `${snippetBase(doc)}-${i + 1}.mts`
      writeFileSync(join(out, file), `${header}\n${padding}${code}\n${footer}\n`)
      written.push({ file: `.snippets/${file}`, source: doc, line: block.firstLine })
    })
  }
  return written
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const written = extractSnippets()
  console.log(`extract-snippets: ${written.length} snippet(s) from the docs written to .snippets/`)
}
