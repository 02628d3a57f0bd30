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

const ERROR_MESSAGE_STYLE: RenderStyle = { quote: text => JSON.stringify(text), maxLength: 160 }

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
  if (typeof element === 'object' && element !== null && '_tag' in element) {
    const e = element as { _tag: unknown; value?: unknown; timestamp?: unknown; key?: unknown }
    switch (e._tag) {
      case 'Record':
        return `record (value ${describeValue(e.value)}, timestamp ${describeValue(e.timestamp)}${
          e.key === undefined ? '' : `, key ${describeValue(e.key)}`
        })`
      case 'SideRecord':
        return `side record (value ${describeValue(e.value)}, timestamp ${describeValue(e.timestamp)})`
      case 'Watermark':
        return `watermark ${describeValue(e.timestamp)}`
    }
  }
  return `value ${describeValue(element)}`
}

function render(value: unknown, style: RenderStyle, seen: Set<unknown>, depth: number): string {
  switch (typeof value) {
    case 'string':
      return style.quote(value)
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value)
    case 'bigint':
      return `${value}n`
    case 'undefined':
      return 'undefined'
    case 'boolean':
      return String(value)
    case 'symbol':
      return value.toString()
    case 'function':
      return `[function ${value.name || 'anonymous'}]`
  }
  if (value === null) return 'null'
  if (seen.has(value)) return '[circular]'
  if (depth > MAX_DEPTH) return '…'
  seen.add(value)
  const part = (v: unknown): string => render(v, style, seen, depth + 1)
  try {
    const special = style.special?.(value as object, part)
    if (special !== undefined) return special
    if (Array.isArray(value)) return `[${value.map(part).join(', ')}]`
    if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'Invalid' : value.toISOString()})`
    if (value instanceof Error) return `${value.name}(${style.quote(value.message)})`
    if (value instanceof RegExp) return String(value)
    if (value instanceof Map) {
      const entries = [...value].map(([k, v]) => `${part(k)} => ${part(v)}`)
      return entries.length === 0 ? 'Map {}' : `Map { ${entries.join(', ')} }`
    }
    if (value instanceof Set) {
      const items = [...value].map(part)
      return items.length === 0 ? 'Set {}' : `Set { ${items.join(', ')} }`
    }
    const obj = value as Record<string, unknown>
    const fields = Object.keys(obj).map(k => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : style.quote(k)}: ${part(obj[k])}`)
    const proto: unknown = Object.getPrototypeOf(obj)
    const ctor: unknown = proto === null ? undefined : (proto as { constructor?: unknown }).constructor
    const name = typeof ctor === 'function' && ctor !== Object ? `${ctor.name} ` : ''
    return fields.length === 0 ? `${name}{}` : `${name}{ ${fields.join(', ')} }`
  } catch {
    return '[unprintable]'
  } finally {
    seen.delete(value)
  }
}
