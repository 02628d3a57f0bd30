import type { OperatorFunction } from 'rxjs'
import { operatorInfo, type OperatorOptions } from '../src/core/OperatorOptions'
import type { StreamElement } from '../src/core/StreamElement'
import { oneInputOperator } from '../src/runtime/host'
import { AbstractUdfStreamOperator, type OneInput } from '../src/runtime/StreamOperator'

/**
 * Keeps the records whose value satisfies `predicate`; control elements and side records pass
 * through in order (Flink's `filter`). A type guard narrows the value type.
 *
 * ```text
 * input:   1@5  W(4)  2@7  3@8|
 * output:  1@5  W(4)       3@8|     (predicate = odd)
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.fromRecords([{ value: 1, timestamp: 0 }, { value: 2, timestamp: 1 }])
 *   .pipe(ds.filterValues(n => n % 2 === 0), ds.values())
 *   .subscribe(v => console.log(v)) // 2
 *
 * @param predicate which values to keep
 * @param options `name`, `uid`
 * @category transforms
 * @since 0.1.0
 */
export function filterValues<T, S extends T, K = never>(
  predicate: (value: T) => value is S,
  options?: OperatorOptions
): OperatorFunction<StreamElement<T, K>, StreamElement<S, K>>
export function filterValues<T, K = never>(
  predicate: (value: T) => boolean,
  options?: OperatorOptions
): OperatorFunction<StreamElement<T, K>, StreamElement<T, K>>
export function filterValues<T, K = never>(
  predicate: (value: T) => boolean,
  options?: OperatorOptions
): OperatorFunction<StreamElement<T, K>, StreamElement<T, K>> {
  const info = operatorInfo('filterValues', options)
  return oneInputOperator<T, T, K>(info, (output, context) => new FilterOperator(info, predicate, output, context)) as OperatorFunction<
    StreamElement<T, K>,
    StreamElement<T, K>
  >
}

/** Flink's `StreamFilter`. */
class FilterOperator<T, K> extends AbstractUdfStreamOperator<(value: T) => boolean, T, K> implements OneInput<T> {
  /**
   * The filter this one writes to, when it writes to one directly (outside a job: a job counts
   * each operator's records in between). Its records go to `recordAfterFilter`, a copy of
   * `record`: V8 never inlines a function into itself, so a filter calling the next filter's
   * `record` ended the chain's inlined hot path there (Nexmark q2, two filters in a row).
   */
  private readonly next: FilterOperator<T, K> | undefined = this.output instanceof FilterOperator ? (this.output as FilterOperator<T, K>) : undefined

  record(value: T, timestamp: number, key: unknown): void {
    if (this.destination.closed) return
    try {
      if (!this.fn(value)) return
      if (this.next === undefined) this.output.record(value, timestamp, key as K)
      else this.next.recordAfterFilter(value, timestamp, key)
    } catch (error) {
      this.failRecord(error, value, timestamp, key)
    }
  }

  /** `record`, for the filter before this one (see `next`): the same, as a function of its own. */
  recordAfterFilter(value: T, timestamp: number, key: unknown): void {
    if (this.destination.closed) return
    try {
      if (this.fn(value)) this.output.record(value, timestamp, key as K)
    } catch (error) {
      this.failRecord(error, value, timestamp, key)
    }
  }
}
