/** Test helpers for window output shared by the operator specs. */
import type * as ds from '../../src/index'

/** Splits output at each watermark: what came before it (for comparing results of several keys as sets). */
export function segments<T, K>(elements: readonly ds.StreamElement<T, K>[]): { before: ds.StreamElement<T, K>[]; watermark: number }[] {
  const out: { before: ds.StreamElement<T, K>[]; watermark: number }[] = []
  let current: ds.StreamElement<T, K>[] = []
  for (const e of elements) {
    if (e._tag === 'Watermark') {
      out.push({ before: current, watermark: e.timestamp })
      current = []
    } else current.push(e)
  }
  if (current.length > 0) out.push({ before: current, watermark: NaN })
  return out
}
