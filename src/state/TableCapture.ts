/**
 * @internal
 * A snapshot of one {@link StateTable} written in steps while the job goes on (Flink's
 * copy-on-write state tables, `CopyOnWriteStateMap`, in the form a single thread allows).
 *
 * At the barrier the capture copies the list of the table's key ids, which is cheap. From then
 * on the table calls {@link TableCapture.before} with a key's id before it reads a value of that
 * key for the record path or changes one; the first such call writes the key's entries as they
 * are, still untouched, so the snapshot keeps them as of the barrier however the values change
 * in place afterwards. `step` writes the keys nobody touched, then lays the text out key group
 * by key group, in the order a snapshot taken at once would have (see `StateTable.entries`).
 *
 * A value the encoder rejects while a record touches its key is not the record's error: it is
 * kept, and the snapshot fails with it at the next step.
 */
import { concat, now, WrittenOnce } from './DeferredJson'
import { keyGroupOfId } from './KeyGroup'
import type { KeyEntry } from './StateTable'

/** @internal What a capture reads of its table. */
export interface CapturedTable<K, S> {
  /** The entry of key id `id` as it is now (no values: nothing to write). */
  entryOf(id: unknown, group: number): KeyEntry<K, S>
  /** The capture is done with the table: it stops calling `before`. */
  release(capture: TableCapture<K, S>): void
}

/** @internal Writes one key's entries as JSON array elements (comma-separated), or '' for none. */
export type EntryWriter<K, S> = (entry: KeyEntry<K, S>) => string

/** How many keys already written a step passes between two looks at the clock. */
const KEYS_PER_CLOCK_CHECK = 128

/** @internal */
export class TableCapture<K, S> extends WrittenOnce {
  /** Keys of the barrier whose entries are not written yet. */
  private readonly pending: Set<unknown>
  /** The text of each written key (keys with nothing to write are left out). */
  private readonly written = new Map<unknown, string>()
  /** Position in `ids` of the listing by key group. */
  private next = 0
  /** Key ids by key group, filled as the listing walks `ids`. */
  private readonly byGroup = new Map<number, unknown[]>()
  /** The key groups in order, once the listing is done, and how far their texts are joined. */
  private groups: number[] | undefined = undefined
  private group = 0
  private pieces: string[] = []
  private failure: { readonly error: unknown } | undefined = undefined
  private released = false

  constructor(
    private readonly table: CapturedTable<K, S>,
    /** Every key id of the table at the barrier, in the table's order. */
    private ids: unknown[],
    private readonly write: EntryWriter<K, S>,
    private readonly maxParallelism: number
  ) {
    super()
    this.pending = new Set(ids)
  }

  /** Key `id` is about to be read for a change or changed: its entries are written first. */
  before(id: unknown): void {
    if (this.pending.delete(id)) this.take(id, keyGroupOfId(id, this.maxParallelism))
  }

  /** Writes every key not written yet (the table is about to be cleared). */
  takeAll(): void {
    for (const id of this.pending) this.take(id, keyGroupOfId(id, this.maxParallelism))
    this.pending.clear()
    this.releaseTable()
  }

  step(deadline: number): boolean {
    if (this.finished) return true
    this.throwFailure()
    const { ids, byGroup, pending, maxParallelism } = this
    let unchecked = 0
    while (this.next < ids.length) {
      const id = ids[this.next++]
      const group = keyGroupOfId(id, maxParallelism)
      const inGroup = byGroup.get(group)
      if (inGroup === undefined) byGroup.set(group, [id])
      else inGroup.push(id)
      // The clock is read after every key written (a step writes at least one), and every so
      // many keys that records had written already.
      if (pending.delete(id)) this.take(id, group)
      else if (++unchecked < KEYS_PER_CLOCK_CHECK) continue
      unchecked = 0
      if (this.next < ids.length && now() >= deadline) {
        this.throwFailure()
        return false
      }
    }
    this.releaseTable()
    this.throwFailure()
    // Then the texts, group by group, joined a piece at a time (one join of a large state's
    // texts would hold the job up for tens of milliseconds).
    if (this.groups === undefined) {
      this.groups = [...byGroup.keys()].sort((a, b) => a - b)
      if (now() >= deadline) return false
    }
    const { groups, written, pieces } = this
    while (this.group < groups.length) {
      const texts: string[] = []
      for (const id of byGroup.get(groups[this.group++]!)!) {
        const text = written.get(id)
        if (text !== undefined) texts.push(text)
      }
      if (texts.length > 0) pieces.push(texts.join(','))
      if (this.group < groups.length && now() >= deadline) return false
    }
    const text = `[${concat(pieces)}]`
    written.clear()
    byGroup.clear()
    this.ids = []
    this.pieces = []
    return this.finish(text)
  }

  cancel(): void {
    this.pending.clear()
    this.written.clear()
    this.releaseTable()
  }

  private take(id: unknown, group: number): void {
    if (this.failure !== undefined) return
    try {
      const text = this.write(this.table.entryOf(id, group))
      if (text !== '') this.written.set(id, text)
    } catch (error) {
      this.failure = { error }
    }
  }

  private releaseTable(): void {
    if (this.released) return
    this.released = true
    this.table.release(this)
  }

  private throwFailure(): void {
    if (this.failure === undefined) return
    this.cancel()
    throw this.failure.error
  }
}
