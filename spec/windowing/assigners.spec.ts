/**
 * The window assigners against FLINK_SEMANTICS §3: tumbling and sliding window arithmetic
 * (offsets, negative timestamps, order of sliding windows), processing-time variants, session
 * merging (Flink's `TimeWindow.mergeWindows`), dynamic gaps, configuration errors, and property
 * tests against brute-force enumerations of the definitions.
 */
import { deepStrictEqual } from 'node:assert'
import fc from 'fast-check'
import {
  eventTimeSessionWindows,
  eventTimeSessionWindowsWithDynamicGap,
  globalWindows,
  processingTimeSessionWindows,
  processingTimeSessionWindowsWithDynamicGap,
  slidingEventTimeWindows,
  slidingProcessingTimeWindows,
  tumblingEventTimeWindows,
  tumblingProcessingTimeWindows
} from '../../src/windowing/assigners'
import { GLOBAL_WINDOW, intersects, timeWindow, type TimeWindow } from '../../src/windowing/TimeWindow'
import { endOfInputTrigger, eventTimeTrigger, neverTrigger, processingTimeTrigger } from '../../src/windowing/triggers'
import type { WindowAssigner, WindowAssignerContext } from '../../src/windowing/WindowAssigner'

// ---- helpers ----

/** A processing clock the test sets by hand. */
function fakeClock(now = 0): WindowAssignerContext & { now: number } {
  return {
    now,
    currentProcessingTime() {
      return this.now
    }
  }
}

/** A context whose clock must not be read (event-time assigners). */
const noClock: WindowAssignerContext = {
  currentProcessingTime: () => {
    throw new Error('an event-time assigner read the processing clock')
  }
}

const pairs = (windows: readonly TimeWindow[]): [number, number][] => windows.map(w => [w.start, w.end])

const assign = <T>(assigner: WindowAssigner<T>, value: T, ts: number, ctx: WindowAssignerContext = noClock) =>
  pairs(assigner.assignWindows(value, ts, ctx))

interface MergeCall {
  from: [number, number][]
  to: [number, number]
}

/** The merges an assigner reports, `from` in the order given. */
function merges(assigner: WindowAssigner<unknown>, windows: readonly TimeWindow[]): MergeCall[] {
  const calls: MergeCall[] = []
  assigner.mergeWindows!(windows, (from, to) => calls.push({ from: pairs(from), to: [to.start, to.end] }))
  return calls
}

/** `from` as a set: sorted. */
const sortedPairs = (ps: [number, number][]) => ps.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1])
const asSets = (calls: MergeCall[]) => calls.map(c => ({ from: sortedPairs(c.from), to: c.to }))

const floorMod = (a: number, n: number): number => ((a % n) + n) % n

/** Every window `[s, s + size)` with `s ≡ offset (mod slide)` containing `ts`, latest start first. */
function bruteForceSliding(ts: number, size: number, slide: number, offset: number): [number, number][] {
  const out: [number, number][] = []
  for (let s = ts + slide; s >= ts - size - slide; s--) {
    if (floorMod(s - offset, slide) === 0 && s <= ts && ts < s + size) out.push([s, s + size])
  }
  return out
}

/** The groups of windows connected by `intersects` (a graph search, no sweep), as sets. */
function bruteForceMerges(windows: readonly TimeWindow[]): MergeCall[] {
  const distinct: TimeWindow[] = []
  for (const w of windows) if (!distinct.some(d => d.start === w.start && d.end === w.end)) distinct.push(w)
  const component = distinct.map((_, i) => i)
  let changed = true
  while (changed) {
    changed = false
    for (let i = 0; i < distinct.length; i++) {
      for (let j = 0; j < distinct.length; j++) {
        if (component[i] !== component[j] && intersects(distinct[i]!, distinct[j]!)) {
          const low = Math.min(component[i]!, component[j]!)
          if (component[i] !== low || component[j] !== low) changed = true
          component[i] = component[j] = low
        }
      }
    }
  }
  const groups = new Map<number, TimeWindow[]>()
  distinct.forEach((w, i) => groups.set(component[i]!, [...(groups.get(component[i]!) ?? []), w]))
  return [...groups.values()]
    .filter(g => g.length > 1)
    .map(g => ({
      from: sortedPairs(pairs(g)),
      to: [Math.min(...g.map(w => w.start)), Math.max(...g.map(w => w.end))] as [number, number]
    }))
    .sort((a, b) => a.to[0] - b.to[0])
}

// ---- tumbling ----

describe('tumblingEventTimeWindows', () => {
  it('assigns [start, start + size) with the window-start vectors of FLINK_SEMANTICS §3 (size 7)', () => {
    const vectors: [offset: number, ts: number, start: number][] = [
      [0, -8, -14], [0, -7, -7], [0, -6, -7], [0, -1, -7], [0, 0, 0], [0, 1, 0], [0, 6, 0], [0, 7, 7], [0, 8, 7],
      [3, -10, -11], [3, -9, -11], [3, -3, -4], [3, 2, -4], [3, 3, 3], [3, 9, 3], [3, 10, 10],
      [-2, -12, -16], [-2, -9, -9], [-2, -3, -9], [-2, -2, -2], [-2, 4, -2], [-2, 5, 5], [-2, 7, 5], [-2, 12, 12]
    ]
    for (const [offset, ts, start] of vectors) {
      expect(assign(tumblingEventTimeWindows(7, offset), null, ts))
        .withContext(`offset ${offset}, ts ${ts}`)
        .toEqual([[start, start + 7]])
    }
  })

  it('assigns calendar days in UTC+8 with offset −8 h', () => {
    const day = 86_400_000
    const days = tumblingEventTimeWindows(day, -8 * 3_600_000)
    // 2016-08-11T07:54:08.450Z is 15:54 on 2016-08-11 in UTC+8, whose day starts at 2016-08-10T16:00Z
    expect(assign(days, null, 1_470_902_048_450)).toEqual([[1_470_844_800_000, 1_470_844_800_000 + day]])
    expect(assign(days, null, 1_470_844_800_000)).toEqual([[1_470_844_800_000, 1_470_844_800_000 + day]])
    expect(assign(days, null, 1_470_844_799_999)).toEqual([[1_470_844_800_000 - day, 1_470_844_800_000]])
  })

  it("matches Flink's TumblingEventTimeWindowsTest (size 5000, offsets 0, 100, −100)", () => {
    expect(assign(tumblingEventTimeWindows(5000), null, 0)).toEqual([[0, 5000]])
    expect(assign(tumblingEventTimeWindows(5000), null, 4999)).toEqual([[0, 5000]])
    expect(assign(tumblingEventTimeWindows(5000), null, 5000)).toEqual([[5000, 10000]])
    expect(assign(tumblingEventTimeWindows(5000, 100), null, 100)).toEqual([[100, 5100]])
    expect(assign(tumblingEventTimeWindows(5000, 100), null, 99)).toEqual([[-4900, 100]])
    expect(assign(tumblingEventTimeWindows(5000, -100), null, 4899)).toEqual([[-100, 4900]])
    expect(assign(tumblingEventTimeWindows(5000, -100), null, 4900)).toEqual([[4900, 9900]])
  })

  it('handles negative timestamps with floor-modulo (not truncation)', () => {
    const tumbling = tumblingEventTimeWindows(1000)
    expect(assign(tumbling, null, -1)).toEqual([[-1000, 0]])
    expect(assign(tumbling, null, -1000)).toEqual([[-1000, 0]])
    expect(assign(tumbling, null, -1001)).toEqual([[-2000, -1000]])
  })

  it('returns a fresh array on every call', () => {
    const tumbling = tumblingEventTimeWindows(1000)
    const a = tumbling.assignWindows(null, 5, noClock)
    const b = tumbling.assignWindows(null, 5, noClock)
    expect(a).not.toBe(b)
    expect(a).toEqual(b)
  })

  it('is an event-time, non-merging assigner named after its arguments, with the event-time trigger', () => {
    const tumbling = tumblingEventTimeWindows(10_000)
    expect(tumbling.name).toBe('tumblingEventTimeWindows(10000)')
    expect(tumblingEventTimeWindows(10_000, -500).name).toBe('tumblingEventTimeWindows(10000, -500)')
    expect(tumbling.timeDomain).toBe('EVENT_TIME')
    expect(tumbling.mergeWindows).toBeUndefined()
    expect(tumbling.defaultTrigger().name).toBe(eventTimeTrigger().name)
  })

  it('rejects a record without a usable timestamp, naming the assigner', () => {
    const tumbling = tumblingEventTimeWindows(1000)
    expect(() => tumbling.assignWindows(null, -Infinity, noClock)).toThrowError(
      TypeError,
      /tumblingEventTimeWindows\(1000\): the record has no usable timestamp \(-Infinity\)/
    )
    expect(() => tumbling.assignWindows(null, NaN, noClock)).toThrowError(TypeError, /\(NaN\)/)
  })
})

describe('tumblingProcessingTimeWindows', () => {
  it('assigns by the current processing time, ignoring the record timestamp', () => {
    const clock = fakeClock(2_500)
    const tumbling = tumblingProcessingTimeWindows(1000)
    expect(assign(tumbling, 'a', 0, clock)).toEqual([[2000, 3000]])
    expect(assign(tumbling, 'a', -Infinity, clock)).toEqual([[2000, 3000]])
    clock.now = 3_000
    expect(assign(tumbling, 'a', 0, clock)).toEqual([[3000, 4000]])
    clock.now = -1
    expect(assign(tumbling, 'a', 0, clock)).toEqual([[-1000, 0]])
  })

  it('applies the offset', () => {
    expect(assign(tumblingProcessingTimeWindows(7, 3), 'a', 0, fakeClock(2))).toEqual([[-4, 3]])
    expect(assign(tumblingProcessingTimeWindows(7, -2), 'a', 0, fakeClock(7))).toEqual([[5, 12]])
  })

  it('is a processing-time assigner with the processing-time trigger', () => {
    const tumbling = tumblingProcessingTimeWindows(1000, 10)
    expect(tumbling.name).toBe('tumblingProcessingTimeWindows(1000, 10)')
    expect(tumbling.timeDomain).toBe('PROCESSING_TIME')
    expect(tumbling.mergeWindows).toBeUndefined()
    expect(tumbling.defaultTrigger().name).toBe(processingTimeTrigger().name)
    expect(processingTimeTrigger().name).not.toBe(eventTimeTrigger().name)
  })
})

// ---- sliding ----

describe('slidingEventTimeWindows', () => {
  it("assigns size/slide windows, most recent first (Flink's SlidingEventTimeWindowsTest)", () => {
    const sliding = slidingEventTimeWindows(5000, 1000)
    expect(assign(sliding, null, 0)).toEqual([[0, 5000], [-1000, 4000], [-2000, 3000], [-3000, 2000], [-4000, 1000]])
    expect(assign(sliding, null, 4999)).toEqual([[4000, 9000], [3000, 8000], [2000, 7000], [1000, 6000], [0, 5000]])
    expect(assign(sliding, null, 5000)).toEqual([[5000, 10000], [4000, 9000], [3000, 8000], [2000, 7000], [1000, 6000]])
  })

  it('applies a positive and a negative offset', () => {
    expect(assign(slidingEventTimeWindows(5000, 1000, 100), null, 100)).toEqual([
      [100, 5100], [-900, 4100], [-1900, 3100], [-2900, 2100], [-3900, 1100]
    ])
    expect(assign(slidingEventTimeWindows(5000, 1000, 100), null, 99)).toEqual([
      [-900, 4100], [-1900, 3100], [-2900, 2100], [-3900, 1100], [-4900, 100]
    ])
    expect(assign(slidingEventTimeWindows(3000, 1000, -100), null, 0)).toEqual([[-100, 2900], [-1100, 1900], [-2100, 900]])
  })

  it('handles negative timestamps with floor-modulo', () => {
    expect(assign(slidingEventTimeWindows(7, 3), null, -8)).toEqual([[-9, -2], [-12, -5]])
    expect(assign(slidingEventTimeWindows(10, 5), null, -1)).toEqual([[-5, 5], [-10, 0]])
  })

  it('assigns floor or ceil of size/slide windows when slide does not divide size', () => {
    const sliding = slidingEventTimeWindows(5000, 2000)
    expect(assign(sliding, null, 0)).toEqual([[0, 5000], [-2000, 3000], [-4000, 1000]])
    expect(assign(sliding, null, 1000)).toEqual([[0, 5000], [-2000, 3000]])
    expect(assign(sliding, null, 1999)).toEqual([[0, 5000], [-2000, 3000]])
  })

  it('assigns no window to a record between windows when slide > size', () => {
    const hopping = slidingEventTimeWindows(1000, 5000)
    expect(assign(hopping, null, 500)).toEqual([[0, 1000]])
    expect(assign(hopping, null, 1000)).toEqual([])
    expect(assign(hopping, null, 4999)).toEqual([])
    expect(assign(hopping, null, 5000)).toEqual([[5000, 6000]])
  })

  it('returns a fresh array on every call', () => {
    const sliding = slidingEventTimeWindows(2000, 1000)
    expect(sliding.assignWindows(null, 5, noClock)).not.toBe(sliding.assignWindows(null, 5, noClock))
  })

  it('is an event-time assigner named after its arguments, with the event-time trigger', () => {
    const sliding = slidingEventTimeWindows(60_000, 10_000)
    expect(sliding.name).toBe('slidingEventTimeWindows(60000, 10000)')
    expect(slidingEventTimeWindows(60_000, 10_000, 5_000).name).toBe('slidingEventTimeWindows(60000, 10000, 5000)')
    expect(sliding.timeDomain).toBe('EVENT_TIME')
    expect(sliding.mergeWindows).toBeUndefined()
    expect(sliding.defaultTrigger().name).toBe(eventTimeTrigger().name)
  })

  it('rejects a record without a usable timestamp', () => {
    expect(() => slidingEventTimeWindows(2000, 1000).assignWindows(null, -Infinity, noClock)).toThrowError(
      TypeError,
      /slidingEventTimeWindows\(2000, 1000\): the record has no usable timestamp/
    )
  })
})

describe('slidingProcessingTimeWindows', () => {
  it('assigns by the current processing time, most recent first', () => {
    const clock = fakeClock(2_500)
    const sliding = slidingProcessingTimeWindows(3000, 1000)
    expect(assign(sliding, 'b', 0, clock)).toEqual([[2000, 5000], [1000, 4000], [0, 3000]])
    clock.now = -500
    expect(assign(sliding, 'b', 99_999, clock)).toEqual([[-1000, 2000], [-2000, 1000], [-3000, 0]])
    expect(assign(slidingProcessingTimeWindows(3000, 1000, 300), 'b', 0, fakeClock(0))).toEqual([
      [-700, 2300], [-1700, 1300], [-2700, 300]
    ])
  })

  it('is a processing-time assigner with the processing-time trigger', () => {
    const sliding = slidingProcessingTimeWindows(3000, 1000)
    expect(sliding.name).toBe('slidingProcessingTimeWindows(3000, 1000)')
    expect(sliding.timeDomain).toBe('PROCESSING_TIME')
    expect(sliding.mergeWindows).toBeUndefined()
    expect(sliding.defaultTrigger().name).toBe(processingTimeTrigger().name)
  })
})

// ---- sessions ----

describe('session windows', () => {
  const sessions = eventTimeSessionWindows(3)
  const w = timeWindow

  it('assign [ts, ts + gap) on event time', () => {
    const s = eventTimeSessionWindows(3000)
    expect(assign(s, 'a', 1000)).toEqual([[1000, 4000]])
    expect(assign(s, 'a', -5000)).toEqual([[-5000, -2000]])
    expect(s.name).toBe('eventTimeSessionWindows(3000)')
    expect(s.timeDomain).toBe('EVENT_TIME')
    expect(s.defaultTrigger().name).toBe(eventTimeTrigger().name)
    expect(() => s.assignWindows('a', -Infinity, noClock)).toThrowError(TypeError, /eventTimeSessionWindows\(3000\)/)
  })

  it('assign [now, now + gap) on processing time', () => {
    const clock = fakeClock(800)
    const s = processingTimeSessionWindows(1000)
    expect(assign(s, 'a', 5, clock)).toEqual([[800, 1800]])
    clock.now = 3000
    expect(assign(s, 'a', 5, clock)).toEqual([[3000, 4000]])
    expect(s.name).toBe('processingTimeSessionWindows(1000)')
    expect(s.timeDomain).toBe('PROCESSING_TIME')
    expect(s.defaultTrigger().name).toBe(processingTimeTrigger().name)
    expect(merges(s, [w(0, 1000), w(800, 1800)])).toEqual([{ from: [[0, 1000], [800, 1800]], to: [0, 1800] }])
  })

  it('merge overlapping windows into their cover', () => {
    expect(merges(sessions, [w(0, 4), w(2, 6)])).toEqual([{ from: [[0, 4], [2, 6]], to: [0, 6] }])
  })

  it('merge touching windows (a record at exactly lastTs + gap extends the session)', () => {
    expect(merges(sessions, [w(0, 3), w(3, 6)])).toEqual([{ from: [[0, 3], [3, 6]], to: [0, 6] }])
  })

  it('do not merge windows one apart', () => {
    expect(merges(sessions, [w(0, 3), w(4, 7)])).toEqual([])
  })

  it('merge two sessions bridged by one new window', () => {
    expect(asSets(merges(sessions, [w(0, 5), w(8, 13), w(4, 9)]))).toEqual([
      { from: [[0, 5], [4, 9], [8, 13]], to: [0, 13] }
    ])
  })

  it('merge three overlapping windows at once', () => {
    expect(asSets(merges(sessions, [w(0, 4), w(2, 6), w(5, 9)]))).toEqual([{ from: [[0, 4], [2, 6], [5, 9]], to: [0, 9] }])
  })

  it('sort unsorted input by start before sweeping, and do not mutate it', () => {
    const input = [w(10, 13), w(2, 5), w(0, 3)]
    expect(asSets(merges(sessions, input))).toEqual([{ from: [[0, 3], [2, 5]], to: [0, 5] }])
    expect(pairs(input)).toEqual([[10, 13], [2, 5], [0, 3]])
  })

  it('join a window that intersects the running cover, not only the previous window', () => {
    expect(asSets(merges(sessions, [w(0, 10), w(1, 2), w(9, 12)]))).toEqual([
      { from: [[0, 10], [1, 2], [9, 12]], to: [0, 12] }
    ])
  })

  it('report each group of two or more, in order of start, and no group of one', () => {
    const calls = asSets(merges(sessions, [w(20, 23), w(0, 3), w(30, 33), w(21, 24), w(2, 5), w(10, 13)]))
    expect(calls).toEqual([
      { from: [[0, 3], [2, 5]], to: [0, 5] },
      { from: [[20, 23], [21, 24]], to: [20, 24] }
    ])
    expect(merges(sessions, [w(0, 3), w(5, 8), w(10, 13)])).toEqual([])
    expect(merges(sessions, [w(0, 3)])).toEqual([])
    expect(merges(sessions, [])).toEqual([])
  })

  it('count equal windows once, as Flink collects a group in a set', () => {
    expect(merges(sessions, [w(0, 3), w(0, 3)])).toEqual([])
    expect(asSets(merges(sessions, [w(0, 3), w(2, 5), w(0, 3)]))).toEqual([{ from: [[0, 3], [2, 5]], to: [0, 5] }])
  })

  it('pass the windows it was given (same objects) as from', () => {
    const a = w(0, 3)
    const b = w(2, 5)
    const seen: TimeWindow[] = []
    sessions.mergeWindows!([b, a], from => seen.push(...from))
    expect(seen.length).toBe(2)
    expect(seen).toContain(a)
    expect(seen).toContain(b)
    expect(seen.every(x => x === a || x === b)).toBeTrue()
  })

  it('handle negative times', () => {
    expect(merges(sessions, [w(-10, -7), w(-7, -4)])).toEqual([{ from: [[-10, -7], [-7, -4]], to: [-10, -4] }])
  })
})

describe('dynamic-gap session windows', () => {
  interface Visit {
    readonly user: string
    readonly gap: unknown
  }
  const gapOf = (v: Visit) => v.gap as number

  it('take the gap of each record from the extractor (event time)', () => {
    const s = eventTimeSessionWindowsWithDynamicGap(gapOf)
    expect(assign(s, { user: 'ann', gap: 5000 }, 1000)).toEqual([[1000, 6000]])
    expect(assign(s, { user: 'bob', gap: 10 }, -20)).toEqual([[-20, -10]])
    expect(s.timeDomain).toBe('EVENT_TIME')
    expect(s.name).toBe('eventTimeSessionWindowsWithDynamicGap(gapOf)')
    expect(eventTimeSessionWindowsWithDynamicGap((_: Visit) => 1).name).toBe('eventTimeSessionWindowsWithDynamicGap(extractor)')
    expect(s.defaultTrigger().name).toBe(eventTimeTrigger().name)
    expect(merges(s as WindowAssigner<unknown>, [timeWindow(0, 5), timeWindow(5, 6)])).toEqual([
      { from: [[0, 5], [5, 6]], to: [0, 6] }
    ])
  })

  it('take the gap of each record from the extractor (processing time)', () => {
    const s = processingTimeSessionWindowsWithDynamicGap((v: string) => v.length * 100)
    expect(assign(s, 'abc', 99_999, fakeClock(250))).toEqual([[250, 550]])
    expect(s.timeDomain).toBe('PROCESSING_TIME')
    expect(s.defaultTrigger().name).toBe(processingTimeTrigger().name)
    expect(s.mergeWindows).toBeDefined()
  })

  for (const [bad, shown, type] of [
    [0, '0', RangeError],
    [-1, '-1', RangeError],
    [NaN, 'NaN', RangeError],
    [Infinity, 'Infinity', RangeError],
    ['5', '"5"', TypeError],
    [undefined, 'undefined', TypeError]
  ] as const) {
    it(`throw when the extractor returns ${shown}, naming the gap and the record value`, () => {
      const visit: Visit = { user: 'ann', gap: bad }
      const event = eventTimeSessionWindowsWithDynamicGap(gapOf)
      const processing = processingTimeSessionWindowsWithDynamicGap(gapOf)
      const message = (name: string) =>
        `${name}(gapOf): the gap extractor returned ${shown} for record value { user: "ann", gap: ${shown} }; ` +
        'a session gap must be a finite number > 0 (milliseconds)'
      expect(() => event.assignWindows(visit, 0, noClock)).toThrowError(type, message('eventTimeSessionWindowsWithDynamicGap'))
      expect(() => processing.assignWindows(visit, 0, fakeClock())).toThrowError(
        type,
        message('processingTimeSessionWindowsWithDynamicGap')
      )
    })
  }

  it('accept the smallest positive gap', () => {
    expect(assign(eventTimeSessionWindowsWithDynamicGap((_: null) => 1), null, 7)).toEqual([[7, 8]])
  })
})

// ---- global ----

describe('globalWindows', () => {
  it('assigns the global window to every record, in a fresh array', () => {
    const global = globalWindows()
    const a = global.assignWindows('a', -Infinity, noClock)
    expect(a).toEqual([GLOBAL_WINDOW])
    expect(a[0]).toBe(GLOBAL_WINDOW)
    expect(global.assignWindows('b', 17, noClock)).not.toBe(a)
  })

  it("is neither event nor processing time, with the never trigger by default", () => {
    const global = globalWindows()
    expect(global.name).toBe('globalWindows()')
    expect(global.timeDomain).toBe('GLOBAL')
    expect(global.mergeWindows).toBeUndefined()
    expect(global.defaultTrigger().name).toBe(neverTrigger().name)
    expect(globalWindows({}).defaultTrigger().name).toBe(neverTrigger().name)
    expect(globalWindows({ fireAtEndOfInput: false }).defaultTrigger().name).toBe(neverTrigger().name)
  })

  it('fires once at end of input with fireAtEndOfInput: true', () => {
    const global = globalWindows({ fireAtEndOfInput: true })
    expect(global.name).toBe('globalWindows({ fireAtEndOfInput: true })')
    expect(global.timeDomain).toBe('GLOBAL')
    expect(global.defaultTrigger().name).toBe(endOfInputTrigger().name)
    expect(endOfInputTrigger().name).not.toBe(neverTrigger().name)
  })
})

// ---- configuration errors ----

describe('assigner configuration errors', () => {
  type Thunk = () => unknown
  const call = (f: (...args: never[]) => unknown, ...args: unknown[]): Thunk => () => (f as (...a: unknown[]) => unknown)(...args)

  const cases: [label: string, thunk: Thunk, type: ErrorConstructor, message: string][] = [
    ['tumbling size 0', call(tumblingEventTimeWindows, 0), RangeError, 'tumblingEventTimeWindows: size must be an integer > 0 (milliseconds), got 0'],
    ['tumbling size −1', call(tumblingEventTimeWindows, -1), RangeError, 'tumblingEventTimeWindows: size must be an integer > 0 (milliseconds), got -1'],
    ['tumbling size NaN', call(tumblingEventTimeWindows, NaN), RangeError, 'tumblingEventTimeWindows: size must be an integer > 0 (milliseconds), got NaN'],
    ['tumbling size Infinity', call(tumblingEventTimeWindows, Infinity), RangeError, 'tumblingEventTimeWindows: size must be an integer > 0 (milliseconds), got Infinity'],
    ['tumbling size 1.5', call(tumblingEventTimeWindows, 1.5), RangeError, 'tumblingEventTimeWindows: size must be an integer > 0 (milliseconds), got 1.5'],
    ['tumbling size string', call(tumblingEventTimeWindows, '10'), TypeError, 'tumblingEventTimeWindows: size must be a number (milliseconds), got "10"'],
    ['tumbling offset = size', call(tumblingEventTimeWindows, 10000, 10000), RangeError, 'tumblingEventTimeWindows: offset must satisfy |offset| < size (10000), got 10000'],
    ['tumbling offset = −size', call(tumblingEventTimeWindows, 10000, -10000), RangeError, 'tumblingEventTimeWindows: offset must satisfy |offset| < size (10000), got -10000'],
    ['tumbling offset fraction', call(tumblingEventTimeWindows, 10, 0.5), RangeError, 'tumblingEventTimeWindows: offset must be an integer (milliseconds), got 0.5'],
    ['tumbling offset null', call(tumblingEventTimeWindows, 10, null), TypeError, 'tumblingEventTimeWindows: offset must be a number (milliseconds), got null'],
    ['tumbling processing size 0', call(tumblingProcessingTimeWindows, 0), RangeError, 'tumblingProcessingTimeWindows: size must be an integer > 0 (milliseconds), got 0'],
    ['tumbling processing offset', call(tumblingProcessingTimeWindows, 7, -7), RangeError, 'tumblingProcessingTimeWindows: offset must satisfy |offset| < size (7), got -7'],
    ['sliding size 0', call(slidingEventTimeWindows, 0, 1), RangeError, 'slidingEventTimeWindows: size must be an integer > 0 (milliseconds), got 0'],
    ['sliding slide 0', call(slidingEventTimeWindows, 10, 0), RangeError, 'slidingEventTimeWindows: slide must be an integer > 0 (milliseconds), got 0'],
    ['sliding slide −5', call(slidingEventTimeWindows, 10, -5), RangeError, 'slidingEventTimeWindows: slide must be an integer > 0 (milliseconds), got -5'],
    ['sliding slide missing', call(slidingEventTimeWindows, 10), TypeError, 'slidingEventTimeWindows: slide must be a number (milliseconds), got undefined'],
    ['sliding offset = slide', call(slidingEventTimeWindows, 10000, 1000, 1000), RangeError, 'slidingEventTimeWindows: offset must satisfy |offset| < slide (1000), got 1000'],
    ['sliding offset = −slide', call(slidingEventTimeWindows, 10000, 1000, -1000), RangeError, 'slidingEventTimeWindows: offset must satisfy |offset| < slide (1000), got -1000'],
    ['sliding too many windows', call(slidingEventTimeWindows, 10_000_001, 1), RangeError, 'slidingEventTimeWindows: size / slide must be at most 10000000 (windows per record), got size 10000001 / slide 1 = 10000001'],
    ['sliding processing slide', call(slidingProcessingTimeWindows, 10, 1.25), RangeError, 'slidingProcessingTimeWindows: slide must be an integer > 0 (milliseconds), got 1.25'],
    ['sliding processing offset', call(slidingProcessingTimeWindows, 10, 5, 5), RangeError, 'slidingProcessingTimeWindows: offset must satisfy |offset| < slide (5), got 5'],
    ['sliding processing too many', call(slidingProcessingTimeWindows, 20_000_001, 2), RangeError, 'slidingProcessingTimeWindows: size / slide must be at most 10000000 (windows per record), got size 20000001 / slide 2 = 10000000.5'],
    ['session gap 0', call(eventTimeSessionWindows, 0), RangeError, 'eventTimeSessionWindows: gap must be a finite number > 0 (milliseconds), got 0'],
    ['session gap −3', call(eventTimeSessionWindows, -3), RangeError, 'eventTimeSessionWindows: gap must be a finite number > 0 (milliseconds), got -3'],
    ['session gap NaN', call(eventTimeSessionWindows, NaN), RangeError, 'eventTimeSessionWindows: gap must be a finite number > 0 (milliseconds), got NaN'],
    ['session gap Infinity', call(eventTimeSessionWindows, Infinity), RangeError, 'eventTimeSessionWindows: gap must be a finite number > 0 (milliseconds), got Infinity'],
    ['session gap string', call(eventTimeSessionWindows, '3s'), TypeError, 'eventTimeSessionWindows: gap must be a number (milliseconds), got "3s"'],
    ['processing session gap', call(processingTimeSessionWindows, 0), RangeError, 'processingTimeSessionWindows: gap must be a finite number > 0 (milliseconds), got 0'],
    ['dynamic extractor', call(eventTimeSessionWindowsWithDynamicGap, 5000), TypeError, 'eventTimeSessionWindowsWithDynamicGap: extractor must be a function (value => gap in ms), got 5000'],
    ['processing dynamic extractor', call(processingTimeSessionWindowsWithDynamicGap, undefined), TypeError, 'processingTimeSessionWindowsWithDynamicGap: extractor must be a function (value => gap in ms), got undefined'],
    ['global options', call(globalWindows, true), TypeError, 'globalWindows: options must be an object, got true'],
    ['global options null', call(globalWindows, null), TypeError, 'globalWindows: options must be an object, got null'],
    ['global fireAtEndOfInput', call(globalWindows, { fireAtEndOfInput: 'yes' }), TypeError, 'globalWindows: fireAtEndOfInput must be a boolean, got "yes"']
  ]

  for (const [label, thunk, type, message] of cases) {
    it(`throws at the factory call: ${label}`, () => {
      expect(thunk).toThrowError(type, message)
    })
  }

  it('accepts the boundary values', () => {
    expect(() => tumblingEventTimeWindows(10000, 9999)).not.toThrow()
    expect(() => tumblingEventTimeWindows(10000, -9999)).not.toThrow()
    expect(() => tumblingEventTimeWindows(1)).not.toThrow()
    expect(() => slidingEventTimeWindows(10_000_000, 1)).not.toThrow()
    expect(() => slidingEventTimeWindows(10, 20, 19)).not.toThrow()
    expect(() => slidingProcessingTimeWindows(10, 5, -4)).not.toThrow()
    expect(() => eventTimeSessionWindows(0.5)).not.toThrow()
    expect(() => processingTimeSessionWindows(1)).not.toThrow()
    expect(() => globalWindows(undefined)).not.toThrow()
  })
})

// ---- properties ----

describe('assigner properties', () => {
  /** Small grids, so that the brute-force enumeration stays cheap. */
  const smallSliding = fc
    .record({ slide: fc.integer({ min: 1, max: 40 }), size: fc.integer({ min: 1, max: 120 }), ts: fc.integer({ min: -300, max: 300 }) })
    .chain(p => fc.record({ offset: fc.integer({ min: -(p.slide - 1), max: p.slide - 1 }) }).map(o => ({ ...p, ...o })))

  /** Large grids and timestamps (up to ±10^12 ms, about 30 years). */
  const largeGrid = fc
    .record({ size: fc.integer({ min: 1, max: 1_000_000_000 }), ts: fc.integer({ min: -1e12, max: 1e12 }) })
    .chain(p => fc.record({ offset: fc.integer({ min: -(p.size - 1), max: p.size - 1 }) }).map(o => ({ ...p, ...o })))

  it('sliding windows are exactly those of the definition, most recent first (brute force)', () => {
    fc.assert(
      fc.property(smallSliding, ({ ts, size, slide, offset }) => {
        deepStrictEqual(assign(slidingEventTimeWindows(size, slide, offset), null, ts), bruteForceSliding(ts, size, slide, offset))
        deepStrictEqual(
          assign(slidingProcessingTimeWindows(size, slide, offset), null, -Infinity, fakeClock(ts)),
          bruteForceSliding(ts, size, slide, offset)
        )
      })
    )
  })

  it('tumbling windows are exactly those of the definition (brute force), one per record', () => {
    fc.assert(
      fc.property(smallSliding, ({ ts, slide: size, offset }) => {
        const expected = bruteForceSliding(ts, size, size, offset)
        deepStrictEqual(expected.length, 1)
        deepStrictEqual(assign(tumblingEventTimeWindows(size, offset), null, ts), expected)
        deepStrictEqual(assign(tumblingProcessingTimeWindows(size, offset), null, 0, fakeClock(ts)), expected)
      })
    )
  })

  it('tumbling assigns exactly one window, containing ts and aligned to offset, for large values', () => {
    fc.assert(
      fc.property(largeGrid, ({ ts, size, offset }) => {
        const windows = tumblingEventTimeWindows(size, offset).assignWindows(null, ts, noClock)
        deepStrictEqual(windows.length, 1)
        const [w] = windows
        deepStrictEqual(w!.end - w!.start, size)
        deepStrictEqual(w!.start <= ts && ts < w!.end, true)
        deepStrictEqual(floorMod(w!.start - offset, size), 0)
        deepStrictEqual(w!.start, offset + Math.floor((ts - offset) / size) * size)
      })
    )
  })

  it('every sliding window contains ts, is aligned to the slide grid, and none is missing, for large values', () => {
    const arb = fc
      .record({
        slide: fc.integer({ min: 1, max: 100_000_000 }),
        windows: fc.integer({ min: 1, max: 30 }),
        extra: fc.integer({ min: 0, max: 99_999_999 }),
        ts: fc.integer({ min: -1e12, max: 1e12 })
      })
      .chain(p => fc.record({ offset: fc.integer({ min: -(p.slide - 1), max: p.slide - 1 }) }).map(o => ({ ...p, ...o })))
    fc.assert(
      fc.property(arb, ({ slide, windows, extra, ts, offset }) => {
        const size = slide * windows + (extra % slide)
        const assigned = slidingEventTimeWindows(size, slide, offset).assignWindows(null, ts, noClock)
        for (const w of assigned) {
          deepStrictEqual(w.start <= ts && ts < w.end && w.end - w.start === size, true)
          deepStrictEqual(floorMod(w.start - offset, slide), 0)
        }
        // consecutive starts one slide apart, starting from the latest start <= ts
        assigned.forEach((w, i) => deepStrictEqual(w.start, assigned[0]!.start - i * slide))
        deepStrictEqual(assigned[0]!.start + slide > ts, true)
        deepStrictEqual(assigned[assigned.length - 1]!.start - slide <= ts - size, true)
        deepStrictEqual(assigned.length, Math.floor(size / slide) + (floorMod(ts - offset, slide) < size % slide ? 1 : 0))
      })
    )
  })

  it('session merges are the connected groups of intersecting windows (brute force)', () => {
    const windowArb = fc.record({ start: fc.integer({ min: -50, max: 50 }), length: fc.integer({ min: 1, max: 15 }) })
    fc.assert(
      fc.property(fc.array(windowArb, { maxLength: 12 }), raw => {
        const windows = raw.map(r => timeWindow(r.start, r.start + r.length))
        const calls = asSets(merges(eventTimeSessionWindows(1), windows))
        deepStrictEqual(calls, bruteForceMerges(windows))
      })
    )
  })
})
