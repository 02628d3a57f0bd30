import * as t from 'io-ts'
import { from } from 'rxjs'
import * as ds from '../../src/index'
import { collectElements, rec, wm } from '../../marbles/index'
import { emitMapStateRead, errorOf, mainValues, outputOf, runKeyed } from '../support/keyed'
import { describeBackends } from '../support/backends'

/** A command for a state, sent as a record's value: an operation and its arguments. */
type Command = readonly [op: string, ...args: string[]]

describeBackends('keyed state', () => {
  describe('value state', () => {
    const count = ds.valueState('count', t.number)
    const valueOps: ds.KeyedProcessFunction<string, number | 'get' | 'clear', [string, number | undefined]> = {
      processElement: (cmd, ctx, out) => {
        const state = ctx.state(count)
        if (cmd === 'get') out.collect([ctx.getCurrentKey(), state.value()])
        else if (cmd === 'clear') state.clear()
        else state.update(cmd)
      }
    }

    it('reads undefined while empty, the last update after, undefined again after clear', () => {
      expect(outputOf(valueOps, [['a', 'get'], ['a', 1], ['a', 'get'], ['a', 2], ['a', 'get'], ['a', 'clear'], ['a', 'get']])).toEqual([
        ['a', undefined],
        ['a', 1],
        ['a', 2],
        ['a', undefined]
      ])
    })

    it('is scoped to the current key: two interleaved keys never see each other', () => {
      const input: Array<readonly [string, number | 'get' | 'clear']> = [
        ['a', 1],
        ['b', 'get'],
        ['b', 20],
        ['a', 'get'],
        ['b', 'get'],
        ['a', 'clear'],
        ['b', 'get'],
        ['a', 'get']
      ]
      expect(outputOf(valueOps, input)).toEqual([
        ['b', undefined],
        ['a', 1],
        ['b', 20],
        ['b', 20],
        ['a', undefined]
      ])
    })

    it('scopes composite keys by value, not by the array object', () => {
      const fn: ds.KeyedProcessFunction<readonly [string, number], number, number | undefined> = {
        processElement: (v, ctx, out) => {
          const state = ctx.state(count)
          out.collect(state.value())
          state.update(v)
        }
      }
      const out = runKeyed(fn, [rec(1, 1, ['x', 1] as const), rec(2, 2, ['x', 1] as const), rec(3, 3, ['x', '1'] as unknown as readonly [string, number]), rec(4, 4, ['x', 1] as const)])
      expect(out.error).toBeUndefined()
      expect(mainValues(out)).toEqual([undefined, 1, undefined, 2])
    })

    it('reads the default value while empty and after clear, without storing it', () => {
      const label = ds.valueState('label', t.string, 'none')
      const fn: ds.KeyedProcessFunction<string, string, string | undefined> = {
        processElement: (cmd, ctx, out) => {
          const state = ctx.state(label)
          if (cmd === 'get') out.collect(state.value())
          else if (cmd === 'clear') state.clear()
          else state.update(cmd)
        }
      }
      expect(outputOf(fn, [['a', 'get'], ['a', 'x'], ['a', 'get'], ['b', 'get'], ['a', 'clear'], ['a', 'get']])).toEqual(['none', 'x', 'none', 'none'])
    })

    it('update(null) clears the state, as in Flink', () => {
      const fn: ds.KeyedProcessFunction<string, number | null, number | undefined> = {
        processElement: (v, ctx, out) => {
          const state = ctx.state(count)
          state.update(v as number)
          out.collect(state.value())
        }
      }
      expect(outputOf(fn, [['a', 5], ['a', null], ['a', 6]])).toEqual([5, undefined, 6])
    })
  })

  describe('list state', () => {
    const seen = ds.listState('seen', t.string)
    const listOps: ds.KeyedProcessFunction<string, Command, readonly string[]> = {
      processElement: ([op, ...args], ctx, out) => {
        const state = ctx.state(seen)
        switch (op) {
          case 'add':
            for (const arg of args) state.add(arg)
            return
          case 'addAll':
            state.addAll(args)
            return
          case 'addAllIterable':
            state.addAll(new Set(args))
            return
          case 'update':
            state.update(args)
            return
          case 'clear':
            state.clear()
            return
          case 'mutate': {
            const copy = state.get() as string[]
            copy.push('mutated')
            copy.reverse()
            return
          }
          default:
            out.collect(state.get())
        }
      }
    }

    it('get() is empty while empty; add appends, addAll appends in order, update replaces, clear empties', () => {
      const input: Array<readonly [string, Command]> = [
        ['a', ['get']],
        ['a', ['add', 'x']],
        ['a', ['add', 'y']],
        ['a', ['get']],
        ['a', ['addAll', 'z', 'w']],
        ['a', ['addAllIterable', 'v']],
        ['a', ['get']],
        ['a', ['update', 'q', 'r']],
        ['a', ['get']],
        ['a', ['clear']],
        ['a', ['get']]
      ]
      expect(outputOf(listOps, input)).toEqual([[], ['x', 'y'], ['x', 'y', 'z', 'w', 'v'], ['q', 'r'], []])
    })

    it('update([]) clears; addAll([]) adds nothing', () => {
      const input: Array<readonly [string, Command]> = [
        ['a', ['add', 'x']],
        ['a', ['update']],
        ['a', ['get']],
        ['a', ['addAll']],
        ['a', ['get']],
        ['a', ['add', 'y']],
        ['a', ['addAll']],
        ['a', ['get']]
      ]
      expect(outputOf(listOps, input)).toEqual([[], [], ['y']])
    })

    it('get() returns a copy: changing it does not change the state', () => {
      const input: Array<readonly [string, Command]> = [
        ['a', ['add', 'x', 'y']],
        ['a', ['mutate']],
        ['a', ['get']]
      ]
      expect(outputOf(listOps, input)).toEqual([['x', 'y']])
    })

    it('a list read earlier does not change when elements are added later', () => {
      const kept: Array<readonly string[]> = []
      const fn: ds.KeyedProcessFunction<string, string, never> = {
        processElement: (v, ctx) => {
          const state = ctx.state(seen)
          kept.push(state.get())
          state.add(v)
        }
      }
      outputOf(fn, [['a', 'x'], ['a', 'y'], ['a', 'z']])
      expect(kept).toEqual([[], ['x'], ['x', 'y']])
    })

    it('is scoped to the current key', () => {
      const input: Array<readonly [string, Command]> = [
        ['a', ['add', 'a1']],
        ['b', ['add', 'b1']],
        ['a', ['add', 'a2']],
        ['b', ['get']],
        ['a', ['get']],
        ['b', ['clear']],
        ['a', ['get']],
        ['b', ['get']]
      ]
      expect(outputOf(listOps, input)).toEqual([['b1'], ['a1', 'a2'], ['a1', 'a2'], []])
    })

    it('addAll and update with something not iterable fail with a StateError naming the state', () => {
      for (const op of ['addAll', 'update'] as const) {
        const fn: ds.KeyedProcessFunction<string, string, never> = {
          processElement: (_v, ctx) => ctx.state(seen)[op](42 as unknown as string[])
        }
        const error = errorOf(runKeyed(fn, [rec('x', 1, 'a')]))
        expect(error).toBeInstanceOf(ds.StateError)
        expect((error as ds.StateError).state).toBe('seen')
        expect(error.message).toContain('need an iterable')
      }
    })
  })

  describe('map state', () => {
    const visits = ds.mapState('visits', t.string, t.number)
    const mapOps: ds.KeyedProcessFunction<string, Command, unknown> = {
      processElement: ([op, ...args], ctx, out) => {
        const state = ctx.state(visits)
        switch (op) {
          case 'put':
            state.put(args[0], Number(args[1]))
            return
          case 'putAll':
            state.putAll(args.map((arg): [string, number] => [arg, arg.length]))
            return
          case 'remove':
            state.remove(args[0])
            return
          case 'clear':
            state.clear()
            return
          default:
            emitMapStateRead(state, op, args[0]!, out)
        }
      }
    }

    it('reads as empty while empty', () => {
      const input: Array<readonly [string, Command]> = [
        ['a', ['get', 'x']],
        ['a', ['contains', 'x']],
        ['a', ['entries']],
        ['a', ['keys']],
        ['a', ['values']],
        ['a', ['isEmpty']]
      ]
      expect(outputOf(mapOps, input)).toEqual([undefined, false, [], [], [], true])
    })

    it('put, putAll, get, contains, remove, entries, keys, values, isEmpty, clear', () => {
      const input: Array<readonly [string, Command]> = [
        ['a', ['put', '/home', '1']],
        ['a', ['putAll', '/x', '/long']],
        ['a', ['get', '/home']],
        ['a', ['get', '/long']],
        ['a', ['contains', '/x']],
        ['a', ['contains', '/nope']],
        ['a', ['entries']],
        ['a', ['keys']],
        ['a', ['values']],
        ['a', ['isEmpty']],
        ['a', ['remove', '/x']],
        ['a', ['remove', '/nope']],
        ['a', ['contains', '/x']],
        ['a', ['keys']],
        ['a', ['clear']],
        ['a', ['isEmpty']],
        ['a', ['get', '/home']]
      ]
      expect(outputOf(mapOps, input)).toEqual([
        1,
        5,
        true,
        false,
        [
          ['/home', 1],
          ['/x', 2],
          ['/long', 5]
        ],
        ['/home', '/x', '/long'],
        [1, 2, 5],
        false,
        false,
        ['/home', '/long'],
        true,
        undefined
      ])
    })

    it('put on an existing key replaces its value and keeps its place; removing the last entry empties the map', () => {
      const input: Array<readonly [string, Command]> = [
        ['a', ['put', 'x', '1']],
        ['a', ['put', 'y', '2']],
        ['a', ['put', 'x', '3']],
        ['a', ['entries']],
        ['a', ['remove', 'x']],
        ['a', ['remove', 'y']],
        ['a', ['isEmpty']],
        ['a', ['entries']]
      ]
      expect(outputOf(mapOps, input)).toEqual([
        [
          ['x', 3],
          ['y', 2]
        ],
        true,
        []
      ])
    })

    it('entries(), keys() and values() are copies', () => {
      const fn: ds.KeyedProcessFunction<string, string, unknown> = {
        processElement: (v, ctx, out) => {
          const state = ctx.state(visits)
          if (v === 'fill') {
            state.put('x', 1)
            return
          }
          const entries = state.entries()
          entries[0][1] = 99
          entries.push(['y', 2])
          state.keys().push('z')
          state.values().push(3)
          out.collect(state.entries())
        }
      }
      expect(outputOf(fn, [['a', 'fill'], ['a', 'mess']])).toEqual([[['x', 1]]])
    })

    it('is scoped to the current key', () => {
      const input: Array<readonly [string, Command]> = [
        ['a', ['put', 'x', '1']],
        ['b', ['put', 'x', '2']],
        ['b', ['put', 'y', '3']],
        ['a', ['entries']],
        ['b', ['entries']],
        ['a', ['clear']],
        ['b', ['get', 'x']],
        ['a', ['get', 'x']]
      ]
      expect(outputOf(mapOps, input)).toEqual([
        [['x', 1]],
        [
          ['x', 2],
          ['y', 3]
        ],
        2,
        undefined
      ])
    })

    it('compares tuple keys by value, and tells [a, 1] from [a, "1"]', () => {
      const pairs = ds.mapState('pairs', t.array(t.union([t.string, t.number])), t.string)
      const fn: ds.KeyedProcessFunction<string, string, unknown> = {
        processElement: (_v, ctx, out) => {
          const state = ctx.state(pairs)
          state.put(['a', 1], 'first')
          state.put(['a', 1], 'second')
          state.put(['a', '1'], 'string one')
          out.collect([state.get(['a', 1]), state.get(['a', '1']), state.contains(['a', 2]), state.keys()])
          state.remove(['a', 1])
          out.collect(state.entries())
        }
      }
      expect(outputOf(fn, [['k', 'go']])).toEqual([
        [
          'second',
          'string one',
          false,
          [
            ['a', 1],
            ['a', '1']
          ]
        ],
        [[['a', '1'], 'string one']]
      ])
    })

    it('compares object keys by value, whatever the order their properties were written in', () => {
      const Point = t.type({ x: t.number, y: t.number })
      const names = ds.mapState('names', Point, t.string)
      const fn: ds.KeyedProcessFunction<string, string, unknown> = {
        processElement: (_v, ctx, out) => {
          const state = ctx.state(names)
          state.put({ x: 1, y: 2 }, 'first')
          state.put({ x: 1, y: 2 }, 'second')
          state.put({ x: 2, y: 1 }, 'other')
          out.collect([state.get({ x: 1, y: 2 }), state.get({ y: 2, x: 1 }), state.contains({ y: 1, x: 2 }), state.keys().length])
          state.remove({ y: 2, x: 1 })
          out.collect(state.entries())
        }
      }
      expect(outputOf(fn, [['k', 'go']])).toEqual([
        ['second', 'second', true, 2],
        [[{ x: 2, y: 1 }, 'other']]
      ])
    })

    it('putAll with something not iterable fails with a StateError naming the state', () => {
      const fn: ds.KeyedProcessFunction<string, string, never> = {
        processElement: (_v, ctx) => ctx.state(visits).putAll(null as unknown as Array<[string, number]>)
      }
      const error = errorOf(runKeyed(fn, [rec('x', 1, 'a')]))
      expect(error).toBeInstanceOf(ds.StateError)
      expect((error as ds.StateError).state).toBe('visits')
    })
  })

  describe('reducing state', () => {
    const max = ds.reducingState('max', (a: number, b: number) => Math.max(a, b), t.number)
    const reduceOps: ds.KeyedProcessFunction<string, number | 'clear', number | undefined> = {
      processElement: (v, ctx, out) => {
        const state = ctx.state(max)
        if (v === 'clear') state.clear()
        else state.add(v)
        out.collect(state.get())
      }
    }

    it('get() is undefined while empty; add reduces into the value; clear empties it', () => {
      expect(outputOf(reduceOps, [['a', 3], ['a', 1], ['a', 7], ['a', 'clear'], ['a', 2]])).toEqual([3, 3, 7, undefined, 2])
    })

    it('the first value added is stored as it is, without calling reduce', () => {
      const calls: Array<[string, string]> = []
      const concat = ds.reducingState(
        'concat',
        (a: string, b: string) => {
          calls.push([a, b])
          return a + b
        },
        t.string
      )
      const fn: ds.KeyedProcessFunction<string, string, string | undefined> = {
        processElement: (v, ctx, out) => {
          ctx.state(concat).add(v)
          out.collect(ctx.state(concat).get())
        }
      }
      expect(outputOf(fn, [['a', 'x'], ['a', 'y'], ['b', 'z']])).toEqual(['x', 'xy', 'z'])
      expect(calls).toEqual([['x', 'y']])
    })

    it('is scoped to the current key', () => {
      expect(outputOf(reduceOps, [['a', 5], ['b', 1], ['a', 2], ['b', 'clear'], ['a', 'clear'], ['b', 4]])).toEqual([5, 1, 5, undefined, undefined, 4])
    })
  })

  describe('aggregating state', () => {
    const average = ds.aggregatingState(
      'average',
      {
        createAccumulator: (): [number, number] => [0, 0],
        add: (v: number, [sum, n]: [number, number]): [number, number] => [sum + v, n + 1],
        getResult: ([sum, n]: [number, number]) => sum / n,
        merge: (a: [number, number], b: [number, number]): [number, number] => [a[0] + b[0], a[1] + b[1]]
      },
      t.tuple([t.number, t.number])
    )
    const aggregateOps: ds.KeyedProcessFunction<string, number | 'get' | 'clear', number | undefined> = {
      processElement: (v, ctx, out) => {
        const state = ctx.state(average)
        if (v === 'clear') state.clear()
        else if (v === 'get') out.collect(state.get())
        else state.add(v)
      }
    }

    it('get() is undefined while empty, getResult of the accumulator after adds, undefined after clear', () => {
      expect(outputOf(aggregateOps, [['a', 'get'], ['a', 2], ['a', 'get'], ['a', 4], ['a', 9], ['a', 'get'], ['a', 'clear'], ['a', 'get'], ['a', 1], ['a', 'get']])).toEqual([
        undefined,
        2,
        5,
        undefined,
        1
      ])
    })

    it('creates one accumulator per key and scope', () => {
      expect(outputOf(aggregateOps, [['a', 10], ['b', 1], ['a', 20], ['b', 'get'], ['a', 'get'], ['c', 'get']])).toEqual([1, 15, undefined])
    })
  })

  describe('scoping in timers and across callbacks', () => {
    const total = ds.reducingState('total', (a: number, b: number) => a + b, t.number)

    it('state in onTimer is the timer key’s', () => {
      const fn: ds.KeyedProcessFunction<string, number, [string, number | undefined]> = {
        processElement: (v, ctx) => {
          ctx.state(total).add(v)
          ctx.timerService().registerEventTimeTimer(100)
        },
        onTimer: (_ts, ctx, out) => out.collect([ctx.getCurrentKey(), ctx.state(total).get()])
      }
      const out = runKeyed(fn, [rec(1, 1, 'a'), rec(10, 2, 'b'), rec(2, 3, 'a'), rec(20, 4, 'b'), rec(100, 5, 'c'), wm(100)])
      expect(out.error).toBeUndefined()
      expect(
        mainValues(out)
          .slice()
          .sort(([a], [b]) => a.localeCompare(b))
      ).toEqual([
        ['a', 3],
        ['b', 30],
        ['c', 100]
      ])
    })

    it('a state handle obtained in open() reads and writes the state of whatever key is current later', () => {
      const fn = (): ds.KeyedProcessFunction<string, number, [string, number | undefined]> => {
        let handle: ds.ReducingState<number> | undefined = undefined
        return {
          open: ctx => {
            handle = ctx.state(total)
          },
          processElement: (v, ctx, out) => {
            handle?.add(v)
            out.collect([ctx.getCurrentKey(), handle?.get()])
            if (v === 0) ctx.timerService().registerEventTimeTimer(50)
          },
          onTimer: (_ts, ctx, out) => {
            handle?.add(1000)
            out.collect([ctx.getCurrentKey(), handle?.get()])
          }
        }
      }
      const out = runKeyed(fn, [rec(1, 1, 'a'), rec(2, 2, 'b'), rec(3, 3, 'a'), rec(0, 4, 'b'), wm(60)])
      expect(out.error).toBeUndefined()
      expect(mainValues(out)).toEqual([
        ['a', 1],
        ['b', 2],
        ['a', 4],
        ['b', 2],
        ['b', 1002]
      ])
    })

    it('a state handle kept from one key’s record is scoped to the next record’s key', () => {
      let kept: ds.ValueState<string> | undefined = undefined
      const last = ds.valueState('last', t.string)
      const fn: ds.KeyedProcessFunction<string, string, string | undefined> = {
        processElement: (v, ctx, out) => {
          kept ??= ctx.state(last)
          out.collect(kept.value())
          kept.update(v)
        }
      }
      expect(outputOf(fn, [['a', 'a1'], ['b', 'b1'], ['a', 'a2'], ['b', 'b2']])).toEqual([undefined, undefined, 'a1', 'b1'])
    })

    it('every subscription has its own state', () => {
      const count = ds.valueState('count', t.number, 0)
      const op = ds.keyedProcess<string, string, number>({
        processElement: (_v, ctx, out) => {
          const n = (ctx.state(count).value() ?? 0) + 1
          ctx.state(count).update(n)
          out.collect(n)
        }
      })
      const input = from([rec('x', 1, 'a'), rec('y', 2, 'a'), rec('z', 3, 'b')])
      expect(mainValues(collectElements(input.pipe(op)))).toEqual([1, 2, 1])
      expect(mainValues(collectElements(input.pipe(op)))).toEqual([1, 2, 1])
    })
  })

  describe('descriptors are identified by name', () => {
    it('two descriptor objects of one name and kind share the state', () => {
      const first = ds.valueState('shared', t.number)
      const second = ds.valueState('shared', t.number)
      const fn: ds.KeyedProcessFunction<string, number, number | undefined> = {
        processElement: (v, ctx, out) => {
          out.collect(ctx.state(second).value())
          ctx.state(first).update(v)
        }
      }
      expect(outputOf(fn, [['a', 1], ['a', 2], ['b', 3]])).toEqual([undefined, 1, undefined])
    })

    it('a name reused with another kind fails with a StateError naming the operator, the state and both kinds', () => {
      const asValue = ds.valueState('x', t.number)
      const asList = ds.listState('x', t.number)
      const fn: ds.KeyedProcessFunction<string, number, never> = {
        processElement: (v, ctx) => {
          ctx.state(asValue).update(v)
          ctx.state(asList).add(v)
        }
      }
      const out = runKeyed(fn, [rec(1, 1, 'a')], { name: 'counter', uid: 'counter-v1' })
      const error = errorOf(out)
      expect(error).toBeInstanceOf(ds.StateError)
      expect(error).not.toBeInstanceOf(ds.UserFunctionError)
      expect((error as ds.StateError).state).toBe('x')
      expect(error.operator).toEqual({ kind: 'keyedProcess', name: 'counter', uid: 'counter-v1' })
      expect(error.message).toContain('keyedProcess "counter" (uid counter-v1)')
      expect(error.message).toContain('state "x"')
      expect(error.message).toContain('value state')
      expect(error.message).toContain('list state')
    })

    it('the kind clash is found when the handles are obtained in open(), too', () => {
      const fn: ds.KeyedProcessFunction<string, number, never> = {
        open: ctx => {
          ctx.state(ds.mapState('y', t.string, t.number))
          ctx.state(ds.reducingState('y', (a: number, b: number) => a + b, t.number))
        },
        processElement: () => undefined
      }
      const out = runKeyed(fn, [rec(1, 1, 'a')])
      const error = errorOf(out)
      expect(error).toBeInstanceOf(ds.StateError)
      expect(error.message).toContain('map state')
      expect(error.message).toContain('reducing state')
      expect(out.elements).toEqual([])
    })

    it('two descriptors of one name that disagree on a time to live fail with a StateError', () => {
      const plain = ds.valueState('z', t.number)
      const withTtl = ds.enableTimeToLive(ds.valueState('z', t.number), ds.stateTtlConfig(1_000))
      const fn: ds.KeyedProcessFunction<string, number, never> = {
        processElement: (v, ctx) => {
          ctx.state(plain).update(v)
          ctx.state(withTtl).update(v)
        }
      }
      const error = errorOf(runKeyed(fn, [rec(1, 1, 'a')]))
      expect(error).toBeInstanceOf(ds.StateError)
      expect((error as ds.StateError).state).toBe('z')
      expect(error.message).toContain('time to live')
    })

    it('something that is not a descriptor fails with a StateError', () => {
      const fn: ds.KeyedProcessFunction<string, number, never> = {
        processElement: (_v, ctx) => {
          ctx.state(null as unknown as ds.ValueStateDescriptor<number>)
        }
      }
      const error = errorOf(runKeyed(fn, [rec(1, 1, 'a')]))
      expect(error).toBeInstanceOf(ds.StateError)
      expect(error.message).toContain('not a state descriptor')
    })
  })

  describe('descriptor constructors', () => {
    it('reject an empty name, a missing codec, a reduce that is not a function, an incomplete aggregate function', () => {
      expect(() => ds.valueState('', t.number)).toThrowError(TypeError, /non-empty string/)
      expect(() => ds.listState('l', undefined as unknown as t.Type<number>)).toThrowError(TypeError, /io-ts type/)
      expect(() => ds.mapState('m', t.string, {} as unknown as t.Type<number>)).toThrowError(TypeError, /value codec/)
      expect(() => ds.reducingState('r', 'sum' as unknown as (a: number, b: number) => number, t.number)).toThrowError(TypeError, /reduce must be a function/)
      expect(() =>
        ds.aggregatingState('g', { add: (v: number, acc: number) => acc + v } as unknown as ds.AggregateFunction<number, number, number>, t.number)
      ).toThrowError(TypeError, /createAccumulator, add and getResult/)
    })

    it('enableTimeToLive returns a copy with the config and leaves the original without', () => {
      const plain = ds.listState('l', t.number)
      const config = ds.stateTtlConfig(500)
      const withTtl = ds.enableTimeToLive(plain, config)
      expect(withTtl).toEqual({ ...plain, ttl: config })
      expect(plain.ttl).toBeUndefined()
      expect(() => ds.enableTimeToLive(plain, 500 as unknown as ds.StateTtlConfig)).toThrowError(TypeError, /stateTtlConfig/)
    })
  })
})
