/**
 * @internal
 * A job's metrics (`job.metrics$`): what the job already counts, read when a snapshot is taken,
 * plus the few things measured where they cost nothing per record.
 *
 * - Read at a snapshot: every operator's record counters (the host's `CountingOutput`s), its
 *   late records, its watermarks (what operators keep for their own work; see
 *   `currentInputWatermark`), what the gates of multi-input operators hold and how long their
 *   alignments took, what async I/O has in flight.
 * - Measured by the job's driver: the time each batch of a source takes (two clock readings per
 *   batch of up to 256 values), and when a source is paused because an operator after it can
 *   take no more (rare transitions, seen through the operators' barrier listener).
 * - Measured per checkpoint: when its barrier reaches each operator.
 *
 * Snapshots are taken only while someone subscribes (on the interval, on the job's scheduler),
 * and once when the job ends; the timer stops with the last subscriber and with the job, so it
 * never keeps a process alive.
 */
import { Observable, type SchedulerAction, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs'
import { hasAsyncQueue } from '../async/asyncQueueSizes'
import type { CheckpointBarrier } from '../core/StreamElement'
import { inputsOf } from '../runtime/inputGates'
import type { JobContext, OperatorHandle } from '../runtime/JobContext'
import { type AbstractStreamOperator, type BarrierListener, numRecordsOut } from '../runtime/StreamOperator'
import { now } from '../state/DeferredJson'
import type { CheckpointEvent, CheckpointTiming } from './CheckpointCoordinator'
import type { CheckpointMetrics, JobMetrics, JobStatus, OperatorMetrics } from './JobMetrics'

type Operator = AbstractStreamOperator<unknown, unknown>

/** As many ended checkpoints as a snapshot lists (Flink's web UI keeps 10 by default). */
const HISTORY = 10

/** The job's operators as a graph, made once every operator has registered. */
interface Graph {
  readonly handles: ReadonlyMap<Operator, OperatorHandle>
  /** Every operator upstream of each (through operators; a plain RxJS operator between ends the path). */
  readonly ancestors: ReadonlyMap<Operator, ReadonlySet<Operator>>
  /** The job's sources that feed each operator (itself, if it is one). */
  readonly sources: ReadonlyMap<Operator, readonly Operator[]>
  /** The operators each one writes to. */
  readonly readers: ReadonlyMap<Operator, readonly Operator[]>
  isSource(operator: Operator): boolean
}

/** What a snapshot read of an operator, for the rates of the next one. */
interface Totals {
  readonly recordsIn: number
  readonly recordsOut: number
  readonly busy: number | null
  readonly backPressured: number | null
  readonly idle: number | null
}

/** What keeps an operator from taking more now, pausing the sources before it. */
type Blocker = { readonly kind: 'capacity' } | { readonly kind: 'alignment'; readonly inputs: string }

const sameBlocker = (a: Blocker | undefined, b: Blocker | undefined): boolean =>
  a === undefined || b === undefined ? a === b : a.kind === 'capacity' ? b.kind === 'capacity' : b.kind === 'alignment' && a.inputs === b.inputs

/** @internal */
export class MetricsCollector {
  private job: JobContext | undefined
  private status: JobStatus = 'created'
  private graph: Graph | undefined
  /** When the job started running: real time (`now`, ms), from which idle time counts, and processing time. */
  private startedAt = 0
  private startedTimestamp = 0
  /** Busy time (real ms) per source: the batches read from it. */
  private readonly busy = new Map<Operator, number>()
  private readonly blockers = new Map<Operator, Blocker>()
  /** Operators back-pressured now, since when (real ms), and their time before. */
  private readonly backPressuredSince = new Map<Operator, number>()
  private readonly backPressured = new Map<Operator, number>()
  /** Per operator, the last checkpoint whose barrier reached it, and how long after the trigger. */
  private readonly arrivals = new Map<Operator, { readonly checkpointId: number; readonly delay: number }>()
  private completed = 0
  private failed = 0
  private inProgress: number | undefined = undefined
  private lastCompleted: (CheckpointEvent & { readonly type: 'completed' }) | undefined = undefined
  private readonly history: CheckpointEvent[] = []
  /** The last snapshot, what a subscriber gets first; and what it read, per uid, for rates. */
  private latest: JobMetrics | undefined = undefined
  private previous: { readonly timestamp: number; readonly real: number; readonly totals: ReadonlyMap<string, Totals> } | undefined = undefined
  private readonly subscribers = new Set<Subscriber<JobMetrics>>()
  private timer: Subscription | undefined = undefined
  private ended = false

  /**
   * The latest snapshot at once (a fresh one for the first subscriber), then one per interval
   * while subscribed; the last, taken when the job ends, and completion. Subscribing after the
   * end gets that last one.
   */
  readonly metrics$ = new Observable<JobMetrics>(subscriber => {
    if (this.ended) {
      subscriber.next(this.latest!)
      subscriber.complete()
      return
    }
    if (this.timer === undefined) this.latest = this.snapshot()
    subscriber.next(this.latest!)
    if (subscriber.closed) return
    this.subscribers.add(subscriber)
    if (this.timer === undefined) this.startTimer()
    return () => {
      this.subscribers.delete(subscriber)
      if (this.subscribers.size === 0) this.stopTimer()
    }
  })

  constructor(
    private readonly jobId: string,
    private readonly scheduler: SchedulerLike,
    private readonly interval: number,
    /** The job's sources (filled as the pipeline subscribes). */
    private readonly sources: readonly Operator[]
  ) {}

  // ---- the job's life ----

  /** The job runs: its operators register with `job` as its pipeline subscribes, now. */
  start(job: JobContext): void {
    this.job = job
    this.status = 'running'
    this.startedAt = now()
    this.startedTimestamp = this.scheduler.now()
  }

  /**
   * The pipeline has subscribed: every operator's barrier listener becomes one that also tells
   * the metrics, before it passes each call on to the job. (An async I/O operator restored full
   * tells the job so while it is restored, before this: that first stretch of back-pressure is
   * not counted.)
   */
  listen(job: JobContext): void {
    const listener = this.listener(job)
    for (const { operator } of job.operators) if (operator.barrierListener === job) operator.barrierListener = listener
  }

  /** A batch of `source` took `ms` (real time). */
  read(source: Operator, ms: number): void {
    this.busy.set(source, (this.busy.get(source) ?? 0) + ms)
  }

  /** The job ended: a last snapshot goes to every subscriber, which then completes. */
  end(status: JobStatus): void {
    if (this.ended) return
    this.status = status
    this.stopTimer()
    this.latest = this.snapshot()
    this.ended = true
    const subscribers = [...this.subscribers]
    this.subscribers.clear()
    for (const s of subscribers) {
      s.next(this.latest)
      s.complete()
    }
  }

  // ---- checkpoints ----

  /** Checkpoint `barrier.checkpointId` was triggered: its barrier goes into the sources. */
  checkpointStarted(barrier: CheckpointBarrier): void {
    this.inProgress = barrier.checkpointId
  }

  checkpointEnded(event: CheckpointEvent): void {
    if (event.type === 'completed') {
      this.completed++
      this.lastCompleted = event
    } else {
      this.failed++
    }
    if (this.inProgress === event.checkpointId) this.inProgress = undefined
    this.history.push(event)
    if (this.history.length > HISTORY) this.history.shift()
  }

  /**
   * How long checkpoint `checkpointId`'s barriers took so far: the longest alignment of any gate
   * (the one under way, if it is still aligning: an abort), and the longest start delay.
   */
  timing(checkpointId: number): CheckpointTiming {
    let alignmentTime = 0
    let startDelay = 0
    for (const { operator } of this.job?.operators ?? []) {
      const inputs = inputsOf(operator)
      if (inputs !== undefined) {
        const { gate } = inputs
        const last = gate.lastAlignment
        const current = gate.alignment
        if (last?.checkpointId === checkpointId) alignmentTime = Math.max(alignmentTime, last.duration)
        else if (current?.checkpointId === checkpointId) alignmentTime = Math.max(alignmentTime, this.scheduler.now() - current.since)
      }
      const arrival = this.arrivals.get(operator)
      if (arrival?.checkpointId === checkpointId) startDelay = Math.max(startDelay, arrival.delay)
    }
    return { alignmentTime, startDelay }
  }

  /**
   * A barrier reached `operator` (for one of several inputs, when the alignment completed, or at
   * the first barrier when it does not align): its start delay is from the trigger to its first
   * barrier.
   */
  private barrierArrived(operator: Operator, barrier: CheckpointBarrier): void {
    const id = barrier.checkpointId
    const gate = inputsOf(operator)?.gate
    const first = gate?.lastAlignment?.checkpointId === id ? gate.lastAlignment.since : gate?.alignment?.checkpointId === id ? gate.alignment.since : this.scheduler.now()
    this.arrivals.set(operator, { checkpointId: id, delay: Math.max(0, first - barrier.timestamp) })
  }

  // ---- backpressure ----

  /** The job's listener, passed on to, with what the metrics need of it seen on the way. */
  private listener(job: BarrierListener): BarrierListener {
    return {
      get checkpointing() {
        return job.checkpointing
      },
      barrierReached: (operator, barrier) => {
        this.barrierArrived(operator, barrier)
        job.barrierReached(operator, barrier)
      },
      awaitChannelState: (operator, checkpointId) => job.awaitChannelState(operator, checkpointId),
      channelState: (operator, checkpointId, inFlight) => job.channelState(operator, checkpointId, inFlight),
      declined: (operator, checkpointId, reason) => job.declined(operator, checkpointId, reason),
      inputEnded: operator => job.inputEnded(operator),
      backpressure: (operator, busy) => {
        job.backpressure(operator, busy)
        this.block(operator, busy ? { kind: 'capacity' } : undefined)
      },
      aligning: (operator, held) => {
        job.aligning(operator, held)
        // Told once per element held: only a change of what is held is a change here.
        this.block(operator, held ? { kind: 'alignment', inputs: this.heldInputs(operator) } : undefined)
      }
    }
  }

  /** Which inputs of `operator` fed by operators are held now, as a key (the others are not followed upstream). */
  private heldInputs(operator: Operator): string {
    const gate = inputsOf(operator)?.gate
    let held = ''
    this.graphOf().handles.get(operator)?.inputs.forEach((upstream, i) => {
      if (upstream !== undefined && gate?.holdsInput(i) === true) held += `${i},`
    })
    return held
  }

  private block(operator: Operator, blocker: Blocker | undefined): void {
    const before = this.blockers.get(operator)
    if (sameBlocker(before, blocker)) return
    if (blocker === undefined) this.blockers.delete(operator)
    else this.blockers.set(operator, blocker)
    this.updateBackPressure()
  }

  /**
   * Which operators are back-pressured now: those before an operator at capacity (the job
   * pauses every source then), and those before the inputs an alignment holds (the job pauses
   * the sources that fill them).
   */
  private updateBackPressure(): void {
    const at = now()
    const graph = this.graphOf()
    const blocked = new Set<Operator>()
    const addFrom = (operator: Operator): void => {
      blocked.add(operator)
      for (const a of graph.ancestors.get(operator) ?? []) blocked.add(a)
    }
    for (const [operator, blocker] of this.blockers) {
      if (blocker.kind === 'capacity') {
        for (const a of graph.ancestors.get(operator) ?? []) blocked.add(a)
        continue
      }
      const gate = inputsOf(operator)?.gate
      graph.handles.get(operator)?.inputs.forEach((upstream, i) => {
        if (upstream !== undefined && gate?.holdsInput(i) === true) addFrom(upstream)
      })
    }
    for (const [operator, since] of this.backPressuredSince) {
      if (blocked.has(operator)) continue
      this.backPressured.set(operator, (this.backPressured.get(operator) ?? 0) + at - since)
      this.backPressuredSince.delete(operator)
    }
    for (const operator of blocked) if (!this.backPressuredSince.has(operator)) this.backPressuredSince.set(operator, at)
  }

  // ---- snapshots ----

  private startTimer(): void {
    const interval = this.interval
    const tick = (): void => this.publish()
    this.timer = this.scheduler.schedule(function (this: SchedulerAction<undefined>) {
      tick()
      this.schedule(undefined, interval)
    }, interval)
  }

  private stopTimer(): void {
    this.timer?.unsubscribe()
    this.timer = undefined
  }

  private publish(): void {
    const snapshot = (this.latest = this.snapshot())
    for (const s of [...this.subscribers]) s.next(snapshot)
  }

  /** The operators as a graph, made again if operators registered since (a pipeline subscribes once, so nearly never). */
  private graphOf(): Graph {
    const handles = this.job?.operators ?? []
    if (this.graph !== undefined && this.graph.handles.size === handles.length) return this.graph
    const byOperator = new Map(handles.map(h => [h.operator, h]))
    const readers = new Map<Operator, Operator[]>()
    for (const h of handles) {
      for (const upstream of h.inputs) {
        if (upstream === undefined) continue
        let list = readers.get(upstream)
        if (list === undefined) readers.set(upstream, (list = []))
        list.push(h.operator)
      }
    }
    const ancestors = new Map<Operator, Set<Operator>>()
    const ancestorsOf = (operator: Operator): Set<Operator> => {
      let found = ancestors.get(operator)
      if (found !== undefined) return found
      found = new Set()
      ancestors.set(operator, found)
      for (const upstream of byOperator.get(operator)?.inputs ?? []) {
        if (upstream === undefined) continue
        found.add(upstream)
        for (const a of ancestorsOf(upstream)) found.add(a)
      }
      return found
    }
    const isSource = new Set(this.sources)
    const sources = new Map<Operator, Operator[]>()
    for (const h of handles) {
      const all = [h.operator, ...ancestorsOf(h.operator)]
      sources.set(h.operator, all.filter(o => isSource.has(o)))
    }
    return (this.graph = { handles: byOperator, ancestors, sources, readers, isSource: operator => isSource.has(operator) })
  }

  private snapshot(): JobMetrics {
    const timestamp = this.scheduler.now()
    const real = now()
    const graph = this.graphOf()
    const watermarks = new Watermarks(graph)
    // Rates are over the time since the previous snapshot, or since the job started running.
    const previous = this.previous
    const sinceTime = previous?.timestamp ?? (this.status === 'created' ? undefined : this.startedTimestamp)
    const sinceReal = previous?.real ?? this.startedAt
    const perSecond = (value: number | null, last: number | null | undefined, since: number | undefined, at: number): number | null =>
      value === null || since === undefined || at <= since ? null : ((value - (last ?? 0)) * 1000) / (at - since)
    const totals = new Map<string, Totals>()
    const operators: Record<string, OperatorMetrics> = {}
    for (const [operator, handle] of graph.handles) {
      const recordsOut = numRecordsOut(operator)
      // A source receives nothing from another operator: what it read is what it emitted.
      const recordsIn = graph.isSource(operator) ? recordsOut : (operator.numRecordsIn ?? 0)
      const { busy, backPressured, idle } = this.times(operator, graph.sources.get(operator)!, real)
      const before = previous?.totals.get(handle.uid)
      const output = watermarks.output(operator)
      const gate = inputsOf(operator)?.gate
      const alignment = gate?.alignment
      operators[handle.uid] = {
        name: handle.info.name,
        kind: handle.info.kind,
        numRecordsIn: recordsIn,
        numRecordsOut: recordsOut,
        numRecordsInPerSecond: perSecond(recordsIn, before?.recordsIn, sinceTime, timestamp),
        numRecordsOutPerSecond: perSecond(recordsOut, before?.recordsOut, sinceTime, timestamp),
        numLateRecordsDropped: operator.numLateRecordsDropped ?? 0,
        currentInputWatermark: watermarks.input(operator),
        currentOutputWatermark: output,
        watermarkLag: Number.isFinite(output) ? timestamp - output : null,
        busyTimeMsPerSecond: perSecond(busy, before?.busy, sinceReal, real),
        backPressuredTimeMsPerSecond: perSecond(backPressured, before?.backPressured, sinceReal, real),
        idleTimeMsPerSecond: perSecond(idle, before?.idle, sinceReal, real),
        accumulatedBusyTime: busy,
        accumulatedBackPressuredTime: backPressured,
        accumulatedIdleTime: idle,
        numElementsHeldByAlignment: gate?.heldCount ?? 0,
        checkpointAlignmentTime: alignment !== undefined ? timestamp - alignment.since : (gate?.lastAlignment?.duration ?? 0),
        checkpointStartDelay: this.arrivals.get(operator)?.delay ?? null,
        ...(hasAsyncQueue(operator) ? { asyncQueueSize: operator.queueSize, asyncOverflowSize: operator.overflowSize } : {})
      }
      totals.set(handle.uid, { recordsIn, recordsOut, busy, backPressured, idle })
    }
    if (this.status !== 'created') this.previous = { timestamp, real, totals }
    return { jobId: this.jobId, timestamp, status: this.status, operators, checkpoints: this.checkpointMetrics() }
  }

  /**
   * Busy, back-pressured and idle time of `operator` since the job started (real ms): the busy
   * time of the sources that feed it, the time it was back-pressured, and the rest; `null`
   * where no source feeds it through operators.
   */
  private times(operator: Operator, sources: readonly Operator[], real: number): Pick<Totals, 'busy' | 'backPressured' | 'idle'> {
    if (sources.length === 0) return { busy: null, backPressured: null, idle: null }
    let busy = 0
    for (const source of sources) busy += this.busy.get(source) ?? 0
    const since = this.backPressuredSince.get(operator)
    const backPressured = (this.backPressured.get(operator) ?? 0) + (since === undefined ? 0 : real - since)
    // Time overlaps where a source feeding it was read while another was paused: idle is never below 0.
    return { busy, backPressured, idle: Math.max(0, real - this.startedAt - busy - backPressured) }
  }

  private checkpointMetrics(): CheckpointMetrics {
    const last = this.lastCompleted
    const inProgress = this.inProgress === undefined ? 0 : 1
    return {
      numberOfCompletedCheckpoints: this.completed,
      numberOfFailedCheckpoints: this.failed,
      numberOfInProgressCheckpoints: inProgress,
      totalNumberOfCheckpoints: this.completed + this.failed + inProgress,
      lastCompletedCheckpointId: last?.checkpointId ?? null,
      lastCheckpointDuration: last?.duration ?? null,
      lastCheckpointSize: last?.size ?? null,
      lastCheckpointCompletedTimestamp: last === undefined ? null : last.timestamp + last.duration,
      history: this.history.slice()
    }
  }
}

/**
 * The watermarks of each operator at a snapshot. An operator that acts on watermarks keeps its
 * own (a multi-input one's inputs combine in its valve); one that only forwards them never sees
 * them, so its watermark is what the operator before it emitted, or, after a plain RxJS
 * operator, what the operator after it received.
 */
class Watermarks {
  constructor(private readonly graph: Graph) {}

  input(operator: Operator): number {
    const inputs = inputsOf(operator)
    if (inputs !== undefined) return inputs.valve.currentWatermark
    return operator.currentInputWatermark?.() ?? this.passing(operator)
  }

  output(operator: Operator): number {
    return this.emitted(operator) ?? this.passing(operator)
  }

  /** What `operator` emitted, if it keeps it or its valve does. */
  private emitted(operator: Operator): number | undefined {
    return (operator.currentOutputWatermark === undefined ? operator.currentInputWatermark?.() : operator.currentOutputWatermark()) ?? inputsOf(operator)?.valve.currentWatermark
  }

  private passing(operator: Operator): number {
    return this.fromAbove(operator) ?? this.fromBelow(operator) ?? -Infinity
  }

  private fromAbove(operator: Operator): number | undefined {
    const upstream = this.graph.handles.get(operator)?.inputs[0]
    if (upstream === undefined) return undefined
    return this.emitted(upstream) ?? this.fromAbove(upstream)
  }

  private fromBelow(operator: Operator): number | undefined {
    const readers = this.graph.readers.get(operator)
    if (readers?.length !== 1) return undefined
    const reader = readers[0]!
    // Several inputs combine in a valve: what one of them delivered is not kept apart.
    if (inputsOf(reader) !== undefined) return undefined
    return reader.currentInputWatermark?.() ?? this.fromBelow(reader)
  }
}
