import { Observable, of, Subject, take } from 'rxjs'
import * as ds from '../../src/index'
import { operate, asStreamError } from '../../src/internal/operate'
import { operatorInfo } from '../../src/OperatorOptions'
import { rec } from '../../marbles/index'
import { countingSource as countingRecords } from '../support/sources'

/** A plain pass-through operator built on `operate`, recording how it was finalized. */
function passThrough<T>(log: string[] = []) {
  return operate<T, T>(operatorInfo('passThrough'), destination => ({
    next: v => destination.next(v),
    finalize: () => log.push('finalize')
  }))
}

/** A synchronous source of `n` numbers that stops when its subscriber is closed, and counts. */
function countingSource(n: number): { readonly source: Observable<number>; emitted(): number; tornDown(): number } {
  let emitted = 0
  let tornDown = 0
  const source = new Observable<number>(subscriber => {
    for (let i = 0; i < n && !subscriber.closed; i++) {
      emitted++
      subscriber.next(i)
    }
    subscriber.complete()
    return () => {
      tornDown++
    }
  })
  return { source, emitted: () => emitted, tornDown: () => tornDown }
}

interface Seen<T> {
  readonly values: T[]
  completed: boolean
  error: unknown
  errors: number
}

function observe<T>(source$: Observable<T>): Seen<T> & { unsubscribe(): void } {
  const seen: Seen<T> = { values: [], completed: false, error: undefined, errors: 0 }
  const subscription = source$.subscribe({
    next: v => seen.values.push(v),
    error: (e: unknown) => {
      seen.errors++
      seen.error = e
    },
    complete: () => (seen.completed = true)
  })
  return Object.assign(seen, { unsubscribe: () => subscription.unsubscribe() })
}

const thrower = <T>(when: (v: T) => boolean, error: unknown, options?: ds.OperatorOptions) =>
  operate<T, T>(operatorInfo('thrower', options), destination => ({
    next: v => {
      if (when(v)) throw error
      destination.next(v)
    }
  }))

describe('operate', () => {
  describe('errors thrown by callbacks', () => {
    it('wraps an Error thrown by next in a UserFunctionError naming the operator and the element, cause = original', () => {
      const boom = new Error('boom')
      const seen = observe(of(rec(1, 10), rec(2, 20), rec(3, 30)).pipe(thrower(r => r.value === 2, boom)))
      expect(seen.values).toEqual([rec(1, 10)])
      expect(seen.error).toBeInstanceOf(ds.UserFunctionError)
      const error = seen.error as ds.UserFunctionError
      expect(error.message).toBe('thrower: the user function threw while processing record (value 2, timestamp 20): boom')
      expect(error.cause).toBe(boom)
      expect(error.operator).toEqual({ kind: 'thrower', name: 'thrower', uid: undefined })
      expect(seen.completed).toBeFalse()
    })

    it('names the operator with name and uid', () => {
      const seen = observe(of(1).pipe(thrower(() => true, new Error('x'), { name: 'my op', uid: 'op-7' })))
      const error = seen.error as ds.UserFunctionError
      expect(error.message).toBe('thrower "my op" (uid op-7): the user function threw while processing value 1: x')
      expect(error.operator).toEqual({ kind: 'thrower', name: 'my op', uid: 'op-7' })
    })

    it('wraps thrown non-Errors, keeping them as cause', () => {
      const thrown = { code: 42 }
      const seen = observe(of('v').pipe(thrower(() => true, thrown)))
      expect(seen.error).toBeInstanceOf(ds.UserFunctionError)
      expect((seen.error as Error).cause).toBe(thrown)
      expect((seen.error as Error).message).toBe('thrower: the user function threw while processing value "v": [object Object]')
      const undefinedThrown = observe(of('v').pipe(thrower(() => true, undefined)))
      expect(undefinedThrown.error).toBeInstanceOf(ds.UserFunctionError)
      expect((undefinedThrown.error as Error).cause).toBeUndefined()
      expect((undefinedThrown.error as Error).message).toBe('thrower: the user function threw while processing value "v": undefined')
    })

    it('passes a DataStreamError thrown by next through unwrapped (the same object)', () => {
      const own = new ds.KeyError({ kind: 'keyBy', name: 'keyBy', uid: undefined }, 'bad key')
      const seen = observe(of(1, 2).pipe(thrower(v => v === 2, own)))
      expect(seen.values).toEqual([1])
      expect(seen.error).toBe(own)
      const plain = new ds.DataStreamError({ kind: 'x', name: 'x', uid: undefined }, 'base class')
      expect(observe(of(1).pipe(thrower(() => true, plain))).error).toBe(plain)
    })

    it('passes an upstream error through unwrapped, even a plain Error', () => {
      const upstream = new Error('upstream')
      const source = new Subject<number>()
      const seen = observe(source.pipe(passThrough()))
      source.next(1)
      source.error(upstream)
      expect(seen.values).toEqual([1])
      expect(seen.error).toBe(upstream)
      expect(seen.errors).toBe(1)
    })

    it('passes an upstream error through several operate stages unchanged, including one of ours from further up', () => {
      const boom = new Error('deep')
      const seen = observe(of(1, 2).pipe(thrower(v => v === 2, boom, { name: 'first' }), passThrough(), passThrough()))
      expect(seen.values).toEqual([1])
      expect(seen.error).toBeInstanceOf(ds.UserFunctionError)
      expect((seen.error as ds.UserFunctionError).operator.name).toBe('first')
      expect((seen.error as Error).cause).toBe(boom)
    })

    it('wraps a throw from the error handler and from the complete handler ("running")', () => {
      const onError = operate<number, number>(operatorInfo('onError'), () => ({
        next: () => undefined,
        error: () => {
          throw new Error('error handler failed')
        }
      }))
      const a = observe(new Observable<number>(s => s.error(new Error('up'))).pipe(onError))
      expect(a.error).toBeInstanceOf(ds.UserFunctionError)
      expect((a.error as Error).message).toBe('onError: the user function threw while running: error handler failed')

      const onComplete = operate<number, number>(operatorInfo('onComplete'), destination => ({
        next: v => destination.next(v),
        complete: () => {
          destination.next(99) // a flush may emit first
          throw new Error('flush failed')
        }
      }))
      const b = observe(of(1).pipe(onComplete))
      expect(b.values).toEqual([1, 99])
      expect(b.completed).toBeFalse()
      expect(b.error).toBeInstanceOf(ds.UserFunctionError)
      expect((b.error as Error).message).toBe('onComplete: the user function threw while running: flush failed')
    })

    it('wraps a throw from init and never subscribes upstream', () => {
      let subscribed = 0
      const source = new Observable<number>(() => {
        subscribed++
      })
      const failing = operate<number, number>(operatorInfo('failingInit'), () => {
        throw new Error('init failed')
      })
      const seen = observe(source.pipe(failing))
      expect(subscribed).toBe(0)
      expect(seen.error).toBeInstanceOf(ds.UserFunctionError)
      expect((seen.error as Error).message).toBe('failingInit: the user function threw while running: init failed')
    })

    it('wraps a throw from started', () => {
      const { source, emitted } = countingSource(5)
      const op = operate<number, number>(operatorInfo('startFails'), destination => ({
        next: v => destination.next(v),
        started: () => {
          throw new Error('start failed')
        }
      }))
      const never = new Subject<number>()
      const seen = observe(never.pipe(op))
      expect(seen.error).toBeInstanceOf(ds.UserFunctionError)
      expect((seen.error as Error).message).toBe('startFails: the user function threw while running: start failed')
      expect(never.observed).toBeFalse() // upstream unsubscribed
      // a source that completes synchronously is done before started runs: started is skipped
      const done = observe(source.pipe(op))
      expect(done.values).toEqual([0, 1, 2, 3, 4])
      expect(done.completed).toBeTrue()
      expect(emitted()).toBe(5)
    })

    it('delivers only the first failure when fail is called twice', () => {
      const op = operate<number, number>(operatorInfo('twice'), (_destination, fail) => ({
        next: v => {
          fail(new Error('first'), v)
          fail(new Error('second'), v)
        }
      }))
      const seen = observe(of(1, 2).pipe(op))
      expect(seen.errors).toBe(1)
      expect((seen.error as Error).message).toBe('twice: the user function threw while processing value 1: first')
    })

    it('asStreamError says what the operator was doing when told', () => {
      const info = operatorInfo('op', { name: 'n' })
      const wrapped = asStreamError(info, new Error('e'), undefined, 'emitting a periodic watermark') as ds.UserFunctionError
      expect(wrapped).toBeInstanceOf(ds.UserFunctionError)
      expect(wrapped.message).toBe('op "n": the user function threw while emitting a periodic watermark: e')
      const own = new ds.TimestampError(info, 't')
      expect(asStreamError(info, own, rec(1, 1))).toBe(own)
    })
  })

  describe('stopping upstream', () => {
    it('unsubscribes upstream at once on failure, so a synchronous source stops emitting', () => {
      const { source, emitted, tornDown } = countingSource(1_000)
      const seen = observe(source.pipe(thrower(v => v === 3, new Error('stop'))))
      expect(seen.values).toEqual([0, 1, 2])
      expect(emitted()).toBe(4)
      expect(tornDown()).toBe(1)
    })

    it('stops the source upstream of earlier operate stages when a later stage fails', () => {
      const { source, emitted } = countingSource(1_000)
      const log: string[] = []
      const seen = observe(source.pipe(passThrough(log), passThrough(log), thrower(v => v === 5, new Error('late stage'))))
      expect(seen.values).toEqual([0, 1, 2, 3, 4])
      expect(emitted()).toBe(6)
      expect(log).toEqual(['finalize', 'finalize'])
    })

    it('ignores notifications a misbehaving source sends after the failure', () => {
      let nextCalls = 0
      const rude = new Observable<number>(subscriber => {
        // ignores subscriber.closed
        subscriber.next(1)
        subscriber.next(2)
        subscriber.next(3)
        subscriber.complete()
      })
      const op = operate<number, number>(operatorInfo('rude'), () => ({
        next: () => {
          nextCalls++
          throw new Error('first one fails')
        }
      }))
      const seen = observe(rude.pipe(op))
      expect(nextCalls).toBe(1)
      expect(seen.errors).toBe(1)
      expect(seen.completed).toBeFalse()
    })

    it('lets downstream take(1) stop a synchronous 1e6-element source after one element', () => {
      const { source, emitted, tornDown } = countingSource(1_000_000)
      const seen = observe(source.pipe(passThrough(), passThrough(), take(1)))
      expect(seen.values).toEqual([0])
      expect(seen.completed).toBeTrue()
      expect(emitted()).toBe(1)
      expect(tornDown()).toBe(1)
    })

    it('lets downstream take(1) stop a synchronous 1e6-record source through the public operators', () => {
      const { source, emitted } = countingRecords(1_000_000)
      const seen = observe(
        source.pipe(
          ds.mapValues((n: number) => n + 1),
          ds.filterValues((n: number) => n > 0),
          ds.flatMapValues((n: number) => [n]),
          ds.keyBy((n: number) => n % 2),
          take(1)
        )
      )
      expect(seen.values).toEqual([rec(1, 0, 1)])
      expect(emitted()).toBe(1)
    })
  })

  describe('finalize', () => {
    it('runs once on complete', () => {
      const log: string[] = []
      const seen = observe(of(1, 2).pipe(passThrough(log)))
      expect(seen.completed).toBeTrue()
      expect(log).toEqual(['finalize'])
      seen.unsubscribe()
      expect(log).toEqual(['finalize'])
    })

    it('runs once on an upstream error', () => {
      const log: string[] = []
      const source = new Subject<number>()
      const seen = observe(source.pipe(passThrough(log)))
      expect(log).toEqual([])
      source.error(new Error('x'))
      expect(log).toEqual(['finalize'])
      seen.unsubscribe()
      expect(log).toEqual(['finalize'])
    })

    it('runs once on a failure of the operator', () => {
      const log: string[] = []
      const op = operate<number, number>(operatorInfo('fails'), () => ({
        next: () => {
          throw new Error('x')
        },
        finalize: () => log.push('finalize')
      }))
      const source = new Subject<number>()
      const seen = observe(source.pipe(op))
      source.next(1)
      expect(seen.errors).toBe(1)
      expect(log).toEqual(['finalize'])
      source.next(2)
      source.complete()
      seen.unsubscribe()
      expect(log).toEqual(['finalize'])
    })

    it('runs once on unsubscribe, after upstream was unsubscribed', () => {
      const log: string[] = []
      const source = new Observable<number>(() => () => log.push('upstream torn down'))
      const seen = observe(source.pipe(passThrough(log)))
      expect(log).toEqual([])
      seen.unsubscribe()
      seen.unsubscribe()
      expect(log).toEqual(['upstream torn down', 'finalize'])
    })

    it('runs after a flush in complete, once', () => {
      const log: string[] = []
      const op = operate<number, number>(operatorInfo('flushes'), destination => ({
        next: () => undefined,
        complete: () => {
          log.push('flush')
          destination.next(0)
          destination.complete()
        },
        finalize: () => log.push('finalize')
      }))
      const seen = observe(of(1).pipe(op))
      expect(seen.values).toEqual([0])
      expect(seen.completed).toBeTrue()
      expect(log).toEqual(['flush', 'finalize'])
    })
  })

  describe('per-subscription state', () => {
    it('calls init once per subscription, never at pipe time', () => {
      let inits = 0
      const counter = operate<number, number>(operatorInfo('counter'), destination => {
        inits++
        let count = 0
        return { next: () => destination.next(++count) }
      })
      const piped = of(7, 7, 7).pipe(counter)
      expect(inits).toBe(0)
      expect(observe(piped).values).toEqual([1, 2, 3])
      expect(observe(piped).values).toEqual([1, 2, 3])
      expect(inits).toBe(2)
    })
  })
})
