/** @test {fileLinesSource} */
// The real module object (not an ES namespace copy), so that spies see the source's calls.
import fsp = require('node:fs/promises')
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import fc from 'fast-check'
import { lastValueFrom, toArray } from 'rxjs'
import * as ds from '../../src/index'
import { fileLines, fileLinesSource } from '../../node/index'

type Entry = ds.SourceEntry<string, number>

/** Everything `read(offset)` yields, as a job would pull it. */
async function entriesOf(source: ds.Source<string, number>, offset?: number): Promise<Entry[]> {
  const out: Entry[] = []
  const read = source.read(offset)
  if (!(Symbol.asyncIterator in read)) throw new Error('fileLinesSource must read asynchronously')
  for await (const entry of read) out.push(entry)
  return out
}

const valuesOf = async (source: ds.Source<string, number>, offset?: number): Promise<string[]> => (await entriesOf(source, offset)).map(e => e.value)

const errorOf = async (work: Promise<unknown>): Promise<Error & { code?: string }> => {
  try {
    await work
  } catch (error) {
    if (error instanceof Error) return error
    throw new Error(`expected an Error, got ${String(error)}`)
  }
  throw new Error('expected an error, got none')
}

/**
 * The lines of `text` and the byte offset after each, from the rules as written (a regular
 * expression over the decoded text), not from bytes as the source splits them.
 */
function expectedEntries(text: string): Entry[] {
  let rest = text
  let offset = 0
  if (rest.startsWith('\uFEFF')) {
    rest = rest.slice(1)
    offset = 3
  }
  const out: Entry[] = []
  const terminator = /\r\n|\r|\n/g
  let from = 0
  for (let m = terminator.exec(rest); m !== null; m = terminator.exec(rest)) {
    const end = m.index + m[0].length
    offset += Buffer.byteLength(rest.slice(from, end))
    out.push({ value: rest.slice(from, m.index), offset })
    from = end
  }
  if (from < rest.length) out.push({ value: rest.slice(from), offset: offset + Buffer.byteLength(rest.slice(from)) })
  return out
}

describe('fileLinesSource (rx-datastream/node)', () => {
  let dir: string
  let counter = 0

  const file = (content: string | Buffer): string => {
    const path = join(dir, `lines-${++counter}.txt`)
    writeFileSync(path, content)
    return path
  }

  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'rx-datastream-file-lines-source-'))))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  describe('lines (the rules of fileLines), with any chunk size', () => {
    const cases: ReadonlyArray<readonly [string, string, string[]]> = [
      ['lines without their terminators', 'a\nbb\nccc', ['a', 'bb', 'ccc']],
      ['no empty last line for a final newline', 'a\nb\n', ['a', 'b']],
      ['\\r\\n, mixed with \\n', 'a\r\nb\nc\r\n', ['a', 'b', 'c']],
      ['a lone \\r ends a line', 'a\rb\r', ['a', 'b']],
      ['\\r then \\r\\n: two lines', '\r\r\n', ['', '']],
      ['\\n then \\r: two lines', 'a\n\r', ['a', '']],
      ['empty lines inside the file', '\na\n\n\nb\n', ['', 'a', '', '', 'b']],
      ['an empty file', '', []],
      ['a file of one newline', '\n', ['']],
      ['a file of one \\r\\n', '\r\n', ['']],
      ['multi-byte characters', 'héllo wörld\n日本語のテキスト\nemoji 🦀🚀\nascii', ['héllo wörld', '日本語のテキスト', 'emoji 🦀🚀', 'ascii']],
      ['a byte order mark at the start is dropped, elsewhere kept', '\uFEFFfirst\n\uFEFFsecond\n', ['first', '\uFEFFsecond']],
      ['a byte order mark alone is an empty file', '\uFEFF', []],
      ['a byte order mark and a newline is one empty line', '\uFEFF\r\n', ['']]
    ]
    for (const [name, text, lines] of cases) {
      it(name, async () => {
        const path = file(text)
        for (const highWaterMark of [1, 2, 3, 5, undefined]) {
          expect(await valuesOf(fileLinesSource(path, highWaterMark === undefined ? {} : { highWaterMark })))
            .withContext(`highWaterMark ${String(highWaterMark)}`)
            .toEqual(lines)
        }
      })
    }

    it('agrees with fileLines on a large file', async () => {
      const text = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'é🦀x'.repeat(i % 17)}`).join(['\n', '\r\n', '\r'][counter % 3]) + '\n'
      const path = file(text)
      const expected = await lastValueFrom(fileLines(path).pipe(toArray()))
      expect(await valuesOf(fileLinesSource(path, { highWaterMark: 1000 }))).toEqual(expected)
    })

    it('accepts a file: URL', async () => {
      expect(await valuesOf(fileLinesSource(pathToFileURL(file('u\nv'))))).toEqual(['u', 'v'])
    })
  })

  describe('offsets', () => {
    it('is the byte offset after each line and its terminator, multi-byte characters counted in bytes', async () => {
      // é: 2 bytes, 日: 3, 🦀: 4; the byte order mark: 3.
      const path = file('\uFEFFa\r\nbé\n\n日🦀\rc')
      for (const highWaterMark of [1, 2, 4, 64]) {
        expect(await entriesOf(fileLinesSource(path, { highWaterMark })))
          .withContext(`highWaterMark ${highWaterMark}`)
          .toEqual([
            { value: 'a', offset: 6 },
            { value: 'bé', offset: 10 },
            { value: '', offset: 11 },
            { value: '日🦀', offset: 19 },
            { value: 'c', offset: 20 }
          ])
      }
    })

    it('counts a \\r\\n split across two chunks as one terminator', async () => {
      // With 2-byte chunks the \r ends the first chunk and its \n starts the second.
      expect(await entriesOf(fileLinesSource(file('a\r\nb'), { highWaterMark: 2 }))).toEqual([
        { value: 'a', offset: 3 },
        { value: 'b', offset: 4 }
      ])
    })

    it('resumes at each offset with the rest of the lines, and their offsets', async () => {
      const source = fileLinesSource(file('\uFEFFone\r\ntwø\r\rthree 🦀\nfour'), { highWaterMark: 3 })
      const all = await entriesOf(source)
      expect(all.map(e => e.value)).toEqual(['one', 'twø', '', 'three 🦀', 'four'])
      expect(await entriesOf(source, 0)).toEqual(all)
      for (let i = 0; i < all.length; i++) {
        expect(await entriesOf(source, all[i]!.offset)).withContext(`from offset ${all[i]!.offset}`).toEqual(all.slice(i + 1))
      }
    })

    it('seeks to the offset: the first byte read is the one at the offset', async () => {
      const lines = Array.from({ length: 2_000 }, (_, i) => `row ${i}`)
      const path = file(lines.join('\n') + '\n')
      const all = await entriesOf(fileLinesSource(path))
      const from = all[1_499]!.offset
      const positions: number[] = []
      const realOpen = fsp.open
      spyOn(fsp, 'open').and.callFake(async (...args: Parameters<typeof fsp.open>) => {
        const handle = await realOpen(...args)
        const read = handle.read.bind(handle) as (buffer: Buffer, offset: number, length: number, position: number) => Promise<{ bytesRead: number; buffer: Buffer }>
        ;(handle as { read: unknown }).read = (buffer: Buffer, offset: number, length: number, position: number) => {
          positions.push(position)
          return read(buffer, offset, length, position)
        }
        return handle
      })
      expect(await valuesOf(fileLinesSource(path, { highWaterMark: 256 }), from)).toEqual(lines.slice(1_500))
      expect(positions[0]).toBe(from)
      expect(Math.min(...positions)).toBe(from)
    })

    it('resumes at the end of the file with no line', async () => {
      const path = file('a\nb\n')
      expect(await entriesOf(fileLinesSource(path), 4)).toEqual([])
    })

    it('rejects a restore offset beyond the end of the file, naming the path and the size', async () => {
      const path = file('a\nb\n')
      const e = await errorOf(entriesOf(fileLinesSource(path), 5))
      expect(e).toBeInstanceOf(RangeError)
      expect(e.message).toBe(`fileLinesSource: cannot resume reading '${path}' at byte 5: the file has only 4 bytes (was it truncated or replaced since the checkpoint?)`)
    })

    it('rejects a negative, fractional or non-numeric restore offset', async () => {
      const path = file('a\nb\n')
      for (const offset of [-1, 1.5, Number.NaN, Infinity, '2' as unknown as number]) {
        const e = await errorOf(entriesOf(fileLinesSource(path), offset))
        expect(e).withContext(String(offset)).toBeInstanceOf(RangeError)
        expect(e.message).withContext(String(offset)).toContain(`fileLinesSource: cannot resume reading '${path}' at offset ${JSON.stringify(offset)}: an offset is a byte position, a whole number ≥ 0`)
      }
    })
  })

  describe('files', () => {
    it('reports a missing file, naming the path, with the Node error as cause and its code', async () => {
      const missing = join(dir, 'does-not-exist.txt')
      const source = fileLinesSource(missing)
      const e = await errorOf(entriesOf(source))
      expect(e.message).toMatch(/^fileLinesSource: cannot read /)
      expect(e.message).toContain(`'${missing}'`)
      expect(e.code).toBe('ENOENT')
      expect((e.cause as NodeJS.ErrnoException).code).toBe('ENOENT')
    })

    it('reports a directory, naming the path', async () => {
      const e = await errorOf(entriesOf(fileLinesSource(dir)))
      expect(e.message).toContain(`'${dir}'`)
      expect(e.code).toBe('EISDIR')
    })

    it('names a file: URL in the error', async () => {
      const url = pathToFileURL(join(dir, 'missing-url.txt'))
      const e = await errorOf(entriesOf(fileLinesSource(url)))
      expect(e.message).toContain(url.href)
      expect(e.code).toBe('ENOENT')
    })

    it('rejects a bad path or chunk size at once', () => {
      expect(() => fileLinesSource('')).toThrowError(TypeError, /non-empty path/)
      for (const highWaterMark of [0, -1, 1.5, Number.NaN]) {
        expect(() => fileLinesSource('x.txt', { highWaterMark })).withContext(String(highWaterMark)).toThrowError(RangeError, /highWaterMark must be a whole number of bytes/)
      }
    })

    it('opens nothing until read, and closes the file when reading stops early', async () => {
      const handles: FileHandle[] = []
      const realOpen = fsp.open
      const spy = spyOn(fsp, 'open').and.callFake(async (...args: Parameters<typeof fsp.open>) => {
        const handle = await realOpen(...args)
        handles.push(handle)
        return handle
      })
      const source = fileLinesSource(file(Array.from({ length: 10_000 }, (_, i) => `row ${i}`).join('\n')), { highWaterMark: 64 })
      expect(spy).not.toHaveBeenCalled()
      const seen: string[] = []
      for await (const { value } of source.read(undefined) as AsyncIterable<Entry>) {
        seen.push(value)
        if (seen.length === 2) break
      }
      expect(seen).toEqual(['row 0', 'row 1'])
      expect(handles.length).toBe(1)
      // A FileHandle's fd is -1 once closed.
      expect(handles[0]!.fd).toBe(-1)
    })
  })

  describe('in a job', () => {
    it('reads every line; restored from a checkpoint, it reads on from the checkpoint’s byte offset', async () => {
      const lines = Array.from({ length: 300 }, (_, i) => `${i} ${'ü'.repeat(i % 5)}`)
      const path = file(lines.join('\r\n'))
      const store = ds.memoryStore()
      const seen: string[] = []
      const build = (env: ds.StreamExecutionEnvironment, stopAt: number | undefined, job: () => ds.Job<never> | undefined) =>
        env.fromSource(fileLinesSource(path, { highWaterMark: 512 }), { uid: 'lines' }).pipe(
          ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<string>().withTimestampAssigner(line => Number(line.split(' ')[0])), { uid: 'ts' }),
          ds.sinkTo(
            (line: string) => {
              seen.push(line)
              if (seen.length === 100) void job()!.checkpoint()
              if (seen.length === stopAt) job()!.cancel()
            },
            { uid: 'sink' }
          )
        )
      let first: ds.Job<never> | undefined
      first = ds.execute(env => build(env, 200, () => first), { jobId: 'lines', checkpointing: { store } })
      const stopped = await first.done
      expect(stopped.status).toBe('cancelled')
      expect(stopped.lastCheckpoint).toBe(1)
      // The source's offset in the checkpoint: the byte after the last line read before its barrier.
      const position = Number(/"position":(\d+)/.exec(await store.get('lines', 1))?.[1])
      const ends = lines.map((_, i) => Buffer.byteLength(lines.slice(0, i + 1).join('\r\n')) + (i + 1 < lines.length ? 2 : 0))
      const read = ends.indexOf(position) + 1
      expect(read).withContext(`a line ends at the checkpointed offset ${position}`).toBeGreaterThanOrEqual(100)
      expect(read).toBeLessThan(200)

      const afterCrash = seen.length
      let second: ds.Job<never> | undefined
      second = ds.execute(env => build(env, undefined, () => second), { jobId: 'lines', checkpointing: { store }, restore: 'latest' })
      const finished = await second.done
      expect(finished.restoredFrom).toBe(1)
      expect(seen.slice(afterCrash)).toEqual(lines.slice(read))
    })
  })

  describe('properties', () => {
    /** Text full of terminators, byte order marks and characters of 1 to 4 bytes. */
    const text = fc
      .array(fc.oneof(fc.constantFrom('\n', '\r', '\r\n', '\uFEFF', 'é', '日', '🦀', 'a', ' '), fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 40 })
      .map(parts => parts.join(''))

    it('lines and byte offsets follow the rules, whatever the chunk size; resuming at any offset gives the rest', async () => {
      await fc.assert(
        fc.asyncProperty(text, fc.integer({ min: 1, max: 24 }), async (content, highWaterMark) => {
          const source = fileLinesSource(file(content), { highWaterMark })
          const all = await entriesOf(source)
          expect(all).toEqual(expectedEntries(content))
          expect(await entriesOf(source, 0)).toEqual(all)
          for (let i = 0; i < all.length; i++) expect(await entriesOf(source, all[i]!.offset)).toEqual(all.slice(i + 1))
        }),
        { numRuns: 150 }
      )
    })

    it('gives the lines fileLines gives, for any bytes (a file of only a byte order mark aside)', async () => {
      const bytes = fc
        .array(fc.oneof(fc.constantFrom([0x0a], [0x0d], [0x0d, 0x0a], [0xef, 0xbb, 0xbf], [0xe6, 0x97], [0xf0, 0x9f]), fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 4 })), { maxLength: 30 })
        .map(parts => Buffer.from(parts.flat()))
        .filter(b => !b.equals(Buffer.from([0xef, 0xbb, 0xbf])))
      await fc.assert(
        fc.asyncProperty(bytes, fc.integer({ min: 1, max: 16 }), async (content, highWaterMark) => {
          const path = file(content)
          const expected = await lastValueFrom(fileLines(path, { highWaterMark }).pipe(toArray()))
          expect(await valuesOf(fileLinesSource(path, { highWaterMark }))).toEqual(expected)
        }),
        { numRuns: 150 }
      )
    })
  })
})
