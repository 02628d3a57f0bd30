/** @test {connectWith} process and keyedProcess */
import * as t from 'io-ts'
import { Observable, of, Subject } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements, idle, marbleTest, rec, side, wm } from '../../marbles/index'

const rejected = new ds.OutputTag<string>('rejected')

/** A co-process function tagging each value with the input it came through and its timestamp. */
const tagging: ds.CoProcessFunction<number, string, string> = {
  processElement1: (n, ctx, out) => out.collect(`1:${n}@${String(ctx.timestamp())}`),
  processElement2: (s, ctx, out) => out.collect(`2:${s}@${String(ctx.timestamp())}`)
}

/** Passes its values to processElement1/2 and emits nothing. */
const silent: ds.CoProcessFunction<number, string, string> = { processElement1: () => undefined, processElement2: () => undefined }

describe('connectWith(...).process', () => {
  describe('routing and output', () => {
    it('sends the piped stream to processElement1 and the other to processElement2, results stamped with their record timestamp', () => {
      marbleTest(({ cold, expectStream }) => {
        const numbers = cold('-a---b--|', { a: rec(1, 4), b: rec(2, 9) })
        const words = cold('--x-y----|', { x: rec('x', 20), y: rec('y', 1) })
        expectStream(numbers.pipe(ds.connectWith(words).process(tagging))).toBe('-ax-yb---(Z|)', {
          a: rec('1:1@4', 4),
          x: rec('2:x@20', 20),
          y: rec('2:y@1', 1),
          b: rec('1:2@9', 9),
          Z: wm(Infinity)
        })
      })
    })

    it('emits any number of results per record, keeps "no timestamp", and drops the keys of keyed inputs', () => {
      const left = of(ds.streamRecord(2), rec(1, 5, 'k'))
      const right = of(rec('ab', 3, ['k', 1]), ds.streamRecord(''))
      const out = collectElements(
        left.pipe(
          ds.connectWith(right).process<number, string>({
            processElement1: (n, _ctx, o) => {
              for (let i = 0; i < n; i++) o.collect(`n${i}`)
            },
            processElement2: (s, _ctx, o) => {
              for (const c of s) o.collect(c)
            }
          })
        )
      )
      expect(out.elements).toEqual([ds.streamRecord('n0'), ds.streamRecord('n1'), rec('n0', 5), rec('a', 3), rec('b', 3), wm(Infinity)])
      expect(out.elements.map((e: ds.StreamElement<string, unknown>) => (e._tag === 'Record' ? e.key : 'none'))).toEqual([undefined, undefined, undefined, undefined, undefined, 'none'])
      expect(out.completed).toBeTrue()
    })

    it('ctx.output sends a side record with the record timestamp from either method, kept out of the main output', () => {
      const lengths = new ds.OutputTag<number>('lengths')
      const out = collectElements(
        of(rec(-1, 1), rec(4, 2)).pipe(
          ds.connectWith(of(rec('bad', 7), rec('good', 8))).process<number, string>({
            processElement1: (n, ctx, o) => (n < 0 ? ctx.output(rejected, `negative ${n}`) : o.collect(`n=${n}`)),
            processElement2: (s, ctx, o) => {
              ctx.output(lengths, s.length)
              if (s === 'bad') ctx.output(rejected, s)
              else o.collect(`s=${s}`)
            }
          })
        )
      )
      expect(out.elements).toEqual([
        side(rejected, 'negative -1', 1),
        rec('n=4', 2),
        side(lengths, 3, 7),
        side(rejected, 'bad', 7),
        side(lengths, 4, 8),
        rec('s=good', 8),
        wm(Infinity)
      ])
      expect(collectElements(of(...out.elements).pipe(ds.mainOutput())).elements).toEqual([rec('n=4', 2), rec('s=good', 8), wm(Infinity)])
      expect(collectElements(of(...out.elements).pipe(ds.sideOutput(rejected))).elements).toEqual([rec('negative -1', 1), rec('bad', 7), wm(Infinity)])
    })

    it('rejects a null output tag with a TypeError through the error channel', () => {
      const out = collectElements(
        of(rec(1, 1)).pipe(
          ds.connectWith(of(rec('x', 2))).process<number, string>({
            processElement1: (_n, ctx) => ctx.output(null as unknown as ds.OutputTag<string>, 'lost'),
            processElement2: () => undefined
          })
        )
      )
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      expect((out.error as Error).cause).toBeInstanceOf(TypeError)
      expect(out.elements).toEqual([])
    })

    it('ctx.currentProcessingTime() reads the scheduler option', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const left = cold('-a----|', { a: rec(0, 100) })
        const right = cold('---b--|', { b: rec('b', 50) })
        const output = left.pipe(
          ds.connectWith(right, { scheduler }).process<number, number>({
            processElement1: (_n, ctx, o) => o.collect(ctx.currentProcessingTime()),
            processElement2: (_s, ctx, o) => o.collect(ctx.currentProcessingTime())
          })
        )
        expectStream(output).toBe('-a-b--(Z|)', { a: rec(1, 100), b: rec(3, 50), Z: wm(Infinity) })
      })
    })
  })

  describe('watermarks', () => {
    it('forwards the minimum of both inputs, which is what ctx.currentWatermark() reads in both methods', () => {
      marbleTest(({ cold, expectStream }) => {
        // combined: 10 once both reported (frame 3), 20 (frame 7), 30 (frame 10),
        // 50 when the left completes (frame 12), +Infinity when the right does
        const left = cold('-W---a-X---b|', { W: wm(10), a: rec(1, 12), X: wm(30), b: rec(2, 40) })
        const right = cold<ds.StreamElement<string>>('---V----c-Y--|', { V: wm(20), c: rec('c', 25), Y: wm(50) })
        const output = left.pipe(
          ds.connectWith(right).process<number, string>({
            processElement1: (n, ctx, o) => o.collect(`${n}|${ctx.currentWatermark()}`),
            processElement2: (s, ctx, o) => o.collect(`${s}|${ctx.currentWatermark()}`)
          })
        )
        expectStream(output).toBe('---A-a-Bc-CbD(Z|)', {
          A: wm(10),
          a: rec('1|10', 12),
          B: wm(20),
          c: rec('c|20', 25),
          C: wm(30),
          b: rec('2|30', 40),
          D: wm(50),
          Z: wm(Infinity)
        })
      })
    })

    it('leaves an idle input out of the minimum', () => {
      marbleTest(({ hot, expectStream }) => {
        const left = hot<ds.StreamElement<number>>('-W--I-----', { W: wm(5), I: idle() })
        const right = hot<ds.StreamElement<string>>('--X----Y--', { X: wm(9), Y: wm(15) })
        expectStream(left.pipe(ds.connectWith(right).process(silent))).toBe('--A-B--C--', { A: wm(5), B: wm(9), C: wm(15) })
      })
    })

    it('completes only once both inputs have completed', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const left = cold('-a|', { a: rec(1, 1) })
        const right = cold('-----b---|', { b: rec('b', 2) })
        expectStream(left.pipe(ds.connectWith(right).process(tagging))).toBe('-a---b---(Z|)', { a: rec('1:1@1', 1), b: rec('2:b@2', 2), Z: wm(Infinity) })
        expectSubscriptions(left.subscriptions).toBe('^-!')
        expectSubscriptions(right.subscriptions).toBe('^--------!')
      })
    })
  })

  describe('lifecycle', () => {
    function logging(log: string[], fail?: 1 | 2): ds.CoProcessFunction<number, string, string> {
      return {
        open: () => log.push('open'),
        processElement1: (n, _ctx, out) => {
          log.push(`1:${n}`)
          if (fail === 1) throw new Error('one')
          out.collect(String(n))
        },
        processElement2: (s, _ctx, out) => {
          log.push(`2:${s}`)
          if (fail === 2) throw new Error('two')
          out.collect(s)
        },
        close: () => log.push('close')
      }
    }

    it('calls open once before the first record and close once after completion', () => {
      const log: string[] = []
      const out = collectElements(of(rec(1, 1), rec(2, 2)).pipe(ds.connectWith(of(rec('x', 3))).process(logging(log))))
      expect(out.completed).toBeTrue()
      expect(log).toEqual(['open', '1:1', '1:2', '2:x', 'close'])
    })

    it('calls close once when either method throws', () => {
      for (const fail of [1, 2] as const) {
        const log: string[] = []
        const out = collectElements(of(rec(1, 1), rec(2, 2)).pipe(ds.connectWith(of(rec('x', 3), rec('y', 4))).process(logging(log, fail))))
        expect(out.error).toBeInstanceOf(ds.UserFunctionError)
        expect(log).toEqual(fail === 1 ? ['open', '1:1', 'close'] : ['open', '1:1', '1:2', '2:x', 'close'])
      }
    })

    it('calls close once when the output is unsubscribed, and not again after the inputs end', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions, flush, scheduler }) => {
        const log: string[] = []
        const fn = logging(log)
        const originalClose = fn.close!
        fn.close = () => {
          originalClose()
          log.push(`at ${scheduler.now()}`)
        }
        const left = cold('-a------|', { a: rec(1, 1) })
        const right = cold('--b-----|', { b: rec('b', 2) })
        expectStream(left.pipe(ds.connectWith(right).process(fn)), '^---!').toBe('-ab', { a: rec('1', 1), b: rec('b', 2) })
        expectSubscriptions(left.subscriptions).toBe('^---!')
        expectSubscriptions(right.subscriptions).toBe('^---!')
        flush()
        expect(log).toEqual(['open', '1:1', '2:b', 'close', 'at 4'])
      })
    })

    it('with a factory, creates one function per subscription, so per-subscription fields are not shared', () => {
      let created = 0
      const counting = (): ds.CoProcessFunction<number, string, number> => {
        created++
        let count = 0
        return {
          processElement1: (_n, _ctx, out) => out.collect(++count),
          processElement2: (_s, _ctx, out) => out.collect(++count)
        }
      }
      const op = ds.connectWith(of(rec('x', 9))).process(counting)
      expect(created).toBe(0)
      const first = collectElements(of(rec(1, 1), rec(2, 2)).pipe(op))
      const second = collectElements(of(rec(1, 1), rec(2, 2)).pipe(op))
      expect(created).toBe(2)
      const expected = [rec(1, 1), rec(2, 2), rec(3, 9), wm(Infinity)]
      expect(first.elements).toEqual(expected)
      expect(second.elements).toEqual(expected)
    })
  })

  describe('errors', () => {
    it('wraps a throwing processElement1 in a UserFunctionError naming connectWith.process and the record', () => {
      const boom = new Error('bad number')
      const out = collectElements(
        of(rec(1, 1), rec(2, 5), rec(3, 6)).pipe(
          ds.connectWith(of(rec('x', 0))).process<number, string>({
            processElement1: (n, _ctx, o) => {
              if (n === 2) throw boom
              o.collect(String(n))
            },
            processElement2: (s, _ctx, o) => o.collect(s)
          })
        )
      )
      expect(out.elements).toEqual([rec('1', 1)])
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      const error = out.error as ds.UserFunctionError
      expect(error.cause).toBe(boom)
      expect(error.operator).toEqual({ kind: 'connectWith.process', name: 'connectWith.process', uid: undefined })
      expect(error.message).toBe('connectWith.process: the user function threw while processing record (value 2, timestamp 5): bad number')
    })

    it('wraps a throwing processElement2 the same way, with name and uid from the options, and unsubscribes both inputs', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const boom = new TypeError('bad word')
        const left = cold('-a-----|', { a: rec(1, 1) })
        const right = cold('---x---|', { x: rec('x', 7) })
        const output = left.pipe(
          ds.connectWith(right, { name: 'tagger', uid: 'tagger-v1' }).process<number, string>({
            processElement1: (n, _ctx, o) => o.collect(String(n)),
            processElement2: () => {
              throw boom
            }
          })
        )
        const info = { kind: 'connectWith.process', name: 'tagger', uid: 'tagger-v1' }
        expectStream(output).toBe('-a-#', { a: rec('1', 1) }, new ds.UserFunctionError(info, 'processing record (value "x", timestamp 7)', boom))
        expectSubscriptions(left.subscriptions).toBe('^--!')
        expectSubscriptions(right.subscriptions).toBe('^--!')
      })
      const out = collectElements(
        of(rec(1, 1)).pipe(
          ds.connectWith(of(rec('x', 7)), { name: 'tagger', uid: 'tagger-v1' }).process<number, string>({
            processElement1: () => undefined,
            processElement2: () => {
              throw new Error('w')
            }
          })
        )
      )
      expect((out.error as Error).message).toBe('connectWith.process "tagger" (uid tagger-v1): the user function threw while processing record (value "x", timestamp 7): w')
    })

    it('fails with a UserFunctionError when open throws, before subscribing either input', () => {
      let subscribed = 0
      const counted = <T>(): Observable<T> =>
        new Observable<T>(() => {
          subscribed++
        })
      const out = collectElements(
        counted<ds.StreamElement<number>>().pipe(
          ds.connectWith(counted<ds.StreamElement<string>>()).process<number, string>({
            open: () => {
              throw new Error('no connection')
            },
            processElement1: () => undefined,
            processElement2: () => undefined
          })
        )
      )
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      expect((out.error as Error).message).toBe('connectWith.process: the user function threw while running: no connection')
      expect(subscribed).toBe(0)
    })

    it('forwards an error of either input unchanged and closes the function once', () => {
      let closed = 0
      marbleTest(({ cold, expectStream }) => {
        const boom = new Error('input failed')
        const left = cold('-a----|', { a: rec(1, 1) })
        const right = cold<ds.StreamElement<string>>('--#', undefined, boom)
        const output = left.pipe(ds.connectWith(right).process<number, string>({ ...tagging, close: () => closed++ }))
        expectStream(output).toBe('-a#', { a: rec('1:1@1', 1) }, boom)
      })
      expect(closed).toBe(1)
    })
  })
})

// -------------------------------------------------------------------------------------
// keyed
// -------------------------------------------------------------------------------------

const total = ds.valueState('total', t.number)
const label = ds.valueState('label', t.string)

/** Registers an event-time timer at the record's value; onTimer reports what it saw. */
const timerAtValue: ds.KeyedCoProcessFunction<string, number, number, string> = {
  processElement1: (time, ctx) => ctx.timerService().registerEventTimeTimer(time),
  processElement2: (time, ctx) => ctx.timerService().registerEventTimeTimer(time),
  onTimer: (ts, ctx, out) => out.collect(`${ctx.getCurrentKey()}@${ts} ${ctx.timeDomain()} ts=${String(ctx.timestamp())} wm=${ctx.currentWatermark()}`)
}

describe('connectWith(...).keyedProcess', () => {
  describe('keyed state', () => {
    it('shares one key\'s state across both inputs, separately per key; output keeps the key and record timestamp', () => {
      marbleTest(({ cold, expectStream }) => {
        const adds = cold('-a-b---c|', { a: rec(2, 1, 'x'), b: rec(5, 2, 'y'), c: rec(1, 7, 'x') })
        const factors = cold('--p--q--|', { p: rec(10, 3, 'x'), q: rec(3, 4, 'y') })
        const output = adds.pipe(
          ds.connectWith(factors).keyedProcess<number, string>({
            processElement1: (n, ctx, out) => {
              const s = ctx.state(total)
              s.update((s.value() ?? 0) + n)
              out.collect(`${ctx.getCurrentKey()} +${n} = ${s.value()}`)
            },
            processElement2: (m, ctx, out) => {
              const s = ctx.state(total)
              s.update((s.value() ?? 0) * m)
              out.collect(`${ctx.getCurrentKey()} *${m} = ${s.value()}`)
            }
          })
        )
        expectStream(output).toBe('-apb-q-c(Z|)', {
          a: rec('x +2 = 2', 1, 'x'),
          p: rec('x *10 = 20', 3, 'x'),
          b: rec('y +5 = 5', 2, 'y'),
          q: rec('y *3 = 15', 4, 'y'),
          c: rec('x +1 = 21', 7, 'x'),
          Z: wm(Infinity)
        })
      })
    })

    it('state is per subscription, and a factory creates one function per subscription', () => {
      let created = 0
      const op = ds.connectWith(of(rec(1, 5, 'k'))).keyedProcess<number, number>(() => {
        created++
        return {
          processElement1: (n, ctx, out) => {
            ctx.state(total).update((ctx.state(total).value() ?? 0) + n)
            out.collect(ctx.state(total).value()!)
          },
          processElement2: (n, ctx, out) => {
            ctx.state(total).update((ctx.state(total).value() ?? 0) + n)
            out.collect(ctx.state(total).value()!)
          }
        }
      })
      const source = of(rec(10, 1, 'k'))
      const first = collectElements(source.pipe(op))
      const second = collectElements(source.pipe(op))
      expect(created).toBe(2)
      expect(first.elements).toEqual([rec(10, 1, 'k'), rec(11, 5, 'k'), wm(Infinity)])
      expect(second.elements).toEqual(first.elements)
    })

    it('keyed state used in open fails with a StateError (no key is current)', () => {
      let closed = 0
      const out = collectElements(
        of(rec(1, 1, 'k')).pipe(
          ds.connectWith(of(rec(2, 2, 'k')), { name: 'join', uid: 'join-1' }).keyedProcess<number, number>({
            open: ctx => {
              ctx.state(total).value()
            },
            processElement1: () => undefined,
            processElement2: () => undefined,
            close: () => closed++
          })
        )
      )
      expect(out.error).toBeInstanceOf(ds.StateError)
      const error = out.error as ds.StateError
      expect(error.state).toBe('total')
      expect(error.operator).toEqual({ kind: 'connectWith.keyedProcess', name: 'join', uid: 'join-1' })
      expect(error.message).toContain('keyed state is only accessible while a record or timer of a key is processed')
      expect(out.elements).toEqual([])
    })

    it('a record without a key on either input fails with a KeyError naming that input', () => {
      const fn: ds.KeyedCoProcessFunction<string, number, number, number> = { processElement1: (n, _c, o) => o.collect(n), processElement2: (n, _c, o) => o.collect(n) }
      const first = collectElements((of(rec(1, 1, 'k'), rec(7, 3)) as Observable<ds.StreamElement<number, string>>).pipe(ds.connectWith(of(rec(2, 2, 'k'))).keyedProcess(fn)))
      expect(first.elements).toEqual([rec(1, 1, 'k')])
      expect(first.error).toBeInstanceOf(ds.KeyError)
      expect((first.error as Error).message).toBe(
        'connectWith.keyedProcess: record (value 7, timestamp 3) on input 1 has no key: connectWith.keyedProcess needs keyed inputs; apply keyBy first'
      )
      const other = of(rec(2, 2, 'k'), rec(8, 4)) as Observable<ds.StreamElement<number, string>>
      const second = collectElements(of(rec(1, 1, 'k')).pipe(ds.connectWith(other, { name: 'pair' }).keyedProcess(fn)))
      expect(second.elements).toEqual([rec(1, 1, 'k'), rec(2, 2, 'k')])
      expect(second.error).toBeInstanceOf(ds.KeyError)
      expect((second.error as Error).message).toMatch(/^connectWith\.keyedProcess "pair": record \(value 8, timestamp 4\) on input 2 has no key/)
    })
  })

  describe('event-time timers', () => {
    it('fire, whichever input registered them, when the combined watermark passes them, before it is forwarded', () => {
      marbleTest(({ cold, expectStream }) => {
        // k1@10 and k2@12 wait for the right input's watermark (the slower); k3@30 fires only
        // once the right input reaches 35, though the left is at 40 already
        const left = cold<ds.StreamElement<number, string>>('-a---W-----X--|', { a: rec(10, 1, 'k1'), W: wm(20), X: wm(40) })
        const right = cold<ds.StreamElement<number, string>>('--b-c-V--U-----Y------|', {
          b: rec(12, 2, 'k2'),
          c: rec(30, 4, 'k3'),
          V: wm(5),
          U: wm(15),
          Y: wm(35)
        })
        expectStream(left.pipe(ds.connectWith(right).keyedProcess(timerAtValue))).toBe('------A--(pqB)-(rC)---(Z|)', {
          A: wm(5),
          p: rec('k1@10 EVENT_TIME ts=10 wm=15', 10, 'k1'),
          q: rec('k2@12 EVENT_TIME ts=12 wm=15', 12, 'k2'),
          B: wm(15),
          r: rec('k3@30 EVENT_TIME ts=30 wm=35', 30, 'k3'),
          C: wm(35),
          Z: wm(Infinity)
        })
      })
    })

    it('run with the timer\'s key current: onTimer sees the state that key got from either input', () => {
      const fn: ds.KeyedCoProcessFunction<string, string, string, string> = {
        processElement1: (v, ctx) => {
          ctx.state(label).update(`left:${v}`)
          ctx.timerService().registerEventTimeTimer(50)
        },
        processElement2: (v, ctx) => {
          ctx.state(label).update(`right:${v}`)
          ctx.timerService().registerEventTimeTimer(60)
        },
        onTimer: (ts, ctx, out) => out.collect(`${ctx.getCurrentKey()}@${ts} ${ctx.state(label).value()}`)
      }
      const left = of<ds.StreamElement<string, string>[]>(rec('hello', 1, 'a'), wm(100))
      const right = of<ds.StreamElement<string, string>[]>(rec('world', 2, 'b'), wm(55))
      const out = collectElements(left.pipe(ds.connectWith(right).keyedProcess(fn)))
      expect(out.elements).toEqual([rec('a@50 left:hello', 50, 'a'), wm(55), rec('b@60 right:world', 60, 'b'), wm(Infinity)])
    })

    it('leave an idle input out: the active input\'s watermark alone fires them', () => {
      marbleTest(({ hot, expectStream }) => {
        const left = hot<ds.StreamElement<number, string>>('-a--W--', { a: rec(10, 1, 'k'), W: wm(20) })
        const right = hot<ds.StreamElement<number, string>>('--I----', { I: idle() })
        expectStream(left.pipe(ds.connectWith(right).keyedProcess(timerAtValue))).toBe('----(pW)', {
          p: rec('k@10 EVENT_TIME ts=10 wm=20', 10, 'k'),
          W: wm(20)
        })
      })
    })

    it('still pending when both inputs complete, fire before the final watermark', () => {
      const left = of(rec(70, 1, 'a'))
      const right = of(rec(40, 2, 'b'))
      const out = collectElements(left.pipe(ds.connectWith(right).keyedProcess(timerAtValue)))
      expect(out.elements).toEqual([
        rec('b@40 EVENT_TIME ts=40 wm=Infinity', 40, 'b'),
        rec('a@70 EVENT_TIME ts=70 wm=Infinity', 70, 'a'),
        wm(Infinity)
      ])
      expect(out.completed).toBeTrue()
    })

    it('registered at or before the combined watermark, fire at its next advance, not at once', () => {
      const left = new Subject<ds.StreamElement<number, string>>()
      const right = new Subject<ds.StreamElement<number, string>>()
      const elements: ds.StreamElement<string, string>[] = []
      left.pipe(ds.connectWith(right).keyedProcess(timerAtValue)).subscribe(e => elements.push(e))
      left.next(wm(10))
      right.next(wm(10))
      left.next(rec(5, 11, 'k'))
      right.next(wm(12))
      expect(elements).toEqual([wm(10)])
      left.next(wm(15))
      expect(elements).toEqual([wm(10), rec('k@5 EVENT_TIME ts=5 wm=12', 5, 'k'), wm(12)])
    })

    it('a throwing onTimer fails with a UserFunctionError naming the timer and its key', () => {
      const boom = new Error('timer broke')
      const out = collectElements(
        of(rec(10, 1, 'k')).pipe(
          ds.connectWith(of<ds.StreamElement<number, string>[]>(wm(20)), { name: 'expire' }).keyedProcess<number, string>({
            processElement1: (time, ctx) => ctx.timerService().registerEventTimeTimer(time),
            processElement2: () => undefined,
            onTimer: () => {
              throw boom
            }
          })
        )
      )
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      expect((out.error as Error).cause).toBe(boom)
      expect((out.error as Error).message).toBe(
        'connectWith.keyedProcess "expire": the user function threw while firing the event-time timer at 10 of key "k": timer broke'
      )
    })
  })

  describe('processing-time timers', () => {
    it('fire on the scheduler clock with their key current; their output has no timestamp', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const seen = ds.valueState('seen', t.string)
        const register = (v: string, ctx: ds.KeyedProcessContext<string>): void => {
          ctx.state(seen).update(v)
          ctx.timerService().registerProcessingTimeTimer(ctx.currentProcessingTime() + 3)
        }
        const left = cold('-a-------|', { a: rec('a', 1, 'k1') })
        const right = cold('---b-----|', { b: rec('b', 2, 'k2') })
        const output = left.pipe(
          ds.connectWith(right, { scheduler }).keyedProcess<string, string>({
            processElement1: register,
            processElement2: register,
            onTimer: (ts, ctx, out) => out.collect(`${ctx.getCurrentKey()} ${ctx.state(seen).value()} @${ts} ${ctx.timeDomain()} ts=${String(ctx.timestamp())}`)
          })
        )
        expectStream(output).toBe('----p-q--(Z|)', {
          p: rec('k1 a @4 PROCESSING_TIME ts=null', -Infinity, 'k1'),
          q: rec('k2 b @6 PROCESSING_TIME ts=null', -Infinity, 'k2'),
          Z: wm(Infinity)
        })
      })
    })

    it('are cancelled when the output is unsubscribed; close runs once', () => {
      const log: string[] = []
      marbleTest(({ cold, expectStream, scheduler }) => {
        const left = cold('-a-------|', { a: rec('a', 1, 'k') })
        const right = cold<ds.StreamElement<string, string>>('---------|')
        const output = left.pipe(
          ds.connectWith(right, { scheduler }).keyedProcess<string, string>({
            processElement1: (_v, ctx) => ctx.timerService().registerProcessingTimeTimer(5),
            processElement2: () => undefined,
            onTimer: (ts, _ctx, out) => {
              log.push(`fired ${ts}`)
              out.collect('late')
            },
            close: () => log.push(`close at ${scheduler.now()}`)
          })
        )
        expectStream(output, '^--!').toBe('---')
      })
      expect(log).toEqual(['close at 3'])
    })

    it('processElement errors carry the operator name and uid', () => {
      const boom = new Error('bad')
      const out = collectElements(
        of(rec(1, 1, 'k')).pipe(
          ds.connectWith(of(rec(2, 2, 'k')), { name: 'match', uid: 'match-v2' }).keyedProcess<number, number>({
            processElement1: (n, _c, o) => o.collect(n),
            processElement2: () => {
              throw boom
            }
          })
        )
      )
      expect(out.elements).toEqual([rec(1, 1, 'k')])
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      const error = out.error as ds.UserFunctionError
      expect(error.operator).toEqual({ kind: 'connectWith.keyedProcess', name: 'match', uid: 'match-v2' })
      expect(error.cause).toBe(boom)
      expect(error.message).toBe('connectWith.keyedProcess "match" (uid match-v2): the user function threw while processing record (value 2, timestamp 2, key "k"): bad')
    })
  })
})
