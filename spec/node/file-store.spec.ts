/** @test {fileStore} */
// What only the file store does: its layout on disk, leftovers and damaged files, I/O
// failures. The rules every store keeps are checked in spec/checkpoint/store-contract.spec.ts.
// The real module object (not an ES namespace copy), so that spies see node/fileStore.ts's calls.
import fsp = require('node:fs/promises')
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import fc from 'fast-check'
import { CheckpointStoreError, type StoredCheckpoint } from '../../src/checkpoint/CheckpointStore'
import { fileStore, jobFolderName, jobIdOfFolder } from '../../node/fileStore'
import { fileStore as exported } from '../../node/index'

const meta = (checkpointId: number, jobId = 'clicks'): Omit<StoredCheckpoint, 'size'> => ({ jobId, checkpointId, timestamp: 1_700_000_000_000, kind: 'checkpoint' })

/** The CheckpointStoreError a promise rejects with. */
async function rejectionOf(promise: Promise<unknown>): Promise<CheckpointStoreError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointStoreError)
    return error as CheckpointStoreError
  }
  throw new Error('expected a rejection, but the promise resolved')
}

describe('fileStore (rx-datastream/node)', () => {
  let base: string
  let dir: string
  let counter = 0

  beforeAll(() => (base = mkdtempSync(join(tmpdir(), 'rxds-'))))
  afterAll(() => rmSync(base, { recursive: true, force: true }))
  beforeEach(() => (dir = join(base, `store-${++counter}`)))

  const jobFolder = (jobId = 'clicks'): string => join(dir, jobFolderName(jobId) ?? '')
  const filesOf = (jobId = 'clicks'): string[] => readdirSync(jobFolder(jobId)).sort()

  it('is exported from rx-datastream/node', () => {
    expect(exported).toBe(fileStore)
  })

  describe('description', () => {
    it('names the directory as given', () => {
      expect(fileStore('state/checkpoints').description).toBe("fileStore('state/checkpoints')")
      expect(fileStore(new URL('file:///checkpoints/')).description).toBe("fileStore('file:///checkpoints/')")
    })

    it('refuses an empty directory at once', () => {
      expect(() => fileStore('')).toThrowError(TypeError, /fileStore: the directory must be a non-empty path or a file: URL/)
    })

    it('accepts a file: URL', async () => {
      const store = fileStore(pathToFileURL(dir))
      await store.put(meta(1), 'via URL')
      expect(await fileStore(dir).get('clicks', 1)).toBe('via URL')
    })
  })

  describe('layout', () => {
    it('creates the directory on the first put, not before', async () => {
      const store = fileStore(join(dir, 'deep', 'er'))
      expect(await store.list('clicks')).toEqual([])
      expect(existsSync(dir)).toBeFalse()
      await store.put(meta(1), 'x')
      expect(readdirSync(join(dir, 'deep', 'er'))).toEqual(['job-clicks'])
    })

    it('keeps a manifest and a data file per checkpoint, and nothing else once a put resolved', async () => {
      const store = fileStore(dir)
      await store.put(meta(3), 'three')
      await store.put({ ...meta(4), kind: 'savepoint', name: 'sp' }, 'four')
      const files = filesOf()
      expect(files.length).toBe(4)
      expect(files.filter(f => f.endsWith('.tmp'))).toEqual([])
      const manifest = JSON.parse(readFileSync(join(jobFolder(), '4.manifest.json'), 'utf8')) as { checkpoint: unknown; data: string; encoding: string }
      expect(manifest.checkpoint).toEqual({ jobId: 'clicks', checkpointId: 4, timestamp: 1_700_000_000_000, kind: 'savepoint', name: 'sp', size: 4 })
      expect(manifest.data).toMatch(/^4\.[0-9a-z-]+\.data$/)
      expect(files).toContain(manifest.data)
      expect(readFileSync(join(jobFolder(), manifest.data), 'utf8')).toBe('four')
      expect(manifest.encoding).toBe('utf8')
    })

    it('keeps text with lone surrogates as UTF-16, which holds it exactly', async () => {
      const store = fileStore(dir)
      await store.put(meta(1), 'a\uD800b')
      const manifest = JSON.parse(readFileSync(join(jobFolder(), '1.manifest.json'), 'utf8')) as { encoding: string }
      expect(manifest.encoding).toBe('utf16le')
      expect(await store.get('clicks', 1)).toBe('a\uD800b')
    })

    it('lists more checkpoints than it reads manifests at once', async () => {
      const store = fileStore(dir)
      const all = Array.from({ length: 130 }, (_, i) => i + 1)
      await Promise.all(all.map(id => store.put(meta(id), `${id}`)))
      expect((await fileStore(dir).list('clicks')).map(c => c.checkpointId)).toEqual(all)
    }, 15_000)

    it('replacing an id leaves one data file for it', async () => {
      const store = fileStore(dir)
      await store.put(meta(1), 'old')
      await store.put(meta(1), 'new')
      expect(filesOf().filter(f => f.startsWith('1.') && f.endsWith('.data')).length).toBe(1)
    })

    it('delete removes the manifest and the data file', async () => {
      const store = fileStore(dir)
      await store.put(meta(1), 'one')
      await store.put(meta(2), 'two')
      await store.delete('clicks', 1)
      expect(filesOf().filter(f => f.startsWith('1.'))).toEqual([])
      expect(filesOf().length).toBe(2)
    })

    it('names job folders reversibly, distinctly even on a case-insensitive file system, with safe characters only', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', minLength: 1 }), fc.string({ unit: 'binary', minLength: 1 }), (a, b) => {
          const [na, nb] = [jobFolderName(a), jobFolderName(b)]
          if (na === undefined || nb === undefined) return
          expect(na).toMatch(/^job-(?:[a-z0-9_-]|%[0-9A-F]{2})+$/)
          expect(jobIdOfFolder(na)).toBe(a)
          if (a !== b) expect(na.toLowerCase()).not.toBe(nb.toLowerCase())
        })
      )
      for (const [id, name] of [['clicks', 'job-clicks'], ['A', 'job-%41'], ['..', 'job-%2E%2E'], ['a/b c', 'job-a%2Fb%20c'], ['日', 'job-%E6%97%A5']]) {
        expect(jobFolderName(id as string)).toBe(name)
      }
      expect(jobIdOfFolder('other')).toBeUndefined()
      expect(jobIdOfFolder('job-%ZZ')).toBeUndefined()
    })

    it('refuses a job id with a lone surrogate, or too long for a folder name', async () => {
      const store = fileStore(dir)
      expect((await rejectionOf(store.put(meta(1, 'a\uD800'), 'x'))).message).toMatch(/is not well-formed Unicode/)
      expect((await rejectionOf(store.list('日'.repeat(100)))).message).toMatch(/is too long for a folder name \(904 bytes escaped, at most 255\)/)
    })
  })

  describe('leftovers of puts that died', () => {
    it('are ignored by list and get, removed by the next put, and other files are kept', async () => {
      const store = fileStore(dir)
      await store.put(meta(1), 'one')
      await store.put(meta(2), 'two')
      const folder = jobFolder()
      // A put of 3 that died before its manifest, another before its rename, a replace of 2
      // that died before removing the new data file's rival, and a file of someone else.
      writeFileSync(join(folder, '3.lq2x8k-1-0-aaaaaa.data'), 'orphan')
      writeFileSync(join(folder, '4.lq2x8k-1-1-bbbbbb.data.tmp'), 'torn')
      writeFileSync(join(folder, '2.manifest.json.lq2x8k-1-2-cccccc.tmp'), '{"torn')
      writeFileSync(join(folder, '2.lq2x8k-1-3-dddddd.data'), 'old two')
      writeFileSync(join(folder, 'README'), 'notes')
      expect((await store.list('clicks')).map(c => c.checkpointId)).toEqual([1, 2])
      expect(await store.get('clicks', 2)).toBe('two')
      expect((await rejectionOf(store.get('clicks', 3))).message).toMatch(/job 'clicks' has no checkpoint 3/)
      expect(filesOf().length).toBe(9)

      await store.put(meta(5), 'five')
      const files = filesOf()
      expect(files.filter(f => f.endsWith('.tmp') || f.startsWith('3.') || f.startsWith('4.'))).toEqual([])
      expect(files.filter(f => f.startsWith('2.')).length).toBe(2)
      expect(files).toContain('README')
      expect(await store.get('clicks', 2)).toBe('two')
    })
  })

  describe('damaged files', () => {
    /** Puts checkpoints 1 and 2, then writes `manifest` (given the manifest of 1) as 2's. */
    const damage = async (manifest: string | ((first: Record<string, unknown>) => string)): Promise<CheckpointStoreError> => {
      const store = fileStore(dir)
      await store.put(meta(1), 'one')
      await store.put(meta(2), 'two')
      const first = JSON.parse(readFileSync(join(jobFolder(), '1.manifest.json'), 'utf8')) as Record<string, unknown>
      writeFileSync(join(jobFolder(), '2.manifest.json'), typeof manifest === 'string' ? manifest : manifest(first))
      expect((await store.list('clicks')).map(c => c.checkpointId)).withContext('list skips the damaged manifest').toEqual([1])
      expect(await store.get('clicks', 1)).toBe('one')
      const error = await rejectionOf(store.get('clicks', 2))
      expect(error.jobId).toBe('clicks')
      expect(error.checkpointId).toBe(2)
      expect(error.message).toContain(`${store.description}: checkpoint 2 of job 'clicks' is damaged: its manifest ${join(jobFolder(), '2.manifest.json')}`)
      return error
    }

    it('a manifest that is not JSON is skipped by list, and get says it is damaged', async () => {
      expect((await damage('{"format":"rx-datas')).message).toMatch(/is not JSON \(19 characters\)$/)
    })

    it('a manifest of another shape likewise', async () => {
      expect((await damage('{"format":"something else"}')).message).toMatch(/is not a manifest of this store: format: expected "rx-datastream\/file-store-manifest"/)
    })

    it('a manifest of another checkpoint likewise', async () => {
      expect((await damage(first => JSON.stringify(first))).message).toMatch(/describes checkpoint 1 of job 'clicks' instead$/)
    })

    it('a manifest naming a file outside its checkpoint likewise, and nothing is read there', async () => {
      const error = await damage(first => JSON.stringify({ ...first, checkpoint: { ...(first['checkpoint'] as object), checkpointId: 2 }, data: '../../secret' }))
      expect(error.message).toMatch(/names the data file '\.\.\/\.\.\/secret', not one of checkpoint 2$/)
    })

    it('a truncated data file is damaged', async () => {
      const store = fileStore(dir)
      await store.put(meta(1), 'twelve chars')
      const data = filesOf().find(f => f.endsWith('.data')) ?? ''
      truncateSync(join(jobFolder(), data), 5)
      expect((await rejectionOf(store.get('clicks', 1))).message).toMatch(/checkpoint 1 of job 'clicks' is damaged: its data file .* holds 5 characters where its manifest says 12$/)
    })

    it('a missing data file is damaged', async () => {
      const store = fileStore(dir)
      await store.put(meta(1), 'one')
      rmSync(join(jobFolder(), filesOf().find(f => f.endsWith('.data')) ?? ''))
      expect((await rejectionOf(store.get('clicks', 1))).message).toMatch(/checkpoint 1 of job 'clicks' is damaged: its data file .* is missing$/)
      expect((await store.list('clicks')).length).toBe(1)
    })
  })

  describe('I/O failures', () => {
    it('reject with a CheckpointStoreError carrying the Node error and its code', async () => {
      mkdirSync(base, { recursive: true })
      const file = join(base, `a-file-${counter}`)
      writeFileSync(file, 'not a directory')
      const store = fileStore(file)
      for (const call of [() => store.put(meta(1), 'x'), () => store.list('clicks'), () => store.get('clicks', 1), () => store.delete('clicks', 1)]) {
        const error = await rejectionOf(call())
        expect(error.message).toMatch(/ENOTDIR|EEXIST/)
        expect(error.message).toContain(`fileStore('${file}'): cannot `)
        expect((error.cause as NodeJS.ErrnoException | undefined)?.code).toMatch(/ENOTDIR|EEXIST/)
      }
    })

    it('a put that fails writing its data leaves nothing behind', async () => {
      const store = fileStore(dir)
      await store.put(meta(1), 'one')
      const full = Object.assign(new Error('ENOSPC: no space left on device, rename'), { code: 'ENOSPC' })
      spyOn(fsp, 'rename').and.rejectWith(full)
      const error = await rejectionOf(store.put(meta(2), 'two'))
      expect(error.message).toBe(`${store.description}: cannot write checkpoint 2 of job 'clicks' in ${jobFolder()}: ENOSPC: no space left on device, rename`)
      expect(error.cause).toBe(full)
      expect(error.checkpointId).toBe(2)
      expect((await store.list('clicks')).map(c => c.checkpointId)).toEqual([1])
      expect(filesOf().filter(f => f.startsWith('2.'))).toEqual([])
    })

    it('a put that fails writing its manifest leaves nothing behind, and a replaced checkpoint as it was', async () => {
      const store = fileStore(dir)
      await store.put(meta(1), 'one')
      const rename = fsp.rename
      let calls = 0
      spyOn(fsp, 'rename').and.callFake(async (from, to) => {
        if (++calls === 2) throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' })
        return rename(from, to)
      })
      const error = await rejectionOf(store.put(meta(1), 'replacement'))
      expect(error.message).toMatch(/cannot write the manifest of checkpoint 1 of job 'clicks' in .*: EIO: i\/o error, rename$/)
      expect(await store.get('clicks', 1)).toBe('one')
      expect(filesOf().length).toBe(2)
    })
  })

  describe('concurrency', () => {
    it('get during replaces of the same id returns one version whole, never a missing file', async () => {
      const store = fileStore(dir)
      const versions = Array.from({ length: 100 }, (_, i) => `version ${i};`.repeat(50 + i))
      await store.put(meta(1), versions[0] ?? '')
      let writing = true
      const writer = (async () => {
        for (const v of versions.slice(1)) await store.put(meta(1), v)
        writing = false
      })()
      // Several readers, so that some read a manifest just before it is replaced and its data
      // file just after the replaced one was removed.
      const reads = await Promise.all(
        [1, 2, 3, 4].map(async () => {
          let n = 0
          for (; writing; n++) expect(versions).toContain(await store.get('clicks', 1))
          return n
        })
      )
      await writer
      expect(Math.min(...reads)).toBeGreaterThan(0)
      expect(await store.get('clicks', 1)).toBe(versions[99] ?? '')
    }, 15_000)

    it('two stores over one directory in one process take turns: concurrent puts of one id leave one, whole', async () => {
      const [a, b] = [fileStore(dir), fileStore(dir)]
      const texts = Array.from({ length: 10 }, (_, i) => `text ${i} `.repeat(1000 * (i + 1)))
      await Promise.all(texts.map((text, i) => (i % 2 === 0 ? a : b).put(meta(1), text)))
      expect(texts).toContain(await a.get('clicks', 1))
      expect(filesOf().length).toBe(2)
    })
  })

  it('refuses metadata that a manifest could not keep', async () => {
    const store = fileStore(dir)
    expect((await rejectionOf(store.put({ ...meta(1), timestamp: Number.NaN }, 'x'))).message).toMatch(/its timestamp must be a finite number, not NaN/)
    expect((await rejectionOf(store.put({ ...meta(1), kind: 'other' as 'checkpoint' }, 'x'))).message).toMatch(/its kind must be 'checkpoint' or 'savepoint', not "other"/)
    expect(await store.list('clicks')).toEqual([])
  })
})
