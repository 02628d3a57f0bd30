/**
 * The checkpoint store of the browser: checkpoints in an IndexedDB database of the page's
 * origin, through idb-keyval, so a job in a tab restores after a reload or in the next visit.
 *
 * @since 0.1.0
 */
import type * as IdbKeyval from 'idb-keyval' with { 'resolution-mode': 'import' }
import { describeValue } from '../core/describe'
import { CheckpointStoreError, type CheckpointStore, checkPutArguments, checkStoreArguments, type StoredCheckpoint } from './CheckpointStore'

/**
 * Where in its database an {@link indexedDbStore} keeps its checkpoints.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const store = ds.indexedDbStore('clicks-app', { storeName: 'job-checkpoints' })
 * console.log(store.description) // "indexedDbStore('clicks-app', { storeName: 'job-checkpoints' })"
 *
 * @category checkpoints
 * @since 0.1.0
 */
export interface IndexedDbStoreOptions {
  /**
   * The object store inside the database, `'checkpoints'` by default. It is created with the
   * database, so a database that already exists without it cannot be used (every call rejects).
   */
  readonly storeName?: string
}

/** The loaded idb-keyval and the database it opens (lazily: on its first transaction). */
interface Database {
  readonly idb: typeof IdbKeyval
  readonly store: IdbKeyval.UseStore
}

const FACTORY = 'indexedDbStore'
const DEFAULT_STORE_NAME = 'checkpoints'

// -------------------------------------------------------------------------------------
// keys
// -------------------------------------------------------------------------------------

// One object store, two key spaces: `['meta', jobId, id]` holds a checkpoint's small
// `StoredCheckpoint`, `['data', jobId, id]` its text. One object store, because idb-keyval
// creates exactly one with the database (a second name on the same database would need a
// version upgrade it does not do). Two entries, because `list` then reads only the metadata
// entries of one job, in one key range, instead of every checkpoint's megabytes of text.
// IndexedDB orders array keys element by element and numbers numerically, so that range comes
// back ascending by checkpoint id without sorting.

/** @internal The key of a checkpoint's `StoredCheckpoint` entry. */
export const metadataKey = (jobId: string, checkpointId: number): [string, string, number] => ['meta', jobId, checkpointId]

/** @internal The key of a checkpoint's data entry. */
export const dataKey = (jobId: string, checkpointId: number): [string, string, number] => ['data', jobId, checkpointId]

/**
 * Every metadata key of `jobId`: a prefix sorts before its extensions, and an array after any
 * number, so `['meta', jobId]` and `['meta', jobId, []]` bracket exactly that job's ids.
 */
const jobMetadataRange = (jobId: string): IDBKeyRange => IDBKeyRange.bound(['meta', jobId], ['meta', jobId, []])

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A {@link CheckpointStore} in IndexedDB, for jobs that run in a browser (a page or a web
 * worker): the checkpoints outlive a reload, a closed tab and a restart of the browser.
 *
 * `put` writes the checkpoint's data and its listing in one IndexedDB transaction, so a reload
 * or a closed tab in the middle of it leaves either the whole checkpoint or nothing, never a
 * listed checkpoint without its data. The database is opened on first use, not here, so the
 * store can be made where IndexedDB is missing (in Node, say); there every call rejects with a
 * {@link CheckpointStoreError} that says so. A transaction that fails (the origin's storage
 * quota is used up, the browser aborted it) rejects with a `CheckpointStoreError` whose `cause`
 * is the browser's `DOMException`.
 *
 * Give the store a database of its own: idb-keyval creates the object store together with the
 * database, so a name that some other code already uses does not work.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // In a page or a web worker:
 * const store = ds.indexedDbStore('clicks-app')
 * await store.put({ jobId: 'clicks', checkpointId: 1, timestamp: Date.now(), kind: 'checkpoint' }, 'data')
 * console.log((await store.list('clicks')).map(c => c.checkpointId)) // [1], after a reload as well
 *
 * @param dbName The IndexedDB database, one per origin and name.
 * @param options Which object store of the database to use.
 * @returns The store; its `description` is `indexedDbStore('<dbName>')`.
 * @category checkpoints
 * @since 0.1.0
 */
export function indexedDbStore(dbName: string, options?: IndexedDbStoreOptions): CheckpointStore {
  if (typeof dbName !== 'string' || dbName === '') throw new TypeError(`${FACTORY}: dbName must be a non-empty string, got ${describeValue(dbName)}`)
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`${FACTORY}: options must be an object, got ${describeValue(options)}`)
  }
  const storeName = options?.storeName ?? DEFAULT_STORE_NAME
  if (typeof storeName !== 'string' || storeName === '') {
    throw new TypeError(`${FACTORY}: storeName must be a non-empty string, got ${describeValue(storeName)}`)
  }
  const description =
    storeName === DEFAULT_STORE_NAME ? `${FACTORY}(${quote(dbName)})` : `${FACTORY}(${quote(dbName)}, { storeName: ${quote(storeName)} })`

  const failed = (jobId: string, checkpointId: number | undefined, action: string, error: unknown): CheckpointStoreError =>
    new CheckpointStoreError(description, jobId, checkpointId, `could not ${action}: ${describeFailure(error)}`, error == null ? undefined : { cause: error })

  let database: Promise<Database> | undefined
  /** The database, or the rejection that says there is none: checked per call, never at creation. */
  const open = async (jobId: string, checkpointId: number | undefined): Promise<Database> => {
    if (typeof indexedDB === 'undefined') {
      throw new CheckpointStoreError(
        description,
        jobId,
        checkpointId,
        'IndexedDB is not available here (there is no global indexedDB): this store works in browsers and web workers; elsewhere use another store, such as memoryStore()'
      )
    }
    // idb-keyval comes with import(), on first use: its type declarations are ES-module only,
    // which this file, compiled as CommonJS for the specs, cannot import statically; and where
    // IndexedDB is missing it is never loaded at all.
    database ??= import('idb-keyval').then(
      idb => ({ idb, store: idb.createStore(dbName, storeName) }),
      (error: unknown) => {
        database = undefined // a module that failed to load may load on the next call
        throw error
      }
    )
    try {
      return await database
    } catch (error) {
      throw failed(jobId, checkpointId, 'load idb-keyval', error)
    }
  }

  return {
    description,
    put: async (checkpoint, data) => {
      const { jobId, checkpointId } = checkpoint
      checkPutArguments(description, checkpoint, data)
      const { idb, store } = await open(jobId, checkpointId)
      // Only the fields of a StoredCheckpoint: a copy the caller cannot change later, and no
      // extra property that structured cloning would refuse.
      const metadata: StoredCheckpoint = {
        jobId,
        checkpointId,
        timestamp: checkpoint.timestamp,
        kind: checkpoint.kind,
        ...(checkpoint.name === undefined ? {} : { name: checkpoint.name }),
        size: data.length
      }
      try {
        // setMany puts every entry in one readwrite transaction: both entries commit, or neither.
        await idb.setMany(
          [
            [dataKey(jobId, checkpointId), data],
            [metadataKey(jobId, checkpointId), metadata]
          ],
          store
        )
      } catch (error) {
        throw failed(jobId, checkpointId, `store checkpoint ${checkpointId} of job '${jobId}'`, error)
      }
    },
    get: async (jobId, checkpointId) => {
      checkStoreArguments(description, jobId, checkpointId)
      const { idb, store } = await open(jobId, checkpointId)
      let data: unknown
      try {
        data = await idb.get<unknown>(dataKey(jobId, checkpointId), store)
      } catch (error) {
        throw failed(jobId, checkpointId, `read checkpoint ${checkpointId} of job '${jobId}'`, error)
      }
      if (data === undefined) throw new CheckpointStoreError(description, jobId, checkpointId, `job '${jobId}' has no checkpoint ${checkpointId}`)
      if (typeof data !== 'string') {
        throw new CheckpointStoreError(description, jobId, checkpointId, `checkpoint ${checkpointId} of job '${jobId}' is damaged: its data entry holds ${data === null ? 'null' : typeof data}, not text`)
      }
      return data
    },
    list: async jobId => {
      checkStoreArguments(description, jobId)
      const { idb, store } = await open(jobId, undefined)
      let entries: unknown[]
      try {
        entries = await store('readonly', s => idb.promisifyRequest<unknown[]>(s.getAll(jobMetadataRange(jobId))))
      } catch (error) {
        throw failed(jobId, undefined, `list the checkpoints of job '${jobId}'`, error)
      }
      for (const entry of entries) {
        if (!isStoredCheckpointOf(jobId, entry)) {
          throw new CheckpointStoreError(description, jobId, undefined, `the listing of job '${jobId}' is damaged: an entry is not a checkpoint's metadata (${describeValue(entry)})`)
        }
      }
      return entries as StoredCheckpoint[]
    },
    delete: async (jobId, checkpointId) => {
      checkStoreArguments(description, jobId, checkpointId)
      const { idb, store } = await open(jobId, checkpointId)
      try {
        // One transaction as well: the listing never outlives the data, nor the other way round.
        await idb.delMany([metadataKey(jobId, checkpointId), dataKey(jobId, checkpointId)], store)
      } catch (error) {
        throw failed(jobId, checkpointId, `delete checkpoint ${checkpointId} of job '${jobId}'`, error)
      }
    }
  }
}

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

const quote = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`

/**
 * The browser's reason, with a hint where the remedy is the user's. An aborted transaction
 * rejects with its `error`, which is null when it was aborted without one.
 */
function describeFailure(error: unknown): string {
  if (error == null) return 'the transaction was aborted'
  if (typeof error === 'object' && 'name' in error && 'message' in error) {
    const { name, message } = error as { name: unknown; message: unknown }
    const hint = name === 'QuotaExceededError' ? " (the origin's storage quota, shared by all its storage, is used up: keep fewer or smaller checkpoints)" : ''
    return `${String(name)}: ${String(message)}${hint}`
  }
  return describeValue(error)
}

/** What `put` writes as metadata, for the job listed: anything else in the range is damage. */
function isStoredCheckpointOf(jobId: string, entry: unknown): entry is StoredCheckpoint {
  if (typeof entry !== 'object' || entry === null) return false
  const e = entry as Partial<Record<keyof StoredCheckpoint, unknown>>
  return (
    e.jobId === jobId &&
    typeof e.checkpointId === 'number' &&
    Number.isSafeInteger(e.checkpointId) &&
    typeof e.timestamp === 'number' &&
    (e.kind === 'checkpoint' || e.kind === 'savepoint') &&
    (e.name === undefined || typeof e.name === 'string') &&
    typeof e.size === 'number'
  )
}
