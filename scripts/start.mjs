// `npm start`: builds the package, compiles the examples against it and runs the main job, the
// PV/UV CLI of examples/pvuv (arguments after `--` go to it: `npm start -- --help`).
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' })
const bin = name => join(root, 'node_modules', '.bin', name)

run(bin('rollup'), ['-c', 'rollup.config.mjs', '--silent'])
run(bin('tsc'), ['-p', 'tsconfig.examples.json'])
run(process.execPath, [join(root, '.build', 'examples', 'pvuv', 'cli.js'), ...process.argv.slice(2)])
