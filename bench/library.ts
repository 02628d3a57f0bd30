/**
 * The library under test, as the workloads see it: the current sources (`../src/index`).
 *
 * The rx-datastream variants of every workload take the library namespace as a parameter and
 * are made once per library in the list the runner passes, so that the same variant code can
 * run on another copy of the library.
 */
import * as current from '../src/index'

/**
 * The public API, as `import * as ds from 'rx-datastream'` gives it.
 */
export type Library = typeof current

/** One copy of the library under test. */
export interface LibraryBuild {
  readonly lib: Library
  /** Appended to the ids of the variants made with it (`''` for the current sources). */
  readonly idSuffix: string
  /** Appended to their names in the report. */
  readonly nameSuffix: string
}

export const CURRENT: LibraryBuild = { lib: current, idSuffix: '', nameSuffix: '' }

/**
 * Makes the library-using variants once per library, each variant's copies side by side
 * (ds, ds<suffix>, ds-wm0, ds-wm0<suffix>, …), so the report shows them together.
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
