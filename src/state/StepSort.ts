/**
 * @internal
 * A stable sort done in steps, for the part of a snapshot written after the barrier: sorting a
 * large state's timers at once (25 ms for 100,000) would hold the job up. A bottom-up merge
 * sort: runs of {@link RUN} items sorted by the engine's sort, then merged pairwise, pass by
 * pass, with the clock read every {@link CHECK} items.
 */

/** Items sorted at once in the first pass. */
const RUN = 1024
/** Items merged between two looks at the clock. */
const CHECK = 4096

/** @internal */
export class StepSort<T> {
  private from: T[]
  private to: T[]
  /** Length of the sorted runs the current pass merges (RUN during the first pass). */
  private width = 0
  /** Where the current pass is: the next run to sort, or the next pair to merge. */
  private at = 0
  /** Inside a merge of the pair at `at`: the next item of its left run, of its right run, and the next place to fill. */
  private left = -1
  private right = 0
  private out = 0

  constructor(
    items: T[],
    private readonly compare: (a: T, b: T) => number,
    private readonly now: () => number
  ) {
    this.from = items
    this.to = new Array<T>(items.length)
  }

  /** Sorts on until `deadline`; true once sorted (`sorted()` gives the items). */
  step(deadline: number): boolean {
    const n = this.from.length
    if (this.width === 0) {
      while (this.at < n) {
        const end = Math.min(n, this.at + RUN)
        const run = this.from.slice(this.at, end).sort(this.compare)
        for (let i = 0; i < run.length; i++) this.from[this.at + i] = run[i]!
        this.at = end
        if (this.at < n && this.now() >= deadline) return false
      }
      this.width = RUN
      this.at = 0
    }
    while (this.width < n) {
      if (!this.mergePass(deadline)) return false
      const from = this.from
      this.from = this.to
      this.to = from
      this.width *= 2
      this.at = 0
    }
    return true
  }

  /** The items in order, once `step` returned true. */
  sorted(): T[] {
    return this.from
  }

  /** Merges the pairs of runs of one pass from `at` on; false when the deadline came first. */
  private mergePass(deadline: number): boolean {
    const { from, to, compare, width } = this
    const n = from.length
    let budget = CHECK
    while (this.at < n) {
      const mid = Math.min(n, this.at + width)
      const end = Math.min(n, this.at + 2 * width)
      if (this.left < 0) {
        this.left = this.at
        this.right = mid
        this.out = this.at
      }
      let { left, right, out } = this
      while (out < end) {
        // Stable: on a tie the left run's item goes first.
        if (right >= end || (left < mid && compare(from[left]!, from[right]!) <= 0)) to[out++] = from[left++]!
        else to[out++] = from[right++]!
        if (--budget === 0) {
          budget = CHECK
          if (out < end && this.now() >= deadline) {
            this.left = left
            this.right = right
            this.out = out
            return false
          }
        }
      }
      this.left = -1
      this.at = end
    }
    return true
  }
}
