/**
 * @internal
 * A table value whose list field is kept as store entries of its own (`elementsField`: window
 * contents), and its portable form: snapshots hold the value whole, the field a list of the
 * elements in the order added, as the heap backend writes it. The store holds the rest of the
 * value under its key and each element after it (`elementKey`), so that adding one is a write
 * of its own that reads nothing.
 */
import { describeValue } from '../src/core/describe'

/**
 * @internal
 * The value's JSON text with its elements' texts as field `field` (left out when there are
 * none, as the heap leaves out empty contents). The rest of the value is a JSON object.
 */
export function joinElements(text: string, field: string, elements: readonly string[]): string {
  if (elements.length === 0) return text
  const list = `${JSON.stringify(field)}:[${elements.join(',')}]`
  return text === '{}' ? `{${list}}` : `${text.slice(0, -1)},${list}}`
}

/** @internal The rest of an encoded value and the JSON texts of its elements (its `field`'s items). */
export interface SplitValue {
  readonly rest: string
  readonly elements: readonly string[]
}

/**
 * @internal
 * An encoded value taken apart into what the store keeps under its key and its elements;
 * `fail` names a value that is not an object, or whose field is not a list.
 */
export function splitElements(encoded: unknown, field: string, fail: (detail: string) => never): SplitValue {
  if (typeof encoded !== 'object' || encoded === null || Array.isArray(encoded)) return fail(`expected an object with a list ${field}, got ${describeValue(encoded)}`)
  const { [field]: list, ...rest } = encoded as Record<string, unknown>
  if (list === undefined) return { rest: JSON.stringify(rest), elements: [] }
  if (!Array.isArray(list)) return fail(`expected ${field} to be a list, got ${describeValue(list)}`)
  return { rest: JSON.stringify(rest), elements: list.map(element => JSON.stringify(element) ?? 'null') }
}

/** @internal The elements' JSON texts as one list, parsed once. */
export function parseElements(texts: readonly string[]): unknown[] {
  return texts.length === 0 ? [] : (JSON.parse(`[${texts.join(',')}]`) as unknown[])
}
