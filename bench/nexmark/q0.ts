/**
 * Nexmark q0, pass-through: every event, unchanged. It measures what every other query pays
 * before its own work: the source stage (timestamps and watermarks) and leaving the stream
 * model (`values()`).
 */
import { HEAP_SAMPLE_MASK } from '../harness'
import { checkTimestamp, type NexmarkQuery, timestamped } from './common'
import type { NexmarkEvent } from './generator'

const KIND_CODE = { person: 1, auction: 2, bid: 3 } as const

/** q0: `SELECT * FROM events`. */
export const q0: NexmarkQuery<NexmarkEvent> = {
  id: 'q0',
  title: 'pass-through',
  exercises: 'the source stage alone: assignTimestampsAndWatermarks (a watermark after every event that raises the maximum) and values()',
  pipeline: (ds, env) => events$ => events$.pipe(timestamped(ds, env.config), ds.values()),
  hand: (at, size, _env, probe, emit) => {
    // What the watermark generator does per event: check the timestamp, track the maximum.
    let maxTs = -Infinity
    for (let i = 0; i < size; i++) {
      if ((i & HEAP_SAMPLE_MASK) === 0) probe.sample()
      const e = at(i)
      const ts = e.dateTime
      checkTimestamp(ts)
      if (ts > maxTs) maxTs = ts
      emit(e)
    }
  },
  row: (e, sink) => sink.row(KIND_CODE[e.kind], e.kind === 'bid' ? e.bidder : e.id, e.dateTime, 0, 0)
}
