/**
 * @internal
 * How a built-in evictor evicts from a window kept as two arrays in arrival order, the values
 * and their timestamps: in place, removing the same elements as its `evictBefore` /
 * `evictAfter` would, with the same calls of user functions in the same order. Such a window
 * needs no `{ value, timestamp }` object per element, nor new arrays per firing
 * (`evictingContents` in `WindowContents.ts`). User evictors have none: they get the objects
 * their interface promises.
 */
import type { Evictor } from './Evictor'

/** @internal */
export interface BufferEviction {
  /** Whether it evicts after the window function (`doEvictAfter`) rather than before it. */
  readonly after: boolean
  /** Removes the evicted elements from both arrays (of the same length), keeping the order of the others. */
  evict(values: unknown[], timestamps: number[]): void
}

/** The built-in evictors' in-place evictions, by evictor. */
const bufferEvictions = new WeakMap<object, BufferEviction>()

/** @internal Called by the built-in evictors' factories. */
export function registerBufferEviction(evictor: Evictor<never>, eviction: BufferEviction): void {
  bufferEvictions.set(evictor, eviction)
}

/** @internal The in-place eviction of a built-in evictor; `undefined` for any other evictor. */
export function bufferEvictionOf(evictor: Evictor<never>): BufferEviction | undefined {
  return bufferEvictions.get(evictor)
}
