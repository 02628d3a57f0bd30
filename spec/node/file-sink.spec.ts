/**
 * `fileSink` (rx-datastream/node): part files committed by rename once their checkpoint is
 * complete; a restored job commits what its checkpoint covered, once, and drops the open file;
 * bad values and options are refused clearly.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ds from '../../src/index'
import { fileSink } from '../../node/index'

/** Every committed line in `dir`, part files in name order. */
function committedLines(dir: string): string[] {
  return readdirSync(dir)
    .filter(f => f.startsWith('part-'))
    .sort()
    .flatMap(f => readFileSync(join(dir, f), 'utf8').split('\n').slice(0, -1))
}

const numbers = Array.from({ length: 40 }, (_, i) => i)

function numbersJob(dir: string, store: ds.CheckpointStore, at: (i: number) => void, options: ds.JobOptions = {}): ds.Job<never> {
  const source: ds.Source<number, number> = {
    *read(offset = 0) {
      for (let i = offset; i < numbers.length; i++) {
        at(i)
        yield { value: numbers[i]!, offset: i + 1 }
      }
    }
  }
  return ds.execute(
    env =>
      env
        .fromSource(source, { uid: 'numbers' })
        .pipe(ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid: 'ts' }), ds.sinkTo(fileSink<number>(dir, { suffix: '.txt', bufferedLines: 3 }), { uid: 'files' })),
    { jobId: 'files', checkpointing: { store, retain: 5 }, onWarning: () => {}, ...options }
  )
}

describe('fileSink', () => {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rx-datastream-file-sink-'))))
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('commits a part file per checkpoint, by rename, once the checkpoint is complete', async () => {
    let job: ds.Job<never> | undefined
    job = numbersJob(dir, ds.memoryStore(), i => {
      if (i === 10) void job!.checkpoint()
    })
    await job.done
    // `done` waits for the last commits: every line is in a part file.
    expect(committedLines(dir)).toEqual(numbers.map(String))
    const parts = readdirSync(dir)
      .filter(f => f.startsWith('part-'))
      .sort()
    expect(parts.every(f => f.endsWith('.txt'))).toBeTrue()
    // The first transaction holds what came before the checkpoint's barrier, and nothing after.
    expect(readFileSync(join(dir, parts[0]!), 'utf8')).toBe(numbers.slice(0, 10).map(n => `${n}\n`).join(''))
    expect(readdirSync(join(dir, '.pending'))).toEqual([])
  })

  it('after a failure, the restored job commits what the checkpoint covered and writes the rest: every line once', async () => {
    const store = ds.memoryStore()
    let job: ds.Job<never> | undefined
    let checkpoint: Promise<unknown> | undefined
    job = numbersJob(dir, store, i => {
      if (i === 12) checkpoint = job!.checkpoint()
    })
    // Dies once the checkpoint is stored, before anything commits more: as a crash would.
    await checkpoint
    job.cancel()
    await job.done
    const restored = numbersJob(dir, store, () => {}, { restore: 'latest' })
    await restored.done
    expect(committedLines(dir)).toEqual(numbers.map(String))
  })

  it('refuses a value whose line would span two lines, and bad options', async () => {
    const sink = fileSink<string>(dir)
    const errors: unknown[] = []
    ds.fromRecords([{ value: 'a\nb', timestamp: 0 }]).pipe(ds.sinkTo(sink)).subscribe({ error: e => errors.push(e) })
    expect(String(errors[0])).toMatch(/holds a line break; one value is one line/)
    expect(() => fileSink('')).toThrowError(TypeError, /dir must be a folder's path/)
    expect(() => fileSink(dir, { bufferedLines: 0 })).toThrowError(RangeError, /bufferedLines must be a whole number/)
    expect(existsSync(join(dir, '.pending'))).toBeTrue()
  })
})
