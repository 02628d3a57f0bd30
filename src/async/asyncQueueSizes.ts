/**
 * @internal
 * What an operator with an async I/O queue tells a job's metrics (`AsyncWaitOperator`).
 */
export interface AsyncQueueSizes {
  /** Elements in the queue: calls in flight, results waiting for their turn, watermarks behind them. */
  readonly queueSize: number
  /** Elements waiting in the overflow buffer for a free slot. */
  readonly overflowSize: number
}

/**
 * @internal
 * Whether `operator` keeps an async I/O queue. Asked of its shape rather than with `instanceof
 * AsyncWaitOperator`: a job's metrics ask it of every operator, and the class would bring the
 * whole async I/O operator into the bundle of every application that runs a job.
 */
export function hasAsyncQueue(operator: object): operator is AsyncQueueSizes {
  return typeof (operator as Partial<AsyncQueueSizes>).queueSize === 'number' && typeof (operator as Partial<AsyncQueueSizes>).overflowSize === 'number'
}
