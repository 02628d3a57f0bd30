/**
 * The LMDB backend's store keys: what a key holds comes back out of it whatever the key's text
 * and the namespace hold, and the byte order LMDB sorts by keeps a key group, and a state in
 * it, one range of the store.
 */
import fc from 'fast-check'
import { keyPrefix, namespacedKey, parseKey, stateOf, stateRange } from '../../node/storeKeys'

/** LMDB compares keys as UTF-8 bytes. */
const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))

const groupArb = fc.integer({ min: 0, max: 32_767 })
const stateArb = fc.integer({ min: 0, max: 1_000 })
/** Key texts as the backend makes them: JSON text of a key's portable form. */
const keyTextArb = fc.oneof(fc.string({ unit: 'binary' }), fc.integer(), fc.double({ noNaN: true }), fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.integer()))).map(key => JSON.stringify(key))
const nsArb = fc.option(fc.oneof(fc.string({ unit: 'binary' }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })), { nil: undefined })

const storeKey = (group: number, state: number, keyText: string, ns: string | number | undefined): string => {
  const prefix = keyPrefix(group, state, keyText)
  return ns === undefined ? prefix : namespacedKey(prefix, ns)
}

describe('LMDB store keys', () => {
  it('give back the key group, state, key text and namespace they were made of', () => {
    fc.assert(
      fc.property(groupArb, stateArb, keyTextArb, nsArb, (group, state, keyText, ns) => {
        const key = storeKey(group, state, keyText, ns)
        const parsed = parseKey(key)
        expect(parsed.group).toBe(group)
        expect(parsed.state).toBe(state)
        expect(stateOf(key)).toBe(state)
        expect(parsed.keyText).toBe(keyText)
        expect(parsed.prefix).toBe(keyPrefix(group, state, keyText))
        // -0 is spelled 0, as in the snapshot format.
        expect(parsed.ns).toEqual(typeof ns === 'number' && Object.is(ns, -0) ? 0 : ns)
      }),
      { numRuns: 500 }
    )
  })

  it('sort a key group and a state within it into one range, in the store’s byte order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(groupArb, stateArb, keyTextArb, nsArb), { minLength: 2, maxLength: 40 }), groupArb, stateArb, (entries, group, state) => {
        const { start, end } = stateRange(group, state)
        for (const [g, s, keyText, ns] of entries) {
          const key = storeKey(g, s, keyText, ns)
          const inRange = utf8Order(start, key) <= 0 && utf8Order(key, end) < 0
          expect(inRange).withContext(`group ${g}, state ${s}`).toBe(g === group && s === state)
        }
        // Keys of lower key groups sort first, whatever follows.
        const sorted = entries.map(([g, s, keyText, ns]) => ({ g, key: storeKey(g, s, keyText, ns) })).sort((a, b) => utf8Order(a.key, b.key))
        for (let i = 1; i < sorted.length; i++) expect(sorted[i - 1]!.g).toBeLessThanOrEqual(sorted[i]!.g)
      }),
      { numRuns: 300 }
    )
  })
})
