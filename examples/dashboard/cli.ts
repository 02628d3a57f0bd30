/**
 * `npm run dashboard`: builds the dashboard page against the built package and serves it on
 * 127.0.0.1, printing the address. `npm run dashboard -- --port 8080` picks the port.
 */
import { parseArgs } from 'node:util'
import { buildDashboard, serveDashboard } from './server'

const USAGE = `usage: npm run dashboard -- [--port N] [--help]

  --port N   the port on 127.0.0.1 (default 5173; 0 picks a free one)
  --help     this text

The page's own settings go in its address, e.g. http://127.0.0.1:5173/?speed=120&window=30s:
  seed, clicks   the simulated clickstream (default 2026, 20000 clicks)
  speed          how much faster than the clock event time runs (default 60: a minute a second)
  window         the PV/UV window (default 1m); early: early results every (default 250ms)
  checkpoint     checkpoint interval (default 3s); db: the IndexedDB databases' prefix
  uv             exact (default) or approximate (HyperLogLog sketches)`

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '5173' }, help: { type: 'boolean', default: false } } })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: '${values.port}' is not a port number (0 to 65535)`)
  const server = await serveDashboard(await buildDashboard({ library: 'package', production: true }), port)
  console.log(`PV/UV dashboard: ${server.url}  (Ctrl-C stops it)`)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
