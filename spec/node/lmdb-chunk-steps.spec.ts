/**
 * A chunked LMDB snapshot's steps stay small whatever its chunks: a chunk's checksum (a
 * megabyte's worth of characters) is taken in the scan's steps, a slice between two looks at
 * the clock, not at once when the chunk is handed to the store. Structural, not timed: each
 * step is given a deadline already past, so it does the least it may, and the spec counts the
 * steps a chunk takes.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as t from 'io-ts'
import * as ds from '../../src/index'
import { lmdbStateBackend } from '../../node/index'
import { checksum } from '../../src/checkpoint/checkpointFormat'
import type { ChunkRef, ChunkSink } from '../../src/state/chunks'
import { testBackend, withKey } from '../support/keyed'

/** Characters checksummed between two looks at the clock (`CHECKSUM_CHUNK` in checkpointFormat.ts). */
const CHECKSUM_SLICE = 1 << 16
const payload = ds.valueState('payload', t.string)

/** A sink that keeps what it is handed, and the step it was handed in. */
function recordingSink(step: () => number): ChunkSink & { readonly puts: Array<{ text: string; sum: string | undefined; step: number }> } {
  const puts: Array<{ text: string; sum: string | undefined; step: number }> = []
  return {
    puts,
    ready: true,
    put(text: string, first: number, last: number, sum?: string): ChunkRef {
      puts.push({ text, sum, step: step() })
      return { n: puts.length - 1, first, last, length: text.length, checksum: sum ?? checksum(text) }
    }
  }
}

describe('a chunked snapshot of the LMDB backend', () => {
  let dir: string
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'rx-datastream-chunk-steps-'))))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('checksums each chunk over as many steps as its slices, and hands the sink the checksum of its text', async () => {
    const backend = testBackend({ now: 0 }, { stateBackend: await lmdbStateBackend(dir, { cacheSize: 100 }) })
    // 4,000 keys × 1,000 characters: about four chunks, read 512 entries (half a chunk) a step.
    for (let key = 0; key < 4_000; key++) withKey(backend, key, () => backend.getState(payload).update(String(key % 10).repeat(1_000)))
    let steps = 0
    const sink = recordingSink(() => steps)
    const deferred = backend.snapshotDeferred({ checkpointId: 1, chunks: sink })
    while (!deferred.step(-1)) steps++
    expect(sink.puts.length).toBeGreaterThanOrEqual(3)
    let before = 0
    for (const { text, sum, step } of sink.puts) {
      expect(sum).toBe(checksum(text))
      // Reading the chunk's entries takes steps too, so this is a lower bound.
      expect(step - before).toBeGreaterThanOrEqual(Math.ceil(text.length / CHECKSUM_SLICE) - 1)
      before = step
    }
    expect((JSON.parse(deferred.text()) as { chunks: ChunkRef[] }).chunks.map(c => c.checksum)).toEqual(sink.puts.map(p => checksum(p.text)))
    backend.dispose()
  })
})
