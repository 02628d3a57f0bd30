import type { Observable, OperatorFunction } from 'rxjs'
import { operatorInfo, type OperatorOptions } from '../src/OperatorOptions'
import { type StreamElement, streamRecord } from '../src/StreamElement'
import { describeValue } from '../src/internal/describe'
import { isObservableLike, multiInputOperator } from '../src/internal/multiInput'

/**
 * Two streams connected for joint processing: each input keeps its own type, a function per
 * input handles its records, and both share one operator (Flink's `ConnectedStreams`).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const connected: ds.ConnectedStreams<number> = ds.connectWith(ds.fromRecords([{ value: 1, timestamp: 0 }]))
 *
 * @category transforms
 * @since 0.1.0
 */
export interface ConnectedStreams<B> {
  /**
   * One output value per record: `f1` for this stream's records, `f2` for the other's, each
   * result stamped with its input record's timestamp (Flink's `CoMapFunction`).
   */
  map<A, R>(f1: (value: A) => R, f2: (value: B) => R): OperatorFunction<StreamElement<A, unknown>, StreamElement<R>>
  /** Zero or more output values per record (Flink's `CoFlatMapFunction`). */
  flatMap<A, R>(
    f1: (value: A) => Iterable<R>,
    f2: (value: B) => Iterable<R>
  ): OperatorFunction<StreamElement<A, unknown>, StreamElement<R>>
}

/**
 * Connects the piped stream with `other`. The output watermark is the minimum of both
 * inputs' (idle inputs excluded), as for every multi-input operator; the output completes when
 * both inputs have.
 *
 * ```text
 * this:    1@1      W(5)          |
 * other:       x@3       W(8)     |
 * output:  "1"@1 "x"@3   W(5)   W(+∞)|      (map(n => String(n), s => s))
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Click { page: string }
 * interface Purchase { page: string; amount: number }
 * const clicks = ds.fromRecords<Click>([{ value: { page: '/a' }, timestamp: 1 }])
 * const purchases = ds.fromRecords<Purchase>([{ value: { page: '/a', amount: 5 }, timestamp: 2 }])
 * clicks.pipe(
 *   ds.connectWith(purchases).map((c: Click) => `click ${c.page}`, p => `buy ${p.page} ${p.amount}`),
 *   ds.values()
 * ).subscribe(v => console.log(v)) // click /a, buy /a 5
 *
 * @param other the second input
 * @param options `name`, `uid`
 * @category transforms
 * @since 0.1.0
 */
export function connectWith<B>(other: Observable<StreamElement<B, unknown>>, options?: OperatorOptions): ConnectedStreams<B> {
  if (!isObservableLike(other)) throw new TypeError(`connectWith: the other input is ${describeValue(other)}, not an Observable`)
  const inputs = [other as Observable<StreamElement<unknown, unknown>>]
  return {
    map: <A, R>(f1: (value: A) => R, f2: (value: B) => R) =>
      multiInputOperator<A, R>(operatorInfo('connectWith.map', options), inputs, (input, record, out) =>
        out.next(streamRecord(input === 0 ? f1(record.value as A) : f2(record.value as B), record.timestamp))
      ),
    flatMap: <A, R>(f1: (value: A) => Iterable<R>, f2: (value: B) => Iterable<R>) =>
      multiInputOperator<A, R>(operatorInfo('connectWith.flatMap', options), inputs, (input, record, out) => {
        const results = input === 0 ? f1(record.value as A) : f2(record.value as B)
        for (const r of results) out.next(streamRecord(r, record.timestamp))
      })
  }
}
