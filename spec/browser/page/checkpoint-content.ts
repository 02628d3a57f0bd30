/**
 * What the browser specs write and expect back, derived from the ids alone, so that the page
 * that writes and the page (or spec) that checks, after any number of reloads, agree without
 * passing the content around. Runs in the page (bundled) and in Node alike.
 */
import type { CompletedCheckpoint } from '../../../src/checkpoint/checkpointFormat'
import { mulberry32 } from '../../support/random'

/** Checkpoint `checkpointId` of `jobId`: a few operators' snapshots, 60 to 300 kB of text. */
export function checkpointContent(jobId: string, checkpointId: number): CompletedCheckpoint {
  return {
    jobId,
    checkpointId,
    timestamp: 1_700_000_000_000 + checkpointId * 1_000,
    kind: 'checkpoint',
    operators: {
      'running-sum': { keys: { total: (checkpointId * (checkpointId + 1)) / 2 } },
      // Big enough that a put takes a while, so that reloads land inside some of them.
      'recent-ids': { text: `#${checkpointId};`.repeat(10_000 + (checkpointId % 5) * 10_000) }
    }
  }
}


/** Pieces of text that a store could get wrong: wide, combining, invisible, control, unpaired. */
const WELL_FORMED = [
  'plain ascii ',
  'Grüße, Ünïcødé ',
  '漢字とかな ',
  '한국어 ',
  'emoji 😀🎉👩‍👩‍👧 ',
  'e\u0301 combining ',
  'zero\u200bwidth ',
  '\u2028line\u2029separators ',
  'bom \ufeff ',
  'nul \u0000 ',
  'crlf\r\n',
  'tab\t',
  '"quotes" and \\backslashes\\ ',
  '\uffff\ufffe '
]
const LONE_SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff']

/**
 * Exactly `length` UTF-16 code units of varied Unicode from `seed`; with `loneSurrogates`, also
 * unpaired surrogates, which IndexedDB keeps but which do not survive a trip through UTF-8.
 */
export function unicodeText(seed: number, length: number, loneSurrogates: boolean): string {
  const next = mulberry32(seed)
  const pool = loneSurrogates ? [...WELL_FORMED, ...LONE_SURROGATES] : WELL_FORMED
  const parts: string[] = []
  let size = 0
  while (size < length) {
    // Random code points too, so that the text does not compress to nothing.
    const piece = next() < 0.5 ? (pool[Math.floor(next() * pool.length)] as string) : String.fromCodePoint(0x20 + Math.floor(next() * 0x2fff))
    parts.push(piece)
    size += piece.length
  }
  let text = parts.join('').slice(0, length)
  // Cutting may split a pair at the end: keep the text well-formed when it has to be.
  if (!loneSurrogates && /[\ud800-\udbff]$/.test(text)) text = `${text.slice(0, -1)}.`
  return text
}
