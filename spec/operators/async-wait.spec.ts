/**
 * asyncWait under virtual time: the function returns Observables scheduled on the marble
 * test's scheduler, so latencies, timeouts and retry backoffs are exact frames.
 * (Real Promises: async-wait-promises.spec.ts; properties and load: async-wait-properties.spec.ts.)
 */
import { defer, EMPTY, from, NEVER, of, type OperatorFunction, Subject, throwError, timer } from 'rxjs'
import { finalize, map, take } from 'rxjs/operators'
import * as ds from '../../src/index'
import { active, barrier, collectElements, idle, marbleTest, rec, side, wm } from '../../marbles/index'
import { scheduledService } from '../support/async-services'
import { recordTimeline } from '../support/timeline'

const info = (name = 'asyncWait', uid?: string) => ({ kind: 'asyncWait', name, uid })
const tag = new ds.OutputTag<string>('tag')

/** Latencies (ms) by value, the answer ten times the value. */
const tenfold = (latency: Record<number, number>, scheduler: Parameters<typeof scheduledService>[2]) =>
  scheduledService((v: number) => [v * 10], v => latency[v] ?? 1, scheduler)

describe('asyncWait', () => {
  describe('ordered', () => {
    it('emits results in input order with their inputs’ timestamps; the watermark keeps its place; completes after the last call', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const { fn } = tenfold({ 1: 5, 2: 1, 3: 1 }, scheduler)
        const input = cold<ds.StreamElement<number>>('abWc|', { a: rec(1, 1), b: rec(2, 2), W: wm(2), c: rec(3, 3) })
        expectStream(input.pipe(ds.asyncWait(fn, { scheduler }))).toBe('-----(ABWC|)', { A: rec(10, 1), B: rec(20, 2), W: wm(2), C: rec(30, 3) })
      })
    })

    it('is the default', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const { fn } = tenfold({ 1: 3, 2: 1 }, scheduler)
        const input = cold<ds.StreamElement<number>>('ab|', { a: rec(1, 7), b: rec(2, 3) })
        expectStream(input.pipe(ds.asyncWait(fn, { scheduler }))).toBe('---(AB|)', { A: rec(10, 7), B: rec(20, 3) })
      })
    })

    it('emits a result as soon as everything before it has left', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const { fn } = tenfold({ 1: 2, 2: 4, 3: 1 }, scheduler)
        const input = cold<ds.StreamElement<number>>('abc 10ms |', { a: rec(1, 1), b: rec(2, 2), c: rec(3, 3) })
        expectStream(input.pipe(ds.asyncWait(fn, { scheduler, ordered: true }))).toBe('--A--(BC) 4ms |', { A: rec(10, 1), B: rec(20, 2), C: rec(30, 3) })
      })
    })
  })

  describe('unordered', () => {
    it('emits results as they complete within a segment; a watermark waits for every record before it and no record after it overtakes it', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const { fn } = tenfold({ 1: 5, 2: 1, 3: 1 }, scheduler)
        const input = cold<ds.StreamElement<number>>('abWc|', { a: rec(1, 1), b: rec(2, 2), W: wm(2), c: rec(3, 3) })
        expectStream(input.pipe(ds.asyncWait(fn, { scheduler, ordered: false }))).toBe('--B--(AWC|)', {
          A: rec(10, 1),
          B: rec(20, 2),
          W: wm(2),
          C: rec(30, 3)
        })
      })
    })

    it('orders a segment by completion', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const { fn } = tenfold({ 1: 3, 2: 1, 3: 2 }, scheduler)
        const input = cold<ds.StreamElement<number>>('abc|', { a: rec(1, 1), b: rec(2, 2), c: rec(3, 3) })
        expectStream(input.pipe(ds.asyncWait(fn, { scheduler, ordered: false }))).toBe('--BA(C|)', { A: rec(10, 1), B: rec(20, 2), C: rec(30, 3) })
      })
    })

    it('emits a watermark at once when nothing precedes it', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const { fn } = tenfold({ 1: 2 }, scheduler)
        const input = cold<ds.StreamElement<number>>('W-a---V|', { W: wm(0), a: rec(1, 1), V: wm(1) })
        for (const ordered of [true, false]) {
          expectStream(input.pipe(ds.asyncWait(fn, { scheduler, ordered }))).toBe('W---A-V|', { W: wm(0), A: rec(10, 1), V: wm(1) })
        }
      })
    })

    it('releases the completed records of a later segment, in completion order, when its watermark leaves', () => {
      marbleTest(({ scheduler, flush }) => {
        const { fn } = tenfold({ 1: 6, 2: 2, 3: 1, 4: 3 }, scheduler)
        const input = new Subject<ds.StreamElement<number>>()
        const out = recordTimeline(input.pipe(ds.asyncWait(fn, { scheduler, ordered: false })), scheduler)
        input.next(rec(1, 1)) // done at 6
        input.next(wm(1))
        input.next(rec(2, 2)) // done at 2
        input.next(rec(3, 3)) // done at 1
        scheduler.schedule(() => {
          input.next(wm(3))
          input.next(rec(4, 4)) // done at 5
          input.complete()
        }, 2)
        flush()
        expect(out.lines).toEqual(['6: 10@1', '6: W(1)', '6: 30@3', '6: 20@2', '6: W(3)', '6: 40@4', '6: |'])
      })
    })
  })

  describe('results', () => {
    it('keeps the key of every input and emits zero or more results per input', () => {
      const input = from<ds.StreamElement<number, string>[]>([rec(1, 5, 'k1'), rec(0, 6, 'k2'), wm(6), rec(2, 7, 'k1')])
      for (const ordered of [true, false]) {
        const out = collectElements(input.pipe(ds.asyncWait((v: number) => (v === 0 ? [] : [v, -v]), { ordered })))
        expect(out.elements).toEqual([rec(1, 5, 'k1'), rec(-1, 5, 'k1'), wm(6), rec(2, 7, 'k1'), rec(-2, 7, 'k1')])
        expect(out.completed).toBeTrue()
      }
    })

    it('takes every ObservableInput: Observables, iterables, Promises (see the Promise spec), empty ones', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<ds.StreamElement<number>>('a-b-c-d|', { a: rec(1, 1), b: rec(2, 2), c: rec(3, 3), d: rec(4, 4) })
        const fn = (v: number) =>
          v === 1 ? timer(1, scheduler).pipe(map(() => 'one')) : v === 2 ? new Set(['two', 'deux']) : v === 3 ? EMPTY : of('four')
        expectStream(input.pipe(ds.asyncWait(fn, { scheduler }))).toBe('-A(BC)d|', { A: rec('one', 1), B: rec('two', 2), C: rec('deux', 2), d: rec('four', 4) })
      })
    })

    it('collects all values of an Observable call and emits them together when it completes', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<ds.StreamElement<number>>('a|', { a: rec(1, 9) })
        const fn = () => cold('-x-y--|', { x: 'x', y: 'y' })
        expectStream(input.pipe(ds.asyncWait(fn, { scheduler }))).toBe('------(XY|)', { X: rec('x', 9), Y: rec('y', 9) })
      })
    })

    it('passes statuses and side records in order, and barriers at once (they do not wait behind calls)', () => {
      marbleTest(({ cold, scheduler, flush }) => {
        const { fn } = tenfold({ 1: 4, 2: 1 }, scheduler)
        const input = cold<ds.StreamElement<number>>('aIsBb-|', { a: rec(1, 1), I: idle(), s: side(tag, 'x', 1), B: barrier(3), b: rec(2, 2) })
        const out = recordTimeline(input.pipe(ds.asyncWait(fn, { scheduler })), scheduler)
        flush()
        expect(out.lines).toEqual(['3: B(3)', '4: 10@1', '4: IDLE', '4: side:x@1', '5: 20@2', '6: |'])
      })
    })

    it('unordered: a status is a separator like a watermark; a side record leaves with its segment', () => {
      marbleTest(({ scheduler, flush }) => {
        const { fn } = tenfold({ 1: 4, 2: 1, 3: 1 }, scheduler)
        const input = new Subject<ds.StreamElement<number>>()
        const out = recordTimeline(input.pipe(ds.asyncWait(fn, { scheduler, ordered: false })), scheduler)
        input.next(rec(1, 1)) // done at 4
        input.next(side(tag, 's', 1)) // complete on arrival, same segment: leaves at once
        input.next(rec(2, 2)) // done at 1
        input.next(idle())
        input.next(rec(3, 3)) // done at 1, after IDLE
        input.next(active())
        input.complete()
        flush()
        expect(out.lines).toEqual(['0: side:s@1', '1: 20@2', '4: 10@1', '4: IDLE', '4: 30@3', '4: ACTIVE', '4: |'])
      })
    })
  })

  describe('capacity', () => {
    it('never has more than `capacity` calls in flight: the next input is called when a slot frees', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const { fn, stats } = tenfold({ 1: 3, 2: 3, 3: 3, 4: 3 }, scheduler)
        const input = cold<ds.StreamElement<number>>('abcd|', { a: rec(1, 1), b: rec(2, 2), c: rec(3, 3), d: rec(4, 4) })
        expectStream(input.pipe(ds.asyncWait(fn, { scheduler, capacity: 2 }))).toBe('---AB-C(D|)', { A: rec(10, 1), B: rec(20, 2), C: rec(30, 3), D: rec(40, 4) })
        scheduler.flush()
        expect(stats.calls.map(c => c.at)).toEqual([0, 1, 3, 4])
        expect(stats.maxInFlight).toBe(2)
      })
    })

    it('counts watermarks as slots (Flink): a watermark waiting behind a call holds its slot', () => {
      marbleTest(({ cold, scheduler, flush }) => {
        const { fn, stats } = tenfold({ 1: 3, 2: 1 }, scheduler)
        const input = cold<ds.StreamElement<number>>('aWb|', { a: rec(1, 1), W: wm(1), b: rec(2, 2) })
        const out = recordTimeline(input.pipe(ds.asyncWait(fn, { scheduler, capacity: 2 })), scheduler)
        flush()
        expect(stats.calls.map(c => `${c.value}@${c.at}`)).toEqual(['1@0', '2@3'])
        expect(out.lines).toEqual(['3: 10@1', '3: W(1)', '4: 20@2', '4: |'])
      })
    })

    it('in unordered mode, a completed call frees its slot at once', () => {
      marbleTest(({ cold, scheduler, flush }) => {
        const { fn, stats } = tenfold({ 1: 5, 2: 1, 3: 1 }, scheduler)
        const input = cold<ds.StreamElement<number>>('abc|', { a: rec(1, 1), b: rec(2, 2), c: rec(3, 3) })
        const out = recordTimeline(input.pipe(ds.asyncWait(fn, { scheduler, capacity: 2, ordered: false })), scheduler)
        flush()
        expect(stats.calls.map(c => `${c.value}@${c.at}`)).toEqual(['1@0', '2@1', '3@2'])
        expect(out.lines).toEqual(['2: 20@2', '3: 30@3', '5: 10@1', '5: |'])
      })
    })

    it('with an upstream that cannot be paused, fails once more than `overflowBuffer` elements wait', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const { fn } = tenfold({}, scheduler)
        const input = cold<ds.StreamElement<number>>('abcd|', { a: rec(1, 1), b: rec(2, 2), c: rec(3, 3), d: rec(4, 4) })
        const error = new ds.DataStreamError(
          info('lookup'),
          'record (value 3, timestamp 3) arrived while all 1 slots were taken and 1 element(s) already waited in the overflow buffer (overflowBuffer 1): upstream pushes faster than the calls complete. Slow the source down, raise capacity or overflowBuffer (Infinity buffers without bound), or read from a source that can be paused'
        )
        const slow = (v: number) => timer(10, scheduler).pipe(map(() => v))
        expectStream(input.pipe(ds.asyncWait(slow, { scheduler, capacity: 1, overflowBuffer: 1, name: 'lookup' }))).toBe('--#', {}, error)
        // as long as the buffer holds, nothing is lost
        expectStream(input.pipe(ds.asyncWait(fn, { scheduler, capacity: 1, overflowBuffer: 3 }))).toBe('-ABC(D|)', { A: rec(10, 1), B: rec(20, 2), C: rec(30, 3), D: rec(40, 4) })
      })
    })

    it('overflowBuffer 0 fails as soon as upstream pushes into a full queue', () => {
      const out = collectElements(from([rec(1, 1), rec(2, 2)]).pipe(ds.asyncWait(() => NEVER, { capacity: 1, overflowBuffer: 0 })))
      expect(out.error).toBeInstanceOf(ds.DataStreamError)
      expect((out.error as Error).message).toContain('record (value 2, timestamp 2) arrived while all 1 slots were taken')
    })
  })

  describe('timeout', () => {
    it('fails with a TimeoutError naming the operator and the input, aborting the call', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const { fn, stats } = tenfold({ 1: 1, 2: 20 }, scheduler)
        const input = cold<ds.StreamElement<number>>('ab-|', { a: rec(1, 1), b: rec(2, 2) })
        const error = new ds.TimeoutError(info('enrich', 'enrich-v1'), 'the call for record (value 2, timestamp 2) timed out after 5 ms (1 attempt)')
        expectStream(input.pipe(ds.asyncWait(fn, { scheduler, timeout: 5, name: 'enrich', uid: 'enrich-v1' }))).toBe('-A----#', { A: rec(10, 1) }, error)
        scheduler.flush()
        expect(stats.aborted).toEqual([2])
        expect(stats.inFlight).toBe(0)
      })
    })

    it('counts from the first call, on the scheduler’s processing time', () => {
      marbleTest(({ cold, scheduler, flush }) => {
        const { fn } = tenfold({ 1: 4, 2: 4 }, scheduler)
        const input = cold<ds.StreamElement<number>>('ab|', { a: rec(1, 1), b: rec(2, 2) })
        // capacity 1: b is called at 4 and may take until 9; a timeout counted from arrival would fire at 6
        const out = recordTimeline(input.pipe(ds.asyncWait(fn, { scheduler, timeout: 5, capacity: 1 })), scheduler)
        flush()
        expect(out.lines).toEqual(['4: 10@1', '8: 20@2', '8: |'])
      })
    })

    it('onTimeout returns a fallback, or nothing with undefined', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const { fn, stats } = tenfold({ 1: 9, 2: 9, 3: 1 }, scheduler)
        const input = cold<ds.StreamElement<number>>('abc|', { a: rec(1, 1), b: rec(2, 2), c: rec(3, 3) })
        const onTimeout = (v: number) => (v === 1 ? -1 : undefined)
        // a times out at 3 (fallback -1), b at 4 (nothing); c, done at 3, waits for b in order
        expectStream(input.pipe(ds.asyncWait(fn, { scheduler, timeout: 3, onTimeout }))).toBe('---A(C|)', { A: rec(-1, 1), C: rec(30, 3) })
        scheduler.flush()
        expect(stats.aborted).toEqual([1, 2])
      })
    })

    it('unsubscribes an Observable call that timed out: what it emits later is never seen', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<ds.StreamElement<number>>('a|', { a: rec(1, 1) })
        const late = new Subject<number>()
        scheduler.schedule(() => {
          late.next(99)
          late.complete()
        }, 6)
        expectStream(input.pipe(ds.asyncWait(() => late, { scheduler, timeout: 3, onTimeout: () => 0 }))).toBe('---(A|)', { A: rec(0, 1) })
      })
    })

    it('0 and Infinity mean no timeout', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const { fn } = tenfold({ 1: 50 }, scheduler)
        const input = cold<ds.StreamElement<number>>('a|', { a: rec(1, 1) })
        for (const timeout of [0, Infinity]) {
          expectStream(input.pipe(ds.asyncWait(fn, { scheduler, timeout }))).toBe('50ms (A|)', { A: rec(10, 1) })
        }
      })
    })

    it('a throwing onTimeout fails with a UserFunctionError', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<ds.StreamElement<number>>('a|', { a: rec(1, 1) })
        const boom = new Error('no fallback')
        const onTimeout = () => {
          throw boom
        }
        expectStream(input.pipe(ds.asyncWait(() => NEVER, { scheduler, timeout: 2, onTimeout }))).toBe(
          '--#',
          {},
          new ds.UserFunctionError(info(), 'running onTimeout for record (value 1, timestamp 1)', boom)
        )
      })
    })
  })

  describe('retry', () => {
    it('fixedDelayRetry: calls again after `delay` when ifResult matches, at most maxAttempts retries, then the last result is final', () => {
      marbleTest(({ cold, scheduler, flush }) => {
        // value 1 is found at attempt 3; value 2 never: after 1 + 2 attempts its empty result is final
        const { fn, stats } = scheduledService((v: number, attempt: number) => (v === 1 && attempt === 3 ? ['found'] : []), () => 1, scheduler)
        const input = cold<ds.StreamElement<number>>('ab 20ms |', { a: rec(1, 1), b: rec(2, 2) })
        const retry = ds.fixedDelayRetry<string>({ maxAttempts: 2, delay: 2, ifResult: r => r.length === 0 })
        const out = recordTimeline(input.pipe(ds.asyncWait(fn, { scheduler, retry })), scheduler)
        flush()
        expect(stats.calls.map(c => `${c.value}#${c.attempt}@${c.at}`)).toEqual(['1#1@0', '2#1@1', '1#2@3', '2#2@4', '1#3@6', '2#3@7'])
        expect(out.lines).toEqual(['7: found@1', '22: |'])
      })
    })

    it('exponentialBackoffRetry: waits initialDelay, then × multiplier, capped at maxDelay', () => {
      marbleTest(({ cold, scheduler, flush }) => {
        const { fn, stats } = scheduledService((_v: number, attempt: number) => (attempt < 5 ? new Error('503') : ['ok']), () => 1, scheduler)
        const input = cold<ds.StreamElement<number>>('a 100ms |', { a: rec(1, 1) })
        const retry = ds.exponentialBackoffRetry({ maxAttempts: 10, initialDelay: 2, maxDelay: 5, multiplier: 2, ifException: e => e instanceof Error && e.message === '503' })
        const out = recordTimeline(input.pipe(ds.asyncWait(fn, { scheduler, retry })), scheduler)
        flush()
        // calls at 0; answered at 1, wait 2 → 3; answered 4, wait 4 → 8; answered 9, wait 5 (capped) → 14; answered 15, wait 5 → 20
        expect(stats.calls.map(c => c.at)).toEqual([0, 3, 8, 14, 20])
        expect(out.lines).toEqual(['21: ok@1', '101: |'])
      })
    })

    it('an error that ifException does not match, or the last allowed attempt’s error, fails the stream with the original as cause', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const fatal = new Error('400 bad request')
        const { fn } = scheduledService((v: number) => (v === 1 ? fatal : new Error('503')), () => 1, scheduler)
        const retry = ds.fixedDelayRetry({ maxAttempts: 1, delay: 1, ifException: e => e instanceof Error && e.message === '503' })
        const one = cold<ds.StreamElement<number>>('a 10ms |', { a: rec(1, 1) })
        expectStream(one.pipe(ds.asyncWait(fn, { scheduler, retry }))).toBe(
          '-#',
          {},
          new ds.UserFunctionError(info(), 'calling the async function for record (value 1, timestamp 1)', fatal)
        )
        const two = cold<ds.StreamElement<number>>('a 10ms |', { a: rec(2, 1) })
        expectStream(two.pipe(ds.asyncWait(fn, { scheduler, retry }))).toBe(
          '---#',
          {},
          new ds.UserFunctionError(info(), 'calling the async function for record (value 2, timestamp 1) (attempt 2)', new Error('503'))
        )
      })
    })

    it('the timeout spans all attempts and cancels a waiting retry', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const { fn, stats } = scheduledService((): number[] => [], () => 1, scheduler)
        const input = cold<ds.StreamElement<number>>('a 20ms |', { a: rec(1, 1) })
        const retry = ds.fixedDelayRetry<number>({ maxAttempts: 100, delay: 3, ifResult: r => r.length === 0 })
        // attempts at 0 and 4, each answered after 1 ms; at 7 the timeout strikes while the 3rd attempt waits to start (at 8)
        expectStream(input.pipe(ds.asyncWait(fn, { scheduler, retry, timeout: 7, onTimeout: () => -1 }))).toBe('-------A 13ms |', { A: rec(-1, 1) })
        scheduler.flush()
        expect(stats.calls.map(c => c.at)).toEqual([0, 4])
      })
    })

    it('the TimeoutError says how many attempts were made and that a retry was waiting', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const { fn } = scheduledService((): number[] => [], () => 1, scheduler)
        const input = cold<ds.StreamElement<number>>('a 20ms |', { a: rec(1, 1) })
        const retry = ds.fixedDelayRetry<number>({ maxAttempts: 100, delay: 3, ifResult: r => r.length === 0 })
        expectStream(input.pipe(ds.asyncWait(fn, { scheduler, retry, timeout: 7 }))).toBe(
          '-------#',
          {},
          new ds.TimeoutError(info(), 'the call for record (value 1, timestamp 1) timed out after 7 ms (2 attempts, waiting to retry)')
        )
      })
    })

    it('at the end of input, waiting retries start at once and no further retries happen', () => {
      marbleTest(({ cold, scheduler, flush }) => {
        const { fn, stats } = scheduledService((): number[] => [], () => 1, scheduler)
        const input = cold<ds.StreamElement<number>>('a--|', { a: rec(1, 1) })
        const retry = ds.fixedDelayRetry<number>({ maxAttempts: 100, delay: 10, ifResult: r => r.length === 0 })
        const out = recordTimeline(input.pipe(ds.asyncWait(fn, { scheduler, retry })), scheduler)
        flush()
        // attempt 1 at 0 → empty at 1, retry due at 11; input ends at 3: attempt 2 starts at 3, its empty result at 4 is final
        expect(stats.calls.map(c => `${c.attempt}@${c.at}`)).toEqual(['1@0', '2@3'])
        expect(out.lines).toEqual(['4: |'])
      })
    })

    it('elements still in the overflow buffer when upstream completes keep their retries until they are all admitted', () => {
      marbleTest(({ cold, scheduler, flush }) => {
        const { fn, stats } = scheduledService((v: number, attempt: number) => (attempt === 1 ? [] : [v]), () => 1, scheduler)
        const input = cold<ds.StreamElement<number>>('(abc|)', { a: rec(1, 1), b: rec(2, 2), c: rec(3, 3) })
        const retry = ds.fixedDelayRetry<number>({ maxAttempts: 1, delay: 1, ifResult: r => r.length === 0 })
        const out = recordTimeline(input.pipe(ds.asyncWait(fn, { scheduler, retry, capacity: 1 })), scheduler)
        flush()
        // a and b were retried; c entered the queue last (end of input): its empty first answer is final
        expect(stats.calls.map(c => `${c.value}#${c.attempt}@${c.at}`)).toEqual(['1#1@0', '1#2@2', '2#1@3', '2#2@5', '3#1@6'])
        expect(out.lines).toEqual(['3: 1@1', '6: 2@2', '7: |'])
      })
    })

    it('passes the attempt number to the function', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<ds.StreamElement<string>>('a 9ms |', { a: rec('x', 1) })
        const retry = ds.fixedDelayRetry<string>({ maxAttempts: 2, delay: 1, ifResult: r => !r.includes('x#3') })
        expectStream(input.pipe(ds.asyncWait((v: string, { attempt }) => [`${v}#${attempt}`], { scheduler, retry }))).toBe('--A 7ms |', { A: rec('x#3', 1) })
      })
    })

    it('a throwing predicate or backoff fails the stream', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const input = cold<ds.StreamElement<number>>('a|', { a: rec(1, 1) })
        const boom = new Error('predicate')
        const throwing = ds.fixedDelayRetry<number>({
          maxAttempts: 1,
          delay: 1,
          ifResult: () => {
            throw boom
          }
        })
        expectStream(input.pipe(ds.asyncWait((v: number) => [v], { scheduler, retry: throwing }))).toBe(
          '#',
          {},
          new ds.UserFunctionError(info(), 'testing the results of calling the async function for record (value 1, timestamp 1) with the retry strategy', boom)
        )
        const badBackoff: ds.AsyncRetryStrategy<number> = { canRetry: () => true, backoff: () => NaN, ifResult: () => true }
        expectStream(input.pipe(ds.asyncWait((v: number) => [v], { scheduler, retry: badBackoff }))).toBe(
          '#',
          {},
          new ds.DataStreamError(info(), "the retry strategy's backoff(1) returned NaN: expected a number of milliseconds >= 0")
        )
      })
    })
  })

  describe('errors and unsubscription', () => {
    it('an error of the function fails the stream with a UserFunctionError (original as cause) and aborts the other calls', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const boom = new Error('service down')
        const { fn, stats } = scheduledService((v: number) => (v === 2 ? boom : [v]), v => (v === 2 ? 2 : 9), scheduler)
        const input = cold<ds.StreamElement<number>>('abc|', { a: rec(1, 1), b: rec(2, 2), c: rec(3, 3) })
        expectStream(input.pipe(ds.asyncWait(fn, { scheduler, ordered: true }))).toBe(
          '---#',
          {},
          new ds.UserFunctionError(info(), 'calling the async function for record (value 2, timestamp 2)', boom)
        )
        scheduler.flush()
        expect(stats.aborted).toEqual([1, 3])
        expect(stats.inFlight).toBe(0)
      })
    })

    it('keeps the original error as cause', () => {
      const boom = new Error('rejected')
      const out = collectElements(from([rec(1, 1)]).pipe(ds.asyncWait(() => throwError(() => boom))))
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      expect((out.error as Error).cause).toBe(boom)
    })

    it('a synchronous throw fails the stream and is never retried', () => {
      const boom = new Error('bug')
      let calls = 0
      const retry = ds.fixedDelayRetry({ maxAttempts: 3, delay: 1, ifException: () => true })
      const out = collectElements(
        from([rec(1, 1), rec(2, 2)]).pipe(
          ds.asyncWait(
            () => {
              calls++
              throw boom
            },
            { retry, name: 'lookup' }
          )
        )
      )
      expect(out.error).toEqual(new ds.UserFunctionError(info('lookup'), 'calling the async function for record (value 1, timestamp 1)', boom))
      expect(calls).toBe(1)
    })

    it('unsubscribing aborts every call in flight, unsubscribes Observable calls and cancels timers', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions, scheduler }) => {
        const { fn, stats } = tenfold({ 1: 10, 2: 10 }, scheduler)
        const input = cold<ds.StreamElement<number>>('ab-----|', { a: rec(1, 1), b: rec(2, 2) })
        let timeouts = 0
        const onTimeout = () => {
          timeouts++
          return 0
        }
        expectStream(input.pipe(ds.asyncWait(fn, { scheduler, timeout: 8, onTimeout })), '^--!').toBe('')
        expectSubscriptions(input.subscriptions).toBe('^--!')
        scheduler.flush()
        expect(stats.aborted).toEqual([1, 2])
        expect(stats.inFlight).toBe(0) // the calls' own timers were cancelled too
        expect(timeouts).toBe(0) // the timeouts were cancelled
      })
    })

    it('forwards an upstream error after what already left, aborting calls in flight', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const { fn, stats } = tenfold({ 1: 1, 2: 10 }, scheduler)
        const upstream = new Error('upstream')
        const input = cold<ds.StreamElement<number>>('ab-#', { a: rec(1, 1), b: rec(2, 2) }, upstream)
        expectStream(input.pipe(ds.asyncWait(fn, { scheduler }))).toBe('-A-#', { A: rec(10, 1) }, upstream)
        scheduler.flush()
        expect(stats.aborted).toEqual([2])
      })
    })

    it('stops early when downstream takes only what it needs', () => {
      const called: number[] = []
      let finalized = 0
      const input = from([rec(1, 1), rec(2, 2), rec(3, 3)])
      const fn = (v: number) => defer(() => (called.push(v), of(v, v))).pipe(finalize(() => finalized++))
      const out = collectElements(input.pipe(ds.asyncWait(fn), take(3)))
      expect(out.elements).toEqual([rec(1, 1), rec(1, 1), rec(2, 2)])
      expect(called).toEqual([1, 2])
      expect(finalized).toBe(2)
    })
  })

  describe('bad input', () => {
    const input = from([rec(1, 1)])
    const failure = (op: OperatorFunction<ds.StreamElement<number>, ds.StreamElement<unknown>>): string => {
      const out = collectElements(input.pipe(op))
      expect(out.error).toBeInstanceOf(ds.DataStreamError)
      return (out.error as Error).message
    }

    it('rejects bad options through the error channel, naming the operator and the value', () => {
      const fn = (v: number) => [v]
      const named = { name: 'enrich', uid: 'enrich-v2' }
      expect(failure(ds.asyncWait(fn, { ...named, capacity: 0 }))).toBe('asyncWait "enrich" (uid enrich-v2): capacity must be a positive integer (queue slots), got 0')
      expect(failure(ds.asyncWait(fn, { capacity: 1.5 }))).toBe('asyncWait: capacity must be a positive integer (queue slots), got 1.5')
      expect(failure(ds.asyncWait(fn, { capacity: Infinity }))).toContain('capacity must be a positive integer')
      expect(failure(ds.asyncWait(fn, { timeout: -1 }))).toBe('asyncWait: timeout must be a number of milliseconds >= 0 (0 or Infinity: none), got -1')
      expect(failure(ds.asyncWait(fn, { timeout: NaN }))).toContain('got NaN')
      expect(failure(ds.asyncWait(fn, { overflowBuffer: -2 }))).toBe('asyncWait: overflowBuffer must be an integer >= 0 or Infinity, got -2')
      expect(failure(ds.asyncWait(fn, { ordered: 'yes' as unknown as boolean }))).toBe('asyncWait: ordered must be a boolean, got "yes"')
      expect(failure(ds.asyncWait(fn, { onTimeout: 5 as unknown as () => undefined }))).toContain('onTimeout must be a function')
      expect(failure(ds.asyncWait(42 as unknown as typeof fn))).toContain('the async function must be a function')
    })

    it('rejects bad retry strategies, naming the operator, the factory and the value', () => {
      const fn = (v: number) => [v]
      const check = (retry: ds.AsyncRetryStrategy<number>) => failure(ds.asyncWait(fn, { retry, name: 'r' }))
      expect(check(ds.fixedDelayRetry({ maxAttempts: 0, delay: 1, ifException: () => true }))).toBe(
        'asyncWait "r": retry: fixedDelayRetry: maxAttempts must be an integer >= 1, got 0'
      )
      expect(check(ds.fixedDelayRetry({ maxAttempts: 2, delay: -5, ifException: () => true }))).toBe(
        'asyncWait "r": retry: fixedDelayRetry: delay must be a finite number >= 0 (ms), got -5'
      )
      expect(check(ds.fixedDelayRetry({ maxAttempts: 2, delay: 5 }))).toContain('needs ifResult or ifException')
      expect(check(ds.exponentialBackoffRetry({ maxAttempts: 2, initialDelay: 0, maxDelay: 5, ifResult: () => true }))).toBe(
        'asyncWait "r": retry: exponentialBackoffRetry: initialDelay must be a finite number > 0 (ms), got 0'
      )
      expect(check(ds.exponentialBackoffRetry({ maxAttempts: 2, initialDelay: 10, maxDelay: 5, ifResult: () => true }))).toContain('maxDelay must be a finite number >= initialDelay')
      expect(check(ds.exponentialBackoffRetry({ maxAttempts: 2, initialDelay: 1, maxDelay: 5, multiplier: 0.5, ifResult: () => true }))).toContain(
        'multiplier must be a finite number >= 1, got 0.5'
      )
      expect(check({ canRetry: () => true } as unknown as ds.AsyncRetryStrategy<number>)).toContain('needs the functions canRetry(attempt) and backoff(attempt)')
      expect(check(7 as unknown as ds.AsyncRetryStrategy<number>)).toContain('must be a retry strategy')
    })

    it('rejects what the function returns when it is not a Promise, an array or an ObservableInput', () => {
      const named = { name: 'lookup' }
      expect(failure(ds.asyncWait(() => 42 as unknown as number[], named))).toBe(
        'asyncWait "lookup": the async function returned 42 for record (value 1, timestamp 1): expected a Promise, an array or another ObservableInput (Observable, iterable, async iterable)'
      )
      expect(failure(ds.asyncWait(() => undefined as unknown as number[]))).toContain('returned undefined for record (value 1, timestamp 1)')
      expect(failure(ds.asyncWait(() => null as unknown as number[]))).toContain('returned null')
      expect(failure(ds.asyncWait(() => ({ not: 'observable' }) as unknown as number[]))).toContain('returned { not: "observable" }')
      // a string is iterable, but a sequence of characters is never what was meant
      expect(failure(ds.asyncWait((v: number) => `user ${v}`))).toContain('returned "user 1" (a string is not taken as a sequence of characters: return [s] or Promise.resolve(s))')
    })

    it('checks per subscription: the factory itself never throws', () => {
      expect(() => ds.asyncWait((v: number) => [v], { capacity: -1 })).not.toThrow()
      expect(() => ds.fixedDelayRetry({ maxAttempts: -1, delay: -1 })).not.toThrow()
    })
  })

  describe('subscriptions', () => {
    it('keeps nothing between subscriptions: each has its own queue', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const { fn } = tenfold({ 1: 2 }, scheduler)
        const op = ds.asyncWait(fn, { scheduler, capacity: 1 })
        const input = cold<ds.StreamElement<number>>('a|', { a: rec(1, 1) })
        expectStream(input.pipe(op)).toBe('--(A|)', { A: rec(10, 1) })
        expectStream(input.pipe(op)).toBe('--(A|)', { A: rec(10, 1) })
      })
    })
  })
})
