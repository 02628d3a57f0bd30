/**
 * An idempotent upsert sink: rows written by key into a table (a database, a key-value store,
 * a dashboard's state), so that writing a row again changes nothing. Replays after a restore
 * then leave the table as one uninterrupted run would (exactly-once results from at-least-once
 * writes, as Flink's upsert sinks give).
 *
 * @since 0.1.0
 */
import { type TransactionalSink, transactionalSink } from './Sink'

/**
 * What {@link upsertSink} writes through.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const table = new Map<string, number>()
 * const functions: ds.UpsertSinkFunctions<{ page: string; views: number }, string> = {
 *   key: row => row.page,
 *   upsert: rows => { for (const [page, row] of rows) table.set(page, row.views) }
 * }
 *
 * @category sinks
 * @since 0.1.0
 */
export interface UpsertSinkFunctions<T, K> {
  /** The row's key in the table: a later row of the same key replaces it. */
  key(value: T): K
  /**
   * Writes rows, the latest per key, in the order their keys were first written since the
   * last call. The checkpoint whose barrier triggered the call completes only once a returned
   * Promise resolves, so a completed checkpoint's rows are all in the table.
   */
  upsert(rows: ReadonlyMap<K, T>): void | PromiseLike<void>
}

/**
 * A sink that writes rows by key, coalesced between checkpoints: the rows of each key are kept
 * until the next checkpoint's barrier (or the end of the stream) and then written, the latest
 * per key, with one `upsert` call. Writing by key is idempotent, so the rows a restored job
 * writes again replace the same rows with the same values: the table ends as after one run.
 *
 * Between two checkpoints the table lags behind the stream; a row replaced twice in that time
 * is written once.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const table = new Map<string, number>()
 * const sink = ds.upsertSink<{ page: string; views: number }, string>({
 *   key: row => row.page,
 *   upsert: rows => { for (const [page, row] of rows) table.set(page, row.views) }
 * })
 * ds.fromRecords([{ value: { page: '/', views: 1 }, timestamp: 0 }, { value: { page: '/', views: 2 }, timestamp: 1 }])
 *   .pipe(ds.sinkTo(sink))
 *   .subscribe({ complete: () => console.log(table.get('/')) }) // 2
 *
 * @category sinks
 * @since 0.1.0
 */
export function upsertSink<T, K>(functions: UpsertSinkFunctions<T, K>): TransactionalSink<T, number> {
  const { key, upsert } = functions
  if (typeof key !== 'function' || typeof upsert !== 'function') throw new TypeError('upsertSink: key and upsert must be functions')
  // A transaction is what arrived since the last barrier; its handle, a number, is all a checkpoint keeps.
  const open = new Map<number, Map<K, T>>()
  let next = 0
  return transactionalSink<T, number>({
    beginTransaction: () => {
      open.set(++next, new Map())
      return next
    },
    write: (txn, value) => {
      const rows = open.get(txn)
      if (rows === undefined) throw new Error(`upsertSink: transaction ${txn} is not open`)
      rows.set(key(value), value)
    },
    // Written at the barrier: the checkpoint covers them only once they are in the table.
    preCommit: txn => {
      const rows = open.get(txn)
      open.delete(txn)
      return rows === undefined || rows.size === 0 ? undefined : upsert(rows)
    },
    // Nothing to make visible: the rows are in the table since the barrier, and a restored job
    // writes again whatever came after it.
    commit: () => {},
    abort: txn => {
      open.delete(txn)
    }
  })
}
