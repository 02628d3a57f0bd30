import { globalWindows } from '../src/windowing/assigners'
import type { WindowAssigner } from '../src/windowing/WindowAssigner'
import { countWindowPolicy } from './window-by'
import { type WindowedStream, type WindowOptions, windowedStream } from './windowed-stream'

/**
 * Windows a whole stream, keyed or not, as one partition (Flink's `windowAll`): the same
 * builder as {@link windowBy}, with every record in the same group. Results carry no key.
 *
 * ```text
 * input:   a@1  b@4  c@12  W(+∞)|
 * output:  (a+b)@9  c@19   W(+∞)|      (tumbling 10 ms, reduce)
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.fromRecords([{ value: 1, timestamp: 1 }, { value: 2, timestamp: 4 }, { value: 5, timestamp: 12 }]).pipe(
 *   ds.windowAll(ds.tumblingEventTimeWindows(10)).reduce<number>((a, b) => a + b),
 *   ds.values(),
 * ).subscribe(v => console.log(v)) // 3, 5
 *
 * @param assigner which windows each record belongs to
 * @param options `name`, `uid`, `scheduler`
 * @category windowing
 * @since 0.1.0
 */
export function windowAll<T>(assigner: WindowAssigner<T>, options?: WindowOptions): WindowedStream<false> {
  return windowedStream('windowAll', false, assigner as WindowAssigner<unknown>, options)
}

/**
 * Count windows over a whole stream: `countWindowAll(size)` fires and purges every `size`
 * records; `countWindowAll(size, slide)` fires every `slide` records with the last `size`.
 *
 * ```text
 * countWindowAll(2):  a b c d e|  →  (a+b) (c+d)|
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.fromRecords([1, 2, 3, 4].map(n => ({ value: n }))).pipe(
 *   ds.countWindowAll(3, 1).process<number, number[]>((_key, _ctx, elements, out) => out.collect([...elements])),
 *   ds.values(),
 * ).subscribe(v => console.log(v)) // [1], [1, 2], [1, 2, 3], [2, 3, 4]
 *
 * @param size records per window
 * @param slide fire every `slide` records
 * @param options `name`, `uid`
 * @category windowing
 * @since 0.1.0
 */
export function countWindowAll(size: number, slide?: number, options?: WindowOptions): WindowedStream<false> {
  const [trigger, evictor] = countWindowPolicy('countWindowAll', size, slide)
  return windowedStream('countWindowAll', false, globalWindows(), options, trigger, evictor)
}
