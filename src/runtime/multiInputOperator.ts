/**
 * @internal
 * The adapter of operators with several inputs (unions, connected streams, joins): each input's
 * chain runs into one operator through its checkpointed input gate, and the watermarks and
 * statuses of the inputs are combined by a valve (./host.ts has the one-input adapters).
 */
import type { Observable, OperatorFunction } from 'rxjs'
import { messageOf } from '../core/errors'
import type { OperatorInfo } from '../core/OperatorOptions'
import { ACTIVE, cancelCheckpointMarker, type CheckpointBarrier, IDLE, type SideRecord, type StreamElement, streamRecord } from '../core/StreamElement'
import { StatusWatermarkValve } from '../core/WatermarkValve'
import { decodeChannelState, encodeChannelState } from './channelState'
import { CheckpointedInputGate, type GateOptions, type GateOutput, type InputElement } from './CheckpointedInputGate'
import { asStreamError, type Chain, chained, chainOf, counted, start } from './host'
import { registerInputs } from './inputGates'
import { currentJob, type Downstream, type OperatorInput } from './JobContext'
import { type ChainContext, type ChainOutput, type ControlElement, watermarkElement } from './Output'
import type { AbstractStreamOperator, MultiInput, WatermarkOutput } from './StreamOperator'

/**
 * @internal
 * The adapter of every operator with several inputs: input 0 is the piped source, inputs
 * 1..n are `others`; each input's chain (when it has one) runs into the operator. Records go
 * to `processRecord(input, …)`; watermarks and statuses are combined by a
 * `StatusWatermarkValve` (FLINK_SEMANTICS §2) and reach the operator's hooks once combined;
 * side records are forwarded as they come; barriers and cancellation markers go through the
 * operator's checkpointed input gate (aligned, unaligned or at-least-once, ./CheckpointedInputGate.ts),
 * which every element of an input passes while an alignment is under way. An input that ends counts as reaching the end of event time; the operator
 * finishes when every input has ended. Its output can be chained onto.
 */
export function multiInputOperator<In, Out, K = never>(
  info: OperatorInfo,
  others: readonly Observable<StreamElement<unknown, unknown>>[],
  create: (output: ChainOutput<Out, K>, context: ChainContext) => AbstractStreamOperator<Out, K> & MultiInput
): OperatorFunction<StreamElement<In, unknown>, StreamElement<Out, K>> {
  return source => {
    const inputs = [chainOf(source, info), ...others.map(o => chainOf(o, info))] as Chain<unknown, unknown>[]
    return chained<Out, K>((output, context) => {
      const operator = start(info, create, output, context, inputs.length)
      if (operator === undefined) return
      const valve = new StatusWatermarkValve(inputs.length, {
        emitWatermark: t => {
          try {
            operator.processWatermark(t)
          } catch (error) {
            // It may come from an input's end: a failure still names the watermark.
            throw asStreamError(info, error, watermarkElement(t))
          }
        },
        emitStatus: idle => operator.processStatus(idle ? IDLE : ACTIVE)
      })
      const job = currentJob()
      const gate = new CheckpointedInputGate(inputs.length, new GateInto(operator, valve, inputs.length, output), job?.gate ?? gateOptions(info))
      // The job's metrics read what the inputs hold and where their watermarks stand.
      if (job !== undefined) registerInputs(operator as AbstractStreamOperator<unknown, unknown>, { gate, valve })
      // An unaligned checkpoint restored: what was in flight into the operator goes first.
      const inFlight = job?.channelStateOf(operator as AbstractStreamOperator<unknown, unknown>)
      if (inFlight !== undefined && !replayChannelState(gate, inFlight, operator, output, context)) return
      // Input 0 (the piped source) is subscribed first, as `mergeWith` does; a synchronous input
      // is thus delivered whole before the next starts, which the valve handles: it only waits
      // for every input's watermark, it buffers nothing.
      for (let i = 0; i < inputs.length && !context.destination.closed; i++) {
        inputs[i]!(counted(new InputOf(i, operator, gate, valve, output, context), operator), context)
      }
      context.teardown.add(() => operator.close())
    })
  }
}

/** Barriers of multi-input operators outside a checkpointed job: aligned, exactly-once, unless the operator's options say otherwise. */
const EXACTLY_ONCE: GateOptions = { mode: 'exactly-once' }
const AT_LEAST_ONCE: GateOptions = { mode: 'at-least-once' }
const gateOptions = (info: OperatorInfo): GateOptions => (info.checkpointingMode === 'at-least-once' ? AT_LEAST_ONCE : EXACTLY_ONCE)

/**
 * What a multi-input operator's gate lets through: records to the operator, watermarks and
 * statuses through the valve; checkpoints triggered (the operator snapshots, the barrier goes
 * on) or aborted (a cancellation marker goes on, so that operators after it stop aligning).
 */
class GateInto<Out, K> implements GateOutput {
  private open: number

  constructor(
    private readonly operator: AbstractStreamOperator<Out, K> & MultiInput,
    private readonly valve: StatusWatermarkValve,
    inputs: number,
    private readonly output: ChainOutput<Out, K>
  ) {
    this.open = inputs
  }

  record(input: number, value: unknown, timestamp: number, key: unknown): void {
    this.operator.processRecord(input, value, timestamp, key)
  }

  watermark(input: number, timestamp: number): void {
    this.valve.inputWatermark(timestamp, input)
  }

  status(input: number, idle: boolean): void {
    this.valve.inputStatus(idle, input)
  }

  side(_input: number, element: SideRecord<unknown>): void {
    this.output.element(element)
  }

  end(input: number): void {
    const { operator, valve } = this
    valve.inputStatus(false, input)
    valve.inputWatermark(Infinity, input)
    operator.endInput(input)
    if (--this.open > 0) return
    operator.ended = true
    operator.finish()
    this.output.complete()
    const ended = operator as AbstractStreamOperator<unknown, unknown>
    ended.barrierListener?.inputEnded(ended)
  }

  triggerCheckpoint(barrier: CheckpointBarrier, unaligned: boolean): void {
    const operator = this.operator as AbstractStreamOperator<unknown, unknown>
    if (unaligned) operator.barrierListener?.awaitChannelState(operator, barrier.checkpointId)
    this.operator.processBarrier(barrier)
  }

  channelStateComplete(checkpointId: number, inFlight: readonly InputElement[]): void {
    const operator = this.operator as AbstractStreamOperator<unknown, unknown>
    const listener = operator.barrierListener
    if (listener === undefined) return
    let encoded: unknown[]
    try {
      encoded = encodeChannelState(inFlight)
    } catch (error) {
      return listener.declined(operator, checkpointId, messageOf(error))
    }
    listener.channelState(operator, checkpointId, encoded)
  }

  abortCheckpoint(checkpointId: number, reason: string): void {
    const operator = this.operator as AbstractStreamOperator<unknown, unknown>
    operator.barrierListener?.declined(operator, checkpointId, reason)
    this.output.element(cancelCheckpointMarker(checkpointId))
  }

  holding(held: boolean): void {
    const operator = this.operator as AbstractStreamOperator<unknown, unknown>
    operator.barrierListener?.aligning(operator, held)
  }
}

/** Feeds a restored channel state into the gate; false if it failed (reported). */
function replayChannelState<Out, K>(gate: CheckpointedInputGate, encoded: readonly unknown[], operator: AbstractStreamOperator<Out, K>, output: ChainOutput<Out, K>, context: ChainContext): boolean {
  try {
    for (const e of decodeChannelState(operator.info, encoded)) {
      switch (e.kind) {
        case 'record':
          gate.record(e.input, e.value, e.timestamp, e.key)
          break
        case 'watermark':
          gate.watermark(e.input, e.timestamp)
          break
        case 'status':
          gate.status(e.input, e.idle)
          break
        case 'side':
          gate.side(e.input, e.element)
          break
      }
    }
    return true
  } catch (error) {
    context.fail(output, operator.info, error)
    return false
  }
}

/** One input of a multi-input operator: everything it delivers goes through the operator's gate. */
class InputOf<Out, K> implements ChainOutput<unknown, unknown>, OperatorInput {
  readonly downstream: Downstream

  constructor(
    readonly input: number,
    readonly operator: AbstractStreamOperator<Out, K> & MultiInput,
    readonly gate: CheckpointedInputGate,
    readonly valve: StatusWatermarkValve,
    readonly output: ChainOutput<Out, K>,
    readonly context: ChainContext
  ) {
    this.downstream = { operator: operator as AbstractStreamOperator<unknown, unknown>, input, chained: false }
  }

  record(value: unknown, timestamp: number, key: unknown): void {
    if (this.context.destination.closed) return
    try {
      // No alignment under way (nearly always): straight to the operator, as the gate would.
      if (this.gate.watching) this.gate.record(this.input, value, timestamp, key)
      else this.operator.processRecord(this.input, value, timestamp, key)
    } catch (error) {
      this.context.fail(this.output, this.operator.info, error, streamRecord(value, timestamp, key))
    }
  }

  watermark(time: number): void {
    if (this.context.destination.closed) return
    try {
      // No alignment under way (nearly always): straight to the valve, as the gate would.
      if (this.gate.watching) this.gate.watermark(this.input, time)
      else this.valve.inputWatermark(time, this.input)
    } catch (error) {
      this.context.fail(this.output, this.operator.info, error, watermarkElement(time))
    }
  }

  element(element: ControlElement): void {
    if (this.context.destination.closed) return
    try {
      switch (element._tag) {
        case 'Watermark':
          this.gate.watermark(this.input, element.timestamp)
          return
        case 'StreamStatus':
          this.gate.status(this.input, element.idle)
          return
        case 'CheckpointBarrier':
          this.gate.barrier(this.input, element)
          return
        case 'CancelCheckpointMarker':
          this.gate.cancel(this.input, element.checkpointId)
          return
        case 'SideRecord':
          this.gate.side(this.input, element)
      }
    } catch (error) {
      this.context.fail(this.output, this.operator.info, error, element)
    }
  }

  complete(): void {
    if (this.context.destination.closed) return
    try {
      this.gate.end(this.input)
    } catch (error) {
      this.context.fail(this.output, this.operator.info, error)
    }
  }

  error(error: unknown): void {
    if (this.context.destination.closed) return
    // Release every input, then pass the error on.
    this.context.teardown.unsubscribe()
    this.output.error(error)
  }
}

/**
 * @internal
 * The inputs of one multi-input operator at `targets[start]` and after it, when that is where
 * the next watermark targets lead (a split's outputs into a join or a connect, with only
 * operators that forward watermarks between): every input of the operator, each once, one after
 * another. A split writing each watermark to all of them in turn then writes it once, to the
 * result. Undefined when `targets[start]` is no such run.
 */
export function allInputsFrom(targets: readonly WatermarkOutput[], start: number): AllInputs | undefined {
  const first = targets[start]
  if (!(first instanceof InputOf)) return undefined
  const count = first.valve.numInputs
  if (count < 2 || start + count > targets.length) return undefined
  const inputs: InputOf<unknown, unknown>[] = []
  for (let i = start; i < start + count; i++) {
    const target = targets[i]
    if (!(target instanceof InputOf) || target.valve !== first.valve || inputs.some(input => input.input === target.input)) return undefined
    inputs.push(target as InputOf<unknown, unknown>)
  }
  return new AllInputs(inputs)
}

/**
 * @internal
 * Every input of one multi-input operator, fed the same watermark one after another: one call
 * for all of them (see `allInputsFrom`). Where the inputs stand level the valve takes it for
 * all at once (`allInputsWatermark`) and a watermark that rose goes from here to the operator,
 * as the valve's output would hand it on; otherwise, and while an alignment holds input back,
 * each input takes it in turn, exactly as separate calls would have.
 */
export class AllInputs implements WatermarkOutput {
  private readonly context: ChainContext
  private readonly gate: CheckpointedInputGate
  private readonly valve: StatusWatermarkValve
  private readonly operator: AbstractStreamOperator<unknown, unknown>

  constructor(private readonly inputs: readonly InputOf<unknown, unknown>[]) {
    const { context, gate, valve, operator } = inputs[0]!
    this.context = context
    this.gate = gate
    this.valve = valve
    this.operator = operator as AbstractStreamOperator<unknown, unknown>
  }

  /** How many targets of the run it stands for. */
  get size(): number {
    return this.inputs.length
  }

  watermark(time: number): void {
    if (this.context.destination.closed) return
    const valve = this.valve
    if (!this.gate.watching && valve.standsLevel()) {
      if (!valve.allInputsWatermark(time)) return
      // The valve's emission (see `ValveOutput`), made here: one call less on the way.
      try {
        this.operator.processWatermark(time)
      } catch (error) {
        this.fail(error, time)
      }
      return
    }
    // Not level, or an alignment under way: input after input, as the split would.
    const inputs = this.inputs
    for (let i = 0; i < inputs.length; i++) inputs[i]!.watermark(time)
  }

  /** The operator failed on watermark `time` (out of line: `watermark` stays small). */
  private fail(error: unknown, time: number): void {
    this.context.fail(this.inputs[0]!.output, this.operator.info, error, watermarkElement(time))
  }
}
