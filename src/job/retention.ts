/**
 * @internal
 * Which checkpoints a job's store can let go of (Flink's `CheckpointsCleaner` with
 * `state.checkpoints.num-retained`): the newest `retain` checkpoints stay, and so does every
 * checkpoint one of them needs (incremental checkpoints: the chain of bases a restore reads
 * too). Savepoints are the user's and never counted or deleted.
 */

/** @internal */
export interface RetentionCandidate {
  readonly checkpointId: number
  readonly kind: 'checkpoint' | 'savepoint'
}

/**
 * @internal
 * The ids of the checkpoints among `stored` to delete, oldest first. `needsOf(id)` gives what
 * checkpoint `id` needs (`[]`: it restores alone); `undefined` when it is not known (written
 * by an earlier run and not the one restored): then every checkpoint older than it is kept,
 * since any of them may be in its chain, until newer checkpoints push it out of the newest.
 */
export function checkpointsToDelete(stored: readonly RetentionCandidate[], retain: number, needsOf: (checkpointId: number) => readonly number[] | undefined): number[] {
  const ids = stored
    .filter(c => c.kind === 'checkpoint')
    .map(c => c.checkpointId)
    .sort((a, b) => a - b)
  const newest = ids.slice(Math.max(0, ids.length - retain))
  const keep = new Set(newest)
  let keepOlderThan = -Infinity
  for (const id of newest) {
    const needs = needsOf(id)
    if (needs === undefined) keepOlderThan = Math.max(keepOlderThan, id)
    else for (const needed of needs) keep.add(needed)
  }
  return ids.filter(id => !keep.has(id) && id >= keepOlderThan)
}
