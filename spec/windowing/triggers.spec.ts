import type { TimeDomain } from '../../src/core/TimerService'
import { maxTimestamp, timeWindow, GLOBAL_WINDOW, type TimeWindow } from '../../src/windowing/TimeWindow'

/** A Map key equal for equal windows. */
const windowId = (window: TimeWindow): string => `${window.start}|${window.end}`
import type { OnMergeContext, Trigger, TriggerContext, TriggerResult, TriggerState } from '../../src/windowing/Trigger'
import type { ReducingState } from '../../src/state/State'
import type { MergingStateDescriptor, ReducingStateDescriptor, StateDescriptor, StateOf } from '../../src/state/StateDescriptor'
import {
  continuousEventTimeTrigger,
  continuousProcessingTimeTrigger,
  countTrigger,
  deltaTrigger,
  endOfInputTrigger,
  eventTimeTrigger,
  eventTimeTriggerWithEarlyFirings,
  neverTrigger,
  processingTimeTrigger,
  purgingTrigger
} from '../../src/windowing/triggers'

// -------------------------------------------------------------------------------------
// a fake trigger context: per-window Map-backed state, recorded timer calls, settable clocks
// -------------------------------------------------------------------------------------

type TimerCall = readonly ['register' | 'delete', TimeDomain, string, number]

class FakeHarness {
  watermark = -Infinity
  processingTime = 0
  /** Every timer call in order: [what, domain, window id, time]. */
  readonly calls: TimerCall[] = []
  /** Live timers, as `domain|window|time`. */
  readonly timers = new Set<string>()
  readonly state = new Map<string, Map<string, unknown>>()

  ctx(window: TimeWindow): TriggerContext {
    const id = windowId(window)
    const timer = (what: 'register' | 'delete', domain: TimeDomain) => (time: number) => {
      this.calls.push([what, domain, id, time])
      const t = `${domain}|${id}|${time}`
      if (what === 'register') this.timers.add(t)
      else this.timers.delete(t)
    }
    return {
      currentWatermark: () => this.watermark,
      currentProcessingTime: () => this.processingTime,
      registerEventTimeTimer: timer('register', 'EVENT_TIME'),
      deleteEventTimeTimer: timer('delete', 'EVENT_TIME'),
      registerProcessingTimeTimer: timer('register', 'PROCESSING_TIME'),
      deleteProcessingTimeTimer: timer('delete', 'PROCESSING_TIME'),
      getPartitionedState: <D extends StateDescriptor>(descriptor: D): StateOf<D> => this.reducing(id, descriptor) as unknown as StateOf<D>,
      getState: <S>(name: string): TriggerState<S> => this.cell<S>(id, name)
    }
  }

  mergeCtx(window: TimeWindow, merged: readonly TimeWindow[]): OnMergeContext {
    const id = windowId(window)
    return {
      ...this.ctx(window),
      mergePartitionedState: (descriptor: MergingStateDescriptor) => {
        const target = this.reducing(id, descriptor)
        for (const w of merged) {
          const source = this.reducing(windowId(w), descriptor)
          const v = source.get()
          source.clear()
          if (v !== undefined) target.add(v)
        }
      },
      mergeState: <S>(name: string, merge: (a: S, b: S) => S) => {
        let acc: S | undefined = this.cell<S>(id, name).value()
        for (const w of merged) {
          const v = this.cell<S>(windowId(w), name).value()
          if (v !== undefined) acc = acc === undefined ? v : merge(acc, v)
        }
        if (acc !== undefined) this.cell<S>(id, name).update(acc)
      }
    }
  }

  stateOf(window: TimeWindow): Map<string, unknown> {
    return this.state.get(windowId(window)) ?? new Map()
  }

  eventTimers(window: TimeWindow): number[] {
    return this.live('EVENT_TIME', window)
  }

  processingTimers(window: TimeWindow): number[] {
    return this.live('PROCESSING_TIME', window)
  }

  private live(domain: TimeDomain, window: TimeWindow): number[] {
    const prefix = `${domain}|${windowId(window)}|`
    return [...this.timers]
      .filter(t => t.startsWith(prefix))
      .map(t => Number(t.slice(prefix.length)))
      .sort((a, b) => a - b)
  }

  /** Reducing state (what the built-in triggers keep) in the same per-window cells, by the descriptor's name. */
  private reducing(id: string, descriptor: StateDescriptor): ReducingState<unknown> {
    if (descriptor._tag !== 'ReducingStateDescriptor') throw new Error(`the fake context holds reducing state only, not ${descriptor._tag}`)
    const { reduce } = descriptor as ReducingStateDescriptor<unknown>
    const cell = this.cell<unknown>(id, descriptor.name)
    return {
      get: () => cell.value(),
      add: v => cell.update(cell.value() === undefined ? v : reduce(cell.value(), v)),
      clear: () => cell.clear()
    }
  }

  private cell<S>(id: string, name: string): TriggerState<S> {
    const cells = () => {
      let m = this.state.get(id)
      if (m === undefined) this.state.set(id, (m = new Map()))
      return m
    }
    return {
      value: () => cells().get(name) as S | undefined,
      update: v => void cells().set(name, v),
      clear: () => void cells().delete(name)
    }
  }
}

const W = timeWindow(0, 10) // maxTimestamp 9

/** Feeds `values` (with timestamps) to the trigger, returning the results. */
function feed<T>(trigger: Trigger<T>, h: FakeHarness, window: TimeWindow, values: readonly (readonly [T, number])[]): TriggerResult[] {
  return values.map(([v, ts]) => trigger.onElement(v, ts, window, h.ctx(window)))
}

// -------------------------------------------------------------------------------------
// eventTimeTrigger
// -------------------------------------------------------------------------------------

describe('eventTimeTrigger', () => {
  it('is named and can merge', () => {
    const t = eventTimeTrigger()
    expect(t.name).toBe('eventTimeTrigger()')
    expect(t.canMerge).toBeTrue()
  })

  it('registers an event-time timer at maxTimestamp and continues while the window is open', () => {
    const h = new FakeHarness()
    h.watermark = 8
    expect(eventTimeTrigger().onElement('a', 3, W, h.ctx(W))).toBe('CONTINUE')
    expect(h.calls).toEqual([['register', 'EVENT_TIME', windowId(W), 9]])
  })

  it('fires at once, without a timer, when the watermark has passed the window', () => {
    const h = new FakeHarness()
    h.watermark = 9
    expect(eventTimeTrigger().onElement('a', 3, W, h.ctx(W))).toBe('FIRE')
    h.watermark = 100
    expect(eventTimeTrigger().onElement('b', 5, W, h.ctx(W))).toBe('FIRE')
    expect(h.calls).toEqual([])
  })

  it('fires only for the timer at maxTimestamp', () => {
    const h = new FakeHarness()
    const t = eventTimeTrigger()
    expect(t.onEventTime(9, W, h.ctx(W))).toBe('FIRE')
    expect(t.onEventTime(8, W, h.ctx(W))).toBe('CONTINUE')
    expect(t.onEventTime(10, W, h.ctx(W))).toBe('CONTINUE')
    expect(t.onProcessingTime(9, W, h.ctx(W))).toBe('CONTINUE')
  })

  it('on merge registers maxTimestamp only if it is after the watermark', () => {
    const merged = timeWindow(0, 20)
    const h = new FakeHarness()
    h.watermark = 18
    eventTimeTrigger().onMerge!(merged, h.mergeCtx(merged, [W]))
    expect(h.calls).toEqual([['register', 'EVENT_TIME', windowId(merged), 19]])
    const late = new FakeHarness()
    late.watermark = 19
    eventTimeTrigger().onMerge!(merged, late.mergeCtx(merged, [W]))
    expect(late.calls).toEqual([])
  })

  it('clear deletes the timer', () => {
    const h = new FakeHarness()
    const t = eventTimeTrigger()
    t.onElement('a', 1, W, h.ctx(W))
    t.clear(W, h.ctx(W))
    expect(h.calls[1]).toEqual(['delete', 'EVENT_TIME', windowId(W), 9])
    expect(h.eventTimers(W)).toEqual([])
  })

  it('waits for the end of input in the global window', () => {
    const h = new FakeHarness()
    expect(eventTimeTrigger().onElement('a', 5, GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW))).toBe('CONTINUE')
    expect(h.eventTimers(GLOBAL_WINDOW)).toEqual([Infinity])
  })
})

// -------------------------------------------------------------------------------------
// processingTimeTrigger
// -------------------------------------------------------------------------------------

describe('processingTimeTrigger', () => {
  it('is named and can merge', () => {
    const t = processingTimeTrigger()
    expect(t.name).toBe('processingTimeTrigger()')
    expect(t.canMerge).toBeTrue()
  })

  it('registers a processing-time timer at maxTimestamp on every element and continues', () => {
    const h = new FakeHarness()
    h.processingTime = 50 // even past the window: the timer decides
    h.watermark = 50
    const t = processingTimeTrigger()
    expect(feed(t, h, W, [['a', 1], ['b', 2]])).toEqual(['CONTINUE', 'CONTINUE'])
    expect(h.calls).toEqual([
      ['register', 'PROCESSING_TIME', windowId(W), 9],
      ['register', 'PROCESSING_TIME', windowId(W), 9]
    ])
  })

  it('fires when its processing-time timer rings, not on event time', () => {
    const h = new FakeHarness()
    const t = processingTimeTrigger()
    expect(t.onProcessingTime(9, W, h.ctx(W))).toBe('FIRE')
    expect(t.onProcessingTime(5, W, h.ctx(W))).toBe('CONTINUE')
    expect(t.onEventTime(9, W, h.ctx(W))).toBe('CONTINUE')
  })

  it('on merge registers maxTimestamp only if it is after the current processing time', () => {
    const merged = timeWindow(0, 20)
    const h = new FakeHarness()
    h.processingTime = 18
    h.watermark = 100
    processingTimeTrigger().onMerge!(merged, h.mergeCtx(merged, [W]))
    expect(h.calls).toEqual([['register', 'PROCESSING_TIME', windowId(merged), 19]])
    const past = new FakeHarness()
    past.processingTime = 19
    processingTimeTrigger().onMerge!(merged, past.mergeCtx(merged, [W]))
    expect(past.calls).toEqual([])
  })

  it('clear deletes the timer', () => {
    const h = new FakeHarness()
    const t = processingTimeTrigger()
    t.onElement('a', 1, W, h.ctx(W))
    t.clear(W, h.ctx(W))
    expect(h.calls[1]).toEqual(['delete', 'PROCESSING_TIME', windowId(W), 9])
    expect(h.processingTimers(W)).toEqual([])
  })
})

// -------------------------------------------------------------------------------------
// countTrigger
// -------------------------------------------------------------------------------------

describe('countTrigger', () => {
  it('is named after its count and can merge', () => {
    expect(countTrigger(4).name).toBe('countTrigger(4)')
    expect(countTrigger(4).canMerge).toBeTrue()
  })

  it('fires every n elements, starting again from zero', () => {
    const h = new FakeHarness()
    const t = countTrigger<string>(3)
    const results = feed(t, h, W, [['a', 0], ['b', 0], ['c', 0], ['d', 0], ['e', 0], ['f', 0], ['g', 0]])
    expect(results).toEqual(['CONTINUE', 'CONTINUE', 'FIRE', 'CONTINUE', 'CONTINUE', 'FIRE', 'CONTINUE'])
    expect(h.calls).toEqual([])
  })

  it('fires on every element with n = 1', () => {
    const h = new FakeHarness()
    expect(feed(countTrigger<string>(1), h, W, [['a', 0], ['b', 0]])).toEqual(['FIRE', 'FIRE'])
  })

  it('counts per window', () => {
    const h = new FakeHarness()
    const t = countTrigger<string>(2)
    const other = timeWindow(10, 20)
    expect(t.onElement('a', 0, W, h.ctx(W))).toBe('CONTINUE')
    expect(t.onElement('b', 10, other, h.ctx(other))).toBe('CONTINUE')
    expect(t.onElement('c', 0, W, h.ctx(W))).toBe('FIRE')
    expect(t.onElement('d', 10, other, h.ctx(other))).toBe('FIRE')
  })

  it('ignores timers', () => {
    const h = new FakeHarness()
    const t = countTrigger(1)
    expect(t.onEventTime(9, W, h.ctx(W))).toBe('CONTINUE')
    expect(t.onProcessingTime(9, W, h.ctx(W))).toBe('CONTINUE')
  })

  it('adds the counts up on merge', () => {
    const h = new FakeHarness()
    const t = countTrigger<string>(5)
    const a = timeWindow(0, 10)
    const b = timeWindow(5, 15)
    const merged = timeWindow(0, 15)
    feed(t, h, a, [['a', 0], ['b', 0]])
    feed(t, h, b, [['c', 5], ['d', 5]])
    t.onMerge!(merged, h.mergeCtx(merged, [a, b]))
    expect(t.onElement('e', 6, merged, h.ctx(merged))).toBe('FIRE') // 2 + 2 + 1
  })

  it('clear deletes the count', () => {
    const h = new FakeHarness()
    const t = countTrigger<string>(3)
    feed(t, h, W, [['a', 0], ['b', 0]])
    expect(h.stateOf(W).size).toBe(1)
    t.clear(W, h.ctx(W))
    expect(h.stateOf(W).size).toBe(0)
    expect(feed(t, h, W, [['c', 0], ['d', 0], ['e', 0]])).toEqual(['CONTINUE', 'CONTINUE', 'FIRE'])
  })

  it('rejects a count that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity, '3' as unknown as number]) {
      expect(() => countTrigger(bad)).toThrowMatching(e => e instanceof RangeError && /countTrigger: n must be a positive integer/.test(e.message))
    }
    expect(() => countTrigger(2.5)).toThrowError(RangeError, /2\.5/)
  })
})

// -------------------------------------------------------------------------------------
// purgingTrigger
// -------------------------------------------------------------------------------------

/** A scripted trigger: returns the given result for every call, and records delegations. */
function scripted(result: TriggerResult, canMerge = true) {
  const calls: string[] = []
  const trigger: Trigger<string> = {
    name: 'scripted',
    canMerge,
    onElement: () => (calls.push('onElement'), result),
    onEventTime: () => (calls.push('onEventTime'), result),
    onProcessingTime: () => (calls.push('onProcessingTime'), result),
    onMerge: () => void calls.push('onMerge'),
    clear: () => void calls.push('clear')
  }
  return { trigger, calls }
}

describe('purgingTrigger', () => {
  it('is named after the nested trigger', () => {
    expect(purgingTrigger(countTrigger(4)).name).toBe('purgingTrigger(countTrigger(4))')
  })

  it('turns FIRE into FIRE_AND_PURGE and passes every other result through, in every callback', () => {
    const h = new FakeHarness()
    const expected: Record<TriggerResult, TriggerResult> = {
      CONTINUE: 'CONTINUE',
      FIRE: 'FIRE_AND_PURGE',
      PURGE: 'PURGE',
      FIRE_AND_PURGE: 'FIRE_AND_PURGE'
    }
    for (const [from, to] of Object.entries(expected) as [TriggerResult, TriggerResult][]) {
      const t = purgingTrigger(scripted(from).trigger)
      expect(t.onElement('a', 1, W, h.ctx(W))).withContext(`onElement ${from}`).toBe(to)
      expect(t.onEventTime(9, W, h.ctx(W))).withContext(`onEventTime ${from}`).toBe(to)
      expect(t.onProcessingTime(9, W, h.ctx(W))).withContext(`onProcessingTime ${from}`).toBe(to)
    }
  })

  it('purges tumbling count windows', () => {
    const h = new FakeHarness()
    const t = purgingTrigger(countTrigger<string>(2))
    expect(feed(t, h, W, [['a', 0], ['b', 0], ['c', 0], ['d', 0]])).toEqual(['CONTINUE', 'FIRE_AND_PURGE', 'CONTINUE', 'FIRE_AND_PURGE'])
  })

  it('delegates canMerge, onMerge and clear', () => {
    const h = new FakeHarness()
    const { trigger, calls } = scripted('CONTINUE', true)
    const t = purgingTrigger(trigger)
    expect(t.canMerge).toBeTrue()
    expect(purgingTrigger(scripted('CONTINUE', false).trigger).canMerge).toBeFalse()
    t.onMerge!(W, h.mergeCtx(W, []))
    t.clear(W, h.ctx(W))
    expect(calls).toEqual(['onMerge', 'clear'])
  })

  it('passes the nested trigger its context, so its timers and state are the window\'s', () => {
    const h = new FakeHarness()
    const t = purgingTrigger(eventTimeTrigger<string>())
    t.onElement('a', 1, W, h.ctx(W))
    expect(h.eventTimers(W)).toEqual([9])
    t.clear(W, h.ctx(W))
    expect(h.eventTimers(W)).toEqual([])
  })

  it('rejects what is not a trigger', () => {
    expect(() => purgingTrigger(undefined as unknown as Trigger<unknown>)).toThrowError(TypeError, /purgingTrigger: nested must be a trigger.*undefined/)
    expect(() => purgingTrigger({ name: 'x' } as unknown as Trigger<unknown>)).toThrowError(TypeError, /purgingTrigger/)
  })
})

// -------------------------------------------------------------------------------------
// continuousEventTimeTrigger
// -------------------------------------------------------------------------------------

describe('continuousEventTimeTrigger', () => {
  const FIRE_TIME = 'continuousTrigger.fireTime'

  it('is named after its interval and can merge', () => {
    expect(continuousEventTimeTrigger(1000).name).toBe('continuousEventTimeTrigger(1000)')
    expect(continuousEventTimeTrigger(1000).canMerge).toBeTrue()
  })

  it('registers maxTimestamp and the first fire time at the next multiple of the interval', () => {
    const h = new FakeHarness()
    const w = timeWindow(0, 100)
    expect(continuousEventTimeTrigger<string>(10).onElement('a', 23, w, h.ctx(w))).toBe('CONTINUE')
    expect(h.eventTimers(w)).toEqual([30, 99])
    expect(h.stateOf(w).get(FIRE_TIME)).toBe(30)
  })

  it('schedules the first fire one full interval ahead when the timestamp is a multiple', () => {
    const h = new FakeHarness()
    const w = timeWindow(0, 100)
    continuousEventTimeTrigger<string>(10).onElement('a', 20, w, h.ctx(w))
    expect(h.stateOf(w).get(FIRE_TIME)).toBe(30)
  })

  it('computes the first fire time with a truncating % for negative timestamps (as Java)', () => {
    const cases: [number, number][] = [
      [-3, 5], // -3 % 5 = -3 → 0 + 5
      [-7, 0], // -7 % 5 = -2 → -5 + 5
      [-5, 0], // -5 % 5 = -0 → -5 + 5
      [-12, -5] // -12 % 5 = -2 → -10 + 5
    ]
    for (const [ts, first] of cases) {
      const h = new FakeHarness()
      const w = timeWindow(-100, 100)
      continuousEventTimeTrigger<string>(5).onElement('a', ts, w, h.ctx(w))
      expect(h.stateOf(w).get(FIRE_TIME)).withContext(`ts ${ts}`).toBe(first)
    }
  })

  it('caps the first fire time at maxTimestamp', () => {
    const h = new FakeHarness()
    const w = timeWindow(0, 25) // maxTimestamp 24
    continuousEventTimeTrigger<string>(10).onElement('a', 21, w, h.ctx(w))
    expect(h.stateOf(w).get(FIRE_TIME)).toBe(24)
    expect(h.eventTimers(w)).toEqual([24])
  })

  it('schedules only when no fire time is pending', () => {
    const h = new FakeHarness()
    const w = timeWindow(0, 100)
    const t = continuousEventTimeTrigger<string>(10)
    t.onElement('a', 23, w, h.ctx(w))
    t.onElement('b', 57, w, h.ctx(w))
    expect(h.stateOf(w).get(FIRE_TIME)).toBe(30)
    expect(h.eventTimers(w)).toEqual([30, 99])
  })

  it('fires at once, without timers or state, when the watermark has passed the window', () => {
    const h = new FakeHarness()
    h.watermark = 9
    expect(continuousEventTimeTrigger<string>(5).onElement('a', 3, W, h.ctx(W))).toBe('FIRE')
    expect(h.calls).toEqual([])
    expect(h.stateOf(W).size).toBe(0)
  })

  it('fires at each pending fire time and schedules the next one, capped at maxTimestamp', () => {
    const h = new FakeHarness()
    const w = timeWindow(0, 26) // maxTimestamp 25
    const t = continuousEventTimeTrigger<string>(10)
    t.onElement('a', 3, w, h.ctx(w)) // first fire 10
    expect(t.onEventTime(10, w, h.ctx(w))).toBe('FIRE')
    expect(h.stateOf(w).get(FIRE_TIME)).toBe(20)
    expect(t.onEventTime(20, w, h.ctx(w))).toBe('FIRE')
    expect(h.stateOf(w).get(FIRE_TIME)).toBe(25)
    expect(h.eventTimers(w)).toEqual([10, 20, 25]) // the fake does not consume rung timers
    expect(t.onEventTime(25, w, h.ctx(w))).toBe('FIRE')
    expect(h.calls.filter(c => c[0] === 'register').map(c => c[3])).toEqual([25, 10, 20, 25])
  })

  it('fires at maxTimestamp, and ignores other times', () => {
    const h = new FakeHarness()
    const t = continuousEventTimeTrigger<string>(100)
    expect(t.onEventTime(9, W, h.ctx(W))).toBe('FIRE')
    t.onElement('a', 1, W, h.ctx(W)) // fire time min(100, 9) = 9
    expect(t.onEventTime(5, W, h.ctx(W))).toBe('CONTINUE')
    expect(t.onProcessingTime(9, W, h.ctx(W))).toBe('CONTINUE')
  })

  it('merges the fire times by min and re-registers it and maxTimestamp', () => {
    const h = new FakeHarness()
    const t = continuousEventTimeTrigger<string>(10)
    const a = timeWindow(0, 40)
    const b = timeWindow(30, 70)
    const merged = timeWindow(0, 70)
    t.onElement('a', 35, b, h.ctx(b)) // 40
    t.onElement('b', 12, a, h.ctx(a)) // 20
    h.watermark = 15
    t.onMerge!(merged, h.mergeCtx(merged, [a, b]))
    expect(h.stateOf(merged).get(FIRE_TIME)).toBe(20)
    expect(h.eventTimers(merged)).toEqual([20, 69])
    expect(t.onEventTime(20, merged, h.ctx(merged))).toBe('FIRE')
    expect(h.stateOf(merged).get(FIRE_TIME)).toBe(30)
  })

  it('on merge skips maxTimestamp when the watermark has passed it', () => {
    const h = new FakeHarness()
    const t = continuousEventTimeTrigger<string>(10)
    const merged = timeWindow(0, 20)
    h.watermark = 19
    t.onMerge!(merged, h.mergeCtx(merged, [W]))
    expect(h.calls).toEqual([]) // and no fire time: nothing to merge
  })

  it('clear deletes the pending fire timer, its state and the maxTimestamp timer', () => {
    const h = new FakeHarness()
    const w = timeWindow(0, 100)
    const t = continuousEventTimeTrigger<string>(10)
    t.onElement('a', 23, w, h.ctx(w))
    t.clear(w, h.ctx(w))
    expect(h.eventTimers(w)).toEqual([])
    expect(h.stateOf(w).size).toBe(0)
    expect(h.calls.filter(c => c[0] === 'delete').map(c => c[3]).sort()).toEqual([30, 99])
  })

  it('never purges', () => {
    const h = new FakeHarness()
    const w = timeWindow(0, 100)
    const t = continuousEventTimeTrigger<string>(10)
    const results = [t.onElement('a', 3, w, h.ctx(w)), t.onEventTime(10, w, h.ctx(w)), t.onEventTime(99, w, h.ctx(w))]
    h.watermark = 99
    results.push(t.onElement('b', 4, w, h.ctx(w)))
    expect(results).toEqual(['CONTINUE', 'FIRE', 'FIRE', 'FIRE'])
  })

  it('rejects a record without timestamp clearly', () => {
    const h = new FakeHarness()
    expect(() => continuousEventTimeTrigger<string>(10).onElement('a', -Infinity, GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW)))
      .toThrowError(RangeError, /continuousEventTimeTrigger\(10\).*no usable timestamp/)
  })

  it('rejects an interval that is not a finite number > 0', () => {
    for (const bad of [0, -5, NaN, Infinity, '5' as unknown as number]) {
      expect(() => continuousEventTimeTrigger(bad)).toThrowMatching(e => e instanceof RangeError && /continuousEventTimeTrigger: interval/.test(e.message))
    }
    expect(() => continuousEventTimeTrigger(-5)).toThrowError(RangeError, /-5/)
  })
})

// -------------------------------------------------------------------------------------
// continuousProcessingTimeTrigger
// -------------------------------------------------------------------------------------

describe('eventTimeTriggerWithEarlyFirings', () => {
  const w = timeWindow(0, 10_000) // maxTimestamp 9999

  it('is named after its interval and can merge', () => {
    expect(eventTimeTriggerWithEarlyFirings(500).name).toBe('eventTimeTriggerWithEarlyFirings(500)')
    expect(eventTimeTriggerWithEarlyFirings(500).canMerge).toBeTrue()
  })

  it('registers maxTimestamp and an early firing at the next multiple of the interval of processing time, and keeps no state', () => {
    const h = new FakeHarness()
    h.processingTime = 1_234
    expect(eventTimeTriggerWithEarlyFirings<string>(500).onElement('a', 9_000, w, h.ctx(w))).toBe('CONTINUE')
    expect(h.eventTimers(w)).toEqual([9_999])
    expect(h.processingTimers(w)).toEqual([1_500])
    expect(h.stateOf(w).size).toBe(0)
  })

  it('schedules one tick after the clock, also on a multiple of the interval, and aligns a negative clock with a floor modulo', () => {
    const h = new FakeHarness()
    const t = eventTimeTriggerWithEarlyFirings<string>(500)
    h.processingTime = 1_000
    t.onElement('a', 0, w, h.ctx(w))
    expect(h.processingTimers(w)).toEqual([1_500])
    const v = timeWindow(10_000, 20_000)
    h.processingTime = -1_234
    t.onElement('a', 10_000, v, h.ctx(v))
    expect(h.processingTimers(v)).toEqual([-1_000])
  })

  it('fires early once per tick, only if elements came since the last one: elements up to a tick schedule that tick', () => {
    const h = new FakeHarness()
    const t = eventTimeTriggerWithEarlyFirings<string>(500)
    h.processingTime = 100
    t.onElement('a', 1, w, h.ctx(w))
    h.processingTime = 300
    t.onElement('b', 2, w, h.ctx(w))
    expect(h.processingTimers(w)).toEqual([500]) // one tick for both
    h.processingTime = 500
    h.timers.delete(`PROCESSING_TIME|${windowId(w)}|500`) // it rings
    expect(t.onProcessingTime(500, w, h.ctx(w))).toBe('FIRE')
    expect(h.processingTimers(w)).toEqual([]) // nothing new: no tick at 1000
    h.processingTime = 1_200
    t.onElement('c', 3, w, h.ctx(w))
    expect(h.processingTimers(w)).toEqual([1_500])
  })

  it('fires on time at maxTimestamp, deleting the pending tick; other event times do nothing', () => {
    const h = new FakeHarness()
    const t = eventTimeTriggerWithEarlyFirings<string>(500)
    h.processingTime = 100
    t.onElement('a', 1, w, h.ctx(w))
    expect(t.onEventTime(5_000, w, h.ctx(w))).toBe('CONTINUE')
    h.processingTime = 400
    expect(t.onEventTime(9_999, w, h.ctx(w))).toBe('FIRE')
    expect(h.processingTimers(w)).toEqual([])
  })

  it('does not fire early once the watermark passed the end (the window is complete)', () => {
    const h = new FakeHarness()
    const t = eventTimeTriggerWithEarlyFirings<string>(500)
    t.onElement('a', 1, w, h.ctx(w))
    h.watermark = 9_999
    expect(t.onProcessingTime(500, w, h.ctx(w))).toBe('CONTINUE')
  })

  it('fires at once for an element of a complete window (late, within the allowed lateness), without timers', () => {
    const h = new FakeHarness()
    h.watermark = 10_000
    expect(eventTimeTriggerWithEarlyFirings<string>(500).onElement('a', 1, w, h.ctx(w))).toBe('FIRE')
    expect(h.calls).toEqual([])
  })

  it('on merge registers maxTimestamp while it is ahead of the watermark (the merging element schedules the tick)', () => {
    const h = new FakeHarness()
    const t = eventTimeTriggerWithEarlyFirings<string>(10)
    const merged = timeWindow(0, 150)
    t.onMerge!(merged, h.mergeCtx(merged, [timeWindow(0, 100), timeWindow(50, 150)]))
    expect(h.eventTimers(merged)).toEqual([149])
    expect(h.processingTimers(merged)).toEqual([])
    h.watermark = 149
    const late = timeWindow(0, 140)
    t.onMerge!(late, h.mergeCtx(late, []))
    expect(h.eventTimers(late)).toEqual([])
  })

  it('clear deletes the pending tick and the maxTimestamp timer', () => {
    const h = new FakeHarness()
    const t = eventTimeTriggerWithEarlyFirings<string>(500)
    h.processingTime = 100
    t.onElement('a', 1, w, h.ctx(w))
    h.processingTime = 200
    t.clear(w, h.ctx(w))
    expect(h.processingTimers(w)).toEqual([])
    expect(h.eventTimers(w)).toEqual([])
  })

  it('rejects an interval that is not a finite number > 0', () => {
    for (const bad of [0, -1, NaN, Infinity]) {
      expect(() => eventTimeTriggerWithEarlyFirings(bad)).toThrowMatching(e => e instanceof RangeError && /eventTimeTriggerWithEarlyFirings: interval/.test(e.message))
    }
  })
})

describe('continuousProcessingTimeTrigger', () => {
  const FIRE_TIME = 'continuousTrigger.fireTime'

  it('is named after its interval and can merge', () => {
    expect(continuousProcessingTimeTrigger(500).name).toBe('continuousProcessingTimeTrigger(500)')
    expect(continuousProcessingTimeTrigger(500).canMerge).toBeTrue()
  })

  it('schedules the first fire at the next multiple of the interval after now, whatever the record timestamp', () => {
    const h = new FakeHarness()
    h.processingTime = 1_234
    const w = timeWindow(0, 10_000)
    expect(continuousProcessingTimeTrigger<string>(500).onElement('a', 9_000, w, h.ctx(w))).toBe('CONTINUE')
    expect(h.calls).toEqual([['register', 'PROCESSING_TIME', windowId(w), 1_500]])
    expect(h.stateOf(w).get(FIRE_TIME)).toBe(1_500)
  })

  it('schedules once while a fire time is pending', () => {
    const h = new FakeHarness()
    const t = continuousProcessingTimeTrigger<string>(500)
    h.processingTime = 100
    t.onElement('a', 0, GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW))
    h.processingTime = 300
    t.onElement('b', 0, GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW))
    expect(h.processingTimers(GLOBAL_WINDOW)).toEqual([500])
    expect(h.calls.length).toBe(1)
  })

  it('caps the first fire at maxTimestamp', () => {
    const h = new FakeHarness()
    h.processingTime = 7
    continuousProcessingTimeTrigger<string>(5).onElement('a', 0, W, h.ctx(W))
    expect(h.stateOf(W).get(FIRE_TIME)).toBe(9)
  })

  it('fires every interval, on processing time only', () => {
    const h = new FakeHarness()
    const t = continuousProcessingTimeTrigger<string>(5)
    h.processingTime = 3
    t.onElement('a', 0, GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW))
    expect(t.onEventTime(5, GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW))).toBe('CONTINUE')
    expect(t.onProcessingTime(4, GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW))).toBe('CONTINUE')
    expect(t.onProcessingTime(5, GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW))).toBe('FIRE')
    expect(t.onProcessingTime(10, GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW))).toBe('FIRE')
    expect(t.onProcessingTime(10, GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW))).toBe('CONTINUE') // already fired
    expect(h.processingTimers(GLOBAL_WINDOW)).toEqual([5, 10, 15])
    expect(h.stateOf(GLOBAL_WINDOW).get(FIRE_TIME)).toBe(15)
  })

  it('fires at the maxTimestamp cap and then schedules nothing more until the next element', () => {
    const h = new FakeHarness()
    const t = continuousProcessingTimeTrigger<string>(5)
    h.processingTime = 6
    t.onElement('a', 0, W, h.ctx(W)) // min(10, 9) = 9
    expect(t.onProcessingTime(9, W, h.ctx(W))).toBe('FIRE')
    expect(h.calls.length).toBe(1)
    expect(h.stateOf(W).has(FIRE_TIME)).toBeFalse()
  })

  it('merges fire times by min and re-registers it', () => {
    const h = new FakeHarness()
    const t = continuousProcessingTimeTrigger<string>(10)
    const a = timeWindow(0, 100)
    const b = timeWindow(50, 150)
    const merged = timeWindow(0, 150)
    h.processingTime = 35
    t.onElement('a', 0, a, h.ctx(a)) // 40
    h.processingTime = 21
    t.onElement('b', 0, b, h.ctx(b)) // 30
    t.onMerge!(merged, h.mergeCtx(merged, [a, b]))
    expect(h.stateOf(merged).get(FIRE_TIME)).toBe(30)
    expect(h.processingTimers(merged)).toEqual([30])
    expect(t.onProcessingTime(30, merged, h.ctx(merged))).toBe('FIRE')
  })

  it('clear deletes the pending timer and its state', () => {
    const h = new FakeHarness()
    const t = continuousProcessingTimeTrigger<string>(10)
    h.processingTime = 1
    t.onElement('a', 0, GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW))
    t.clear(GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW))
    expect(h.processingTimers(GLOBAL_WINDOW)).toEqual([])
    expect(h.stateOf(GLOBAL_WINDOW).size).toBe(0)
    expect(h.calls.at(-1)).toEqual(['delete', 'PROCESSING_TIME', windowId(GLOBAL_WINDOW), 10])
  })

  it('rejects an interval that is not a finite number > 0', () => {
    for (const bad of [0, -1, NaN, Infinity]) {
      expect(() => continuousProcessingTimeTrigger(bad)).toThrowMatching(e => e instanceof RangeError && /continuousProcessingTimeTrigger: interval/.test(e.message))
    }
  })
})

// -------------------------------------------------------------------------------------
// deltaTrigger
// -------------------------------------------------------------------------------------

describe('deltaTrigger', () => {
  const diff = (a: number, b: number) => b - a

  it('is named after its threshold and cannot merge', () => {
    const t = deltaTrigger(10, diff)
    expect(t.name).toBe('deltaTrigger(10)')
    expect(t.canMerge).toBeFalse()
  })

  it('keeps the first element as the reference and fires when the delta to it exceeds the threshold', () => {
    const h = new FakeHarness()
    const t = deltaTrigger(10, diff)
    const results = feed(t, h, W, [[5, 0], [12, 0], [15, 0], [16, 0], [20, 0], [26, 0], [27, 0]])
    // reference 5: 12 (7), 15 (10, not > 10) continue; 16 (11) fires, reference 16; 20, 26 continue; 27 fires
    expect(results).toEqual(['CONTINUE', 'CONTINUE', 'CONTINUE', 'FIRE', 'CONTINUE', 'CONTINUE', 'FIRE'])
  })

  it('calls delta with (reference, current)', () => {
    const h = new FakeHarness()
    const seen: [number, number][] = []
    const t = deltaTrigger<number>(0, (a, b) => (seen.push([a, b]), 1))
    feed(t, h, W, [[1, 0], [2, 0], [3, 0]])
    expect(seen).toEqual([[1, 2], [2, 3]])
  })

  it('treats an undefined element as a reference too', () => {
    const h = new FakeHarness()
    const t = deltaTrigger<number | undefined>(0, (a, b) => (a === undefined ? 1 : 0) + (b ?? 0))
    expect(feed(t, h, W, [[undefined, 0], [0, 0]])).toEqual(['CONTINUE', 'FIRE'])
  })

  it('keeps a reference per window and clear drops it', () => {
    const h = new FakeHarness()
    const t = deltaTrigger(1, diff)
    const other = timeWindow(10, 20)
    feed(t, h, W, [[0, 0]])
    feed(t, h, other, [[100, 10]])
    expect(t.onElement(5, 1, W, h.ctx(W))).toBe('FIRE')
    t.clear(other, h.ctx(other))
    expect(h.stateOf(other).size).toBe(0)
    expect(t.onElement(500, 11, other, h.ctx(other))).toBe('CONTINUE') // the new first element
  })

  it('ignores timers', () => {
    const h = new FakeHarness()
    const t = deltaTrigger(1, diff)
    expect(t.onEventTime(9, W, h.ctx(W))).toBe('CONTINUE')
    expect(t.onProcessingTime(9, W, h.ctx(W))).toBe('CONTINUE')
  })

  it('rejects a threshold that is not a number and a delta that is not a function', () => {
    expect(() => deltaTrigger(NaN, diff)).toThrowError(RangeError, /deltaTrigger: threshold must be a number, got NaN/)
    expect(() => deltaTrigger(1, 'x' as unknown as typeof diff)).toThrowError(TypeError, /deltaTrigger: delta must be a function.*"x"/)
  })
})

// -------------------------------------------------------------------------------------
// neverTrigger and endOfInputTrigger
// -------------------------------------------------------------------------------------

describe('neverTrigger', () => {
  it('never fires, sets no timer, keeps no state, and can merge', () => {
    const h = new FakeHarness()
    h.watermark = Infinity
    const t = neverTrigger<string>()
    expect(t.name).toBe('neverTrigger()')
    expect(t.canMerge).toBeTrue()
    expect(t.onElement('a', 1, GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW))).toBe('CONTINUE')
    expect(t.onEventTime(Infinity, GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW))).toBe('CONTINUE')
    expect(t.onProcessingTime(Infinity, GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW))).toBe('CONTINUE')
    t.onMerge!(GLOBAL_WINDOW, h.mergeCtx(GLOBAL_WINDOW, []))
    t.clear(GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW))
    expect(h.calls).toEqual([])
    expect(h.state.size).toBe(0)
  })
})

describe('endOfInputTrigger', () => {
  it('is named and can merge', () => {
    expect(endOfInputTrigger().name).toBe('endOfInputTrigger()')
    expect(endOfInputTrigger().canMerge).toBeTrue()
  })

  it('registers an event-time timer at +Infinity on each element and continues', () => {
    const h = new FakeHarness()
    const t = endOfInputTrigger<string>()
    expect(feed(t, h, GLOBAL_WINDOW, [['a', 1], ['b', 2]])).toEqual(['CONTINUE', 'CONTINUE'])
    expect(h.calls).toEqual([
      ['register', 'EVENT_TIME', windowId(GLOBAL_WINDOW), Infinity],
      ['register', 'EVENT_TIME', windowId(GLOBAL_WINDOW), Infinity]
    ])
  })

  it('fires only when the end-of-input timer rings', () => {
    const h = new FakeHarness()
    const t = endOfInputTrigger<string>()
    expect(t.onEventTime(Infinity, GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW))).toBe('FIRE')
    expect(t.onEventTime(1e15, GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW))).toBe('CONTINUE')
    expect(t.onProcessingTime(Infinity, GLOBAL_WINDOW, h.ctx(GLOBAL_WINDOW))).toBe('CONTINUE')
    expect(t.onEventTime(maxTimestamp(W), W, h.ctx(W))).toBe('CONTINUE') // not at a window's end
  })

  it('re-registers on merge and clear deletes the timer', () => {
    const h = new FakeHarness()
    const t = endOfInputTrigger<string>()
    t.onMerge!(W, h.mergeCtx(W, []))
    expect(h.eventTimers(W)).toEqual([Infinity])
    t.clear(W, h.ctx(W))
    expect(h.eventTimers(W)).toEqual([])
    expect(h.calls.at(-1)).toEqual(['delete', 'EVENT_TIME', windowId(W), Infinity])
  })
})
