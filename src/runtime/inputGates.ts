/**
 * @internal
 * What the host puts in front of each multi-input operator of a job (its checkpointed input
 * gate and its watermark valve), by operator, for the job's metrics to read between batches:
 * the elements an alignment holds, how long alignments take, the watermark the inputs combine
 * to. Kept beside the operators, not in them: an operator never sees its gate, and a pipeline
 * outside a job registers nothing.
 */
import type { StatusWatermarkValve } from '../core/WatermarkValve'
import type { CheckpointedInputGate } from './CheckpointedInputGate'
import type { AbstractStreamOperator } from './StreamOperator'

/** @internal The inputs of a multi-input operator, as the host made them. */
export interface OperatorInputs {
  readonly gate: CheckpointedInputGate
  readonly valve: StatusWatermarkValve
}

const inputs = new WeakMap<AbstractStreamOperator<unknown, unknown>, OperatorInputs>()

/** @internal Remembers the gate and valve of `operator` (of a job). */
export function registerInputs(operator: AbstractStreamOperator<unknown, unknown>, parts: OperatorInputs): void {
  inputs.set(operator, parts)
}

/** @internal The gate and valve of `operator`; none for a one-input operator or outside a job. */
export function inputsOf(operator: AbstractStreamOperator<unknown, unknown>): OperatorInputs | undefined {
  return inputs.get(operator)
}
