// Runs an example program: builds the package, compiles the examples against it (as a user's
// code would import it) and runs the compiled entry given first, e.g. `pvuv/cli` for
// `npm start` (the PV/UV CLI) or `dashboard/cli` for `npm run dashboard`. The arguments after
// `--` go to the program: `npm start -- --help`.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' })
const bin = name => join(root, 'node_modules', '.bin', name)
const [entry, ...args] = process.argv.slice(2)
if (entry === undefined) throw new Error('usage: node scripts/example.mjs <examples entry, e.g. pvuv/cli> [arguments]')

run(bin('rollup'), ['-c', 'rollup.config.mjs', '--silent'])
run(bin('tsc'), ['-p', 'tsconfig.examples.json'])
run(process.execPath, [join(root, '.build', 'examples', `${entry}.js`), ...args])
