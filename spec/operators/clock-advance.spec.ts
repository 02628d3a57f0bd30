/**
 * `WatermarkStrategy.withClockAdvance` through `assignTimestampsAndWatermarks`, on virtual
 * processing time: a quiet stream that stays open still closes its windows; the watermark
 * follows the clock while quiet and never goes back; records that come after a pause behind
 * it are late; the ticks end with the stream.
 *
 * Event time is 1000 + the frame for records that follow the clock (a different origin from
 * processing time on purpose: the clocks need not agree).
 */
import { Subject } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import * as ds from '../../src/index'
import { active, idle, marbleTest, rec, side, wm } from '../../marbles/index'

interface Click {
  readonly user: string
  readonly ts: number
}
const click = (ts: number, user = 'ann'): Click => ({ user, ts })
const strategy = (bound: number) => ds.WatermarkStrategy.forBoundedOutOfOrderness<Click>(bound).withTimestampAssigner(c => c.ts)

describe('withClockAdvance (assignTimestampsAndWatermarks)', () => {
  it("fires the last window of a quiet stream that stays open, once the timeout has passed", () => {
    marbleTest(({ cold, expectStream, scheduler, time }) => {
      const values = { a: click(1_000), b: click(1_003), c: click(1_012) }
      const interval = time('-----|')
      const timeout = time('----------|')
      const clicks = cold<Click>('a 2ms b 8ms c', values) // never completes
      const counts = clicks.pipe(
        ds.assignTimestampsAndWatermarks(strategy(2).withClockAdvance(timeout), { autoWatermarkInterval: interval, scheduler }),
        ds.keyBy(c => c.user),
        ds.windowBy(ds.tumblingEventTimeWindows(10)).fold<Click, number, string>(0, n => n + 1)
      )
      // ticks every 5: 5 → 1000; 15 → 1009 closes [1000, 1010); 25: quiet for 13 ≥ 10, so
      // 1009 (reached at 15) + 10 = 1019 closes [1010, 1020), which no record would close
      expectStream(counts, '^ 37ms !').toBe('5ms P 9ms (xQ) 6ms (yR) 1ms S 4ms T', {
        P: wm(1_000),
        x: rec(2, 1_009, 'ann'),
        Q: wm(1_009),
        y: rec(1, 1_019, 'ann'),
        R: wm(1_019),
        S: wm(1_024),
        T: wm(1_029)
      })
    })
  })

  it('follows the clock while quiet, and never goes back when records resume', () => {
    marbleTest(({ cold, expectStream, scheduler, time }) => {
      // b comes after the pause 15 behind the clock (its delay grew), c 8 behind
      const values = { a: click(1_000), b: click(1_015), c: click(1_024) }
      const output = cold<Click>('a 29ms b-c 7ms |', values).pipe(
        ds.assignTimestampsAndWatermarks(strategy(2).withClockAdvance(time('----------|')), { autoWatermarkInterval: time('-----|'), scheduler })
      )
      // 5: 997; 10: quiet for 10: 997 + 5 = 1002, then + 5 per tick; at 30 the generator says
      // 1012 < 1017: nothing; at 35 1021: the generator's again; W(Infinity) at the end
      expectStream(output).toBe('a 4ms P 4ms Q 4ms R 4ms S 4ms T 4ms b-c 2ms U 4ms (Z|)', {
        a: rec(values.a, 1_000),
        P: wm(997),
        Q: wm(1_002),
        R: wm(1_007),
        S: wm(1_012),
        T: wm(1_017),
        b: rec(values.b, 1_015),
        c: rec(values.c, 1_024),
        U: wm(1_021),
        Z: wm(Infinity)
      })
    })
  })

  it('sends a record that comes after a pause behind the advanced watermark to the late side output', () => {
    marbleTest(({ cold, expectStream, scheduler, time }) => {
      const late = new ds.OutputTag<Click>('late')
      const values = { a: click(1_001), b: click(1_005), c: click(1_021) }
      const output = cold<Click>('a 26ms bc 6ms |', values).pipe(
        ds.assignTimestampsAndWatermarks(strategy(2).withClockAdvance(time('----------|')), { autoWatermarkInterval: time('-----|'), scheduler }),
        ds.keyBy(c => c.user),
        ds.windowBy(ds.tumblingEventTimeWindows(10)).sideOutputLateData(late).fold<Click, number, string>(0, n => n + 1)
      )
      // 5: 998; 10: 1003; 15: 1008; 20: 1013 closes [1000, 1010); 25: 1018; b (1005) at 27
      // is late; c brings the generator to 1018, nothing new; the end closes [1020, 1030)
      expectStream(output).toBe('5ms P 4ms Q 4ms R 4ms (xS) 1ms T 1ms L 7ms (yZ|)', {
        P: wm(998),
        Q: wm(1_003),
        R: wm(1_008),
        x: rec(1, 1_009, 'ann'),
        S: wm(1_013),
        T: wm(1_018),
        L: side(late, values.b, 1_005),
        y: rec(1, 1_029, 'ann'),
        Z: wm(Infinity)
      })
    })
  })

  it('with allowed lateness, that record fires its window again instead', () => {
    marbleTest(({ cold, expectStream, scheduler, time }) => {
      const late = new ds.OutputTag<Click>('late')
      const values = { a: click(1_001), b: click(1_005), c: click(1_021) }
      const output = cold<Click>('a 26ms bc 6ms |', values).pipe(
        ds.assignTimestampsAndWatermarks(strategy(2).withClockAdvance(time('----------|')), { autoWatermarkInterval: time('-----|'), scheduler }),
        ds.keyBy(c => c.user),
        ds.windowBy(ds.tumblingEventTimeWindows(10)).allowedLateness(10).sideOutputLateData(late).fold<Click, number, string>(0, n => n + 1)
      )
      // [1000, 1010) is kept until 1009 + 10: b counts, and the window fires again at once
      expectStream(output).toBe('5ms P 4ms Q 4ms R 4ms (xS) 1ms T 1ms X 7ms (yZ|)', {
        P: wm(998),
        Q: wm(1_003),
        R: wm(1_008),
        x: rec(1, 1_009, 'ann'),
        S: wm(1_013),
        T: wm(1_018),
        X: rec(2, 1_009, 'ann'),
        y: rec(1, 1_029, 'ann'),
        Z: wm(Infinity)
      })
    })
  })

  it('stays maxLag further behind', () => {
    marbleTest(({ cold, expectStream, scheduler, time }) => {
      const values = { a: click(1_000) }
      const output = cold<Click>('a 19ms |', values).pipe(
        ds.assignTimestampsAndWatermarks(strategy(0).withClockAdvance(time('----------|'), { maxLag: 3 }), { autoWatermarkInterval: time('-----|'), scheduler })
      )
      // 5: 999, reached then; 10: 999 + 5 − 3; 15: 999 + 10 − 3; the end: one last emit
      expectStream(output).toBe('a 4ms P 4ms Q 4ms R 4ms (SZ|)', { a: rec(values.a, 1_000), P: wm(999), Q: wm(1_001), R: wm(1_006), S: wm(1_011), Z: wm(Infinity) })
    })
  })

  it('with a watermark per record, ticks every timeout to notice the silence', () => {
    marbleTest(({ cold, expectStream, scheduler, time }) => {
      const values = { a: click(1_000) }
      const output = cold<Click>('a 39ms |', values).pipe(
        ds.assignTimestampsAndWatermarks(strategy(0).withClockAdvance(time('----------|')), { autoWatermarkInterval: 0, scheduler })
      )
      // 999 reached with a at 0; ticks at 10, 20, 30: 999 + 10, + 20, + 30
      expectStream(output).toBe('(aP) 6ms Q 9ms R 9ms S 9ms (TZ|)', {
        a: rec(values.a, 1_000),
        P: wm(999),
        Q: wm(1_009),
        R: wm(1_019),
        S: wm(1_029),
        T: wm(1_039),
        Z: wm(Infinity)
      })
    })
  })

  it('with withIdleness: idle first, active again at the first clock-driven watermark, and not idle while the clock moves it', () => {
    marbleTest(({ cold, expectStream, scheduler, time }) => {
      const values = { a: click(1_000), b: click(1_032) }
      const strategyBoth = strategy(2).withIdleness(time('-----|')).withClockAdvance(time('-------------------------|'))
      const output = cold<Click>('a 31ms b 7ms |', values).pipe(ds.assignTimestampsAndWatermarks(strategyBoth, { autoWatermarkInterval: time('-----|'), scheduler }))
      // 5: 997; 10: the idleness countdown starts; 20: idle; 25: quiet for 25: 997 + 20,
      // which makes the stream active; 30: 1022, no IDLE; after b the generator again
      expectStream(output).toBe('a 4ms P 14ms I 4ms (AQ) 1ms R 1ms b 2ms S 4ms (Z|)', {
        a: rec(values.a, 1_000),
        P: wm(997),
        I: idle(),
        A: active(),
        Q: wm(1_017),
        R: wm(1_022),
        b: rec(values.b, 1_032),
        S: wm(1_029),
        Z: wm(Infinity)
      })
    })
  })

  describe('timers', () => {
    /** Runs `input` through the operator, ticking every 5 with a timeout of 10, until `end` ends it; what was emitted, when. */
    function runUntil(end: (input: Subject<Click>, subscription: { unsubscribe(): void }) => void, at: number) {
      const scheduler = new TestScheduler(() => undefined)
      const input = new Subject<Click>()
      const emitted: string[] = []
      const subscription = input
        .pipe(ds.assignTimestampsAndWatermarks(strategy(0).withClockAdvance(10), { autoWatermarkInterval: 5, scheduler }))
        .subscribe({
          next: e => emitted.push(`${scheduler.now()}: ${ds.isWatermark(e) ? `W(${e.timestamp})` : e._tag}`),
          error: (err: unknown) => emitted.push(`${scheduler.now()}: error ${(err as Error).message}`)
        })
      scheduler.schedule(() => input.next(click(1_000)), 0)
      scheduler.schedule(() => end(input, subscription), at)
      scheduler.maxFrames = 1_000
      scheduler.flush()
      return { emitted, pending: scheduler.actions.length }
    }

    it('end when the stream is unsubscribed', () => {
      const { emitted, pending } = runUntil((_input, subscription) => subscription.unsubscribe(), 22)
      expect(emitted).toEqual(['0: Record', '5: W(999)', '10: W(1004)', '15: W(1009)', '20: W(1014)'])
      expect(pending).toBe(0)
    })

    it('end when the input completes', () => {
      const { emitted, pending } = runUntil(input => input.complete(), 22)
      expect(emitted).toEqual(['0: Record', '5: W(999)', '10: W(1004)', '15: W(1009)', '20: W(1014)', '22: W(1016)', '22: W(Infinity)'])
      expect(pending).toBe(0)
    })

    it('end when the input errors', () => {
      const { emitted, pending } = runUntil(input => input.error(new Error('gone')), 12)
      expect(emitted).toEqual(['0: Record', '5: W(999)', '10: W(1004)', '12: error gone'])
      expect(pending).toBe(0)
    })
  })
})
