/**
 * @internal
 * The steps that an incremental checkpoint's parts on LMDB share (`IncrementScan`, the keyed
 * part; `TimerIncrementScan`, the timers): the store keys changed since the base, read again
 * through one read transaction opened at the barrier (the store as it was then, whatever the
 * job writes meanwhile), a few hundred between looks at the clock, each handed to `visit`; once
 * all are read, `make` builds the part's text.
 */
import type { RootDatabase, Transaction } from 'lmdb'
import { now as clock, WrittenOnce } from '../src/state/DeferredJson'
import type { StoreKey } from './storeKeys'

/** Store keys read between two looks at the clock. */
const KEYS_PER_STEP = 256

/** @internal */
export abstract class ChangedKeysScan extends WrittenOnce {
  private readonly transaction: Transaction
  private at = 0
  private cancelled = false

  constructor(
    protected readonly db: RootDatabase<string, StoreKey>,
    /** The keys to read, in store order so that the reads walk the store forward. */
    private readonly keys: readonly StoreKey[]
  ) {
    super()
    // Opened now, at the barrier: every later read sees the store as it is now.
    this.transaction = db.useReadTransaction()
  }

  /** Files `key`, read through `transaction`. */
  protected abstract visit(key: StoreKey, transaction: Transaction): void

  /** The part's text, once every key is visited. */
  protected abstract make(): string

  step(deadline: number): boolean {
    if (this.finished) return true
    if (this.cancelled) throw new Error('the snapshot was cancelled')
    const { keys, transaction } = this
    for (;;) {
      const end = Math.min(keys.length, this.at + KEYS_PER_STEP)
      for (; this.at < end; this.at++) this.visit(keys[this.at]!, transaction)
      if (this.at === keys.length) {
        transaction.done()
        return this.finish(this.make())
      }
      if (clock() >= deadline) return false
    }
  }

  cancel(): void {
    if (this.cancelled || this.finished) return
    this.cancelled = true
    this.transaction.done()
  }
}
