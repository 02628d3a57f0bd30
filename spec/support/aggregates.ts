/** Aggregate functions that several window specs share. */
import type * as ds from '../../src/index'

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
