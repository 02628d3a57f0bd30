/**
 * @internal
 * Chunked keyed state: a keyed part too large for one text (a backend whose state is larger
 * than memory) is written as *chunks*, pieces of about `CHUNK_CHARS` characters that the
 * checkpoint store keeps apart from the checkpoint's body, which lists them.
 *
 * ```text
 * body:  keyed: { format, version, maxParallelism,
 *                 states: [{ name, kind, ttl, entries: [] }, …], tables: [{ name, entries: [] }, …],
 *                 chunks: [{ n: 0, first: 0, last: 3, length: 1048601, checksum: '…' }, …] }
 * chunk: { "states": { "<name>": [[group, key, ns, value], …] }, "tables": { "<name>": [ … ] } }
 * ```
 *
 * A chunk holds the entries of every state and table in a range of key groups (`first` to
 * `last`), in the order a scan of the store reads them: key group, then state. Its length and
 * checksum are in the body, so a chunk that is missing, torn or replaced fails the restore
 * with its number, not some later parse. On restore a backend reads chunk after chunk through a
 * `ChunkReader`: the heap parses each into its tables, LMDB writes each into its store.
 */
import { messageOf, StateError } from '../core/errors'
import type { OperatorInfo } from '../core/OperatorOptions'
import type { KeyedStateIncrement } from './incremental'
import { applyKeyedIncrements } from './incremental'
import type { KeyedStateSnapshot, SnapshotEntry } from './snapshotFormat'

/**
 * @internal
 * A chunk's size (UTF-16 code units) past which the writer cuts it: large enough that a store
 * writes few files (1,000 for 1 G characters), small enough that the heap holds one at a time.
 */
export const CHUNK_CHARS = 1 << 20

/** @internal A chunk as a keyed part lists it. */
export interface ChunkRef {
  /** Its number within the checkpoint that wrote it: 0, 1, 2, … over all the checkpoint's operators. */
  readonly n: number
  /** The first and last key group it holds entries of. */
  readonly first: number
  readonly last: number
  /** Its text's length and checksum (`checksumOf`). */
  readonly length: number
  readonly checksum: string
  /** The checkpoint that wrote it; set on restore (a chain's base is an older checkpoint), absent in the body. */
  readonly checkpoint?: number
}

/**
 * @internal
 * Where a snapshot hands its chunks as it writes them (the checkpoint coordinator's writer to
 * the store): `put` stores one and returns its reference at once; while the store has not
 * acknowledged it `ready` is false, and the writer waits before it reads on, so that the heap
 * holds one chunk at a time.
 */
export interface ChunkSink {
  readonly ready: boolean
  /** `checksum`: the text's (`SteppedChecksum`), when the snapshot took it in its own steps; else the sink takes it now. */
  put(text: string, first: number, last: number, checksum?: string): ChunkRef
}

/**
 * @internal
 * The chunks of a restored checkpoint (and of the checkpoints its chain needs), read one by
 * one and checked against their reference: a missing or damaged one throws, naming the store,
 * the job, the checkpoint and the chunk.
 */
export interface ChunkReader {
  read(ref: ChunkRef): string
  /** `keyed` with its chunks read into its states and tables (`inlineChunks`), as it is when it has none. */
  inline(info: OperatorInfo, keyed: unknown): unknown
}

/** @internal What one chunk holds: per state and per table, its entries in the chunk's groups. */
export interface ChunkContents {
  readonly states: Readonly<Record<string, readonly SnapshotEntry[]>>
  readonly tables: Readonly<Record<string, readonly SnapshotEntry[]>>
}

/** @internal A keyed part as a restore receives it: possibly chunked, possibly with increments still to apply on it. */
export type ChunkedKeyedSnapshot = Omit<KeyedStateSnapshot, 'chunks' | 'increments'> & {
  readonly chunks?: readonly ChunkRef[]
  /** Increments to apply after the chunks, oldest first (a chain whose base is chunked is not merged in memory). */
  readonly increments?: readonly KeyedStateIncrement[]
  /** A rescaled part: only these key groups' entries of its chunks are its own (`rescale.ts`). */
  readonly keyGroups?: { readonly start: number; readonly end: number }
}

/** @internal Whether an entry of a chunk belongs to `keyed` (all do, unless it was rescaled to a range of key groups). */
export function ownsEntry(keyed: ChunkedKeyedSnapshot, entry: SnapshotEntry): boolean {
  const range = keyed.keyGroups
  return range === undefined || (entry[0] >= range.start && entry[0] <= range.end)
}

/** @internal Whether a keyed part's entries are in chunks. */
export function isChunked(keyed: unknown): keyed is ChunkedKeyedSnapshot & { readonly chunks: readonly ChunkRef[] } {
  return typeof keyed === 'object' && keyed !== null && Array.isArray((keyed as { chunks?: unknown }).chunks)
}

/**
 * @internal
 * The text of a chunk: `states` and `tables` map each name to the JSON text of its entries
 * (each entry's text joined by commas), those without entries left out.
 */
export function chunkText(states: ReadonlyMap<string, string>, tables: ReadonlyMap<string, string>): string {
  const part = (texts: ReadonlyMap<string, string>): string => {
    const fields: string[] = []
    for (const [name, entries] of texts) if (entries !== '') fields.push(`${JSON.stringify(name)}:[${entries}]`)
    return `{${fields.join(',')}}`
  }
  return `{"states":${part(states)},"tables":${part(tables)}}`
}

/**
 * @internal
 * Reads chunk `ref` of operator `info`'s keyed state through `reader` and parses it; what is
 * not a chunk is a `StateError` naming the chunk.
 */
export function readChunk(info: OperatorInfo, reader: ChunkReader | undefined, ref: ChunkRef): ChunkContents {
  const parsed = readChunkJson(info, '*', 'the keyed state', reader, ref)
  const { states, tables } = (parsed ?? {}) as Partial<Record<string, unknown>>
  const isPart = (part: unknown): part is Record<string, SnapshotEntry[]> =>
    typeof part === 'object' && part !== null && !Array.isArray(part) && Object.values(part).every(Array.isArray)
  if (!isPart(states) || !isPart(tables)) throw new StateError(info, '*', `cannot restore: chunk ${ref.n} of checkpoint ${ref.checkpoint ?? '?'} is not a chunk of keyed state`)
  return { states, tables }
}

/**
 * @internal
 * Reads chunk `ref` of operator `info`'s state `state` (`what` names it in a sentence) through
 * `reader` and parses its JSON; a chunk missing, damaged or not JSON is a `StateError` naming it.
 */
export function readChunkJson(info: OperatorInfo, state: string, what: string, reader: ChunkReader | undefined, ref: ChunkRef): unknown {
  if (reader === undefined) throw new StateError(info, state, `cannot restore: ${what} was written in chunks, which only a job restoring the checkpoint from its store can read`)
  let text: string
  try {
    text = reader.read(ref)
  } catch (error) {
    // The store's error (naming the store, the job, the checkpoint and the chunk), as the operator's.
    throw new StateError(info, state, `cannot restore: ${messageOf(error)}`, { cause: error })
  }
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new StateError(info, state, `cannot restore: chunk ${ref.n} of checkpoint ${ref.checkpoint ?? '?'} is not JSON`, { cause: error })
  }
}

/**
 * @internal
 * A chunked keyed part read whole into memory (the heap backend's restore, which holds the
 * state anyway): every chunk parsed in turn into its states' and tables' entries, then the
 * increments applied; the same full snapshot an unchunked part is.
 */
export function inlineChunks(info: OperatorInfo, keyed: ChunkedKeyedSnapshot, reader: ChunkReader | undefined): KeyedStateSnapshot {
  if (!isChunked(keyed)) {
    const { chunks: _chunks, increments: _increments, ...full } = keyed
    return full
  }
  const { chunks, increments = [], keyGroups: _keyGroups, ...header } = keyed
  const states = header.states.map(s => ({ ...s, entries: [...s.entries] }))
  const tables = (header.tables ?? []).map(s => ({ ...s, entries: [...s.entries] }))
  const stateEntries = new Map(states.map(s => [s.name, s.entries]))
  const tableEntries = new Map(tables.map(s => [s.name, s.entries]))
  const owns = (entry: SnapshotEntry): boolean => ownsEntry(keyed, entry)
  for (const ref of chunks) {
    const chunk = readChunk(info, reader, ref)
    append(info, ref, stateEntries, chunk.states, 'state', owns)
    append(info, ref, tableEntries, chunk.tables, 'table', owns)
  }
  const full: KeyedStateSnapshot = { format: header.format, version: header.version, maxParallelism: header.maxParallelism, states, tables }
  return increments.length === 0 ? full : applyKeyedIncrements(full, increments)
}

function append(info: OperatorInfo, ref: ChunkRef, into: Map<string, SnapshotEntry[]>, from: Readonly<Record<string, readonly SnapshotEntry[]>>, what: string, owns: (entry: SnapshotEntry) => boolean): void {
  for (const [name, entries] of Object.entries(from)) {
    const target = into.get(name)
    if (target === undefined) throw new StateError(info, name, `cannot restore: chunk ${ref.n} of checkpoint ${ref.checkpoint ?? '?'} holds entries of ${what} "${name}", which its snapshot does not list`)
    for (const entry of entries) if (owns(entry)) target.push(entry)
  }
}

/**
 * @internal
 * The chunks among `chunks` that hold entries of key groups `start` to `end` (a subtask's
 * range, rescaling): a restore of that range reads only these, and keeps of them the entries of
 * its groups.
 */
export function chunksOfKeyGroups(chunks: readonly ChunkRef[], start: number, end: number): ChunkRef[] {
  return chunks.filter(c => c.last >= start && c.first <= end)
}
