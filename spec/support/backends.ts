/**
 * The state backends every keyed-state spec runs against: one suite, parameterised. A spec
 * file wraps its suite in `describeBackends`, and the helpers of `keyed.ts` (`testBackend`,
 * `runKeyed`, `outputOf`, `keyedOptions`) use the backend of the suite that runs.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ds from '../../src/index'
import { lmdbStateBackend } from '../../node/index'

/** The backends by name; `lmdb` keeps its stores in a temporary directory per suite. */
export const BACKEND_NAMES = ['heap', 'lmdb'] as const
export type BackendName = (typeof BACKEND_NAMES)[number]

let current: ds.StateBackend = ds.heapStateBackend()

/** The backend of the suite running now (the heap outside `describeBackends`). */
export function currentBackend(): ds.StateBackend {
  return current
}

/** Makes backend `name`; `cleanup` deletes what it wrote. */
export async function makeBackend(name: BackendName): Promise<{ readonly backend: ds.StateBackend; readonly cleanup: () => void }> {
  if (name === 'heap') return { backend: ds.heapStateBackend(), cleanup: () => {} }
  const dir = mkdtempSync(join(tmpdir(), 'rx-datastream-state-'))
  // A small cache, so that the specs' few keys go through flushes and evictions too.
  const backend = await lmdbStateBackend(dir, { cacheSize: 8 })
  return { backend, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** `describe(name, body)` once per backend, `[heap]` and `[lmdb]` in the suite's name. */
export function describeBackends(name: string, body: (backend: BackendName) => void): void {
  for (const backendName of BACKEND_NAMES) {
    describe(`${name} [${backendName}]`, () => {
      let previous: ds.StateBackend
      let cleanup: () => void = () => {}
      beforeAll(async () => {
        previous = current
        const made = await makeBackend(backendName)
        current = made.backend
        cleanup = made.cleanup
      })
      afterAll(() => {
        current = previous
        cleanup()
      })
      body(backendName)
    })
  }
}
