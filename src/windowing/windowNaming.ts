/**
 * @internal
 * How the general window operator names the windows of a non-merging assigner in its timers
 * and backend, and back: grid windows by their start, the global window by 0, a custom
 * assigner's windows by numbers drawn for them. Merging windows are numbered by the operator
 * as it makes them.
 */
import { GLOBAL_WINDOW, type TimeWindow, timeWindow } from './TimeWindow'
import type { WindowAssigner } from './WindowAssigner'
import type { WindowNamespace } from './windowRuntime'

/** How the windows of a non-merging assigner are named (see the module comment), and back. */
export interface WindowNaming {
  of(window: TimeWindow): WindowNamespace
  /** The window a namespace names; `undefined` for a number given back (no key has the window). */
  window(namespace: WindowNamespace): TimeWindow | undefined
  /** Numbers drawn per window (custom assigners): a key's window state holds its number, and snapshots keep it. */
  readonly drawn?: WindowNumbers
}

/**
 * Grid windows (one size, one per start) by their start; the global window (`countWindow`,
 * `globalWindows`) by 0; windows of a custom assigner by a number drawn for each (two numbers
 * do not fit in one). Not used for merging windows, which get a number each.
 */
export function windowNaming(assigner: WindowAssigner<never>): WindowNaming {
  if (assigner.mergeWindows !== undefined) return MERGING_NAMING
  const grid = assigner.grid
  if (grid !== undefined) {
    return { of: startOf, window: start => timeWindow(start, start + grid.size) }
  }
  const drawn = new WindowNumbers()
  return {
    of: window => (isGlobalWindow(window) ? GLOBAL_NAMESPACE : drawn.numberOf(window)),
    window: namespace => (namespace === GLOBAL_NAMESPACE ? GLOBAL_WINDOW : drawn.window(namespace)),
    drawn
  }
}

/** Merging windows are numbered as they are made (`WindowOperator.addWindow`), not named by their bounds. */
const MERGING_NAMING: WindowNaming = {
  of: () => {
    throw new Error('merging windows are not named by their bounds')
  },
  window: () => undefined
}

/** Whether `window` is the global window (all of time), whichever object it is. */
export function isGlobalWindow(window: TimeWindow): boolean {
  return window.start === -Infinity && window.end === Infinity
}

/** The global window's namespace; drawn numbers start above it. */
export const GLOBAL_NAMESPACE = 0

/**
 * The windows of a custom assigner, numbered: one number per window (by its bounds, shared by
 * every key that has it) for as long as some key keeps state in it, found without building a
 * string. Numbers are never drawn twice, so a timer of a window given back finds nothing.
 *
 * Found by one `Map` lookup, by start: a custom assigner's windows rarely share a start (an
 * auction's lifetime, a session of its own), so the first window numbered at a start is kept
 * by its start alone, and only the others at that start go by start and end.
 */
export class WindowNumbers {
  /** The first window numbered at each start (while it has its number). */
  private readonly byStart = new Map<number, NumberedWindow>()
  /** Every other window, by start and then end: those sharing a start with the one of `byStart`. */
  private readonly sharingStart = new Map<number, Map<number, NumberedWindow>>()
  private readonly byNumber = new Map<number, NumberedWindow>()
  /** The next number drawn. */
  next = GLOBAL_NAMESPACE + 1
  /** The window found last, while it has a number: records of one window often come in a row. */
  private last: NumberedWindow | undefined = undefined

  numberOf(window: TimeWindow): number {
    const { start, end } = window
    const last = this.last
    if (last !== undefined && last.window.start === start && last.window.end === end) return last.number
    let numbered = this.byStart.get(start)
    if (numbered === undefined) {
      numbered = this.draw(window)
      this.byStart.set(start, numbered)
    } else if (numbered.window.end !== end) {
      let ends = this.sharingStart.get(start)
      if (ends === undefined) this.sharingStart.set(start, (ends = new Map()))
      numbered = ends.get(end)
      if (numbered === undefined) ends.set(end, (numbered = this.draw(window)))
    }
    this.last = numbered
    return numbered.number
  }

  window(number: number): TimeWindow | undefined {
    return this.byNumber.get(number)?.window
  }

  /** A key made state in the window. */
  retain(number: number): void {
    const numbered = this.byNumber.get(number)
    if (numbered !== undefined) numbered.keys++
  }

  /** A key dropped its state in the window; the last one gives the number back. */
  release(number: number): void {
    const numbered = this.byNumber.get(number)
    if (numbered === undefined || --numbered.keys > 0) return
    if (numbered === this.last) this.last = undefined
    this.byNumber.delete(number)
    const { start, end } = numbered.window
    const ends = this.sharingStart.get(start)
    const first = this.byStart.get(start) === numbered
    if (ends === undefined) {
      if (first) this.byStart.delete(start)
      return
    }
    if (first) {
      // Another window at this start takes its place.
      const [otherEnd, other] = ends.entries().next().value as [number, NumberedWindow]
      this.byStart.set(start, other)
      ends.delete(otherEnd)
    } else ends.delete(end)
    if (ends.size === 0) this.sharingStart.delete(start)
  }

  /** A key's restored state in the window `number` named when the snapshot was taken. */
  restore(number: number, window: TimeWindow): void {
    this.last = undefined
    let numbered = this.byNumber.get(number)
    if (numbered === undefined) {
      numbered = { window, number, keys: 0 }
      this.byNumber.set(number, numbered)
      if (!this.byStart.has(window.start)) this.byStart.set(window.start, numbered)
      else {
        let ends = this.sharingStart.get(window.start)
        if (ends === undefined) this.sharingStart.set(window.start, (ends = new Map()))
        ends.set(window.end, numbered)
      }
    }
    numbered.keys++
    if (number >= this.next) this.next = number + 1
  }

  /** A new number for `window`, filed by number (the caller files it by bounds). */
  private draw(window: TimeWindow): NumberedWindow {
    const numbered: NumberedWindow = { window, number: this.next++, keys: 0 }
    this.byNumber.set(numbered.number, numbered)
    return numbered
  }
}

interface NumberedWindow {
  readonly window: TimeWindow
  readonly number: number
  /** The keys with state in it. */
  keys: number
}

function startOf(window: TimeWindow): number {
  return window.start
}
