/**
 * Every input of a multi-input operator fed one watermark in one call (`allInputsFrom`, what a
 * split's router uses for a run of its subscribers that is all the inputs of one operator):
 * what the operator sees must be what feeding the inputs one after another gives, also when the
 * inputs do not stand level (one was fed alone before, as a restored channel state does).
 */
import { operatorInfo } from '../../src/core/OperatorOptions'
import { chained } from '../../src/runtime/host'
import { allInputsFrom, multiInputOperator } from '../../src/runtime/multiInputOperator'
import type { ChainOutput } from '../../src/runtime/Output'
import { AbstractStreamOperator, type MultiInput, type WatermarkOutput } from '../../src/runtime/StreamOperator'

/** Logs the combined watermarks it is given. */
class WatermarkLog extends AbstractStreamOperator<never, never> implements MultiInput {
  readonly seen: number[] = []
  processRecord(): void {}
  override processWatermark(time: number): void {
    this.seen.push(time)
  }
}

/** A two-input operator whose inputs are held here, as a split's subscribers would hold them. */
function twoInputs(): { inputs: WatermarkOutput[]; operator: () => WatermarkLog } {
  const inputs: ChainOutput<unknown, unknown>[] = []
  const input = chained<unknown, unknown>(output => {
    inputs.push(output)
  })
  let operator: WatermarkLog | undefined
  input
    .pipe(
      multiInputOperator<unknown, never>(operatorInfo('watermark log'), [input], (output, context) => {
        operator = new WatermarkLog(operatorInfo('watermark log'), output, context)
        return operator
      })
    )
    .subscribe()
  return { inputs, operator: () => operator! }
}

describe('all inputs of a multi-input operator in one call', () => {
  it('is a run of every input of one operator, each once, in either order; nothing else is', () => {
    const { inputs } = twoInputs()
    const other = twoInputs().inputs
    expect(allInputsFrom(inputs, 0)?.size).toBe(2)
    expect(allInputsFrom([inputs[1]!, inputs[0]!], 0)?.size).toBe(2)
    expect(allInputsFrom([other[0]!, ...inputs], 1)?.size).toBe(2)
    expect(allInputsFrom([inputs[0]!, other[1]!], 0)).toBeUndefined()
    expect(allInputsFrom([inputs[0]!, inputs[0]!], 0)).toBeUndefined()
    expect(allInputsFrom([inputs[0]!], 0)).toBeUndefined()
    expect(allInputsFrom([other[0]!, inputs[0]!, inputs[1]!], 0)).toBeUndefined()
  })

  it('gives the operator what feeding the inputs in turn gives, level or not', () => {
    const together = twoInputs()
    const apart = twoInputs()
    const all = allInputsFrom(together.inputs, 0)!
    const both = (time: number): void => {
      all.watermark(time)
      for (const input of apart.inputs) input.watermark(time)
    }
    both(3)
    // The first input alone (as a restored channel state feeds it): not level any more.
    together.inputs[0]!.watermark(8)
    apart.inputs[0]!.watermark(8)
    both(5)
    both(7)
    both(9)
    both(10)
    both(10)
    both(4)
    expect(apart.operator().seen).toEqual([3, 5, 7, 9, 10])
    expect(together.operator().seen).toEqual(apart.operator().seen)
  })
})
