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
  /** The current key's group, or -1 until it is needed. */
  private group = -1

  constructor(readonly maxParallelism: number) {}

  /** Makes `key` current. Its group is computed when first needed, not per record. */
  setCurrentKey(key: K): void {
    const id = keyId(key)
    this.currentKey = key
    if (id === this.currentId) return
    this.currentId = id
    this.group = -1
  }

  /** The current key's group: where a new entry of it is filed. */
  currentGroup(): number {
    if (this.group < 0) this.group = keyGroupOfId(this.currentId, this.maxParallelism)
    return this.group
  }

  /**
   * Whether a record or timer of the current key is being processed: keyed state and timers
   * are only usable then (not in `open`, `close`, or a non-keyed callback).
   */
  active = false
}
