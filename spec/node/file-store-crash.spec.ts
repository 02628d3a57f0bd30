/**
 * fileStore when its process dies: a child process (spec/node/fixtures/file-store-writer.ts)
 * puts, replaces and deletes checkpoints in a loop and is killed with SIGKILL at random
 * moments, round after round over the same directory. After each kill a fresh store must list
 * only checkpoints that are whole (each decodes to exactly what was put for its id), and must
 * list the last checkpoint the child reported done.
 *
 * The kill moments come from the fast-check seed (FC_SEED), so a failing run can be replayed.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { decodeCheckpoint } from '../../src/checkpoint/checkpointFormat'
import { fileStore, jobFolderName } from '../../node/fileStore'
import { crashCheckpoint, crashMetadata } from './fixtures/crash-checkpoints'
import { mulberry32 as random } from '../support/random'
import { type Child, runNode } from '../support/child-process'

const WRITER = join(__dirname, 'fixtures', 'file-store-writer.js')
const JOB = 'crash/test ü'
const ROUNDS = 14
/** The longest a child runs after it is loaded, in ms. */
const MAX_RUN_MS = 250


describe('fileStore killed with SIGKILL while it writes', () => {
  let dir: string
  let child: Child | undefined

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rxds-'))))
  afterEach(() => {
    child?.kill()
    rmSync(dir, { recursive: true, force: true })
  })

  /**
   * Runs the writer from `firstId` and kills it `runMs` after it is loaded (or at once, if it
   * reports before). Resolves with the last id it reported done.
   */
  const runAndKill = async (firstId: number, runMs: number): Promise<number | undefined> => {
    let lastDone: number | undefined
    let timer: NodeJS.Timeout | undefined
    child = runNode(WRITER, [dir, JOB, String(firstId)], (line, writer) => {
      if (line === 'ready') timer = setTimeout(() => writer.kill(), runMs)
      const done = /^done (\d+)$/.exec(line)
      if (done !== null) lastDone = Number(done[1])
    })
    const end = await child.ended
    clearTimeout(timer)
    if (end.killed) return lastDone
    throw new Error(`the writer stopped by itself (exit code ${String(end.code)}, signal ${String(end.signal)}) before it was killed:\n${end.stderr}`)
  }

  /** What a fresh store over the directory lists, each checkpoint checked against what its id must hold. */
  const check = async (round: string): Promise<number[]> => {
    const store = fileStore(dir)
    const listed = await store.list(JOB)
    for (const stored of listed) {
      const id = stored.checkpointId
      const data = await store.get(JOB, id)
      expect(stored).withContext(`${round}: checkpoint ${id} as listed`).toEqual({ ...crashMetadata(JOB, id), size: data.length })
      expect(decodeCheckpoint(store.description, stored, data)).withContext(`${round}: checkpoint ${id} as read`).toEqual(crashCheckpoint(JOB, id))
    }
    return listed.map(c => c.checkpointId)
  }

  it('never lists a torn or missing checkpoint, and lists every one a put resolved for', async () => {
    const seed = fc.readConfigureGlobal().seed ?? 0
    const next = random(seed)
    let firstId = 1
    let reported = 0
    for (let round = 1; round <= ROUNDS; round++) {
      // Now and then a kill as soon as the writer is loaded, mostly somewhere in its run.
      const runMs = next() < 0.15 ? 0 : Math.floor(next() * MAX_RUN_MS)
      const lastDone = await runAndKill(firstId, runMs)
      const context = `round ${round} (seed ${seed}, from id ${firstId}, killed after ${runMs} ms, last done ${String(lastDone)})`
      const ids = await check(context)
      if (lastDone !== undefined) {
        expect(ids).withContext(`${context}: the last checkpoint reported done is listed`).toContain(lastDone)
        reported++
      }
      // Go on with new ids: the one the writer died in may or may not be there.
      firstId = Math.max(firstId, lastDone ?? 0, ...ids) + 1
    }
    expect(reported).withContext('rounds in which the writer reported a checkpoint done before it was killed').toBeGreaterThan(ROUNDS / 3)

    // The leftovers of the killed writers go with the next put, and only they.
    const before = await check('after the last round')
    const store = fileStore(dir)
    await store.put(crashMetadata(JOB, firstId), 'tidy')
    const files = readdirSync(join(dir, jobFolderName(JOB) ?? ''))
    expect(files.filter(f => f.endsWith('.tmp'))).withContext('temporary files after a put').toEqual([])
    expect(files.filter(f => f.endsWith('.data')).length).withContext(`data files after a put (${files.join(', ')})`).toBe(before.length + 1)
    expect((await store.list(JOB)).map(c => c.checkpointId)).toEqual([...before, firstId])
  }, 40_000)
})
