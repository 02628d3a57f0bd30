/** The Nexmark queries of the bench, in order, ready to run (result types hidden). */
import { type RunnableQuery, runnable } from './common'
import { q0 } from './q0'
import { q1 } from './q1'
import { q2 } from './q2'
import { q3 } from './q3'
import { q4 } from './q4'
import { q5 } from './q5'
import { q7 } from './q7'
import { q8 } from './q8'
import { q11 } from './q11'
import { q12 } from './q12'

/** q0–q5, q7, q8, q11, q12 (q6, q9, q10 and q13+ are not implemented). */
export const NEXMARK_QUERIES: readonly RunnableQuery[] = [
  runnable(q0),
  runnable(q1),
  runnable(q2),
  runnable(q3),
  runnable(q4),
  runnable(q5),
  runnable(q7),
  runnable(q8),
  runnable(q11),
  runnable(q12)
]
