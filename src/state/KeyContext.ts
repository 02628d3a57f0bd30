/**
 * @internal
 * The current key of a keyed operator (Flink's `InternalKeyContext`): the key a record or a
 * timer is processed under and its id (the value it is compared and stored by). Every state
 * table of the operator reads it, so setting the key once scopes all of them.
 */
import { keyId } from '../core/Key'

/** @internal */
export class KeyContext<K> {
  currentKey: K = undefined as K
  /**
   * `undefined` until a key is set: no key has it. Not NaN: a field that starts as a double
   * keeps V8's double representation, and every integer id read from it would then be a new
   * heap number, stored as such in the state tables' `Map`s (a pointer to chase per lookup).
   */
  currentId: unknown = undefined

  constructor(readonly maxParallelism: number) {}

  /** Makes `key` current. */
  setCurrentKey(key: K): void {
    this.currentKey = key
    this.currentId = keyId(key)
  }

  /**
   * Whether a record or timer of the current key is being processed: keyed state and timers
   * are only usable then (not in `open`, `close`, or a non-keyed callback).
   */
  active = false

  /**
   * Calls `fn` for each of `keys` with that key current and keyed state usable (Flink's
   * `applyToAllKeys`), then puts back the key and the activity that were current.
   */
  forEachKey(keys: readonly K[], fn: (key: K) => void): void {
    const previous = this.currentKey
    const wasActive = this.active
    this.active = true
    try {
      for (const key of keys) {
        this.setCurrentKey(key)
        fn(key)
      }
    } finally {
      this.active = wasActive
      if (keys.length > 0) this.setCurrentKey(previous)
    }
  }
}
