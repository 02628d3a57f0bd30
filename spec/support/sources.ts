/** Test sources shared by the operator specs. */
import { Observable } from 'rxjs'
import type { StreamElement } from '../../src/index'
import { rec } from '../../marbles/index'

/**
 * A synchronous source of `count` records `rec(i, i)` that stops as soon as its subscriber is
 * closed, as `from(array)` does; `emitted()` tells how many it pushed, so a spec can prove that
 * an operator stopped it early.
 */
export function countingSource(count: number): { source: Observable<StreamElement<number>>; emitted: () => number } {
  let emitted = 0
  const source = new Observable<StreamElement<number>>(subscriber => {
    for (let i = 0; i < count && !subscriber.closed; i++) {
      emitted++
      subscriber.next(rec(i, i))
    }
    subscriber.complete()
  })
  return { source, emitted: () => emitted }
}
