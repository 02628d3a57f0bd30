import { Observable, Subject, type Subscription } from 'rxjs'
import { SourceSubscriber } from '../src/runtime/host'
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
  const outputs = tags.length + 1
  let hub = new Subject<StreamElement<T, K>>()
  let connection: Subscription | undefined
  const subscribers = new Array<number>(outputs).fill(0)

  const output = <R>(index: number, select: (hub$: Observable<StreamElement<T, K>>) => Observable<R>): Observable<R> =>
    new Observable<R>(subscriber => {
      subscribers[index]!++
      const inner = select(hub).subscribe(subscriber)
      // Added before the source is connected: outputs that end while a synchronous source is
      // still emitting (an error, take(n)) release it at once.
      subscriber.add(() => {
        inner.unsubscribe()
        subscribers[index]!--
        if (subscribers.every(n => n === 0)) {
          connection?.unsubscribe()
          connection = undefined
          hub = new Subject<StreamElement<T, K>>()
        }
      })
      if (connection === undefined && subscribers.every(n => n > 0)) {
        // The connection is a Subscription before the source is subscribed, so unsubscribing it
        // during the source's subscribe stops the source.
        const connector = new HubConnection(hub)
        connection = connector
        stream$.subscribe(connector)
      }
    })

  const main$ = output(0, hub$ => hub$.pipe(mainOutput<T, K>()))
  const sides = new Map(tags.map((tag, i) => [tag.id, output(i + 1, hub$ => hub$.pipe(sideOutput(tag)))]))
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

/** The source's subscriber, feeding the hub (see `SourceSubscriber`). */
class HubConnection<E> extends SourceSubscriber<E, Subject<E>> {
  next(element: E): void {
    if (!this.closed) this.output.next(element)
  }
}
