/**
 * Runs every documentation snippet (README.md and docs/**\/*.md, extracted by
 * scripts/extract-snippets.mjs and compiled by tsc into .build/.snippets/) against the built
 * package: one spec per snippet. A snippet fails when loading it throws (top-level `await`
 * included), or when the Promise it exports as `done` or as its default export rejects.
 *
 * What a snippet prints is kept quiet, and shown in the failure message when it fails.
 * With no snippet yet, this file registers no spec.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { format } from 'node:util'

const SNIPPETS = resolve(__dirname, '../../.snippets') // compiled: .build/.snippets
const SOURCES = resolve(__dirname, '../../../.snippets') // extracted: .snippets
const TIMEOUT_MS = 20_000

const list = (dir: string, ext: RegExp): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => ext.test(f))
        .sort()
    : []
const snippetFiles = list(SNIPPETS, /\.m?js$/)
const sourceFiles = list(SOURCES, /\.m?ts$/)

/** "docs/windows.md (block 2, line 40)", from the header the extractor writes. */
function origin(file: string): string {
  const first = readFileSync(join(SNIPPETS, file), 'utf8').split('\n', 1)[0] ?? ''
  const m = /^\/\/ Extracted from (.+?) \((block \d+, line \d+)\)/.exec(first)
  return m ? `${m[1]} (${m[2]})` : file
}

const isThenable = (x: unknown): x is PromiseLike<unknown> =>
  (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as PromiseLike<unknown>).then === 'function'

const LOG_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const

if (snippetFiles.length > 0 || sourceFiles.length > 0) {
  describe('documentation snippets', () => {
    // Extracted snippets that tsc did not compile would otherwise be skipped silently.
    it('are all compiled', () => {
      const compiled = new Set(snippetFiles.map((f) => f.replace(/\.m?js$/, '')))
      expect(sourceFiles.filter((f) => !compiled.has(f.replace(/\.m?ts$/, ''))))
        .withContext('.snippets/* not compiled into .build/.snippets/ (is .snippets in the tsconfig.json include?)')
        .toEqual([])
    })

    for (const file of snippetFiles) {
      it(`${origin(file)} runs`, async () => {
        const printed: string[] = []
        const saved = LOG_METHODS.map((m) => console[m])
        for (const m of LOG_METHODS) console[m] = (...args: unknown[]) => void printed.push(format(...args))
        try {
          const mod: Record<string, unknown> = await import(pathToFileURL(join(SNIPPETS, file)).href)
          if (isThenable(mod['done'])) await mod['done']
          if (isThenable(mod['default'])) await mod['default']
        } catch (e) {
          const output = printed.length > 0 ? `\n--- it printed ---\n${printed.join('\n')}` : ''
          fail(`.snippets/${file.replace(/\.m?js$/, '.mts')} (from ${origin(file)}) failed: ${
            e instanceof Error ? (e.stack ?? e.message) : String(e)
          }${output}`)
        } finally {
          LOG_METHODS.forEach((m, i) => (console[m] = saved[i] as never))
        }
      }, TIMEOUT_MS)
    }
  })
}
