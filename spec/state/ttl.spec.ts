import * as t from 'io-ts'
import * as ds from '../../src/index'
import { marbleTest, rec } from '../../marbles/index'
import { averageState as average, emitMapStateRead, storedKeys, testBackend, withKey, keyedOptions } from '../support/keyed'
import { describeBackends } from '../support/backends'

/**
 * Runs `fn` on the TestScheduler's virtual clock: each letter of `marbles` is a record of
 * `values[letter] = [key, command]`, at its frame (processing time = frame). Returns every
 * main-output value with the frame it came at.
 */
function onVirtualTime<In, Out>(
  fn: ds.KeyedProcessFunction<string, In, Out>,
  marbles: string,
  values: Readonly<Record<string, readonly [string, In]>>
): Array<[number, Out]> {
  const got: Array<[number, Out]> = []
  marbleTest(({ cold, scheduler }) => {
    const records: Record<string, ds.StreamElement<In, string>> = {}
    for (const [letter, [key, command]] of Object.entries(values)) records[letter] = rec(command, 0, key)
    cold(marbles, records)
      .pipe(ds.keyedProcess(fn, keyedOptions({ scheduler })))
      .subscribe({
        next: e => {
          if (e._tag === 'Record') got.push([scheduler.now(), e.value])
        },
        error: (error: unknown) => fail(error)
      })
  })
  return got
}

const ttl10 = (options: Parameters<typeof ds.stateTtlConfig>[1] = {}): ds.StateTtlConfig => ds.stateTtlConfig(10, { cleanupIncrementally: 0, ...options })

/** Value state: a number updates it, 'get' emits what it reads. */
function valueProbe(descriptor: ds.ValueStateDescriptor<number>): ds.KeyedProcessFunction<string, number | 'get', number | undefined> {
  return {
    processElement: (cmd, ctx, out) => {
      const state = ctx.state(descriptor)
      if (cmd === 'get') out.collect(state.value())
      else state.update(cmd)
    }
  }
}

/** List state: 'get' emits the list, 'update:a,b' replaces it, anything else is added. */
function listProbe(descriptor: ds.ListStateDescriptor<string>): ds.KeyedProcessFunction<string, string, readonly string[]> {
  return {
    processElement: (cmd, ctx, out) => {
      const state = ctx.state(descriptor)
      if (cmd === 'get') out.collect(state.get())
      else if (cmd.startsWith('update:')) state.update(cmd.slice('update:'.length).split(','))
      else if (cmd.startsWith('addAll:')) state.addAll(cmd.slice('addAll:'.length).split(','))
      else state.add(cmd)
    }
  }
}

/** Map state: 'put:k=v', 'get:k', 'contains:k', 'entries', 'keys', 'values', 'isEmpty'. */
function mapProbe(descriptor: ds.MapStateDescriptor<string, number>): ds.KeyedProcessFunction<string, string, unknown> {
  return {
    processElement: (cmd, ctx, out) => {
      const state = ctx.state(descriptor)
      const [op, arg = ''] = cmd.split(':')
      switch (op) {
        case 'put': {
          const [k, v] = arg.split('=')
          state.put(k, Number(v))
          return
        }
        default:
          emitMapStateRead(state, op ?? '', arg, out)
      }
    }
  }
}

describeBackends('state time to live (processing time)', () => {
  describe('value state', () => {
    it('expires exactly at lastAccess + ttl: present one millisecond before, absent at it', () => {
      const v = ds.enableTimeToLive(ds.valueState('v', t.number), ttl10())
      //                                                      s@0     g@9 h@10
      expect(onVirtualTime(valueProbe(v), 's 8ms gh|', { s: ['k', 5], g: ['k', 'get'], h: ['k', 'get'] })).toEqual([
        [9, 5],
        [10, undefined]
      ])
      //                                                          s@3     g@12 h@13
      expect(onVirtualTime(valueProbe(v), '---s 8ms gh|', { s: ['k', 5], g: ['k', 'get'], h: ['k', 'get'] })).toEqual([
        [12, 5],
        [13, undefined]
      ])
    })

    it('the expiry is visible in the operator output at the right frames (marbles)', () => {
      marbleTest(({ cold, expectStream, scheduler }) => {
        const v = ds.enableTimeToLive(ds.valueState('v', t.number), ttl10())
        const input = cold('s 8ms gh|', { s: rec<number | 'get', string>(7, 0, 'k'), g: rec<number | 'get', string>('get', 9, 'k'), h: rec<number | 'get', string>('get', 10, 'k') })
        const output = input.pipe(ds.keyedProcess(valueProbe(v), keyedOptions({ scheduler })))
        expectStream(output).toBe('- 8ms gh(W|)', { g: rec(7, 9, 'k'), h: rec(undefined, 10, 'k'), W: ds.MAX_WATERMARK })
      })
    })

    it('OnCreateAndWrite (the default): reads do not refresh the time to live', () => {
      const v = ds.enableTimeToLive(ds.valueState('v', t.number), ttl10())
      expect(v.ttl?.updateType).toBe('OnCreateAndWrite')
      //                                         s@0 g@5    h@10
      expect(onVirtualTime(valueProbe(v), 's 4ms g 4ms h|', { s: ['k', 5], g: ['k', 'get'], h: ['k', 'get'] })).toEqual([
        [5, 5],
        [10, undefined]
      ])
    })

    it('OnReadAndWrite: every read refreshes it', () => {
      const v = ds.enableTimeToLive(ds.valueState('v', t.number), ttl10({ updateType: 'OnReadAndWrite' }))
      //                                         s@0 g@5    h@10    i@20
      expect(onVirtualTime(valueProbe(v), 's 4ms g 4ms h 9ms i|', { s: ['k', 5], g: ['k', 'get'], h: ['k', 'get'], i: ['k', 'get'] })).toEqual([
        [5, 5],
        [10, 5],
        [20, undefined]
      ])
    })

    it('every write refreshes it', () => {
      const v = ds.enableTimeToLive(ds.valueState('v', t.number), ttl10())
      //                                         s@0 u@5    g@14 h@15
      expect(onVirtualTime(valueProbe(v), 's 4ms u 8ms gh|', { s: ['k', 5], u: ['k', 6], g: ['k', 'get'], h: ['k', 'get'] })).toEqual([
        [14, 6],
        [15, undefined]
      ])
    })

    it('NeverReturnExpired (the default): an expired value reads as absent, so the default value shows', () => {
      const v = ds.enableTimeToLive(ds.valueState('v', t.number, -1), ttl10())
      expect(v.ttl?.visibility).toBe('NeverReturnExpired')
      expect(onVirtualTime(valueProbe(v), 'g s 9ms hi|', { g: ['k', 'get'], s: ['k', 5], h: ['k', 'get'], i: ['k', 'get'] })).toEqual([
        [0, -1],
        [11, -1],
        [12, -1]
      ])
      expect(onVirtualTime(valueProbe(v), 'g s 8ms h|', { g: ['k', 'get'], s: ['k', 5], h: ['k', 'get'] })).toEqual([
        [0, -1],
        [10, 5]
      ])
    })

    it('ReturnExpiredIfNotCleanedUp: an expired value not yet removed is returned once, then it is gone', () => {
      const v = ds.enableTimeToLive(ds.valueState('v', t.number), ttl10({ visibility: 'ReturnExpiredIfNotCleanedUp' }))
      //                                         s@0     g@10 h@11
      expect(onVirtualTime(valueProbe(v), 's 9ms gh|', { s: ['k', 5], g: ['k', 'get'], h: ['k', 'get'] })).toEqual([
        [10, 5],
        [11, undefined]
      ])
    })

    it('the time to live is per key', () => {
      const v = ds.enableTimeToLive(ds.valueState('v', t.number), ttl10())
      //                                         a@0 b@5    g@10 h@11  i@15
      const got = onVirtualTime(valueProbe(v), 'a 4ms b 4ms gh 3ms i|', { a: ['x', 1], b: ['y', 2], g: ['x', 'get'], h: ['y', 'get'], i: ['y', 'get'] })
      expect(got).toEqual([
        [10, undefined],
        [11, 2],
        [15, undefined]
      ])
    })
  })

  describe('incremental cleanup', () => {
    it('removes expired entries of other keys that are never accessed again (seen through ReturnExpiredIfNotCleanedUp)', () => {
      const config = (cleanupIncrementally: number): ds.StateTtlConfig =>
        ds.stateTtlConfig(10, { visibility: 'ReturnExpiredIfNotCleanedUp', cleanupIncrementally })
      // x is written at 0; y is written at 20, which checks other entries when cleanup is on; x is read at 30
      const marbles = 'x 19ms y 9ms g|'
      const values = { x: ['x', 5], y: ['y', 6], g: ['x', 'get'] } as const
      const cleaned = ds.enableTimeToLive(ds.valueState('v', t.number), config(5))
      expect(onVirtualTime(valueProbe(cleaned), marbles, values)).toEqual([[30, undefined]])
      const notCleaned = ds.enableTimeToLive(ds.valueState('v', t.number), config(0))
      expect(onVirtualTime(valueProbe(notCleaned), marbles, values)).toEqual([[30, 5]])
    })

    it('each access checks cleanupIncrementally entries, until only live entries remain', () => {
      const clock = { now: 0 }
      const backend = testBackend(clock)
      const v = ds.enableTimeToLive(ds.valueState('v', t.number), ds.stateTtlConfig(10, { cleanupIncrementally: 5 }))
      for (let i = 0; i < 20; i++) withKey(backend, `old-${i}`, () => backend.getState(v).update(i))
      expect(storedKeys(backend, v).length).toBe(20)
      clock.now = 100
      withKey(backend, 'live', () => backend.getState(v).update(1))
      // the update checked 5 expired entries before it stored its own
      expect(storedKeys(backend, v).length).toBe(16)
      for (let i = 0; i < 10; i++) withKey(backend, 'live', () => backend.getState(v).value())
      expect(storedKeys(backend, v)).toEqual(['live'])
    })

    it('cleans list elements and map entries of other keys one by one, keeping the live ones', () => {
      const clock = { now: 0 }
      const backend = testBackend(clock)
      const config = ds.stateTtlConfig(10, { cleanupIncrementally: 10 })
      const list = ds.enableTimeToLive(ds.listState('l', t.string), config)
      const map = ds.enableTimeToLive(ds.mapState('m', t.string, t.number), config)
      withKey(backend, 'other', () => {
        backend.getState(list).add('old')
        backend.getState(map).put('old', 1)
      })
      clock.now = 5
      withKey(backend, 'other', () => {
        backend.getState(list).add('new')
        backend.getState(map).put('new', 2)
      })
      clock.now = 12
      withKey(backend, 'reader', () => {
        backend.getState(list).get()
        backend.getState(map).isEmpty()
      })
      // the sweep kept the live parts of 'other' (a snapshot at 0 would still show expired ones)
      clock.now = 0
      const states = backend.snapshot().states
      expect(states.find(s => s.name === 'l')?.entries.map(e => e[3])).toEqual([[{ v: 'new', t: 5 }]])
      expect(states.find(s => s.name === 'm')?.entries.map(e => e[3])).toEqual([[['new', 2, 5]]])
    })

    it('cleanupIncrementally 0 turns it off', () => {
      const clock = { now: 0 }
      const backend = testBackend(clock)
      const v = ds.enableTimeToLive(ds.valueState('v', t.number), ds.stateTtlConfig(10, { cleanupIncrementally: 0 }))
      for (let i = 0; i < 5; i++) withKey(backend, i, () => backend.getState(v).update(i))
      clock.now = 50
      for (let i = 0; i < 20; i++) withKey(backend, 'live', () => backend.getState(v).update(i))
      expect(storedKeys(backend, v).length).toBe(6)
    })
  })

  describe('list state', () => {
    it('elements expire one by one', () => {
      const list = ds.enableTimeToLive(ds.listState('l', t.string), ttl10())
      //                                      x@0 y@5   g@9 h@10 i@15
      const got = onVirtualTime(listProbe(list), 'x 4ms y 3ms gh 4ms i|', { x: ['k', 'x'], y: ['k', 'y'], g: ['k', 'get'], h: ['k', 'get'], i: ['k', 'get'] })
      expect(got).toEqual([
        [9, ['x', 'y']],
        [10, ['y']],
        [15, []]
      ])
    })

    it('OnReadAndWrite: a read refreshes every element it returns', () => {
      const list = ds.enableTimeToLive(ds.listState('l', t.string), ttl10({ updateType: 'OnReadAndWrite' }))
      //                                      x@0 y@5   g@9     h@18 i@19
      const got = onVirtualTime(listProbe(list), 'x 4ms y 3ms g 8ms hi|', { x: ['k', 'x'], y: ['k', 'y'], g: ['k', 'get'], h: ['k', 'get'], i: ['k', 'get'] })
      expect(got).toEqual([
        [9, ['x', 'y']],
        [18, ['x', 'y']],
        [19, ['x', 'y']]
      ])
      const after = onVirtualTime(listProbe(list), 'x 4ms y 3ms g 9ms h|', { x: ['k', 'x'], y: ['k', 'y'], g: ['k', 'get'], h: ['k', 'get'] })
      expect(after).toEqual([
        [9, ['x', 'y']],
        [19, []]
      ])
    })

    it('ReturnExpiredIfNotCleanedUp: expired elements are returned once, then gone', () => {
      const list = ds.enableTimeToLive(ds.listState('l', t.string), ttl10({ visibility: 'ReturnExpiredIfNotCleanedUp' }))
      //                                      x@0 y@5   g@10 h@11
      const got = onVirtualTime(listProbe(list), 'x 4ms y 4ms gh|', { x: ['k', 'x'], y: ['k', 'y'], g: ['k', 'get'], h: ['k', 'get'] })
      expect(got).toEqual([
        [10, ['x', 'y']],
        [11, ['y']]
      ])
    })

    it('update() and addAll() stamp every element with the time they were written', () => {
      const list = ds.enableTimeToLive(ds.listState('l', t.string), ttl10())
      //                                      x@0 u@5   a@8  g@14 h@15    i@18
      const got = onVirtualTime(listProbe(list), 'x 4ms u 2ms a 5ms gh 2ms i|', {
        x: ['k', 'x'],
        u: ['k', 'update:p,q'],
        a: ['k', 'addAll:r,s'],
        g: ['k', 'get'],
        h: ['k', 'get'],
        i: ['k', 'get']
      })
      expect(got).toEqual([
        [14, ['p', 'q', 'r', 's']],
        [15, ['r', 's']],
        [18, []]
      ])
    })
  })

  describe('map state', () => {
    it('entries expire one by one, for every read', () => {
      const map = ds.enableTimeToLive(ds.mapState('m', t.string, t.number), ttl10())
      //                                    x@0 y@5   reads@10  isEmpty@21
      const got = onVirtualTime(mapProbe(map), 'x 4ms y 4ms (gcekv) 4ms i|', {
        x: ['k', 'put:x=1'],
        y: ['k', 'put:y=2'],
        g: ['k', 'get:x'],
        c: ['k', 'contains:y'],
        e: ['k', 'entries'],
        k: ['k', 'keys'],
        v: ['k', 'values'],
        i: ['k', 'isEmpty']
      })
      expect(got).toEqual([
        [10, undefined],
        [10, true],
        [10, [['y', 2]]],
        [10, ['y']],
        [10, [2]],
        [21, true]
      ])
    })

    it('put refreshes the entry it writes, only that one', () => {
      const map = ds.enableTimeToLive(ds.mapState('m', t.string, t.number), ttl10())
      //                                    (xy)@0 x@5  e@12
      const got = onVirtualTime(mapProbe(map), '(xy) 1ms x 6ms e|', { x: ['k', 'put:x=3'], y: ['k', 'put:y=2'], e: ['k', 'entries'] })
      expect(got).toEqual([[12, [['x', 3]]]])
    })

    it('OnReadAndWrite: get refreshes only the entry read', () => {
      const map = ds.enableTimeToLive(ds.mapState('m', t.string, t.number), ttl10({ updateType: 'OnReadAndWrite' }))
      //                                    (xy)@0 g@5  e@12
      const got = onVirtualTime(mapProbe(map), '(xy) 1ms g 6ms e|', { x: ['k', 'put:x=1'], y: ['k', 'put:y=2'], g: ['k', 'get:x'], e: ['k', 'entries'] })
      expect(got).toEqual([
        [5, 1],
        [12, [['x', 1]]]
      ])
    })

    it('OnReadAndWrite: entries(), keys(), values() and isEmpty() refresh every entry they see', () => {
      const map = ds.enableTimeToLive(ds.mapState('m', t.string, t.number), ttl10({ updateType: 'OnReadAndWrite' }))
      for (const read of ['entries', 'keys', 'values', 'isEmpty']) {
        //                                    (xy)@0 r@5   e@14 f@15
        const got = onVirtualTime(mapProbe(map), '(xy) 1ms r 8ms ef|', { x: ['k', 'put:x=1'], y: ['k', 'put:y=2'], r: ['k', read], e: ['k', 'entries'], f: ['k', 'entries'] })
        expect(got.slice(1))
          .withContext(read)
          .toEqual([
            [
              14,
              [
                ['x', 1],
                ['y', 2]
              ]
            ],
            [
              15,
              [
                ['x', 1],
                ['y', 2]
              ]
            ]
          ])
      }
      const unrefreshed = ds.enableTimeToLive(ds.mapState('m', t.string, t.number), ttl10())
      expect(onVirtualTime(mapProbe(unrefreshed), '(xy) 1ms r 8ms e|', { x: ['k', 'put:x=1'], y: ['k', 'put:y=2'], r: ['k', 'entries'], e: ['k', 'entries'] })).toEqual([
        [
          5,
          [
            ['x', 1],
            ['y', 2]
          ]
        ],
        [14, []]
      ])
    })

    it('ReturnExpiredIfNotCleanedUp: an expired entry is returned once, then gone', () => {
      const map = ds.enableTimeToLive(ds.mapState('m', t.string, t.number), ttl10({ visibility: 'ReturnExpiredIfNotCleanedUp' }))
      //                                    x@0 y@5   e@10 f@11
      const got = onVirtualTime(mapProbe(map), 'x 4ms y 4ms ef|', { x: ['k', 'put:x=1'], y: ['k', 'put:y=2'], e: ['k', 'entries'], f: ['k', 'entries'] })
      expect(got).toEqual([
        [
          10,
          [
            ['x', 1],
            ['y', 2]
          ]
        ],
        [11, [['y', 2]]]
      ])
      const single = onVirtualTime(mapProbe(map), 'x 9ms gh|', { x: ['k', 'put:x=1'], g: ['k', 'get:x'], h: ['k', 'get:x'] })
      expect(single).toEqual([
        [10, 1],
        [11, undefined]
      ])
    })
  })

  describe('reducing and aggregating state', () => {
    const sum = ds.reducingState('sum', (a: number, b: number) => a + b, t.number)
    function addProbe(descriptor: ds.ReducingStateDescriptor<number> | ds.AggregatingStateDescriptor<number, [number, number], number>): ds.KeyedProcessFunction<string, number | 'get', number | undefined> {
      return {
        processElement: (cmd, ctx, out) => {
          const state: ds.ReducingState<number> | ds.AggregatingState<number, number> =
            descriptor._tag === 'ReducingStateDescriptor' ? ctx.state(descriptor) : ctx.state(descriptor)
          if (cmd === 'get') out.collect(state.get())
          else state.add(cmd)
        }
      }
    }

    it('reducing: each add refreshes the reduced value; an expired value counts as empty for the next add', () => {
      const d = ds.enableTimeToLive(sum, ttl10())
      //                                          a@0 b@5   g@14 h@15
      expect(onVirtualTime(addProbe(d), 'a 4ms b 8ms gh|', { a: ['k', 1], b: ['k', 2], g: ['k', 'get'], h: ['k', 'get'] })).toEqual([
        [14, 3],
        [15, undefined]
      ])
      //                                          a@0    b@10 g@11
      expect(onVirtualTime(addProbe(d), 'a 9ms bg|', { a: ['k', 1], b: ['k', 2], g: ['k', 'get'] })).toEqual([[11, 2]])
    })

    it('aggregating: an expired accumulator counts as empty, so a new one is created', () => {
      const d = ds.enableTimeToLive(average, ttl10())
      //                                          a@0 b@5   g@6   c@15 h@16
      expect(
        onVirtualTime(addProbe(d), 'a 4ms bg 8ms ch|', { a: ['k', 10], b: ['k', 20], g: ['k', 'get'], c: ['k', 40], h: ['k', 'get'] })
      ).toEqual([
        [6, 15],
        [16, 40]
      ])
    })

    it('OnReadAndWrite and ReturnExpiredIfNotCleanedUp apply to them too', () => {
      const refreshed = ds.enableTimeToLive(sum, ttl10({ updateType: 'OnReadAndWrite' }))
      //                                                   a@0 g@5    h@14
      expect(onVirtualTime(addProbe(refreshed), 'a 4ms g 8ms h|', { a: ['k', 4], g: ['k', 'get'], h: ['k', 'get'] })).toEqual([
        [5, 4],
        [14, 4]
      ])
      const stale = ds.enableTimeToLive(average, ttl10({ visibility: 'ReturnExpiredIfNotCleanedUp' }))
      //                                               a@0     g@10 h@11
      expect(onVirtualTime(addProbe(stale), 'a 9ms gh|', { a: ['k', 8], g: ['k', 'get'], h: ['k', 'get'] })).toEqual([
        [10, 8],
        [11, undefined]
      ])
    })
  })

  describe('snapshots', () => {
    it('leave expired values, list elements and map entries out', () => {
      const clock = { now: 0 }
      const backend = testBackend(clock)
      const config = ds.stateTtlConfig(10, { cleanupIncrementally: 0 })
      const value = ds.enableTimeToLive(ds.valueState('v', t.number), config)
      const list = ds.enableTimeToLive(ds.listState('l', t.string), config)
      const map = ds.enableTimeToLive(ds.mapState('m', t.string, t.number), config)
      withKey(backend, 'early', () => {
        backend.getState(value).update(1)
        backend.getState(list).add('old')
        backend.getState(map).put('old', 1)
      })
      clock.now = 5
      withKey(backend, 'late', () => backend.getState(value).update(2))
      withKey(backend, 'early', () => {
        backend.getState(list).add('new')
        backend.getState(map).put('new', 2)
      })
      clock.now = 10
      const byName = new Map(backend.snapshot().states.map(s => [s.name, s]))
      expect(byName.get('v')?.entries.map(e => [e[1], e[3]])).toEqual([['late', { v: 2, t: 5 }]])
      expect(byName.get('l')?.entries.map(e => [e[1], e[3]])).toEqual([['early', [{ v: 'new', t: 5 }]]])
      expect(byName.get('m')?.entries.map(e => [e[1], e[3]])).toEqual([['early', [['new', 2, 5]]]])
      expect(byName.get('v')?.ttl).toBeTrue()
      clock.now = 15
      expect(backend.snapshot().states.every(s => s.entries.length === 0)).toBeTrue()
    })
  })

  describe('stateTtlConfig', () => {
    it("defaults to OnCreateAndWrite, NeverReturnExpired and 5 entries of incremental cleanup, as Flink's", () => {
      expect(ds.stateTtlConfig(1_000)).toEqual({ ttl: 1_000, updateType: 'OnCreateAndWrite', visibility: 'NeverReturnExpired', cleanupIncrementally: 5 })
      expect(ds.stateTtlConfig(0.5, { updateType: 'OnReadAndWrite', visibility: 'ReturnExpiredIfNotCleanedUp', cleanupIncrementally: 0 })).toEqual({
        ttl: 0.5,
        updateType: 'OnReadAndWrite',
        visibility: 'ReturnExpiredIfNotCleanedUp',
        cleanupIncrementally: 0
      })
    })

    it('rejects a ttl that is not a positive finite number, unknown update types and visibilities, bad cleanup counts', () => {
      for (const ttl of [0, -1, Infinity, NaN, '10' as unknown as number]) expect(() => ds.stateTtlConfig(ttl)).toThrowError(RangeError, /ttl must be a positive finite number/)
      expect(() => ds.stateTtlConfig(10, { updateType: 'OnRead' as ds.TtlUpdateType })).toThrowError(TypeError, /updateType/)
      expect(() => ds.stateTtlConfig(10, { visibility: 'Always' as ds.TtlStateVisibility })).toThrowError(TypeError, /visibility/)
      for (const cleanupIncrementally of [-1, 1.5, NaN]) expect(() => ds.stateTtlConfig(10, { cleanupIncrementally })).toThrowError(RangeError, /cleanupIncrementally/)
    })
  })
})
