import type { Observable } from 'rxjs'
import type { MapStateDescriptor, StateDescriptor } from '../src/state/StateDescriptor'
import type { StreamElement } from '../src/core/StreamElement'
import { describeValue } from '../src/core/describe'
import { checkObservable } from '../src/runtime/host'

/**
 * A stream to broadcast into every subtask of the operator it is connected to, with the map
 * state descriptors of the broadcast state it writes (Flink's `BroadcastStream`). Connect it
 * with `connectWith`.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const limits = ds.mapState('limits', t.string, t.number)
 * const rules: ds.BroadcastStream<[string, number]> = ds.broadcast(ds.fromRecords([{ value: ['cpu', 90] as [string, number], timestamp: 0 }]), limits)
 *
 * @category process
 * @since 0.1.0
 */
export interface BroadcastStream<B> {
  readonly _tag: 'BroadcastStream'
  readonly source: Observable<StreamElement<B, unknown>>
  readonly descriptors: readonly MapStateDescriptor<unknown, unknown>[]
}

/**
 * Declares `source` a broadcast stream writing the broadcast states `descriptors` (at least
 * one, distinct names, no time to live). Connect a keyed or non-keyed stream to it with
 * `connectWith(broadcastStream)`, then `.process(...)` or `.keyedProcess(...)`.
 *
 * ```text
 * rules:   (cpu,90)@0                    |
 * metrics:            cpu=95@5  mem=99@6  |
 * output:             "cpu above 90"@5    W(+∞)|
 * ```
 *
 * @example
 * import { Subject } from 'rxjs'
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * interface Metric { name: string; value: number }
 * const limits = ds.mapState('limits', t.string, t.number)
 * const rules$ = new Subject<ds.StreamElement<[string, number]>>()
 * const metrics$ = new Subject<ds.StreamElement<Metric>>()
 * metrics$.pipe(
 *   ds.connectWith(ds.broadcast(rules$, limits)).process<Metric, string>({
 *     processBroadcastElement: ([name, limit], ctx) => ctx.getBroadcastState(limits).put(name, limit),
 *     processElement: (m, ctx, out) => {
 *       const limit = ctx.getBroadcastState(limits).get(m.name)
 *       if (limit !== undefined && m.value > limit) out.collect(`${m.name} above ${limit}`)
 *     }
 *   }),
 *   ds.values()
 * ).subscribe(v => console.log(v))
 * rules$.next(ds.streamRecord(['cpu', 90], 0))
 * metrics$.next(ds.streamRecord({ name: 'cpu', value: 95 }, 5)) // logs: cpu above 90
 * metrics$.next(ds.streamRecord({ name: 'mem', value: 99 }, 6)) // no rule for mem: nothing
 *
 * @param source the stream of rules or configuration
 * @param descriptors the broadcast states it writes
 * @category process
 * @since 0.1.0
 */
export function broadcast<B>(source: Observable<StreamElement<B, unknown>>, ...descriptors: Array<StateDescriptor & { readonly _tag: 'MapStateDescriptor' }>): BroadcastStream<B> {
  checkObservable(source, 'broadcast: the source')
  if (descriptors.length === 0) throw new TypeError('broadcast: pass at least one map state descriptor for the broadcast state (ds.mapState(name, keyCodec, valueCodec))')
  const names = new Set<string>()
  for (const d of descriptors) {
    if (typeof d !== 'object' || d === null || d._tag !== 'MapStateDescriptor') {
      throw new TypeError(`broadcast: broadcast state is map state; ${describeValue(d)} is not a map state descriptor`)
    }
    if (d.ttl !== undefined) throw new TypeError(`broadcast: broadcast state "${d.name}" cannot have a time to live (TTL is for keyed state)`)
    if (names.has(d.name)) throw new TypeError(`broadcast: two descriptors are named "${d.name}"`)
    names.add(d.name)
  }
  return { _tag: 'BroadcastStream', source, descriptors: descriptors as unknown as readonly MapStateDescriptor<unknown, unknown>[] }
}

/** @internal */
export function isBroadcastStream(x: unknown): x is BroadcastStream<unknown> {
  return typeof x === 'object' && x !== null && (x as { _tag?: unknown })._tag === 'BroadcastStream'
}
