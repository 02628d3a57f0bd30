/**
 * @internal
 * The keyed part of an incremental checkpoint of the LMDB backend, written in steps after the
 * barrier: every store key written since the base is read again through one LMDB read
 * transaction opened at the barrier (the store as it was then, whatever the job writes
 * meanwhile), and goes in as an entry when the store holds it, as removed when it does not.
 * Its work is bounded by what changed, not by the size of the state.
 */
import type { RootDatabase, Transaction } from 'lmdb'
import { concat } from '../src/state/DeferredJson'
import { ChangedKeysScan } from './ChangedKeysScan'
import { INCREMENT_FORMAT } from '../src/state/incremental'
import type { StateDescriptor } from '../src/state/StateDescriptor'
import type { SnapshotState } from '../src/state/snapshotFormat'
import { withoutExpiredEncoded } from '../src/state/stateValues'
import { elementRange, entryKeyOf, parseKey, stateOf, type StoreKey } from './storeKeys'
import { joinElements } from './elementEntries'
import { readUnchecked } from './uncheckedValues'

/** @internal The header of a state's snapshot: everything but its entries. */
export type StateHeader = Omit<SnapshotState, 'entries'>

/** @internal How a stored entry becomes a snapshot entry (full or increment). */
export interface EntryFiling {
  /** State names by their number in store keys. */
  readonly names: readonly string[]
  /** Restored states not checked yet: their values as `uncheckedValues.ts` keeps them (with the key group the snapshot gave). */
  readonly pending: ReadonlySet<string>
  /** The descriptors of states with a time to live: expired values are left out. */
  readonly ttls: ReadonlyMap<string, StateDescriptor>
  /** The time of the snapshot (TTL's clock). */
  readonly time: number
  /** The tables that keep a value's list as entries of their own, by state name: the list's field (`joinElements`). */
  readonly elements?: ReadonlyMap<string, string>
}

/**
 * @internal
 * The snapshot entry's JSON text (`[group, key, namespace, value]`) of the stored value `text`
 * under `key` of state `name`, or `undefined` when its value has expired.
 */
export function entryText(filing: EntryFiling, name: string, key: StoreKey, text: string): string | undefined {
  let { group, keyText, ns } = parseKey(key)
  let value = text
  if (filing.pending.has(name)) {
    const unchecked = readUnchecked(text, group)
    group = unchecked.group
    value = JSON.stringify(unchecked.value)
  }
  const ttl = filing.ttls.get(name)
  if (ttl !== undefined) {
    const live = withoutExpiredEncoded(ttl, JSON.parse(value) as unknown, filing.time)
    if (live === undefined) return undefined
    value = JSON.stringify(live)
  }
  return `[${group},${keyText},${ns === undefined ? 'null' : JSON.stringify(ns)},${value}]`
}

/** The `[group, key, namespace]` text of a removed entry. */
function removedText(key: StoreKey): string {
  const { group, keyText, ns } = parseKey(key)
  return `[${group},${keyText},${ns === undefined ? 'null' : JSON.stringify(ns)}]`
}

/** @internal */
export class IncrementScan extends ChangedKeysScan {
  private readonly entries = new Map<string, string[]>()
  private readonly removed = new Map<string, string[]>()

  constructor(
    db: RootDatabase<string, StoreKey>,
    changed: ReadonlySet<StoreKey>,
    private readonly filing: EntryFiling,
    private readonly headers: ReadonlyMap<string, StateHeader>,
    private readonly base: number,
    private readonly maxParallelism: number,
    /** The operators' tables: their state names in store keys, and their names. */
    private readonly tables: ReadonlyMap<string, string>
  ) {
    // In store order (near enough: UTF-16 order). An element written or removed changes its
    // value, which goes in whole.
    super(db, filing.elements === undefined || filing.elements.size === 0 ? [...changed].sort() : [...new Set(Array.from(changed, entryKeyOf))].sort())
    for (const name of [...headers.keys(), ...tables.keys()]) {
      this.entries.set(name, [])
      this.removed.set(name, [])
    }
  }

  protected visit(key: StoreKey, transaction: Transaction): void {
    const { db } = this
    const name = this.filing.names[stateOf(key)]
    const entries = name === undefined ? undefined : this.entries.get(name)
    if (entries === undefined) return
    let text = db.get(key, { transaction })
    const field = this.filing.elements?.get(name!)
    if (text !== undefined && field !== undefined) text = joinElements(text, field, Array.from(db.getRange({ ...elementRange(key), transaction }), ({ value }) => value))
    const entry = text === undefined ? undefined : entryText(this.filing, name!, key, text)
    if (entry === undefined) this.removed.get(name!)!.push(removedText(key))
    else entries.push(entry)
  }

  protected make(): string {
    const states: string[] = []
    for (const [name, header] of this.headers) {
      const head = JSON.stringify(header)
      states.push(`${head.slice(0, -1)},"entries":[${concat(this.entries.get(name)!)}],"removed":[${concat(this.removed.get(name)!)}]}`)
    }
    const tables: string[] = []
    for (const [state, name] of this.tables) {
      tables.push(`{"name":${JSON.stringify(name)},"entries":[${concat(this.entries.get(state)!)}],"removed":[${concat(this.removed.get(state)!)}]}`)
    }
    this.entries.clear()
    this.removed.clear()
    const head = JSON.stringify({ format: INCREMENT_FORMAT, version: 1, base: this.base, maxParallelism: this.maxParallelism })
    return `${head.slice(0, -1)},"states":[${concat(states)}],"tables":[${concat(tables)}]}`
  }
}
