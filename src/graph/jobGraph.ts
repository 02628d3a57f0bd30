/**
 * @internal
 * The stream graph of a running job, read from what its operators registered when the job
 * subscribed its pipeline (../runtime/JobContext.ts): each operator's uid, name and kind, the
 * operators its inputs read, and where its output goes.
 */
import type { OperatorHandle } from '../runtime/JobContext'
import { isStateful } from '../runtime/operatorSnapshot'
import { streamGraph, type StreamGraph, type StreamNode } from './StreamGraph'

/**
 * @internal
 * The graph of the operators `handles` (in registration order: a subscription creates the last
 * operator of a chain first).
 *
 * Nodes are put upstream first: from each operator whose output leaves the job's operators, in
 * registration order, its inputs are visited depth first in input order, and an operator is
 * listed after all it reads. So sources come first and a pipeline reads top to bottom, as it
 * was written, whatever order the subscriptions happened in.
 *
 * Chains are the runtime's fusing, as the host does it: an operator is in the chain of the
 * operator it reads when that operator's output *is* it (one direct call per record, see
 * `Downstream.chained`). An input of a multi-input operator goes through its input gate, so a
 * multi-input operator starts a chain, as in Flink; so does whatever reads plain RxJS.
 */
export function jobGraph(jobId: string, handles: readonly OperatorHandle[]): StreamGraph {
  const byOperator = new Map(handles.map(h => [h.operator, h]))
  const inputsOf = (h: OperatorHandle): Array<OperatorHandle | undefined> => h.inputs.map(op => (op === undefined ? undefined : byOperator.get(op)))

  const listed = new Set<OperatorHandle>()
  // Iterative, not recursive: a generated pipeline of thousands of operators must not overflow the stack.
  const visit = (root: OperatorHandle): OperatorHandle[] => {
    const order: OperatorHandle[] = []
    if (listed.has(root)) return order
    const stack: Array<{ readonly handle: OperatorHandle; readonly inputs: Array<OperatorHandle | undefined>; next: number }> = [{ handle: root, inputs: inputsOf(root), next: 0 }]
    const onStack = new Set([root])
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      if (top.next < top.inputs.length) {
        const input = top.inputs[top.next++]
        if (input !== undefined && !listed.has(input) && !onStack.has(input)) {
          onStack.add(input)
          stack.push({ handle: input, inputs: inputsOf(input), next: 0 })
        }
        continue
      }
      stack.pop()
      listed.add(top.handle)
      order.push(top.handle)
    }
    return order
  }
  // The ends: operators whose output leaves the job's operators, or goes to several (a split).
  // Each end lists what it reads that an earlier end has not listed.
  const trees = handles.filter(h => h.output === undefined || !byOperator.has(h.output.operator)).map(visit)
  // For safety only: every operator was reached from an end.
  for (const h of handles) if (!listed.has(h)) trees.push(visit(h))
  // The trees that read plain RxJS somewhere go last: a tree read through plain RxJS is
  // subscribed (so registered) while its reader subscribes, after its reader; this puts it
  // before its reader. Only the order is chosen so: no edge is guessed.
  const readsRxjs = (tree: readonly OperatorHandle[]): boolean => tree.some(h => h.inputs.includes(undefined))
  const order = [...trees.filter(t => !readsRxjs(t)), ...trees.filter(readsRxjs)].flat()

  const chains = new Map<OperatorHandle, number>()
  let next = 0
  const nodes = order.map((h): StreamNode => {
    const [first] = inputsOf(h)
    const fused = h.inputs.length === 1 && first !== undefined && first.output?.chained === true && first.output.operator === h.operator
    const chain = fused ? chains.get(first)! : next++
    chains.set(h, chain)
    return {
      uid: h.uid,
      name: h.info.name,
      kind: h.info.kind,
      inputs: inputsOf(h).map(input => input?.uid ?? null),
      parallelism: 1,
      stateful: isStateful(h.operator),
      chain
    }
  })
  return streamGraph(jobId, nodes)
}
