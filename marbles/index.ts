/**
 * `rx-datastream/marbles`: event-time marble testing for rx-datastream pipelines, over RxJS's
 * `TestScheduler`. Frames are processing time; event time is written in the values
 * (`rec(value, timestamp)`, `wm(timestamp)`). Assertions throw plain `Error`s, so they work
 * under jasmine, mocha, jest, vitest or none.
 *
 * @example
 * import * as ds from 'rx-datastream'
 * import { marbleTest, rec } from 'rx-datastream/marbles'
 *
 * marbleTest(({ cold, expectStream }) => {
 *   const input = cold('-a--b-|', { a: rec(1, 10), b: rec(2, 20) })
 *   const output = input.pipe(ds.mapValues((n: number) => n * 10))
 *   expectStream(output).toBe('-a--b-|', { a: rec(10, 10), b: rec(20, 20) })
 * })
 *
 * @since 0.1.0
 */

// ---- element builders ----
export { active, barrier, idle, rec, side, wm } from './elements'

// ---- equality ----
export { streamEquals } from './equality'

// ---- marble tests ----
export {
  type ColdStream,
  createTestScheduler,
  type MarbleHelpers,
  marbleTest,
  type StreamExpectation,
  type SubscriptionLogs,
  type TestSchedulerOptions
} from './scheduler'

// ---- structural assertions ----
export { type CollectedElements, collectElements, recordsOf, watermarksOf } from './collect'
