/**
 * The job an operator belongs to: every operator of a subscription made in `runInJob`
 * registers with its uid, name and kind, and counts the records it received and wrote and the
 * late records it dropped.
 */
import { from, of } from 'rxjs'
import * as ds from '../../src/index'
import { rec, wm } from '../../marbles/index'
import { JobContext, runInJob } from '../../src/runtime/JobContext'
import { numRecordsOut } from '../../src/runtime/StreamOperator'

describe('the job context', () => {
  it('registers every operator of a chain with its kind, name and uid, and counts records in and out', () => {
    const job = new JobContext()
    const seen: number[] = []
    const input = [rec(1, 1), rec(2, 2), rec(3, 3), rec(4, 4), wm(10)]
    runInJob(job, () =>
      from(input)
        .pipe(
          ds.mapValues((v: number) => v * 10, { name: 'times ten', uid: 'x10' }),
          ds.filterValues(v => v > 10, { uid: 'big' }),
          ds.flatMapValues(v => [v, v]),
          ds.values()
        )
        .subscribe(v => seen.push(v))
    )
    expect(seen).toEqual([20, 20, 30, 30, 40, 40])
    const operators = job.operators.map(({ info, operator }) => [info.kind, info.name, info.uid, operator.numRecordsIn, numRecordsOut(operator)])
    // Subscribing starts at the end of a chain: the last operator is created first.
    expect(operators).toEqual([
      ['flatMapValues', 'flatMapValues', undefined, 3, 6],
      ['filterValues', 'filterValues', 'big', 4, 3],
      ['mapValues', 'times ten', 'x10', 4, 4]
    ])
    expect(job.operator('x10').info.name).toBe('times ten')
    // Each operator knows the operators it reads, one entry per input: the first reads a plain Observable.
    expect(job.operators.map(({ inputs }) => inputs.map(op => op?.info.kind))).toEqual([['filterValues'], ['mapValues'], [undefined]])
    // And where its output goes: the next operator itself (a fused chain), or none (the subscriber).
    expect(job.operators.map(({ output }) => (output === undefined ? undefined : [output.operator.info.kind, output.input, output.chained]))).toEqual([
      undefined,
      ['flatMapValues', 0, true],
      ['filterValues', 0, true]
    ])
    expect(() => job.operator('nothing')).toThrowError(/0 operators with uid or kind nothing/)
  })

  it('counts late records a window dropped, and what it wrote', () => {
    const job = new JobContext()
    runInJob(job, () =>
      of(rec(1, 1, 'a'), rec(2, 2, 'a'), wm(20), rec(3, 3, 'a'), rec(4, 25, 'b'))
        .pipe(ds.windowBy(ds.tumblingEventTimeWindows(10), { uid: 'w' }).reduce<number, string>((a, b) => a + b))
        .subscribe()
    )
    const window = job.operator('w')
    expect([window.numRecordsIn, numRecordsOut(window), window.numLateRecordsDropped]).toEqual([4, 2, 1])
  })

  it('counts each input of a multi-input operator into it, and knows which operator feeds which input', () => {
    const job = new JobContext()
    runInJob(job, () =>
      of(rec('a', 1), rec('b', 2))
        .pipe(
          ds.mapValues(s => s, { uid: 'left' }),
          ds.unionWith(of(rec('c', 3)).pipe(ds.mapValues(s => s, { uid: 'right' })), { uid: 'u' }),
          ds.mapValues(s => s.toUpperCase())
        )
        .subscribe()
    )
    const union = job.operator('u')
    expect([union.numRecordsIn, numRecordsOut(union)]).toEqual([3, 3])
    const handle = job.operators.find(h => h.operator === union)!
    expect(handle.inputs.map(op => op?.info.uid)).toEqual(['left', 'right'])
    // Each input reaches the union through its input gate, not as a fused call.
    const outputOf = (uid: string) => job.operators.find(h => h.uid === uid)!.output
    expect([outputOf('left'), outputOf('right')].map(o => [o?.operator, o?.input, o?.chained])).toEqual([
      [union, 0, false],
      [union, 1, false]
    ])
  })

  it('leaves operators subscribed outside any job unregistered', () => {
    const job = new JobContext()
    of(rec(1, 1)).pipe(ds.mapValues(v => v)).subscribe()
    expect(job.operators).toEqual([])
  })
})
