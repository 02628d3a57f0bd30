#!/usr/bin/env node
// Summarises a V8 CPU profile (`node --cpu-prof` → *.cpuprofile): self time per function
// (with V8's inlining: a function inlined into its caller counts as the caller) and per file,
// as a share of the profile and, optionally, of the samples inside a named function (the timed
// part, e.g. a workload's run function).
//
//   node bench/cpuprofile-top.mjs PROFILE.cpuprofile [--top N] [--within FUNCTION_NAME]
//
// --within keeps only samples whose stack contains a frame of that name (e.g. `rxDatastream`),
// so warm-up scaffolding, compilation and the exact check outside it do not count.
// (V8's per-line "position ticks" are not used: with inlining they point at the wrong lines. For
// a per-function view of small helpers, profile once more with `--no-turbo-inlining`.)
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string' }, within: { type: 'string' } }
})
if (positionals.length !== 1) {
  console.error('usage: node bench/cpuprofile-top.mjs PROFILE.cpuprofile [--top N] [--within FUNCTION_NAME]')
  process.exit(2)
}
const top = Number(flags.top ?? 25)
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'))

const byId = new Map(profile.nodes.map(n => [n.id, n]))
const parent = new Map()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

// Time per sample: timeDeltas[i] is the time since the previous sample.
const selfUs = new Map()
const deltas = profile.timeDeltas
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]
  const dt = deltas[i + 1] ?? 0
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt)
}

function inside(id, name) {
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) if (byId.get(cur).callFrame.functionName === name) return true
  return false
}

const shortUrl = url => url.replace(/^file:\/\//, '').replace(/^.*\/\.build\//, '').replace(/^.*\/node_modules\//, 'node_modules/')
const fnKey = cf => `${cf.functionName || '(anonymous)'}  ${shortUrl(cf.url)}${cf.url ? `:${cf.lineNumber + 1}` : ''}`

let total = 0
const perFn = new Map()
const perFile = new Map()
for (const [id, us] of selfUs) {
  if (flags.within !== undefined && !inside(id, flags.within)) continue
  const cf = byId.get(id).callFrame
  total += us
  const k = fnKey(cf)
  perFn.set(k, (perFn.get(k) ?? 0) + us)
  const f = cf.url ? shortUrl(cf.url) : `(${cf.functionName})`
  perFile.set(f, (perFile.get(f) ?? 0) + us)
}

const pct = us => `${((100 * us) / total).toFixed(1).padStart(5)} %`
const ms = us => `${(us / 1000).toFixed(0).padStart(7)} ms`
console.log(`${flags.within === undefined ? 'whole profile' : `samples inside ${flags.within}`}: ${(total / 1000).toFixed(0)} ms`)
console.log('\nself time by function (line numbers of the compiled .js; see its .map for the .ts)')
for (const [k, us] of [...perFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(us)} ${pct(us)}  ${k}`)
console.log('\nself time by file')
for (const [k, us] of [...perFile].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(us)} ${pct(us)}  ${k}`)

