/**
 * Value state: one value per scope (a key, or a key and a window), described by a named
 * descriptor with an io-ts codec, as Flink's `ValueStateDescriptor`. The codec is what
 * checkpoints encode and validate the value with.
 *
 * @since 0.1.0
 */
import type * as t from 'io-ts'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Names a value state and fixes its type and codec. Descriptors are identified by name.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const firings = ds.valueState('firings', t.number, 0)
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
}

/**
 * One value in the current scope.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const bump = (count: ds.ValueState<number>) => count.update((count.value() ?? 0) + 1)
 *
 * @category state
 * @since 0.1.0
 */
export interface ValueState<T> {
  /** The value, or the descriptor's default (else `undefined`) while empty. */
  value(): T | undefined
  update(value: T): void
  clear(): void
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Describes a value state.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const lastSeen = ds.valueState('lastSeen', t.number)
 * const label = ds.valueState('label', t.string, 'none')
 *
 * @category state
 * @since 0.1.0
 */
export function valueState<T>(name: string, codec: t.Type<T, unknown>, defaultValue?: T): ValueStateDescriptor<T> {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`valueState: the name must be a non-empty string, got ${String(name)}`)
  if (typeof codec !== 'object' || codec === null || typeof (codec as { is?: unknown }).is !== 'function') {
    throw new TypeError(`valueState "${name}": the codec must be an io-ts type, e.g. t.number`)
  }
  return { _tag: 'ValueStateDescriptor', name, codec, defaultValue }
}

/** @internal A value state over a `Map` of the scope's values, created on first write. */
export function valueStateIn<T>(descriptor: ValueStateDescriptor<T>, scope: () => Map<string, unknown>, existing: () => Map<string, unknown> | undefined): ValueState<T> {
  const name = descriptor.name
  return {
    value: () => {
      const map = existing()
      return map !== undefined && map.has(name) ? (map.get(name) as T) : descriptor.defaultValue
    },
    update: value => void scope().set(name, value),
    clear: () => void existing()?.delete(name)
  }
}
