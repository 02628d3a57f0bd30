/**
 * State descriptors: a state's name, kind and io-ts codecs, as Flink's `StateDescriptor`s.
 * A function asks for its state with a descriptor (`ctx.state(descriptor)`); the codec is what
 * snapshots encode and validate values with. Descriptors are identified by name: one name is
 * one state of one kind in an operator.
 *
 * @since 0.1.0
 */
import type * as t from 'io-ts'
import type { AggregateFunction } from '../windowing/WindowFunction'
import type { StateTtlConfig } from './StateTtlConfig'
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './State'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Names a value state and fixes its type and codec.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const firings: ds.ValueStateDescriptor<number> = ds.valueState('firings', t.number, 0)
 *
 * @category state
 * @since 0.1.0
 */
export interface ValueStateDescriptor<T> {
  readonly _tag: 'ValueStateDescriptor'
  readonly name: string
  readonly codec: t.Type<T, unknown>
  /** What `value()` reads while the state is empty. */
  readonly defaultValue: T | undefined
  readonly ttl: StateTtlConfig | undefined
}

/**
 * Names a list state; the codec is the elements'.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const seen: ds.ListStateDescriptor<string> = ds.listState('seen', t.string)
 *
 * @category state
 * @since 0.1.0
 */
export interface ListStateDescriptor<T> {
  readonly _tag: 'ListStateDescriptor'
  readonly name: string
  readonly codec: t.Type<T, unknown>
  readonly ttl: StateTtlConfig | undefined
}

/**
 * Names a map state, with codecs for its keys and its values.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const perPage: ds.MapStateDescriptor<string, number> = ds.mapState('perPage', t.string, t.number)
 *
 * @category state
 * @since 0.1.0
 */
export interface MapStateDescriptor<UK, UV> {
  readonly _tag: 'MapStateDescriptor'
  readonly name: string
  readonly keyCodec: t.Type<UK, unknown>
  readonly valueCodec: t.Type<UV, unknown>
  readonly ttl: StateTtlConfig | undefined
}

/**
 * Names a reducing state: values added are combined with `reduce` into one.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const max: ds.ReducingStateDescriptor<number> = ds.reducingState('max', Math.max, t.number)
 *
 * @category state
 * @since 0.1.0
 */
export interface ReducingStateDescriptor<T> {
  readonly _tag: 'ReducingStateDescriptor'
  readonly name: string
  readonly reduce: (a: T, b: T) => T
  readonly codec: t.Type<T, unknown>
  readonly ttl: StateTtlConfig | undefined
}

/**
 * Names an aggregating state: values are added into an accumulator by an
 * `AggregateFunction`; reading it gives `getResult(accumulator)`. The codec is the
 * accumulator's.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const average: ds.AggregatingStateDescriptor<number, [number, number], number> = ds.aggregatingState(
 *   'average',
 *   {
 *     createAccumulator: (): [number, number] => [0, 0],
 *     add: (v, [sum, n]) => [sum + v, n + 1],
 *     getResult: ([sum, n]) => sum / n,
 *     merge: (a, b) => [a[0] + b[0], a[1] + b[1]]
 *   },
 *   t.tuple([t.number, t.number])
 * )
 *
 * @category state
 * @since 0.1.0
 */
export interface AggregatingStateDescriptor<IN, ACC, OUT> {
  readonly _tag: 'AggregatingStateDescriptor'
  readonly name: string
  readonly aggregate: AggregateFunction<IN, ACC, OUT>
  readonly codec: t.Type<ACC, unknown>
  readonly ttl: StateTtlConfig | undefined
}

/**
 * What every keyed state descriptor has: its kind, name and time to live. Functions that take
 * any descriptor (`ctx.state`) are generic over it, so the exact kind is kept.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const descriptors: ds.StateDescriptor[] = [ds.valueState('a', t.number), ds.listState('b', t.string)]
 *
 * @category state
 * @since 0.1.0
 */
export interface StateDescriptor {
  readonly _tag: 'ValueStateDescriptor' | 'ListStateDescriptor' | 'MapStateDescriptor' | 'ReducingStateDescriptor' | 'AggregatingStateDescriptor'
  readonly name: string
  readonly ttl: StateTtlConfig | undefined
  /** The version of the state's stored form, and how to bring older ones to it ({@link withSchemaVersion}); none: version 1. */
  readonly schema?: StateSchema
}

/**
 * The version of a state's stored form (its codec's encoded values), and how values stored by
 * an older version become values of this one. See {@link withSchemaVersion}.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const schema: ds.StateSchema = { version: 2, migrate: (old, from) => (from === 1 ? { count: old } : old) }
 *
 * @category state
 * @since 0.1.0
 */
export interface StateSchema {
  /** A whole number ≥ 1; the version snapshots are written with. */
  readonly version: number
  /**
   * A value stored by version `fromVersion` (as that version's codec encoded it: plain JSON
   * data) → the same value as this version's codec encodes it; the codec then decodes and
   * checks it. For list state it is called per element, for map state per value.
   */
  readonly migrate?: (stored: unknown, fromVersion: number) => unknown
}

/**
 * A descriptor of state whose values in several windows can merge into one when the windows
 * merge (Flink's `MergingState`): reducing state (reduced), aggregating state (its aggregate's
 * `merge`) and list state (concatenated). What a trigger's `mergePartitionedState` takes.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const count: ds.MergingStateDescriptor = ds.reducingState('count', (a: number, b: number) => a + b, t.number)
 *
 * @category state
 * @since 0.1.0
 */
export interface MergingStateDescriptor extends StateDescriptor {
  readonly _tag: 'ReducingStateDescriptor' | 'AggregatingStateDescriptor' | 'ListStateDescriptor'
}

/**
 * The state a descriptor gives access to.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const seen = ds.listState('seen', t.string)
 * type Seen = ds.StateOf<typeof seen> // ds.ListState<string>
 *
 * @category state
 * @since 0.1.0
 */
export type StateOf<D> =
  D extends ValueStateDescriptor<infer T>
    ? ValueState<T>
    : D extends ListStateDescriptor<infer T>
      ? ListState<T>
      : D extends MapStateDescriptor<infer UK, infer UV>
        ? MapState<UK, UV>
        : D extends ReducingStateDescriptor<infer T>
          ? ReducingState<T>
          : D extends AggregatingStateDescriptor<infer IN, infer _ACC, infer OUT>
            ? AggregatingState<IN, OUT>
            : never

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Describes a value state: one value per key (and window, in windows).
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const lastSeen = ds.valueState('lastSeen', t.number)
 * const label = ds.valueState('label', t.string, 'none') // reads 'none' while empty
 *
 * @category state
 * @since 0.1.0
 */
export function valueState<T>(name: string, codec: t.Type<T, unknown>, defaultValue?: T): ValueStateDescriptor<T> {
  checkNameAndCodec('valueState', name, codec, 'codec')
  return { _tag: 'ValueStateDescriptor', name, codec, defaultValue, ttl: undefined }
}

/**
 * Describes a list state: a list of values per key.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const pending = ds.listState('pending', t.type({ id: t.string, ts: t.number }))
 *
 * @category state
 * @since 0.1.0
 */
export function listState<T>(name: string, codec: t.Type<T, unknown>): ListStateDescriptor<T> {
  checkNameAndCodec('listState', name, codec, 'codec')
  return { _tag: 'ListStateDescriptor', name, codec, ttl: undefined }
}

/**
 * Describes a map state: a map per key. Map keys are compared by value: strings, numbers,
 * booleans, bigints and arrays of them as such, anything else by its encoded JSON form.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const visitsPerPage = ds.mapState('visitsPerPage', t.string, t.number)
 *
 * @category state
 * @since 0.1.0
 */
export function mapState<UK, UV>(name: string, keyCodec: t.Type<UK, unknown>, valueCodec: t.Type<UV, unknown>): MapStateDescriptor<UK, UV> {
  checkNameAndCodec('mapState', name, keyCodec, 'key codec')
  checkNameAndCodec('mapState', name, valueCodec, 'value codec')
  return { _tag: 'MapStateDescriptor', name, keyCodec, valueCodec, ttl: undefined }
}

/**
 * Describes a reducing state: `add(v)` stores `reduce(current, v)` (or `v` when empty).
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const total = ds.reducingState('total', (a: number, b: number) => a + b, t.number)
 *
 * @category state
 * @since 0.1.0
 */
export function reducingState<T>(name: string, reduce: (a: T, b: T) => T, codec: t.Type<T, unknown>): ReducingStateDescriptor<T> {
  checkNameAndCodec('reducingState', name, codec, 'codec')
  if (typeof reduce !== 'function') throw new TypeError(`reducingState "${name}": reduce must be a function (a, b) => value`)
  return { _tag: 'ReducingStateDescriptor', name, reduce, codec, ttl: undefined }
}

/**
 * Describes an aggregating state: `add(v)` adds into an accumulator created by
 * `createAccumulator`; `get()` is `getResult(accumulator)`. The codec is the accumulator's.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const distinct = ds.aggregatingState(
 *   'distinctUsers',
 *   {
 *     createAccumulator: (): string[] => [],
 *     add: (user: string, acc) => (acc.includes(user) ? acc : [...acc, user]),
 *     getResult: acc => acc.length,
 *     merge: (a, b) => [...new Set([...a, ...b])]
 *   },
 *   t.array(t.string)
 * )
 *
 * @category state
 * @since 0.1.0
 */
export function aggregatingState<IN, ACC, OUT>(
  name: string,
  aggregate: AggregateFunction<IN, ACC, OUT>,
  accumulatorCodec: t.Type<ACC, unknown>
): AggregatingStateDescriptor<IN, ACC, OUT> {
  checkNameAndCodec('aggregatingState', name, accumulatorCodec, 'accumulator codec')
  if (typeof aggregate !== 'object' || aggregate === null || typeof aggregate.add !== 'function' || typeof aggregate.createAccumulator !== 'function' || typeof aggregate.getResult !== 'function') {
    throw new TypeError(`aggregatingState "${name}": the aggregate function needs createAccumulator, add and getResult`)
  }
  return { _tag: 'AggregatingStateDescriptor', name, aggregate, codec: accumulatorCodec, ttl: undefined }
}

// -------------------------------------------------------------------------------------
// combinators
// -------------------------------------------------------------------------------------

/**
 * The same descriptor with a time to live (Flink's `enableTimeToLive`). Switching TTL on or
 * off changes how the state is stored: a snapshot taken with one cannot restore the other.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const session = ds.enableTimeToLive(ds.mapState('session', t.string, t.string), ds.stateTtlConfig(30 * 60_000))
 *
 * @category state
 * @since 0.1.0
 */
export function enableTimeToLive<D extends StateDescriptor>(descriptor: D, ttl: StateTtlConfig): D {
  if (typeof ttl !== 'object' || ttl === null || typeof ttl.ttl !== 'number') {
    throw new TypeError(`enableTimeToLive "${descriptor.name}": pass a config built by stateTtlConfig(ttl, options)`)
  }
  return { ...descriptor, ttl }
}

/**
 * The same descriptor with a version of its stored form (schema evolution, as Flink's state
 * serializer upgrades): snapshots record the version, and a restore that finds values of an
 * older version passes each through `migrate` before the codec decodes it. Without `migrate`,
 * restoring an older version fails naming the operator, the state and both versions; so does a
 * snapshot of a newer version than the descriptor's.
 *
 * Adding or removing fields of a record (`t.type`, `t.partial`, and intersections of them)
 * needs no new version: a restore drops the fields the codec no longer has, and fields added
 * with `t.partial` are `undefined` in old values. A new required field (`t.type`) needs a
 * version and a `migrate` that fills it in.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * // Version 1 stored a plain count; version 2 stores { count, last }.
 * const visits = ds.withSchemaVersion(ds.valueState('visits', t.type({ count: t.number, last: t.number })), 2, (old, from) =>
 *   from === 1 ? { count: old, last: 0 } : old
 * )
 *
 * @category state
 * @since 0.1.0
 */
export function withSchemaVersion<D extends StateDescriptor>(descriptor: D, version: number, migrate?: (stored: unknown, fromVersion: number) => unknown): D {
  if (!Number.isSafeInteger(version) || version < 1) throw new RangeError(`withSchemaVersion "${descriptor.name}": the version must be a whole number ≥ 1, not ${String(version)}`)
  if (migrate !== undefined && typeof migrate !== 'function') throw new TypeError(`withSchemaVersion "${descriptor.name}": migrate must be a function (stored, fromVersion) => stored`)
  return { ...descriptor, schema: migrate === undefined ? { version } : { version, migrate } }
}

/** @internal The version of a descriptor's stored form (1 unless {@link withSchemaVersion} says otherwise). */
export function schemaVersion(descriptor: StateDescriptor): number {
  return descriptor.schema?.version ?? 1
}

/** @internal A human name for a descriptor's kind, e.g. `list state`. */
export function stateKindName(descriptor: StateDescriptor): string {
  switch (descriptor._tag) {
    case 'ValueStateDescriptor':
      return 'value state'
    case 'ListStateDescriptor':
      return 'list state'
    case 'MapStateDescriptor':
      return 'map state'
    case 'ReducingStateDescriptor':
      return 'reducing state'
    case 'AggregatingStateDescriptor':
      return 'aggregating state'
  }
}

function checkNameAndCodec(kind: string, name: string, codec: unknown, what: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`${kind}: the name must be a non-empty string, got ${String(name)}`)
  if (typeof codec !== 'object' || codec === null || typeof (codec as { is?: unknown }).is !== 'function') {
    throw new TypeError(`${kind} "${name}": the ${what} must be an io-ts type, e.g. t.number`)
  }
}
