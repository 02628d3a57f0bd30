/**
 * Savepoints in a store (Flink's savepoints): named, self-contained snapshots of a job, taken
 * by `job.savepoint(name)` or `job.stopWithSavepoint(name)`, kept outside the retention of
 * checkpoints until deleted, and restored with `execute(build, { restore: name })`.
 *
 * @since 0.1.0
 */
import type { CheckpointStore, StoredCheckpoint } from '../checkpoint/CheckpointStore'

/**
 * A savepoint as a store lists it: its name, the id it was taken under (ids of checkpoints and
 * savepoints of a job share one sequence) and when it was taken.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const describe = (s: ds.SavepointInfo): string => `${s.name} (#${s.checkpointId}, ${new Date(s.timestamp).toISOString()})`
 *
 * @category checkpoints
 * @since 0.1.0
 */
export interface SavepointInfo {
  readonly jobId: string
  readonly name: string
  readonly checkpointId: number
  readonly timestamp: number
}

/**
 * The savepoints of job `jobId` in `store`, oldest first.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const store = ds.memoryStore()
 * const names = async (): Promise<string[]> => (await ds.listSavepoints(store, 'clicks')).map(s => s.name)
 *
 * @category checkpoints
 * @since 0.1.0
 */
export async function listSavepoints(store: CheckpointStore, jobId: string): Promise<SavepointInfo[]> {
  return (await store.list(jobId)).filter(isSavepoint).map(c => ({ jobId: c.jobId, name: c.name, checkpointId: c.checkpointId, timestamp: c.timestamp }))
}

/**
 * Deletes the savepoint `name` of job `jobId` from `store`; rejects if there is none of that name.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const store = ds.memoryStore()
 * const dropRelease = (name: string): Promise<void> => ds.deleteSavepoint(store, 'clicks', name)
 *
 * @category checkpoints
 * @since 0.1.0
 */
export async function deleteSavepoint(store: CheckpointStore, jobId: string, name: string): Promise<void> {
  const found = (await store.list(jobId)).find(c => isSavepoint(c) && c.name === name)
  if (found === undefined) throw new Error(`job '${jobId}' has no savepoint named '${name}' in ${store.description}`)
  await store.delete(jobId, found.checkpointId)
}

/** @internal What a savepoint's name must be: not a word `restore` reads otherwise, nor blank. */
export function checkSavepointName(name: unknown, where: string): string {
  if (typeof name !== 'string' || name.trim() === '') throw new TypeError(`${where}: a savepoint needs a name (a non-empty string), not ${JSON.stringify(name)}`)
  if (name === 'latest' || name === 'latest-valid') throw new RangeError(`${where}: '${name}' cannot name a savepoint: restore: '${name}' means the newest checkpoint`)
  return name
}

/** @internal Rejects when job `jobId` has a savepoint named `name` already (names must tell savepoints apart). */
export async function checkSavepointNameFree(store: CheckpointStore, jobId: string, name: string, where: string): Promise<void> {
  const taken = (await store.list(jobId)).some(c => isSavepoint(c) && c.name === name)
  if (taken) throw new Error(`${where}: job '${jobId}' has a savepoint named '${name}' already in ${store.description}; delete it first (ds.deleteSavepoint) or choose another name`)
}

function isSavepoint(c: StoredCheckpoint): c is StoredCheckpoint & { readonly name: string } {
  return c.kind === 'savepoint' && typeof c.name === 'string'
}
