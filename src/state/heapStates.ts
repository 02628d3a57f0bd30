/**
 * @internal
 * The five keyed state kinds over a heap {@link StateTable}, with Flink's TTL semantics when
 * the descriptor has a time to live. What a table holds per (key, namespace):
 *
 * | kind                      | without TTL         | with TTL                                 |
 * | ------------------------- | ------------------- | ---------------------------------------- |
 * | value / reducing / aggr.  | the value           | `{ value, time }`                        |
 * | list                      | `T[]`               | `{ value, time }[]` (elements expire)     |
 * | map                       | `Map<id, MapEntry>` | the same, `time` per entry (entries expire) |
 *
 * `time` is the processing time of the last refresh. A state object is scoped by the backend's
 * current key and by its own `namespace` (set by windows; `undefined` elsewhere).
 */
import type * as t from 'io-ts'
import { StateError } from '../core/errors'
import { keyId } from '../core/Key'
import type { OperatorInfo } from '../core/OperatorOptions'
import { describeValue } from '../core/describe'
import type { KeyContext } from './KeyContext'
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './State'
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueStateDescriptor
} from './StateDescriptor'
import type { StateTtlConfig } from './StateTtlConfig'

/** @internal What a state needs from the operator that owns it. */
export interface StateRuntime {
  readonly info: OperatorInfo
  readonly keys: KeyContext<unknown>
  /** Processing time: the clock TTL runs on. */
  now(): number
  /** Whether writes are checked against the codec (development mode). */
  readonly validateWrites: boolean
}

/**
 * @internal
 * Where a state keeps its values: the current key's value per namespace. The heap's
 * `StateTable` is one; a backend on disk gives its own (a cache over its store). The states
 * change values they read in place (a list appended to, a map entry set, a TTL cell refreshed),
 * so a table that writes values elsewhere must treat what it handed out as changed.
 */
export interface KvTable<S> {
  get(ns: unknown): S | undefined
  /** `undefined` removes the value. */
  put(ns: unknown, value: S | undefined): void
  remove(ns: unknown): void
  /** Replaces up to `count` keys' values by `keep(value)` (`undefined`: removed): incremental TTL cleanup. */
  sweep(count: number, keep: (value: S) => S | undefined): void
}

/** @internal A value with the processing time it was last refreshed at. */
export interface TtlValue<X> {
  value: X
  time: number
}

/** @internal A map state's entry: the user's key, its value, its last refresh (TTL only). */
export interface MapEntry<UK, UV> {
  readonly key: UK
  value: UV
  time: number
}

/** @internal Any heap state: the namespace it is scoped to can be changed (windows). */
export interface InternalKvState {
  namespace: unknown
}

/**
 * @internal
 * A state whose values in several namespaces combine into one (Flink's `InternalMergingState`):
 * reducing, aggregating and list state, when windows merge.
 */
export interface InternalMergingState extends InternalKvState {
  /**
   * Combines the current key's values in `sources` (removing them) into its value in `target`,
   * as Flink does: the sources' values in order, then the target's value with that.
   */
  mergeNamespaces(target: unknown, sources: readonly unknown[]): void
}

/** @internal Whether an entry refreshed at `time` has expired at `now`. */
export function isExpired(ttl: StateTtlConfig, time: number, now: number): boolean {
  return time + ttl.ttl <= now
}

/**
 * @internal
 * The id a map-state key is compared by: primitives as themselves, arrays of primitives as
 * rx-datastream keys are, anything else by the JSON of its encoded form, with object
 * properties in sorted order (`{ x, y }` and `{ y, x }` are one key).
 */
export function mapKeyId<UK>(key: UK, codec: t.Type<UK, unknown>): unknown {
  if (typeof key !== 'object' || key === null) return key
  if (Array.isArray(key) && key.every(part => typeof part !== 'object' || part === null)) return keyId(key)
  return `\u0001${JSON.stringify(codec.encode(key), sortedProperties)}`
}

/** A `JSON.stringify` replacer writing every plain object's properties in sorted order. */
function sortedProperties(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value
  const sorted: Record<string, unknown> = {}
  for (const name of Object.keys(value).sort()) sorted[name] = (value as Record<string, unknown>)[name]
  return sorted
}

abstract class HeapState<S> implements InternalKvState {
  namespace: unknown = undefined
  protected readonly ttl: StateTtlConfig | undefined
  /** The runtime's, read on every access. */
  protected readonly keyContext: KeyContext<unknown>
  protected readonly validateWrites: boolean
  /** The clock reading of the running incremental cleanup, and its filter (made once, not per access). */
  private sweepTime = 0
  private readonly keepLive = (stored: S): S | undefined => this.withoutExpired(stored, this.ttl!, this.sweepTime)

  constructor(
    protected readonly table: KvTable<S>,
    protected readonly descriptor: StateDescriptor,
    protected readonly runtime: StateRuntime
  ) {
    this.ttl = descriptor.ttl
    this.keyContext = runtime.keys
    this.validateWrites = runtime.validateWrites
  }

  /** Throws unless a key is current; with TTL, runs a step of incremental cleanup. */
  protected enter(): void {
    if (!this.keyContext.active) {
      throw new StateError(
        this.runtime.info,
        this.descriptor.name,
        'keyed state is only accessible while a record or timer of a key is processed (not in open/close or a non-keyed callback)'
      )
    }
    const ttl = this.ttl
    if (ttl !== undefined && ttl.cleanupIncrementally > 0) {
      this.sweepTime = this.runtime.now()
      this.table.sweep(ttl.cleanupIncrementally, this.keepLive)
    }
  }

  /** `stored` without what has expired at `now`; `undefined` if nothing is left. */
  abstract withoutExpired(stored: S, ttl: StateTtlConfig, now: number): S | undefined

  protected check<X>(codec: t.Type<X, unknown>, value: X, what: string): void {
    if (this.validateWrites && !codec.is(value)) {
      throw new StateError(this.runtime.info, this.descriptor.name, `${describeValue(value)} is not a valid ${what} (${codec.name})`)
    }
  }

  clear(): void {
    this.enter()
    this.table.remove(this.namespace)
  }
}

/** Value, reducing and aggregating states keep one value per scope: `X`, or `TtlValue<X>`. */
abstract class ScalarHeapState<X> extends HeapState<X | TtlValue<X>> {
  withoutExpired(stored: X | TtlValue<X>, ttl: StateTtlConfig, now: number): X | TtlValue<X> | undefined {
    return isExpired(ttl, (stored as TtlValue<X>).time, now) ? undefined : stored
  }

  protected read(): X | undefined {
    const stored = this.table.get(this.namespace)
    const ttl = this.ttl
    if (ttl === undefined || stored === undefined) return stored as X | undefined
    const cell = stored as TtlValue<X>
    const now = this.runtime.now()
    if (isExpired(ttl, cell.time, now)) {
      this.table.remove(this.namespace)
      return ttl.visibility === 'ReturnExpiredIfNotCleanedUp' ? cell.value : undefined
    }
    if (ttl.updateType === 'OnReadAndWrite') cell.time = now
    return cell.value
  }

  /** The stored value for an update (expired counts as absent), without refreshing it. */
  protected current(): X | undefined {
    const stored = this.table.get(this.namespace)
    const ttl = this.ttl
    if (ttl === undefined || stored === undefined) return stored as X | undefined
    const cell = stored as TtlValue<X>
    return isExpired(ttl, cell.time, this.runtime.now()) ? undefined : cell.value
  }

  protected write(value: X): void {
    this.table.put(this.namespace, this.ttl === undefined ? value : { value, time: this.runtime.now() })
  }
}

/** Reducing and aggregating state: a scalar whose values in several namespaces combine into one. */
abstract class MergingScalarHeapState<X> extends ScalarHeapState<X> implements InternalMergingState {
  /** See {@link InternalMergingState}; the namespace it is scoped to is left as it was. */
  mergeNamespaces(target: unknown, sources: readonly unknown[]): void {
    this.enter()
    const scoped = this.namespace
    let merged: X | undefined
    for (const source of sources) {
      this.namespace = source
      const value = this.current()
      this.table.remove(source)
      if (value !== undefined) merged = merged === undefined ? value : this.combine(merged, value)
    }
    this.namespace = target
    if (merged !== undefined) {
      const current = this.current()
      this.write(current === undefined ? merged : this.combine(current, merged))
    }
    this.namespace = scoped
  }

  /** Two values of this state as one, for `mergeNamespaces`. */
  protected abstract combine(a: X, b: X): X
}

/** @internal */
export class HeapValueState<T> extends ScalarHeapState<T> implements ValueState<T> {
  constructor(
    table: KvTable<T | TtlValue<T>>,
    private readonly d: ValueStateDescriptor<T>,
    runtime: StateRuntime
  ) {
    super(table, d, runtime)
  }

  // `value` and `update` run for nearly every record of a keyed function: the usual case (a key
  // current, no TTL, a valid value) takes a few loads and one table call, and everything else
  // the general path, so that V8 inlines the whole access into the function.

  value(): T | undefined {
    const value = this.keyContext.active && this.ttl === undefined ? (this.table.get(this.namespace) as T | undefined) : this.checkedRead()
    return value === undefined ? this.d.defaultValue : value
  }

  update(value: T): void {
    if (this.keyContext.active && this.ttl === undefined && value !== undefined && value !== null && (!this.validateWrites || this.d.codec.is(value))) {
      this.table.put(this.namespace, value)
      return
    }
    this.checkedUpdate(value)
  }

  private checkedRead(): T | undefined {
    this.enter()
    return this.read()
  }


  private checkedUpdate(value: T): void {
    this.enter()
    // Flink's update(null) clears the state.
    if (value === undefined || value === null) {
      this.table.remove(this.namespace)
      return
    }
    this.check(this.d.codec, value, 'value')
    this.write(value)
  }
}

/** @internal */
export class HeapReducingState<T> extends MergingScalarHeapState<T> implements ReducingState<T> {
  constructor(
    table: KvTable<T | TtlValue<T>>,
    private readonly d: ReducingStateDescriptor<T>,
    runtime: StateRuntime
  ) {
    super(table, d, runtime)
  }

  get(): T | undefined {
    this.enter()
    return this.read()
  }

  add(value: T): void {
    this.enter()
    const current = this.current()
    const reduced = current === undefined ? value : this.d.reduce(current, value)
    this.check(this.d.codec, reduced, 'value')
    this.write(reduced)
  }

  protected combine(a: T, b: T): T {
    const reduced = this.d.reduce(a, b)
    this.check(this.d.codec, reduced, 'value')
    return reduced
  }
}

/** @internal */
export class HeapAggregatingState<IN, ACC, OUT> extends MergingScalarHeapState<ACC> implements AggregatingState<IN, OUT> {
  constructor(
    table: KvTable<ACC | TtlValue<ACC>>,
    private readonly d: AggregatingStateDescriptor<IN, ACC, OUT>,
    runtime: StateRuntime
  ) {
    super(table, d, runtime)
  }

  get(): OUT | undefined {
    this.enter()
    const acc = this.read()
    return acc === undefined ? undefined : this.d.aggregate.getResult(acc)
  }

  add(value: IN): void {
    this.enter()
    const current = this.current()
    const acc = this.d.aggregate.add(value, current === undefined ? this.d.aggregate.createAccumulator() : current)
    this.check(this.d.codec, acc, 'accumulator')
    this.write(acc)
  }

  protected combine(a: ACC, b: ACC): ACC {
    const acc = this.d.aggregate.merge(a, b)
    this.check(this.d.codec, acc, 'accumulator')
    return acc
  }
}

/** @internal Elements, or (TTL) elements with their refresh times. */
export class HeapListState<T> extends HeapState<T[] | TtlValue<T>[]> implements ListState<T>, InternalMergingState {
  constructor(
    table: KvTable<T[] | TtlValue<T>[]>,
    private readonly d: ListStateDescriptor<T>,
    runtime: StateRuntime
  ) {
    super(table, d, runtime)
  }

  withoutExpired(stored: T[] | TtlValue<T>[], ttl: StateTtlConfig, now: number): T[] | TtlValue<T>[] | undefined {
    const cells = stored as TtlValue<T>[]
    if (!cells.some(cell => isExpired(ttl, cell.time, now))) return stored
    const kept = cells.filter(cell => !isExpired(ttl, cell.time, now))
    return kept.length === 0 ? undefined : kept
  }

  get(): readonly T[] {
    this.enter()
    const stored = this.table.get(this.namespace)
    if (stored === undefined) return []
    const ttl = this.ttl
    if (ttl === undefined) return (stored as T[]).slice()
    const cells = stored as TtlValue<T>[]
    const now = this.runtime.now()
    const returnExpired = ttl.visibility === 'ReturnExpiredIfNotCleanedUp'
    const values: T[] = []
    const kept: TtlValue<T>[] = []
    for (const cell of cells) {
      if (isExpired(ttl, cell.time, now)) {
        if (returnExpired) values.push(cell.value)
        continue
      }
      if (ttl.updateType === 'OnReadAndWrite') cell.time = now
      values.push(cell.value)
      kept.push(cell)
    }
    if (kept.length !== cells.length) this.table.put(this.namespace, kept.length === 0 ? undefined : kept)
    return values
  }

  add(value: T): void {
    // The usual case (a key current, no TTL) appends in place, without a one-element array.
    if (this.keyContext.active && this.ttl === undefined) {
      this.check(this.d.codec, value, 'list element')
      const current = this.table.get(this.namespace) as T[] | undefined
      if (current === undefined) this.table.put(this.namespace, [value])
      else current.push(value)
      return
    }
    this.enter()
    this.check(this.d.codec, value, 'list element')
    this.append([value])
  }

  addAll(values: Iterable<T>): void {
    this.enter()
    const added = this.validated(values)
    if (added.length > 0) this.append(added)
  }

  update(values: Iterable<T>): void {
    this.enter()
    // What the list holds was checked when it was written: a list written back without some of
    // its elements (a timer dropping what expired) checks only the elements it did not hold.
    const held = this.validateWrites && this.ttl === undefined ? (this.table.get(this.namespace) as T[] | undefined) : undefined
    const elements = this.validated(values, held)
    this.table.put(this.namespace, elements.length === 0 ? undefined : this.stored(elements))
  }

  /**
   * `values` as an array, each checked unless it is the next of `held` in order (by identity):
   * one walk over both, so a list written back in its own order checks nothing it held.
   */
  private validated(values: Iterable<T>, held?: readonly T[]): T[] {
    if (values === null || values === undefined || typeof (values as Partial<Iterable<T>>)[Symbol.iterator] !== 'function') {
      throw new StateError(this.runtime.info, this.d.name, `addAll/update need an iterable of elements, got ${describeValue(values)}`)
    }
    const elements = Array.from(values)
    if (!this.validateWrites) return elements
    const heldCount = held === undefined ? 0 : held.length
    let next = 0
    for (const element of elements) {
      while (next < heldCount && held![next] !== element) next++
      if (next < heldCount) next++
      else this.check(this.d.codec, element, 'list element')
    }
    return elements
  }

  private stored(elements: T[]): T[] | TtlValue<T>[] {
    if (this.ttl === undefined) return elements
    const now = this.runtime.now()
    return elements.map(value => ({ value, time: now }))
  }

  /** See {@link InternalMergingState}: the target's elements, then each source's in order. */
  mergeNamespaces(target: unknown, sources: readonly unknown[]): void {
    this.enter()
    const merged: Array<T | TtlValue<T>> = []
    for (const source of sources) {
      const stored = this.table.get(source)
      if (stored === undefined) continue
      this.table.remove(source)
      for (const element of stored) merged.push(element)
    }
    if (merged.length === 0) return
    const current = this.table.get(target)
    if (current === undefined) this.table.put(target, merged as T[] | TtlValue<T>[])
    else for (const element of merged) (current as Array<T | TtlValue<T>>).push(element)
  }

  private append(elements: T[]): void {
    const current = this.table.get(this.namespace)
    const added = this.stored(elements)
    if (current === undefined) this.table.put(this.namespace, added)
    else for (const element of added) (current as Array<T | TtlValue<T>>).push(element)
  }
}

/** @internal Entries by key id; with TTL each entry expires on its own. */
export class HeapMapState<UK, UV> extends HeapState<Map<unknown, MapEntry<UK, UV>>> implements MapState<UK, UV> {
  constructor(
    table: KvTable<Map<unknown, MapEntry<UK, UV>>>,
    private readonly d: MapStateDescriptor<UK, UV>,
    runtime: StateRuntime
  ) {
    super(table, d, runtime)
  }

  withoutExpired(stored: Map<unknown, MapEntry<UK, UV>>, ttl: StateTtlConfig, now: number): Map<unknown, MapEntry<UK, UV>> | undefined {
    for (const [id, entry] of stored) if (isExpired(ttl, entry.time, now)) stored.delete(id)
    return stored.size === 0 ? undefined : stored
  }

  get(key: UK): UV | undefined {
    this.enter()
    return this.readEntry(key)?.value
  }

  put(key: UK, value: UV): void {
    this.enter()
    this.putChecked(key, value)
  }

  putAll(entries: Iterable<readonly [UK, UV]>): void {
    this.enter()
    if (entries === null || entries === undefined || typeof (entries as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
      throw new StateError(this.runtime.info, this.d.name, `putAll needs an iterable of [key, value] pairs, got ${describeValue(entries)}`)
    }
    for (const [key, value] of entries) this.putChecked(key, value)
  }

  remove(key: UK): void {
    this.enter()
    const map = this.table.get(this.namespace)
    if (map === undefined) return
    map.delete(mapKeyId(key, this.d.keyCodec))
    if (map.size === 0) this.table.remove(this.namespace)
  }

  contains(key: UK): boolean {
    this.enter()
    return this.readEntry(key) !== undefined
  }

  entries(): Array<[UK, UV]> {
    return this.visible().map(entry => [entry.key, entry.value])
  }

  keys(): UK[] {
    return this.visible().map(entry => entry.key)
  }

  values(): UV[] {
    return this.visible().map(entry => entry.value)
  }

  isEmpty(): boolean {
    return this.visible().length === 0
  }

  private putChecked(key: UK, value: UV): void {
    this.check(this.d.keyCodec, key, 'map key')
    this.check(this.d.valueCodec, value, 'map value')
    const id = mapKeyId(key, this.d.keyCodec)
    const time = this.ttl === undefined ? 0 : this.runtime.now()
    let map = this.table.get(this.namespace)
    if (map === undefined) {
      map = new Map()
      this.table.put(this.namespace, map)
    }
    const entry = map.get(id)
    if (entry === undefined) map.set(id, { key, value, time })
    else {
      entry.value = value
      entry.time = time
    }
  }

  /** The entry of `key` if visible; expired entries are removed as they are read. */
  private readEntry(key: UK): MapEntry<UK, UV> | undefined {
    const map = this.table.get(this.namespace)
    if (map === undefined) return undefined
    const id = mapKeyId(key, this.d.keyCodec)
    const entry = map.get(id)
    const ttl = this.ttl
    if (entry === undefined || ttl === undefined) return entry
    const now = this.runtime.now()
    if (isExpired(ttl, entry.time, now)) {
      map.delete(id)
      if (map.size === 0) this.table.remove(this.namespace)
      return ttl.visibility === 'ReturnExpiredIfNotCleanedUp' ? entry : undefined
    }
    if (ttl.updateType === 'OnReadAndWrite') entry.time = now
    return entry
  }

  /** Every visible entry (a copy); expired ones are removed, returned once if visibility allows. */
  private visible(): MapEntry<UK, UV>[] {
    this.enter()
    const map = this.table.get(this.namespace)
    if (map === undefined) return []
    const ttl = this.ttl
    if (ttl === undefined) return Array.from(map.values())
    const now = this.runtime.now()
    const result: MapEntry<UK, UV>[] = []
    for (const [id, entry] of map) {
      if (isExpired(ttl, entry.time, now)) {
        map.delete(id)
        if (ttl.visibility === 'ReturnExpiredIfNotCleanedUp') result.push(entry)
        continue
      }
      if (ttl.updateType === 'OnReadAndWrite') entry.time = now
      result.push(entry)
    }
    if (map.size === 0) this.table.remove(this.namespace)
    return result
  }
}

/** @internal The state of `descriptor` over `table`: every backend's states are these, over its own table. */
export function createState(descriptor: StateDescriptor, table: KvTable<unknown>, runtime: StateRuntime): InternalKvState {
  switch (descriptor._tag) {
    case 'ValueStateDescriptor':
      return new HeapValueState(table as never, descriptor as ValueStateDescriptor<unknown>, runtime)
    case 'ListStateDescriptor':
      return new HeapListState(table as never, descriptor as ListStateDescriptor<unknown>, runtime)
    case 'MapStateDescriptor':
      return new HeapMapState(table as never, descriptor as MapStateDescriptor<unknown, unknown>, runtime)
    case 'ReducingStateDescriptor':
      return new HeapReducingState(table as never, descriptor as ReducingStateDescriptor<unknown>, runtime)
    case 'AggregatingStateDescriptor':
      return new HeapAggregatingState(table as never, descriptor as AggregatingStateDescriptor<unknown, unknown, unknown>, runtime)
  }
}
