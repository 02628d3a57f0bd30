/**
 * Builds the dashboard page and serves it on 127.0.0.1: `npm run dashboard` (cli.ts) and the
 * browser spec both use it. esbuild bundles main.ts and what it imports into one script;
 * `rx-datastream` comes from the built package (as an application would have it) or, for the
 * spec, straight from the sources, so the page runs the code as it is now.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'

/** The repository's root: this file runs compiled, from .build/examples/dashboard. */
const ROOT = resolve(__dirname, '../../..')
const PAGE = join(ROOT, 'examples', 'dashboard')

export interface DashboardBuildOptions {
  /** Where `rx-datastream` comes from: `'package'` (dist/, `npm run build` first) or `'sources'` (src/). */
  readonly library: 'package' | 'sources'
  /** Minified, with `process.env.NODE_ENV` set to production (no state validation). */
  readonly production: boolean
}

/** The page's script: main.ts and everything it imports, one classic script. */
export async function buildDashboard({ library, production }: DashboardBuildOptions): Promise<string> {
  const result = await build({
    entryPoints: [join(PAGE, 'main.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    minify: production,
    sourcemap: production ? false : 'inline',
    define: { 'process.env.NODE_ENV': JSON.stringify(production ? 'production' : 'development') },
    alias: { 'rx-datastream': library === 'sources' ? join(ROOT, 'src', 'index.ts') : join(ROOT, 'dist', 'esm', 'index.mjs') },
    logLevel: 'silent'
  })
  const output = result.outputFiles[0]
  if (output === undefined) throw new Error('esbuild wrote nothing for examples/dashboard/main.ts')
  return output.text
}

/** The files the page loads, by path. */
function files(script: string): Map<string, readonly [type: string, body: string]> {
  return new Map([
    ['/', ['text/html; charset=utf-8', readFileSync(join(PAGE, 'index.html'), 'utf8')]],
    ['/dashboard.js', ['text/javascript; charset=utf-8', script]],
    ['/uPlot.min.css', ['text/css; charset=utf-8', readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8')]]
  ])
}

/** A running dashboard server. */
export interface DashboardServer {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string
  close(): Promise<void>
}

/**
 * Serves `files` (by path: content type and body) on 127.0.0.1 at `port` (0: a free one).
 * IndexedDB needs an http origin, and the address stays on this machine.
 */
export async function serveFiles(files: ReadonlyMap<string, readonly [type: string, body: string]>, port = 0): Promise<DashboardServer> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname
    const file = files.get(path === '/index.html' ? '/' : path)
    response.writeHead(file === undefined ? 404 : 200, { 'content-type': file?.[0] ?? 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
    response.end(file?.[1] ?? 'not found')
  })
  await new Promise<void>((done, fail) => {
    server.once('error', fail)
    server.listen(port, '127.0.0.1', () => done())
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>(done => {
        server.closeAllConnections()
        server.close(() => done())
      })
  }
}

/** Serves the page built from `script` (buildDashboard) on 127.0.0.1 at `port` (0: a free one). */
export const serveDashboard = (script: string, port = 0): Promise<DashboardServer> => serveFiles(files(script), port)
