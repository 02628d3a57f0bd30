/**
 * The LMDB backends of the bench's `ds-lmdb…` variants: made once per process and id (loading
 * `lmdb` is asynchronous), in one temporary directory removed at exit.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { StateBackend } from '../src/index'
import { lmdbStateBackend, type LmdbStateBackendOptions } from '../node/lmdbStateBackend'

const backends = new Map<string, Promise<StateBackend>>()
let root: string | undefined = undefined

/** The backend of variant `id`, made with `options` on first use. */
export function lmdbBackend(id: string, options: LmdbStateBackendOptions): Promise<StateBackend> {
  let backend = backends.get(id)
  if (backend === undefined) {
    if (root === undefined) {
      const dir = (root = mkdtempSync(join(tmpdir(), 'rx-datastream-bench-')))
      process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
    }
    backends.set(id, (backend = lmdbStateBackend(join(root, id), options)))
  }
  return backend
}
