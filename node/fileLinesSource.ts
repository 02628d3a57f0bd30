/**
 * The lines of a text file as a replayable job source: the offset of each line is the byte
 * position just after it (after its terminator), so a job restored from a checkpoint seeks to
 * that byte and reads on, without reading the file again from its start.
 *
 * Node-only: import it from `rx-datastream/node`.
 *
 * @since 0.1.0
 */
import { type FileHandle, open } from 'node:fs/promises'
import type { Source, SourceEntry } from '../src/job/Source'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Options of {@link fileLinesSource}.
 *
 * @example
 * import { fileLinesSource } from 'rx-datastream/node'
 *
 * const source = fileLinesSource('big.log', { highWaterMark: 1024 * 1024 }) // read 1 MiB at a time
 *
 * @category sources
 * @since 0.1.0
 */
export interface FileLinesSourceOptions {
  /**
   * Size in bytes of the chunks read from the file, default 64 KiB (the same option as
   * `fileLines`). Only the memory held at once depends on it, never the lines or their offsets.
   */
  readonly highWaterMark?: number
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * The lines of a UTF-8 text file as a replayable {@link Source} for `env.fromSource`: each line
 * comes with the **byte offset** just after it (after its line terminator), which is what a
 * checkpoint keeps; a job restored from that checkpoint opens the file and starts reading at
 * that byte, so no line is read twice and the file is never read again from its start.
 *
 * <span class="informal">`fileLines` for jobs: the same lines, plus where each one ends.</span>
 *
 * ```text
 * file (bytes):   "a\r\nbé\n\nc"      (é is 2 bytes)
 * values:         'a'   'bé'  ''   'c'
 * offsets:         3     7     8    9
 * read(7):                     ''   'c'
 * ```
 *
 * - The line rules of `fileLines`: lines end at `\n`, `\r\n` or `\r`, and the terminator is
 *   not part of the value; a final terminator makes no extra empty line; a last line without
 *   one is still a line; an empty file has none. A UTF-8 byte order mark at byte 0 is dropped
 *   (a file holding only a byte order mark has no line).
 * - The file is read chunk by chunk (`FileHandle.read` at positions, `highWaterMark` bytes at a
 *   time), never loaded whole; a multi-byte character split across two chunks is decoded whole.
 * - Every `read(offset)` opens the file anew and closes it when the job stops reading.
 * - A file that cannot be opened or read (missing, a directory, no permission, …) fails the job
 *   with an error that names the path, whose `cause` is the Node error and `code` its code
 *   (`'ENOENT'`, `'EISDIR'`, `'EACCES'`, …).
 * - A restore offset that is not a whole number of bytes ≥ 0, or lies beyond the end of the
 *   file (the file was truncated or replaced since the checkpoint), fails the job with a
 *   `RangeError` that says so; it is never silently read from elsewhere.
 * - The file must not change under a job that may restore: an offset names a byte of the file
 *   as it was. Appending is fine.
 *
 * Node-only: import it from `rx-datastream/node`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 * import { fileLinesSource, fileStore } from 'rx-datastream/node'
 *
 * interface View { page: string; ts: number }
 *
 * // views.jsonl: one {"page": …, "ts": …} per line
 * const job = ds.execute(
 *   env =>
 *     env.fromSource(fileLinesSource('views.jsonl'), { uid: 'views' }).pipe(
 *       ds.assignTimestampsAndWatermarks(
 *         ds.WatermarkStrategy.forBoundedOutOfOrderness<string>(1_000).withTimestampAssigner(line => (JSON.parse(line) as View).ts),
 *         { uid: 'timestamps' }),
 *       ds.mapValues(line => JSON.parse(line) as View, { uid: 'parse' }),
 *       ds.keyBy(v => v.page, { uid: 'by-page' }),
 *       ds.windowBy(ds.tumblingEventTimeWindows(60_000), { uid: 'per-minute' }).fold(0, (n: number) => n + 1),
 *       ds.values()),
 *   // After a crash, the same call goes on from the newest checkpoint: from its byte offset in views.jsonl.
 *   { jobId: 'views', checkpointing: { interval: 1_000, store: fileStore('checkpoints') }, restore: 'latest' })
 *
 * @see `fileLines` for the lines of a file as a plain Observable (outside a job).
 *
 * @param path The file to read: a path (relative to the working directory) or a `file:` URL.
 * @param options Read options, see {@link FileLinesSourceOptions}.
 * @returns A source whose values are the file's lines and whose offsets are byte positions.
 *
 * @category sources
 * @since 0.1.0
 */
export function fileLinesSource(path: string | URL, options: FileLinesSourceOptions = {}): Source<string, number> {
  if (typeof path === 'string' ? path === '' : !(path instanceof URL)) {
    throw new TypeError(`fileLinesSource: the file must be a non-empty path or a file: URL, not ${typeof path === 'string' ? "''" : String(path)}`)
  }
  const chunkSize = options.highWaterMark ?? DEFAULT_CHUNK
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`fileLinesSource: highWaterMark must be a whole number of bytes ≥ 1, not ${String(options.highWaterMark)}`)
  }
  return { read: offset => readLines(path, chunkSize, offset) }
}

// -------------------------------------------------------------------------------------
// internal
// -------------------------------------------------------------------------------------

const DEFAULT_CHUNK = 64 * 1024
const LF = 0x0a
const CR = 0x0d

/**
 * Splits on the terminator bytes before decoding: in UTF-8 no byte of a multi-byte character is
 * below 0x80, so a `\n` or `\r` byte is always a terminator, and a line's bytes (gathered across
 * chunks) decode whole, whatever the chunk boundaries.
 */
async function* readLines(path: string | URL, chunkSize: number, offset: number | undefined): AsyncGenerator<SourceEntry<string, number>, void, undefined> {
  const start = offset ?? 0
  if (typeof start !== 'number' || !Number.isSafeInteger(start) || start < 0) {
    throw new RangeError(`fileLinesSource: cannot resume reading '${shown(path)}' at offset ${JSON.stringify(start)}: an offset is a byte position, a whole number ≥ 0`)
  }
  let handle: FileHandle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    throw readError(path, error)
  }
  try {
    let size: number
    try {
      size = (await handle.stat()).size
    } catch (error) {
      throw readError(path, error)
    }
    if (start > size) {
      throw new RangeError(`fileLinesSource: cannot resume reading '${shown(path)}' at byte ${start}: the file has only ${size} bytes (was it truncated or replaced since the checkpoint?)`)
    }
    /** Bytes of the line under way that earlier chunks held (copies: the read buffer is reused). */
    let head: Buffer[] = []
    /** The line ended by a `\r` that closed the previous chunk: whether a `\n` follows decides its offset. */
    let endedByCr: string | undefined
    /** Only the file's first line may start with a byte order mark. */
    let first = start === 0
    let position = start
    const buffer = Buffer.allocUnsafe(chunkSize)
    const decode = (bytes: Buffer): string => {
      const line = bytes.toString('utf8')
      if (!first) return line
      first = false
      return line.charCodeAt(0) === 0xfeff ? line.slice(1) : line
    }
    for (;;) {
      let bytesRead: number
      try {
        ;({ bytesRead } = await handle.read(buffer, 0, chunkSize, position))
      } catch (error) {
        throw readError(path, error)
      }
      if (bytesRead === 0) break
      const chunk = buffer.subarray(0, bytesRead)
      const base = position
      position += bytesRead
      let from = 0
      if (endedByCr !== undefined) {
        const line = endedByCr
        endedByCr = undefined
        if (chunk[0] === LF) {
          from = 1
          yield { value: line, offset: base + 1 }
        } else {
          yield { value: line, offset: base }
        }
      }
      for (let i = from; i < bytesRead; i++) {
        const b = chunk[i]!
        if (b !== LF && b !== CR) continue
        const bytes = head.length === 0 ? chunk.subarray(from, i) : Buffer.concat([...head, chunk.subarray(from, i)])
        head = []
        const line = decode(bytes)
        if (b === CR && i + 1 === bytesRead) {
          endedByCr = line
          from = bytesRead
          break
        }
        if (b === CR && chunk[i + 1] === LF) i++
        from = i + 1
        yield { value: line, offset: base + from }
      }
      if (from < bytesRead) head.push(Buffer.from(chunk.subarray(from, bytesRead)))
    }
    if (endedByCr !== undefined) {
      yield { value: endedByCr, offset: position }
    } else if (head.length > 0) {
      const bytes = Buffer.concat(head)
      // A file holding only a byte order mark is an empty text file: no line.
      const bomOnly = first && bytes.length === 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
      if (!bomOnly) yield { value: decode(bytes), offset: position }
    }
  } finally {
    await handle.close()
  }
}

const shown = (path: string | URL): string => (typeof path === 'string' ? path : path.href)

const readError = (path: string | URL, cause: unknown): Error => {
  const detail = cause instanceof Error ? cause.message : String(cause)
  const error: Error & { code?: string } = new Error(`fileLinesSource: cannot read '${shown(path)}': ${detail}`, { cause })
  const code = (cause as { code?: unknown } | null)?.code
  if (typeof code === 'string') error.code = code
  return error
}
