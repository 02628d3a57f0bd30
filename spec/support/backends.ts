/**
 * The state backends every keyed-state spec runs against: one suite, parameterised. A spec
 * file wraps its suite in `describeBackends`, and the helpers of `keyed.ts` (`testBackend`,
 * `runKeyed`, `outputOf`, `keyedOptions`) use the backend of the suite that runs.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ds from '../../src/index'
import { setDefaultStateBackend } from '../../src/state/defaultStateBackend'
import { lmdbStateBackend } from '../../node/index'

/** The backends by name; `lmdb` keeps its stores in a temporary directory per suite. */
export const BACKEND_NAMES = ['heap', 'lmdb'] as const
export type BackendName = (typeof BACKEND_NAMES)[number]

let current: ds.StateBackend = ds.heapStateBackend()
let currentName: BackendName = 'heap'

/**
 * Where the lmdb suites keep their stores: in memory (tmpfs) where the system has one, since
 * the window and join properties open a store per operator and run, thousands in all, and
 * making and deleting them on a disk made most of those specs' time.
 */
const STORE_ROOT = existsSync('/dev/shm') ? '/dev/shm' : tmpdir()

/**
 * The runs of a property in the running suite: `numRuns` on the heap, a tenth (at least 10)
 * on lmdb, whose every run opens a store per operator. The heap suite covers the input space;
 * the lmdb one checks that the backend gives the same results on a sample of it.
 */
export function propertyRuns(numRuns: number): { readonly numRuns: number } {
  return { numRuns: currentName === 'heap' ? numRuns : Math.max(10, Math.ceil(numRuns / 10)) }
}

/** The backend of the suite running now (the heap outside `describeBackends`). */
export function currentBackend(): ds.StateBackend {
  return current
}

/** Makes backend `name`; `cleanup` deletes what it wrote. */
export async function makeBackend(name: BackendName): Promise<{ readonly backend: ds.StateBackend; readonly cleanup: () => void }> {
  if (name === 'heap') return { backend: ds.heapStateBackend(), cleanup: () => {} }
  const dir = mkdtempSync(join(STORE_ROOT, 'rx-datastream-state-'))
  // Small caches, so that the specs' few keys go through flushes and evictions too, and their
  // few timers through the store beyond the in-memory head.
  const backend = await lmdbStateBackend(dir, { cacheSize: 8, timerCacheSize: 3 })
  return { backend, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * `describe(name, body)` once per backend, `[heap]` and `[lmdb]` in the suite's name. The
 * backend is also the default of every keyed operator in the suite that names none (windows,
 * joins): their specs run on it without passing it.
 */
export function describeBackends(name: string, body: (backend: BackendName) => void): void {
  for (const backendName of BACKEND_NAMES) {
    describe(`${name} [${backendName}]`, () => {
      let previous: ds.StateBackend
      let previousName: BackendName
      let cleanup: () => void = () => {}
      beforeAll(async () => {
        previous = current
        previousName = currentName
        const made = await makeBackend(backendName)
        current = made.backend
        currentName = backendName
        cleanup = made.cleanup
        setDefaultStateBackend(current)
      })
      afterAll(() => {
        current = previous
        currentName = previousName
        setDefaultStateBackend(previous)
        cleanup()
      })
      body(backendName)
    })
  }
}
