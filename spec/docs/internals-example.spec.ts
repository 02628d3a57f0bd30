/**
 * The worked example of docs/internals.md ("Adding an operator"): a keyed operator written on
 * the contract, run by the host, snapshotted and restored. The guide quotes this file; keep
 * the two in step.
 */
import fc from 'fast-check'
import * as t from 'io-ts'
import { asyncScheduler, from, type OperatorFunction, type SchedulerLike } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements, rec, wm } from '../../marbles/index'
import { operatorInfo, type OperatorInfo } from '../../src/core/OperatorOptions'
import { AbstractKeyedOperator } from '../../src/runtime/AbstractKeyedOperator'
import { oneInputOperator } from '../../src/runtime/host'
import type { ChainContext } from '../../src/runtime/Output'
import type { ChainOutput } from '../../src/runtime/Output'
import type { OneInput } from '../../src/runtime/StreamOperator'
import type { InternalTimer } from '../../src/core/TimerService'
import { runWithRestore, type Step } from '../support/snapshots'

// ---- the operator ----

/** The last value of a key and when it came, kept in keyed state (so it is in every snapshot). */
const last = ds.valueState('last', t.type({ value: t.number, timestamp: t.number }))

/**
 * Per key, emits the key's last value once no record of the key has come for `gap` ms of
 * event time (a debounce in event time): each record moves the key's timer; the timer, fired
 * by the watermark, emits.
 */
class DebounceOperator extends AbstractKeyedOperator<string, number> implements OneInput<number> {
  constructor(
    info: OperatorInfo,
    scheduler: SchedulerLike,
    private readonly gap: number,
    output: ChainOutput<number, string>,
    context: ChainContext
  ) {
    super({ info, scheduler }, output, context)
    // State and timers are only touched with a key current.
    this.backend.keys.active = true
  }

  record(value: number, timestamp: number, key: unknown): void {
    if (this.destination.closed) return
    try {
      if (typeof key !== 'string') throw new ds.KeyError(this.info, `debounce needs a stream keyed by strings; got key ${String(key)}`)
      this.backend.keys.setCurrentKey(key)
      const state = this.backend.getState(last)
      const previous = state.value()
      if (previous !== undefined) this.timers.deleteEventTimeTimer(key, undefined, previous.timestamp + this.gap)
      state.update({ value, timestamp })
      this.timers.registerEventTimeTimer(key, undefined, timestamp + this.gap)
    } catch (error) {
      this.failRecord(error, value, timestamp, key)
    }
  }

  /** The key's quiet time has passed: its last value leaves, stamped with that value's time. */
  onEventTime(timer: InternalTimer<string, undefined>): void {
    this.backend.keys.setCurrentKey(timer.key)
    const state = this.backend.getState(last)
    const latest = state.value()
    if (latest === undefined) return
    state.clear()
    this.output.record(latest.value, latest.timestamp, timer.key)
  }

  /** It registers no processing-time timers. */
  onProcessingTime(): void {}
}

/** The public face: a factory that validates its arguments, then hands the operator to the host. */
function debounce(gap: number, options?: ds.SchedulerOptions): OperatorFunction<ds.StreamElement<number, string>, ds.StreamElement<number, string>> {
  if (!(gap > 0)) throw new TypeError(`debounce: the gap must be > 0, got ${gap}`)
  const info = operatorInfo('debounce', options)
  const scheduler = options?.scheduler ?? asyncScheduler
  return oneInputOperator<number, number, string>(info, (output, context) => new DebounceOperator(info, scheduler, gap, output, context))
}

// ---- its spec ----

describe('docs/internals.md worked example: debounce', () => {
  it('emits a key’s last value once the watermark passes its quiet time; the watermark follows its timers’ output', () => {
    const out = collectElements(from([rec(1, 10, 'a'), rec(2, 12, 'a'), rec(7, 11, 'b'), wm(15)]).pipe(debounce(5)))
    // W(15) passes no timer; the end of input ends event time: b's timer (16) fires before
    // a's (17), then +∞ is forwarded.
    expect(out.elements).toEqual([wm(15), rec(7, 11, 'b'), rec(2, 12, 'a'), wm(Infinity)])
  })

  it('chains with the operators around it and names itself in errors', () => {
    const out = collectElements(from([rec(1, 1, 3 as unknown as string)]).pipe(ds.mapValues(v => v * 2), debounce(5), ds.mapValues(v => v + 1)))
    expect(out.error).toBeInstanceOf(ds.KeyError)
    expect((out.error as Error).message).toMatch(/^debounce: debounce needs a stream keyed by strings/)
  })

  it('survives a snapshot and restore anywhere in its input', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.integer({ min: 0, max: 50 })), { maxLength: 20 }), fc.nat(), (records, at) => {
        const steps: Step<number, string>[] = []
        let max = 0
        records.forEach(([key, ts], i) => {
          steps.push([0, ds.streamRecord(i, ts, key)])
          max = Math.max(max, ts)
          if (i % 3 === 2) steps.push([0, ds.watermark(max - 10)])
        })
        steps.push([0, 'end'])
        const cut = at % steps.length
        const { uninterrupted, restored } = runWithRestore(1, ([input]) => input!.pipe(debounce(5)), steps, cut)
        expect(restored.elements).toEqual(uninterrupted.elements)
      })
    )
  })
})
