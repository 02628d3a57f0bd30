/** @test {broadcast} */
import * as t from 'io-ts'
import { type Observable, of, Subject } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements, idle, marbleTest, rec, side, wm } from '../../marbles/index'

interface Metric {
  readonly name: string
  readonly value: number
}
type Rule = [string, number]

const limits = ds.mapState('limits', t.string, t.number)
const owners = ds.mapState('owners', t.string, t.string)
const count = ds.valueState('count', t.number)
const other = ds.valueState('other', t.string)

/** What a stream emitted so far, driven by hand through subjects (so the inputs' order is ours). */
interface Driven<R, K> {
  readonly elements: ds.StreamElement<R, K>[]
  readonly error: () => unknown
  readonly completed: () => boolean
}

function drive<R, K>(output$: Observable<ds.StreamElement<R, K>>): Driven<R, K> {
  const elements: ds.StreamElement<R, K>[] = []
  let error: unknown = undefined
  let completed = false
  output$.subscribe({ next: e => elements.push(e), error: (e: unknown) => (error = e), complete: () => (completed = true) })
  return { elements, error: () => error, completed: () => completed }
}

/** Sets the rule of each broadcast element, reports each metric against its rule. */
const alerting: ds.BroadcastProcessFunction<Metric, Rule, string> = {
  processBroadcastElement: ([name, limit], ctx, out) => {
    ctx.getBroadcastState(limits).put(name, limit)
    out.collect(`rule ${name}<=${limit}`)
  },
  processElement: (m, ctx, out) => {
    const limit = ctx.getBroadcastState(limits).get(m.name)
    out.collect(limit === undefined ? `${m.name}: no rule` : m.value > limit ? `${m.name} above ${limit}` : `${m.name} ok`)
  }
}

type Write = 'put' | 'putAll' | 'remove' | 'clear'
const WRITES: readonly Write[] = ['put', 'putAll', 'remove', 'clear']

function attemptWrite(state: ds.ReadOnlyBroadcastState<string, number>, write: Write): void {
  const writable = state as ds.BroadcastState<string, number>
  switch (write) {
    case 'put':
      return writable.put('cpu', 1)
    case 'putAll':
      return writable.putAll([['cpu', 1]])
    case 'remove':
      return writable.remove('cpu')
    case 'clear':
      return writable.clear()
  }
}

describe('broadcast', () => {
  describe('arguments', () => {
    const rules$ = of(rec<Rule>(['cpu', 90], 0))

    it('returns a BroadcastStream of the source and its descriptors, which connectWith turns into broadcast-connected streams', () => {
      const stream = ds.broadcast(rules$, limits, owners)
      expect(stream._tag).toBe('BroadcastStream')
      expect(stream.source).toBe(rules$)
      expect(stream.descriptors).toEqual([limits, owners])
      const connected = ds.connectWith(stream)
      expect(typeof connected.process).toBe('function')
      expect(typeof connected.keyedProcess).toBe('function')
      expect('map' in connected).toBeFalse()
    })

    it('needs at least one descriptor', () => {
      expect(() => ds.broadcast(rules$)).toThrowError(TypeError, /^broadcast: pass at least one map state descriptor/)
    })

    for (const [label, bad] of [
      ['a value state descriptor', ds.valueState('limit', t.number)],
      ['a list state descriptor', ds.listState('limit', t.number)],
      ['null', null],
      ['a name', 'limits']
    ] as const) {
      it(`rejects ${label} as a descriptor: broadcast state is map state`, () => {
        expect(() => ds.broadcast(rules$, limits, bad as unknown as ds.MapStateDescriptor<string, number>)).toThrowError(
          TypeError,
          /^broadcast: broadcast state is map state; .* is not a map state descriptor$/
        )
      })
    }

    it('rejects two descriptors of one name', () => {
      const again = ds.mapState('limits', t.string, t.string)
      expect(() => ds.broadcast(rules$, limits, owners, again)).toThrowError(TypeError, 'broadcast: two descriptors are named "limits"')
    })

    it('rejects a descriptor with a time to live: TTL is for keyed state', () => {
      const expiring = ds.enableTimeToLive(ds.mapState('recent', t.string, t.number), ds.stateTtlConfig(1_000))
      expect(() => ds.broadcast(rules$, limits, expiring)).toThrowError(TypeError, 'broadcast: broadcast state "recent" cannot have a time to live (TTL is for keyed state)')
    })

    for (const [label, bad] of [
      ['null', null],
      ['undefined', undefined],
      ['an array of records', [rec(1, 1)]],
      ['a plain object', { source: rules$ }]
    ] as const) {
      it(`rejects ${label} as the source with a TypeError`, () => {
        expect(() => ds.broadcast(bad as unknown as Observable<ds.StreamElement<Rule>>, limits)).toThrowError(TypeError, /^broadcast: the source is .*, not an Observable$/)
      })
    }
  })

  describe('connectWith(broadcast(...)).process', () => {
    it('broadcast elements write the state that later records read; outputs keep their own record timestamp', () => {
      marbleTest(({ cold, expectStream }) => {
        const metrics = cold('-a--b---c-|', {
          a: rec<Metric>({ name: 'cpu', value: 95 }, 1),
          b: rec<Metric>({ name: 'cpu', value: 95 }, 4),
          c: rec<Metric>({ name: 'mem', value: 50 }, 8)
        })
        const rules = cold('--r---s---|', { r: rec<Rule>(['cpu', 90], 2), s: rec<Rule>(['mem', 40], 6) })
        expectStream(metrics.pipe(ds.connectWith(ds.broadcast(rules, limits)).process(alerting))).toBe('-ar-b-s-c-(Z|)', {
          a: rec('cpu: no rule', 1),
          r: rec('rule cpu<=90', 2),
          b: rec('cpu above 90', 4),
          s: rec('rule mem<=40', 6),
          c: rec('mem above 40', 8),
          Z: wm(Infinity)
        })
      })
    })

    it('processElement reads the whole state: get, contains, entries, keys, values, isEmpty', () => {
      const main = new Subject<ds.StreamElement<string>>()
      const rules = new Subject<ds.StreamElement<Rule>>()
      const reads: unknown[] = []
      drive(
        main.pipe(
          ds.connectWith(ds.broadcast(rules, limits)).process<string, never>({
            processBroadcastElement: ([name, limit], ctx) => (limit < 0 ? ctx.getBroadcastState(limits).remove(name) : ctx.getBroadcastState(limits).put(name, limit)),
            processElement: (name, ctx) => {
              const s = ctx.getBroadcastState(limits)
              reads.push({ get: s.get(name), contains: s.contains(name), entries: s.entries(), keys: s.keys(), values: s.values(), isEmpty: s.isEmpty() })
            }
          })
        )
      )
      main.next(rec('cpu', 1))
      rules.next(rec<Rule>(['cpu', 90], 2))
      rules.next(rec<Rule>(['mem', 40], 3))
      main.next(rec('cpu', 4))
      rules.next(rec<Rule>(['cpu', 80], 5))
      rules.next(rec<Rule>(['mem', -1], 6))
      main.next(rec('mem', 7))
      expect(reads).toEqual([
        { get: undefined, contains: false, entries: [], keys: [], values: [], isEmpty: true },
        { get: 90, contains: true, entries: [['cpu', 90], ['mem', 40]], keys: ['cpu', 'mem'], values: [90, 40], isEmpty: false },
        { get: undefined, contains: false, entries: [['cpu', 80]], keys: ['cpu'], values: [80], isEmpty: false }
      ])
    })

    for (const write of WRITES) {
      it(`a ${write} attempted in processElement (through a cast) fails with a StateError through the error channel`, () => {
        const main = new Subject<ds.StreamElement<string>>()
        const rules = new Subject<ds.StreamElement<Rule>>()
        const out = drive(
          main.pipe(
            ds.connectWith(ds.broadcast(rules, limits), { name: 'alerts', uid: 'alerts-1' }).process<string, string>({
              processBroadcastElement: ([name, limit], ctx) => ctx.getBroadcastState(limits).put(name, limit),
              processElement: (v, ctx, o) => {
                o.collect(v)
                attemptWrite(ctx.getBroadcastState(limits), write)
              }
            })
          )
        )
        rules.next(rec<Rule>(['cpu', 90], 1))
        main.next(rec('x', 2))
        expect(out.elements).toEqual([rec('x', 2)])
        expect(out.error()).toBeInstanceOf(ds.StateError)
        const error = out.error() as ds.StateError
        expect(error.state).toBe('limits')
        expect(error.operator).toEqual({ kind: 'connectWith.process', name: 'alerts', uid: 'alerts-1' })
        expect(error.message).toBe(
          `connectWith.process "alerts" (uid alerts-1): state "limits": broadcast state is read-only outside processBroadcastElement (${write} called): ` +
            'only broadcast elements reach every subtask, so only they may write it and every subtask holds the same state'
        )
        expect(main.observed).toBeFalse()
        expect(rules.observed).toBeFalse()
      })
    }

    it('a refused write leaves the broadcast state as it was', () => {
      const main = new Subject<ds.StreamElement<string>>()
      const rules = new Subject<ds.StreamElement<Rule>>()
      const seen: unknown[] = []
      drive(
        main.pipe(
          ds.connectWith(ds.broadcast(rules, limits)).process<string, never>({
            processBroadcastElement: ([name, limit], ctx) => ctx.getBroadcastState(limits).put(name, limit),
            processElement: (_v, ctx) => {
              const s = ctx.getBroadcastState(limits)
              for (const write of WRITES) {
                try {
                  attemptWrite(s, write)
                  seen.push(`${write} accepted`)
                } catch (e) {
                  seen.push(e instanceof ds.StateError ? `${write} refused` : e)
                }
              }
              seen.push(s.entries())
            }
          })
        )
      )
      rules.next(rec<Rule>(['cpu', 90], 1))
      main.next(rec('x', 2))
      expect(seen).toEqual(['put refused', 'putAll refused', 'remove refused', 'clear refused', [['cpu', 90]]])
    })

    it('processBroadcastElement writes with put, putAll, remove and clear', () => {
      type Command = { readonly op: 'put'; readonly name: string; readonly limit: number } | { readonly op: 'putAll'; readonly rules: Rule[] } | { readonly op: 'remove'; readonly name: string } | { readonly op: 'clear' }
      const main = new Subject<ds.StreamElement<string>>()
      const commands = new Subject<ds.StreamElement<Command>>()
      const out = drive(
        main.pipe(
          ds.connectWith(ds.broadcast(commands, limits)).process<string, string>({
            processBroadcastElement: (c, ctx) => {
              const s = ctx.getBroadcastState(limits)
              if (c.op === 'put') s.put(c.name, c.limit)
              else if (c.op === 'putAll') s.putAll(c.rules)
              else if (c.op === 'remove') s.remove(c.name)
              else s.clear()
            },
            processElement: (_v, ctx, o) => o.collect(JSON.stringify(ctx.getBroadcastState(limits).entries()))
          })
        )
      )
      const read = (): void => main.next(rec('?', 0))
      commands.next(rec<Command>({ op: 'put', name: 'cpu', limit: 90 }, 1))
      read()
      commands.next(rec<Command>({ op: 'putAll', rules: [['mem', 40], ['cpu', 70], ['disk', 10]] }, 2))
      read()
      commands.next(rec<Command>({ op: 'remove', name: 'mem' }, 3))
      read()
      commands.next(rec<Command>({ op: 'clear' }, 4))
      read()
      expect(out.elements.map(e => (e._tag === 'Record' ? e.value : e._tag))).toEqual([
        '[["cpu",90]]',
        '[["cpu",70],["mem",40],["disk",10]]',
        '[["cpu",70],["disk",10]]',
        '[]'
      ])
    })

    it('keeps each declared descriptor in its own map', () => {
      const main = new Subject<ds.StreamElement<string>>()
      const rules = new Subject<ds.StreamElement<Rule>>()
      const out = drive(
        main.pipe(
          ds.connectWith(ds.broadcast(rules, limits, owners)).process<string, string>({
            processBroadcastElement: ([name, limit], ctx) => {
              ctx.getBroadcastState(limits).put(name, limit)
              ctx.getBroadcastState(owners).put(name, `team-${name}`)
            },
            processElement: (name, ctx, o) => o.collect(`${ctx.getBroadcastState(limits).get(name)} ${ctx.getBroadcastState(owners).get(name)} ${ctx.getBroadcastState(owners).keys().length}`)
          })
        )
      )
      rules.next(rec<Rule>(['cpu', 90], 1))
      main.next(rec('cpu', 2))
      expect(out.elements).toEqual([rec('90 team-cpu 1', 2)])
    })

    it('getBroadcastState with a descriptor not passed to broadcast() fails with a StateError, on either side', () => {
      const undeclared = ds.mapState('thresholds', t.string, t.number)
      for (const side of ['main', 'broadcast'] as const) {
        const main = new Subject<ds.StreamElement<string>>()
        const rules = new Subject<ds.StreamElement<Rule>>()
        const out = drive(
          main.pipe(
            ds.connectWith(ds.broadcast(rules, limits, owners)).process<string, string>({
              processBroadcastElement: (_r, ctx) => void (side === 'broadcast' ? ctx.getBroadcastState(undeclared) : ctx.getBroadcastState(limits)),
              processElement: (_v, ctx) => void (side === 'main' ? ctx.getBroadcastState(undeclared) : ctx.getBroadcastState(limits))
            })
          )
        )
        if (side === 'main') main.next(rec('x', 1))
        else rules.next(rec<Rule>(['cpu', 1], 1))
        expect(out.error()).toBeInstanceOf(ds.StateError)
        const error = out.error() as ds.StateError
        expect(error.state).toBe('thresholds')
        expect(error.message).toBe(
          'connectWith.process: state "thresholds": not a broadcast state of this operator: pass its descriptor to broadcast(stream, ...descriptors) (declared: limits, owners)'
        )
      }
    })

    it('checks broadcast writes against the descriptor codecs (StateError)', () => {
      for (const [name, limit, detail] of [
        ['cpu', 'high', '"high" is not a valid map value (number)'],
        [7, 90, '7 is not a valid map key (string)']
      ] as const) {
        const main = new Subject<ds.StreamElement<string>>()
        const rules = new Subject<ds.StreamElement<Rule>>()
        const out = drive(main.pipe(ds.connectWith(ds.broadcast(rules, limits)).process(alerting as unknown as ds.BroadcastProcessFunction<string, Rule, string>)))
        rules.next(rec([name, limit] as unknown as Rule, 1))
        expect(out.error()).toBeInstanceOf(ds.StateError)
        expect((out.error() as Error).message).toBe(`connectWith.process: state "limits": ${detail}`)
      }
    })

    it('a throwing processBroadcastElement fails with a UserFunctionError naming the operator and the broadcast record', () => {
      const boom = new Error('bad rule')
      const out = collectElements(
        of(rec<Metric>({ name: 'cpu', value: 1 }, 1)).pipe(
          ds.connectWith(ds.broadcast(of(rec<Rule>(['cpu', 90], 2)), limits), { name: 'alerts' }).process<Metric, string>({
            ...alerting,
            processBroadcastElement: () => {
              throw boom
            }
          })
        )
      )
      expect(out.elements).toEqual([rec('cpu: no rule', 1)])
      expect(out.error).toBeInstanceOf(ds.UserFunctionError)
      expect((out.error as Error).cause).toBe(boom)
      expect((out.error as Error).message).toBe('connectWith.process "alerts": the user function threw while processing record (value ["cpu", 90], timestamp 2): bad rule')
    })

    it('side outputs from either method carry their record timestamp; ctx.timestamp() is the record\'s', () => {
      const log = new ds.OutputTag<string>('log')
      const main = new Subject<ds.StreamElement<string>>()
      const rules = new Subject<ds.StreamElement<Rule>>()
      const out = drive(
        main.pipe(
          ds.connectWith(ds.broadcast(rules, limits)).process<string, number | null>({
            processBroadcastElement: ([name], ctx, o) => {
              ctx.output(log, `rule ${name}`)
              o.collect(ctx.timestamp())
            },
            processElement: (v, ctx, o) => {
              ctx.output(log, `metric ${v}`)
              o.collect(ctx.timestamp())
            }
          })
        )
      )
      rules.next(rec<Rule>(['cpu', 90], 3))
      main.next(rec('cpu', 8))
      rules.next(ds.streamRecord<Rule>(['mem', 1]))
      expect(out.elements).toEqual([side(log, 'rule cpu', 3), rec(3, 3), side(log, 'metric cpu', 8), rec(8, 8), ds.sideRecord(log, 'rule mem'), ds.streamRecord(null)])
    })

    it('forwards the minimum of the two inputs\' watermarks, an idle broadcast input left out', () => {
      marbleTest(({ hot, expectStream }) => {
        const metrics = hot<ds.StreamElement<Metric>>('-W---X----Y--', { W: wm(10), X: wm(30), Y: wm(50) })
        // frame 10: the metrics reach 50, the rules hold the output at 40; frame 12: the rules go idle
        const rules = hot<ds.StreamElement<Rule>>('---V----U---I', { V: wm(20), U: wm(40), I: idle() })
        expectStream(metrics.pipe(ds.connectWith(ds.broadcast(rules, limits)).process(alerting))).toBe('---A-B--C-D-E', {
          A: wm(10),
          B: wm(20),
          C: wm(30),
          D: wm(40),
          E: wm(50)
        })
      })
    })

    it('gives every subscription its own broadcast state, and a factory its own function; open and close run once each', () => {
      const log: string[] = []
      let created = 0
      const op = ds.connectWith(ds.broadcast(of(rec<Rule>(['cpu', 90], 0)), limits)).process<string, string>(() => {
        const id = ++created
        return {
          open: () => log.push(`open ${id}`),
          processBroadcastElement: ([name, limit], ctx) => {
            ctx.getBroadcastState(limits).put(name, (ctx.getBroadcastState(limits).get(name) ?? 0) + limit)
          },
          processElement: () => undefined,
          close: () => log.push(`close ${id}`)
        }
      })
      const states: unknown[] = []
      const probe = ds.connectWith(ds.broadcast(of(rec<Rule>(['cpu', 90], 0)), limits)).process<string, string>({
        processBroadcastElement: ([name, limit], ctx) => {
          ctx.getBroadcastState(limits).put(name, (ctx.getBroadcastState(limits).get(name) ?? 0) + limit)
          states.push(ctx.getBroadcastState(limits).entries())
        },
        processElement: () => undefined
      })
      collectElements(of(rec('a', 1)).pipe(probe))
      collectElements(of(rec('a', 1)).pipe(probe))
      expect(states).toEqual([[['cpu', 90]], [['cpu', 90]]])
      collectElements(of(rec('a', 1)).pipe(op))
      collectElements(of(rec('a', 1)).pipe(op))
      expect(log).toEqual(['open 1', 'close 1', 'open 2', 'close 2'])
    })
  })

  describe('connectWith(broadcast(...)).keyedProcess', () => {
    /** Counts records per key; flags keys above their broadcast limit. */
    const limited: ds.KeyedBroadcastProcessFunction<string, string, Rule, string> = {
      processBroadcastElement: ([user, limit], ctx, out) => {
        ctx.getBroadcastState(limits).put(user, limit)
        out.collect(`limit ${user}=${limit}`)
      },
      processElement: (_v, ctx, out) => {
        const n = (ctx.state(count).value() ?? 0) + 1
        ctx.state(count).update(n)
        const limit = ctx.getBroadcastState(limits).get(ctx.getCurrentKey())
        out.collect(`${ctx.getCurrentKey()} #${n}${limit !== undefined && n > limit ? ' over' : ''}`)
      }
    }

    it('records see their key\'s state and the broadcast state; their output keeps key and timestamp, broadcast output has neither key', () => {
      marbleTest(({ cold, expectStream }) => {
        const clicks = cold('-a--b-c-d|', { a: rec('x', 1, 'ann'), b: rec('x', 4, 'ann'), c: rec('x', 6, 'bob'), d: rec('x', 8, 'ann') })
        const rules = cold<ds.StreamElement<Rule, string>>('--r------|', { r: rec<Rule>(['ann', 1], 2) })
        expectStream(clicks.pipe(ds.connectWith(ds.broadcast(rules, limits)).keyedProcess(limited))).toBe('-ar-b-c-d(Z|)', {
          a: rec('ann #1', 1, 'ann'),
          r: rec('limit ann=1', 2),
          b: rec('ann #2 over', 4, 'ann'),
          c: rec('bob #1', 6, 'bob'),
          d: rec('ann #3 over', 8, 'ann'),
          Z: wm(Infinity)
        })
      })
    })

    type Command = 'visit' | 'double' | 'clear' | 'visit-unused'

    function visiting(visits: string[]): ds.KeyedBroadcastProcessFunction<string, string, Command, string> {
      const unused = ds.valueState('unused', t.number)
      return {
        processElement: (v, ctx, out) => {
          if (v === 'other') ctx.state(other).update('set')
          else ctx.state(count).update((ctx.state(count).value() ?? 0) + 1)
          out.collect(`${ctx.getCurrentKey()} ${String(ctx.state(count).value())}`)
        },
        processBroadcastElement: (command, ctx, out) => {
          if (command === 'visit-unused') {
            ctx.applyToKeyedState(unused, key => visits.push(`unused ${key}`))
            return
          }
          ctx.applyToKeyedState(count, (key, state) => {
            visits.push(`${command} ${key}=${state.value()}`)
            if (command === 'double') state.update(state.value()! * 2)
            if (command === 'clear') state.clear()
            out.collect(`${command} ${key}`)
          })
        }
      }
    }

    it('applyToKeyedState visits exactly the keys with a value in that state, each with its value', () => {
      const clicks = new Subject<ds.StreamElement<string, string>>()
      const commands = new Subject<ds.StreamElement<Command>>()
      const visits: string[] = []
      const out = drive(clicks.pipe(ds.connectWith(ds.broadcast(commands, limits)).keyedProcess(visiting(visits))))
      clicks.next(rec('x', 1, 'ann'))
      clicks.next(rec('other', 2, 'bob'))
      clicks.next(rec('x', 3, 'cid'))
      clicks.next(rec('x', 4, 'cid'))
      commands.next(rec<Command>('visit', 5))
      commands.next(rec<Command>('visit-unused', 6))
      expect(visits.sort()).toEqual(['visit ann=1', 'visit cid=2'])
      // output inside applyToKeyedState still belongs to no key, stamped with the broadcast record
      expect(out.elements.slice(4).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([rec('visit ann', 5), rec('visit cid', 5)])
      expect(out.error()).toBeUndefined()
    })

    it('applyToKeyedState can update and clear every key\'s state, visiting each key once even as it clears', () => {
      const clicks = new Subject<ds.StreamElement<string, string>>()
      const commands = new Subject<ds.StreamElement<Command>>()
      const visits: string[] = []
      const out = drive(clicks.pipe(ds.connectWith(ds.broadcast(commands, limits)).keyedProcess(visiting(visits))))
      const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']
      for (const key of keys) clicks.next(rec('x', 1, key))
      commands.next(rec<Command>('double', 2))
      clicks.next(rec('x', 3, 'k3'))
      expect(out.elements[out.elements.length - 1]).toEqual(rec('k3 3', 3, 'k3'))
      visits.length = 0
      commands.next(rec<Command>('clear', 4))
      expect(visits.sort()).toEqual(keys.map(k => `clear ${k}=${k === 'k3' ? 3 : 2}`))
      visits.length = 0
      commands.next(rec<Command>('visit', 5))
      expect(visits).toEqual([])
      clicks.next(rec('x', 6, 'k3'))
      expect(out.elements[out.elements.length - 1]).toEqual(rec('k3 1', 6, 'k3'))
      expect(out.error()).toBeUndefined()
    })

    it('keyed state and timers used in processBroadcastElement outside applyToKeyedState fail with a StateError', () => {
      for (const [when, what] of [
        ['before', 'state'],
        ['after', 'state'],
        ['before', 'timers']
      ] as const) {
        const clicks = new Subject<ds.StreamElement<string, string>>()
        const rules = new Subject<ds.StreamElement<Rule>>()
        let runtime: ds.RuntimeContext | undefined
        let timers: ds.TimerService | undefined
        const out = drive(
          clicks.pipe(
            ds.connectWith(ds.broadcast(rules, limits)).keyedProcess<string, string, string>({
              open: ctx => (runtime = ctx),
              processElement: (_v, ctx) => {
                ctx.state(count).update(1)
                timers = ctx.timerService()
              },
              processBroadcastElement: (_r, ctx) => {
                if (when === 'after') ctx.applyToKeyedState(count, () => undefined)
                if (what === 'timers') timers!.registerEventTimeTimer(10)
                else runtime!.state(count).value()
              }
            })
          )
        )
        clicks.next(rec('x', 1, 'ann'))
        rules.next(rec<Rule>(['ann', 1], 2))
        expect(out.error()).toBeInstanceOf(ds.StateError)
        const error = out.error() as ds.StateError
        expect(error.state).toBe(what === 'state' ? 'count' : 'timers')
        expect(error.message).toMatch(what === 'state' ? /keyed state is only accessible while a record or timer of a key is processed/ : /needs a current key/)
      }
    })

    for (const write of WRITES) {
      it(`a ${write} attempted in processElement fails with a StateError`, () => {
        const out = collectElements(
          of(rec('x', 1, 'ann')).pipe(
            ds.connectWith(ds.broadcast(of(rec<Rule>(['ann', 1], 0)), limits)).keyedProcess<string, string, string>({
              processBroadcastElement: () => undefined,
              processElement: (_v, ctx) => attemptWrite(ctx.getBroadcastState(limits), write)
            })
          )
        )
        expect(out.error).toBeInstanceOf(ds.StateError)
        expect((out.error as Error).message).toContain(`connectWith.keyedProcess: state "limits": broadcast state is read-only outside processBroadcastElement (${write} called)`)
      })
    }

    it('getBroadcastState with an undeclared descriptor fails with a StateError', () => {
      const out = collectElements(
        of(rec('x', 1, 'ann')).pipe(
          ds.connectWith(ds.broadcast(of(rec<Rule>(['ann', 1], 0)), limits)).keyedProcess<string, string, string>({
            processBroadcastElement: () => undefined,
            processElement: (_v, ctx) => void ctx.getBroadcastState(owners)
          })
        )
      )
      expect(out.error).toBeInstanceOf(ds.StateError)
      expect((out.error as ds.StateError).state).toBe('owners')
    })

    it('onTimer sees the broadcast state, read-only, with the timer\'s key current', () => {
      for (const write of [undefined, ...WRITES]) {
        const clicks = new Subject<ds.StreamElement<number, string>>()
        const rules = new Subject<ds.StreamElement<Rule>>()
        const out = drive(
          clicks.pipe(
            ds.connectWith(ds.broadcast(rules, limits)).keyedProcess<string, number, string>({
              processBroadcastElement: ([user, limit], ctx) => ctx.getBroadcastState(limits).put(user, limit),
              processElement: (time, ctx) => ctx.timerService().registerEventTimeTimer(time),
              onTimer: (ts, ctx, o) => {
                const s = ctx.getBroadcastState(limits)
                o.collect(`${ctx.getCurrentKey()}@${ts} limit ${String(s.get(ctx.getCurrentKey()))}`)
                if (write !== undefined) attemptWrite(s, write)
              }
            })
          )
        )
        clicks.next(rec(10, 1, 'ann'))
        rules.next(rec<Rule>(['ann', 3], 2))
        clicks.next(wm(20))
        rules.next(wm(20))
        expect(out.elements[0]).toEqual(rec('ann@10 limit 3', 10, 'ann'))
        if (write === undefined) {
          expect(out.elements).toEqual([rec('ann@10 limit 3', 10, 'ann'), wm(20)])
        } else {
          expect(out.error()).toBeInstanceOf(ds.StateError)
          expect((out.error() as Error).message).toContain(`read-only outside processBroadcastElement (${write} called)`)
        }
      }
    })

    it('processBroadcastElement sees its record\'s timestamp and the combined watermark; its side outputs have no key', () => {
      const log = new ds.OutputTag<string>('log')
      const clicks = new Subject<ds.StreamElement<string, string>>()
      const rules = new Subject<ds.StreamElement<Rule>>()
      const out = drive(
        clicks.pipe(
          ds.connectWith(ds.broadcast(rules, limits)).keyedProcess<string, string, string>({
            processElement: () => undefined,
            processBroadcastElement: ([user], ctx, o) => {
              ctx.output(log, user)
              o.collect(`ts=${String(ctx.timestamp())} wm=${ctx.currentWatermark()}`)
            }
          })
        )
      )
      clicks.next(rec('x', 1, 'ann'))
      clicks.next(wm(30))
      rules.next(wm(25))
      rules.next(rec<Rule>(['ann', 1], 27))
      expect(out.elements).toEqual([wm(25), side(log, 'ann', 27), rec('ts=27 wm=25', 27)])
    })

    it('timers fire at the combined watermark: the broadcast input holds them back unless it is idle or done', () => {
      marbleTest(({ hot, cold, expectStream }) => {
        const fn: ds.KeyedBroadcastProcessFunction<string, number, Rule, string> = {
          processBroadcastElement: () => undefined,
          processElement: (time, ctx) => ctx.timerService().registerEventTimeTimer(time),
          onTimer: (ts, ctx, o) => o.collect(`${ctx.getCurrentKey()}@${ts}`)
        }
        const clicks = hot<ds.StreamElement<number, string>>('-a-W----------X--', { a: rec(10, 1, 'k'), W: wm(20), X: wm(40) })
        const rules = hot<ds.StreamElement<Rule>>('-----V-----I-----', { V: wm(15), I: idle() })
        expectStream(clicks.pipe(ds.connectWith(ds.broadcast(rules, limits)).keyedProcess(fn))).toBe('-----(pV)--B--X', {
          p: rec('k@10', 10, 'k'),
          V: wm(15),
          B: wm(20),
          X: wm(40)
        })
        const slow = cold<ds.StreamElement<number, string>>('-a-W------|', { a: rec(10, 1, 'k'), W: wm(20) })
        const done = cold<ds.StreamElement<Rule>>('--|')
        expectStream(slow.pipe(ds.connectWith(ds.broadcast(done, limits)).keyedProcess(fn))).toBe('---(pW)---(Z|)', { p: rec('k@10', 10, 'k'), W: wm(20), Z: wm(Infinity) })
      })
    })

    it('a main-input record without a key fails with a KeyError naming input 1; broadcast records need none', () => {
      const clicks = of(rec('x', 1, 'ann'), rec('y', 2)) as Observable<ds.StreamElement<string, string>>
      const out = collectElements(clicks.pipe(ds.connectWith(ds.broadcast(of(rec<Rule>(['ann', 5], 0)), limits)).keyedProcess(limited)))
      expect(out.elements).toEqual([rec('ann #1', 1, 'ann')])
      expect(out.error).toBeInstanceOf(ds.KeyError)
      expect((out.error as Error).message).toMatch(/^connectWith\.keyedProcess: record \(value "y", timestamp 2\) on input 1 has no key/)
      const fine = collectElements(of(rec('x', 1, 'ann')).pipe(ds.connectWith(ds.broadcast(of(rec<Rule>(['ann', 5], 0)), limits)).keyedProcess(limited)))
      expect(fine.elements).toEqual([rec('ann #1', 1, 'ann'), rec('limit ann=5', 0), wm(Infinity)])
    })

    it('keyed state in open fails with a StateError; a factory gives each subscription its own function', () => {
      const out = collectElements(
        of(rec('x', 1, 'ann')).pipe(
          ds.connectWith(ds.broadcast(of(rec<Rule>(['ann', 5], 0)), limits)).keyedProcess<string, string, string>({
            open: ctx => ctx.state(count).update(0),
            processBroadcastElement: () => undefined,
            processElement: () => undefined
          })
        )
      )
      expect(out.error).toBeInstanceOf(ds.StateError)
      expect((out.error as ds.StateError).state).toBe('count')
      let created = 0
      const op = ds.connectWith(ds.broadcast(of(rec<Rule>(['ann', 5], 0)), limits)).keyedProcess(() => {
        created++
        return limited
      })
      const first = collectElements(of(rec('x', 1, 'ann')).pipe(op))
      const second = collectElements(of(rec('x', 1, 'ann')).pipe(op))
      expect(created).toBe(2)
      expect(second.elements).toEqual(first.elements)
    })
  })
})
