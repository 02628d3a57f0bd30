import { invalidKeyReason, keyId } from '../../src/core/Key'

describe('keys', () => {
  it('gives equal composite keys the same id and different ones different ids', () => {
    expect(keyId(['a', 1])).toBe(keyId(['a', 1]))
    const distinct = [[1], [1n], ['1'], [true], ['true'], ['a', 1], ['a', '1'], ['a1'], ['a:1'], [1, 1], [11]]
    const ids = distinct.map(keyId)
    expect(new Set(ids).size).toBe(distinct.length)
  })

  it('keeps primitive keys as they are, so Map identity is value identity', () => {
    for (const k of ['x', 0, -1.5, true, 10n]) expect(keyId(k)).toBe(k)
    expect(keyId(1)).not.toBe(keyId('1'))
    expect(keyId(['x'])).not.toBe('x')
  })

  it('explains what is not a key', () => {
    expect(invalidKeyReason('a')).toBeUndefined()
    expect(invalidKeyReason([1, 'b', false, 2n])).toBeUndefined()
    expect(invalidKeyReason(NaN)).toBe('NaN is not a key')
    expect(invalidKeyReason([])).toBe('an empty array is not a key')
    expect(invalidKeyReason(null)).toMatch(/^null is not a key/)
    expect(invalidKeyReason(undefined)).toMatch(/^undefined is not a key/)
    expect(invalidKeyReason({})).toMatch(/^an object is not a key/)
    expect(invalidKeyReason(['a', ['b']])).toMatch(/^element 1 of the composite key/)
  })
})
