import { globalWindows } from '../src/windowing/assigners'
import { countEvictor } from '../src/windowing/evictors'
import { countTrigger, purgingTrigger } from '../src/windowing/triggers'
import type { Evictor } from '../src/windowing/Evictor'
import type { Trigger } from '../src/windowing/Trigger'
import type { WindowAssigner } from '../src/windowing/WindowAssigner'
import { type WindowedStream, type WindowOptions, windowedStream } from './windowed-stream'

/**
 * Windows a keyed stream (Flink's `keyedStream.window(assigner)`): each key's records are
 * grouped into the windows `assigner` gives them and evaluated when the trigger fires (by
 * default when the watermark passes the window's end for event-time windows). Returns an
 * immutable builder; finish it with `reduce`, `aggregate`, `fold`, `process` or `apply`.
 *
 * ```text
 * tumbling 10 ms, sum per key
 * input:   a@1 k1   b@4 k2   c@7 k1   W(9)                 d@12 k1   W(+∞)|
 * output:                             (a+c)@9 k1, b@9 k2, W(9)         d@19 k1, W(+∞)|
 * ```
 * Results carry the window's `maxTimestamp` (`end − 1`) and the key; they precede the watermark
 * that fired them. A record late for all its windows (`ts + allowedLateness <= watermark`) is
 * dropped, or sent to `sideOutputLateData(tag)`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface View { page: string; user: string; ts: number }
 * const views: View[] = [
 *   { page: '/', user: 'ann', ts: 1_000 }, { page: '/', user: 'bob', ts: 4_000 }, { page: '/a', user: 'ann', ts: 12_000 },
 * ]
 * ds.fromRecords(views.map(v => ({ value: v, timestamp: v.ts }))).pipe(
 *   ds.keyBy(v => v.page),
 *   ds.windowBy(ds.tumblingEventTimeWindows(10_000)).aggregate<View, number, number, string>({
 *     createAccumulator: () => 0, add: (_v, n) => n + 1, getResult: n => n, merge: (a, b) => a + b,
 *   }),
 *   ds.records(),
 * ).subscribe(r => console.log(r.key, r.value, r.timestamp)) // "/" 2 9999, then "/a" 1 19999
 *
 * @param assigner which windows each record belongs to
 * @param options `name`, `uid`, `scheduler` (processing time, for processing-time windows and triggers), `stateBackend`
 * @category windowing
 * @since 0.1.0
 */
export function windowBy<T>(assigner: WindowAssigner<T>, options?: WindowOptions): WindowedStream<true> {
  return windowedStream('windowBy', true, assigner as WindowAssigner<unknown>, options)
}

/**
 * Count windows on a keyed stream: `countWindow(size)` fires and purges every `size` records
 * of a key (GlobalWindows + `purgingTrigger(countTrigger(size))`); `countWindow(size, slide)`
 * fires every `slide` records with the last `size` (GlobalWindows + `countEvictor(size)` +
 * `countTrigger(slide)`). Record timestamps play no part; results carry timestamp `+Infinity`.
 *
 * ```text
 * countWindow(2):     a b c d e|   →   (a+b) (c+d)|        (e never completes a window)
 * countWindow(3, 1):  a b c d|     →   a (a+b) (a+b+c) (b+c+d)|
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.fromRecords([1, 2, 3, 4].map(n => ({ value: n }))).pipe(
 *   ds.keyBy(() => 'all'),
 *   ds.countWindow(2).reduce<number, string>((a, b) => a + b),
 *   ds.values(),
 * ).subscribe(v => console.log(v)) // 3, 7
 *
 * @param size records per window
 * @param slide fire every `slide` records (sliding count windows)
 * @param options `name`, `uid`
 * @category windowing
 * @since 0.1.0
 */
export function countWindow(size: number, slide?: number, options?: WindowOptions): WindowedStream<true> {
  const [trigger, evictor] = countWindowPolicy('countWindow', size, slide)
  return windowedStream('countWindow', true, globalWindows(), options, trigger, evictor)
}

/** @internal The trigger and evictor of count windows. */
export function countWindowPolicy(kind: string, size: number, slide: number | undefined): [Trigger<unknown>, Evictor<unknown> | undefined] {
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`${kind}: size must be a positive integer, got ${String(size)}`)
  if (slide === undefined) return [purgingTrigger(countTrigger(size)), undefined]
  if (!Number.isInteger(slide) || slide <= 0) throw new RangeError(`${kind}: slide must be a positive integer, got ${String(slide)}`)
  return [countTrigger(slide), countEvictor(size)]
}
