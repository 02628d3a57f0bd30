import fc from 'fast-check'
import { StatusWatermarkValve } from '../../src/core/WatermarkValve'

type Out = number | 'IDLE' | 'ACTIVE'

function valve(n: number): { v: StatusWatermarkValve; out: Out[] } {
  const out: Out[] = []
  const v = new StatusWatermarkValve(n, {
    emitWatermark: t => out.push(t),
    emitStatus: idle => out.push(idle ? 'IDLE' : 'ACTIVE')
  })
  return { v, out }
}

describe('StatusWatermarkValve', () => {
  it('emits nothing until every input has reported, then the minimum when it increases', () => {
    const { v, out } = valve(2)
    v.inputWatermark(10, 0)
    expect(out).toEqual([])
    v.inputWatermark(4, 1)
    v.inputWatermark(6, 1)
    v.inputWatermark(8, 0) // lower than input 0's last: ignored
    v.inputWatermark(20, 1)
    expect(out).toEqual([4, 6, 10])
    expect(v.currentWatermark).toBe(10)
  })

  it('excludes an idle input: the minimum of the others is emitted at once', () => {
    const { v, out } = valve(3)
    v.inputWatermark(5, 0)
    v.inputWatermark(9, 1)
    v.inputWatermark(3, 2)
    v.inputStatus(true, 2)
    expect(out).toEqual([3, 5])
    v.inputWatermark(50, 2) // watermarks on an idle input are ignored
    v.inputWatermark(12, 0)
    expect(out).toEqual([3, 5, 9])
  })

  it('flushes the maximum over all inputs when every input goes idle, then emits IDLE once', () => {
    const { v, out } = valve(2)
    v.inputWatermark(5, 0)
    v.inputWatermark(9, 1)
    v.inputStatus(true, 1) // last output 5 is input 0's; input 1 idle -> min over {0} = 5
    v.inputStatus(true, 0) // all idle: input 0's watermark is the last output -> flush max 9
    expect(out).toEqual([5, 9, 'IDLE'])
    v.inputStatus(true, 0) // no change of status: nothing
    v.inputWatermark(30, 0) // ignored while idle
    expect(out).toEqual([5, 9, 'IDLE'])
  })

  it('emits ACTIVE when an input resumes after all were idle', () => {
    const { v, out } = valve(2)
    v.inputStatus(true, 0)
    v.inputStatus(true, 1)
    v.inputStatus(false, 0)
    expect(out).toEqual(['IDLE', 'ACTIVE'])
  })

  it('lets a resumed input rejoin the minimum only once it has caught up with the last output', () => {
    const { v, out } = valve(2)
    v.inputWatermark(2, 0)
    v.inputWatermark(2, 1)
    v.inputStatus(true, 1) // idle with watermark 2
    v.inputWatermark(10, 0) // output 10
    v.inputStatus(false, 1) // active again but behind (2 < 10): not aligned
    v.inputWatermark(12, 0) // min over aligned {0} = 12
    v.inputWatermark(7, 1) // still behind: recorded, ignored
    v.inputWatermark(11, 1) // 11 < 12: still behind
    v.inputWatermark(13, 0) // min over aligned {0} = 13
    v.inputWatermark(14, 1) // caught up (14 >= 13): aligned, min(13, 14) = 13, no change
    v.inputWatermark(20, 0) // min(20, 14) = 14
    expect(out).toEqual([2, 10, 12, 13, 14])
  })

  it('rejects a bad number of inputs and an unknown input', () => {
    expect(() => valve(0)).toThrowError(RangeError, /numInputs/)
    const { v } = valve(1)
    expect(() => v.inputWatermark(1, 3)).toThrowError(RangeError, /no input 3/)
  })

  describe('fed every input at once (allInputsWatermark)', () => {
    type Op = { kind: 'all'; time: number } | { kind: 'one'; input: number; time: number } | { kind: 'status'; input: number; idle: boolean }
    const opArb = (n: number): fc.Arbitrary<Op> =>
      fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: -3, max: 30 }).map((time): Op => ({ kind: 'all', time })) },
        { weight: 2, arbitrary: fc.record({ input: fc.integer({ min: 0, max: n - 1 }), time: fc.integer({ min: -3, max: 30 }) }).map((o): Op => ({ kind: 'one', ...o })) },
        { weight: 1, arbitrary: fc.record({ input: fc.integer({ min: 0, max: n - 1 }), idle: fc.boolean() }).map((o): Op => ({ kind: 'status', ...o })) }
      )
    const scriptArb = fc.integer({ min: 1, max: 4 }).chain(n => fc.tuple(fc.constant(n), fc.array(opArb(n), { maxLength: 40 })))

    it('emits exactly what feeding the inputs one after another emits, in every state (level or not)', () => {
      fc.assert(
        fc.property(scriptArb, ([n, ops]) => {
          const together = valve(n)
          const apart = valve(n)
          for (const op of ops) {
            if (op.kind === 'all') {
              // Level: the caller hands on what rose; otherwise it feeds the inputs in turn, as the split does.
              if (together.v.standsLevel()) {
                if (together.v.allInputsWatermark(op.time)) together.out.push(op.time)
              } else for (let i = 0; i < n; i++) together.v.inputWatermark(op.time, i)
              for (let i = 0; i < n; i++) apart.v.inputWatermark(op.time, i)
            } else if (op.kind === 'one') {
              together.v.inputWatermark(op.time, op.input)
              apart.v.inputWatermark(op.time, op.input)
            } else {
              together.v.inputStatus(op.idle, op.input)
              apart.v.inputStatus(op.idle, op.input)
            }
            expect(together.out).toEqual(apart.out)
            expect(together.v.currentWatermark).toBe(apart.v.currentWatermark)
          }
        }),
        { numRuns: 500 }
      )
    })

    it('does not stand level while an input is idle or has not caught up, and again once they have', () => {
      const { v, out } = valve(2)
      expect(v.standsLevel()).toBe(true)
      expect(v.allInputsWatermark(5)).toBe(true) // the caller hands 5 on
      v.inputStatus(true, 1) // input 1 idle
      expect(v.standsLevel()).toBe(false)
      v.inputWatermark(7, 0)
      v.inputStatus(false, 1) // active again, at 5: behind the output's 7, not counted
      expect(v.standsLevel()).toBe(false)
      v.inputWatermark(8, 0)
      v.inputWatermark(8, 1) // caught up: level at 8
      expect(v.standsLevel()).toBe(true)
      expect(v.allInputsWatermark(9)).toBe(true)
      expect(v.allInputsWatermark(9)).toBe(false) // not above the output: nothing to hand on
      expect(v.currentWatermark).toBe(9)
      expect(out).toEqual([7, 8])
    })
  })
})

