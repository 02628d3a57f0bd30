/**
 * Snapshot-and-restore runs (./snapshots.ts) with processing time and several inputs.
 *
 * - Processing time is a `VirtualClock` the script moves (`['clock', time]` steps). The
 *   interrupted run keeps one clock across the cut, so the restored operators go on at the
 *   time the snapshotted ones stopped at, as a restored job would on the wall clock; the
 *   uninterrupted run has a clock of its own, moved by the same steps.
 * - The inputs of a multi-input operator are combined by the host, outside the operator, and
 *   that combination is not operator state (nor is it in Flink): after a restore each input
 *   tells the operator again where it stands, as a restored source does. An input that had
 *   ended ends again (a finished source finishes again at once) and one that had sent
 *   watermarks sends its highest one again, before the rest of the script.
 */
import { type Observable, type SchedulerAction, type SchedulerLike, Subscription } from 'rxjs'
import * as ds from '../../src/index'
import { type Emitted, feed, type Running, interruptAndRestore, startJob, type Step } from './snapshots'

/** A step of a script: an input's element or end, or processing time moving to `time`. */
export type ClockedStep<T = unknown, K = unknown> = Step<T, K> | readonly ['clock', number]

/** Builds the pipeline under test from its inputs and its processing-time clock. */
export type ClockedBuild<In, K, Out> = (inputs: Observable<ds.StreamElement<In, K>>[], clock: SchedulerLike) => Observable<Out>

interface Pending {
  readonly due: number
  readonly seq: number
  readonly action: ClockAction<unknown>
}

/** One scheduled piece of work; as RxJS actions do, it may schedule itself again. */
class ClockAction<T> extends Subscription implements SchedulerAction<T> {
  constructor(
    private readonly clock: VirtualClock,
    readonly work: (this: SchedulerAction<T>, state?: T) => void,
    public state: T | undefined
  ) {
    super()
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this
    this.state = state
    this.clock.enqueue(this as ClockAction<unknown>, delay)
    return this
  }
}

/**
 * A processing-time clock moved by hand: work scheduled with a delay runs when `advanceTo`
 * passes its due time, in due-time order (ties in scheduling order), with `now()` at that time.
 */
export class VirtualClock implements SchedulerLike {
  private time = 0
  private seq = 0
  private queue: Pending[] = []

  now(): number {
    return this.time
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    const action = new ClockAction<T>(this, work, state)
    this.enqueue(action as ClockAction<unknown>, delay)
    return action
  }

  /** @internal of the clock: (re)schedules `action` `delay` ms from now. */
  enqueue(action: ClockAction<unknown>, delay: number): void {
    this.queue = this.queue.filter(p => p.action !== action)
    this.queue.push({ due: this.time + Math.max(0, delay), seq: this.seq++, action })
  }

  /** Runs the work due up to `time`, then stands at `time` (never goes back). */
  advanceTo(time: number): void {
    for (;;) {
      this.queue = this.queue.filter(p => !p.action.closed)
      const next = this.queue.reduce<Pending | undefined>((a, p) => (a === undefined || p.due < a.due || (p.due === a.due && p.seq < a.seq) ? p : a), undefined)
      if (next === undefined || next.due > time) break
      this.queue = this.queue.filter(p => p !== next)
      this.time = Math.max(this.time, next.due)
      next.action.work.call(next.action, next.action.state)
    }
    this.time = Math.max(this.time, time)
  }
}

/** Feeds `steps`, moving `clock` on clock steps. */
export function feedClocked<In, K, Out>(running: Running<In, K, Out>, clock: VirtualClock, steps: readonly ClockedStep<In, K>[]): void {
  for (const step of steps) {
    if (step[0] === 'clock') clock.advanceTo(step[1])
    else feed(running, [step as Step<In, K>])
  }
}

/**
 * What each input of a multi-input operator says again after a restore, having been fed
 * `steps`: its end if it ended, else its highest watermark if it sent one.
 */
export function resumeSteps<In, K>(inputCount: number, steps: readonly ClockedStep<In, K>[]): Step<In, K>[] {
  if (inputCount < 2) return []
  const ended = new Set<number>()
  const highest = new Map<number, number>()
  for (const step of steps) {
    if (step[0] === 'clock') continue
    const [input, element] = step as Step<In, K>
    if (element === 'end') ended.add(input)
    else if (element._tag === 'Watermark') highest.set(input, Math.max(highest.get(input) ?? -Infinity, element.timestamp))
  }
  const resume: Step<In, K>[] = []
  for (let input = 0; input < inputCount; input++) {
    if (ended.has(input)) resume.push([input, 'end'])
    else if (highest.has(input)) resume.push([input, ds.watermark(highest.get(input)!)])
  }
  return resume
}

/**
 * `runWithRestore` with a virtual processing-time clock and inputs that resume after the
 * restore (see the module comment): runs `script` uninterrupted and interrupted after `cut`
 * steps, and returns both runs' emissions (the interrupted one across the cut).
 */
export function runWithRestoreClocked<In, K, Out>(
  inputCount: number,
  build: ClockedBuild<In, K, Out>,
  script: readonly ClockedStep<In, K>[],
  cut: number
): { uninterrupted: Emitted<Out>; restored: Emitted<Out>; snapshots: unknown[] } {
  const ownClock = new VirtualClock()
  const uninterrupted = startJob<In, K, Out>(inputCount, inputs => build(inputs, ownClock))
  feedClocked(uninterrupted, ownClock, script)
  uninterrupted.subscription.unsubscribe()

  const clock = new VirtualClock()
  const { restored, snapshots } = interruptAndRestore<In, K, Out>(
    inputCount,
    inputs => build(inputs, clock),
    first => feedClocked(first, clock, script.slice(0, cut)),
    second => {
      feed(second, resumeSteps(inputCount, script.slice(0, cut)))
      feedClocked(second, clock, script.slice(cut))
    }
  )
  return { uninterrupted: uninterrupted.emitted, restored, snapshots }
}
