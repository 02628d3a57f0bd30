/**
 * A window assigner of the user's own that gives one window per record: the general window
 * operator finds a key's window by the key where the table's values stay in memory, and must
 * forget it when the window is cleaned up, or a later record of a window with the same bounds
 * would land in state that no longer fires.
 */
import { map } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import * as ds from '../../src/index'

interface Click {
  readonly user: string
  readonly n: number
}

/** Every record in the window `[0, 10)` of processing time, whenever it comes: after 9 a window already past its end. */
const firstTen: ds.WindowAssigner<Click> = {
  name: 'firstTen',
  timeDomain: 'PROCESSING_TIME',
  assignWindows: () => [ds.timeWindow(0, 10)],
  defaultTrigger: () => ds.processingTimeTrigger()
}

describe('a custom assigner with one window per record', () => {
  it('a window cleaned up and made again for a key gets that key\'s later records, and fires them', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b))
    const out: string[] = []
    scheduler.run(({ cold }) => {
      // a and b at 0–3 (fired at 9, then cleaned), then again at 20–21 and 30: each time the
      // window is past its end, made anew for the key and fired at once.
      const clicks: Click[] = [
        { user: 'a', n: 1 },
        { user: 'b', n: 10 },
        { user: 'a', n: 2 },
        { user: 'b', n: 20 },
        { user: 'a', n: 3 },
        { user: 'b', n: 30 },
        { user: 'a', n: 4 }
      ]
      cold('ab-ab 15ms ab 8ms a|', { a: 0, b: 1 })
        .pipe(
          map((_, i) => ds.streamRecord<Click, string>(clicks[i]!, i, clicks[i]!.user)),
          ds.windowBy(firstTen, { scheduler }).reduce<Click, string>((x, y) => ({ user: x.user, n: x.n + y.n })),
          ds.values()
        )
        .subscribe(c => out.push(`${scheduler.now()} ${c.user}:${c.n}`))
    })
    expect(out).toEqual(['9 a:3', '9 b:30', '20 a:3', '21 b:30', '30 a:4'])
  })
})
