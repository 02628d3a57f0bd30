/**
 * @internal
 * How a window keeps its contents and evaluates them at a firing. Incremental functions keep
 * one accumulator per key and window; `process`/`apply` keep the elements; with an evictor
 * every element is kept with its timestamp and evicted at firings.
 */
import type { Collector } from '../Collector'
import type { Evictor, TimestampedValue } from './Evictor'
import type { AggregateFunction, ProcessWindowContext, ProcessWindowFunction } from './WindowFunction'

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
  return {
    add: (acc, empty, value) => aggregate.add(value, empty ? aggregate.createAccumulator() : (acc as ACC)),
    merge: mergeable ? (a, b) => aggregate.merge(a, b) : undefined,
    fire: (key, ctx, acc, out) => {
      emitResult(aggregate.getResult(acc), windowFunction, key, ctx, out)
      return acc
    },
    clear: clearOf(windowFunction)
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
    clear: clearOf(windowFunction)
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
    clear: clearOf(evaluate)
  }
}

/**
 * @internal
 * Every element with its timestamp; at each firing `evictBefore`, evaluate what is left,
 * `evictAfter`, keep the rest (evictions are permanent). `evaluate` gets the values.
 */
export function evictingContents<T, R, K>(
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
      evaluate(
        key,
        ctx,
        kept.map(e => e.value),
        out
      )
      const remaining = evictor.evictAfter(kept, ctx.window)
      return remaining.length === 0 ? undefined : [...remaining]
    },
    clear
  }
}
