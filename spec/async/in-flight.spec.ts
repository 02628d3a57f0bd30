/**
 * The snapshot hook of asyncWait's runtime: the inputs that entered and have not left, in
 * arrival order, with their timestamps (what a checkpoint will store and re-invoke after a
 * restore; checkpoints arrive with their own issue).
 */
import { asyncScheduler, NEVER, Subject } from 'rxjs'
import type * as ds from '../../src/index'
import { barrier, rec, wm } from '../../marbles/index'
import { AsyncWaitOperator } from '../../src/async/AsyncWaitOperator'
import { resolveAsyncWaitOptions } from '../../src/async/AsyncWaitOptions'
import { oneInputOperator } from '../../src/runtime/host'

describe('AsyncWaitOperator.inFlight', () => {
  it('lists queued and overflow-buffered inputs in arrival order; a barrier passes at once and is not listed', () => {
    const info = { kind: 'asyncWait', name: 'asyncWait', uid: 'enrich-v1' }
    const answers = new Map<number, Subject<number>>()
    const fn = (v: number) => {
      const s = new Subject<number>()
      answers.set(v, s)
      return v === 9 ? NEVER : s
    }
    let runtime!: AsyncWaitOperator<number, number, never>
    const out: ds.StreamElement<number>[] = []
    const input = new Subject<ds.StreamElement<number>>()
    input
      .pipe(
        oneInputOperator<number, number, never>(info, (output, context) => {
          runtime = new AsyncWaitOperator(info, fn, resolveAsyncWaitOptions<number, number>(info, fn, { capacity: 3, scheduler: asyncScheduler }), output, context)
          return runtime
        })
      )
      .subscribe(e => out.push(e))

    const elements = [rec(1, 10), rec(2, 20), wm(20), rec(3, 30), rec(4, 40)]
    for (const e of elements) input.next(e)
    input.next(barrier(1))
    expect(out).toEqual([barrier(1)])
    expect(runtime.inFlight()).toEqual(elements) // 3 in the queue, 2 waiting for a slot

    answers.get(2)!.next(20)
    answers.get(2)!.complete() // done, but waits behind 1 (ordered): still in flight
    expect(runtime.inFlight()).toEqual(elements)
    answers.get(1)!.next(10)
    answers.get(1)!.complete() // 1, 2 and the watermark leave; 3 and 4 enter the queue
    expect(runtime.inFlight()).toEqual([rec(3, 30), rec(4, 40)])
    expect(out).toEqual([barrier(1), rec(10, 10), rec(20, 20), wm(20)])
  })
})
