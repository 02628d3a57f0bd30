/**
 * A property of `job.graph`: for random pipelines (sources, maps, filters, keys, windows,
 * process functions, async I/O, unions, connects, window and interval joins, and plain RxJS in
 * between), run as jobs, the graph has one node per operator of the pipeline, each of whose
 * inputs names the operator the pipeline wired into it (null behind plain RxJS), its chains are
 * what fuses, nodes come after what they read; its Mermaid chart passes the checker, and `dot`
 * (where installed) accepts its DOT text.
 *
 * `FC_SEED=<n>` replays a run (spec/helpers/fast-check-seed.ts).
 */
import fc from 'fast-check'
import { map, type Observable } from 'rxjs'
import * as ds from '../../src/index'
import { checkMermaid } from '../support/mermaid'
import { DOT_MISSING, dotInstalled, runDot } from '../support/graphviz'

/** A pipeline, as a tree: what it reads, and the operator (or plain RxJS) applied. */
type Pipe =
  | { readonly op: 'source'; readonly rxjs: boolean }
  | { readonly op: 'map' | 'filter' | 'flatMap' | 'keyBy' | 'process' | 'window' | 'windowAll' | 'async' | 'rxjs'; readonly input: Pipe }
  | { readonly op: 'union'; readonly inputs: readonly Pipe[] }
  | { readonly op: 'connect' | 'join' | 'intervalJoin'; readonly left: Pipe; readonly right: Pipe }

const pipeArb: fc.Arbitrary<Pipe> = fc.letrec<{ pipe: Pipe }>(tie => ({
  pipe: fc.oneof(
    { maxDepth: 6, depthIdentifier: 'pipe' },
    fc.record({ op: fc.constant('source' as const), rxjs: fc.boolean() }),
    fc.record({ op: fc.constantFrom('map', 'filter', 'flatMap', 'keyBy', 'process', 'window', 'windowAll', 'async', 'rxjs'), input: tie('pipe') }),
    fc.record({ op: fc.constant('union' as const), inputs: fc.array(tie('pipe'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ op: fc.constantFrom('connect', 'join', 'intervalJoin'), left: tie('pipe'), right: tie('pipe') })
  )
})).pipe

/** An operator the pipeline made, as the graph must show it. */
interface Expected {
  readonly uid: string
  readonly kind: string
  readonly inputs: readonly (string | null)[]
  /** Fused with the operator of its only input. */
  readonly chained: boolean
}

type Stream = Observable<ds.StreamElement<number, ds.Key>>

const strategy = ds.WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner(n => n)
const tumbling = ds.tumblingEventTimeWindows(4)

/** Builds `pipe` from the job's sources, listing the operators it makes into `expected`. */
function build(pipe: Pipe, env: ds.StreamExecutionEnvironment, expected: Expected[]): { readonly stream: Stream; readonly tail: string | null } {
  const uid = () => `op${expected.length}`
  const add = (kind: string, inputs: readonly (string | null)[], oneInput = true): string => {
    const id = uid()
    expected.push({ uid: id, kind, inputs, chained: oneInput && inputs.length === 1 && inputs[0] !== null })
    return id
  }
  const unary = (input: Pipe, kind: string, apply: (stream: Stream, uid: string) => Stream) => {
    const { stream, tail } = build(input, env, expected)
    const id = uid()
    const out = apply(stream, id)
    add(kind, [tail])
    return { stream: out, tail: id }
  }
  switch (pipe.op) {
    case 'source': {
      const source = add('fromArray', [])
      const values = env.fromArray([1, 2, 3, 4, 5, 6, 7, 8], { uid: source })
      const id = uid()
      const stream = (pipe.rxjs ? values.pipe(map(v => v)) : values).pipe(ds.assignTimestampsAndWatermarks(strategy, { uid: id, autoWatermarkInterval: 0 }))
      add('assignTimestampsAndWatermarks', [pipe.rxjs ? null : source])
      return { stream, tail: id }
    }
    case 'map':
      return unary(pipe.input, 'mapValues', (s, id) => s.pipe(ds.mapValues((n: number) => n + 1, { uid: id })))
    case 'filter':
      return unary(pipe.input, 'filterValues', (s, id) => s.pipe(ds.filterValues((n: number) => n % 3 !== 0, { uid: id })))
    case 'flatMap':
      return unary(pipe.input, 'flatMapValues', (s, id) => s.pipe(ds.flatMapValues((n: number) => [n, n], { uid: id })))
    case 'keyBy':
      return unary(pipe.input, 'keyBy', (s, id) => s.pipe(ds.keyBy((n: number) => n % 3, { uid: id })))
    case 'process':
      return unary(pipe.input, 'processElements', (s, id) => s.pipe(ds.processElements<number, number, ds.Key>({ processElement: (n, _ctx, out) => out.collect(n) }, { uid: id })))
    case 'async':
      return unary(pipe.input, 'asyncWait', (s, id) => s.pipe(ds.asyncWait(async (n: number) => n, { uid: id })))
    case 'windowAll':
      return unary(pipe.input, 'windowAll', (s, id) => s.pipe(ds.windowAll(tumbling, { uid: id }).reduce<number>((a, b) => a + b)))
    case 'window': {
      const keyed = unary(pipe.input, 'keyBy', (s, id) => s.pipe(ds.keyBy((n: number) => n % 2, { uid: id })))
      const id = uid()
      const stream = (keyed.stream as Observable<ds.StreamElement<number, number>>).pipe(ds.windowBy(tumbling, { uid: id }).reduce<number, number>((a, b) => a + b))
      add('windowBy', [keyed.tail])
      return { stream, tail: id }
    }
    case 'rxjs':
      return { stream: build(pipe.input, env, expected).stream.pipe(map(e => e)), tail: null }
    case 'union': {
      const [first, ...others] = pipe.inputs.map(p => build(p, env, expected))
      const id = uid()
      const stream = first!.stream.pipe(ds.unionWith(...others.map(o => o.stream), { uid: id }))
      add('unionWith', [first!.tail, ...others.map(o => o.tail)], false)
      return { stream, tail: id }
    }
    case 'connect':
    case 'join': {
      const left = build(pipe.left, env, expected)
      const right = build(pipe.right, env, expected)
      const id = uid()
      const stream: Stream =
        pipe.op === 'connect'
          ? left.stream.pipe(ds.connectWith(right.stream, { uid: id }).map((n: number) => n, (n: number) => n))
          : left.stream.pipe(
              ds
                .joinWith(right.stream, { uid: id })
                .where((n: number) => n % 2)
                .equalTo((n: number) => n % 2)
                .window(tumbling)
                .apply((a: number, b: number) => a + b)
            )
      add(pipe.op === 'connect' ? 'connectWith.map' : 'joinWith', [left.tail, right.tail], false)
      return { stream, tail: id }
    }
    case 'intervalJoin': {
      const keyed = (p: Pipe) => unary(p, 'keyBy', (s, id) => s.pipe(ds.keyBy((n: number) => n % 2, { uid: id })))
      const left = keyed(pipe.left)
      const right = keyed(pipe.right)
      const id = uid()
      const stream = (left.stream as Observable<ds.StreamElement<number, number>>).pipe(
        ds
          .intervalJoinWith(right.stream as Observable<ds.StreamElement<number, number>>, { uid: id })
          .between(-2, 2)
          .process<number, number>((a, b, _ctx, out) => out.collect(a + b))
      )
      add('intervalJoinWith', [left.tail, right.tail], false)
      return { stream, tail: id }
    }
  }
}

/** The operators' chains as sets of uids, from the expected fusing (each chained operator joins its input's chain). */
function expectedChains(expected: readonly Expected[]): string[][] {
  const chainOf = new Map<string, string>()
  const root = (uid: string): string => {
    const e = expected.find(x => x.uid === uid)!
    return e.chained ? root(e.inputs[0]!) : uid
  }
  for (const e of expected) chainOf.set(e.uid, root(e.uid))
  return normalize([...groupBy(expected.map(e => e.uid), uid => chainOf.get(uid)!).values()])
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>()
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item])
  return groups
}

const normalize = (groups: string[][]): string[][] => groups.map(g => [...g].sort()).sort((a, b) => a[0]!.localeCompare(b[0]!))

describe('the stream graph of random pipelines (property)', () => {
  // Without dot the property still checks the graph and its Mermaid chart (on CI, which installs dot, it fails).
  const hasDot = dotInstalled()

  it('has a node per operator, inputs as wired, chains as fused, and draws in Mermaid and DOT', async () => {
    if (!hasDot) {
      if (process.env['CI'] === 'true') fail(`${DOT_MISSING}: CI must install it (.ci/run)`)
      else process.stdout.write(`stream graph property: DOT output not checked: ${DOT_MISSING}\n`)
    }
    await fc.assert(
      fc.asyncProperty(pipeArb, async pipe => {
        const expected: Expected[] = []
        const job = ds.execute(env => build(pipe, env, expected).stream, { onWarning: () => {} })
        job.output$.subscribe({ error: () => {} })
        await job.done
        const graph = job.graph
        const nodes = new Map(graph.nodes.map(n => [n.uid, n]))
        expect(graph.nodes.length).toBe(expected.length)
        for (const e of expected) {
          const node = nodes.get(e.uid)
          expect(node === undefined ? undefined : [node.kind, node.inputs]).withContext(e.uid).toEqual([e.kind, e.inputs])
        }
        expect(normalize([...groupBy(graph.nodes.map(n => n.uid), uid => nodes.get(uid)!.chain).values()])).toEqual(expectedChains(expected))
        // Upstream first: every node after the nodes it reads.
        const place = new Map(graph.nodes.map((n, i) => [n.uid, i]))
        for (const n of graph.nodes) for (const input of n.inputs) if (input !== null) expect(place.get(input)!).toBeLessThan(place.get(n.uid)!)
        expect(graph.edges.length).toBe(expected.flatMap(e => e.inputs.filter(i => i !== null)).length)
        checkMermaid(ds.toMermaid(graph))
        if (hasDot) {
          const run = runDot(ds.toDot(graph))
          expect([run.status, run.stderr]).toEqual([0, ''])
        }
      }),
      { numRuns: 60 }
    )
    // Each run runs a job and starts dot: about 2 s in all, several times that on a busy machine.
  }, 60_000)
})
