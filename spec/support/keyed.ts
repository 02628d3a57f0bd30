/** Helpers shared by the keyed-state and keyed-process specs. */
import * as t from 'io-ts'
import { from, type OperatorFunction } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements, type CollectedElements, rec } from '../../marbles/index'
import type { KeyedStateBackend } from '../../src/state/KeyedStateBackend'
import { currentBackend } from './backends'

/** `options` with the state backend of the running suite (see `describeBackends`), unless they name one. */
export function keyedOptions<O extends ds.KeyedStateOptions>(options?: O): O & { readonly stateBackend: ds.StateBackend } {
  return { stateBackend: currentBackend(), ...(options as O) }
}

/** Runs `fn` synchronously over `input` and returns what came out. */
export function runKeyed<K extends ds.Key, In, Out>(
  fn: ds.KeyedProcessFunction<K, In, Out> | (() => ds.KeyedProcessFunction<K, In, Out>),
  input: ReadonlyArray<ds.StreamElement<In, K>>,
  options?: ds.KeyedStateOptions
): CollectedElements<Out, K> {
  // The element type is generic here, so the keyed-stream check cannot resolve: run it as is.
  const operator = ds.keyedProcess(fn, keyedOptions(options)) as unknown as OperatorFunction<ds.StreamElement<In, K>, ds.StreamElement<Out, K>>
  return collectElements(from(input).pipe(operator))
}

/**
 * Runs `fn` over keyed records `[key, value]` (timestamps 1, 2, …) and returns the values of
 * the main output; fails the spec if the stream errors.
 */
export function outputOf<In, Out>(
  fn: ds.KeyedProcessFunction<string, In, Out> | (() => ds.KeyedProcessFunction<string, In, Out>),
  input: ReadonlyArray<readonly [string, In]>,
  options?: ds.KeyedStateOptions
): Out[] {
  const out = runKeyed(
    fn,
    input.map(([key, value], i) => rec(value, i + 1, key)),
    options
  )
  if (out.error !== undefined) throw out.error
  expect(out.completed).toBeTrue()
  return mainValues(out)
}

/** The values of the main-output records, in order. */
export function mainValues<T, K>(out: CollectedElements<T, K> | ReadonlyArray<ds.StreamElement<T, K>>): T[] {
  const elements = Array.isArray(out) ? (out as ReadonlyArray<ds.StreamElement<T, K>>) : (out as CollectedElements<T, K>).elements
  const values: T[] = []
  for (const e of elements) if (e._tag === 'Record') values.push(e.value)
  return values
}

/** The error a run ended with, checked to be a `DataStreamError`. */
export function errorOf<T, K>(out: CollectedElements<T, K>): ds.DataStreamError {
  expect(out.completed).toBeFalse()
  expect(out.error).toBeInstanceOf(ds.DataStreamError)
  return out.error as ds.DataStreamError
}

/** A clock the specs move by hand. */
export interface ManualClock {
  now: number
}

/** A backend of keyed state on a hand-moved clock, as an operator would own one (of the running suite's kind). */
export function testBackend(
  clock: ManualClock = { now: 0 },
  options: { readonly maxParallelism?: number; readonly validateWrites?: boolean; readonly stateBackend?: ds.StateBackend } = {}
): KeyedStateBackend<ds.Key> {
  return (options.stateBackend ?? currentBackend()).createKeyedStateBackend<ds.Key>({
    info: { kind: 'keyedProcess', name: 'spec', uid: 'spec-v1' },
    now: () => clock.now,
    maxParallelism: options.maxParallelism,
    validateWrites: options.validateWrites ?? true
  })
}

/** Runs `fn` with `key` current, as a record of that key would. */
export function withKey<R>(backend: KeyedStateBackend<ds.Key>, key: ds.Key, fn: () => R): R {
  backend.keys.setCurrentKey(key)
  backend.keys.active = true
  try {
    return fn()
  } finally {
    backend.keys.active = false
  }
}

/** The keys that physically hold a value of `descriptor` (expired or not), in key-group order. */
export function storedKeys(backend: KeyedStateBackend<ds.Key>, descriptor: ds.StateDescriptor): ds.Key[] {
  const keys: ds.Key[] = []
  backend.applyToAllKeys(descriptor, key => keys.push(key))
  return keys
}

/**
 * The read commands of the map-state specs: emits what `op` reads of `state` (`get` and
 * `contains` of `key`, `keys`, `values`, `isEmpty`; anything else: `entries`).
 */
export function emitMapStateRead<UK, UV>(state: ds.MapState<UK, UV>, op: string, key: UK, out: ds.Collector<unknown>): void {
  switch (op) {
    case 'get':
      out.collect(state.get(key))
      return
    case 'contains':
      out.collect(state.contains(key))
      return
    case 'keys':
      out.collect(state.keys())
      return
    case 'values':
      out.collect(state.values())
      return
    case 'isEmpty':
      out.collect(state.isEmpty())
      return
    default:
      out.collect(state.entries())
  }
}

/** An aggregating state of the specs: the average of numbers, with a `[sum, count]` accumulator. */
export const averageState = ds.aggregatingState(
  'average',
  {
    createAccumulator: (): [number, number] => [0, 0],
    add: (v: number, [s, n]: [number, number]): [number, number] => [s + v, n + 1],
    getResult: ([s, n]: [number, number]) => s / n,
    merge: (a: [number, number], b: [number, number]): [number, number] => [a[0] + b[0], a[1] + b[1]]
  },
  t.tuple([t.number, t.number])
)
