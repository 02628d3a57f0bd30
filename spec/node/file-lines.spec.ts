/** @test {fileLines} */
// The real module object (not an ES namespace copy), so that spies see node/index.ts's calls.
import fs = require('node:fs')
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { firstValueFrom, lastValueFrom, Observable, take, toArray } from 'rxjs'
import { fileLines } from '../../node/index'

describe('fileLines (rx-datastream/node)', () => {
  let dir: string
  let counter = 0

  /** Writes a fresh temp file and returns its path. */
  const file = (content: string | Buffer): string => {
    const path = join(dir, `lines-${++counter}.txt`)
    writeFileSync(path, content)
    return path
  }
  const linesOf = (source: Observable<string>): Promise<string[]> => lastValueFrom(source.pipe(toArray()))
  const errorOf = (source: Observable<unknown>): Promise<NodeJS.ErrnoException> =>
    new Promise((resolve, reject) =>
      source.subscribe({
        next: (v) => reject(new Error(`expected an error, got the value ${JSON.stringify(v)}`)),
        error: resolve,
        complete: () => reject(new Error('expected an error, got completion'))
      })
    )

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rx-datastream-file-lines-'))
  })
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  describe('lines', () => {
    it('emits each line of a file without its line terminator', async () => {
      expect(await linesOf(fileLines(file('a\nbb\nccc')))).toEqual(['a', 'bb', 'ccc'])
    })

    it('does not emit an empty last line for a final newline', async () => {
      expect(await linesOf(fileLines(file('a\nb\n')))).toEqual(['a', 'b'])
    })

    it('handles \\r\\n line endings, also mixed with \\n, and keeps no \\r', async () => {
      expect(await linesOf(fileLines(file('a\r\nb\nc\r\n')))).toEqual(['a', 'b', 'c'])
    })

    it('handles \\r\\n split across read chunks', async () => {
      // With 1-byte chunks every \r arrives alone, before its \n.
      expect(await linesOf(fileLines(file('a\r\nbc\r\n\r\nd'), { highWaterMark: 1 }))).toEqual(['a', 'bc', '', 'd'])
    })

    it('keeps empty lines inside the file', async () => {
      expect(await linesOf(fileLines(file('\na\n\n\nb\n')))).toEqual(['', 'a', '', '', 'b'])
    })

    it('completes without a value for an empty file', async () => {
      expect(await linesOf(fileLines(file('')))).toEqual([])
    })

    it('emits one empty line for a file holding only a newline', async () => {
      expect(await linesOf(fileLines(file('\n')))).toEqual([''])
      expect(await linesOf(fileLines(file('\r\n')))).toEqual([''])
    })

    it('decodes UTF-8, also multi-byte characters split across read chunks', async () => {
      const text = ['héllo wörld', '日本語のテキスト', 'emoji 🦀🚀', 'ascii'].join('\n')
      expect(await linesOf(fileLines(file(text), { highWaterMark: 1 }))).toEqual(text.split('\n'))
      expect(await linesOf(fileLines(file(text), { highWaterMark: 3 }))).toEqual(text.split('\n'))
    })

    it('drops a UTF-8 byte order mark at the start of the file, and only there', async () => {
      const bom = Buffer.from([0xef, 0xbb, 0xbf])
      const path = file(Buffer.concat([bom, Buffer.from('first\n\uFEFFsecond\n')]))
      expect(await linesOf(fileLines(path))).toEqual(['first', '\uFEFFsecond'])
    })

    it('streams a large file in order, chunk by chunk', async () => {
      const expected = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`)
      const path = file(expected.join('\n') + '\n')
      expect(await linesOf(fileLines(path, { highWaterMark: 1024 }))).toEqual(expected)
    })

    it('accepts a file: URL', async () => {
      expect(await linesOf(fileLines(pathToFileURL(file('u\nv'))))).toEqual(['u', 'v'])
    })
  })

  describe('cold', () => {
    it('opens nothing until subscribed', () => {
      const spy = spyOn(fs, 'createReadStream').and.callThrough()
      fileLines(join(dir, 'never-subscribed.txt'))
      expect(spy).not.toHaveBeenCalled()
    })

    it('reads the file anew, from the start, for every subscription', async () => {
      const path = file('one\ntwo\n')
      const source = fileLines(path)
      expect(await linesOf(source)).toEqual(['one', 'two'])
      writeFileSync(path, 'three\n')
      expect(await linesOf(source)).toEqual(['three'])
      const [a, b] = await Promise.all([linesOf(source), linesOf(source)])
      expect(a).toEqual(['three'])
      expect(b).toEqual(['three'])
    })
  })

  describe('unsubscribe', () => {
    it('closes the file when the subscriber has enough', async () => {
      const spy = spyOn(fs, 'createReadStream').and.callThrough()
      const path = file(Array.from({ length: 50_000 }, (_, i) => `row ${i}`).join('\n'))
      const firstTwo = await lastValueFrom(fileLines(path, { highWaterMark: 64 }).pipe(take(2), toArray()))
      expect(firstTwo).toEqual(['row 0', 'row 1'])
      expect(spy).toHaveBeenCalledTimes(1)
      const stream = spy.calls.mostRecent().returnValue
      expect(stream.destroyed).toBeTrue()
      await new Promise<void>((resolve) => (stream.closed ? resolve() : stream.once('close', () => resolve())))
      expect(stream.closed).toBeTrue()
    })

    it('closes the file when unsubscribed before anything was read, and emits nothing after', async () => {
      const spy = spyOn(fs, 'createReadStream').and.callThrough()
      const seen: string[] = []
      const subscription = fileLines(file('a\nb\n')).subscribe({
        next: (v) => seen.push(v),
        error: (e: unknown) => seen.push(`error ${String(e)}`),
        complete: () => seen.push('complete')
      })
      subscription.unsubscribe()
      const stream = spy.calls.mostRecent().returnValue
      expect(stream.destroyed).toBeTrue()
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(seen).toEqual([])
    })

    it('stops with firstValueFrom after the first line', async () => {
      expect(await firstValueFrom(fileLines(file('head\ntail\n')))).toBe('head')
    })
  })

  describe('errors', () => {
    it('reports a missing file through the error channel, naming the path', async () => {
      const missing = join(dir, 'does-not-exist.txt')
      const source = fileLines(missing)
      let error: NodeJS.ErrnoException | undefined
      let errored!: Promise<void>
      // subscribing does not throw: the error arrives later, through `error`
      expect(() => {
        errored = new Promise<void>(resolve => source.subscribe({ error: (e: NodeJS.ErrnoException) => ((error = e), resolve()) }))
      }).not.toThrow()
      expect(error).toBeUndefined()
      // Each subscription opens the file on its own: wait for both, in whichever order they fail.
      await errored
      const e = await errorOf(source)
      expect(e).toBeInstanceOf(Error)
      expect(e.message).toContain(`'${missing}'`)
      expect(e.message).toMatch(/^fileLines: cannot read /)
      expect(e.code).toBe('ENOENT')
      expect((e.cause as NodeJS.ErrnoException).code).toBe('ENOENT')
      expect(error?.code).toBe('ENOENT')
    })

    it('reports a directory as an error naming the path', async () => {
      const e = await errorOf(fileLines(dir))
      expect(e.message).toContain(dir)
      expect(e.code).toBe('EISDIR')
    })

    it('names a file: URL path in the error', async () => {
      const url = pathToFileURL(join(dir, 'missing-url.txt'))
      const e = await errorOf(fileLines(url))
      expect(e.message).toContain(url.href)
      expect(e.code).toBe('ENOENT')
    })

    it('emits no value and no completion after an error', async () => {
      const seen: string[] = []
      await new Promise<void>((resolve) =>
        fileLines(join(dir, 'nope.txt')).subscribe({
          next: (v) => seen.push(v),
          error: () => {
            seen.push('error')
            setTimeout(resolve, 20)
          },
          complete: () => seen.push('complete')
        })
      )
      expect(seen).toEqual(['error'])
    })
  })
})
