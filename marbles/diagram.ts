/**
 * @internal
 * Failure messages that draw expected and actual streams as marble lanes, with a legend of
 * the letters and the first difference.
 */
import { difference, isNotification, type NotificationLike, streamEquals } from './equality'
import { elementKind, show, showNotification } from './format'

/** @internal What the `TestScheduler` records per notification. */
export interface TestMessageLike {
  readonly frame: number
  readonly notification: NotificationLike
}

/** @internal What the `TestScheduler` records per subscription. */
export interface SubscriptionLogLike {
  readonly subscribedFrame: number
  readonly unsubscribedFrame: number
}

/** @internal The letters the user wrote, to reuse them in the diagram. */
export interface LetterHint {
  /** The letter written for each expected message (`undefined` for `|` and `#`). */
  readonly letters: ReadonlyArray<string | undefined>
  /** The user's `values` map. */
  readonly values: ReadonlyArray<readonly [string, unknown]>
}

/** @internal */
export interface DrawOptions {
  /** Frames per marble character: 1 in run mode, `TestScheduler.frameTimeFactor` outside. */
  readonly frameTimeFactor: number
  readonly runMode: boolean
  readonly hint?: LetterHint
}

/** Gaps longer than this many characters are compressed. */
const LONG_GAP = 20

/** @internal */
export function isMessageArray(x: unknown): x is TestMessageLike[] {
  return (
    Array.isArray(x) &&
    x.every(
      (m: unknown) =>
        typeof m === 'object' &&
        m !== null &&
        typeof (m as { frame?: unknown }).frame === 'number' &&
        isNotification((m as { notification?: unknown }).notification)
    )
  )
}

/** @internal */
export function isSubscriptionLogArray(x: unknown): x is SubscriptionLogLike[] {
  return (
    Array.isArray(x) &&
    x.every(
      (l: unknown) =>
        typeof l === 'object' &&
        l !== null &&
        typeof (l as { subscribedFrame?: unknown }).subscribedFrame === 'number' &&
        typeof (l as { unsubscribedFrame?: unknown }).unsubscribedFrame === 'number'
    )
  )
}

// -------------------------------------------------------------------------------------
// letters
// -------------------------------------------------------------------------------------

const SPECIAL = new Set([' ', '-', '|', '#', '(', ')', '^', '!', '[', ']'])
const LOWER = 'abcdefghijklmnopqrstuvwxyz'
const UPPER_FROM_W = 'WXYZVUTSRQPONMLKJHGFEDCBA'
const BARRIERS = 'BCDEFGHJKLMNOPQRSTUVWXYZ'
const FALLBACK = /*#__PURE__*/ (() => {
  let pool = `${LOWER}${LOWER.toUpperCase()}αβγδεζηθκλμνξπρστυφχψωΓΔΘΛΞΠΣΦΨΩ`
  for (let cp = 0x100; cp < 0x250; cp++) pool += String.fromCodePoint(cp)
  return [...pool]
})()

function preferredLetters(value: unknown): readonly string[] {
  switch (elementKind(value)) {
    case 'Watermark':
      return [...UPPER_FROM_W]
    case 'StreamStatus':
      return (value as { idle: boolean }).idle ? ['I', ...UPPER_FROM_W] : ['A', ...UPPER_FROM_W]
    case 'CheckpointBarrier':
    case 'CancelCheckpointMarker':
      return [...BARRIERS]
    case 'Record':
    case 'SideRecord':
    default:
      return [...LOWER]
  }
}

/** A single printable character that may stand for itself in a marble string. */
function selfLetter(value: unknown): string | undefined {
  if (typeof value !== 'string' || [...value].length !== 1) return undefined
  if (SPECIAL.has(value) || /[\s\d]/.test(value) || (value.codePointAt(0) ?? 0) >= 0x1100) return undefined
  return value
}

class Legend {
  private readonly byLetter = new Map<string, unknown>()
  private readonly reserved: Set<string>

  constructor(
    reserved: Iterable<string>,
    private readonly candidates: ReadonlyArray<readonly [string, unknown]>
  ) {
    this.reserved = new Set(reserved)
  }

  define(letter: string, value: unknown): void {
    if (!this.byLetter.has(letter)) this.byLetter.set(letter, value)
    this.reserved.add(letter)
  }

  letterFor(value: unknown): string {
    for (const [letter, v] of this.byLetter) if (streamEquals(v, value)) return letter
    for (const [letter, v] of this.candidates) {
      if (!this.byLetter.has(letter) && streamEquals(v, value)) return this.use(letter, value)
    }
    const self = selfLetter(value)
    if (self !== undefined && !this.reserved.has(self)) return this.use(self, value)
    for (const letter of preferredLetters(value)) if (!this.reserved.has(letter)) return this.use(letter, value)
    for (const letter of FALLBACK) if (!this.reserved.has(letter)) return this.use(letter, value)
    return '?'
  }

  valueOf(letter: string): unknown {
    return this.byLetter.get(letter)
  }

  private use(letter: string, value: unknown): string {
    this.define(letter, value)
    return letter
  }
}

function tokenOf(notification: NotificationLike, letter: string | undefined): string {
  return notification.kind === 'C' ? '|' : notification.kind === 'E' ? '#' : (letter ?? '?')
}

// -------------------------------------------------------------------------------------
// lanes
// -------------------------------------------------------------------------------------

interface Lane {
  readonly tokens: Map<number, string[]>
}

interface Layout {
  readonly lines: string[]
  readonly approximate: boolean
  readonly compressed: boolean
  readonly start: number
}

function laneOf(messages: readonly TestMessageLike[], letters: ReadonlyArray<string | undefined>): Lane {
  const tokens = new Map<number, string[]>()
  messages.forEach((m, i) => {
    const list = tokens.get(m.frame) ?? []
    list.push(tokenOf(m.notification, letters[i]))
    tokens.set(m.frame, list)
  })
  return { tokens }
}

function group(tokens: readonly string[] | undefined): string {
  if (tokens === undefined) return ''
  return tokens.length === 1 ? tokens[0] : `(${tokens.join('')})`
}

/** Draws lanes on one time axis, so that their characters line up frame by frame. */
function layout(lanes: readonly Lane[], options: DrawOptions): Layout {
  const factor = options.frameTimeFactor
  const frames = [...new Set(lanes.flatMap(l => [...l.tokens.keys()]))].sort((a, b) => a - b)
  const start = Math.min(0, frames[0] ?? 0)
  const lines = lanes.map(() => '')
  const ended = lanes.map(() => false)
  let cursor = start
  let approximate = false
  let compressed = false
  for (const frame of frames) {
    let gap = frame - cursor
    if (gap < 0) {
      approximate = true
      gap = 0
    }
    let chars = gap / factor
    if (!Number.isInteger(chars)) {
      approximate = true
      chars = Math.round(chars)
    }
    if (chars > LONG_GAP) {
      compressed = true
      if (!options.runMode) approximate = true
      const text = options.runMode ? ` ${gap}ms ` : ' … '
      lanes.forEach((_, i) => (lines[i] += ended[i] ? ' '.repeat(text.length) : text))
    } else {
      lanes.forEach((_, i) => (lines[i] += (ended[i] ? ' ' : '-').repeat(chars)))
    }
    const drawn = lanes.map(l => group(l.tokens.get(frame)))
    const width = Math.max(...drawn.map(d => d.length))
    lanes.forEach((lane, i) => {
      lines[i] += drawn[i]
      if (lane.tokens.get(frame)?.some(t => t === '|' || t === '#') === true) ended[i] = true
      lines[i] += (ended[i] ? ' ' : '-').repeat(width - drawn[i].length)
    })
    cursor = Math.max(cursor, frame) + width * factor
  }
  return { lines: lines.map(l => l.trimEnd()), approximate, compressed, start }
}

function byFrame(lane: Lane): string {
  const frames = [...lane.tokens.keys()].sort((a, b) => a - b)
  return frames.length === 0 ? '(no events)' : frames.map(f => `${f}:${group(lane.tokens.get(f))}`).join(' ')
}

// -------------------------------------------------------------------------------------
// messages
// -------------------------------------------------------------------------------------

/** @internal The failure message for two recorded streams: lanes, legend, first difference. */
export function describeStreamMismatch(
  expected: readonly TestMessageLike[],
  actual: readonly TestMessageLike[],
  options: DrawOptions
): string {
  const hint = options.hint !== undefined && options.hint.letters.length === expected.length ? options.hint : undefined
  const legend = new Legend(
    [...(hint?.values.map(([letter]) => letter) ?? []), ...(hint?.letters.filter((l): l is string => l !== undefined) ?? [])],
    hint?.values ?? []
  )
  const expectedLetters: Array<string | undefined> = expected.map((m, i) => {
    const letter = hint?.letters[i]
    if (m.notification.kind === 'N' && letter !== undefined) legend.define(letter, m.notification.value)
    return letter
  })
  expected.forEach((m, i) => {
    if (m.notification.kind === 'N' && expectedLetters[i] === undefined) expectedLetters[i] = legend.letterFor(m.notification.value)
  })
  const actualLetters = actual.map(m => (m.notification.kind === 'N' ? legend.letterFor(m.notification.value) : undefined))

  const lanes = [laneOf(expected, expectedLetters), laneOf(actual, actualLetters)]
  const drawn = layout(lanes, options)
  const scale = `1 character = ${options.frameTimeFactor} frame${options.frameTimeFactor === 1 ? '' : 's'}`
  const notes = [
    drawn.compressed
      ? options.runMode
        ? `gaps over ${LONG_GAP} frames written as ' Nms ' time progressions`
        : `gaps over ${LONG_GAP} characters shortened to ' … '`
      : undefined,
    drawn.start < 0 ? `lanes start at frame ${drawn.start}` : undefined
  ].filter((n): n is string => n !== undefined)
  const out: string[] = [`Stream mismatch (processing time, ${scale}${notes.map(n => `; ${n}`).join('')}):`]
  out.push(`expected: ${drawn.lines[0] === '' ? '(no events)' : drawn.lines[0]}`)
  out.push(`actual:   ${drawn.lines[1] === '' ? '(no events)' : drawn.lines[1]}`)
  if (drawn.approximate) {
    out.push('  (not to scale: events are closer together than their groups are wide; by frame:)')
    out.push(`  expected at ${byFrame(lanes[0])}`)
    out.push(`  actual at   ${byFrame(lanes[1])}`)
  }

  // legend, in order of first appearance
  const seen = new Set<string>()
  const legendLines: string[] = []
  for (const letter of [...expectedLetters, ...actualLetters]) {
    if (letter === undefined || seen.has(letter)) continue
    seen.add(letter)
    const value = legend.valueOf(letter)
    if (value === letter) continue // a one-character string stands for itself
    legendLines.push(`  ${letter} = ${show(value)}`)
  }
  const expectedError = expected.find(m => m.notification.kind === 'E')?.notification.error
  const actualError = actual.find(m => m.notification.kind === 'E')?.notification.error
  const hasExpectedError = expected.some(m => m.notification.kind === 'E')
  const hasActualError = actual.some(m => m.notification.kind === 'E')
  if (hasExpectedError && hasActualError && streamEquals(expectedError, actualError)) {
    legendLines.push(`  # = error ${show(expectedError)}`)
  } else {
    if (hasExpectedError) legendLines.push(`  # = error ${show(expectedError)} (expected)`)
    if (hasActualError) legendLines.push(`  # = error ${show(actualError)} (actual)`)
  }
  out.push(...legendLines)
  out.push(firstDifference(expected, actual))
  return out.join('\n')
}

function firstDifference(expected: readonly TestMessageLike[], actual: readonly TestMessageLike[]): string {
  const length = Math.max(expected.length, actual.length)
  for (let i = 0; i < length; i++) {
    const e = expected[i] as TestMessageLike | undefined
    const a = actual[i] as TestMessageLike | undefined
    const same = e !== undefined && a !== undefined && streamEquals(e.notification, a.notification)
    if (same && e.frame === a.frame) continue
    if (e !== undefined && a !== undefined && e.frame === a.frame) {
      return `first difference at frame ${e.frame}: expected ${showNotification(e.notification)}, got ${showNotification(a.notification)}${detail(e.notification, a.notification)}`
    }
    if (e !== undefined && (a === undefined || a.frame > e.frame)) {
      return `first difference at frame ${e.frame}: expected ${showNotification(e.notification)}, got nothing${
        same ? ` (it came at frame ${a.frame})` : ''
      }`
    }
    if (a !== undefined) {
      return `first difference at frame ${a.frame}: expected nothing, got ${showNotification(a.notification)}${
        same ? ` (it was expected at frame ${e.frame})` : ''
      }`
    }
  }
  return 'no difference found by frame; the streams differ in a way marbles do not show'
}

function detail(e: NotificationLike, a: NotificationLike): string {
  if (e.kind !== 'N' || a.kind !== 'N') return ''
  const d = difference(e.value, a.value)
  if (d === undefined || d.path === '') return ''
  return ` (at ${d.path}: expected ${show(d.expected)}, got ${show(d.actual)}${d.reason === undefined ? '' : `, ${d.reason}`})`
}

/** @internal The failure message for two lists of subscriptions (`expectSubscriptions`). */
export function describeSubscriptionMismatch(
  expected: readonly SubscriptionLogLike[],
  actual: readonly SubscriptionLogLike[],
  options: DrawOptions
): string {
  const factor = options.frameTimeFactor
  const drawable = [...expected, ...actual].every(
    l => l.subscribedFrame / factor <= 80 && (l.unsubscribedFrame === Infinity || l.unsubscribedFrame / factor <= 80)
  )
  const draw = (l: SubscriptionLogLike): string => {
    if (!drawable) return `subscribed at frame ${l.subscribedFrame}, unsubscribed ${l.unsubscribedFrame === Infinity ? 'never' : `at frame ${l.unsubscribedFrame}`}`
    const before = '-'.repeat(Math.max(0, Math.round(l.subscribedFrame / factor)))
    if (l.unsubscribedFrame === Infinity) return `${before}^`
    if (l.unsubscribedFrame === l.subscribedFrame) return `${before}(^!)`
    return `${before}^${'-'.repeat(Math.max(0, Math.round((l.unsubscribedFrame - l.subscribedFrame) / factor) - 1))}!`
  }
  const lane = (label: string, logs: readonly SubscriptionLogLike[]): string[] =>
    logs.length === 0 ? [`${label}(no subscriptions)`] : logs.map((l, i) => `${i === 0 ? label : ' '.repeat(label.length)}${draw(l)}`)
  const out = [`Subscriptions differ (processing time, 1 character = ${factor} frame${factor === 1 ? '' : 's'}):`]
  out.push(...lane('expected: ', expected), ...lane('actual:   ', actual))
  const span = (l: SubscriptionLogLike | undefined): string =>
    l === undefined ? 'no subscription' : `frames ${l.subscribedFrame} to ${l.unsubscribedFrame === Infinity ? 'the end' : l.unsubscribedFrame}`
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    const e = expected[i] as SubscriptionLogLike | undefined
    const a = actual[i] as SubscriptionLogLike | undefined
    if (e !== undefined && a !== undefined && e.subscribedFrame === a.subscribedFrame && e.unsubscribedFrame === a.unsubscribedFrame) continue
    out.push(`first difference: subscription ${i + 1}: expected ${span(e)}, got ${span(a)}`)
    break
  }
  return out.join('\n')
}

/** @internal The failure message for any other two values. */
export function describeValueMismatch(expected: unknown, actual: unknown): string {
  const d = difference(expected, actual)
  const head = `Values differ: expected ${show(expected)}, got ${show(actual)}`
  if (d === undefined || d.path === '') return d?.reason === undefined ? head : `${head} (${d.reason})`
  return `${head}\nfirst difference at ${d.path}: expected ${show(d.expected)}, got ${show(d.actual)}${d.reason === undefined ? '' : ` (${d.reason})`}`
}
