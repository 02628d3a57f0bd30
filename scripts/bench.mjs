#!/usr/bin/env node
// npm run bench [-- --events N --only ID --rounds N --source array|lazy --json --baseline REF]  (see bench/README.md)
//
// Compiles bench/ with bench/tsconfig.json (the library from source, ../src) into bench/.build/,
// kept apart from .build/ (which npm test prunes and rewrites), then runs it with
// node --expose-gc so the harness can gc() between variants. Never part of npm test.
//
// --baseline REF (any git ref or commit): also exports the library's sources at REF into
// bench/.baseline/<commit>/ and compiles them with the bench's compiler options into
// bench/.build-baseline/<commit>/; the bench process loads that copy as well and runs every
// rx-datastream variant on both (ID and ID@base), interleaved, so a runtime change is measured
// before and after in one process. Both directories are git-ignored; a commit's export never
// changes, so it is kept and reused.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const run = (command, args) => spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: false })
const tscBin = join(root, 'node_modules', 'typescript', 'bin', 'tsc')

function fail(message, status = 2) {
  console.error(`bench: ${message}`)
  process.exit(status)
}

/** Splits `--baseline REF` / `--baseline=REF` off the arguments meant for the bench itself. */
function takeBaseline(args) {
  const rest = []
  let ref
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === '--') {
      rest.push(...args.slice(i))
      break
    }
    if (arg === '--baseline' || arg.startsWith('--baseline=')) {
      if (ref !== undefined) fail('--baseline given twice')
      ref = arg === '--baseline' ? args[++i] : arg.slice('--baseline='.length)
      if (ref === undefined || ref === '' || ref.startsWith('--')) fail('--baseline needs a git ref or commit')
      continue
    }
    rest.push(arg)
  }
  return { ref, rest }
}

function git(args, options = {}) {
  const r = spawnSync('git', args, { cwd: root, encoding: options.encoding ?? 'utf8', maxBuffer: 256 * 1024 * 1024 })
  if (r.error) fail(`git ${args[0]}: ${r.error.message}`)
  return r
}

/** Extracts `paths` of `commit` into `dir` (git archive | tar: no checkout, no index touched). */
function exportPaths(commit, paths, dir) {
  const archive = git(['archive', '--format=tar', commit, '--', ...paths], { encoding: 'buffer' })
  if (archive.status !== 0) fail(`git archive ${commit} ${paths.join(' ')}: ${archive.stderr.toString().trim()}`)
  const tar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout })
  if (tar.status !== 0) fail(`tar -x: ${tar.error?.message ?? tar.stderr.toString().trim()}`)
}

const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.\.?\/[^'"]*)['"]/gm

/**
 * The top-level paths (src, operators, …) that the TypeScript files under `dir` import and that
 * are not exported yet: src/index.ts re-exports ../operators/index, whose operators import
 * ../src/…, and a later commit may reach further.
 */
function missingImports(dir, exported) {
  const missing = new Set()
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(ts|mts|cts)$/.test(entry.name)) continue
    const file = join(entry.parentPath ?? entry.path, entry.name)
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) {
      const target = relative(dir, resolve(dirname(file), spec))
      if (target.startsWith('..')) fail(`baseline: ${relative(dir, file)} imports ${spec}, outside the repository`)
      const top = target.split(sep)[0]
      if (top !== '' && !exported.has(top)) missing.add(top)
    }
  }
  return [...missing]
}

/** Exports the library's sources at `commit` (src/, operators/ and what they import) into `dir`. */
function exportLibrary(commit, dir) {
  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  const exported = new Set()
  let next = ['src', 'operators']
  while (next.length > 0) {
    // A path the graph names but the commit lacks fails here, with git's message.
    exportPaths(commit, next, tmp)
    for (const p of next) exported.add(p)
    next = missingImports(tmp, exported)
  }
  try {
    renameSync(tmp, dir)
  } catch (error) {
    // Another bench run exported the same commit meanwhile: its copy is as good.
    rmSync(tmp, { recursive: true, force: true })
    if (!existsSync(dir)) throw error
  }
}

/**
 * Resolves `ref`, exports and compiles its library, returns the compiled public entry
 * (src/index.js) and a label for the report.
 */
function prepareBaseline(ref) {
  const rev = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])
  if (rev.status !== 0) fail(`--baseline ${ref}: not a commit in this repository`)
  const commit = rev.stdout.trim()
  const subject = git(['log', '-1', '--format=%h %s', commit]).stdout.trim()
  const srcDir = join(root, 'bench', '.baseline', commit)
  const outDir = join(root, 'bench', '.build-baseline', commit)
  if (!existsSync(srcDir)) {
    mkdirSync(dirname(srcDir), { recursive: true })
    exportLibrary(commit, srcDir)
  }
  // The bench's own options (bench/tsconfig.json, CommonJS), only the public entry as root: tsc
  // follows its imports. rxjs and the other dependencies resolve from the project's
  // node_modules, so the two libraries share one RxJS.
  const tsconfig = {
    extends: '../../tsconfig.json',
    compilerOptions: {
      rootDir: '.',
      outDir: relative(srcDir, outDir),
      tsBuildInfoFile: join(relative(srcDir, outDir), 'tsconfig.tsbuildinfo')
    },
    files: ['src/index.ts'],
    include: []
  }
  writeFileSync(join(srcDir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`)
  console.log(`bench: baseline ${ref} = ${subject}; compiling its library`)
  const tsc = run(process.execPath, [tscBin, '-p', join(srcDir, 'tsconfig.json')])
  if (tsc.status !== 0) fail(`the baseline's library (${ref}) does not compile with the bench's options`, tsc.status ?? 1)
  return { module: join(outDir, 'src', 'index.js'), label: `${ref} = ${subject}` }
}

const { ref, rest } = takeBaseline(process.argv.slice(2))
const baseline = ref === undefined ? undefined : prepareBaseline(ref)

const tsc = run(process.execPath, [tscBin, '-p', 'bench/tsconfig.json'])
if (tsc.status !== 0) {
  console.error('bench: compilation failed')
  process.exit(tsc.status ?? 1)
}

const baselineArgs = baseline === undefined ? [] : ['--baseline-module', baseline.module, '--baseline-label', baseline.label]
const bench = run(process.execPath, ['--expose-gc', join(root, 'bench', '.build', 'bench', 'main.js'), ...baselineArgs, ...rest])
if (bench.error) throw bench.error
process.exit(bench.status ?? 1)
