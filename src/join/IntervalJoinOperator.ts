/**
 * @internal
 * The runtime of the interval join (Flink's `IntervalJoinOperator`): both inputs keyed by the
 * same key; each element is buffered on its side and matched at once against the other
 * side's buffer of its key, so every pair is emitted exactly once, when its later element
 * arrives; elements are dropped once the combined watermark says no element of the other side
 * can match them any more.
 *
 * - A left element at `t` joins right elements in `[t + lower, t + upper]` (the effective
 *   bounds: exclusivity already applied); a right element at `t` joins left elements in
 *   `[t - upper, t - lower]`.
 * - Late (`ts < currentWatermark`, strict): neither buffered nor joined; sent to that side's
 *   late side output, or dropped.
 * - Cleanup (Flink's rule): a left element at `t` goes once the watermark reaches `t + upper`
 *   if `upper > 0`, else `t`; a right element at `t` once it reaches `t - lower` if
 *   `lower < 0`, else `t`: its cleanup time is `t + shift`, with the side's `shift >= 0`.
 *   Memory thus follows the interval (and the watermark's lag), not the input.
 *
 * What is dropped when is exactly Flink's; how differs. Flink registers an event-time timer
 * per element, at its cleanup time, which drops the element when a watermark advance passes
 * it; a timer registered at or before the current watermark fires at the next advance. So an
 * element is *dead* (no longer joins) iff its cleanup time `c` is below the watermark `W`, or
 * `c = W` and it was buffered before `W` was reached. With `shift > 0` that second case is
 * always so (`c > t >= ` the watermark it was buffered at); with `shift = 0` each element keeps
 * the watermark it was buffered at, to decide it.
 *
 * Dead elements are skipped, which lets the memory be reclaimed lazily and cheaply (a timer
 * per element costs a registration and a firing, each touching memory long gone from the CPU
 * caches, for every order id of a typical join):
 * - on access: a record first drops the dead prefix of the other side, the one it scans (dead
 *   elements are a prefix once the side is in order); its own side's dead wait for the key's
 *   sweep. Dropping them too cost a call per record on a key that
 *   takes many records of one side (q4's hot auction, a bid in two, its oldest bid dead at
 *   nearly every watermark), for memory the sweep frees a slack later anyway;
 * - by sweeps: a key is filed for a sweep at `slack` (the larger shift) past its earliest
 *   cleanup time, so that one sweep usually finds everything it holds dead (an order and its
 *   payment a few seconds later: one sweep, not two), rounded up to a slice of event time;
 *   the keys of one slice share one event-time timer of the operator's timer service (a timer
 *   wheel). A sweep drops the dead (a side not in order is filtered, not put in order), and
 *   files the key again if anything is left, or releases it.
 * A dead element thus stays in memory at most `slack` plus a slice longer than in Flink.
 *
 * The buffers are one table of the keyed-state backend (snapshotted in key groups, as every
 * keyed operator's state). On the heap a sweep holds the buffers it visits; where the table's
 * values leave memory (LMDB) it holds keys and reads their buffers through the table. Flink
 * keeps `MapState<timestamp, List<element>>` per side; here a key's side is parallel arrays,
 * timestamps unboxed in a double array. A record is appended, in arrival order; the side is
 * put in order of time (arrival order among equal ones) when the other side's record scans it,
 * so that a match is a scan that stops past the upper end, and the cleanup on access a prefix
 * removal, because the cleanup time grows with the timestamp. A key that takes many records
 * of one side seldom gets one of the other (q4's hot auction: hundreds of bids, one auction),
 * so most records out of order are never moved (see `insert`).
 *
 * Snapshots hold the live elements of each key's sides only (see `bufferCodec`); the sweep
 * schedule is not part of them. It is derived bookkeeping: which key a sweep visits when
 * changes what stays in memory, never what is joined, since dead elements are skipped on
 * access anyway. So the sweep timers are left out of the snapshot, and a restore files every
 * restored key for a sweep afresh, from its earliest cleanup time. The per-record path is not
 * touched by any of this.
 */
import type { SchedulerLike } from 'rxjs'
import type { Collector } from '../core/Collector'
import { KeyError, StateError, TimestampError } from '../core/errors'
import { keyId } from '../core/Key'
import type { OperatorInfo } from '../core/OperatorOptions'
import type { OutputTag } from '../core/OutputTag'
import { describeElement, describeValue } from '../core/describe'
import { emitSideOutput } from '../runtime/sideOutput'
import type { TableCodec } from '../state/KeyedStateBackend'
import { encodeTime, jsonIncompatibility } from '../state/snapshotFormat'
import type { OperatorTable } from '../state/OperatorTable'
import { NO_TIMESTAMP, sideRecord, streamRecord } from '../core/StreamElement'
import type { InternalTimer } from '../core/TimerService'
import { AbstractKeyedOperator } from '../runtime/AbstractKeyedOperator'
import type { ChainContext } from '../runtime/Output'
import type { ChainOutput } from '../runtime/Output'
import type { MultiInput, SnapshotParts, StateSnapshotContext } from '../runtime/StreamOperator'
import type { ProcessJoinContext } from './JoinFunction'

/** @internal The user function, normalized to a plain function. */
export type JoinProcessor<A, B, R, K> = (left: A, right: B, ctx: ProcessJoinContext<K>, out: Collector<R>) => void

/** @internal */
export interface IntervalJoinConfig<A, B, R, K> {
  readonly info: OperatorInfo
  /** Effective lower bound (`lowerBoundExclusive` already added 1). */
  readonly lowerBound: number
  /** Effective upper bound (`upperBoundExclusive` already subtracted 1). */
  readonly upperBound: number
  readonly leftLateTag: OutputTag<A> | undefined
  readonly rightLateTag: OutputTag<B> | undefined
  readonly fn: JoinProcessor<A, B, R, K>
  readonly scheduler: SchedulerLike
  readonly maxParallelism: number | undefined
}

/**
 * One side of one key's buffers: timestamps, their values and, on a side with shift 0, the
 * watermark each was buffered at; valid from `head` on (empty when `head` is the length).
 * `[head, sorted)` is ascending (equal timestamps in arrival order); `[sorted, length)` was
 * appended after it in arrival order, in any order of time, and is put in order (`order`) only
 * when something needs it: the other side's scan, the prefix removal, a snapshot. Removing a
 * prefix only moves `head`; the arrays are compacted when the dead part dominates, so a
 * long-lived key does not shift its buffer per cleanup.
 */
class Side<T> {
  readonly ts: number[] = []
  readonly values: T[] = []
  readonly buffered: number[] = []
  head = 0
  sorted = 0
}

/**
 * One key's buffers. Keys come and go all the time (an order id is a key for a few seconds),
 * so the buffers of a released key are recycled for the next new key, arrays and their room
 * included (emptied with `pop`, which keeps the room, where `length = 0` frees it).
 * `generation` counts recycles, so a sweep entry of an earlier owner is recognized as stale.
 */
class KeyBuffers<K, A, B> {
  key: K | undefined = undefined
  generation = 0
  readonly left = new Side<A>()
  readonly right = new Side<B>()
  /** The event time of the sweep the key is filed for (`Infinity`: none; `FILED`: one, not known which). */
  sweepAt = Infinity
}

/**
 * The `sweepAt` of buffers read back from a store (see `bufferCodec`): every key with buffers
 * is filed for exactly one sweep, which the store does not record; the key is filed again only
 * once that sweep has come.
 */
const FILED = -Infinity

/**
 * The keys filed for one sweep: their buffers, with the generation of each when filed, where
 * the table's values stay in memory (the heap); else the keys, whose buffers the sweep reads
 * through the table (see `IntervalJoinOperator.byReference`).
 */
interface Sweep<K, A, B> {
  readonly buffers: KeyBuffers<K, A, B>[]
  readonly generations: number[]
  readonly keys: K[]
}

/** At most this many released key buffers are kept for reuse. */
const POOL_SIZE = 1024

/**
 * Buffers `value` at `timestamp`: an append, whatever its time. Kept in order here, a record a
 * few places late moved every later element of three arrays (q4's hot auction: a bid in eight
 * out of order behind hundreds of its auction's bids, 4.6 elements moved per bid on average),
 * for an order that only the other side's scan needs, and that side seldom comes to a key that
 * takes many records of one side.
 */
function insert<T>(side: Side<T>, timestamp: number, value: T, shift: number, watermark: number): void {
  const { ts } = side
  const length = ts.length
  if (side.sorted === length && (length === side.head || ts[length - 1]! <= timestamp)) side.sorted = length + 1
  ts.push(timestamp)
  side.values.push(value)
  if (shift === 0) side.buffered.push(watermark)
}

/**
 * Puts a side in order (see `Side`): the part appended since is moved into place one element
 * at a time when short, else sorted aside and merged in (`reorder`); what arrived earlier stays
 * first among equal timestamps either way.
 */
function order<T>(side: Side<T>, shift: number): void {
  const { ts, values, buffered } = side
  const length = ts.length
  if (length - side.sorted > NEAR_END) {
    reorder(side, shift)
    return
  }
  for (let k = Math.max(side.sorted, side.head + 1); k < length; k++) {
    const t = ts[k]!
    if (ts[k - 1]! <= t) continue
    const value = values[k]!
    const at = shift === 0 ? buffered[k]! : 0
    let i = k
    for (; i > side.head && ts[i - 1]! > t; i--) {
      ts[i] = ts[i - 1]!
      values[i] = values[i - 1]!
      if (shift === 0) buffered[i] = buffered[i - 1]!
    }
    ts[i] = t
    values[i] = value
    if (shift === 0) buffered[i] = at
  }
  side.sorted = length
}

/** How long an unordered part `order` moves into place element by element. */
const NEAR_END = 32

/**
 * `order` for a long unordered part: that part sorted by timestamp (stably) aside, then merged
 * into the part in order from the back, moving only the elements later than its earliest.
 */
function reorder<T>(side: Side<T>, shift: number): void {
  const { ts, values, buffered } = side
  const from = side.sorted
  const positions = positionsByTime(ts, from)
  const appendedTs = positions.map(i => ts[i]!)
  const appendedValues = positions.map(i => values[i]!)
  const appendedBuffered = shift === 0 ? positions.map(i => buffered[i]!) : undefined
  // Equal timestamps: the part in order arrived first, so it stays first.
  let i = from - 1
  for (let j = positions.length - 1, k = ts.length - 1; j >= 0; k--) {
    if (i >= side.head && ts[i]! > appendedTs[j]!) {
      ts[k] = ts[i]!
      values[k] = values[i]!
      if (shift === 0) buffered[k] = buffered[i]!
      i--
    } else {
      ts[k] = appendedTs[j]!
      values[k] = appendedValues[j]!
      if (appendedBuffered !== undefined) buffered[k] = appendedBuffered[j]!
      j--
    }
  }
  side.sorted = ts.length
}

/** The positions of a side's elements, `head` on, in order of time (equal times: by position, which is arrival order among them). */
function inOrder<T>(side: Side<T>): number[] {
  if (side.sorted < side.ts.length) return positionsByTime(side.ts, side.head)
  const positions: number[] = []
  for (let i = side.head; i < side.ts.length; i++) positions.push(i)
  return positions
}

/** Positions `from` to the end of `ts`, sorted by timestamp, equal ones by position (a stable sort). */
function positionsByTime(ts: readonly number[], from: number): number[] {
  const positions: number[] = []
  for (let i = from; i < ts.length; i++) positions.push(i)
  return positions.sort((a, b) => ts[a]! - ts[b]! || a - b)
}

/** Shortens a side's arrays to `length` with `pop`, which keeps their room (`length = n` frees it). */
function truncate<T>(side: Side<T>, length: number, shift: number): void {
  const { ts, values, buffered } = side
  while (ts.length > length) ts.pop()
  while (values.length > length) values.pop()
  if (shift === 0) while (buffered.length > length) buffered.pop()
}

/** Drops the dead prefix of a side in order (see the module comment); `watermark` is the current one. */
function dropDead<T>(side: Side<T>, shift: number, watermark: number): void {
  const { ts, buffered } = side
  const length = ts.length
  let h = side.head
  while (h < length) {
    const cleanup = ts[h]! + shift
    if (cleanup > watermark || (cleanup === watermark && shift === 0 && buffered[h] === watermark)) break
    h++
  }
  if (h === side.head) return
  if (h === length) {
    // Empty: `pop` releases the values and keeps the arrays' room.
    truncate(side, 0, shift)
    side.head = 0
  } else if (h > 16 && h * 2 > length) {
    // Compacted by hand: `splice(0, h)` would also build an array of the h elements removed.
    const values = side.values
    const kept = length - h
    for (let j = 0; j < kept; j++) ts[j] = ts[j + h]!
    for (let j = 0; j < kept; j++) values[j] = values[j + h]!
    if (shift === 0) for (let j = 0; j < kept; j++) buffered[j] = buffered[j + h]!
    truncate(side, kept, shift)
    side.head = 0
  } else side.head = h
  side.sorted = ts.length
}

/**
 * Drops every dead element of a side, in order or not (a sweep's visit; see the module
 * comment), keeping the order of the rest, and returns the earliest cleanup time left
 * (`Infinity`: none). A side in order loses a prefix (`dropDead`).
 */
function dropAllDead<T>(side: Side<T>, shift: number, watermark: number): number {
  const { ts, values, buffered } = side
  const length = ts.length
  if (side.sorted === length) {
    dropDead(side, shift, watermark)
    return earliestTime(side) + shift
  }
  let kept = 0
  let sorted = 0
  let earliest = Infinity
  for (let i = side.head; i < length; i++) {
    const t = ts[i]!
    const cleanup = t + shift
    if (cleanup < watermark || (cleanup === watermark && (shift !== 0 || buffered[i] !== watermark))) continue
    ts[kept] = t
    values[kept] = values[i]!
    if (shift === 0) buffered[kept] = buffered[i]!
    kept++
    // What is kept of the part in order is still in order.
    if (i < side.sorted) sorted = kept
    if (cleanup < earliest) earliest = cleanup
  }
  truncate(side, kept, shift)
  side.head = 0
  side.sorted = sorted
  return earliest
}

/**
 * Whether the side's first element may be dead at `watermark` (its cleanup time is not past
 * it): the per-record path calls `dropDead` only then, which is rare for a side whose elements
 * live long (a call per record otherwise, to find nothing to drop).
 */
function mayBeDead<T>(side: Side<T>, shift: number, watermark: number): boolean {
  return side.head < side.ts.length && side.ts[side.head]! + shift <= watermark
}

/** The earliest timestamp a side holds (`Infinity`: none): its head's, or one appended since it was in order. */
function earliestTime<T>(side: Side<T>): number {
  const { ts } = side
  let earliest = side.head < side.sorted ? ts[side.head]! : Infinity
  for (let i = Math.max(side.sorted, side.head); i < ts.length; i++) if (ts[i]! < earliest) earliest = ts[i]!
  return earliest
}

/**
 * Whether the element at `timestamp`, buffered at watermark `buffered` on a side of `shift`, still
 * joins at `watermark` (the rule of the module comment; `dropDead` inlines it on the hot path).
 */
function isLive(timestamp: number, shift: number, buffered: number | undefined, watermark: number): boolean {
  const cleanup = timestamp + shift
  return cleanup > watermark || (cleanup === watermark && shift === 0 && buffered === watermark)
}

/**
 * One side of one key in a snapshot: the live elements' timestamps (ascending) and values and,
 * on a side of shift 0, the watermark each was buffered at (the only thing that decides, at
 * the current watermark, whether an element at exactly that watermark still joins).
 */
interface EncodedSide {
  readonly ts: number[]
  readonly values: unknown[]
  readonly buffered?: (number | string)[]
}

/** The live part of `side` as JSON data; `reject` names an element whose value is not such data. */
function encodeSide<T>(side: Side<T>, shift: number, watermark: number, reject: (timestamp: number, reason: string) => never): EncodedSide {
  const ts: number[] = []
  const values: unknown[] = []
  const buffered: (number | string)[] = []
  for (const i of inOrder(side)) {
    const t = side.ts[i]!
    if (!isLive(t, shift, side.buffered[i], watermark)) continue
    const value = side.values[i]
    const reason = jsonIncompatibility(value)
    if (reason !== undefined) reject(t, reason)
    ts.push(t)
    values.push(value)
    if (shift === 0) buffered.push(encodeTime(side.buffered[i]!))
  }
  return shift === 0 ? { ts, values, buffered } : { ts, values }
}

/** A time as `encodeTime` writes it, or `fail`. */
function timeOf(encoded: unknown, fail: (detail: string) => never): number {
  if (typeof encoded === 'number' && Number.isFinite(encoded)) return encoded
  if (encoded === 'Infinity' || encoded === '-Infinity') return Number(encoded)
  return fail(`${describeValue(encoded)} is not a time`)
}

/** Fills the empty `side` from `encodeSide`'s output, checking it on the way. */
function decodeSide<T>(side: Side<T>, encoded: unknown, which: string, shift: number, fail: (detail: string) => never): void {
  if (typeof encoded !== 'object' || encoded === null) return fail(`the ${which} side is ${describeValue(encoded)}, not { ts, values }`)
  const { ts, values, buffered } = encoded as Partial<Record<keyof EncodedSide, unknown>>
  if (!Array.isArray(ts) || !Array.isArray(values) || ts.length !== values.length) {
    return fail(`the ${which} side needs arrays ts and values of one length`)
  }
  if (shift === 0 && (!Array.isArray(buffered) || buffered.length !== ts.length)) {
    return fail(`the ${which} side has no watermark per element (buffered): was the snapshot taken with other bounds?`)
  }
  for (let i = 0; i < ts.length; i++) {
    const t: unknown = ts[i]
    if (typeof t !== 'number' || !Number.isFinite(t) || (i > 0 && t < side.ts[i - 1]!)) {
      return fail(`the ${which} side's timestamps are not finite numbers in ascending order (at ${i}: ${describeValue(t)})`)
    }
    side.ts.push(t)
    side.values.push(values[i] as T)
    if (shift === 0) side.buffered.push(timeOf((buffered as unknown[])[i], fail))
  }
  side.sorted = side.ts.length
}

/** @internal */
/**
 * Its timers are one event-time timer per slice of event time with keys to sweep, keyed by
 * that time, not by a record key.
 */
export class IntervalJoinOperator<A, B, R, K> extends AbstractKeyedOperator<K, R, number> implements MultiInput {
  private readonly table: OperatorTable<K, KeyBuffers<K, A, B>>
  /**
   * Sweeps hold the buffers they will visit where the table's values stay in memory (the heap:
   * no lookup per key); else they hold keys, so that buffers can leave memory in between (LMDB).
   */
  private readonly byReference: boolean
  private readonly sweeps = new Map<number, Sweep<K, A, B>>()
  private readonly pool: KeyBuffers<K, A, B>[] = []
  private readonly lower: number
  private readonly upper: number
  /** Cleanup time = timestamp + shift, per side (see the module comment). */
  private readonly leftShift: number
  private readonly rightShift: number
  /** How long past a key's earliest cleanup time its sweep waits. */
  private readonly slack: number
  /** The width of a slice of event time whose sweeps share a timer. */
  private readonly slice: number
  // The pair being processed, for the context.
  private leftTs = NO_TIMESTAMP
  private rightTs = NO_TIMESTAMP
  private resultTs = NO_TIMESTAMP
  private readonly context: ProcessJoinContext<K>
  private readonly out: Collector<R>

  constructor(
    private readonly config: IntervalJoinConfig<A, B, R, K>,
    output: ChainOutput<R, K>,
    context: ChainContext
  ) {
    super(config, output, context)
    this.lower = config.lowerBound
    this.upper = config.upperBound
    this.leftShift = this.upper > 0 ? this.upper : 0
    this.rightShift = this.lower < 0 ? -this.lower : 0
    this.slack = Math.max(this.leftShift, this.rightShift)
    this.slice = Math.max(1, Math.ceil(this.slack / 4))
    this.table = this.backend.internalTable<KeyBuffers<K, A, B>>('intervalJoinBuffers', this.bufferCodec(), { keepsReferences: false })
    this.byReference = this.table.valuesStay
    const keys = this.backend.keys
    this.context = {
      leftTimestamp: () => this.leftTs,
      rightTimestamp: () => this.rightTs,
      timestamp: () => this.resultTs,
      currentWatermark: () => this.currentWatermark,
      getCurrentKey: () => keys.currentKey,
      output: (tag, value) => emitSideOutput(output, tag, value, this.resultTs)
    }
    this.out = { collect: value => output.record(value, this.resultTs, keys.currentKey) }
  }

  // ---- input ----

  processRecord(input: number, value: unknown, timestamp: number, key: unknown): void {
    if (input === 0) this.processLeft(value as A, timestamp, key)
    else this.processRight(value as B, timestamp, key)
  }

  /** A record of the left (piped) input. */
  processLeft(value: A, timestamp: number, key: unknown): void {
    if (!(timestamp > NO_TIMESTAMP) || key === undefined) this.reject(value, timestamp, key, 'left (piped)')
    const watermark = this.currentWatermark
    if (timestamp < watermark) {
      this.late(this.config.leftLateTag, value, timestamp)
      return
    }
    const buffers = this.buffersOf(key as K)
    // Right elements in [t + lower, t + upper], ascending, the dead ones dropped first.
    const right = buffers.right
    const rts = right.ts
    if (right.head < rts.length) {
      if (right.sorted !== rts.length) order(right, this.rightShift)
      if (mayBeDead(right, this.rightShift, watermark)) dropDead(right, this.rightShift, watermark)
      const lo = timestamp + this.lower
      const hi = timestamp + this.upper
      for (let i = right.head; i < rts.length; i++) {
        const t = rts[i]!
        if (t > hi) break
        if (t >= lo) this.emit(value, right.values[i]!, timestamp, t)
      }
    }
    const left = buffers.left
    insert(left, timestamp, value, this.leftShift, watermark)
    if (buffers.sweepAt === Infinity) this.file(buffers, timestamp + this.leftShift)
  }

  /** A record of the right input. */
  processRight(value: B, timestamp: number, key: unknown): void {
    if (!(timestamp > NO_TIMESTAMP) || key === undefined) this.reject(value, timestamp, key, 'right')
    const watermark = this.currentWatermark
    if (timestamp < watermark) {
      this.late(this.config.rightLateTag, value, timestamp)
      return
    }
    const buffers = this.buffersOf(key as K)
    // Left elements in [t - upper, t - lower], ascending, the dead ones dropped first.
    const left = buffers.left
    const lts = left.ts
    if (left.head < lts.length) {
      if (left.sorted !== lts.length) order(left, this.leftShift)
      if (mayBeDead(left, this.leftShift, watermark)) dropDead(left, this.leftShift, watermark)
      const lo = timestamp - this.upper
      const hi = timestamp - this.lower
      for (let i = left.head; i < lts.length; i++) {
        const t = lts[i]!
        if (t > hi) break
        if (t >= lo) this.emit(left.values[i]!, value, t, timestamp)
      }
    }
    const right = buffers.right
    insert(right, timestamp, value, this.rightShift, watermark)
    if (buffers.sweepAt === Infinity) this.file(buffers, timestamp + this.rightShift)
  }

  /** A sweep's timer (see `file`): due sweeps run as the watermark advances; they emit nothing. */
  onEventTime(timer: InternalTimer<number, undefined>): void {
    this.sweep(timer.timestamp)
  }

  /** Registers no processing-time timers. */
  onProcessingTime(): void {}

  override close(): void {
    super.close()
    this.sweeps.clear()
    this.pool.length = 0
  }

  // ---- snapshots ----

  /** The buffers, without the sweep timers: they are derived (see the module comment). */
  override snapshotParts(context?: StateSnapshotContext): SnapshotParts {
    const parts = super.snapshotParts(context)
    delete parts.timers
    return parts
  }

  /** Every restored key is filed for a sweep; one that kept nothing live is released at once. */
  protected override restoreOwn(): void {
    for (const entry of this.table.entries()) {
      const buffers = entry.value
      if (buffers === undefined) continue
      const cleanup = this.nextCleanup(buffers)
      if (cleanup === Infinity) this.release(buffers)
      else this.file(buffers, cleanup)
    }
  }

  /** A key's buffers as JSON data: the live elements of each side, in order. */
  private bufferCodec(): TableCodec<KeyBuffers<K, A, B>> {
    const encode = (buffers: KeyBuffers<K, A, B>): unknown => {
      const reject = (which: string) => (timestamp: number, reason: string): never => {
        throw new StateError(
          this.info,
          'intervalJoinBuffers',
          `cannot snapshot the ${which} element at ${timestamp} of key ${describeValue(buffers.key)}: ${reason}; buffered values go into snapshots as they are, so they must be plain JSON data (map them to such data before the join)`
        )
      }
      return {
        left: encodeSide(buffers.left, this.leftShift, this.currentWatermark, reject('left')),
        right: encodeSide(buffers.right, this.rightShift, this.currentWatermark, reject('right'))
      }
    }
    const decode = (encoded: unknown, fail: (detail: string) => never, key: unknown): KeyBuffers<K, A, B> => {
      if (typeof encoded !== 'object' || encoded === null) return fail(`${describeValue(encoded)} is not { left, right }`)
      const buffers = new KeyBuffers<K, A, B>()
      buffers.key = key as K
      decodeSide(buffers.left, (encoded as { left?: unknown }).left, 'left', this.leftShift, fail)
      decodeSide(buffers.right, (encoded as { right?: unknown }).right, 'right', this.rightShift, fail)
      return buffers
    }
    // Read back from a store: the key is filed for a sweep already (it was when it got buffers).
    const load = (encoded: unknown, fail: (detail: string) => never, key: unknown): KeyBuffers<K, A, B> => {
      const buffers = decode(encoded, fail, key)
      buffers.sweepAt = FILED
      return buffers
    }
    return { encode, decode, load }
  }

  // ---- diagnostics (tests) ----

  /**
   * The timestamps buffered on each side over all keys, ascending, as Flink's buffers hold
   * them: without the dead elements not dropped yet.
   */
  bufferedTimestamps(): { left: number[]; right: number[] } {
    const left: number[] = []
    const right: number[] = []
    const live = <T>(side: Side<T>, shift: number, into: number[]): void => {
      const { ts, buffered } = side
      for (let i = side.head; i < ts.length; i++) if (isLive(ts[i]!, shift, buffered[i], this.currentWatermark)) into.push(ts[i]!)
    }
    for (const entry of this.table.entries()) {
      const b = entry.value
      if (b === undefined) continue
      live(b.left, this.leftShift, left)
      live(b.right, this.rightShift, right)
    }
    const ascending = (a: number, b: number): number => a - b
    return { left: left.sort(ascending), right: right.sort(ascending) }
  }

  /** Elements in memory (dead ones not dropped yet included), keys with buffers, pending sweep timers. */
  footprint(): { elements: number; keys: number; timers: number } {
    let elements = 0
    let keys = 0
    for (const entry of this.table.entries()) {
      const b = entry.value
      if (b === undefined) continue
      keys++
      elements += b.left.ts.length - b.left.head + (b.right.ts.length - b.right.head)
    }
    return { elements, keys, timers: this.timers.numEventTimeTimers() }
  }

  // ---- sweeps ----

  /** Files the key for a sweep `slack` after `cleanup` (its earliest cleanup time), rounded up to a slice. */
  private file(buffers: KeyBuffers<K, A, B>, cleanup: number): void {
    const slice = this.slice
    const at = Math.ceil((cleanup + this.slack) / slice) * slice
    buffers.sweepAt = at
    let sweep = this.sweeps.get(at)
    if (sweep === undefined) {
      this.sweeps.set(at, (sweep = { buffers: [], generations: [], keys: [] }))
      this.timers.registerEventTimeTimer(at, undefined, at)
    }
    if (this.byReference) {
      sweep.buffers.push(buffers)
      sweep.generations.push(buffers.generation)
    } else sweep.keys.push(buffers.key as K)
  }

  /** The sweep at `time`, during an advance to the current watermark. */
  private sweep(time: number): void {
    const sweep = this.sweeps.get(time)
    if (sweep === undefined) return
    this.sweeps.delete(time)
    const { buffers: filed, generations, keys: filedKeys } = sweep
    for (let i = 0; i < filed.length; i++) {
      const buffers = filed[i]!
      // Filed by an earlier owner of recycled buffers, or filed again elsewhere since.
      if (buffers.generation !== generations[i] || buffers.sweepAt !== time) continue
      // Reached through a sweep, not the table: a backend that wrote the buffers out writes them again.
      this.table.willChange(keyId(buffers.key))
      this.sweepKey(buffers)
    }
    const keys = this.backend.keys
    for (const key of filedKeys) {
      keys.setCurrentKey(key)
      const buffers = this.table.get(undefined)
      // Read back from the store, the key's one sweep is this one (`FILED`); cached, it says.
      if (buffers === undefined || (buffers.sweepAt !== time && buffers.sweepAt !== FILED)) continue
      this.sweepKey(buffers)
    }
  }

  /** Drops what a key holds that is dead, and files it for its next sweep or releases it. */
  private sweepKey(buffers: KeyBuffers<K, A, B>): void {
    const watermark = this.currentWatermark
    buffers.sweepAt = Infinity
    // What is left is alive: its cleanup time is past this watermark, so is its sweep.
    const cleanup = Math.min(dropAllDead(buffers.left, this.leftShift, watermark), dropAllDead(buffers.right, this.rightShift, watermark))
    if (cleanup !== Infinity) this.file(buffers, cleanup)
    else this.release(buffers)
  }

  /** The earliest cleanup time of what a key holds; `Infinity` if nothing. */
  private nextCleanup({ left, right }: KeyBuffers<K, A, B>): number {
    return Math.min(earliestTime(left) + this.leftShift, earliestTime(right) + this.rightShift)
  }

  // ---- internals ----

  private buffersOf(key: K): KeyBuffers<K, A, B> {
    this.backend.keys.setCurrentKey(key)
    let buffers = this.table.get(undefined)
    if (buffers === undefined) {
      buffers = this.pool.pop() ?? new KeyBuffers<K, A, B>()
      buffers.key = key
      this.table.put(undefined, buffers)
    }
    return buffers
  }

  /** Removes an emptied key from the table and keeps its buffers for reuse. */
  private release(buffers: KeyBuffers<K, A, B>): void {
    this.backend.keys.setCurrentKey(buffers.key as K)
    this.table.remove(undefined)
    buffers.key = undefined
    buffers.generation++
    if (this.pool.length < POOL_SIZE) this.pool.push(buffers)
  }

  private emit(left: A, right: B, leftTs: number, rightTs: number): void {
    this.leftTs = leftTs
    this.rightTs = rightTs
    this.resultTs = leftTs > rightTs ? leftTs : rightTs
    this.config.fn(left, right, this.context, this.out)
  }

  // The cold paths are methods of their own: the hot ones stay small enough for V8 to inline.

  private late<T>(tag: OutputTag<T> | undefined, value: T, timestamp: number): void {
    if (tag === undefined) this.numLateRecordsDropped++
    else this.output.element(sideRecord(tag, value, timestamp))
  }

  private reject(value: unknown, timestamp: number, key: unknown, which: string): never {
    const { info } = this.config
    const record = streamRecord(value, timestamp, key)
    if (key === undefined) {
      throw new KeyError(info, `${describeElement(record)} of the ${which} input has no key: intervalJoinWith needs two keyed streams; apply keyBy to both inputs first`)
    }
    const missing = timestamp === NO_TIMESTAMP
    throw new TimestampError(
      info,
      `${describeElement(record)} of the ${which} input has ${missing ? 'no timestamp' : 'a timestamp that is not a number'}: the interval join matches by event time; did you forget assignTimestampsAndWatermarks?`
    )
  }
}
