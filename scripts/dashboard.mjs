// `npm run dashboard`: builds the package, compiles the examples against it and serves the PV/UV
// dashboard of examples/dashboard on 127.0.0.1 (arguments after `--` go to it: `--port`, `--help`).
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' })
const bin = name => join(root, 'node_modules', '.bin', name)

run(bin('rollup'), ['-c', 'rollup.config.mjs', '--silent'])
run(bin('tsc'), ['-p', 'tsconfig.examples.json'])
run(process.execPath, [join(root, '.build', 'examples', 'dashboard', 'cli.js'), ...process.argv.slice(2)])
