/**
 * @internal
 * Incremental keyed-state snapshots: the format of an increment, and the pure functions that
 * turn a chain (a full snapshot and the increments written on it) back into one full snapshot.
 *
 * An increment holds what changed since its base, a completed checkpoint of the same job:
 *
 * ```text
 * { format: 'rx-datastream/keyed-state-increment', version: 1, base: 7, maxParallelism: 128,
 *   states: [{ name, kind, ttl, …, entries: [[group, key, ns, value], …], removed: [[group, key, ns], …] }],
 *   tables: [{ name, entries, removed }] }
 * ```
 *
 * Every state (and table) the backend has is listed, with its header as a full snapshot gives
 * it; `entries` are the (key, namespace) values written since the base, as they are now, and
 * `removed` the ones deleted since. A state the increment lists with no change keeps the
 * base's entries. Restoring merges the chain here, in memory, into the full snapshot format,
 * so that every backend restores a chain as it restores a full snapshot (the heap backend
 * included): a restore never sees an increment. Except when the chain's base is chunked
 * (`chunks.ts`: a state larger than memory): then the increments go to the backend with the
 * base's chunk references, to be applied after them.
 */
import type { KeyedStateSnapshot, SnapshotEntry, SnapshotState, TableSnapshot } from './snapshotFormat'
import { type ChainKind, walkIncrementChain, withChunkedBase } from './incrementChain'

/** @internal The format name of an increment's keyed part. */
export const INCREMENT_FORMAT = 'rx-datastream/keyed-state-increment'

/** @internal A (key, namespace) deleted since the base: [key group, key, namespace]. */
export type RemovedEntry = readonly [number, SnapshotEntry[1], SnapshotEntry[2]]

/** @internal A keyed part written as an increment on checkpoint `base`. */
export interface KeyedStateIncrement {
  readonly format: typeof INCREMENT_FORMAT
  readonly version: 1
  readonly base: number
  readonly maxParallelism: number
  /** Every state: its header, the entries written and the ones removed since the base. */
  readonly states: ReadonlyArray<SnapshotState & { readonly removed: readonly RemovedEntry[] }>
  readonly tables: ReadonlyArray<TableSnapshot & { readonly removed: readonly RemovedEntry[] }>
}

/** @internal Whether an operator snapshot's keyed part says it is an increment (checked only when it is read). */
export function isKeyedIncrement(keyed: unknown): boolean {
  return typeof keyed === 'object' && keyed !== null && (keyed as { format?: unknown }).format === INCREMENT_FORMAT
}

/** The identity of an entry within its state: its key's and namespace's JSON text (the key group follows from the key). */
const entryId = (key: unknown, ns: unknown): string => `${JSON.stringify(key)}\u0000${JSON.stringify(ns)}`

/** What increments change in one state or table: by entry id, the entry written last, or `undefined` for removed. */
type Changes = Map<string, SnapshotEntry | undefined>

/** Adds one increment's changes of a state or table to `changes` (later increments after earlier ones). */
function addChanges(changes: Changes, written: readonly SnapshotEntry[], removed: readonly RemovedEntry[]): void {
  for (const [, key, ns] of removed) changes.set(entryId(key, ns), undefined)
  for (const entry of written) changes.set(entryId(entry[1], entry[2]), entry)
}

/** `base` with `changes`: its entries in their order, each written one replaced where it stands, removed ones left out, new ones after. */
function applyChanges(base: readonly SnapshotEntry[], changes: Changes): SnapshotEntry[] {
  if (changes.size === 0) return [...base]
  const pending = new Map(changes)
  const merged: SnapshotEntry[] = []
  for (const entry of base) {
    const id = entryId(entry[1], entry[2])
    if (!pending.has(id)) {
      merged.push(entry)
      continue
    }
    const change = pending.get(id)
    pending.delete(id)
    if (change !== undefined) merged.push(change)
  }
  for (const change of pending.values()) if (change !== undefined) merged.push(change)
  return merged
}

/**
 * @internal
 * One state's (or table's) entries after an increment: the base's in their order, each
 * written one replaced where it stands, removed ones left out, new ones after them in the
 * increment's order.
 */
export function mergeEntries(base: readonly SnapshotEntry[], written: readonly SnapshotEntry[], removed: readonly RemovedEntry[]): SnapshotEntry[] {
  const changes: Changes = new Map()
  addChanges(changes, written, removed)
  return applyChanges(base, changes)
}

/**
 * @internal
 * The full keyed snapshot the newest of `increments` (oldest first, each on the one before, the
 * first on `base`) stands for: the newest increment's states and tables (its headers are the
 * newest), each with the base's entries of the same name merged with the changes of all the
 * increments in one pass. Fails (a plain `Error` saying what is wrong; the caller names the
 * checkpoint and the operator) when they do not fit together.
 */
export function applyKeyedIncrements(base: KeyedStateSnapshot, increments: readonly KeyedStateIncrement[]): KeyedStateSnapshot {
  const newest = increments[increments.length - 1]
  if (newest === undefined) return base
  const stateChanges = new Map<string, Changes>()
  const tableChanges = new Map<string, Changes>()
  const changesOf = (all: Map<string, Changes>, name: string): Changes => {
    let changes = all.get(name)
    if (changes === undefined) all.set(name, (changes = new Map()))
    return changes
  }
  for (const increment of increments) {
    if (increment.maxParallelism !== base.maxParallelism) throw new Error(`the increment has maxParallelism ${increment.maxParallelism} and its base ${base.maxParallelism}`)
    for (const state of increment.states) addChanges(changesOf(stateChanges, state.name), state.entries, state.removed)
    for (const table of increment.tables) addChanges(changesOf(tableChanges, table.name), table.entries, table.removed)
  }
  const baseStates = new Map(base.states.map(s => [s.name, s.entries]))
  const baseTables = new Map((base.tables ?? []).map(s => [s.name, s.entries]))
  const states = newest.states.map(({ removed: _removed, entries: _entries, ...header }) => ({
    ...header,
    entries: applyChanges(baseStates.get(header.name) ?? [], changesOf(stateChanges, header.name))
  }))
  const tables = newest.tables.map(({ name }) => ({ name, entries: applyChanges(baseTables.get(name) ?? [], changesOf(tableChanges, name)) }))
  return { format: 'rx-datastream/keyed-state', version: 1, maxParallelism: newest.maxParallelism, states, tables }
}

/** @internal {@link applyKeyedIncrements} with one increment. */
export function applyKeyedIncrement(base: KeyedStateSnapshot, increment: KeyedStateIncrement): KeyedStateSnapshot {
  return applyKeyedIncrements(base, [increment])
}

/**
 * What is wrong with the shape of a keyed part (full, or an increment when `increment`) as far
 * as the merge reads it: its format, and states and tables with names and entries (and
 * `removed`) as arrays of arrays; `undefined` when nothing is. The values are not looked at:
 * the restore that follows checks the merged snapshot through its codecs, entry by entry, and
 * doing it here as well would double the largest part of a restore's work.
 */
function shapeFault(part: unknown, increment: boolean): string | undefined {
  const { format, version, maxParallelism, base, states, tables = [] } = (part ?? {}) as Record<string, unknown>
  if (format !== (increment ? INCREMENT_FORMAT : 'rx-datastream/keyed-state') || version !== 1) return `its format is ${JSON.stringify(format)} version ${JSON.stringify(version)}`
  if (typeof maxParallelism !== 'number' || (increment && typeof base !== 'number')) return 'its maxParallelism or base is not a number'
  const arrays = (value: unknown): boolean => Array.isArray(value) && value.every(Array.isArray)
  for (const [field, parts] of [['states', states], ['tables', tables]] as const) {
    if (!Array.isArray(parts)) return `${field} is not an array`
    for (const p of parts as unknown[]) {
      const { name, entries, removed } = (p ?? {}) as Record<string, unknown>
      if (typeof name !== 'string' || !arrays(entries) || (increment && !arrays(removed))) return `${field} holds a part without a name or ${increment ? 'entries and removed' : 'entries'}`
    }
  }
  return undefined
}

/**
 * @internal
 * The keyed part of operator `uid`'s snapshot in checkpoint `checkpointId`, as a full snapshot:
 * a full one as it is, an increment merged with its chain of bases, read through
 * `keyedOf(checkpointId, uid)` (the operator's keyed part in that checkpoint, `undefined` when
 * it has none). Fails with a plain `Error` naming the checkpoint (of the chain) where the chain
 * breaks: a base that is not older, a part that is missing or not a keyed snapshot.
 */
export function resolveKeyedChain(uid: string, checkpointId: number, keyed: unknown, keyedOf: (checkpointId: number, uid: string) => unknown): unknown {
  if (!isKeyedIncrement(keyed)) return keyed
  const chain = walkIncrementChain(KEYED_CHAIN, uid, checkpointId, keyed, keyedOf)
  // A chunked base is not read here: the backend restores its chunks, then the increments in turn.
  return withChunkedBase(chain) ?? applyKeyedIncrements(chain.base as KeyedStateSnapshot, chain.increments)
}

/** A keyed part's chain: every link keeps the maxParallelism of the part it was written on. */
const KEYED_CHAIN: ChainKind<KeyedStateIncrement> = {
  words: ['the keyed state', 'is', 'its'],
  missing: 'keyed state',
  baseKind: 'a keyed-state snapshot of this version',
  isIncrement: isKeyedIncrement,
  shapeFault,
  linkFault: (newer, older) => {
    const { maxParallelism } = older as { readonly maxParallelism: number }
    return maxParallelism === newer.maxParallelism ? undefined : `has maxParallelism ${maxParallelism}, the increment written on it ${newer.maxParallelism}`
  }
}
