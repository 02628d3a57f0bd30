/**
 * Structural assertions without marbles: collect what a synchronous stream emits.
 *
 * @since 0.1.0
 */
import type { Observable } from 'rxjs'
import type { StreamElement } from '../src/core/StreamElement'
import { show } from './format'

/**
 * What {@link collectElements} saw: every element in order, whether the stream completed, and
 * the error it failed with (`undefined` when it completed).
 *
 * @example
 * import * as ds from 'rx-datastream'
 * import { collectElements, type CollectedElements } from 'rx-datastream/marbles'
 *
 * const out: CollectedElements<string> = collectElements(ds.fromRecords([{ value: 'a', timestamp: 1 }]))
 * out.completed // true
 *
 * @category testing
 * @since 0.1.0
 */
export interface CollectedElements<T, K = never> {
  readonly elements: ReadonlyArray<StreamElement<T, K>>
  readonly completed: boolean
  readonly error: unknown
}

/**
 * Subscribes to a synchronous stream and returns everything it emitted, whether it completed
 * and its error, for assertions without marbles. Throws an `Error` if the stream did not
 * complete or error during `subscribe` (it waits on a timer or an asynchronous source: test it
 * with `marbleTest` instead).
 *
 * @example
 * import { deepStrictEqual } from 'node:assert'
 * import * as ds from 'rx-datastream'
 * import { collectElements, recordsOf, watermarksOf } from 'rx-datastream/marbles'
 *
 * const out = collectElements(ds.fromRecords([{ value: 'a', timestamp: 1 }, ds.watermark(1), { value: 'b', timestamp: 3 }]))
 * deepStrictEqual(recordsOf(out), [['a', 1], ['b', 3]])
 * deepStrictEqual(watermarksOf(out), [1, Infinity])
 * deepStrictEqual(out.completed, true)
 *
 * @param stream$ a stream that finishes synchronously
 * @returns the elements, `completed` and `error`
 * @category testing
 * @since 0.1.0
 */
export function collectElements<T, K = never>(stream$: Observable<StreamElement<T, K>>): CollectedElements<T, K> {
  const elements: Array<StreamElement<T, K>> = []
  let completed = false
  let errored = false
  let error: unknown = undefined
  const subscription = stream$.subscribe({
    next: e => {
      elements.push(e)
    },
    error: (e: unknown) => {
      errored = true
      error = e
    },
    complete: () => {
      completed = true
    }
  })
  if (!completed && !errored) {
    subscription.unsubscribe()
    const last = elements.length === 0 ? '' : `; the last was ${show(elements[elements.length - 1])}`
    throw new Error(
      `collectElements: the stream did not complete or error synchronously (it emitted ${elements.length} element${
        elements.length === 1 ? '' : 's'
      } during subscribe${last}). It waits on a scheduler, a timer or an asynchronous source: ` +
        'test it with marbleTest(...) and expectStream, or pass a TestScheduler / queueScheduler as its scheduler.'
    )
  }
  return { elements, completed, error }
}

/**
 * The `[value, timestamp]` pairs of the main-output records among `elements` (side records,
 * watermarks, statuses and barriers are left out), in order.
 *
 * @example
 * import { deepStrictEqual } from 'node:assert'
 * import { rec, recordsOf, wm } from 'rx-datastream/marbles'
 *
 * deepStrictEqual(recordsOf([rec('a', 1), wm(1), rec('b', 3)]), [['a', 1], ['b', 3]])
 *
 * @param elements elements, or what `collectElements` returned
 * @returns `[value, timestamp]` per record
 * @category testing
 * @since 0.1.0
 */
export function recordsOf<T, K = never>(
  elements: ReadonlyArray<StreamElement<T, K>> | CollectedElements<T, K>
): Array<[T, number]> {
  const out: Array<[T, number]> = []
  for (const e of elementsOf(elements)) if (e._tag === 'Record') out.push([e.value, e.timestamp])
  return out
}

/**
 * The timestamps of the watermarks among `elements`, in order.
 *
 * @example
 * import { deepStrictEqual } from 'node:assert'
 * import { rec, watermarksOf, wm } from 'rx-datastream/marbles'
 *
 * deepStrictEqual(watermarksOf([rec('a', 1), wm(1), wm(Infinity)]), [1, Infinity])
 *
 * @param elements elements, or what `collectElements` returned
 * @returns one timestamp per watermark
 * @category testing
 * @since 0.1.0
 */
export function watermarksOf<T, K = never>(elements: ReadonlyArray<StreamElement<T, K>> | CollectedElements<T, K>): number[] {
  const out: number[] = []
  for (const e of elementsOf(elements)) if (e._tag === 'Watermark') out.push(e.timestamp)
  return out
}

function elementsOf<T, K>(
  input: ReadonlyArray<StreamElement<T, K>> | CollectedElements<T, K>
): ReadonlyArray<StreamElement<T, K>> {
  return isReadonlyArray(input) ? input : input.elements
}

function isReadonlyArray<A>(x: ReadonlyArray<A> | object): x is ReadonlyArray<A> {
  return Array.isArray(x)
}
