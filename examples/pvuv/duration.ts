/** Durations as people write them, for the CLI's options and the dashboard's settings. */

const UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const

/**
 * `250ms`, `30s`, `1m`, `2h` or a number of milliseconds, as a whole number of ms > 0.
 *
 * @param setting What the text was given for, to name in the error (`--window`).
 * @throws Error naming `setting` and the text, if it is not such a duration.
 */
export function parseDuration(text: string, setting = '--window'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (match === null) throw new Error(`${setting}: '${text}' is not a duration (30s, 1m, 5m, 1h or milliseconds)`)
  const ms = Number(match[1]) * UNITS[(match[2] ?? 'ms') as keyof typeof UNITS]
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new Error(`${setting}: '${text}' is not a whole positive number of milliseconds`)
  return ms
}
