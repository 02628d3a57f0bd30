/**
 * @internal
 * Sliced windows of `windowAll`: one partition, so most records land in the pane of the record
 * before (Nexmark q7: a pane per 10 s window, every bid in it). Such a record takes a path of
 * its own, small enough for V8 to inline into the chain's (the sliced operator's `addRecord`
 * is not: a call per record, with its timestamp boxed as a heap number when it is no small
 * integer). Every other record goes through `SlicedWindowOperator` as on a keyed stream.
 *
 * A class of its own, not a test inside `SlicedWindowOperator`: a keyed stream's records, of
 * many keys in turn, would pay the test and the extra call for nothing (W1 measured 1.06–1.07×
 * its CPU time with the test there).
 */
import { SlicedWindowOperator } from './SlicedWindowOperator'

/** @internal */
export class SlicedWindowAllOperator<T, ACC, V, R, K> extends SlicedWindowOperator<T, ACC, V, R, K> {
  /**
   * A record (any key: one partition). The fast path: the partition's panes are held (on the
   * heap), the record's integer timestamp is in the pane written last (the cached pane holds
   * it exactly, see `cachePane`), at least 1 ms ahead of the watermark (so no window of the
   * record is past its end, let alone cleaned up), and the panes are keyed as the operator keys
   * them now. It adds the record to that pane and nothing else changes.
   */
  override record(value: T, ts: number, key: unknown): void {
    const keyPanes = this.cachedPanes
    if (
      keyPanes !== undefined &&
      keyPanes.lastPane === this.paneCacheKey &&
      ts >= this.paneCacheStart &&
      ts < this.paneCacheEnd &&
      Math.floor(ts) === ts &&
      ts - 1 >= this.currentWatermark &&
      keyPanes.numbers === this.numbers &&
      keyPanes.lastAcc !== undefined
    ) {
      if (this.destination.closed) return
      try {
        this.panesOfKey.willChange(this.cachedId) // reached without the table (copy-on-write snapshots)
        const acc = keyPanes.lastAcc
        const next = this.config.panes.add(value, acc)
        if (next !== acc) this.replaceLastPane(keyPanes, next)
      } catch (error) {
        this.failRecord(error, value, ts, key)
      }
      return
    }
    super.record(value, ts, key)
  }
}
