import { of, type SchedulerLike, Subject, Subscription, throwError, concat } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import * as ds from '../../src/index'
import { active, barrier, collectElements, idle, marbleTest, rec, side, wm } from '../../marbles/index'

const negative = new ds.OutputTag<number>('negative')

/** A process function that records what its context said, per record. */
function probe<In>(log: unknown[], read: (v: In, ctx: ds.ProcessContext) => unknown): ds.ProcessFunction<In, In> {
  return {
    processElement: (v, ctx, out) => {
      log.push(read(v, ctx))
      out.collect(v)
    }
  }
}

describe('processElements', () => {
  describe('context', () => {
    it('ctx.timestamp() is the record timestamp, null for a record without one', () => {
      const log: unknown[] = []
      const input = of(rec('a', 5), ds.streamRecord('b'), rec('c', -3), rec('d', 0))
      collectElements(input.pipe(ds.processElements(probe<string>(log, (_v, ctx) => ctx.timestamp()))))
      expect(log).toEqual([5, null, -3, 0])
    })

    it('ctx.currentWatermark() is -Infinity before any watermark, then the last one that passed', () => {
      const log: unknown[] = []
      const input = of(rec('a', 1), wm(5), rec('b', 2), rec('c', 8), wm(10), rec('d', 12), wm(Infinity))
      collectElements(input.pipe(ds.processElements(probe<string>(log, (v, ctx) => [v, ctx.currentWatermark()]))))
      expect(log).toEqual([
        ['a', -Infinity],
        ['b', 5],
        ['c', 5],
        ['d', 10]
      ])
    })

    it('ctx.currentWatermark() is not moved by barriers or stream statuses', () => {
      const log: unknown[] = []
      const input = of<ds.StreamElement<string>[]>(rec('a', 1), wm(5), barrier(1, 99), idle(), active(), side(negative, -1, 50), rec('b', 2))
      collectElements(input.pipe(ds.processElements(probe<string>(log, (_v, ctx) => ctx.currentWatermark()))))
      expect(log).toEqual([-Infinity, 5])
    })

    it('ctx.currentProcessingTime() reads the scheduler given as option (TestScheduler in marble tests)', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const output = cold('-a--b 95ms c|', { a: rec('a', 100), b: rec('b', 0), c: rec('c', 50) }).pipe(
          ds.processElements<string, number>(
            { processElement: (_v, ctx, out) => out.collect(ctx.currentProcessingTime()) },
            { scheduler }
          )
        )
        expectStream(output).toBe('-a--b 95ms c|', { a: rec(1, 100), b: rec(4, 0), c: rec(100, 50) })
      })
    })

    it('reads processing time only from its scheduler option, never from the wall clock', () => {
      const clock = new TestScheduler(() => undefined)
      clock.frame = 1_500
      const log: unknown[] = []
      collectElements(of(rec('a', 1)).pipe(ds.processElements(probe<string>(log, (_v, ctx) => ctx.currentProcessingTime()), { scheduler: clock })))
      const fixed: SchedulerLike = { now: () => 42, schedule: () => Subscription.EMPTY }
      collectElements(of(rec('b', 1)).pipe(ds.processElements(probe<string>(log, (_v, ctx) => ctx.currentProcessingTime()), { scheduler: fixed })))
      expect(log).toEqual([1_500, 42])
    })
  })

  describe('output', () => {
    it('out.collect stamps each result with the record timestamp (none if it has none)', () => {
      const input = of(rec(3, 10), ds.streamRecord(4), rec(0, 20))
      const out = collectElements(
        input.pipe(
          ds.processElements<number, string>({
            processElement: (n, _ctx, o) => {
              for (let i = 0; i < n; i++) o.collect(`${n}.${i}`)
            }
          })
        )
      )
      expect(out.elements).toEqual([
        rec('3.0', 10),
        rec('3.1', 10),
        rec('3.2', 10),
        ds.streamRecord('4.0'),
        ds.streamRecord('4.1'),
        ds.streamRecord('4.2'),
        ds.streamRecord('4.3')
      ])
      expect(out.completed).toBeTrue()
    })

    it('out.collect keeps the key of a keyed input', () => {
      const input = of(rec('a', 5, 'user-1'), rec('b', 7, 'user-2'), rec('c', 9, 'user-1'))
      const out = collectElements(input.pipe(ds.processElements<string, string, string>({ processElement: (v, _ctx, o) => o.collect(v.toUpperCase()) })))
      expect(out.elements).toEqual([rec('A', 5, 'user-1'), rec('B', 7, 'user-2'), rec('C', 9, 'user-1')])
    })

    it('ctx.output(tag, v) emits a side record with the record timestamp, in place', () => {
      const input = of(rec(3, 1), rec(-1, 2), ds.streamRecord(-2), rec(4, 3))
      const out = collectElements(
        input.pipe(ds.processElements<number, number>({ processElement: (n, ctx, o) => (n < 0 ? ctx.output(negative, n) : o.collect(n * 10)) }))
      )
      expect(out.elements).toEqual([rec(30, 1), side(negative, -1, 2), ds.sideRecord(negative, -2), rec(40, 3)])
      expect(collectElements(of(...out.elements).pipe(ds.sideOutput(negative))).elements).toEqual([rec(-1, 2), ds.streamRecord(-2)])
    })

    it('passes control elements (and upstream side records) through in order, results in place', () => {
      marbleTest(({ cold, expectStream }) => {
        const other = new ds.OutputTag<string>('other')
        const input = cold<ds.StreamElement<number>>('-aW-bIA-Bs-c|', {
          a: rec(1, 1),
          W: wm(1),
          b: rec(-2, 2),
          I: idle(),
          A: active(),
          B: barrier(1),
          s: side(other, 'up', 0),
          c: rec(3, 5)
        })
        const output = input.pipe(
          ds.processElements<number, number>({ processElement: (n, ctx, o) => (n < 0 ? ctx.output(negative, n) : o.collect(n * 10)) })
        )
        expectStream(output).toBe('-aW-bIA-Bs-c|', {
          a: rec(10, 1),
          W: wm(1),
          b: side(negative, -2, 2),
          I: idle(),
          A: active(),
          B: barrier(1),
          s: side(other, 'up', 0),
          c: rec(30, 5)
        })
      })
    })
  })

  describe('errors', () => {
    it('a throwing processElement fails with a UserFunctionError naming the operator and the record, cause kept', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const boom = new Error('bad value')
        const input = cold('-a-b-c-|', { a: rec('a', 1), b: rec('b', 2, 'k'), c: rec('c', 3) })
        const output = input.pipe(
          ds.processElements<string, string, string>(
            {
              processElement: (v, _ctx, o) => {
                if (v === 'b') throw boom
                o.collect(v)
              }
            },
            { name: 'check', uid: 'check-v1' }
          )
        )
        const info = { kind: 'processElements', name: 'check', uid: 'check-v1' }
        expectStream(output).toBe('-a-#', { a: rec('a', 1) }, new ds.UserFunctionError(info, 'processing record (value "b", timestamp 2, key "k")', boom))
        expectSubscriptions(input.subscriptions).toBe('^--!')
      })
      const boom = new Error('bad value')
      const out = collectElements(
        of(rec('a', 1), rec('b', 2), rec('c', 3)).pipe(
          ds.processElements<string, string>({
            processElement: v => {
              if (v === 'b') throw boom
            }
          })
        )
      )
      expect(out.elements).toEqual([])
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      expect((out.error as Error).cause).toBe(boom)
      expect((out.error as Error).message).toBe('processElements: the user function threw while processing record (value "b", timestamp 2): bad value')
    })

    for (const [label, tag] of [
      ['null', null],
      ['undefined', undefined]
    ] as const) {
      it(`ctx.output with a ${label} tag errors through the Rx channel, naming the operator`, () => {
        const after: string[] = []
        const out = collectElements(
          of(rec(1, 5), rec(2, 6)).pipe(
            ds.processElements<number, number>(
              {
                processElement: (n, ctx) => {
                  ctx.output(tag as unknown as ds.OutputTag<number>, n)
                  after.push('continued')
                }
              },
              { name: 'splitter' }
            )
          )
        )
        expect(out.elements).toEqual([])
        expect(after).toEqual([])
        expect(out.error).toBeInstanceOf(ds.DataStreamError)
        const error = out.error as ds.DataStreamError
        expect(error.operator).toEqual({ kind: 'processElements', name: 'splitter', uid: undefined })
        expect(error.message).toContain('processElements "splitter"')
        expect(error.message).toContain('record (value 1, timestamp 5)')
        expect(error.message).toContain('the output tag must not be null')
        expect(error.cause).toBeInstanceOf(TypeError)
      })
    }

    it('forwards an upstream error as it is', () => {
      const boom = new Error('upstream')
      const out = collectElements(concat(of(rec(1, 1)), throwError(() => boom)).pipe(ds.processElements<number, number>({ processElement: (n, _c, o) => o.collect(n) })))
      expect(out.elements).toEqual([rec(1, 1)])
      expect(out.error).toBe(boom)
    })
  })

  describe('lifecycle', () => {
    function lifecycle(log: string[]): ds.ProcessFunction<string, string> {
      return {
        open: () => log.push('open'),
        processElement: (v, _ctx, o) => {
          log.push(v)
          o.collect(v)
        },
        close: () => log.push('close')
      }
    }

    it('calls open once per subscription, before the first record, and close once at completion', () => {
      const log: string[] = []
      const op = ds.processElements(lifecycle(log))
      const input = of(rec('a', 1), rec('b', 2))
      collectElements(input.pipe(op))
      expect(log).toEqual(['open', 'a', 'b', 'close'])
      collectElements(input.pipe(op))
      expect(log).toEqual(['open', 'a', 'b', 'close', 'open', 'a', 'b', 'close'])
    })

    it('calls open at subscription, before any record has arrived', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const log: string[] = []
        const input = cold('---a|', { a: rec('a', 3) })
        const output = input.pipe(
          ds.processElements<string, string>({
            open: () => log.push(`open@${scheduler.now()}`),
            processElement: (v, _ctx, o) => {
              log.push(`${v}@${scheduler.now()}`)
              o.collect(v)
            },
            close: () => log.push(`close@${scheduler.now()}`)
          })
        )
        expectStream(output).toBe('---a|', { a: rec('a', 3) })
        scheduler.flush()
        expect(log).toEqual(['open@0', 'a@3', 'close@4'])
      })
    })

    it('calls close exactly once when the input errors', () => {
      const log: string[] = []
      collectElements(concat(of(rec('a', 1)), throwError(() => new Error('x'))).pipe(ds.processElements(lifecycle(log))))
      expect(log).toEqual(['open', 'a', 'close'])
    })

    it('calls close exactly once when processElement throws', () => {
      const log: string[] = []
      const fn = lifecycle(log)
      collectElements(
        of(rec('a', 1), rec('b', 2)).pipe(
          ds.processElements<string, string>({
            ...fn,
            processElement: v => {
              log.push(v)
              throw new Error(v)
            }
          })
        )
      )
      expect(log).toEqual(['open', 'a', 'close'])
    })

    it('calls close exactly once when unsubscribed, and not again on a second unsubscribe', () => {
      const log: string[] = []
      const input = new Subject<ds.StreamElement<string>>()
      const subscription = input.pipe(ds.processElements(lifecycle(log))).subscribe()
      input.next(rec('a', 1))
      subscription.unsubscribe()
      subscription.unsubscribe()
      input.next(rec('b', 2))
      input.complete()
      expect(log).toEqual(['open', 'a', 'close'])
      expect(input.observed).toBeFalse()
    })

    it('a factory () => fn gives each subscription its own function and state', () => {
      let created = 0
      const dedupe = (): ds.ProcessFunction<string, string> => {
        created++
        const seen = new Set<string>()
        return {
          processElement: (v, _ctx, o) => {
            if (!seen.has(v)) {
              seen.add(v)
              o.collect(v)
            }
          }
        }
      }
      const op = ds.processElements(dedupe)
      expect(created).toBe(0)
      const input = of(rec('a', 1), rec('b', 2), rec('a', 3))
      expect(collectElements(input.pipe(op)).elements).toEqual([rec('a', 1), rec('b', 2)])
      expect(collectElements(input.pipe(op)).elements).toEqual([rec('a', 1), rec('b', 2)])
      expect(created).toBe(2)
    })

    it('keeps the context per subscription: two live subscriptions see their own watermark', () => {
      const left = new Subject<ds.StreamElement<string>>()
      const log: unknown[] = []
      const op = ds.processElements(probe<string>(log, (v, ctx) => [v, ctx.currentWatermark()]))
      const input = left.asObservable()
      const first = input.pipe(op).subscribe()
      left.next(wm(10))
      const second = input.pipe(op).subscribe()
      left.next(rec('x', 11))
      first.unsubscribe()
      second.unsubscribe()
      expect(log).toEqual([
        ['x', 10],
        ['x', -Infinity]
      ])
    })
  })
})
