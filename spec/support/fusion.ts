/**
 * What the operator-fusion specs share: a pipeline is built twice, with its operators adjacent
 * (they fuse) and with an identity `map` between them (they run apart), and the two runs are
 * compared: elements, error (name and message), completion, frames, and the calls of the user
 * functions, logged by the strategy and key selector here.
 */
import { map, Observable } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements, type MarbleHelpers, marbleTest } from '../../marbles/index'

export interface Click {
  readonly id: string
  readonly page: string
  readonly ts: number
}
export const click = (id: string, page: string, ts: number): Click => ({ id, page, ts })

/** Between two operators: nothing (they fuse), or an identity `map` (they run apart). */
export type Gap = <A>(source: Observable<A>) => Observable<A>
export const fused: Gap = source => source
export const apart: Gap = source => source.pipe(map(x => x))

/** Where a pipeline's user functions throw (or misbehave), by click id. */
export interface Faults {
  readonly factory?: boolean
  readonly assigner?: string
  readonly nanTimestamp?: string
  readonly onEvent?: string
  /** The periodic emit throws on this call (1 = first). */
  readonly periodic?: number
  readonly key?: string
  readonly badKey?: string
  readonly add?: string
  /** The window function throws for the window starting here. */
  readonly fire?: number
}

export const late = new ds.OutputTag<Click>('late')

/** A bounded-out-of-orderness strategy whose functions log their calls and fail as told. */
export function strategy(log: string[], faults: Faults, bound: number): ds.WatermarkStrategy<Click> {
  return ds.WatermarkStrategy.forGenerator<Click>(() => {
    if (faults.factory === true) throw new Error('no generator')
    let max = -Infinity
    let periodic = 0
    return {
      onEvent: (c, ts) => {
        log.push(`onEvent ${c.id}`)
        if (c.id === faults.onEvent) throw new Error(`onEvent ${c.id}`)
        if (ts > max) max = ts
      },
      onPeriodicEmit: out => {
        periodic++
        log.push('periodic')
        if (periodic === faults.periodic) throw new Error('periodic')
        if (max > -Infinity) out.emitWatermark(max - bound - 1)
      }
    }
  }).withTimestampAssigner(c => {
    log.push(`ts ${c.id}`)
    if (c.id === faults.assigner) throw new Error(`assigner ${c.id}`)
    return c.id === faults.nanTimestamp ? NaN : c.ts
  })
}

export const selector =
  (log: string[], faults: Faults) =>
  (c: Click): string => {
    log.push(`key ${c.id}`)
    if (c.id === faults.key) throw new Error(`key ${c.id}`)
    return c.id === faults.badKey ? (null as unknown as string) : c.page
  }

/** The elements, error and completion of a synchronous run, and the log of calls. */
export function runSync<T, K>(build: (gap: Gap, log: string[]) => Observable<ds.StreamElement<T, K>>, gap: Gap) {
  const log: string[] = []
  const out = collectElements(build(gap, log))
  const error = out.error instanceof Error ? `${out.error.name}: ${out.error.message}` : out.error
  return { elements: out.elements, completed: out.completed, error, log }
}

/** Runs `build` fused and apart, synchronously, and expects the same; returns the fused run. */
export function expectSameSync<T, K>(build: (gap: Gap, log: string[]) => Observable<ds.StreamElement<T, K>>) {
  const together = runSync(build, fused)
  const separate = runSync(build, apart)
  expect(together).toEqual(separate)
  return together
}

/** The same under marbles: elements at the same frames, and the same calls. */
export function expectSameMarbles(build: (gap: Gap, log: string[], helpers: MarbleHelpers) => Observable<unknown>, subscription?: string): string[] {
  const logs: { together: string[]; separate: string[] } = { together: [], separate: [] }
  marbleTest(helpers => {
    helpers.expectObservable(build(fused, logs.together, helpers), subscription).toEqual(build(apart, logs.separate, helpers))
  })
  expect(logs.together).toEqual(logs.separate)
  return logs.together
}


/**
 * Runs `build` over a source that emits `clicks` and then fails, fused and apart, and expects
 * the same order of the source's release and the error the subscriber gets (with whatever
 * `build` logs into the same list).
 */
export function expectSameReleaseOrder(clicks: readonly Click[], build: (source: Observable<Click>, gap: Gap, log: string[]) => Observable<unknown>): void {
  const [together, separate] = [fused, apart].map(gap => {
    const order: string[] = []
    const source = new Observable<Click>(subscriber => {
      subscriber.add(() => order.push('source released'))
      for (const c of clicks) subscriber.next(c)
      subscriber.error(new Error('source'))
    })
    build(source, gap, order).subscribe({ error: (e: Error) => order.push(`error: ${e.message.slice(0, 40)}`) })
    return order
  })
  expect(together).toEqual(separate!)
}
