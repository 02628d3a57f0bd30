/**
 * The BUILT package (dist/, from `npm run build`), loaded by name through its `exports` map, as
 * users load it: from ESM (`import()`) and from CommonJS (`require`). Checks that both formats
 * work and agree, that every file the exports map names exists, and that the browser-safe
 * root bundle never loads a Node builtin.
 *
 * Only the stable core is exercised here (src/StreamElement.ts, src/OutputTag.ts,
 * node/index.ts); each module's own behaviour is specified next to it. The values the root
 * entry exports are pinned, and runtime internals must stay out of it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { lastValueFrom, toArray } from 'rxjs'

type Root = typeof import('rx-datastream')
type NodeEntry = typeof import('rx-datastream/node')

const ROOT = resolve(__dirname, '../../..')
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string
  exports: Record<string, unknown>
  main: string
  module: string
  types: string
}

const ENTRIES = ['rx-datastream', 'rx-datastream/marbles', 'rx-datastream/node'] as const

/**
 * The values the root entry exports: what a pipeline is written with. A new export is a
 * decision about the public API, so it is listed here on purpose.
 */
const ROOT_VALUES = [
  'ACTIVE', 'CheckpointStoreError', 'DEFAULT_MAX_PARALLELISM', 'DataStreamError', 'END_OF_TIME', 'ElementError', 'GLOBAL_WINDOW', 'IDLE', 'KeyError',
  'MAX_WATERMARK', 'NO_TIMESTAMP', 'OutputTag', 'StateError', 'TimeoutError', 'TimestampError', 'UserFunctionError',
  'WatermarkError', 'WatermarkStrategy', 'WindowedStream', 'aggregatingState', 'assignTimestampsAndWatermarks',
  'asyncWait', 'boundedOutOfOrdernessGenerator', 'broadcast', 'checkpointBarrier', 'coGroupWith', 'connectWith',
  'continuousEventTimeTrigger', 'continuousProcessingTimeTrigger', 'countEvictor', 'countTrigger', 'countWindow',
  'countWindowAll', 'cover', 'deltaEvictor', 'deltaTrigger', 'enableTimeToLive', 'endOfInputTrigger',
  'eventTimeSessionWindows', 'eventTimeSessionWindowsWithDynamicGap', 'eventTimeTrigger', 'eventTimeTriggerWithEarlyFirings', 'exponentialBackoffRetry',
  'filterValues', 'fixedDelayRetry', 'flatMapValues', 'fromRecords', 'globalWindows', 'hasTimestamp', 'indexedDbStore', 'intersects',
  'intervalJoinWith', 'isCheckpointBarrier', 'isFire', 'isPurge', 'isRecord', 'isSideRecord', 'isStreamStatus',
  'isWatermark', 'joinWith', 'keyBy', 'keyedProcess', 'listState', 'mainOutput', 'mapState', 'mapValues',
  'maxTimestamp', 'memoryStore', 'neverTrigger', 'noWatermarksGenerator', 'processElements', 'processingTimeSessionWindows',
  'processingTimeSessionWindowsWithDynamicGap', 'processingTimeTrigger', 'purgingTrigger', 'records',
  'reducingState', 'sideOutput', 'sideRecord', 'slidingEventTimeWindows', 'slidingProcessingTimeWindows', 'split', 'splitBy',
  'stateTtlConfig', 'streamRecord', 'streamStatus', 'timeEvictor', 'timeWindow', 'tumblingEventTimeWindows',
  'tumblingProcessingTimeWindows', 'unionWith', 'valueState', 'values', 'watermark', 'windowAll', 'windowBy',
  'windowStart', 'withIdleness', 'execute', 'transactionalSink', 'sinkTo', 'cancelCheckpointMarker', 'isCancelCheckpointMarker',
  'listSavepoints', 'deleteSavepoint', 'withSchemaVersion', 'setStateValidation', 'upsertSink',
  'toMermaid', 'toDot', 'HyperLogLog', 'hyperLogLogCodec', 'approximateDistinctCount', 'heapStateBackend'
].sort()

/** Runtime machinery that the root entry once exported and must not again. */
const RUNTIME_INTERNALS = [
  'InternalTimerService',
  'StatusWatermarkValve',
  'assignToKeyGroup',
  'computeDefaultMaxParallelism',
  'UPPER_BOUND_MAX_PARALLELISM'
]

/** Export names, without the CJS interop marker. */
const names = (mod: object): string[] => Object.keys(mod).filter((k) => k !== '__esModule').sort()

/** Module specifiers in a bundle file: static and dynamic imports, re-exports, require calls. */
function specifiers(code: string): string[] {
  const found: string[] = []
  const patterns = [
    /\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g
  ]
  for (const re of patterns) for (const m of code.matchAll(re)) found.push(m[1] as string)
  return found
}

/** Every bundle file an entry file loads, transitively, and every bare specifier they use. */
function bundleGraph(entryFile: string): { files: string[]; bare: Map<string, string> } {
  const files: string[] = []
  const bare = new Map<string, string>() // specifier -> first file using it
  const queue = [entryFile]
  while (queue.length > 0) {
    const file = queue.shift() as string
    if (files.includes(file)) continue
    files.push(file)
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec))
      else if (!bare.has(spec)) bare.set(spec, file)
    }
  }
  return { files, bare }
}

describe('the built package (rx-datastream)', () => {
  describe('exports map', () => {
    it('points at files that exist, for every entry and condition', () => {
      const targets: string[] = []
      const collect = (v: unknown): void => {
        if (typeof v === 'string') targets.push(v)
        else if (v && typeof v === 'object') Object.values(v).forEach(collect)
      }
      collect(pkg.exports)
      targets.push(pkg.main, pkg.module, pkg.types)
      expect(targets.length).toBeGreaterThan(12)
      const missing = targets.filter((t) => !existsSync(join(ROOT, t)))
      expect(missing).withContext('run `npm run build` first').toEqual([])
    })

    it('resolves each entry by name to the ESM and CJS bundles', () => {
      expect(require.resolve('rx-datastream')).toBe(join(ROOT, 'dist/cjs/index.cjs'))
      expect(require.resolve('rx-datastream/marbles')).toBe(join(ROOT, 'dist/cjs/marbles.cjs'))
      expect(require.resolve('rx-datastream/node')).toBe(join(ROOT, 'dist/cjs/node.cjs'))
      expect(pkg.name).toBe('rx-datastream')
    })
  })

  describe('from ESM (import)', () => {
    it('builds stream elements', async () => {
      const ds = await import('rx-datastream')
      const r = ds.streamRecord('a', 1)
      expect<unknown>(r).toEqual({ _tag: 'Record', value: 'a', timestamp: 1, key: undefined })
      expect('key' in r).toBeTrue()
      expect(ds.streamRecord('b', 2, 'k')).toEqual({ _tag: 'Record', value: 'b', timestamp: 2, key: 'k' })
      expect(ds.streamRecord('c').timestamp).toBe(ds.NO_TIMESTAMP)
      expect(ds.watermark(5)).toEqual({ _tag: 'Watermark', timestamp: 5 })
      expect(ds.MAX_WATERMARK.timestamp).toBe(Infinity)
      expect(ds.isRecord(r)).toBeTrue()
      expect(ds.isWatermark(r)).toBeFalse()
      expect(ds.streamStatus(true)).toBe(ds.IDLE)
      expect(ds.checkpointBarrier(3, 10)).toEqual({ _tag: 'CheckpointBarrier', checkpointId: 3, timestamp: 10, kind: 'checkpoint' })
    })

    it('exports OutputTag and side records', async () => {
      const ds = await import('rx-datastream')
      const late = new ds.OutputTag<number>('late')
      expect(late.equals(new ds.OutputTag<number>('late'))).toBeTrue()
      expect(ds.sideRecord(late, 42, 7)).toEqual({ _tag: 'SideRecord', tag: late, value: 42, timestamp: 7 })
      expect(() => new ds.OutputTag<number>('')).toThrowError(TypeError)
    })

    it('loads rx-datastream/marbles', async () => {
      const marbles = await import('rx-datastream/marbles')
      expect(names(marbles).length).toBeGreaterThan(0)
    })
  })

  describe('from CommonJS (require)', () => {
    it('builds stream elements', () => {
      const ds: Root = require('rx-datastream')
      expect<unknown>(ds.streamRecord('a', 1)).toEqual({ _tag: 'Record', value: 'a', timestamp: 1, key: undefined })
      expect(ds.isSideRecord(ds.sideRecord(new ds.OutputTag<string>('t'), 'x'))).toBeTrue()
      expect(ds.hasTimestamp(ds.streamRecord('x'))).toBeFalse()
    })

    it('loads rx-datastream/marbles', () => {
      expect(names(require('rx-datastream/marbles')).length).toBeGreaterThan(0)
    })
  })

  describe('ESM and CJS', () => {
    for (const entry of ENTRIES) {
      it(`expose the same export names for ${entry}`, async () => {
        const esm: object = await import(entry)
        const cjs: object = require(entry)
        expect(names(cjs)).toEqual(names(esm))
        expect(names(esm).length).toBeGreaterThan(0)
      })
    }

    it('agree on what they build (output tags are equal across formats by id)', async () => {
      const esm = await import('rx-datastream')
      const cjs: Root = require('rx-datastream')
      expect(cjs.streamRecord('v', 3, 'k')).toEqual(esm.streamRecord('v', 3, 'k'))
      expect(new esm.OutputTag('same').equals(new cjs.OutputTag('same'))).toBeTrue()
    })
  })

  describe('the root entry', () => {
    it('exports exactly the values a pipeline is written with, from ESM and from CJS', async () => {
      expect(names(await import('rx-datastream'))).toEqual(ROOT_VALUES)
      expect(names(require('rx-datastream'))).toEqual(ROOT_VALUES)
    })

    it('exports none of the runtime internals', async () => {
      const esm = names(await import('rx-datastream'))
      const cjs = names(require('rx-datastream'))
      for (const internal of RUNTIME_INTERNALS) {
        expect(esm).withContext('ESM').not.toContain(internal)
        expect(cjs).withContext('CJS').not.toContain(internal)
      }
    })
  })

  describe('rx-datastream/node', () => {
    let dir: string
    beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'rx-datastream-exports-'))))
    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    it('reads file lines from ESM and from CJS', async () => {
      const path = join(dir, 'lines.txt')
      writeFileSync(path, 'x\r\ny\n')
      const esm = await import('rx-datastream/node')
      const cjs: NodeEntry = require('rx-datastream/node')
      expect(await lastValueFrom(esm.fileLines(path).pipe(toArray()))).toEqual(['x', 'y'])
      expect(await lastValueFrom(cjs.fileLines(path).pipe(toArray()))).toEqual(['x', 'y'])
    })

    it('makes the LMDB state backend from ESM and from CJS, loading lmdb only then', async () => {
      const esm = await import('rx-datastream/node')
      const cjs: NodeEntry = require('rx-datastream/node')
      for (const entry of [esm, cjs]) {
        const backend = await entry.lmdbStateBackend(join(dir, 'state'))
        expect(backend.name).toBe('lmdb')
      }
      // The bundles import lmdb dynamically: loading the node entry never needs it.
      for (const file of ['dist/esm/node.mjs', 'dist/cjs/node.cjs']) {
        const code = readFileSync(join(ROOT, file), 'utf8')
        expect(code).withContext(file).not.toMatch(/^import .*['"]lmdb['"]|require\(['"]lmdb['"]\)/m)
        expect(code).withContext(file).toMatch(/import\(['"]lmdb['"]\)/)
      }
    })
  })

  describe('the browser-safe root bundle', () => {
    const check = (entryFile: string): void => {
      const { files, bare } = bundleGraph(join(ROOT, entryFile))
      expect(files.length).toBeGreaterThan(0)
      for (const file of files) {
        expect(existsSync(file)).withContext(file).toBeTrue()
        expect(readFileSync(file, 'utf8')).withContext(file).not.toMatch(/['"]node:[a-z_/]+['"]/)
      }
      const builtins = [...bare].filter(([spec]) => isBuiltin(spec)).map(([spec, file]) => `${spec} in ${file}`)
      expect(builtins).toEqual([])
      expect([...bare.keys()]).toContain('rxjs')
    }

    it('dist/esm/index.mjs and every chunk it imports load no Node builtin', () => {
      check('dist/esm/index.mjs')
    })

    it('dist/cjs/index.cjs and every chunk it requires load no Node builtin', () => {
      check('dist/cjs/index.cjs')
    })

    it('while the node entry does load Node builtins (the check sees them)', () => {
      const { bare } = bundleGraph(join(ROOT, 'dist/esm/node.mjs'))
      expect([...bare.keys()].filter((s) => isBuiltin(s))).toContain('node:fs')
    })
  })
})
