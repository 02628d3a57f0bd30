/**
 * @internal
 * The machinery of operators with several inputs (union, connect, and later joins): one
 * subscription per input, watermarks and statuses combined by a `StatusWatermarkValve`,
 * completion when every input has completed.
 */
import { type Observable, type OperatorFunction, type Subscriber } from 'rxjs'
import type { OperatorInfo } from '../OperatorOptions'
import { ACTIVE, IDLE, MAX_WATERMARK, type StreamElement, type StreamRecord, type Watermark, watermark } from '../StreamElement'
import { StatusWatermarkValve } from '../WatermarkValve'
import { describeValue } from './describe'
import { operate, type Sink, subscribeInput } from './operate'

/** @internal Whether `x` can be subscribed to as an input. */
export function isObservableLike(x: unknown): x is Observable<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { subscribe?: unknown }).subscribe === 'function'
}

/**
 * @internal
 * Refuses an input that cannot be subscribed to (JavaScript callers may pass anything):
 * `what` names it, e.g. `connectWith: the other input`.
 */
export function checkObservable(x: unknown, what: string): void {
  if (!isObservableLike(x)) throw new TypeError(`${what} is ${describeValue(x)}, not an Observable`)
}

/** @internal What a multi-input operator does with its inputs, per subscription. */
export interface MultiInputHandler {
  /** A record of input `input` (0 is the piped source). */
  record(input: number, record: StreamRecord<unknown, unknown>): void
  /** The combined watermark advanced; default: forward it. Timers fire here, before forwarding. */
  watermark?(element: Watermark): void
  /** Every input has completed; the output completes right after. */
  end?(): void
  finalize?(): void
}

/** @internal Creates the handler of one subscription; it emits through `destination`. */
export type MultiInputSetup<Out> = (
  destination: Subscriber<StreamElement<Out, unknown>>,
  fail: (error: unknown) => void
) => MultiInputHandler

/**
 * @internal
 * An operator whose input 0 is the piped source and inputs 1..n are `others`. Watermarks leave
 * through the valve (after the records that preceded them on the input that advanced it);
 * side records and barriers are forwarded as they come (barrier alignment arrives with
 * checkpoints). An input that completes counts as reaching the end of event time.
 */
export function multiInputOperator<In, Out, K = never>(
  info: OperatorInfo,
  others: readonly Observable<StreamElement<unknown, unknown>>[],
  setup: MultiInputSetup<Out>
): OperatorFunction<StreamElement<In, unknown>, StreamElement<Out, K>> {
  return operate<StreamElement<In, unknown>, StreamElement<Out, K>>(info, (destination, fail) => {
    const out = destination as Subscriber<StreamElement<Out, unknown>>
    const handler = setup(out, fail)
    const onWatermark = handler.watermark?.bind(handler) ?? ((element: Watermark) => out.next(element))
    const valve = new StatusWatermarkValve(others.length + 1, {
      emitWatermark: t => onWatermark(t === Infinity ? MAX_WATERMARK : watermark(t)),
      emitStatus: idle => out.next(idle ? IDLE : ACTIVE)
    })
    let open = others.length + 1
    const inputSink = (input: number): Sink<StreamElement<unknown, unknown>> => ({
      next: e => {
        switch (e._tag) {
          case 'Record':
            handler.record(input, e)
            return
          case 'Watermark':
            valve.inputWatermark(e.timestamp, input)
            return
          case 'StreamStatus':
            valve.inputStatus(e.idle, input)
            return
          default:
            out.next(e)
        }
      },
      complete: () => {
        valve.inputStatus(false, input)
        valve.inputWatermark(Infinity, input)
        if (--open > 0) return
        handler.end?.()
        out.complete()
      }
    })
    // Input 0 (the piped source) is subscribed first, as `mergeWith` does; a synchronous input
    // is thus delivered whole before the next starts, which the valve handles: it only waits
    // for every input's watermark, it buffers nothing.
    return {
      ...(inputSink(0) as Sink<StreamElement<In, unknown>>),
      finalize: handler.finalize?.bind(handler),
      started: () => {
        for (let i = 0; i < others.length && !destination.closed; i++) {
          subscribeInput(others[i]!, inputSink(i + 1), fail, out)
        }
      }
    }
  })
}
