import * as t from 'io-ts'
import { from } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements, rec, wm } from '../../marbles/index'
import { describeBackends } from '../support/backends'

const firings = ds.valueState('firings', t.number, 0)
const total = ds.valueState('total', t.number, 0)

const count: ds.AggregateFunction<number, number, number> = { createAccumulator: () => 0, add: (_v, n) => n + 1, getResult: n => n, merge: (a, b) => a + b }

/** Labels each firing with how often this window fired and how many firings the key had. */
const labelled: ds.ProcessWindowFunction<number, string, string> = (key, ctx, [n], out) => {
  const w = ctx.windowState(firings)
  const g = ctx.globalState(total)
  w.update(w.value()! + 1)
  g.update(g.value()! + 1)
  out.collect(`${key}[${ctx.window.start}] n=${n} firing ${w.value()} of window, ${g.value()} of key`)
}

describeBackends('window and global state in process window functions', () => {
  // late firings within allowed lateness re-fire window [0,10)
  const input = [rec(1, 1, 'k'), wm(9), rec(2, 5, 'k'), rec(3, 12, 'k'), wm(14), rec(4, 7, 'k'), wm(30)]

  for (const [label, general] of [
    ['sliced runtime', false],
    ['general runtime', true]
  ] as const) {
    it(`windowState counts a window's firings, globalState a key's (${label})`, () => {
      let builder = ds.windowBy(ds.tumblingEventTimeWindows(10)).allowedLateness(10)
      if (general) builder = builder.trigger(ds.eventTimeTrigger())
      const out = collectElements(from(input).pipe(builder.aggregate(count, labelled)))
      expect(out.elements.filter(ds.isRecord).map(r => r.value)).toEqual([
        'k[0] n=1 firing 1 of window, 1 of key',
        'k[0] n=2 firing 2 of window, 2 of key',
        'k[0] n=3 firing 3 of window, 3 of key',
        'k[10] n=1 firing 1 of window, 4 of key'
      ])
    })

    it(`windowState is dropped at cleanup, after clear ran (${label})`, () => {
      const seenAtClear: (number | undefined)[] = []
      let builder = ds.windowBy(ds.tumblingEventTimeWindows(10))
      if (general) builder = builder.trigger(ds.eventTimeTrigger())
      const fn: ds.ProcessWindowFunction<number, number, string> = {
        process: (_k, ctx, [n], out) => {
          ctx.windowState(firings).update(ctx.windowState(firings).value()! + 1)
          out.collect(n!)
        },
        clear: ctx => seenAtClear.push(ctx.windowState(firings).value())
      }
      // the same window bounds come back after cleanup only through a new key's window; the key
      // 'k' window [0,10) is cleaned at watermark 9, so its state is gone afterwards
      const out = collectElements(from([rec(1, 1, 'k'), wm(9), rec(1, 11, 'k'), wm(19)]).pipe(builder.aggregate(count, fn)))
      expect(out.elements.filter(ds.isRecord).map(r => r.value)).toEqual([1, 1])
      expect(seenAtClear).toEqual([1, 1])
    })
  }

  it('windowState with merging windows is a clear error naming the operator', () => {
    const out = collectElements(
      from([rec(1, 1, 'k'), wm(20)]).pipe(
        ds.windowBy(ds.eventTimeSessionWindows(5), { name: 'sessions' }).aggregate(count, (_k: string, ctx, [n], o: ds.Collector<number>) => {
          ctx.windowState(firings)
          o.collect(n!)
        })
      )
    )
    expect(out.error).toBeInstanceOf(ds.DataStreamError)
    expect((out.error as Error).message).toBe(
      'windowBy "sessions": windowState("firings") is not available with merging windows (eventTimeSessionWindows(5)); use globalState'
    )
  })

  it('globalState works with session windows and keeps the key alive between its windows', () => {
    const out = collectElements(
      from([rec(1, 1, 'k'), wm(20), rec(1, 30, 'k'), wm(50)]).pipe(
        ds.windowBy(ds.eventTimeSessionWindows(5)).aggregate(count, (key: string, ctx, [n], o: ds.Collector<string>) => {
          const g = ctx.globalState(total)
          g.update(g.value()! + n!)
          o.collect(`${key} seen ${g.value()}`)
        })
      )
    )
    expect(out.elements.filter(ds.isRecord).map(r => r.value)).toEqual(['k seen 1', 'k seen 2'])
  })

  it('valueState rejects a missing name or codec', () => {
    expect(() => ds.valueState('', t.number)).toThrowError(TypeError, /name/)
    expect(() => ds.valueState('x', undefined as never)).toThrowError(TypeError, /io-ts/)
  })
})
