/**
 * The numbers of a custom assigner's windows (`WindowNumbers`), against a model that numbers
 * windows by their bounds in a `Map` of strings: every window has one number while some key
 * holds it, a number given back is never drawn again, and windows whose starts share their low
 * 30 bits (the lookup's hash: a start shared by windows of several ends, or starts 2^30 ms
 * apart) are told apart, whichever of them is given back first; with the index by number and
 * without it (the event-time trigger's windows need none).
 */
import { deepStrictEqual, strictEqual } from 'node:assert'
import fc from 'fast-check'
import { timeWindow } from '../../src/windowing/TimeWindow'
import { WindowNumbers } from '../../src/windowing/windowNaming'

/** Starts that share a hash with one another, and ends of several lengths. */
const BASE = Date.UTC(2026, 0, 1)
const starts = [BASE, BASE + 2 ** 30, BASE - 2 ** 30, BASE + 2 ** 31, BASE + 7]
const lengths = [10, 20, 2 ** 30]

type Op = { readonly kind: 'retain' | 'release'; readonly start: number; readonly length: number }

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('retain' as const, 'release' as const),
  start: fc.constantFrom(...starts),
  length: fc.constantFrom(...lengths)
})

for (const indexed of [true, false]) describe(`WindowNumbers (${indexed ? 'indexed by number' : 'by bounds only'})`, () => {
  it('windows whose starts share their low 30 bits get numbers of their own, kept while a key holds them', () => {
    const numbers = new WindowNumbers(indexed)
    const a = numbers.numberOf(timeWindow(BASE, BASE + 10))
    const b = numbers.numberOf(timeWindow(BASE + 2 ** 30, BASE + 2 ** 30 + 10))
    const c = numbers.numberOf(timeWindow(BASE, BASE + 20))
    strictEqual(new Set([a, b, c]).size, 3)
    numbers.retain(a, timeWindow(BASE, BASE + 10))
    numbers.retain(b, timeWindow(BASE + 2 ** 30, BASE + 2 ** 30 + 10))
    numbers.retain(c, timeWindow(BASE, BASE + 20))
    // The first under the hash is given back: the others keep their numbers.
    numbers.release(a, timeWindow(BASE, BASE + 10))
    strictEqual(numbers.numberOf(timeWindow(BASE + 2 ** 30, BASE + 2 ** 30 + 10)), b)
    strictEqual(numbers.numberOf(timeWindow(BASE, BASE + 20)), c)
    const again = numbers.numberOf(timeWindow(BASE, BASE + 10))
    strictEqual(again > c, true)
    deepStrictEqual(numbers.window(b), timeWindow(BASE + 2 ** 30, BASE + 2 ** 30 + 10))
    strictEqual(numbers.window(a), undefined)
  })

  it('gives the numbers a model keyed by the bounds gives, over any retains and releases (property)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), ops => {
        const numbers = new WindowNumbers(indexed)
        // The model: a number per window while it has keys; a released window draws anew.
        const model = new Map<string, { number: number; keys: number }>()
        const drawn = new Set<number>()
        for (const { kind, start, length } of ops) {
          const window = timeWindow(start, start + length)
          const id = `${start}|${start + length}`
          const number = numbers.numberOf(window)
          const known = model.get(id)
          if (known !== undefined) strictEqual(number, known.number, `${id} changed its number`)
          else {
            strictEqual(drawn.has(number), false, `${id} got ${number}, drawn before`)
            drawn.add(number)
          }
          const entry = known ?? { number, keys: 0 }
          if (kind === 'retain') {
            numbers.retain(number, window)
            entry.keys++
            model.set(id, entry)
          } else if (entry.keys > 0) {
            numbers.release(number, window)
            if (--entry.keys === 0) model.delete(id)
          } else if (known === undefined) {
            // Looked up, never held: a number no key has, given back as a window's last key would.
            numbers.retain(number, window)
            numbers.release(number, window)
          }
          for (const [held, { number: n }] of model) deepStrictEqual(numbers.window(n), timeWindow(Number(held.split('|')[0]), Number(held.split('|')[1])))
        }
      }),
      { numRuns: 300 }
    )
  })
})
