/**
 * @internal
 * Renders values for messages (errors here, failure diagrams in marbles/): short, total (never
 * throws), unambiguous. One renderer, styled by its callers.
 */

/** @internal How a caller wants values rendered. */
export interface RenderStyle {
  readonly quote: (text: string) => string
  /** Longer renderings are cut, ending with `…`. */
  readonly maxLength: number
  /**
   * Renders objects that have a form of their own (stream elements, notifications, …), with
   * `render` for their parts; `undefined` falls back to the generic rendering.
   */
  readonly special?: (value: object, render: (part: unknown) => string) => string | undefined
}

const MAX_DEPTH = 4

const ERROR_MESSAGE_STYLE: RenderStyle = { quote: JSON.stringify, maxLength: 160 }

/** @internal Renders `value` in `style`. */
export function renderValue(value: unknown, style: RenderStyle): string {
  const text = render(value, style, new Set(), 0)
  return text.length > style.maxLength ? `${text.slice(0, style.maxLength - 1)}…` : text
}

/** @internal Renders a value for an error message (strings JSON-quoted, at most 160 characters). */
export function describeValue(value: unknown): string {
  return renderValue(value, ERROR_MESSAGE_STYLE)
}

/** @internal Describes a stream element or a plain value for an error message. */
export function describeElement(element: unknown): string {
  const e = element as { _tag?: unknown; value?: unknown; timestamp?: unknown; key?: unknown }
  const tag = typeof element === 'object' && element !== null ? e._tag : undefined
  // A record and a side record show the same parts.
  const parts = (): string => `(value ${describeValue(e.value)}, timestamp ${describeValue(e.timestamp)}`
  return tag === 'Record'
    ? `record ${parts()}${e.key === undefined ? '' : `, key ${describeValue(e.key)}`})`
    : tag === 'SideRecord'
      ? `side record ${parts()})`
      : tag === 'Watermark'
        ? `watermark ${describeValue(e.timestamp)}`
        : `value ${describeValue(element)}`
}

function render(value: unknown, style: RenderStyle, seen: Set<unknown>, depth: number): string {
  switch (typeof value) {
    case 'string':
      return style.quote(value)
    case 'bigint':
      return `${value}n`
    case 'function':
      return `[function ${value.name || 'anonymous'}]`
  }
  // String() shows every other primitive as it is written (true, undefined, null, NaN,
  // Symbol(s)), all but the sign of -0.
  if (typeof value !== 'object' || value === null) return Object.is(value, -0) ? '-0' : String(value)
  if (seen.has(value)) return '[circular]'
  if (depth > MAX_DEPTH) return '…'
  seen.add(value)
  const part = (v: unknown): string => render(v, style, seen, depth + 1)
  try {
    const special = style.special?.(value, part)
    if (special !== undefined) return special
    if (Array.isArray(value)) return `[${value.map(part).join(', ')}]`
    if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'Invalid' : value.toISOString()})`
    if (value instanceof Error) return `${value.name}(${style.quote(value.message)})`
    if (value instanceof RegExp) return String(value)
    if (value instanceof Map) return braced('Map ', [...value].map(([k, v]) => `${part(k)} => ${part(v)}`))
    if (value instanceof Set) return braced('Set ', [...value].map(part))
    const obj = value as Record<string, unknown>
    const ctor: unknown = (Object.getPrototypeOf(obj) as { constructor?: unknown } | null)?.constructor
    return braced(
      typeof ctor === 'function' && ctor !== Object ? `${ctor.name} ` : '',
      Object.keys(obj).map(k => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : style.quote(k)}: ${part(obj[k])}`)
    )
  } catch {
    return '[unprintable]'
  } finally {
    seen.delete(value)
  }
}

/** `Map { 1 => 2 }`, `Point { x: 1 }`, `{}`: entries between braces, after `prefix`. */
function braced(prefix: string, entries: readonly string[]): string {
  return entries.length === 0 ? `${prefix}{}` : `${prefix}{ ${entries.join(', ')} }`
}
