/**
 * The dashboard's settings, from its address: `?speed=120&window=30s` and so on. Every
 * setting has a default; a wrong one is an error that names it.
 */
import { parseDuration } from '../pvuv/duration'
import type { DashboardConfig } from './dashboardJob'

export const DEFAULTS: DashboardConfig = {
  seed: 2026,
  clicks: 20_000,
  speed: 60,
  window: 60_000,
  earlyFirings: 250,
  uv: 'exact',
  checkpointInterval: 3_000,
  db: 'pvuv-dashboard'
}

function positive(name: string, text: string, integer: boolean): number {
  const n = Number(text)
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isSafeInteger(n))) {
    throw new Error(`dashboard setting ${name}: '${text}' is not ${integer ? 'a whole number' : 'a number'} > 0`)
  }
  return n
}

/**
 * The settings of an address's query: `seed`, `clicks` (how many), `speed` (event time per
 * real time), `window`, `early` (early firings), `checkpoint` (interval), `uv` (`exact` or
 * `approximate`), `db` (database prefix). Unknown names are an error too: a typo should not pass unnoticed.
 */
export function readConfig(query: string): DashboardConfig {
  const params = new URLSearchParams(query)
  let config = DEFAULTS
  for (const [name, value] of params) {
    switch (name) {
      case 'seed':
        config = { ...config, seed: positive(name, value, true) }
        break
      case 'clicks':
        config = { ...config, clicks: positive(name, value, true) }
        break
      case 'speed':
        config = { ...config, speed: positive(name, value, false) }
        break
      case 'window':
        config = { ...config, window: parseDuration(value, `dashboard setting ${name}`) }
        break
      case 'early':
        config = { ...config, earlyFirings: parseDuration(value, `dashboard setting ${name}`) }
        break
      case 'checkpoint':
        config = { ...config, checkpointInterval: parseDuration(value, `dashboard setting ${name}`) }
        break
      case 'uv':
        if (value !== 'exact' && value !== 'approximate') throw new Error(`dashboard setting uv: '${value}' is not exact or approximate`)
        config = { ...config, uv: value }
        break
      case 'db':
        if (!/^[\w-]+$/.test(value)) throw new Error(`dashboard setting db: '${value}' is not a name of letters, digits, - and _`)
        config = { ...config, db: value }
        break
      case 'reset':
        break
      default:
        throw new Error(`dashboard setting '${name}' is not one of seed, clicks, speed, window, early, checkpoint, uv, db, reset`)
    }
  }
  return config
}
