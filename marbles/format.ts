/**
 * @internal
 * Short, total (never throwing) renderings of values, stream elements and notifications for
 * failure messages.
 */
import { isError, isNotification, isOutputTag, type NotificationLike } from './equality'

const MAX_LENGTH = 100

/** @internal Renders a value (stream elements the readable way), cut to about 100 characters. */
export function show(value: unknown): string {
  const text = render(value, new Set(), 0)
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text
}

/** @internal An event time or watermark: `+Infinity`, `-Infinity`, `-0` spelled out. */
export function showTime(t: unknown): string {
  if (t === Infinity) return '+Infinity'
  return render(t, new Set(), 0)
}

/** @internal `Record 'x' @ 5`, `complete`, `error TypeError: boom`, … */
export function showNotification(n: NotificationLike): string {
  switch (n.kind) {
    case 'N':
      return show(n.value)
    case 'E':
      return `error ${show(n.error)}`
    case 'C':
      return 'complete'
  }
}

/** @internal The kind of a stream element, or undefined for any other value. */
export function elementKind(
  value: unknown
): 'Record' | 'Watermark' | 'StreamStatus' | 'CheckpointBarrier' | 'SideRecord' | undefined {
  if (typeof value !== 'object' || value === null || !('_tag' in value)) return undefined
  const e = value as { _tag: unknown; timestamp?: unknown; idle?: unknown; checkpointId?: unknown; tag?: unknown }
  switch (e._tag) {
    case 'Record':
      return 'value' in e && typeof e.timestamp === 'number' ? 'Record' : undefined
    case 'Watermark':
      return typeof e.timestamp === 'number' ? 'Watermark' : undefined
    case 'StreamStatus':
      return typeof e.idle === 'boolean' ? 'StreamStatus' : undefined
    case 'CheckpointBarrier':
      return typeof e.checkpointId === 'number' ? 'CheckpointBarrier' : undefined
    case 'SideRecord':
      return isOutputTag(e.tag) ? 'SideRecord' : undefined
    default:
      return undefined
  }
}

function at(timestamp: number, seen: Set<unknown>, depth: number): string {
  return timestamp === -Infinity ? ' (no timestamp)' : ` @ ${timestamp === Infinity ? '+Infinity' : render(timestamp, seen, depth)}`
}

function renderElement(value: object, seen: Set<unknown>, depth: number): string | undefined {
  const e = value as {
    value?: unknown
    timestamp: number
    key?: unknown
    idle?: boolean
    checkpointId?: number
    kind?: unknown
    tag?: { id: string }
  }
  switch (elementKind(value)) {
    case 'Record':
      return `Record ${render(e.value, seen, depth + 1)}${at(e.timestamp, seen, depth)}${
        e.key === undefined ? '' : ` key ${render(e.key, seen, depth + 1)}`
      }`
    case 'Watermark':
      return `Watermark ${showTime(e.timestamp)}`
    case 'StreamStatus':
      return `StreamStatus ${e.idle === true ? 'idle' : 'active'}`
    case 'CheckpointBarrier':
      return `CheckpointBarrier ${e.checkpointId}${e.kind === 'checkpoint' || e.kind === undefined ? '' : ` ${String(e.kind)}`}${
        e.timestamp === 0 || e.timestamp === undefined ? '' : ` @ ${render(e.timestamp, seen, depth)}`
      }`
    case 'SideRecord':
      return `SideRecord(${e.tag?.id ?? '?'}) ${render(e.value, seen, depth + 1)}${at(e.timestamp, seen, depth)}`
    default:
      return undefined
  }
}

function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`
}

function render(value: unknown, seen: Set<unknown>, depth: number): string {
  switch (typeof value) {
    case 'string':
      return quote(value)
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
  if (depth > 4) return '…'
  seen.add(value)
  try {
    const element = renderElement(value as object, seen, depth)
    if (element !== undefined) return element
    if (isOutputTag(value)) return `OutputTag(${value.id})`
    if (isError(value)) return value.message === '' ? value.name : `${value.name}: ${value.message}`
    if (isNotification(value)) return showNotification(value)
    if (Array.isArray(value)) return `[${value.map(v => render(v, seen, depth + 1)).join(', ')}]`
    if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'Invalid' : value.toISOString()})`
    if (value instanceof RegExp) return String(value)
    if (value instanceof Map) {
      const entries = [...value].map(([k, v]) => `${render(k, seen, depth + 1)} => ${render(v, seen, depth + 1)}`)
      return entries.length === 0 ? 'Map {}' : `Map { ${entries.join(', ')} }`
    }
    if (value instanceof Set) {
      const items = [...value].map(v => render(v, seen, depth + 1))
      return items.length === 0 ? 'Set {}' : `Set { ${items.join(', ')} }`
    }
    const obj = value as Record<string, unknown>
    const fields = Object.keys(obj).map(k => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k)}: ${render(obj[k], seen, depth + 1)}`)
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
