/**
 * Barrier handling at an operator of several inputs (src/runtime/CheckpointedInputGate.ts):
 * Flink's alignment and tracking vectors (spec/fixtures/flink-barriers.json), and properties over
 * random interleavings of 2–3 inputs for each mode.
 */
import * as fc from 'fast-check'
import { Subject } from 'rxjs'
import * as ds from '../../src/index'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkpointBarrier, type CheckpointBarrier, type SideRecord } from '../../src/core/StreamElement'
import { CheckpointedInputGate, type GateOptions, type GateOutput, type InputElement } from '../../src/runtime/CheckpointedInputGate'

type Event =
  | { readonly type: 'record'; readonly channel: number; readonly value: number; readonly ts: number }
  | { readonly type: 'barrier'; readonly channel: number; readonly id: number }
  | { readonly type: 'cancel'; readonly channel: number; readonly id: number }
  | { readonly type: 'end'; readonly channel: number }
  | { readonly type: 'mark' }

type Out = { readonly type: 'record'; readonly value: number; readonly ts: number } | { readonly type: 'barrier'; readonly id: number } | { readonly type: 'mark' }

interface BarrierCase {
  readonly id: string
  readonly kind: 'barrierAlignment' | 'barrierTracking'
  readonly config: { readonly channels: number; readonly checkpointingMode: 'exactly-once' | 'at-least-once' }
  readonly input: readonly Event[]
  readonly expected: readonly Out[]
  readonly checkpoints?: { readonly triggered?: readonly number[]; readonly aborted?: readonly number[] }
}

/** What a gate did: its output, the checkpoints it triggered and aborted, channel states. */
class Recorder implements GateOutput {
  readonly out: Out[] = []
  readonly triggered: number[] = []
  readonly aborted: number[] = []
  readonly ended: number[] = []
  readonly channelStates = new Map<number, readonly InputElement[]>()
  /** Per triggered checkpoint: the record values processed before it (the snapshot's view). */
  readonly snapshots = new Map<number, readonly number[]>()

  record(_input: number, value: unknown, timestamp: number): void {
    this.out.push({ type: 'record', value: value as number, ts: timestamp })
  }
  watermark(): void {}
  status(): void {}
  side(_input: number, _element: SideRecord<unknown>): void {}
  end(input: number): void {
    this.ended.push(input)
  }
  triggerCheckpoint(barrier: CheckpointBarrier): void {
    this.triggered.push(barrier.checkpointId)
    this.snapshots.set(barrier.checkpointId, this.out.flatMap(o => (o.type === 'record' ? [o.value] : [])))
    this.out.push({ type: 'barrier', id: barrier.checkpointId })
  }
  channelStateComplete(checkpointId: number, inFlight: readonly InputElement[]): void {
    this.channelStates.set(checkpointId, inFlight)
  }
  abortCheckpoint(checkpointId: number): void {
    this.aborted.push(checkpointId)
  }
  /** What the gate last said about holding input back (a job pauses sources while it is true). */
  holdingNow = false
  holding(held: boolean): void {
    this.holdingNow = held
  }
}

function drive(channels: number, options: GateOptions, input: readonly Event[]): Recorder {
  const recorder = new Recorder()
  const gate = new CheckpointedInputGate(channels, recorder, options)
  for (const e of input) {
    switch (e.type) {
      case 'record':
        gate.record(e.channel, e.value, e.ts, undefined)
        break
      case 'barrier':
        gate.barrier(e.channel, checkpointBarrier(e.id, 0))
        break
      case 'cancel':
        gate.cancel(e.channel, e.id)
        break
      case 'end':
        gate.end(e.channel)
        break
      case 'mark':
        recorder.out.push({ type: 'mark' })
    }
    // What a job pauses its sources by: the gate says it holds input exactly while it does.
    if ((gate.heldCount > 0) !== recorder.holdingNow) throw new Error(`the gate holds ${gate.heldCount} elements but last said holding: ${recorder.holdingNow}`)
  }
  return recorder
}

const cases = (JSON.parse(readFileSync(join(__dirname, '../../../spec/fixtures/flink-barriers.json'), 'utf8')) as { cases: BarrierCase[] }).cases

describe('CheckpointedInputGate: Flink barrier vectors', () => {
  for (const c of cases) {
    it(`${c.kind} ${c.id}`, () => {
      const r = drive(c.config.channels, { mode: c.config.checkpointingMode }, c.input)
      expect(r.out).toEqual([...c.expected])
      if (c.checkpoints?.triggered !== undefined) expect(r.triggered).toEqual([...c.checkpoints.triggered])
      if (c.checkpoints?.aborted !== undefined) expect(r.aborted).toEqual([...c.checkpoints.aborted])
    })
  }
})

/** The same vectors through the public API: `unionWith` of one Subject per channel. */
function driveUnion(channels: number, input: readonly Event[]): { out: Out[]; completed: boolean } {
  const subjects = Array.from({ length: channels }, () => new Subject<ds.StreamElement<number>>())
  const out: Out[] = []
  let completed = false
  subjects[0]!.pipe(ds.unionWith(...subjects.slice(1))).subscribe({
    next: e => {
      if (e._tag === 'Record') out.push({ type: 'record', value: e.value, ts: e.timestamp })
      else if (e._tag === 'CheckpointBarrier') out.push({ type: 'barrier', id: e.checkpointId })
    },
    complete: () => {
      completed = true
    }
  })
  for (const e of input) {
    if (e.type === 'mark') out.push({ type: 'mark' })
    else if (e.type === 'record') subjects[e.channel]!.next(ds.streamRecord(e.value, e.ts))
    else if (e.type === 'barrier') subjects[e.channel]!.next(ds.checkpointBarrier(e.id, 0))
    else if (e.type === 'cancel') subjects[e.channel]!.next(ds.cancelCheckpointMarker(e.id))
    else subjects[e.channel]!.complete()
  }
  return { out, completed }
}

describe('unionWith: Flink barrier vectors through the public API (exactly-once, the default)', () => {
  for (const c of cases.filter(c => c.config.checkpointingMode === 'exactly-once')) {
    it(c.id, () => {
      expect(driveUnion(c.config.channels, c.input).out).toEqual([...c.expected])
    })
  }
})

describe('CheckpointedInputGate: rules', () => {
  const rec = (channel: number, value: number): Event => ({ type: 'record', channel, value, ts: value })
  const bar = (channel: number, id: number): Event => ({ type: 'barrier', channel, id })
  const values = (r: Recorder): Array<number | string> => r.out.map(o => (o.type === 'record' ? o.value : o.type === 'barrier' ? `B${o.id}` : '|'))

  it('exactly-once: an input that ends while a checkpoint aligns counts as aligned, once', () => {
    const r = drive(3, { mode: 'exactly-once' }, [bar(0, 1), rec(0, 1), bar(1, 1), { type: 'end', channel: 2 }, rec(1, 2)])
    expect(values(r)).toEqual(['B1', 1, 2])
    expect(r.ended).toEqual([2])
  })

  it('exactly-once: an ended input that had delivered the barrier is not counted twice', () => {
    // Channel 0 delivered barrier 2, then (unblocked after checkpoint 1... here directly) ends:
    // its end is held with it, so checkpoint 2 still waits for channel 1.
    const r = drive(2, { mode: 'exactly-once' }, [bar(0, 2), { type: 'end', channel: 0 }, rec(1, 5)])
    expect(values(r)).toEqual([5])
    expect(r.triggered).toEqual([])
  })

  it('exactly-once: a cancellation marker aborts the pending checkpoint once and releases what was held', () => {
    const r = drive(2, { mode: 'exactly-once' }, [bar(0, 1), rec(0, 1), { type: 'cancel', channel: 1, id: 1 }, { type: 'cancel', channel: 0, id: 1 }, bar(1, 1), rec(1, 2)])
    expect(values(r)).toEqual([1, 2])
    expect(r.aborted).toEqual([1])
    expect(r.triggered).toEqual([])
  })

  it('exactly-once: a cancellation of a newer checkpoint aborts the pending one and drops the newer one\'s barriers', () => {
    const r = drive(2, { mode: 'exactly-once' }, [bar(0, 1), { type: 'cancel', channel: 1, id: 2 }, bar(1, 1), bar(1, 2), bar(0, 2), bar(0, 3), bar(1, 3)])
    expect(r.aborted).toEqual([1, 2])
    expect(r.triggered).toEqual([3])
  })

  it('exactly-once, unaligned: the first barrier triggers; what overtaken inputs deliver before theirs is the channel state', () => {
    const r = drive(2, { mode: 'exactly-once', unaligned: true }, [rec(0, 1), bar(0, 1), rec(0, 2), rec(1, 3), rec(1, 4), bar(1, 1), rec(1, 5)])
    expect(values(r)).toEqual([1, 'B1', 2, 3, 4, 5])
    expect(r.channelStates.get(1)?.map(e => (e.kind === 'record' ? e.value : e.kind))).toEqual([3, 4])
  })

  it('exactly-once with an alignment timeout: a slow alignment turns unaligned and releases what it held', () => {
    let now = 0
    const recorder = new Recorder()
    const gate = new CheckpointedInputGate(2, recorder, { mode: 'exactly-once', alignmentTimeout: 100, now: () => now })
    gate.barrier(0, checkpointBarrier(1, 0))
    gate.record(0, 1, 1, undefined) // held
    now = 50
    gate.record(1, 2, 2, undefined) // before barrier 1 on input 1: processed
    now = 150
    gate.record(1, 3, 3, undefined) // timeout: checkpoint 1 triggered, 1 released, then 3 (in flight)
    gate.barrier(1, checkpointBarrier(1, 0))
    expect(values(recorder)).toEqual([2, 'B1', 1, 3])
    expect(recorder.channelStates.get(1)?.map(e => (e.kind === 'record' ? e.value : e.kind))).toEqual([3])
  })

  it('at-least-once: nothing is held; an ended input completes what only waited for it', () => {
    const r = drive(2, { mode: 'at-least-once' }, [bar(0, 1), rec(0, 1), rec(1, 2), { type: 'end', channel: 1 }])
    expect(values(r)).toEqual([1, 2, 'B1'])
  })
})

// ---- properties over random interleavings ----

/** Random inputs: each channel a sequence of records and barriers 1..n in order, then maybe its end; interleaved at random. */
const interleavings = fc
  .record({ channels: fc.integer({ min: 2, max: 3 }), checkpoints: fc.integer({ min: 1, max: 4 }), seed: fc.array(fc.nat(), { minLength: 1, maxLength: 120 }), ends: fc.boolean() })
  .map(({ channels, checkpoints, seed, ends }) => {
    let next = 0
    const perChannel: Event[][] = []
    for (let c = 0; c < channels; c++) {
      const seq: Event[] = []
      for (let id = 1; id <= checkpoints + 1; id++) {
        const n = seed[(c * 7 + id) % seed.length]! % 4
        for (let k = 0; k < n; k++) seq.push({ type: 'record', channel: c, value: next, ts: next++ })
        if (id <= checkpoints) seq.push({ type: 'barrier', channel: c, id })
      }
      if (ends) seq.push({ type: 'end', channel: c })
      perChannel.push(seq)
    }
    const merged: Event[] = []
    const pos = perChannel.map(() => 0)
    let i = 0
    while (merged.length < perChannel.reduce((n, s) => n + s.length, 0)) {
      const open = perChannel.map((s, c) => c).filter(c => pos[c]! < perChannel[c]!.length)
      const c = open[seed[i++ % seed.length]! % open.length]!
      merged.push(perChannel[c]![pos[c]!++]!)
    }
    return { channels, checkpoints, input: merged, ends }
  })

/** The checkpoint each record belongs to on its channel: the number of barriers before it + 1. */
function epochs(input: readonly Event[]): Map<number, number> {
  const seen = new Map<number, number>()
  const epoch = new Map<number, number>()
  for (const e of input) {
    if (e.type === 'barrier') seen.set(e.channel, e.id)
    if (e.type === 'record') epoch.set(e.value, (seen.get(e.channel) ?? 0) + 1)
  }
  return epoch
}

describe('CheckpointedInputGate: properties', () => {
  it('exactly-once aligned: every record once, in channel order; each barrier n after all records before it and before all records after it', () => {
    fc.assert(
      fc.property(interleavings, ({ channels, checkpoints, input, ends }) => {
        const r = drive(channels, { mode: 'exactly-once' }, input)
        const epoch = epochs(input)
        let current = 1
        const emitted: number[] = []
        for (const o of r.out) {
          if (o.type === 'barrier') {
            expect(o.id).toBe(current)
            current++
          } else if (o.type === 'record') {
            // Consistency: a record of epoch e is emitted after barrier e − 1 and before barrier e.
            expect(epoch.get(o.value)).toBe(current)
            emitted.push(o.value)
          }
        }
        expect(r.triggered).toEqual(Array.from({ length: checkpoints }, (_, k) => k + 1))
        expect(r.aborted).toEqual([])
        if (ends) expect([...emitted].sort((a, b) => a - b)).toEqual([...epoch.keys()].sort((a, b) => a - b))
        for (let c = 0; c < channels; c++) {
          const mine = input.flatMap(e => (e.type === 'record' && e.channel === c ? [e.value] : []))
          expect(emitted.filter(v => mine.includes(v))).toEqual(mine.slice(0, emitted.filter(v => mine.includes(v)).length))
        }
      })
    )
  })

  it('exactly-once unaligned: the snapshot plus the channel state is exactly the records before the barrier on every input', () => {
    fc.assert(
      fc.property(interleavings, ({ channels, input }) => {
        const r = drive(channels, { mode: 'exactly-once', unaligned: true }, input)
        const epoch = epochs(input)
        // Nothing is held: records leave in arrival order.
        expect(r.out.flatMap(o => (o.type === 'record' ? [o.value] : []))).toEqual(input.flatMap(e => (e.type === 'record' ? [e.value] : [])))
        for (const id of r.triggered) {
          const state = r.channelStates.get(id)
          if (state === undefined) continue // not complete: its inputs' barriers did not all arrive
          const covered = [...r.snapshots.get(id)!, ...state.flatMap(e => (e.kind === 'record' ? [e.value as number] : []))].sort((a, b) => a - b)
          const before = [...epoch.entries()].filter(([, e]) => e <= id).map(([v]) => v).sort((a, b) => a - b)
          expect(covered).toEqual(before)
        }
      })
    )
  })

  it('at-least-once: records pass in arrival order; checkpoint n is triggered once its barrier came from every open input', () => {
    fc.assert(
      fc.property(interleavings, ({ channels, checkpoints, input }) => {
        const r = drive(channels, { mode: 'at-least-once' }, input)
        expect(r.out.flatMap(o => (o.type === 'record' ? [o.value] : []))).toEqual(input.flatMap(e => (e.type === 'record' ? [e.value] : [])))
        // Every barrier of every channel arrives in order, so every checkpoint completes.
        expect(r.triggered).toEqual(Array.from({ length: checkpoints }, (_, k) => k + 1))
        // A snapshot sees at least every record before its barrier on every input.
        const epoch = epochs(input)
        for (const id of r.triggered) {
          const seen = new Set(r.snapshots.get(id))
          for (const [v, e] of epoch) if (e <= id) expect(seen.has(v)).toBeTrue()
        }
        void channels
      })
    )
  })
})
