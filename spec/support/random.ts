/**
 * A small seeded generator (mulberry32), shared by the specs that derive inputs or moments from
 * a seed, and by the browser test pages (bundled from here), so that the same seed gives the
 * same numbers in Node and in a page.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}
