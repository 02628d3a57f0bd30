/**
 * @internal
 * The walk down a chain of increments that a keyed part (`incremental.ts`) and a timer part
 * (`timerIncrements.ts`) share: from the part in the restored checkpoint through each
 * increment's base to the full part the chain starts from, with the checks that name the
 * checkpoint where the chain breaks. Each side keeps its own format, merge and words.
 */

/** How one kind of part is read and named along its chain. */
export interface ChainKind<I extends { readonly base: number }> {
  /** The part's name in errors, with its verb and possessive: `['the keyed state', 'is', 'its']`. */
  readonly words: readonly [subject: string, verb: 'is' | 'are', possessive: 'its' | 'their']
  /** What a checkpoint without the part holds none of (`keyed state`, `timers`). */
  readonly missing: string
  /** What the base must be (`a keyed-state snapshot of this version`). */
  readonly baseKind: string
  readonly isIncrement: (part: unknown) => boolean
  /** Why `part` is not a well-formed increment (`increment`) or full part; `undefined` if it is. */
  readonly shapeFault: (part: unknown, increment: boolean) => string | undefined
  /** A fault between an increment and the part it was written on (newer first), if any. */
  readonly linkFault?: (newer: I, older: unknown) => string | undefined
}

/** A chain read down to its base: the base, the checkpoint holding it, the increments oldest first. */
export interface ResolvedChain<I> {
  readonly base: unknown
  readonly baseCheckpoint: number
  readonly increments: I[]
}

/**
 * @internal
 * Walks the chain of the increment `part` (operator `uid`'s, in checkpoint `checkpointId`)
 * through `partOf(checkpoint, uid)` down to its full base. Fails with a plain `Error` naming the
 * operator and the checkpoint where the chain breaks: an increment of another version, a base
 * that is not older or holds no such part, a base that is not a full part.
 */
export function walkIncrementChain<I extends { readonly base: number }>(
  kind: ChainKind<I>,
  uid: string,
  checkpointId: number,
  part: unknown,
  partOf: (checkpointId: number, uid: string) => unknown
): ResolvedChain<I> {
  const [subject, verb, possessive] = kind.words
  const named = (at: number): string => `${subject} of operator '${uid}' in checkpoint ${at}`
  // Newest first, down to the full part the chain starts from.
  const increments: I[] = []
  let at = checkpointId
  while (kind.isIncrement(part)) {
    const fault = kind.shapeFault(part, true)
    if (fault !== undefined) throw new Error(`${named(at)} ${verb} not an increment of this version: ${fault}`)
    const increment = part as I
    const { base } = increment
    if (!(base < at)) throw new Error(`${named(at)} ${verb} an increment on checkpoint ${base}, which is not older`)
    const newer = increments[increments.length - 1]
    const link = newer === undefined ? undefined : kind.linkFault?.(newer, increment)
    if (link !== undefined) throw new Error(`${named(at)} ${link}`)
    increments.push(increment)
    part = partOf(base, uid)
    if (part === undefined) throw new Error(`${named(at)} ${verb} an increment on checkpoint ${base}, which holds no ${kind.missing} of that operator`)
    at = base
  }
  const wrong = kind.shapeFault(part, false)
  if (wrong !== undefined) throw new Error(`${named(at)}, the base of ${possessive} chain, ${verb} not ${kind.baseKind}: ${wrong}`)
  const link = increments.length === 0 ? undefined : kind.linkFault?.(increments[increments.length - 1]!, part)
  if (link !== undefined) throw new Error(`${named(at)}, the base of ${possessive} chain, ${link}`)
  return { base: part, baseCheckpoint: at, increments: increments.reverse() }
}

/**
 * @internal
 * A chunked base is not read while its chain is resolved: its chunk references, marked with the
 * checkpoint that wrote them, come back with the increments, which the backend applies after
 * the chunks. `undefined` when the base is not chunked.
 */
export function withChunkedBase<I>(chain: ResolvedChain<I>): object | undefined {
  const base = chain.base as { readonly chunks?: unknown }
  if (!Array.isArray(base.chunks)) return undefined
  return { ...base, chunks: base.chunks.map((c: object) => ({ checkpoint: chain.baseCheckpoint, ...c })), increments: chain.increments }
}
