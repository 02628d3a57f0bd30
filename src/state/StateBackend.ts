/**
 * Where keyed operators keep their keyed state (Flink's `StateBackend`): chosen per job with
 * the `stateBackend` job option, or per operator with its `stateBackend` option. The heap
 * backend is the default; `rx-datastream/node` has one on disk (`lmdbStateBackend`) for state
 * larger than memory.
 *
 * A backend decides only where working state lives: snapshots are in one portable format
 * whichever backend wrote them, so a savepoint taken under one restores under the other.
 *
 * @since 0.1.0
 */
import { HeapKeyedStateBackend } from './HeapKeyedStateBackend'
import type { KeyedStateBackend, KeyedStateBackendOptions } from './KeyedStateBackend'

/**
 * Where keyed operators keep their keyed state: made by {@link heapStateBackend} (the default)
 * or by `lmdbStateBackend` from `rx-datastream/node`, and given to a job
 * (`execute(build, { stateBackend })`) or to one operator (`keyedProcess(f, { stateBackend })`).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const job = ds.execute(env => env.fromArray([1, 2, 3]), { stateBackend: ds.heapStateBackend() })
 * console.log(ds.heapStateBackend().name) // 'heap'
 *
 * @category state
 * @since 0.1.0
 */
export interface StateBackend {
  readonly _tag: 'StateBackend'
  /** What it is called in messages: `'heap'`, `'lmdb'`. */
  readonly name: string
  /** @internal Makes the keyed-state backend of one operator. */
  createKeyedStateBackend<K>(options: KeyedStateBackendOptions): KeyedStateBackend<K>
}

const HEAP: StateBackend = {
  _tag: 'StateBackend',
  name: 'heap',
  createKeyedStateBackend: <K>(options: KeyedStateBackendOptions): KeyedStateBackend<K> => new HeapKeyedStateBackend<K>(options)
}

/**
 * The heap state backend (Flink's `HashMapStateBackend`), the default: keyed state as live
 * objects in memory, snapshots written in steps with copy-on-write. The fastest, and bounded
 * by the memory of the process.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const options: ds.JobOptions = { stateBackend: ds.heapStateBackend() } // the same as leaving it out
 *
 * @see docs/state.md, "Choosing a state backend"
 * @category state
 * @since 0.1.0
 */
export function heapStateBackend(): StateBackend {
  return HEAP
}

/** @internal Throws a TypeError naming `where` unless `backend` is undefined or a {@link StateBackend}. */
export function checkStateBackend(backend: unknown, where: string): void {
  if (backend === undefined) return
  const candidate = backend as Partial<StateBackend> | null
  if (typeof candidate !== 'object' || candidate === null || candidate._tag !== 'StateBackend' || typeof candidate.createKeyedStateBackend !== 'function') {
    throw new TypeError(`${where} must be a state backend (ds.heapStateBackend(), or lmdbStateBackend from rx-datastream/node)`)
  }
}
