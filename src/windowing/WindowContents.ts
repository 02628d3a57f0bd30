/**
 * @internal
 * How a window keeps its contents and evaluates them at a firing. Incremental functions keep
 * one accumulator per key and window; `process`/`apply` keep the elements; with an evictor
 * every element is kept with its timestamp and evicted at firings.
 */
import type { Collector } from '../core/Collector'
import { describeValue } from '../core/describe'
import { describeErrors, encodeTime, jsonIncompatibility } from '../state/snapshotFormat'
import type { Evictor, TimestampedValue } from './Evictor'
import { type BufferEviction, bufferEvictionOf } from './bufferEviction'
import type { AggregateFunction, ProcessWindowContext, ProcessWindowFunction } from './WindowFunction'
import type { WindowResult } from './PaneInfo'

/** @internal Reports what is wrong with a value being snapshotted or restored; never returns. */
export type Fail = (detail: string) => never

/** @internal */
export interface WindowContents<T, C, R, K> {
  /** Adds `value` to the contents (`empty`: there were none yet). */
  add(contents: C | undefined, empty: boolean, value: T, timestamp: number): C
  /** Combines the contents of merging windows; absent when the function cannot merge. */
  readonly merge: ((a: C, b: C) => C) | undefined
  /**
   * Evaluates the (non-empty) contents into `out`; returns the contents to keep (evictors
   * change them), or `undefined` if none are left.
   */
  fire(key: K, ctx: ProcessWindowContext, contents: C, out: Collector<R>): C | undefined
  /** The process window function's `clear`, at cleanup time. */
  clear(ctx: ProcessWindowContext): void
  /** The (non-empty) contents as plain JSON data, for a snapshot; `fail` names a value that is not. */
  encode(contents: C, fail: Fail): unknown
  /** Back from `encode`; `fail` says what is wrong with a corrupt snapshot. */
  decode(encoded: unknown, fail: Fail): C
  /**
   * Contents that are their elements (`process`/`apply`, evictors): one element as an item of
   * `encode`'s list, so that a backend may keep them one by one (`TableElements`, which checks
   * that it is plain JSON data when it writes it); absent when the contents are one value (an
   * accumulator).
   */
  readonly encodeElement?: (value: T, timestamp: number) => unknown
  /** With `encodeElement`: how many elements `contents` holds. */
  readonly size?: (contents: C) => number
}

/** @internal How one kind of value (accumulators, elements) goes into a snapshot and back. */
export interface ValueCodec<V> {
  /** `path` names the value in messages (`accumulator`, `elements[3]`). */
  encode(value: V, path: string, fail: Fail): unknown
  decode(encoded: unknown, path: string, fail: Fail): V
}

/**
 * @internal
 * Values a user gives no codec for (elements, reduced values, accumulators without
 * `accumulatorCodec`) go into snapshots as they are, so they must be plain JSON data: checked
 * at the snapshot, where the message can still name the value, not at a restore much later.
 */
export function plainJsonValues<V>(remedy: string): ValueCodec<V> {
  return {
    encode: (value, path, fail) => {
      const reason = jsonIncompatibility(value, path)
      return reason === undefined ? value : fail(`${reason}; ${remedy}`)
    },
    decode: encoded => encoded as V
  }
}

const elementValues = /*#__PURE__*/ plainJsonValues<never>('window contents are snapshotted as they are, so elements must be plain JSON data')

/**
 * @internal
 * Accumulators through the aggregate function's `accumulatorCodec`, or as plain JSON data
 * when it declares none.
 */
export function accumulatorValues<ACC>(aggregate: AggregateFunction<never, ACC, unknown>): ValueCodec<ACC> {
  const codec = aggregate.accumulatorCodec
  if (codec === undefined) {
    return plainJsonValues('accumulators are snapshotted as they are unless the aggregate function declares an accumulatorCodec')
  }
  return {
    encode: (acc, path, fail) => {
      const encoded = codec.encode(acc)
      const reason = jsonIncompatibility(encoded, path)
      return reason === undefined ? encoded : fail(`the accumulatorCodec (${codec.name}) did not encode to plain JSON data: ${reason}`)
    },
    decode: (encoded, path, fail) => {
      const decoded = codec.decode(encoded)
      return decoded._tag === 'Right' ? decoded.right : fail(`${path} does not decode with the accumulatorCodec (${codec.name}): ${describeErrors(decoded.left)}`)
    }
  }
}

/** Elements in a list (buffered contents): each one checked, named by its index. */
function encodeList<V>(values: readonly V[], encode: (value: V, path: string) => unknown): unknown[] {
  return values.map((value, i) => encode(value, `elements[${i}]`))
}

function decodeList<V>(encoded: unknown, fail: Fail, decode: (value: unknown, path: string) => V): V[] {
  if (!Array.isArray(encoded) || encoded.length === 0) return fail(`expected a non-empty list of elements, got ${describeValue(encoded)}`)
  return encoded.map((value: unknown, i) => decode(value, `elements[${i}]`))
}

/** An element's timestamp: `NO_TIMESTAMP` (-Infinity) is one too. */
function decodeTimestamp(encoded: unknown, path: string, fail: Fail): number {
  if (typeof encoded === 'number' && Number.isFinite(encoded)) return encoded
  if (encoded === 'Infinity' || encoded === '-Infinity') return Number(encoded)
  return fail(`${path}: ${describeValue(encoded)} is not a timestamp`)
}

/** @internal Calls a process window function given as a function or as an object. */
export function runProcessWindowFunction<V, R, K>(
  fn: ProcessWindowFunction<V, R, K>,
  key: K,
  ctx: ProcessWindowContext,
  elements: readonly V[],
  out: Collector<R>
): void {
  if (typeof fn === 'function') fn(key, ctx, elements, out)
  else fn.process(key, ctx, elements, out)
}

function clearOf<V, R, K>(fn: ProcessWindowFunction<V, R, K> | undefined): (ctx: ProcessWindowContext) => void {
  return fn !== undefined && typeof fn !== 'function' && fn.clear !== undefined ? ctx => fn.clear!(ctx) : () => undefined
}

/**
 * @internal
 * One accumulator per window. Without a window function the result itself is emitted (then
 * `V` is `R`); with one, it receives the single pre-aggregated value.
 */
export function incrementalContents<T, ACC, V, R, K>(
  aggregate: AggregateFunction<T, ACC, V>,
  windowFunction: ProcessWindowFunction<V, R, K> | undefined,
  mergeable: boolean
): WindowContents<T, ACC, R, K> {
  const accumulators = accumulatorValues(aggregate as AggregateFunction<never, ACC, V>)
  return {
    add: (acc, empty, value) => aggregate.add(value, empty ? aggregate.createAccumulator() : (acc as ACC)),
    merge: mergeable ? (a, b) => aggregate.merge(a, b) : undefined,
    fire: (key, ctx, acc, out) => {
      emitResult(aggregate.getResult(acc), windowFunction, key, ctx, out)
      return acc
    },
    clear: clearOf(windowFunction),
    encode: (acc, fail) => accumulators.encode(acc, 'accumulator', fail),
    decode: (encoded, fail) => accumulators.decode(encoded, 'accumulator', fail)
  }
}

/** @internal One running value per window, combined with `reduce` (Flink's `ReduceFunction`). */
export function reduceContents<T, R, K>(
  reduce: (a: T, b: T) => T,
  windowFunction: ProcessWindowFunction<T, R, K> | undefined
): WindowContents<T, T, R, K> {
  return {
    add: (acc, empty, value) => (empty ? value : reduce(acc as T, value)),
    merge: reduce,
    fire: (key, ctx, acc, out) => {
      emitResult(acc, windowFunction, key, ctx, out)
      return acc
    },
    clear: clearOf(windowFunction),
    encode: (acc, fail) => (elementValues as ValueCodec<T>).encode(acc, 'reduced value', fail),
    decode: encoded => encoded as T
  }
}

/** @internal Emits a pre-aggregated result, through the window function if there is one. */
export function emitResult<V, R, K>(
  result: V,
  windowFunction: ProcessWindowFunction<V, R, K> | undefined,
  key: K,
  ctx: ProcessWindowContext,
  out: Collector<R>
): void {
  if (windowFunction === undefined) out.collect(result as unknown as R)
  else runProcessWindowFunction(windowFunction, key, ctx, [result], out)
}

/**
 * @internal
 * `withPaneInfo()`: the window function whose results are `{ value, window, pane }`, `value`
 * being what `fn` emits (without `fn`, the pre-aggregated value itself). `fn`'s `clear` is kept.
 */
export function paneResults<V, K>(fn: undefined): ProcessWindowFunction<V, WindowResult<V>, K>
export function paneResults<V, R, K>(fn: ProcessWindowFunction<V, R, K>): ProcessWindowFunction<V, WindowResult<R>, K>
export function paneResults<V, R, K>(fn: ProcessWindowFunction<V, R, K> | undefined): ProcessWindowFunction<V, WindowResult<R | V>, K> {
  if (fn === undefined) {
    return (_key, ctx, values, out) => out.collect({ value: values[0] as V, window: ctx.window, pane: ctx.pane })
  }
  return {
    process: (key, ctx, values, out) => {
      const { window, pane } = ctx
      runProcessWindowFunction(fn, key, ctx, values, { collect: value => out.collect({ value, window, pane }) })
    },
    clear: clearOf(fn)
  }
}

/** @internal The elements, in arrival order, for `process`/`apply`. */
export function bufferedContents<T, R, K>(evaluate: ProcessWindowFunction<T, R, K>): WindowContents<T, T[], R, K> {
  return {
    add: (elements, empty, value) => {
      if (empty) return [value]
      elements!.push(value)
      return elements!
    },
    merge: (a, b) => a.concat(b),
    fire: (key, ctx, elements, out) => {
      runProcessWindowFunction(evaluate, key, ctx, elements, out)
      return elements
    },
    clear: clearOf(evaluate),
    encode: (elements, fail) => encodeList(elements, (value, path) => (elementValues as ValueCodec<T>).encode(value, path, fail)),
    // The list itself: it is fresh (parsed), and its values are taken as they are.
    decode: (encoded, fail) => (Array.isArray(encoded) && encoded.length > 0 ? (encoded as T[]) : decodeList(encoded, fail, value => value as T)),
    encodeElement: value => value,
    size: elements => elements.length
  }
}

/** @internal Options of {@link evictingContents}. */
export interface EvictingOptions {
  /**
   * Whether `evaluate` may keep the values it is given past its call (a user's process window
   * function may emit them): then it gets an array of its own at each firing, as it always
   * did; else (`false`: a reduce, an aggregate) it may get the window's own. Default `true`.
   */
  readonly valuesEscape?: boolean
}

/**
 * @internal
 * Every element with its timestamp; at each firing `evictBefore`, evaluate what is left,
 * `evictAfter`, keep the rest (evictions are permanent). `evaluate` gets the values.
 *
 * With a built-in evictor the window keeps two arrays, values and timestamps, which the
 * evictor edits in place (`bufferEvictionOf`): no object per element, no new array per firing
 * but what `evaluate` may keep. A user's evictor sees `{ value, timestamp }` objects, as its
 * interface says, kept from the element's arrival.
 */
export function evictingContents<T, R, K>(
  evictor: Evictor<T>,
  evaluate: (key: K, ctx: ProcessWindowContext, values: readonly T[], out: Collector<R>) => void,
  clear: (ctx: ProcessWindowContext) => void,
  options: EvictingOptions = {}
): WindowContents<T, unknown, R, K> {
  const inPlace = bufferEvictionOf(evictor as Evictor<never>)
  return inPlace === undefined
    ? (elementEvictingContents(evictor, evaluate, clear) as WindowContents<T, unknown, R, K>)
    : (bufferEvictingContents(inPlace, evaluate, clear, options.valuesEscape ?? true) as WindowContents<T, unknown, R, K>)
}

/** A window's elements as two arrays in arrival order (only this module ever holds them). */
interface ElementBuffer<T> {
  readonly values: T[]
  readonly timestamps: number[]
}

function bufferEvictingContents<T, R, K>(
  eviction: BufferEviction,
  evaluate: (key: K, ctx: ProcessWindowContext, values: readonly T[], out: Collector<R>) => void,
  clear: (ctx: ProcessWindowContext) => void,
  valuesEscape: boolean
): WindowContents<T, ElementBuffer<T>, R, K> {
  const { after } = eviction
  return {
    add: (buffer, empty, value, timestamp) => {
      if (empty) return { values: [value], timestamps: [timestamp] }
      buffer!.values.push(value)
      buffer!.timestamps.push(timestamp)
      return buffer!
    },
    // The arrays never leave this module: the merged window may take over the first's.
    merge: (a, b) => {
      for (let i = 0; i < b.values.length; i++) {
        a.values.push(b.values[i]!)
        a.timestamps.push(b.timestamps[i]!)
      }
      return a
    },
    fire: (key, ctx, buffer, out) => {
      const { values, timestamps } = buffer
      if (!after) eviction.evict(values, timestamps)
      evaluate(key, ctx, valuesEscape ? values.slice() : values, out)
      if (after) eviction.evict(values, timestamps)
      return values.length === 0 ? undefined : buffer
    },
    clear,
    encode: (buffer, fail) => encodeTimestamped(buffer.values.length, i => buffer.timestamps[i]!, i => buffer.values[i]!, fail),
    decode: (encoded, fail) => {
      const values: T[] = []
      const timestamps: number[] = []
      decodeTimestamped<T>(encoded, fail, (value, timestamp) => {
        values.push(value)
        timestamps.push(timestamp)
      })
      return { values, timestamps }
    },
    encodeElement: encodeTimestampedElement,
    size: buffer => buffer.values.length
  }
}

function elementEvictingContents<T, R, K>(
  evictor: Evictor<T>,
  evaluate: (key: K, ctx: ProcessWindowContext, values: readonly T[], out: Collector<R>) => void,
  clear: (ctx: ProcessWindowContext) => void
): WindowContents<T, TimestampedValue<T>[], R, K> {
  return {
    add: (elements, empty, value, timestamp) => {
      const element = { value, timestamp }
      if (empty) return [element]
      elements!.push(element)
      return elements!
    },
    merge: (a, b) => a.concat(b),
    fire: (key, ctx, elements, out) => {
      const kept = evictor.evictBefore(elements, ctx.window)
      const values: T[] = new Array<T>(kept.length)
      for (let i = 0; i < kept.length; i++) values[i] = kept[i]!.value
      evaluate(key, ctx, values, out)
      const remaining = evictor.evictAfter(kept, ctx.window)
      if (remaining.length === 0) return undefined
      // The window's own array when nothing was evicted; an evictor's array may be its own
      // (kept, shared): the window copies it before adding to it.
      return remaining === elements ? elements : [...remaining]
    },
    clear,
    encode: (elements, fail) => encodeTimestamped(elements.length, i => elements[i]!.timestamp, i => elements[i]!.value, fail),
    decode: (encoded, fail) => {
      const elements: TimestampedValue<T>[] = []
      decodeTimestamped<T>(encoded, fail, (value, timestamp) => elements.push({ value, timestamp }))
      return elements
    },
    encodeElement: encodeTimestampedElement,
    size: elements => elements.length
  }
}

/** Each element as [timestamp, value]: evictors need the timestamps back. */
function encodeTimestamped<T>(n: number, timestamp: (i: number) => number, value: (i: number) => T, fail: Fail): unknown[] {
  const encoded: unknown[] = []
  for (let i = 0; i < n; i++) encoded.push([encodeTime(timestamp(i)), (elementValues as ValueCodec<T>).encode(value(i), `elements[${i}].value`, fail)])
  return encoded
}

/** One element as `encodeTimestamped` lists it. */
function encodeTimestampedElement<T>(value: T, timestamp: number): unknown {
  return [encodeTime(timestamp), value]
}

function decodeTimestamped<T>(encoded: unknown, fail: Fail, add: (value: T, timestamp: number) => void): void {
  decodeList(encoded, fail, (element, path) => {
    if (!Array.isArray(element) || element.length !== 2) return fail(`${path}: expected [timestamp, value], got ${describeValue(element)}`)
    add(element[1] as T, decodeTimestamp(element[0], `${path}[0]`, fail))
    return undefined
  })
}
