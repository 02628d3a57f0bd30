/** @test {indexedDbStore} */
// The IndexedDB checkpoint store in a real headless Chromium (spec/support/browser.ts), through
// the page spec/browser/page/indexed-db-store.ts, and in Node, where there is no IndexedDB.
import fc from 'fast-check'
import type { Page } from 'playwright-core'
import * as ds from '../../src/index'
import { useBrowser } from '../support/browser'
import { unicodeText } from './page/checkpoint-content'
import type { ErrorReport, Outcome, StoreMethod } from './page/indexed-db-store'

const SPEC_TIMEOUT_MS = 30_000
/** The fast-check seed of the run, printed first by npm test: `FC_SEED=N npm test` replays it. */
const seed = (): number => fc.readConfigureGlobal().seed ?? 0

const sleep = (ms: number): Promise<void> => new Promise(done => setTimeout(done, ms))

describe('indexedDbStore in Chromium', () => {
  const browser = useBrowser('spec/browser/page/indexed-db-store.ts')
  let databases = 0
  /** A database no other spec uses: the suite's pages share one origin. */
  const freshDatabase = (): string => `spec-${++databases}`
  const pages: Page[] = []
  const openPage = async (): Promise<Page> => {
    const page = await browser().openPage()
    pages.push(page)
    return page
  }
  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close()
  })

  const call = (page: Page, dbName: string, method: StoreMethod, ...args: readonly unknown[]): Promise<Outcome<unknown>> =>
    page.evaluate(([db, m, a]) => window.indexedDbStorePage.call(db, m, a), [dbName, method, args] as const)

  /** The value of a call that must succeed. */
  const value = async (outcome: Promise<Outcome<unknown>>): Promise<unknown> => {
    const result = await outcome
    if (!result.ok) throw new Error(`the store rejected: ${result.error.name}: ${result.error.message}`)
    return result.value
  }
  /** The error of a call that must fail. */
  const error = async (outcome: Promise<Outcome<unknown>>): Promise<ErrorReport> => {
    const result = await outcome
    if (result.ok) throw new Error(`the store did not reject; it gave ${JSON.stringify(result.value)}`)
    return result.error
  }
  const checkpoint = (jobId: string, checkpointId: number, extra: Partial<ds.StoredCheckpoint> = {}): Omit<ds.StoredCheckpoint, 'size'> => ({
    jobId,
    checkpointId,
    timestamp: 1_000 * checkpointId,
    kind: 'checkpoint',
    ...extra
  })
  const ids = async (page: Page, dbName: string, jobId: string): Promise<number[]> =>
    ((await value(call(page, dbName, 'list', jobId))) as ds.StoredCheckpoint[]).map(c => c.checkpointId)

  it(
    'keeps about 5 MB of Unicode text exactly, unpaired surrogates included (compared in the page)',
    async () => {
      const page = await openPage()
      const result = await page.evaluate(([db, s]) => window.indexedDbStorePage.roundTripText(db, 'text', s, 5_000_000), [freshDatabase(), seed()] as const)
      if (!result.ok) fail(result.error.message)
      else expect(result.value).toEqual({ putLength: 5_000_000, backLength: 5_000_000, identical: true, firstDifference: -1, listedSize: 5_000_000 })
    },
    SPEC_TIMEOUT_MS
  )

  it(
    'gives back exactly the text it was given (compared in Node)',
    async () => {
      const page = await openPage()
      const db = freshDatabase()
      const text = unicodeText(seed() + 1, 300_000, false)
      await value(call(page, db, 'put', checkpoint('text', 1), text))
      expect((await value(call(page, db, 'get', 'text', 1))) === text).withContext('the text read back is the text put').toBeTrue()
    },
    SPEC_TIMEOUT_MS
  )

  it(
    "lists a job's checkpoints and savepoints ascending by id, and no other job's",
    async () => {
      const page = await openPage()
      const db = freshDatabase()
      // Ids that sort differently as text, put out of order; jobs whose ids share a prefix.
      for (const id of [10, 2, Number.MAX_SAFE_INTEGER, 33, 1]) await value(call(page, db, 'put', checkpoint('a', id), `a${id}`))
      await value(call(page, db, 'put', checkpoint('a', 3, { kind: 'savepoint', name: 'before upgrade' }), 'sp'))
      await value(call(page, db, 'put', checkpoint('ab', 5), 'ab5'))
      await value(call(page, db, 'put', checkpoint('a\u0000', 4), 'a0'))

      expect(await ids(page, db, 'a')).toEqual([1, 2, 3, 10, 33, Number.MAX_SAFE_INTEGER])
      expect(await value(call(page, db, 'list', 'ab'))).toEqual([{ jobId: 'ab', checkpointId: 5, timestamp: 5_000, kind: 'checkpoint', size: 3 }])
      expect(await ids(page, db, 'a\u0000')).toEqual([4])
      expect(await value(call(page, db, 'list', 'nobody'))).toEqual([])
      const savepoint = ((await value(call(page, db, 'list', 'a'))) as ds.StoredCheckpoint[]).find(c => c.checkpointId === 3)
      expect(savepoint).toEqual({ jobId: 'a', checkpointId: 3, timestamp: 3_000, kind: 'savepoint', name: 'before upgrade', size: 2 })
    },
    SPEC_TIMEOUT_MS
  )

  it(
    'replaces a checkpoint put again under the same id',
    async () => {
      const page = await openPage()
      const db = freshDatabase()
      await value(call(page, db, 'put', checkpoint('job', 1), 'first'))
      await value(call(page, db, 'put', checkpoint('job', 1, { timestamp: 9 }), 'second, longer'))
      expect(await value(call(page, db, 'get', 'job', 1))).toBe('second, longer')
      expect(await value(call(page, db, 'list', 'job'))).toEqual([{ jobId: 'job', checkpointId: 1, timestamp: 9, kind: 'checkpoint', size: 14 }])
    },
    SPEC_TIMEOUT_MS
  )

  it(
    'deletes a checkpoint, and deleting one that is not there does nothing',
    async () => {
      const page = await openPage()
      const db = freshDatabase()
      await value(call(page, db, 'put', checkpoint('job', 1), 'one'))
      await value(call(page, db, 'put', checkpoint('job', 2), 'two'))
      await value(call(page, db, 'delete', 'job', 1))
      await value(call(page, db, 'delete', 'job', 1))
      await value(call(page, db, 'delete', 'job', 99))
      await value(call(page, db, 'delete', 'nobody', 1))
      expect(await ids(page, db, 'job')).toEqual([2])
      expect((await error(call(page, db, 'get', 'job', 1))).message).toBe(`indexedDbStore('${db}'): job 'job' has no checkpoint 1`)
    },
    SPEC_TIMEOUT_MS
  )

  it(
    'rejects get of a missing checkpoint with a CheckpointStoreError',
    async () => {
      const page = await openPage()
      const db = freshDatabase()
      expect(await error(call(page, db, 'get', 'clicks', 7))).toEqual({
        name: 'CheckpointStoreError',
        message: `indexedDbStore('${db}'): job 'clicks' has no checkpoint 7`,
        isStoreError: true,
        store: `indexedDbStore('${db}')`,
        jobId: 'clicks',
        checkpointId: 7
      })
    },
    SPEC_TIMEOUT_MS
  )

  it(
    'refuses bad arguments with the CheckpointStoreError every store gives',
    async () => {
      const page = await openPage()
      const db = freshDatabase()
      const memory = ds.memoryStore()
      const cases: readonly [StoreMethod, readonly unknown[]][] = [
        ['put', [checkpoint('', 1), 'x']],
        ['put', [{ ...checkpoint('job', 1), jobId: 7 }, 'x']],
        ['put', [checkpoint('job', 0), 'x']],
        ['put', [checkpoint('job', 1.5), 'x']],
        ['put', [checkpoint('job', -1), 'x']],
        ['put', [{ ...checkpoint('job', 1), checkpointId: '1' }, 'x']],
        ['put', [checkpoint('job', 1), 42]],
        ['get', ['', 1]],
        ['get', ['job', 0]],
        ['list', ['']],
        ['list', [null]],
        ['delete', ['job', 2 ** 53]]
      ]
      for (const [method, args] of cases) {
        const context = `${method}(${JSON.stringify(args)})`
        const inBrowser = await error(call(page, db, method, ...args))
        expect(inBrowser.isStoreError).withContext(context).toBeTrue()
        // The same words as the memory store's, after the store's own name.
        const inMemory = await (memory[method] as (...a: unknown[]) => Promise<unknown>).apply(memory, [...args]).then(
          () => 'resolved',
          (e: unknown) => (e instanceof ds.CheckpointStoreError ? e.message : String(e))
        )
        expect(inBrowser.message.replace(`indexedDbStore('${db}'): `, '')).withContext(context).toBe(inMemory.replace('memoryStore: ', ''))
      }
      expect(await ids(page, db, 'job')).toEqual([])
    },
    SPEC_TIMEOUT_MS
  )

  it(
    'keeps its checkpoints across a reload',
    async () => {
      const page = await openPage()
      const db = freshDatabase()
      await value(call(page, db, 'put', checkpoint('job', 1), 'one'))
      await value(call(page, db, 'put', checkpoint('job', 2, { kind: 'savepoint', name: 'v1' }), 'two'))
      await page.reload()
      expect(await value(call(page, db, 'list', 'job'))).toEqual([
        { jobId: 'job', checkpointId: 1, timestamp: 1_000, kind: 'checkpoint', size: 3 },
        { jobId: 'job', checkpointId: 2, timestamp: 2_000, kind: 'savepoint', name: 'v1', size: 3 }
      ])
      expect(await value(call(page, db, 'get', 'job', 2))).toBe('two')
    },
    SPEC_TIMEOUT_MS
  )

  it(
    'shows its checkpoints to a new page of the same browser context, the first page still open or not',
    async () => {
      const first = await openPage()
      const db = freshDatabase()
      await value(call(first, db, 'put', checkpoint('job', 1), 'from the first page'))
      const second = await openPage()
      expect(await value(call(second, db, 'get', 'job', 1))).toBe('from the first page')
      await value(call(second, db, 'put', checkpoint('job', 2), 'from the second page'))
      expect(await ids(first, db, 'job')).toEqual([1, 2])
      await first.close()
      const third = await openPage()
      expect(await value(call(third, db, 'get', 'job', 2))).toBe('from the second page')
    },
    SPEC_TIMEOUT_MS
  )

  it(
    'after reloads at random moments while it writes, lists only whole checkpoints, and every one whose put completed',
    async () => {
      const db = freshDatabase()
      const job = 'reloaded'
      const delays = fc.sample(fc.integer({ min: 100, max: 700 }), { seed: seed(), numRuns: 3 })
      const context = `reload delays ${JSON.stringify(delays)} ms (fast-check seed ${seed()})`
      const reported: number[] = []
      const page = await openPage()
      await page.exposeFunction('reportCheckpoint', (id: number) => void reported.push(id))

      let next = 1
      for (const delay of delays) {
        const before = reported.length
        await page.evaluate(([d, j, first]) => window.indexedDbStorePage.writeUntilUnloaded(d, j, first), [db, job, next] as const)
        await sleep(delay)
        await page.reload()
        expect(reported.length).withContext(`${context}: checkpoints completed before this reload`).toBeGreaterThan(before)
        // New ids after all that may have been written: reported, or listed though its report was lost.
        next = Math.max(0, ...reported, ...(await ids(page, db, job))) + 1
      }

      const fresh = await openPage()
      const { listed, problems, unlisted } = await fresh.evaluate(([d, j]) => window.indexedDbStorePage.verify(d, j), [db, job] as const)
      expect(problems).withContext(context).toEqual([])
      expect(unlisted).withContext(`${context}: data without a listing`).toEqual([])
      expect(listed).withContext(context).toEqual([...listed].sort((a, b) => a - b))
      expect(listed).withContext(`${context}: the last completed checkpoint`).toContain(reported[reported.length - 1] as number)
      expect(reported.filter(id => !listed.includes(id))).withContext(`${context}: completed but not listed`).toEqual([])
    },
    SPEC_TIMEOUT_MS
  )

  it(
    'leaves damaged data to decodeCheckpoint, which says it is damaged',
    async () => {
      const page = await openPage()
      const db = freshDatabase()
      const job = 'damaged'
      for (const id of [1, 2, 3, 4]) await value(page.evaluate(([d, j, i]) => window.indexedDbStorePage.putContent(d, j, i), [db, job, id] as const))
      await page.evaluate(([d, j]) => window.indexedDbStorePage.damage(d, j, 1, 'garbage'), [db, job] as const)
      await page.evaluate(([d, j]) => window.indexedDbStorePage.damage(d, j, 2, 'truncate'), [db, job] as const)
      await page.evaluate(([d, j]) => window.indexedDbStorePage.damage(d, j, 3, 'number'), [db, job] as const)
      const read = (id: number): Promise<Outcome<unknown>> => page.evaluate(([d, j, i]) => window.indexedDbStorePage.readAndDecode(d, j, i), [db, job, id] as const)

      const garbage = await error(read(1))
      expect(garbage.isStoreError).toBeTrue()
      expect(garbage.message).toBe(`indexedDbStore('${db}'): checkpoint 1 of job 'damaged' is damaged: no header line (24 characters)`)
      const truncated = await error(read(2))
      expect(truncated.isStoreError).toBeTrue()
      expect(truncated.message).toMatch(/checkpoint 2 of job 'damaged' is damaged: \d+ characters where its header says \d+ \(truncated or padded\)$/)
      const notText = await error(read(3))
      expect(notText.isStoreError).toBeTrue()
      expect(notText.message).toBe(`indexedDbStore('${db}'): checkpoint 3 of job 'damaged' is damaged: its data entry holds number, not text`)
      expect(await value(read(4))).toBe(4)
      expect(await ids(page, db, job)).toEqual([1, 2, 3, 4])
    },
    SPEC_TIMEOUT_MS
  )

  it(
    "rejects a put that the browser's transaction refuses (over quota) with the DOMException as cause, and lists nothing of it",
    async () => {
      // A context of its own: Chromium takes a quota override only for an origin that has not
      // stored anything yet in that profile.
      const isolated = await browser().browser.newContext()
      try {
        const page = await browser().openPage(isolated)
        const db = freshDatabase()
        const cdp = await isolated.newCDPSession(page)
        await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(browser().url).origin, quotaSize: 1_000_000 })
        await value(call(page, db, 'put', checkpoint('job', 1), 'small'))
        const refused = await error(page.evaluate(([d]) => window.indexedDbStorePage.putText(d, 'job', 2, 7, 4_000_000), [db] as const))
        expect(refused).toEqual(
          jasmine.objectContaining({ name: 'CheckpointStoreError', isStoreError: true, jobId: 'job', checkpointId: 2, causeName: 'QuotaExceededError' })
        )
        expect(refused.message).toMatch(new RegExp(`^indexedDbStore\\('${db}'\\): could not store checkpoint 2 of job 'job': QuotaExceededError: .*storage quota`))
        expect(await ids(page, db, 'job')).toEqual([1])
        expect((await error(call(page, db, 'get', 'job', 2))).message).toContain('has no checkpoint 2')
      } finally {
        await isolated.close()
      }
    },
    SPEC_TIMEOUT_MS
  )

  it(
    'rejects every call on a database that exists without its object store, with the DOMException as cause',
    async () => {
      const page = await openPage()
      const db = freshDatabase()
      await page.evaluate(([d]) => window.indexedDbStorePage.createForeignDatabase(d), [db] as const)
      const refused = await error(call(page, db, 'list', 'job'))
      expect(refused).toEqual(jasmine.objectContaining({ name: 'CheckpointStoreError', isStoreError: true, jobId: 'job', causeName: 'NotFoundError' }))
      expect(refused.message).toMatch(new RegExp(`^indexedDbStore\\('${db}'\\): could not list the checkpoints of job 'job': NotFoundError: `))
    },
    SPEC_TIMEOUT_MS
  )
})

describe('indexedDbStore without IndexedDB (Node)', () => {
  const NOT_AVAILABLE = /^indexedDbStore\('app'\): IndexedDB is not available here \(there is no global indexedDB\)/

  it('can be made, and then every call rejects with a CheckpointStoreError saying IndexedDB is not available here', async () => {
    expect(typeof indexedDB).toBe('undefined')
    const store = ds.indexedDbStore('app')
    expect(store.description).toBe("indexedDbStore('app')")
    const calls: readonly [string, () => Promise<unknown>][] = [
      ['put', () => store.put({ jobId: 'job', checkpointId: 1, timestamp: 0, kind: 'checkpoint' }, 'data')],
      ['get', () => store.get('job', 1)],
      ['list', () => store.list('job')],
      ['delete', () => store.delete('job', 1)]
    ]
    for (const [method, run] of calls) {
      await expectAsync(run()).withContext(method).toBeRejectedWithError(ds.CheckpointStoreError, NOT_AVAILABLE)
    }
  })

  it('says which database and object store it uses', () => {
    expect(ds.indexedDbStore("it's").description).toBe("indexedDbStore('it\\'s')")
    expect(ds.indexedDbStore('app', { storeName: 'saved' }).description).toBe("indexedDbStore('app', { storeName: 'saved' })")
    expect(ds.indexedDbStore('app', {}).description).toBe("indexedDbStore('app')")
  })

  it('refuses a database or object store name that is not a non-empty string when it is made', () => {
    const make = ds.indexedDbStore as (...args: readonly unknown[]) => ds.CheckpointStore
    expect(() => make('')).toThrowError(TypeError, 'indexedDbStore: dbName must be a non-empty string, got ""')
    expect(() => make(7)).toThrowError(TypeError, 'indexedDbStore: dbName must be a non-empty string, got 7')
    expect(() => make('app', 'saved')).toThrowError(TypeError, 'indexedDbStore: options must be an object, got "saved"')
    expect(() => make('app', { storeName: '' })).toThrowError(TypeError, 'indexedDbStore: storeName must be a non-empty string, got ""')
  })
})
