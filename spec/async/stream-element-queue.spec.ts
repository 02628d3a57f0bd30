/** The queue of asyncWait on its own: which entry may leave when, in both orders. */
import type { StreamElement } from '../../src/index'
import { Fifo } from '../../src/async/Fifo'
import { OrderedQueue, QueueEntry, type StreamElementQueue, UnorderedQueue } from '../../src/async/StreamElementQueue'
import { idle, rec, side, wm } from '../../marbles/index'
import { OutputTag } from '../../src/core/OutputTag'

type Entry = QueueEntry<number, never, number>

const entry = (e: StreamElement<number>): Entry => new QueueEntry<number, never, number>(e, e._tag === 'Watermark' || e._tag === 'StreamStatus')
const finish = (q: StreamElementQueue<number, never, number>, e: Entry): void => {
  e.done = true
  q.completed(e)
}
const drain = (q: StreamElementQueue<number, never, number>): string[] => {
  const out: string[] = []
  for (let e = q.poll(); e !== undefined; e = q.poll()) out.push(e.element._tag === 'Record' ? `r${e.element.value}` : e.element._tag === 'Watermark' ? `W${e.element.timestamp}` : e.element._tag)
  return out
}

describe('StreamElementQueue', () => {
  it('ordered: only a complete head leaves; everything else waits behind it', () => {
    const q = new OrderedQueue<number, never, number>()
    const [a, w, b] = [entry(rec(1, 1)), entry(wm(1)), entry(rec(2, 2))]
    for (const e of [a, w, b]) q.add(e)
    finish(q, b)
    expect(drain(q)).toEqual([])
    finish(q, a)
    expect(drain(q)).toEqual(['r1', 'W1', 'r2'])
    expect(q.size).toBe(0)
    expect(q.first).toBeUndefined()
  })

  it('unordered: records of the head segment leave as they complete; a separator leaves once it is oldest', () => {
    const q = new UnorderedQueue<number, never, number>()
    const [a, b, w, c, d, s, e] = [entry(rec(1, 1)), entry(rec(2, 2)), entry(wm(2)), entry(rec(3, 3)), entry(rec(4, 4)), entry(idle()), entry(rec(5, 5))]
    for (const x of [a, b, w, c, d, s, e]) q.add(x)
    finish(q, b)
    expect(drain(q)).toEqual(['r2'])
    finish(q, e) // third segment
    finish(q, d) // second segment, completes after e but before c
    finish(q, c)
    expect(drain(q)).toEqual([])
    finish(q, a)
    expect(drain(q)).toEqual(['r1', 'W2', 'r4', 'r3', 'StreamStatus', 'r5'])
    expect(q.size).toBe(0)
  })

  it('unordered: a side record is complete on arrival and leaves with its segment', () => {
    const q = new UnorderedQueue<number, never, number>()
    const a = entry(rec(1, 1))
    q.add(a)
    q.add(entry(side(new OutputTag<string>('t'), 'x', 1) as StreamElement<number>))
    expect(drain(q)).toEqual(['SideRecord'])
    expect(q.size).toBe(1)
  })

  it('keeps every entry not yet left, in arrival order, reachable from `first` (what a snapshot reads)', () => {
    const q = new UnorderedQueue<number, never, number>()
    const xs = [entry(rec(1, 1)), entry(rec(2, 2)), entry(wm(2)), entry(rec(3, 3))]
    for (const x of xs) q.add(x)
    finish(q, xs[1]!)
    drain(q)
    const left: Entry[] = []
    for (let e = q.first; e !== undefined; e = e.next) left.push(e)
    expect(left).toEqual([xs[0]!, xs[2]!, xs[3]!])
  })
})

describe('Fifo', () => {
  it('is first in, first out across growth and wrap-around', () => {
    const f = new Fifo<number>()
    const expected: number[] = []
    let next = 0
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < round; i++) {
        f.push(next)
        expected.push(next++)
      }
      for (let i = 0; i < round / 2; i++) expect(f.shift()).toBe(expected.shift())
      expect([...f]).toEqual(expected)
      expect(f.length).toBe(expected.length)
    }
    f.clear()
    expect(f.shift()).toBeUndefined()
    expect(f.length).toBe(0)
  })
})
