/**
 * `job.graph`: the stream graph of a job. One node per operator the job registered, sources
 * included, upstream first; each input names the operator it reads (or `null` for plain RxJS
 * in between); chains are what the runtime fuses; `stateful` is what goes into checkpoints.
 */
import { map, merge, share } from 'rxjs'
import * as ds from '../../src/index'
import { decodeCheckpoint } from '../../src/checkpoint/checkpointFormat'

const strategy = ds.WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner(n => n)
const quiet = { onWarning: () => {} }

/** A job source of `values`, stamped: two operators (`<uid>` and `<uid>-ts`), one chain. */
const enter = (env: ds.StreamExecutionEnvironment, uid: string, values: readonly number[] = [1, 2, 3, 4]) =>
  env.fromArray(values, { uid }).pipe(ds.assignTimestampsAndWatermarks(strategy, { uid: `${uid}-ts`, autoWatermarkInterval: 0 }))

/** Runs the job to its end and returns its graph. */
async function graphOf<T>(job: ds.Job<T>): Promise<ds.StreamGraph> {
  job.output$.subscribe({ error: () => {} })
  await job.done
  return job.graph
}

const summary = (g: ds.StreamGraphJson) => g.nodes.map(n => [n.uid, n.kind, n.inputs, n.chain])

describe('the stream graph of a job (job.graph)', () => {
  it('is empty before the job runs, then holds every operator, sources first, one chain', async () => {
    const job = ds.execute(
      env =>
        enter(env, 'numbers').pipe(
          ds.mapValues((n: number) => n * 2, { uid: 'double', name: 'double it' }),
          ds.keyBy(n => n % 2, { uid: 'parity' }),
          ds.windowBy(ds.tumblingEventTimeWindows(10), { uid: 'sums' }).reduce<number, number>((a, b) => a + b),
          ds.values()
        ),
      { jobId: 'numbers', ...quiet }
    )
    expect(job.graph.nodes).toEqual([])
    expect(job.graph.jobId).toBe('numbers')
    const graph = await graphOf(job)
    expect(summary(graph)).toEqual([
      ['numbers', 'fromArray', [], 0],
      ['numbers-ts', 'assignTimestampsAndWatermarks', ['numbers'], 0],
      ['double', 'mapValues', ['numbers-ts'], 0],
      ['parity', 'keyBy', ['double'], 0],
      ['sums', 'windowBy', ['parity'], 0]
    ])
    expect(graph.nodes.map(n => n.name)).toEqual(['fromArray', 'assignTimestampsAndWatermarks', 'double it', 'keyBy', 'windowBy'])
    expect(graph.nodes.every(n => n.parallelism === 1)).toBeTrue()
    expect(graph.edges).toEqual([
      { source: 'numbers', target: 'numbers-ts', input: 0 },
      { source: 'numbers-ts', target: 'double', input: 0 },
      { source: 'double', target: 'parity', input: 0 },
      { source: 'parity', target: 'sums', input: 0 }
    ])
    // The same operators as job.operators(), by uid.
    expect(graph.nodes.map(n => n.uid).sort()).toEqual(job.operators().map(o => o.uid).sort())
  })

  it('gives each input of a multi-input operator its operator in input order, and starts a chain at it', async () => {
    const graph = await graphOf(
      ds.execute(env =>
        enter(env, 'a').pipe(
          ds.unionWith(enter(env, 'b'), enter(env, 'c').pipe(ds.filterValues((n: number) => n > 1, { uid: 'c-big' })), { uid: 'abc' }),
          ds.keyBy(n => n % 2, { uid: 'k' }),
          ds.connectWith(enter(env, 'd').pipe(ds.keyBy(n => n % 2, { uid: 'dk' })), { uid: 'co' }).map(
            (n: number) => n,
            (n: number) => -n
          ),
          ds.values()
        )
      )
    )
    expect(summary(graph)).toEqual([
      ['a', 'fromArray', [], 0],
      ['a-ts', 'assignTimestampsAndWatermarks', ['a'], 0],
      ['b', 'fromArray', [], 1],
      ['b-ts', 'assignTimestampsAndWatermarks', ['b'], 1],
      ['c', 'fromArray', [], 2],
      ['c-ts', 'assignTimestampsAndWatermarks', ['c'], 2],
      ['c-big', 'filterValues', ['c-ts'], 2],
      ['abc', 'unionWith', ['a-ts', 'b-ts', 'c-big'], 3],
      ['k', 'keyBy', ['abc'], 3],
      ['d', 'fromArray', [], 4],
      ['d-ts', 'assignTimestampsAndWatermarks', ['d'], 4],
      ['dk', 'keyBy', ['d-ts'], 4],
      ['co', 'connectWith.map', ['k', 'dk'], 5]
    ])
    expect(graph.edges.filter(e => e.target === 'abc' || e.target === 'co')).toEqual([
      { source: 'a-ts', target: 'abc', input: 0 },
      { source: 'b-ts', target: 'abc', input: 1 },
      { source: 'c-big', target: 'abc', input: 2 },
      { source: 'k', target: 'co', input: 0 },
      { source: 'dk', target: 'co', input: 1 }
    ])
  })

  it('does not see through plain RxJS: such an input is null, starts a chain, and what it reads is listed first', async () => {
    const graph = await graphOf(
      ds.execute(env =>
        enter(env, 'a').pipe(
          ds.mapValues((n: number) => n + 1, { uid: 'before' }),
          map(e => e),
          ds.mapValues((n: number) => n * 2, { uid: 'after' }),
          ds.unionWith(ds.fromRecords([{ value: 7, timestamp: 7 }]), { uid: 'with-records' }),
          ds.values()
        )
      )
    )
    expect(summary(graph)).toEqual([
      ['a', 'fromArray', [], 0],
      ['a-ts', 'assignTimestampsAndWatermarks', ['a'], 0],
      ['before', 'mapValues', ['a-ts'], 0],
      ['after', 'mapValues', [null], 1],
      // fromRecords is an Observable of elements made outside the job, not an operator of it.
      ['with-records', 'unionWith', ['after', null], 2]
    ])
    // No edge is guessed across the RxJS map.
    expect(graph.edges.map(e => `${e.source}→${e.target}/${e.input}`)).toEqual(['a→a-ts/0', 'a-ts→before/0', 'after→with-records/0'])
  })

  it('shows split as a node of its own, the main and side outputs its branches', async () => {
    const late = new ds.OutputTag<number>('late')
    const graph = await graphOf(
      ds.execute(env => {
        const { main$, side } = ds.split(
          enter(env, 'a', [5, 1, 9]).pipe(ds.windowAll(ds.tumblingEventTimeWindows(4), { uid: 'w' }).sideOutputLateData(late).reduce<number>((x, y) => x + y)),
          late
        )
        return merge(main$.pipe(ds.mapValues((n: number) => n, { uid: 'sums' }), ds.values()), side(late).pipe(ds.values()))
      })
    )
    expect(summary(graph)).toEqual([
      ['a', 'fromArray', [], 0],
      ['a-ts', 'assignTimestampsAndWatermarks', ['a'], 0],
      ['w', 'windowAll', ['a-ts'], 0],
      ['split#1', 'split', ['w'], 0],
      // The split's output goes to several places: each branch begins a chain.
      ['mainOutput#1', 'mainOutput', ['split#1'], 1],
      ['sums', 'mapValues', ['mainOutput#1'], 1],
      ['sideOutput#1', 'sideOutput', ['split#1'], 2]
    ])
    expect(graph.nodes.find(n => n.uid === 'split#1')).toEqual(jasmine.objectContaining({ name: 'split', stateful: false }))
    expect(graph.edges.filter(e => e.source === 'split#1')).toEqual([
      { source: 'split#1', target: 'mainOutput#1', input: 0 },
      { source: 'split#1', target: 'sideOutput#1', input: 0 }
    ])
  })

  it('shows splitBy as a node of its own, with an edge to the first operator of each output', async () => {
    const graph = await graphOf(
      ds.execute(env => {
        const [even$, odd$, all$] = ds.splitBy(
          enter(env, 'a'),
          n => n % 2 === 0,
          n => n % 2 !== 0,
          () => true
        )
        return merge(
          even$.pipe(ds.mapValues((n: number) => n, { uid: 'even' }), ds.values()),
          odd$.pipe(ds.keyBy(n => n, { uid: 'odd' }), ds.values()),
          all$.pipe(ds.values())
        )
      })
    )
    expect(summary(graph)).toEqual([
      ['a', 'fromArray', [], 0],
      ['a-ts', 'assignTimestampsAndWatermarks', ['a'], 0],
      ['splitBy#1', 'splitBy', ['a-ts'], 0],
      ['even', 'mapValues', ['splitBy#1'], 1],
      ['odd', 'keyBy', ['splitBy#1'], 2]
    ])
  })

  it('shows both inputs of a join fed by one splitBy, and a split read through plain RxJS without an edge', async () => {
    const graph = await graphOf(
      ds.execute(env => {
        const [left$, right$] = ds.splitBy(
          enter(env, 'a'),
          n => n % 2 === 0,
          n => n % 2 !== 0
        )
        const joined$ = left$.pipe(
          ds.keyBy(n => n % 3, { uid: 'left' }),
          ds.intervalJoinWith(right$.pipe(ds.keyBy(n => n % 3, { uid: 'right' })), { uid: 'join' })
            .between(-5, 5)
            .process<number, number>((l, r, _ctx, out) => out.collect(l + r))
        )
        const [shown$, hidden$] = ds.splitBy(joined$, () => true, () => true)
        return merge(shown$.pipe(ds.mapValues((n: number) => n, { uid: 'shown' }), ds.values()), hidden$.pipe(map(e => e), ds.mapValues((n: number) => n, { uid: 'hidden' }), ds.values()))
      })
    )
    expect(summary(graph)).toEqual([
      ['a', 'fromArray', [], 0],
      ['a-ts', 'assignTimestampsAndWatermarks', ['a'], 0],
      // Derived uids count in registration order: the later split subscribes first.
      ['splitBy#2', 'splitBy', ['a-ts'], 0],
      ['left', 'keyBy', ['splitBy#2'], 1],
      ['right', 'keyBy', ['splitBy#2'], 2],
      ['join', 'intervalJoinWith', ['left', 'right'], 3],
      ['splitBy#1', 'splitBy', ['join'], 3],
      ['shown', 'mapValues', ['splitBy#1'], 4],
      ['hidden', 'mapValues', [null], 5]
    ])
  })

  it('checkpoints a job through split and splitBy: their operators take part in every checkpoint, with no state', async () => {
    const late = new ds.OutputTag<number>('late')
    const store = ds.memoryStore()
    const job = ds.execute(
      env => {
        const [small$, large$] = ds.splitBy(
          enter(env, 'a', Array.from({ length: 200 }, (_, i) => i)),
          n => n < 100,
          n => n >= 100
        )
        const { main$, side } = ds.split(small$.pipe(ds.windowAll(ds.tumblingEventTimeWindows(10), { uid: 'w' }).sideOutputLateData(late).reduce<number>((x, y) => x + y)), late)
        return merge(main$.pipe(ds.values()), side(late).pipe(ds.values()), large$.pipe(ds.values()))
      },
      { jobId: 'split-checkpoints', checkpointing: { store }, ...quiet }
    )
    const graph = await graphOf(job)
    const [last] = (await store.list('split-checkpoints')).slice(-1)
    const { operators } = decodeCheckpoint(store.description, last!, await store.get('split-checkpoints', last!.checkpointId))
    expect(Object.keys(operators).sort()).toEqual(graph.nodes.map(n => n.uid).sort())
    expect(Object.keys(operators)).toEqual(jasmine.arrayContaining(['split#1', 'splitBy#1']))
    expect(Object.keys(operators['split#1'] as object).sort()).toEqual(['format', 'kind', 'version'])
    expect(Object.keys(operators['splitBy#1'] as object).sort()).toEqual(['format', 'kind', 'version'])
  })

  it('marks as stateful exactly the operators whose checkpoint snapshot holds state', async () => {
    const store = ds.memoryStore()
    const committed: number[] = []
    const job = ds.execute(
      env => {
        const keyed = enter(env, 'a').pipe(ds.keyBy(n => n % 2, { uid: 'k' }))
        const shared = enter(env, 'b').pipe(ds.keyBy(n => n % 2, { uid: 'bk' }), share())
        return merge(
          keyed.pipe(
            ds.mapValues((n: number) => n, { uid: 'map' }),
            ds.filterValues((n: number) => n > 0, { uid: 'filter' }),
            ds.flatMapValues((n: number) => [n], { uid: 'flat' }),
            ds.unionWith(enter(env, 'c'), { uid: 'union' }),
            ds.keyBy(n => n % 2, { uid: 'k2' }),
            ds.intervalJoinWith(shared, { uid: 'interval' }).between(-5, 5).process<number, number>((l, r, _ctx, out) => out.collect(l + r)),
            ds.keyBy(n => n % 3, { uid: 'k3' }),
            ds.keyedProcess<number, number, number>({ processElement: (n, _ctx, out) => out.collect(n) }, { uid: 'keyed-process' }),
            ds.processElements<number, number, number>({ processElement: (n, _ctx, out) => out.collect(n) }, { uid: 'process' }),
            ds.asyncWait(async (n: number) => n, { uid: 'async' }),
            ds.connectWith(shared, { uid: 'connect' }).map(
              (n: number) => n,
              (n: number) => n
            ),
            ds.windowAll(ds.tumblingEventTimeWindows(2), { uid: 'window' }).reduce<number>((x, y) => x + y),
            ds.sinkTo(
              ds.transactionalSink<number, number[]>({
                beginTransaction: () => [],
                write: (txn, n) => void txn.push(n),
                preCommit: () => {},
                commit: txn => void committed.push(...txn),
                abort: () => {}
              }),
              { uid: 'two-phase' }
            )
          ),
          enter(env, 'd').pipe(ds.sinkTo(() => {}, { uid: 'plain-sink' }))
        )
      },
      { jobId: 'stateful', checkpointing: { store }, ...quiet }
    )
    const graph = await graphOf(job)
    const [last] = (await store.list('stateful')).slice(-1)
    const checkpoint = decodeCheckpoint(store.description, last!, await store.get('stateful', last!.checkpointId))
    const holdsState = (uid: string): boolean => Object.keys(checkpoint.operators[uid] as object).some(k => !['format', 'version', 'kind'].includes(k))
    expect(Object.keys(checkpoint.operators).sort()).toEqual(graph.nodes.map(n => n.uid).sort())
    expect(graph.nodes.map(n => [n.uid, n.stateful])).toEqual(graph.nodes.map(n => [n.uid, holdsState(n.uid)]))
    // Both kinds are there: a check that cannot fail one way would prove nothing.
    expect(graph.nodes.filter(n => n.stateful).map(n => n.uid).sort()).toEqual(
      ['a', 'a-ts', 'async', 'b', 'b-ts', 'c', 'c-ts', 'd', 'd-ts', 'interval', 'keyed-process', 'process', 'two-phase', 'window'].sort()
    )
  })

  it('names operators without a uid by kind and place, as the job does', async () => {
    const graph = await graphOf(ds.execute(env => env.fromArray([1, 2]).pipe(ds.assignTimestampsAndWatermarks(strategy), ds.mapValues((n: number) => n), ds.mapValues((n: number) => n)), quiet))
    expect(graph.nodes.map(n => n.uid)).toEqual(['fromArray#1', 'assignTimestampsAndWatermarks#1', 'mapValues#2', 'mapValues#1'])
  })

  it('gives plain data with toJSON, a copy the caller may change, that JSON round-trips', async () => {
    const graph = await graphOf(ds.execute(env => enter(env, 'a').pipe(ds.unionWith(enter(env, 'b'), { uid: 'u' })), { jobId: 'plain' }))
    const json = graph.toJSON()
    expect(JSON.parse(JSON.stringify(graph))).toEqual(json)
    expect(json).toEqual({ jobId: 'plain', nodes: graph.nodes, edges: graph.edges })
    expect(Object.getPrototypeOf(json.nodes[0])).toBe(Object.prototype)
    ;(json.nodes[4]!.inputs as (string | null)[]).push('x')
    expect(graph.nodes[4]!.inputs).toEqual(['a-ts', 'b-ts'])
    expect(graph.toJSON()).toEqual(JSON.parse(JSON.stringify(graph)))
  })
})
