/**
 * Which checkpoints retention deletes (src/job/retention.ts): the newest `retain`, what they
 * need, and everything older than a retained checkpoint whose needs are not known.
 */
import { checkpointsToDelete, type RetentionCandidate } from '../../src/job/retention'

const checkpoints = (...ids: number[]): RetentionCandidate[] => ids.map(checkpointId => ({ checkpointId, kind: 'checkpoint' }))

describe('checkpoint retention', () => {
  it('keeps the newest checkpoints and deletes the rest, never a savepoint', () => {
    const stored = [...checkpoints(1, 2, 3, 5), { checkpointId: 4, kind: 'savepoint' as const }]
    expect(checkpointsToDelete(stored, 2, () => [])).toEqual([1, 2])
    expect(checkpointsToDelete(stored, 10, () => [])).toEqual([])
  })

  it('keeps every checkpoint a retained one needs', () => {
    const needs = new Map<number, number[]>([
      [4, [1, 2, 3]],
      [5, []],
      [6, [5]]
    ])
    expect(checkpointsToDelete(checkpoints(1, 2, 3, 4), 1, id => needs.get(id) ?? [])).toEqual([])
    expect(checkpointsToDelete(checkpoints(1, 2, 3, 4, 5, 6), 1, id => needs.get(id) ?? [])).toEqual([1, 2, 3, 4])
    expect(checkpointsToDelete(checkpoints(1, 2, 3, 4, 5, 6), 3, id => needs.get(id) ?? [])).toEqual([])
  })

  it('keeps everything older than a retained checkpoint whose needs it does not know', () => {
    const known = new Map<number, number[]>([[7, []]])
    expect(checkpointsToDelete(checkpoints(2, 3, 5, 7), 2, id => known.get(id))).toEqual([])
    expect(checkpointsToDelete(checkpoints(2, 3, 5, 7), 1, id => known.get(id))).toEqual([2, 3, 5])
  })
})
