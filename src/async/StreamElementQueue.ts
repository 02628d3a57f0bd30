/**
 * @internal
 * The queue of `asyncWait` (Flink's `StreamElementQueue`): every element that entered the
 * operator and has not left it yet, in arrival order, each in one slot. Records wait for their
 * call; watermarks, statuses and side records are complete on arrival and wait only for their
 * turn. The queue decides the order in which complete entries leave:
 *
 * - ordered: strictly in arrival order (head-of-line blocking);
 * - unordered: as they complete, within segments cut by watermarks and statuses (separators):
 *   a separator leaves only after every entry before it, and no entry after it leaves before it.
 *
 * Because every not-yet-emitted input is here, in order and with its timestamp and key, the
 * queue is what a checkpoint will snapshot (see `AsyncWaitOperator.inFlight`).
 */
import type { Subscription } from 'rxjs'
import type { StreamElement } from '../core/StreamElement'
import { Fifo } from './Fifo'

/**
 * @internal
 * One slot. Its call state (attempt, abort controller, timers) lives here too, so that one
 * object per input carries everything and the runtime never looks anything up.
 */
export class QueueEntry<In, K, Out> {
  prev: QueueEntry<In, K, Out> | undefined = undefined
  next: QueueEntry<In, K, Out> | undefined = undefined
  /** Complete: its results are known (records), or from the start (everything else). */
  done: boolean
  /** The results of a complete record. */
  results: readonly Out[] | undefined = undefined
  /** Unordered mode: how many separators arrived before it (a separator: its own index). */
  segment = 0
  /** Unordered mode: when it completed, as a sequence number (for later segments' order). */
  completedAt = 0
  /** Calls made so far (records only): 0 before the first. */
  attempt = 0
  /** Aborts the running attempt. */
  controller: AbortController | undefined = undefined
  /** The running attempt's subscription, when the function returned an Observable. */
  call: Subscription | undefined = undefined
  timeoutTimer: Subscription | undefined = undefined
  retryTimer: Subscription | undefined = undefined

  constructor(
    readonly element: StreamElement<In, K>,
    /** Watermarks and statuses: they cut unordered output into segments. */
    readonly separator: boolean
  ) {
    this.done = element._tag !== 'Record'
  }
}

/** @internal The two orders share this interface (Flink: Ordered/UnorderedStreamElementQueue). */
export interface StreamElementQueue<In, K, Out> {
  /** Entries in the queue: the slots taken. */
  readonly size: number
  /** Appends an entry (complete or not). */
  add(entry: QueueEntry<In, K, Out>): void
  /** Tells the queue that `entry` (in it) just became complete. */
  completed(entry: QueueEntry<In, K, Out>): void
  /** Removes and returns the next entry allowed to leave, if any. */
  poll(): QueueEntry<In, K, Out> | undefined
  /** The first entry (oldest); entries link to the next one through `next`. */
  readonly first: QueueEntry<In, K, Out> | undefined
}

/** A doubly linked list of entries in arrival order: O(1) append and removal anywhere. */
abstract class LinkedQueue<In, K, Out> implements StreamElementQueue<In, K, Out> {
  first: QueueEntry<In, K, Out> | undefined = undefined
  private last: QueueEntry<In, K, Out> | undefined = undefined
  size = 0

  add(entry: QueueEntry<In, K, Out>): void {
    entry.prev = this.last
    if (this.last === undefined) this.first = entry
    else this.last.next = entry
    this.last = entry
    this.size++
  }

  protected remove(entry: QueueEntry<In, K, Out>): void {
    if (entry.prev === undefined) this.first = entry.next
    else entry.prev.next = entry.next
    if (entry.next === undefined) this.last = entry.prev
    else entry.next.prev = entry.prev
    entry.prev = entry.next = undefined
    this.size--
  }

  abstract completed(entry: QueueEntry<In, K, Out>): void
  abstract poll(): QueueEntry<In, K, Out> | undefined
}

/** @internal Entries leave in arrival order. */
export class OrderedQueue<In, K, Out> extends LinkedQueue<In, K, Out> {
  completed(): void {
    // Nothing to do: `poll` looks at the head only.
  }

  poll(): QueueEntry<In, K, Out> | undefined {
    const head = this.first
    if (head === undefined || !head.done) return undefined
    this.remove(head)
    return head
  }
}

/**
 * @internal
 * Entries leave as they complete within the head segment (the records before the first
 * separator still queued); a separator leaves once it is the oldest entry, which opens the
 * next segment.
 */
export class UnorderedQueue<In, K, Out> extends LinkedQueue<In, K, Out> {
  private separatorsAdded = 0
  private separatorsEmitted = 0
  private completions = 0
  /** Complete entries of the head segment, in completion order. */
  private readonly ready = new Fifo<QueueEntry<In, K, Out>>()

  override add(entry: QueueEntry<In, K, Out>): void {
    entry.segment = entry.separator ? this.separatorsAdded++ : this.separatorsAdded
    super.add(entry)
    if (entry.done && !entry.separator) this.completed(entry)
  }

  completed(entry: QueueEntry<In, K, Out>): void {
    if (entry.segment === this.separatorsEmitted) this.ready.push(entry)
    // Otherwise it waits, complete, until its segment becomes the head (see poll).
    else entry.completedAt = ++this.completions
  }

  poll(): QueueEntry<In, K, Out> | undefined {
    const next = this.ready.shift()
    if (next !== undefined) {
      this.remove(next)
      return next
    }
    const head = this.first
    if (head === undefined || !head.separator) return undefined
    // Nothing precedes the separator any more: it leaves, and the next segment becomes the
    // head. Its entries that completed meanwhile may leave now, in the order they completed.
    this.remove(head)
    this.separatorsEmitted++
    const done: QueueEntry<In, K, Out>[] = []
    for (let e = this.first; e !== undefined && !e.separator; e = e.next) if (e.done) done.push(e)
    if (done.length > 1) done.sort((a, b) => a.completedAt - b.completedAt)
    for (const e of done) this.ready.push(e)
    return head
  }
}
