/**
 * A `TestScheduler` that compares stream elements structurally and draws failures as marbles,
 * and `marbleTest`, which runs a test inside it with element-aware helpers.
 *
 * @since 0.1.0
 */
import { Observable } from 'rxjs'
import { type RunHelpers, TestScheduler } from 'rxjs/testing'
import type { StreamElement } from '../src/core/StreamElement'
import {
  describeStreamMismatch,
  describeSubscriptionMismatch,
  describeValueMismatch,
  isMessageArray,
  isSubscriptionLogArray,
  type LetterHint
} from './diagram'
import { rec } from './elements'
import { streamEquals } from './equality'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Options of {@link createTestScheduler} and {@link marbleTest}.
 *
 * @example
 * import { marbleTest } from 'rx-datastream/marbles'
 *
 * // a test that legitimately runs two hours of virtual time
 * marbleTest(({ expectObservable, cold }) => {
 *   expectObservable(cold('a 120m b|')).toBe('a 120m b|')
 * }, { maxFrames: 3 * 60 * 60 * 1000 })
 *
 * @category testing
 * @since 0.1.0
 */
export interface TestSchedulerOptions {
  /**
   * In `run` mode, the last frame (virtual ms) the scheduler runs to. If work is still
   * scheduled beyond it (a periodic timer on a stream that never completes), the test fails
   * with an error saying so instead of looping forever. Default 1 000 000 (about 16 minutes).
   */
  readonly maxFrames?: number
}

/**
 * What {@link MarbleHelpers.expectStream} returns: call `toBe` with the expected marbles.
 *
 * @example
 * import * as ds from 'rx-datastream'
 * import { marbleTest, rec, wm, type StreamExpectation } from 'rx-datastream/marbles'
 *
 * marbleTest(({ expectStream }) => {
 *   const expectation: StreamExpectation<string> = expectStream(ds.fromRecords([{ value: 'x', timestamp: 5 }]))
 *   expectation.toBe('(aW|)', { a: rec('x', 5), W: wm(Infinity) })
 * })
 *
 * @category testing
 * @since 0.1.0
 */
export interface StreamExpectation<T, K = never> {
  /**
   * Asserts, when the test's virtual time is flushed, that the stream emitted exactly
   * `marbles`: each letter stands for its element in `values`, `|` completes, `#` errors with
   * `error`. Throws an `Error` drawing expected and actual lanes if not.
   */
  toBe(marbles: string, values?: Readonly<Record<string, StreamElement<T, K>>>, error?: unknown): void
}

/**
 * The subscription log of a cold or hot observable, as `expectSubscriptions` takes it.
 *
 * @example
 * import { marbleTest, type SubscriptionLogs } from 'rx-datastream/marbles'
 *
 * marbleTest(({ cold, expectObservable }) => {
 *   const source = cold('a|')
 *   expectObservable(source).toBe('a|')
 *   const logs: SubscriptionLogs = source.subscriptions
 *   return logs
 * })
 *
 * @category testing
 * @since 0.1.0
 */
export type SubscriptionLogs = Parameters<RunHelpers['expectSubscriptions']>[0]

/**
 * A cold stream made by {@link MarbleHelpers.inOrder}: its `subscriptions` can be checked
 * with `expectSubscriptions`.
 *
 * @example
 * import { marbleTest, rec, type ColdStream } from 'rx-datastream/marbles'
 *
 * marbleTest(({ inOrder, expectStream, expectSubscriptions }) => {
 *   const input: ColdStream<string> = inOrder('-a-|')
 *   expectStream(input).toBe('-a-|', { a: rec('a', 1) })
 *   expectSubscriptions(input.subscriptions).toBe('^--!')
 * })
 *
 * @category testing
 * @since 0.1.0
 */
export type ColdStream<T> = Observable<StreamElement<T>> & { readonly subscriptions: SubscriptionLogs }

/**
 * What {@link marbleTest} hands its callback: the `TestScheduler.run` helpers (`cold`, `hot`,
 * `expectObservable`, `expectSubscriptions`, `flush`, `time`, `animate`), plus
 * `expectStream`, `inOrder` and the `scheduler` itself.
 *
 * @example
 * import { marbleTest, rec, type MarbleHelpers } from 'rx-datastream/marbles'
 *
 * const check = ({ inOrder, expectStream }: MarbleHelpers): void => {
 *   expectStream(inOrder('a|', { a: 1 })).toBe('a|', { a: rec(1, 0) })
 * }
 * marbleTest(check)
 *
 * @category testing
 * @since 0.1.0
 */
export interface MarbleHelpers extends RunHelpers {
  /**
   * The scheduler running the test, for operators that take a `scheduler` option (inside
   * `marbleTest`, `asyncScheduler` is virtualized too, so passing it is optional).
   */
  readonly scheduler: TestScheduler
  /**
   * `expectObservable` for streams of elements: subscribes to `stream$` (at `^` and until `!`
   * of `subscriptionMarbles`, by default at frame 0 and for good) and returns the expectation.
   * `values` is type-checked against the stream, every letter of the expected marbles must be
   * in `values` when it is given, and a failure draws both lanes with a legend.
   */
  expectStream<T, K = never>(stream$: Observable<StreamElement<T, K>>, subscriptionMarbles?: string): StreamExpectation<T, K>
  /**
   * The "timestamp = frame" shortcut: a cold stream in which every letter is a record whose
   * event time is its frame in `marbles` (its value is the letter itself); `|` completes and
   * `#` errors with `error`.
   */
  inOrder(marbles: string, values?: undefined, error?: unknown): ColdStream<string>
  /** As above, with `values` mapping each letter to the record's value. */
  inOrder<T>(marbles: string, values: Readonly<Record<string, T>>, error?: unknown): ColdStream<T>
}

// -------------------------------------------------------------------------------------
// scheduler
// -------------------------------------------------------------------------------------

const DEFAULT_MAX_FRAMES = 1_000_000

interface StoredHint {
  readonly expected: unknown
  readonly hint: LetterHint
}

interface PendingExpectation {
  done: boolean
}

function letterHint(marbles: string, values: unknown, errorValue: unknown, runMode: boolean): StoredHint | undefined {
  try {
    const expected = TestScheduler.parseMarbles(marbles, values, errorValue, true, runMode)
    const letters = valueLetters(marbles, runMode)
    const entries = typeof values === 'object' && values !== null ? Object.entries(values) : []
    return { expected, hint: { letters, values: entries } }
  } catch {
    return undefined
  }
}

/** The letter written for each notification of `marbles` (`undefined` for `|` and `#`). */
function valueLetters(marbles: string, runMode: boolean): Array<string | undefined> {
  return TestScheduler.parseMarbles(marbles, undefined, undefined, false, runMode).map(m =>
    m.notification.kind === 'N' ? String(m.notification.value) : undefined
  )
}

class StreamTestScheduler extends TestScheduler {
  private hints: StoredHint[] = []
  private pending: PendingExpectation[] = []
  private running = false

  constructor(private readonly frameLimit: number) {
    super(() => undefined)
    this.assertDeepEqual = (actual: unknown, expected: unknown): void => this.check(actual, expected)
  }

  override run<T>(callback: (helpers: RunHelpers) => T): T {
    this.running = true
    this.pending = []
    try {
      const result = super.run(helpers => {
        this.maxFrames = this.frameLimit
        return callback(helpers)
      })
      const forgotten = this.pending.filter(p => !p.done).length
      if (forgotten > 0) {
        throw new Error(
          `${forgotten} expectation${forgotten === 1 ? ' was' : 's were'} never finished: call .toBe(...) on what expectStream / expectObservable return, or nothing is checked`
        )
      }
      return result
    } finally {
      this.running = false
      this.hints = []
      this.pending = []
    }
  }

  override expectObservable<T>(
    observable: Observable<T>,
    subscriptionMarbles: string | null = null
  ): { toBe(marbles: string, values?: unknown, errorValue?: unknown): void; toEqual: (other: Observable<T>) => void } {
    const expectation = super.expectObservable(observable, subscriptionMarbles)
    const pending: PendingExpectation = { done: false }
    this.pending.push(pending)
    const runMode = this.running
    return {
      toBe: (marbles: string, values?: unknown, errorValue?: unknown): void => {
        pending.done = true
        expectation.toBe(marbles, values, errorValue)
        const hint = letterHint(marbles, values, errorValue, runMode)
        if (hint !== undefined) this.hints.push(hint)
      },
      toEqual: (other: Observable<T>): void => {
        pending.done = true
        expectation.toEqual(other)
      }
    }
  }

  override flush(): void {
    try {
      super.flush()
    } finally {
      this.hints = []
    }
    this.checkTermination()
  }

  private check(actual: unknown, expected: unknown): void {
    if (streamEquals(actual, expected)) return
    this.checkTermination()
    const frameTimeFactor = TestScheduler.frameTimeFactor
    const runMode = this.running
    if (isMessageArray(actual) && isMessageArray(expected)) {
      const index = this.hints.findIndex(h => streamEquals(h.expected, expected))
      const hint = index === -1 ? undefined : this.hints.splice(index, 1)[0].hint
      throw new Error(describeStreamMismatch(expected, actual, { frameTimeFactor, runMode, hint }))
    }
    if (isSubscriptionLogArray(actual) && isSubscriptionLogArray(expected)) {
      throw new Error(describeSubscriptionMismatch(expected, actual, { frameTimeFactor, runMode }))
    }
    throw new Error(describeValueMismatch(expected, actual))
  }

  /** Fails (instead of looping forever) when work is still scheduled past `maxFrames`. */
  private checkTermination(): void {
    if (!this.running || this.actions.length === 0) return
    const count = this.actions.length
    for (const action of [...this.actions]) action.unsubscribe()
    throw new Error(
      `virtual time reached frame ${this.frameLimit} (maxFrames) with ${count} task${count === 1 ? '' : 's'} still scheduled: ` +
        'something schedules work forever, typically a periodic timer (autoWatermarkInterval, a processing-time timer, interval) ' +
        "on a source that never completes. Complete the source ('|'), unsubscribe with a subscription marble ('^---!'), " +
        'or raise the limit with { maxFrames }.'
    )
  }
}

/**
 * A `TestScheduler` for streams of elements: its `assertDeepEqual` compares with
 * {@link streamEquals} and, on a mismatch, throws an `Error` that draws expected and actual as
 * marble lanes (1 character = 1 frame of processing time in `run` mode, `(..)` for elements of
 * the same frame, long gaps written as ` 100ms ` time progressions), with a legend of the
 * letters and the first difference:
 *
 * ```text
 * Stream mismatch (processing time, 1 character = 1 frame):
 * expected: -a--b--(W|)
 * actual:   -a-----(bW|)
 *   a = Record 'x' @ 5
 *   b = Record 'y' @ 7 key 'k'
 *   W = Watermark +Infinity
 * first difference at frame 4: expected Record 'y' @ 7 key 'k', got nothing (it came at frame 7)
 * ```
 *
 * The letters are the ones you wrote in `toBe` where they fit; equal elements get the same
 * letter in both lanes. Subscription mismatches are drawn the same way. In `run` mode,
 * virtual time stops at `maxFrames`: work still scheduled then fails the test with a message
 * saying so, and a `toBe` that was never called fails it too. Works under any test framework.
 *
 * @example
 * import { createTestScheduler, rec, wm } from 'rx-datastream/marbles'
 * import * as ds from 'rx-datastream'
 *
 * const scheduler = createTestScheduler()
 * scheduler.run(({ expectObservable }) => {
 *   const out$ = ds.fromRecords([{ value: 'x', timestamp: 5 }])
 *   expectObservable(out$).toBe('(aW|)', { a: rec('x', 5), W: wm(Infinity) })
 * })
 *
 * @param options `maxFrames`
 * @returns a fresh `TestScheduler` (make one per test)
 * @category testing
 * @since 0.1.0
 */
export function createTestScheduler(options: TestSchedulerOptions = {}): TestScheduler {
  const maxFrames = options.maxFrames ?? DEFAULT_MAX_FRAMES
  if (typeof maxFrames !== 'number' || !(maxFrames > 0)) {
    throw new TypeError(`createTestScheduler: maxFrames must be a positive number, got ${String(maxFrames)}`)
  }
  return new StreamTestScheduler(maxFrames)
}

/**
 * Runs a marble test: calls `callback` inside `createTestScheduler().run(...)` with the run
 * helpers plus `expectStream` and `inOrder`, flushes virtual time and checks every
 * expectation, throwing a plain `Error` (with the marble diagram) on the first mismatch. Use
 * it as the body of a test in any framework. The callback must be synchronous: marble time is
 * virtual, and promises are not.
 *
 * @example
 * import * as ds from 'rx-datastream'
 * import { marbleTest, rec } from 'rx-datastream/marbles'
 *
 * marbleTest(({ inOrder, expectStream }) => {
 *   const doubled$ = inOrder('-a--b-|', { a: 1, b: 2 }).pipe(ds.mapValues((n: number) => n * 2))
 *   expectStream(doubled$).toBe('-a--b-|', { a: rec(2, 1), b: rec(4, 4) })
 * })
 *
 * @param callback the test body
 * @param options `maxFrames`
 * @returns what `callback` returns
 * @category testing
 * @since 0.1.0
 */
export function marbleTest<R>(callback: (helpers: MarbleHelpers) => R, options?: TestSchedulerOptions): R {
  const scheduler = createTestScheduler(options)
  return scheduler.run(helpers => {
    const expectStream = <T, K = never>(stream$: Observable<StreamElement<T, K>>, subscriptionMarbles?: string): StreamExpectation<T, K> => {
      const expectation = helpers.expectObservable(stream$, subscriptionMarbles ?? null)
      return {
        toBe: (marbles, values, error) => {
          if (values !== undefined) {
            const missing = [...new Set(valueLetters(marbles, true))].filter(
              (l): l is string => l !== undefined && !Object.prototype.hasOwnProperty.call(values, l)
            )
            if (missing.length > 0) {
              throw new Error(
                `expectStream(...).toBe(${JSON.stringify(marbles)}, values): ${missing.map(l => `'${l}'`).join(', ')} ${
                  missing.length === 1 ? 'is' : 'are'
                } not in values (it has ${Object.keys(values).map(l => `'${l}'`).join(', ') || 'no keys'})`
              )
            }
          }
          expectation.toBe(marbles, values, error)
        }
      }
    }

    function inOrder(marbles: string, values?: undefined, error?: unknown): ColdStream<string>
    function inOrder<T>(marbles: string, values: Readonly<Record<string, T>>, error?: unknown): ColdStream<T>
    function inOrder<T>(marbles: string, values?: Readonly<Record<string, T>>, error?: unknown): ColdStream<T | string> {
      const messages = TestScheduler.parseMarbles(marbles, undefined, error, false, true)
      const records = messages.flatMap(m => {
        if (m.notification.kind !== 'N') return []
        const letter = String(m.notification.value)
        if (values === undefined) return [rec<T | string>(letter, m.frame)]
        if (!Object.prototype.hasOwnProperty.call(values, letter)) {
          throw new Error(`inOrder(${JSON.stringify(marbles)}, values): '${letter}' is not in values`)
        }
        return [rec<T | string>(values[letter], m.frame)]
      })
      const source = helpers.cold(marbles, undefined, error)
      const stream = new Observable<StreamElement<T | string>>(subscriber => {
        let index = 0
        return source.subscribe({
          next: () => subscriber.next(records[index++]),
          error: (e: unknown) => subscriber.error(e),
          complete: () => subscriber.complete()
        })
      })
      return Object.assign(stream, { subscriptions: source.subscriptions })
    }

    const result = callback({ ...helpers, scheduler, expectStream, inOrder })
    if (typeof result === 'object' && result !== null && typeof (result as { then?: unknown }).then === 'function') {
      throw new TypeError(
        'marbleTest: the callback returned a promise. Marble tests run synchronously in virtual time; ' +
          'write the test body without async/await (promises are not virtualized by TestScheduler).'
      )
    }
    return result
  })
}
