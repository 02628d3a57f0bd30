import * as fc from 'fast-check'
import * as t from 'io-ts'
import { concat, from, of, type OperatorFunction, Subject, throwError } from 'rxjs'
import * as ds from '../../src/index'
import { active, barrier, collectElements, idle, marbleTest, rec, side, wm } from '../../marbles/index'
import { errorOf, mainValues, runKeyed, keyedOptions } from '../support/keyed'
import { describeBackends } from '../support/backends'
import { segments } from '../support/segments'

const late = new ds.OutputTag<string>('late')
const fromTimer = new ds.OutputTag<string>('from-timer')
const END = ds.MAX_WATERMARK

/** What onTimer saw, as one string: `<domain> <time> key <key> ts <ctx.timestamp()> wm <watermark>`. */
function describeTimer(ts: number, ctx: ds.OnTimerContext<string>): string {
  return `${ctx.timeDomain()} ${ts} key ${ctx.getCurrentKey()} ts ${String(ctx.timestamp())} wm ${ctx.currentWatermark()}`
}

/** Registers, per record, the event-time timers its value lists (`'10,20'`); emits what fires. */
const eventTimers: ds.KeyedProcessFunction<string, string, string> = {
  processElement: (times, ctx) => {
    for (const time of times.split(',')) ctx.timerService().registerEventTimeTimer(Number(time))
  },
  onTimer: (ts, ctx, out) => out.collect(`${ctx.getCurrentKey()}@${ts}`)
}

describeBackends('keyedProcess', () => {
  describe('records', () => {
    it('runs processElement per record with its key current; results keep the record timestamp and key', () => {
      marbleTest(({ cold, expectStream }) => {
        const input = cold<ds.StreamElement<number, string>>('-a-b-c-|', { a: rec(1, 10, 'x'), b: rec(2, 5, 'y'), c: rec(3, 7, 'x') })
        const output = input.pipe(
          ds.keyedProcess<string, number, string>({
            processElement: (v, ctx, out) => out.collect(`${ctx.getCurrentKey()}:${v}:${String(ctx.timestamp())}`)
          })
        )
        expectStream(output).toBe('-a-b-c-(W|)', { a: rec('x:1:10', 10, 'x'), b: rec('y:2:5', 5, 'y'), c: rec('x:3:7', 7, 'x'), W: END })
      })
    })

    it('ctx.timestamp() is null for a record without timestamp, whose results have none either', () => {
      const out = runKeyed<string, number, number | null>(
        { processElement: (_v, ctx, o) => o.collect(ctx.timestamp()) },
        [ds.streamRecord(1, ds.NO_TIMESTAMP, 'k'), rec(2, -4, 'k')]
      )
      expect(out.elements).toEqual([rec(null, ds.NO_TIMESTAMP, 'k'), rec(-4, -4, 'k'), END])
    })

    it('ctx.currentWatermark() and the timer service report the last watermark and the scheduler time', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<ds.StreamElement<number, string>>('-a-B-b 4ms c|', { a: rec(1, 1, 'k'), B: wm(4), b: rec(2, 5, 'k'), c: rec(3, 6, 'k') })
        const output = input.pipe(
          ds.keyedProcess<string, number, string>(
            {
              processElement: (_v, ctx, out) =>
                out.collect(`${ctx.currentWatermark()} ${ctx.timerService().currentWatermark()} ${ctx.currentProcessingTime()} ${ctx.timerService().currentProcessingTime()}`)
            },
            { scheduler }
          )
        )
        expectStream(output).toBe('-a-B-b 4ms c(W|)', {
          a: rec('-Infinity -Infinity 1 1', 1, 'k'),
          B: wm(4),
          b: rec('4 4 5 5', 5, 'k'),
          c: rec('4 4 10 10', 6, 'k'),
          W: END
        })
      })
    })

    it('passes control elements and upstream side records through in order; a watermark that does not advance is dropped', () => {
      marbleTest(({ cold, expectStream }) => {
        const input = cold<ds.StreamElement<number, string>>('-aB-IA-C-sDE-b-|', {
          a: rec(1, 1, 'k'),
          B: wm(3),
          I: idle(),
          A: active(),
          C: barrier(1),
          s: side(late, 'upstream', 2),
          D: wm(3),
          E: wm(2),
          b: rec(2, 4, 'k')
        })
        const output = input.pipe(ds.keyedProcess<string, number, number>({ processElement: (v, _ctx, out) => out.collect(v * 10) }))
        expectStream(output).toBe('-aB-IA-C-s---b-(W|)', {
          a: rec(10, 1, 'k'),
          B: wm(3),
          I: idle(),
          A: active(),
          C: barrier(1),
          s: side(late, 'upstream', 2),
          b: rec(20, 4, 'k'),
          W: END
        })
      })
    })

    it('forwards the +Infinity watermark of the input once, and adds one at completion only if the input did not', () => {
      const fn: ds.KeyedProcessFunction<string, number, number> = { processElement: (v, _ctx, o) => o.collect(v) }
      expect(runKeyed(fn, [rec(1, 1, 'k'), END]).elements).toEqual([rec(1, 1, 'k'), END])
      expect(runKeyed(fn, [rec(1, 1, 'k')]).elements).toEqual([rec(1, 1, 'k'), END])
      expect(runKeyed(fn, []).elements).toEqual([END])
    })
  })

  describe('event-time timers', () => {
    it('fire when the watermark reaches their time (not before), before that watermark is forwarded, stamped with their time', () => {
      marbleTest(({ cold, expectStream }) => {
        const input = cold<ds.StreamElement<string, string>>('-a-B-C-----|', { a: rec('10', 1, 'k'), B: wm(9), C: wm(10) })
        const output = input.pipe(
          ds.keyedProcess<string, string, string>({
            processElement: (times, ctx) => ctx.timerService().registerEventTimeTimer(Number(times)),
            onTimer: (ts, ctx, out) => out.collect(describeTimer(ts, ctx))
          })
        )
        expectStream(output).toBe('---B-(tC)--(W|)', { B: wm(9), t: rec('EVENT_TIME 10 key k ts 10 wm 10', 10, 'k'), C: wm(10), W: END })
      })
    })

    it('fire in ascending time order across keys, every timer up to the watermark', () => {
      const out = runKeyed(eventTimers, [rec('30', 1, 'a'), rec('10,40', 2, 'b'), rec('20', 3, 'c'), rec('15', 4, 'a'), wm(30), wm(100)])
      expect(out.error).toBeUndefined()
      expect(segments(out.elements).map(s => [s.watermark, mainValues(s.before)])).toEqual([
        [30, ['b@10', 'a@15', 'c@20', 'a@30']],
        [100, ['b@40']],
        [Infinity, []]
      ])
    })

    it('timers of several keys at the same time all fire, each with its own key', () => {
      const out = runKeyed(eventTimers, [rec('10', 1, 'a'), rec('10', 2, 'b'), rec('10', 3, 'c'), wm(10)])
      expect(mainValues(out).sort()).toEqual(['a@10', 'b@10', 'c@10'])
      expect(out.elements.slice(0, 3).every(e => e._tag === 'Record' && e.key === (e.value as string)[0] && e.timestamp === 10)).toBeTrue()
      expect(out.elements[3]).toEqual(wm(10))
    })

    it('are deduplicated per key and time: registered twice, a timer fires once', () => {
      const out = runKeyed(eventTimers, [rec('10,10', 1, 'a'), rec('10', 2, 'a'), rec('10', 3, 'b'), wm(50)])
      expect(mainValues(out).sort()).toEqual(['a@10', 'b@10'])
    })

    it('can be deleted; deleting a timer that does not exist, or of another key, changes nothing', () => {
      const fn: ds.KeyedProcessFunction<string, string, string> = {
        processElement: (cmd, ctx) => {
          const [op, time] = cmd.split(' ')
          if (op === 'add') ctx.timerService().registerEventTimeTimer(Number(time))
          else if (op === 'del') ctx.timerService().deleteEventTimeTimer(Number(time))
          else ctx.timerService().deleteProcessingTimeTimer(Number(time))
        },
        onTimer: (ts, ctx, out) => out.collect(`${ctx.getCurrentKey()}@${ts}`)
      }
      const input = [
        rec('add 10', 1, 'a'),
        rec('add 20', 2, 'a'),
        rec('add 30', 3, 'a'),
        rec('del 10', 4, 'a'),
        rec('del 99', 5, 'a'),
        rec('del 20', 6, 'b'),
        rec('delProcessing 30', 7, 'a'),
        rec('del 10', 8, 'a')
      ]
      expect(mainValues(runKeyed(fn, [...input, wm(100)]))).toEqual(['a@20', 'a@30'])
    })

    it('registered at or before the current watermark from processElement, fires at the next advance, not at once', () => {
      marbleTest(({ cold, expectStream }) => {
        const input = cold<ds.StreamElement<string, string>>('-B-a-C------|', { B: wm(10), a: rec('5,10', 11, 'k'), C: wm(11) })
        expectStream(input.pipe(ds.keyedProcess(eventTimers, keyedOptions()))).toBe('-B---(xyC)--(W|)', {
          B: wm(10),
          x: rec('k@5', 5, 'k'),
          y: rec('k@10', 10, 'k'),
          C: wm(11),
          W: END
        })
      })
    })

    it('registered from onTimer at or before the advancing watermark, fires in that same advance', () => {
      const fn: ds.KeyedProcessFunction<string, string, string> = {
        processElement: (_v, ctx) => ctx.timerService().registerEventTimeTimer(10),
        onTimer: (ts, ctx, out) => {
          out.collect(`${ctx.getCurrentKey()}@${ts}`)
          if (ts === 10) for (const time of [7, 15, 20, 25]) ctx.timerService().registerEventTimeTimer(time)
        }
      }
      const out = runKeyed(fn, [rec('x', 1, 'k'), wm(20)])
      expect(segments(out.elements).map(s => [s.watermark, mainValues(s.before)])).toEqual([
        [20, ['k@10', 'k@7', 'k@15', 'k@20']],
        [Infinity, ['k@25']]
      ])
    })

    it('all pending ones fire at the end of input (the +Infinity watermark), in time order', () => {
      const out = runKeyed(eventTimers, [rec('1000', 1, 'a'), rec('-5,Infinity', 2, 'b')])
      expect(out.elements).toEqual([rec('b@-5', -5, 'b'), rec('a@1000', 1000, 'a'), rec('b@Infinity', Infinity, 'b'), END])
    })

    it('a timer at -Infinity fires at the first watermark', () => {
      const out = runKeyed(eventTimers, [rec('-Infinity', 1, 'a'), wm(-1000)])
      expect(out.elements.slice(0, 2)).toEqual([rec('a@-Infinity', -Infinity, 'a'), wm(-1000)])
    })

    it('without onTimer, timers fire into nothing', () => {
      const out = runKeyed<string, string, string>({ processElement: (_v, ctx) => ctx.timerService().registerEventTimeTimer(5) }, [rec('x', 1, 'k'), wm(10)])
      expect(out.elements).toEqual([wm(10), END])
    })
  })

  describe('processing-time timers', () => {
    it('fire when the scheduler reaches their time, without timestamp (ctx.timestamp() null), with the timer key current', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<ds.StreamElement<string, string>>('--a 9ms |', { a: rec('x', 100, 'k') })
        const output = input.pipe(
          ds.keyedProcess<string, string, string>(
            {
              processElement: (_v, ctx) => ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 5),
              onTimer: (ts, ctx, out) => out.collect(`${describeTimer(ts, ctx)} now ${ctx.currentProcessingTime()}`)
            },
            { scheduler }
          )
        )
        expectStream(output).toBe('-------t----(W|)', { t: rec('PROCESSING_TIME 7 key k ts null wm -Infinity now 7', ds.NO_TIMESTAMP, 'k'), W: END })
      })
    })

    it('fire in time order across keys, deduplicated per key and time, deletable', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const fn: ds.KeyedProcessFunction<string, string, string> = {
          processElement: (cmd, ctx) => {
            const [op, time] = cmd.split(' ')
            if (op === 'add') ctx.timerService().registerProcessingTimeTimer(Number(time))
            else ctx.timerService().deleteProcessingTimeTimer(Number(time))
          },
          onTimer: (ts, ctx, out) => out.collect(`${ctx.getCurrentKey()}@${ts}`)
        }
        const input = cold<ds.StreamElement<string, string>>('(abcdefg) 30ms |', {
          a: rec('add 20', 0, 'x'),
          b: rec('add 10', 0, 'y'),
          c: rec('add 10', 0, 'y'),
          d: rec('add 15', 0, 'x'),
          e: rec('add 10', 0, 'x'),
          f: rec('add 25', 0, 'z'),
          g: rec('del 15', 0, 'x')
        })
        const output = input.pipe(ds.keyedProcess(fn, keyedOptions({ scheduler })))
        expectStream(output).toBe('10ms (pq) 6ms r 4ms s 13ms (W|)', {
          p: rec('y@10', ds.NO_TIMESTAMP, 'y'),
          q: rec('x@10', ds.NO_TIMESTAMP, 'x'),
          r: rec('x@20', ds.NO_TIMESTAMP, 'x'),
          s: rec('z@25', ds.NO_TIMESTAMP, 'z'),
          W: END
        })
      })
    })

    it('a timer already due fires on the next scheduler turn, after the call that registered it', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<ds.StreamElement<string, string>>('---a---|', { a: rec('x', 3, 'k') })
        const output = input.pipe(
          ds.keyedProcess<string, string, string>(
            {
              processElement: (_v, ctx, out) => {
                ctx.timerService().registerProcessingTimeTimer(ctx.currentProcessingTime() - 2)
                out.collect('registered')
              },
              onTimer: (ts, _ctx, out) => out.collect(`fired ${ts}`)
            },
            { scheduler }
          )
        )
        expectStream(output).toBe('---(ab)(W|)', { a: rec('registered', 3, 'k'), b: rec('fired 1', ds.NO_TIMESTAMP, 'k'), W: END })
      })
    })

    it('an event-time and a processing-time timer of one key at one time are two timers: both fire', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<ds.StreamElement<string, string>>('a 9ms -B 3ms |', { a: rec('x', 0, 'k'), B: wm(10) })
        const output = input.pipe(
          ds.keyedProcess<string, string, string>(
            {
              processElement: (_v, ctx) => {
                ctx.timerService().registerEventTimeTimer(10)
                ctx.timerService().registerProcessingTimeTimer(10)
              },
              onTimer: (ts, ctx, out) => out.collect(`${ctx.timeDomain()} ${ts}`)
            },
            { scheduler }
          )
        )
        expectStream(output).toBe('10ms p(eB)(W|)', { p: rec('PROCESSING_TIME 10', ds.NO_TIMESTAMP, 'k'), e: rec('EVENT_TIME 10', 10, 'k'), B: wm(10), W: END })
      })
    })

    it('pending ones fire at the end of input, before the +Infinity watermark and the event-time timers it fires', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<ds.StreamElement<string, string>>('-a-|', { a: rec('x', 1, 'k') })
        const output = input.pipe(
          ds.keyedProcess<string, string, string>(
            {
              processElement: (_v, ctx) => {
                ctx.timerService().registerEventTimeTimer(5)
                ctx.timerService().registerProcessingTimeTimer(1_000)
                ctx.timerService().registerProcessingTimeTimer(500)
              },
              onTimer: (ts, ctx, out) => out.collect(`${ctx.timeDomain()} ${ts}`)
            },
            { scheduler }
          )
        )
        expectStream(output).toBe('---(pqeW|)', {
          p: rec('PROCESSING_TIME 500', ds.NO_TIMESTAMP, 'k'),
          q: rec('PROCESSING_TIME 1000', ds.NO_TIMESTAMP, 'k'),
          e: rec('EVENT_TIME 5', 5, 'k'),
          W: END
        })
      })
    })

    it('nothing fires after unsubscribe', () => {
      const fired: number[] = []
      const closed: string[] = []
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<ds.StreamElement<string, string>>('a 20ms |', { a: rec('x', 0, 'k') })
        const output = input.pipe(
          ds.keyedProcess<string, string, string>(
            {
              processElement: (_v, ctx) => {
                ctx.timerService().registerProcessingTimeTimer(5)
                ctx.timerService().registerProcessingTimeTimer(15)
                ctx.timerService().registerEventTimeTimer(1)
              },
              onTimer: (ts, _ctx, out) => {
                fired.push(ts)
                out.collect(`fired ${ts}`)
              },
              close: () => closed.push(`close@${scheduler.now()}`)
            },
            { scheduler }
          )
        )
        expectStream(output, '^ 9ms !').toBe('5ms a', { a: rec('fired 5', ds.NO_TIMESTAMP, 'k') })
      })
      expect(fired).toEqual([5])
      expect(closed).toEqual(['close@10'])
    })
  })

  describe('side outputs', () => {
    it('ctx.output from processElement emits side records with the record timestamp, apart from the main output', () => {
      const input = from([rec('ok', 1, 'k'), rec('late', 2, 'k'), ds.streamRecord('late', ds.NO_TIMESTAMP, 'j')])
      const output = input.pipe(
        ds.keyedProcess<string, string, string>({
          processElement: (v, ctx, out) => (v === 'late' ? ctx.output(late, `${ctx.getCurrentKey()}:${v}`) : out.collect(v))
        })
      )
      const out = collectElements(output)
      expect(out.elements).toEqual([rec('ok', 1, 'k'), side(late, 'k:late', 2), ds.sideRecord(late, 'j:late'), END])
      expect(collectElements(output.pipe(ds.sideOutput(late))).elements).toEqual([rec('k:late', 2), ds.streamRecord('j:late'), END])
      expect(collectElements(output.pipe(ds.mainOutput())).elements).toEqual([rec('ok', 1, 'k'), END])
    })

    it('ctx.output from onTimer: an event-time timer’s side records carry its time, a processing-time timer’s none', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<ds.StreamElement<string, string>>('a 9ms B 3ms |', { a: rec('x', 0, 'k'), B: wm(7) })
        const output = input.pipe(
          ds.keyedProcess<string, string, string>(
            {
              processElement: (_v, ctx) => {
                ctx.timerService().registerEventTimeTimer(7)
                ctx.timerService().registerProcessingTimeTimer(3)
              },
              onTimer: (ts, ctx) => ctx.output(fromTimer, `${ctx.timeDomain()} ${ts}`)
            },
            { scheduler }
          )
        )
        expectStream(output).toBe('3ms p 6ms (eB)(W|)', {
          p: side(fromTimer, 'PROCESSING_TIME 3', ds.NO_TIMESTAMP),
          e: side(fromTimer, 'EVENT_TIME 7', 7),
          B: wm(7),
          W: END
        })
      })
    })

    it('a null or undefined tag fails through the Rx error channel', () => {
      for (const tag of [null, undefined]) {
        const after: string[] = []
        const out = runKeyed<string, number, number>(
          {
            processElement: (v, ctx) => {
              ctx.output(tag as unknown as ds.OutputTag<number>, v)
              after.push('continued')
            }
          },
          [rec(1, 5, 'k'), rec(2, 6, 'k')],
          { name: 'splitter' }
        )
        const error = errorOf(out)
        expect(after).toEqual([])
        expect(out.elements).toEqual([])
        expect(error.message).toContain('keyedProcess "splitter"')
        expect(error.message).toContain('the output tag must not be null')
      }
    })
  })

  describe('timers need a key', () => {
    it('the timer service used with no key current (in open or close, or kept for later) throws a StateError on "timers"', () => {
      const calls: Array<[string, (ts: ds.TimerService) => void]> = [
        ['registerEventTimeTimer', ts => ts.registerEventTimeTimer(1)],
        ['registerProcessingTimeTimer', ts => ts.registerProcessingTimeTimer(1)],
        ['deleteEventTimeTimer', ts => ts.deleteEventTimeTimer(1)],
        ['deleteProcessingTimeTimer', ts => ts.deleteProcessingTimeTimer(1)]
      ]
      for (const [name, call] of calls) {
        let service: ds.TimerService | undefined = undefined
        const inClose: unknown[] = []
        const fired: number[] = []
        const out = runKeyed<string, string, string>(
          {
            processElement: (_v, ctx) => {
              service = ctx.timerService()
            },
            onTimer: ts => {
              fired.push(ts)
            },
            close: () => {
              try {
                if (service !== undefined) call(service)
              } catch (error) {
                inClose.push(error)
              }
            }
          },
          [rec('x', 1, 'k')]
        )
        expect(out.completed).toBeTrue()
        expect(inClose.length).withContext(name).toBe(1)
        const error = inClose[0]
        expect(error).withContext(name).toBeInstanceOf(ds.StateError)
        expect(error instanceof ds.StateError ? [error.state, error.message.includes(`${name} needs a current key`)] : []).withContext(name).toEqual(['timers', true])
        expect(fired).toEqual([])
        expect(() => service?.registerEventTimeTimer(5)).toThrowMatching(e => e instanceof ds.StateError && e.state === 'timers')
      }
    })

    it('a timer service kept from another subscription cannot be used in open(): the subscription fails with a StateError', () => {
      let kept: ds.TimerService | undefined = undefined
      const fn = (): ds.KeyedProcessFunction<string, string, string> => ({
        open: () => kept?.registerEventTimeTimer(1),
        processElement: (_v, ctx) => {
          kept = ctx.timerService()
        }
      })
      expect(runKeyed(fn, [rec('x', 1, 'k')], { name: 'opener' }).completed).toBeTrue()
      const error = errorOf(runKeyed(fn, [rec('x', 1, 'k')], { name: 'opener' }))
      expect(error).toBeInstanceOf(ds.StateError)
      expect((error as ds.StateError).state).toBe('timers')
      expect(error.message).toContain('keyedProcess "opener": state "timers": registerEventTimeTimer needs a current key')
    })

    it('a NaN (or non-number) time fails with a StateError on "timers"', () => {
      const calls: Array<(ts: ds.TimerService) => void> = [
        ts => ts.registerEventTimeTimer(NaN),
        ts => ts.registerProcessingTimeTimer(NaN),
        ts => ts.deleteEventTimeTimer(NaN),
        ts => ts.deleteProcessingTimeTimer('5' as unknown as number)
      ]
      for (const call of calls) {
        const error = errorOf(runKeyed<string, string, string>({ processElement: (_v, ctx) => call(ctx.timerService()) }, [rec('x', 1, 'k')]))
        expect(error).toBeInstanceOf(ds.StateError)
        expect((error as ds.StateError).state).toBe('timers')
        expect(error.message).toContain('the time must be a number')
        expect(error).not.toBeInstanceOf(ds.UserFunctionError)
      }
    })
  })

  describe('errors', () => {
    it('a record without key fails with a KeyError: keyedProcess needs a keyed stream', () => {
      // The type checker rejects this pipe; plain JavaScript reaches the run-time check.
      const untyped = ds.keyedProcess<string, string, string>({ processElement: (v, _ctx, o) => o.collect(v) }, { name: 'per-user' }) as unknown as OperatorFunction<
        ds.StreamElement<string>,
        ds.StreamElement<string, string>
      >
      const out = collectElements(of(rec('a', 1)).pipe(untyped))
      const error = errorOf(out)
      expect(error).toBeInstanceOf(ds.KeyError)
      expect(error.message).toContain('keyedProcess "per-user"')
      expect(error.message).toContain('record (value "a", timestamp 1) has no key')
      expect(error.message).toContain('keyBy')
    })

    it('a throwing processElement fails with a UserFunctionError naming the operator and the record, cause kept', () => {
      const boom = new Error('bad value')
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const input = cold<ds.StreamElement<string, string>>('-a-b-c-|', { a: rec('a', 1, 'k'), b: rec('b', 2, 'k'), c: rec('c', 3, 'k') })
        const output = input.pipe(
          ds.keyedProcess<string, string, string>(
            {
              processElement: (v, _ctx, o) => {
                if (v === 'b') throw boom
                o.collect(v)
              }
            },
            { name: 'check', uid: 'check-v1' }
          )
        )
        const info = { kind: 'keyedProcess', name: 'check', uid: 'check-v1' }
        expectStream(output).toBe('-a-#', { a: rec('a', 1, 'k') }, new ds.UserFunctionError(info, 'processing record (value "b", timestamp 2, key "k")', boom))
        expectSubscriptions(input.subscriptions).toBe('^--!')
      })
      const out = runKeyed<string, string, string>(
        {
          processElement: () => {
            throw boom
          }
        },
        [rec('a', 1, 'k')]
      )
      expect(errorOf(out)).toBeInstanceOf(ds.UserFunctionError)
      expect(out.error instanceof Error ? out.error.cause : undefined).toBe(boom)
    })

    it('a throwing onTimer (event time) fails with a UserFunctionError naming the timer; the watermark is not forwarded', () => {
      const boom = new Error('timer broke')
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const input = cold<ds.StreamElement<string, string>>('-a-B-C-|', { a: rec('10', 1, 'k'), B: wm(5), C: wm(10) })
        const output = input.pipe(
          ds.keyedProcess<string, string, string>(
            {
              processElement: (v, ctx) => ctx.timerService().registerEventTimeTimer(Number(v)),
              onTimer: () => {
                throw boom
              }
            },
            { name: 'alarm' }
          )
        )
        const info = { kind: 'keyedProcess', name: 'alarm', uid: undefined }
        expectStream(output).toBe('---B-#', { B: wm(5) }, new ds.UserFunctionError(info, 'firing the event-time timer at 10 of key "k"', boom))
        expectSubscriptions(input.subscriptions).toBe('^----!')
      })
    })

    it('a throwing onTimer (processing time) fails at the timer’s time with a UserFunctionError naming the timer; nothing fires after', () => {
      const boom = new Error('timer broke')
      const fired: number[] = []
      const log: string[] = []
      marbleTest(({ cold, expectStream, expectSubscriptions, scheduler }) => {
        const input = cold<ds.StreamElement<string, string>>('-a 20ms |', { a: rec('x', 1, 'k') })
        const output = input.pipe(
          ds.keyedProcess<string, string, string>(
            {
              open: () => log.push('open'),
              processElement: (_v, ctx) => {
                ctx.timerService().registerProcessingTimeTimer(7)
                ctx.timerService().registerProcessingTimeTimer(9)
                ctx.timerService().registerEventTimeTimer(1)
              },
              onTimer: ts => {
                fired.push(ts)
                throw boom
              },
              close: () => log.push('close')
            },
            { name: 'alarm', scheduler }
          )
        )
        const info = { kind: 'keyedProcess', name: 'alarm', uid: undefined }
        expectStream(output).toBe('7ms #', undefined, new ds.UserFunctionError(info, 'firing the processing-time timer at 7 of key "k"', boom))
        expectSubscriptions(input.subscriptions).toBe('^ 6ms !')
      })
      expect(fired).toEqual([7])
      expect(log).toEqual(['open', 'close'])
    })

    it('a value its codec rejects fails with a StateError naming the state, not wrapped as a user function error', () => {
      const cases: Array<[string, (ctx: ds.KeyedProcessContext<string>) => void]> = [
        ['value', ctx => ctx.state(ds.valueState('value', t.number)).update('1' as unknown as number)],
        ['list', ctx => ctx.state(ds.listState('list', t.number)).add('1' as unknown as number)],
        ['listAll', ctx => ctx.state(ds.listState('listAll', t.number)).addAll([1, '2' as unknown as number])],
        ['listUpdate', ctx => ctx.state(ds.listState('listUpdate', t.number)).update([1, '2' as unknown as number])],
        ['mapKey', ctx => ctx.state(ds.mapState('mapKey', t.string, t.number)).put(1 as unknown as string, 1)],
        ['mapValue', ctx => ctx.state(ds.mapState('mapValue', t.string, t.number)).put('a', 'b' as unknown as number)],
        ['reducing', ctx => ctx.state(ds.reducingState('reducing', (a: number, b: number) => a + b, t.number)).add('x' as unknown as number)],
        [
          'aggregating',
          ctx =>
            ctx
              .state(
                ds.aggregatingState(
                  'aggregating',
                  {
                    createAccumulator: () => 0,
                    add: (v: number, acc: number) => (v < 0 ? ('negative' as unknown as number) : acc + v),
                    getResult: (acc: number) => acc,
                    merge: (a: number, b: number) => a + b
                  },
                  t.number
                )
              )
              .add(-1)
        ]
      ]
      for (const [name, write] of cases) {
        const out = runKeyed<string, string, string>({ processElement: (_v, ctx) => write(ctx) }, [rec('x', 1, 'k')], { name: 'writer' })
        const error = errorOf(out)
        expect(error).withContext(name).toBeInstanceOf(ds.StateError)
        expect(error).withContext(name).not.toBeInstanceOf(ds.UserFunctionError)
        expect((error as ds.StateError).state).toBe(name)
        expect(error.message).withContext(name).toContain(`keyedProcess "writer": state "${name}": `)
        expect(error.message).withContext(name).toContain('is not a valid')
      }
    })

    it('a rejected list element leaves the list unchanged', () => {
      const list = ds.listState('list', t.number)
      const seen: Array<readonly number[]> = []
      const fn: ds.KeyedProcessFunction<string, string, never> = {
        processElement: (v, ctx) => {
          const state = ctx.state(list)
          if (v === 'fill') state.add(1)
          else {
            try {
              state.addAll([2, 'three' as unknown as number])
            } catch {
              // rejected
            }
            seen.push(state.get())
          }
        }
      }
      runKeyed(fn, [rec('fill', 1, 'k'), rec('bad', 2, 'k')])
      expect(seen).toEqual([[1]])
    })

    it('a list written back without some of its elements checks none of those it held; new ones are checked', () => {
      interface Item {
        readonly n: number
      }
      let checks = 0
      const base = t.type({ n: t.number })
      const counted = new t.Type<Item, unknown>('Item', (u): u is Item => (checks++, base.is(u)), base.validate, base.encode)
      const list = ds.listState('items', counted)
      const counts: number[] = []
      const fn: ds.KeyedProcessFunction<string, string, never> = {
        processElement: (v, ctx) => {
          const state = ctx.state(list)
          checks = 0
          if (v === 'fill') state.addAll([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }])
          else if (v === 'drop') state.update(state.get().filter(item => item.n % 2 === 0))
          else state.update([...state.get(), { n: 5 }])
          counts.push(checks)
        }
      }
      runKeyed(fn, [rec('fill', 1, 'k'), rec('drop', 2, 'k'), rec('grow', 3, 'k')])
      expect(counts).toEqual([4, 0, 1])
    })

    it('update fails exactly when an element it did not hold is rejected, whatever the order of those it held (property)', () => {
      interface Item {
        readonly n: number
      }
      const items = ds.listState('items', t.type({ n: t.number }) as t.Type<Item, unknown>)
      // A written element: one of the held ones (by index), a new valid one, or a new invalid one.
      const pick = fc.oneof(fc.nat({ max: 9 }).map(i => ({ held: i })), fc.boolean().map(valid => ({ valid })))
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 6 }), fc.array(pick, { maxLength: 12 }), (heldCount, picks) => {
          const held: Item[] = Array.from({ length: heldCount }, (_, n) => ({ n }))
          const written: Item[] = []
          for (const p of picks) {
            if ('held' in p) {
              if (heldCount > 0) written.push(held[p.held % heldCount]!)
            } else written.push(p.valid ? { n: 100 } : ({ n: 'bad' } as unknown as Item))
          }
          const rejected = written.some(item => typeof item.n !== 'number')
          const seen: Array<readonly Item[]> = []
          const fn: ds.KeyedProcessFunction<string, string, never> = {
            processElement: (v, ctx) => {
              const state = ctx.state(items)
              if (v === 'fill') state.addAll(held)
              else {
                try {
                  state.update(written)
                } catch (error) {
                  if (!(error instanceof ds.StateError)) throw error
                }
                seen.push(state.get())
              }
            }
          }
          runKeyed(fn, [rec('fill', 1, 'k'), rec('write', 2, 'k')])
          expect(seen).toEqual([rejected ? held : written])
        }),
        { numRuns: 300 }
      )
    })

    it('keyed state used in open() fails the subscription with a StateError; a handle taken there works later', () => {
      const count = ds.valueState('count', t.number)
      const out = runKeyed<string, string, string>(
        {
          open: ctx => {
            ctx.state(count).value()
          },
          processElement: () => undefined
        },
        [rec('x', 1, 'k')]
      )
      const error = errorOf(out)
      expect(error).toBeInstanceOf(ds.StateError)
      expect((error as ds.StateError).state).toBe('count')
      expect(error.message).toContain('only accessible while a record or timer of a key is processed')
      expect(out.elements).toEqual([])
    })

    it('keyed state used in close() throws a StateError there', () => {
      const count = ds.valueState('count', t.number)
      let thrown: unknown = undefined
      let handle: ds.ValueState<number> | undefined = undefined
      const out = runKeyed<string, number, number>(
        {
          open: ctx => {
            handle = ctx.state(count)
          },
          processElement: (v, ctx, o) => {
            ctx.state(count).update(v)
            o.collect(v)
          },
          close: () => {
            try {
              handle?.value()
            } catch (error) {
              thrown = error
            }
          }
        },
        [rec(1, 1, 'k')]
      )
      expect(out.completed).toBeTrue()
      expect(thrown).toBeInstanceOf(ds.StateError)
      expect((thrown as ds.StateError).state).toBe('count')
    })

    it('forwards an upstream error as it is, without firing pending timers', () => {
      const boom = new Error('upstream')
      const fired: number[] = []
      const out = collectElements(
        concat(of(rec('5', 1, 'k')), throwError(() => boom)).pipe(
          ds.keyedProcess<string, string, string>({
            processElement: (v, ctx) => ctx.timerService().registerEventTimeTimer(Number(v)),
            onTimer: ts => {
              fired.push(ts)
            }
          })
        )
      )
      expect(out.error).toBe(boom)
      expect(out.elements).toEqual([])
      expect(fired).toEqual([])
    })
  })

  describe('lifecycle', () => {
    function lifecycle(log: string[]): ds.KeyedProcessFunction<string, string, string> {
      return {
        open: ctx => log.push(`open ${ctx.operator.name}`),
        processElement: (v, _ctx, o) => {
          log.push(v)
          o.collect(v)
        },
        onTimer: ts => log.push(`timer ${ts}`),
        close: () => log.push('close')
      }
    }

    it('calls open once per subscription before any record and close once at completion, after the end-of-input timers', () => {
      const log: string[] = []
      const fn: ds.KeyedProcessFunction<string, string, string> = {
        ...lifecycle(log),
        processElement: (v, ctx) => {
          log.push(v)
          ctx.timerService().registerEventTimeTimer(100)
        }
      }
      const op = ds.keyedProcess(fn, keyedOptions({ name: 'life' }))
      const input = from([rec('a', 1, 'k'), rec('b', 2, 'k')])
      collectElements(input.pipe(op))
      expect(log).toEqual(['open life', 'a', 'b', 'timer 100', 'close'])
      collectElements(input.pipe(op))
      expect(log.length).toBe(10)
    })

    it('calls close once when processElement throws, when the input errors, and when unsubscribed', () => {
      const thrown: string[] = []
      runKeyed<string, string, string>(
        {
          ...lifecycle(thrown),
          processElement: v => {
            thrown.push(v)
            throw new Error(v)
          }
        },
        [rec('a', 1, 'k'), rec('b', 2, 'k')]
      )
      expect(thrown).toEqual(['open keyedProcess', 'a', 'close'])

      const errored: string[] = []
      collectElements(concat(of(rec('a', 1, 'k')), throwError(() => new Error('x'))).pipe(ds.keyedProcess(lifecycle(errored), keyedOptions())))
      expect(errored).toEqual(['open keyedProcess', 'a', 'close'])

      const unsubscribed: string[] = []
      const input = new Subject<ds.StreamElement<string, string>>()
      const subscription = input.pipe(ds.keyedProcess(lifecycle(unsubscribed), keyedOptions())).subscribe()
      input.next(rec('a', 1, 'k'))
      subscription.unsubscribe()
      subscription.unsubscribe()
      input.next(rec('b', 2, 'k'))
      input.complete()
      expect(unsubscribed).toEqual(['open keyedProcess', 'a', 'close'])
      expect(input.observed).toBeFalse()
    })

    it('a factory () => fn gives each subscription its own function', () => {
      let created = 0
      const firstOfKey = (): ds.KeyedProcessFunction<string, string, string> => {
        created++
        const seen = new Set<string>()
        return {
          processElement: (v, ctx, o) => {
            if (!seen.has(ctx.getCurrentKey())) o.collect(v)
            seen.add(ctx.getCurrentKey())
          }
        }
      }
      const op = ds.keyedProcess(firstOfKey, keyedOptions())
      expect(created).toBe(0)
      const input = from([rec('a1', 1, 'a'), rec('b1', 2, 'b'), rec('a2', 3, 'a')])
      expect(mainValues(collectElements(input.pipe(op)))).toEqual(['a1', 'b1'])
      expect(mainValues(collectElements(input.pipe(op)))).toEqual(['a1', 'b1'])
      expect(created).toBe(2)
    })
  })
})
