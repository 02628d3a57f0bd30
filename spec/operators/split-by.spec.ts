/** @test {splitBy} */
import fc from 'fast-check'
import { defer, from, merge, Observable, of, take } from 'rxjs'
import * as ds from '../../src/index'
import { active, barrier, idle, marbleTest, rec, side, wm } from '../../marbles/index'

const late = new ds.OutputTag<string>('late')

type Event = { readonly kind: 'person'; readonly id: number; readonly name: string } | { readonly kind: 'auction'; readonly id: number; readonly seller: number }
type Person = Extract<Event, { kind: 'person' }>
type Auction = Extract<Event, { kind: 'auction' }>
const isPerson = (e: Event): e is Person => e.kind === 'person'
const isAuction = (e: Event): e is Auction => e.kind === 'auction'
const person = (id: number, name: string): Person => ({ kind: 'person', id, name })
const auction = (id: number, seller: number): Auction => ({ kind: 'auction', id, seller })

/** Subscribes and records everything `stream$` emits. */
function record<T>(stream$: Observable<T>, log: unknown[]): void {
  stream$.subscribe({ next: e => log.push(e), error: (err: unknown) => log.push(['error', err]), complete: () => log.push('complete') })
}

describe('splitBy', () => {
  it('sends each record to the outputs whose predicate holds, and watermarks, statuses and barriers to all, over one subscription', () => {
    marbleTest(({ cold, expectStream, expectSubscriptions }) => {
      const source = cold<ds.StreamElement<number>>('-a-b-I-c-B-A-W-l-|', {
        a: rec(1, 1),
        b: rec(2, 2),
        c: rec(3, 3),
        I: idle(),
        A: active(),
        B: barrier(1),
        W: wm(5),
        l: side(late, 'x', 0) as ds.StreamElement<number>
      })
      const [odd$, even$, all$] = ds.splitBy(source, n => n % 2 === 1, n => n % 2 === 0, () => true)
      expectStream(odd$).toBe('-a---I-c-B-A-W---|', { a: rec(1, 1), c: rec(3, 3), I: idle(), A: active(), B: barrier(1), W: wm(5) })
      expectStream(even$).toBe('---b-I---B-A-W---|', { b: rec(2, 2), I: idle(), A: active(), B: barrier(1), W: wm(5) })
      expectStream(all$).toBe('-a-b-I-c-B-A-W---|', { a: rec(1, 1), b: rec(2, 2), c: rec(3, 3), I: idle(), A: active(), B: barrier(1), W: wm(5) })
      expectSubscriptions(source.subscriptions).toBe('^----------------!')
    })
  })

  it('keeps timestamps and keys; a record no predicate selects goes nowhere', () => {
    const source = of<ds.StreamElement<number, string>[]>(rec(1, 10, 'a'), rec(2, 20, 'b'), rec(3, 30, 'c'))
    const [small$, big$] = ds.splitBy(source, n => n === 1, n => n === 3)
    const small: unknown[] = []
    const big: unknown[] = []
    record(small$, small)
    record(big$, big)
    expect(small).toEqual([rec(1, 10, 'a'), 'complete'])
    expect(big).toEqual([rec(3, 30, 'c'), 'complete'])
  })

  it('starts once every output has a subscriber, whichever subscribes first', () => {
    marbleTest(({ cold, expectStream, expectSubscriptions }) => {
      const source = cold<ds.StreamElement<number>>('-a-b-|', { a: rec(1, 1), b: rec(2, 2) })
      const [odd$, even$] = ds.splitBy(source, n => n % 2 === 1, n => n % 2 === 0)
      expectStream(even$).toBe('-------b-|', { b: rec(2, 2) })
      expectStream(odd$, '----^').toBe('-----a---|', { a: rec(1, 1) })
      expectSubscriptions(source.subscriptions).toBe('----^----!')
    })
  })

  for (const order of ['first output first', 'last output first'] as const) {
    it(`loses nothing of a synchronous source (${order}) and subscribes it once`, () => {
      let subscriptions = 0
      const source = defer(() => {
        subscriptions++
        return of<ds.StreamElement<number>[]>(rec(1, 1), rec(2, 2), wm(2), rec(3, 3), wm(Infinity))
      })
      const [odd$, even$] = ds.splitBy(source, n => n % 2 === 1, n => n % 2 === 0)
      const odd: unknown[] = []
      const even: unknown[] = []
      if (order === 'first output first') {
        record(odd$, odd)
        expect(subscriptions).toBe(0)
        record(even$, even)
      } else {
        record(even$, even)
        expect(subscriptions).toBe(0)
        record(odd$, odd)
      }
      expect(subscriptions).toBe(1)
      expect(odd).toEqual([rec(1, 1), wm(2), rec(3, 3), wm(Infinity), 'complete'])
      expect(even).toEqual([rec(2, 2), wm(2), wm(Infinity), 'complete'])
    })
  }

  it('feeds both inputs of a join from one synchronous stream, interleaved: windows fire as the stream goes, not at its end', () => {
    let subscriptions = 0
    type Timed = Event & { readonly ts: number }
    const at = (e: Event, ts: number): Timed => ({ ...e, ts })
    const events: Timed[] = [
      at(person(1, 'Ana'), 1),
      at(auction(10, 1), 2),
      at(auction(11, 2), 3),
      at(person(2, 'Bo'), 4), // after its auction: still the same window
      at(person(3, 'Cy'), 12),
      at(auction(12, 3), 15),
      at(auction(13, 1), 25) // Ana's auction, a window later: no pair
    ]
    const source = defer(() => {
      subscriptions++
      return from(events)
    }).pipe(ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forMonotonousTimestamps<Timed>().withTimestampAssigner(e => e.ts), { autoWatermarkInterval: 0 }))
    const [persons$, auctions$] = ds.splitBy(source, e => e.kind === 'person', e => e.kind === 'auction')
    const out: string[] = []
    persons$
      .pipe(
        ds.joinWith(auctions$).where((p: Person) => p.id).equalTo(a => a.seller).window(ds.tumblingEventTimeWindows(10)).apply((p, a) => `${p.name} opened ${a.id}`)
      )
      .subscribe(e => out.push(ds.isRecord(e) ? `${e.value}@${e.timestamp}` : ds.isWatermark(e) ? `W(${e.timestamp})` : e._tag))
    expect(subscriptions).toBe(1)
    // Each window's pairs come before the watermark that closed it, mid-stream.
    expect(out).toEqual(['W(0)', 'W(1)', 'W(2)', 'W(3)', 'Ana opened 10@9', 'Bo opened 11@9', 'W(11)', 'W(14)', 'Cy opened 12@19', 'W(24)', 'W(Infinity)'])
  })

  it('as split does for a side output: split\'s outputs feed a join from one synchronous stream too, over one subscription', () => {
    let subscriptions = 0
    const auctionsTag = new ds.OutputTag<Auction>('auctions')
    const source = defer(() => {
      subscriptions++
      return from([
        rec<Event>(person(1, 'Ana'), 1),
        rec<Event>(auction(10, 1), 2),
        wm(9),
        rec<Event>(person(2, 'Bo'), 12),
        rec<Event>(auction(11, 2), 13),
        wm(Infinity)
      ])
    })
    const routed = source.pipe(ds.processElements<Event, Person>({ processElement: (e, ctx, out) => (isPerson(e) ? out.collect(e) : ctx.output(auctionsTag, e as Auction)) }))
    const { main$, side: sideOf } = ds.split(routed, auctionsTag)
    const out: string[] = []
    main$
      .pipe(ds.joinWith(sideOf(auctionsTag)).where((p: Person) => p.id).equalTo(a => a.seller).window(ds.tumblingEventTimeWindows(10)).apply((p, a) => `${p.name}:${a.id}`))
      .subscribe(e => out.push(ds.isRecord(e) ? `${e.value}@${e.timestamp}` : ds.isWatermark(e) ? `W(${e.timestamp})` : e._tag))
    expect(subscriptions).toBe(1)
    expect(out).toEqual(['Ana:10@9', 'W(9)', 'Bo:11@19', 'W(Infinity)'])
  })

  it('feeds an interval join and connectWith from one synchronous stream', () => {
    const source = ds.fromRecords<Event>([
      { value: person(1, 'Ana'), timestamp: 1 },
      { value: auction(10, 1), timestamp: 3 },
      { value: auction(11, 1), timestamp: 9 },
      { value: person(2, 'Bo'), timestamp: 10 },
      { value: auction(12, 2), timestamp: 11 }
    ])
    const [persons$, auctions$] = ds.splitBy(source, isPerson, isAuction)
    const joined: string[] = []
    persons$
      .pipe(
        ds.keyBy(p => p.id),
        ds.intervalJoinWith(auctions$.pipe(ds.keyBy(a => a.seller))).between(0, 5).process<Person, string>((p, a, _ctx, out) => out.collect(`${p.name}:${a.id}`)),
        ds.values()
      )
      .subscribe(v => joined.push(v))
    expect(joined).toEqual(['Ana:10', 'Bo:12'])
    const connected: string[] = []
    persons$.pipe(ds.connectWith(auctions$).map((p: Person) => p.name, a => `#${a.id}`), ds.values()).subscribe(v => connected.push(v))
    expect(connected).toEqual(['Ana', '#10', '#11', 'Bo', '#12'])
  })

  it('feeds the same stream to both sides of a self-join', () => {
    const source = ds.fromRecords([
      { value: 'a1', timestamp: 1 },
      { value: 'a2', timestamp: 2 },
      { value: 'b1', timestamp: 3 }
    ])
    const [left$, right$] = ds.splitBy(source, () => true, () => true)
    const out: string[] = []
    left$
      .pipe(
        ds.joinWith(right$).where((s: string) => s[0]!).equalTo(s => s[0]!).window(ds.tumblingEventTimeWindows(10)).apply((l, r) => `${l}${r}`),
        ds.values()
      )
      .subscribe(v => out.push(v))
    expect(out.sort()).toEqual(['a1a1', 'a1a2', 'a2a1', 'a2a2', 'b1b1'])
  })

  it('drops side records of the stream: split them off with split', () => {
    const source = of<ds.StreamElement<number>[]>(rec(1, 1), side(late, 'x', 0) as ds.StreamElement<number>, wm(3))
    const [all$] = ds.splitBy(source, () => true)
    const log: unknown[] = []
    record(all$, log)
    expect(log).toEqual([rec(1, 1), wm(3), 'complete'])
  })

  describe('lifecycle', () => {
    it('releases the stream when every output has unsubscribed; a later subscription starts over', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const source = cold<ds.StreamElement<number>>('-a-b-a-b-|', { a: rec(1, 1), b: rec(2, 2) })
        const [odd$, even$] = ds.splitBy(source, n => n === 1, n => n === 2)
        expectStream(odd$, '^--!').toBe('-a-', { a: rec(1, 1) })
        expectStream(even$, '^---!').toBe('---b', { b: rec(2, 2) })
        expectStream(odd$, '------^').toBe('-------a---a---|', { a: rec(1, 1) })
        expectStream(even$, '------^').toBe('---------b---b-|', { b: rec(2, 2) })
        expectSubscriptions(source.subscriptions).toBe(['^---!', '------^--------!'])
      })
    })

    it('starts over after the stream completed, for a subscriber that comes after the end', () => {
      let subscriptions = 0
      const source = defer(() => {
        subscriptions++
        return of<ds.StreamElement<number>[]>(rec(subscriptions, 1), rec(-subscriptions, 2))
      })
      const [positive$, negative$] = ds.splitBy(source, n => n > 0, n => n < 0)
      for (const run of [1, 2]) {
        const p: unknown[] = []
        const n: unknown[] = []
        record(positive$, p)
        record(negative$, n)
        expect(p).toEqual([rec(run, 1), 'complete'])
        expect(n).toEqual([rec(-run, 2), 'complete'])
      }
      expect(subscriptions).toBe(2)
    })

    it('stops a synchronous source as soon as every output has ended while it is still emitting', () => {
      let pushed = 0
      const source = new Observable<ds.StreamElement<number>>(subscriber => {
        for (let i = 0; i < 1_000 && !subscriber.closed; i++) {
          pushed++
          subscriber.next(rec(i, i))
        }
        subscriber.complete()
      })
      const [even$, odd$] = ds.splitBy(source, n => n % 2 === 0, n => n % 2 === 1)
      const seen: number[] = []
      even$.pipe(take(1)).subscribe()
      odd$.pipe(ds.values(), take(2)).subscribe(v => seen.push(v))
      expect(seen).toEqual([1, 3])
      expect(pushed).toBe(4)
    })

    it('an output\'s subscriber that leaves during a delivery takes no element from the others of that output', () => {
      const source = of<ds.StreamElement<number>[]>(rec(1, 1), rec(2, 2), rec(3, 3))
      const [all$, none$] = ds.splitBy(source, () => true, () => false)
      const first: unknown[] = []
      const second: unknown[] = []
      record(all$.pipe(take(1)), first)
      record(all$, second)
      record(none$, [])
      expect(first).toEqual([rec(1, 1), 'complete'])
      expect(second).toEqual([rec(1, 1), rec(2, 2), rec(3, 3), 'complete'])
    })

    it('sends an error of the stream to every output, once, after releasing it', () => {
      marbleTest(({ cold, expectStream, expectSubscriptions }) => {
        const boom = new Error('source failed')
        const source = cold<ds.StreamElement<number>>('-a-b-#', { a: rec(1, 1), b: rec(2, 2) }, boom)
        const [odd$, even$] = ds.splitBy(source, n => n === 1, n => n === 2)
        expectStream(odd$).toBe('-a---#', { a: rec(1, 1) }, boom)
        expectStream(even$).toBe('---b-#', { b: rec(2, 2) }, boom)
        expectSubscriptions(source.subscriptions).toBe('^----!')
      })
    })

    it('fails every output with a UserFunctionError naming splitBy and the record when a predicate throws, and stops the source', () => {
      let pushed = 0
      const source = new Observable<ds.StreamElement<number>>(subscriber => {
        for (let i = 0; i < 10 && !subscriber.closed; i++) {
          pushed++
          subscriber.next(rec(i, i))
        }
        subscriber.complete()
      })
      const [a$, b$] = ds.splitBy(
        source,
        () => true,
        n => {
          if (n === 2) throw new Error('bad predicate')
          return false
        }
      )
      const a: unknown[] = []
      const b: unknown[] = []
      record(a$, a)
      record(b$, b)
      expect(pushed).toBe(3)
      for (const log of [a, b]) {
        const [error] = log.filter((e): e is [string, unknown] => Array.isArray(e)).map(e => e[1])
        expect(error).toEqual(jasmine.any(ds.UserFunctionError))
        expect((error as Error).message).toMatch(/^splitBy: the user function threw while processing record \(value 2, timestamp 2\)/)
        expect(((error as Error).cause as Error).message).toBe('bad predicate')
      }
      expect(a).toEqual([rec(0, 0), rec(1, 1), rec(2, 2), jasmine.any(Array)])
      expect(b).toEqual([jasmine.any(Array)])
    })

    it('a join fed by splitBy fails once, and releases the source, when the join fails', () => {
      let pushed = 0
      const source = new Observable<ds.StreamElement<number>>(subscriber => {
        for (let i = 0; i < 100 && !subscriber.closed; i++) {
          pushed++
          subscriber.next(rec(i, i))
        }
        subscriber.complete()
      })
      const [left$, right$] = ds.splitBy(source, n => n % 2 === 0, n => n % 2 === 1)
      const errors: unknown[] = []
      left$
        .pipe(
          ds.joinWith(right$).where((n: number) => {
            if (n === 4) throw new Error('bad key')
            return 'k'
          }).equalTo(() => 'k').window(ds.tumblingEventTimeWindows(100)).apply((l, r) => l + r)
        )
        .subscribe({ error: (e: unknown) => errors.push(e) })
      expect(errors.length).toBe(1)
      expect(errors[0]).toEqual(jasmine.any(ds.UserFunctionError))
      expect(pushed).toBe(5)
    })

    it('fails with an ElementError naming splitBy when the stream carries something that is not a stream element', () => {
      const [a$, b$] = ds.splitBy(of(rec(1, 1), 42 as unknown as ds.StreamElement<number>), () => true, () => true)
      const logs: unknown[][] = [[], []]
      record(merge(a$), logs[0]!)
      record(b$, logs[1]!)
      for (const log of logs) {
        const error = (log[log.length - 1] as [string, unknown])[1]
        expect(error).toEqual(jasmine.any(ds.ElementError))
        expect((error as Error).message).toMatch(/^splitBy: received 42, which is not a stream element/)
      }
    })
  })

  it('refuses what is not a stream or a predicate when it is called', () => {
    expect(() => ds.splitBy(42 as never, () => true)).toThrowError(TypeError, 'splitBy: the stream is 42, not an Observable')
    expect(() => ds.splitBy(of(rec(1, 1)), () => true, 'x' as never)).toThrowError(TypeError, 'splitBy: predicate 1 is "x", not a function')
    expect(() => ds.splitBy(of(rec(1, 1)))).toThrowError(TypeError, /at least one predicate/)
  })

  describe('a join fed by splitBy from one synchronous stream', () => {
    interface E {
      readonly side: 'L' | 'R'
      readonly key: string
      readonly id: number
      readonly ts: number
    }
    type Assigner = { readonly kind: 'tumbling'; readonly size: number } | { readonly kind: 'sliding'; readonly size: number; readonly slide: number }
    const BOUND = 3

    /**
     * The batch reference: the stream's watermark after each record is `max ts - BOUND - 1`;
     * a record joins the windows that have not fired by then (end - 1 > watermark); per window
     * and key, every left with every right.
     */
    function reference(events: readonly E[], assigner: Assigner): string[] {
      const slide = assigner.kind === 'tumbling' ? assigner.size : assigner.slide
      const windows = new Map<string, { lefts: number[]; rights: number[] }>()
      let max = -Infinity
      for (const e of events) {
        const wm = max - BOUND - 1
        const last = e.ts - (((e.ts % slide) + slide) % slide)
        for (let start = last; start > e.ts - assigner.size; start -= slide) {
          if (start + assigner.size - 1 <= wm) break
          const id = `${start}|${e.key}`
          let w = windows.get(id)
          if (w === undefined) windows.set(id, (w = { lefts: [], rights: [] }))
          ;(e.side === 'L' ? w.lefts : w.rights).push(e.id)
        }
        max = Math.max(max, e.ts)
      }
      const pairs: string[] = []
      for (const [id, { lefts, rights }] of windows) {
        const [start] = id.split('|')
        for (const l of lefts) for (const r of rights) pairs.push(`${l}+${r}@${Number(start) + assigner.size - 1}`)
      }
      return pairs.sort()
    }

    const eventsArb = fc
      .array(fc.record({ side: fc.constantFrom<'L' | 'R'>('L', 'R'), key: fc.constantFrom('a', 'b', 'c'), delta: fc.integer({ min: -6, max: 3 }) }), { maxLength: 80 })
      .map(raw => {
        let max = 0
        return raw.map(({ side, key, delta }, id): E => {
          const ts = max + delta
          max = Math.max(max, ts)
          return { side, key, id, ts }
        })
      })
    const assignerArb = fc.oneof(
      fc.record({ kind: fc.constant('tumbling' as const), size: fc.integer({ min: 1, max: 10 }) }),
      fc.record({ kind: fc.constant('sliding' as const), size: fc.integer({ min: 2, max: 10 }), slide: fc.integer({ min: 1, max: 5 }) }).filter(a => a.slide < a.size)
    )

    it('emits the batch reference\'s pairs (each window at its end, late records dropped), subscribing the stream once', () => {
      fc.assert(
        fc.property(eventsArb, assignerArb, (events, assigner) => {
          let subscriptions = 0
          const stream$ = defer(() => {
            subscriptions++
            return from(events)
          }).pipe(ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.forBoundedOutOfOrderness<E>(BOUND).withTimestampAssigner(e => e.ts), { autoWatermarkInterval: 0 }))
          const [left$, right$] = ds.splitBy(stream$, e => e.side === 'L', e => e.side === 'R')
          const windows = assigner.kind === 'tumbling' ? ds.tumblingEventTimeWindows<ds.TaggedUnion<E, E>>(assigner.size) : ds.slidingEventTimeWindows<ds.TaggedUnion<E, E>>(assigner.size, assigner.slide)
          const out: string[] = []
          let completed = false
          left$
            .pipe(ds.joinWith(right$).where((e: E) => e.key).equalTo(e => e.key).window(windows).apply((l, r) => `${l.id}+${r.id}`), ds.records())
            .subscribe({ next: r => out.push(`${r.value}@${r.timestamp}`), complete: () => (completed = true) })
          expect(completed).toBe(true)
          expect(subscriptions).toBe(1)
          expect(out.sort()).toEqual(reference(events, assigner))
        })
      )
    })
  })
})
