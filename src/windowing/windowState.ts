/**
 * @internal
 * A window's state in the general window operator (contents, the trigger's JSON cells) and how
 * it goes into snapshots and back.
 */
import { StateError } from '../core/errors'
import { describeValue } from '../core/describe'
import type { OperatorInfo } from '../core/OperatorOptions'
import type { TableCodec } from '../state/KeyedStateBackend'
import { jsonIncompatibility } from '../state/snapshotFormat'
import type { TimeWindow } from './TimeWindow'
import type { TriggerState } from './Trigger'
import type { Fail, WindowContents } from './WindowContents'
import { GLOBAL_NAMESPACE, isGlobalWindow, type WindowNaming } from './windowNaming'
import { decodeWindow, encodeWindow, type WindowNamespace } from './windowRuntime'

/** A window of a key: its bounds, name, contents and the trigger's JSON cells. */
export interface WindowState<C> {
  /** Replaced, with the namespace, only when a session grows in place (`bySession`). */
  window: TimeWindow
  /** Its name in the timers and the backend (see the module comment). */
  namespace: WindowNamespace
  /** No contents (never added, purged, or all evicted). */
  empty: boolean
  contents: C | undefined
  /**
   * The trigger's plain JSON cells (`getState`), kept in the window's entry. Its descriptor
   * state (`getPartitionedState`) is in the backend, in the window's namespace.
   */
  triggerState: Map<string, unknown> | undefined
  /** How many times the window fired (its next pane's index), and how many of those panes were not early. */
  panes: number
  nonEarlyPanes: number
}

export function newWindowState<C>(window: TimeWindow, namespace: WindowNamespace): WindowState<C> {
  return { window, namespace, empty: true, contents: undefined, triggerState: undefined, panes: 0, nonEarlyPanes: 0 }
}

/**
 * How a window's state goes into a snapshot: `{ window: [start, end], contents?, trigger?,
 * panes? }`, the contents (left out when empty) through the window's `WindowContents`, the
 * trigger state as `[name, value]` pairs of plain JSON data (the trigger API has no codecs),
 * the panes fired so far as `[panes, nonEarlyPanes]` (left out before the first firing, and in
 * snapshots older than pane information, which then restore as never fired). A merging window
 * also has its `namespace`, which its timers name it by; another window's follows from its
 * bounds.
 */
interface EncodedWindowState {
  window: unknown
  namespace?: unknown
  contents?: unknown
  trigger?: unknown
  panes?: unknown
}

function encodeWindowState<C>(
  info: OperatorInfo,
  table: string,
  contents: WindowContents<never, C, unknown, unknown>,
  state: WindowState<C>,
  withNamespace: boolean
): EncodedWindowState {
  const { start, end } = state.window
  const fail = (detail: string): never => {
    throw new StateError(info, table, `cannot snapshot the window [${start}, ${end}): ${detail}`)
  }
  const encoded: EncodedWindowState = { window: encodeWindow(state.window) }
  if (withNamespace) encoded.namespace = state.namespace
  if (!state.empty) encoded.contents = contents.encode(state.contents as C, fail)
  if (state.triggerState !== undefined && state.triggerState.size > 0) encoded.trigger = encodeTriggerState(state.triggerState, fail)
  if (state.panes > 0) encoded.panes = [state.panes, state.nonEarlyPanes]
  return encoded
}

function decodeWindowState<C>(
  encoded: unknown,
  contents: WindowContents<never, C, unknown, unknown>,
  namespaceOf: ((window: TimeWindow) => WindowNamespace) | undefined,
  fail: Fail
): WindowState<C> {
  // namespaceOf: the namespace follows from the window; else it is in the snapshot.
  if (typeof encoded !== 'object' || encoded === null || Array.isArray(encoded)) {
    return fail(`expected a window's state { window, contents?, trigger? }, got ${describeValue(encoded)}`)
  }
  const fields = encoded as EncodedWindowState
  const window = decodeWindow(fields.window) ?? fail(`${describeValue(fields.window)} is not a window [start, end]`)
  let namespace: WindowNamespace
  if (namespaceOf !== undefined) namespace = namespaceOf(window)
  else if (Number.isSafeInteger(fields.namespace) && (fields.namespace as number) >= 0) namespace = fields.namespace as number
  else return fail(`the window [${window.start}, ${window.end}) has no namespace (a count), got ${describeValue(fields.namespace)}`)
  const empty = !('contents' in fields)
  const [panes, nonEarlyPanes] = fields.panes === undefined ? [0, 0] : decodePanes(fields.panes, fail)
  return {
    window,
    namespace,
    empty,
    contents: empty ? undefined : contents.decode(fields.contents, fail),
    triggerState: fields.trigger === undefined ? undefined : decodeTriggerState(fields.trigger, fail),
    panes,
    nonEarlyPanes
  }
}

function decodePanes(encoded: unknown, fail: Fail): [number, number] {
  if (Array.isArray(encoded) && encoded.length === 2) {
    const [panes, nonEarlyPanes] = encoded as unknown[]
    if (isCount(panes) && isCount(nonEarlyPanes) && nonEarlyPanes <= panes) return [panes, nonEarlyPanes]
  }
  return fail(`the panes fired ${describeValue(encoded)} are not [panes, nonEarlyPanes] (counts, the second at most the first)`)
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0
}

export const WINDOWS = 'windows'
/** The field of a window's state that holds its contents (a backend may keep a list's items apart: `elementsField`). */
export const CONTENTS = 'contents'
export const MERGING_WINDOWS = 'merging-windows'

/**
 * The codec of the `windows` table: one window's state per namespace. A custom assigner's
 * window keeps its drawn number (its timers name it by that), and is numbered again on restore.
 */
export function windowStateCodec<C>(info: OperatorInfo, contents: WindowContents<never, C, unknown, unknown>, naming: WindowNaming): TableCodec<WindowState<C>> {
  const { drawn } = naming
  /** A custom assigner's window state, under the number it was written with. */
  const numbered = (encoded: unknown, fail: Fail): WindowState<C> =>
    decodeWindowState(encoded, contents, (window: TimeWindow) => (isGlobalWindow(window) ? GLOBAL_NAMESPACE : numberIn(encoded, fail)), fail)
  return {
    encode: state => encodeWindowState(info, WINDOWS, contents, state, drawn !== undefined && state.namespace !== GLOBAL_NAMESPACE),
    decode: (encoded, fail) => {
      if (drawn === undefined) return decodeWindowState(encoded, contents, naming.of, fail)
      const state = numbered(encoded, fail)
      if (state.namespace !== GLOBAL_NAMESPACE) drawn.restore(state.namespace, state.window)
      return state
    },
    // A window state read back from a store on disk: its number is drawn already (when the
    // window was made, or by the restore), and counting the key in it again would keep the
    // number after the window is gone.
    load: (encoded, fail) => (drawn === undefined ? decodeWindowState(encoded, contents, naming.of, fail) : numbered(encoded, fail))
  }
}

/** The drawn number a custom assigner's window state was snapshotted with. */
function numberIn(encoded: unknown, fail: Fail): number {
  const namespace = (encoded as EncodedWindowState).namespace
  return Number.isSafeInteger(namespace) && (namespace as number) > GLOBAL_NAMESPACE
    ? (namespace as number)
    : fail(`the window of a custom assigner has no number, got ${describeValue(namespace)}`)
}

/** The codec of the `merging-windows` table: a key's windows, as a list. */
export function mergingWindowsCodec<C>(info: OperatorInfo, contents: WindowContents<never, C, unknown, unknown>): TableCodec<WindowState<C>[]> {
  return {
    encode: list => list.map(state => encodeWindowState(info, MERGING_WINDOWS, contents, state, true)),
    decode: (encoded, fail) =>
      Array.isArray(encoded) && encoded.length > 0
        ? encoded.map((state: unknown) => decodeWindowState(state, contents, undefined, fail))
        : fail(`expected a key's merging windows, a list of window states, got ${describeValue(encoded)}`)
  }
}

function encodeTriggerState(state: ReadonlyMap<string, unknown>, fail: Fail): [string, unknown][] {
  return Array.from(state, ([name, value]) => {
    const reason = jsonIncompatibility(value, `trigger state "${name}"`)
    return reason === undefined ? [name, value] : fail(`${reason}; trigger state is snapshotted as it is, so it must be plain JSON data`)
  })
}

function decodeTriggerState(encoded: unknown, fail: Fail): Map<string, unknown> {
  if (!Array.isArray(encoded)) return fail(`the trigger state ${describeValue(encoded)} is not a list of [name, value]`)
  return new Map(
    encoded.map((entry: unknown) =>
      Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string'
        ? ([entry[0], entry[1]] as const)
        : fail(`the trigger state entry ${describeValue(entry)} is not a [name, value] pair`)
    )
  )
}

export function stateCell<S>(state: WindowState<unknown>, name: string): TriggerState<S> {
  return {
    value: () => state.triggerState?.get(name) as S | undefined,
    update: value => void (state.triggerState ??= new Map()).set(name, value),
    clear: () => void state.triggerState?.delete(name)
  }
}

