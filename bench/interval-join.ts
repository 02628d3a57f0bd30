/**
 * Workload "interval-join": orders joined with their payments by a time interval, two live
 * streams of equal length interleaved one order, one payment, one order, … (as two live
 * sources would deliver them; `--events N` is the number of orders, so 2N records flow).
 *
 * - Orders are the seeded events of data.ts (`user` as the order key, 100,000 keys; `ts` ≈ one
 *   per ms with bounded disorder).
 * - Payment i pays the order placed `lag` ms before (lag uniform in 0..4,000 ms), so it carries
 *   that order's key; its own timestamp is ≈ i ms with the same kind of disorder (90 % 0–3 ms
 *   late, 10 % up to 300 ms). Besides its own order, a payment meets about one other order of
 *   the same key in ±5 s once in ten.
 * - Join: `between(-5_000, 5_000)` (a payment within 5 s of its order, either way), result
 *   `mix(order seq, payment seq, result ts)`; both inputs' watermarks are bounded
 *   out-of-orderness 500 ms, after every record that raises them (`autoWatermarkInterval: 0`).
 *
 * Variants, folding every result into the same order-independent digest:
 * - hand:  a hand-written loop: per key two timestamp-sorted buffers (parallel arrays), the
 *          watermarks tracked per input and combined by `min`, a binary min-heap of cleanup
 *          times (Flink's cleanup rule) trimming buffers when the combined watermark passes;
 * - ds:    `assignTimestampsAndWatermarks` + `keyBy` on each input, `intervalJoinWith(…)
 *          .between(-5_000, 5_000).process(…)`, `values()`.
 *
 * Both follow §9 exactly (strict lateness, cleanup at `t + upper` / `t − lower`), so they emit
 * the same pairs; `verify` also checks both against a nested-loop reference.
 */
import { Observable, type Subscriber } from 'rxjs'
import type { ProcessJoinFunction, WatermarkStrategy } from '../src/index'
import { DEFAULT_EVENTS, type Event, type EventOptions, eventFeed, type Feed, mulberry32 } from './data'
import { HEAP_SAMPLE_MASK, HeapProbe, type Variant } from './harness'
import { type Library, type LibraryBuild, perLibrary } from './library'
import type { VerifyReport, Workload } from './workload'

// -------------------------------------------------------------------------------------
// data
// -------------------------------------------------------------------------------------

/** Order keys. */
export const KEYS = 100_000
const DATA: EventOptions = { users: KEYS }
const START = DEFAULT_EVENTS.start
/** The join interval: a payment at most 5 s before or after its order. */
const LOWER = -5_000
const UPPER = 5_000
/** Watermarks: bounded out-of-orderness. */
const OUT_OF_ORDERNESS = 500
/** Payments pay an order at most this many events back: a ring of the last order keys. */
const MAX_LAG = 4_000
const RING = 4_096

export interface Order {
  readonly seq: number
  readonly key: number
  readonly ts: number
}

export interface Payment {
  readonly seq: number
  readonly key: number
  readonly ts: number
}

const asOrder = (seq: number, e: Event): Order => ({ seq, key: e.user, ts: e.ts })

/** Makes payment i after order i was made (it needs the keys of the orders before). */
class PaymentCursor {
  private readonly random = mulberry32(0xb111)
  // Int32: a key read back is a small integer, as the order's was (a Float64Array would hand
  // out heap numbers, which hash and compare slower as Map keys).
  private readonly keys = new Int32Array(RING)

  next(seq: number, order: Order): Payment {
    this.keys[seq & (RING - 1)] = order.key
    const r = this.random
    const lag = Math.floor(r() * (MAX_LAG + 1))
    const delay = r() < 0.9 ? Math.floor(r() * 4) : Math.floor(r() * 301)
    const key = seq >= lag ? this.keys[(seq - lag) & (RING - 1)]! : Math.floor(r() * KEYS)
    return { seq, key, ts: START + seq - delay }
  }
}

/** A pass over the first events: order i and payment i, for i = 0, 1, … in order. */
interface Pass {
  order(i: number): Order
  payment(i: number): Payment
}

/** Pre-generated arrays (array feed, shared by every run) or on the fly (lazy feed). */
const generated = new WeakMap<Feed<Event>, { orders: Order[]; payments: Payment[] }>()

function openPass(feed: Feed<Event>): Pass {
  if (feed.kind === 'array') {
    let data = generated.get(feed)
    if (data === undefined) {
      const at = feed.open()
      const cursor = new PaymentCursor()
      const orders: Order[] = []
      const payments: Payment[] = []
      for (let i = 0; i < feed.size; i++) {
        const order = asOrder(i, at(i))
        orders.push(order)
        payments.push(cursor.next(i, order))
      }
      generated.set(feed, (data = { orders, payments }))
    }
    const { orders, payments } = data
    return { order: i => orders[i]!, payment: i => payments[i]! }
  }
  const at = feed.open()
  const cursor = new PaymentCursor()
  let last: Order | undefined
  return {
    order: i => (last = asOrder(i, at(i))),
    payment: i => cursor.next(i, last!)
  }
}

// -------------------------------------------------------------------------------------
// results
// -------------------------------------------------------------------------------------

/** A result of the join: a 32-bit hash of the pair and its timestamp. */
function mix(orderSeq: number, paymentSeq: number, ts: number): number {
  let h = Math.imul(orderSeq ^ 0x9e3779b1, 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13) ^ paymentSeq, 0xc2b2ae35)
  h = Math.imul(h ^ (h >>> 16) ^ (ts - START), 0x27d4eb2f)
  return (h ^ (h >>> 15)) >>> 0
}

export interface JoinDigest {
  readonly pairs: number
  /** Σ of the results' hashes mod 2^32: order-independent. */
  readonly hash: number
}

/** Fields, not closure variables (see stateless.ts: V8 boxes doubles stored into closures). */
class Digest {
  pairs = 0
  hash = 0
  readonly add = (h: number): void => {
    this.pairs++
    this.hash = (this.hash + h) >>> 0
  }
  result(): JoinDigest {
    return { pairs: this.pairs, hash: this.hash }
  }
}

// -------------------------------------------------------------------------------------
// hand-written loop
// -------------------------------------------------------------------------------------

/**
 * One key's buffers: timestamps ascending (parallel arrays), valid from the head index. A
 * side's arrays are made with their first element and dropped when empty: most keys hold an
 * order and its payment for a few seconds, then nothing for a long time.
 */
class HandBuffers {
  lts: number[] | undefined = undefined
  lseq: number[] | undefined = undefined
  lhead = 0
  rts: number[] | undefined = undefined
  rseq: number[] | undefined = undefined
  rhead = 0
}

/** A binary min-heap of cleanup times with their key and side (0 left, 1 right). */
class CleanupHeap {
  private times = new Float64Array(1024)
  private keys = new Int32Array(1024)
  private sides = new Uint8Array(1024)
  size = 0

  push(time: number, key: number, side: number): void {
    if (this.size === this.times.length) this.grow()
    let i = this.size++
    const { times, keys, sides } = this
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (times[parent]! <= time) break
      times[i] = times[parent]!
      keys[i] = keys[parent]!
      sides[i] = sides[parent]!
      i = parent
    }
    times[i] = time
    keys[i] = key
    sides[i] = side
  }

  peekTime(): number {
    return this.size === 0 ? Infinity : this.times[0]!
  }

  peekKey(): number {
    return this.keys[0]!
  }

  peekSide(): number {
    return this.sides[0]!
  }

  pop(): void {
    const { times, keys, sides } = this
    const n = --this.size
    const time = times[n]!
    const key = keys[n]!
    const side = sides[n]!
    let i = 0
    for (;;) {
      let child = 2 * i + 1
      if (child >= n) break
      if (child + 1 < n && times[child + 1]! < times[child]!) child++
      if (times[child]! >= time) break
      times[i] = times[child]!
      keys[i] = keys[child]!
      sides[i] = sides[child]!
      i = child
    }
    times[i] = time
    keys[i] = key
    sides[i] = side
  }

  private grow(): void {
    const n = this.times.length * 2
    const times = new Float64Array(n)
    times.set(this.times)
    const keys = new Int32Array(n)
    keys.set(this.keys)
    const sides = new Uint8Array(n)
    sides.set(this.sides)
    this.times = times
    this.keys = keys
    this.sides = sides
  }
}

/** Buffered elements of the hand loop's last run at its peak, for the notes column. */
let handPeak = 0

class HandJoin {
  private readonly buffers = new Map<number, HandBuffers>()
  private readonly heap = new CleanupHeap()
  private maxL = -Infinity
  private maxR = -Infinity
  private wmL = -Infinity
  private wmR = -Infinity
  private wm = -Infinity
  private readonly leftShift = UPPER > 0 ? UPPER : 0
  private readonly rightShift = LOWER < 0 ? -LOWER : 0
  buffered = 0
  peak = 0

  constructor(private readonly sink: Digest) {}

  order(o: Order): void {
    const ts = o.ts
    if (ts >= this.wm) {
      const b = this.bufferOf(o.key)
      const rts = b.rts
      if (rts !== undefined) {
        const lo = ts + LOWER
        const hi = ts + UPPER
        for (let i = b.rhead; i < rts.length; i++) {
          const t = rts[i]!
          if (t > hi) break
          if (t >= lo) this.sink.add(mix(o.seq, b.rseq![i]!, t > ts ? t : ts))
        }
      }
      if (b.lts === undefined) {
        b.lts = [ts]
        b.lseq = [o.seq]
      } else insert(b.lts, b.lseq!, b.lhead, ts, o.seq)
      this.heap.push(ts + this.leftShift, o.key, 0)
      if (++this.buffered > this.peak) this.peak = this.buffered
    }
    if (ts > this.maxL) {
      this.maxL = ts
      const w = ts - OUT_OF_ORDERNESS - 1
      if (w > this.wmL) {
        this.wmL = w
        this.advance()
      }
    }
  }

  payment(p: Payment): void {
    const ts = p.ts
    if (ts >= this.wm) {
      const b = this.bufferOf(p.key)
      const lts = b.lts
      if (lts !== undefined) {
        const lo = ts - UPPER
        const hi = ts - LOWER
        for (let i = b.lhead; i < lts.length; i++) {
          const t = lts[i]!
          if (t > hi) break
          if (t >= lo) this.sink.add(mix(b.lseq![i]!, p.seq, t > ts ? t : ts))
        }
      }
      if (b.rts === undefined) {
        b.rts = [ts]
        b.rseq = [p.seq]
      } else insert(b.rts, b.rseq!, b.rhead, ts, p.seq)
      this.heap.push(ts + this.rightShift, p.key, 1)
      if (++this.buffered > this.peak) this.peak = this.buffered
    }
    if (ts > this.maxR) {
      this.maxR = ts
      const w = ts - OUT_OF_ORDERNESS - 1
      if (w > this.wmR) {
        this.wmR = w
        this.advance()
      }
    }
  }

  /** The end of both inputs: the combined watermark goes to +Infinity. */
  end(): void {
    this.wmL = this.wmR = Infinity
    this.advance()
  }

  private bufferOf(key: number): HandBuffers {
    let b = this.buffers.get(key)
    if (b === undefined) this.buffers.set(key, (b = new HandBuffers()))
    return b
  }

  /** The combined watermark rose: drop what is due (cleanup time at or before it). */
  private advance(): void {
    const wm = this.wmL < this.wmR ? this.wmL : this.wmR
    if (wm <= this.wm) return
    this.wm = wm
    const heap = this.heap
    while (heap.peekTime() <= wm) {
      const time = heap.peekTime()
      const key = heap.peekKey()
      const side = heap.peekSide()
      heap.pop()
      const b = this.buffers.get(key)
      if (b === undefined) continue
      if (side === 0) {
        const lts = b.lts
        if (lts === undefined) continue
        let h = b.lhead
        while (h < lts.length && lts[h]! + this.leftShift <= time) h++
        this.buffered -= h - b.lhead
        if (h === lts.length) {
          b.lts = b.lseq = undefined
          b.lhead = 0
        } else if (h > 16 && h * 2 > lts.length) {
          lts.splice(0, h)
          b.lseq!.splice(0, h)
          b.lhead = 0
        } else b.lhead = h
      } else {
        const rts = b.rts
        if (rts === undefined) continue
        let h = b.rhead
        while (h < rts.length && rts[h]! + this.rightShift <= time) h++
        this.buffered -= h - b.rhead
        if (h === rts.length) {
          b.rts = b.rseq = undefined
          b.rhead = 0
        } else if (h > 16 && h * 2 > rts.length) {
          rts.splice(0, h)
          b.rseq!.splice(0, h)
          b.rhead = 0
        } else b.rhead = h
      }
      if (b.lts === undefined && b.rts === undefined) this.buffers.delete(key)
    }
  }
}

/** Inserts keeping timestamps sorted (arrival order among equal ones); usually an append. */
function insert(ts: number[], seqs: number[], head: number, t: number, seq: number): void {
  let i = ts.length
  if (i === head || ts[i - 1]! <= t) {
    ts.push(t)
    seqs.push(seq)
    return
  }
  while (i > head && ts[i - 1]! > t) i--
  ts.splice(i, 0, t)
  seqs.splice(i, 0, seq)
}

function handLoop(pass: Pass, size: number, probe: HeapProbe, sink: Digest): void {
  const join = new HandJoin(sink)
  for (let i = 0; i < size; i++) {
    if ((i & HEAP_SAMPLE_MASK) === 0) probe.sample()
    join.order(pass.order(i))
    join.payment(pass.payment(i))
  }
  join.end()
  handPeak = join.peak
}

// -------------------------------------------------------------------------------------
// rx-datastream
// -------------------------------------------------------------------------------------

const perRecord = { autoWatermarkInterval: 0 }

const settle: ProcessJoinFunction<Order, Payment, number, number> = (o, p, ctx, out) => out.collect(mix(o.seq, p.seq, ctx.timestamp()))

/**
 * Two live sources: subscribing them only records their subscribers; `run` then pushes order
 * i and payment i alternately, as two interleaved live inputs would arrive. A named function of
 * its own, so that profiles can select it (`cpuprofile-top.mjs --within rxDatastream`).
 */
function rxDatastream(
  ds: Library,
  orderStrategy: WatermarkStrategy<Order>,
  paymentStrategy: WatermarkStrategy<Payment>,
  pass: Pass,
  size: number,
  probe: HeapProbe,
  sink: Digest
): void {
  let orderIn: Subscriber<Order> | undefined
  let paymentIn: Subscriber<Payment> | undefined
  const orders$ = new Observable<Order>(s => {
    orderIn = s
  })
  const payments$ = new Observable<Payment>(s => {
    paymentIn = s
  })
  const keyedPayments = payments$.pipe(ds.assignTimestampsAndWatermarks(paymentStrategy, perRecord), ds.keyBy(p => p.key))
  let completed = false
  let failure: unknown = undefined
  orders$
    .pipe(
      ds.assignTimestampsAndWatermarks(orderStrategy, perRecord),
      ds.keyBy(o => o.key),
      ds.intervalJoinWith(keyedPayments).between(LOWER, UPPER).process(settle),
      ds.values()
    )
    .subscribe({
      next: sink.add,
      error: (e: unknown) => {
        failure = e
      },
      complete: () => {
        completed = true
      }
    })
  const orders = orderIn!
  const payments = paymentIn!
  for (let i = 0; i < size && failure === undefined; i++) {
    if ((i & HEAP_SAMPLE_MASK) === 0) probe.sample()
    orders.next(pass.order(i))
    payments.next(pass.payment(i))
  }
  orders.complete()
  payments.complete()
  if (failure !== undefined) throw failure
  if (!completed) throw new Error('interval-join: the joined stream did not complete')
}

/** The run function on library `ds`, with strategies of its own: made by that version, as its users would. */
function onLibrary(ds: Library): JoinImpl['run'] {
  const orderStrategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<Order>(OUT_OF_ORDERNESS).withTimestampAssigner(o => o.ts)
  const paymentStrategy = ds.WatermarkStrategy.forBoundedOutOfOrderness<Payment>(OUT_OF_ORDERNESS).withTimestampAssigner(p => p.ts)
  return (pass, size, probe, sink) => rxDatastream(ds, orderStrategy, paymentStrategy, pass, size, probe, sink)
}

// -------------------------------------------------------------------------------------
// workload
// -------------------------------------------------------------------------------------

interface JoinImpl {
  readonly id: string
  readonly name: string
  run(pass: Pass, size: number, probe: HeapProbe, sink: Digest): void
  notes?(): string
}

const impls = (libs: readonly LibraryBuild[]): JoinImpl[] => [
  { id: 'hand', name: 'hand-written sorted-buffer loop', run: handLoop, notes: () => `peak ${handPeak.toLocaleString('en-US')} buffered` },
  ...perLibrary(libs, ds => [{ id: 'ds', name: 'rx-datastream intervalJoinWith', run: onLibrary(ds) }])
]

function variants(feed: Feed<Event>, libs: readonly LibraryBuild[]): Variant<JoinDigest>[] {
  return impls(libs).map(impl => ({
    id: impl.id,
    name: impl.name,
    run: (size: number, probe: HeapProbe) => {
      const sink = new Digest()
      impl.run(openPass(feed), size, probe, sink)
      return sink.result()
    },
    ...(impl.notes === undefined ? {} : { notes: () => impl.notes!() })
  }))
}

/**
 * The nested-loop reference of §9: per key, every earlier accepted element of the other input
 * still buffered (cleanup time above the watermark, or reached only at the watermark current
 * when it was registered: timers fire at the next advance) within the bounds.
 */
function reference(pass: Pass, size: number): JoinDigest {
  const sink = new Digest()
  interface Seen {
    readonly seq: number
    readonly ts: number
    readonly cleanup: number
    readonly registeredAt: number
  }
  const lefts = new Map<number, Seen[]>()
  const rights = new Map<number, Seen[]>()
  const max = [-Infinity, -Infinity]
  const wm = [-Infinity, -Infinity]
  const arrive = (side: 0 | 1, seq: number, key: number, ts: number): void => {
    const w = Math.min(wm[0]!, wm[1]!)
    if (ts >= w) {
      const others = (side === 0 ? rights : lefts).get(key) ?? []
      for (const o of others) {
        if (!(w < o.cleanup || w === o.registeredAt)) continue
        const [l, r] = side === 0 ? [ts, o.ts] : [o.ts, ts]
        if (l + LOWER <= r && r <= l + UPPER) sink.add(side === 0 ? mix(seq, o.seq, Math.max(l, r)) : mix(o.seq, seq, Math.max(l, r)))
      }
      const own = side === 0 ? lefts : rights
      let list = own.get(key)
      if (list === undefined) own.set(key, (list = []))
      list.push({ seq, ts, cleanup: ts + (side === 0 ? Math.max(UPPER, 0) : Math.max(-LOWER, 0)), registeredAt: w })
    }
    max[side] = Math.max(max[side]!, ts)
    wm[side] = Math.max(wm[side]!, max[side]! - OUT_OF_ORDERNESS - 1)
  }
  for (let i = 0; i < size; i++) {
    const o = pass.order(i)
    arrive(0, o.seq, o.key, o.ts)
    const p = pass.payment(i)
    arrive(1, p.seq, p.key, p.ts)
  }
  return sink.result()
}

const same = (a: JoinDigest, b: JoinDigest): boolean => a.pairs === b.pairs && a.hash === b.hash
const show = (r: JoinDigest): string => `${r.pairs.toLocaleString('en-US')} pairs, hash ${r.hash.toString(16)}`

/** Events of the untimed check against the nested-loop reference. */
const CHECK_EVENTS = 200_000

/**
 * Untimed, before the measurements: every variant on the first ≤ 200,000 orders and payments of
 * the timed data, and on 50,000 of them over only 50 keys (so buffers hold many elements per key
 * and pairs abound), against {@link reference}.
 */
function verify(feed: Feed<Event>, libs: readonly LibraryBuild[]): VerifyReport {
  const lines: string[] = []
  let ok = true
  const checks = [
    { label: `first ${Math.min(feed.size, CHECK_EVENTS).toLocaleString('en-US')} orders and payments`, feed, size: Math.min(feed.size, CHECK_EVENTS) },
    { label: '50,000 orders and payments over 50 keys', feed: eventFeed('array', 50_000, { users: 50 }), size: 50_000 }
  ]
  for (const check of checks) {
    const expected = reference(openPass(check.feed), check.size)
    let passed = true
    for (const impl of impls(libs)) {
      const sink = new Digest()
      impl.run(openPass(check.feed), check.size, new HeapProbe(), sink)
      if (!same(expected, sink.result())) {
        passed = false
        lines.push(`CHECK FAILED (${check.label}): the reference gives ${show(expected)}, ${impl.name} ${show(sink.result())}`)
      }
    }
    if (passed) lines.push(`check (${check.label}): every variant emits the nested-loop reference's pairs (${show(expected)})`)
    ok &&= passed
  }
  return { ok, lines }
}

export const intervalJoin: Workload<JoinDigest> = {
  name: 'interval-join',
  description: `orders ⋈ payments by key (${KEYS.toLocaleString('en-US')} keys), between(−5 s, +5 s), two interleaved live inputs: a sorted-buffer loop vs intervalJoinWith`,
  data: DATA,
  defaultEvents: 1_000_000,
  variants,
  ratioTo: [{ id: 'hand', label: 'hand' }],
  same,
  show,
  verify
}
