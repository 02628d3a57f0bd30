/**
 * A two-phase-commit sink to files (Flink's `FileSink`, exactly-once), Node-only: import it
 * from `rx-datastream/node`.
 *
 * @since 0.1.0
 */
import { closeSync, existsSync, fsync, mkdirSync, openSync, writeSync } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { type TransactionalSink, transactionalSink } from '../src/job/Sink'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Options of {@link fileSink}.
 *
 * @example
 * import { fileSink } from 'rx-datastream/node'
 *
 * const sink = fileSink<{ page: string; pv: number }>('out/pv', { encode: row => JSON.stringify(row), suffix: '.jsonl' })
 *
 * @category sinks
 * @since 0.1.0
 */
export interface FileSinkOptions<T> {
  /** A value as one line (without its line break). Default: strings as they are, anything else as JSON. */
  readonly encode?: (value: T) => string
  /** Appended to the name of every committed file, e.g. `.jsonl`. Default none. */
  readonly suffix?: string
  /** Lines gathered before one write to the file. Default 1,024. */
  readonly bufferedLines?: number
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A sink that writes lines into part files in `dir`, exactly once: what the job writes between
 * two checkpoints goes to one part file, which becomes visible only when the second checkpoint
 * is complete.
 *
 * - A transaction writes `dir/.pending/<name>`. At the checkpoint's barrier the file is flushed
 *   and fsynced: from then on it survives a crash. Once the checkpoint is complete it is renamed
 *   to `dir/part-<name><suffix>`. A rename within one folder is atomic, so a reader of
 *   `dir/part-*` sees whole files or none.
 * - After a crash, a job restored from a checkpoint commits the files that checkpoint
 *   covered (a second commit of a file already renamed does nothing) and drops the one that
 *   was open. Files of transactions that no completed checkpoint covers stay in `.pending`:
 *   nothing ever commits them, and they can be deleted while no job writes to `dir`.
 * - `<name>` is the time the transaction began (ms, 13 digits), a random tag of the process, and
 *   the transaction's number in it: sorted by name, the part files are in the order they were
 *   written, as long as the clock does not go back between two runs.
 *
 * @example
 * import * as ds from 'rx-datastream'
 * import { fileSink } from 'rx-datastream/node'
 *
 * const job = ds.execute(
 *   env => env.fromArray(['a', 'b', 'c'], { uid: 'letters' }).pipe(
 *     ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<string>(), { uid: 'ts' }),
 *     ds.sinkTo(fileSink<string>('out/letters', { suffix: '.txt' }), { uid: 'files' })),
 *   { checkpointing: { interval: 1_000 } })
 *
 * @category sinks
 * @since 0.1.0
 */
export function fileSink<T>(dir: string, options: FileSinkOptions<T> = {}): TransactionalSink<T, string> {
  const { encode = defaultEncode, suffix = '', bufferedLines = 1_024 } = options
  if (typeof dir !== 'string' || dir === '') throw new TypeError(`fileSink: dir must be a folder's path, not ${JSON.stringify(dir)}`)
  if (typeof encode !== 'function') throw new TypeError('fileSink: encode must be a function (value) => line')
  if (!Number.isSafeInteger(bufferedLines) || bufferedLines < 1) throw new RangeError(`fileSink: bufferedLines must be a whole number ≥ 1, not ${String(bufferedLines)}`)
  const pending = join(dir, '.pending')
  const committedPath = (txn: string): string => join(dir, `part-${txn}${suffix}`)
  const files = new Map<string, OpenFile>()
  const tag = randomBytes(4).toString('hex')
  let count = 0
  const flush = (file: OpenFile): void => {
    if (file.buffered.length === 0) return
    writeSync(file.fd, file.buffered.join(''))
    file.buffered = []
  }
  const openFile = (txn: string): OpenFile => {
    const file = files.get(txn)
    if (file === undefined) throw new Error(`fileSink ${dir}: transaction ${txn} is not open`)
    return file
  }
  return transactionalSink<T, string>({
    beginTransaction: () => {
      mkdirSync(pending, { recursive: true })
      const txn = `${String(Date.now()).padStart(13, '0')}-${tag}-${String(++count).padStart(8, '0')}`
      files.set(txn, { fd: openSync(join(pending, txn), 'w'), buffered: [] })
      return txn
    },
    write: (txn, value) => {
      const file = openFile(txn)
      const line = encode(value)
      if (line.includes('\n')) throw new Error(`fileSink ${dir}: the encoded value ${JSON.stringify(line.slice(0, 80))} holds a line break; one value is one line`)
      file.buffered.push(`${line}\n`)
      if (file.buffered.length >= bufferedLines) flush(file)
    },
    preCommit: txn => {
      const file = openFile(txn)
      flush(file)
      files.delete(txn)
      return new Promise<void>((resolve, reject) =>
        fsync(file.fd, error => {
          closeSync(file.fd)
          if (error === null) resolve()
          else reject(new Error(`fileSink ${dir}: cannot make transaction ${txn} durable: ${error.message}`, { cause: error }))
        })
      )
    },
    commit: async txn => {
      try {
        await rename(join(pending, txn), committedPath(txn))
      } catch (error) {
        // Committed before a crash already: the part file is there and the pending one gone.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && existsSync(committedPath(txn))) return
        throw new Error(`fileSink ${dir}: cannot commit transaction ${txn}: it is neither pending nor committed`, { cause: error })
      }
    },
    abort: async txn => {
      const file = files.get(txn)
      if (file !== undefined) {
        files.delete(txn)
        closeSync(file.fd)
      }
      await rm(join(pending, txn), { force: true })
    }
  })
}

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/** A transaction's open file, and lines not yet written to it (a write per line would be slow). */
interface OpenFile {
  readonly fd: number
  buffered: string[]
}

function defaultEncode(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}
