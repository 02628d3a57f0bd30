/**
 * The HyperLogLog sketch against exact counts: its error stays within the documented bound
 * (three standard errors, 1.04/√m each) from 0 to 10^6 distinct values, it is unbiased and its
 * spread is the standard error; a sketch does not depend on the order or repetition of its
 * values; merge gives the sketch of the union; the codec gives back the sketch it encoded.
 */
import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { isLeft, isRight } from 'fp-ts/Either'
import * as ds from '../../src/index'
import { HyperLogLog } from '../../src/aggregates/HyperLogLog'

const standardError = (precision: number): number => 1.04 / Math.sqrt(2 ** precision)

function sketchOf(values: Iterable<string | number>, precision = 14): HyperLogLog {
  const sketch = new HyperLogLog(precision)
  for (const v of values) sketch.add(v)
  return sketch
}

/** `n` distinct strings of their own for each `seed`. */
function* distinct(seed: number | string, n: number, from = 0): Generator<string> {
  for (let i = from; i < n; i++) yield `user-${seed}-${i}`
}

const encode = (sketch: HyperLogLog): ds.EncodedHyperLogLog => ds.hyperLogLogCodec.encode(sketch)

/** Values with repeats and both types, from a small domain so that two sets overlap. */
const valuesArb = fc.array(fc.oneof(fc.integer({ min: 0, max: 3_000 }), fc.string({ maxLength: 6 })), { maxLength: 500, size: 'max' })

describe('HyperLogLog', () => {
  describe('basics', () => {
    it('estimates 0 when empty, at every precision', () => {
      for (let p = 4; p <= 18; p++) expect(new HyperLogLog(p).estimate()).toBe(0)
    })

    it('takes a precision from 4 to 18, 14 by default', () => {
      expect(new HyperLogLog().precision).toBe(14)
      expect(new HyperLogLog().standardError).toBeCloseTo(0.008125, 6)
      for (const bad of [3, 19, 12.5, Number.NaN, '14' as unknown as number]) {
        expect(() => new HyperLogLog(bad)).toThrowError(RangeError, /HyperLogLog: precision must be an integer from 4 to 18, got/)
      }
    })

    it('counts strings and numbers, "1" and 1 as two values, -0 as 0 and NaN once, as a Set does otherwise', () => {
      expect(sketchOf(['1', 1]).estimate()).toBe(2)
      expect(sketchOf([0, -0, Number.NaN, 0 / 0]).estimate()).toBe(2)
      expect(sketchOf(['', 'é', '😀', 'e\u0301']).estimate()).toBe(4)
    })

    it('refuses values that are neither strings nor numbers', () => {
      const sketch = new HyperLogLog()
      for (const bad of [true, null, undefined, {}, 1n]) {
        expect(() => sketch.add(bad as unknown as string)).toThrowError(TypeError, /HyperLogLog.add: a value must be a string or a number, got/)
      }
    })

    it('adding a value again changes nothing (add says so)', () => {
      fc.assert(
        fc.property(valuesArb, fc.constantFrom(8, 10, 14), (values, p) => {
          const sketch = sketchOf(values, p)
          const before = encode(sketch)
          for (const v of values) assert.equal(sketch.add(v), false)
          assert.deepEqual(encode(sketch), before)
        })
      )
    })

    it('does not depend on the order of its values', () => {
      fc.assert(
        fc.property(valuesArb, fc.constantFrom(8, 10, 14), fc.nat(), (values, p, seed) => {
          const shuffled = [...values].sort((a, b) => ((hashOf(a, seed) - hashOf(b, seed)) | 0))
          assert.ok(sketchOf(values, p).equals(sketchOf(shuffled, p)))
        })
      )
    })

    it('clones into a sketch of its own', () => {
      const a = sketchOf(distinct('clone', 100))
      const b = a.clone()
      expect(b.equals(a)).toBe(true)
      b.add('someone else')
      expect(b.equals(a)).toBe(false)
      expect(a.estimate()).toBe(100)
    })

    it('equals only a sketch with the same precision and registers', () => {
      expect(sketchOf(['a'], 10).equals(sketchOf(['a'], 11))).toBe(false)
      expect(sketchOf(['a'], 10).equals(sketchOf(['b'], 10))).toBe(false)
      expect(new HyperLogLog().equals(new HyperLogLog())).toBe(true)
      expect(sketchOf(distinct('eq', 5_000)).equals(sketchOf(distinct('eq', 5_000)))).toBe(true)
    })
  })

  describe('sparse and dense forms', () => {
    it('stays sparse up to 3m/16 entries, in at most m bytes, then goes dense in m bytes', () => {
      for (const p of [6, 8, 10, 14]) {
        const m = 2 ** p
        const sketch = new HyperLogLog(p)
        let entries = 0
        for (let i = 0; sketch.isSparse(); i++) {
          entries = sketch.sparseSize()!
          expect(sketch.storedBytes()).toBeLessThanOrEqual(m)
          sketch.add(`v${i}`)
        }
        expect(entries).toBe((3 * m) / 16)
        expect(sketch.sparseEntries()).toBeUndefined()
        expect(sketch.storedBytes()).toBe(m)
      }
    })

    it('is dense from the start below precision 6 (m/4 entries would be fewer than 16)', () => {
      expect(new HyperLogLog(5).isSparse()).toBe(false)
      expect(new HyperLogLog(5).storedBytes()).toBe(32)
      expect(new HyperLogLog(6).isSparse()).toBe(true)
      expect(new HyperLogLog(6).storedBytes()).toBe(0)
    })

    it('folds its sparse entries into exactly the registers the values set directly in a dense sketch', () => {
      fc.assert(
        fc.property(valuesArb, fc.integer({ min: 8, max: 18 }), (values, p) => {
          const sparse = sketchOf(values, p)
          const dense = HyperLogLog.fromRegisters(p, new Uint8Array(2 ** p))
          for (const v of values) dense.add(v)
          assert.deepEqual(sparse.denseRegisters(), dense.denseRegisters())
        })
      )
    })
  })

  describe('merge', () => {
    it('gives the sketch of the union (form included), leaving its argument as it was', () => {
      fc.assert(
        fc.property(valuesArb, valuesArb, fc.constantFrom(8, 10, 12), (as, bs, p) => {
          const a = sketchOf(as, p)
          const b = sketchOf(bs, p)
          const bBefore = encode(b)
          const merged = a.merge(b)
          assert.equal(merged, a)
          assert.deepEqual(encode(b), bBefore)
          assert.deepEqual(encode(merged), encode(sketchOf([...as, ...bs], p)))
          assert.ok(merged.equals(sketchOf([...bs, ...as], p)))
        }),
        { numRuns: 200 }
      )
    })

    it('gives the union of many sketches whatever their grouping (as slices and sessions merge)', () => {
      fc.assert(
        fc.property(fc.array(valuesArb, { minLength: 1, maxLength: 6 }), fc.constantFrom(8, 10), (sets, p) => {
          const left = sets.map(s => sketchOf(s, p)).reduce((acc, s) => acc.merge(s))
          const right = sets.map(s => sketchOf(s, p)).reduceRight((acc, s) => acc.merge(s))
          const all = sketchOf(sets.flat(), p)
          assert.ok(left.equals(all))
          assert.ok(right.equals(all))
        }),
        { numRuns: 60 }
      )
    })

    it('with itself or an empty sketch changes nothing', () => {
      const a = sketchOf(distinct('self', 2_000), 10)
      const before = encode(a)
      expect(encode(a.merge(a))).toEqual(before)
      expect(encode(a.merge(new HyperLogLog(10)))).toEqual(before)
      expect(encode(new HyperLogLog(10).merge(a))).toEqual(before)
    })

    it('of sketches of different precisions gives the sketch of the union at the smaller precision', () => {
      fc.assert(
        fc.property(valuesArb, valuesArb, fc.integer({ min: 4, max: 14 }), fc.integer({ min: 0, max: 4 }), (as, bs, low, more) => {
          const high = low + more
          const expected = sketchOf([...as, ...bs], low)
          const coarseFirst = sketchOf(as, low).merge(sketchOf(bs, high))
          const fineFirst = sketchOf(as, high).merge(sketchOf(bs, low))
          assert.equal(coarseFirst.precision, low)
          assert.equal(fineFirst.precision, low)
          // The same registers; a folded sketch may be dense where a direct one is still sparse.
          assert.deepEqual(coarseFirst.denseRegisters(), expected.denseRegisters())
          assert.deepEqual(fineFirst.denseRegisters(), expected.denseRegisters())
        }),
        { numRuns: 150 }
      )
    })

    it('refuses what is not a sketch', () => {
      expect(() => new HyperLogLog().merge({} as HyperLogLog)).toThrowError(TypeError, /HyperLogLog.merge: not a HyperLogLog/)
    })
  })

  describe('accuracy against exact counts', () => {
    const within = (estimate: number, n: number, bound: number): boolean => Math.abs(estimate - n) <= bound

    it('stays within 3 standard errors from 0 to 100,000 distinct values, at precision 14, for several seeds', () => {
      const checkpoints = [0, 1, 2, 3, 10, 100, 1_000, 3_000, 3_072, 3_100, 5_000, 10_000, 20_000, 50_000, 100_000]
      const se = standardError(14)
      for (const seed of [1, 2, 3, 4, 5]) {
        const sketch = new HyperLogLog()
        let added = 0
        for (const n of checkpoints) {
          for (const v of distinct(seed, n, added)) sketch.add(v)
          added = n
          const estimate = sketch.estimate()
          expect(within(estimate, n, 3 * se * n + 0.5)).withContext(`seed ${seed}: ${n} distinct values, estimate ${estimate}`).toBe(true)
        }
      }
    })

    it('stays within 3 standard errors at 1,000,000 distinct values (precisions 12 and 14, numbers and strings)', () => {
      const n = 1_000_000
      const strings = new HyperLogLog(14)
      for (const v of distinct('million', n)) strings.add(v)
      const numbers = new HyperLogLog(12)
      for (let i = 0; i < n; i++) numbers.add(i * 7 + 0.5)
      expect(within(strings.estimate(), n, 3 * standardError(14) * n)).withContext(`estimate ${strings.estimate()}`).toBe(true)
      expect(within(numbers.estimate(), n, 3 * standardError(12) * n)).withContext(`estimate ${numbers.estimate()}`).toBe(true)
    })

    it('stays within 3 standard errors at every precision from 8 to 18, within 5 below 8 (where its error is skewed)', () => {
      for (let p = 4; p <= 18; p++) {
        const bound = p < 8 ? 5 : 3
        for (const n of [10, 1_000, 30_000]) {
          const estimate = sketchOf(distinct(`p${p}`, n), p).estimate()
          expect(within(estimate, n, bound * standardError(p) * n + 0.5)).withContext(`precision ${p}: ${n} distinct values, estimate ${estimate}`).toBe(true)
        }
      }
    })

    it('is unbiased and spreads by its standard error (300 sets of 2,000 values, precision 8)', () => {
      const p = 8
      const n = 2_000
      const se = standardError(p)
      const errors = Array.from({ length: 300 }, (_, set) => (sketchOf(distinct(`spread${set}`, n), p).estimate() - n) / n / se)
      const mean = errors.reduce((a, b) => a + b, 0) / errors.length
      const rms = Math.sqrt(errors.reduce((a, b) => a + b * b, 0) / errors.length)
      // The mean of 300 errors of spread ≈ 1 has a spread of 0.06: 0.25 is four of those.
      expect(Math.abs(mean)).withContext(`mean error ${mean.toFixed(3)} standard errors`).toBeLessThan(0.25)
      expect(rms).withContext(`root mean square error ${rms.toFixed(3)} standard errors`).toBeGreaterThan(0.75)
      expect(rms).withContext(`root mean square error ${rms.toFixed(3)} standard errors`).toBeLessThan(1.15)
      // The normal law puts 0.27 % beyond 3 standard errors: about 1 in 300.
      expect(errors.filter(e => Math.abs(e) > 3).length).toBeLessThanOrEqual(3)
    })

    it('is exact or nearly while sparse: the count of its 2^25 registers set, short of the values only by their collisions there', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 3_072 }), fc.string({ maxLength: 8 }), (n, seed) => {
          const sketch = sketchOf(distinct(seed, n))
          assert.ok(sketch.isSparse())
          const estimate = sketch.estimate()
          const registers = sketch.sparseSize()!
          // Linear counting over 2^25 registers: the registers set, plus at most k²/2^26 (< 0.15).
          assert.ok(registers <= n && within(estimate, registers, 1), `${n} distinct values in ${registers} registers, estimate ${estimate}`)
          // Values sharing a register: about n²/2^26 on average (0.14 at 3,072); seven or more
          // happen with a chance below 10^-9, so a sketch losing values goes past this bound.
          assert.ok(n - registers <= 6, `${n} distinct values in only ${registers} registers`)
        }),
        { numRuns: 40 }
      )
    })

    it('random sets stay within 5 standard errors (3 are exceeded by 0.3 % of sets, by chance: a bug goes far beyond 5)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 20_000 }), fc.string({ maxLength: 8 }), fc.constantFrom(10, 12, 14), (n, seed, p) => {
          const estimate = sketchOf(distinct(seed, n), p).estimate()
          assert.ok(within(estimate, n, 5 * standardError(p) * n + 1), `precision ${p}: ${n} distinct values, estimate ${estimate}`)
        }),
        { numRuns: 25 }
      )
    })
  })

  describe('hyperLogLogCodec', () => {
    const sketchArb = fc.tuple(valuesArb, fc.integer({ min: 4, max: 16 })).map(([values, p]) => sketchOf(values, p))

    it('round-trips every sketch exactly, through JSON text', () => {
      fc.assert(
        fc.property(sketchArb, sketch => {
          const encoded = encode(sketch)
          const decoded = ds.hyperLogLogCodec.decode(JSON.parse(JSON.stringify(encoded)))
          assert.ok(isRight(decoded))
          assert.ok(decoded.right.equals(sketch))
          assert.equal(decoded.right.isSparse(), sketch.isSparse())
          assert.equal(decoded.right.estimate(), sketch.estimate())
          assert.deepEqual(encode(decoded.right), encoded)
        }),
        { numRuns: 200 }
      )
    })

    it('round-trips a dense sketch of a million values, and one folded to a lower precision', () => {
      const big = sketchOf(distinct('codec', 200_000), 16)
      const folded = sketchOf(['a', 'b'], 16).merge(sketchOf(['c'], 9))
      for (const sketch of [big, folded]) {
        const decoded = ds.hyperLogLogCodec.decode(JSON.parse(JSON.stringify(encode(sketch))))
        expect(isRight(decoded) && decoded.right.equals(sketch)).toBe(true)
      }
    })

    it('keeps its stored form (sketches in old checkpoints must go on counting the same)', () => {
      expect(encode(sketchOf(['ann', 'bob', 1]))).toEqual({ v: 1, precision: 14, sparse: EXPECTED_SPARSE })
      const dense = encode(sketchOf(distinct('form', 100), 6))
      expect(dense).toEqual({ v: 1, precision: 6, dense: EXPECTED_DENSE })
    })

    it('writes small sketches sparse (about 5 characters per value), large ones a character per register', () => {
      const small = JSON.stringify(encode(sketchOf(distinct('size', 100))))
      const large = JSON.stringify(encode(sketchOf(distinct('size', 100_000))))
      expect(small.length).toBeLessThan(100 * 6 + 40)
      expect(large.length).toBeLessThan(2 ** 14 + 40)
    })

    it('is a guard for sketches', () => {
      expect(ds.hyperLogLogCodec.is(new HyperLogLog())).toBe(true)
      expect(ds.hyperLogLogCodec.is(encode(new HyperLogLog()))).toBe(false)
    })

    it('refuses what is not a stored sketch, saying why', () => {
      const cases: [unknown, RegExp][] = [
        [null, /not an object/],
        [[], /not an object/],
        [{ v: 2, precision: 14, sparse: '' }, /unknown format version 2/],
        [{ v: 1, precision: 3, sparse: '' }, /precision must be an integer from 4 to 18, got 3/],
        [{ v: 1, precision: 14 }, /either "sparse" or "dense"/],
        [{ v: 1, precision: 14, sparse: '', dense: '' }, /either "sparse" or "dense"/],
        [{ v: 1, precision: 4, dense: 'A'.repeat(15) }, /"dense" has 15 registers, precision 4 has 16/],
        [{ v: 1, precision: 4, dense: 'A'.repeat(15) + '*' }, /"dense" register 15 is "\*"/],
        [{ v: 1, precision: 4, dense: 'A'.repeat(15) + '_' }, /"dense" register 15 is "_", not a rank from 0 to 61/],
        [{ v: 1, precision: 4, dense: 7 }, /"dense" is not a string/],
        [{ v: 1, precision: 14, sparse: 7 }, /"sparse" is not a string/],
        [{ v: 1, precision: 14, sparse: 'B' }, /"sparse" entry at character 0 has no rank/],
        [{ v: 1, precision: 14, sparse: 'g' }, /"sparse" entry at character 0 is cut short/],
        [{ v: 1, precision: 14, sparse: 'BB?B' }, /"sparse" entry at character 2 is not base64url \("\?"\)/],
        [{ v: 1, precision: 14, sparse: 'BBA*' }, /"sparse" entry at character 2 is not base64url \("\*"\)/],
        [{ v: 1, precision: 14, sparse: 'BA' }, /"sparse" entry at character 0 has rank 0, not from 1 to 40/],
        [{ v: 1, precision: 14, sparse: 'Bp' }, /rank 41, not from 1 to 40/],
        [{ v: 1, precision: 14, sparse: '______B' }, /has too long an index/],
        [{ v: 1, precision: 14, sparse: 'gggggBB' }, /has index 33554432, above 33554431/]
      ]
      for (const [input, message] of cases) {
        const decoded = ds.hyperLogLogCodec.decode(input)
        expect(isLeft(decoded)).withContext(JSON.stringify(input)).toBe(true)
        if (isLeft(decoded)) expect(decoded.left.map(e => e.message ?? '').join('; ')).withContext(JSON.stringify(input)).toMatch(message)
      }
    })

    it('takes a sparse form with more entries than a sparse sketch holds as the dense sketch it stands for', () => {
      const p = 8
      const big = sketchOf(distinct('over', 400), 12) // sparse at 12: a few hundred entries
      const entries = encode(big) as { sparse: string }
      const decoded = ds.hyperLogLogCodec.decode({ v: 1, precision: p, sparse: entries.sparse })
      assert.ok(isRight(decoded))
      expect(decoded.right.isSparse()).toBe(false)
      expect(decoded.right.denseRegisters()).toEqual(sketchOf(distinct('over', 400), p).denseRegisters())
    })
  })
})

/** A 32-bit hash of a value with a seed, for shuffling (not the sketch's hash). */
function hashOf(value: string | number, seed: number): number {
  let h = seed ^ 0x9e3779b9
  const s = typeof value === 'number' ? `n${value}` : `s${value}`
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h
}

/** The stored form of the sketch of 'ann', 'bob' and 1 at precision 14, as written by version 1. */
const EXPECTED_SPARSE = 'v-okKCj3oJBx_6oFD'
/** The stored form of the sketch of user-form-0 … user-form-99 at precision 6. */
const EXPECTED_DENSE = 'CBECDDBFDBDABBBGEBBDBAAADCHADDAADACBAFBCEEDBDCDCAABFECBCACCGEDBE'
