/**
 * A HyperLogLog sketch: the number of distinct values of a stream, approximately, in bounded
 * memory, mergeable, and stored in checkpoints as compact JSON. What `approximateDistinctCount`
 * keeps per key and window, and a value that keyed state can hold.
 *
 * **Ours, not a library.** The runtime may depend on rxjs, fp-ts, io-ts and idb-keyval only; a
 * further dependency needs a strong case: well kept, tiny, browser-safe, with mergeable and
 * serialisable sketches. The npm candidates fall short of that. `bloom-filters` bundles eight
 * dependencies (lodash, long, seedrandom, xxhashjs, reflect-metadata, …) and its HyperLogLog
 * gave wrong estimates until 2024 (its issue #69). `hyperloglog` hashes through a native Node
 * binding (`murmurhash3`), so it is not browser-safe; its fork `hyperloglog-lite` hashes to 32
 * bits, which collide noticeably past about 10^8 distinct values. None has a sparse form for
 * small counts, which is what a window of a hundred visitors is. What we need is about 400
 * lines, tested against exact counts.
 *
 * **How.**
 * - Hash: the first 64 bits of MurmurHash3 x86_128 of the value's UTF-8 bytes (numbers: their
 *   double), see `murmur3.ts`. With 64 bits, a register needs no large-range correction and
 *   collisions are negligible far beyond 10^9 distinct values.
 * - Registers: `m = 2^p` of them, `p` (the precision) from 4 to 18, default 14 (16,384
 *   registers, standard error 1.04/√m ≈ 0.81 %). Register `i` keeps the highest rank (the
 *   position of the first 1 bit after the `p` index bits, 1 … 65 − p) of the hashes whose
 *   first `p` bits are `i`: dense, one byte each, in a `Uint8Array`.
 * - Estimate: Otmar Ertl's improved raw estimator ("New cardinality estimation algorithms for
 *   HyperLogLog sketches", 2017; also what Redis's PFCOUNT computes), from the histogram of the
 *   register values. It is unbiased over the whole range, from 0 to billions, without the
 *   original algorithm's switch to linear counting at 5m/2 (whose error jumps around the switch)
 *   and without HyperLogLog++'s empirical bias tables (about 200 numbers per precision).
 * - Sparse form (as HyperLogLog++): while few registers are set, the sketch keeps only those,
 *   in a small open-addressing table of 32-bit entries (index and rank), and at precision 25
 *   instead of `p`. So a window with a hundred visitors costs a few hundred bytes instead of
 *   16 KiB, and its estimate is as good as a sketch of 2^25 registers: exact or off by a few up
 *   to thousands of distinct values (its standard error is 0.018 %). When the table would outgrow the dense registers (more
 *   than 3m/16 entries: 3,072 at p = 14), the entries fold into the `p`-bit registers; the
 *   fold gives exactly the registers the values would have set directly, since a value's rank
 *   at `p` follows from its index and rank at 25. The form depends only on the values added,
 *   never on their order, so `merge(a, b)` equals the sketch of the union, form included.
 * - Merging sketches of different precisions gives a sketch at the smaller one (folding the
 *   other's registers as above): a job restored with a changed precision still combines old
 *   and new sketches correctly.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const users = new ds.HyperLogLog()
 * for (const user of ['ann', 'bob', 'ann', 'eve']) users.add(user)
 * users.estimate() // 3
 *
 * @since 0.1.0
 */
import * as t from 'io-ts'
import { describeValue } from '../core/describe'
import { hashValue, hashWords } from './murmur3'

// -------------------------------------------------------------------------------------
// constants
// -------------------------------------------------------------------------------------

const MIN_PRECISION = 4
const MAX_PRECISION = 18
const DEFAULT_PRECISION = 14

/** Index bits of the sparse form's registers; the rank takes the other 39 bits of the hash. */
const SPARSE_PRECISION = 25
/** A sparse entry is `index << RANK_BITS | rank`; ranks go up to 65 − precision < 64. */
const RANK_BITS = 6
/** `(1 << RANK_BITS) - 1`, written as a literal so that bundlers drop it where it is unused. */
const RANK_MASK = 63
/** The smallest table of the sparse form (entries): precisions below 6 are dense from the start. */
const INITIAL_SPARSE_CAPACITY = 16

/**
 * 1 / (2 ln 2): the limit of the bias correction constant α_m as m grows (Ertl, eq. 17),
 * written as a literal so that bundlers drop it where it is unused.
 */
const ALPHA_INF = 0.7213475204444817

/** The highest rank at `precision`: all 64 − p bits after the index are zero. */
const maxRank = (precision: number): number => 65 - precision

/** The largest sparse table at `precision`: as many bytes (4 per entry) as the dense registers. */
const maxSparseCapacity = (precision: number): number => (1 << precision) >>> 2

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A HyperLogLog sketch of a set of strings and numbers: `add` values, read `estimate()`, the
 * approximate number of distinct values added. Its memory is bounded by the precision whatever
 * the count (16 KiB at the default 14, at most 256 KiB at 18), and small while few values
 * were added. Two sketches `merge` into the sketch of the union. Values are compared as a
 * `Set` compares them, except that a string and a number always differ (`'1'` and `1` are two
 * values): `-0` is `0`, and `NaN` is one value.
 *
 * The estimate's relative standard error is `1.04 / √(2^precision)`:
 *
 * | precision | registers | standard error | dense memory |
 * |---|---|---|---|
 * | 10 | 1,024 | 3.25 % | 1 KiB |
 * | 12 | 4,096 | 1.63 % | 4 KiB |
 * | 14 (default) | 16,384 | 0.81 % | 16 KiB |
 * | 16 | 65,536 | 0.41 % | 64 KiB |
 * | 18 | 262,144 | 0.20 % | 256 KiB |
 *
 * Up to 3m/16 distinct values (3,072 at precision 14) the sketch is sparse: 4 bytes per
 * distinct value at most, and nearly exact (see the module's notes).
 *
 * In a window, use {@link approximateDistinctCount}. In keyed state, keep one with
 * {@link hyperLogLogCodec}, or behind `aggregatingState` with `approximateDistinctCount`.
 *
 * @example
 * import assert from 'node:assert'
 * import * as ds from 'rx-datastream'
 *
 * const monday = new ds.HyperLogLog()
 * const tuesday = new ds.HyperLogLog()
 * for (let user = 0; user < 50_000; user++) monday.add(user)
 * for (let user = 25_000; user < 75_000; user++) tuesday.add(user)
 *
 * const both = monday.clone().merge(tuesday)          // monday stays as it was
 * assert(Math.abs(both.estimate() - 75_000) < 3 * both.standardError * 75_000)
 *
 * @category state
 * @since 0.1.0
 */
export class HyperLogLog {
  private p: number
  /** The dense registers, one byte each; `null` while sparse. */
  private registers: Uint8Array | null
  /**
   * The sparse form: an open-addressing table (linear probing) of entries
   * `index << RANK_BITS | rank` at precision 25, 0 for a free slot (ranks are ≥ 1); `null`
   * while empty (nothing allocated) or once dense.
   */
  private table: Int32Array | null
  /** Entries in `table`. */
  private entries: number

  /**
   * An empty sketch.
   *
   * @param precision `p`, an integer from 4 to 18 (default 14): `2^p` registers
   * @throws RangeError if `precision` is not such an integer
   */
  constructor(precision: number = DEFAULT_PRECISION) {
    checkPrecision('HyperLogLog', precision)
    this.p = precision
    this.registers = maxSparseCapacity(precision) < INITIAL_SPARSE_CAPACITY ? new Uint8Array(1 << precision) : null
    this.table = null
    this.entries = 0
  }

  /** The precision `p`: the sketch has `2^p` registers. */
  get precision(): number {
    return this.p
  }

  /** The relative standard error of {@link estimate}: `1.04 / √(2^precision)`. */
  get standardError(): number {
    return standardError(this.p)
  }

  /**
   * Adds a value. Adding a value again changes nothing.
   *
   * @returns whether a register changed (false: the estimate is what it was)
   * @throws TypeError if `value` is neither a string nor a number
   */
  add(value: string | number): boolean {
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new TypeError(`HyperLogLog.add: a value must be a string or a number, got ${describeValue(value)}`)
    }
    hashValue(value)
    return this.addHash(hashWords[0]!, hashWords[1]!)
  }

  /**
   * The approximate number of distinct values added, rounded: 0 for an empty sketch. It costs
   * a pass over the registers (or the sparse entries): read it when you need it.
   */
  estimate(): number {
    const counts = histogram
    counts.fill(0)
    const registers = this.registers
    if (registers !== null) {
      for (let i = 0; i < registers.length; i++) counts[registers[i]!]++
      return Math.round(ertlEstimate(counts, registers.length, 64 - this.p))
    }
    const m = 2 ** SPARSE_PRECISION
    counts[0] = m - this.entries
    const table = this.table
    if (table !== null) {
      for (let i = 0; i < table.length; i++) {
        const e = table[i]!
        if (e !== 0) counts[e & RANK_MASK]++
      }
    }
    return Math.round(ertlEstimate(counts, m, 64 - SPARSE_PRECISION))
  }

  /**
   * Adds the values of `other` to this sketch (in place), which becomes the sketch of the union;
   * `other` is left as it is. With a smaller precision, `other`'s is taken (see the module's
   * notes).
   *
   * @returns this sketch
   */
  merge(other: HyperLogLog): this {
    if (!(other instanceof HyperLogLog)) throw new TypeError(`HyperLogLog.merge: not a HyperLogLog: ${describeValue(other)}`)
    if (other === this) return this
    if (other.p < this.p) this.reducePrecision(other.p)
    const source = other.registers
    if (source === null) {
      const table = other.table
      if (table === null) return this
      for (let i = 0; i < table.length; i++) {
        const e = table[i]!
        if (e !== 0) this.addEntry(e >>> RANK_BITS, e & RANK_MASK)
      }
      return this
    }
    const target = this.densify()
    if (other.p === this.p) {
      for (let i = 0; i < target.length; i++) if (source[i]! > target[i]!) target[i] = source[i]!
    } else {
      for (let i = 0; i < source.length; i++) if (source[i]! > 0) foldRegister(target, this.p, i, source[i]!, other.p)
    }
    return this
  }

  /** A sketch of its own with the same values (and precision). */
  clone(): HyperLogLog {
    const copy = new HyperLogLog(this.p)
    copy.registers = this.registers === null ? null : this.registers.slice()
    copy.table = this.table === null ? null : this.table.slice()
    copy.entries = this.entries
    return copy
  }

  /**
   * Whether `other` holds the same registers, in the same form, at the same precision: two
   * sketches of the same values at the same precision are equal, whatever the order in which
   * the values were added or their sketches merged.
   */
  equals(other: HyperLogLog): boolean {
    if (!(other instanceof HyperLogLog) || other.p !== this.p) return false
    const a = this.registers
    const b = other.registers
    if (a !== null || b !== null) {
      if (a === null || b === null) return false
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
      return true
    }
    if (this.entries !== other.entries) return false
    const table = this.table
    if (table === null) return true
    for (let i = 0; i < table.length; i++) {
      const e = table[i]!
      if (e !== 0 && other.rankAt(e >>> RANK_BITS) !== (e & RANK_MASK)) return false
    }
    return true
  }

  // ---- internals ----

  /** @internal Adds a value by its hash's two high words (`hi`: bits 63…32). */
  addHash(hi: number, lo: number): boolean {
    const registers = this.registers
    if (registers !== null) {
      const p = this.p
      const index = hi >>> (32 - p)
      const rest = hi << p
      // The rank: 1 + leading zeros of the 64 − p bits after the index (65 − p if all zero).
      const rank = rest !== 0 ? Math.clz32(rest) + 1 : 33 - p + Math.clz32(lo)
      if (rank <= registers[index]!) return false
      registers[index] = rank
      return true
    }
    const rest = hi << SPARSE_PRECISION
    return this.addEntry(hi >>> (32 - SPARSE_PRECISION), rest !== 0 ? Math.clz32(rest) + 1 : 33 - SPARSE_PRECISION + Math.clz32(lo))
  }

  /** @internal Whether the sketch is in its sparse form (for specs). */
  isSparse(): boolean {
    return this.registers === null
  }

  /** @internal How many entries the sparse form holds; `undefined` once dense (for specs). */
  sparseSize(): number | undefined {
    return this.registers === null ? this.entries : undefined
  }

  /** @internal Bytes of registers or table entries the sketch holds (for specs and the bench). */
  storedBytes(): number {
    return this.registers !== null ? this.registers.length : this.table === null ? 0 : this.table.byteLength
  }

  /**
   * @internal
   * The sparse entries, `[index at precision 25, rank]`, in index order; `undefined` once dense.
   */
  sparseEntries(): [number, number][] | undefined {
    if (this.registers !== null) return undefined
    const out: [number, number][] = []
    const table = this.table
    if (table !== null) for (const e of table) if (e !== 0) out.push([e >>> RANK_BITS, e & RANK_MASK])
    return out.sort((x, y) => x[0] - y[0])
  }

  /** @internal The dense registers (a copy), folding the sparse entries if need be. */
  denseRegisters(): Uint8Array {
    if (this.registers !== null) return this.registers.slice()
    const registers = new Uint8Array(1 << this.p)
    for (const [index, rank] of this.sparseEntries()!) foldRegister(registers, this.p, index, rank, SPARSE_PRECISION)
    return registers
  }

  /** @internal A sketch with these dense registers (validated by the caller). */
  static fromRegisters(precision: number, registers: Uint8Array): HyperLogLog {
    const sketch = new HyperLogLog(precision)
    sketch.registers = registers
    return sketch
  }

  /**
   * @internal
   * Adds a register of the sparse form (precision 25): to the table while sparse, folded into
   * the registers once dense.
   */
  addEntry(index: number, rank: number): boolean {
    const registers = this.registers
    if (registers !== null) return foldRegister(registers, this.p, index, rank, SPARSE_PRECISION)
    let table = this.table
    if (table === null) table = this.table = new Int32Array(INITIAL_SPARSE_CAPACITY)
    const mask = table.length - 1
    // The index is uniform (bits of the hash): its low bits are the slot.
    let slot = index & mask
    for (;;) {
      const e = table[slot]!
      if (e === 0) {
        table[slot] = (index << RANK_BITS) | rank
        if (++this.entries * 4 > table.length * 3) this.grow()
        return true
      }
      if (e >>> RANK_BITS === index) {
        if ((e & RANK_MASK) >= rank) return false
        table[slot] = (index << RANK_BITS) | rank
        return true
      }
      slot = (slot + 1) & mask
    }
  }

  /** The rank the sparse table holds for `index`, 0 if none. */
  private rankAt(index: number): number {
    const table = this.table
    if (table === null) return 0
    const mask = table.length - 1
    for (let slot = index & mask; ; slot = (slot + 1) & mask) {
      const e = table[slot]!
      if (e === 0) return 0
      if (e >>> RANK_BITS === index) return e & RANK_MASK
    }
  }

  /**
   * The table is three quarters full: makes it four times larger, up to the largest sparse
   * table, or goes dense if it is that already. Four, not two: a typed array past 64 bytes takes
   * its memory from outside the JS heap, which costs more than the adds that fill a small table.
   */
  private grow(): void {
    const old = this.table!
    const limit = maxSparseCapacity(this.p)
    if (old.length >= limit) {
      this.densify()
      return
    }
    const table = new Int32Array(Math.min(old.length * 4, limit))
    const mask = table.length - 1
    for (let i = 0; i < old.length; i++) {
      const e = old[i]!
      if (e === 0) continue
      let slot = (e >>> RANK_BITS) & mask
      while (table[slot] !== 0) slot = (slot + 1) & mask
      table[slot] = e
    }
    this.table = table
  }

  /** Goes dense (if not yet), folding the sparse entries into the registers; returns them. */
  private densify(): Uint8Array {
    if (this.registers !== null) return this.registers
    const registers = new Uint8Array(1 << this.p)
    const table = this.table
    if (table !== null) {
      for (let i = 0; i < table.length; i++) {
        const e = table[i]!
        if (e !== 0) foldRegister(registers, this.p, e >>> RANK_BITS, e & RANK_MASK, SPARSE_PRECISION)
      }
    }
    this.registers = registers
    this.table = null
    this.entries = 0
    return registers
  }

  /** Lowers the precision to `p` (< the current one), folding the registers. */
  private reducePrecision(p: number): void {
    const registers = this.registers
    this.p = p
    if (registers === null) {
      const table = this.table
      // The sparse form does not depend on the precision, only its size limit does.
      if (maxSparseCapacity(p) < INITIAL_SPARSE_CAPACITY || (table !== null && (table.length > maxSparseCapacity(p) || this.entries * 4 > maxSparseCapacity(p) * 3))) {
        this.densify()
      }
      return
    }
    const from = 31 - Math.clz32(registers.length)
    const folded = new Uint8Array(1 << p)
    for (let i = 0; i < registers.length; i++) if (registers[i]! > 0) foldRegister(folded, p, i, registers[i]!, from)
    this.registers = folded
  }
}

// -------------------------------------------------------------------------------------
// estimate
// -------------------------------------------------------------------------------------

/** How many registers hold each value 0 … 64: reused by every `estimate`. */
const histogram = /*#__PURE__*/ new Float64Array(65)

/**
 * Ertl's improved raw estimate (2017, algorithm 6) from the register histogram `counts` of `m`
 * registers whose ranks take `q + 1` values above 0 (1 … q + 1).
 */
function ertlEstimate(counts: Float64Array, m: number, q: number): number {
  let z = m * tau(1 - counts[q + 1]! / m)
  for (let k = q; k >= 1; k--) z = 0.5 * (z + counts[k]!)
  z += m * sigma(counts[0]! / m)
  return (ALPHA_INF * m * m) / z
}

/** σ(x) = x + Σ_{k≥1} x^(2^k) 2^(k−1), for the registers still 0; σ(1) = ∞ (an empty sketch: estimate 0). */
function sigma(x: number): number {
  if (x === 1) return Infinity
  let y = 1
  let z = x
  for (;;) {
    x *= x
    const previous = z
    z += x * y
    y += y
    if (z === previous) return z
  }
}

/** τ(x) = (1 − x − Σ_{k≥1} (1 − x^(2^−k))² 2^−k) / 3, for the registers at the highest rank. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0
  let y = 1
  let z = 1 - x
  for (;;) {
    x = Math.sqrt(x)
    const previous = z
    y *= 0.5
    z -= (1 - x) * (1 - x) * y
    if (z === previous) return z / 3
  }
}

// -------------------------------------------------------------------------------------
// registers
// -------------------------------------------------------------------------------------

/**
 * Puts register `index` of rank `rank` at precision `from` into `registers` at precision
 * `p ≤ from`: the `from − p` index bits below the first `p` become the first bits after them,
 * so the rank at `p` is where the first 1 among them is, or `from − p` more than `rank` if
 * they are all 0. Returns whether the register grew.
 */
function foldRegister(registers: Uint8Array, p: number, index: number, rank: number, from: number): boolean {
  const d = from - p
  const low = index & ((1 << d) - 1)
  const r = low !== 0 ? Math.clz32(low) - 31 + d : d + rank
  const i = index >>> d
  if (r <= registers[i]!) return false
  registers[i] = r
  return true
}

/** The relative standard error at `precision`. */
function standardError(precision: number): number {
  return 1.04 / Math.sqrt(2 ** precision)
}

/** @internal Checks a precision argument, naming `where` and the value. */
export function checkPrecision(where: string, precision: unknown): asserts precision is number {
  if (typeof precision !== 'number' || !Number.isInteger(precision) || precision < MIN_PRECISION || precision > MAX_PRECISION) {
    throw new RangeError(`${where}: precision must be an integer from ${MIN_PRECISION} to ${MAX_PRECISION}, got ${describeValue(precision)}`)
  }
}

// -------------------------------------------------------------------------------------
// codec
// -------------------------------------------------------------------------------------

/**
 * How a {@link HyperLogLog} is stored (in checkpoints, or anywhere JSON goes): its format
 * version, its precision, and either its sparse entries or its dense registers, each as a
 * base64url string. Dense: one character per register (a rank is below 64), 16,384 characters
 * at precision 14. Sparse: per entry, the gap to the previous index in 5-bit groups (a
 * character each, 32 added while more follow) and one character for the rank: 4 to 5
 * characters per distinct value, so a window of a hundred visitors takes about 500.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const users = new ds.HyperLogLog(10)
 * users.add('ann')
 * const stored: ds.EncodedHyperLogLog = ds.hyperLogLogCodec.encode(users) // { v: 1, precision: 10, sparse: '…' }
 *
 * @category state
 * @since 0.1.0
 */
export type EncodedHyperLogLog =
  | { readonly v: 1; readonly precision: number; readonly sparse: string }
  | { readonly v: 1; readonly precision: number; readonly dense: string }

const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const DIGIT_VALUES: Int8Array = /*#__PURE__*/ (() => {
  const values = new Int8Array(128).fill(-1)
  for (let i = 0; i < DIGITS.length; i++) values[DIGITS.charCodeAt(i)] = i
  return values
})()
const digitValue = (text: string, i: number): number => {
  const c = text.charCodeAt(i)
  return c < 128 ? DIGIT_VALUES[c]! : -1
}

function encodeSketch(sketch: HyperLogLog): EncodedHyperLogLog {
  const entries = sketch.sparseEntries()
  if (entries === undefined) {
    const registers = sketch.denseRegisters()
    const parts: string[] = []
    // Chunks keep String.fromCharCode's argument list short.
    for (let i = 0; i < registers.length; i += 4096) {
      const chunk = registers.subarray(i, i + 4096)
      parts.push(String.fromCharCode(...Array.from(chunk, r => DIGITS.charCodeAt(r))))
    }
    return { v: 1, precision: sketch.precision, dense: parts.join('') }
  }
  let text = ''
  let previous = -1
  for (const [index, rank] of entries) {
    let gap = index - previous - 1
    previous = index
    while (gap >= 32) {
      text += DIGITS[32 | (gap & 31)]
      gap >>>= 5
    }
    text += DIGITS[gap]! + DIGITS[rank]!
  }
  return { v: 1, precision: sketch.precision, sparse: text }
}

/** The sketch `encoded` describes, or why it is not one. */
function decodeSketch(u: unknown): HyperLogLog | string {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return 'not an object'
  const o = u as { v?: unknown; precision?: unknown; sparse?: unknown; dense?: unknown }
  if (o.v !== 1) return `unknown format version ${describeValue(o.v)} (this release reads version 1)`
  const p = o.precision
  if (typeof p !== 'number' || !Number.isInteger(p) || p < MIN_PRECISION || p > MAX_PRECISION) {
    return `precision must be an integer from ${MIN_PRECISION} to ${MAX_PRECISION}, got ${describeValue(p)}`
  }
  if ((o.sparse === undefined) === (o.dense === undefined)) return 'needs either "sparse" or "dense", not both or neither'
  if (o.dense !== undefined) {
    const text = o.dense
    if (typeof text !== 'string') return '"dense" is not a string'
    if (text.length !== 1 << p) return `"dense" has ${text.length} registers, precision ${p} has ${1 << p}`
    const registers = new Uint8Array(text.length)
    const top = maxRank(p)
    for (let i = 0; i < text.length; i++) {
      const r = digitValue(text, i)
      if (r < 0 || r > top) return `"dense" register ${i} is ${describeValue(text[i])}, not a rank from 0 to ${top} in base64url`
      registers[i] = r
    }
    return HyperLogLog.fromRegisters(p, registers)
  }
  const text = o.sparse
  if (typeof text !== 'string') return '"sparse" is not a string'
  const sketch = new HyperLogLog(p)
  const indexLimit = 2 ** SPARSE_PRECISION
  const rankLimit = maxRank(SPARSE_PRECISION)
  let previous = -1
  let i = 0
  while (i < text.length) {
    const at = i
    let gap = 0
    let shift = 0
    let digit: number
    do {
      digit = i < text.length ? digitValue(text, i++) : -2
      if (digit < 0) return `"sparse" entry at character ${at} is ${digit === -2 ? 'cut short' : `not base64url (${describeValue(text[i - 1])})`}`
      gap += (digit & 31) * 2 ** shift
      shift += 5
    } while (digit >= 32 && shift < 30)
    if (digit >= 32) return `"sparse" entry at character ${at} has too long an index`
    const index = previous + 1 + gap
    if (index >= indexLimit) return `"sparse" entry at character ${at} has index ${index}, above ${indexLimit - 1}`
    if (i === text.length) return `"sparse" entry at character ${at} has no rank`
    const rank = digitValue(text, i++)
    if (rank < 0) return `"sparse" entry at character ${at} is not base64url (${describeValue(text[i - 1])})`
    if (rank < 1 || rank > rankLimit) return `"sparse" entry at character ${at} has rank ${rank}, not from 1 to ${rankLimit}`
    sketch.addEntry(index, rank)
    previous = index
  }
  return sketch
}

/**
 * The io-ts codec of {@link HyperLogLog}: `encode` gives an {@link EncodedHyperLogLog} (plain
 * JSON data), `decode` checks one and rebuilds the sketch, which then equals the one encoded.
 * It is the `accumulatorCodec` of {@link approximateDistinctCount}, and the codec for a
 * sketch in keyed state.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // a sketch per key, in value state
 * const visitors = ds.valueState('visitors', ds.hyperLogLogCodec)
 *
 * @category state
 * @since 0.1.0
 */
export const hyperLogLogCodec: t.Type<HyperLogLog, EncodedHyperLogLog, unknown> = /*#__PURE__*/ new t.Type<HyperLogLog, EncodedHyperLogLog, unknown>(
  'HyperLogLog',
  (u): u is HyperLogLog => u instanceof HyperLogLog,
  (u, c) => {
    const decoded = decodeSketch(u)
    return typeof decoded === 'string' ? t.failure(u, c, `not a stored HyperLogLog: ${decoded}`) : t.success(decoded)
  },
  encodeSketch
)
