/**
 * The checkpoint store in memory: for tests, and for jobs whose checkpoints only need to
 * outlive a failure of the pipeline, not of the process (Flink's `JobManagerCheckpointStorage`).
 *
 * @since 0.1.0
 */
import { checkChunkArguments, CheckpointStoreError, type CheckpointStore, checkPutArguments, checkStoreArguments, missingChunk, type StoredCheckpoint } from './CheckpointStore'

const DESCRIPTION = 'memoryStore'

/**
 * A {@link CheckpointStore} in memory: a `Map` per job. Each call of `memoryStore()` is a new,
 * empty store; give the same store to the job that restores. It keeps chunks (`putChunk`) in an
 * array per checkpoint, beside the bodies.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const store = ds.memoryStore()
 * await store.put({ jobId: 'clicks', checkpointId: 1, timestamp: Date.now(), kind: 'checkpoint' }, 'data')
 * console.log((await store.list('clicks')).map(c => c.checkpointId)) // [1]
 *
 * @category checkpoints
 * @since 0.1.0
 */
export function memoryStore(): CheckpointStore {
  const jobs = new Map<string, Map<number, { readonly checkpoint: StoredCheckpoint; readonly data: string }>>()
  const chunks = new Map<string, Map<number, string[]>>()
  /** Chunks whose body is missing, of another id than `checkpointId`: debris of a checkpoint that never completed. */
  const removeDebris = (jobId: string, checkpointId: number): void => {
    const job = jobs.get(jobId)
    for (const id of chunks.get(jobId)?.keys() ?? []) if (id !== checkpointId && job?.has(id) !== true) chunks.get(jobId)!.delete(id)
  }
  return {
    description: DESCRIPTION,
    put: async (checkpoint, data) => {
      checkPutArguments(DESCRIPTION, checkpoint, data)
      let job = jobs.get(checkpoint.jobId)
      if (job === undefined) jobs.set(checkpoint.jobId, (job = new Map()))
      // A copy: a caller changing its object later does not change what is stored.
      job.set(checkpoint.checkpointId, { checkpoint: { ...checkpoint, size: data.length }, data })
      removeDebris(checkpoint.jobId, checkpoint.checkpointId)
    },
    get: async (jobId, checkpointId) => {
      checkStoreArguments(DESCRIPTION, jobId, checkpointId)
      const stored = jobs.get(jobId)?.get(checkpointId)
      if (stored === undefined) throw new CheckpointStoreError(DESCRIPTION, jobId, checkpointId, `job '${jobId}' has no checkpoint ${checkpointId}`)
      return stored.data
    },
    list: async jobId => {
      checkStoreArguments(DESCRIPTION, jobId)
      const job = jobs.get(jobId)
      if (job === undefined) return []
      return [...job.values()].map(s => s.checkpoint).sort((a, b) => a.checkpointId - b.checkpointId)
    },
    delete: async (jobId, checkpointId) => {
      checkStoreArguments(DESCRIPTION, jobId, checkpointId)
      jobs.get(jobId)?.delete(checkpointId)
      chunks.get(jobId)?.delete(checkpointId)
    },
    putChunk: async (checkpoint, n, data) => {
      checkChunkArguments(DESCRIPTION, checkpoint, n, data)
      let job = chunks.get(checkpoint.jobId)
      if (job === undefined) chunks.set(checkpoint.jobId, (job = new Map()))
      let texts = job.get(checkpoint.checkpointId)
      if (texts === undefined) job.set(checkpoint.checkpointId, (texts = []))
      texts[n] = data
    },
    openChunks: async (jobId, checkpointId) => {
      checkStoreArguments(DESCRIPTION, jobId, checkpointId)
      if (jobs.get(jobId)?.has(checkpointId) !== true) throw new CheckpointStoreError(DESCRIPTION, jobId, checkpointId, `job '${jobId}' has no checkpoint ${checkpointId}`)
      const texts = chunks.get(jobId)?.get(checkpointId) ?? []
      return {
        read: n => {
          const text = texts[n]
          if (text === undefined) throw missingChunk(DESCRIPTION, jobId, checkpointId, n)
          return text
        }
      }
    }
  }
}
