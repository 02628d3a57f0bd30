/**
 * @internal
 * JSON text written in steps after the moment it describes: how a snapshot is taken without
 * stopping the job for as long as its state is large (Flink's asynchronous snapshot phase).
 *
 * At the barrier an operator does only what must happen then (copying lists of references,
 * starting copy-on-write on its state tables) and returns a `DeferredJson`; the job then calls
 * `step` between batches of records until the text is complete. Whatever the records change
 * meanwhile, the text describes the state as it was at the barrier: a state table writes a
 * key's entries before the first change to that key (see `TableCapture`).
 *
 * A part known at the barrier is written at once (`readyJson`), so a value that the operator
 * changes in place later cannot leak into the snapshot.
 */
import { StepSort } from './StepSort'

/** @internal */
export interface DeferredJson {
  /**
   * Writes more of the text, stopping once `performance.now()` (or `Date.now()`) passes
   * `deadline` (a step may overrun by one unit of work); true once the text is complete.
   */
  step(deadline: number): boolean
  /** The text, once `step` returned true. */
  text(): string
  /** The snapshot is abandoned: copy-on-write stops, nothing more is written. */
  cancel(): void
}

/** @internal Whether `value` is a part written in steps. */
export function isDeferredJson(value: unknown): value is DeferredJson {
  return value instanceof Deferred
}

/** @internal The base of every `DeferredJson`, so that `isDeferredJson` can tell one from JSON data. */
export abstract class Deferred implements DeferredJson {
  abstract step(deadline: number): boolean
  abstract text(): string
  abstract cancel(): void
}

/**
 * @internal
 * A part whose text is made once, at the end of its steps, by `finish(text)`: its `step`
 * returns at once when `finished`, and `text()` refuses to be read before.
 */
export abstract class WrittenOnce extends Deferred {
  private result: string | undefined = undefined

  /** Whether the text is made. */
  protected get finished(): boolean {
    return this.result !== undefined
  }

  /** Keeps `text` as the part's text; `true`, for `step` to return. */
  protected finish(text: string): true {
    this.result = text
    return true
  }

  text(): string {
    if (this.result === undefined) throw new Error('the snapshot is not written yet')
    return this.result
  }
}

/** @internal A part complete at once: `value` as JSON now (a copy, whatever happens to `value` after). */
export function readyJson(value: unknown): DeferredJson {
  return new Ready(JSON.stringify(value) ?? 'null')
}

class Ready extends Deferred {
  constructor(private readonly json: string) {
    super()
  }
  step(): boolean {
    return true
  }
  text(): string {
    return this.json
  }
  cancel(): void {}
}

/**
 * @internal
 * A JSON object whose fields are JSON data (written at once) or deferred parts (written in
 * steps, in field order). Fields whose value is `undefined` are left out, as `JSON.stringify`
 * does.
 */
export function deferredObject(fields: Record<string, unknown>): DeferredJson {
  const names: string[] = []
  const parts: DeferredJson[] = []
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue
    names.push(name)
    parts.push(isDeferredJson(value) ? value : readyJson(value))
  }
  return new Composite(parts, texts => `{${concat(texts.map((text, i) => `${JSON.stringify(names[i])}:${text}`))}}`)
}

/** @internal A JSON array of deferred parts. */
export function deferredArray(items: readonly DeferredJson[]): DeferredJson {
  return new Composite(items, texts => `[${concat(texts)}]`)
}

class Composite extends WrittenOnce {
  private next = 0

  constructor(
    private readonly parts: readonly DeferredJson[],
    private readonly join: (texts: string[]) => string
  ) {
    super()
  }

  step(deadline: number): boolean {
    if (this.finished) return true
    while (this.next < this.parts.length) {
      if (!this.parts[this.next]!.step(deadline)) return false
      this.next++
      if (this.next < this.parts.length && now() >= deadline) return false
    }
    return this.finish(this.join(this.parts.map(p => p.text())))
  }

  cancel(): void {
    for (const part of this.parts) part.cancel()
  }
}

/**
 * @internal
 * A JSON array of `items` (references copied at the barrier, each unchanging), in the order
 * `compare` gives (none: as they are), each written by `encode` as JSON text; sorted and
 * written in steps.
 */
export function deferredList<T>(items: T[], encode: (item: T) => string, compare?: (a: T, b: T) => number): DeferredJson {
  return new List(items, encode, compare)
}

/** Items written between two looks at the clock, and joined into one piece of text. */
const ITEMS_PER_PIECE = 256

class List<T> extends WrittenOnce {
  private sort: StepSort<T> | undefined
  private next = 0
  private pieces: string[] = []

  constructor(
    private items: T[],
    private readonly encode: (item: T) => string,
    compare: ((a: T, b: T) => number) | undefined
  ) {
    super()
    this.sort = compare === undefined ? undefined : new StepSort(items, compare, now)
  }

  step(deadline: number): boolean {
    if (this.finished) return true
    if (this.sort !== undefined) {
      if (!this.sort.step(deadline)) return false
      this.items = this.sort.sorted()
      this.sort = undefined
      if (now() >= deadline) return false
    }
    const { items, encode } = this
    while (this.next < items.length) {
      const end = Math.min(items.length, this.next + ITEMS_PER_PIECE)
      const texts: string[] = []
      for (let i = this.next; i < end; i++) texts.push(encode(items[i]!))
      this.pieces.push(texts.join(','))
      this.next = end
      if (this.next < items.length && now() >= deadline) return false
    }
    const text = `[${concat(this.pieces)}]`
    this.items = []
    this.pieces = []
    return this.finish(text)
  }

  cancel(): void {
    this.items = []
    this.sort = undefined
  }
}

/**
 * @internal
 * A JSON array of what `items` yields (already in order, and unchanged by what happens after
 * the barrier: e.g. a store's read view), each written by `encode`; read and written in steps.
 * Cancelling returns the iterator, which releases what it holds.
 */
export function deferredSequence<T>(items: Iterator<T, undefined>, encode: (item: T) => string): DeferredJson {
  return new Sequence(items, encode)
}

class Sequence<T> extends WrittenOnce {
  private pieces: string[] = []
  private done = false

  constructor(
    private readonly items: Iterator<T, undefined>,
    private readonly encode: (item: T) => string
  ) {
    super()
  }

  step(deadline: number): boolean {
    if (this.finished) return true
    if (this.done) throw new Error('the snapshot was cancelled')
    const { items, encode } = this
    for (;;) {
      const texts: string[] = []
      for (let i = 0; i < ITEMS_PER_PIECE; i++) {
        const next = items.next()
        if (next.done === true) {
          this.done = true
          break
        }
        texts.push(encode(next.value))
      }
      if (texts.length > 0) this.pieces.push(texts.join(','))
      if (this.done) break
      if (now() >= deadline) return false
    }
    const text = `[${concat(this.pieces)}]`
    this.pieces = []
    return this.finish(text)
  }

  cancel(): void {
    if (this.done) return
    this.done = true
    this.pieces = []
    this.items.return?.()
  }
}

/**
 * @internal
 * `texts` joined by commas without copying them: `+` makes a rope of the parts where `join`
 * copies every character at once (20 ms for a large state's 18 M characters). The checkpoint's
 * text is flattened once, when its checksum reads it.
 */
export function concat(texts: readonly string[]): string {
  let text = ''
  for (let i = 0; i < texts.length; i++) text = i === 0 ? texts[0]! : text + ',' + texts[i]!
  return text
}

/** @internal Writes `deferred` to the end now and returns its text (a snapshot taken whole at once). */
export function completeNow(deferred: DeferredJson): string {
  deferred.step(Infinity)
  return deferred.text()
}

/** @internal The clock steps are measured against: the high-resolution one where there is one. */
// Chosen in a call marked pure: reading `performance.now` at the top level would otherwise count
// as an effect of loading the module, and keep it in bundles that never snapshot.
export const now: () => number = /*#__PURE__*/ (() => (typeof performance !== 'undefined' && typeof performance.now === 'function' ? () => performance.now() : () => Date.now()))()
