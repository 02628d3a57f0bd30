/**
 * Where a pipeline's records leave it (Flink's `Sink`): a plain sink (a function, an RxJS
 * observer) is at-least-once after a restore; a two-phase-commit sink (Flink's
 * `TwoPhaseCommitSinkFunction`) makes what it wrote visible only once the checkpoint that covers
 * it is complete, so a job restored from a checkpoint never shows a record twice (exactly-once
 * end to end).
 *
 * @since 0.1.0
 */
import type { Observer } from 'rxjs'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The transactions of a two-phase-commit sink. A transaction handle (`Txn`) goes into every
 * checkpoint, so it must be plain JSON data (an id, a file name); the data itself lives where
 * the sink writes it.
 *
 * The life of a transaction: `beginTransaction`, `write` for each record, `preCommit` at the
 * next checkpoint's barrier (make it durable; a new transaction begins), `commit` once that
 * checkpoint is complete, or `abort` if it never will be. After a restore, the transactions
 * pre-committed in the restored checkpoint are committed again (`commit` must be idempotent:
 * it may already have happened before the failure) and the one that was open is aborted.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // A "table" that shows rows only once their transaction is committed.
 * const staged = new Map<number, string[]>()
 * const table: string[] = []
 * let next = 0
 * const sink: ds.TransactionalSinkFunctions<string, number> = {
 *   beginTransaction: () => { staged.set(++next, []); return next },
 *   write: (txn, row) => { staged.get(txn)!.push(row) },
 *   preCommit: () => {},
 *   commit: txn => { table.push(...(staged.get(txn) ?? [])); staged.delete(txn) },
 *   abort: txn => { staged.delete(txn) }
 * }
 *
 * @category sinks
 * @since 0.1.0
 */
export interface TransactionalSinkFunctions<T, Txn> {
  /** Starts a transaction; its handle must be plain JSON data. */
  beginTransaction(): Txn
  /** Writes a record's value (and its timestamp) into the transaction. */
  write(txn: Txn, value: T, timestamp: number): void
  /**
   * The barrier of a checkpoint: after this, the transaction must be committable even after a
   * crash (flush, fsync). The checkpoint completes only once a returned Promise resolves.
   */
  preCommit(txn: Txn): void | PromiseLike<void>
  /** The checkpoint covering the transaction is complete: make it visible. Must be idempotent. */
  commit(txn: Txn): void | PromiseLike<void>
  /** The transaction will never be committed: drop what it holds. */
  abort(txn: Txn): void | PromiseLike<void>
}

/**
 * A two-phase-commit sink, for {@link sinkTo}: made by {@link transactionalSink}.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const isTransactional = (s: ds.TransactionalSink<string, number>): boolean => s._tag === 'TransactionalSink'
 *
 * @category sinks
 * @since 0.1.0
 */
export interface TransactionalSink<T, Txn> {
  readonly _tag: 'TransactionalSink'
  readonly functions: TransactionalSinkFunctions<T, Txn>
}

/**
 * What {@link sinkTo} writes to: a function called with each value, an RxJS observer (its `next`
 * gets each value; `error` and `complete` the end of the stream), or a transactional sink.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const toConsole: ds.Sink<string> = v => console.log(v)
 *
 * @category sinks
 * @since 0.1.0
 */
export type Sink<T, Txn = unknown> = ((value: T) => void) | Partial<Observer<T>> | TransactionalSink<T, Txn>

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A two-phase-commit sink from its functions (see {@link TransactionalSinkFunctions}): what it
 * writes between two checkpoints becomes visible when the second completes, so a job restored
 * from a checkpoint shows each record exactly once. Outside a checkpointed job, the open
 * transaction is committed when the stream ends.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const committed: number[] = []
 * const staged = new Map<number, number[]>()
 * let id = 0
 * const sink = ds.transactionalSink<number, number>({
 *   beginTransaction: () => { staged.set(++id, []); return id },
 *   write: (txn, n) => { staged.get(txn)!.push(n) },
 *   preCommit: () => {},
 *   commit: txn => { committed.push(...(staged.get(txn) ?? [])); staged.delete(txn) },
 *   abort: txn => { staged.delete(txn) }
 * })
 *
 * ds.fromRecords([{ value: 1, timestamp: 0 }, { value: 2, timestamp: 1 }])
 *   .pipe(ds.sinkTo(sink))
 *   .subscribe({ complete: () => console.log(committed) }) // [1, 2]
 *
 * @category sinks
 * @since 0.1.0
 */
export function transactionalSink<T, Txn>(functions: TransactionalSinkFunctions<T, Txn>): TransactionalSink<T, Txn> {
  for (const name of ['beginTransaction', 'write', 'preCommit', 'commit', 'abort'] as const) {
    if (typeof (functions as Partial<TransactionalSinkFunctions<T, Txn>>)[name] !== 'function') throw new TypeError(`transactionalSink: ${name} must be a function`)
  }
  return { _tag: 'TransactionalSink', functions }
}

/** @internal */
export function isTransactionalSink<T>(sink: Sink<T>): sink is TransactionalSink<T, unknown> {
  return typeof sink === 'object' && sink !== null && (sink as Partial<TransactionalSink<T, unknown>>)._tag === 'TransactionalSink'
}
