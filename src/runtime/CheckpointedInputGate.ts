/**
 * @internal
 * Checkpoint barriers at an operator of several inputs (Flink's `CheckpointedInputGate` with
 * its `CheckpointBarrierHandler`s): the host puts one in front of every multi-input operator,
 * so barrier handling is written once (FLINK_SEMANTICS §13).
 *
 * - `exactly-once` (aligned): after barrier n arrives on an input, everything later on that
 *   input is held, in arrival order, until n has arrived on every open input; then the
 *   checkpoint is triggered (the operator snapshots, barrier n is forwarded once) and the held
 *   elements are processed before anything new. A newer barrier or a cancellation aborts the
 *   pending alignment and releases what was held. With an alignment timeout, an alignment that
 *   takes longer turns unaligned (below).
 * - `unaligned` (exactly-once): the first barrier n triggers the checkpoint at once; what
 *   arrives after it on an input that has not delivered n yet is processed and also kept as
 *   the checkpoint's channel state, which a restore replays before new input.
 * - `at-least-once`: nothing is held; checkpoint n is triggered when n arrived on every open
 *   input, which may include effects of records after the barrier on faster inputs.
 *
 * Barriers of a checkpoint already triggered or aborted are dropped. An input that ends counts
 * as having delivered every pending and later barrier (Flink 1.15+), once.
 *
 * Records travel as their parts, as in chains; entries are made only for elements held or
 * kept as channel state.
 */
import type { CheckpointBarrier, SideRecord } from '../core/StreamElement'

/** @internal How a multi-input operator handles checkpoint barriers. */
export type CheckpointingMode = 'exactly-once' | 'at-least-once'

/** @internal An element of one input, kept: held during an alignment, or as channel state. */
export type InputElement =
  | { readonly input: number; readonly kind: 'record'; readonly value: unknown; readonly timestamp: number; readonly key: unknown }
  | { readonly input: number; readonly kind: 'watermark'; readonly timestamp: number }
  | { readonly input: number; readonly kind: 'status'; readonly idle: boolean }
  | { readonly input: number; readonly kind: 'side'; readonly element: SideRecord<unknown> }
  | { readonly input: number; readonly kind: 'barrier'; readonly barrier: CheckpointBarrier }
  | { readonly input: number; readonly kind: 'cancel'; readonly checkpointId: number }
  | { readonly input: number; readonly kind: 'end' }

/** @internal What the gate lets through, and what it decides. */
export interface GateOutput {
  record(input: number, value: unknown, timestamp: number, key: unknown): void
  watermark(input: number, timestamp: number): void
  status(input: number, idle: boolean): void
  side(input: number, element: SideRecord<unknown>): void
  /** Input `input` ended (after everything it delivered before its end). */
  end(input: number): void
  /**
   * Checkpoint `barrier.checkpointId` is due here: snapshot, then forward the barrier.
   * `unaligned`: the snapshot's channel state follows (`channelStateComplete`).
   */
  triggerCheckpoint(barrier: CheckpointBarrier, unaligned: boolean): void
  /**
   * Unaligned: the channel state of a checkpoint already triggered is complete (every input
   * delivered its barrier): the elements that were in flight, in arrival order.
   */
  channelStateComplete(checkpointId: number, inFlight: readonly InputElement[]): void
  /** Checkpoint `checkpointId` is aborted here (a newer barrier, a cancellation marker). */
  abortCheckpoint(checkpointId: number, reason: string): void
  /**
   * A record or watermark was held back (an input blocked by an alignment), or what was held
   * is let go (`false`): a job pauses the sources that fill a blocked input meanwhile.
   */
  holding(held: boolean): void
}

/**
 * @internal
 * One alignment of a gate, for the job's metrics (Flink's `checkpointAlignmentTime`): from the
 * first barrier of checkpoint `checkpointId` on any input (`since`, on the gate's `now`) to the
 * last (`duration`, ms), or to its abort.
 */
export interface AlignmentTiming {
  readonly checkpointId: number
  readonly since: number
  readonly duration: number
}

/** @internal Options of a gate. */
export interface GateOptions {
  readonly mode: CheckpointingMode
  /** Exactly-once: let barriers overtake from the start. */
  readonly unaligned?: boolean
  /**
   * Exactly-once, aligned: an alignment that has taken this long (ms, on `now`) turns
   * unaligned when its next element arrives; `undefined`: never.
   */
  readonly alignmentTimeout?: number
  /** Processing time, for the alignment timeout. */
  readonly now?: () => number
}

/**
 * @internal
 * The gate of one multi-input operator with `inputs` inputs. Call its methods with each input's
 * elements as they arrive; it calls `output` with what may be processed now, in order.
 */
export class CheckpointedInputGate {
  private readonly open: boolean[]
  private openCount: number
  /** Exactly-once: inputs that delivered the pending barrier (held when aligned). */
  private readonly arrived: boolean[]
  private arrivedCount = 0
  /** The checkpoint being aligned (exactly-once), or -1. */
  private pending = -1
  private pendingBarrier: CheckpointBarrier | undefined
  private pendingSince = 0
  /** The pending alignment lets barriers overtake (unaligned from the start, or after the timeout). */
  private overtaking = false
  /** Elements held back in arrival order (exactly-once, aligned). */
  private held: InputElement[] = []
  /** Unaligned: elements in flight for the pending checkpoint (its channel state). */
  private inFlight: InputElement[] = []
  /** The newest checkpoint triggered or aborted here: barriers up to it are dropped. */
  private lastDone = 0
  /** At-least-once: pending checkpoints by id, the inputs their barrier came from, and when the first came. */
  private readonly tracked = new Map<number, { barrier: CheckpointBarrier; inputs: Set<number>; since: number }>()
  /**
   * A checkpoint is aligning (exactly-once): the one flag the data path checks. While it is
   * false, an input may hand its records to the operator directly (what `record` would do).
   */
  watching = false

  constructor(
    inputs: number,
    private readonly output: GateOutput,
    private readonly options: GateOptions
  ) {
    this.open = new Array<boolean>(inputs).fill(true)
    this.openCount = inputs
    this.arrived = new Array<boolean>(inputs).fill(false)
  }

  /** The number of elements held back now (Flink's metric of elements held by alignment). */
  get heldCount(): number {
    return this.held.length
  }

  // ---- metrics (read between batches and once per checkpoint, never per record) ----

  /** The last alignment that ended here, completed or aborted. */
  lastAlignment: AlignmentTiming | undefined = undefined

  /** The alignment under way (exactly-once), as its checkpoint and when its first barrier came. */
  get alignment(): { readonly checkpointId: number; readonly since: number } | undefined {
    return this.pending < 0 ? undefined : { checkpointId: this.pending, since: this.pendingSince }
  }

  /** Whether what input `input` delivers is held back now (it delivered the barrier of an alignment under way). */
  holdsInput(input: number): boolean {
    return this.isHeld(input)
  }

  private now(): number {
    return this.options.now?.() ?? 0
  }

  record(input: number, value: unknown, timestamp: number, key: unknown): void {
    if (this.watching && this.keep({ input, kind: 'record', value, timestamp, key })) return
    this.output.record(input, value, timestamp, key)
  }

  watermark(input: number, timestamp: number): void {
    if (this.watching && this.keep({ input, kind: 'watermark', timestamp })) return
    this.output.watermark(input, timestamp)
  }

  status(input: number, idle: boolean): void {
    if (this.watching && this.keep({ input, kind: 'status', idle })) return
    this.output.status(input, idle)
  }

  side(input: number, element: SideRecord<unknown>): void {
    if (this.watching && this.keep({ input, kind: 'side', element })) return
    this.output.side(input, element)
  }

  barrier(input: number, barrier: CheckpointBarrier): void {
    if (this.watching && this.holds({ input, kind: 'barrier', barrier })) return
    this.processBarrier(input, barrier)
  }

  cancel(input: number, checkpointId: number): void {
    if (this.watching && this.holds({ input, kind: 'cancel', checkpointId })) return
    this.processCancellation(checkpointId)
  }

  end(input: number): void {
    if (this.watching && this.holds({ input, kind: 'end' })) return
    this.processEnd(input)
  }

  // ---- holding and channel state ----

  /** Whether `input` is held: it delivered the barrier of an aligned checkpoint still aligning. */
  private isHeld(input: number): boolean {
    return this.pending >= 0 && !this.overtaking && this.arrived[input] === true
  }

  /** Whether `element` is held back (a timed-out alignment turns unaligned first). */
  private holds(element: InputElement): boolean {
    this.checkTimeout()
    if (!this.isHeld(element.input)) return false
    this.held.push(element)
    this.output.holding(true)
    return true
  }

  /** Whether data `element` is held back; if it is in flight past an overtaking barrier, it is also kept as channel state. */
  private keep(element: InputElement): boolean {
    if (this.holds(element)) return true
    if (this.overtaking && this.pending >= 0 && this.arrived[element.input] === false) this.inFlight.push(element)
    return false
  }

  /** An aligned checkpoint that waited longer than the alignment timeout turns unaligned. */
  private checkTimeout(): void {
    const { alignmentTimeout, now } = this.options
    if (alignmentTimeout === undefined || now === undefined || this.pending < 0 || this.overtaking) return
    if (now() - this.pendingSince < alignmentTimeout) return
    this.overtaking = true
    this.output.triggerCheckpoint(this.pendingBarrier!, true)
    // What was held came after the barrier on its input: it is processed now, not kept.
    this.release()
  }

  private processBarrier(input: number, barrier: CheckpointBarrier): void {
    const id = barrier.checkpointId
    if (id <= this.lastDone) return
    if (this.options.mode === 'at-least-once') return this.track(input, barrier)
    if (this.pending >= 0 && id > this.pending) {
      // What the abort releases arrived before this barrier, and may start an alignment of its own.
      this.abortPending(`checkpoint ${id} started before it was aligned`)
      return this.processBarrier(input, barrier)
    }
    if (this.pending >= 0 && id < this.pending) return
    if (this.pending < 0) this.startAlignment(barrier)
    if (this.arrived[input] === true) return
    this.arrived[input] = true
    this.arrivedCount++
    this.checkAligned()
  }

  private startAlignment(barrier: CheckpointBarrier): void {
    this.pending = barrier.checkpointId
    this.pendingBarrier = barrier
    this.pendingSince = this.now()
    this.watching = true
    this.overtaking = this.options.unaligned === true
    // Unaligned: the snapshot is taken at the first barrier; the rest is channel state.
    if (this.overtaking) this.output.triggerCheckpoint(barrier, true)
  }

  /** Every open input delivered the pending barrier. */
  private checkAligned(): void {
    if (this.pending < 0 || this.arrivedCount < this.openCount) return
    const barrier = this.pendingBarrier!
    const overtaken = this.overtaking
    const inFlight = this.inFlight
    this.finishPending()
    if (overtaken) this.output.channelStateComplete(barrier.checkpointId, inFlight)
    else this.output.triggerCheckpoint(barrier, false)
    this.release()
  }

  private abortPending(reason: string): void {
    const id = this.pending
    this.finishPending()
    this.output.abortCheckpoint(id, reason)
    this.release()
  }

  private finishPending(): void {
    this.lastAlignment = { checkpointId: this.pending, since: this.pendingSince, duration: this.now() - this.pendingSince }
    this.lastDone = this.pending
    this.pending = -1
    this.pendingBarrier = undefined
    this.overtaking = false
    this.inFlight = []
    this.arrived.fill(false)
    this.arrivedCount = 0
    this.watching = false
  }

  /**
   * Processes what was held, in arrival order, before anything new. An input that blocks again
   * on a barrier among them holds its later elements anew; if that alignment completes within
   * this release, the nested release processes those first, as they arrived before the rest
   * (Flink's barrier buffer pushes the older sequence back the same way).
   */
  private release(): void {
    const batch = this.held
    if (batch.length === 0) return
    this.held = []
    this.output.holding(false)
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i]!
      if (this.isHeld(e.input)) this.held.push(e)
      else this.replay(e)
    }
    // An alignment that started among them holds on.
    if (this.held.length > 0) this.output.holding(true)
  }

  private replay(e: InputElement): void {
    switch (e.kind) {
      case 'record':
        return this.record(e.input, e.value, e.timestamp, e.key)
      case 'watermark':
        return this.watermark(e.input, e.timestamp)
      case 'status':
        return this.status(e.input, e.idle)
      case 'side':
        return this.side(e.input, e.element)
      case 'barrier':
        return this.barrier(e.input, e.barrier)
      case 'cancel':
        return this.cancel(e.input, e.checkpointId)
      case 'end':
        return this.end(e.input)
    }
  }

  private processCancellation(id: number): void {
    if (id <= this.lastDone) return
    if (this.options.mode === 'at-least-once') return this.cancelTracked(id)
    if (this.pending >= 0 && id < this.pending) return
    if (this.pending >= 0) {
      // id ≥ pending: the pending one is aborted; a newer id is aborted before it starts.
      const pending = this.pending
      this.abortPending(`cancelled by a cancellation marker for checkpoint ${id}`)
      if (id === pending) return
    }
    this.lastDone = id
    this.output.abortCheckpoint(id, 'cancelled by a cancellation marker')
  }

  private processEnd(input: number): void {
    if (!this.open[input]) return
    this.open[input] = false
    this.openCount--
    // The ended input counts as aligned for what is pending: it can deliver nothing more.
    if (this.options.mode === 'at-least-once') this.completeTracked()
    else if (this.pending >= 0) {
      if (this.arrived[input] === true) {
        this.arrived[input] = false
        this.arrivedCount--
      }
      this.checkAligned()
    }
    this.output.end(input)
  }

  // ---- at-least-once ----

  private track(input: number, barrier: CheckpointBarrier): void {
    const id = barrier.checkpointId
    let entry = this.tracked.get(id)
    if (entry === undefined) this.tracked.set(id, (entry = { barrier, inputs: new Set(), since: this.now() }))
    entry.inputs.add(input)
    this.completeTracked()
  }

  /** Triggers the newest checkpoint whose barrier came from every open input; older ones are dropped. */
  private completeTracked(): void {
    let done: { barrier: CheckpointBarrier; inputs: Set<number>; since: number } | undefined
    for (const entry of this.tracked.values()) {
      let count = 0
      for (const input of entry.inputs) if (this.open[input]) count++
      if (count >= this.openCount && (done === undefined || entry.barrier.checkpointId > done.barrier.checkpointId)) done = entry
    }
    if (done === undefined) return
    const id = done.barrier.checkpointId
    for (const other of [...this.tracked.keys()]) {
      if (other > id) continue
      this.tracked.delete(other)
      if (other < id) this.output.abortCheckpoint(other, `checkpoint ${id} completed first`)
    }
    this.lastDone = id
    // Nothing was held: the time from its first barrier to its last.
    this.lastAlignment = { checkpointId: id, since: done.since, duration: this.now() - done.since }
    this.output.triggerCheckpoint(done.barrier, false)
  }

  /** A cancellation aborts every pending checkpoint up to its id, and its own once. */
  private cancelTracked(id: number): void {
    let own = false
    for (const other of [...this.tracked.keys()].sort((a, b) => a - b)) {
      if (other > id) continue
      this.tracked.delete(other)
      if (other === id) own = true
      this.output.abortCheckpoint(other, `cancelled by a cancellation marker for checkpoint ${id}`)
    }
    if (!own) this.output.abortCheckpoint(id, 'cancelled by a cancellation marker')
    this.lastDone = id
  }
}
