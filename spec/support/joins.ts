/** Inputs and output helpers shared by the window join and coGroup specs. */
import type * as ds from '../../src/index'
import { rec } from '../../marbles/index'

/** A left input's value: a key and a number. */
export interface L {
  readonly k: string
  readonly v: number
}

/** A right input's value: a key and a string. */
export interface R {
  readonly k: string
  readonly v: string
}

export type LE = ds.StreamElement<L>
export type RE = ds.StreamElement<R>

/** A left record of key `k`, value `v` at `ts`. */
export const l = (k: string, v: number, ts: number) => rec<L>({ k, v }, ts)
/** A right record of key `k`, value `v` at `ts`. */
export const r = (k: string, v: string, ts: number) => rec<R>({ k, v }, ts)

/** The records as `key:value@ts`, sorted (results of one firing come in no particular order across keys). */
export function results(elements: ReadonlyArray<ds.StreamElement<string, unknown>>): string[] {
  return elements.flatMap(e => (e._tag === 'Record' ? [`${String(e.key)}:${e.value}@${e.timestamp}`] : [])).sort()
}
