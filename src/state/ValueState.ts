/**
 * @internal
 * Window-function state over plain maps, until the window operators move onto the heap
 * keyed-state backend.
 */
import type { ValueState } from './State'
import type { ValueStateDescriptor } from './StateDescriptor'

export type { ValueState } from './State'
export type { ValueStateDescriptor } from './StateDescriptor'

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
