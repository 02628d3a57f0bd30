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
 * Found by a `Map` keyed by a small integer, the low 30 bits of the window's start, whose list
 * holds the windows under it: nearly always one (more for windows sharing a start, or starts
 * 2^30 ms apart). A `Map` keyed by the start itself, a timestamp beyond V8's small integers,
 * boxes the number on every lookup and compares it by value: measured 2–3 times the cost.
 */
export class WindowNumbers {
  private readonly byHash = new Map<number, NumberedWindow[]>()
  private readonly byNumber = new Map<number, NumberedWindow>()
  /** The next number drawn. */
  next = GLOBAL_NAMESPACE + 1
  /** The window found last, while it has a number: records of one window often come in a row. */
  private last: NumberedWindow | undefined = undefined

  numberOf(window: TimeWindow): number {
    const { start, end } = window
    const last = this.last
    if (last !== undefined && last.window.start === start && last.window.end === end) return last.number
    const list = this.listOf(start)
    // A loop, not `find`: no closure per lookup (records of other windows come between those of one).
    let numbered: NumberedWindow | undefined
    for (let i = 0; i < list.length; i++) {
      const n = list[i]!
      if (n.window.start === start && n.window.end === end) {
        numbered = n
        break
      }
    }
    if (numbered === undefined) {
      list.push((numbered = { window, number: this.next++, keys: 0 }))
      this.byNumber.set(numbered.number, numbered)
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
    const hash = numbered.window.start & 0x3fffffff
    const list = this.byHash.get(hash)!
    // Nearly always the only window under its hash: then no `indexOf` and no `splice`.
    if (list.length === 1) this.byHash.delete(hash)
    else list.splice(list.indexOf(numbered), 1)
  }

  /** A key's restored state in the window `number` named when the snapshot was taken. */
  restore(number: number, window: TimeWindow): void {
    this.last = undefined
    let numbered = this.byNumber.get(number)
    if (numbered === undefined) {
      this.listOf(window.start).push((numbered = { window, number, keys: 0 }))
      this.byNumber.set(number, numbered)
    }
    numbered.keys++
    if (number >= this.next) this.next = number + 1
  }

  /** The windows under the hash of `start` (made empty if none). */
  private listOf(start: number): NumberedWindow[] {
    const hash = start & 0x3fffffff
    let list = this.byHash.get(hash)
    if (list === undefined) this.byHash.set(hash, (list = []))
    return list
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
