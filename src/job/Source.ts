/**
 * Sources of a job (Flink's `Source` and `SourceReader`, in small): what `env.fromSource` reads,
 * and the readers the job pulls values from, in batches, between which it injects barriers.
 *
 * A replayable source says where it is (its offset, plain JSON data); the offset after the
 * last value before a barrier goes into the checkpoint, and a restored job reads on from it.
 *
 * @since 0.1.0
 */
import type { Observable, Subscription } from 'rxjs'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A value of a {@link Source} with the offset to resume after it.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const entry: ds.SourceEntry<string, number> = { value: 'a', offset: 1 }
 *
 * @category sources
 * @since 0.1.0
 */
export interface SourceEntry<T, Offset> {
  readonly value: T
  /** Where reading resumes after this value: plain JSON data (a number, a string, an object of them). */
  readonly offset: Offset
}

/**
 * A replayable source of a job: `read(offset)` reads the values after `offset` (from the
 * start when it is `undefined`), each with the offset that resumes after it. A checkpoint
 * keeps the offset of the last value read before its barrier; a job restored from it calls
 * `read` with that offset, so every value is processed exactly once in the job's state.
 *
 * `read` may return a synchronous iterable (read in batches, with barriers and timers in
 * between) or an async one (a queue, a paged API, a file read chunk by chunk).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * // Numbered lines of a log kept in memory; the offset is the next line's number.
 * const log = ['GET /', 'GET /a', 'POST /b']
 * const lines: ds.Source<string, number> = {
 *   *read(offset = 0) {
 *     for (let i = offset; i < log.length; i++) yield { value: log[i]!, offset: i + 1 }
 *   }
 * }
 *
 * @category sources
 * @since 0.1.0
 */
export interface Source<T, Offset = number> {
  read(offset: Offset | undefined): Iterable<SourceEntry<T, Offset>> | AsyncIterable<SourceEntry<T, Offset>>
}

// -------------------------------------------------------------------------------------
// readers
// -------------------------------------------------------------------------------------

/** @internal What a pull did: there may be more now, the source ended, or it resolves once more can be pulled. */
export type PullResult = 'more' | 'end' | Promise<void>

/**
 * @internal
 * What the job pulls values from. `pull` emits at most `max` values synchronously, so the job
 * can inject a barrier (after taking `position`) or yield between two pulls.
 */
export interface SourceReader<T> {
  pull(max: number, emit: (value: T) => void): PullResult
  /** Where to resume after the last value emitted (JSON), or `undefined` from the start. */
  position(): unknown
  close(): void
}

/** @internal Reads an array from an index (the offset: how many values were read). */
export function arrayReader<T>(values: readonly T[], offset: unknown): SourceReader<T> {
  let next = countOffset(offset, values.length, 'fromArray')
  return {
    pull: (max, emit) => {
      const end = Math.min(values.length, next + max)
      while (next < end) emit(values[next++]!)
      return next < values.length ? 'more' : 'end'
    },
    position: () => next,
    close: () => {}
  }
}

/**
 * @internal
 * Reads an iterable, which must give the same values each time it is iterated: the offset is
 * how many were read, and a restore skips that many.
 */
export function iterableReader<T>(values: Iterable<T>, offset: unknown): SourceReader<T> {
  let read = countOffset(offset, Infinity, 'fromIterable')
  const it = values[Symbol.iterator]()
  for (let skipped = 0; skipped < read; skipped++) {
    if (it.next().done === true) throw new RangeError(`fromIterable: the checkpoint says ${read} values were read, but the iterable has only ${skipped}; fromIterable needs an iterable that gives the same values each time`)
  }
  const puller = iteratorPuller(it)
  return {
    pull: (max, emit) =>
      puller.pull(max, value => {
        read++
        emit(value)
      }),
    position: () => read,
    close: puller.close
  }
}

/** @internal Reads a user's {@link Source} from `offset`, synchronously or not. */
export function sourceReader<T, O>(source: Source<T, O>, offset: O | undefined): SourceReader<T> {
  const iterable = source.read(offset)
  let position: unknown = offset
  if (isIterable<SourceEntry<T, O>>(iterable)) {
    const puller = iteratorPuller(iterable[Symbol.iterator]())
    return {
      pull: (max, emit) =>
        puller.pull(max, entry => {
          position = entry.offset
          emit(entry.value)
        }),
      position: () => position,
      close: puller.close
    }
  }
  if (!isAsyncIterable<SourceEntry<T, O>>(iterable)) throw new TypeError(`fromSource: read() returned ${typeof iterable}, not an iterable or async iterable of { value, offset }`)
  const it = iterable[Symbol.asyncIterator]()
  let ready: IteratorResult<SourceEntry<T, O>> | undefined
  let waiting: Promise<void> | undefined
  let done = false
  return {
    pull: (max, emit) => {
      let emitted = 0
      while (emitted < max) {
        if (ready === undefined) {
          if (waiting === undefined) waiting = it.next().then(r => {
            ready = r
            waiting = undefined
          })
          return waiting
        }
        const r = ready
        ready = undefined
        if (r.done === true) {
          done = true
          return 'end'
        }
        position = r.value.offset
        emitted++
        emit(r.value.value)
      }
      return 'more'
    },
    position: () => position,
    close: () => {
      if (!done) void it.return?.()
    }
  }
}

/**
 * @internal
 * Reads an Observable, which cannot be replayed: values arriving while the job is busy wait in
 * a queue; the position is always `undefined`, and a restored job subscribes anew.
 */
export function observableReader<T>(source: Observable<T>): SourceReader<T> {
  const queue: T[] = []
  let head = 0
  let ended = false
  let failure: { error: unknown } | undefined
  let wake: (() => void) | undefined
  let subscription: Subscription | undefined
  const notify = (): void => {
    const w = wake
    wake = undefined
    w?.()
  }
  const start = (): void => {
    subscription = source.subscribe({
      next: v => {
        queue.push(v)
        notify()
      },
      error: (error: unknown) => {
        failure = { error }
        notify()
      },
      complete: () => {
        ended = true
        notify()
      }
    })
  }
  return {
    pull: (max, emit) => {
      if (subscription === undefined) start()
      let emitted = 0
      while (head < queue.length && emitted < max) {
        const v = queue[head]!
        queue[head++] = undefined as T
        emitted++
        emit(v)
      }
      if (head === queue.length && head > 0) {
        queue.length = 0
        head = 0
      }
      if (failure !== undefined) throw failure.error
      if (head < queue.length) return 'more'
      if (ended) return 'end'
      return new Promise<void>(resolve => {
        wake = resolve
      })
    },
    position: () => undefined,
    close: () => subscription?.unsubscribe()
  }
}

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/**
 * Pulls a synchronous iterator at most `max` values at a time into `take`, and closes it early
 * (`return`), also when asked from inside it: a job cancelled by code that the source's
 * generator runs cannot `return` a running generator, so it is closed once the pull it is in
 * ends.
 */
function iteratorPuller<E>(it: Iterator<E>): { pull(max: number, take: (entry: E) => void): PullResult; close(): void } {
  let running = false
  let done = false
  let closeAfter = false
  const close = (): void => {
    if (done) return
    if (running) {
      closeAfter = true
      return
    }
    done = true
    it.return?.()
  }
  return {
    pull: (max, take) => {
      running = true
      try {
        for (let k = 0; k < max; k++) {
          const r = it.next()
          if (r.done === true) {
            done = true
            return 'end'
          }
          take(r.value)
        }
        return 'more'
      } finally {
        running = false
        if (closeAfter) close()
      }
    },
    close
  }
}

function countOffset(offset: unknown, max: number, source: string): number {
  if (offset === undefined) return 0
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0 || offset > max) {
    throw new RangeError(`${source}: cannot resume at offset ${JSON.stringify(offset)}: it must be a count of values read between 0 and ${max}`)
  }
  return offset
}

const isIterable = <T>(x: unknown): x is Iterable<T> => typeof x === 'object' && x !== null && typeof (x as Iterable<T>)[Symbol.iterator] === 'function'

const isAsyncIterable = <T>(x: unknown): x is AsyncIterable<T> => typeof x === 'object' && x !== null && typeof (x as AsyncIterable<T>)[Symbol.asyncIterator] === 'function'
