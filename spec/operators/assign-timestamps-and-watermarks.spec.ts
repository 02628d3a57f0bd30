import { from, Subject } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import * as ds from '../../src/index'
import { active, collectElements, idle, marbleTest, rec, wm } from '../../marbles/index'

interface E {
  readonly id: string
  readonly ts: number
}
const e = (id: string, ts: number): E => ({ id, ts })
const bounded = (b: number) => ds.WatermarkStrategy.forBoundedOutOfOrderness<E>(b).withTimestampAssigner(x => x.ts)

describe('assignTimestampsAndWatermarks', () => {
  it('stamps in-order records and emits watermarks on the periodic tick', () => {
    marbleTest(({ cold, expectStream, scheduler }) => {
      const values = { a: e('a', 10), b: e('b', 30), c: e('c', 40) }
      const source = cold<E>('a-b-c------|', values)
      const output = source.pipe(ds.assignTimestampsAndWatermarks(bounded(5), { autoWatermarkInterval: 5, scheduler }))
      expectStream(output).toBe('a-b-cW-----(Z|)', {
        a: rec(values.a, 10),
        b: rec(values.b, 30),
        c: rec(values.c, 40),
        W: wm(34),
        Z: wm(Infinity)
      })
    })
  })

  it('keeps out-of-order records in arrival order and never lowers the watermark', () => {
    marbleTest(({ cold, expectStream, scheduler }) => {
      const values = { a: e('a', 30), b: e('b', 10), c: e('c', 25), d: e('d', 50) }
      const output = cold<E>('a---b---c---d---|', values).pipe(
        ds.assignTimestampsAndWatermarks(bounded(5), { autoWatermarkInterval: 3, scheduler })
      )
      // ticks at 3, 6, 9, 12: 24 after a, nothing new until d; at frame 12 d (scheduled
      // first) precedes the tick, which emits 44
      expectStream(output).toBe('a--Wb---c---(dX)(Z|)', {
        a: rec(values.a, 30),
        b: rec(values.b, 10),
        c: rec(values.c, 25),
        d: rec(values.d, 50),
        W: wm(24),
        X: wm(44),
        Z: wm(Infinity)
      })
    })
  })

  it('uses the default interval of 200 ms on asyncScheduler (virtualized by marbleTest)', () => {
    marbleTest(({ cold, expectStream }) => {
      const values = { a: e('a', 1_000) }
      const output = cold<E>('a 299ms |', values).pipe(ds.assignTimestampsAndWatermarks(bounded(0)))
      expectStream(output).toBe('a 199ms W 99ms (Z|)', { a: rec(values.a, 1_000), W: wm(999), Z: wm(Infinity) })
    })
  })

  it('with autoWatermarkInterval 0 emits a watermark after every record that advances it', () => {
    const events = [e('a', 10), e('b', 5), e('c', 20), e('d', 20), e('e', 21)]
    const out = collectElements(from(events).pipe(ds.assignTimestampsAndWatermarks(bounded(3), { autoWatermarkInterval: 0 })))
    expect(out.completed).toBeTrue()
    expect(out.elements).toEqual([
      rec(events[0]!, 10),
      wm(6),
      rec(events[1]!, 5),
      rec(events[2]!, 20),
      wm(16),
      rec(events[3]!, 20),
      rec(events[4]!, 21),
      wm(17),
      wm(Infinity)
    ])
  })

  it('marks the stream idle after the idle timeout, and active again before the next advancing watermark', () => {
    marbleTest(({ cold, expectStream, scheduler }) => {
      const values = { a: e('a', 100), b: e('b', 200) }
      const strategy = bounded(0).withIdleness(10)
      // ticks every 5: 5 emits 99; 10 starts the countdown; 15, 20 not yet (<= 10 ms); 25 idle
      const output = cold<E>('a 39ms b 9ms |', values).pipe(ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 5, scheduler }))
      expectStream(output).toBe('a 4ms W 19ms I 14ms (bAX) 5ms (Z|)', {
        a: rec(values.a, 100),
        b: rec(values.b, 200),
        W: wm(99),
        I: idle(),
        A: active(),
        X: wm(199),
        Z: wm(Infinity)
      })
    })
  })

  it('checks idleness with autoWatermarkInterval 0 too, on ticks of the idle timeout', () => {
    marbleTest(({ cold, expectStream, scheduler }) => {
      const values = { a: e('a', 100) }
      const output = cold<E>('a 49ms |', values).pipe(
        ds.assignTimestampsAndWatermarks(bounded(0).withIdleness(10), { autoWatermarkInterval: 0, scheduler })
      )
      // the per-record emit after a is the check that saw activity; tick 10 starts the
      // countdown, 20 is not more than 10 ms later, 30 is: idle
      expectStream(output).toBe('(aW) 26ms I 19ms (AZ|)', { a: rec(values.a, 100), W: wm(99), I: idle(), A: active(), Z: wm(Infinity) })
    })
  })

  it('forwards a punctuated watermark after the record that triggered it', () => {
    const strategy = ds.WatermarkStrategy.forGenerator<E>(() => ({
      onEvent: (ev, ts, out) => {
        if (ev.id.startsWith('!')) out.emitWatermark(ts)
      },
      onPeriodicEmit: () => undefined
    })).withTimestampAssigner(x => x.ts)
    const events = [e('a', 1), e('!b', 5), e('c', 3), e('!d', 4), e('!e', 9)]
    const out = collectElements(from(events).pipe(ds.assignTimestampsAndWatermarks(strategy)))
    expect(out.elements).toEqual([
      rec(events[0]!, 1),
      rec(events[1]!, 5),
      wm(5),
      rec(events[2]!, 3),
      rec(events[3]!, 4), // 4 does not advance past 5: not forwarded
      rec(events[4]!, 9),
      wm(9),
      wm(Infinity)
    ])
  })

  it('noWatermarks: records may have no timestamp; only the end of input advances event time', () => {
    const out = collectElements(from(['x', 'y']).pipe(ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<string>())))
    expect(out.elements).toEqual([ds.streamRecord('x'), ds.streamRecord('y'), wm(Infinity)])
  })

  it('stops the periodic timer when unsubscribed', () => {
    const scheduler = new TestScheduler(() => undefined)
    const ticks: number[] = []
    const strategy = ds.WatermarkStrategy.forGenerator<E>(() => ({
      onEvent: () => undefined,
      onPeriodicEmit: () => ticks.push(scheduler.now())
    })).withTimestampAssigner(x => x.ts)
    const input = new Subject<E>()
    const subscription = input.pipe(ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 10, scheduler })).subscribe()
    scheduler.schedule(() => subscription.unsubscribe(), 35)
    scheduler.maxFrames = 500
    scheduler.flush()
    expect(ticks).toEqual([10, 20, 30])
  })

  it('stops the periodic timer and forwards the error when the input errors', () => {
    marbleTest(({ cold, expectStream, scheduler }) => {
      const values = { a: e('a', 10) }
      const output = cold<E>('a--#', values, new Error('upstream')).pipe(
        ds.assignTimestampsAndWatermarks(bounded(0), { autoWatermarkInterval: 2, scheduler })
      )
      expectStream(output).toBe('a-W#', { a: rec(values.a, 10), W: wm(9) }, new Error('upstream'))
    })
  })

  describe('bad input', () => {
    const assign = (assigner: (x: E) => unknown) =>
      ds.assignTimestampsAndWatermarks(
        ds.WatermarkStrategy.forMonotonousTimestamps<E>().withTimestampAssigner(assigner as (x: E) => number),
        { name: 'clicks', autoWatermarkInterval: 0 }
      )
    for (const [label, bad, text] of [
      ['NaN', NaN, 'NaN is not a timestamp'],
      ['undefined', undefined, 'undefined is not a number'],
      ['a string', '17', '"17" is not a number'],
      ['Infinity', Infinity, 'Infinity is not a finite timestamp'],
      ['-Infinity', -Infinity, '-Infinity is not a finite timestamp']
    ] as const) {
      it(`errors with a TimestampError naming the operator and the value when the assigner returns ${label}`, () => {
        const out = collectElements(from([e('ok', 1), e('bad', 2), e('never', 3)]).pipe(assign(x => (x.id === 'bad' ? bad : x.ts))))
        expect(out.elements).toEqual([rec(e('ok', 1), 1), wm(0)])
        expect(out.error).toBeInstanceOf(ds.TimestampError)
        const error = out.error as ds.TimestampError
        expect(error.message).toContain('assignTimestampsAndWatermarks "clicks"')
        expect(error.message).toContain('{ id: "bad", ts: 2 }')
        expect(error.message).toContain(text)
        expect(error.operator.name).toBe('clicks')
      })
    }

    it('wraps a throwing timestamp assigner in a UserFunctionError with the original as cause', () => {
      const boom = new Error('no ts here')
      const out = collectElements(
        from([e('x', 1)]).pipe(
          assign(() => {
            throw boom
          })
        )
      )
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      expect((out.error as Error).cause).toBe(boom)
      expect((out.error as Error).message).toMatch(/clicks.*no ts here/)
    })

    it('errors with a WatermarkError when a generator emits something that is not a number', () => {
      const strategy = ds.WatermarkStrategy.forGenerator<E>(() => ({
        onEvent: (_e, _ts, out) => out.emitWatermark(Number('nope')),
        onPeriodicEmit: () => undefined
      })).withTimestampAssigner(x => x.ts)
      const out = collectElements(from([e('x', 1)]).pipe(ds.assignTimestampsAndWatermarks(strategy)))
      expect(out.error).toBeInstanceOf(ds.WatermarkError)
      expect((out.error as Error).message).toContain('NaN')
    })

    it('routes a throw from a periodic tick to the error channel', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const strategy = ds.WatermarkStrategy.forGenerator<E>(() => ({
          onEvent: () => undefined,
          onPeriodicEmit: () => {
            throw new Error('tick failed')
          }
        })).withTimestampAssigner(x => x.ts)
        const output = cold<E>('a----|', { a: e('a', 1) }).pipe(ds.assignTimestampsAndWatermarks(strategy, { autoWatermarkInterval: 2, scheduler }))
        let error: unknown
        output.subscribe({ error: (err: unknown) => (error = err) })
        const info = { kind: 'assignTimestampsAndWatermarks', name: 'assignTimestampsAndWatermarks', uid: undefined }
        expectStream(output).toBe('a-#', { a: rec(e('a', 1), 1) }, new ds.UserFunctionError(info, 'emitting a periodic watermark', new Error('tick failed')))
        scheduler.flush()
        expect(error).toBeInstanceOf(ds.UserFunctionError)
        expect((error as Error).message).toBe(
          'assignTimestampsAndWatermarks: the user function threw while emitting a periodic watermark: tick failed'
        )
      })
    })

    it('rejects plain values without a timestamp assigner, and a bad interval, at construction', () => {
      expect(() => ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forMonotonousTimestamps<E>())).toThrowError(TypeError, /withTimestampAssigner/)
      expect(() => ds.assignTimestampsAndWatermarks(bounded(1), { autoWatermarkInterval: -1 })).toThrowError(RangeError, /autoWatermarkInterval/)
    })
  })
})
