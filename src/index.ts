/**
 * rx-datastream: Apache Flink's DataStream model (event time, watermarks, windows, joins,
 * process functions, state, checkpoints) as RxJS 7 pipeable operators.
 *
 * Import it as a namespace, fp-ts style:
 *
 * @example
 * import { from } from 'rxjs'
 * import * as ds from 'rx-datastream'
 *
 * interface Click { user: string; page: string; ts: number }
 * const clicks$ = from<Click[]>([{ user: 'ann', page: '/', ts: 1_000 }]).pipe(
 *   ds.assignTimestampsAndWatermarks(
 *     ds.WatermarkStrategy.forBoundedOutOfOrderness<Click>(500).withTimestampAssigner(c => c.ts)),
 *   ds.keyBy(c => c.page))
 *
 * @since 0.1.0
 */

// ---- model: stream elements ----
export * from './core/StreamElement'
export * from './core/OutputTag'
export * from './core/Collector'
export type { Key, KeyPrimitive, NeedsKeys } from './core/Key'
export type { OperatorInfo, OperatorOptions, SchedulerOptions } from './core/OperatorOptions'
export { DataStreamError, ElementError, KeyError, StateError, TimeoutError, TimestampError, UserFunctionError, WatermarkError } from './core/errors'

// ---- time: watermarks and timers ----
export {
  boundedOutOfOrdernessGenerator,
  noWatermarksGenerator,
  withIdleness,
  type WatermarkGenerator,
  type WatermarkGeneratorContext,
  type WatermarkOutput
} from './core/WatermarkGenerator'
export * from './core/WatermarkStrategy'
export type { TimeDomain } from './core/TimerService'

// ---- windowing: windows, assigners, triggers, evictors, window functions ----
export { cover, GLOBAL_WINDOW, intersects, maxTimestamp, type TimeWindow, timeWindow, windowStart } from './windowing/TimeWindow'
export type { WindowAssigner, WindowAssignerContext } from './windowing/WindowAssigner'
export * from './windowing/Trigger'
export * from './windowing/Evictor'
export * from './windowing/WindowFunction'
export type { PaneInfo, PaneTiming, WindowResult, WindowResultOf } from './windowing/PaneInfo'
export * from './windowing/assigners'
export * from './windowing/triggers'
export * from './windowing/evictors'

// ---- aggregates: approximate distinct counts ----
export { type EncodedHyperLogLog, HyperLogLog, hyperLogLogCodec } from './aggregates/HyperLogLog'
export { approximateDistinctCount, type ApproximateDistinctCount, type ApproximateDistinctCountOptions } from './aggregates/approximateDistinctCount'

// ---- state ----
export type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './state/State'
export {
  aggregatingState,
  type AggregatingStateDescriptor,
  enableTimeToLive,
  listState,
  type ListStateDescriptor,
  mapState,
  type MapStateDescriptor,
  type MergingStateDescriptor,
  reducingState,
  type ReducingStateDescriptor,
  type StateDescriptor,
  type StateOf,
  type StateSchema,
  valueState,
  type ValueStateDescriptor,
  withSchemaVersion
} from './state/StateDescriptor'
export * from './state/StateTtlConfig'
export { setStateValidation } from './state/stateValidation'
export { heapStateBackend, type StateBackend } from './state/StateBackend'
export { DEFAULT_MAX_PARALLELISM } from './state/KeyGroup'

// ---- process functions ----
export * from './process/ProcessFunction'
export * from './process/KeyedProcessFunction'
export * from './process/CoProcessFunction'
export * from './process/BroadcastProcessFunction'
export type { BroadcastState, ReadOnlyBroadcastState } from './state/BroadcastState'
export type { CheckpointedFunction, FunctionInitializationContext, FunctionSnapshotContext, OperatorStateStore } from './state/OperatorState'

// ---- async I/O ----
export type { AsyncContext, AsyncFunction } from './async/AsyncFunction'
export {
  type AsyncRetryStrategy,
  exponentialBackoffRetry,
  type ExponentialBackoffRetryOptions,
  fixedDelayRetry,
  type FixedDelayRetryOptions
} from './async/AsyncRetryStrategy'
export type { AsyncWaitOptions } from './async/AsyncWaitOptions'

// ---- checkpoints ----
export { type CheckpointStore, CheckpointStoreError, type ChunkFile, type StoredCheckpoint } from './checkpoint/CheckpointStore'
export { memoryStore } from './checkpoint/memoryStore'
export { indexedDbStore, type IndexedDbStoreOptions } from './checkpoint/indexedDbStore'
export type { Source, SourceEntry } from './job/Source'
export { type Sink, type TransactionalSink, transactionalSink, type TransactionalSinkFunctions } from './job/Sink'
export { upsertSink, type UpsertSinkFunctions } from './job/upsertSink'
export {
  type CheckpointEvent,
  type CheckpointingOptions,
  execute,
  type Job,
  type JobOperator,
  type JobOptions,
  type JobResult,
  type StreamExecutionEnvironment
} from './job/execute'
export { deleteSavepoint, listSavepoints, type SavepointInfo } from './job/savepoints'
export type { CheckpointTiming } from './job/CheckpointCoordinator'

// ---- metrics ----
export type { CheckpointMetrics, JobMetrics, JobStatus, MetricsOptions, OperatorMetrics } from './job/JobMetrics'

// ---- graph ----
export type { StreamEdge, StreamGraph, StreamGraphJson, StreamNode } from './graph/StreamGraph'
export { toMermaid } from './graph/toMermaid'
export { toDot } from './graph/toDot'

// ---- operators ----
export * from '../operators/index'
