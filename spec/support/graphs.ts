/**
 * Stream graphs for the specs of `toMermaid` and `toDot`: real jobs of every shape (a chain,
 * several inputs, plain RxJS in between, split), and a job whose names and uids hold everything
 * that could break a drawing, each with the lines a drawing must show for it.
 */
import { map, merge } from 'rxjs'
import * as ds from '../../src/index'

/**
 * Names that could break a Mermaid chart or a DOT file, and the label lines they must be drawn
 * as: line breaks of every kind split lines, a tab is a space, and what no label can show (a
 * control character, half a surrogate pair) is U+FFFD; everything else is shown as it is.
 */
export const NASTY: ReadonlyArray<readonly [text: string, shown: readonly string[]]> = [
  ['say "hi"', ['say "hi"']],
  ['a[b]c [[x]]', ['a[b]c [[x]]']],
  ['<b>bold</b> & <br/> <script>', ['<b>bold</b> & <br/> <script>']],
  ['line one\nline two', ['line one', 'line two']],
  ['crlf\r\nend\rcr', ['crlf', 'end', 'cr']],
  ['tab\there', ['tab here']],
  ['#35; #quot; # #', ['#35; #quot; # #']],
  ['a;b:c', ['a;b:c']],
  ['%% not a comment', ['%% not a comment']],
  ['%%{init: {"theme":"dark"}}%%', ['%%{init: {"theme":"dark"}}%%']],
  ['`markdown` **bold**', ['`markdown` **bold**']],
  ['pipe | brace {x} (y) ((z))', ['pipe | brace {x} (y) ((z))']],
  ['back\\slash \\N \\n \\G \\', ['back\\slash \\N \\n \\G \\']],
  ['&amp; &lt; &#35; &', ['&amp; &lt; &#35; &']],
  ['end', ['end']],
  ['style n0 fill:#f00;', ['style n0 fill:#f00;']],
  ['classDef x fill:#f00; click n0 call alert()', ['classDef x fill:#f00; click n0 call alert()']],
  ['a --> b -.-> c', ['a --> b -.-> c']],
  ['digraph { x -> y }', ['digraph { x -> y }']],
  ['emoji 🙂 ü 中文', ['emoji 🙂 ü 中文']],
  ['lone \uD800 half', ['lone \uFFFD half']],
  ['nul \u0000 bell \u0007 del \u007F c1 \u0085', ['nul \uFFFD bell \uFFFD del \uFFFD c1 \uFFFD']],
  ['line\u2028sep\u2029end', ['line', 'sep', 'end']]
]

/** A drawing's lines for a node: its name, then its uid (after its kind when the name is not the kind). */
export function labelLines(node: { readonly name: string; readonly kind: string; readonly uid: string }, shown: (text: string) => readonly string[]): string[] {
  const second = node.name === node.kind ? node.uid : `${node.kind} · ${node.uid}`
  return [...shown(node.name), ...shown(second)]
}

/** How `text` is drawn, from the NASTY table (plain text without line breaks is drawn as it is). */
export function shownLines(text: string): readonly string[] {
  // The longest NASTY text inside `text` (uids are `<n>:<text>`, labels `<kind> · <uid>`).
  let found: readonly [string, readonly string[]] | undefined
  for (const entry of NASTY) if (text.endsWith(entry[0]) && (found === undefined || entry[0].length > found[0].length)) found = entry
  if (found === undefined) return [text]
  const prefix = text.slice(0, text.length - found[0].length)
  return [prefix + found[1][0]!, ...found[1].slice(1)]
}

const strategy = ds.WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner(n => n)

async function run<T>(job: ds.Job<T>): Promise<ds.StreamGraph> {
  job.output$.subscribe({ error: () => {} })
  await job.done
  return job.graph
}

/** A job whose every operator is named and uid'd after a NASTY text, with several inputs and plain RxJS in between. */
/**
 * The graph of a small finished job: a chain of source, timestamps and filter, and a union with
 * a stream made outside the job (an input without an operator).
 */
export async function numbersGraph(): Promise<ds.StreamGraph> {
  const job = ds.execute(
    env =>
      env.fromArray([1, 2, 3], { uid: 'numbers' }).pipe(
        ds.assignTimestampsAndWatermarks(ds.WatermarkStrategy.noWatermarks<number>(), { uid: 'timestamps' }),
        ds.filterValues((n: number) => n % 2 === 1, { name: 'odd', uid: 'odd' }),
        ds.unionWith(ds.fromRecords([{ value: 7, timestamp: 0 }]), { uid: 'with 7' })
      ),
    { jobId: 'numbers' }
  )
  await job.done
  return job.graph
}

export function nastyGraph(): Promise<ds.StreamGraph> {
  const texts = NASTY.map(([text]) => text)
  return run(
    ds.execute(
      env => {
        const source = (i: number) =>
          env.fromArray([1, 2, 3], { name: texts[i]!, uid: `s${i}:${texts[i]!}` }).pipe(ds.assignTimestampsAndWatermarks(strategy, { name: texts[i + 1]!, uid: `t${i}:${texts[i + 1]!}`, autoWatermarkInterval: 0 }))
        let stream = source(0)
        texts.forEach((text, i) => {
          stream = stream.pipe(ds.mapValues((n: number) => n, { name: text, uid: `${i}:${text}` }))
          if (i % 7 === 3) stream = stream.pipe(ds.unionWith(source(i), { name: texts[(i + 5) % texts.length]!, uid: `u${i}:${texts[(i + 5) % texts.length]!}` }))
          if (i % 9 === 8) stream = stream.pipe(map(e => e))
        })
        return stream
      },
      { jobId: texts.join(' '), onWarning: () => {} }
    )
  )
}

/** Jobs of every shape, by what they show, with the graph a job has before it runs. */
export async function jobGraphs(): Promise<ReadonlyArray<readonly [string, ds.StreamGraph]>> {
  const enter = (env: ds.StreamExecutionEnvironment, uid: string) => env.fromArray([1, 2, 3], { uid }).pipe(ds.assignTimestampsAndWatermarks(strategy, { uid: `${uid}-ts`, autoWatermarkInterval: 0 }))
  const late = new ds.OutputTag<number>('late')
  const notStarted = ds.execute(env => env.fromArray([1]))
  notStarted.cancel()
  return [
    ['a job before it runs', notStarted.graph],
    ['a chain', await run(ds.execute(env => enter(env, 'a').pipe(ds.mapValues((n: number) => n, { uid: 'm' }), ds.keyBy(n => n, { uid: 'k' }))))],
    ['several inputs', await run(ds.execute(env => enter(env, 'a').pipe(ds.unionWith(enter(env, 'b'), { uid: 'u' }), ds.connectWith(enter(env, 'c'), { uid: 'co' }).map((n: number) => n, (n: number) => n))))],
    ['plain RxJS in between', await run(ds.execute(env => enter(env, 'a').pipe(map(e => e), ds.mapValues((n: number) => n, { uid: 'after' }))))],
    [
      'split',
      await run(
        ds.execute(env => {
          const { main$, side } = ds.split(enter(env, 'a').pipe(ds.windowAll(ds.tumblingEventTimeWindows(2), { uid: 'w' }).sideOutputLateData(late).reduce<number>((x, y) => x + y)), late)
          return merge(main$, side(late))
        })
      )
    ],
    ['nasty names', await nastyGraph()]
  ]
}
