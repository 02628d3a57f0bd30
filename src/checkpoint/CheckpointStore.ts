/**
 * Where checkpoints go: one Promise-based interface that every store implements (in memory,
 * IndexedDB in the browser, files in Node), so a job checkpoints the same way wherever it runs.
 *
 * A store keeps opaque text: a whole checkpoint, already encoded (`encodeCheckpoint`, with its
 * length and checksum). It never reads it; the job checks what it gets back
 * (`decodeCheckpoint`), so a store that returns damaged text is caught, whatever the store.
 *
 * @since 0.1.0
 */

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A checkpoint as a store lists it, without its data.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const store = ds.memoryStore()
 * const newest = async (jobId: string): Promise<ds.StoredCheckpoint | undefined> => (await store.list(jobId)).at(-1)
 *
 * @category checkpoints
 * @since 0.1.0
 */
export interface StoredCheckpoint {
  /** The job it belongs to: a store holds the checkpoints of many jobs apart. */
  readonly jobId: string
  /** Its number within the job: 1, 2, 3, … in the order the checkpoints were triggered. */
  readonly checkpointId: number
  /** When it was triggered, in milliseconds since the epoch (the processing-time clock). */
  readonly timestamp: number
  /** `checkpoint`: taken by the job, removed by retention; `savepoint`: taken by the user, kept until deleted. */
  readonly kind: 'checkpoint' | 'savepoint'
  /** A savepoint's name. */
  readonly name?: string
  /** The length of its data, in UTF-16 code units (what `data.length` says). */
  readonly size: number
}

/**
 * Where a job writes its checkpoints and reads them back on restore (Flink's
 * `CheckpointStorage`). Every method returns a Promise; a store that fails rejects it, and the
 * job aborts that checkpoint (or that restore) with the reason, while the checkpoints already
 * completed stay usable.
 *
 * The rules every implementation keeps (the store contract spec checks them for each):
 * - `put` is **atomic**: until its Promise resolves the checkpoint is not listed and `get`
 *   does not find it; a store that fails or dies half-way never leaves a partial checkpoint
 *   that `list` shows. Putting an id that is already there replaces it, atomically as well.
 * - `list(jobId)` gives the job's complete checkpoints and savepoints, in ascending
 *   `checkpointId`; another job's never.
 * - `get` returns exactly the text `put` was given, or rejects with a
 *   {@link CheckpointStoreError} when there is no such checkpoint.
 * - `delete` of a checkpoint that is not there does nothing.
 *
 * Retention (keep the newest N checkpoints) is the job's, through `list` and `delete`, the
 * same for every store.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // A store of your own: here one that logs around the built-in memory store.
 * const inner = ds.memoryStore()
 * const logged: ds.CheckpointStore = {
 *   description: 'logged memory store',
 *   put: (checkpoint, data) => {
 *     console.log(`checkpoint ${checkpoint.checkpointId}: ${data.length} chars`)
 *     return inner.put(checkpoint, data)
 *   },
 *   get: (jobId, checkpointId) => inner.get(jobId, checkpointId),
 *   list: jobId => inner.list(jobId),
 *   delete: (jobId, checkpointId) => inner.delete(jobId, checkpointId)
 * }
 *
 * @category checkpoints
 * @since 0.1.0
 */
export interface CheckpointStore {
  /** What and where the store is, for messages: `memoryStore`, `fileStore('state/checkpoints')`. */
  readonly description: string
  /** Stores checkpoint `checkpoint.checkpointId` of `checkpoint.jobId`, whole or not at all. */
  put(checkpoint: Omit<StoredCheckpoint, 'size'>, data: string): Promise<void>
  /** The data of a stored checkpoint. */
  get(jobId: string, checkpointId: number): Promise<string>
  /** The job's stored checkpoints and savepoints, oldest first. */
  list(jobId: string): Promise<readonly StoredCheckpoint[]>
  /** Removes a stored checkpoint, its chunks too; nothing happens if it is not there. */
  delete(jobId: string, checkpointId: number): Promise<void>
  /**
   * Optional: stores chunk `n` of checkpoint `checkpoint.checkpointId`, a piece of a state too
   * large for one text, before its body is `put`. The body's `put` is the commit point: chunks
   * whose body is missing are never listed or read, and are removed by `delete` of their id and
   * by the next `put` of the job. A store without it gets the state inside the body, whole.
   */
  putChunk?(checkpoint: Pick<StoredCheckpoint, 'jobId' | 'checkpointId'>, n: number, data: string): Promise<void>
  /**
   * Optional, with `putChunk`: the chunks of a stored checkpoint, to read one by one. The
   * reader is synchronous, since a restore puts an operator's state back as the operator is
   * built; it throws a {@link CheckpointStoreError} for a chunk that is not there.
   */
  openChunks?(jobId: string, checkpointId: number): Promise<ChunkFile>
}

/**
 * The chunks of one stored checkpoint, as a store's `openChunks` gives them.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const firstChunk = async (store: ds.CheckpointStore, jobId: string, checkpointId: number): Promise<string | undefined> =>
 *   store.openChunks === undefined ? undefined : (await store.openChunks(jobId, checkpointId)).read(0)
 *
 * @category checkpoints
 * @since 0.1.0
 */
export interface ChunkFile {
  /** The text `putChunk` was given as chunk `n`; throws a {@link CheckpointStoreError} if there is none. */
  read(n: number): string
}

/**
 * A store could not do what was asked: the checkpoint is missing, the medium failed, the
 * stored data is not a checkpoint. It names the store, the job and the checkpoint; `cause` is
 * the underlying error, if any.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.memoryStore().get('clicks', 7).catch((e: unknown) => {
 *   if (e instanceof ds.CheckpointStoreError) console.log(e.message)
 *   // "memoryStore: job 'clicks' has no checkpoint 7"
 * })
 *
 * @category errors
 * @since 0.1.0
 */
export class CheckpointStoreError extends Error {
  override name = 'CheckpointStoreError'
  constructor(
    /** The store's `description`. */
    readonly store: string,
    readonly jobId: string,
    /** The checkpoint concerned, if one is. */
    readonly checkpointId: number | undefined,
    detail: string,
    options?: { readonly cause?: unknown }
  ) {
    super(`${store}: ${detail}`, options)
  }
}

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/**
 * @internal
 * What every store's `put` checks first: the ids (`checkStoreArguments`) and that the data is
 * text; the same message whichever store a job uses.
 */
export function checkPutArguments(store: string, checkpoint: { readonly jobId: unknown; readonly checkpointId: unknown }, data: unknown): void {
  checkStoreArguments(store, checkpoint.jobId, checkpoint.checkpointId)
  if (typeof data !== 'string') throw new CheckpointStoreError(store, checkpoint.jobId as string, checkpoint.checkpointId as number, `a checkpoint's data must be text, not ${typeof data}`)
}

/**
 * @internal
 * What every store's `putChunk` checks first: the ids, a chunk number that is a whole number
 * ≥ 0, and text.
 */
export function checkChunkArguments(store: string, checkpoint: { readonly jobId: unknown; readonly checkpointId: unknown }, n: unknown, data: unknown): void {
  checkStoreArguments(store, checkpoint.jobId, checkpoint.checkpointId)
  const { jobId, checkpointId } = checkpoint as { readonly jobId: string; readonly checkpointId: number }
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new CheckpointStoreError(store, jobId, checkpointId, `a chunk number must be a whole number ≥ 0, not ${String(n)}`)
  if (typeof data !== 'string') throw new CheckpointStoreError(store, jobId, checkpointId, `a chunk's data must be text, not ${typeof data}`)
}

/** @internal The error of a store that has no chunk `n` of a checkpoint. */
export function missingChunk(store: string, jobId: string, checkpointId: number, n: number): CheckpointStoreError {
  return new CheckpointStoreError(store, jobId, checkpointId, `checkpoint ${checkpointId} of job '${jobId}' has no chunk ${n}`)
}

/**
 * @internal
 * Refuses what no store can file: a job id that is not a non-empty string, a checkpoint id
 * that is not a positive safe integer. Every store checks its arguments with it, so the
 * message is the same whichever store a job uses.
 */
export function checkStoreArguments(store: string, jobId: unknown, checkpointId?: unknown): void {
  if (typeof jobId !== 'string' || jobId === '') throw new CheckpointStoreError(store, String(jobId), undefined, `the job id must be a non-empty string, not ${JSON.stringify(jobId) ?? String(jobId)}`)
  if (checkpointId === undefined) return
  if (typeof checkpointId !== 'number' || !Number.isSafeInteger(checkpointId) || checkpointId < 1) {
    throw new CheckpointStoreError(store, jobId, undefined, `the checkpoint id must be a positive integer, not ${String(checkpointId)}`)
  }
}
