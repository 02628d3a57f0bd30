/**
 * The page of spec/browser/indexed-db-store.spec.ts, bundled by esbuild from these sources into
 * one script (spec/support/browser.ts). It puts `window.indexedDbStorePage` on the page: calls
 * that take and return plain data only, errors included, since nothing else crosses from the
 * page to Node.
 */
import * as ds from '../../../src/index'
import { decodeCheckpoint, encodeCheckpoint } from '../../../src/checkpoint/checkpointFormat'
import { dataKey } from '../../../src/checkpoint/indexedDbStore'
import { checkpointContent, unicodeText } from './checkpoint-content'

/** An error as the page saw it. */
export interface ErrorReport {
  readonly name: string
  readonly message: string
  readonly isStoreError: boolean
  /** A CheckpointStoreError's fields. */
  readonly store?: string
  readonly jobId?: string
  readonly checkpointId?: number
  /** The name of the error's `cause` (a DOMException's, say), if it has one. */
  readonly causeName?: string
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorReport }

export type StoreMethod = 'put' | 'get' | 'list' | 'delete'

/** What the writing loop checked of each listed checkpoint, after reloads. */
export interface Verification {
  readonly listed: readonly number[]
  /** One line per listed checkpoint that did not read back as written. */
  readonly problems: readonly string[]
  /** Ids whose data entry is there without a listing: a put that was not atomic. */
  readonly unlisted: readonly number[]
}

declare global {
  interface Window {
    indexedDbStorePage: typeof api
    /** Exposed by the spec (page.exposeFunction): told each checkpoint id that `put` completed. */
    reportCheckpoint?: (checkpointId: number) => Promise<void>
  }
}

const OBJECT_STORE = 'checkpoints' // indexedDbStore's default

// One store per database for the page's lifetime, as an application would keep it.
const stores = new Map<string, ds.CheckpointStore>()
const storeFor = (dbName: string): ds.CheckpointStore => {
  let store = stores.get(dbName)
  if (store === undefined) stores.set(dbName, (store = ds.indexedDbStore(dbName)))
  return store
}

function report(error: unknown): ErrorReport {
  if (!(error instanceof Error)) return { name: typeof error, message: String(error), isStoreError: false }
  const cause = error.cause
  const causeName = typeof cause === 'object' && cause !== null && 'name' in cause ? String(cause.name) : undefined
  const base = { name: error.name, message: error.message, isStoreError: error instanceof ds.CheckpointStoreError, ...(causeName === undefined ? {} : { causeName }) }
  if (!(error instanceof ds.CheckpointStoreError)) return base
  return { ...base, store: error.store, jobId: error.jobId, ...(error.checkpointId === undefined ? {} : { checkpointId: error.checkpointId }) }
}

async function outcome<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() }
  } catch (error) {
    return { ok: false, error: report(error) }
  }
}

const meta = (jobId: string, checkpointId: number): Omit<ds.StoredCheckpoint, 'size'> => {
  const { timestamp, kind } = checkpointContent(jobId, checkpointId)
  return { jobId, checkpointId, timestamp, kind }
}

const api = {
  /**
   * Calls a method of the database's store with `args` as they are (wrong ones included, to see
   * it refuse them).
   */
  call: (dbName: string, method: StoreMethod, args: readonly unknown[]): Promise<Outcome<unknown>> =>
    outcome(() => {
      const store = storeFor(dbName)
      return (store[method] as (...a: unknown[]) => Promise<unknown>).apply(store, [...args])
    }),

  /** Stores `length` code units of generated Unicode and compares what comes back, here in the page. */
  roundTripText: (dbName: string, jobId: string, seed: number, length: number) =>
    outcome(async () => {
      const store = storeFor(dbName)
      const text = unicodeText(seed, length, true)
      await store.put({ jobId, checkpointId: 1, timestamp: 0, kind: 'checkpoint' }, text)
      const back = await store.get(jobId, 1)
      let firstDifference = -1
      if (back !== text) {
        firstDifference = 0
        while (firstDifference < text.length && back.charCodeAt(firstDifference) === text.charCodeAt(firstDifference)) firstDifference++
      }
      const listed = await store.list(jobId)
      return { putLength: text.length, backLength: back.length, identical: back === text, firstDifference, listedSize: listed[0]?.size }
    }),

  /**
   * Puts checkpoints `firstId`, `firstId + 1`, … one after another, until the page goes away,
   * telling the spec each id whose put completed.
   */
  writeUntilUnloaded: (dbName: string, jobId: string, firstId: number): void => {
    const store = storeFor(dbName)
    void (async () => {
      for (let id = firstId; ; id++) {
        await store.put(meta(jobId, id), encodeCheckpoint(checkpointContent(jobId, id)))
        void window.reportCheckpoint?.(id)
      }
    })()
  },

  /** Reads back every listed checkpoint of the job and compares it with what was written. */
  verify: async (dbName: string, jobId: string): Promise<Verification> => {
    const store = storeFor(dbName)
    const listed = await store.list(jobId)
    const problems: string[] = []
    for (const checkpoint of listed) {
      const id = checkpoint.checkpointId
      try {
        const data = await store.get(jobId, id)
        const decoded = decodeCheckpoint(store.description, checkpoint, data)
        const expected = checkpointContent(jobId, id)
        // encodeCheckpoint is deterministic: equal text is equal content.
        if (encodeCheckpoint(decoded) !== encodeCheckpoint(expected)) problems.push(`${id}: decodes to other content`)
        if (checkpoint.size !== data.length) problems.push(`${id}: listed with size ${checkpoint.size}, has ${data.length}`)
        if (checkpoint.timestamp !== expected.timestamp) problems.push(`${id}: listed with timestamp ${checkpoint.timestamp}`)
      } catch (error) {
        problems.push(`${id}: ${report(error).message}`)
      }
    }
    const idb = await import('idb-keyval')
    const keys = await idb.keys<IDBValidKey>(idb.createStore(dbName, OBJECT_STORE))
    const listedIds = new Set(listed.map(c => c.checkpointId))
    const unlisted = keys
      .filter((k): k is [string, string, number] => Array.isArray(k) && k[0] === 'data' && k[1] === jobId)
      .map(k => k[2])
      .filter(id => !listedIds.has(id))
    return { listed: listed.map(c => c.checkpointId), problems, unlisted }
  },

  /** Puts checkpoint `checkpointId` as `checkpointContent` says, encoded. */
  putContent: (dbName: string, jobId: string, checkpointId: number) =>
    outcome(() => storeFor(dbName).put(meta(jobId, checkpointId), encodeCheckpoint(checkpointContent(jobId, checkpointId)))),

  /** Overwrites a checkpoint's data entry behind the store's back, with idb-keyval. */
  damage: async (dbName: string, jobId: string, checkpointId: number, damage: 'garbage' | 'truncate' | 'number'): Promise<void> => {
    const idb = await import('idb-keyval')
    const raw = idb.createStore(dbName, OBJECT_STORE)
    const key = dataKey(jobId, checkpointId)
    const data = await idb.get<string>(key, raw)
    const damaged = damage === 'garbage' ? 'this is not a checkpoint' : damage === 'truncate' ? (data ?? '').slice(0, -100) : 42
    await idb.set(key, damaged, raw)
  },

  /** `get` and `decodeCheckpoint`, as a restore reads a checkpoint. */
  readAndDecode: (dbName: string, jobId: string, checkpointId: number) =>
    outcome(async () => {
      const store = storeFor(dbName)
      return decodeCheckpoint(store.description, { jobId, checkpointId }, await store.get(jobId, checkpointId)).checkpointId
    }),

  /** A database that some other code made, with an object store of another name. */
  createForeignDatabase: (dbName: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const request = indexedDB.open(dbName, 1)
      request.onupgradeneeded = () => request.result.createObjectStore('something-else')
      request.onsuccess = () => {
        request.result.close()
        resolve()
      }
      request.onerror = () => reject(request.error)
    }),

  /** Puts `length` code units of generated text as checkpoint `checkpointId`. */
  putText: (dbName: string, jobId: string, checkpointId: number, seed: number, length: number) =>
    outcome(() => storeFor(dbName).put({ jobId, checkpointId, timestamp: 0, kind: 'checkpoint' }, unicodeText(seed, length, false)))
}

window.indexedDbStorePage = api
