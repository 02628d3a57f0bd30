/**
 * The keyed function of the large-state jobs (bench/large-state-job.ts, bench/large-checkpoint-job.ts):
 * a payload per key in a value state, written by the key's first record and checked by its second.
 */
import * as t from 'io-ts'
import * as ds from '../src/index'

const payload = ds.valueState('payload', t.string)

/** The payload of key `key`: its number, repeated to `chars` characters. */
export function payloadOf(key: number, chars: number): string {
  const unit = `${key};`
  return unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars)
}

/** The keyed function of the job: 1 for a key's first record, 2 for its second (its payload read back whole). */
export function payloadCheck(chars: number): ds.KeyedProcessFunction<number, number, number> {
  return {
    processElement: (key, ctx, out) => {
      const state = ctx.state(payload)
      const stored = state.value()
      if (stored === undefined) {
        state.update(payloadOf(key, chars))
        out.collect(1)
      } else out.collect(stored === payloadOf(key, chars) ? 2 : -1)
    }
  }
}

