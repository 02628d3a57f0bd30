/**
 * A state backend whose keyed backends a spec can look into: each one the job makes is kept,
 * so that the spec reads what the LMDB backend counts (writes at a barrier, values held).
 */
import type * as ds from '../../src/index'
import type { LmdbKeyedStateBackend } from '../../node/LmdbKeyedStateBackend'
import type { KeyedStateBackend, KeyedStateBackendOptions } from '../../src/state/KeyedStateBackend'

/** `backend`, its keyed backends kept in `made` as the job makes them. */
export function watched(backend: ds.StateBackend, made: Array<LmdbKeyedStateBackend<unknown>>): ds.StateBackend {
  return {
    ...backend,
    createKeyedStateBackend: <K>(options: KeyedStateBackendOptions): KeyedStateBackend<K> => {
      const keyed = backend.createKeyedStateBackend<K>(options)
      made.push(keyed as unknown as LmdbKeyedStateBackend<unknown>)
      return keyed
    }
  }
}
