// `npm test` (after `npm run build`, its pretest):
//
//   1. extract the TypeScript snippets of README.md and docs/**/*.md into .snippets/
//      (scripts/extract-snippets.mjs);
//   2. type-check and compile everything (src, operators, marbles, node, spec, examples, bench,
//      .snippets) with `tsc -p tsconfig.json` into .build/: any type error fails the run and no
//      test runs;
//   3. run jasmine on .build/spec/**/*.spec.js with the helpers (jasmine.json); its summary
//      reporter (spec/helpers/summary-reporter.ts) prints `N passed, N failed[, N skipped]` as
//      the last line.
//
// Exits non-zero if any step fails. Extra arguments go to jasmine, e.g.
// `npm test -- --filter="fileLines"` or `npm test -- .build/spec/node/file-lines.spec.js`.
//
// FC_SEED: the seed of every fast-check property (spec/helpers/fast-check-seed.ts). Each run
// prints `fast-check seed: N` first; `FC_SEED=N npm test` replays that run's generated inputs.
// Unset, a fresh seed is drawn per run. Jasmine's own `--seed` (spec order) is separate.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { extractSnippets } from './extract-snippets.mjs'

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..')
process.chdir(ROOT)

function run(label, args) {
  const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: ROOT })
  if (result.error) {
    console.error(`${label}: could not start: ${result.error.message}`)
    return 1
  }
  return result.status ?? 1
}

/**
 * Deletes the compiled files of .build/ whose source is gone (a deleted spec or doc snippet
 * must not keep running). .build/ is never emptied as a whole, so a jasmine run started
 * meanwhile from the same tree never finds it missing.
 */
function pruneOrphans() {
  const out = join(ROOT, '.build')
  if (!existsSync(out)) return
  const sourceOf = (file) => {
    const m = /^(.*)\.(js|mjs|cjs)(\.map)?$/.exec(file)
    if (!m) return null
    const base = join(ROOT, relative(out, m[1]))
    const exts = { js: ['.ts', '.tsx'], mjs: ['.mts'], cjs: ['.cts'] }[m[2]]
    return exts.map((e) => base + e)
  }
  for (const entry of readdirSync(out, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const file = join(entry.parentPath ?? entry.path, entry.name)
    const sources = sourceOf(file)
    if (sources && !sources.some((s) => existsSync(s))) rmSync(file, { force: true })
  }
}

// 1. Snippets.
const snippets = extractSnippets(ROOT)
console.log(`test: ${snippets.length} documentation snippet(s) extracted to .snippets/`)

// 2. Type-check and compile.
const tsc = run('tsc', [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'])
if (tsc !== 0) {
  console.error('test: tsc -p tsconfig.json found type errors (above); no test was run.')
  process.exit(1)
}

pruneOrphans()

// 3. Jasmine. Its summary line stays the last line of the output.
// Source maps make stack traces point at the .ts sources (and, for snippets, at the doc's lines).
const jasmine = run('jasmine', [
  '--enable-source-maps',
  join(ROOT, 'node_modules/jasmine/bin/jasmine.js'),
  '--config=jasmine.json',
  ...process.argv.slice(2)
])
process.exit(jasmine)
