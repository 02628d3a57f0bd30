/**
 * A table in IndexedDB that a job writes through a two-phase-commit sink, as a page would keep
 * what a job computed: rows become visible only once the checkpoint covering them completes, and
 * survive a reload. Plain IndexedDB, in a database of its own beside the checkpoints'.
 *
 * One object store, keyed:
 * - `['staged', txn]`: the rows of a pre-committed transaction, waiting for its commit;
 * - `['committed', n]`: the rows of the n-th commit, so reading them in key order is commit order;
 * - `['done', txn]`: `n`, the transaction was committed as commit `n`;
 * - `'commits'`: how many commits there were.
 *
 * Transaction ids are random (`crypto.randomUUID`): a counter would start again after a reload,
 * and a new transaction would then pass for an old one already committed.
 */
import * as ds from '../../../src/index'

const OBJECT_STORE = 'table'
const COMMITS = 'commits'
const stagedKey = (txn: string): IDBValidKey => ['staged', txn]
const doneKey = (txn: string): IDBValidKey => ['done', txn]
const committedKey = (n: number): IDBValidKey => ['committed', n]
/** A prefix sorts before its extensions, and an array after any string or number. */
const all = (kind: string): IDBKeyRange => IDBKeyRange.bound([kind], [kind, []])

/** What the table holds. */
export interface TableContents {
  /** The committed rows, in commit order. */
  readonly rows: readonly string[]
  readonly commits: number
  /** Pre-committed transactions never committed: those of checkpoints a reload interrupted. */
  readonly staged: number
}

function openDatabase(dbName: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(dbName, 1)
    request.onupgradeneeded = () => request.result.createObjectStore(OBJECT_STORE)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error ?? new Error(`could not open ${dbName}`))
  })
}

/**
 * Runs `work` in one IndexedDB transaction; resolves when it has committed. `work` issues its
 * requests in callbacks, as IndexedDB requires (a transaction commits as soon as it has no
 * request pending); `fail` aborts it with a reason.
 */
async function transact(database: Promise<IDBDatabase>, mode: IDBTransactionMode, work: (store: IDBObjectStore, fail: (reason: Error) => void) => void): Promise<void> {
  const db = await database
  return new Promise((resolve, reject) => {
    const tx = db.transaction(OBJECT_STORE, mode)
    let failure: Error | undefined
    tx.oncomplete = () => resolve()
    tx.onabort = () => reject(failure ?? tx.error ?? new Error('the IndexedDB transaction was aborted'))
    work(tx.objectStore(OBJECT_STORE), reason => {
      failure = reason
      tx.abort()
    })
  })
}

/** A two-phase-commit sink into the table of database `dbName`. */
export function tableSink(dbName: string): ds.TransactionalSink<string, string> {
  const database = openDatabase(dbName)
  // Rows of the open transactions: written to IndexedDB only at pre-commit, in one go.
  const open = new Map<string, string[]>()
  return ds.transactionalSink<string, string>({
    beginTransaction: () => {
      const txn = crypto.randomUUID()
      open.set(txn, [])
      return txn
    },
    write: (txn, row) => {
      const rows = open.get(txn)
      if (rows === undefined) throw new Error(`table ${dbName}: write to transaction ${txn}, which is not open`)
      rows.push(row)
    },
    preCommit: txn => {
      const rows = open.get(txn) ?? []
      open.delete(txn)
      return transact(database, 'readwrite', store => {
        store.put(rows, stagedKey(txn))
      })
    },
    commit: txn =>
      transact(database, 'readwrite', (store, fail) => {
        const done = store.get(doneKey(txn))
        const staged = store.get(stagedKey(txn))
        const commits = store.get(COMMITS)
        // Requests complete in order: the two before this one have their results too.
        commits.onsuccess = () => {
          // Committed before the reload: a restored job commits its checkpoint's transactions again.
          if (done.result !== undefined) return
          const rows = staged.result as string[] | undefined
          if (rows === undefined) return fail(new Error(`table ${dbName}: transaction ${txn} was never pre-committed, or was aborted`))
          const n = (commits.result as number | undefined) ?? 0
          store.put(rows, committedKey(n))
          store.put(n + 1, COMMITS)
          store.put(n, doneKey(txn))
          store.delete(stagedKey(txn))
        }
      }),
    abort: txn => {
      open.delete(txn)
      return transact(database, 'readwrite', store => {
        store.delete(stagedKey(txn))
      })
    }
  })
}

/** Everything the table of database `dbName` holds, read in one transaction. */
export async function readTable(dbName: string): Promise<TableContents> {
  const database = openDatabase(dbName)
  let contents: TableContents | undefined
  try {
    await transact(database, 'readonly', store => {
      const batches = store.getAll(all('committed'))
      const commits = store.get(COMMITS)
      const staged = store.count(all('staged'))
      staged.onsuccess = () => {
        contents = { rows: (batches.result as string[][]).flat(), commits: (commits.result as number | undefined) ?? 0, staged: staged.result }
      }
    })
  } finally {
    // A connection left open would block a later version change of the database.
    ;(await database).close()
  }
  if (contents === undefined) throw new Error(`table ${dbName}: nothing was read`)
  return contents
}
