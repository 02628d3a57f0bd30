/**
 * Whether state writes are checked against their descriptors' codecs: a value that the codec
 * rejects (a string written to `valueState('count', t.number)`) is an error at the write, not a
 * checkpoint that cannot be restored later. The check costs a codec's `is` per write, so it is
 * on in development and off in production builds, by `process.env.NODE_ENV`, unless
 * {@link setStateValidation} says otherwise.
 *
 * @since 0.1.0
 */

/** What `setStateValidation` set; `undefined`: follow NODE_ENV. */
let explicit: boolean | undefined = undefined

/**
 * Turns the codec check of every state write on or off for operators created from now on,
 * whatever `NODE_ENV` says; `undefined` goes back to `NODE_ENV` (off when it is `production`).
 * For a production build whose bundler does not replace `process.env.NODE_ENV`, or to keep
 * the checks in production.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * ds.setStateValidation(false) // production: trust the writes
 * ds.setStateValidation(undefined) // back to NODE_ENV
 *
 * @category state
 * @since 0.1.0
 */
export function setStateValidation(enabled: boolean | undefined): void {
  if (enabled !== undefined && typeof enabled !== 'boolean') throw new TypeError(`setStateValidation: expected true, false or undefined, not ${typeof enabled}`)
  explicit = enabled
}

/** @internal Whether operators created now check their state writes. */
export function validatesStateWrites(): boolean {
  return explicit ?? nodeEnv() !== 'production'
}

/**
 * `process.env.NODE_ENV`, written out in full so that bundlers substitute it (webpack's
 * DefinePlugin, Vite, esbuild's `define`, Rollup's replace plugin all match this text). Where
 * nothing substituted it and there is no `process` (a browser), reading it throws: development.
 */
function nodeEnv(): string | undefined {
  try {
    return process.env.NODE_ENV
  } catch {
    return undefined
  }
}

// Node's `process` where there is one; the module must not need Node's types to compile.
declare const process: { readonly env: { readonly NODE_ENV?: string } }
