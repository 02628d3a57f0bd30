/**
 * @internal
 * The state backend of a keyed operator whose own option and job name none: the heap's, or the
 * one set here. The specs set it to run one suite of window and join specs on every backend
 * without naming a backend in each operator (`describeBackends` in spec/support/backends.ts),
 * as Flink's configured default backend applies to every job that sets none.
 */
import { heapStateBackend, type StateBackend } from './StateBackend'

let configured: StateBackend | undefined = undefined

/** @internal The backend of an operator and job that name none. */
export function defaultStateBackend(): StateBackend {
  return configured ?? heapStateBackend()
}

/** @internal Sets the backend {@link defaultStateBackend} returns; `undefined`: the heap's again. */
export function setDefaultStateBackend(backend: StateBackend | undefined): void {
  configured = backend
}
