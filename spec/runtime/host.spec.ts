/**
 * The host (src/runtime/host.ts): the guarantees every operator relies on, for operators built
 * on it. Small operators written here (as the real ones are, on `AbstractStreamOperator`) log
 * what reaches them, so a spec can tell what ran, in which order, and how often.
 */
import { map, Observable, of, type OperatorFunction, Subject, take } from 'rxjs'
import * as ds from '../../src/index'
import { active, barrier, idle, rec, side, wm } from '../../marbles/index'
import { type OperatorInfo, operatorInfo, type OperatorOptions } from '../../src/core/OperatorOptions'
import { NO_TIMESTAMP, type StreamElement } from '../../src/core/StreamElement'
import { asStreamError, oneInputOperator, sinkOperator, sourceOperator } from '../../src/runtime/host'
import { multiInputOperator } from '../../src/runtime/multiInputOperator'
import { type ChainContext, type ChainOutput, EmittingSink } from '../../src/runtime/Output'
import { AbstractStreamOperator, type MultiInput, type OneInput } from '../../src/runtime/StreamOperator'
import { describeValue } from '../../src/core/describe'

// ---- test operators ----

/** Where a probe fails, and what it throws. */
interface Faults {
  /** `record` throws `error` for this value. */
  readonly onRecord?: (value: unknown) => boolean
  /** `processWatermark` throws `error` for this timestamp. */
  readonly onWatermark?: (timestamp: number) => boolean
  readonly inEndInput?: boolean
  /** `finish` writes `flush` (when given), then throws `error`. */
  readonly inFinish?: boolean
  readonly flush?: unknown
  /** The factory throws `error`. */
  readonly inCreate?: boolean
  readonly error?: unknown
  /** The factory writes this record before it makes the operator. */
  readonly greet?: unknown
  /** `record` writes each record, then a watermark at its timestamp, then the record again. */
  readonly echo?: boolean
}

interface ProbeOptions extends Faults, OperatorOptions {
  readonly log?: string[]
  /** Every operator the factory made, in order. */
  readonly made?: Probe[]
}

const show = (value: unknown): string => describeValue(value)

/** A pass-through operator that logs what it receives (as `<name> …`) and fails as told. */
class Probe extends AbstractStreamOperator<unknown, unknown> implements OneInput<unknown> {
  constructor(
    info: OperatorInfo,
    output: ChainOutput<unknown, unknown>,
    context: ChainContext,
    protected readonly log: string[],
    private readonly faults: Faults
  ) {
    super(info, output, context)
  }

  /** What it writes to: the next operator of its chain, or an `EmittingSink`. */
  get next(): ChainOutput<unknown, unknown> {
    return this.output
  }

  record(value: unknown, timestamp: number, key: unknown): void {
    if (this.destination.closed) return
    try {
      this.log.push(`${this.info.name} record ${show(value)}@${timestamp}${key === undefined ? '' : ` key ${show(key)}`}`)
      if (this.faults.onRecord?.(value) === true) throw this.faults.error
      this.output.record(value, timestamp, key)
      if (this.faults.echo === true) {
        // without looking whether the subscription is still open, as a careless operator might
        this.output.element(wm(timestamp))
        this.output.record(value, timestamp, key)
      }
    } catch (error) {
      this.failRecord(error, value, timestamp, key)
    }
  }

  override processWatermark(time: number): void {
    this.log.push(`${this.info.name} watermark ${time}`)
    if (this.faults.onWatermark?.(time) === true) throw this.faults.error
    super.processWatermark(time)
  }

  override endInput(input: number): void {
    this.log.push(`${this.info.name} endInput ${input}`)
    if (this.faults.inEndInput === true) throw this.faults.error
  }

  override finish(): void {
    this.log.push(`${this.info.name} finish`)
    if (this.faults.flush !== undefined) this.output.record(this.faults.flush, 0, undefined)
    if (this.faults.inFinish === true) throw this.faults.error
  }

  override close(): void {
    this.log.push(`${this.info.name} close`)
  }
}

/** A one-input operator on the host: a `Probe` named `name` (default `probe`). */
function probe(name = 'probe', options: ProbeOptions = {}): OperatorFunction<StreamElement<unknown, unknown>, StreamElement<unknown, unknown>> {
  const info = operatorInfo('probe', { name, uid: options.uid })
  return oneInputOperator<unknown, unknown, unknown>(info, (output, context) => {
    if (options.inCreate === true) throw options.error
    if (options.greet !== undefined) output.record(options.greet, 0, undefined)
    const made = new Probe(info, output, context, options.log ?? [], options)
    options.made?.push(made)
    return made
  })
}

/** Throws `error` on the record whose value `when` accepts, named `thrower` unless told. */
const thrower = (when: (value: unknown) => boolean, error: unknown, options: ProbeOptions = {}) =>
  probe(options.name ?? 'thrower', { ...options, onRecord: when, error })

/** A pass-through operator at the head of a chain of plain values (`sourceOperator`). */
function valuesSource(name: string, options: ProbeOptions = {}): OperatorFunction<unknown, StreamElement<unknown, unknown>> {
  const info = operatorInfo('valuesSource', { name })
  return sourceOperator<unknown, unknown, unknown>(info, (output, context) => {
    if (options.inCreate === true) throw options.error
    const made = new Probe(info, output, context, options.log ?? [], options)
    options.made?.push(made)
    return made
  })
}

/** The end of a chain (as `values()` is): emits `value@timestamp` strings, fails as told. */
function sink(options: Faults = {}): OperatorFunction<StreamElement<unknown, unknown>, string> {
  return sinkOperator<unknown, unknown, string>(operatorInfo('sink'), (value, timestamp) => {
    if (options.onRecord?.(value) === true) throw options.error
    return `${show(value)}@${timestamp}`
  })
}

/** A multi-input operator that logs what reaches it (as `mux …`) and passes records on. */
class Mux extends AbstractStreamOperator<unknown, unknown> implements MultiInput {
  constructor(
    info: OperatorInfo,
    output: ChainOutput<unknown, unknown>,
    context: ChainContext,
    private readonly log: string[],
    private readonly faults: Faults
  ) {
    super(info, output, context)
  }

  get next(): ChainOutput<unknown, unknown> {
    return this.output
  }

  processRecord(input: number, value: unknown, timestamp: number, key: unknown): void {
    this.log.push(`mux in${input} ${show(value)}@${timestamp}${key === undefined ? '' : ` key ${show(key)}`}`)
    if (this.faults.onRecord?.(value) === true) throw this.faults.error
    this.output.record(value, timestamp, key)
  }

  override processWatermark(time: number): void {
    this.log.push(`mux watermark ${time}`)
    if (this.faults.onWatermark?.(time) === true) throw this.faults.error
    super.processWatermark(time)
  }

  override processStatus(status: ds.StreamStatus): void {
    this.log.push(`mux ${status.idle ? 'idle' : 'active'}`)
    super.processStatus(status)
  }

  override endInput(input: number): void {
    this.log.push(`mux endInput ${input}`)
  }

  override finish(): void {
    this.log.push('mux finish')
  }

  override close(): void {
    this.log.push('mux close')
  }
}

function mux(
  others: Observable<StreamElement<unknown, unknown>>[],
  options: ProbeOptions = {}
): OperatorFunction<StreamElement<unknown, unknown>, StreamElement<unknown, unknown>> {
  const info = operatorInfo('mux', options)
  return multiInputOperator<unknown, unknown, unknown>(info, others, (output, context) => {
    if (options.inCreate === true) throw options.error
    return new Mux(info, output, context, options.log ?? [], options)
  })
}

// ---- sources and subscribers ----

/**
 * A synchronous source of `n` records `rec(i, i)` that stops when its subscriber is closed,
 * and counts what it emitted and how often it was torn down; `log` gets `source teardown`.
 */
function countingSource(n: number, log?: string[]) {
  let emitted = 0
  let tornDown = 0
  let subscribed = 0
  const source = new Observable<StreamElement<number>>(subscriber => {
    subscribed++
    for (let i = 0; i < n && !subscriber.closed; i++) {
      emitted++
      subscriber.next(rec(i, i))
    }
    subscriber.complete()
    return () => {
      tornDown++
      log?.push('source teardown')
    }
  })
  return { source, emitted: () => emitted, tornDown: () => tornDown, subscribed: () => subscribed }
}

/** A source that is never subscribed to without the count showing it. */
function watchedSource() {
  let subscribed = 0
  const source = new Observable<StreamElement<number>>(() => {
    subscribed++
  })
  return { source, subscribed: () => subscribed }
}

interface Seen<T> {
  readonly values: T[]
  completed: boolean
  error: unknown
  errors: number
}

/** Subscribes and records what arrives; `log` gets `next …`, `error …` and `complete`. */
function observe<T>(source$: Observable<T>, log?: string[]): Seen<T> & { unsubscribe(): void } {
  const seen: Seen<T> = { values: [], completed: false, error: undefined, errors: 0 }
  const subscription = source$.subscribe({
    next: v => {
      seen.values.push(v)
      log?.push(`next ${show(v)}`)
    },
    error: (e: unknown) => {
      seen.errors++
      seen.error = e
      log?.push(`error ${e instanceof Error ? e.message : show(e)}`)
    },
    complete: () => {
      seen.completed = true
      log?.push('complete')
    }
  })
  return Object.assign(seen, { unsubscribe: () => subscription.unsubscribe() })
}

/** A Subject to push into by hand, behind a source that logs its subscription and teardown. */
function loggedSubject(log: string[]) {
  const subject = new Subject<StreamElement<number, unknown>>()
  const source = new Observable<StreamElement<number, unknown>>(subscriber => {
    log.push('source subscribe')
    const subscription = subject.subscribe(subscriber)
    return () => {
      subscription.unsubscribe()
      log.push('source teardown')
    }
  })
  return { subject, source }
}

/** Between two operators: nothing (they chain), or an identity `map` (they run apart). */
type Gap = <A>(source: Observable<A>) => Observable<A>
const chainedGap: Gap = source => source
const apartGap: Gap = source => source.pipe(map(x => x))

const messageOf = (error: unknown): string => (error as Error).message

describe('the host', () => {
  describe('errors thrown by an operator', () => {
    it('wraps an Error thrown by record in a UserFunctionError naming the operator and the record, cause = original', () => {
      const boom = new Error('boom')
      const seen = observe(of(rec(1, 10), rec(2, 20), rec(3, 30)).pipe(thrower(v => v === 2, boom)))
      expect(seen.values).toEqual([rec(1, 10)])
      expect(seen.error).toBeInstanceOf(ds.UserFunctionError)
      const error = seen.error as ds.UserFunctionError
      expect(error.message).toBe('probe "thrower": the user function threw while processing record (value 2, timestamp 20): boom')
      expect(error.cause).toBe(boom)
      expect(error.operator).toEqual({ kind: 'probe', name: 'thrower', uid: undefined })
      expect(seen.completed).toBeFalse()
    })

    it('names the operator with name and uid, and the record with its key', () => {
      const seen = observe(of(rec(1, 10, 'k')).pipe(thrower(() => true, new Error('x'), { name: 'my op', uid: 'op-7' })))
      const error = seen.error as ds.UserFunctionError
      expect(error.message).toBe('probe "my op" (uid op-7): the user function threw while processing record (value 1, timestamp 10, key "k"): x')
      expect(error.operator).toEqual({ kind: 'probe', name: 'my op', uid: 'op-7' })
    })

    it('wraps thrown non-Errors, keeping them as cause', () => {
      const thrown = { code: 42 }
      const seen = observe(of(rec('v', 1)).pipe(thrower(() => true, thrown)))
      expect(seen.error).toBeInstanceOf(ds.UserFunctionError)
      expect((seen.error as Error).cause).toBe(thrown)
      expect(messageOf(seen.error)).toBe('probe "thrower": the user function threw while processing record (value "v", timestamp 1): [object Object]')
      const undefinedThrown = observe(of(rec('v', 1)).pipe(thrower(() => true, undefined)))
      expect(undefinedThrown.error).toBeInstanceOf(ds.UserFunctionError)
      expect((undefinedThrown.error as Error).cause).toBeUndefined()
      expect(messageOf(undefinedThrown.error)).toBe('probe "thrower": the user function threw while processing record (value "v", timestamp 1): undefined')
    })

    it('passes a DataStreamError thrown by record through unwrapped (the same object)', () => {
      const own = new ds.KeyError({ kind: 'keyBy', name: 'keyBy', uid: undefined }, 'bad key')
      const seen = observe(of(rec(1, 1), rec(2, 2)).pipe(thrower(v => v === 2, own)))
      expect(seen.values).toEqual([rec(1, 1)])
      expect(seen.error).toBe(own)
      const plain = new ds.DataStreamError({ kind: 'x', name: 'x', uid: undefined }, 'base class')
      expect(observe(of(rec(1, 1)).pipe(thrower(() => true, plain))).error).toBe(plain)
    })

    it('throws nothing into the producer: a Subject’s next returns normally when the operator fails', () => {
      const source = new Subject<StreamElement<number>>()
      const seen = observe(source.pipe(thrower(() => true, new Error('x'))))
      expect(() => source.next(rec(1, 1))).not.toThrow()
      expect(seen.errors).toBe(1)
      expect(source.observed).toBeFalse()
    })

    it('passes an upstream error through several operators unchanged, even a plain Error', () => {
      const upstream = new Error('upstream')
      const source = new Subject<StreamElement<number>>()
      const seen = observe(source.pipe(probe('a'), probe('b'), probe('c')))
      source.next(rec(1, 1))
      source.error(upstream)
      expect(seen.values).toEqual([rec(1, 1)])
      expect(seen.error).toBe(upstream)
      expect(seen.errors).toBe(1)
    })

    it('passes the failure of an earlier operator through the later ones unchanged', () => {
      const boom = new Error('deep')
      const seen = observe(of(rec(1, 1), rec(2, 2)).pipe(thrower(v => v === 2, boom, { name: 'first' }), probe('b'), probe('c')))
      expect(seen.values).toEqual([rec(1, 1)])
      expect(seen.error).toBeInstanceOf(ds.UserFunctionError)
      expect((seen.error as ds.UserFunctionError).operator.name).toBe('first')
      expect((seen.error as Error).cause).toBe(boom)
      expect(seen.errors).toBe(1)
    })

    it('wraps a throw while processing a watermark, naming the watermark', () => {
      const seen = observe(of(rec(1, 1), wm(5), rec(2, 6)).pipe(probe('w', { onWatermark: t => t === 5, error: new Error('late') })))
      expect(seen.values).toEqual([rec(1, 1)])
      expect(messageOf(seen.error)).toBe('probe "w": the user function threw while processing watermark 5: late')
    })

    it('wraps a throw of endInput or finish ("running"), after what finish wrote', () => {
      const a = observe(of(rec(1, 1)).pipe(probe('ends', { inEndInput: true, error: new Error('end failed') })))
      expect(a.values).toEqual([rec(1, 1)])
      expect(a.completed).toBeFalse()
      expect(messageOf(a.error)).toBe('probe "ends": the user function threw while running: end failed')

      const b = observe(of(rec(1, 1)).pipe(probe('flushes', { flush: 99, inFinish: true, error: new Error('flush failed') })))
      expect(b.values).toEqual([rec(1, 1), rec(99, 0)]) // a flush may write first
      expect(b.completed).toBeFalse()
      expect(b.error).toBeInstanceOf(ds.UserFunctionError)
      expect(messageOf(b.error)).toBe('probe "flushes": the user function threw while running: flush failed')
    })

    it('reports a throw of the factory before anything is subscribed', () => {
      const { source, subscribed } = watchedSource()
      const seen = observe(source.pipe(probe('failingCreate', { inCreate: true, error: new Error('create failed') })))
      expect(subscribed()).toBe(0)
      expect(seen.error).toBeInstanceOf(ds.UserFunctionError)
      expect(messageOf(seen.error)).toBe('probe "failingCreate": the user function threw while running: create failed')
    })

    it('reports a throw of the factory of a chain’s first operator before the source is subscribed; the later ones close once', () => {
      const { source, subscribed } = watchedSource()
      const log: string[] = []
      const seen = observe(source.pipe(probe('first', { inCreate: true, error: new Error('no') }), probe('b', { log }), probe('c', { log })))
      expect(subscribed()).toBe(0)
      expect(seen.errors).toBe(1)
      expect(messageOf(seen.error)).toBe('probe "first": the user function threw while running: no')
      seen.unsubscribe()
      expect(log).toEqual(['b close', 'c close'])
    })

    it('delivers only the first failure', () => {
      class FailsTwice extends Probe {
        override record(value: unknown, timestamp: number, key: unknown): void {
          this.failRecord(new Error('first'), value, timestamp, key)
          this.failRecord(new Error('second'), value, timestamp, key)
        }
      }
      const info = operatorInfo('twice')
      const op = oneInputOperator<unknown, unknown, unknown>(info, (output, context) => new FailsTwice(info, output, context, [], {}))
      const seen = observe(of(rec(1, 1), rec(2, 2)).pipe(op))
      expect(seen.errors).toBe(1)
      expect(messageOf(seen.error)).toBe('twice: the user function threw while processing record (value 1, timestamp 1): first')
    })

    it('reports only the first failure of a subscription, whatever it is reported to', () => {
      const reported: unknown[] = []
      const witness = { error: (e: unknown) => reported.push(e) }
      class FailsTwiceElsewhere extends Probe {
        override record(value: unknown, timestamp: number, key: unknown): void {
          this.chain.fail(witness, this.info, new Error('first'), rec(value, timestamp, key))
          this.chain.fail(witness, this.info, new Error('second'))
          this.failRecord(new Error('third'), value, timestamp, key)
        }
      }
      const info = operatorInfo('elsewhere')
      const op = oneInputOperator<unknown, unknown, unknown>(info, (output, context) => new FailsTwiceElsewhere(info, output, context, [], {}))
      const seen = observe(of(rec(1, 1)).pipe(op))
      expect(reported.map(messageOf)).toEqual(['elsewhere: the user function threw while processing record (value 1, timestamp 1): first'])
      expect(seen.errors).toBe(0)
    })

    it('asStreamError says what the operator was doing when told, else the element, else "running"', () => {
      const info = operatorInfo('op', { name: 'n' })
      const wrapped = asStreamError(info, new Error('e'), undefined, 'emitting a periodic watermark') as ds.UserFunctionError
      expect(wrapped).toBeInstanceOf(ds.UserFunctionError)
      expect(wrapped.message).toBe('op "n": the user function threw while emitting a periodic watermark: e')
      expect(messageOf(asStreamError(info, new Error('e'), rec(1, 2)))).toBe('op "n": the user function threw while processing record (value 1, timestamp 2): e')
      expect(messageOf(asStreamError(info, new Error('e')))).toBe('op "n": the user function threw while running: e')
      const own = new ds.TimestampError(info, 't')
      expect(asStreamError(info, own, rec(1, 1))).toBe(own)
      expect(asStreamError(info, own, undefined, 'emitting')).toBe(own)
    })
  })

  describe('stopping upstream', () => {
    it('unsubscribes upstream at once on failure, so a synchronous source stops emitting', () => {
      const { source, emitted, tornDown } = countingSource(1_000)
      const seen = observe(source.pipe(thrower(v => v === 3, new Error('stop'))))
      expect(seen.values).toEqual([rec(0, 0), rec(1, 1), rec(2, 2)])
      expect(emitted()).toBe(4)
      expect(tornDown()).toBe(1)
    })

    it('stops the source upstream of earlier operators when a later one fails', () => {
      const log: string[] = []
      const { source, emitted, tornDown } = countingSource(1_000)
      const seen = observe(source.pipe(probe('a', { log }), probe('b', { log }), thrower(v => v === 5, new Error('late stage'))))
      expect(seen.values.length).toBe(5)
      expect(emitted()).toBe(6)
      expect(tornDown()).toBe(1)
      expect(log.filter(l => l.endsWith('close'))).toEqual(['a close', 'b close'])
      expect(log.filter(l => l.startsWith('a record')).length).toBe(6)
    })

    it('ignores notifications a misbehaving source sends after the failure', () => {
      const log: string[] = []
      const rude = new Observable<StreamElement<number>>(subscriber => {
        // ignores subscriber.closed
        subscriber.next(rec(1, 1))
        subscriber.next(rec(2, 2))
        subscriber.next(wm(3))
        subscriber.complete()
        subscriber.error(new Error('and an error'))
      })
      const seen = observe(rude.pipe(probe('a', { log }), thrower(() => true, new Error('first one fails'), { log })))
      expect(log).toEqual(['a record 1@1', 'thrower record 1@1', 'a close', 'thrower close'])
      expect(seen.errors).toBe(1)
      expect(messageOf(seen.error)).toContain('first one fails')
      expect(seen.completed).toBeFalse()
    })

    it('releases the source before the end or an error of its input reaches the first operator', () => {
      class Witness extends Probe {
        override complete(): void {
          this.log.push(`${this.info.name} sees the end`)
          super.complete()
        }

        override error(error: unknown): void {
          this.log.push(`${this.info.name} sees the error`)
          super.error(error)
        }
      }
      const witness = (log: string[]) => {
        const info = operatorInfo('witness')
        return oneInputOperator<unknown, unknown, unknown>(info, (output, context) => new Witness(info, output, context, log, {}))
      }
      for (const end of ['complete', 'error'] as const) {
        const log: string[] = []
        const { subject, source } = loggedSubject(log)
        observe(source.pipe(witness(log)))
        if (end === 'complete') subject.complete()
        else subject.error(new Error('up'))
        expect(log.slice(0, 3)).toEqual(['source subscribe', 'source teardown', `witness sees the ${end === 'complete' ? 'end' : 'error'}`])
      }
    })

    it('does not subscribe the source when the subscription closed while the operators were made', () => {
      const { source, subscribed } = watchedSource()
      const seen = observe(source.pipe(probe('a', { greet: 'hello' }), take(1)))
      expect(seen.values).toEqual([rec('hello', 0)])
      expect(subscribed()).toBe(0)
    })

    it('gives an operator nothing more once a later one failed on what it wrote', () => {
      const log: string[] = []
      const seen = observe(of(rec(1, 1), rec(2, 2)).pipe(probe('a', { log, echo: true }), thrower(v => v === 1, new Error('x'), { log, name: 'b' })))
      expect(seen.errors).toBe(1)
      // neither the watermark nor the second copy a wrote after the failure reaches b
      expect(log).toEqual(['a record 1@1', 'b record 1@1', 'a close', 'b close'])
    })

    it('does not end an operator once a later one failed on what its finish wrote', () => {
      const log: string[] = []
      const seen = observe(of(rec(1, 1)).pipe(probe('a', { log, flush: 7 }), thrower(v => v === 7, new Error('x'), { log, name: 'b' })))
      expect(seen.errors).toBe(1)
      expect(log).toEqual(['a record 1@1', 'b record 1@1', 'a endInput 0', 'a finish', 'b record 7@0', 'a close', 'b close'])
    })

    it('lets downstream take(1) stop a synchronous 1e6-record source after one record', () => {
      const log: string[] = []
      const { source, emitted, tornDown } = countingSource(1_000_000)
      const seen = observe(source.pipe(probe('a', { log }), probe('b', { log }), take(1)))
      expect(seen.values).toEqual([rec(0, 0)])
      expect(seen.completed).toBeTrue()
      expect(emitted()).toBe(1)
      expect(tornDown()).toBe(1)
      expect(log).toEqual(['a record 0@0', 'b record 0@0', 'a close', 'b close'])
    })

    it('lets downstream take(1) stop a synchronous 1e6-record source through the public operators', () => {
      const { source, emitted } = countingSource(1_000_000)
      const seen = observe(
        source.pipe(
          ds.mapValues((n: number) => n + 1),
          ds.filterValues((n: number) => n > 0),
          ds.flatMapValues((n: number) => [n]),
          ds.keyBy((n: number) => n % 2),
          ds.mapValues((n: number) => n * 10),
          take(1)
        )
      )
      expect(seen.values).toEqual([rec(10, 0, 1)])
      expect(emitted()).toBe(1)
    })

    it('lets downstream take(1) stop a synchronous 1e6-record source through a chain ending in values()', () => {
      const { source, emitted, tornDown } = countingSource(1_000_000)
      const seen = observe(source.pipe(ds.mapValues((n: number) => n + 1), ds.values(), take(1)))
      expect(seen.values).toEqual([1])
      expect(emitted()).toBe(1)
      expect(tornDown()).toBe(1)
    })
  })

  describe('close', () => {
    it('runs once on complete', () => {
      const log: string[] = []
      const seen = observe(of(rec(1, 1), rec(2, 2)).pipe(probe('p', { log })))
      expect(seen.completed).toBeTrue()
      expect(log).toEqual(['p record 1@1', 'p record 2@2', 'p endInput 0', 'p finish', 'p close'])
      seen.unsubscribe()
      expect(log.filter(l => l === 'p close').length).toBe(1)
    })

    it('runs once on complete from an asynchronous source, after the subscriber saw it', () => {
      const log: string[] = []
      const source = new Subject<StreamElement<number>>()
      const seen = observe(source.pipe(probe('p', { log })), log)
      source.complete()
      expect(seen.completed).toBeTrue()
      seen.unsubscribe()
      expect(log).toEqual(['p endInput 0', 'p finish', 'complete', 'p close'])
    })

    it('runs once on an upstream error, before the subscriber sees it', () => {
      const log: string[] = []
      const source = new Subject<StreamElement<number>>()
      const seen = observe(source.pipe(probe('p', { log })), log)
      expect(log).toEqual([])
      source.error(new Error('x'))
      expect(log).toEqual(['p close', 'error x'])
      seen.unsubscribe()
      expect(log).toEqual(['p close', 'error x'])
    })

    it('runs once on a failure of the operator; nothing reaches it afterwards', () => {
      const log: string[] = []
      const source = new Subject<StreamElement<number>>()
      const seen = observe(source.pipe(thrower(() => true, new Error('x'), { log })))
      source.next(rec(1, 1))
      expect(seen.errors).toBe(1)
      expect(log).toEqual(['thrower record 1@1', 'thrower close'])
      source.next(rec(2, 2))
      source.complete()
      seen.unsubscribe()
      expect(log).toEqual(['thrower record 1@1', 'thrower close'])
    })

    it('runs once on unsubscribe, after upstream was unsubscribed', () => {
      const log: string[] = []
      const source = new Observable<StreamElement<number>>(() => () => log.push('upstream torn down'))
      const seen = observe(source.pipe(probe('p', { log })))
      expect(log).toEqual([])
      seen.unsubscribe()
      seen.unsubscribe()
      expect(log).toEqual(['upstream torn down', 'p close'])
    })

    it('runs after a flush in finish, once', () => {
      const log: string[] = []
      const seen = observe(of(rec(1, 1)).pipe(probe('p', { log, flush: 0 })))
      expect(seen.values).toEqual([rec(1, 1), rec(0, 0)])
      expect(seen.completed).toBeTrue()
      expect(log).toEqual(['p record 1@1', 'p endInput 0', 'p finish', 'p close'])
    })

    describe('runs once for every operator of a chain, upstream first', () => {
      const closes = (log: string[]) => log.filter(l => l.endsWith('close'))
      const chain = (log: string[], fault: Faults = {}) => [probe('a', { log }), probe('b', { log, ...fault }), probe('c', { log })] as const

      it('on complete', () => {
        const log: string[] = []
        const source = new Subject<StreamElement<number>>()
        const [a, b, c] = chain(log)
        observe(source.pipe(a, b, c))
        source.complete()
        expect(closes(log)).toEqual(['a close', 'b close', 'c close'])
      })

      it('on an upstream error', () => {
        const log: string[] = []
        const source = new Subject<StreamElement<number>>()
        const [a, b, c] = chain(log)
        const seen = observe(source.pipe(a, b, c), log)
        source.error(new Error('up'))
        seen.unsubscribe()
        expect(closes(log)).toEqual(['a close', 'b close', 'c close'])
        expect(log[log.length - 1]).toBe('error up')
      })

      it('on a failure of the middle operator', () => {
        const log: string[] = []
        const { source, emitted } = countingSource(10, log)
        const [a, b, c] = chain(log, { onRecord: v => v === 1, error: new Error('mid') })
        const seen = observe(source.pipe(a, b, c), log)
        seen.unsubscribe()
        expect(emitted()).toBe(2)
        expect(log.slice(-4)).toEqual(['source teardown', 'a close', 'b close', 'c close'])
        expect(log).toContain('error probe "b": the user function threw while processing record (value 1, timestamp 1): mid')
      })

      it('on unsubscribe', () => {
        const log: string[] = []
        const source = new Observable<StreamElement<number>>(() => () => log.push('source teardown'))
        const [a, b, c] = chain(log)
        const seen = observe(source.pipe(a, b, c))
        seen.unsubscribe()
        expect(log).toEqual(['source teardown', 'a close', 'b close', 'c close'])
      })
    })
  })

  describe('chaining', () => {
    const named = (made: Probe[], name: string): Probe => made.find(p => p.info.name === name)!

    it('hands a record to the next operator as its parts, by a direct call to its record', () => {
      const made: Probe[] = []
      const log: string[] = []
      const value = { id: 1 }
      const seen = observe(of(rec(value, 5, 'k')).pipe(probe('a', { made, log }), probe('b', { made, log }), probe('c', { made, log })))
      // Each operator's output is the next operator itself: nothing (no subscriber, no record
      // object) stands between them.
      expect(named(made, 'a').next).toBe(named(made, 'b'))
      expect(named(made, 'b').next).toBe(named(made, 'c'))
      expect(named(made, 'c').next).toBeInstanceOf(EmittingSink)
      expect(log.slice(0, 3)).toEqual(['a record { id: 1 }@5 key "k"', 'b record { id: 1 }@5 key "k"', 'c record { id: 1 }@5 key "k"'])
      expect(seen.values.length).toBe(1)
      expect((seen.values[0] as ds.StreamRecord<unknown, unknown>).value).toBe(value)
    })

    it('runs a chain of three operators in one subscription to the source', () => {
      const { source, subscribed } = countingSource(3)
      const subscribe = spyOn(Observable.prototype, 'subscribe').and.callThrough()
      const seen = observe(source.pipe(probe('a'), probe('b'), probe('c')))
      expect(seen.completed).toBeTrue()
      // the chain's Observable and the source: no Observable per operator
      expect(subscribe.calls.count()).toBe(2)
      expect(subscribed()).toBe(1)
    })

    it('chains onto the public operators and they onto it', () => {
      const made: Probe[] = []
      const log: string[] = []
      const subscribe = spyOn(Observable.prototype, 'subscribe').and.callThrough()
      const seen = observe(
        of(rec(1, 5)).pipe(
          ds.keyBy((n: number) => `k${n}`),
          ds.mapValues((n: number) => n + 1),
          probe('b', { made, log }),
          ds.mapValues((n: unknown) => (n as number) * 10),
          ds.values()
        )
      )
      expect(seen.values).toEqual([20])
      expect(log[0]).toBe('b record 2@5 key "k1"')
      expect(named(made, 'b').next).not.toBeInstanceOf(EmittingSink)
      expect(subscribe.calls.count()).toBe(2)
    })

    it('runs operators apart when an rx operator stands between them', () => {
      const made: Probe[] = []
      const log: string[] = []
      observe(of(rec('v', 5, 'k')).pipe(probe('a', { made, log }), map(x => x), probe('b', { made, log })))
      expect(named(made, 'a').next).toBeInstanceOf(EmittingSink)
      expect(named(made, 'b').next).toBeInstanceOf(EmittingSink)
      expect(log.slice(0, 2)).toEqual(['a record "v"@5 key "k"', 'b record "v"@5 key "k"'])
    })

    describe('gives what the operators give apart: elements, errors, completion, teardown order', () => {
      /** Runs `scenario` through `a → b → c` with `gap` between the operators; everything goes to one log. */
      function run(gap: Gap, faults: { readonly a?: Faults; readonly b?: Faults; readonly c?: Faults }, scenario: (s: Subject<StreamElement<number, unknown>>, stop: () => void) => void) {
        const log: string[] = []
        const { subject, source } = loggedSubject(log)
        const seen = observe(
          source.pipe(probe('a', { log, ...faults.a }), gap, probe('b', { log, ...faults.b }), gap, probe('c', { log, ...faults.c })),
          log
        )
        scenario(subject, () => seen.unsubscribe())
        seen.unsubscribe()
        return log
      }
      const feed = (s: Subject<StreamElement<number, unknown>>) => {
        s.next(rec(1, 1))
        s.next(wm(1))
        s.next(rec(2, 2, 'k'))
        s.next(wm(2))
      }
      const error = new Error('fault')
      const isClose = (l: string) => l.endsWith('close')
      /**
       * `endPassed`: an operator's end reaches the next one. Apart, the rx subscriber between
       * them then releases the operator before the next one sees the end, so it closes earlier;
       * chained, every operator closes when the subscription ends. Only the place of the closes
       * differs: what the subscriber sees, and in which order, does not.
       */
      const cases: [string, { a?: Faults; b?: Faults; c?: Faults }, { endPassed?: boolean }, (s: Subject<StreamElement<number, unknown>>, stop: () => void) => void][] = [
        ['complete', {}, { endPassed: true }, s => (feed(s), s.complete())],
        ['a source error', {}, {}, s => (feed(s), s.error(new Error('up')))],
        ['a failure of the first operator on a record', { a: { onRecord: v => v === 2, error } }, {}, s => (feed(s), s.complete())],
        ['a failure of the middle operator on a record', { b: { onRecord: v => v === 2, error } }, {}, s => (feed(s), s.complete())],
        ['a failure of the last operator on a record', { c: { onRecord: v => v === 2, error } }, {}, s => (feed(s), s.complete())],
        ['a failure of the middle operator on a watermark', { b: { onWatermark: t => t === 2, error } }, {}, s => (feed(s), s.complete())],
        ['a failure of the middle operator in finish, after a flush', { b: { flush: 7, inFinish: true, error } }, { endPassed: true }, s => (feed(s), s.complete())],
        ['a failure of the first operator in endInput', { a: { inEndInput: true, error } }, {}, s => (feed(s), s.complete())],
        ['an unsubscribe midway', {}, {}, (s, stop) => (feed(s), stop(), s.next(rec(3, 3)))]
      ]
      for (const [what, faults, { endPassed = false }, scenario] of cases) {
        it(`on ${what}`, () => {
          const together = run(chainedGap, faults, scenario)
          const apart = run(apartGap, faults, scenario)
          if (endPassed) expect(together.filter(l => !isClose(l))).toEqual(apart.filter(l => !isClose(l)))
          else expect(together).toEqual(apart)
          // every operator closed, once, upstream first, after the source was released
          expect(together.filter(isClose)).toEqual(['a close', 'b close', 'c close'])
          expect(together.filter(l => l === 'source teardown').length).toBe(1)
          expect(together.indexOf('source teardown')).toBeLessThan(together.indexOf('a close'))
        })
      }

      it('on a synchronous source, with take(2) downstream', () => {
        const runSync = (gap: Gap) => {
          const log: string[] = []
          const { source, emitted } = countingSource(100, log)
          observe(source.pipe(probe('a', { log }), gap, probe('b', { log }), gap, probe('c', { log }), take(2)), log)
          return { log, emitted: emitted() }
        }
        const together = runSync(chainedGap)
        expect(together).toEqual(runSync(apartGap))
        expect(together.emitted).toBe(2)
      })
    })
  })

  describe('sourceOperator', () => {
    it('hands each value to record without a timestamp (NO_TIMESTAMP) and without a key', () => {
      const log: string[] = []
      const seen = observe(of('a', 'b').pipe(valuesSource('src', { log })))
      expect(log).toEqual([`src record "a"@${NO_TIMESTAMP}`, `src record "b"@${NO_TIMESTAMP}`, 'src endInput 0', 'src finish', 'src close'])
      expect(seen.values).toEqual([rec('a', NO_TIMESTAMP), rec('b', NO_TIMESTAMP)])
      expect(seen.completed).toBeTrue()
    })

    it('is the head of a chain: the next operator is its output', () => {
      const made: Probe[] = []
      const log: string[] = []
      const subscribe = spyOn(Observable.prototype, 'subscribe').and.callThrough()
      const seen = observe(of(1).pipe(valuesSource('src', { made, log }), probe('b', { made, log }), ds.values()))
      expect(seen.values).toEqual([1])
      expect(made.find(p => p.info.name === 'src')!.next).toBe(made.find(p => p.info.name === 'b')!)
      expect(subscribe.calls.count()).toBe(2)
    })

    it('stops a synchronous source at once when it fails, reporting the value, and closes once', () => {
      const log: string[] = []
      let emitted = 0
      const values = new Observable<number>(subscriber => {
        for (let i = 0; i < 1_000 && !subscriber.closed; i++) {
          emitted++
          subscriber.next(i)
        }
        subscriber.complete()
      })
      const seen = observe(values.pipe(valuesSource('src', { log, onRecord: v => v === 2, error: new Error('bad') })))
      expect(emitted).toBe(3)
      expect(seen.values.length).toBe(2)
      expect(messageOf(seen.error)).toBe('valuesSource "src": the user function threw while processing record (value 2, timestamp -Infinity): bad')
      expect(log.filter(l => l.endsWith('close'))).toEqual(['src close'])
    })

    it('passes a source error through unchanged and closes once', () => {
      const log: string[] = []
      const source = new Subject<number>()
      const upstream = new Error('up')
      const seen = observe(source.pipe(valuesSource('src', { log }), probe('b', { log })))
      source.error(upstream)
      seen.unsubscribe()
      expect(seen.error).toBe(upstream)
      expect(log).toEqual(['src close', 'b close'])
    })

    it('reports a throw of the factory before the source is subscribed', () => {
      let subscribed = 0
      const values = new Observable<number>(() => {
        subscribed++
      })
      const seen = observe(values.pipe(valuesSource('src', { inCreate: true, error: new Error('no') })))
      expect(subscribed).toBe(0)
      expect(messageOf(seen.error)).toBe('valuesSource "src": the user function threw while running: no')
    })

    it('closes once on unsubscribe, after the source was torn down', () => {
      const log: string[] = []
      const values = new Observable<number>(() => () => log.push('source teardown'))
      const seen = observe(values.pipe(valuesSource('src', { log })))
      seen.unsubscribe()
      seen.unsubscribe()
      expect(log).toEqual(['source teardown', 'src close'])
    })
  })

  describe('sinkOperator', () => {
    it('emits what it makes of the records (not elements), after the chain before it closed', () => {
      const log: string[] = []
      const seen = observe(of(rec(1, 1), wm(1), rec(2, 2)).pipe(probe('a', { log }), sink()))
      expect(seen.values).toEqual(['1@1', '2@2'])
      expect(seen.completed).toBeTrue()
      seen.unsubscribe()
      expect(log.filter(l => l.endsWith('close'))).toEqual(['a close'])
    })

    it('is chained onto: the chain before it runs in one subscription', () => {
      const subscribe = spyOn(Observable.prototype, 'subscribe').and.callThrough()
      observe(of(rec(1, 1)).pipe(probe('a'), probe('b'), sink()))
      expect(subscribe.calls.count()).toBe(2)
    })

    it('passes an upstream error unchanged, after the chain before it closed; on unsubscribe the source is torn down', () => {
      const log: string[] = []
      const source = new Subject<StreamElement<number>>()
      const upstream = new Error('up')
      const a = observe(source.pipe(probe('a', { log }), sink()), log)
      source.error(upstream)
      a.unsubscribe()
      expect(a.error).toBe(upstream)
      expect(log).toEqual(['a close', 'error up'])

      const log2: string[] = []
      const b = observe(new Observable<StreamElement<number>>(() => () => log2.push('source teardown')).pipe(probe('a', { log: log2 }), sink()))
      b.unsubscribe()
      b.unsubscribe()
      expect(log2).toEqual(['source teardown', 'a close'])
    })

    it('stops a synchronous source when its projection fails, reporting the record', () => {
      const log: string[] = []
      const { source, emitted, tornDown } = countingSource(1_000)
      const seen = observe(source.pipe(probe('a', { log }), sink({ onRecord: v => v === 1, error: new Error('sink failed') })))
      expect(seen.values).toEqual(['0@0'])
      expect(messageOf(seen.error)).toBe('sink: the user function threw while processing record (value 1, timestamp 1): sink failed')
      expect(emitted()).toBe(2)
      expect(tornDown()).toBe(1)
      expect(log.filter(l => l.endsWith('close'))).toEqual(['a close'])
    })

    it('lets downstream take(1) stop a synchronous 1e6-record source', () => {
      const { source, emitted } = countingSource(1_000_000)
      const seen = observe(source.pipe(probe('a'), sink(), take(1)))
      expect(seen.values).toEqual(['0@0'])
      expect(emitted()).toBe(1)
    })
  })

  describe('multiInputOperator', () => {
    /** Two inputs pushed by hand into a `mux`. */
    function twoInputs(options: ProbeOptions = {}) {
      const log = options.log ?? []
      const a = new Subject<StreamElement<unknown, unknown>>()
      const b = new Subject<StreamElement<unknown, unknown>>()
      const seen = observe(a.pipe(mux([b], { ...options, log })), log)
      // what the operator did, and how the subscriber ended (its elements are in `seen`)
      const ops = () => log.filter(l => !l.startsWith('next '))
      return { a, b, seen, ops }
    }

    it('combines the watermarks: the minimum over the inputs, only when it advances', () => {
      const { a, b, seen } = twoInputs()
      a.next(wm(5))
      expect(seen.values).toEqual([]) // input 1 has not reported
      b.next(wm(3))
      b.next(wm(7))
      a.next(wm(4)) // behind input 0's own watermark: ignored
      b.next(wm(6)) // behind input 1's own watermark: ignored
      a.next(wm(9))
      expect(seen.values).toEqual([wm(3), wm(5), wm(7)])
    })

    it('combines the statuses: idle when every input is, active again when one is', () => {
      const { a, b, seen, ops } = twoInputs()
      a.next(wm(1))
      b.next(wm(2))
      a.next(idle()) // input 0 no longer holds the watermark back
      b.next(idle())
      a.next(active())
      expect(seen.values).toEqual([wm(1), wm(2), idle(), active()])
      expect(ops()).toEqual(['mux watermark 1', 'mux watermark 2', 'mux idle', 'mux active'])
    })

    it('routes each record with its input’s index, value, timestamp and key', () => {
      const { a, b, seen, ops } = twoInputs()
      a.next(rec(1, 1, 'k'))
      b.next(rec('x', 2))
      a.next(rec(3, 3))
      expect(ops()).toEqual(['mux in0 1@1 key "k"', 'mux in1 "x"@2', 'mux in0 3@3'])
      expect(seen.values).toEqual([rec(1, 1, 'k'), rec('x', 2), rec(3, 3)])
    })

    it('forwards side records as they come, and a barrier once every input delivered it (aligned)', () => {
      const tag = new ds.OutputTag<string>('t')
      const { a, b, seen } = twoInputs()
      a.next(side(tag, 'x', 1))
      b.next(barrier(1))
      b.next(side(tag, 'held', 2))
      expect(seen.values).toEqual([side(tag, 'x', 1)])
      a.next(barrier(1))
      expect(seen.values).toEqual([side(tag, 'x', 1), barrier(1), side(tag, 'held', 2)])
    })

    it('counts an input’s end as reaching +Infinity; endInput per input, then finish once, then complete, then close', () => {
      const { a, b, seen, ops } = twoInputs()
      a.next(wm(5))
      b.complete()
      expect(seen.values).toEqual([wm(5)])
      expect(seen.completed).toBeFalse()
      a.complete()
      expect(seen.values).toEqual([wm(5), wm(Infinity)])
      expect(ops()).toEqual(['mux watermark 5', 'mux endInput 1', 'mux watermark Infinity', 'mux endInput 0', 'mux finish', 'complete', 'mux close'])
    })

    it('runs synchronous inputs one after the other, the first whole first', () => {
      const log: string[] = []
      const seen = observe(of(rec(1, 1), wm(3)).pipe(mux([of(rec(2, 2), wm(1))], { log })))
      expect(seen.values).toEqual([rec(1, 1), rec(2, 2), wm(1), wm(Infinity)])
      expect(seen.completed).toBeTrue()
      expect(log).toEqual(['mux in0 1@1', 'mux endInput 0', 'mux in1 2@2', 'mux watermark 1', 'mux watermark Infinity', 'mux endInput 1', 'mux finish', 'mux close'])
    })

    it('on an error of one input, unsubscribes the others, closes once and passes the error unchanged', () => {
      const { a, b, seen, ops } = twoInputs()
      const upstream = new Error('b failed')
      b.error(upstream)
      expect(a.observed).toBeFalse()
      expect(seen.error).toBe(upstream)
      seen.unsubscribe()
      expect(ops()).toEqual(['mux close', 'error b failed'])
    })

    it('on a failure processing a record, names the record and unsubscribes every input', () => {
      const { a, b, seen, ops } = twoInputs({ onRecord: v => v === 2, error: new Error('bad record') })
      b.next(rec(2, 2))
      expect(a.observed).toBeFalse()
      expect(b.observed).toBeFalse()
      expect(messageOf(seen.error)).toBe('mux: the user function threw while processing record (value 2, timestamp 2): bad record')
      expect(ops().filter(l => l.endsWith('close'))).toEqual(['mux close'])
    })

    it('on a failure processing a watermark, names the watermark', () => {
      const { a, b, seen } = twoInputs({ onWatermark: t => t === 5, error: new Error('wm') })
      a.next(wm(5))
      b.next(wm(6))
      expect(messageOf(seen.error)).toBe('mux: the user function threw while processing watermark 5: wm')
      expect(a.observed).toBeFalse()
    })

    it('on a failure processing the watermark an input’s end released, still names the watermark', () => {
      const { a, b, seen } = twoInputs({ onWatermark: t => t === Infinity, error: new Error('at the end') })
      a.complete()
      b.complete()
      expect(seen.completed).toBeFalse()
      expect(seen.error).toBeInstanceOf(ds.UserFunctionError)
      expect(messageOf(seen.error)).toBe('mux: the user function threw while processing watermark Infinity: at the end')
      // the same through synchronous inputs, one still to be subscribed when input 0 ends
      const { source: other, subscribed } = countingSource(0)
      const sync = observe(of(wm(9)).pipe(mux([other, other], { onWatermark: t => t === Infinity, error: new Error('end') })))
      expect(messageOf(sync.error)).toBe('mux: the user function threw while processing watermark Infinity: end')
      expect(subscribed()).toBe(2)
    })

    for (const input of [0, 1]) {
      it(`errors with an ElementError naming the operator on a non-element on input ${input}, unsubscribing the others`, () => {
        const { a, b, seen } = twoInputs()
        const subjects = [a, b]
        expect(() => subjects[input]!.next(1 as unknown as StreamElement<unknown, unknown>)).not.toThrow()
        expect(seen.error).toBeInstanceOf(ds.ElementError)
        expect(messageOf(seen.error)).toMatch(/^mux: received 1, which is not a stream element/)
        expect(a.observed).toBeFalse()
        expect(b.observed).toBeFalse()
      })
    }

    it('ignores what a misbehaving input sends after its end; the other inputs go on', () => {
      const log: string[] = []
      const rude = new Observable<StreamElement<number>>(subscriber => {
        // ignores subscriber.closed
        subscriber.next(rec(1, 1))
        subscriber.complete()
        subscriber.next(rec(2, 2))
        subscriber.next(wm(5))
        subscriber.complete()
        subscriber.error(new Error('and an error'))
      })
      const other = new Subject<StreamElement<number>>()
      const seen = observe(rude.pipe(mux([other], { log })))
      other.next(rec(3, 3))
      other.complete()
      expect(log).toEqual(['mux in0 1@1', 'mux endInput 0', 'mux in1 3@3', 'mux watermark Infinity', 'mux endInput 1', 'mux finish', 'mux close'])
      expect(seen.completed).toBeTrue()
      expect(seen.errors).toBe(0)
    })

    it('gives itself nothing more once it failed, even from an input chain that writes on', () => {
      const log: string[] = []
      const a = new Subject<StreamElement<number>>()
      const b = new Subject<StreamElement<number>>()
      const seen = observe(a.pipe(mux([b.pipe(probe('pb', { echo: true }))], { log, onRecord: () => true, error: new Error('x') })))
      b.next(rec(1, 1))
      expect(seen.errors).toBe(1)
      expect(log).toEqual(['mux in1 1@1', 'mux close'])
    })

    it('makes no operator of a later input once an earlier input failed while subscribed', () => {
      const made: Probe[] = []
      const { source, subscribed } = watchedSource()
      const failing = new Observable<StreamElement<number>>(subscriber => subscriber.error(new Error('at once')))
      const seen = observe(failing.pipe(mux([source.pipe(probe('pb', { made }))])))
      expect(messageOf(seen.error)).toBe('at once')
      expect(made.length).toBe(0)
      expect(subscribed()).toBe(0)
    })

    it('reports a throw of the factory before any input is subscribed', () => {
      const first = watchedSource()
      const second = watchedSource()
      const seen = observe(first.source.pipe(mux([second.source], { inCreate: true, error: new Error('no mux') })))
      expect(first.subscribed()).toBe(0)
      expect(second.subscribed()).toBe(0)
      expect(messageOf(seen.error)).toBe('mux: the user function threw while running: no mux')
    })

    it('closes once on unsubscribe, after every input was torn down', () => {
      const log: string[] = []
      const first = loggedSubject(log)
      const second = loggedSubject(log)
      const seen = observe(first.source.pipe(mux([second.source], { log })))
      seen.unsubscribe()
      seen.unsubscribe()
      expect(log).toEqual(['source subscribe', 'source subscribe', 'source teardown', 'source teardown', 'mux close'])
    })

    it('runs the chains of its inputs into itself, and is chained onto', () => {
      const made: Probe[] = []
      const log: string[] = []
      const a = new Subject<StreamElement<number, unknown>>()
      const b = new Subject<StreamElement<number, unknown>>()
      const subscribe = spyOn(Observable.prototype, 'subscribe').and.callThrough()
      const seen = observe(a.pipe(probe('pa', { made, log }), mux([b.pipe(probe('pb', { made, log }))], { log }), probe('after', { made, log })))
      // the chain's Observable and the two Subjects
      expect(subscribe.calls.count()).toBe(3)
      b.next(rec(2, 2, 'k'))
      expect(log).toEqual(['pb record 2@2 key "k"', 'mux in1 2@2 key "k"', 'after record 2@2 key "k"'])
      expect(seen.values).toEqual([rec(2, 2, 'k')])
      a.complete()
      b.complete()
      expect(log.filter(l => l.endsWith('close'))).toEqual(['pa close', 'pb close', 'mux close', 'after close'])
    })
  })

  describe('per-subscription operators', () => {
    it('calls the factory once per subscription, never at pipe time', () => {
      const made: Probe[] = []
      const piped = of(rec(7, 1), rec(7, 2)).pipe(probe('p', { made }))
      expect(made.length).toBe(0)
      expect(observe(piped).values).toEqual([rec(7, 1), rec(7, 2)])
      expect(observe(piped).values).toEqual([rec(7, 1), rec(7, 2)])
      expect(made.length).toBe(2)
      expect(made[0]).not.toBe(made[1])
    })
  })
})
