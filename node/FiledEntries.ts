/**
 * @internal
 * The entries a snapshot's scan of the LMDB store filed under one state or table, as the JSON
 * texts of a snapshot's entries, to be joined by commas.
 *
 * An entry's text is a rope of its parts (`entryText`'s template: the key group, the key, the
 * namespace and the value, each a string of its own), half a dozen small objects. Held until
 * the chunk or the snapshot is written, they outlived the young generation's collections: each
 * was copied there, then promoted, then marked by the old generation's collections, which
 * made those collections long pauses of a large checkpoint (tens of ms a chunk). `settle`, once
 * per batch of the scan, joins the entries filed since into one flat text (a copy of their
 * characters): the scan then holds a few long strings per chunk and the ropes die young.
 */
import { concat } from '../src/state/DeferredJson'

export class FiledEntries {
  private runs: string[] = []
  private recent: string[] = []

  push(entry: string): void {
    this.recent.push(entry)
  }

  /** The entries filed since the last settling, joined into one flat text. */
  settle(): void {
    if (this.recent.length === 0) return
    this.runs.push(this.recent.join(','))
    this.recent = []
  }

  /** Every entry filed, joined by commas (a rope of the settled runs), which this lets go. */
  take(): string {
    this.settle()
    const text = concat(this.runs)
    this.runs = []
    return text
  }
}
