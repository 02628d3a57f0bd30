/**
 * @internal
 * The hash behind {@link HyperLogLog}: MurmurHash3 x86_128 (Austin Appleby's, public domain),
 * of which the sketch takes the first 64 bits. It is the 128-bit Murmur variant written for
 * 32-bit machines, so every step is a 32-bit multiply (`Math.imul`), a rotation or a xor, as
 * fast in JavaScript as in C, where the x64 variant would need 64-bit products that JavaScript
 * only has as BigInt. It passes SMHasher, and its published verification value is checked by
 * the spec, so a slip in this file cannot go unnoticed.
 *
 * What is hashed is part of the sketch's stored form (a sketch restored from a checkpoint goes
 * on counting with new values): never change it without a new format version.
 *
 * - a string: its UTF-8 bytes (lone surrogates as WTF-8 does, three bytes each, so that two
 *   different strings never give the same bytes);
 * - a number: its IEEE 754 double, little-endian, then the byte 0xFF, which UTF-8 never
 *   contains, so a number never collides with a string by construction. `-0` counts as `0`
 *   and every NaN as one NaN, as a `Set` has it.
 *
 * Seed 0.
 */

const C1 = 0x239b961b
const C2 = 0xab0e9789
const C3 = 0x38b34ae5
const C4 = 0xa1e38b93

/** @internal The four words of the last hash, h1 … h4 (the sketch reads the first two). */
export const hashWords = /*#__PURE__*/ new Uint32Array(4)

function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r))

/**
 * Finishes a hash: mixes in the tail words `k1 … k4` (the last `length & 15` bytes,
 * little-endian, zero past them), then the length, then the final mix.
 */
function finish(h1: number, h2: number, h3: number, h4: number, k1: number, k2: number, k3: number, k4: number, length: number): void {
  const rest = length & 15
  if (rest > 12) {
    k4 = Math.imul(k4, C4)
    k4 = rotl(k4, 18)
    k4 = Math.imul(k4, C1)
    h4 ^= k4
  }
  if (rest > 8) {
    k3 = Math.imul(k3, C3)
    k3 = rotl(k3, 17)
    k3 = Math.imul(k3, C4)
    h3 ^= k3
  }
  if (rest > 4) {
    k2 = Math.imul(k2, C2)
    k2 = rotl(k2, 16)
    k2 = Math.imul(k2, C3)
    h2 ^= k2
  }
  if (rest > 0) {
    k1 = Math.imul(k1, C1)
    k1 = rotl(k1, 15)
    k1 = Math.imul(k1, C2)
    h1 ^= k1
  }
  h1 ^= length
  h2 ^= length
  h3 ^= length
  h4 ^= length
  h1 = (h1 + h2) | 0
  h1 = (h1 + h3) | 0
  h1 = (h1 + h4) | 0
  h2 = (h2 + h1) | 0
  h3 = (h3 + h1) | 0
  h4 = (h4 + h1) | 0
  h1 = fmix32(h1)
  h2 = fmix32(h2)
  h3 = fmix32(h3)
  h4 = fmix32(h4)
  h1 = (h1 + h2) | 0
  h1 = (h1 + h3) | 0
  h1 = (h1 + h4) | 0
  h2 = (h2 + h1) | 0
  h3 = (h3 + h1) | 0
  h4 = (h4 + h1) | 0
  hashWords[0] = h1
  hashWords[1] = h2
  hashWords[2] = h3
  hashWords[3] = h4
}

/** @internal MurmurHash3_x86_128 of `bytes[0 … length)`; the result is in {@link hashWords}. */
export function murmur3x86128(bytes: Uint8Array, length: number, seed: number): void {
  let h1 = seed | 0
  let h2 = h1
  let h3 = h1
  let h4 = h1
  const blocks = length & ~15
  let i = 0
  for (; i < blocks; i += 16) {
    let k1 = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)
    let k2 = bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16) | (bytes[i + 7]! << 24)
    let k3 = bytes[i + 8]! | (bytes[i + 9]! << 8) | (bytes[i + 10]! << 16) | (bytes[i + 11]! << 24)
    let k4 = bytes[i + 12]! | (bytes[i + 13]! << 8) | (bytes[i + 14]! << 16) | (bytes[i + 15]! << 24)

    k1 = Math.imul(k1, C1)
    k1 = rotl(k1, 15)
    k1 = Math.imul(k1, C2)
    h1 ^= k1
    h1 = rotl(h1, 19)
    h1 = (h1 + h2) | 0
    h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0

    k2 = Math.imul(k2, C2)
    k2 = rotl(k2, 16)
    k2 = Math.imul(k2, C3)
    h2 ^= k2
    h2 = rotl(h2, 17)
    h2 = (h2 + h3) | 0
    h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0

    k3 = Math.imul(k3, C3)
    k3 = rotl(k3, 17)
    k3 = Math.imul(k3, C4)
    h3 ^= k3
    h3 = rotl(h3, 15)
    h3 = (h3 + h4) | 0
    h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0

    k4 = Math.imul(k4, C4)
    k4 = rotl(k4, 18)
    k4 = Math.imul(k4, C1)
    h4 ^= k4
    h4 = rotl(h4, 13)
    h4 = (h4 + h1) | 0
    h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0
  }
  // The tail: up to 15 bytes, little-endian into k1 … k4.
  let k1 = 0
  let k2 = 0
  let k3 = 0
  let k4 = 0
  for (let j = 0; i + j < length; j++) {
    const b = bytes[i + j]! << ((j & 3) * 8)
    if (j < 4) k1 |= b
    else if (j < 8) k2 |= b
    else if (j < 12) k3 |= b
    else k4 |= b
  }
  finish(h1, h2, h3, h4, k1, k2, k3, k4, length)
}

// -------------------------------------------------------------------------------------
// values
// -------------------------------------------------------------------------------------

/** Where strings are encoded before hashing; grows to the longest string seen. */
let scratch = /*#__PURE__*/ new Uint8Array(256)

/** The double of a number hash, as two little-endian words. */
const numberView = /*#__PURE__*/ new DataView(/*#__PURE__*/ new ArrayBuffer(8))

/** Seed of every value hash: part of the stored form. */
const SEED = 0

/**
 * Puts `value`'s double into `numberView`, little-endian: `-0` as `0`, and every NaN as the
 * one quiet NaN 0x7ff8000000000000 (a NaN's bits are up to the engine when it is stored).
 */
function writeNumber(value: number): void {
  if (value !== value) {
    numberView.setUint32(0, 0, true)
    numberView.setUint32(4, 0x7ff80000, true)
  } else {
    numberView.setFloat64(0, value === 0 ? 0 : value, true)
  }
}

/**
 * @internal
 * Hashes a string or a number as the module header says; the result is in {@link hashWords}.
 * A number is a 9-byte message (no full block): its two words and the 0xFF byte go straight to
 * the tail, which gives the same hash as {@link murmur3x86128} over those bytes, without them.
 */
export function hashValue(value: string | number): void {
  if (typeof value === 'number') {
    writeNumber(value)
    finish(SEED, SEED, SEED, SEED, numberView.getInt32(0, true), numberView.getInt32(4, true), 0xff, 0, 9)
    return
  }
  const length = encodeWtf8(value)
  murmur3x86128(scratch, length, SEED)
}

/**
 * @internal
 * Writes `text` as WTF-8 into the scratch buffer (UTF-8 for every well-formed string; a lone
 * surrogate as its own three bytes) and returns the byte length.
 */
function encodeWtf8(text: string): number {
  const n = text.length
  if (scratch.length < n * 3) scratch = new Uint8Array(Math.max(n * 3, scratch.length * 2))
  const out = scratch
  let at = 0
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i)
    if (c < 0x80) {
      out[at++] = c
    } else if (c < 0x800) {
      out[at++] = 0xc0 | (c >> 6)
      out[at++] = 0x80 | (c & 0x3f)
    } else {
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const d = text.charCodeAt(i + 1)
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
          i++
          out[at++] = 0xf0 | (c >> 18)
          out[at++] = 0x80 | ((c >> 12) & 0x3f)
          out[at++] = 0x80 | ((c >> 6) & 0x3f)
          out[at++] = 0x80 | (c & 0x3f)
          continue
        }
      }
      out[at++] = 0xe0 | (c >> 12)
      out[at++] = 0x80 | ((c >> 6) & 0x3f)
      out[at++] = 0x80 | (c & 0x3f)
    }
  }
  return at
}

/** @internal The bytes {@link hashValue} hashes for `value` (for the spec). */
export function valueBytes(value: string | number): Uint8Array {
  if (typeof value === 'number') {
    writeNumber(value)
    const bytes = new Uint8Array(9)
    bytes.set(new Uint8Array(numberView.buffer), 0)
    bytes[8] = 0xff
    return bytes
  }
  return scratch.slice(0, encodeWtf8(value))
}
