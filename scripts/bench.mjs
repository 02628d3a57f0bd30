#!/usr/bin/env node
// npm run bench [-- --events N --only ID --rounds N --source array|lazy --json]  (see bench/README.md)
//
// Compiles bench/ with bench/tsconfig.json (the library from source, ../src) into bench/.build/,
// kept apart from .build/ (which npm test prunes and rewrites), then runs it with
// node --expose-gc so the harness can gc() between variants. Never part of npm test.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const run = (command, args) => spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: false })

const tsc = run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'bench/tsconfig.json'])
if (tsc.status !== 0) {
  console.error('bench: compilation failed')
  process.exit(tsc.status ?? 1)
}

const bench = run(process.execPath, ['--expose-gc', join(root, 'bench', '.build', 'bench', 'main.js'), ...process.argv.slice(2)])
if (bench.error) throw bench.error
process.exit(bench.status ?? 1)
