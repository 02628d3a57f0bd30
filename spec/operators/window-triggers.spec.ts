/**
 * Every trigger exercised through the window operator: when windows fire (at watermarks, on
 * records, on the processing-time clock under virtual time), what a firing sees (purged or
 * not), late firings within the allowed lateness, triggers of merged sessions, user-written
 * triggers with state and timers, PURGE without FIRE, and errors thrown by triggers.
 */
import { from } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements, marbleTest, rec, side, wm } from '../../marbles/index'
import { segments } from '../support/segments'
import { describeBackends } from '../support/backends'

type El<T> = ds.StreamElement<T, string>
type WindowFn<T, R> = (key: unknown, ctx: ds.ProcessWindowContext, elements: readonly T[], out: ds.Collector<R>) => void

const concatStrings = (a: string, b: string) => a + b

/** The values joined, in arrival order. */
const joined: WindowFn<string, string> = (_k, _ctx, xs, out) => out.collect(xs.join(''))
/** The values sorted and joined (merged windows: order unspecified). */
const sortedJoined: WindowFn<string, string> = (_k, _ctx, xs, out) => out.collect([...xs].sort().join(''))
/** `[start,end):values`, values in arrival order. */
const listing: WindowFn<string, string> = (_k, ctx, xs, out) => out.collect(`[${ctx.window.start},${ctx.window.end}):${xs.join('')}`)


describeBackends('triggers through the window operator', () => {
  // -------------------------------------------------------------------------------------
  // eventTimeTrigger
  // -------------------------------------------------------------------------------------

  describe('eventTimeTrigger', () => {
    it('fires each window once the watermark reaches its maxTimestamp, results before that watermark', () => {
      const input: El<string>[] = [rec('a', 7, 'k'), rec('x', 3, 'j'), rec('b', 1, 'k'), rec('y', 12, 'j'), wm(8), wm(9), rec('c', 15, 'k'), wm(19)]
      const out = collectElements(from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).trigger(ds.eventTimeTrigger()).process<string, string, string>(joined)))
      const parts = segments(out.elements)
      expect(parts.map(p => p.watermark)).toEqual([8, 9, 19, Infinity])
      expect(parts[0]!.before).toEqual([])
      expect(parts[1]!.before).toEqual(jasmine.arrayWithExactContents([rec('ab', 9, 'k'), rec('x', 9, 'j')]))
      expect(parts[2]!.before).toEqual(jasmine.arrayWithExactContents([rec('c', 19, 'k'), rec('y', 19, 'j')]))
      expect(parts[3]!.before).toEqual([])
    })

    it('within the allowed lateness, a record of a window the watermark has passed fires it at once, with all its contents', () => {
      const late = new ds.OutputTag<string>('late')
      marbleTest(({ cold, expectStream }) => {
        const input = cold<El<string>>('a-W----b-X----c-Y----de-|', {
          a: rec('a', 3, 'k'),
          W: wm(9), //  fires [0,10)
          b: rec('b', 5, 'k'), // maxTimestamp 9 <= watermark 9, cleanup at 14: FIRE at once
          X: wm(12),
          c: rec('c', 1, 'k'), // again
          Y: wm(14), // cleanup of [0,10): no firing
          d: rec('d', 2, 'k'), // late
          e: rec('e', 11, 'k')
        })
        const output = input.pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).allowedLateness(5).sideOutputLateData(late).process<string, string, string>(joined))
        expectStream(output).toBe('--(pW)-q-X----r-Y----l--(sZ|)', {
          p: rec('a', 9, 'k'),
          W: wm(9),
          q: rec('ab', 9, 'k'),
          X: wm(12),
          r: rec('abc', 9, 'k'),
          Y: wm(14),
          l: side(late, 'd', 2),
          s: rec('e', 19, 'k'),
          Z: wm(Infinity)
        })
      })
    })
  })

  // -------------------------------------------------------------------------------------
  // processingTimeTrigger
  // -------------------------------------------------------------------------------------

  describe('processingTimeTrigger', () => {
    it('on event-time windows: fires when the clock reaches maxTimestamp; a window cleaned by the watermark first never fires', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<El<string>>('ab----------W--X--|', {
          a: rec('a', 3, 'k'), //  [0,10): processing-time timer at 9
          b: rec('b', 25, 'k'), // [20,30): processing-time timer at 29
          W: wm(20), // cleans [0,10) (already fired)
          X: wm(29) //  cleans [20,30) at frame 15, before its timer
        })
        const output = input.pipe(ds.windowBy(ds.tumblingEventTimeWindows(10), { scheduler }).trigger(ds.processingTimeTrigger()).process<string, string, string>(joined))
        expectStream(output).toBe('---------p--W--X--(Z|)', { p: rec('a', 9, 'k'), W: wm(20), X: wm(29), Z: wm(Infinity) })
      })
    })

    it('on processing-time windows, explicitly: the same as their default', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<El<string>>('ab--c---|', { a: rec('a', 0, 'k'), b: rec('b', 0, 'k'), c: rec('c', 0, 'k') })
        const output = input.pipe(
          ds.windowBy(ds.tumblingProcessingTimeWindows(3), { scheduler }).trigger(ds.processingTimeTrigger()).process<string, string, string>(listing)
        )
        expectStream(output).toBe('--x--y--(Z|)', { x: rec('[0,3):ab', 2, 'k'), y: rec('[3,6):c', 5, 'k'), Z: wm(Infinity) })
      })
    })
  })

  // -------------------------------------------------------------------------------------
  // countTrigger
  // -------------------------------------------------------------------------------------

  describe('countTrigger', () => {
    it('on time windows: fires every n elements of each window without purging; never on time; late records are late', () => {
      const late = new ds.OutputTag<string>('late')
      marbleTest(({ cold, expectStream }) => {
        const input = cold<El<string>>('abcde-W-f-X-|', {
          a: rec('a', 1, 'k'),
          b: rec('b', 2, 'k'), //  [0,10) count 2: fires
          c: rec('c', 12, 'k'), // [10,20) count 1: never fires
          d: rec('d', 3, 'k'),
          e: rec('e', 4, 'k'), //  [0,10) count 2 again: fires with everything
          W: wm(9),
          f: rec('f', 5, 'k'),
          X: wm(19)
        })
        const output = input.pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).trigger(ds.countTrigger(2)).sideOutputLateData(late).process<string, string, string>(joined))
        expectStream(output).toBe('-p--q-W-l-X-(Z|)', { p: rec('ab', 9, 'k'), q: rec('abde', 9, 'k'), W: wm(9), l: side(late, 'f', 5), X: wm(19), Z: wm(Infinity) })
      })
    })

    it('counts per key and per window', () => {
      const input: El<number>[] = [rec(1, 1, 'k'), rec(2, 2, 'j'), rec(3, 11, 'k'), rec(4, 3, 'j'), rec(5, 12, 'k'), rec(6, 4, 'k')]
      const out = collectElements(from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).trigger(ds.countTrigger(2)).reduce<number, string>((a, b) => a + b)))
      expect(out.elements).toEqual([rec(6, 9, 'j'), rec(8, 19, 'k'), rec(7, 9, 'k'), wm(Infinity)])
    })
  })

  // -------------------------------------------------------------------------------------
  // purgingTrigger
  // -------------------------------------------------------------------------------------

  describe('purgingTrigger', () => {
    it('over eventTimeTrigger with lateness: each late firing contains only what arrived since the last purge', () => {
      const late = new ds.OutputTag<string>('late')
      marbleTest(({ cold, expectStream }) => {
        const input = cold<El<string>>('ab-W---cd-X-e-|', {
          a: rec('a', 1, 'k'),
          b: rec('b', 2, 'k'),
          W: wm(9),
          c: rec('c', 3, 'k'),
          d: rec('d', 4, 'k'),
          X: wm(19), // cleanup of [0,10) at 9 + 10
          e: rec('e', 5, 'k')
        })
        const output = input.pipe(
          ds.windowBy(ds.tumblingEventTimeWindows(10)).allowedLateness(10).sideOutputLateData(late).trigger(ds.purgingTrigger(ds.eventTimeTrigger())).reduce<string, string>(concatStrings)
        )
        expectStream(output).toBe('---(pW)qr-X-l-(Z|)', { p: rec('ab', 9, 'k'), W: wm(9), q: rec('c', 9, 'k'), r: rec('d', 9, 'k'), X: wm(19), l: side(late, 'e', 5), Z: wm(Infinity) })
      })
    })

    it('the same input without purging: every firing sees everything so far', () => {
      const input: El<string>[] = [rec('a', 1, 'k'), rec('b', 2, 'k'), wm(9), rec('c', 3, 'k'), rec('d', 4, 'k'), wm(19)]
      const out = collectElements(from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).allowedLateness(10).reduce<string, string>(concatStrings)))
      expect(out.elements).toEqual([rec('ab', 9, 'k'), wm(9), rec('abc', 9, 'k'), rec('abcd', 9, 'k'), wm(19), wm(Infinity)])
    })

    it('a purged session stays known until its cleanup time: a late record merges with it, and fires only itself', () => {
      // gap 10, lateness 20: [0,10) fires and purges at 9 but lives until 29; b@5 → [5,15) merges into [0,15)
      const input: El<string>[] = [rec('a', 0, 'k'), wm(9), rec('b', 5, 'k'), wm(14), wm(34), rec('c', 3, 'k')]
      const out = collectElements(
        from(input).pipe(
          ds.windowBy(ds.eventTimeSessionWindows(10)).allowedLateness(20).trigger(ds.purgingTrigger(ds.eventTimeTrigger())).process<string, string, string>(listing)
        )
      )
      expect(out.elements).toEqual([rec('[0,10):a', 9, 'k'), wm(9), rec('[0,15):b', 14, 'k'), wm(14), wm(34), wm(Infinity)])
    })

    it('over countTrigger: tumbling count windows on a time window', () => {
      const input: El<string>[] = [rec('a', 1, 'k'), rec('b', 2, 'k'), rec('c', 3, 'k'), rec('d', 4, 'k'), rec('e', 5, 'k'), wm(9)]
      const out = collectElements(from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).trigger(ds.purgingTrigger(ds.countTrigger(2))).process<string, string, string>(joined)))
      // e is left when the window is cleaned at 9: countTrigger does not fire on time
      expect(out.elements).toEqual([rec('ab', 9, 'k'), rec('cd', 9, 'k'), wm(9), wm(Infinity)])
    })
  })

  // -------------------------------------------------------------------------------------
  // continuousEventTimeTrigger
  // -------------------------------------------------------------------------------------

  describe('continuousEventTimeTrigger', () => {
    it('fires every interval of event time, then at the end of the window; never purges', () => {
      // window [0,10), interval 4: a@1 schedules 4, then 8, then min(12, 9) = 9
      const input: El<string>[] = [rec('a', 1, 'k'), wm(3), wm(4), rec('b', 5, 'k'), wm(8), rec('c', 7, 'k'), wm(9), wm(20)]
      const out = collectElements(
        from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).trigger(ds.continuousEventTimeTrigger(4)).process<string, string, string>(joined))
      )
      expect(out.elements).toEqual([wm(3), rec('a', 9, 'k'), wm(4), rec('ab', 9, 'k'), wm(8), rec('abc', 9, 'k'), wm(9), wm(20), wm(Infinity)])
    })

    it('a watermark that jumps over several intervals fires each of them (timers set during an advance fire in it)', () => {
      const input: El<string>[] = [rec('a', 1, 'k'), wm(9)]
      const out = collectElements(
        from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).trigger(ds.continuousEventTimeTrigger(4)).process<string, string, string>(joined))
      )
      // at 4 (schedules 8), at 8 (schedules 9), at 9 (end of window)
      expect(out.elements).toEqual([rec('a', 9, 'k'), rec('a', 9, 'k'), rec('a', 9, 'k'), wm(9), wm(Infinity)])
    })

    it('schedules the first firing with a truncating % (as Java) for negative timestamps', () => {
      // window [-10,0), interval 2: a@-9 → -9 - (-9 % 2) + 2 = -6 (not -8), then -4, -2, and -1 (the end)
      const input: El<string>[] = [rec('a', -9, 'k'), wm(-8), wm(-6), wm(-5), wm(-1)]
      const out = collectElements(
        from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).trigger(ds.continuousEventTimeTrigger(2)).process<string, string, string>(joined))
      )
      expect(out.elements).toEqual([wm(-8), rec('a', -1, 'k'), wm(-6), wm(-5), rec('a', -1, 'k'), rec('a', -1, 'k'), rec('a', -1, 'k'), wm(-1), wm(Infinity)])
    })

    it('on session windows: merged sessions keep the earliest pending firing, and fire at their own end', () => {
      // gap 10, interval 5. a@0 → [0,10) first firing at 5. b@8 → [0,18), keeps 5. c@12 → [0,22) keeps 10.
      const input: El<string>[] = [rec('a', 0, 'k'), rec('b', 8, 'k'), wm(5), rec('c', 12, 'k'), wm(10), wm(15)]
      const out = collectElements(
        from(input).pipe(ds.windowBy(ds.eventTimeSessionWindows(10)).trigger(ds.continuousEventTimeTrigger(5)).process<string, string, string>(sortedJoined))
      )
      expect(out.elements).toEqual([
        rec('ab', 17, 'k'),
        wm(5),
        rec('abc', 21, 'k'),
        wm(10),
        rec('abc', 21, 'k'),
        wm(15),
        // end of input: the pending firing at 20 gives way to the session's own at 21
        rec('abc', 21, 'k'),
        wm(Infinity)
      ])
    })

    it('caps the next firing at the end of the window: no firings in the allowed lateness but those of late records', () => {
      // window [0,10), interval 4, lateness 10: firings at 4, 8 and 9 (not 12 and 16)
      const input: El<string>[] = [rec('a', 1, 'k'), wm(8), wm(20)]
      const out = collectElements(
        from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).allowedLateness(10).trigger(ds.continuousEventTimeTrigger(4)).process<string, string, string>(joined))
      )
      expect(out.elements).toEqual([rec('a', 9, 'k'), rec('a', 9, 'k'), wm(8), rec('a', 9, 'k'), wm(20), wm(Infinity)])
    })

    it('on sessions bridged by a record: the merged session keeps the earlier of the two pending firings', () => {
      // gap 10, interval 5: a@0 → [0,10) fires first at 5; b@20 → [20,30) at 25; c@10 bridges them: 5
      const input: El<string>[] = [rec('a', 0, 'k'), rec('b', 20, 'k'), rec('c', 10, 'k'), wm(5), wm(12)]
      const out = collectElements(
        from(input).pipe(ds.windowBy(ds.eventTimeSessionWindows(10)).trigger(ds.continuousEventTimeTrigger(5)).process<string, string, string>(sortedJoined))
      )
      // at 5, at 10, then at end of input only the session's own end, 29
      expect(out.elements).toEqual([rec('abc', 29, 'k'), wm(5), rec('abc', 29, 'k'), wm(12), rec('abc', 29, 'k'), wm(Infinity)])
    })

    it('with allowed lateness, a record of a passed window fires it at once', () => {
      const input: El<string>[] = [rec('a', 1, 'k'), wm(9), rec('b', 2, 'k'), wm(12)]
      const out = collectElements(
        from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).allowedLateness(3).trigger(ds.continuousEventTimeTrigger(100)).process<string, string, string>(joined))
      )
      expect(out.elements).toEqual([rec('a', 9, 'k'), wm(9), rec('ab', 9, 'k'), wm(12), wm(Infinity)])
    })
  })

  // -------------------------------------------------------------------------------------
  // continuousProcessingTimeTrigger
  // -------------------------------------------------------------------------------------

  describe('continuousProcessingTimeTrigger under virtual time', () => {
    it('on processing-time windows: fires every interval, capped at the end of the window', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        // window [0,10), interval 4: a@1 → 4, then 8, then min(12, 9) = 9 (the end, with the cleanup)
        const input = cold<El<string>>('-a---b-----|', { a: rec('a', 0, 'k'), b: rec('b', 0, 'k') })
        const output = input.pipe(
          ds.windowBy(ds.tumblingProcessingTimeWindows(10), { scheduler }).trigger(ds.continuousProcessingTimeTrigger(4)).process<string, string, string>(joined)
        )
        expectStream(output).toBe('----x---yz-(Z|)', { x: rec('a', 9, 'k'), y: rec('ab', 9, 'k'), z: rec('ab', 9, 'k'), Z: wm(Infinity) })
      })
    })

    it('caps the first firing at the end of the window when the interval is longer', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        // window [0,10), interval 20: a@1 → min(20, 9) = 9
        const input = cold<El<string>>('-a-------------|', { a: rec('a', 0, 'k') })
        const output = input.pipe(
          ds.windowBy(ds.tumblingProcessingTimeWindows(10), { scheduler }).trigger(ds.continuousProcessingTimeTrigger(20)).process<string, string, string>(joined)
        )
        expectStream(output).toBe('---------x-----(Z|)', { x: rec('a', 9, 'k'), Z: wm(Infinity) })
      })
    })

    it('on the global window: fires every interval from the first element; the pending firing is flushed at completion', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        // a@3: first firing at 5, then 10, 15, 20 (pending at completion, frame 18)
        const input = cold<El<string>>('---ab-------c-----|', { a: rec('a', 0, 'k'), b: rec('b', 0, 'k'), c: rec('c', 0, 'k') })
        const output = input.pipe(ds.windowBy(ds.globalWindows(), { scheduler }).trigger(ds.continuousProcessingTimeTrigger(5)).process<string, string, string>(joined))
        expectStream(output).toBe('-----x----y----z--(wZ|)', {
          x: rec('ab', Infinity, 'k'),
          y: rec('ab', Infinity, 'k'),
          z: rec('abc', Infinity, 'k'),
          w: rec('abc', Infinity, 'k'),
          Z: wm(Infinity)
        })
      })
    })
  })

  describe('unsubscribing', () => {
    it('cancels the processing-time timers: a never-ending continuous trigger stops with the subscription', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        // the source never completes; without the timers cancelled, the trigger would reschedule forever
        const input = cold<El<string>>('-a', { a: rec('a', 0, 'k') })
        const output = input.pipe(ds.windowBy(ds.globalWindows(), { scheduler }).trigger(ds.continuousProcessingTimeTrigger(3)).process<string, string, string>(joined))
        expectStream(output, '^---------!').toBe('---x--x--x', { x: rec('a', Infinity, 'k') })
      })
    })
  })

  // -------------------------------------------------------------------------------------
  // deltaTrigger
  // -------------------------------------------------------------------------------------

  describe('deltaTrigger', () => {
    const rise = (a: number, b: number) => b - a

    it('fires when an element is more than threshold from the one of the last firing, per key', () => {
      // k: 15 and 26 are exactly 10 from the reference: not more
      const input: El<number>[] = [rec(5, 0, 'k'), rec(0, 0, 'j'), rec(15, 0, 'k'), rec(16, 0, 'k'), rec(11, 0, 'j'), rec(20, 0, 'k'), rec(26, 0, 'k'), rec(27, 0, 'k')]
      const out = collectElements(
        from(input).pipe(ds.windowBy(ds.globalWindows()).trigger(ds.deltaTrigger(10, rise)).process<number, string, string>((k, _c, xs, o) => o.collect(`${k}:${xs.join()}`)))
      )
      expect(out.elements).toEqual([rec('k:5,15,16', Infinity, 'k'), rec('j:0,11', Infinity, 'j'), rec('k:5,15,16,20,26,27', Infinity, 'k'), wm(Infinity)])
    })

    it('with purgingTrigger on time windows: the reference belongs to the window, and is gone with it', () => {
      const input: El<number>[] = [rec(1, 1, 'k'), rec(3, 2, 'k'), rec(9, 3, 'k'), rec(10, 4, 'k'), wm(9), rec(100, 12, 'k'), rec(104, 13, 'k'), rec(106, 14, 'k')]
      const out = collectElements(
        from(input).pipe(
          ds.windowBy(ds.tumblingEventTimeWindows(10)).trigger(ds.purgingTrigger(ds.deltaTrigger(5, rise))).process<number, string, string>((_k, _c, xs, o) => o.collect(xs.join()))
        )
      )
      // 10 is not more than 5 above 9 (the reference after the first firing) and is dropped at cleanup;
      // 100 starts a new reference in [10,20)
      expect(out.elements).toEqual([rec('1,3,9', 9, 'k'), wm(9), rec('100,104,106', 19, 'k'), wm(Infinity)])
    })
  })

  // -------------------------------------------------------------------------------------
  // user-written triggers
  // -------------------------------------------------------------------------------------

  describe('a user-written trigger', () => {
    it('with ctx.getState and event-time timers: fires after 3 elements or 5 ms of event time, purging; state per key and window', () => {
      const clears: string[] = []
      const countOrTimeout: ds.Trigger<string> = {
        name: 'countOrTimeout',
        canMerge: false,
        onElement: (_value, timestamp, window, ctx) => {
          ctx.registerEventTimeTimer(ds.maxTimestamp(window))
          const count = ctx.getState<number>('count')
          const deadline = ctx.getState<number>('deadline')
          if (deadline.value() === undefined) {
            deadline.update(timestamp + 5)
            ctx.registerEventTimeTimer(timestamp + 5)
          }
          const n = (count.value() ?? 0) + 1
          if (n < 3) {
            count.update(n)
            return 'CONTINUE'
          }
          ctx.deleteEventTimeTimer(deadline.value()!)
          deadline.clear()
          count.clear()
          return 'FIRE_AND_PURGE'
        },
        // Every timer but the end of the window is a deadline: a timer not deleted would fire.
        onEventTime: (time, window, ctx) => {
          if (time !== ds.maxTimestamp(window)) {
            ctx.getState<number>('deadline').clear()
            ctx.getState<number>('count').clear()
          }
          return 'FIRE_AND_PURGE'
        },
        onProcessingTime: () => 'CONTINUE',
        clear: (window, ctx) => {
          clears.push(`${ds.maxTimestamp(window)}`)
          const deadline = ctx.getState<number>('deadline')
          const pending = deadline.value()
          if (pending !== undefined) ctx.deleteEventTimeTimer(pending)
          deadline.clear()
          ctx.getState<number>('count').clear()
          ctx.deleteEventTimeTimer(ds.maxTimestamp(window))
        }
      }
      const input: El<string>[] = [
        rec('a', 1, 'k'), // deadline 6
        rec('b', 2, 'k'),
        rec('x', 5, 'j'), // j's own deadline 10
        rec('c', 3, 'k'), // third: fires, deletes the deadline 6
        rec('d', 4, 'k'), // deadline 9
        wm(6),
        wm(9),
        rec('e', 50, 'k'), // deadline 55
        rec('f', 52, 'k'),
        wm(99),
        rec('g', 100, 'k') // [100,200): deadline 105
      ]
      const out = collectElements(from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(100)).trigger(countOrTimeout).process<string, string, string>(joined)))
      expect(out.elements).toEqual([
        rec('abc', 99, 'k'),
        wm(6),
        rec('d', 99, 'k'),
        wm(9),
        rec('x', 99, 'j'), // at 10
        rec('ef', 99, 'k'), // at 55; at 99 both windows are empty
        wm(99),
        rec('g', 199, 'k'),
        wm(Infinity)
      ])
      expect(clears).toEqual(['99', '99', '199'])
    })

    it('with processing-time timers: fires 3 ms of processing time after the first element of a pane', () => {
      const afterThreeMs: ds.Trigger<string> = {
        name: 'afterThreeMs',
        canMerge: false,
        onElement: (_v, _ts, _w, ctx) => {
          const at = ctx.getState<number>('at')
          if (at.value() === undefined) {
            at.update(ctx.currentProcessingTime() + 3)
            ctx.registerProcessingTimeTimer(at.value()!)
          }
          return 'CONTINUE'
        },
        onEventTime: () => 'CONTINUE',
        onProcessingTime: (time, _w, ctx) => {
          const at = ctx.getState<number>('at')
          if (at.value() !== time) return 'CONTINUE'
          at.clear()
          return 'FIRE_AND_PURGE'
        },
        clear: (_w, ctx) => {
          const at = ctx.getState<number>('at')
          if (at.value() !== undefined) ctx.deleteProcessingTimeTimer(at.value()!)
          at.clear()
        }
      }
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<El<string>>('a-b--c----|', { a: rec('a', 1, 'k'), b: rec('b', 2, 'k'), c: rec('c', 3, 'k') })
        const output = input.pipe(ds.windowBy(ds.tumblingEventTimeWindows(100), { scheduler }).trigger(afterThreeMs).process<string, string, string>(joined))
        expectStream(output).toBe('---x----y-(Z|)', { x: rec('ab', 99, 'k'), y: rec('c', 99, 'k'), Z: wm(Infinity) })
      })
    })

    describe('with two processing-time deadlines, the first deleting the other', () => {
      // Fires once, at whichever of two deadlines (5 and 7 ms after the first element) rings
      // first; that one deletes the other.
      const rung: number[] = []
      const firstDeadline: ds.Trigger<string> = {
        name: 'firstDeadline',
        canMerge: false,
        onElement: (_v, _ts, _w, ctx) => {
          const armed = ctx.getState<boolean>('armed')
          if (armed.value() === undefined) {
            armed.update(true)
            const now = ctx.currentProcessingTime()
            ctx.registerProcessingTimeTimer(now + 5)
            ctx.registerProcessingTimeTimer(now + 7)
          }
          return 'CONTINUE'
        },
        onEventTime: () => 'CONTINUE',
        onProcessingTime: (time, _w, ctx) => {
          rung.push(time)
          ctx.deleteProcessingTimeTimer(time === 5 ? 7 : 5)
          return 'FIRE'
        },
        clear: () => {}
      }
      beforeEach(() => (rung.length = 0))

      it('on the clock: the deleted deadline never rings', () => {
        marbleTest(({ cold, expectStream, scheduler }) => {
          const input = cold<El<string>>('a--------|', { a: rec('a', 0, 'k') })
          const output = input.pipe(ds.windowBy(ds.globalWindows(), { scheduler }).trigger(firstDeadline).process<string, string, string>(joined))
          expectStream(output).toBe('-----x---(Z|)', { x: rec('a', Infinity, 'k'), Z: wm(Infinity) })
        })
        expect(rung).toEqual([5])
      })

      // Library bug: WindowOperator.flushProcessingTimeTimers (src/windowing/WindowOperator.ts)
      // fires a snapshot of the processing-time timers taken before the flush, so a timer
      // deleted by an earlier callback of the same flush fires all the same.
      it('in the end-of-input flush: the deleted deadline does not ring either', () => {
        marbleTest(({ cold, expectStream, scheduler }) => {
          const input = cold<El<string>>('a-|', { a: rec('a', 0, 'k') })
          const output = input.pipe(ds.windowBy(ds.globalWindows(), { scheduler }).trigger(firstDeadline).process<string, string, string>(joined))
          expectStream(output).toBe('--(xZ|)', { x: rec('a', Infinity, 'k'), Z: wm(Infinity) })
        })
        expect(rung).toEqual([5])
      })
    })

    it('that returns PURGE only: nothing is ever evaluated, and windows are still cleaned up at their time', () => {
      const cleared: number[] = []
      let evaluated = 0
      const purgeOnly: ds.Trigger<string> = {
        name: 'purgeOnly',
        canMerge: true,
        onElement: () => 'PURGE',
        onEventTime: () => 'PURGE',
        onProcessingTime: () => 'PURGE',
        onMerge: () => {},
        clear: () => {}
      }
      const input: El<string>[] = [rec('a', 1, 'k'), rec('b', 12, 'k'), wm(9), rec('c', 15, 'k'), rec('d', 5, 'k')]
      const out = collectElements(
        from(input).pipe(
          ds.windowBy(ds.tumblingEventTimeWindows(10)).trigger(purgeOnly).process<string, string, string>({
            process: () => evaluated++,
            clear: ctx => cleared.push(ctx.window.start)
          })
        )
      )
      expect(out.elements).toEqual([wm(9), wm(Infinity)])
      expect(evaluated).toBe(0)
      expect(cleared).toEqual([0, 10])
    })

    it('that purges on a marker: the window fires at its end with only what came after the last purge; an emptied window does not fire', () => {
      const base = ds.eventTimeTrigger<string>()
      const resettable: ds.Trigger<string> = {
        ...base,
        name: 'resettable',
        onElement: (value, timestamp, window, ctx) => {
          const result = base.onElement(value, timestamp, window, ctx)
          return value === 'reset' ? 'PURGE' : result
        }
      }
      const input: El<string>[] = [rec('a', 1, 'k'), rec('b', 2, 'k'), rec('reset', 3, 'k'), rec('c', 4, 'k'), rec('x', 11, 'k'), rec('reset', 12, 'k'), wm(20)]
      const out = collectElements(from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).trigger(resettable).process<string, string, string>(listing)))
      expect(out.elements).toEqual([rec('[0,10):c', 9, 'k'), wm(20), wm(Infinity)])
    })
  })

  // -------------------------------------------------------------------------------------
  // neverTrigger, endOfInputTrigger
  // -------------------------------------------------------------------------------------

  describe('neverTrigger and endOfInputTrigger on time windows', () => {
    it('neverTrigger: no results; the windows are cleaned at their time all the same', () => {
      const cleared: number[] = []
      const input: El<number>[] = [rec(1, 1, 'k'), rec(2, 11, 'k'), wm(9)]
      const out = collectElements(
        from(input).pipe(
          ds.windowBy(ds.tumblingEventTimeWindows(10)).trigger(ds.neverTrigger()).reduce<number, number, string>((a, b) => a + b, {
            process: (_k, _c, xs, o) => o.collect(xs[0]!),
            clear: ctx => cleared.push(ctx.window.start)
          })
        )
      )
      expect(out.elements).toEqual([wm(9), wm(Infinity)])
      expect(cleared).toEqual([0, 10])
    })

    it('endOfInputTrigger on time windows: a window cleaned before the end of input never fires', () => {
      const input: El<number>[] = [rec(1, 1, 'k'), rec(2, 11, 'k'), wm(9)]
      const out = collectElements(from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).trigger(ds.endOfInputTrigger()).reduce<number, string>((a, b) => a + b)))
      // the end-of-input watermark reaches the cleanup of [10,20) at 19 before +Infinity, and clear deletes the trigger's timer
      expect(out.elements).toEqual([wm(9), wm(Infinity)])
    })
  })

  // -------------------------------------------------------------------------------------
  // errors
  // -------------------------------------------------------------------------------------

  describe('errors', () => {
    const throwing = (where: 'onElement' | 'onEventTime' | 'onProcessingTime'): ds.Trigger<string> => {
      const base = ds.eventTimeTrigger<string>()
      return {
        name: 'throwing',
        canMerge: true,
        onElement: (v, ts, w, ctx) => {
          if (where === 'onElement' && v === 'bad') throw new Error('onElement failed')
          if (where === 'onProcessingTime') ctx.registerProcessingTimeTimer(2)
          return base.onElement(v, ts, w, ctx)
        },
        onEventTime: (t, w, ctx) => {
          if (where === 'onEventTime') throw new Error('onEventTime failed')
          return base.onEventTime(t, w, ctx)
        },
        onProcessingTime: () => {
          throw new Error('onProcessingTime failed')
        },
        onMerge: () => {},
        clear: (w, ctx) => base.clear(w, ctx)
      }
    }

    it('a trigger throwing in onElement errors the stream, naming the operator and the record', () => {
      const input: El<string>[] = [rec('a', 1, 'k'), wm(9), rec('bad', 12, 'k'), rec('c', 13, 'k')]
      const out = collectElements(from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10), { name: 'w' }).trigger(throwing('onElement')).reduce<string, string>(concatStrings)))
      expect(out.elements).toEqual([rec('a', 9, 'k'), wm(9)])
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      expect((out.error as Error).message).toBe('windowBy "w": the user function threw while processing record (value "bad", timestamp 12, key "k"): onElement failed')
    })

    it('a trigger throwing in onEventTime errors the stream at the watermark', () => {
      const input: El<string>[] = [rec('a', 1, 'k'), wm(9)]
      const out = collectElements(from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).trigger(throwing('onEventTime')).reduce<string, string>(concatStrings)))
      expect(out.elements).toEqual([])
      expect((out.error as Error).message).toBe('windowBy: the user function threw while processing watermark 9: onEventTime failed')
    })

    it('a trigger throwing in onProcessingTime errors the stream when the timer rings', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<El<string>>('a-----|', { a: rec('a', 1, 'k') })
        const output = input.pipe(ds.windowBy(ds.tumblingEventTimeWindows(10), { scheduler }).trigger(throwing('onProcessingTime')).reduce<string, string>(concatStrings))
        const error = Object.assign(new Error('windowBy: the user function threw while firing a processing-time timer: onProcessingTime failed'), { name: 'UserFunctionError' })
        expectStream(output).toBe('--#', undefined, error)
      })
    })
  })
})
