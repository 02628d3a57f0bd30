/**
 * Workload "large-state": keyed state larger than the heap (`npm run bench -- --workload
 * large-state [--events KEYS]`, default 20,000,000 keys; run only when named).
 *
 * The job of bench/large-state-job.ts (a payload per key in a value state, every key written
 * once and read back once, far apart) runs in child processes:
 *
 * - on the LMDB backend with `--max-old-space-size=256` (its default cache of 20,000 values),
 * - on the heap backend with a heap large enough for the whole state (`--max-old-space-size=`
 *   16,384 by default),
 *
 * and the two runs must emit the same values in the same order (count, sum and an
 * order-sensitive hash). Reported per run: wall time, records/s, peak heap, peak RSS and the
 * state directory's peak allocated size on disk. Then, on LMDB under the same small heap
 * (bench/large-checkpoint-job.ts), a checkpoint of the whole state after every key's first
 * record, to a `fileStore` in chunks (its size, time and longest event-loop pause), and its
 * restore in a new process, which must read every key's payload back. A state-heavy scenario, not an interleaved
 * measurement: one run per backend.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AfterReport } from './workload'

/** Characters of each key's payload: 20 M keys then hold ≈ 2 GB of payload. */
const PAYLOAD_CHARS = 100
const SMALL_HEAP_MB = 256
const LARGE_HEAP_MB = 16_384

interface JobRun {
  readonly backend: 'lmdb' | 'heap'
  readonly records: number
  readonly sum: number
  readonly hash: string
  readonly seconds: number
  readonly heapMb: number
  readonly rssMb: number
  readonly diskMb: number
}

/** How a child process ended: its exit code or signal, its stdout, and the first line of its stderr. */
interface ChildEnd {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly firstError: string
}

/** Runs `script` (in this folder) with node under a heap of `heapMb` MB; resolves when it ends, however it ends. */
function runChild(script: string, heapMb: number, args: readonly string[]): Promise<ChildEnd> {
  const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, join(__dirname, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4_000)))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, firstError: stderr.trim().split('\n')[0] ?? '' }))
  })
}

/** Runs the job once in a child process; rejects with its stderr if it fails. */
async function runJob(backend: JobRun['backend'], keys: number, heapMb: number, dir: string): Promise<JobRun> {
  const { code, signal, stdout, firstError } = await runChild('large-state-job.js', heapMb, [backend, dir, String(keys), String(PAYLOAD_CHARS)])
  const match = /^done (\d+) (-?\d+) ([0-9a-f]+) ([\d.]+) (\d+) (\d+) (\d+)$/m.exec(stdout)
  if (code !== 0 || match === null) throw new Error(`the ${backend} run failed (exit ${code}, signal ${signal}): ${firstError}`)
  const [records, sum, hash, seconds, heap, rss, disk] = match.slice(1) as [string, string, string, string, string, string, string]
  return { backend, records: Number(records), sum: Number(sum), hash, seconds: Number(seconds), heapMb: Number(heap), rssMb: Number(rss), diskMb: Number(disk) }
}

/** A checkpoint of the whole state on LMDB and its restore in a new process (bench/large-checkpoint-job.ts). */
interface CheckpointRun {
  readonly size: number
  readonly seconds: number
  readonly pauseMs: number
  readonly pauseCpuMs: number
  /** The event loop's gaps while the checkpoint was written: their count, quantiles (ms), how many over 16 and 50 ms, and the CPU within them. */
  readonly gaps: { readonly count: number; readonly p50: number; readonly p90: number; readonly p99: number; readonly p999: number; readonly max: number; readonly over16: number; readonly over50: number; readonly cpuP99: number; readonly cpuMax: number; readonly mainCpuP99?: number; readonly mainCpuMax?: number }
  readonly heapMb: number
  readonly rssMb: number
  /** The checkpoint's files and the state's store on disk, MB. */
  readonly checkpointDiskMb: number
  readonly stateDiskMb: number
  readonly restoreSeconds: number
  readonly restoredRecords: number
  readonly restoredSum: number
  readonly restoredHeapMb: number
  readonly restoredRssMb: number
}

/** Runs bench/large-checkpoint-job.js in `mode`; its stdout, or a rejection with its stderr. */
async function runCheckpointJob(mode: 'first' | 'restore', keys: number, heapMb: number, dir: string): Promise<string> {
  const args = ['lmdb', join(dir, 'state'), join(dir, 'store'), String(keys), String(PAYLOAD_CHARS), mode]
  const { code, signal, stdout, firstError } = await runChild('large-checkpoint-job.js', heapMb, args)
  // The first run kills itself once its checkpoint is stored.
  if (code === 0 || signal === 'SIGKILL') return stdout
  throw new Error(`the checkpoint job (${mode}) failed (exit ${code}, signal ${signal}): ${firstError}`)
}

/** Checkpoints the state of `keys` keys on LMDB under `heapMb`, then restores it in a new process and reads every key back. */
async function runCheckpointed(keys: number, heapMb: number, dir: string): Promise<CheckpointRun> {
  const firstOut = await runCheckpointJob('first', keys, heapMb, dir)
  const first = /^checkpointed \d+ (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)$/m.exec(firstOut)
  const gaps = /^gaps (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+|-) ([\d.]+|-)$/m.exec(firstOut)
  const firstDisk = /^disk (\d+) (\d+) (\d+)$/m.exec(firstOut)
  if (first === null || gaps === null || firstDisk === null) throw new Error('the checkpoint job printed no checkpoint')
  const restoreOut = await runCheckpointJob('restore', keys, heapMb, dir)
  const done = /^done (\d+) (-?\d+) [0-9a-f]+ ([\d.]+) [\d.]+ (\d+)$/m.exec(restoreOut)
  const restoreDisk = /^disk (\d+)$/m.exec(restoreOut)
  if (done === null || restoreDisk === null) throw new Error('the restored job did not finish')
  const [size, seconds, pause, pauseCpu, heap] = first.slice(1).map(Number) as [number, number, number, number, number]
  const [count, p50, p90, p99, p999, max, over16, over50, cpuP99, cpuMax] = gaps.slice(1, 11).map(Number) as [number, number, number, number, number, number, number, number, number, number]
  const main = gaps[11] === '-' ? {} : { mainCpuP99: Number(gaps[11]), mainCpuMax: Number(gaps[12]) }
  const [rssMb, checkpointDiskMb, stateDiskMb] = firstDisk.slice(1).map(Number) as [number, number, number]
  const [records, sum, restoreSeconds, restoredHeap] = done.slice(1).map(Number) as [number, number, number, number]
  return {
    size,
    seconds,
    pauseMs: pause,
    pauseCpuMs: pauseCpu,
    gaps: { count, p50, p90, p99, p999, max, over16, over50, cpuP99, cpuMax, ...main },
    heapMb: heap,
    rssMb,
    checkpointDiskMb,
    stateDiskMb,
    restoreSeconds,
    restoredRecords: records,
    restoredSum: sum,
    restoredHeapMb: restoredHeap,
    restoredRssMb: Number(restoreDisk[1])
  }
}

/** The report's lines of a checkpoint run. */
function checkpointLines(run: CheckpointRun): string[] {
  const { gaps } = run
  return [
    `LMDB checkpoint of the state after every key's first record: ${(run.size / 1e6).toFixed(0)} M characters in ${run.seconds.toFixed(1)} s, ` +
      `${run.checkpointDiskMb} MB on disk (the state's store: ${run.stateDiskMb} MB); peak heap ${run.heapMb} MB, peak RSS ${run.rssMb} MB`,
    `  event-loop gaps meanwhile (${gaps.count.toLocaleString('en-US')}, ms): median ${gaps.p50}, p90 ${gaps.p90}, p99 ${gaps.p99}, p99.9 ${gaps.p999}, longest ${gaps.max}; ` +
      `${gaps.over16} over 16 ms, ${gaps.over50} over 50 ms; CPU within one gap: p99 ${gaps.cpuP99}, at most ${gaps.cpuMax}` +
      (gaps.mainCpuMax === undefined ? '' : ` (the main thread's alone: p99 ${gaps.mainCpuP99}, at most ${gaps.mainCpuMax})`),
    `  restored in a new process in ${run.restoreSeconds.toFixed(1)} s (to its first record), peak heap ${run.restoredHeapMb} MB, peak RSS ${run.restoredRssMb} MB, ` +
      `${run.restoredRecords.toLocaleString('en-US')} records, sum ${run.restoredSum}`
  ]
}

function row(run: JobRun, heapLimitMb: number): string {
  const perSecond = run.records / run.seconds
  const cells = [
    run.backend.padEnd(7),
    `${heapLimitMb.toLocaleString('en-US')} MB`.padStart(10),
    run.records.toLocaleString('en-US').padStart(12),
    run.seconds.toFixed(1).padStart(8),
    `${(perSecond / 1e3).toFixed(0)} k`.padStart(9),
    String(run.heapMb).padStart(9),
    String(run.rssMb).padStart(8),
    (run.backend === 'lmdb' ? String(run.diskMb) : '–').padStart(8)
  ]
  return cells.join('  ')
}

/** The parts of the workload, each run unless `--only` names others. */
export const LARGE_STATE_PARTS = ['lmdb', 'checkpoint', 'heap'] as const
type Part = (typeof LARGE_STATE_PARTS)[number]

/**
 * Runs both backends over `keys` keys and compares what they emitted, and the checkpoint job;
 * `only` (`--only`) runs some of the parts: `lmdb`, `checkpoint`, `heap`. A failed run is
 * reported, not thrown.
 */
export async function largeState(keys: number, only?: readonly string[]): Promise<AfterReport> {
  const unknown = (only ?? []).filter(part => !(LARGE_STATE_PARTS as readonly string[]).includes(part))
  if (unknown.length > 0) throw new Error(`large-state: --only takes ${LARGE_STATE_PARTS.join(', ')}, not ${unknown.join(', ')}`)
  const runs = (part: Part): boolean => only === undefined || only.length === 0 || only.includes(part)
  const dir = mkdtempSync(join(tmpdir(), 'rx-datastream-large-state-'))
  const failure = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)))
  const attempt = (backend: JobRun['backend'], heapMb: number): Promise<JobRun | Error | undefined> =>
    runs(backend) ? runJob(backend, keys, heapMb, join(dir, backend)).catch(failure) : Promise.resolve(undefined)
  try {
    const onDisk = await attempt('lmdb', SMALL_HEAP_MB)
    const checkpointed = runs('checkpoint') ? await runCheckpointed(keys, SMALL_HEAP_MB, join(dir, 'checkpointed')).catch(failure) : undefined
    const onHeap = await attempt('heap', LARGE_HEAP_MB)
    const lines = [`${keys.toLocaleString('en-US')} keys × ${PAYLOAD_CHARS} characters, every key written once and read back once`]
    if (onDisk !== undefined || onHeap !== undefined) lines.push('backend  heap limit       records       s  records/s  heap MB  RSS MB  disk MB')
    if (onDisk !== undefined) lines.push(onDisk instanceof Error ? onDisk.message : row(onDisk, SMALL_HEAP_MB))
    if (onHeap !== undefined) lines.push(onHeap instanceof Error ? onHeap.message : row(onHeap, LARGE_HEAP_MB))
    if (checkpointed !== undefined) lines.push(...(checkpointed instanceof Error ? [checkpointed.message] : checkpointLines(checkpointed)))
    const restoredWhole = checkpointed === undefined || (!(checkpointed instanceof Error) && checkpointed.restoredRecords === keys && checkpointed.restoredSum === 2 * keys)
    if (!restoredWhole && !(checkpointed instanceof Error)) lines.push(`THE RESTORED JOB READ ${checkpointed?.restoredRecords} records, sum ${checkpointed?.restoredSum}: not every payload came back whole`)
    const data = { keys, payloadChars: PAYLOAD_CHARS, runs: [onDisk, onHeap].filter(r => r !== undefined && !(r instanceof Error)), checkpointed: checkpointed instanceof Error ? checkpointed.message : checkpointed }
    if (onDisk instanceof Error || onHeap instanceof Error || checkpointed instanceof Error) return { ok: false, lines, data }
    let ok = restoredWhole
    if (onDisk !== undefined) ok &&= onDisk.records === 2 * keys && onDisk.sum === 3 * keys
    if (onDisk !== undefined && onHeap !== undefined) {
      const same = onDisk.records === onHeap.records && onDisk.sum === onHeap.sum && onDisk.hash === onHeap.hash
      ok &&= same
      lines.push(
        `LMDB / heap throughput: ${(onHeap.seconds / onDisk.seconds).toFixed(2)}×`,
        same ? `results agree: ${onDisk.records.toLocaleString('en-US')} records, sum ${onDisk.sum}, hash ${onDisk.hash}` : `RESULTS DIFFER: lmdb ${JSON.stringify(onDisk)}, heap ${JSON.stringify(onHeap)}`
      )
    }
    return { ok, lines, data }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
