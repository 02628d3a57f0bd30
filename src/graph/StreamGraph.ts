/**
 * The stream graph of a job (Flink's `StreamGraph`): every operator of the job as a node, with
 * the operators whose output each of its inputs reads, and the chains the runtime fuses them
 * into. `job.graph` gives it once the job runs; `toMermaid` and `toDot` draw it.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const job = ds.execute(env =>
 *   env.fromArray([1, 2, 3], { uid: 'numbers' }).pipe(
 *     ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid: 'timestamps' }),
 *     ds.mapValues((n: number) => n * 2, { uid: 'double' })))
 * await job.done
 * console.log(job.graph.nodes.map(n => `${n.uid} ← ${n.inputs.join(', ')}`))
 * // ['numbers ← ', 'timestamps ← numbers', 'double ← timestamps']
 *
 * @since 0.1.0
 */

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * One operator of a job (Flink's `StreamNode`). Sources are nodes too (kind `fromArray`,
 * `fromSource`, …), with no input.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const describe = (n: ds.StreamNode): string =>
 *   `${n.name} (${n.kind}, uid ${n.uid})${n.stateful ? ', stateful' : ''}, chain ${n.chain}`
 *
 * @category graph
 * @since 0.1.0
 */
export interface StreamNode {
  /** The operator's `uid`, or the one the job derived from its kind and place (`mapValues#2`). */
  readonly uid: string
  /** Its `name` option, or its kind. */
  readonly name: string
  /** The factory that made it (`keyBy`, `windowBy`, `connectWith.process`, `fromArray`, …). */
  readonly kind: string
  /**
   * Per input, in input order (0 is the piped one, then the others as passed): the uid of the
   * operator whose output it reads. `null` when what it reads is not an operator of the job:
   * a plain RxJS operator in between (`share()`, `map`, a `Subject`), or an
   * Observable made outside the job. The graph cannot see through plain RxJS code, so it says
   * so rather than guess which operators are behind it.
   */
  readonly inputs: readonly (string | null)[]
  /** How many instances run: 1, as every operator of a job runs once, in one thread. */
  readonly parallelism: number
  /**
   * Whether it puts state of its own into checkpoints: keyed state and timers (windows, keyed
   * process functions, joins), operator state, a source's offset, a watermark it restores,
   * async I/O's elements in flight, a two-phase-commit sink's transactions.
   */
  readonly stateful: boolean
  /**
   * The chain it runs in: operators whose records pass from one to the next as one direct call,
   * with no subscriber in between (Flink's operator chain), share a number. A chain begins at a
   * source, at an operator of several inputs (it reads each through its input gate: barrier
   * alignment, watermarks combined), and after any plain RxJS operator.
   */
  readonly chain: number
}

/**
 * An edge of the graph (Flink's `StreamEdge`): the output of `source` is input `input` of
 * `target`. Derived from the nodes' `inputs`; an input that reads no operator has no edge.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const show = (e: ds.StreamEdge): string => `${e.source} → ${e.target} (input ${e.input})`
 *
 * @category graph
 * @since 0.1.0
 */
export interface StreamEdge {
  readonly source: string
  readonly target: string
  readonly input: number
}

/**
 * A stream graph as plain data: what `toJSON()` returns, what `JSON.parse` gives back, and
 * what {@link toMermaid} and {@link toDot} draw.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const saved: ds.StreamGraphJson = {
 *   jobId: 'numbers',
 *   nodes: [{ uid: 'numbers', name: 'numbers', kind: 'fromArray', inputs: [], parallelism: 1, stateful: true, chain: 0 }],
 *   edges: []
 * }
 * console.log(ds.toDot(saved).startsWith('digraph "numbers"')) // true
 *
 * @category graph
 * @since 0.1.0
 */
export interface StreamGraphJson {
  readonly jobId: string
  /** Sources first, then each operator after every operator it reads (inputs in input order). */
  readonly nodes: readonly StreamNode[]
  readonly edges: readonly StreamEdge[]
}

/**
 * The stream graph of a job (Flink's `StreamGraph`), as `job.graph` returns it: its nodes and
 * edges, and `toJSON()` for plain data (`JSON.stringify(graph)` uses it).
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * const job = ds.execute(env => env.fromArray(['a', 'b'], { uid: 'letters' }))
 * await job.done
 * const graph: ds.StreamGraph = job.graph
 * console.log(JSON.stringify(graph)) // {"jobId":"job","nodes":[{"uid":"letters",…}],"edges":[]}
 *
 * @category graph
 * @since 0.1.0
 */
export interface StreamGraph extends StreamGraphJson {
  /** The graph as plain data: fresh objects and arrays, that the caller may keep or change. */
  toJSON(): StreamGraphJson
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/** @internal A graph of `nodes` (in the order `StreamGraphJson.nodes` says), its edges derived. */
export function streamGraph(jobId: string, nodes: readonly StreamNode[]): StreamGraph {
  const edges: StreamEdge[] = []
  for (const node of nodes) {
    node.inputs.forEach((source, input) => {
      if (source !== null) edges.push({ source, target: node.uid, input })
    })
  }
  return {
    jobId,
    nodes,
    edges,
    toJSON: () => ({
      jobId,
      nodes: nodes.map(n => ({ uid: n.uid, name: n.name, kind: n.kind, inputs: [...n.inputs], parallelism: n.parallelism, stateful: n.stateful, chain: n.chain })),
      edges: edges.map(e => ({ ...e }))
    })
  }
}
