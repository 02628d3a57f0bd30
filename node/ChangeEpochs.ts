/**
 * @internal
 * What changed in an LMDB backend's store since each checkpoint: the bookkeeping of
 * incremental checkpoints (see `src/state/incremental.ts` for the format).
 *
 * Every write to the store passes the backend's one write callback, which calls `record` with
 * the store key. The keys recorded between two barriers form an *epoch*, closed by the second
 * barrier and named by its checkpoint. Checkpoint `c` written as an increment on base `b` holds
 * the keys of every epoch after `b` up to `c`. When a checkpoint completes, the epochs it
 * covers are dropped: the next increment is written on it. An aborted checkpoint drops
 * nothing, so the next one still carries its changes; a savepoint is always full and never a
 * base (the user may delete it), so its completion drops nothing either.
 *
 * Nothing is recorded until the first checkpoint (which is full): a job that never
 * checkpoints keeps no keys in memory. A restore forgets everything for the same reason: the
 * first checkpoint after it is full.
 */
import type { KeyedSnapshotOptions } from '../src/state/KeyedStateBackend'
import type { StoreKey } from './storeKeys'

/** @internal A checkpoint to write as an increment. */
export interface IncrementPlan {
  readonly base: number
  /** Every checkpoint a restore of it reads besides itself: the chain's full one, then the increments up to `base`. */
  readonly needs: readonly number[]
  /** The store keys written (changed or removed) since `base`. */
  readonly keys: ReadonlySet<StoreKey>
}

/** @internal */
export class ChangeEpochs {
  /** The epoch being recorded; `undefined`: not recording (before the first checkpoint, after a restore). */
  private open: Set<StoreKey> | undefined = undefined
  /** Epochs closed by barriers whose checkpoints have not completed, oldest first. */
  private readonly closed: Array<{ readonly checkpointId: number; readonly keys: Set<StoreKey> }> = []
  /** The chain behind each checkpoint this backend wrote and may still be a base (`[]`: written full). */
  private readonly chains = new Map<number, readonly number[]>()
  private readonly savepoints = new Set<number>()

  constructor(
    /** The most checkpoints a restore reads: an increment whose chain would be longer is written full instead. */
    private readonly maxChain: number
  ) {}

  /** The store key `key` was written or removed (the write path: cheap, and nothing when not recording). */
  record(key: StoreKey): void {
    this.open?.add(key)
  }

  /**
   * A barrier: closes the epoch and says whether the snapshot is an increment (and on what)
   * or full (`undefined`).
   */
  barrier(options: KeyedSnapshotOptions): IncrementPlan | undefined {
    const { checkpointId, kind = 'checkpoint', incrementalBase: base } = options
    const open = this.open
    if (open !== undefined) this.closed.push({ checkpointId, keys: open })
    if (kind === 'savepoint') {
      if (open !== undefined) this.open = new Set()
      this.savepoints.add(checkpointId)
      return undefined
    }
    this.open = new Set()
    const baseChain = base === undefined ? undefined : this.chains.get(base)
    // Recording since the base's barrier, and the chain with this one stays within the bound.
    if (open === undefined || base === undefined || baseChain === undefined || baseChain.length + 2 > this.maxChain) {
      this.chains.set(checkpointId, [])
      return undefined
    }
    const needs = [...baseChain, base]
    this.chains.set(checkpointId, needs)
    const keys = new Set<StoreKey>()
    for (const epoch of this.closed) if (epoch.checkpointId > base) for (const key of epoch.keys) keys.add(key)
    return { base, needs, keys }
  }

  /** Checkpoint `checkpointId` completed: what it covers is forgotten, and no older one is a base any more. */
  complete(checkpointId: number): void {
    if (this.savepoints.delete(checkpointId) || !this.chains.has(checkpointId)) return
    while (this.closed.length > 0 && this.closed[0]!.checkpointId <= checkpointId) this.closed.shift()
    for (const id of this.chains.keys()) if (id < checkpointId) this.chains.delete(id)
  }

  /** The store was replaced (a restore): nothing is recorded until the next checkpoint, which is full. */
  reset(): void {
    this.open = undefined
    this.closed.length = 0
    this.chains.clear()
    this.savepoints.clear()
  }
}
