/**
 * @internal
 * Incremental timer parts: the format of the timers a checkpoint registered and lost since its
 * base, and the pure functions that turn a chain of them back into one full timer part.
 *
 * ```text
 * { format: 'rx-datastream/timers-increment', version: 1, base: 7,
 *   eventTime: [[group, key, ns, time], …], processingTime: [ … ],
 *   removed: { eventTime: [[group, key, ns, time], …], processingTime: [ … ] } }
 * ```
 *
 * `eventTime` and `processingTime` are the timers pending at the barrier that were registered
 * (again) since the base, in firing order; `removed` those that left since (deleted or fired),
 * which the base may hold. A timer's identity is (key, namespace, time), as in a queue.
 *
 * Merging keeps the firing order of an uninterrupted run: at one time, a timer the base lists
 * and no increment touches was registered before every timer an increment lists, and a timer
 * an increment lists was registered after those of the increments before it. So the merge
 * takes the base's timers in their order, each increment's after them (one listed again
 * moving to its new place), drops the removed, and sorts by time, stably.
 */
import type { TimersSnapshot } from './snapshotFormat'
import type { ChunkRef } from './chunks'
import { type ChainKind, walkIncrementChain, withChunkedBase } from './incrementChain'

/** @internal The format name of an incremental timer part. */
export const TIMERS_INCREMENT_FORMAT = 'rx-datastream/timers-increment'

/** @internal A timer entry: [key group, key, namespace, time]. */
export type TimerEntry = TimersSnapshot['eventTime'][number]

/** @internal A timer part written as an increment on checkpoint `base`. */
export interface TimersIncrement extends TimersSnapshot {
  readonly format: typeof TIMERS_INCREMENT_FORMAT
  readonly version: 1
  readonly base: number
  /** The timers gone since the base (deleted or fired). */
  readonly removed: TimersSnapshot
}

/** @internal A full timer part whose base is chunked, with the increments still to apply after its chunks, oldest first. */
export type TimersWithIncrements = TimersSnapshot & { readonly chunks: readonly ChunkRef[]; readonly increments: readonly TimersIncrement[] }

/** @internal Whether a timer part says it is an increment (checked only when it is read). */
export function isTimersIncrement(timers: unknown): boolean {
  return typeof timers === 'object' && timers !== null && (timers as { format?: unknown }).format === TIMERS_INCREMENT_FORMAT
}

/** A timer's identity within its domain: its key's, namespace's and time's JSON text. */
const timerId = (entry: TimerEntry): string => JSON.stringify([entry[1], entry[2], entry[3]])

/** One domain's timers after `increments` (see the module comment). */
function mergeDomain(base: readonly TimerEntry[], increments: ReadonlyArray<{ readonly added: readonly TimerEntry[]; readonly removed: readonly TimerEntry[] }>): TimerEntry[] {
  if (increments.every(i => i.added.length === 0 && i.removed.length === 0)) return [...base]
  // A Map keeps insertion order: deleting and setting again moves a timer after the others.
  const timers = new Map<string, TimerEntry>()
  for (const entry of base) timers.set(timerId(entry), entry)
  for (const { added, removed } of increments) {
    for (const entry of removed) timers.delete(timerId(entry))
    for (const entry of added) {
      const id = timerId(entry)
      timers.delete(id)
      timers.set(id, entry)
    }
  }
  return [...timers.values()].sort((a, b) => a[3] - b[3])
}

/**
 * @internal
 * The full timer part the newest of `increments` (oldest first, the first on `base`) stands for.
 */
export function applyTimerIncrements(base: TimersSnapshot, increments: readonly TimersIncrement[]): TimersSnapshot {
  return {
    eventTime: mergeDomain(base.eventTime, increments.map(i => ({ added: i.eventTime, removed: i.removed.eventTime }))),
    processingTime: mergeDomain(base.processingTime, increments.map(i => ({ added: i.processingTime, removed: i.removed.processingTime })))
  }
}

/** What is wrong with a timer part's shape as far as the merge reads it (`increment`: as an increment); `undefined` when nothing is. */
function shapeFault(part: unknown, increment: boolean): string | undefined {
  const { format, version, base, eventTime, processingTime, removed } = (part ?? {}) as Record<string, unknown>
  if (increment && (version !== 1 || typeof base !== 'number')) return `its version is ${JSON.stringify(version)} and its base ${JSON.stringify(base)}`
  if (!increment && format !== undefined) return `its format is ${JSON.stringify(format)}`
  const arrays = (value: unknown): boolean => Array.isArray(value) && value.every(Array.isArray)
  if (!arrays(eventTime) || !arrays(processingTime)) return 'eventTime or processingTime is not a list of timers'
  if (increment) {
    const { eventTime: gone, processingTime: goneLater } = (removed ?? {}) as Record<string, unknown>
    if (!arrays(gone) || !arrays(goneLater)) return 'removed does not list timers by domain'
  }
  return undefined
}

/**
 * @internal
 * The timer part of operator `uid`'s snapshot in checkpoint `checkpointId` as a full one: a
 * full part as it is, an increment merged with its chain of bases, read through
 * `timersOf(checkpointId, uid)`. A chunked base is not read: its chunk references (marked with
 * the checkpoint that wrote them) come back with the increments, to be applied after them. Fails
 * with a plain `Error` naming the checkpoint where the chain breaks.
 */
export function resolveTimerChain(uid: string, checkpointId: number, timers: unknown, timersOf: (checkpointId: number, uid: string) => unknown): unknown {
  if (!isTimersIncrement(timers)) return timers
  const chain = walkIncrementChain(TIMER_CHAIN, uid, checkpointId, timers, timersOf)
  return withChunkedBase(chain) ?? applyTimerIncrements(chain.base as TimersSnapshot, chain.increments)
}

const TIMER_CHAIN: ChainKind<TimersIncrement> = {
  words: ['the timers', 'are', 'their'],
  missing: 'timers',
  baseKind: 'a timer part',
  isIncrement: isTimersIncrement,
  shapeFault
}
