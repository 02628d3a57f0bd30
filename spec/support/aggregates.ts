/** The aggregate function, and the windowed run over it, that several window specs share. */
import assert from 'node:assert'
import { from } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements } from '../../marbles/index'

/** The sum and count of the `value`s as text, `sum/n`; it mutates its accumulator, as real aggregates do. */
export const sumCount: ds.AggregateFunction<{ readonly value: number }, { sum: number; n: number }, string> = {
  createAccumulator: () => ({ sum: 0, n: 0 }),
  add: (e, acc) => {
    acc.sum += e.value
    acc.n++
    return acc
  },
  getResult: acc => `${acc.sum}/${acc.n}`,
  merge: (a, b) => {
    a.sum += b.sum
    a.n += b.n
    return a
  }
}

/** How `windowedSumCount` runs: the watermark's bound, the allowed lateness and its side output, and whether through the general operator. */
export interface SumCountRun<E> {
  readonly bound: number
  readonly lateness: number
  readonly late: ds.OutputTag<E>
  /** With a trigger given, so that the windows run on the general operator instead of slices. */
  readonly general: boolean
}

/**
 * `events` keyed by `key` through `assigner`'s windows with `sumCount`, each result as
 * `key[start,end)=sum/n`: the elements emitted and the starts of the windows cleared, in order.
 */
export function windowedSumCount<E extends { readonly key: string; readonly value: number; readonly ts: number }>(
  events: readonly E[],
  assigner: ds.WindowAssigner<E>,
  { bound, lateness, late, general }: SumCountRun<E>
): { readonly elements: readonly ds.StreamElement<string, string>[]; readonly cleared: number[] } {
  let builder = ds.windowBy(assigner).allowedLateness(lateness).sideOutputLateData(late)
  if (general) builder = builder.trigger(ds.eventTimeTrigger())
  const cleared: number[] = []
  const out = collectElements(
    from(events).pipe(
      ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<E>(bound).withTimestampAssigner(e => e.ts), { autoWatermarkInterval: 0 }),
      ds.keyBy(e => e.key),
      builder.aggregate<E, { sum: number; n: number }, string, string, string>(sumCount, {
        process: (key, ctx, [r], o) => o.collect(`${key}[${ctx.window.start},${ctx.window.end})=${r}`),
        clear: ctx => cleared.push(ctx.window.start)
      })
    )
  )
  assert.strictEqual(out.error, undefined)
  return { elements: out.elements, cleared: cleared.sort((a, b) => a - b) }
}

/**
 * A run's output with the order between two watermarks left free (results of different keys
 * and windows may come in any order there): each segment's elements as JSON, sorted.
 */
export function canonical(elements: readonly ds.StreamElement<unknown, unknown>[]): string[][] {
  const segments: string[][] = [[]]
  for (const e of elements) {
    if (e._tag === 'Watermark') segments.push([`W${e.timestamp}`], [])
    else segments[segments.length - 1]!.push(JSON.stringify(e))
  }
  return segments.map(s => s.sort())
}
