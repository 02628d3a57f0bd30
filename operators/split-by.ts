import type { Observable } from 'rxjs'
import { operatorInfo } from '../src/core/OperatorOptions'
import type { StreamElement } from '../src/core/StreamElement'
import { describeValue } from '../src/core/describe'
import { checkObservable } from '../src/runtime/host'
import { SplitHub } from '../src/runtime/SplitHub'

/**
 * The values a predicate of {@link splitBy} lets through: its type guard's type
 * (`(e: Event) => e is Person` selects `Person`), else all of `T`.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * type Event = { kind: 'person'; id: number } | { kind: 'auction'; seller: number }
 * const isPerson = (e: Event): e is Extract<Event, { kind: 'person' }> => e.kind === 'person'
 * const person: ds.SelectedBy<Event, typeof isPerson> = { kind: 'person', id: 1 }
 *
 * @category transforms
 * @since 0.1.0
 */
export type SelectedBy<T, P> = P extends (value: T) => value is (infer S extends T) ? S : T

/**
 * The outputs of {@link splitBy}: one stream per predicate, in the order of the predicates.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * declare const numbers$: ds.DataStream<number>
 * const [even$, odd$]: ds.SplitByStreams<number, never, [(n: number) => boolean, (n: number) => boolean]> =
 *   ds.splitBy(numbers$, n => n % 2 === 0, n => n % 2 !== 0)
 *
 * @category transforms
 * @since 0.1.0
 */
export type SplitByStreams<T, K, P extends readonly unknown[]> = { readonly [I in keyof P]: Observable<StreamElement<SelectedBy<T, P[I]>, K>> }

/**
 * Splits one stream into several over ONE subscription to it: output `i` carries the records
 * for which `predicates[i]` holds (a record may go to several outputs, or to none), and every
 * watermark, stream status and checkpoint barrier of the stream. This is how one stream feeds
 * both inputs of a join, a coGroup, an interval join or `connectWith`: the two parts of
 * Nexmark's event stream, or the same stream on both sides of a self-join.
 *
 * The subscription starts once every output has a subscriber, and elements then reach the
 * outputs as they come, interleaved: a synchronous source (an array, `ds.fromRecords`) is not
 * delivered whole to the first output before the next one is subscribed, so a join sees both
 * sides advance together and keeps only the open windows. It ends when every output has
 * unsubscribed; a later subscription starts over. Records keep their timestamps and keys;
 * side records of `stream$` are not passed on (select them with `split` first).
 *
 * ```text
 * stream$:     p1@1  a1@2  W(2)  a2@4  p2@5  W(5)|
 * persons$:    p1@1        W(2)        p2@5  W(5)|      (isPerson)
 * auctions$:         a1@2  W(2)  a2@4        W(5)|      (isAuction)
 * ```
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Person { kind: 'person'; id: number; name: string }
 * interface Auction { kind: 'auction'; seller: number }
 * const events = ds.fromRecords<Person | Auction>([
 *   { value: { kind: 'person', id: 1, name: 'Ana' }, timestamp: 1_000 },
 *   { value: { kind: 'auction', seller: 1 }, timestamp: 2_000 },
 * ])
 * const [persons$, auctions$] = ds.splitBy(events, e => e.kind === 'person', e => e.kind === 'auction')
 * persons$.pipe(
 *   ds.joinWith(auctions$).where((p: Person) => p.id).equalTo(a => a.seller)
 *     .window(ds.tumblingEventTimeWindows(10_000))
 *     .apply(p => p.name),
 *   ds.values()
 * ).subscribe(name => console.log(name)) // Ana
 *
 * @see split to split off side outputs
 * @param stream$ the stream to split
 * @param predicates one per output: whether a record's value goes to it (type guards narrow the output's type)
 * @returns the outputs, one per predicate, in their order
 * @category transforms
 * @since 0.1.0
 */
export function splitBy<T, K = never, const P extends readonly ((value: T) => boolean)[] = readonly ((value: T) => boolean)[]>(
  stream$: Observable<StreamElement<T, K>>,
  ...predicates: P
): SplitByStreams<T, K, P> {
  checkObservable(stream$, 'splitBy: the stream')
  for (const [i, predicate] of predicates.entries()) {
    if (typeof predicate !== 'function') throw new TypeError(`splitBy: predicate ${i} is ${describeValue(predicate)}, not a function`)
  }
  if (predicates.length === 0) throw new TypeError('splitBy: give at least one predicate, one per output')
  const hub = new SplitHub<T, K>(INFO, stream$, predicates as readonly ((value: T) => boolean)[], false)
  return predicates.map((_, i) => hub.output(i)) as unknown as SplitByStreams<T, K, P>
}

const INFO = /*#__PURE__*/ operatorInfo('splitBy')
