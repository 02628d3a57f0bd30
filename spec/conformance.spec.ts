/**
 * Drives the conformance vectors transcribed from Flink's own tests (spec/fixtures/
 * flink-cases.json, format in its README) through the public API. Kinds the library does not
 * implement yet are skipped; every implemented kind must have its cases pass, in every
 * function style a case lists that the library offers. (`assigner` cases: see
 * spec/conformance-assigner.spec.ts.)
 */
import { type Observable, Subject, type Subscription } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import * as ds from '../src/index'
import { JobContext, runInJob } from '../src/runtime/JobContext'
import { type AssignerSpec, storeRoundTrip, assignerOf, type Case, commonEvent, compareOutcome, conformanceCases, type Json, type Outcome, outputCollector, type Ts, time } from './support/conformance'

// ---- watermarks and the valve ----

function watermarksCase(c: Case): Outcome[] {
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
  const main: Json[] = []
  const output: ds.WatermarkOutput = {
    emitWatermark: ts => main.push({ type: 'watermark', ts }),
    markIdle: () => main.push({ type: 'status', status: 'IDLE' }),
    markActive: () => main.push({ type: 'status', status: 'ACTIVE' })
  }
  for (const event of c.input) {
    if (event['type'] === 'event') gen.onEvent(null, time(event['ts'] as Ts), output)
    else if (event['type'] === 'periodicEmit') gen.onPeriodicEmit(output)
    else throw new Error(`unknown event ${String(event['type'])}`)
  }
  return [{ main, side: {} }]
}

/** The valve is driven through unionWith, the public multi-input operator built on it. */
function valveCase(c: Case): Outcome[] {
  const channels = c.config['channels'] as number
  const inputs = Array.from({ length: channels }, () => new Subject<ds.StreamElement<never>>())
  const main: Json[] = []
  const [first, ...rest] = inputs
  const subscription = first!.pipe(ds.unionWith(...rest)).subscribe(e => {
    if (e._tag === 'Watermark') main.push({ type: 'watermark', ts: e.timestamp })
    else if (e._tag === 'StreamStatus') main.push({ type: 'status', status: e.idle ? 'IDLE' : 'ACTIVE' })
  })
  for (const event of c.input) {
    const input = inputs[event['channel'] as number]!
    if (event['type'] === 'watermark') input.next(ds.watermark(time(event['ts'] as Ts)))
    else if (event['type'] === 'status') input.next(ds.streamStatus(event['status'] === 'IDLE'))
    else throw new Error(`unknown event ${String(event['type'])}`)
  }
  subscription.unsubscribe()
  return [{ main, side: {} }]
}

// ---- windows ----

type TriggerSpec = { type: string; count?: number; interval?: number; nested?: TriggerSpec } | null
type EvictorSpec = { type: string; maxCount?: number; windowSize?: number; threshold?: number; doEvictAfter?: boolean }

function triggerOf(spec: TriggerSpec): ds.Trigger<number> | undefined {
  if (spec === null) return undefined
  switch (spec.type) {
    case 'eventTime':
      return ds.eventTimeTrigger()
    case 'count':
      return ds.countTrigger(spec.count!)
    case 'purging':
      return ds.purgingTrigger(triggerOf(spec.nested!)!)
    case 'continuousEventTime':
      return ds.continuousEventTimeTrigger(spec.interval!)
  }
  throw new Error(`unknown trigger ${spec.type}`)
}

function evictorOf(spec: EvictorSpec | undefined): ds.Evictor<number> | undefined {
  if (spec === undefined) return undefined
  const options = { doEvictAfter: spec.doEvictAfter ?? false }
  switch (spec.type) {
    case 'count':
      return ds.countEvictor(spec.maxCount!, options)
    case 'time':
      return ds.timeEvictor(spec.windowSize!, options)
    case 'delta':
      return ds.deltaEvictor<number>(spec.threshold!, (a, b) => b - a, options)
  }
  throw new Error(`unknown evictor ${spec.type}`)
}

type WindowOp = (source: Observable<ds.StreamElement<number, string>>) => Observable<ds.StreamElement<unknown, string>>

/** The window function of a case, in each style the case lists. */
function functionStyles(builder: ds.WindowedStream<true>, fn: { name: string; styles: string[] }): [string, WindowOp][] {
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0)
  const withWindow = (s: number, w: ds.TimeWindow) => ({ sum: s, windowStart: w.start, windowEnd: w.end })
  const styles: [string, WindowOp][] = []
  for (const style of fn.styles) {
    if (fn.name === 'sum' && style === 'reduce') styles.push([style, builder.reduce<number, string>((a, b) => a + b)])
    else if (fn.name === 'sum' && style === 'processWindowFunction')
      styles.push([style, builder.process<number, number, string>((_k, _ctx, xs, out) => out.collect(sum(xs)))])
    else if (fn.name === 'sumWithWindow' && style === 'reduce+windowFunction')
      styles.push([
        style,
        builder.reduce<number, unknown, string>((a, b) => a + b, (_k, ctx, [s], out) => out.collect(withWindow(s!, ctx.window)))
      ])
    else if (fn.name === 'sumWithWindow' && style === 'processWindowFunction')
      styles.push([style, builder.process<number, unknown, string>((_k, ctx, xs, out) => out.collect(withWindow(sum(xs), ctx.window)))])
    else throw new Error(`unknown function style ${fn.name}/${style}`)
  }
  // Beyond Flink's styles: the same sums through aggregate (incremental with a merge).
  if (fn.name === 'sum') {
    styles.push([
      'aggregate',
      builder.aggregate<number, number, number, string>({ createAccumulator: () => 0, add: (v, a) => a + v, getResult: a => a, merge: (a, b) => a + b })
    ])
  }
  return styles
}

async function windowCase(c: Case): Promise<Outcome[]> {
  const config = c.config as {
    assigner: AssignerSpec
    trigger: TriggerSpec
    evictor?: EvictorSpec
    allowedLateness: number
    lateOutputTag?: string
    function: { name: string; styles: string[] }
  }
  const lateTag = config.lateOutputTag === undefined ? undefined : new ds.OutputTag<number>(config.lateOutputTag)
  const scheduler = new TestScheduler(() => undefined)
  let builder = ds.windowBy(assignerOf(config.assigner), { scheduler }).allowedLateness(config.allowedLateness)
  const trigger = triggerOf(config.trigger)
  if (trigger !== undefined) builder = builder.trigger(trigger)
  const evictor = evictorOf(config.evictor)
  if (evictor !== undefined) builder = builder.evictor(evictor)
  if (lateTag !== undefined) builder = builder.sideOutputLateData(lateTag)
  const styles = functionStyles(builder, config.function)
  // aggregate cannot express an evictor's view any differently: skip it there
  const outcomes: Outcome[] = []
  for (const [style, op] of styles.filter(([style]) => style !== 'aggregate' || (evictor === undefined && config.function.name === 'sum'))) {
    outcomes.push({ style, ...(await drive(c, op, scheduler)) })
  }
  return outcomes
}

/**
 * Feeds a case's input through `op`, collecting its main and side outputs. At a
 * `snapshotRestore`, as Flink's harness does, the operator is snapshotted, the snapshot makes a
 * round trip through a checkpoint store (encoded, stored, read back, checked), the subscription
 * is dropped, and a fresh operator restored from it takes the rest of the input.
 */
async function drive<T, K, R>(
  c: Case,
  op: (input: Observable<ds.StreamElement<T, K>>) => Observable<ds.StreamElement<R, K>>,
  scheduler: TestScheduler
): Promise<Omit<Outcome, 'style'>> {
  const input = new Subject<ds.StreamElement<T, K>>()
  const output = outputCollector()
  const start = (restored?: ReadonlyMap<string, unknown>): { job: JobContext; subscription: Subscription } => {
    const job = new JobContext(restored)
    const subscription = runInJob(job, () =>
      input.pipe(op).subscribe({
        next: output.next,
        error: (err: unknown) => {
          throw err
        }
      })
    )
    return { job, subscription }
  }
  let { job, subscription } = start()
  for (const event of c.input) {
    if (event['type'] === 'snapshotRestore') {
      const restored = await storeRoundTrip(job)
      subscription.unsubscribe()
      ;({ job, subscription } = start(restored))
      continue
    }
    switch (event['type']) {
      case 'record':
        input.next(ds.streamRecord(event['value'] as T, time(event['ts'] as Ts), event['key'] as K))
        break
      case 'watermark':
        input.next(ds.watermark(time(event['ts'] as Ts)))
        break
      case 'processingTime':
        scheduler.maxFrames = event['ts'] as number
        scheduler.flush()
        break
      default:
        commonEvent(event, output.main)
    }
  }
  subscription.unsubscribe()
  return { main: output.main, side: output.side }
}

// ---- keyed process functions with timers ----

const intOut = new ds.OutputTag<number>('int-out')
const longOut = new ds.OutputTag<number>('long-out')

/** The user functions the `timers` cases name, as their `behavior` describes them. */
const keyedFunctions: Record<string, () => ds.KeyedProcessFunction<number, number, number | string>> = {
  emitAndTimerAtWatermarkPlus5: () => ({
    processElement: (v, ctx, out) => {
      out.collect(v)
      ctx.timerService().registerEventTimeTimer(ctx.timerService().currentWatermark() + 5)
    },
    onTimer: (_ts, _ctx, out) => out.collect(1777)
  }),
  sideOutputs: () => ({
    processElement: (v, ctx, out) => {
      out.collect(`IN:${v}`)
      ctx.output(intOut, v)
      ctx.output(longOut, v)
    }
  })
}

async function timersCase(c: Case): Promise<Outcome[]> {
  if (c.config['keyBy'] !== 'value') throw new Error(`unsupported keyBy ${String(c.config['keyBy'])}`)
  const name = (c.config['function'] as { name: string }).name
  const fn = keyedFunctions[name]
  if (fn === undefined) throw new Error(`unknown function ${name}`)
  const scheduler = new TestScheduler(() => true)
  return [await drive<number, number, number | string>(c, ds.keyedProcess(fn, { scheduler }), scheduler)]
}

// ---- the cases, by kind ----

const drivers: Record<string, (c: Case) => Outcome[] | Promise<Outcome[]>> = {
  watermarks: watermarksCase,
  watermarkValve: valveCase,
  window: windowCase,
  timers: timersCase
}

const cases = conformanceCases()

describe('Flink conformance vectors', () => {
  it('has cases for every kind the library implements', () => {
    for (const kind of Object.keys(drivers)) {
      expect(cases.some(c => c.kind === kind)).withContext(kind).toBeTrue()
    }
  })

  for (const c of cases.filter(c => c.kind in drivers)) {
    it(`${c.kind}: ${c.id}`, async () => {
      const outcomes = await drivers[c.kind]!(c)
      expect(outcomes.length).toBeGreaterThan(0)
      for (const outcome of outcomes) compareOutcome(c, outcome)
    })
  }
})
