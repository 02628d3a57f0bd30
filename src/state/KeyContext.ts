/**
 * @internal
 * The current key of a keyed operator (Flink's `InternalKeyContext`): the key a record or a
 * timer is processed under, its id (the value it is compared by) and its key group. Every
 * state table of the operator reads it, so setting the key once scopes all of them.
 */
import { keyId } from '../Key'
import { keyGroupOfId } from './KeyGroup'

/** @internal */
export class KeyContext<K> {
  currentKey: K = undefined as K
  /** NaN until a key is set: no key has it, so no cached entry matches. */
  currentId: unknown = NaN
  currentGroup = 0

  constructor(readonly maxParallelism: number) {}

  /** Makes `key` current; the group is only recomputed when the key changes. */
  setCurrentKey(key: K): void {
    const id = keyId(key)
    this.currentKey = key
    if (id === this.currentId) return
    this.currentId = id
    this.currentGroup = keyGroupOfId(id, this.maxParallelism)
  }

  /**
   * Whether a record or timer of the current key is being processed: keyed state and timers
   * are only usable then (not in `open`, `close`, or a non-keyed callback).
   */
  active = false
}
