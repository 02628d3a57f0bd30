/**
 * Specs in a real browser: the system's headless Chromium (Debian's `chromium` package, at
 * /usr/bin/chromium), driven by playwright-core, which downloads no browser of its own.
 *
 * `useBrowser(pageEntry)`, called in a `describe`, gives its specs one browser for the whole
 * suite: its beforeAll bundles the page entry from the TypeScript sources with esbuild (so the
 * page runs the code as it is now, not a stale build), serves it from a small HTTP server on
 * 127.0.0.1 (IndexedDB and the other storage APIs need an http origin: about:blank and file:
 * have none) and launches Chromium; its afterAll closes them.
 *
 * Where /usr/bin/chromium is missing the suite's specs are pending, with the reason printed;
 * with CI=true they fail instead, since CI installs the package (.ci/run).
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { build } from 'esbuild'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { serveFiles } from '../../examples/dashboard/server'

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium'

const ROOT = resolve(__dirname, '../../..') // compiled: .build/spec/support

const LAUNCH_ARGS = [
  '--headless',
  // CI runs as root, where Chromium's sandbox cannot start.
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  // Nothing of its own on the network: the specs' server is all it talks to.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

const SETUP_TIMEOUT_MS = 60_000

/** What the specs of a `useBrowser` suite get. */
export interface BrowserHarness {
  readonly browser: Browser
  /** One context (one profile: one origin's IndexedDB) shared by the suite's pages. */
  readonly context: BrowserContext
  /** The page's address: `http://127.0.0.1:<port>/`. */
  readonly url: string
  /** A new page of `context` (the shared one by default), loaded, with the page entry's script run. */
  openPage(context?: BrowserContext): Promise<Page>
}

/** A page served for a suite: its address, and how to stop serving it. */
export interface ServedPage {
  readonly url: string
  close(): Promise<void>
}

/**
 * Sets up a browser for the enclosing `describe` and returns the accessor its specs call.
 *
 * @param pageEntry The page's TypeScript entry, from the repository root
 *   (`spec/browser/page/….ts`); it is bundled into one classic script, run by a blank page.
 */
export function useBrowser(pageEntry: string): () => BrowserHarness {
  return useBrowserOn(async () => serve(await bundle(pageEntry)))
}

/**
 * The same for a page that serves itself (an example application with its own HTML): `servePage`
 * is called once in the suite's beforeAll, and what it returns is closed in its afterAll.
 */
export function useBrowserOn(servePage: () => Promise<ServedPage>): () => BrowserHarness {
  let harness: BrowserHarness | undefined
  let served: ServedPage | undefined
  let browser: Browser | undefined
  const missing = !existsSync(CHROMIUM)

  if (missing && process.env['CI'] !== 'true') {
    const reason = `${CHROMIUM} is missing: install Debian's chromium package to run the browser specs`
    process.stdout.write(`browser specs pending: ${reason}\n`)
    beforeEach(() => pending(reason))
    return () => {
      throw new Error(reason)
    }
  }

  beforeAll(async () => {
    if (missing) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium package before npm test (.ci/run)`)
    served = await servePage()
    const url = served.url
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS, timeout: SETUP_TIMEOUT_MS })
    const shared = await browser.newContext()
    harness = {
      browser,
      context: shared,
      url,
      openPage: async (context = shared) => {
        const page = await context.newPage()
        await page.goto(url)
        return page
      }
    }
  }, SETUP_TIMEOUT_MS)

  afterAll(async () => {
    await browser?.close()
    await served?.close()
    harness = undefined
  }, SETUP_TIMEOUT_MS)

  return () => {
    if (harness === undefined) throw new Error('the browser did not start: see the failure of the suite')
    return harness
  }
}

/** The page entry and everything it imports, as one script that runs on load. */
async function bundle(pageEntry: string): Promise<string> {
  const result = await build({
    entryPoints: [resolve(ROOT, pageEntry)],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    sourcemap: 'inline',
    logLevel: 'silent'
  })
  const output = result.outputFiles[0]
  if (output === undefined) throw new Error(`esbuild wrote nothing for ${pageEntry}`)
  return output.text
}

/** Serves a blank page that loads `script`, on 127.0.0.1 at a free port. */
function serve(script: string): Promise<ServedPage> {
  const html = '<!doctype html><html><head><meta charset="utf-8"><title>rx-datastream specs</title><script src="/page.js"></script></head><body></body></html>'
  return serveFiles(
    new Map([
      ['/', ['text/html; charset=utf-8', html]],
      ['/page.js', ['text/javascript; charset=utf-8', script]]
    ])
  )
}
