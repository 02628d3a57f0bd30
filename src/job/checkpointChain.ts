/**
 * @internal
 * Reading a checkpoint whose operators' keyed state was written as increments: every
 * checkpoint it needs is read and checked as the checkpoint itself is (`decodeCheckpoint`), and
 * each increment is merged with its chain (`src/state/incremental.ts`, and the timers'
 * `src/state/timerIncrements.ts`), so that what the job restores is a checkpoint of full
 * snapshots, the same whichever backend restores it.
 */
import { messageOf } from '../core/errors'
import { CheckpointStoreError, type CheckpointStore, type StoredCheckpoint } from '../checkpoint/CheckpointStore'
import { type CompletedCheckpoint, decodeCheckpoint } from '../checkpoint/checkpointFormat'
import { resolveKeyedChain } from '../state/incremental'
import { resolveTimerChain } from '../state/timerIncrements'

/**
 * @internal
 * `checkpoint` (read from `store`, listed in `stored`) with every keyed increment merged into
 * a full snapshot; a needed checkpoint that is missing, damaged or does not fit is a
 * `CheckpointStoreError` naming the checkpoint restored and the one at fault.
 */
export async function resolveCheckpointChain(store: CheckpointStore, stored: readonly StoredCheckpoint[], checkpoint: CompletedCheckpoint): Promise<CompletedCheckpoint> {
  const needs = checkpoint.needs ?? []
  if (needs.length === 0) return checkpoint
  const { jobId, checkpointId } = checkpoint
  const fail = (detail: string, cause?: unknown): CheckpointStoreError =>
    new CheckpointStoreError(store.description, jobId, checkpointId, `checkpoint ${checkpointId} of job '${jobId}' cannot be restored: ${detail}`, cause === undefined ? undefined : { cause })
  const chain = new Map<number, CompletedCheckpoint>()
  for (const id of needs) {
    const listed = stored.find(c => c.checkpointId === id)
    if (listed === undefined) throw fail(`it is incremental and needs checkpoint ${id}, which is not in the store (deleted by hand, or by a job with other retention?)`)
    try {
      chain.set(id, decodeCheckpoint(store.description, listed, await store.get(jobId, id)))
    } catch (error) {
      throw fail(`it is incremental and needs checkpoint ${id}: ${messageOf(error)}`, error)
    }
  }
  const partIn = (field: 'keyed' | 'timers') => (id: number, uid: string): unknown => {
    const needed = chain.get(id)
    if (needed === undefined) throw new Error(`an increment of operator '${uid}' is written on checkpoint ${id}, which the checkpoint does not list among those it needs`)
    return partOf(needed.operators[uid], field)
  }
  const operators: Record<string, unknown> = {}
  for (const [uid, snapshot] of Object.entries(checkpoint.operators)) {
    const keyed = partOf(snapshot, 'keyed')
    const timers = partOf(snapshot, 'timers')
    try {
      const full = resolveKeyedChain(uid, checkpointId, keyed, partIn('keyed'))
      const fullTimers = resolveTimerChain(uid, checkpointId, timers, partIn('timers'))
      operators[uid] = full === keyed && fullTimers === timers ? snapshot : { ...(snapshot as object), ...(full === keyed ? {} : { keyed: full }), ...(fullTimers === timers ? {} : { timers: fullTimers }) }
    } catch (error) {
      throw fail(messageOf(error), error)
    }
  }
  return { ...checkpoint, operators }
}

/** The parts of an operator snapshot that may list chunks: its keyed state and its timers (`timerChunks.ts`). */
const CHUNKED_PARTS = ['keyed', 'timers'] as const

/** Part `field` of an operator snapshot, if it has one. */
const partOf = (snapshot: unknown, field: (typeof CHUNKED_PARTS)[number]): unknown =>
  typeof snapshot === 'object' && snapshot !== null ? (snapshot as Partial<Record<string, unknown>>)[field] : undefined

/** The chunk references of a keyed or timer part (none: `[]`). */
const chunkRefs = (part: unknown): ReadonlyArray<{ readonly checkpoint?: unknown }> => {
  const chunks = typeof part === 'object' && part !== null ? (part as { chunks?: unknown }).chunks : undefined
  return Array.isArray(chunks) ? (chunks as Array<{ readonly checkpoint?: unknown }>) : []
}

/**
 * @internal
 * `checkpoint` with each chunk reference saying which checkpoint wrote it: those of its own
 * keyed parts are its own (a chain's base's say so already, see `resolveKeyedChain`).
 */
export function withChunkOrigins(checkpoint: CompletedCheckpoint): CompletedCheckpoint {
  let changed = false
  const operators: Record<string, unknown> = {}
  for (const [uid, snapshot] of Object.entries(checkpoint.operators)) {
    let origins = snapshot
    // A chain's base's chunks (keyed or timers) say whose they are already (`resolveKeyedChain`, `resolveTimerChain`).
    for (const field of CHUNKED_PARTS) {
      const part = partOf(origins, field)
      const refs = chunkRefs(part)
      if (refs.length === 0 || refs.every(ref => ref.checkpoint !== undefined)) continue
      changed = true
      origins = { ...(origins as object), [field]: { ...(part as object), chunks: refs.map(ref => ({ checkpoint: checkpoint.checkpointId, ...ref })) } }
    }
    operators[uid] = origins
  }
  return changed ? { ...checkpoint, operators } : checkpoint
}

/** @internal The checkpoints whose chunks a restore of `checkpoint` (after `withChunkOrigins`) reads. */
export function chunkedCheckpoints(checkpoint: CompletedCheckpoint): Set<number> {
  const ids = new Set<number>()
  for (const snapshot of Object.values(checkpoint.operators)) {
    for (const field of CHUNKED_PARTS) for (const ref of chunkRefs(partOf(snapshot, field))) if (typeof ref.checkpoint === 'number') ids.add(ref.checkpoint)
  }
  return ids
}
