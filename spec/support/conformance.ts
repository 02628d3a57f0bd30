/**
 * Reading, driving and comparing the Flink conformance vectors (spec/fixtures/flink-cases.json,
 * format in the conformance README beside FLINK_SEMANTICS.md), for the drivers of case kinds:
 * the case types, the config's window assigners, the output collector, the events every driver
 * handles alike, and the comparison by order mode.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as ds from '../../src/index'
import { decodeCheckpoint, encodeCheckpoint } from '../../src/checkpoint/checkpointFormat'
import type { JobContext } from '../../src/runtime/JobContext'
import type { OperatorSnapshot } from '../../src/state/snapshotFormat'
import { snapshotOperator } from '../../src/runtime/operatorSnapshot'

export type Ts = number | 'MAX' | 'MIN' | null
export type Json = Record<string, unknown>

export interface Case {
  id: string
  kind: string
  config: Json
  input: Json[]
  expected: Json[]
  sideOutputs?: Record<string, Json[]>
  order: 'exact' | 'any-between-watermarks' | 'any'
  compareWatermarks?: boolean
}

/** What a case produced: the main output (records, watermarks, statuses, marks) and side outputs. */
export interface Outcome {
  style?: string
  main: Json[]
  side: Record<string, Json[]>
}

/** The cases of the fixture file (read from the project root, as compiled specs run from .build/). */
export function conformanceCases(): Case[] {
  const path = join(__dirname, '..', '..', '..', 'spec', 'fixtures', 'flink-cases.json')
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: Case[] }).cases
}

/** `"MAX"`/`"MIN"` are Java's Long.MAX_VALUE/MIN_VALUE: rx-datastream's end/start of time; `null` is no timestamp. */
export const time = (t: Ts): number => (t === 'MAX' ? Infinity : t === 'MIN' || t === null ? -Infinity : t)

const normalizeTs = (e: Json): Json => ('ts' in e ? { ...e, ts: time(e['ts'] as Ts) } : e)
const isSeparator = (e: Json): boolean => e['type'] !== 'record'
const canonical = (e: Json): string => JSON.stringify(e, (_k, v: unknown) => (v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v))
const sortedRecords = (records: Json[]): string[] => records.map(canonical).sort()

/** The output cut at separators, records between two separators as a sorted multiset. */
function segments(output: Json[]): (string | string[])[] {
  const result: (string | string[])[] = []
  let records: Json[] = []
  for (const e of output) {
    if (isSeparator(e)) {
      result.push(sortedRecords(records), canonical(e))
      records = []
    } else records.push(e)
  }
  result.push(sortedRecords(records))
  return result
}

/** A window assigner in a case's config. */
export type AssignerSpec = { type: string; size?: number; slide?: number; offset?: number; gap?: number; defaultTrigger?: string }

/** The window assigner a case's config describes. */
export function assignerOf<T>(spec: AssignerSpec): ds.WindowAssigner<T> {
  switch (spec.type) {
    case 'tumblingEventTime':
      return ds.tumblingEventTimeWindows(spec.size!, spec.offset ?? 0)
    case 'slidingEventTime':
      return ds.slidingEventTimeWindows(spec.size!, spec.slide!, spec.offset ?? 0)
    case 'eventTimeSession':
      return ds.eventTimeSessionWindows(spec.gap!)
    case 'tumblingProcessingTime':
      return ds.tumblingProcessingTimeWindows(spec.size!)
    case 'global':
      return ds.globalWindows({ fireAtEndOfInput: spec.defaultTrigger === 'endOfStream' })
  }
  throw new Error(`unknown assigner ${spec.type}`)
}

/**
 * Collects an operator's output as the format's events: records (with their key) and watermarks
 * in `main`, side records (value and timestamp) in `side` by tag; `next` is the observer.
 */
export function outputCollector(): Omit<Outcome, 'style'> & { next(e: ds.StreamElement<unknown, unknown>): void } {
  const main: Json[] = []
  const side: Record<string, Json[]> = {}
  const next = (e: ds.StreamElement<unknown, unknown>): void => {
    if (e._tag === 'Record') main.push({ type: 'record', key: e.key, value: e.value, ts: e.timestamp })
    else if (e._tag === 'Watermark') main.push({ type: 'watermark', ts: e.timestamp })
    else if (e._tag === 'SideRecord') (side[e.tag.id] ??= []).push({ type: 'record', value: e.value, ts: e.timestamp })
  }
  return { main, side, next }
}

/**
 * The input events every driver handles alike (the `default` of its switch): a `mark` is copied
 * to the output `main`; a `snapshotRestore` is a no-op for drivers whose kinds have no such
 * event (the window driver does a real round trip, `storeRoundTrip`); any other event is
 * unknown to the driver.
 */
export function commonEvent(event: Json, main: Json[]): void {
  switch (event['type']) {
    case 'mark':
      main.push({ type: 'mark' })
      break
    case 'snapshotRestore':
      break
    default:
      throw new Error(`unknown event ${String(event['type'])}`)
  }
}

/**
 * Compares a main output with the case's expected one by the order mode `order` (the case's own,
 * or one a driver derives from it), as jasmine expectations with `context`.
 */
export function compareOutput(c: Case, order: Case['order'], main: Json[], context: string): void {
  const expected = c.expected.map(normalizeTs)
  const actual = main.map(normalizeTs)
  switch (order) {
    case 'exact':
      expect(actual.map(canonical)).withContext(context).toEqual(expected.map(canonical))
      break
    case 'any-between-watermarks':
      expect(segments(actual)).withContext(context).toEqual(segments(expected))
      break
    case 'any': {
      const keep = (es: Json[]) => (c.compareWatermarks === false ? es.filter(e => e['type'] === 'record') : es)
      expect(sortedRecords(keep(actual))).withContext(context).toEqual(sortedRecords(keep(expected)))
    }
  }
}

/** Compares an outcome with the case's expectations, by the case's order mode (jasmine expectations). */
export function compareOutcome(c: Case, outcome: Outcome): void {
  const context = outcome.style ?? c.kind
  compareOutput(c, c.order, outcome.main, context)
  const expectedSide = c.sideOutputs ?? {}
  for (const tag of new Set([...Object.keys(expectedSide), ...Object.keys(outcome.side)])) {
    // Side records carry no key in rx-datastream: compare value and timestamp.
    const strip = (es: Json[]) => es.map(e => canonical({ type: e['type'], value: e['value'], ts: e['ts'] }))
    expect(strip(outcome.side[tag] ?? []).sort())
      .withContext(`${context}: side output ${tag}`)
      .toEqual(strip((expectedSide[tag] ?? []).map(normalizeTs)).sort())
  }
}

/**
 * Every operator of `job` snapshotted into one checkpoint that goes through a store and back,
 * as a job's checkpoint does (encoded with its checksum, stored, read back, decoded and
 * checked): the snapshots by uid, for a job to restore from.
 */
export async function storeRoundTrip(job: JobContext): Promise<ReadonlyMap<string, unknown>> {
  const store = ds.memoryStore()
  const operators: Record<string, OperatorSnapshot> = {}
  for (const { uid, operator } of job.operators) operators[uid] = snapshotOperator(operator, { checkpointId: 1, checkpointTimestamp: 0 })
  const stored = { jobId: 'conformance', checkpointId: 1, timestamp: 0, kind: 'checkpoint' as const }
  await store.put(stored, encodeCheckpoint({ ...stored, operators }))
  const checkpoint = decodeCheckpoint(store.description, stored, await store.get('conformance', 1))
  return new Map(Object.entries(checkpoint.operators))
}
