/**
 * Type-level specs of `splitBy`: compiled by `tsc` as part of `npm test`; an `@ts-expect-error`
 * that no longer errors fails the build.
 */
import type { Observable } from 'rxjs'
import * as ds from '../../src/index'

interface Person {
  readonly kind: 'person'
  readonly id: number
  readonly name: string
}
interface Auction {
  readonly kind: 'auction'
  readonly id: number
  readonly seller: number
}
type Event = Person | Auction
declare const events$: ds.DataStream<Event>
declare const keyedEvents$: ds.KeyedStream<string, Event>

type Equals<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false
const assertType = <T extends true>(_?: T): void => undefined

// One output per predicate; type guards narrow, inferred ones too (arrows returning a test on the tag).
const isPerson = (e: Event): e is Person => e.kind === 'person'
const [persons$, auctions$] = ds.splitBy(events$, isPerson, e => e.kind === 'auction')
assertType<Equals<typeof persons$, Observable<ds.StreamElement<Person, never>>>>()
assertType<Equals<typeof auctions$, Observable<ds.StreamElement<Auction, never>>>>()

// A predicate that is not a type guard keeps the stream's type.
const outputs = ds.splitBy(events$, e => e.id > 10, () => true, isPerson)
assertType<Equals<typeof outputs, readonly [Observable<ds.StreamElement<Event, never>>, Observable<ds.StreamElement<Event, never>>, Observable<ds.StreamElement<Person, never>>]>>()

// Keys are kept.
const [keyedPersons$] = ds.splitBy(keyedEvents$, isPerson)
assertType<Equals<typeof keyedPersons$, Observable<ds.StreamElement<Person, string>>>>()

// The outputs are the inputs of a join.
persons$.pipe(
  ds
    .joinWith(auctions$)
    .where((p: Person) => p.id)
    .equalTo(a => a.seller)
    .window(ds.tumblingEventTimeWindows(10_000))
    .apply((p, a) => `${p.name}: ${a.id}`)
)

// @ts-expect-error a predicate of another type does not fit
ds.splitBy(events$, (n: number) => n > 0)

// @ts-expect-error the outputs are a tuple of as many streams as predicates
const [, , third$] = ds.splitBy(events$, isPerson, e => e.kind === 'auction')
void third$
