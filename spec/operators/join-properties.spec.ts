/**
 * Property tests of the joins against nested-loop batch references computed from the input:
 * - window joins and coGroups over tumbling, sliding and session windows, both inputs
 *   interleaved at random, each with its own watermarks (so the combined one is their
 *   minimum), nothing late;
 * - interval joins with random bounds (negative, positive, mixed, exclusive), watermarks that
 *   lag by a random amount so that some records are late, and the reference applying §9's
 *   rules pair by pair.
 */
import assert from 'node:assert'
import fc from 'fast-check'
import { type Observable, Subject } from 'rxjs'
import * as ds from '../../src/index'
import { type AssignerSpec, assignerOf } from '../support/arbitraries'
import { describeBackends, propertyRuns } from '../support/backends'

type Side = 'L' | 'R'

/** One input record in arrival order; `wm`: its input emits a watermark right after it. */
interface Event {
  readonly side: Side
  readonly key: string
  /** Unique per event: identifies it in results. */
  readonly id: number
  readonly ts: number
  readonly wm: boolean
}

/**
 * Events of both inputs in arrival order, each at most `maxBehind` behind the highest
 * timestamp so far (of either input) and at most `maxAhead` ahead of it.
 */
function eventsArb(options: {
  readonly maxBehind: number
  readonly maxAhead: number
  readonly maxLength: number
  readonly keys: readonly string[]
  readonly minLength?: number
  /** Which input each record goes to; both alike by default. */
  readonly side?: fc.Arbitrary<Side>
}): fc.Arbitrary<Event[]> {
  return fc
    .record({
      start: fc.integer({ min: -1_000, max: 1_000 }),
      steps: fc.array(
        fc.record({
          side: options.side ?? fc.constantFrom<Side>('L', 'R'),
          key: fc.constantFrom(...options.keys),
          delta: fc.integer({ min: -options.maxBehind, max: options.maxAhead }),
          wm: fc.boolean()
        }),
        { minLength: options.minLength ?? 0, maxLength: options.maxLength }
      )
    })
    .map(({ start, steps }) => {
      let max = start
      return steps.map(({ side, key, delta, wm }, id): Event => {
        const ts = max + delta
        max = Math.max(max, ts)
        return { side, key, id, ts, wm }
      })
    })
}

/**
 * Feeds `events` to two Subjects in arrival order: each record, then (if `wm`) its input's
 * watermark `highest timestamp of that input - lag - 1`, as a bounded-out-of-orderness
 * generator emits it; both inputs complete at the end. Returns everything `op` emitted.
 */
function drive<L, R, O, K>(
  events: readonly Event[],
  lag: number,
  record: { L: (e: Event) => ds.StreamRecord<L, K>; R: (e: Event) => ds.StreamRecord<R, K> },
  op: (left: Observable<ds.StreamElement<L, K>>, right: Observable<ds.StreamElement<R, K>>) => Observable<ds.StreamElement<O, K>>
): ds.StreamElement<O, K>[] {
  const left = new Subject<ds.StreamElement<L, K>>()
  const right = new Subject<ds.StreamElement<R, K>>()
  const out: ds.StreamElement<O, K>[] = []
  let completed = false
  let failure: unknown = undefined
  op(left, right).subscribe({
    next: e => out.push(e),
    error: (e: unknown) => {
      failure = e
    },
    complete: () => {
      completed = true
    }
  })
  const max = { L: -Infinity, R: -Infinity }
  for (const e of events) {
    if (e.side === 'L') left.next(record.L(e))
    else right.next(record.R(e))
    max[e.side] = Math.max(max[e.side], e.ts)
    if (e.wm) (e.side === 'L' ? left : right).next(ds.watermark(max[e.side] - lag - 1))
  }
  left.complete()
  right.complete()
  if (failure !== undefined) throw failure
  assert.ok(completed, 'the output completes once both inputs have')
  return out
}

/** The combined watermark before each event: the minimum of both inputs' last watermarks. */
function combinedWatermarks(events: readonly Event[], lag: number): number[] {
  const max = { L: -Infinity, R: -Infinity }
  const wm = { L: -Infinity, R: -Infinity }
  return events.map(e => {
    const before = Math.min(wm.L, wm.R)
    max[e.side] = Math.max(max[e.side], e.ts)
    if (e.wm) wm[e.side] = Math.max(wm[e.side], max[e.side] - lag - 1)
    return before
  })
}

/** Records as comparable strings, sorted; asserts none precedes a watermark it is behind. */
function recordsOf<O, K>(out: readonly ds.StreamElement<O, K>[], show: (value: O, key: K) => string): string[] {
  const records: string[] = []
  let watermark = -Infinity
  for (const e of out) {
    if (e._tag === 'Watermark') watermark = e.timestamp
    if (e._tag !== 'Record') continue
    assert.ok(e.timestamp >= watermark, `a result at ${e.timestamp} came after watermark ${watermark}`)
    records.push(`${show(e.value, e.key)}@${e.timestamp}`)
  }
  return records.sort()
}

// -------------------------------------------------------------------------------------
// window joins and coGroups
// -------------------------------------------------------------------------------------

const BOUND = 30

const assignerArb: fc.Arbitrary<AssignerSpec> = fc.oneof(
  fc.integer({ min: 1, max: 60 }).chain(size => fc.record({ kind: fc.constant('tumbling' as const), size: fc.constant(size), offset: fc.integer({ min: -(size - 1), max: size - 1 }) })),
  fc
    .tuple(fc.integer({ min: 1, max: 25 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 24 }))
    .chain(([slide, factor, extra]) =>
      fc.record({
        kind: fc.constant('sliding' as const),
        size: fc.constant(slide * factor + (extra % slide)),
        slide: fc.constant(slide),
        offset: fc.integer({ min: -(slide - 1), max: slide - 1 })
      })
    ),
  fc.record({ kind: fc.constant('session' as const), gap: fc.integer({ min: 1, max: 40 }) })
)

/** One window of one key with its elements of each input (arrival order). */
interface Group {
  readonly key: string
  start: number
  end: number
  readonly lefts: Event[]
  readonly rights: Event[]
}

/**
 * The groups by definition: every window of every element (brute force over all starts for
 * grid windows). Sessions close once the combined watermark passes their end, so an element
 * arriving later starts a new session, as in Flink: for them the reference follows arrival
 * order with the combined watermark and merges only into sessions still open.
 */
function referenceGroups(events: readonly Event[], spec: AssignerSpec): Group[] {
  const groups: Group[] = []
  const add = (g: Group, e: Event) => (e.side === 'L' ? g.lefts : g.rights).push(e)
  if (spec.kind === 'session') {
    const watermarks = combinedWatermarks(events, BOUND)
    let open: Group[] = []
    const close = (watermark: number) => {
      for (const g of open) if (g.end - 1 <= watermark) groups.push(g)
      open = open.filter(g => g.end - 1 > watermark)
    }
    events.forEach((e, i) => {
      close(watermarks[i]!)
      const joined: Group = { key: e.key, start: e.ts, end: e.ts + spec.gap, lefts: [], rights: [] }
      add(joined, e)
      const rest: Group[] = []
      for (const g of open) {
        if (g.key === e.key && g.start <= joined.end && g.end >= joined.start) {
          joined.start = Math.min(joined.start, g.start)
          joined.end = Math.max(joined.end, g.end)
          joined.lefts.push(...g.lefts)
          joined.rights.push(...g.rights)
        } else rest.push(g)
      }
      open = [...rest, joined]
    })
    close(Infinity)
    return groups
  }
  const slide = spec.kind === 'sliding' ? spec.slide : spec.size
  const byId = new Map<string, Group>()
  for (const e of events) {
    for (let s = e.ts - spec.size + 1; s <= e.ts; s++) {
      if ((((s - spec.offset) % slide) + slide) % slide !== 0) continue
      const id = `${e.key}|${s}`
      let g = byId.get(id)
      if (g === undefined) byId.set(id, (g = { key: e.key, start: s, end: s + spec.size, lefts: [], rights: [] }))
      add(g, e)
    }
  }
  return [...byId.values()]
}

const ids = (es: readonly Event[], sorted: boolean): string => (sorted ? es.map(e => e.id).sort((a, b) => a - b) : es.map(e => e.id)).join(',')

/** The nested-loop join of each group: every left with every right. */
function referenceJoin(groups: readonly Group[]): string[] {
  const pairs: string[] = []
  for (const g of groups) for (const l of g.lefts) for (const r of g.rights) pairs.push(`${g.key}:${l.id}|${r.id}@${g.end - 1}`)
  return pairs.sort()
}

/** One coGroup call per group; merged sessions' contents have no defined order, so they are compared sorted. */
function referenceCoGroup(groups: readonly Group[], sorted: boolean): string[] {
  return groups.map(g => `${g.key}:[${ids(g.lefts, sorted)}]|[${ids(g.rights, sorted)}]@${g.end - 1}`).sort()
}

const windowEventsArb = eventsArb({ maxBehind: BOUND, maxAhead: 25, maxLength: 60, keys: ['a', 'b', 'c'] })
const asRecord = (e: Event) => ds.streamRecord(e, e.ts)
const byKey = (e: Event) => e.key

describeBackends('window joins and coGroups against a nested-loop reference (property)', () => {
  it('joinWith emits exactly the cross product of each key in each window, stamped maxTimestamp', () => {
    fc.assert(
      fc.property(windowEventsArb, assignerArb, (events, spec) => {
        const out = drive<Event, Event, string, unknown>(events, BOUND, { L: asRecord, R: asRecord }, (left, right) =>
          left.pipe(ds.joinWith(right).where(byKey).equalTo(byKey).window(assignerOf(spec)).apply((l, r) => `${l.id}|${r.id}`))
        )
        assert.deepStrictEqual(
          recordsOf(out, (v, k) => `${String(k)}:${v}`),
          referenceJoin(referenceGroups(events, spec))
        )
      }),
      propertyRuns(200)
    )
  })

  it('coGroupWith is called once per key and window with both sides in arrival order', () => {
    fc.assert(
      fc.property(windowEventsArb, assignerArb, (events, spec) => {
        const sorted = spec.kind === 'session'
        const out = drive<Event, Event, string, unknown>(events, BOUND, { L: asRecord, R: asRecord }, (left, right) =>
          left.pipe(
            ds
              .coGroupWith(right)
              .where(byKey)
              .equalTo(byKey)
              .window(assignerOf(spec))
              .apply<string>((ls, rs, o) => o.collect(`[${ids(ls, sorted)}]|[${ids(rs, sorted)}]`))
          )
        )
        assert.deepStrictEqual(
          recordsOf(out, (v, k) => `${String(k)}:${v}`),
          referenceCoGroup(referenceGroups(events, spec), sorted)
        )
      }),
      propertyRuns(200)
    )
  })
})

// -------------------------------------------------------------------------------------
// interval joins
// -------------------------------------------------------------------------------------

interface Bounds {
  readonly lower: number
  readonly upper: number
  readonly lowerExclusive: boolean
  readonly upperExclusive: boolean
}

/** Bounds in [-25, 25], zero (and ±1, zero once exclusive) often: where Flink's cleanup ties live. */
const boundArb = fc.oneof(fc.integer({ min: -25, max: 25 }), fc.constantFrom(-1, 0, 1))
const boundsArb: fc.Arbitrary<Bounds> = fc
  .tuple(boundArb, boundArb, fc.boolean(), fc.boolean())
  .map(([a, b, lowerExclusive, upperExclusive]) => ({ lower: Math.min(a, b), upper: Math.max(a, b), lowerExclusive, upperExclusive }))

interface IntervalOutcome {
  readonly pairs: string[]
  readonly lateLeft: string[]
  readonly lateRight: string[]
}

/**
 * §9 pair by pair, with nested loops over the events in arrival order. An event is late iff
 * its timestamp is below the combined watermark when it arrives. A non-late event joins every
 * earlier non-late event of the other input with the same key whose timestamps fit the
 * (effective) bounds, if that one is still buffered: it is dropped by a timer at its cleanup
 * time (left: t + upper if upper > 0, else t; right: t - lower if lower < 0, else t), which fires
 * when the watermark advances to it — a timer at or before the watermark current when it was
 * registered fires at the next advance.
 */
function intervalReference(events: readonly Event[], lag: number, b: Bounds): IntervalOutcome {
  const lower = b.lowerExclusive ? b.lower + 1 : b.lower
  const upper = b.upperExclusive ? b.upper - 1 : b.upper
  const watermarks = combinedWatermarks(events, lag)
  const accepted: { e: Event; cleanup: number; registeredAt: number }[] = []
  const pairs: string[] = []
  const lateLeft: string[] = []
  const lateRight: string[] = []
  events.forEach((e, i) => {
    const w = watermarks[i]!
    if (e.ts < w) {
      ;(e.side === 'L' ? lateLeft : lateRight).push(`${e.id}@${e.ts}`)
      return
    }
    for (const o of accepted) {
      const buffered = w < o.cleanup || w === o.registeredAt
      if (o.e.side === e.side || o.e.key !== e.key || !buffered) continue
      const [l, r] = e.side === 'L' ? [e, o.e] : [o.e, e]
      if (l.ts + lower <= r.ts && r.ts <= l.ts + upper) pairs.push(`${e.key}:${l.id}|${r.id}@${Math.max(l.ts, r.ts)}`)
    }
    const cleanup = e.side === 'L' ? e.ts + (upper > 0 ? upper : 0) : e.ts + (lower < 0 ? -lower : 0)
    accepted.push({ e, cleanup, registeredAt: w })
  })
  return { pairs: pairs.sort(), lateLeft: lateLeft.sort(), lateRight: lateRight.sort() }
}

const keyedRecord = (e: Event) => ds.streamRecord(e, e.ts, e.key)

/**
 * The pairs of `intervalReference` in the order they are emitted: each non-late record's
 * partners in the other side's buffer, by timestamp, equal ones in arrival order.
 */
function intervalPairsInOrder(events: readonly Event[], lag: number, b: Bounds): string[] {
  const lower = b.lowerExclusive ? b.lower + 1 : b.lower
  const upper = b.upperExclusive ? b.upper - 1 : b.upper
  const watermarks = combinedWatermarks(events, lag)
  const accepted: { e: Event; cleanup: number; registeredAt: number }[] = []
  const pairs: string[] = []
  events.forEach((e, i) => {
    const w = watermarks[i]!
    if (e.ts < w) return
    const partners = accepted
      .filter(o => o.e.side !== e.side && o.e.key === e.key && (w < o.cleanup || w === o.registeredAt))
      .map(o => o.e)
      .filter(o => {
        const [l, r] = e.side === 'L' ? [e, o] : [o, e]
        return l.ts + lower <= r.ts && r.ts <= l.ts + upper
      })
      .sort((x, y) => x.ts - y.ts || x.id - y.id)
    for (const o of partners) {
      const [l, r] = e.side === 'L' ? [e, o] : [o, e]
      pairs.push(`${e.key}:${l.id}|${r.id}@${Math.max(l.ts, r.ts)}`)
    }
    const cleanup = e.side === 'L' ? e.ts + (upper > 0 ? upper : 0) : e.ts + (lower < 0 ? -lower : 0)
    accepted.push({ e, cleanup, registeredAt: w })
  })
  return pairs
}

/** The join's pairs in the order it emitted them. */
function runIntervalJoinInOrder(events: readonly Event[], lag: number, b: Bounds): string[] {
  const out = drive(events, lag, { L: keyedRecord, R: keyedRecord }, (left, right) => {
    let j = ds.intervalJoinWith(right).between(b.lower, b.upper)
    if (b.lowerExclusive) j = j.lowerBoundExclusive()
    if (b.upperExclusive) j = j.upperBoundExclusive()
    return left.pipe(j.process<Event, string>((l, r, _ctx, o) => o.collect(`${l.id}|${r.id}`)))
  })
  return out.flatMap(e => (e._tag === 'Record' ? [`${e.key}:${e.value}@${e.timestamp}`] : []))
}

function runIntervalJoin(events: readonly Event[], lag: number, b: Bounds): IntervalOutcome {
  const lateLeftTag = new ds.OutputTag<Event>('left_late')
  const lateRightTag = new ds.OutputTag<Event>('right_late')
  const out = drive(events, lag, { L: keyedRecord, R: keyedRecord }, (left, right) => {
    let j = ds.intervalJoinWith(right).between(b.lower, b.upper).sideOutputLeftLateData(lateLeftTag).sideOutputRightLateData(lateRightTag)
    if (b.lowerExclusive) j = j.lowerBoundExclusive()
    if (b.upperExclusive) j = j.upperBoundExclusive()
    return left.pipe(j.process<Event, string>((l, r, ctx, o) => o.collect(`${l.id}|${r.id}`)))
  })
  const late = (tag: ds.OutputTag<Event>) =>
    out.flatMap(e => (e._tag === 'SideRecord' && e.tag === tag ? [`${(e.value as Event).id}@${e.timestamp}`] : [])).sort()
  return { pairs: recordsOf(out, (v, k) => `${k}:${v}`), lateLeft: late(lateLeftTag), lateRight: late(lateRightTag) }
}

describeBackends('interval joins against a nested-loop reference (property)', () => {
  // Wide disorder, or timestamps a few ms apart, so that records land exactly on watermarks and
  // cleanup times, where lateness and cleanup ties are decided.
  const intervalEventsArb = fc.oneof(
    eventsArb({ maxBehind: 40, maxAhead: 15, maxLength: 60, keys: ['a', 'b'] }),
    eventsArb({ maxBehind: 3, maxAhead: 2, maxLength: 60, keys: ['a', 'b'] }),
    eventsArb({ maxBehind: 1, maxAhead: 1, maxLength: 60, keys: ['a'] })
  )

  it('emits exactly the pairs of §9 (random bounds, exclusive ones, late records), each once, stamped max(l, r)', () => {
    fc.assert(
      fc.property(intervalEventsArb, boundsArb, fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constant(-1)), (events, bounds, lag) => {
        assert.deepStrictEqual(runIntervalJoin(events, lag, bounds), intervalReference(events, lag, bounds))
      }),
      propertyRuns(600)
    )
  })

  it('decides the ties exactly: records on the watermark, at their cleanup time, with a zero bound', () => {
    const tieEventsArb = eventsArb({ maxBehind: 1, maxAhead: 1, maxLength: 40, keys: ['a'] })
    const zeroBoundArb: fc.Arbitrary<Bounds> = fc
      .tuple(fc.integer({ min: -3, max: 3 }), fc.boolean(), fc.boolean())
      .map(([other, zeroIsLower, exclusive]) =>
        zeroIsLower
          ? { lower: 0, upper: Math.max(other, 0), lowerExclusive: false, upperExclusive: exclusive && other > 0 }
          : { lower: Math.min(other, 0), upper: 0, lowerExclusive: exclusive && other < 0, upperExclusive: false }
      )
    fc.assert(
      fc.property(tieEventsArb, zeroBoundArb, fc.constantFrom(-1, 0), (events, bounds, lag) => {
        assert.deepStrictEqual(runIntervalJoin(events, lag, bounds), intervalReference(events, lag, bounds))
      }),
      propertyRuns(300)
    )
  })

  it('with a watermark lag above the disorder nothing is late, and the pairs are all pairs in the bounds', () => {
    fc.assert(
      fc.property(intervalEventsArb, boundsArb, (events, bounds) => {
        const lower = bounds.lowerExclusive ? bounds.lower + 1 : bounds.lower
        const upper = bounds.upperExclusive ? bounds.upper - 1 : bounds.upper
        // the plain nested loop: every left with every right of its key within the bounds
        const all: string[] = []
        for (const l of events) {
          for (const r of events) {
            if (l.side === 'L' && r.side === 'R' && l.key === r.key && l.ts + lower <= r.ts && r.ts <= l.ts + upper) {
              all.push(`${l.key}:${l.id}|${r.id}@${Math.max(l.ts, r.ts)}`)
            }
          }
        }
        // a lag above the disorder (40): nothing is late, and the cleanup rule keeps every element
        // until no partner within the bounds can still arrive
        const outcome = runIntervalJoin(events, 41, bounds)
        assert.deepStrictEqual(outcome.lateLeft, [])
        assert.deepStrictEqual(outcome.lateRight, [])
        assert.deepStrictEqual(outcome.pairs, all.sort())
      }),
      propertyRuns(200)
    )
  })

  it('matches against a long buffer in timestamp order, ties in arrival order, records far out of order included', () => {
    // One key, 100 to 200 records, each up to 60 behind the highest timestamp: buffers of
    // dozens of elements, a late-coming record inserted far back in them.
    const longBufferArb = eventsArb({ maxBehind: 60, maxAhead: 4, minLength: 100, maxLength: 200, keys: ['a'] })
    fc.assert(
      fc.property(longBufferArb, boundsArb, fc.integer({ min: 0, max: 70 }), (events, bounds, lag) => {
        const emitted = runIntervalJoinInOrder(events, lag, bounds)
        assert.deepStrictEqual(emitted, intervalPairsInOrder(events, lag, bounds))
      }),
      propertyRuns(300)
    )
  })

  it('matches in timestamp order after many records of one side came far out of order between two of the other', () => {
    // Dozens of right records per left one, each up to 60 behind: the right side is appended to
    // in arrival order and put in order only when a left record scans it, mostly more than a
    // few elements at once; sweeps meanwhile drop its dead from a side not in order.
    const oneSidedArb = eventsArb({
      maxBehind: 60,
      maxAhead: 4,
      minLength: 100,
      maxLength: 300,
      keys: ['a'],
      side: fc.oneof({ weight: 1, arbitrary: fc.constant<Side>('L') }, { weight: 40, arbitrary: fc.constant<Side>('R') })
    })
    fc.assert(
      fc.property(oneSidedArb, boundsArb, fc.integer({ min: 0, max: 70 }), (events, bounds, lag) => {
        assert.deepStrictEqual(runIntervalJoinInOrder(events, lag, bounds), intervalPairsInOrder(events, lag, bounds))
      }),
      propertyRuns(200)
    )
  })

  it('is symmetric: piping the right input and mirroring the bounds gives the same pairs', () => {
    fc.assert(
      fc.property(intervalEventsArb, boundsArb, fc.integer({ min: 0, max: 40 }), (events, bounds, lag) => {
        const mirrored = events.map(e => ({ ...e, side: e.side === 'L' ? ('R' as const) : ('L' as const) }))
        const mirroredBounds = { lower: -bounds.upper, upper: -bounds.lower, lowerExclusive: bounds.upperExclusive, upperExclusive: bounds.lowerExclusive }
        const swap = (p: string) => p.replace(/:(\d+)\|(\d+)@/, ':$2|$1@')
        assert.deepStrictEqual(runIntervalJoin(mirrored, lag, mirroredBounds).pairs.map(swap).sort(), runIntervalJoin(events, lag, bounds).pairs)
      }),
      propertyRuns(100)
    )
  })
})
