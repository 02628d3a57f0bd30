/**
 * @internal
 * An operator's snapshot: the envelope (format, version, the operator's kind) around the parts
 * the operator writes (keyed state, timers, operator state, its own). Only a job takes and
 * restores snapshots, so only a job's code reaches this module: an operator used without one (a
 * plain `mapValues` in a page) loads neither the snapshot writer nor io-ts.
 */
import { StateError } from '../core/errors'
import { completeNow, type DeferredJson, deferredObject } from '../state/DeferredJson'
import { describeErrors, OperatorSnapshot } from '../state/snapshotFormat'
import type { AbstractStreamOperator, StateSnapshotContext } from './StreamOperator'

type Operator = AbstractStreamOperator<unknown, unknown>

/** @internal Everything `operator` remembers, as plain JSON data (a copy: later processing does not change it). */
export function snapshotOperator(operator: Operator, context: StateSnapshotContext): OperatorSnapshot {
  return JSON.parse(completeNow(snapshotOperatorDeferred(operator, context))) as OperatorSnapshot
}

/**
 * @internal
 * The same snapshot as JSON text, of the state as it is now, written in steps while the
 * operator goes on (a checkpoint's asynchronous part): what must be copied at once is copied
 * now, large keyed state is written key by key, copy-on-write.
 */
export function snapshotOperatorDeferred(operator: Operator, context: StateSnapshotContext): DeferredJson {
  return deferredObject({ format: 'rx-datastream/operator', version: 1, kind: operator.info.kind, ...operator.snapshotParts?.(context) })
}

/**
 * @internal
 * Puts `snapshot` (taken by an operator of the same kind) back into `operator`, before any
 * input: a snapshot that is not one of this version, or of another kind, is a `StateError`. The
 * operator must belong to a job, which restores snapshots.
 */
export function restoreOperator(operator: Operator, snapshot: unknown): void {
  const { info } = operator
  if (operator.barrierListener === undefined) throw new StateError(info, '*', 'cannot restore: snapshots are restored by a job, and the operator belongs to none')
  const decoded = OperatorSnapshot.decode(snapshot)
  if (decoded._tag === 'Left') throw new StateError(info, '*', `not an operator snapshot of this version: ${describeErrors(decoded.left)}`)
  const { kind } = decoded.right
  if (kind !== info.kind) throw new StateError(info, '*', `the snapshot was taken by a ${kind} operator, not a ${info.kind}`)
  operator.restoreParts?.(decoded.right)
}

/**
 * @internal
 * Whether `operator` puts state of its own into checkpoints (keyed state, timers, operator
 * state, a source's offset, its watermark, elements in flight), as the stream graph shows it.
 * Read from the class, not guessed from the kind: an operator with state is one whose class
 * writes snapshot parts; one whose state depends on how it was made (a sink) says so itself.
 */
export function isStateful(operator: Operator): boolean {
  return operator.stateful ?? operator.snapshotParts !== undefined
}
