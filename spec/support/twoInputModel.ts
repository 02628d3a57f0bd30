/**
 * The model and the probe that the specs of one stream split into the two inputs of a keyed
 * co-process function share: the combined watermark of two inputs as FLINK_SEMANTICS §2 has it,
 * the log a function that registers a timer at each record's timestamp writes (each record with
 * the watermark it saw, each timer with the one it fired at), and that log in a form where
 * timers due at one watermark may fire in any order across keys.
 */
import type { Observable } from 'rxjs'
import * as ds from '../../src/index'

/** The combined watermark of two inputs (FLINK_SEMANTICS §2, "Combining inputs"): each value it emits. */
export class CombinedModel {
  private readonly wm = [-Infinity, -Infinity]
  private readonly idle = [false, false]
  private readonly aligned = [true, true]
  private last = -Infinity
  private allIdle = false

  constructor(private readonly emit: (time: number) => void) {}

  watermark(input: number, time: number): void {
    if (this.allIdle || this.idle[input] || time <= this.wm[input]!) return
    this.wm[input] = time
    if (!this.aligned[input] && time >= this.last) this.aligned[input] = true
    this.emitMin()
  }

  status(input: number, idle: boolean): void {
    if (idle === this.idle[input]) return
    this.idle[input] = idle
    if (!idle) {
      this.aligned[input] = this.wm[input]! >= this.last
      this.allIdle = false
      return
    }
    this.aligned[input] = false
    if (this.idle.every(i => i)) {
      const max = Math.max(...this.wm)
      if (max > this.last) this.advance(max)
      this.allIdle = true
    } else this.emitMin()
  }

  /** An input that ends counts as active at the end of event time. */
  end(input: number): void {
    this.status(input, false)
    this.watermark(input, Infinity)
  }

  private emitMin(): void {
    const counted = this.wm.filter((_, i) => this.aligned[i] && !this.idle[i])
    if (counted.length > 0 && Math.min(...counted) > this.last) this.advance(Math.min(...counted))
  }

  private advance(time: number): void {
    this.last = time
    this.emit(time)
  }
}

/** The function's log as the model has it: records and watermarks fed in, timers fired as the combined watermark passes them. */
export class TimerLogModel {
  readonly log: string[] = []
  readonly inputs: CombinedModel
  private current = -Infinity
  private readonly pending = new Map<string, { readonly key: string; readonly ts: number }>()

  constructor() {
    this.inputs = new CombinedModel(time => this.advance(time))
  }

  /** Record `id` of `key` reaches the function, which registers a timer at `ts`. */
  record(id: number, key: string, ts: number): void {
    this.log.push(`record ${id} at ${this.current}`)
    this.pending.set(`${key}|${ts}`, { key, ts })
  }

  private advance(time: number): void {
    this.current = time
    // Every timer at or before it, earliest first (ties across keys: any order).
    const due = [...this.pending.values()].filter(t => t.ts <= time).sort((x, y) => x.ts - y.ts)
    for (const t of due) {
      this.pending.delete(`${t.key}|${t.ts}`)
      this.log.push(`timer ${t.key}@${t.ts} at ${time}`)
    }
  }
}

/**
 * `first$` connected with `second$` in a keyed co-process function that logs each record with
 * the watermark it sees and registers a timer at its timestamp, and each timer with the
 * watermark it fires at: what {@link TimerLogModel} models.
 */
export function loggingCoProcess<E extends { readonly id: number; readonly ts: number }>(
  first$: ds.KeyedStream<string, E>,
  second$: ds.KeyedStream<string, E>,
  log: string[]
): Observable<ds.StreamElement<never, string>> {
  const seen = (e: E, ctx: ds.KeyedProcessContext<string>): void => {
    log.push(`record ${e.id} at ${ctx.currentWatermark()}`)
    ctx.timerService().registerEventTimeTimer(e.ts)
  }
  return first$.pipe(
    ds.connectWith(second$).keyedProcess<E, never>({
      processElement1: (e, ctx) => seen(e, ctx),
      processElement2: (e, ctx) => seen(e, ctx),
      onTimer: (ts, ctx) => {
        log.push(`timer ${ctx.getCurrentKey()}@${ts} at ${ctx.currentWatermark()}`)
      }
    })
  )
}

/** Timers within each watermark in time order (ties across keys in any order); everything else as it came. */
export function normalized(log: readonly string[]): string[] {
  const out: string[] = []
  let timers: string[] = []
  const flush = (): void => {
    out.push(...timers.sort())
    timers = []
  }
  for (const line of log) {
    if (line.startsWith('timer ')) timers.push(line)
    else {
      flush()
      out.push(line)
    }
  }
  flush()
  return out
}
