/** @test {createTestScheduler} */
import { interval, map, Observable, asyncScheduler } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { OutputTag } from '../../src/core/OutputTag'
import { barrier, createTestScheduler, idle, rec, side, wm } from '../../marbles'
import { failureOf } from '../support/failures'


describe('createTestScheduler', () => {
  let scheduler: TestScheduler

  beforeEach(() => {
    scheduler = createTestScheduler()
  })

  it('returns a TestScheduler', () => {
    expect(scheduler).toBeInstanceOf(TestScheduler)
  })

  it('passes when the stream matches, comparing elements structurally', () => {
    scheduler.run(({ cold, expectObservable }) => {
      // a record without key property, NaN values, -0: all equal to what the stream emits
      const input = cold('-a-b-(W|)', { a: rec(NaN, 1), b: rec({ n: -0 }, 2, 'k'), W: wm(Infinity) })
      expectObservable(input).toBe('-a-b-(W|)', {
        a: { _tag: 'Record', value: NaN, timestamp: 1 },
        b: rec({ n: 0 }, 2, 'k'),
        W: wm(Infinity)
      })
    })
  })

  it('fails with both lanes, a legend and the first difference', () => {
    const message = failureOf(() =>
      scheduler.run(({ cold, expectObservable }) => {
        const values = { a: rec('x', 5), b: rec('y', 7, 'k'), W: wm(Infinity) }
        const actual = cold('-a-----(bW|)', values)
        expectObservable(actual).toBe('-a--b--(W|)', values)
      })
    )
    expect(message).toBe(
      [
        'Stream mismatch (processing time, 1 character = 1 frame):',
        'expected: -a--b--(W|)',
        'actual:   -a-----(bW|)',
        "  a = Record 'x' @ 5",
        "  b = Record 'y' @ 7 key 'k'",
        '  W = Watermark +Infinity',
        "first difference at frame 4: expected Record 'y' @ 7 key 'k', got nothing (it came at frame 7)"
      ].join('\n')
    )
  })

  it('names the field that differs when two elements share a frame', () => {
    const message = failureOf(() =>
      scheduler.run(({ cold, expectObservable }) => {
        expectObservable(cold('-a|', { a: rec({ count: 1 }, 5) })).toBe('-a|', { a: rec({ count: 2 }, 5) })
      })
    )
    expect(message).toContain('expected: -a|\nactual:   -b|')
    expect(message).toContain('  a = Record { count: 2 } @ 5\n  b = Record { count: 1 } @ 5')
    expect(message).toContain(
      'first difference at frame 1: expected Record { count: 2 } @ 5, got Record { count: 1 } @ 5 (at .value.count: expected 2, got 1)'
    )
  })

  it('reuses the letter of an equal element, and gives others fresh letters by kind', () => {
    const message = failureOf(() =>
      scheduler.run(({ cold, expectObservable }) => {
        const actual = cold('a-I-B---(W|)', { a: rec('x', 1), I: idle(), B: barrier(1), W: wm(Infinity) })
        // toEqual: no letters given for the expected side either
        expectObservable(actual).toEqual(cold('a-I-----(W|)', { a: rec('x', 1), I: idle(), W: wm(Infinity) }))
      })
    )
    expect(message).toContain('expected: a-I-----(W|)\nactual:   a-I-B---(W|)')
    expect(message).toContain("  a = Record 'x' @ 1\n  I = StreamStatus idle\n  W = Watermark +Infinity\n  B = CheckpointBarrier 1")
    expect(message).toContain('first difference at frame 4: expected nothing, got CheckpointBarrier 1')
  })

  it('keeps the letters written in toBe, even unusual ones, for both lanes', () => {
    const message = failureOf(() =>
      scheduler.run(({ cold, expectObservable }) => {
        const late = new OutputTag<string>('late')
        const values = { r: rec('x', 1), s: side(late, 'y', 0), Z: wm(3) }
        expectObservable(cold('r-Z-s|', values)).toBe('r-s-Z|', values)
      })
    )
    expect(message).toContain('expected: r-s-Z|\nactual:   r-Z-s|')
    expect(message).toContain("  s = SideRecord(late) 'y' @ 0")
    expect(message).toContain('  Z = Watermark 3')
  })

  it('draws errors, and both errors when they differ', () => {
    const message = failureOf(() =>
      scheduler.run(({ cold, expectObservable }) => {
        expectObservable(cold('a-#', { a: rec(1, 1) }, new TypeError('bang'))).toBe('a-#', { a: rec(1, 1) }, new Error('boom'))
      })
    )
    expect(message).toContain('expected: a-#\nactual:   a-#')
    expect(message).toContain('  # = error Error: boom (expected)\n  # = error TypeError: bang (actual)')
    expect(message).toContain('first difference at frame 2: expected error Error: boom, got error TypeError: bang')
  })

  it('reports an element that came too early', () => {
    const message = failureOf(() =>
      scheduler.run(({ cold, expectObservable }) => {
        expectObservable(cold('a|', { a: rec(1, 1) })).toBe('-a|', { a: rec(1, 1) })
      })
    )
    expect(message).toContain('expected: -a|\nactual:   a|')
    expect(message).toContain('first difference at frame 0: expected nothing, got Record 1 @ 1 (it was expected at frame 1)')
  })

  it('writes long gaps as time progressions, which are valid marbles', () => {
    const message = failureOf(() =>
      scheduler.run(({ cold, expectObservable }) => {
        expectObservable(cold('a 100ms b|')).toBe('a 100ms c|')
      })
    )
    expect(message).toContain("gaps over 20 frames written as ' Nms ' time progressions")
    expect(message).toContain('expected: a 100ms c|\nactual:   a 100ms b|')
    expect(message).toContain("first difference at frame 101: expected 'c', got 'b'")
  })

  it('says when groups make the drawing not to scale, and lists the frames', () => {
    const message = failureOf(() =>
      scheduler.run(({ expectObservable }) => {
        // (ab) at frame 0 and c at frame 1: no marble string can draw that
        const actual = new Observable<string>(subscriber => {
          subscriber.next('a')
          subscriber.next('b')
          return asyncScheduler.schedule(() => {
            subscriber.next('c')
            subscriber.complete()
          }, 1)
        })
        expectObservable(actual).toBe('(ab)c|')
      })
    )
    expect(message).toContain('not to scale')
    expect(message).toContain('  expected at 0:(ab) 4:c 5:|')
    expect(message).toContain('  actual at   0:(ab) 1:(c|)')
    expect(message).toContain("first difference at frame 1: expected nothing, got 'c' (it was expected at frame 4)")
  })

  it('draws subscriptions that differ', () => {
    const message = failureOf(() =>
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('a---|')
        expectObservable(source).toBe('a---|')
        expectSubscriptions(source.subscriptions).toBe('^--!')
      })
    )
    expect(message).toBe(
      [
        'Subscriptions differ (processing time, 1 character = 1 frame):',
        'expected: ^--!',
        'actual:   ^---!',
        'first difference: subscription 1: expected frames 0 to 3, got frames 0 to 4'
      ].join('\n')
    )
  })

  it('describes other values that differ by the path of the first difference', () => {
    const message = failureOf(() => scheduler.assertDeepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] }))
    expect(message).toBe('Values differ: expected { a: [1, { b: 3 }] }, got { a: [1, { b: 2 }] }\nfirst difference at .a[1].b: expected 3, got 2')
  })

  it('works outside run mode, where a character is frameTimeFactor frames', () => {
    scheduler.expectObservable(scheduler.createColdObservable('a-b|')).toBe('a--b|')
    const message = failureOf(() => scheduler.flush())
    expect(message).toContain('1 character = 10 frames')
    expect(message).toContain('expected: a--b|\nactual:   a-b|')
    expect(message).toContain("first difference at frame 20: expected nothing, got 'b' (it was expected at frame 30)")
  })

  it('fails, instead of running forever, when periodic work never stops', () => {
    const bounded = createTestScheduler({ maxFrames: 10_000 })
    const message = failureOf(() =>
      bounded.run(({ expectObservable }) => {
        expectObservable(interval(100).pipe(map(i => wm(i)))).toBe('')
      })
    )
    expect(message).toContain('virtual time reached frame 10000 (maxFrames) with 1 task still scheduled')
    expect(message).toContain('on a source that never completes')
  })

  it('stops periodic work at an unsubscription marble', () => {
    scheduler.run(({ expectObservable }) => {
      expectObservable(interval(3).pipe(map(i => wm(i))), '^------!').toBe('---a--b', { a: wm(0), b: wm(1) })
    })
  })

  it('fails when an expectation is never finished with toBe', () => {
    const message = failureOf(() =>
      scheduler.run(({ cold, expectObservable }) => {
        expectObservable(cold('a|'))
      })
    )
    expect(message).toContain('1 expectation was never finished')
  })

  it('rejects a maxFrames that is not a positive number', () => {
    expect(() => createTestScheduler({ maxFrames: 0 })).toThrowError(TypeError, /maxFrames must be a positive number/)
    expect(() => createTestScheduler({ maxFrames: NaN })).toThrowError(TypeError, /maxFrames/)
  })
})
