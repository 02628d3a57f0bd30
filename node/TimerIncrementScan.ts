/**
 * @internal
 * The timer part of an incremental checkpoint of the LMDB backend (format in
 * `src/state/timerIncrements.ts`), written in steps after the barrier: every timer index key
 * written since the base is read again through one read transaction opened at the barrier. A
 * key the store holds is a timer pending then, registered (again) since the base: it goes in
 * with its registration number, and the timers are sorted into firing order (time, then
 * number: their order key) at the end. A key the store no longer holds is a timer deleted or
 * fired: it goes in `removed`. The entries are made from the index key alone (key group, key
 * and namespace as JSON text, time), nothing is decoded: the work is bounded by the timers
 * that changed, not by those pending.
 */
import type { RootDatabase, Transaction } from 'lmdb'
import { concat } from '../src/state/DeferredJson'
import { ChangedKeysScan } from './ChangedKeysScan'
import { TIMERS_INCREMENT_FORMAT } from '../src/state/timerIncrements'
import type { StoreKey } from './storeKeys'
import { domainOfIndexKey, parseIndexKey, timeOf } from './timerKeys'

/** A pending timer's entry text and what orders it: its time and registration number as fixed-width hex. */
interface Added {
  readonly order: string
  readonly text: string
}

/** @internal */
export class TimerIncrementScan extends ChangedKeysScan {
  private readonly added: { readonly e: Added[]; readonly p: Added[] } = { e: [], p: [] }
  private readonly removed: { readonly e: string[]; readonly p: string[] } = { e: [], p: [] }

  constructor(
    db: RootDatabase<string, StoreKey>,
    /** The timers' index keys written since the base. */
    keys: readonly StoreKey[],
    private readonly base: number
  ) {
    // At the barrier (the queues have written what they gathered).
    super(db, keys)
  }

  protected visit(key: StoreKey, transaction: Transaction): void {
    const domain = domainOfIndexKey(key) === 'e' ? 'e' : 'p'
    const { group, keyText, namespaceText, time } = parseIndexKey(key)
    const text = `[${group},${keyText},${namespaceText},${JSON.stringify(timeOf(time))}]`
    const seq = this.db.get(key, { transaction })
    if (seq === undefined) this.removed[domain].push(text)
    else this.added[domain].push({ order: time + seq, text })
  }

  protected make(): string {
    const inOrder = (added: Added[]): string => concat(added.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0)).map(a => a.text))
    const { added, removed } = this
    const head = JSON.stringify({ format: TIMERS_INCREMENT_FORMAT, version: 1, base: this.base })
    return (
      `${head.slice(0, -1)},"eventTime":[${inOrder(added.e)}],"processingTime":[${inOrder(added.p)}],` +
      `"removed":{"eventTime":[${concat(removed.e)}],"processingTime":[${concat(removed.p)}]}}`
    )
  }
}
