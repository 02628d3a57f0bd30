/**
 * Node-only parts of rx-datastream, exported as `rx-datastream/node`: sources and stores that
 * need `node:fs` (`fileLines`, `fileLinesSource`, `fileStore`, `fileSink`), and the state
 * backend on disk (`lmdbStateBackend`, with the optional peer dependency `lmdb`). The root package
 * `rx-datastream` never imports a Node builtin, so it stays safe for browsers; import this entry
 * only from code that runs on Node.
 *
 * @example
 * import { map } from 'rxjs'
 * import * as ds from 'rx-datastream'
 * import { fileLines } from 'rx-datastream/node'
 *
 * const clicks$ = fileLines('clicks.csv').pipe(
 *   map(line => line.split(',')),
 *   map(([user, page, ts]) => ({ user, page, ts: Number(ts) })),
 *   ds.assignTimestampsAndWatermarks(
 *     ds.WatermarkStrategy.forBoundedOutOfOrderness<{ user: string; page: string; ts: number }>(500)
 *       .withTimestampAssigner(c => c.ts)))
 *
 * clicks$.pipe(ds.values()).subscribe(click => console.log(click.user, click.page))
 *
 * @since 0.1.0
 */
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { Observable } from 'rxjs'

// -------------------------------------------------------------------------------------
// sources
// -------------------------------------------------------------------------------------

/**
 * Options of {@link fileLines}.
 *
 * @example
 * import { fileLines } from 'rx-datastream/node'
 *
 * const lines$ = fileLines('big.log', { highWaterMark: 1024 * 1024 }) // read 1 MiB at a time
 *
 * @category sources
 * @since 0.1.0
 */
export interface FileLinesOptions {
  /**
   * Size in bytes of the chunks read from the file (Node's `highWaterMark`), default 64 KiB.
   * Only the memory held at once depends on it, never the lines emitted.
   */
  readonly highWaterMark?: number
}

/**
 * The lines of a UTF-8 text file, streamed: the file is read chunk by chunk
 * (`node:fs` `createReadStream` + `node:readline`), never loaded whole.
 *
 * <span class="informal">A cold `Observable<string>`: every subscription opens the file anew
 * and reads it from the start; unsubscribing closes it.</span>
 *
 * ```text
 * file:      "a\r\nb\n\nc\n"
 * fileLines: -a-b-''-c-|
 * ```
 *
 * - Lines end at `\n`, `\r\n` or `\r`; the line terminator is not part of the value.
 * - A final line terminator does not make an extra empty line (`"a\n"` gives `['a']`); empty
 *   lines inside the file are kept; an empty file completes without a value.
 * - A UTF-8 byte order mark at the start of the file is dropped.
 * - A file that cannot be opened or read (missing, a directory, no permission, …) is an error
 *   through the Rx error channel, never a throw: its message names the path, `cause` is the
 *   Node error and `code` its code (`'ENOENT'`, `'EISDIR'`, `'EACCES'`, …).
 * - The records carry no timestamps yet: give them event time with
 *   `assignTimestampsAndWatermarks`.
 *
 * Node-only: import it from `rx-datastream/node`.
 *
 * ## Example
 *
 * ```ts
 * import { filter, map } from 'rxjs'
 * import * as ds from 'rx-datastream'
 * import { fileLines } from 'rx-datastream/node'
 *
 * interface View { user: string; page: string; ts: number }
 *
 * // views.csv: "user,page,ts" header, then one view per line
 * const views$ = fileLines('views.csv').pipe(
 *   filter((line, i) => i > 0 && line !== ''),
 *   map((line): View => {
 *     const [user, page, ts] = line.split(',')
 *     return { user, page, ts: Number(ts) }
 *   }),
 *   ds.assignTimestampsAndWatermarks(
 *     ds.WatermarkStrategy.forBoundedOutOfOrderness<View>(1_000).withTimestampAssigner(v => v.ts)))
 *
 * views$.subscribe({ error: (e: Error) => console.error(e.message) })
 * // a missing file: "fileLines: cannot read 'views.csv': ENOENT: no such file or directory, …"
 * ```
 *
 * @see `assignTimestampsAndWatermarks` to turn the lines into a `DataStream`.
 *
 * @param path The file to read: a path (relative to the working directory) or a `file:` URL.
 * @param options Read options, see {@link FileLinesOptions}.
 * @returns A cold Observable that emits each line of the file, in order, then completes.
 *
 * @category sources
 * @since 0.1.0
 */
export function fileLines(path: string | URL, options: FileLinesOptions = {}): Observable<string> {
  const { highWaterMark } = options
  return new Observable<string>((subscriber) => {
    const input = createReadStream(path, {
      encoding: 'utf8',
      ...(highWaterMark === undefined ? {} : { highWaterMark })
    })
    const lines = createInterface({ input, crlfDelay: Infinity, terminal: false })
    let first = true
    let done = false

    const fail = (err: unknown): void => {
      if (done) return
      done = true
      subscriber.error(readError(path, err))
    }

    lines.on('line', (line: string) => {
      if (done) return
      if (first) {
        first = false
        if (line.charCodeAt(0) === 0xfeff) line = line.slice(1)
      }
      subscriber.next(line)
    })
    // readline re-emits input errors on the interface (Node >= 16); listen to both so an error
    // is never unhandled, and report it once.
    input.on('error', fail)
    lines.on('error', fail)
    // The interface closes when the input ends (an input error does not close it).
    lines.on('close', () => {
      if (done) return
      done = true
      subscriber.complete()
    })

    return () => {
      done = true
      lines.close()
      input.destroy()
    }
  })
}

export { fileLinesSource, type FileLinesSourceOptions } from './fileLinesSource'

// -------------------------------------------------------------------------------------
// checkpoint stores
// -------------------------------------------------------------------------------------

export { fileStore } from './fileStore'

// -------------------------------------------------------------------------------------
// sinks
// -------------------------------------------------------------------------------------

export { fileSink, type FileSinkOptions } from './fileSink'

// -------------------------------------------------------------------------------------
// state backends
// -------------------------------------------------------------------------------------

export { lmdbStateBackend, type LmdbStateBackendOptions } from './lmdbStateBackend'

// -------------------------------------------------------------------------------------
// internal
// -------------------------------------------------------------------------------------

const readError = (path: string | URL, cause: unknown): Error => {
  const detail = cause instanceof Error ? cause.message : String(cause)
  const shown = typeof path === 'string' ? path : path.href
  const error: Error & { code?: string } = new Error(`fileLines: cannot read '${shown}': ${detail}`, { cause })
  const code = (cause as { code?: unknown } | null)?.code
  if (typeof code === 'string') error.code = code
  return error
}
