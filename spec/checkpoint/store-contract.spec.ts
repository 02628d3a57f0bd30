/**
 * Every checkpoint store against the store contract (spec/support/storeContract.ts): the
 * memory store, and the file store over a fresh temporary directory per check.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CheckpointStore } from '../../src/checkpoint/CheckpointStore'
import { memoryStore } from '../../src/checkpoint/memoryStore'
import { fileStore } from '../../node/fileStore'
import { appliesTo, storeChecks, type StoreTraits } from '../support/storeContract'

/** The large-data checks write and read 5 MB, with fsyncs. */
const TIMEOUT_MS = 20_000

interface Subject {
  readonly name: string
  readonly traits: StoreTraits
  /** A new medium for one check; `makeStore` makes stores over it. */
  medium(): { makeStore(): Promise<CheckpointStore>; dispose(): void }
}

const subjects: readonly Subject[] = [
  {
    name: 'memoryStore',
    traits: { persistent: false, chunks: true },
    medium: () => ({ makeStore: async () => memoryStore(), dispose: () => undefined })
  },
  {
    name: 'fileStore',
    traits: { persistent: true, chunks: true },
    medium: () => {
      const dir = mkdtempSync(join(tmpdir(), 'rxds-'))
      // A folder below the temporary one, so that the store also creates its directory.
      return { makeStore: async () => fileStore(join(dir, 'checkpoints')), dispose: () => rmSync(dir, { recursive: true, force: true }) }
    }
  }
]

for (const subject of subjects) {
  describe(`${subject.name} keeps the store contract:`, () => {
    for (const check of storeChecks) {
      if (!appliesTo(check, subject.traits)) {
        it(check.name, () => pending(`${subject.name} does not have the traits this check requires (${JSON.stringify(check.requires)})`))
        continue
      }
      it(check.name, async () => {
        const medium = subject.medium()
        try {
          await check.run(medium.makeStore)
        } finally {
          medium.dispose()
        }
      }, TIMEOUT_MS)
    }
  })
}

describe('the store contract', () => {
  it('fails a store that breaks a rule, with a message saying what was wrong', async () => {
    // A memory store whose list is in descending order.
    const reversed = async (): Promise<CheckpointStore> => {
      const inner = memoryStore()
      return { ...inner, list: async jobId => [...(await inner.list(jobId))].reverse() }
    }
    const order = storeChecks.find(c => c.name.startsWith('list gives the checkpoints in ascending id'))
    expect(order).toBeDefined()
    await expectAsync(order?.run(reversed) ?? Promise.resolve()).toBeRejectedWithError(/list gave ids \[100,10,7,3,2,1\], not \[1,2,3,7,10,100\]/)
  })

  it('fails a store that loses lone surrogates, the way UTF-8 would', async () => {
    const lossy = async (): Promise<CheckpointStore> => {
      const inner = memoryStore()
      return { ...inner, put: (checkpoint, data) => inner.put(checkpoint, Buffer.from(data, 'utf8').toString('utf8')) }
    }
    const texts = storeChecks.find(c => c.name.startsWith('get returns exactly the text put, whatever'))
    await expectAsync(texts?.run(lossy) ?? Promise.resolve()).toBeRejectedWithError(/lone surrogates: get returned other text than was put/)
  })

  it('fails a store that throws synchronously on bad arguments instead of rejecting', async () => {
    const eager = async (): Promise<CheckpointStore> => {
      const inner = memoryStore()
      return {
        ...inner,
        get: (jobId, checkpointId) => {
          if (jobId === '') throw new Error('empty job id')
          return inner.get(jobId, checkpointId)
        }
      }
    }
    const bad = storeChecks.find(c => c.name.startsWith('bad arguments'))
    await expectAsync(bad?.run(eager) ?? Promise.resolve()).toBeRejectedWithError(/get with job id '': threw synchronously/)
  })
})
