/**
 * Every export of the three entry points carries a TSDoc comment with an `@example` (the
 * public-API rule). Read with the TypeScript compiler API from the sources.
 */
import { join } from 'node:path'
import ts from 'typescript'

const ROOT = join(__dirname, '..', '..', '..')
const ENTRIES = ['src/index.ts', 'marbles/index.ts', 'node/index.ts']

function undocumentedExports(entry: string): string[] {
  const file = join(ROOT, entry)
  const program = ts.createProgram([file], { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, skipLibCheck: true })
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(file)
  if (source === undefined) throw new Error(`cannot read ${entry}`)
  const moduleSymbol = checker.getSymbolAtLocation(source)
  if (moduleSymbol === undefined) throw new Error(`${entry} is not a module`)
  const missing: string[] = []
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    const declarations = symbol.declarations ?? []
    // An `@example` tag (fp-ts style) or an `## Example` section (RxJS style) both count.
    const documented = declarations.some(
      d =>
        ts.getJSDocTags(d).some(tag => tag.tagName.text === 'example') ||
        ts.getJSDocCommentsAndTags(d).some(c => ts.isJSDoc(c) && /^## Example/m.test(ts.getTextOfJSDocComment(c.comment) ?? ''))
    )
    if (!documented) missing.push(exported.name)
  }
  return missing
}

describe('public API documentation', () => {
  for (const entry of ENTRIES) {
    it(`every export of ${entry} has TSDoc with an example`, () => {
      expect(undocumentedExports(entry)).withContext("undocumented").toEqual([])
    })
  }
})
