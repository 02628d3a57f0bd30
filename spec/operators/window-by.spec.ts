import { from } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements, marbleTest, rec, side, wm } from '../../marbles/index'
import { describeBackends } from '../support/backends'

const sum = (a: number, b: number) => a + b

describeBackends('windowBy', () => {
  describe('event-time tumbling windows', () => {
    it('fires each window when the watermark passes its end, results before that watermark', () => {
      marbleTest(({ cold, expectStream }) => {
        const input = cold<ds.StreamElement<number, string>>('a-b-c-W------d-X------|', {
          a: rec(1, 1, 'k'),
          b: rec(2, 12, 'k'),
          c: rec(4, 5, 'j'),
          W: wm(9),
          d: rec(8, 15, 'k'),
          X: wm(19)
        })
        const output = input.pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).reduce<number, string>(sum))
        expectStream(output).toBe('------(ijW)----(kX)---(Z|)', {
          i: rec(1, 9, 'k'),
          j: rec(4, 9, 'j'),
          W: wm(9),
          k: rec(10, 19, 'k'),
          X: wm(19),
          Z: wm(Infinity)
        })
      })
    })

    it('end of input fires every pending window with the +Infinity watermark', () => {
      const out = collectElements(
        ds.fromRecords([{ value: 1, timestamp: 30 }, { value: 2, timestamp: 5 }, { value: 3, timestamp: 31 }]).pipe(
          ds.keyBy(() => 'k'),
          ds.windowBy(ds.tumblingEventTimeWindows(10)).reduce<number, string>(sum)
        )
      )
      expect(out.elements).toEqual([rec(2, 9, 'k'), rec(4, 39, 'k'), wm(Infinity)])
      expect(out.completed).toBeTrue()
    })

    it('a stream that completes without the +Infinity watermark is flushed the same way', () => {
      const out = collectElements(from([rec(1, 3, 'k'), rec(2, 4, 'k')]).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).reduce<number, string>(sum)))
      expect(out.elements).toEqual([rec(3, 9, 'k'), wm(Infinity)])
    })

    it('never fires an empty window', () => {
      const out = collectElements(from([wm(100), rec(1, 150, 'k'), wm(1000)]).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).reduce<number, string>(sum)))
      expect(out.elements).toEqual([wm(100), rec(1, 159, 'k'), wm(1000), wm(Infinity)])
    })

    it('forwards side records, statuses and barriers in order', () => {
      const tag = new ds.OutputTag<string>('t')
      const input = [rec(1, 1, 'k'), side(tag, 'x', 0), ds.IDLE, ds.checkpointBarrier(1, 0), wm(20)]
      const out = collectElements(from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).reduce<number, string>(sum)))
      expect(out.elements).toEqual([side(tag, 'x', 0), ds.IDLE, ds.checkpointBarrier(1, 0), rec(1, 9, 'k'), wm(20), wm(Infinity)])
    })
  })

  describe('late data', () => {
    it('drops a record late for all its windows, or sends it to the late side output with its own timestamp', () => {
      const late = new ds.OutputTag<number>('late')
      const input = [rec(1, 5, 'k'), wm(9), rec(7, 3, 'k'), rec(2, 12, 'k')]
      const dropped = collectElements(from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).reduce<number, string>(sum)))
      expect(dropped.elements).toEqual([rec(1, 9, 'k'), wm(9), rec(2, 19, 'k'), wm(Infinity)])
      const kept = collectElements(
        from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).sideOutputLateData(late).reduce<number, string>(sum))
      )
      expect(kept.elements).toEqual([rec(1, 9, 'k'), wm(9), side(late, 7, 3), rec(2, 19, 'k'), wm(Infinity)])
    })

    it('with allowed lateness, a late record re-fires the window at once with all its contents', () => {
      const late = new ds.OutputTag<number>('late')
      const input = [rec(1, 5, 'k'), wm(9), rec(10, 3, 'k'), wm(14), rec(100, 1, 'k'), wm(20)]
      const out = collectElements(
        from(input).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).allowedLateness(5).sideOutputLateData(late).reduce<number, string>(sum))
      )
      // window [0,10) is cleaned at 9 + 5 = 14: the record at 1 after watermark 14 is late
      expect(out.elements).toEqual([rec(1, 9, 'k'), wm(9), rec(11, 9, 'k'), wm(14), side(late, 100, 1), wm(20), wm(Infinity)])
    })

    it('a record late for only some sliding windows is kept for the others and not side-output', () => {
      const late = new ds.OutputTag<number>('late')
      const input = [rec(1, 12, 'k'), wm(14), rec(5, 11, 'k')]
      const out = collectElements(
        from(input).pipe(ds.windowBy(ds.slidingEventTimeWindows(10, 5)).sideOutputLateData(late).reduce<number, string>(sum))
      )
      // 11 belongs to [5,15) (late: 14 >= 14) and [10,20) (open)
      expect(out.elements).toEqual([rec(1, 14, 'k'), wm(14), rec(6, 19, 'k'), wm(Infinity)])
    })
  })

  describe('session windows', () => {
    it('merges touching and bridged sessions, contents and trigger timers included', () => {
      const input = [rec(1, 0, 'k'), rec(2, 20, 'k'), rec(4, 10, 'k'), rec(8, 30, 'k'), wm(39), rec(16, 100, 'k')]
      const out = collectElements(
        from(input).pipe(
          ds.windowBy(ds.eventTimeSessionWindows(10)).process<number, [number, number, number], string>((_k, ctx, xs, o) =>
            o.collect([ctx.window.start, ctx.window.end, xs.reduce(sum)])
          )
        )
      )
      // 0 and 20 are apart; 10 touches both [0,10) and [20,30): one session [0,30); 30 touches it: [0,40)
      expect(out.elements).toEqual([rec([0, 40, 15], 39, 'k'), wm(39), rec([100, 110, 16], 109, 'k'), wm(Infinity)])
    })

    it('rejects fold and triggers that cannot merge', () => {
      const sessions = ds.windowBy(ds.eventTimeSessionWindows(10))
      expect(() => sessions.fold(0, (a: number, b: number) => a + b)).toThrowError(TypeError, /fold cannot be used with merging windows/)
      expect(() => sessions.trigger(ds.deltaTrigger<number>(1, (a, b) => b - a))).toThrowError(TypeError, /cannot merge/)
    })
  })

  describe('processing-time windows', () => {
    it('fire on the scheduler clock and flush at completion', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<ds.StreamElement<number, string>>('a--b------c---|', { a: rec(1, 0, 'k'), b: rec(2, 0, 'k'), c: rec(4, 0, 'k') })
        const output = input.pipe(ds.windowBy(ds.tumblingProcessingTimeWindows(5), { scheduler }).reduce<number, string>(sum))
        // [0,5) fires at 4 (its maxTimestamp), [10,15) at completion (frame 14 < its end)
        expectStream(output).toBe('----x---------(yZ|)', { x: rec(3, 4, 'k'), y: rec(4, 14, 'k'), Z: wm(Infinity) })
      })
    })
  })

  describe('window functions', () => {
    const input = () => ds.fromRecords([{ value: 3, timestamp: 1 }, { value: 4, timestamp: 2 }, { value: 5, timestamp: 11 }]).pipe(ds.keyBy(() => 'k'))
    const windows = () => ds.windowBy(ds.tumblingEventTimeWindows(10))

    it('aggregate, fold, process and apply agree', () => {
      const agg = collectElements(
        input().pipe(windows().aggregate<number, number, number, string>({ createAccumulator: () => 0, add: (v, a) => a + v, getResult: a => a, merge: sum }))
      )
      const fold = collectElements(input().pipe(windows().fold<number, string, string>('', (acc, v) => acc + v)))
      const proc = collectElements(input().pipe(windows().process<number, number, string>((_k, _c, xs, o) => o.collect(xs.reduce(sum)))))
      const apply = collectElements(input().pipe(windows().apply<number, string, string>((k, w, xs, o) => o.collect(`${k}[${w.start},${w.end}):${xs.join('+')}`))))
      expect(agg.elements).toEqual([rec(7, 9, 'k'), rec(5, 19, 'k'), wm(Infinity)])
      expect(fold.elements).toEqual([rec('34', 9, 'k'), rec('5', 19, 'k'), wm(Infinity)])
      expect(proc.elements).toEqual(agg.elements)
      expect(apply.elements).toEqual([rec('k[0,10):3+4', 9, 'k'), rec('k[10,20):5', 19, 'k'), wm(Infinity)])
    })

    it('a process window function sees the watermark and emits side outputs at maxTimestamp; clear runs at cleanup', () => {
      const tag = new ds.OutputTag<string>('info')
      const cleared: number[] = []
      const out = collectElements(
        input().pipe(
          windows().process<number, number, string>({
            process: (_k, ctx, xs, o) => {
              ctx.output(tag, `wm ${ctx.currentWatermark()}`)
              o.collect(xs.length)
            },
            clear: ctx => cleared.push(ctx.window.start)
          })
        )
      )
      expect(out.elements).toEqual([side(tag, 'wm Infinity', 9), rec(2, 9, 'k'), side(tag, 'wm Infinity', 19), rec(1, 19, 'k'), wm(Infinity)])
      expect(cleared).toEqual([0, 10])
    })

    it('an evictor keeps every element and evicts at firings, permanently', () => {
      const out = collectElements(
        ds.fromRecords([1, 2, 3, 4, 5].map(v => ({ value: v, timestamp: v }))).pipe(
          ds.keyBy(() => 'k'),
          ds.windowBy(ds.globalWindows()).trigger(ds.countTrigger(2)).evictor(ds.countEvictor(2)).reduce<number, string>(sum)
        )
      )
      expect(out.elements).toEqual([rec(3, Infinity, 'k'), rec(7, Infinity, 'k'), wm(Infinity)])
    })

    it('continuousEventTimeTrigger fires early and at the end of the window', () => {
      const out = collectElements(
        from([rec(1, 1, 'k'), wm(4), rec(2, 6, 'k'), wm(9)]).pipe(
          ds.windowBy(ds.tumblingEventTimeWindows(10)).trigger(ds.continuousEventTimeTrigger(3)).reduce<number, string>(sum)
        )
      )
      expect(out.elements).toEqual([rec(1, 9, 'k'), wm(4), rec(3, 9, 'k'), rec(3, 9, 'k'), wm(9), wm(Infinity)])
    })
  })

  describe('count windows', () => {
    it('countWindow(n) fires and purges every n records of a key; countWindow(n, s) slides', () => {
      const values = ds.fromRecords([1, 2, 3, 4, 5].map(n => ({ value: n }))).pipe(ds.keyBy(n => n % 2))
      const tumbling = collectElements(values.pipe(ds.countWindow(2).reduce<number, number>(sum)))
      expect(tumbling.elements).toEqual([rec(4, Infinity, 1), rec(6, Infinity, 0), wm(Infinity)])
      const sliding = collectElements(
        ds.fromRecords([1, 2, 3, 4].map(n => ({ value: n }))).pipe(ds.keyBy(() => 0), ds.countWindow(3, 1).process<number, number[], number>((_k, _c, xs, o) => o.collect([...xs])))
      )
      expect(sliding.elements).toEqual([rec([1], Infinity, 0), rec([1, 2], Infinity, 0), rec([1, 2, 3], Infinity, 0), rec([2, 3, 4], Infinity, 0), wm(Infinity)])
    })

    it('windowAll and countWindowAll treat the stream as one partition, without keys', () => {
      const all = collectElements(
        ds.fromRecords([{ value: 1, timestamp: 1 }, { value: 2, timestamp: 3 }]).pipe(ds.keyBy(n => n), ds.windowAll(ds.tumblingEventTimeWindows(10)).reduce<number>(sum))
      )
      expect(all.elements).toEqual([rec(3, 9), wm(Infinity)])
      const counted = collectElements(ds.fromRecords([1, 2, 3].map(value => ({ value }))).pipe(ds.countWindowAll(2).reduce<number>(sum)))
      expect(counted.elements).toEqual([rec(3, Infinity), wm(Infinity)])
    })

    it('rejects sizes that are not positive integers', () => {
      expect(() => ds.countWindow(0)).toThrowError(RangeError, /size/)
      expect(() => ds.countWindowAll(2, 1.5)).toThrowError(RangeError, /slide/)
    })
  })

  describe('errors', () => {
    it('a throwing reduce errors the stream with a UserFunctionError naming the operator and the record', () => {
      const out = collectElements(
        from([rec(1, 1, 'k'), rec(2, 2, 'k')]).pipe(
          ds.windowBy(ds.tumblingEventTimeWindows(10), { name: 'sums' }).reduce<number, string>(() => {
            throw new Error('bad sum')
          })
        )
      )
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      expect((out.error as Error).message).toBe('windowBy "sums": the user function threw while processing record (value 2, timestamp 2, key "k"): bad sum')
    })

    it('a throwing process function errors at the watermark that fires it', () => {
      const out = collectElements(
        from([rec(1, 1, 'k'), wm(9)]).pipe(
          ds.windowBy(ds.tumblingEventTimeWindows(10)).process<number, number, string>(() => {
            throw new Error('no')
          })
        )
      )
      expect((out.error as Error).message).toBe('windowBy: the user function threw while processing watermark 9: no')
    })

    it('an event-time window meeting a record without timestamp is a TimestampError', () => {
      const out = collectElements(from([ds.streamRecord(1, ds.NO_TIMESTAMP, 'k')]).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).reduce<number, string>(sum)))
      expect(out.error).toBeInstanceOf(ds.TimestampError)
      expect((out.error as Error).message).toContain('did you forget assignTimestampsAndWatermarks?')
    })

    it('bad allowed lateness is rejected at construction', () => {
      expect(() => ds.windowBy(ds.tumblingEventTimeWindows(10)).allowedLateness(-1)).toThrowError(RangeError, /allowedLateness/)
    })
  })

  describe('state', () => {
    it('releases a window at its cleanup time: memory follows open windows, not records seen', () => {
      let cleared = 0
      const keys = 50
      const records = Array.from({ length: 5_000 }, (_, i) => ({ value: i % keys, timestamp: i }))
      const out = collectElements(
        ds.fromRecords(records.flatMap((r, i) => (i % 100 === 99 ? [r, ds.watermark(r.timestamp)] : [r]))).pipe(
          ds.keyBy(v => v),
          ds.windowBy(ds.tumblingEventTimeWindows(100)).process<number, number, number>({
            process: (_k, _c, xs, o) => o.collect(xs.length),
            clear: () => cleared++
          })
        )
      )
      const results = out.elements.filter(ds.isRecord)
      // 50 windows of 100 ms, each with 50 keys of 2 records: every window fired once and was cleared
      expect(results.length).toBe(50 * keys)
      expect(results.every(r => r.value === 2)).toBeTrue()
      expect(cleared).toBe(50 * keys)
    })
  })
})

describeBackends('windowBy at the end of input', () => {
  it('processing-time windows flush before the +Infinity watermark, so downstream event time keeps them', () => {
    const out = collectElements(
      ds.fromRecords([{ value: 1, timestamp: 0 }, { value: 2, timestamp: 0 }]).pipe(
        ds.keyBy(() => 'k'),
        ds.windowBy(ds.tumblingProcessingTimeWindows(60_000)).reduce<number, string>(sum)
      )
    )
    const [result, end] = out.elements
    expect(result?._tag).toBe('Record')
    expect((result as ds.StreamRecord<number, string>).value).toBe(3)
    expect(end).toEqual(wm(Infinity))
    expect(out.elements.length).toBe(2)
  })

  it('continuousEventTimeTrigger on global windows ends: no endless firings at +Infinity', () => {
    const out = collectElements(
      ds.fromRecords([{ value: 1, timestamp: 1 }, { value: 2, timestamp: 2_500 }]).pipe(
        ds.windowAll(ds.globalWindows()).trigger(ds.continuousEventTimeTrigger(1_000)).reduce<number>(sum)
      )
    )
    expect(out.completed).toBeTrue()
    expect(out.elements).toEqual([rec(3, Infinity), wm(Infinity)])
  })

  it('a keyed window meeting a record without key is a KeyError (JavaScript callers, explicit type arguments)', () => {
    const out = collectElements(
      ds.fromRecords([{ value: 1, timestamp: 1 }]).pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).reduce<number, string>(sum))
    )
    expect(out.error).toBeInstanceOf(ds.KeyError)
    expect((out.error as Error).message).toBe(
      'windowBy: record (value 1, timestamp 1) has no key: windowBy needs a keyed stream; apply keyBy first, or use windowAll'
    )
  })
})
