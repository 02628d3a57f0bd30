/**
 * `keyedProcess` is a fused stage: records reach it from adjacent `assignTimestampsAndWatermarks`
 * and `keyBy` stages, and its output reaches an adjacent fusing operator after it (`values`, a
 * window) as their parts. Fusion must be invisible: every pipeline here runs fused and apart (an
 * identity `map` between every two operators) and must give the same elements, errors, frames,
 * calls of the user functions and teardown order.
 */
import fc from 'fast-check'
import * as t from 'io-ts'
import { from, Observable, Subject, take } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements } from '../../marbles/index'
import { apart, type Click, click, expectSameMarbles, expectSameReleaseOrder, expectSameSync, type Faults, fused, type Gap, selector, strategy } from '../support/fusion'

/** Where the keyed process function fails, besides the faults of the stages before it. */
interface ProcessFaults extends Faults {
  readonly fnFactory?: boolean
  readonly open?: boolean
  readonly element?: string
  /** onTimer throws for the timer at this time. */
  readonly timer?: number
}

const bigClicks = new ds.OutputTag<string>('big')
const seen = ds.valueState('seen', t.number, 0)

/**
 * Counts each page's clicks in keyed state, reports every third one on a side output, and
 * emits the count at an event-time timer 5 ms after each click (and, with `processingTimer`,
 * at a processing-time timer 3 ms later).
 */
function countClicks(log: string[], faults: ProcessFaults, processingTimer = false): () => ds.KeyedProcessFunction<string, Click, string> {
  return () => {
    if (faults.fnFactory === true) throw new Error('no function')
    return {
      open: () => {
        log.push('open')
        if (faults.open === true) throw new Error('open')
      },
      processElement: (c, ctx, out) => {
        log.push(`process ${c.id}`)
        if (c.id === faults.element) throw new Error(`process ${c.id}`)
        const count = ctx.state(seen)
        const n = (count.value() ?? 0) + 1
        count.update(n)
        if (n % 3 === 0) ctx.output(bigClicks, `${ctx.getCurrentKey()}#${n}`)
        ctx.timerService().registerEventTimeTimer(c.ts + 5)
        if (processingTimer) ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 3)
        out.collect(`${c.id}@${ctx.timestamp() ?? 'none'}`)
      },
      onTimer: (ts, ctx, out) => {
        log.push(`timer ${ctx.getCurrentKey()} ${ts} ${ctx.timeDomain()}`)
        if (ts === faults.timer) throw new Error(`timer ${ts}`)
        out.collect(`${ctx.getCurrentKey()}:${ctx.state(seen).value() ?? 0}@${ts}`)
      },
      close: () => log.push('close')
    }
  }
}

type Tail = 'elements' | 'values' | 'window'

interface Options {
  readonly faults?: ProcessFaults
  readonly interval?: number
  readonly bound?: number
  readonly tail?: Tail
  readonly processingTimer?: boolean
}

/** assign → keyBy → keyedProcess → (values | a window | nothing), with `gap` between the operators. */
function pipeline(source: Observable<Click>, gap: Gap, log: string[], options: Options = {}): Observable<unknown> {
  const faults = options.faults ?? {}
  const assigned = source.pipe(ds.assignTimestampsAndWatermarks(strategy(log, faults, options.bound ?? 3), { autoWatermarkInterval: options.interval ?? 0, name: 'stamp' }))
  const keyed = gap(assigned).pipe(ds.keyBy(selector(log, faults), { name: 'byPage' }))
  const processed = gap(keyed).pipe(ds.keyedProcess(countClicks(log, faults, options.processingTimer), { name: 'counter' }))
  switch (options.tail ?? 'elements') {
    case 'elements':
      return processed
    case 'values':
      return gap(processed).pipe(ds.values())
    case 'window':
      return gap(processed).pipe(
        ds.windowBy(ds.tumblingEventTimeWindows(10), { name: 'per10' }).process<string, string, string>((key, ctx, outs, out) => {
          log.push(`fire ${key} ${ctx.window.start}`)
          out.collect(`${key}[${ctx.window.start})=${outs.join(',')}`)
        })
      )
  }
}

/** `pipeline`'s output as stream elements (values' plain values wrapped, so every tail compares alike). */
function elementsOf(source: Observable<unknown>): Observable<ds.StreamElement<unknown, unknown>> {
  return source as Observable<ds.StreamElement<unknown, unknown>>
}

const CLICKS = [
  click('a', 'x', 1),
  click('b', 'y', 4),
  click('c', 'x', 12),
  click('d', 'x', 8),
  click('e', 'y', 25),
  click('f', 'x', 3),
  click('g', 'x', 31),
  click('h', 'y', 44)
]

describe('keyedProcess fusion', () => {
  describe('gives exactly what the operators give apart', () => {
    for (const tail of ['elements', 'values', 'window'] as const) {
      it(`with its output ${tail === 'elements' ? 'subscribed as elements' : `into ${tail}`}`, () => {
        const out = expectSameSync((gap, log) => elementsOf(pipeline(from(CLICKS), gap, log, { tail })))
        expect(out.completed).toBeTrue()
        expect(out.elements.length).toBeGreaterThan(0)
      })

      it(`with its output into ${tail}, under periodic watermarks and processing-time timers (marbles)`, () => {
        const log = expectSameMarbles((gap, log, { cold }) => {
          const values = Object.fromEntries(CLICKS.map(c => [c.id, c]))
          // Processing-time timers' output has no timestamp: an event-time window would reject it.
          return pipeline(cold<Click>('a-b--c-d 5ms e-f-g 4ms h-|', values), gap, log, { tail, interval: 2, processingTimer: tail !== 'window' })
        })
        expect(log).toContain(tail === 'window' ? 'fire x 0' : 'timer x 3 PROCESSING_TIME')
      })
    }

    it('emits the side output and the timers’ output with their timestamps', () => {
      const out = expectSameSync((gap, log) => elementsOf(pipeline(from(CLICKS), gap, log)))
      expect(out.elements).toContain(jasmine.objectContaining({ _tag: 'SideRecord', value: 'x#3' }))
      expect(out.elements).toContain(jasmine.objectContaining({ _tag: 'Record', value: 'x:3@13', timestamp: 13, key: 'x' }))
    })

    it('when unsubscribed from downstream in the middle of a synchronous source, closing the function once', () => {
      const [together, separate] = [fused, apart].map(gap => {
        const log: string[] = []
        const source = new Observable<Click>(subscriber => {
          subscriber.add(() => log.push('source released'))
          for (const c of CLICKS) {
            if (subscriber.closed) break
            log.push(`emit ${c.id}`)
            subscriber.next(c)
          }
          subscriber.complete()
        })
        pipeline(source, gap, log, { tail: 'values' }).pipe(take(3)).subscribe(v => log.push(`got ${String(v)}`))
        return log
      })
      expect(together).toEqual(separate!)
      expect(together.filter(l => l === 'close').length).toBe(1)
      expect(together).not.toContain('emit e')
    })

    it('when the same fused observable is subscribed twice: a function per subscription', () => {
      const log: string[] = []
      const out$ = pipeline(from(CLICKS), fused, log, { tail: 'values' })
      const first = collectElements(elementsOf(out$))
      const second = collectElements(elementsOf(out$))
      expect(second.elements).toEqual(first.elements)
      expect(log.filter(l => l === 'open').length).toBe(2)
      expect(log.filter(l => l === 'close').length).toBe(2)
    })

    it('when fed by a Subject (not fusable), with the output still fused into values', () => {
      const [together, separate] = [fused, apart].map(gap => {
        const log: string[] = []
        const subject = new Subject<Click>()
        const out: unknown[] = []
        pipeline(subject, gap, log, { tail: 'values' }).subscribe({ next: v => out.push(v), complete: () => out.push('complete') })
        for (const c of CLICKS) subject.next(c)
        subject.complete()
        return { out, log }
      })
      expect(together).toEqual(separate!)
    })
  })

  describe('reports each failure as the operator that failed, as apart', () => {
    const cases: Array<[string, ProcessFaults, RegExp]> = [
      ['the function factory', { fnFactory: true }, /^UserFunctionError: keyedProcess "counter": .*no function/],
      ['open', { open: true }, /^UserFunctionError: keyedProcess "counter": .*open/],
      ['processElement', { element: 'c' }, /^UserFunctionError: keyedProcess "counter": .*processing record \(value \{.*"c".*key "x"\).*process c/],
      ['onTimer on a watermark', { timer: 6 }, /^UserFunctionError: keyedProcess "counter": .*event-time timer at 6 of key "x".*timer 6/],
      ['onTimer at the end of input', { timer: 49 }, /^UserFunctionError: keyedProcess "counter": .*timer 49/],
      ['the key selector, before it', { key: 'e' }, /^UserFunctionError: keyBy "byPage": .*key e/],
      ['the timestamp assigner, before it', { assigner: 'd' }, /^UserFunctionError: assignTimestampsAndWatermarks "stamp": .*assigner d/]
    ]
    for (const [what, faults, message] of cases) {
      for (const tail of ['elements', 'values', 'window'] as const) {
        it(`${what} (output ${tail})`, () => {
          const out = expectSameSync((gap, log) => elementsOf(pipeline(from(CLICKS), gap, log, { faults, tail })))
          expect(out.error).toMatch(message)
          expect(out.completed).toBeFalse()
        })
      }
    }

    it('releasing the source before the subscriber hears of an earlier stage’s error, and after it for the last stage’s', () => {
      const faultsByStage: ProcessFaults[] = [{ assigner: 'c' }, { key: 'c' }, { element: 'c' }, { timer: 6 }, {}]
      for (const faults of faultsByStage) {
        for (const tail of ['elements', 'values'] as const) {
          expectSameReleaseOrder(CLICKS, (source, gap, log) => pipeline(source, gap, log, { faults, tail }))
        }
      }
    })
  })

  describe('property: random clicks, faults and tails', () => {
    it('fused and apart agree', () => {
      const clickArb = fc.record({ page: fc.constantFrom('x', 'y', 'z'), ts: fc.integer({ min: 0, max: 60 }) })
      const faultArb = fc.oneof(
        fc.constant<ProcessFaults>({}),
        fc.integer({ min: 0, max: 30 }).map<ProcessFaults>(i => ({ element: String(i) })),
        fc.integer({ min: 0, max: 70 }).map<ProcessFaults>(i => ({ timer: i })),
        fc.integer({ min: 0, max: 30 }).map<ProcessFaults>(i => ({ key: String(i) })),
        fc.integer({ min: 0, max: 30 }).map<ProcessFaults>(i => ({ badKey: String(i) })),
        fc.integer({ min: 0, max: 30 }).map<ProcessFaults>(i => ({ onEvent: String(i) }))
      )
      fc.assert(
        fc.property(
          fc.array(clickArb, { maxLength: 30 }),
          faultArb,
          fc.integer({ min: 0, max: 10 }),
          fc.constantFrom<Tail>('elements', 'values', 'window'),
          (raw, faults, bound, tail) => {
            const clicks = raw.map((c, i) => click(String(i), c.page, c.ts))
            expectSameSync((gap, log) => elementsOf(pipeline(from(clicks), gap, log, { faults, bound, tail })))
          }
        ),
        { numRuns: 200 }
      )
    })
  })
})
