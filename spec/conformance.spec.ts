/**
 * Drives the conformance vectors transcribed from Flink's own tests (spec/fixtures/
 * flink-cases.json, format in its README) through the public API. Kinds the library does not
 * implement yet are listed, not run; every implemented kind must have its cases pass.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Subject } from 'rxjs'
import * as ds from '../src/index'

type Ts = number | 'MAX' | 'MIN' | null
interface Case {
  id: string
  kind: string
  config: Record<string, unknown>
  input: Record<string, unknown>[]
  expected: Record<string, unknown>[]
  order: string
}

const fixtures = JSON.parse(readFileSync(join(__dirname, '..', '..', 'spec', 'fixtures', 'flink-cases.json'), 'utf8')) as {
  cases: Case[]
}

const time = (t: Ts): number => (t === 'MAX' ? Infinity : t === 'MIN' || t === null ? -Infinity : t)

type Outcome = { type: string; ts?: number; status?: string }

const drivers: Record<string, (c: Case) => Outcome[]> = {
  watermarks: c => {
    if (c.config['level'] !== 'generator') throw new Error(`unsupported level ${String(c.config['level'])}`)
    const generator = c.config['generator'] as { type: string; maxOutOfOrderness?: number }
    const strategy =
      generator.type === 'boundedOutOfOrderness'
        ? ds.WatermarkStrategy.forBoundedOutOfOrderness<null>(generator.maxOutOfOrderness!)
        : generator.type === 'ascending'
          ? ds.WatermarkStrategy.forMonotonousTimestamps<null>()
          : undefined
    if (strategy === undefined) throw new Error(`unknown generator ${generator.type}`)
    const gen = strategy.createWatermarkGenerator({ operatorName: c.id, currentProcessingTime: () => 0 })
    const out: Outcome[] = []
    const output: ds.WatermarkOutput = {
      emitWatermark: ts => out.push({ type: 'watermark', ts }),
      markIdle: () => out.push({ type: 'status', status: 'IDLE' }),
      markActive: () => out.push({ type: 'status', status: 'ACTIVE' })
    }
    for (const event of c.input) {
      if (event['type'] === 'event') gen.onEvent(null, time(event['ts'] as Ts), output)
      else if (event['type'] === 'periodicEmit') gen.onPeriodicEmit(output)
      else throw new Error(`unknown event ${String(event['type'])}`)
    }
    return out
  },

  // The valve is driven through unionWith, the public multi-input operator built on it.
  watermarkValve: c => {
    const channels = c.config['channels'] as number
    const inputs = Array.from({ length: channels }, () => new Subject<ds.StreamElement<never>>())
    const out: Outcome[] = []
    const [first, ...rest] = inputs
    const subscription = first!.pipe(ds.unionWith(...rest)).subscribe(e => {
      if (e._tag === 'Watermark') out.push({ type: 'watermark', ts: e.timestamp })
      else if (e._tag === 'StreamStatus') out.push({ type: 'status', status: e.idle ? 'IDLE' : 'ACTIVE' })
    })
    for (const event of c.input) {
      const input = inputs[event['channel'] as number]!
      if (event['type'] === 'watermark') input.next(ds.watermark(time(event['ts'] as Ts)))
      else if (event['type'] === 'status') input.next(ds.streamStatus(event['status'] === 'IDLE'))
      else throw new Error(`unknown event ${String(event['type'])}`)
    }
    subscription.unsubscribe()
    return out
  }
}

const normalize = (expected: Record<string, unknown>[]): Outcome[] =>
  expected.map(e => (e['type'] === 'watermark' ? { type: 'watermark', ts: time(e['ts'] as Ts) } : (e as Outcome)))

describe('Flink conformance vectors', () => {
  const supported = fixtures.cases.filter(c => c.kind in drivers)

  it('has cases for every kind the library implements', () => {
    for (const kind of Object.keys(drivers)) {
      expect(fixtures.cases.some(c => c.kind === kind)).withContext(kind).toBeTrue()
    }
  })

  for (const c of supported) {
    it(`${c.kind}: ${c.id}`, () => {
      expect(c.order).toBe('exact')
      expect(drivers[c.kind]!(c)).toEqual(normalize(c.expected))
    })
  }
})
