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
 * included): a restore never sees an increment.
 */
import * as t from 'io-ts'
import { describeErrors, EncodedKey, type KeyedStateSnapshot, KeyedStateSnapshot as KeyedStateSnapshotCodec, SnapshotEntry, SnapshotState, TableSnapshot } from './snapshotFormat'

/** @internal The format name of an increment's keyed part. */
export const INCREMENT_FORMAT = 'rx-datastream/keyed-state-increment'

/** @internal A (key, namespace) deleted since the base: [key group, key, namespace]. */
export const RemovedEntry = /*#__PURE__*/ t.tuple([t.number, EncodedKey, /*#__PURE__*/ t.union([t.string, t.number, t.null])])

/** @internal */
export type RemovedEntry = t.TypeOf<typeof RemovedEntry>

const Removed = /*#__PURE__*/ t.type({ removed: /*#__PURE__*/ t.array(RemovedEntry) })

/** @internal A state of an increment: its header, the entries written and the ones removed since the base. */
export const IncrementState = /*#__PURE__*/ t.intersection([SnapshotState, Removed])

/** @internal An operator table of an increment. */
export const IncrementTable = /*#__PURE__*/ t.intersection([TableSnapshot, Removed])

/** @internal A keyed part written as an increment on checkpoint `base`. */
export const KeyedStateIncrement = /*#__PURE__*/ t.type({
  format: /*#__PURE__*/ t.literal(INCREMENT_FORMAT),
  version: /*#__PURE__*/ t.literal(1),
  base: t.number,
  maxParallelism: t.number,
  states: /*#__PURE__*/ t.array(IncrementState),
  tables: /*#__PURE__*/ t.array(IncrementTable)
})

/** @internal */
export type KeyedStateIncrement = t.TypeOf<typeof KeyedStateIncrement>

/** @internal Whether an operator snapshot's keyed part says it is an increment (checked only when it is read). */
export function isKeyedIncrement(keyed: unknown): boolean {
  return typeof keyed === 'object' && keyed !== null && (keyed as { format?: unknown }).format === INCREMENT_FORMAT
}

/** The identity of an entry within its state: its key's and namespace's JSON text (the key group follows from the key). */
const entryId = (key: unknown, ns: unknown): string => `${JSON.stringify(key)}\u0000${JSON.stringify(ns)}`

/**
 * @internal
 * One state's (or table's) entries after an increment: the base's in their order, each
 * written one replaced where it stands, removed ones left out, new ones after them in the
 * increment's order.
 */
export function mergeEntries(base: readonly SnapshotEntry[], written: readonly SnapshotEntry[], removed: readonly RemovedEntry[]): SnapshotEntry[] {
  if (written.length === 0 && removed.length === 0) return [...base]
  const changes = new Map<string, SnapshotEntry | undefined>()
  for (const [, key, ns] of removed) changes.set(entryId(key, ns), undefined)
  for (const entry of written) changes.set(entryId(entry[1], entry[2]), entry)
  const merged: SnapshotEntry[] = []
  for (const entry of base) {
    const id = entryId(entry[1], entry[2])
    if (!changes.has(id)) {
      merged.push(entry)
      continue
    }
    const change = changes.get(id)
    changes.delete(id)
    if (change !== undefined) merged.push(change)
  }
  for (const change of changes.values()) if (change !== undefined) merged.push(change)
  return merged
}

/**
 * @internal
 * The full keyed snapshot `increment` stands for, given the full snapshot of its base: the
 * increment's states and tables (its headers are the newest), each with the base's entries of
 * the same name merged with its changes. Fails (a plain `Error` saying what is wrong; the
 * caller names the checkpoint and the operator) when the two do not fit together.
 */
export function applyKeyedIncrement(base: KeyedStateSnapshot, increment: KeyedStateIncrement): KeyedStateSnapshot {
  if (base.maxParallelism !== increment.maxParallelism) {
    throw new Error(`the increment has maxParallelism ${increment.maxParallelism} and its base ${base.maxParallelism}`)
  }
  const baseStates = new Map(base.states.map(s => [s.name, s.entries]))
  const baseTables = new Map((base.tables ?? []).map(s => [s.name, s.entries]))
  const states = increment.states.map(({ removed, entries, ...header }) => ({ ...header, entries: mergeEntries(baseStates.get(header.name) ?? [], entries, removed) }))
  const tables = increment.tables.map(({ removed, entries, name }) => ({ name, entries: mergeEntries(baseTables.get(name) ?? [], entries, removed) }))
  return { format: 'rx-datastream/keyed-state', version: 1, maxParallelism: increment.maxParallelism, states, tables }
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
  // Newest first, down to the full snapshot the chain starts from.
  const increments: Array<{ readonly at: number; readonly increment: KeyedStateIncrement }> = []
  let at = checkpointId
  let part = keyed
  while (isKeyedIncrement(part)) {
    const decoded = KeyedStateIncrement.decode(part)
    if (decoded._tag === 'Left') throw new Error(`the keyed state of operator '${uid}' in checkpoint ${at} is not an increment of this version: ${describeErrors(decoded.left)}`)
    const { base } = decoded.right
    if (!(base < at)) throw new Error(`the keyed state of operator '${uid}' in checkpoint ${at} is an increment on checkpoint ${base}, which is not older`)
    increments.push({ at, increment: decoded.right })
    part = keyedOf(base, uid)
    if (part === undefined) throw new Error(`the keyed state of operator '${uid}' in checkpoint ${at} is an increment on checkpoint ${base}, which holds no keyed state of that operator`)
    at = base
  }
  const full = KeyedStateSnapshotCodec.decode(part)
  if (full._tag === 'Left') throw new Error(`the keyed state of operator '${uid}' in checkpoint ${at}, the base of its chain, is not a keyed-state snapshot of this version: ${describeErrors(full.left)}`)
  let merged = full.right
  for (let i = increments.length - 1; i >= 0; i--) {
    const { at: id, increment } = increments[i]!
    try {
      merged = applyKeyedIncrement(merged, increment)
    } catch (error) {
      throw new Error(`the keyed state of operator '${uid}' in checkpoint ${id} does not fit its base: ${(error as Error).message}`)
    }
  }
  return merged
}
