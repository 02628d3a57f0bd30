// Builds the three public entries of rx-datastream, matching the `exports` map of package.json:
//
//   entry    source             ESM                  CJS                  types
//   index    src/index.ts       dist/esm/index.mjs   dist/cjs/index.cjs   dist/types/index.d.{mts,cts}
//   marbles  marbles/index.ts   dist/esm/marbles.mjs dist/cjs/marbles.cjs dist/types/marbles.d.{mts,cts}
//   node     node/index.ts      dist/esm/node.mjs    dist/cjs/node.cjs    dist/types/node.d.{mts,cts}
//
// Code shared by several entries goes to `chunks/` beside them. Every package and every Node
// builtin stays external. The build fails when the browser-safe root entry (`index`, and every
// module or chunk it loads, transitively) reaches a Node builtin, or when the bundle imports a
// package that is not a dependency of rx-datastream.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import typescript from '@rollup/plugin-typescript'
import { transformSync } from 'esbuild'
import { dts } from 'rollup-plugin-dts'

const root = fileURLToPath(new URL('.', import.meta.url))
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'))

const input = {
  index: 'src/index.ts',
  marbles: 'marbles/index.ts',
  node: 'node/index.ts'
}
/** The entry that browsers load: it must never reach a Node builtin. */
const BROWSER_SAFE_ENTRY = 'index'

// ---- module classification ----

const builtins = new Set(builtinModules)
/** `node:fs`, `fs`, `fs/promises`, … */
const isNodeBuiltin = (id) => id.startsWith('node:') || builtins.has(id)
/** A bare specifier: a package or a builtin, never a file of ours. */
const isBare = (id) => !id.startsWith('.') && !id.startsWith('\0') && !isAbsolute(id)
const packageName = (id) => id.split('/').slice(0, id.startsWith('@') ? 2 : 1).join('/')
const allowedPackages = new Set([
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.peerDependencies ?? {})
])

const show = (id) => (isBare(id) ? id : relative(root, id).split('\\').join('/'))

/**
 * Fails the build (with the chain of modules or chunks that leads there) when the browser-safe
 * entry reaches a Node builtin, and when any entry imports a package that is not a dependency.
 */
function packageGuard() {
  return {
    name: 'rx-datastream-package-guard',

    buildEnd(error) {
      if (error) return
      const problems = []

      // Every bare import of the bundle must be a builtin or a declared dependency.
      for (const id of this.getModuleIds()) {
        const info = this.getModuleInfo(id)
        if (!info?.isExternal || isNodeBuiltin(id)) continue
        if (!allowedPackages.has(packageName(id))) {
          const importers = info.importers.concat(info.dynamicImporters).map(show).join(', ')
          problems.push(
            `'${id}' (imported by ${importers}) is not in the dependencies of package.json: ` +
              'the published package could not load it.'
          )
        }
      }

      // The root entry's module graph, transitively, static and dynamic imports.
      const entryId = resolve(root, input[BROWSER_SAFE_ENTRY])
      const parent = new Map([[entryId, null]])
      const queue = [entryId]
      while (queue.length > 0) {
        const id = queue.shift()
        const info = this.getModuleInfo(id)
        if (!info) continue
        if (info.isExternal) {
          if (isNodeBuiltin(id)) problems.push(builtinMessage('module', chainTo(parent, id).map(show)))
          continue
        }
        for (const next of [...info.importedIds, ...info.dynamicallyImportedIds]) {
          if (!parent.has(next)) {
            parent.set(next, id)
            queue.push(next)
          }
        }
      }

      if (problems.length > 0) this.error(problems.join('\n\n'))
    },

    // The same rule on the emitted chunks: the root entry chunk and every chunk it loads.
    generateBundle(options, bundle) {
      const chunks = Object.values(bundle).filter((c) => c.type === 'chunk')
      const entry = chunks.find((c) => c.isEntry && c.name === BROWSER_SAFE_ENTRY)
      if (!entry) return
      const parent = new Map([[entry.fileName, null]])
      const queue = [entry.fileName]
      const problems = []
      while (queue.length > 0) {
        const fileName = queue.shift()
        const chunk = bundle[fileName]
        if (!chunk) {
          if (isNodeBuiltin(fileName)) {
            const importer = bundle[parent.get(fileName)]
            const culprits = importer.moduleIds.filter((m) => {
              const info = this.getModuleInfo(m)
              return info && [...info.importedIds, ...info.dynamicallyImportedIds].includes(fileName)
            })
            const chain = chainTo(parent, fileName)
            chain[chain.length - 2] += ` (from ${culprits.map(show).join(', ') || 'a module of it'})`
            problems.push(builtinMessage(`${options.format} chunk`, chain))
          }
          continue
        }
        for (const next of [...chunk.imports, ...chunk.dynamicImports]) {
          if (!parent.has(next)) {
            parent.set(next, fileName)
            queue.push(next)
          }
        }
      }
      if (problems.length > 0) this.error(problems.join('\n\n'))
    }
  }
}

function chainTo(parent, id) {
  const chain = []
  for (let at = id; at !== null && at !== undefined; at = parent.get(at)) chain.unshift(at)
  return chain
}

function builtinMessage(what, chain) {
  return (
    `the browser-safe entry '${input[BROWSER_SAFE_ENTRY]}' (rx-datastream) reaches the Node builtin ` +
    `'${chain[chain.length - 1]}' through this ${what} chain:\n    ${chain.join('\n -> ')}\n` +
    `Node-only code belongs behind 'rx-datastream/node' (node/index.ts).`
  )
}

/** Unresolved imports and missing exports are errors; the rest is printed as usual. */
function onwarn(warning, warn) {
  if (['UNRESOLVED_IMPORT', 'MISSING_EXPORT'].includes(warning.code)) {
    throw new Error(warning.message)
  }
  warn(warning)
}

/**
 * Deletes the files of the output folders that this build did not write (chunks of an older
 * build: their names carry a hash), once every output is written. dist/ is never emptied
 * first, so code reading it while a build runs never finds it missing.
 */
function pruneStaleOutputs() {
  const written = new Map() // output dir -> file names written there
  return {
    name: 'rx-datastream-prune-stale-outputs',
    writeBundle(options, bundle) {
      const dir = resolve(root, options.dir)
      const files = written.get(dir) ?? new Set()
      for (const fileName of Object.keys(bundle)) files.add(resolve(dir, fileName))
      written.set(dir, files)
    },
    closeBundle() {
      for (const [dir, files] of written) {
        if (!existsSync(dir)) continue
        for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
          const file = join(entry.parentPath ?? entry.path, entry.name)
          if (entry.isFile() && !files.has(file)) rmSync(file, { force: true })
        }
      }
      written.clear()
    }
  }
}

/**
 * Takes the comments that stand on lines of their own out of the JS bundles (the declarations
 * carry the docs), keeping the `#__PURE__` annotations. The cut is made by line, so it is checked:
 * the bundle minified must be the same code before and after, or a string that looked like a
 * comment was cut and the build fails.
 */
function stripComments() {
  const minified = (code) => transformSync(code, { loader: 'js', minify: true, legalComments: 'none' }).code
  return {
    name: 'rx-datastream-strip-comments',
    renderChunk(code, chunk) {
      const stripped = code
        .replace(/^[ \t]*\/\*(?!\s*[#@]__PURE__)(?:[^*]|\*(?!\/))*\*\/[ \t]*\n/gm, '')
        .replace(/^[ \t]*\/\/.*\n/gm, '')
      if (minified(stripped) !== minified(code)) this.error(`${chunk.fileName}: taking comments out would change its code`)
      return { code: stripped, map: null }
    }
  }
}

export default [
  {
    input,
    external: isBare,
    plugins: [
      typescript({
        tsconfig: './tsconfig.build.json',
        // Do not ship code that does not type-check.
        noEmitOnError: true,
        outDir: undefined,
        outputToFilesystem: false,
        // TypeScript's removeComments would also strip the `#__PURE__` annotations that let an
        // application's bundler drop top-level codecs it never uses; stripComments() below
        // takes the doc comments out instead.
        removeComments: false
      }),
      packageGuard(),
      stripComments(),
      pruneStaleOutputs()
    ],
    onwarn,
    output: [
      {
        dir: 'dist/esm',
        format: 'es',
        entryFileNames: '[name].mjs',
        chunkFileNames: 'chunks/[name]-[hash].mjs'
      },
      {
        dir: 'dist/cjs',
        format: 'cjs',
        entryFileNames: '[name].cjs',
        chunkFileNames: 'chunks/[name]-[hash].cjs',
        exports: 'named',
        interop: 'auto'
      }
    ]
  },
  {
    input,
    external: isBare,
    plugins: [dts({ tsconfig: './tsconfig.build.json' }), pruneStaleOutputs()],
    onwarn,
    output: [
      {
        dir: 'dist/types',
        format: 'es',
        entryFileNames: '[name].d.mts',
        chunkFileNames: 'chunks/[name]-[hash].d.mts'
      },
      {
        dir: 'dist/types',
        format: 'es',
        entryFileNames: '[name].d.cts',
        chunkFileNames: 'chunks/[name]-[hash].d.cts'
      }
    ]
  }
]
