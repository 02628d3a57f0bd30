/**
 * Combines the watermarks and idle statuses of several inputs into one output, exactly as
 * Flink's `StatusWatermarkValve` does for network channels, source splits and the inputs of
 * union, connect and join operators.
 *
 * Runtime machinery, not exported from the package root: `unionWith`, `connectWith` and the
 * joins apply it.
 *
 * @since 0.1.0
 */

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Receives what the valve decides to emit.
 *
 * @example
 * import * as ds from './WatermarkValve'
 *
 * const out: ds.ValveOutput = { emitWatermark: t => console.log('wm', t), emitStatus: idle => console.log('idle', idle) }
 *
 * @category time
 * @since 0.1.0
 * @internal
 */
export interface ValveOutput {
  emitWatermark(timestamp: number): void
  emitStatus(idle: boolean): void
}

interface InputStatus {
  watermark: number
  idle: boolean
  /** Counts toward the minimum: active, and caught up with the last output since it resumed. */
  aligned: boolean
}

/**
 * Output watermark = minimum over the active, aligned inputs, emitted only when it strictly
 * increases. Every input starts at `-Infinity`, so nothing is emitted until every active input
 * has reported. Per input, a watermark not above its last one is ignored. An idle input is
 * excluded; when all are idle the maximum over all inputs is flushed, then IDLE is emitted.
 * An input that becomes active again rejoins the minimum only once its watermark has caught up
 * with the last output. Watermarks arriving on an idle input, or while all are idle, are ignored.
 *
 * @example
 * import * as ds from './WatermarkValve'
 *
 * const emitted: number[] = []
 * const valve = new ds.StatusWatermarkValve(2, { emitWatermark: t => emitted.push(t), emitStatus: () => {} })
 * valve.inputWatermark(5, 0)   // nothing yet: input 1 has not reported
 * valve.inputWatermark(3, 1)   // emits 3
 * valve.inputStatus(true, 1)   // input 1 idle: emits 5
 * // emitted: [3, 5]
 *
 * @category time
 * @since 0.1.0
 * @internal
 */
export class StatusWatermarkValve {
  private readonly inputs: InputStatus[]
  private lastOutputWatermark = -Infinity
  private outputIdle = false
  /**
   * Every input counts toward the minimum and stands at the output watermark, as all do at the
   * start and as they stay while they are fed together (`allInputsWatermark`). Meanwhile the
   * inputs' own watermarks are not written: each is the output watermark, written back
   * (`unlevel`) before any input is fed alone.
   */
  private level = true

  constructor(
    numInputs: number,
    private readonly output: ValveOutput
  ) {
    if (!Number.isInteger(numInputs) || numInputs < 1) {
      throw new RangeError(`StatusWatermarkValve: numInputs must be a positive integer, got ${String(numInputs)}`)
    }
    this.inputs = Array.from({ length: numInputs }, () => ({ watermark: -Infinity, idle: false, aligned: true }))
  }

  /** The last watermark the valve emitted (`-Infinity` before the first). */
  get currentWatermark(): number {
    return this.lastOutputWatermark
  }

  /** Whether the valve's output is idle (every input is). */
  get idle(): boolean {
    return this.outputIdle
  }

  /** Feeds watermark `timestamp` of input `input` (0-based). */
  inputWatermark(timestamp: number, input: number): void {
    if (this.level) this.unlevel()
    const status = this.input(input)
    if (this.outputIdle || status.idle || !(timestamp > status.watermark)) return
    status.watermark = timestamp
    if (!status.aligned && timestamp >= this.lastOutputWatermark) status.aligned = true
    this.emitMinOfAligned()
  }

  /**
   * Whether every input counts toward the minimum and stands at the output watermark (nearly
   * always, when all of them come from one stream). Fed one watermark input after input (in any
   * order), such inputs would each take it, the minimum staying at the output until the last of
   * them and then rising to it: one emission, which `allInputsWatermark` makes at once.
   */
  standsLevel(): boolean {
    // Small enough for V8 to inline into the caller: the rest is out of line.
    return this.level || this.levelAgain()
  }

  /**
   * Feeds watermark `timestamp` to every input at once, inputs that stand level (see
   * `standsLevel`, which the caller asked first): returns whether the output watermark rose to
   * it, which the caller then hands on itself (the valve's output is not called).
   */
  allInputsWatermark(timestamp: number): boolean {
    if (!(timestamp > this.lastOutputWatermark)) return false
    this.lastOutputWatermark = timestamp
    return true
  }

  /** Whether the inputs stand level again (see `level`), which then holds. */
  private levelAgain(): boolean {
    const inputs = this.inputs
    const last = this.lastOutputWatermark
    // Aligned implies active (an idle input is never aligned), and so does the output.
    for (let i = 0; i < inputs.length; i++) {
      const s = inputs[i]!
      if (!s.aligned || s.watermark !== last) return false
    }
    this.level = true
    return true
  }

  /** An input is fed alone: each input's watermark is written back (see `level`). */
  private unlevel(): void {
    this.level = false
    const inputs = this.inputs
    for (let i = 0; i < inputs.length; i++) inputs[i]!.watermark = this.lastOutputWatermark
  }

  /** The number of inputs. */
  get numInputs(): number {
    return this.inputs.length
  }

  /** Feeds the idle (`true`) or active (`false`) status of input `input`. */
  inputStatus(idle: boolean, input: number): void {
    if (this.level) this.unlevel()
    const status = this.input(input)
    if (idle && !status.idle) {
      status.idle = true
      status.aligned = false
      if (this.inputs.every(s => s.idle)) {
        // Nothing will advance any more: flush the highest watermark over all inputs.
        if (status.watermark === this.lastOutputWatermark) this.emitMaxOfAll()
        this.outputIdle = true
        this.output.emitStatus(true)
      } else if (status.watermark === this.lastOutputWatermark) {
        this.emitMinOfAligned()
      }
    } else if (!idle && status.idle) {
      status.idle = false
      if (status.watermark >= this.lastOutputWatermark) status.aligned = true
      if (this.outputIdle) {
        this.outputIdle = false
        this.output.emitStatus(false)
      }
    }
  }

  private input(index: number): InputStatus {
    const status = this.inputs[index]
    if (status === undefined) {
      throw new RangeError(`StatusWatermarkValve: no input ${index} (it has ${this.inputs.length})`)
    }
    return status
  }

  private emitMinOfAligned(): void {
    // An indexed loop: a for-of's bytecode is several times larger, and this runs inside the
    // per-watermark path that V8 inlines into its caller within a budget of bytecode size.
    const inputs = this.inputs
    let min = Infinity
    let anyAligned = false
    for (let i = 0; i < inputs.length; i++) {
      const s = inputs[i]!
      if (!s.aligned) continue
      anyAligned = true
      if (s.watermark < min) min = s.watermark
    }
    if (anyAligned && min > this.lastOutputWatermark) {
      this.lastOutputWatermark = min
      this.output.emitWatermark(min)
    }
  }

  private emitMaxOfAll(): void {
    let max = -Infinity
    for (const s of this.inputs) if (s.watermark > max) max = s.watermark
    if (max > this.lastOutputWatermark) {
      this.lastOutputWatermark = max
      this.output.emitWatermark(max)
    }
  }
}
