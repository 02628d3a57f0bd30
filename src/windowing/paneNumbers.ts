/**
 * @internal
 * How sliced windows key their panes and open windows in `Map`s: by *pane number*, the number
 * of slides from an origin (the first pane the operator saw), a small integer for any
 * realistic run. A start itself is an epoch-millisecond timestamp beyond V8's small integers:
 * as a `Map` key it is boxed on every lookup and hashed by value, which measured about half as
 * fast again as a small-integer key. Where a start has no such number (a pane 2^30 slides or
 * more from the origin, a start off the integer grid of non-integer timestamps), the panes are
 * keyed by their starts instead (`PaneNumbers.starts`). Snapshots always hold starts.
 */

/** Small integers in V8 with pointer compression: 31 bits, signed. */
const SMALL = 0x40000000 // 2^30, as a literal: an expression would stay in every bundle

/** The keys of one numbering: pane numbers from an origin, or the starts themselves. */
export class PaneNumbers {
  /** What the key of the next pane (or window start) is apart: 1 for numbers, the slide for starts. */
  readonly step: number

  private constructor(
    /** The start of pane number 0 (0 where keys are starts). */
    readonly origin: number,
    readonly slide: number,
    /** Whether keys are numbers (else starts). */
    readonly numbered: boolean
  ) {
    this.step = numbered ? 1 : slide
  }

  /** Numbers from the pane starting at `origin`, when its start and the slide are safe integers; else starts. */
  static from(origin: number, slide: number): PaneNumbers {
    return Number.isSafeInteger(origin) && Number.isSafeInteger(slide) ? new PaneNumbers(origin, slide, true) : PaneNumbers.starts(slide)
  }

  /** Keys that are the starts themselves: every start has one. */
  static starts(slide: number): PaneNumbers {
    return new PaneNumbers(0, slide, false)
  }

  /**
   * The key of the pane (or window) starting at `start`; NaN when it has no number: not on the
   * origin's grid exactly (`origin + n * slide` must give `start` back) or not a small integer.
   */
  keyOf(start: number): number {
    if (!this.numbered) return start
    const n = (start - this.origin) / this.slide
    return n >= -SMALL && n < SMALL && Math.floor(n) === n && this.origin + n * this.slide === start ? n : NaN
  }

  /** The start a key names (exact: `keyOf` gave only keys it gives back). */
  startOf(key: number): number {
    return this.numbered ? this.origin + key * this.slide : key
  }
}
