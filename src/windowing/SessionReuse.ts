/**
 * @internal
 * Ended sessions' entries and lists, kept to be the next sessions' (the window operator's
 * `bySession` path, on a table whose values stay in memory).
 *
 * Why: a session lives for at least its gap of event time, thousands of records, so its entry
 * (a `WindowState`) and its key's list outlive the young generation's collections and are
 * promoted to the old one, where they die when the session ends. That garbage is not collected
 * before V8's next full collection, whose threshold grows with the run, so the heap's peak grew
 * with the length of a run (Nexmark q11) although the sessions open at once stayed as many.
 * Reused, an ended session's objects are the next session's and nothing is promoted per session.
 *
 * A session's `TimeWindow` is its own too, grown in place (`setBounds`) and reused with it:
 * the assigner's window is copied into it, and a firing hands the window function a copy,
 * which never changes. None of these objects is ever seen by the user.
 */
import { type TimeWindow, timeWindow } from './TimeWindow'
import { newWindowState, type WindowState } from './windowState'

/**
 * How many of each are kept: enough for the sessions that end between two that begin (a
 * watermark ends those it passed at once), few enough that an idle operator keeps little.
 */
const KEPT = 1024

/** @internal */
export class SessionReuse<C> {
  /** Ended sessions' entries, of keys that kept another session. */
  private readonly states: WindowState<C>[] = []
  /** Lists of keys whose last session ended: each still holds that session's entry, its only element. */
  private readonly lists: WindowState<C>[][] = []

  /** A new session's entry, `window` named `namespace`, for a key that has sessions. */
  state(window: TimeWindow, namespace: number): WindowState<C> {
    const state = this.states.pop()
    return state === undefined ? newWindowState<C>(timeWindow(window.start, window.end), namespace) : renew(state, window, namespace)
  }

  /** A key's list holding its first session, `window` named `namespace`. */
  list(window: TimeWindow, namespace: number): WindowState<C>[] {
    const list = this.lists.pop()
    if (list === undefined) return [newWindowState<C>(timeWindow(window.start, window.end), namespace)]
    // Its length stays 1: a list cut to length 0 loses its backing store in V8.
    renew(list[0]!, window, namespace)
    return list
  }

  /** `state` ended, cleared and out of its key's list, which holds other sessions. */
  endedState(state: WindowState<C>): void {
    if (this.states.length < KEPT) this.states.push(state)
  }

  /** `list`'s one session ended, cleared, and the list is out of its table. */
  endedList(list: WindowState<C>[]): void {
    if (this.lists.length < KEPT && list.length === 1) this.lists.push(list)
  }
}

/** `state` as `newWindowState(window, namespace)` makes one, its own window taking `window`'s bounds. */
function renew<C>(state: WindowState<C>, window: TimeWindow, namespace: number): WindowState<C> {
  setBounds(state.window, window.start, window.end)
  state.namespace = namespace
  state.empty = true
  state.contents = undefined
  state.triggerState = undefined
  state.panes = 0
  state.nonEarlyPanes = 0
  return state
}

/** A session's own window as the operator changes it: `TimeWindow`'s fields are read-only to everyone else. */
interface SessionBounds {
  start: number
  end: number
}

/** Sets the bounds of a session's own window (see the module comment: the user never holds it). */
export function setBounds(window: TimeWindow, start: number, end: number): void {
  const bounds: SessionBounds = window
  bounds.start = start
  bounds.end = end
}
