/**
 * Whether state writes are checked against their codecs: on in development, off in production
 * builds, and what `ds.setStateValidation` says over both. Production is read from
 * `process.env.NODE_ENV` in the form bundlers substitute, so the built package is bundled here
 * with esbuild as an application would be, and run where there is no `process` (a browser).
 */
import { buildSync } from 'esbuild'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import * as t from 'io-ts'
import * as ds from '../../src/index'

const ROOT = join(__dirname, '../../..')

/** Whether writing a string to number state fails the pipeline. */
function writeIsChecked(): boolean {
  const n = ds.valueState('n', t.number)
  let failed = false
  ds.fromRecords([ds.streamRecord('not a number' as unknown as number, 1, 'k')])
    .pipe(
      ds.keyBy(() => 'k'),
      ds.keyedProcess<string, number, never>({ processElement: (v, ctx) => ctx.state(n).update(v) })
    )
    .subscribe({ error: () => (failed = true) })
  return failed
}

/** The same check in an application bundled from the built package with `define`, run without `process`. */
function bundledWriteIsChecked(define: Record<string, string>): boolean {
  const entry = `
    import * as t from 'io-ts'
    import * as ds from './dist/esm/index.mjs'
    const n = ds.valueState('n', t.number)
    globalThis.failed = false
    ds.fromRecords([ds.streamRecord('not a number', 1, 'k')])
      .pipe(ds.keyBy(() => 'k'), ds.keyedProcess({ processElement: (v, ctx) => ctx.state(n).update(v) }))
      .subscribe({ error: () => { globalThis.failed = true } })
  `
  const bundle = buildSync({ stdin: { contents: entry, resolveDir: ROOT, loader: 'js' }, bundle: true, format: 'iife', platform: 'browser', write: false, define, logLevel: 'silent' })
  const context: { failed?: boolean; setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout } = { setTimeout, clearTimeout }
  runInNewContext(bundle.outputFiles[0]!.text, context)
  return context.failed === true
}

describe('state write validation', () => {
  afterEach(() => ds.setStateValidation(undefined))

  it('is on by default outside production, and setStateValidation turns it off and on', () => {
    expect(writeIsChecked()).toBeTrue()
    ds.setStateValidation(false)
    expect(writeIsChecked()).toBeFalse()
    ds.setStateValidation(true)
    expect(writeIsChecked()).toBeTrue()
    ds.setStateValidation(undefined)
    expect(writeIsChecked()).toBeTrue()
    expect(() => ds.setStateValidation('no' as unknown as boolean)).toThrowError(TypeError, /expected true, false or undefined/)
  })

  it('follows NODE_ENV as a bundler substitutes it: off in a production bundle, on in a bundle without process', () => {
    expect(bundledWriteIsChecked({ 'process.env.NODE_ENV': '"production"' })).toBeFalse()
    expect(bundledWriteIsChecked({ 'process.env.NODE_ENV': '"development"' })).toBeTrue()
    // Nothing substituted and no process (a browser without a bundler's define): development.
    expect(bundledWriteIsChecked({})).toBeTrue()
  })
})
