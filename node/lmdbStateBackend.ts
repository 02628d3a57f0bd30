/**
 * The state backend on disk: keyed state in LMDB, for state larger than memory (Flink's
 * `EmbeddedRocksDBStateBackend`, on another embedded store).
 *
 * Why LMDB (the `lmdb` package): the state API is synchronous (`state.value()` returns the
 * value), and LMDB reads synchronously from a memory map (under a microsecond per entry), while
 * RocksDB's maintained Node binding reads asynchronously. LMDB's MVCC gives a read snapshot of
 * the whole store at once, which is what a checkpoint that does not stop the job needs; and
 * `lmdb` ships prebuilt binaries for Linux, macOS and Windows, so installing it compiles nothing.
 *
 * `lmdb` is an optional peer dependency of rx-datastream: install it next to it to use this
 * backend (`npm install lmdb`). It is loaded when `lmdbStateBackend` is called, never by
 * importing `rx-datastream/node`.
 *
 * @since 0.1.0
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { StateBackend } from '../src/state/StateBackend'
import type { KeyedStateBackend, KeyedStateBackendOptions } from '../src/state/KeyedStateBackend'
import { messageOf } from '../src/core/errors'
import { LmdbKeyedStateBackend, openStore } from './LmdbKeyedStateBackend'

/**
 * Options of {@link lmdbStateBackend}.
 *
 * @example
 * import type { LmdbStateBackendOptions } from 'rx-datastream/node'
 *
 * const options: LmdbStateBackendOptions = { cacheSize: 100_000 }
 *
 * @category state
 * @since 0.1.0
 */
export interface LmdbStateBackendOptions {
  /**
   * How many (key, namespace) values of an operator are kept decoded in memory, over all its
   * states (default 50,000). When it is full, half of the keys are dropped (keys used since the
   * last time get a second chance), their changes written to the store in one transaction.
   * Larger: fewer reads and writes, more memory.
   */
  readonly cacheSize?: number
  /**
   * Whether a checkpoint writes only what changed since the last completed one (default true),
   * as a chain that a restore merges (docs/checkpoints.md, "Incremental checkpoints").
   * Savepoints are always full. Turn it off when every checkpoint must restore alone (a
   * store whose checkpoints you copy or delete by hand), at the cost of writing all the state
   * each time.
   */
  readonly incrementalCheckpoints?: boolean
  /**
   * The most checkpoints a restore reads (default 8): the one restored and those it needs.
   * When the chain of increments since the last full checkpoint would grow longer, the
   * checkpoint is written full instead, which also lets retention delete the old chain.
   */
  readonly maxCheckpointChain?: number
  /**
   * How many timers of an operator are kept in memory per time domain, the earliest ones
   * (default 1,024); the others are only in the store, read in order when these have fired.
   */
  readonly timerCacheSize?: number
}

const DEFAULT_CACHE_SIZE = 50_000
const DEFAULT_CHECKPOINT_CHAIN = 8
const DEFAULT_TIMER_CACHE_SIZE = 1_024

/** The file in an operator's directory that names the process using it. */
const OWNER = 'owner.pid'

/** Whether process `pid` runs (on this machine): signal 0 tests without sending anything. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Deletes the operators' directories under `root` left by processes that no longer run (killed
 * before their operators ended): working state is never restored from, a checkpoint is. A
 * directory whose process runs (another job sharing `root`), or that names none, is kept.
 */
function removeLeftovers(root: string): void {
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const dir = join(root, entry.name)
    let pid: number
    try {
      pid = Number(readFileSync(join(dir, OWNER), 'utf8'))
    } catch {
      continue
    }
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && !running(pid)) rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * A state backend that keeps keyed state on disk, in LMDB: each keyed operator gets a store of
 * its own in a fresh directory under `dir` (deleted when the operator ends; those of a process
 * killed before, when the next backend is made on `dir`), with a cache of hot values in front.
 * Checkpoints are incremental: each writes what changed since the last completed one, and a
 * restore merges the chain into a full snapshot. Savepoints are full, in the heap backend's
 * portable format, so a job moves between the backends through a savepoint; either backend
 * restores an LMDB checkpoint chain.
 *
 * <span class="informal">Asynchronous because it loads the optional `lmdb` package
 * (`npm install lmdb`); the backend it resolves to is used synchronously.</span>
 *
 * What it keeps: every kind of descriptor state (value, list, map, reducing, aggregating; per
 * key or per window namespace; with TTL), and the tables windows and joins keep of their own
 * (window contents, sliced panes, sessions, join buffers), which are written through their
 * codecs: window contents must be JSON data, or have an `accumulatorCodec`. Sliced panes,
 * sessions and interval join buffers stay in memory too, held by their operators. Timers are
 * kept in the store too, the earliest of them in memory. See docs/state.md.
 *
 * @example
 * import * as ds from 'rx-datastream'
 * import { lmdbStateBackend } from 'rx-datastream/node'
 *
 * async function main(): Promise<void> {
 *   const stateBackend = await lmdbStateBackend('/var/lib/my-job/state')
 *   const job = ds.execute(env => env.fromArray([{ user: 'ann' }]).pipe(ds.keyBy(c => c.user)), { stateBackend })
 *   await job.done
 * }
 *
 * @param dir where the operators' stores go (created if missing); a local disk, not a network share
 * @param options `cacheSize`, `timerCacheSize`, `incrementalCheckpoints`, `maxCheckpointChain`
 * @returns a promise of the backend, rejected when `lmdb` cannot be loaded
 * @see docs/state.md, "Choosing a state backend"
 * @category state
 * @since 0.1.0
 */
export async function lmdbStateBackend(dir: string, options: LmdbStateBackendOptions = {}): Promise<StateBackend> {
  if (typeof dir !== 'string' || dir === '') throw new TypeError(`lmdbStateBackend: dir must be a non-empty path, not ${JSON.stringify(dir)}`)
  const cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE
  if (!Number.isSafeInteger(cacheSize) || cacheSize < 1) throw new RangeError(`lmdbStateBackend: cacheSize must be a whole number ≥ 1, not ${String(cacheSize)}`)
  const incremental = options.incrementalCheckpoints ?? true
  if (typeof incremental !== 'boolean') throw new TypeError(`lmdbStateBackend: incrementalCheckpoints must be true or false, not ${String(incremental)}`)
  const maxChain = options.maxCheckpointChain ?? DEFAULT_CHECKPOINT_CHAIN
  if (!Number.isSafeInteger(maxChain) || maxChain < 1) throw new RangeError(`lmdbStateBackend: maxCheckpointChain must be a whole number ≥ 1, not ${String(maxChain)}`)
  const checkpointChain = incremental && maxChain > 1 ? maxChain : undefined
  const timerCacheSize = options.timerCacheSize ?? DEFAULT_TIMER_CACHE_SIZE
  if (!Number.isSafeInteger(timerCacheSize) || timerCacheSize < 1) {
    throw new RangeError(`lmdbStateBackend: timerCacheSize must be a whole number ≥ 1, not ${String(timerCacheSize)}`)
  }
  let lmdb: typeof import('lmdb')
  try {
    lmdb = await import('lmdb')
  } catch (error) {
    throw new Error(`lmdbStateBackend needs the lmdb package, an optional peer dependency of rx-datastream: npm install lmdb (${messageOf(error)})`, { cause: error })
  }
  const root = resolve(dir)
  mkdirSync(root, { recursive: true })
  removeLeftovers(root)
  return {
    _tag: 'StateBackend',
    name: 'lmdb',
    createKeyedStateBackend<K>(backendOptions: KeyedStateBackendOptions): KeyedStateBackend<K> {
      // A directory per operator instance: two jobs (or two runs) never share working state.
      const prefix = (backendOptions.info.uid ?? backendOptions.info.kind).replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64)
      const operatorDir = mkdtempSync(join(root, `${prefix}-`))
      writeFileSync(join(operatorDir, OWNER), String(process.pid))
      const store = openStore(lmdb, join(operatorDir, 'state.mdb'), operatorDir)
      return new LmdbKeyedStateBackend<K>({ ...backendOptions, store, cacheSize, timerCacheSize, checkpointChain })
    }
  }
}
