/**
 * Sliced windows take a watermark that advances event time without anything due in one step
 * (set the time, forward it), and every other in full. Either way the rule is the keyed
 * operators' (FLINK_SEMANTICS.md): a watermark that does not advance is dropped, not forwarded
 * and not taken back; one that reaches a window's maximum timestamp fires it first, then goes
 * on. Fed as elements, so that watermarks can repeat and fall, which a timestamps operator never
 * emits.
 */
import { from } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements } from '../../marbles/index'
import { describeBackends } from '../support/backends'
import { sumCount } from '../support/aggregates'

interface Event {
  readonly key: string
  readonly value: number
}

const record = (value: number, ts: number): ds.StreamElement<Event> => ds.streamRecord({ key: 'a', value }, ts)

/** Records, watermarks that repeat and fall, and one at the maximum timestamp of the window [0, 10). */
const input: ds.StreamElement<Event>[] = [
  record(1, 3),
  record(2, 12),
  ds.watermark(8),
  ds.watermark(5),
  ds.watermark(8),
  record(4, 7),
  ds.watermark(9),
  ds.watermark(9),
  ds.watermark(2),
  record(8, 9)
]

describeBackends('sliced windows: watermarks that do not advance, and the one a window is due at', () => {
  it('windowAll drops them, and fires a window before the watermark at its maximum timestamp', () => {
    const out = collectElements(from(input).pipe(ds.windowAll(ds.tumblingEventTimeWindows(10)).aggregate(sumCount)))
    expect(out.error).toBeUndefined()
    expect(out.elements).toEqual([
      ds.watermark(8),
      ds.streamRecord('5/2', 9, undefined),
      ds.watermark(9),
      // After the watermark of 9, not the 2 that came later: the window has fired and is cleaned up.
      ds.streamRecord('2/1', 19, undefined),
      ds.MAX_WATERMARK
    ] as ds.StreamElement<string>[])
  })

  it('keyed windows drop them, and fire a window before the watermark at its maximum timestamp', () => {
    const out = collectElements(
      from(input).pipe(
        ds.keyBy((e: Event) => e.key),
        ds.windowBy(ds.tumblingEventTimeWindows(10)).aggregate(sumCount)
      )
    )
    expect(out.error).toBeUndefined()
    expect(out.elements).toEqual([
      ds.watermark(8),
      ds.streamRecord('5/2', 9, 'a'),
      ds.watermark(9),
      ds.streamRecord('2/1', 19, 'a'),
      ds.MAX_WATERMARK
    ] as ds.StreamElement<string, string>[])
  })
})
