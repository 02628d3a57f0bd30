/**
 * @internal
 * A checkpoint's chunks on their way to and from its store (`src/state/chunks.ts` has their
 * format): `ChunkWriter` is the sink a checkpoint's snapshots hand chunks to, which stores them
 * one at a time before the body; `openChunkReader` reads those of a restored checkpoint (and of
 * the checkpoints its chain needs), checking each against its reference.
 */
import { messageOf } from '../core/errors'
import { type ChunkReader, type ChunkRef, type ChunkSink, inlineChunks, isChunked } from '../state/chunks'
import { CheckpointStoreError, type CheckpointStore } from './CheckpointStore'
import { checksum } from './checkpointFormat'

/**
 * @internal
 * Stores the chunks of checkpoint `checkpointId` through `store.putChunk`, in order, one at a
 * time: `ready` is false while one is being stored, and a snapshot waits for `whenReady` before
 * it makes the next. The first put waits for the removal of anything stored under the id
 * before (chunks of a checkpoint of that id that never completed, in a run that died).
 */
export class ChunkWriter implements ChunkSink {
  private next = 0
  private inFlight: Promise<void> | undefined = undefined
  private tail: Promise<void> = Promise.resolve()
  /** The first put that failed, which fails the checkpoint. */
  failure: Error | undefined = undefined
  /** Characters stored (and being stored) as chunks. */
  size = 0

  constructor(
    private readonly store: CheckpointStore & Required<Pick<CheckpointStore, 'putChunk'>>,
    private readonly jobId: string,
    private readonly checkpointId: number
  ) {}

  /** Whether any chunk was handed to it. */
  get used(): boolean {
    return this.next > 0
  }

  get ready(): boolean {
    return this.inFlight === undefined && this.failure === undefined
  }

  put(text: string, first: number, last: number, sum?: string): ChunkRef {
    if (!this.ready) throw new Error('a chunk was made while the one before is being stored')
    const n = this.next++
    this.size += text.length
    const { store, jobId, checkpointId } = this
    // Before the first: whatever a run that died left under this id goes (a checkpoint without chunks removes nothing).
    const before = n === 0 ? store.delete(jobId, checkpointId) : this.tail
    const stored = before.then(() => store.putChunk({ jobId, checkpointId }, n, text))
    const settled = stored.then(
      () => {
        if (this.inFlight === settled) this.inFlight = undefined
      },
      (error: unknown) => {
        this.failure ??= new Error(`the store (${store.description}) failed to write chunk ${n}: ${messageOf(error)}`, { cause: error })
        if (this.inFlight === settled) this.inFlight = undefined
      }
    )
    this.inFlight = settled
    this.tail = settled
    return { n, first, last, length: text.length, checksum: sum ?? checksum(text) }
  }

  /** Resolves once no chunk is being stored (each stored, or one failed: see `failure`). */
  whenReady(): Promise<void> {
    return this.tail
  }

  /** The checkpoint was aborted: what was stored of it goes, once the chunk being stored is. */
  discard(): void {
    if (!this.used) return
    const { store, jobId, checkpointId } = this
    void this.tail.then(() => store.delete(jobId, checkpointId)).catch(() => undefined)
  }
}

/**
 * @internal
 * A reader of the chunks of the checkpoints `checkpointIds` of job `jobId` in `store`: each
 * checkpoint's chunks are opened now, and a chunk is read when a restore asks for it, checked
 * against its reference; a chunk that is missing, of another length or checksum is a
 * `CheckpointStoreError` naming the store, the job, the checkpoint restored, and the chunk.
 */
export async function openChunkReader(store: CheckpointStore, jobId: string, restoring: number, checkpointIds: Iterable<number>): Promise<ChunkReader> {
  const fail = (checkpointId: number, detail: string, cause?: unknown): CheckpointStoreError =>
    new CheckpointStoreError(store.description, jobId, checkpointId, `checkpoint ${restoring} of job '${jobId}' cannot be restored: ${detail}`, cause === undefined ? undefined : { cause })
  const files = new Map<number, { read(n: number): string }>()
  for (const id of checkpointIds) {
    if (store.openChunks === undefined) throw fail(id, `checkpoint ${id} keeps state in chunks, and ${store.description} cannot read chunks`)
    try {
      files.set(id, await store.openChunks(jobId, id))
    } catch (error) {
      throw fail(id, `the chunks of checkpoint ${id} cannot be read: ${messageOf(error)}`, error)
    }
  }
  const reader: ChunkReader = {
    inline: (info, keyed) => (isChunked(keyed) ? inlineChunks(info, keyed, reader) : keyed),
    read: ref => {
      const id = ref.checkpoint ?? restoring
      const file = files.get(id)
      const what = `chunk ${ref.n} of checkpoint ${id}`
      if (!Number.isSafeInteger(ref.n) || !Number.isSafeInteger(ref.length) || typeof ref.checksum !== 'string') throw fail(id, `${JSON.stringify(ref)} is not a chunk reference`)
      if (file === undefined) throw fail(id, `${what} is not among the checkpoints it reads`)
      let text: string
      try {
        text = file.read(ref.n)
      } catch (error) {
        throw fail(id, `${what} cannot be read: ${messageOf(error)}`, error)
      }
      if (text.length !== ref.length) throw fail(id, `${what} is damaged: ${text.length} characters where the checkpoint says ${ref.length} (truncated or padded)`)
      if (checksum(text) !== ref.checksum) throw fail(id, `${what} is damaged: its checksum does not match its contents`)
      return text
    }
  }
  return reader
}
