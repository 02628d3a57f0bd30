/**
 * The library under test, as the workloads see it: the current sources (`../src/index`) and,
 * with `npm run bench -- --baseline REF`, a second copy compiled from the sources at REF, so a
 * runtime change is measured before and after in one process, round by round.
 *
 * The rx-datastream variants of every workload take the library namespace as a parameter and
 * are made once per library: `ds` runs on the current sources, `ds@base` on the baseline (and
 * so on for every rx-datastream variant: `ds-wm0@base`, `ds-unordered@base`, …).
 */
import { resolve } from 'node:path'
import * as current from '../src/index'

/**
 * The public API, as `import * as ds from 'rx-datastream'` gives it.
 *
 * Assumption: the baseline library has the same type. Its API may have drifted since REF, but
 * the workloads use only the public API, and a missing export fails loudly at the first call.
 */
export type Library = typeof current

/** One copy of the library under test. */
export interface LibraryBuild {
  readonly lib: Library
  /** Appended to the ids of the variants made with it: `''` (current) or `'@base'`. */
  readonly idSuffix: string
  /** Appended to their names in the report. */
  readonly nameSuffix: string
}

export const CURRENT: LibraryBuild = { lib: current, idSuffix: '', nameSuffix: '' }

/** The suffix of the variants that run on the baseline library. */
export const BASELINE_SUFFIX = '@base'

/**
 * Loads the baseline: the CommonJS `index.js` compiled from `src/index.ts` at REF. It resolves
 * `rxjs` from the same `node_modules` as the current library, so both share one RxJS.
 */
export function loadBaseline(modulePath: string): LibraryBuild {
  const lib = require(resolve(modulePath)) as Library
  if (typeof lib.assignTimestampsAndWatermarks !== 'function') throw new RangeError(`${modulePath} does not look like rx-datastream's public API`)
  return { lib, idSuffix: BASELINE_SUFFIX, nameSuffix: ' [baseline]' }
}

/**
 * Makes the library-using variants once per library, each baseline copy right after its
 * current one (ds, ds@base, ds-wm0, ds-wm0@base, …), so the report shows them side by side.
 */
export function perLibrary<V extends { readonly id: string; readonly name: string }>(
  libs: readonly LibraryBuild[],
  make: (ds: Library) => readonly V[]
): V[] {
  const made = libs.map(l => make(l.lib))
  const out: V[] = []
  for (const [i, first] of (made[0] ?? []).entries()) {
    for (const [k, l] of libs.entries()) {
      const v = made[k]![i]
      if (v === undefined || v.id !== first.id) throw new Error(`variant ${first.id}: made differently for another copy of the library`)
      out.push(l.idSuffix === '' ? v : { ...v, id: v.id + l.idSuffix, name: v.name + l.nameSuffix })
    }
  }
  return out
}
