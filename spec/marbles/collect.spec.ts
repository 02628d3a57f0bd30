/** @test {collectElements} @test {recordsOf} @test {watermarksOf} */
import { concat, finalize, from, Observable, of, throwError, timer, map } from 'rxjs'
import { OutputTag } from '../../src/core/OutputTag'
import type { StreamElement } from '../../src/core/StreamElement'
import { barrier, collectElements, idle, rec, recordsOf, side, watermarksOf, wm } from '../../marbles'

describe('collectElements', () => {
  it('collects every element of a synchronous stream that completes', () => {
    const elements: Array<StreamElement<string>> = [rec('a', 1), wm(1), idle(), rec('b', 3), wm(Infinity)]
    const out = collectElements(from(elements))
    expect(out.elements).toEqual(elements)
    expect(out.completed).toBe(true)
    expect(out.error).toBeUndefined()
  })

  it('collects the elements before an error, and the error', () => {
    const boom = new Error('boom')
    const out = collectElements(concat(of<StreamElement<number>>(rec(1, 1)), throwError(() => boom)))
    expect(out.elements).toEqual([rec(1, 1)])
    expect(out.completed).toBe(false)
    expect(out.error).toBe(boom)
  })

  it('throws a clear error, and unsubscribes, when the stream does not finish synchronously', () => {
    let finalized = false
    const async$ = concat(
      of<StreamElement<string>>(rec('a', 1)),
      timer(10).pipe(map(() => rec('b', 2)))
    ).pipe(finalize(() => (finalized = true)))
    expect(() => collectElements(async$)).toThrowError(
      /^collectElements: the stream did not complete or error synchronously \(it emitted 1 element during subscribe; the last was Record 'a' @ 1\)/
    )
    expect(finalized).toBe(true)
  })

  it('throws for a stream that never emits nor finishes', () => {
    expect(() => collectElements(new Observable<StreamElement<never>>(() => undefined))).toThrowError(/emitted 0 elements/)
  })
})

describe('recordsOf', () => {
  it('extracts [value, timestamp] of main-output records only', () => {
    const late = new OutputTag<string>('late')
    const elements: Array<StreamElement<string>> = [rec('a', 1), wm(1), side(late, 'x', 0), barrier(1), rec('b', 3, undefined as never)]
    expect(recordsOf(elements)).toEqual([
      ['a', 1],
      ['b', 3]
    ])
  })

  it('accepts what collectElements returned', () => {
    expect(recordsOf(collectElements(from<Array<StreamElement<number>>>([rec(1, 5), rec(2, 6)])))).toEqual([
      [1, 5],
      [2, 6]
    ])
  })

  it('returns an empty list when there are no records', () => {
    expect(recordsOf<number>([wm(1)])).toEqual([])
  })
})

describe('watermarksOf', () => {
  it('extracts the watermark timestamps in order', () => {
    expect(watermarksOf<string>([rec('a', 1), wm(1), idle(), wm(5), wm(Infinity)])).toEqual([1, 5, Infinity])
  })

  it('accepts what collectElements returned', () => {
    expect(watermarksOf(collectElements(from<Array<StreamElement<string>>>([rec('a', 1), wm(-Infinity)])))).toEqual([-Infinity])
  })
})
