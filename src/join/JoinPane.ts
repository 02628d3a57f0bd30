/**
 * @internal
 * What a window join keeps of a key's window: each input's elements in a list of its own, in
 * arrival order. A firing hands both lists to the coGroup function as they are, with no split
 * of one mixed buffer into two arrays; a join of many keys with an element or two each keeps
 * one small object per key and window, and a side's list only once the side has an element.
 *
 * Panes go into snapshots as `{ lefts, rights }` of plain JSON data.
 */
import { describeValue } from '../core/describe'
import { jsonIncompatibility } from '../state/snapshotFormat'
import type { WindowContents } from '../windowing/WindowContents'
import type { CoGroupFunction, TaggedUnion } from './JoinFunction'

/** @internal A key's elements of one window, per input (see the module). */
export interface JoinPane<A, B> {
  lefts: A[]
  rights: B[]
}

/**
 * @internal
 * The list of a side without elements, shared by every pane: it is frozen, and replaced by a
 * list of the pane's own at the side's first element.
 */
export const NO_ELEMENTS = /*#__PURE__*/ Object.freeze([]) as unknown as never[]

/** @internal A pane without elements. */
export function emptyPane<A, B>(): JoinPane<A, B> {
  return { lefts: NO_ELEMENTS, rights: NO_ELEMENTS }
}

/** @internal Adds a left element to `pane`. */
export function addLeft<A, B>(pane: JoinPane<A, B>, value: A): void {
  if (pane.lefts === NO_ELEMENTS) pane.lefts = [value]
  else pane.lefts.push(value)
}

/** @internal Adds a right element to `pane`. */
export function addRight<A, B>(pane: JoinPane<A, B>, value: B): void {
  if (pane.rights === NO_ELEMENTS) pane.rights = [value]
  else pane.rights.push(value)
}

/** @internal Whether `pane` has no element of either input. */
export function isEmptyPane(pane: JoinPane<unknown, unknown>): boolean {
  return pane.lefts.length === 0 && pane.rights.length === 0
}

/**
 * @internal
 * `b`'s elements after `a`'s, per side (merging session windows): `a` may be changed and
 * returned, `b` is left as it is.
 */
export function mergePanes<A, B>(a: JoinPane<A, B>, b: JoinPane<A, B>): JoinPane<A, B> {
  if (b.lefts.length > 0) a.lefts = a.lefts === NO_ELEMENTS ? b.lefts.slice() : a.lefts.concat(b.lefts)
  if (b.rights.length > 0) a.rights = a.rights === NO_ELEMENTS ? b.rights.slice() : a.rights.concat(b.rights)
  return a
}

/**
 * @internal
 * Why `pane` cannot go into a snapshot as it is (an element that is not plain JSON data,
 * named by side and index), or `undefined`.
 */
export function paneIncompatibility(pane: JoinPane<unknown, unknown>): string | undefined {
  return jsonIncompatibility(pane.lefts, 'left elements') ?? jsonIncompatibility(pane.rights, 'right elements')
}

/** @internal The pane as plain JSON data: `{ lefts, rights }` (checked by `paneIncompatibility`). */
export function encodePane(pane: JoinPane<unknown, unknown>): { lefts: unknown[]; rights: unknown[] } {
  return { lefts: pane.lefts, rights: pane.rights }
}

/** @internal Back from `encodePane`; a message saying what is wrong with it otherwise. */
export function decodePane<A, B>(encoded: unknown): JoinPane<A, B> | string {
  const fields = encoded as { lefts?: unknown; rights?: unknown } | null
  if (typeof fields !== 'object' || fields === null || !Array.isArray(fields.lefts) || !Array.isArray(fields.rights)) {
    return `expected a join window's elements { lefts: [...], rights: [...] }, got ${describeValue(encoded)}`
  }
  if (fields.lefts.length === 0 && fields.rights.length === 0) return 'a join window without elements is not kept'
  return { lefts: (fields.lefts.length === 0 ? NO_ELEMENTS : fields.lefts.slice()) as A[], rights: (fields.rights.length === 0 ? NO_ELEMENTS : fields.rights.slice()) as B[] }
}

/**
 * @internal
 * Window contents of panes for the general window operator, evaluated by `coGroup`: what the
 * join keeps when it needs the general operator (sliding, session or processing-time windows,
 * custom triggers) and has no evictor (evictors see the tagged elements themselves).
 */
export function paneContents<A, B, R, K>(coGroup: CoGroupFunction<A, B, R>): WindowContents<TaggedUnion<A, B>, JoinPane<A, B>, R, K> {
  return {
    add: (pane, empty, element) => {
      const target = empty ? emptyPane<A, B>() : pane!
      if (element._tag === 'One') addLeft(target, element.value)
      else addRight(target, element.value)
      return target
    },
    merge: mergePanes,
    fire: (_key, _ctx, pane, out) => {
      coGroup(pane.lefts, pane.rights, out)
      return pane
    },
    clear: () => undefined,
    encode: (pane, fail) => {
      const reason = paneIncompatibility(pane)
      return reason === undefined ? encodePane(pane) : fail(`${reason}; window contents are snapshotted as they are, so elements must be plain JSON data`)
    },
    decode: (encoded, fail) => {
      const decoded = decodePane<A, B>(encoded)
      return typeof decoded === 'string' ? fail(decoded) : decoded
    }
  }
}
