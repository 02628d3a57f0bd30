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

  describe('withClockAdvance', () => {
    const advancing = (bound: number, timeout: number, options?: ds.ClockAdvanceOptions) =>
      ds.WatermarkStrategy.forBoundedOutOfOrderness<number>(bound).withTimestampAssigner(ts => ts).withClockAdvance(timeout, options)

    it('after no record for the timeout, moves the generator watermark on at the speed of the clock', () => {
      let now = 0
      const gen = advancing(100, 1_000).createWatermarkGenerator(ctx(() => now))
      const { output, seen } = recorder()
      gen.onEvent(0, 5_000, output)
      gen.onPeriodicEmit(output) // 4899, reached at 0
      now = 999
      gen.onPeriodicEmit(output) // quiet for 999 < 1000: the generator alone
      now = 1_000
      gen.onPeriodicEmit(output) // quiet for 1000: the generator's 4899 again, then 4899 + 1000
      now = 1_500
      gen.onPeriodicEmit(output)
      expect(seen).toEqual([4_899, 4_899, 4_899, 5_899, 4_899, 6_399])
    })

    it('counts from the last record, and from the time the generator first reached its watermark', () => {
      let now = 0
      const gen = advancing(0, 100).createWatermarkGenerator(ctx(() => now))
      const { output, seen } = recorder()
      gen.onEvent(0, 10, output)
      now = 50
      gen.onPeriodicEmit(output) // 9, reached at 50
      now = 90
      gen.onEvent(0, 5, output) // does not raise the watermark, but the stream is not quiet
      now = 180
      gen.onPeriodicEmit(output) // quiet for 90
      now = 190
      gen.onPeriodicEmit(output) // quiet for 100: 9 + (190 − 50)
      expect(seen).toEqual([9, 9, 9, 149])
    })

    it('stays maxLag behind', () => {
      let now = 0
      const gen = advancing(0, 10, { maxLag: 30 }).createWatermarkGenerator(ctx(() => now))
      const { output, seen } = recorder()
      gen.onEvent(0, 100, output)
      gen.onPeriodicEmit(output)
      now = 50
      gen.onPeriodicEmit(output)
      expect(seen).toEqual([99, 99, 99 + 50 - 30])
    })

    it('moves nothing before the generator has emitted a watermark, and counts the quiet time from creation', () => {
      let now = 0
      let emitted = false
      const strategy = ds.WatermarkStrategy.forGenerator<number>(() => ({
        onEvent: () => {},
        onPeriodicEmit: out => {
          if (emitted) out.emitWatermark(40)
        }
      })).withTimestampAssigner(ts => ts).withClockAdvance(10)
      const gen = strategy.createWatermarkGenerator(ctx(() => now))
      const { output, seen } = recorder()
      now = 20
      gen.onPeriodicEmit(output) // quiet, but no watermark to move on
      emitted = true
      now = 25
      gen.onPeriodicEmit(output) // 40, reached now: 40 + 0
      now = 32
      gen.onPeriodicEmit(output)
      expect(seen).toEqual([40, 40, 40, 47])
    })

    it('does not push a generator that already follows processing time any further', () => {
      let now = 0
      const timeLag = ds.WatermarkStrategy.forGenerator<number>(c => ({
        onEvent: () => {},
        onPeriodicEmit: out => out.emitWatermark(c.currentProcessingTime() - 500)
      })).withTimestampAssigner(ts => ts).withClockAdvance(100)
      const gen = timeLag.createWatermarkGenerator(ctx(() => now))
      const { output, seen } = recorder()
      for (const t of [200, 400]) {
        now = t
        gen.onPeriodicEmit(output)
      }
      expect(seen).toEqual([-300, -300, -100, -100])
    })

    it('with withIdleness: the stream may turn idle first; while the clock moves the watermark, idleness is held back', () => {
      let now = 0
      const gen = advancing(0, 1_000).withIdleness(200).createWatermarkGenerator(ctx(() => now))
      const { output, seen } = recorder()
      gen.onEvent(0, 50, output)
      for (const t of [100, 200, 500, 1_000, 1_100]) {
        now = t
        gen.onPeriodicEmit(output)
      }
      gen.onEvent(0, 2_000, output)
      now = 1_200
      gen.onPeriodicEmit(output) // records resume: the generator again, not idle
      // 100: 49 (reached at 100); 200: quiet, the countdown starts; 500: idle;
      // 1000: quiet for 1000: idleness held, 49 + 900; 1100: 49 + 1000
      expect(seen).toEqual([49, 49, 'IDLE', 949, 1_049, 1_999])
    })

    it('still reports idleness while there is no watermark to move on', () => {
      let now = 0
      const gen = advancing(0, 10).withIdleness(5).createWatermarkGenerator(ctx(() => now))
      const { output, seen } = recorder()
      for (const t of [10, 20]) {
        now = t
        gen.onPeriodicEmit(output)
      }
      expect(seen).toEqual([-Infinity, 'IDLE'])
    })

    it('snapshots how long ago the last record came and the watermark was reached, and a restore goes on from there', () => {
      let now = 1_000
      const strategy = advancing(0, 100)
      const before = strategy.createWatermarkGenerator(ctx(() => now))
      const { output } = recorder()
      before.onEvent(0, 70, output)
      now = 1_010
      before.onPeriodicEmit(output) // 69 at 1010
      now = 1_050
      const saved = JSON.parse(JSON.stringify(before.snapshotState!())) as unknown
      expect(saved).toEqual({ quietFor: 50, watermark: 69, watermarkAge: 40, generator: { maxTimestamp: 70 } })

      now = 0 // another clock, or a job that was down meanwhile: neither is counted
      const after = strategy.createWatermarkGenerator(ctx(() => now))
      after.restoreState!(saved)
      const { output: out2, seen } = recorder()
      now = 49
      after.onPeriodicEmit(out2) // quiet for 99
      now = 50
      after.onPeriodicEmit(out2) // quiet for 100: 69 + 40 + 50
      expect(seen).toEqual([69, 69, 159])
    })

    it('refuses a state it did not write', () => {
      const gen = advancing(0, 100).createWatermarkGenerator(ctx())
      expect(() => gen.restoreState!({ quietFor: 'long', watermark: null, watermarkAge: null })).toThrowError(TypeError, /withClockAdvance: cannot restore .*quietFor: a finite number/)
      expect(() => gen.restoreState!({ quietFor: 1, watermark: 5, watermarkAge: null })).toThrowError(TypeError, /both finite numbers or both null/)
    })

    it('is kept by later refinements and leaves the strategy it refines unchanged', () => {
      const base = ds.WatermarkStrategy.forMonotonousTimestamps<{ ts: number }>()
      const advanced = base.withClockAdvance(5_000, { maxLag: 10 })
      expect(base.clockAdvance).toBeUndefined()
      expect(advanced.withTimestampAssigner(e => e.ts).withIdleness(100).clockAdvance).toEqual({ idleTimeout: 5_000, maxLag: 10 })
      expect(base.withClockAdvance(1).clockAdvance).toEqual({ idleTimeout: 1, maxLag: 0 })
    })

    it('rejects bad configuration, and noWatermarks, with a clear error', () => {
      const base = ds.WatermarkStrategy.forMonotonousTimestamps<number>()
      expect(() => base.withClockAdvance(0)).toThrowError(RangeError, /withClockAdvance: idleTimeout.*> 0, got 0/)
      expect(() => base.withClockAdvance(Infinity)).toThrowError(RangeError, /idleTimeout/)
      expect(() => base.withClockAdvance(10, { maxLag: -1 })).toThrowError(RangeError, /withClockAdvance: maxLag.*>= 0, got -1/)
      expect(() => ds.WatermarkStrategy.noWatermarks<number>().withClockAdvance(10)).toThrowError(TypeError, /noWatermarks/)
    })
  })

  it('rejects bad configuration with a clear error', () => {
    expect(() => ds.WatermarkStrategy.forBoundedOutOfOrderness(-1)).toThrowError(RangeError, /maxOutOfOrderness.*-1/)
    expect(() => ds.WatermarkStrategy.forBoundedOutOfOrderness(NaN)).toThrowError(RangeError, /NaN/)
    expect(() => ds.WatermarkStrategy.forMonotonousTimestamps().withIdleness(0)).toThrowError(RangeError, /idleTimeout/)
    expect(() => ds.WatermarkStrategy.forMonotonousTimestamps().withTimestampAssigner(3 as never)).toThrowError(TypeError)
    expect(() => ds.WatermarkStrategy.forGenerator(undefined as never)).toThrowError(TypeError)
  })
})
