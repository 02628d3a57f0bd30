/**
 * Snapshot-and-restore runs, as Flink's operator test harnesses do them: a pipeline runs over
 * a script of inputs once without interruption, and once interrupted after `cut` inputs. At
 * the cut, every operator of the job is snapshotted and the snapshots go through JSON (plain
 * bytes, nothing live kept), the subscription is dropped, the pipeline is subscribed afresh,
 * each new operator is initialized from its predecessor's snapshot (matched by registration
 * order: the same pipeline registers its operators in the same order), and the rest of the
 * script is fed. What the interrupted run emitted before and after the cut must equal what
 * the uninterrupted run emitted.
 */
import { strict as assert } from 'node:assert'
import { type Observable, Subject, type Subscription } from 'rxjs'
import type * as ds from '../../src/index'
import { JobContext, runInJob } from '../../src/runtime/JobContext'
import { snapshotOperator, snapshotOperatorDeferred } from '../../src/runtime/operatorSnapshot'

/** One step of a script: an element for input `input`, or the end of that input. */
export type Step<T = unknown, K = unknown> = readonly [input: number, element: ds.StreamElement<T, K> | 'end']

/** Builds the pipeline under test from its inputs. */
export type Build<In, K, Out> = (inputs: Observable<ds.StreamElement<In, K>>[]) => Observable<Out>

/** What a run emitted: elements in order, then how it ended. */
export interface Emitted<Out> {
  readonly elements: Out[]
  error: unknown
  completed: boolean
}

/** A subscribed pipeline, its inputs, its job and what it emitted so far. */
export interface Running<In, K, Out> {
  readonly inputs: Subject<ds.StreamElement<In, K>>[]
  readonly job: JobContext
  readonly subscription: Subscription
  readonly emitted: Emitted<Out>
}

/** Subscribes the pipeline in a job of its own, emitting into `emitted`. */
export function startJob<In, K, Out>(
  inputCount: number,
  build: Build<In, K, Out>,
  emitted: Emitted<Out> = { elements: [], error: undefined, completed: false },
  restored?: readonly unknown[]
): Running<In, K, Out> {
  const inputs = Array.from({ length: inputCount }, () => new Subject<ds.StreamElement<In, K>>())
  const job = new JobContext(restored)
  const subscription = runInJob(job, () =>
    build(inputs.map(s => s.asObservable())).subscribe({
      next: e => emitted.elements.push(e),
      error: (e: unknown) => (emitted.error = e),
      complete: () => (emitted.completed = true)
    })
  )
  return { inputs, job, subscription, emitted }
}

/** Feeds `steps` to the pipeline's inputs. */
export function feed<In, K, Out>(running: Running<In, K, Out>, steps: readonly Step<In, K>[]): void {
  for (const [input, element] of steps) {
    if (element === 'end') running.inputs[input]!.complete()
    else running.inputs[input]!.next(element)
  }
}

/** Every operator's snapshot, through JSON: what a store would keep. */
export function snapshotJob(job: JobContext): unknown[] {
  return job.operators.map(({ operator }) => JSON.parse(JSON.stringify(snapshotOperator(operator, { checkpointId: 1, checkpointTimestamp: 0 }))) as unknown)
}

/**
 * Checks that snapshots written in steps (as a checkpoint writes them, copy-on-write) describe
 * the job as it was when they were taken, however it goes on meanwhile: every operator of the
 * first job starts one now, `goOn` feeds the job the rest of its input in two halves, with one
 * step of writing (one key of each table) between them, and the written snapshots must equal
 * `taken`, the ones taken at once at the same point.
 */
function expectSameWrittenInSteps<In, K, Out>(running: Running<In, K, Out>, taken: unknown[], goOn: readonly Step<In, K>[]): void {
  const deferred = running.job.operators.map(({ operator }) => snapshotOperatorDeferred(operator, { checkpointId: 1, checkpointTimestamp: 0 }))
  const half = goOn.length >> 1
  feed(running, goOn.slice(0, half))
  for (const d of deferred) d.step(-Infinity)
  feed(running, goOn.slice(half))
  const written = deferred.map(d => {
    d.step(Infinity)
    return JSON.parse(d.text()) as unknown
  })
  assert.deepEqual(written, taken, 'a snapshot written in steps while the job went on differs from the one taken at once')
}

/**
 * The interrupted run: `before` feeds the first job, every operator is snapshotted (through
 * JSON), the subscription is dropped, and `after` feeds a second job restored from those
 * snapshots (the job puts each back as its operator is created, before the operator opens).
 * With `goOn`, the first job is fed those steps after its snapshot, and snapshots written in
 * steps meanwhile must equal it (see `expectSameWrittenInSteps`); what it emits then is not
 * part of the interrupted run.
 * Returns what both jobs emitted, in one list, and the snapshots (none if the first job had
 * already ended: nothing is restored then).
 */
export function interruptAndRestore<In, K, Out>(
  inputCount: number,
  build: Build<In, K, Out>,
  before: (running: Running<In, K, Out>) => void,
  after: (running: Running<In, K, Out>) => void,
  goOn?: readonly Step<In, K>[],
  /** The pipeline the snapshots are restored into, when not `build` (an operator built otherwise). */
  restoreInto: Build<In, K, Out> = build
): { restored: Emitted<Out>; snapshots: unknown[] } {
  const first = startJob(inputCount, build)
  before(first)
  const emitted: Emitted<Out> = { ...first.emitted, elements: [...first.emitted.elements] }
  const live = emitted.error === undefined && !emitted.completed
  const snapshots = live ? snapshotJob(first.job) : []
  if (live && goOn !== undefined) expectSameWrittenInSteps(first, snapshots, goOn)
  first.subscription.unsubscribe()
  if (!live) return { restored: emitted, snapshots }

  const second = startJob(inputCount, restoreInto, emitted, snapshots)
  const operators = second.job.operators
  if (operators.length !== snapshots.length) throw new Error(`the restored job has ${operators.length} operators, the snapshot ${snapshots.length}`)
  after(second)
  second.subscription.unsubscribe()
  return { restored: emitted, snapshots }
}

/**
 * Runs `script` through the pipeline `build` makes of `inputCount` inputs, uninterrupted and
 * interrupted at `cut`; returns both runs' emissions (the interrupted one across the cut).
 */
export function runWithRestore<In, K, Out>(
  inputCount: number,
  build: Build<In, K, Out>,
  script: readonly Step<In, K>[],
  cut: number
): { uninterrupted: Emitted<Out>; restored: Emitted<Out>; snapshots: unknown[] } {
  const uninterrupted = startJob(inputCount, build)
  feed(uninterrupted, script)
  uninterrupted.subscription.unsubscribe()
  const { restored, snapshots } = interruptAndRestore(
    inputCount,
    build,
    first => feed(first, script.slice(0, cut)),
    second => feed(second, script.slice(cut)),
    script.slice(cut)
  )
  return { uninterrupted: uninterrupted.emitted, restored, snapshots }
}
