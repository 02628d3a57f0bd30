/**
 * The hash of the HyperLogLog sketch: MurmurHash3 x86_128 as its author specifies it (SMHasher's
 * verification value), and the bytes each value is hashed as (part of the stored form).
 */
import fc from 'fast-check'
import { hashValue, hashWords, murmur3x86128, valueBytes } from '../../src/aggregates/murmur3'

const words = (): number[] => Array.from(hashWords)

describe('murmur3x86128', () => {
  it("gives SMHasher's verification value for MurmurHash3_x86_128 (0xB3ECE62A)", () => {
    // SMHasher's VerificationTest: hash the keys [0], [0, 1], … [0 … 254] (and the empty key)
    // with seed 256 − length, hash the 256 concatenated results with seed 0, and take the first
    // four bytes of that, little-endian.
    const key = new Uint8Array(256)
    const hashes = new Uint8Array(16 * 256)
    const view = new DataView(hashes.buffer)
    for (let i = 0; i < 256; i++) {
      key[i] = i
      murmur3x86128(key, i, 256 - i)
      for (let w = 0; w < 4; w++) view.setUint32(i * 16 + w * 4, hashWords[w]!, true)
    }
    murmur3x86128(hashes, hashes.length, 0)
    expect(hashWords[0]!.toString(16)).toBe('b3ece62a')
  })
})

describe('hashValue', () => {
  it('hashes a string as its UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), s => {
        expect(Array.from(valueBytes(s))).toEqual(Array.from(Buffer.from(s, 'utf8')))
      })
    )
  })

  it('hashes a lone surrogate as its own three bytes (WTF-8), so different strings never share bytes', () => {
    expect(Array.from(valueBytes('\ud800'))).toEqual([0xed, 0xa0, 0x80])
    expect(Array.from(valueBytes('a\udfffb'))).toEqual([0x61, 0xed, 0xbf, 0xbf, 0x62])
    hashValue('\ud800')
    const lone = words()
    hashValue('\ufffd')
    expect(words()).not.toEqual(lone)
  })

  it('hashes a number as its little-endian double and 0xFF, a byte no string has', () => {
    expect(Array.from(valueBytes(1))).toEqual([0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0xff])
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 12 }), s => {
        expect(valueBytes(s).includes(0xff)).toBe(false)
      })
    )
  })

  it('gives what murmur3x86128 gives over those bytes, with seed 0', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.double(), fc.integer()), value => {
        hashValue(value)
        const direct = words()
        const bytes = valueBytes(value)
        murmur3x86128(bytes, bytes.length, 0)
        expect(direct).toEqual(words())
      }),
      { numRuns: 300 }
    )
  })

  it('counts -0 as 0 and every NaN as one value, as a Set does, and keeps "1" and 1 apart', () => {
    const hash = (v: string | number): number[] => {
      hashValue(v)
      return words()
    }
    expect(hash(-0)).toEqual(hash(0))
    expect(hash(Number.NaN)).toEqual(hash(0 / 0))
    expect(hash(new Float64Array(new Uint32Array([1, 0x7ff80000]).buffer)[0]!)).toEqual(hash(Number.NaN)) // a NaN with other bits
    expect(hash('1')).not.toEqual(hash(1))
  })

  it('keeps known hashes (they are part of the stored form of sketches)', () => {
    hashValue('hello')
    expect(words().map(w => w.toString(16))).toEqual(['2b2444a0', 'db91def7', '9adb31b6', '9adb31b6'])
    hashValue(1)
    expect(words().map(w => w.toString(16))).toEqual(['536359e7', 'db968cb7', '99e0cc01', 'e39ab7fd'])
  })
})
