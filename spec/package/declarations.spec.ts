/**
 * The BUILT declarations (dist/types, from `npm run build`), as a consumer's compiler reads
 * them: through the package's `exports` map, from an ES module and from a CommonJS module,
 * with `skipLibCheck` off so that an error inside the declarations is reported too (the specs
 * and snippets compile with it on). The build strips declarations marked `@internal`: what
 * it leaves must still be complete, and the runtime internals must not be in it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import ts from 'typescript'

const ROOT = resolve(__dirname, '../../..')
const TYPES = join(ROOT, 'dist/types')

/** Runtime machinery: none of it may be named by the published declarations. */
const RUNTIME_INTERNALS = [
  'InternalTimerService',
  'InternalTimer',
  'Triggerable',
  'TimerServiceOptions',
  'StatusWatermarkValve',
  'ValveOutput',
  'WindowGrid',
  'WindowSpec',
  'assignToKeyGroup',
  'computeDefaultMaxParallelism',
  'UPPER_BOUND_MAX_PARALLELISM',
  'HeapKeyedStateBackend',
  'operatorInfo'
]

/** A consumer using each entry; `ext` is `mts` (ESM) or `cts` (CommonJS). */
const consumer = (ext: 'mts' | 'cts'): string => `
import * as ds from 'rx-datastream'
import { rec, wm } from 'rx-datastream/marbles'
import { fileLines } from 'rx-datastream/node'

const domain: ds.TimeDomain = 'EVENT_TIME'
const keyed: ds.KeyedStream<string, number> = ds.fromRecords([{ value: 1, timestamp: 1 }]).pipe(ds.keyBy(() => 'k'))
const sums = keyed.pipe(ds.windowBy(ds.tumblingEventTimeWindows(10)).reduce((a, b) => a + b))
const guard: ds.NeedsKeys<string> = 0
const values = { a: rec(1, 1), w: wm(1) }
const lines = fileLines('${ext}.txt')
const lag = (m: ds.JobMetrics): number | null => m.operators['by-page']?.watermarkLag ?? null
const aligned = (e: ds.CheckpointEvent): number => e.alignmentTime

// @ts-expect-error runtime internals are not exported
ds.InternalTimerService
// @ts-expect-error nor the valve
ds.StatusWatermarkValve
// @ts-expect-error nor the key-group helpers
ds.assignToKeyGroup
// @ts-expect-error a window builder comes from windowBy, windowAll, countWindow or countWindowAll
new ds.WindowedStream()

export { aligned, domain, guard, lag, lines, sums, values }
`

/** Every declaration file of the build, recursively. */
function declarationFiles(): string[] {
  return readdirSync(TYPES, { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile() && /\.d\.[cm]ts$/.test(entry.name))
    .map(entry => join(entry.parentPath ?? entry.path, entry.name))
}

/** The identifiers a declaration file uses (its code, not its comments). */
function identifiersOf(file: string): Set<string> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true)
  const found = new Set<string>()
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) found.add(node.text)
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

describe('the built declarations (dist/types)', () => {
  let dir: string
  beforeAll(() => (dir = mkdtempSync(join(ROOT, '.build', 'declarations-consumer-'))))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('exist for every entry, as .d.mts and .d.cts', () => {
    const names = declarationFiles().map(f => f.slice(TYPES.length + 1).split('\\').join('/'))
    for (const entry of ['index', 'marbles', 'node']) {
      expect(names).toContain(`${entry}.d.mts`)
      expect(names).toContain(`${entry}.d.cts`)
    }
  })

  it('name none of the runtime internals', () => {
    for (const file of declarationFiles()) {
      const identifiers = identifiersOf(file)
      expect(RUNTIME_INTERNALS.filter(name => identifiers.has(name))).withContext(file).toEqual([])
    }
  })

  it('type-check for a consumer, from ESM and from CommonJS, with skipLibCheck off', () => {
    const consumers = (['mts', 'cts'] as const).map(ext => {
      const file = join(dir, `consumer.${ext}`)
      writeFileSync(file, consumer(ext))
      return file
    })
    const program = ts.createProgram(consumers, {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      types: ['node'],
      skipLibCheck: false,
      noEmit: true
    })
    const ours = program.getSourceFiles().filter(f => consumers.includes(f.fileName) || f.fileName.startsWith(TYPES))
    // Both consumers reach both flavours of the declarations.
    expect(ours.map(f => f.fileName)).toContain(join(TYPES, 'index.d.mts'))
    expect(ours.map(f => f.fileName)).toContain(join(TYPES, 'index.d.cts'))
    const diagnostics = [
      ...program.getGlobalDiagnostics(),
      ...program.getOptionsDiagnostics(),
      ...ours.flatMap(f => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)])
    ]
    const messages = diagnostics.map(d => {
      const where = d.file === undefined ? '' : `${d.file.fileName.slice(ROOT.length + 1)}(${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}): `
      return where + ts.flattenDiagnosticMessageText(d.messageText, '\n')
    })
    expect(messages).toEqual([])
  })
})
