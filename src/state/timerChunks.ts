/**
 * @internal
 * Chunked timers: an operator's timers too many for one text (the LMDB backend keeps them on
 * disk) are written as chunks of the checkpoint, as its keyed state is (`chunks.ts`), and the
 * body's timer part lists them in place of its entries.
 *
 * ```text
 * body:  timers: { eventTime: [], processingTime: [], chunks: [{ n: 7, first: 0, last: 127, length: 1048590, checksum: '…' }, …] }
 * chunk: { "eventTime": [[group, key, ns, time], …], "processingTime": [ … ] }
 * ```
 *
 * The timers are listed in firing order (event time, then processing time), as an unchunked
 * part lists them, not by key group: so a chunk spans the key groups of its timers (`first`
 * and `last`), mostly all of them, and a rescaled subtask reads every chunk whose span meets
 * its range, keeping of it only its groups' timers. Fewer timers than about one chunk stay in
 * the body, the same part as without chunks.
 */
import { StateError } from '../core/errors'
import type { OperatorInfo } from '../core/OperatorOptions'
import { CHUNK_CHARS, type ChunkReader, type ChunkRef, type ChunkSink, readChunkJson } from './chunks'
import { now, WrittenOnce } from './DeferredJson'
import { describeErrors, TimersSnapshot } from './snapshotFormat'
import type { TimersIncrement } from './timerIncrements'

/** @internal A timer part as a restore receives it: its entries, possibly chunks, possibly rescaled to a range of key groups. */
export type ChunkedTimersSnapshot = TimersSnapshot & {
  readonly chunks?: readonly ChunkRef[]
  /** Increments to apply after the chunks, oldest first (a chain whose base is chunked, `timerIncrements.ts`). */
  readonly increments?: readonly TimersIncrement[]
  /** A rescaled part: only these key groups' timers of its chunks are its own (`rescale.ts`). */
  readonly keyGroups?: { readonly start: number; readonly end: number }
}

/** @internal A timer as written: its key group and its entry's JSON text. */
export interface EncodedTimer {
  readonly group: number
  readonly text: string
}

/** Timers encoded between two looks at the clock. */
const TIMERS_PER_LOOK = 256

/**
 * @internal
 * The timer part of a snapshot, written in steps from the two domains' timers in firing order
 * (`eventTime`, `processingTime`: a view of the barrier, read one at a time). Once the entries
 * reach `CHUNK_CHARS` they go to `sink` as a chunk, and the reading waits while the sink
 * stores one; the part then lists the chunks. Fewer entries are written whole.
 */
export class ChunkedTimerPart<T> extends WrittenOnce {
  private domain = 0
  /** Per domain, the entries' texts filed since the last chunk. */
  private pieces: [string[], string[]] = [[], []]
  private filed = 0
  private first = Infinity
  private last = -Infinity
  private readonly chunks: ChunkRef[] = []
  private cancelled = false

  constructor(
    private readonly domains: readonly [Iterator<T, undefined>, Iterator<T, undefined>],
    private readonly encode: (timer: T) => EncodedTimer,
    private readonly sink: ChunkSink
  ) {
    super()
  }

  step(deadline: number): boolean {
    if (this.finished) return true
    if (this.cancelled) throw new Error('the snapshot was cancelled')
    let looked = 0
    while (this.domain < 2) {
      if (this.filed >= CHUNK_CHARS) {
        if (!this.sink.ready) return false
        this.cut()
      }
      const next = this.domains[this.domain]!.next()
      if (next.done === true) {
        this.domain++
        continue
      }
      const { group, text } = this.encode(next.value)
      this.pieces[this.domain as 0 | 1].push(text)
      this.filed += text.length + 1
      if (group < this.first) this.first = group
      if (group > this.last) this.last = group
      if (++looked % TIMERS_PER_LOOK === 0 && now() >= deadline) return false
    }
    if (this.chunks.length > 0 && this.filed > 0) {
      if (!this.sink.ready) return false
      this.cut()
    }
    if (this.chunks.length > 0) return this.finish(`{"eventTime":[],"processingTime":[],"chunks":${JSON.stringify(this.chunks)}}`)
    const [eventTime, processingTime] = this.pieces
    this.pieces = [[], []]
    return this.finish(timersText(eventTime, processingTime))
  }

  cancel(): void {
    if (this.cancelled || this.finished) return
    this.cancelled = true
    this.pieces = [[], []]
    for (const domain of this.domains) domain.return?.()
  }

  /** What is filed goes to the sink as one chunk. */
  private cut(): void {
    const [eventTime, processingTime] = this.pieces
    this.chunks.push(this.sink.put(timersText(eventTime, processingTime), this.first, this.last))
    this.pieces = [[], []]
    this.filed = 0
    this.first = Infinity
    this.last = -Infinity
  }
}

function timersText(eventTime: readonly string[], processingTime: readonly string[]): string {
  return `{"eventTime":[${eventTime.join(',')}],"processingTime":[${processingTime.join(',')}]}`
}

/**
 * @internal
 * The timers of a timer part: its entries, then those of its chunks read one at a time through
 * `reader` (of a rescaled part, those of its key groups), each domain's handed to `restore`;
 * then each increment of a chain on a chunked base in turn: its removed timers, and those it
 * lists (registered again since: they move after the others of their time), handed to
 * `remove`, then those it lists to `restore`. A chunk missing, damaged or not of timers is a
 * `StateError` naming it.
 */
export function restoreTimerChunks(
  info: OperatorInfo,
  snapshot: ChunkedTimersSnapshot,
  reader: ChunkReader | undefined,
  restore: (part: TimersSnapshot) => void,
  remove: (part: TimersSnapshot) => void
): void {
  restore(snapshot)
  const range = snapshot.keyGroups
  const owns = (entry: TimersSnapshot['eventTime'][number]): boolean => range === undefined || (entry[0] >= range.start && entry[0] <= range.end)
  const owned = (part: TimersSnapshot): TimersSnapshot => (range === undefined ? part : { eventTime: part.eventTime.filter(owns), processingTime: part.processingTime.filter(owns) })
  for (const ref of snapshot.chunks ?? []) {
    const decoded = TimersSnapshot.decode(readChunkJson(info, 'timers', 'the timers', reader, ref))
    if (decoded._tag === 'Left') throw new StateError(info, 'timers', `cannot restore: chunk ${ref.n} of checkpoint ${ref.checkpoint ?? '?'} is not a chunk of timers: ${describeErrors(decoded.left)}`)
    restore(owned(decoded.right))
  }
  for (const increment of snapshot.increments ?? []) {
    const timers = (part: unknown, what: string): TimersSnapshot => {
      const decoded = TimersSnapshot.decode(part)
      if (decoded._tag === 'Left') throw new StateError(info, 'timers', `cannot restore: the ${what} of the increment on checkpoint ${increment.base} are not timers: ${describeErrors(decoded.left)}`)
      return decoded.right
    }
    const { eventTime, processingTime } = timers(increment, 'timers registered')
    const removed = timers(increment.removed, 'timers removed')
    remove(owned({ eventTime: [...removed.eventTime, ...eventTime], processingTime: [...removed.processingTime, ...processingTime] }))
    restore(owned({ eventTime, processingTime }))
  }
}
