/**
 * @internal
 * Rescaling at the snapshot level (Flink's state redistribution on a parallelism change): the
 * snapshots one operator's subtasks took at one parallelism become the snapshots of its
 * subtasks at another. Parallel execution comes later; this is what it will restore with.
 *
 * - Keyed state, operator tables and timers are filed by key group, and subtask `i` of `p`
 *   owns the contiguous range of groups Flink gives it (`keyGroupRange`): every entry goes to
 *   the subtask owning its group, without being decoded. Timers keep their firing order.
 * - Operator list state is split evenly, union list state goes whole to every subtask
 *   (`redistributeOperatorState`); broadcast state is the same on every subtask and is copied.
 * - The operator's own part: its watermark is the lowest of the old subtasks' (no subtask may
 *   start ahead of data it owns); windows' per-window key lists (`windowKeys`) keep the keys
 *   of each new subtask's groups, in their order; anything else is the same on every subtask.
 * - `maxParallelism` cannot change: keys would land in other groups.
 */
import { StateError } from '../core/errors'
import type { OperatorInfo } from '../core/OperatorOptions'
import { checkMaxParallelism, keyGroupOfId } from './KeyGroup'
import { type ChunkedKeyedSnapshot, chunksOfKeyGroups, isChunked } from './chunks'
import type { RemovedEntry } from './incremental'
import type { ChunkedTimersSnapshot } from './timerChunks'
import { keyId } from '../core/Key'
import { type OperatorStateSnapshot, redistributeOperatorState, OperatorStateSnapshot as OperatorStateSnapshotCodec } from './OperatorState'
import { decodeKey, decodeTime, describeErrors, encodeTime, type KeyedStateSnapshot, OperatorSnapshot, type SnapshotEntry, type SnapshotState, type TableSnapshot, type TimersSnapshot } from './snapshotFormat'

/** @internal A range of key groups, both ends included (Flink's `KeyGroupRange`); empty when `end < start`. */
export interface KeyGroupRange {
  readonly start: number
  readonly end: number
}

/**
 * @internal
 * The key groups subtask `index` of `parallelism` owns (Flink's
 * `computeKeyGroupRangeForOperatorIndex`): contiguous, as even as integers allow.
 */
export function keyGroupRange(maxParallelism: number, parallelism: number, index: number): KeyGroupRange {
  checkParallelism(maxParallelism, parallelism)
  if (!Number.isSafeInteger(index) || index < 0 || index >= parallelism) throw new RangeError(`keyGroupRange: the subtask index must be in [0, ${parallelism}), got ${String(index)}`)
  return { start: Math.floor((index * maxParallelism + parallelism - 1) / parallelism), end: Math.floor(((index + 1) * maxParallelism - 1) / parallelism) }
}

/** @internal The subtask of `parallelism` owning key group `group` (Flink's `computeOperatorIndexForKeyGroup`). */
export function subtaskOfKeyGroup(maxParallelism: number, parallelism: number, group: number): number {
  return Math.floor((group * parallelism) / maxParallelism)
}

/**
 * @internal
 * The snapshots of one operator's subtasks (one each, in subtask order) redistributed to
 * `parallelism` subtasks. Snapshots that are not operator snapshots of one kind, or keyed
 * state of different max parallelisms, are a `StateError` of `info`'s operator.
 */
export function rescaleOperatorSnapshots(snapshots: readonly unknown[], parallelism: number, info: OperatorInfo): OperatorSnapshot[] {
  if (snapshots.length === 0) throw new RangeError('rescaleOperatorSnapshots: no snapshots to rescale')
  if (!Number.isSafeInteger(parallelism) || parallelism < 1) throw new RangeError(`rescaleOperatorSnapshots: parallelism must be a positive integer, got ${String(parallelism)}`)
  const decoded = snapshots.map((s, i) => {
    const result = OperatorSnapshot.decode(s)
    if (result._tag === 'Left') throw new StateError(info, '*', `cannot rescale: the snapshot of subtask ${i} is not an operator snapshot: ${describeErrors(result.left)}`)
    return result.right
  })
  const kind = decoded[0]!.kind
  const other = decoded.find(s => s.kind !== kind)
  if (other !== undefined) throw new StateError(info, '*', `cannot rescale: the subtasks' snapshots were taken by different operators (${kind}, ${other.kind})`)
  const keyed = decoded.map(s => s.keyed).filter((k): k is KeyedStateSnapshot => k !== undefined)
  const maxParallelism = keyed.length === 0 ? undefined : keyed[0]!.maxParallelism
  if (keyed.some(k => k.maxParallelism !== maxParallelism)) throw new StateError(info, '*', `cannot rescale: the subtasks' keyed state has different max parallelisms (${[...new Set(keyed.map(k => k.maxParallelism))].join(', ')})`)
  if (maxParallelism !== undefined) checkParallelism(maxParallelism, parallelism)
  const operatorStates = decoded.some(s => s.operatorState !== undefined) ? splitOperatorState(decoded.map(s => s.operatorState), parallelism, info) : undefined
  return Array.from({ length: parallelism }, (_, index) => {
    const owns = maxParallelism === undefined ? () => true : inRange(keyGroupRange(maxParallelism, parallelism, index))
    const group = (encodedKey: unknown): number => keyGroupOfId(keyId(decodeKey(encodedKey as SnapshotEntry[1])), maxParallelism!)
    const snapshot: OperatorSnapshot = { format: 'rx-datastream/operator', version: 1, kind }
    if (keyed.length > 0) snapshot.keyed = rescaleKeyed(keyed, owns, maxParallelism === undefined ? undefined : keyGroupRange(maxParallelism, parallelism, index))
    const timers = decoded.map(s => s.timers).filter((x): x is TimersSnapshot => x !== undefined)
    if (timers.length > 0) snapshot.timers = rescaleTimers(timers, owns, maxParallelism === undefined ? undefined : keyGroupRange(maxParallelism, parallelism, index))
    if (operatorStates !== undefined) snapshot.operatorState = operatorStates[index]
    const owns2 = (encodedKey: unknown): boolean => maxParallelism === undefined || owns(group(encodedKey))
    const own = rescaleOwn(decoded.map(s => s.own), owns2, info)
    if (own !== undefined) snapshot.own = own
    return snapshot
  })
}

// -------------------------------------------------------------------------------------
// parts
// -------------------------------------------------------------------------------------

/**
 * The keyed part of the subtask owning `range`: the entries of its groups, and of chunked parts
 * (`chunks.ts`) the chunks that hold any of its groups, with the range, so that a restore keeps
 * of them only its groups' entries, and the increments of chains on them (their owned entries
 * and removals), applied after the chunks. A chunk is never read here.
 */
function rescaleKeyed(keyed: readonly KeyedStateSnapshot[], owns: (group: number) => boolean, range: KeyGroupRange | undefined): KeyedStateSnapshot {
  const states = new Map<string, SnapshotState>()
  for (const snapshot of keyed) {
    for (const state of snapshot.states) {
      const entries = state.entries.filter(e => owns(e[0]))
      const seen = states.get(state.name)
      if (seen === undefined) states.set(state.name, { ...state, entries })
      else seen.entries.push(...entries)
    }
  }
  const tables = new Map<string, TableSnapshot>()
  for (const snapshot of keyed) {
    for (const table of snapshot.tables ?? []) {
      const entries = table.entries.filter(e => owns(e[0]))
      const seen = tables.get(table.name)
      if (seen === undefined) tables.set(table.name, { name: table.name, entries })
      else seen.entries.push(...entries)
    }
  }
  const rescaled: KeyedStateSnapshot = { format: 'rx-datastream/keyed-state', version: 1, maxParallelism: keyed[0]!.maxParallelism, states: [...states.values()], tables: [...tables.values()] }
  if (range === undefined || !keyed.some(k => isChunked(k))) return rescaled
  const chunks = keyed.flatMap(k => (isChunked(k) ? chunksOfKeyGroups(k.chunks, range.start, range.end) : []))
  // A chain on a chunked base: its increments' changes of the owned groups, applied after every chunk (no two subtasks share a key).
  const owned = <P extends { entries: readonly SnapshotEntry[]; removed: readonly RemovedEntry[] }>(part: P): P => ({
    ...part,
    entries: part.entries.filter(e => owns(e[0])),
    removed: part.removed.filter(e => owns(e[0]))
  })
  const increments = keyed.flatMap(k => ((k as ChunkedKeyedSnapshot).increments ?? []).map(i => ({ ...i, states: i.states.map(owned), tables: i.tables.map(owned) })))
  return { ...rescaled, chunks, keyGroups: range, ...(increments.length > 0 ? { increments } : {}) } as KeyedStateSnapshot
}

/**
 * The timers of the subtask owning `range`: the listed ones of its groups, and of chunked parts
 * (`timerChunks.ts`) the chunks that hold any of its groups, with the range, so that a restore
 * keeps of them only its groups' timers, and the increments of chains on them (their owned
 * timers), applied after the chunks. A chunk is never read here.
 */
function rescaleTimers(timers: readonly ChunkedTimersSnapshot[], owns: (group: number) => boolean, range: { start: number; end: number } | undefined): TimersSnapshot {
  const listed = { eventTime: mergeTimers(timers.map(x => x.eventTime), owns), processingTime: mergeTimers(timers.map(x => x.processingTime), owns) }
  if (range === undefined || !timers.some(x => x.chunks !== undefined)) return listed
  const chunks = timers.flatMap(x => chunksOfKeyGroups(x.chunks ?? [], range.start, range.end))
  // A chain on a chunked base: its increments' timers of the owned groups, applied after every chunk (no two subtasks share a timer).
  const ownedTimers = (part: TimersSnapshot): TimersSnapshot => ({ eventTime: part.eventTime.filter(e => owns(e[0])), processingTime: part.processingTime.filter(e => owns(e[0])) })
  const increments = timers.flatMap(x => (x.increments ?? []).map(i => ({ ...i, ...ownedTimers(i), removed: ownedTimers(i.removed) })))
  return { ...listed, chunks, keyGroups: range, ...(increments.length > 0 ? { increments } : {}) } as TimersSnapshot
}

/** The timers of the owned groups from every old subtask, merged by time (each list is in firing order, so the result is too). */
function mergeTimers(lists: readonly TimersSnapshot['eventTime'][], owns: (group: number) => boolean): TimersSnapshot['eventTime'] {
  const owned = lists.map(list => list.filter(timer => owns(timer[0])))
  const merged: TimersSnapshot['eventTime'] = []
  const at = owned.map(() => 0)
  for (;;) {
    let next = -1
    for (let i = 0; i < owned.length; i++) {
      if (at[i]! < owned[i]!.length && (next < 0 || owned[i]![at[i]!]![3] < owned[next]![at[next]!]![3])) next = i
    }
    if (next < 0) return merged
    merged.push(owned[next]![at[next]!++]!)
  }
}

function splitOperatorState(parts: readonly unknown[], parallelism: number, info: OperatorInfo): unknown[] {
  // Broadcast operators keep broadcast state (the same everywhere) beside their list state.
  const decoded = parts.map((part, i) => {
    if (part === undefined) return { format: 'rx-datastream/operator-state' as const, version: 1 as const, lists: [] }
    const result = OperatorStateSnapshotCodec.decode(part)
    if (result._tag === 'Left') {
      if (typeof part === 'object' && part !== null && (part as { format?: unknown }).format === 'rx-datastream/broadcast-state') return part
      throw new StateError(info, '*', `cannot rescale: the operator state of subtask ${i} is not an operator-state snapshot: ${describeErrors(result.left)}`)
    }
    return result.right
  })
  const lists = decoded.filter((d): d is OperatorStateSnapshot => (d as { format?: unknown }).format === 'rx-datastream/operator-state')
  if (lists.length === decoded.length) return redistributeOperatorState(lists, parallelism, info)
  // Broadcast state: every subtask holds the same; each new one gets a copy.
  return Array.from({ length: parallelism }, () => structuredClone(decoded[0]))
}

/** The watermark: the lowest of the subtasks'. `windowKeys`: each window's keys that the subtask owns. The rest: as on the first subtask. */
function rescaleOwn(owns: readonly unknown[], ownsKey: (encodedKey: unknown) => boolean, info: OperatorInfo): Record<string, unknown> | undefined {
  const parts = owns.filter((o): o is Record<string, unknown> => typeof o === 'object' && o !== null)
  if (parts.length === 0) return undefined
  const own: Record<string, unknown> = { ...parts[0]! }
  if ('watermark' in own) own.watermark = encodeTime(Math.min(...parts.map(p => decodeTime(info, p.watermark))))
  if (Array.isArray(own.windowKeys)) {
    const windows = new Map<number, unknown[]>()
    for (const part of parts) {
      for (const [start, keys] of (part.windowKeys ?? []) as Array<[number, unknown[]]>) {
        const owned = keys.filter(ownsKey)
        const seen = windows.get(start)
        if (seen === undefined) windows.set(start, owned)
        else seen.push(...owned)
      }
    }
    own.windowKeys = [...windows].filter(([, keys]) => keys.length > 0)
  }
  return own
}

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

function checkParallelism(maxParallelism: number, parallelism: number): void {
  checkMaxParallelism(maxParallelism, 'rescale')
  if (!Number.isSafeInteger(parallelism) || parallelism < 1 || parallelism > maxParallelism) {
    throw new RangeError(`rescale: parallelism must be an integer in [1, maxParallelism ${maxParallelism}], got ${String(parallelism)}`)
  }
}

const inRange =
  ({ start, end }: KeyGroupRange) =>
  (group: number): boolean =>
    group >= start && group <= end
