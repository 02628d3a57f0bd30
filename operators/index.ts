/**
 * The public pipeable operators, one concept per file.
 *
 * @since 0.1.0
 */

// ---- time ----
export * from './assign-timestamps-and-watermarks'

// ---- sources ----
export * from './from-records'

// ---- leaving the stream model ----
export * from './sink-to'
export * from './values'
export * from './records'

// ---- transforms ----
export * from './map-values'
export * from './filter-values'
export * from './flat-map-values'
export * from './union-with'
export * from './connect-with'
export { broadcast, type BroadcastStream } from './broadcast'

// ---- keys ----
export * from './key-by'

// ---- side outputs ----
export * from './side-output'
export * from './split'
export * from './split-by'

// ---- windows ----
export { WindowedStream, type WindowOperatorFunction, type WindowOptions } from './windowed-stream'
export { countWindow, windowBy } from './window-by'
export { countWindowAll, windowAll } from './window-all'

// ---- process functions ----
export * from './process-elements'
export * from './keyed-process'

// ---- async I/O ----
export * from './async-wait'

// ---- joins ----
export * from './join-with'
export * from './co-group-with'
export * from './interval-join-with'
export type { CoGroupFunction, JoinFunction, ProcessJoinContext, ProcessJoinFunction, TaggedUnion } from '../src/join/JoinFunction'
