import * as ds from '../../src/index'

function recorder(): { output: ds.WatermarkOutput; seen: (number | string)[] } {
  const seen: (number | string)[] = []
  return {
    seen,
    output: { emitWatermark: t => seen.push(t), markIdle: () => seen.push('IDLE'), markActive: () => seen.push('ACTIVE') }
  }
}
const ctx = (now: () => number = () => 0): ds.WatermarkGeneratorContext => ({ operatorName: 't', currentProcessingTime: now })

describe('WatermarkStrategy', () => {
  it('forBoundedOutOfOrderness emits max − B − 1, and -Infinity before any event', () => {
    const gen = ds.WatermarkStrategy.forBoundedOutOfOrderness<number>(100).createWatermarkGenerator(ctx())
    const { output, seen } = recorder()
    gen.onPeriodicEmit(output)
    gen.onEvent(0, 1_000, output)
    gen.onEvent(0, 900, output) // lower timestamps never lower the watermark
    gen.onPeriodicEmit(output)
    gen.onEvent(0, -5_000, output)
    gen.onPeriodicEmit(output)
    expect(seen).toEqual([-Infinity, 899, 899])
  })

  it('handles negative timestamps', () => {
    const gen = ds.WatermarkStrategy.forBoundedOutOfOrderness<number>(10).createWatermarkGenerator(ctx())
    const { output, seen } = recorder()
    gen.onEvent(0, -100, output)
    gen.onPeriodicEmit(output)
    expect(seen).toEqual([-111])
  })

  it('forMonotonousTimestamps emits max − 1', () => {
    const gen = ds.WatermarkStrategy.forMonotonousTimestamps<number>().createWatermarkGenerator(ctx())
    const { output, seen } = recorder()
    gen.onEvent(0, 50, output)
    gen.onPeriodicEmit(output)
    expect(seen).toEqual([49])
  })

  it('noWatermarks never emits', () => {
    const gen = ds.WatermarkStrategy.noWatermarks<number>().createWatermarkGenerator(ctx())
    const { output, seen } = recorder()
    gen.onEvent(0, 50, output)
    gen.onPeriodicEmit(output)
    expect(seen).toEqual([])
    expect(ds.WatermarkStrategy.noWatermarks<number>().emitsWatermarks).toBeFalse()
  })

  it('forGenerator uses the factory once per generator, with the context', () => {
    let created = 0
    const strategy = ds.WatermarkStrategy.forGenerator<{ ts: number }>(c => {
      created++
      return { onEvent: (e, ts, out) => out.emitWatermark(ts + c.currentProcessingTime()), onPeriodicEmit: () => undefined }
    })
    const gen = strategy.createWatermarkGenerator(ctx(() => 1))
    const { output, seen } = recorder()
    gen.onEvent({ ts: 5 }, 5, output)
    expect(seen).toEqual([6])
    strategy.createWatermarkGenerator(ctx())
    expect(created).toBe(2)
  })

  it('is immutable: refinements return new strategies', () => {
    const base = ds.WatermarkStrategy.forMonotonousTimestamps<{ ts: number }>()
    const withAssigner = base.withTimestampAssigner(e => e.ts)
    expect(base.timestampAssigner).toBeUndefined()
    expect(withAssigner.timestampAssigner!({ ts: 3 }, -Infinity)).toBe(3)
    expect(withAssigner.withIdleness(5).idleTimeout).toBe(5)
    expect(withAssigner.idleTimeout).toBeUndefined()
  })

  it('withIdleness: the first quiet tick starts the countdown, a tick more than the timeout later marks idle', () => {
    let now = 0
    const gen = ds.WatermarkStrategy.forMonotonousTimestamps<number>().withIdleness(1_000).createWatermarkGenerator(ctx(() => now))
    const { output, seen } = recorder()
    gen.onEvent(0, 10, output)
    gen.onPeriodicEmit(output) // activity since last check: emits 9
    now = 200
    gen.onPeriodicEmit(output) // quiet: countdown starts at 200, emits 9 again
    now = 1_200
    gen.onPeriodicEmit(output) // exactly 1000 later: not more than the timeout
    now = 1_201
    gen.onPeriodicEmit(output) // idle
    gen.onEvent(0, 20, output)
    gen.onPeriodicEmit(output) // active again through the generator
    expect(seen).toEqual([9, 9, 9, 'IDLE', 19])
  })

  it('rejects bad configuration with a clear error', () => {
    expect(() => ds.WatermarkStrategy.forBoundedOutOfOrderness(-1)).toThrowError(RangeError, /maxOutOfOrderness.*-1/)
    expect(() => ds.WatermarkStrategy.forBoundedOutOfOrderness(NaN)).toThrowError(RangeError, /NaN/)
    expect(() => ds.WatermarkStrategy.forMonotonousTimestamps().withIdleness(0)).toThrowError(RangeError, /idleTimeout/)
    expect(() => ds.WatermarkStrategy.forMonotonousTimestamps().withTimestampAssigner(3 as never)).toThrowError(TypeError)
    expect(() => ds.WatermarkStrategy.forGenerator(undefined as never)).toThrowError(TypeError)
  })
})
