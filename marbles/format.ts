/**
 * @internal
 * Short, total (never throwing) renderings of values, stream elements and notifications for
 * failure messages.
 */
import { renderValue, type RenderStyle } from '../src/core/describe'
import { isError, isNotification, isOutputTag, type NotificationLike } from './equality'

/** Single-quoted, escaped strings, as in the marble legends. */
function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`
}

const STYLE: RenderStyle = { quote, maxLength: 100, special: renderSpecial }

/** @internal Renders a value (stream elements the readable way), cut to about 100 characters. */
export function show(value: unknown): string {
  return renderValue(value, STYLE)
}

/** @internal An event time or watermark: `+Infinity`, `-Infinity`, `-0` spelled out. */
export function showTime(t: unknown): string {
  if (t === Infinity) return '+Infinity'
  return renderValue(t, STYLE)
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
): 'Record' | 'Watermark' | 'StreamStatus' | 'CheckpointBarrier' | 'CancelCheckpointMarker' | 'SideRecord' | undefined {
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
    case 'CancelCheckpointMarker':
      return typeof e.checkpointId === 'number' ? 'CancelCheckpointMarker' : undefined
    case 'SideRecord':
      return isOutputTag(e.tag) ? 'SideRecord' : undefined
    default:
      return undefined
  }
}

function at(timestamp: number, render: (part: unknown) => string): string {
  return timestamp === -Infinity ? ' (no timestamp)' : ` @ ${timestamp === Infinity ? '+Infinity' : render(timestamp)}`
}

/** Stream elements, output tags, errors and notifications, in the form the diagrams use. */
function renderSpecial(value: object, render: (part: unknown) => string): string | undefined {
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
      return `Record ${render(e.value)}${at(e.timestamp, render)}${e.key === undefined ? '' : ` key ${render(e.key)}`}`
    case 'Watermark':
      return `Watermark ${showTime(e.timestamp)}`
    case 'StreamStatus':
      return `StreamStatus ${e.idle === true ? 'idle' : 'active'}`
    case 'CheckpointBarrier':
      return `CheckpointBarrier ${e.checkpointId}${e.kind === 'checkpoint' || e.kind === undefined ? '' : ` ${String(e.kind)}`}${
        e.timestamp === 0 || e.timestamp === undefined ? '' : ` @ ${render(e.timestamp)}`
      }`
    case 'CancelCheckpointMarker':
      return `CancelCheckpointMarker ${e.checkpointId}`
    case 'SideRecord':
      return `SideRecord(${e.tag?.id ?? '?'}) ${render(e.value)}${at(e.timestamp, render)}`
  }
  if (isOutputTag(value)) return `OutputTag(${value.id})`
  if (isError(value)) return value.message === '' ? value.name : `${value.name}: ${value.message}`
  if (isNotification(value)) return showNotification(value)
  return undefined
}
