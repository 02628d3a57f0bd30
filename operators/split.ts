import type { Observable } from 'rxjs'
import { operatorInfo } from '../src/core/OperatorOptions'
import { SplitHub } from '../src/runtime/SplitHub'
import type { OutputTag } from '../src/core/OutputTag'
import type { DataStream, StreamElement } from '../src/core/StreamElement'
import { mainOutput, sideOutput } from './side-output'

/**
 * The outputs of {@link split}.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * declare const outputs: ds.SplitStreams<string, never>
 * outputs.main$.subscribe()
 *
 * @category side-output
 * @since 0.1.0
 */
export interface SplitStreams<T, K> {
  /** The main output (side records dropped). */
  readonly main$: Observable<StreamElement<T, K>>
  /** The side output named by `tag`, which must be one of the tags given to `split`. */
  side<S>(tag: OutputTag<S>): DataStream<S>
}

/**
 * Splits a stream into its main output and the named side outputs over ONE subscription to
 * `stream$`. The subscription starts once the main output and every named side output have
 * a subscriber (so a synchronous source loses nothing to whichever output subscribes last),
 * and ends when all have unsubscribed; a later subscription starts over. Name only the side
 * outputs you will subscribe to.
 *
 * ```text
 * stream$:  a@1  late(x)@0  W(5)|
 * main$:    a@1             W(5)|
 * side(late):   x@0         W(5)|
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const invalid = new ds.OutputTag<string>('invalid')
 * const parsed = ds.fromRecords([{ value: '1', timestamp: 0 }, { value: 'x', timestamp: 1 }]).pipe(
 *   ds.processElements<string, number>({
 *     processElement: (s, ctx, out) => (isNaN(Number(s)) ? ctx.output(invalid, s) : out.collect(Number(s))),
 *   }))
 * const { main$, side } = ds.split(parsed, invalid)
 * side(invalid).pipe(ds.values()).subscribe(s => console.log('invalid:', s)) // invalid: x
 * main$.pipe(ds.values()).subscribe(n => console.log('number:', n))          // number: 1
 *
 * @param stream$ the stream to split
 * @param tags the side outputs that will be subscribed to
 * @category side-output
 * @since 0.1.0
 */
export function split<T, K = never>(
  stream$: Observable<StreamElement<T, K>>,
  ...tags: OutputTag<unknown>[]
): SplitStreams<T, K> {
  const ids = tags.map(t => t.id)
  if (new Set(ids).size !== ids.length) throw new TypeError(`split: a side output is named twice (${ids.join(', ')})`)
  // Every output takes every element; its first operator selects the main or a side output.
  const hub = new SplitHub<T, K>(INFO, stream$, new Array<(value: T) => boolean>(tags.length + 1).fill(always), true)
  const main$ = hub.output(0).pipe(mainOutput<T, K>())
  const sides = new Map(tags.map((tag, i) => [tag.id, hub.output(i + 1).pipe(sideOutput(tag))]))
  return {
    main$,
    side: <S>(tag: OutputTag<S>) => {
      const side$ = sides.get(tag.id)
      if (side$ === undefined) {
        throw new TypeError(`split: side output "${tag.id}" was not named; name it: split(stream$, ${[...ids, tag.id].join(', ')})`)
      }
      return side$ as unknown as DataStream<S>
    }
  }
}

const INFO = /*#__PURE__*/ operatorInfo('split')

const always = (): boolean => true
