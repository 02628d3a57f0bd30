/** What a benchmark workload provides to the runner (bench/main.ts). */
import type { Event, EventOptions, Feed } from './data'
import type { Measurement, ReportOptions, Variant } from './harness'
import type { LibraryBuild } from './library'

/** The outcome of a workload's untimed correctness check. */
export interface VerifyReport {
  readonly ok: boolean
  /** Printed as they are. */
  readonly lines: readonly string[]
}

/** What the runner tells a workload's {@link Workload.after}. */
export interface AfterContext {
  readonly libs: readonly LibraryBuild[]
  /** `--rounds`. */
  readonly rounds: number
  /** `--state-keys` (the `checkpoints` workload's state scenario; 0 skips it). */
  readonly stateKeys: number
}

/** What a workload's {@link Workload.after} found: printed, and with `--json` its `data` too. */
export interface AfterReport extends VerifyReport {
  readonly data?: unknown
}

export interface Workload<R> extends ReportOptions {
  readonly name: string
  readonly description: string
  /** The data set (merged over `DEFAULT_EVENTS`); default: `DEFAULT_EVENTS`. */
  readonly data?: EventOptions
  /**
   * The workload makes its own data from the feed's `kind` and `size` and never opens it (the
   * Nexmark queries): the runner then generates no click events for it.
   */
  readonly ownData?: boolean
  /** Events per timed run when `--events` is not given (default 5,000,000). */
  readonly defaultEvents?: number
  /** Events per warm-up run when `--warmup` is not given (default: events/10, at least 100,000). */
  readonly defaultWarmupEvents?: number
  /**
   * The variants to compare, all reading `feed`; the first one's result is the reference. The
   * rx-datastream variants are made once per library in `libs` (see library.ts).
   */
  variants(feed: Feed<Event>, libs: readonly LibraryBuild[]): Variant<R>[]
  /** Whether two variants computed the same result. */
  same(a: R, b: R): boolean
  show(r: R): string
  /**
   * Optional, untimed, before the measurements: a stricter check than `same` (e.g. comparing
   * every result). The runner exits with 1 if it fails; `--skip-verify` skips it.
   */
  verify?(feed: Feed<Event>, libs: readonly LibraryBuild[]): VerifyReport | Promise<VerifyReport>
  /**
   * Optional, after the table: figures that are not a variant's throughput (ratios between
   * variants, measurements of their own). The runner exits with 1 if it reports `ok: false`.
   */
  after?(measurements: readonly Measurement<R>[], context: AfterContext): AfterReport | Promise<AfterReport>
}
