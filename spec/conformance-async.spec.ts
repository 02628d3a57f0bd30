/**
 * Drives the `async` conformance vectors (spec/fixtures/flink-cases.json; format in the
 * conformance README) through `ds.asyncWait`. Flink's test function completes "asynchronously,
 * in any order", so every case runs under several completion orders: answered first-in
 * first-out, last-in first-out and in seeded random interleavings with the input (a service
 * answered by hand), and with real Promises of random latency. Beyond the case: the same input
 * in the other mode must give the same output up to order between watermarks.
 */
import { Subject } from 'rxjs'
import * as ds from '../src/index'
import { manualService, sleep } from './support/async-services'
import { type Case, commonEvent, compareOutput, conformanceCases, type Json, type Ts, time } from './support/conformance'
import { mulberry32 as random } from './support/random'

const cases = conformanceCases().filter(c => c.kind === 'async')

/** The case's user function, as its `behavior` describes it. */
const functions: Record<string, (x: number) => number[]> = { double: x => [2 * x] }

interface Config {
  readonly ordered: boolean
  readonly capacity: number
  readonly timeout: number
  readonly fn: (x: number) => number[]
}

function configOf(c: Case): Config {
  const mode = c.config['mode']
  if (mode !== 'ordered' && mode !== 'unordered') throw new Error(`unknown mode ${String(mode)}`)
  const name = (c.config['function'] as { name: string }).name
  const fn = functions[name]
  if (fn === undefined) throw new Error(`unknown function ${name}`)
  return { ordered: mode === 'ordered', capacity: c.config['capacity'] as number, timeout: (c.config['timeout'] as number | undefined) ?? 0, fn }
}

const toJson = (e: ds.StreamElement<unknown>): Json | undefined =>
  e._tag === 'Record' ? { type: 'record', value: e.value, ts: e.timestamp } : e._tag === 'Watermark' ? { type: 'watermark', ts: e.timestamp } : undefined


/** Which pending call to answer next, and whether to answer some after each input. */
interface Policy {
  readonly name: string
  pick(pending: number): number
  readonly interleave: boolean
}

const policies = (): Policy[] => [
  { name: 'first-in first-out', pick: () => 0, interleave: false },
  { name: 'last-in first-out', pick: n => n - 1, interleave: false },
  ...[1, 2, 3, 4, 5].map(seed => {
    const r = random(seed)
    return { name: `random interleaving (seed ${seed})`, pick: (n: number) => Math.floor(r() * n), interleave: true, r }
  })
]

/** Feeds the case with a hand-answered service; returns the main output (marks included). */
function driveManually(c: Case, config: Config, ordered: boolean, policy: Policy): Json[] {
  const { fn, pending } = manualService<number, number>()
  const source = new Subject<ds.StreamElement<number>>()
  const main: Json[] = []
  let failure: unknown
  source.pipe(ds.asyncWait(fn, { ordered, capacity: config.capacity, timeout: config.timeout })).subscribe({
    next: e => {
      const json = toJson(e)
      if (json !== undefined) main.push(json)
    },
    error: (e: unknown) => (failure = e)
  })
  const answerOne = (): void => {
    const call = pending[policy.pick(pending.length)]!
    call.answer(config.fn(call.value))
  }
  for (const event of c.input) {
    if (feed(event, source, main)) while (pending.length > 0) answerOne()
    if (policy.interleave && pending.length > 0 && policy.pick(2) === 0) answerOne()
  }
  if (failure !== undefined) throw failure
  return main
}

/** Feeds the case with real Promises of pseudo-random latency, waiting at end of input. */
async function driveWithPromises(c: Case, config: Config, ordered: boolean, seed: number): Promise<Json[]> {
  const r = random(seed)
  const source = new Subject<ds.StreamElement<number>>()
  const main: Json[] = []
  const done = new Promise<void>((resolve, reject) =>
    source
      .pipe(
        ds.asyncWait(
          // an async generator: the function's results (a collection, as Flink's complete) after a random latency
          async function* (x: number) {
            await sleep(Math.floor(r() * 8), undefined)
            yield* config.fn(x)
          },
          { ordered, capacity: config.capacity, timeout: config.timeout }
        )
      )
      .subscribe({
        next: e => {
          const json = toJson(e)
          if (json !== undefined) main.push(json)
        },
        error: reject,
        complete: resolve
      })
  )
  for (const event of c.input) if (feed(event, source, main)) await done
  return main
}

/** Passes one input event of a case to `source`; true at the end of input (`source` completed). */
function feed(event: Json, source: Subject<ds.StreamElement<number>>, main: Json[]): boolean {
  switch (event['type']) {
    case 'record':
      source.next(ds.streamRecord(event['value'] as number, time(event['ts'] as Ts)))
      return false
    case 'watermark':
      source.next(ds.watermark(time(event['ts'] as Ts)))
      return false
    case 'endOfInput':
      source.complete()
      return true
    default:
      commonEvent(event, main)
      return false
  }
}

describe('Flink conformance vectors: async', () => {
  it('has async cases', () => {
    expect(cases.length).toBeGreaterThan(0)
  })

  for (const c of cases) {
    const config = configOf(c)
    const modes: { ordered: boolean; order: Case['order']; label: string }[] = [
      { ordered: config.ordered, order: c.order, label: config.ordered ? 'ordered' : 'unordered' },
      // the other mode: the same output up to order between watermarks
      { ordered: !config.ordered, order: c.order === 'exact' ? 'any-between-watermarks' : c.order, label: config.ordered ? 'unordered (derived)' : 'ordered (derived)' }
    ]
    for (const mode of modes) {
      it(`async: ${c.id}, ${mode.label}, under every completion order`, async () => {
        for (const policy of policies()) compareOutput(c, mode.order, driveManually(c, config, mode.ordered, policy), `${mode.label}, ${policy.name}`)
        for (const seed of [11, 12, 13]) compareOutput(c, mode.order, await driveWithPromises(c, config, mode.ordered, seed), `${mode.label}, Promises (seed ${seed})`)
      })
    }
  }
})
