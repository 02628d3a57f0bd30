/** @test {marbleTest} */
import { asyncScheduler, map, Observable, type OperatorFunction, type SchedulerLike } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { assignTimestampsAndWatermarks } from '../../operators/assign-timestamps-and-watermarks'
import type { StreamElement } from '../../src/core/StreamElement'
import { WatermarkStrategy } from '../../src/core/WatermarkStrategy'
import { marbleTest, rec, wm } from '../../marbles'
import { failureOf } from '../support/failures'


/**
 * A stand-in for a periodic operator: forwards elements and, every `period` frames on
 * `scheduler`, emits the largest timestamp seen so far as a watermark; stops ticking when the
 * source completes.
 */
function periodicWatermarks<T>(period: number, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<StreamElement<T>, StreamElement<T>> {
  return source =>
    new Observable<StreamElement<T>>(subscriber => {
      let max = -Infinity
      const ticks = scheduler.schedule(function () {
        if (max > -Infinity) subscriber.next(wm(max))
        this.schedule(undefined, period)
      }, period)
      const upstream = source.subscribe({
        next: e => {
          if (e._tag === 'Record') max = Math.max(max, e.timestamp)
          subscriber.next(e)
        },
        error: (err: unknown) => {
          ticks.unsubscribe()
          subscriber.error(err)
        },
        complete: () => {
          ticks.unsubscribe()
          subscriber.complete()
        }
      })
      return () => {
        ticks.unsubscribe()
        upstream.unsubscribe()
      }
    })
}

describe('marbleTest', () => {
  it('hands the callback the run helpers and the scheduler, and returns its result', () => {
    const result = marbleTest(helpers => {
      expect(typeof helpers.cold).toBe('function')
      expect(typeof helpers.hot).toBe('function')
      expect(typeof helpers.expectObservable).toBe('function')
      expect(typeof helpers.expectSubscriptions).toBe('function')
      expect(typeof helpers.flush).toBe('function')
      expect(typeof helpers.animate).toBe('function')
      expect(helpers.time('---|')).toBe(3)
      expect(helpers.scheduler).toBeInstanceOf(TestScheduler)
      return 42
    })
    expect(result).toBe(42)
  })

  it('throws a plain Error with the diagram when an expectation fails', () => {
    const message = failureOf(() =>
      marbleTest(({ cold, expectStream }) => {
        expectStream(cold('-a|', { a: rec('x', 5) })).toBe('-a|', { a: rec('x', 6) })
      })
    )
    expect(message).toContain('expected: -a|\nactual:   -b|')
    expect(message).toContain("  a = Record 'x' @ 6\n  b = Record 'x' @ 5")
    expect(message).toContain('(at .timestamp: expected 6, got 5)')
  })

  it('refuses a callback that returns a promise', () => {
    expect(() => marbleTest(() => Promise.resolve())).toThrowError(TypeError, /returned a promise/)
  })

  describe('expectStream', () => {
    it('passes for matching elements', () => {
      marbleTest(({ hot, expectStream }) => {
        const input = hot('-a-^-b-c-|', { a: rec(1, 1), b: rec(2, 2, 'k'), c: wm(2) })
        expectStream(input).toBe('--b-c-|', { b: rec(2, 2, 'k'), c: wm(2) })
      })
    })

    it('subscribes and unsubscribes at the subscription marbles', () => {
      marbleTest(({ cold, expectStream }) => {
        const input = cold('a-b-c-|', { a: rec('a', 0), b: rec('b', 2), c: rec('c', 4) })
        expectStream(input, '--^--!').toBe('--a-b', { a: rec('a', 0), b: rec('b', 2) })
      })
    })

    it('fails when a letter of the expected marbles is not in values', () => {
      const message = failureOf(() =>
        marbleTest(({ cold, expectStream }) => {
          expectStream(cold('a-b|', { a: rec(1, 0), b: rec(2, 2) })).toBe('a-b|', { a: rec(1, 0) })
        })
      )
      expect(message).toBe(`expectStream(...).toBe("a-b|", values): 'b' is not in values (it has 'a')`)
    })

    it('draws a stream that emitted nothing as an empty lane', () => {
      const message = failureOf(() =>
        marbleTest(({ cold, expectStream }) => {
          expectStream(cold<StreamElement<number>>('---')).toBe('-a', { a: rec(1, 0) })
        })
      )
      expect(message).toContain('expected: -a\nactual:   --')
      expect(message).toContain('first difference at frame 1: expected Record 1 @ 0, got nothing')
    })
  })

  describe('inOrder', () => {
    it('makes each letter a record whose timestamp is its frame', () => {
      marbleTest(({ inOrder, expectStream }) => {
        expectStream(inOrder('-a--b-(cd)-|')).toBe('-a--b-(cd)-|', {
          a: rec('a', 1),
          b: rec('b', 4),
          c: rec('c', 6),
          d: rec('d', 6)
        })
      })
    })

    it('takes each record value from values, and the same letter twice gives two timestamps', () => {
      marbleTest(({ inOrder, expectStream }) => {
        const input = inOrder('x-y-x|', { x: 10, y: 20 })
        expectStream(input.pipe(map(e => e))).toBe('a-b-c|', { a: rec(10, 0), b: rec(20, 2), c: rec(10, 4) })
      })
    })

    it('counts frames from the marble string, not from when it is subscribed', () => {
      marbleTest(({ inOrder, expectStream }) => {
        expectStream(inOrder('a-b|'), '--^').toBe('--a-b|', { a: rec('a', 0), b: rec('b', 2) })
      })
    })

    it('reads time progressions', () => {
      marbleTest(({ inOrder, expectStream }) => {
        expectStream(inOrder('a 1s b|')).toBe('a 1s b|', { a: rec('a', 0), b: rec('b', 1001) })
      })
    })

    it('errors at # with the given error', () => {
      marbleTest(({ inOrder, expectStream }) => {
        expectStream(inOrder('a-#', { a: 1 }, new Error('boom'))).toBe('a-#', { a: rec(1, 0) }, new Error('boom'))
      })
    })

    it('records its subscriptions', () => {
      marbleTest(({ inOrder, expectStream, expectSubscriptions }) => {
        const input = inOrder('-a-|')
        expectStream(input).toBe('-a-|', { a: rec('a', 1) })
        expectSubscriptions(input.subscriptions).toBe('^--!')
      })
    })

    it('rejects a letter that is not in values', () => {
      expect(() => marbleTest(({ inOrder }) => inOrder('a-b|', { a: 1 }))).toThrowError(/'b' is not in values/)
    })
  })

  describe('periodic scheduler work', () => {
    it('terminates when the source completes', () => {
      marbleTest(({ inOrder, expectStream }) => {
        const output = inOrder('a--b----|').pipe(periodicWatermarks(2))
        // ticks at 2, 4, 6; at 8 the source completes first and the ticks stop
        expectStream(output).toBe('a-XbY-Z-|', { a: rec('a', 0), X: wm(0), b: rec('b', 3), Y: wm(3), Z: wm(3) })
      })
    })

    it('terminates with assignTimestampsAndWatermarks on a completing source', () => {
      interface Event {
        readonly id: string
        readonly ts: number
      }
      marbleTest(({ cold, expectStream }) => {
        const events = { a: { id: 'a', ts: 5 }, b: { id: 'b', ts: 12 }, c: { id: 'c', ts: 9 } }
        const output = cold<Event>('ab--c--|', events).pipe(
          assignTimestampsAndWatermarks(
            WatermarkStrategy.forBoundedOutOfOrderness<Event>(0).withTimestampAssigner(e => e.ts),
            { autoWatermarkInterval: 3 }
          )
        )
        // tick at 3: max 12 - 0 - 1 = 11; tick at 6: no progress; end of input at 7: +Infinity
        expectStream(output).toBe('ab-Wc--(E|)', {
          a: rec(events.a, 5),
          b: rec(events.b, 12),
          W: wm(11),
          c: rec(events.c, 9),
          E: wm(Infinity)
        })
      })
    })

    it('uses the scheduler given to the operator', () => {
      marbleTest(({ inOrder, expectStream, scheduler }) => {
        const output = inOrder('a---|').pipe(periodicWatermarks(2, scheduler))
        expectStream(output).toBe('a-X-|', { a: rec('a', 0), X: wm(0) })
      })
    })

    it('fails with a clear message, instead of hanging, when the source never completes', () => {
      const message = failureOf(() =>
        marbleTest(
          ({ inOrder, expectStream }) => {
            expectStream(inOrder('a--').pipe(periodicWatermarks(2))).toBe('a-X', { a: rec('a', 0), X: wm(0) })
          },
          { maxFrames: 1_000 }
        )
      )
      expect(message).toMatch(/^virtual time reached frame 1000 \(maxFrames\) with 1 task still scheduled/)
    })

    it('terminates when the test unsubscribes from a never-ending source', () => {
      marbleTest(({ inOrder, expectStream }) => {
        expectStream(inOrder('a--').pipe(periodicWatermarks(2)), '^----!').toBe('a-X-Y', { a: rec('a', 0), X: wm(0), Y: wm(0) })
      })
    })
  })
})
