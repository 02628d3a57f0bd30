/** @test {rec} @test {wm} @test {idle} @test {active} @test {side} @test {barrier} */
import { OutputTag } from '../../src/core/OutputTag'
import { ACTIVE, checkpointBarrier, IDLE, sideRecord, streamRecord, watermark } from '../../src/core/StreamElement'
import { active, barrier, idle, rec, side, wm } from '../../marbles'

describe('marbles element builders', () => {
  it('rec builds a record whose key is undefined when none is given', () => {
    const r = rec('x', 5)
    expect<unknown>(r).toEqual({ _tag: 'Record', value: 'x', timestamp: 5, key: undefined })
    expect('key' in r).toBe(true)
    expect(r.key).toBeUndefined()
    expect(r).toEqual(streamRecord('x', 5))
  })

  it('rec builds a keyed record', () => {
    const r = rec({ n: 1 }, -3, 'user-1')
    expect(r).toEqual({ _tag: 'Record', value: { n: 1 }, timestamp: -3, key: 'user-1' })
    expect(r).toEqual(streamRecord({ n: 1 }, -3, 'user-1'))
  })

  it('wm builds a watermark, wm(Infinity) the end of event time', () => {
    expect(wm(10)).toEqual({ _tag: 'Watermark', timestamp: 10 })
    expect(wm(10)).toEqual(watermark(10))
    expect(wm(Infinity).timestamp).toBe(Infinity)
  })

  it('idle and active build the two stream statuses', () => {
    expect(idle()).toEqual({ _tag: 'StreamStatus', idle: true })
    expect(active()).toEqual({ _tag: 'StreamStatus', idle: false })
    expect(idle()).toBe(IDLE)
    expect(active()).toBe(ACTIVE)
  })

  it('side builds a side record for a tag', () => {
    const late = new OutputTag<string>('late')
    const s = side(late, 'click', 3)
    expect(s).toEqual(sideRecord(late, 'click', 3))
    expect(s._tag).toBe('SideRecord')
    expect(s.tag.id).toBe('late')
    expect(s.value).toBe('click')
    expect(s.timestamp).toBe(3)
  })

  it('barrier builds a checkpoint barrier with timestamp 0 by default', () => {
    expect(barrier(7)).toEqual({ _tag: 'CheckpointBarrier', checkpointId: 7, timestamp: 0, kind: 'checkpoint' })
    expect(barrier(7)).toEqual(checkpointBarrier(7, 0))
    expect(barrier(8, 30, 'savepoint')).toEqual(checkpointBarrier(8, 30, 'savepoint'))
  })
})
