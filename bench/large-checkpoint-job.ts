/**
 * A checkpoint of keyed state larger than the heap, and its restore in another process: run as
 * child processes with a small `--max-old-space-size` by the `large-state` bench workload
 * (bench/large-state.ts) and by spec/node/lmdb-chunked-checkpoint.spec.ts.
 *
 *     node large-checkpoint-job.js <heap | lmdb> <stateDir> <storeDir> <keys> <payload chars> first [cacheSize]
 *     node large-checkpoint-job.js <heap | lmdb> <stateDir> <storeDir> <keys> <payload chars> restore [cacheSize]
 *
 * The job is bench/large-state-job.ts's (a payload per key, written by its first record and
 * checked by its second), its checkpoints in a `fileStore` in <storeDir>. `first` reads every
 * key once, takes a checkpoint while the source waits, prints
 *
 *     checkpointed <id> <size> <seconds> <pause ms> <pause CPU ms> <peak heap MB>
 *     gaps <count> <p50> <p90> <p99> <p99.9> <max> <over 16 ms> <over 50 ms> <CPU p99> <CPU max> <main thread CPU p99> <main thread CPU max>
 *     disk <peak RSS MB> <checkpoint MB on disk> <state MB on disk>
 *
 * (the checkpoint's size in characters, chunks included; the time from the request to its
 * completion; the longest the event loop was held meanwhile, and the most CPU time the process
 * used within one such gap; then the gaps' distribution in ms, and the CPU used within them:
 * the process's, every thread's, and the main thread's alone, on Linux, else `-`)
 * and kills itself (SIGKILL: a crash, nothing is closed). `restore` restores the newest
 * checkpoint, reads every key a second time from where it stood, and prints
 *
 *     done <records> <sum> <hash> <restore seconds> <seconds> <peak heap MB>
 *     disk <peak RSS MB>
 *
 * (the restore's time from the job's start to its first output). A failure goes to stderr (exit
 * code 1).
 */
import { readdirSync, readFileSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import * as ds from '../src/index'
import { fileStore } from '../node/fileStore'
import { lmdbStateBackend } from '../node/lmdbStateBackend'
import { payloadCheck } from './largeStatePayload'

const MB = 2 ** 20

/** Keys 0 … keys − 1 twice, with their offsets; after the first round `between` is awaited while the source waits. */
function twice(keys: number, between: () => Promise<void>): ds.Source<number, number> {
  return {
    async *read(offset = 0) {
      for (let at = offset; at < 2 * keys; at++) {
        if (at === keys && offset < keys) await between()
        yield { value: at % keys, offset: at + 1 }
      }
    }
  }
}

/** The gaps between a 1 ms interval's ticks (ms), and the CPU time the process (every thread) and its main thread used within each. */
interface LoopGaps {
  readonly wall: Float64Array
  readonly cpu: Float64Array
  /** Empty where the main thread's CPU time cannot be read. */
  readonly mainCpu: Float64Array
}

/**
 * The CPU time the main thread has run, ms, from Linux's per-thread scheduler statistics
 * (`process.cpuUsage` counts every thread: the collector's own threads, which run beside the main
 * thread, would be counted as if they held the event loop); `undefined` elsewhere.
 */
function mainThreadCpu(): (() => number) | undefined {
  const path = `/proc/self/task/${process.pid}/schedstat`
  const read = (): number => Number(readFileSync(path, 'latin1').split(' ')[0]) / 1e6
  try {
    return Number.isFinite(read()) ? read : undefined
  } catch {
    return undefined
  }
}

/**
 * The gaps between ticks of a 1 ms interval while it runs (how long the event loop was held
 * each time), and the CPU time the process spent within each gap: on a busy machine a gap also
 * counts time the process waited for a core, the CPU time only what it ran (every thread's:
 * the collector's own threads too).
 */
function loopGaps(): () => LoopGaps {
  let wall = new Float64Array(1 << 16)
  let cpu = new Float64Array(1 << 16)
  let mainCpu = new Float64Array(1 << 16)
  const mainThread = mainThreadCpu()
  let lastMain = mainThread?.() ?? 0
  let count = 0
  let last = performance.now()
  let lastCpu = process.cpuUsage()
  const ticker = setInterval(() => {
    const at = performance.now()
    const used = process.cpuUsage(lastCpu)
    if (count === wall.length) {
      const grow = (from: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
        const to = new Float64Array(from.length * 2)
        to.set(from)
        return to
      }
      wall = grow(wall)
      cpu = grow(cpu)
      mainCpu = grow(mainCpu)
    }
    wall[count] = at - last
    cpu[count] = (used.user + used.system) / 1000
    if (mainThread !== undefined) {
      const main = mainThread()
      mainCpu[count] = main - lastMain
      lastMain = main
    }
    count++
    last = at
    lastCpu = process.cpuUsage()
  }, 1)
  return () => {
    clearInterval(ticker)
    return { wall: wall.slice(0, count), cpu: cpu.slice(0, count), mainCpu: mainThread === undefined ? new Float64Array(0) : mainCpu.slice(0, count) }
  }
}

/** The value below which `q` of `sorted` lie (nearest rank). */
function quantile(sorted: Float64Array, q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
}

/** The `gaps` line: the gaps' count, quantiles and maximum, how many exceed 16 and 50 ms, and the CPU's (every thread's, the main thread's) 99th percentile and maximum. */
function gapsLine({ wall, cpu, mainCpu }: LoopGaps): string {
  const walls = wall.slice().sort()
  const cpus = cpu.slice().sort()
  const mains = mainCpu.slice().sort()
  const over = (ms: number): number => walls.filter(gap => gap > ms).length
  const ms = (value: number): string => value.toFixed(1)
  return `gaps ${walls.length} ${ms(quantile(walls, 0.5))} ${ms(quantile(walls, 0.9))} ${ms(quantile(walls, 0.99))} ${ms(quantile(walls, 0.999))} ${ms(quantile(walls, 1))} ${over(16)} ${over(50)} ${ms(quantile(cpus, 0.99))} ${ms(quantile(cpus, 1))} ${mains.length === 0 ? '- -' : `${ms(quantile(mains, 0.99))} ${ms(quantile(mains, 1))}`}`
}

/** The bytes files take on disk under `dir` (allocated blocks, as `du` counts them). */
function diskBytes(dir: string): number {
  let bytes = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) bytes += statSync(join(entry.parentPath, entry.name)).blocks * 512
  }
  return bytes
}

/** The process's peak resident set size, MB. */
const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024)

async function main(): Promise<void> {
  const [backendName, stateDir, storeDir, keysArg, charsArg, mode, cacheArg] = process.argv.slice(2)
  const keys = Number(keysArg)
  const chars = Number(charsArg)
  const cacheSize = cacheArg === undefined ? 20_000 : Number(cacheArg)
  if ((backendName !== 'heap' && backendName !== 'lmdb') || stateDir === undefined || storeDir === undefined || !(keys > 0) || !(chars > 0) || (mode !== 'first' && mode !== 'restore') || !(cacheSize > 0)) {
    throw new Error(`usage: large-checkpoint-job <heap | lmdb> <stateDir> <storeDir> <keys> <payload chars> <first | restore> [cacheSize], got ${JSON.stringify(process.argv.slice(2))}`)
  }
  ds.setStateValidation(false)
  const stateBackend = backendName === 'heap' ? ds.heapStateBackend() : await lmdbStateBackend(stateDir, { cacheSize })
  let peakHeap = 0
  const sample = (): void => void (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed))
  const started = performance.now()
  let job: ds.Job<number> | undefined
  const checkpoint = async (): Promise<void> => {
    const asked = performance.now()
    const gaps = loopGaps()
    const sampler = setInterval(sample, 20)
    const event = await job!.checkpoint()
    clearInterval(sampler)
    const seen = gaps()
    sample()
    const most = (values: Float64Array): number => values.reduce((a, b) => Math.max(a, b), 0)
    writeSync(1, `checkpointed ${event.checkpointId} ${event.size} ${((performance.now() - asked) / 1000).toFixed(2)} ${most(seen.wall).toFixed(1)} ${most(seen.cpu).toFixed(1)} ${Math.round(peakHeap / MB)}\n`)
    writeSync(1, `${gapsLine(seen)}\n`)
    writeSync(1, `disk ${peakRssMb()} ${Math.round(diskBytes(storeDir!) / MB)} ${Math.round(diskBytes(stateDir!) / MB)}\n`)
    // A crash: nothing is closed, no final checkpoint is taken.
    process.kill(process.pid, 'SIGKILL')
  }
  job = ds.execute(
    env =>
      env.fromSource(twice(keys, checkpoint), { uid: 'keys' }).pipe(
        ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid: 'ts' }),
        ds.keyBy(key => key, { uid: 'by-key' }),
        ds.keyedProcess(payloadCheck(chars), { uid: 'payloads' }),
        ds.values()
      ),
    {
      jobId: 'large-state',
      stateBackend,
      // No periodic checkpoints, and the one taken is not timed out at any size.
      checkpointing: { store: fileStore(storeDir), timeout: 3_600_000 },
      ...(mode === 'restore' ? { restore: 'latest' as const } : {}),
      onWarning: () => {}
    }
  )
  let records = 0
  let sum = 0
  let hash = 0x811c9dc5
  let restored: number | undefined
  job.output$.subscribe(n => {
    restored ??= performance.now() - started
    records++
    sum += n
    hash = Math.imul(hash ^ (n & 0xff), 0x01000193) >>> 0
    if ((records & 0xffff) === 0) sample()
  })
  await job.done
  sample()
  const seconds = (performance.now() - started) / 1000
  writeSync(1, `done ${records} ${sum} ${hash.toString(16)} ${((restored ?? 0) / 1000).toFixed(2)} ${seconds.toFixed(2)} ${Math.round(peakHeap / MB)}\n`)
  writeSync(1, `disk ${peakRssMb()}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
