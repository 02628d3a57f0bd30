/** @internal Renders values for error messages: short, total (never throws), unambiguous. */

const MAX_LENGTH = 160

/** @internal */
export function describeValue(value: unknown): string {
  const text = render(value, new Set())
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text
}

function render(value: unknown, seen: Set<unknown>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
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
  seen.add(value)
  try {
    if (Array.isArray(value)) return `[${value.map(v => render(v, seen)).join(', ')}]`
    if (value instanceof Date) return `Date(${isNaN(value.getTime()) ? 'Invalid' : value.toISOString()})`
    if (value instanceof Error) return `${value.name}(${JSON.stringify(value.message)})`
    if (value instanceof Map) return `Map(${value.size})`
    if (value instanceof Set) return `Set(${value.size})`
    const obj = value as Record<string, unknown>
    const fields = Object.keys(obj).map(k => `${k}: ${render(obj[k], seen)}`)
    const name = Object.getPrototypeOf(obj)?.constructor?.name
    const prefix = name && name !== 'Object' ? `${name} ` : ''
    return fields.length === 0 ? `${prefix}{}` : `${prefix}{ ${fields.join(', ')} }`
  } catch {
    return '[unprintable]'
  } finally {
    seen.delete(value)
  }
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
