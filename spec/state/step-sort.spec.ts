/**
 * `StepSort`, the stable sort a snapshot's timers are sorted with after the barrier: however
 * the work is cut into steps, the result is what a stable sort of the whole gives.
 */
import fc from 'fast-check'
import { StepSort } from '../../src/state/StepSort'

interface Item {
  readonly time: number
  readonly seq: number
}

const byTime = (a: Item, b: Item): number => a.time - b.time

/** Sorts `items` with a step of `deadline` each time until done; how many steps it took. */
function sortInSteps(items: Item[], clock: () => number, deadline: number): { sorted: Item[]; steps: number } {
  const sort = new StepSort(items, byTime, clock)
  let steps = 1
  while (!sort.step(deadline)) steps++
  return { sorted: sort.sorted(), steps }
}

describe('StepSort', () => {
  const itemsArb = fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 5_000 }).map(times => times.map((time, seq) => ({ time, seq })))

  it('gives what a stable sort of the whole gives, with the work cut as finely as it goes', () => {
    fc.assert(
      fc.property(itemsArb, items => {
        const expected = [...items].sort(byTime)
        // A clock always past the deadline: every step does the least it can.
        const { sorted } = sortInSteps([...items], () => 1, 0)
        expect(sorted).toEqual(expected)
      }),
      { numRuns: 60 }
    )
  })

  it('sorts in one step when the deadline is far', () => {
    const items = Array.from({ length: 10_000 }, (_, seq) => ({ time: (seq * 7919) % 101, seq }))
    const { sorted, steps } = sortInSteps([...items], () => 0, Infinity)
    expect(steps).toBe(1)
    expect(sorted).toEqual([...items].sort(byTime))
  })

  it('takes many steps for many items when every step is out of time, each doing a bounded share', () => {
    const items = Array.from({ length: 20_000 }, (_, seq) => ({ time: 20_000 - seq, seq }))
    const { sorted, steps } = sortInSteps([...items], () => 1, 0)
    expect(steps).toBeGreaterThan(20)
    expect(sorted.map(i => i.time)).toEqual(Array.from({ length: 20_000 }, (_, i) => i + 1))
  })
})
