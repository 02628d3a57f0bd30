/**
 * @internal
 * How the LMDB backend keeps a restored entry whose state (or operator table) is not made yet:
 * in the store, unchecked, until its descriptor (or codec) comes and `rewriteRestored` checks
 * it. Its store key has the entry's key group when that is a key group (else group 0), so the
 * snapshot's own group must be kept for the check to refuse it.
 *
 * - Group in range: the value's JSON text, as a checked value is stored. A check that finds
 *   the value as its codec writes it (the usual case) has nothing to write again: the
 *   registration of a restored state reads its entries once, not read, then written again.
 * - Otherwise (a snapshot's group out of range, or not a number): `!` and the text of
 *   `[group, value]`. No JSON text starts with `!`, so the two forms cannot be confused.
 */

/** The store text of a restored value `value` whose snapshot gave it key group `group`; `filedGroup`: the group of its store key. */
export function uncheckedText(group: unknown, filedGroup: number, value: unknown): string {
  const text = group === filedGroup ? JSON.stringify(value) : undefined
  return text ?? `!${JSON.stringify([group, value])}`
}

/** A restored value stored by {@link uncheckedText} under a key of group `filedGroup`: the snapshot's group and the value. */
export function readUnchecked(text: string, filedGroup: number): { readonly group: number; readonly value: unknown } {
  if (text.charCodeAt(0) !== 0x21) return { group: filedGroup, value: JSON.parse(text) as unknown }
  const [group, value] = JSON.parse(text.slice(1)) as [number, unknown]
  return { group, value }
}
