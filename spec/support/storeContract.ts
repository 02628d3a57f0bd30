/**
 * The contract every `CheckpointStore` keeps (the rules on the interface in
 * src/checkpoint/CheckpointStore.ts), as checks that run against any store.
 *
 * Plain async functions that throw on a violation, with no test framework: the same checks run
 * under jasmine in Node (spec/checkpoint/store-contract.spec.ts) and can be bundled into a
 * browser page for the stores that live there.
 *
 * ```ts
 * for (const check of storeChecks) {
 *   it(check.name, () => check.run(async () => fileStore(dir)))
 * }
 * ```
 */
import { CheckpointStoreError, type CheckpointStore, type StoredCheckpoint } from '../../src/checkpoint/CheckpointStore'

/** What a store offers beyond the contract that every store keeps. */
export interface StoreTraits {
  /** Its checkpoints outlive the store object: a store made anew over the same medium (the same directory, the same database) sees them. */
  readonly persistent: boolean
  /** It keeps chunks (`putChunk`, `openChunks`). */
  readonly chunks?: boolean
}

/** One rule of the contract. */
export interface StoreCheck {
  readonly name: string
  /** The traits a store needs for this check to apply; none means every store. */
  readonly requires?: Partial<StoreTraits>
  /**
   * Throws (rejects) with a message saying what was wrong if the store breaks the rule.
   *
   * @param makeStore A store over the check's own, empty medium. Calling it again gives another
   *   store over the same medium; only checks that require `persistent` do.
   */
  run(makeStore: () => Promise<CheckpointStore>): Promise<void>
}

/** The checks that apply to a store with `traits`. */
export function checksFor(traits: StoreTraits): readonly StoreCheck[] {
  return storeChecks.filter(check => appliesTo(check, traits))
}

/** Whether `check` applies to a store with `traits`. */
export function appliesTo(check: StoreCheck, traits: StoreTraits): boolean {
  return Object.entries(check.requires ?? {}).every(([trait, needed]) => !needed || traits[trait as keyof StoreTraits])
}

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

class ContractViolation extends Error {
  override name = 'ContractViolation'
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ContractViolation(message)
}

/** A short, printable form of a value for messages (long text is cut). */
function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : value instanceof Error ? `${value.name}: ${value.message}` : JSON.stringify(value) ?? String(value)
  return text.length > 120 ? `${text.slice(0, 100)}… (${text.length} characters)` : text
}

/** Where two texts first differ, for messages about large data. */
function firstDifference(actual: string, expected: string): string {
  let i = 0
  while (i < actual.length && i < expected.length && actual.charCodeAt(i) === expected.charCodeAt(i)) i++
  return `${actual.length} characters where ${expected.length} were put, first difference at index ${i}`
}

function assertText(actual: unknown, expected: string, what: string): void {
  assert(typeof actual === 'string', `${what}: get returned ${typeof actual}, not text`)
  assert(actual === expected, `${what}: get returned other text than was put (${firstDifference(actual, expected)}): ${show(actual)} instead of ${show(expected)}`)
}

/**
 * The CheckpointStoreError that `call` rejects with. A synchronous throw, a resolved promise
 * or another error is a violation: callers of a store handle failures in one place, the
 * rejected promise.
 */
async function rejection(call: () => Promise<unknown>, what: string): Promise<CheckpointStoreError> {
  let promise: Promise<unknown>
  try {
    promise = call()
  } catch (error) {
    throw new ContractViolation(`${what}: threw synchronously (${show(error)}) instead of returning a rejected promise`)
  }
  assert(promise instanceof Promise || (typeof promise === 'object' && promise !== null && 'then' in promise), `${what}: returned ${show(promise)}, not a promise`)
  let value: unknown
  try {
    value = await promise
  } catch (error) {
    assert(error instanceof CheckpointStoreError, `${what}: rejected with ${show(error)}, not a CheckpointStoreError`)
    return error
  }
  throw new ContractViolation(`${what}: resolved with ${show(value)} instead of rejecting`)
}

const checkpoint = (jobId: string, checkpointId: number, extra: Partial<Omit<StoredCheckpoint, 'jobId' | 'checkpointId' | 'size'>> = {}): Omit<StoredCheckpoint, 'size'> => ({
  jobId,
  checkpointId,
  timestamp: 1_700_000_000_000 + checkpointId,
  kind: 'checkpoint',
  ...extra
})

const ids = (list: readonly StoredCheckpoint[]): number[] => list.map(c => c.checkpointId)

const sameIds = (actual: readonly number[], expected: readonly number[]): boolean =>
  actual.length === expected.length && actual.every((id, i) => id === expected[i])

/** `store` with its chunk methods, which a check requiring `chunks` may call. */
function withChunks(store: CheckpointStore): CheckpointStore & Required<Pick<CheckpointStore, 'putChunk' | 'openChunks'>> {
  assert(typeof store.putChunk === 'function' && typeof store.openChunks === 'function', `${store.description}: has no putChunk and openChunks`)
  return store as CheckpointStore & Required<Pick<CheckpointStore, 'putChunk' | 'openChunks'>>
}

function assertChunk(actual: unknown, expected: string, what: string): void {
  assert(typeof actual === 'string', `${what}: read returned ${typeof actual}, not text`)
  assert(actual === expected, `${what}: read returned other text than was put (${firstDifference(actual, expected)}): ${show(actual)} instead of ${show(expected)}`)
}

/** About 5 MB of text with every kind of character, and not periodic in a short cycle. */
function largeText(): string {
  const parts: string[] = []
  let length = 0
  for (let i = 0; length < 5_000_000; i++) {
    const part = `${i}:{"k":"v${(i * 7919) % 10007}"} é日本🦀\n\t`
    parts.push(part)
    length += part.length
  }
  return parts.join('')
}

// -------------------------------------------------------------------------------------
// checks
// -------------------------------------------------------------------------------------

const TEXTS: ReadonlyArray<readonly [string, string]> = [
  ['empty text', ''],
  ['one space', ' '],
  ['a newline', '\n'],
  ['JSON with CRLF', '{"a":1}\r\n{"b":[2]}\r\n'],
  ['accents, CJK, emoji', 'héllo wörld 日本語のテキスト 🦀🚀 ǅ'],
  ['control characters and separators', '\u0000\u0001\u001f\u007f\u2028\u2029\uFEFF'],
  ['lone surrogates', 'a\uD800b\uDC00c\uDBFF'],
  ['a checkpoint-like header', '{"format":"rx-datastream/checkpoint","version":1,"length":2,"checksum":"0"}\n{}']
]

/** Every rule of the contract, in the order a reader meets them. */
export const storeChecks: readonly StoreCheck[] = [
  {
    name: 'get returns exactly the text put, whatever the characters',
    async run(makeStore) {
      const store = await makeStore()
      for (const [i, [, text]] of TEXTS.entries()) await store.put(checkpoint('texts', i + 1), text)
      for (const [i, [what, text]] of TEXTS.entries()) assertText(await store.get('texts', i + 1), text, `${store.description}, ${what}`)
    }
  },
  {
    name: 'get returns exactly the text put for large data (5 MB)',
    async run(makeStore) {
      const store = await makeStore()
      const text = largeText()
      await store.put(checkpoint('large', 1), text)
      assertText(await store.get('large', 1), text, `${store.description}, 5 MB`)
      const listed = await store.list('large')
      assert(listed.length === 1 && listed[0]?.size === text.length, `${store.description}: list of 5 MB data gave ${show(listed)}, not one entry of size ${text.length}`)
    }
  },
  {
    name: 'list gives the checkpoints in ascending id, whatever the order they were put in',
    async run(makeStore) {
      const store = await makeStore()
      assert(sameIds(ids(await store.list('order')), []), `${store.description}: list of a job never put is ${show(await store.list('order'))}, not []`)
      for (const id of [10, 3, 7, 1, 2, 100]) await store.put(checkpoint('order', id), `data ${id}`)
      const listed = ids(await store.list('order'))
      assert(sameIds(listed, [1, 2, 3, 7, 10, 100]), `${store.description}: list gave ids ${show(listed)}, not [1,2,3,7,10,100] (ascending, numerically)`)
    }
  },
  {
    name: 'list gives each checkpoint\'s metadata: job, id, kind, name, timestamp, size = data.length',
    async run(makeStore) {
      const store = await makeStore()
      await store.put(checkpoint('meta', 1, { timestamp: 1_700_000_000_123 }), 'abc')
      await store.put(checkpoint('meta', 2, { kind: 'savepoint', name: 'before upgrade 🚀', timestamp: 5 }), '🦀 é')
      const [first, second, ...rest] = await store.list('meta')
      assert(first !== undefined && second !== undefined && rest.length === 0, `${store.description}: list gave ${show([first, second, ...rest])}, not two checkpoints`)
      const expect = (actual: StoredCheckpoint, expected: StoredCheckpoint): void => {
        for (const field of ['jobId', 'checkpointId', 'timestamp', 'kind', 'name', 'size'] as const) {
          assert(actual[field] === expected[field], `${store.description}: checkpoint ${expected.checkpointId} listed with ${field} ${show(actual[field])}, not ${show(expected[field])}`)
        }
      }
      expect(first, { jobId: 'meta', checkpointId: 1, timestamp: 1_700_000_000_123, kind: 'checkpoint', size: 3 })
      // size counts UTF-16 code units, as data.length does: the crab is two, so 4 in all.
      expect(second, { jobId: 'meta', checkpointId: 2, timestamp: 5, kind: 'savepoint', name: 'before upgrade 🚀', size: 4 })
    }
  },
  {
    name: 'list and get never show a partial checkpoint, and show it once its put resolved',
    async run(makeStore) {
      const store = await makeStore()
      const text = largeText()
      let resolved = false
      const put = store.put(checkpoint('atomic', 1), text).then(() => void (resolved = true))
      // Look while the put runs: the checkpoint is either not there, or there whole.
      while (!resolved) {
        const listed = await store.list('atomic')
        if (listed.length > 0) {
          assert(listed.length === 1 && listed[0]?.size === text.length, `${store.description}: while a put ran, list gave ${show(listed)}`)
          assertText(await store.get('atomic', 1), text, `${store.description}, read while the put ran`)
        }
        await new Promise(resolve => setTimeout(resolve, 1))
      }
      await put
      assert(sameIds(ids(await store.list('atomic')), [1]), `${store.description}: after the put resolved, list gave ${show(await store.list('atomic'))}`)
    }
  },
  {
    name: 'jobs are kept apart, whatever their ids (slashes, dots, spaces, case, percent signs, unicode)',
    async run(makeStore) {
      const store = await makeStore()
      const jobs = ['a', 'A', 'a/b', 'a\\b', 'a b', 'a%2Fb', 'a%2fb', '.', '..', '../a', 'con', 'a:b', 'a*b?', 'ä', 'a\u0308', '日本', '🦀', 'job\u0000x']
      await Promise.all(jobs.map((job, i) => store.put(checkpoint(job, i + 1), `data of ${job}`)))
      for (const [i, job] of jobs.entries()) {
        const listed = await store.list(job)
        assert(sameIds(ids(listed), [i + 1]), `${store.description}: list(${show(job)}) gave ids ${show(ids(listed))}, not [${i + 1}]`)
        assert(listed[0]?.jobId === job, `${store.description}: list(${show(job)}) gave job id ${show(listed[0]?.jobId)}`)
        assertText(await store.get(job, i + 1), `data of ${job}`, `${store.description}, job ${show(job)}`)
      }
      await store.delete('a', 1)
      assert((await store.list('A')).length === 1, `${store.description}: deleting job 'a''s checkpoint also deleted job 'A''s`)
    }
  },
  {
    name: 'putting an id again replaces its data and metadata',
    async run(makeStore) {
      const store = await makeStore()
      await store.put(checkpoint('replace', 1), 'old and longer')
      await store.put(checkpoint('replace', 2), 'other')
      await store.put(checkpoint('replace', 1, { kind: 'savepoint', name: 'v2', timestamp: 42 }), 'new')
      assertText(await store.get('replace', 1), 'new', `${store.description}, replaced`)
      const listed = await store.list('replace')
      assert(sameIds(ids(listed), [1, 2]), `${store.description}: after a replace, list gave ids ${show(ids(listed))}, not [1,2]`)
      const replaced = listed[0]
      assert(replaced?.kind === 'savepoint' && replaced.name === 'v2' && replaced.timestamp === 42 && replaced.size === 3, `${store.description}: after a replace, list gave ${show(replaced)}`)
      assertText(await store.get('replace', 2), 'other', `${store.description}, the other checkpoint after a replace`)
    }
  },
  {
    name: 'concurrent puts of one id leave one of them, whole',
    async run(makeStore) {
      const store = await makeStore()
      const texts = Array.from({ length: 8 }, (_, i) => `version ${i} `.repeat(1 + i * 500))
      await Promise.all(texts.map(text => store.put(checkpoint('race', 1), text)))
      const data = await store.get('race', 1)
      assert(texts.includes(data), `${store.description}: after concurrent puts of one id, get gave ${show(data)}, none of the texts put`)
      const listed = await store.list('race')
      assert(listed.length === 1 && listed[0]?.size === data.length, `${store.description}: after concurrent puts of one id, list gave ${show(listed)} for data of ${data.length} characters`)
    }
  },
  {
    name: 'delete removes a checkpoint and nothing else; deleting what is not there does nothing',
    async run(makeStore) {
      const store = await makeStore()
      for (const id of [1, 2, 3]) await store.put(checkpoint('delete', id), `data ${id}`)
      await store.delete('delete', 2)
      assert(sameIds(ids(await store.list('delete')), [1, 3]), `${store.description}: after delete 2, list gave ${show(ids(await store.list('delete')))}, not [1,3]`)
      const error = await rejection(() => store.get('delete', 2), `${store.description}: get of a deleted checkpoint`)
      assert(error.checkpointId === 2, `${store.description}: the error of get of a deleted checkpoint names checkpoint ${show(error.checkpointId)}`)
      await store.delete('delete', 2)
      await store.delete('delete', 99)
      await store.delete('never put', 1)
      assert(sameIds(ids(await store.list('delete')), [1, 3]), `${store.description}: deleting absent checkpoints changed the list to ${show(ids(await store.list('delete')))}`)
      assertText(await store.get('delete', 3), 'data 3', `${store.description}, a checkpoint beside a deleted one`)
      await store.put(checkpoint('delete', 2), 'again')
      assertText(await store.get('delete', 2), 'again', `${store.description}, a deleted id put again`)
    }
  },
  {
    name: 'get of a missing checkpoint rejects with a CheckpointStoreError naming the store, the job and the id',
    async run(makeStore) {
      const store = await makeStore()
      await store.put(checkpoint('present', 1), 'x')
      for (const [job, id] of [['present', 2], ['absent', 1]] as const) {
        const error = await rejection(() => store.get(job, id), `${store.description}: get(${show(job)}, ${id})`)
        assert(error.store === store.description, `${store.description}: the error names the store ${show(error.store)}`)
        assert(error.jobId === job && error.checkpointId === id, `${store.description}: the error of get(${show(job)}, ${id}) names job ${show(error.jobId)} and checkpoint ${show(error.checkpointId)}`)
        assert(error.message.includes(store.description) && error.message.includes(job) && error.message.includes(String(id)), `${store.description}: the message ${show(error.message)} does not name the store, the job and the id`)
      }
    }
  },
  {
    name: 'bad arguments (empty job id, ids 0, -1, 1.5, NaN, Infinity) reject with a CheckpointStoreError',
    async run(makeStore) {
      const store = await makeStore()
      const badIds = [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]
      const calls: Array<readonly [string, () => Promise<unknown>]> = [
        ["put with job id ''", () => store.put(checkpoint('', 1), 'x')],
        ["get with job id ''", () => store.get('', 1)],
        ["list with job id ''", () => store.list('')],
        ["delete with job id ''", () => store.delete('', 1)],
        ['put with data that is not text', () => store.put(checkpoint('bad', 1), 42 as unknown as string)],
        ...badIds.flatMap(id => [
          [`put with id ${id}`, () => store.put(checkpoint('bad', id), 'x')] as const,
          [`get with id ${id}`, () => store.get('bad', id)] as const,
          [`delete with id ${id}`, () => store.delete('bad', id)] as const
        ])
      ]
      for (const [what, call] of calls) {
        const error = await rejection(call, `${store.description}: ${what}`)
        assert(error.store === store.description, `${store.description}: ${what}: the error names the store ${show(error.store)}`)
      }
      assert((await store.list('bad')).length === 0, `${store.description}: a refused put was stored: ${show(await store.list('bad'))}`)
    }
  },
  {
    name: 'concurrent puts of different ids all land',
    async run(makeStore) {
      const store = await makeStore()
      const all = Array.from({ length: 24 }, (_, i) => i + 1)
      await Promise.all(all.map(id => store.put(checkpoint('concurrent', id), `data ${id} `.repeat(id * 100))))
      const listed = ids(await store.list('concurrent'))
      assert(sameIds(listed, all), `${store.description}: after 24 concurrent puts, list gave ids ${show(listed)}`)
      for (const id of all) assertText(await store.get('concurrent', id), `data ${id} `.repeat(id * 100), `${store.description}, concurrent put ${id}`)
    }
  },
  {
    name: 'chunks: read back exactly once their body is put, never listed or read before, of another checkpoint never',
    requires: { chunks: true },
    async run(makeStore) {
      const store = await makeStore()
      const chunked = withChunks(store)
      const texts = TEXTS.map(([, text]) => text)
      for (let n = 0; n < texts.length; n++) await chunked.putChunk({ jobId: 'chunks', checkpointId: 1 }, n, texts[n]!)
      await chunked.putChunk({ jobId: 'chunks', checkpointId: 2 }, 0, 'of checkpoint 2')
      assert(ids(await store.list('chunks')).length === 0, `${store.description}: chunks without a body are listed: ${show(await store.list('chunks'))}`)
      await rejection(() => chunked.openChunks('chunks', 1), `${store.description}: openChunks of a checkpoint whose body is not put`)
      await store.put(checkpoint('chunks', 1), 'body')
      assert(sameIds(ids(await store.list('chunks')), [1]), `${store.description}: list gave ${show(ids(await store.list('chunks')))} once the body of 1 was put`)
      const file = await chunked.openChunks('chunks', 1)
      for (let n = 0; n < texts.length; n++) assertChunk(file.read(n), texts[n]!, `${store.description}, chunk ${n} (${TEXTS[n]![0]})`)
      const large = largeText().slice(0, 1_100_000)
      await chunked.putChunk({ jobId: 'chunks', checkpointId: 3 }, 0, large)
      await store.put(checkpoint('chunks', 3), 'body 3')
      assertChunk((await chunked.openChunks('chunks', 3)).read(0), large, `${store.description}, a chunk of 1.1 MB`)
    }
  },
  {
    name: 'chunks: a chunk not there throws a CheckpointStoreError naming the store, the job, the checkpoint and the chunk',
    requires: { chunks: true },
    async run(makeStore) {
      const store = await makeStore()
      const chunked = withChunks(store)
      await chunked.putChunk({ jobId: 'missing', checkpointId: 4 }, 0, 'zero')
      await store.put(checkpoint('missing', 4), 'body')
      const file = await chunked.openChunks('missing', 4)
      let error: unknown
      try {
        file.read(1)
      } catch (e) {
        error = e
      }
      assert(error instanceof CheckpointStoreError, `${store.description}: read of a chunk not there gave ${show(error)}, not a CheckpointStoreError`)
      assert(error.store === store.description && error.jobId === 'missing' && error.checkpointId === 4 && /chunk 1\b/.test(error.message), `${store.description}: the error ${show(error.message)} does not name the store, the job, the checkpoint and the chunk`)
      for (const n of [-1, 1.5, Number.NaN]) await rejection(() => chunked.putChunk({ jobId: 'missing', checkpointId: 4 }, n, 'x'), `${store.description}: putChunk of chunk ${n}`)
      await rejection(() => chunked.putChunk({ jobId: 'missing', checkpointId: 4 }, 0, 42 as unknown as string), `${store.description}: putChunk of data that is not text`)
    }
  },
  {
    name: 'chunks: delete removes them with the body, and chunks without a body; the next put removes chunks whose body is missing',
    requires: { chunks: true },
    async run(makeStore) {
      const store = await makeStore()
      const chunked = withChunks(store)
      const gone = async (id: number, what: string): Promise<void> => {
        // A body put now under the id finds no chunk of before.
        await store.put(checkpoint('tidy', id), 'later body')
        let read: unknown
        try {
          read = (await chunked.openChunks('tidy', id)).read(0)
        } catch {
          return
        }
        throw new ContractViolation(`${store.description}: ${what}: chunk 0 of ${id} is still there (${show(read)})`)
      }
      await chunked.putChunk({ jobId: 'tidy', checkpointId: 1 }, 0, 'one')
      await store.put(checkpoint('tidy', 1), 'body 1')
      await store.delete('tidy', 1)
      await gone(1, 'after delete of the checkpoint')
      // Chunks of a checkpoint that never got its body (a run that died): removed by delete of the id…
      await chunked.putChunk({ jobId: 'tidy', checkpointId: 2 }, 0, 'two')
      await store.delete('tidy', 2)
      await gone(2, 'after delete of an id with chunks and no body')
      // … and by the next put of the job, which keeps the chunks of stored checkpoints.
      await chunked.putChunk({ jobId: 'tidy', checkpointId: 5 }, 0, 'five')
      await store.put(checkpoint('tidy', 5), 'body 5')
      await chunked.putChunk({ jobId: 'tidy', checkpointId: 6 }, 0, 'six, never committed')
      await store.put(checkpoint('tidy', 7), 'body 7')
      assertChunk((await chunked.openChunks('tidy', 5)).read(0), 'five', `${store.description}, a stored checkpoint's chunk after the next put`)
      await gone(6, 'after the next put of the job')
    }
  },
  {
    name: 'a store made anew over the same medium sees the same checkpoints',
    requires: { persistent: true },
    async run(makeStore) {
      const first = await makeStore()
      await first.put(checkpoint('persist', 1), 'one')
      await first.put(checkpoint('persist', 2, { kind: 'savepoint', name: 'sp' }), 'two 🦀')
      await first.put(checkpoint('persist', 3), 'three')
      await first.put(checkpoint('persist', 1), 'one, replaced')
      await first.delete('persist', 3)
      await first.put(checkpoint('other job', 1), 'other')
      const before = await first.list('persist')
      const second = await makeStore()
      const after = await second.list('persist')
      assert(JSON.stringify(after) === JSON.stringify(before), `${second.description}: a new store lists ${show(after)} where the first listed ${show(before)}`)
      assertText(await second.get('persist', 1), 'one, replaced', `${second.description}, anew`)
      assertText(await second.get('persist', 2), 'two 🦀', `${second.description}, anew`)
      assertText(await second.get('other job', 1), 'other', `${second.description}, anew`)
      await rejection(() => second.get('persist', 3), `${second.description}: get of a checkpoint deleted before the store was made anew`)
    }
  }
]
