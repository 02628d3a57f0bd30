import * as t from 'io-ts'
import * as ds from '../../src/index'
import { assignToKeyGroup, computeDefaultMaxParallelism, DEFAULT_MAX_PARALLELISM, UPPER_BOUND_MAX_PARALLELISM } from '../../src/state/KeyGroup'
import { outputOf, testBackend, withKey } from '../support/keyed'

/** How many of `count` keys made by `keyOf` land in each of `maxParallelism` groups. */
function histogram(count: number, maxParallelism: number, keyOf: (i: number) => ds.Key): number[] {
  const groups = new Array<number>(maxParallelism).fill(0)
  for (let i = 0; i < count; i++) groups[assignToKeyGroup(keyOf(i), maxParallelism)]++
  return groups
}

describe('key groups', () => {
  describe('assignToKeyGroup', () => {
    it('gives equal keys the same group, composite keys however often they are built', () => {
      const keys: ds.Key[] = ['user-1', '', 0, -0, 42, -7.5, true, false, 9n, -1n, ['a', 1], ['a', 1, true, 2n], Infinity]
      for (const key of keys) {
        const copy = Array.isArray(key) ? [...key] : key
        expect(assignToKeyGroup(copy, 128)).toBe(assignToKeyGroup(key, 128))
      }
      expect(assignToKeyGroup(['page', 3], 128)).toBe(assignToKeyGroup(['page', ...[3]], 128))
      expect(assignToKeyGroup(-0, 128)).toBe(assignToKeyGroup(0, 128))
    })

    it('is a fixed function of the key: the same group in every run (a restore depends on it)', () => {
      expect(assignToKeyGroup('user-42', 128)).toBe(68)
      expect(assignToKeyGroup(42, 128)).toBe(92)
      expect(assignToKeyGroup(['a', 1], 128)).toBe(109)
      expect(assignToKeyGroup(true, 128)).toBe(104)
      expect(assignToKeyGroup(5n, 128)).toBe(55)
      expect(assignToKeyGroup(1.5, 128)).toBe(102)
      expect(assignToKeyGroup('user-42', 32_768)).toBe(20_036)
    })

    it('is an integer in [0, maxParallelism)', () => {
      for (const maxParallelism of [1, 2, 3, 128, 1_000, 32_768]) {
        for (let i = 0; i < 500; i++) {
          for (const key of [`k${i}`, i, -i * 1.25, [`k`, i] as const, BigInt(i)]) {
            const group = assignToKeyGroup(key, maxParallelism)
            expect(Number.isInteger(group)).toBeTrue()
            expect(group >= 0 && group < maxParallelism).withContext(`${String(key)} in ${maxParallelism}`).toBeTrue()
          }
        }
      }
      expect(assignToKeyGroup('anything', 1)).toBe(0)
    })

    it('tells a composite key from the string of its parts', () => {
      const composite = ['a', 1] as const
      const differing = ['a1', 'a,1', ['a', '1'], ['1', 'a'], [1, 'a']].filter(other => assignToKeyGroup(other, 32_768) !== assignToKeyGroup(composite, 32_768))
      expect(differing.length).toBeGreaterThanOrEqual(4)
    })

    it('spreads 10 000 keys over all 128 groups, none far from the mean', () => {
      const shapes: Array<[string, (i: number) => ds.Key]> = [
        ['strings', i => `user-${i}`],
        ['consecutive integers', i => i],
        ['composite keys', i => ['page', i]],
        ['bigints', i => BigInt(i) * 1_000_003n]
      ]
      for (const [label, keyOf] of shapes) {
        const groups = histogram(10_000, 128, keyOf)
        expect(groups.every(n => n > 0)).withContext(label).toBeTrue()
        // the mean is 78
        expect(Math.min(...groups)).withContext(label).toBeGreaterThan(39)
        expect(Math.max(...groups)).withContext(label).toBeLessThan(121)
      }
    })

    it('rejects what cannot be a key, and a max parallelism outside [1, 32768]', () => {
      for (const key of [null, undefined, NaN, {}, [], [['nested']], [{}], Symbol('k')]) {
        expect(() => assignToKeyGroup(key, 128)).withContext(String(typeof key)).toThrowError(TypeError, /^assignToKeyGroup: /)
      }
      for (const maxParallelism of [0, -1, 1.5, NaN, Infinity, 32_769, '128' as unknown as number]) {
        expect(() => assignToKeyGroup('k', maxParallelism)).withContext(String(maxParallelism)).toThrowError(RangeError, /assignToKeyGroup: maxParallelism/)
      }
    })

    it('is the group the keyed state backend files a key under', () => {
      const count = ds.valueState('count', t.number)
      for (const maxParallelism of [128, 7, 4_096]) {
        const backend = testBackend({ now: 0 }, { maxParallelism })
        const keys: ds.Key[] = ['a', 'b', 17, ['x', 2], false, 3n]
        for (const key of keys) withKey(backend, key, () => backend.getState(count).update(1))
        const groups = backend.snapshot().states[0].entries.map(e => e[0])
        expect(groups.slice().sort((a, b) => a - b)).toEqual(keys.map(key => assignToKeyGroup(key, maxParallelism)).sort((a, b) => a - b))
      }
    })
  })

  describe('computeDefaultMaxParallelism', () => {
    it("follows Flink: 1.5 × parallelism rounded up to a power of two, clamped to [128, 32768]", () => {
      const cases: Array<[number, number]> = [
        [1, 128],
        [2, 128],
        [85, 128],
        [86, 256],
        [100, 256],
        [150, 256],
        [171, 256],
        [172, 512],
        [1_000, 2_048],
        [21_845, 32_768],
        [30_000, 32_768],
        [1_000_000, 32_768]
      ]
      for (const [parallelism, expected] of cases) expect(computeDefaultMaxParallelism(parallelism)).withContext(String(parallelism)).toBe(expected)
    })

    it('exports the bounds', () => {
      expect(DEFAULT_MAX_PARALLELISM).toBe(128)
      expect(UPPER_BOUND_MAX_PARALLELISM).toBe(32_768)
    })

    it('rejects a parallelism that is not a positive integer', () => {
      for (const parallelism of [0, -1, 1.5, NaN, Infinity, '4' as unknown as number]) {
        expect(() => computeDefaultMaxParallelism(parallelism)).withContext(String(parallelism)).toThrowError(RangeError, /positive integer/)
      }
    })
  })

  describe('keyedProcess maxParallelism', () => {
    const count = ds.valueState('count', t.number, 0)
    const counting: ds.KeyedProcessFunction<string, string, number> = {
      processElement: (_v, ctx, out) => {
        const n = (ctx.state(count).value() ?? 0) + 1
        ctx.state(count).update(n)
        out.collect(n)
      }
    }

    it('keeps keys apart with any number of key groups, even one', () => {
      for (const maxParallelism of [1, 2, 128, 32_768]) {
        const input: Array<readonly [string, string]> = [['a', 'x'], ['b', 'x'], ['a', 'x'], ['c', 'x'], ['b', 'x'], ['a', 'x']]
        expect(outputOf(counting, input, { maxParallelism })).withContext(String(maxParallelism)).toEqual([1, 1, 2, 1, 2, 3])
      }
    })

    it('rejects a max parallelism outside [1, 32768] when the operator is built', () => {
      for (const maxParallelism of [0, -1, 1.5, NaN, 32_769]) {
        expect(() => ds.keyedProcess(counting, { maxParallelism })).withContext(String(maxParallelism)).toThrowError(RangeError, /keyedProcess: maxParallelism/)
      }
      expect(() => testBackend({ now: 0 }, { maxParallelism: 0 })).toThrowError(RangeError, /maxParallelism/)
      expect(testBackend().keys.maxParallelism).toBe(DEFAULT_MAX_PARALLELISM)
    })
  })
})
