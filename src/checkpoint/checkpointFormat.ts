/**
 * @internal
 * A whole checkpoint as the text a store keeps: one header line, then the body.
 *
 * ```text
 * {"format":"rx-datastream/checkpoint","version":1,"length":1234,"checksum":"8c3f…"}
 * {"jobId":"clicks","checkpointId":3,…,"operators":{…}}
 * ```
 *
 * The header gives the body's length and a 64-bit FNV-1a checksum of it, so a truncated,
 * padded or bit-flipped checkpoint is told apart from a valid one before anything is parsed,
 * whatever store it came from; then the body is parsed and checked with io-ts. Every failure
 * is a `CheckpointStoreError` naming the job, the checkpoint and what was wrong.
 */
import * as t from 'io-ts'
import { describeErrors } from '../state/snapshotFormat'
import { CheckpointStoreError, type StoredCheckpoint } from './CheckpointStore'

/** @internal What one checkpoint holds: every operator's snapshot by uid, and the sources' positions. */
export const CompletedCheckpoint = /*#__PURE__*/ t.intersection([
  /*#__PURE__*/ t.type({
    jobId: t.string,
    checkpointId: t.number,
    timestamp: t.number,
    kind: /*#__PURE__*/ t.keyof({ checkpoint: null, savepoint: null }),
    /** Each operator's snapshot (`AbstractStreamOperator.snapshotState`), by uid. */
    operators: /*#__PURE__*/ t.record(t.string, t.unknown)
  }),
  /*#__PURE__*/ t.partial({
    name: t.string,
    /** Unaligned checkpoints: per uid, the elements that were in flight into that operator. */
    channelState: /*#__PURE__*/ t.record(t.string, /*#__PURE__*/ t.array(t.unknown)),
    /**
     * Incremental checkpoints: the checkpoints a restore of this one reads too (operators'
     * keyed state written as increments on them, `src/state/incremental.ts`), oldest first.
     */
    needs: /*#__PURE__*/ t.array(t.number)
  })
])

/** @internal */
export type CompletedCheckpoint = t.TypeOf<typeof CompletedCheckpoint>

const FORMAT = 'rx-datastream/checkpoint'
const VERSION = 1

const Header = /*#__PURE__*/ t.type({ format: /*#__PURE__*/ t.literal(FORMAT), version: /*#__PURE__*/ t.literal(VERSION), length: t.number, checksum: t.string })

/** @internal The text a store keeps for `checkpoint`. */
export function encodeCheckpoint(checkpoint: CompletedCheckpoint): string {
  const encoder = new CheckpointEncoder(JSON.stringify(checkpoint))
  encoder.step(Infinity)
  return encoder.text()
}

/**
 * @internal
 * The body of a checkpoint whose operator snapshots are JSON text already (written in steps
 * by their operators): `checkpoint`'s fields with `operators` spliced in, uid by uid.
 */
export function checkpointBody(checkpoint: Omit<CompletedCheckpoint, 'operators'>, operators: ReadonlyMap<string, string>): string {
  const { jobId, checkpointId, timestamp, kind, ...optional } = checkpoint
  const head = JSON.stringify({ jobId, checkpointId, timestamp, kind })
  const parts = Array.from(operators, ([uid, text]) => `${JSON.stringify(uid)}:${text}`)
  const rest = JSON.stringify(optional)
  return `${head.slice(0, -1)},"operators":{${parts.join(',')}}${rest === '{}' ? '' : `,${rest.slice(1, -1)}`}}`
}

/** Characters checksummed between two looks at the clock. */
const CHECKSUM_CHUNK = 1 << 16

/**
 * @internal
 * Turns a checkpoint's body into the text a store keeps, in steps: the checksum of a large
 * body takes tens of milliseconds, which would stall the job if taken in one go.
 */
export class CheckpointEncoder {
  private readonly sum = new Fnv64()
  private at = 0
  private result: string | undefined = undefined

  constructor(private readonly body: string) {}

  /** Checksums until `deadline` (on `now`'s clock); true once the text is ready. */
  step(deadline: number, now: () => number = () => Date.now()): boolean {
    if (this.result !== undefined) return true
    const { body } = this
    while (this.at < body.length) {
      const end = Math.min(body.length, this.at + CHECKSUM_CHUNK)
      this.sum.update(body, this.at, end)
      this.at = end
      if (this.at < body.length && now() >= deadline) return false
    }
    const header = JSON.stringify({ format: FORMAT, version: VERSION, length: body.length, checksum: this.sum.digest() })
    this.result = `${header}\n${body}`
    return true
  }

  /** The text, once `step` returned true. */
  text(): string {
    if (this.result === undefined) throw new Error('the checkpoint is not encoded yet')
    return this.result
  }
}

/**
 * @internal
 * The {@link checksum} of a text taken in steps, as `CheckpointEncoder` takes a body's: a
 * chunk's megabyte takes milliseconds to checksum, which a snapshot's step (whose budget the
 * chunk's cut would overrun) spreads over its turns.
 */
export class SteppedChecksum {
  private readonly sum = new Fnv64()
  private at = 0

  constructor(readonly text: string) {}

  /** Checksums until `deadline` (on `now`'s clock); the checksum once the whole text is read, else `undefined`. */
  step(deadline: number, now: () => number): string | undefined {
    const { text } = this
    while (this.at < text.length) {
      const end = Math.min(text.length, this.at + CHECKSUM_CHUNK)
      this.sum.update(text, this.at, end)
      this.at = end
      if (this.at < text.length && now() >= deadline) return undefined
    }
    return this.sum.digest()
  }
}

/**
 * @internal
 * Reads back what `encodeCheckpoint` wrote for `expected` (as the store listed it): damaged
 * text, another format or version, or a checkpoint of another job or id is a
 * `CheckpointStoreError` from `store`.
 */
export function decodeCheckpoint(store: string, expected: Pick<StoredCheckpoint, 'jobId' | 'checkpointId'>, data: unknown): CompletedCheckpoint {
  const { jobId, checkpointId } = expected
  const fail = (detail: string, cause?: unknown): CheckpointStoreError =>
    new CheckpointStoreError(store, jobId, checkpointId, `checkpoint ${checkpointId} of job '${jobId}' ${detail}`, cause === undefined ? undefined : { cause })
  if (typeof data !== 'string') throw fail(`is not text but ${data === null ? 'null' : typeof data}`)
  const newline = data.indexOf('\n')
  if (newline < 0) throw fail(`is damaged: no header line (${data.length} characters)`)
  const header = Header.decode(parseJson(data.slice(0, newline)))
  if (header._tag === 'Left') {
    const format = (parseJson(data.slice(0, newline)) as { format?: unknown; version?: unknown } | undefined) ?? {}
    // Another version only when the header says so plainly; any other damage is damage.
    if (format.format === FORMAT && typeof format.version === 'number' && format.version !== VERSION) throw fail(`is of format version ${format.version}; this version reads ${VERSION}`)
    throw fail(`is damaged or not a checkpoint: its header is not an rx-datastream checkpoint header`)
  }
  const body = data.slice(newline + 1)
  const { length, checksum: sum } = header.right
  if (body.length !== length) throw fail(`is damaged: ${body.length} characters where its header says ${length} (truncated or padded)`)
  if (checksum(body) !== sum) throw fail(`is damaged: its checksum does not match its contents`)
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch (error) {
    throw fail(`is damaged: its body is not JSON`, error)
  }
  const decoded = CompletedCheckpoint.decode(parsed)
  if (decoded._tag === 'Left') throw fail(`is not a checkpoint of this version: ${describeErrors(decoded.left)}`)
  const checkpoint = decoded.right
  if (checkpoint.jobId !== jobId || checkpoint.checkpointId !== checkpointId) {
    throw fail(`holds checkpoint ${checkpoint.checkpointId} of job '${checkpoint.jobId}' instead`)
  }
  return checkpoint
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** @internal 64-bit FNV-1a over the UTF-16 code units of a text, as 16 hex digits (a checkpoint's body, a chunk). */
export function checksum(text: string): string {
  const sum = new Fnv64()
  sum.update(text, 0, text.length)
  return sum.digest()
}

/**
 * 64-bit FNV-1a over UTF-16 code units, fed in pieces (two 32-bit halves with different
 * offsets: enough to catch damage, not meant against tampering).
 */
class Fnv64 {
  private h1 = 0x811c9dc5
  private h2 = 0x050c5d1f

  update(text: string, from: number, to: number): void {
    let { h1, h2 } = this
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i)
      h1 = Math.imul(h1 ^ c, 0x01000193)
      h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h1 >>> 15)
    }
    this.h1 = h1
    this.h2 = h2
  }

  digest(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, '0') + (this.h2 >>> 0).toString(16).padStart(8, '0')
  }
}
