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
export function windowNaming(assigner: WindowAssigner<never>, indexed = true): WindowNaming {
  if (assigner.mergeWindows !== undefined) return MERGING_NAMING
  const grid = assigner.grid
  if (grid !== undefined) {
    return { of: startOf, window: start => timeWindow(start, start + grid.size) }
  }
  const drawn = new WindowNumbers(indexed)
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
 * Found by a `Map` keyed by a small integer, the low 30 bits of the window's start, holding the
 * window under it, or a list of them: nearly always one (more for windows sharing a start, or
 * starts 2^30 ms apart). A `Map` keyed by the start itself, a timestamp beyond V8's small
 * integers, boxes the number on every lookup and compares it by value: measured 2–3 times the
 * cost. A key taking or dropping a window names it by its bounds too (`retain`, `release`), so
 * a window's number is kept and given back without a lookup by number; that index (for
 * `window(number)`) is kept only where timers may ring for a window already given back, which
 * a trigger's own timers may; the end-of-window firing of the event-time trigger never does,
 * and without the index such a lookup reads every window.
 */
export class WindowNumbers {
  private readonly byStart = new Map<number, NumberedWindow | NumberedWindow[]>()
  /** By number: only when `indexed`. */
  private readonly byNumber: Map<number, NumberedWindow> | undefined
  /** The next number drawn. */
  next = GLOBAL_NAMESPACE + 1
  /** The window found last, while it has a number: records of one window often come in a row. */
  private last: NumberedWindow | undefined = undefined

  constructor(indexed = true) {
    this.byNumber = indexed ? new Map() : undefined
  }

  numberOf(window: TimeWindow): number {
    const { start, end } = window
    const last = this.last
    if (last !== undefined && last.window.start === start && last.window.end === end) return last.number
    const hash = start & HASH_MASK
    const found = this.byStart.get(hash)
    let numbered = found === undefined ? undefined : withBounds(found, start, end)
    if (numbered === undefined) this.add(hash, found, (numbered = new NumberedWindow(window, this.next++)))
    this.last = numbered
    return numbered.number
  }

  window(number: number): TimeWindow | undefined {
    if (this.byNumber !== undefined) return this.byNumber.get(number)?.window
    for (const found of this.byStart.values()) {
      if (!Array.isArray(found)) {
        if (found.number === number) return found.window
      } else {
        for (const n of found) if (n.number === number) return n.window
      }
    }
    return undefined
  }

  /** A key made state in `window`, numbered `number`. */
  retain(number: number, window: TimeWindow): void {
    const numbered = this.last?.number === number ? this.last : this.find(number, window)
    if (numbered !== undefined) numbered.keys++
  }

  /** A key dropped its state in `window`, numbered `number`; the last one gives the number back. */
  release(number: number, window: TimeWindow): void {
    const numbered = this.find(number, window)
    if (numbered === undefined || --numbered.keys > 0) return
    if (numbered === this.last) this.last = undefined
    this.byNumber?.delete(number)
    const hash = window.start & HASH_MASK
    const found = this.byStart.get(hash)!
    // Nearly always the only window under its hash: then no list at all.
    if (!Array.isArray(found)) this.byStart.delete(hash)
    else if (found.length === 2) this.byStart.set(hash, found[found[0] === numbered ? 1 : 0]!)
    else found.splice(found.indexOf(numbered), 1)
  }

  /** A key's restored state in the window `number` named when the snapshot was taken. */
  restore(number: number, window: TimeWindow): void {
    this.last = undefined
    let numbered = this.find(number, window)
    if (numbered === undefined) {
      const hash = window.start & HASH_MASK
      this.add(hash, this.byStart.get(hash), (numbered = new NumberedWindow(window, number)))
    }
    numbered.keys++
    if (number >= this.next) this.next = number + 1
  }

  /** Files `numbered` under `hash`, where `found` is filed now. */
  private add(hash: number, found: NumberedWindow | NumberedWindow[] | undefined, numbered: NumberedWindow): void {
    if (found === undefined) this.byStart.set(hash, numbered)
    else if (!Array.isArray(found)) this.byStart.set(hash, [found, numbered])
    else found.push(numbered)
    this.byNumber?.set(numbered.number, numbered)
  }

  /** The window numbered `number` (which has `window`'s start), if it has its number still. */
  private find(number: number, window: TimeWindow): NumberedWindow | undefined {
    const found = this.byStart.get(window.start & HASH_MASK)
    if (found === undefined) return undefined
    if (!Array.isArray(found)) return found.number === number ? found : undefined
    for (let i = 0; i < found.length; i++) if (found[i]!.number === number) return found[i]
    return undefined
  }
}

/** The start's bits a window is found by (V8's small integers hold 31 bits). */
const HASH_MASK = 0x3fffffff

/** The window with bounds `[start, end)` among those filed under one hash; a loop, not `find`: no closure per lookup. */
function withBounds(found: NumberedWindow | NumberedWindow[], start: number, end: number): NumberedWindow | undefined {
  if (!Array.isArray(found)) return found.window.start === start && found.window.end === end ? found : undefined
  for (let i = 0; i < found.length; i++) {
    const n = found[i]!
    if (n.window.start === start && n.window.end === end) return n
  }
  return undefined
}

class NumberedWindow {
  /** The keys with state in it. */
  keys = 0

  constructor(
    readonly window: TimeWindow,
    readonly number: number
  ) {}
}

function startOf(window: TimeWindow): number {
  return window.start
}
