/**
 * Time-to-live for keyed state, as Flink's `StateTtlConfig`: an entry expires `ttl`
 * milliseconds of processing time after it was last written (or read, with
 * `OnReadAndWrite`). List elements and map entries expire one by one.
 *
 * @since 0.1.0
 */

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * What refreshes an entry's time to live: writes only (Flink's default), or reads as well.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const update: ds.TtlUpdateType = 'OnReadAndWrite'
 *
 * @category state
 * @since 0.1.0
 */
export type TtlUpdateType = 'OnCreateAndWrite' | 'OnReadAndWrite'

/**
 * Whether a read may return an expired entry that has not been removed yet. Either way the
 * read removes it.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const visibility: ds.TtlStateVisibility = 'NeverReturnExpired'
 *
 * @category state
 * @since 0.1.0
 */
export type TtlStateVisibility = 'NeverReturnExpired' | 'ReturnExpiredIfNotCleanedUp'

/**
 * A state's time to live. Time is the operator's processing time (its scheduler's `now()`),
 * as in Flink, where TTL is only supported on processing time.
 *
 * Expired entries are removed when they are accessed, from snapshots (they are never written
 * into one), and incrementally: each access of the state also checks up to
 * `cleanupIncrementally` other entries of it, so keys that are never read again do not stay
 * in memory forever.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const ttl: ds.StateTtlConfig = ds.stateTtlConfig(60_000, { updateType: 'OnReadAndWrite' })
 *
 * @category state
 * @since 0.1.0
 */
export interface StateTtlConfig {
  /** Milliseconds an entry lives after its last refresh: expired iff `lastAccess + ttl <= now`. */
  readonly ttl: number
  readonly updateType: TtlUpdateType
  readonly visibility: TtlStateVisibility
  /** Entries checked for expiry per state access (Flink's incremental cleanup); 0 turns it off. */
  readonly cleanupIncrementally: number
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Builds a {@link StateTtlConfig}; attach it to a descriptor with `enableTimeToLive`.
 * Defaults: `OnCreateAndWrite`, `NeverReturnExpired`, 5 entries of incremental cleanup per
 * access (Flink's defaults).
 *
 * @example
 * import * as t from 'io-ts'
 * import * as ds from 'rx-datastream'
 *
 * const lastLogin = ds.enableTimeToLive(
 *   ds.valueState('lastLogin', t.number),
 *   ds.stateTtlConfig(24 * 3_600_000, { visibility: 'ReturnExpiredIfNotCleanedUp' })
 * )
 *
 * @param ttl milliseconds of processing time, a positive number
 * @category state
 * @since 0.1.0
 */
export function stateTtlConfig(
  ttl: number,
  options: { readonly updateType?: TtlUpdateType; readonly visibility?: TtlStateVisibility; readonly cleanupIncrementally?: number } = {}
): StateTtlConfig {
  if (typeof ttl !== 'number' || !(ttl > 0) || ttl === Infinity) {
    throw new RangeError(`stateTtlConfig: the ttl must be a positive finite number of milliseconds, got ${String(ttl)}`)
  }
  const updateType = options.updateType ?? 'OnCreateAndWrite'
  if (updateType !== 'OnCreateAndWrite' && updateType !== 'OnReadAndWrite') {
    throw new TypeError(`stateTtlConfig: updateType must be 'OnCreateAndWrite' or 'OnReadAndWrite', got ${String(updateType)}`)
  }
  const visibility = options.visibility ?? 'NeverReturnExpired'
  if (visibility !== 'NeverReturnExpired' && visibility !== 'ReturnExpiredIfNotCleanedUp') {
    throw new TypeError(`stateTtlConfig: visibility must be 'NeverReturnExpired' or 'ReturnExpiredIfNotCleanedUp', got ${String(visibility)}`)
  }
  const cleanupIncrementally = options.cleanupIncrementally ?? 5
  if (!Number.isSafeInteger(cleanupIncrementally) || cleanupIncrementally < 0) {
    throw new RangeError(`stateTtlConfig: cleanupIncrementally must be a non-negative integer, got ${String(cleanupIncrementally)}`)
  }
  return { ttl, updateType, visibility, cleanupIncrementally }
}
