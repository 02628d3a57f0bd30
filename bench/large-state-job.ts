/**
 * A keyed job whose state is larger than the heap it runs in, run as a child process with a
 * small `--max-old-space-size` by the `large-state` bench workload (bench/large-state.ts) and by
 * spec/node/lmdb-larger-than-memory.spec.ts:
 *
 *     node large-state-job.js <heap | lmdb> <stateDir> <keys> <payload chars> [cacheSize]
 *
 * Every key gets two records: the first stores a payload of <payload chars> characters in a
 * value state and emits 1, the second reads it back, checks it, and emits 2 (−1 if it came back
 * wrong). When the job ends it prints one line,
 *
 *     done <records> <sum> <hash> <seconds> <peak heap MB> <peak RSS MB> <peak disk MB>
 *
 * where `hash` is an order-sensitive hash of the emitted values (so two runs agree only if they
 * emitted the same values in the same order) and the disk figure is the state directory's
 * allocated size, sampled as the job runs. A failure goes to stderr (exit code 1).
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { asapScheduler } from 'rxjs'
import * as ds from '../src/index'
import { lmdbStateBackend } from '../node/lmdbStateBackend'
import { payloadCheck } from './largeStatePayload'

/** Keys 0 … keys − 1, then the same again: every key twice, far apart. */
function* twice(keys: number): Generator<number> {
  for (let round = 0; round < 2; round++) for (let key = 0; key < keys; key++) yield key
}

/** Bytes allocated on disk under `dir` (sparse files count what they use, not their length). */
function diskUse(dir: string): number {
  let bytes = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) bytes += diskUse(path)
    else if (entry.isFile()) bytes += statSync(path).blocks * 512
  }
  return bytes
}

const MB = 2 ** 20

async function main(): Promise<void> {
  const [backendName, stateDir, keysArg, charsArg, cacheArg] = process.argv.slice(2)
  const keys = Number(keysArg)
  const chars = Number(charsArg)
  const cacheSize = cacheArg === undefined ? 20_000 : Number(cacheArg)
  if ((backendName !== 'heap' && backendName !== 'lmdb') || stateDir === undefined || !(keys > 0) || !(chars > 0) || !(cacheSize > 0)) {
    throw new Error(`usage: large-state-job <heap | lmdb> <stateDir> <keys> <payload chars> [cacheSize], got ${JSON.stringify(process.argv.slice(2))}`)
  }
  ds.setStateValidation(false)
  const stateBackend = backendName === 'heap' ? ds.heapStateBackend() : await lmdbStateBackend(stateDir, { cacheSize })
  let peakHeap = 0
  let peakDisk = 0
  const started = process.hrtime.bigint()
  const job = ds.execute(
    env =>
      env.fromIterable(twice(keys), { uid: 'keys' }).pipe(
        ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid: 'ts' }),
        ds.keyBy(key => key, { uid: 'by-key' }),
        ds.keyedProcess(payloadCheck(chars), { uid: 'payloads' }),
        ds.values()
      ),
    { stateBackend, scheduler: asapScheduler, onWarning: () => {} }
  )
  let records = 0
  let sum = 0
  let hash = 0x811c9dc5
  job.output$.subscribe(n => {
    records++
    sum += n
    hash = Math.imul(hash ^ (n & 0xff), 0x01000193) >>> 0
    if ((records & 0xffff) === 0) {
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)
      if (backendName === 'lmdb') peakDisk = Math.max(peakDisk, diskUse(stateDir))
    }
  })
  await job.done
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  // maxRSS is in kilobytes.
  const peakRss = process.resourceUsage().maxRSS * 1024
  const figures = [records, sum, hash.toString(16), seconds.toFixed(2), Math.round(peakHeap / MB), Math.round(peakRss / MB), Math.round(peakDisk / MB)]
  process.stdout.write(`done ${figures.join(' ')}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
