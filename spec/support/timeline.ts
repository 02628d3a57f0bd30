/** What a stream emitted, when: compact lines for specs where marble groups would blur frames. */
import type { Observable, SchedulerLike } from 'rxjs'
import type * as ds from '../../src/index'

/** `v@ts` (`v@ts/key` on keyed streams), `W(ts)`, `IDLE`, `ACTIVE`, `B(id)`, `side:v@ts`. */
export function showElement(e: ds.StreamElement<unknown, unknown>): string {
  switch (e._tag) {
    case 'Record':
      return `${String(e.value)}@${e.timestamp}${e.key === undefined ? '' : `/${String(e.key)}`}`
    case 'Watermark':
      return `W(${e.timestamp})`
    case 'StreamStatus':
      return e.idle ? 'IDLE' : 'ACTIVE'
    case 'CheckpointBarrier':
      return `B(${e.checkpointId})`
    case 'CancelCheckpointMarker':
      return `cancel(${e.checkpointId})`
    case 'SideRecord':
      return `side:${String(e.value)}@${e.timestamp}`
  }
}

/** Lines `frame: element` as the stream emits, `frame: |` on completion, `frame: # name: message` on error. */
export interface Timeline {
  readonly lines: string[]
  readonly error: unknown
  readonly completed: boolean
}

/** Subscribes now and records every notification with the scheduler's time. */
export function recordTimeline<T, K>(stream$: Observable<ds.StreamElement<T, K>>, scheduler: SchedulerLike): Timeline {
  const timeline = { lines: [] as string[], error: undefined as unknown, completed: false }
  stream$.subscribe({
    next: e => timeline.lines.push(`${scheduler.now()}: ${showElement(e)}`),
    error: (error: unknown) => {
      timeline.error = error
      timeline.lines.push(`${scheduler.now()}: # ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`)
    },
    complete: () => {
      timeline.completed = true
      timeline.lines.push(`${scheduler.now()}: |`)
    }
  })
  return timeline
}
