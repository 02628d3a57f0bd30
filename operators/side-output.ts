import type { OperatorFunction } from 'rxjs'
import { operatorInfo } from '../src/OperatorOptions'
import type { OutputTag } from '../src/OutputTag'
import { type StreamElement, streamRecord } from '../src/StreamElement'
import { operate } from '../src/internal/operate'

/**
 * Selects the side output named by `tag`: its values become the records of a new
 * `DataStream` (timestamps kept); watermarks, statuses and barriers are kept so that
 * event-time operators work downstream; main records and other side outputs are dropped.
 * To read both the main and side outputs of one subscription, use `split` (or `share()`).
 *
 * ```text
 * input:   a@1  late(x)@0  W(5)  b@7|
 * output:       x@0        W(5)     |     (sideOutput(late))
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const errors = new ds.OutputTag<string>('errors')
 * ds.fromRecords([{ value: 'ok', timestamp: 1 }, { value: 'bad', timestamp: 2 }])
 *   .pipe(
 *     ds.processElements<string, string>({
 *       processElement: (v, ctx, out) => (v === 'bad' ? ctx.output(errors, v) : out.collect(v)),
 *     }),
 *     ds.sideOutput(errors),
 *     ds.values())
 *   .subscribe(v => console.log(v)) // bad
 *
 * @see mainOutput
 * @see split
 * @param tag the side output to select
 * @category side-output
 * @since 0.1.0
 */
export function sideOutput<S>(tag: OutputTag<S>): OperatorFunction<StreamElement<unknown, unknown>, StreamElement<S>> {
  return operate<StreamElement<unknown, unknown>, StreamElement<S>>(operatorInfo('sideOutput', { name: `sideOutput(${tag.id})` }), destination => ({
    next: e => {
      switch (e._tag) {
        case 'Record':
          return
        case 'SideRecord':
          if (e.tag.id === tag.id) destination.next(streamRecord(e.value as S, e.timestamp))
          return
        default:
          destination.next(e)
      }
    }
  }))
}

/**
 * Drops every side record, keeping main records and control elements.
 *
 * ```text
 * input:   a@1  late(x)@0  W(5)  b@7|
 * output:  a@1             W(5)  b@7|
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const main$ = ds.fromRecords([{ value: 1, timestamp: 0 }]).pipe(ds.mainOutput())
 *
 * @see sideOutput
 * @category side-output
 * @since 0.1.0
 */
export function mainOutput<T, K = never>(): OperatorFunction<StreamElement<T, K>, StreamElement<T, K>> {
  return operate<StreamElement<T, K>, StreamElement<T, K>>(operatorInfo('mainOutput'), destination => ({
    next: e => {
      if (e._tag !== 'SideRecord') destination.next(e)
    }
  }))
}
