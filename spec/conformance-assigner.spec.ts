/**
 * Drives the `assigner` conformance vectors (spec/fixtures/flink-cases.json, format in
 * /work/shared/conformance/README.md, section `assigner`) through the public assigner
 * factories and `windowStart` / `intersects` / an assigner's `mergeWindows`. `expected[i]`
 * answers `input[i]`; an event or assigner type this driver does not know fails its case.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  eventTimeSessionWindows,
  eventTimeSessionWindowsWithDynamicGap,
  globalWindows,
  slidingEventTimeWindows,
  tumblingEventTimeWindows,
  tumblingProcessingTimeWindows
} from '../src/windowing/assigners'
import { intersects, timeWindow, windowStart, type TimeWindow } from '../src/windowing/TimeWindow'
import type { WindowAssigner } from '../src/windowing/WindowAssigner'

type Json = Record<string, unknown>
type Ts = number | 'MAX' | 'MIN' | null
type Pair = [Ts, Ts]

interface Case {
  id: string
  kind: string
  input: Json[]
  expected: Json[]
  windowOrder?: string
}

const fixtures = JSON.parse(readFileSync(join(__dirname, '..', '..', 'spec', 'fixtures', 'flink-cases.json'), 'utf8')) as {
  cases: Case[]
}

/** `"MAX"`/`"MIN"` are Java's Long.MAX_VALUE/MIN_VALUE: rx-datastream's end/start of time. */
const time = (t: Ts): number => (t === 'MAX' ? Infinity : t === 'MIN' || t === null ? -Infinity : t)

const toWindow = ([start, end]: Pair): TimeWindow => timeWindow(time(start), time(end))
const toPair = (w: TimeWindow): [number, number] => [w.start, w.end]
const byStartThenEnd = (a: [number, number], b: [number, number]) => a[0] - b[0] || a[1] - b[1]

interface GapRule {
  key?: unknown
  value?: unknown
  gap: number
}

/** The assigner an `assign` event names (config vocabulary of the conformance README). */
function assignerOf(spec: Json): WindowAssigner<unknown> {
  const n = (field: string) => spec[field] as number
  const offset = spec['offset'] === undefined ? undefined : n('offset')
  switch (spec['type']) {
    case 'tumblingEventTime':
      return tumblingEventTimeWindows(n('size'), offset)
    case 'slidingEventTime':
      return slidingEventTimeWindows(n('size'), n('slide'), offset)
    case 'tumblingProcessingTime':
      return tumblingProcessingTimeWindows(n('size'), offset)
    case 'eventTimeSession':
      return eventTimeSessionWindows(n('gap'))
    case 'dynamicEventTimeSession': {
      const rules = spec['gapRules'] as GapRule[]
      return eventTimeSessionWindowsWithDynamicGap((record: { key: unknown; value: unknown }) => {
        const rule = rules.find(r => r.key === record.key && (r.value === undefined || r.value === record.value))
        if (rule === undefined) throw new Error(`no gap rule matches ${JSON.stringify(record)}`)
        return rule.gap
      }) as WindowAssigner<unknown>
    }
    case 'global':
      return globalWindows({ fireAtEndOfInput: spec['defaultTrigger'] === 'endOfStream' })
    default:
      throw new Error(`unknown assigner type ${JSON.stringify(spec['type'])}`)
  }
}

/** Runs one input event; the answer in the shape of `expected`, times mapped to numbers. */
function answer(event: Json, windowsAsSets: boolean): unknown {
  switch (event['type']) {
    case 'assign': {
      const assigner = assignerOf(event['assigner'] as Json)
      const ts = time(event['ts'] as Ts)
      // Processing-time assigners read the clock, set to `ts`; the record carries no timestamp.
      const timestamp = assigner.timeDomain === 'PROCESSING_TIME' ? -Infinity : ts
      const record = { key: event['key'], value: event['value'] }
      const windows = assigner.assignWindows(record, timestamp, { currentProcessingTime: () => ts }).map(toPair)
      return { type: 'windows', windows: windowsAsSets ? windows.sort(byStartThenEnd) : windows }
    }
    case 'windowStart':
      return {
        type: 'windowStart',
        start: windowStart(event['ts'] as number, event['offset'] as number, event['size'] as number)
      }
    case 'merge': {
      const merges: { from: [number, number][]; to: [number, number] }[] = []
      eventTimeSessionWindows(1).mergeWindows!((event['windows'] as Pair[]).map(toWindow), (from, to) =>
        merges.push({ from: from.map(toPair).sort(byStartThenEnd), to: toPair(to) })
      )
      return { type: 'merges', merges }
    }
    case 'intersects':
      return { type: 'intersects', result: intersects(toWindow(event['a'] as Pair), toWindow(event['b'] as Pair)) }
    default:
      throw new Error(`unknown assigner event type ${JSON.stringify(event['type'])}`)
  }
}

/** `expected[i]` with times mapped, window lists sorted where they are sets. */
function normalizeExpected(expected: Json, windowsAsSets: boolean): unknown {
  switch (expected['type']) {
    case 'windows': {
      const windows = (expected['windows'] as Pair[]).map(p => toPair(toWindow(p)))
      return { type: 'windows', windows: windowsAsSets ? windows.sort(byStartThenEnd) : windows }
    }
    case 'merges':
      return {
        type: 'merges',
        merges: (expected['merges'] as { from: Pair[]; to: Pair }[]).map(m => ({
          from: m.from.map(p => toPair(toWindow(p))).sort(byStartThenEnd),
          to: toPair(toWindow(m.to))
        }))
      }
    default:
      return expected
  }
}

/** Runs a case, checking `expected[i]` against the answer to `input[i]`. */
function check(c: Case): void {
  expect(c.expected.length).withContext('one expected answer per input event').toBe(c.input.length)
  // Sliding windows come most recent first (as Flink); a case may declare them a set.
  const asSets = c.windowOrder === 'any'
  c.input.forEach((event, i) => {
    expect(answer(event, asSets))
      .withContext(`${c.id}: input[${i}] ${JSON.stringify(event)}`)
      .toEqual(normalizeExpected(c.expected[i]!, asSets))
  })
}

describe('Flink conformance vectors: assigner', () => {
  const cases = fixtures.cases.filter(c => c.kind === 'assigner')

  it('has assigner cases to run', () => {
    expect(cases.length).toBeGreaterThan(0)
  })

  for (const c of cases) it(c.id, () => check(c))

  // The fixture exercises only part of the format; this hand-made case (values from
  // FLINK_SEMANTICS §3) makes sure the driver reads every assigner event kind correctly.
  it('driver self-check: every event kind and assigner type of the format', () => {
    const assign = (assigner: Json, ts: number) => ({ type: 'assign', assigner, ts })
    const windows = (...ws: Pair[]) => ({ type: 'windows', windows: ws })
    check({
      id: 'self-check',
      kind: 'assigner',
      input: [
        assign({ type: 'slidingEventTime', size: 10000, slide: 5000 }, 2000),
        assign({ type: 'slidingEventTime', size: 10000, slide: 5000, offset: 1000 }, 2000),
        assign({ type: 'tumblingEventTime', size: 7, offset: -2 }, -3),
        assign({ type: 'tumblingProcessingTime', size: 1000 }, 2500),
        assign({ type: 'eventTimeSession', gap: 3000 }, 1000),
        assign({ type: 'dynamicEventTimeSession', gapRules: [{ gap: 40 }] }, 10),
        assign({ type: 'global' }, 5),
        assign({ type: 'global', defaultTrigger: 'endOfStream' }, 5),
        { type: 'windowStart', ts: -8, offset: 0, size: 7 },
        { type: 'merge', windows: [[10, 12], [3, 6], [0, 3], [20, 22], [21, 25]] },
        { type: 'merge', windows: [[0, 3], [4, 7]] },
        { type: 'intersects', a: [0, 10], b: [10, 20] },
        { type: 'intersects', a: [0, 10], b: [11, 20] }
      ],
      expected: [
        windows([0, 10000], [-5000, 5000]),
        windows([1000, 11000], [-4000, 6000]),
        windows([-9, -2]),
        windows([2000, 3000]),
        windows([1000, 4000]),
        windows([10, 50]),
        windows(['MIN', 'MAX']),
        windows(['MIN', 'MAX']),
        { type: 'windowStart', start: -14 },
        {
          type: 'merges',
          merges: [
            { from: [[3, 6], [0, 3]], to: [0, 6] },
            { from: [[21, 25], [20, 22]], to: [20, 25] }
          ]
        },
        { type: 'merges', merges: [] },
        { type: 'intersects', result: true },
        { type: 'intersects', result: false }
      ]
    })
  })

  it('driver self-check: an unknown event type fails the case', () => {
    expect(() => answer({ type: 'teleport' }, false)).toThrowError(/unknown assigner event type "teleport"/)
    expect(() => answer({ type: 'assign', assigner: { type: 'hopping' }, ts: 0 }, false)).toThrowError(/unknown assigner type "hopping"/)
  })
})
