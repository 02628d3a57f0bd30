/**
 * State larger than memory: a keyed job (bench/large-state-job.ts, the bench's `large-state` job, in a child
 * process) stores a 500-character payload per key for 600,000 keys (300 MB of characters) and
 * reads each back, under `--max-old-space-size=256`. On the LMDB backend it completes with
 * every payload read back whole; on the heap backend the same job runs out of memory, so the
 * state really is larger than the heap. On a small input both backends give the same output.
 *
 * Timers too (spec/node/fixtures/large-timers-job.ts): a timer per key for 200,000 keys of 250
 * characters, all pending until the end of input, under `--max-old-space-size=72`: on LMDB
 * they are in the store and all fire, in time order; on the heap the job runs out of memory.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const JOB = join(__dirname, '..', '..', 'bench', 'large-state-job.js')
const KEYS = 600_000
const CHARS = 500

interface Run {
  readonly status: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

function run(backend: 'heap' | 'lmdb', dir: string, keys: number, maxOldSpaceMb?: number): Run {
  const flags = maxOldSpaceMb === undefined ? [] : [`--max-old-space-size=${maxOldSpaceMb}`]
  const result = spawnSync(process.execPath, [...flags, JOB, backend, dir, String(keys), String(CHARS)], { encoding: 'utf8', timeout: 240_000 })
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr }
}

/** The job's `done <records> <sum> <hash> <seconds> <peak heap MB> …` line: what it emitted, and its peak heap. */
function report(r: Run): { records: number; sum: number; hash: string; peakMb: number } {
  const match = /^done (\d+) (-?\d+) ([0-9a-f]+) [\d.]+ (\d+) /m.exec(r.stdout)
  if (match === null) throw new Error(`the job did not finish (status ${r.status}, signal ${r.signal}): ${r.stderr.slice(-2_000)}`)
  return { records: Number(match[1]), sum: Number(match[2]), hash: match[3]!, peakMb: Number(match[4]) }
}

describe('state larger than memory', () => {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rx-datastream-large-'))))
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('a keyed job over 600,000 keys × 500 characters completes on LMDB with a 256 MB heap, and runs out of it on the heap', () => {
    const onDisk = report(run('lmdb', dir, KEYS, 256))
    // Every key's first record emits 1, its second 2 (a payload read back wrong: −1).
    expect(onDisk.records).toBe(2 * KEYS)
    expect(onDisk.sum).toBe(3 * KEYS)
    expect(onDisk.peakMb).toBeLessThan(256)
    const onHeap = run('heap', dir, KEYS, 256)
    expect(onHeap.status === 0 && /^done /m.test(onHeap.stdout)).withContext('the heap backend should run out of memory').toBeFalse()
    expect(onHeap.stderr).toMatch(/heap out of memory|Allocation failed/i)
  }, 300_000)

  describe('timers', () => {
    const TIMERS_JOB = join(__dirname, 'fixtures', 'large-timers-job.js')
    const KEY_CHARS = 250

    function runTimers(backend: 'heap' | 'lmdb', keys: number, maxOldSpaceMb?: number): Run {
      const flags = maxOldSpaceMb === undefined ? [] : [`--max-old-space-size=${maxOldSpaceMb}`]
      const result = spawnSync(process.execPath, [...flags, TIMERS_JOB, backend, dir, String(keys), String(KEY_CHARS)], { encoding: 'utf8', timeout: 240_000 })
      return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr }
    }

    /** `done <fired> <sum> <ordered> <peak heap MB>` as numbers. */
    function timersReport(r: Run): { fired: number; sum: number; ordered: number; peakMb: number } {
      const match = /^done (\d+) (\d+) ([01]) (\d+)$/m.exec(r.stdout)
      if (match === null) throw new Error(`the job did not finish (status ${r.status}, signal ${r.signal}): ${r.stderr.slice(-2_000)}`)
      return { fired: Number(match[1]), sum: Number(match[2]), ordered: Number(match[3]), peakMb: Number(match[4]) }
    }

    it('a timer per key for 200,000 keys fires in time order on LMDB with a 72 MB heap, and runs out of it on the heap', () => {
      const keys = 200_000
      const onDisk = timersReport(runTimers('lmdb', keys, 72))
      expect(onDisk).toEqual({ fired: keys, sum: (keys * (keys - 1)) / 2, ordered: 1, peakMb: jasmine.any(Number) as unknown as number })
      expect(onDisk.peakMb).toBeLessThan(72)
      const onHeap = runTimers('heap', keys, 72)
      expect(onHeap.status === 0 && /^done /m.test(onHeap.stdout)).withContext('the heap backend should run out of memory').toBeFalse()
      expect(onHeap.stderr).toMatch(/heap out of memory|Allocation failed/i)
    }, 300_000)

    it('fire as on the heap on a small input', () => {
      expect(timersReport(runTimers('lmdb', 3_000))).toEqual({ ...timersReport(runTimers('heap', 3_000)), peakMb: jasmine.any(Number) as unknown as number })
    }, 60_000)
  })

  it('gives the heap backend’s output on a small input', () => {
    expect(report(run('lmdb', dir, 5_000))).toEqual({ ...report(run('heap', dir, 5_000)), peakMb: jasmine.any(Number) as unknown as number })
  }, 60_000)
})
