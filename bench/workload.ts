/** What a benchmark workload provides to the runner (bench/main.ts). */
import type { Event, Feed } from './data'
import type { ReportOptions, Variant } from './harness'

export interface Workload<R> extends ReportOptions {
  readonly name: string
  readonly description: string
  /** The variants to compare, all reading `feed`; the first one's result is the reference. */
  variants(feed: Feed<Event>): Variant<R>[]
  /** Whether two variants computed the same result. */
  same(a: R, b: R): boolean
  show(r: R): string
}
