/**
 * @internal
 * The envelope of an operator snapshot: its format, version and the operator's kind around the
 * parts the operator writes (keyed state, timers, operator state, its own). Only a job takes and
 * restores snapshots, so only a job reaches this module (through `BarrierListener`): an operator
 * used without one (a plain `mapValues` in a page) loads neither the snapshot writer nor io-ts.
 */
import { StateError } from '../core/errors'
import type { OperatorInfo } from '../core/OperatorOptions'
import { type DeferredJson, deferredObject } from '../state/DeferredJson'
import { describeErrors, OperatorSnapshot } from '../state/snapshotFormat'
import type { RestoredParts, SnapshotParts } from './StreamOperator'

/** @internal The snapshot of `info`'s operator, of the parts it wrote, as JSON text written in steps. */
export function writeOperatorSnapshot(info: OperatorInfo, parts: SnapshotParts): DeferredJson {
  return deferredObject({ format: 'rx-datastream/operator', version: 1, kind: info.kind, ...parts })
}

/**
 * @internal
 * The parts of `snapshot` for `info`'s operator to read back: a snapshot that is not one of this
 * version, or was taken by an operator of another kind, is a `StateError`.
 */
export function readOperatorSnapshot(info: OperatorInfo, snapshot: unknown): RestoredParts {
  const decoded = OperatorSnapshot.decode(snapshot)
  if (decoded._tag === 'Left') throw new StateError(info, '*', `not an operator snapshot of this version: ${describeErrors(decoded.left)}`)
  const { kind } = decoded.right
  if (kind !== info.kind) throw new StateError(info, '*', `the snapshot was taken by a ${kind} operator, not a ${info.kind}`)
  return decoded.right
}
