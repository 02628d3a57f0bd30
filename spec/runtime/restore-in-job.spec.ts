/**
 * An operator snapshot is checked by the job that restores it (`restoreOperator`, with the
 * snapshot format's codec), so that operators used without a job never load io-ts: the
 * same verdicts as the codec's, and a clear error for an operator that belongs to no job.
 */
import { of } from 'rxjs'
import * as ds from '../../src/index'
import { operatorInfo } from '../../src/core/OperatorOptions'
import { oneInputOperator } from '../../src/runtime/host'
import { JobContext, runInJob } from '../../src/runtime/JobContext'
import type { ChainContext, ChainOutput } from '../../src/runtime/Output'
import { AbstractStreamOperator, type OneInput, type RestoredParts } from '../../src/runtime/StreamOperator'
import { restoreOperator } from '../../src/runtime/operatorSnapshot'

/** Passes records on and remembers what it was restored from. */
class Remembering extends AbstractStreamOperator<number, never> implements OneInput<number> {
  restored: RestoredParts | undefined = undefined

  constructor(output: ChainOutput<number, never>, context: ChainContext) {
    super(operatorInfo('remembering'), output, context)
  }

  record(value: number, timestamp: number): void {
    this.output.record(value, timestamp, undefined as never)
  }

  override restoreParts(parts: RestoredParts): void {
    this.restored = parts
  }
}

/** Subscribes a one-operator pipeline, in `job` if given, and returns its operator. */
function operatorOf(job?: JobContext): Remembering {
  let made: Remembering | undefined
  const pipeline = of(ds.streamRecord(1, 1)).pipe(
    oneInputOperator<number, number, never>(operatorInfo('remembering'), (output, context) => (made = new Remembering(output, context)))
  )
  const subscribe = (): void => void pipeline.subscribe()
  if (job === undefined) subscribe()
  else runInJob(job, subscribe)
  return made!
}

describe('restoring an operator snapshot', () => {
  const snapshot = { format: 'rx-datastream/operator', version: 1, kind: 'remembering', own: { seen: 3 } }

  it('is checked by the job the operator belongs to, with the snapshot format', () => {
    const operator = operatorOf(new JobContext())
    restoreOperator(operator, snapshot)
    expect(operator.restored).toEqual({ format: 'rx-datastream/operator', version: 1, kind: 'remembering', own: { seen: 3 } } as RestoredParts)
    expect(() => restoreOperator(operator, { format: 'something else' })).toThrowError(
      ds.StateError,
      /not an operator snapshot of this version: 0\.format: expected "rx-datastream\/operator", got "something else"/
    )
    expect(() => restoreOperator(operator, { ...snapshot, keyed: { format: 'rx-datastream/keyed-state' } })).toThrowError(
      ds.StateError,
      /not an operator snapshot of this version: 1\.keyed/
    )
  })

  it('is refused by an operator that belongs to no job', () => {
    const operator = operatorOf()
    expect(operator.barrierListener).toBeUndefined()
    expect(() => restoreOperator(operator, snapshot)).toThrowError(ds.StateError, /cannot restore: snapshots are restored by a job, and the operator belongs to none/)
  })
})
