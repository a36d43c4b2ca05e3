import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * The floors of the house, as docs/ARCHITECTURE.md draws them: each production folder and the
 * folders it may import from. Everything not listed is forbidden, so a new upward import fails here
 * instead of quietly closing a cycle.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: [],
  ixit: ['core'],
  catalog: ['core', 'ixit'],
  profile: ['core', 'ixit'],
  fixtures: ['core'],
  adapters: ['core', 'ixit', 'profile'],
  emulator: ['core', 'profile', 'fixtures'],
  bench: ['core', 'profile'],
  harness: ['core', 'ixit', 'catalog', 'profile', 'fixtures', 'adapters', 'emulator', 'bench'],
  suites: ['core', 'ixit', 'catalog', 'profile', 'fixtures', 'adapters', 'emulator', 'bench', 'harness'],
  reports: ['core', 'ixit', 'catalog', 'profile', 'harness'],
  // Sealing a run folder and checking it later: hashes, signatures, the manifest.
  pack: ['core', 'fixtures'],
  // The assessor workflow: finds what a run left to a person and records the answers.
  decide: ['core', 'ixit', 'harness', 'reports'],
  // Several runs of one DUT as one assessment: folds cases and groups with the harness's aggregation.
  merge: ['core', 'ixit', 'catalog', 'harness'],
  // A rig's expected results: read against the edition's catalog, compared with a run's results.
  baseline: ['core', 'ixit', 'catalog'],
  // Supplier documents in their own formats: read into IXIT and ICS documents, written back as pro-formas.
  proforma: ['core', 'ixit', 'catalog'],
  // The reference device is a device: it may share the vocabulary, the public image format and
  // PKI helpers, and it writes profiles in the public profile format (types only).
  sim: ['core', 'fixtures'],
  cli: [
    'core',
    'ixit',
    'catalog',
    'profile',
    'fixtures',
    'adapters',
    'emulator',
    'bench',
    'harness',
    'suites',
    'reports',
    'merge',
    'decide',
    'proforma',
    'pack',
    'baseline',
    'sim',
  ],
}

/** Type-only imports sim may make: the shape of the profile documents it writes. */
const SIM_TYPES = [/^profile\//, /^adapters\/[^/]+\/profile\.ts$/, /^adapters\/registry\.ts$/]

interface Edge {
  from: string
  to: string
  typeOnly: boolean
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path)
    return path.endsWith('.ts') ? [path] : []
  })
}

function importsOf(file: string): Edge[] {
  const text = readFileSync(join(ROOT, file), 'utf8')
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  const edges: Edge[] = []
  const add = (spec: string, typeOnly: boolean) => {
    if (spec.startsWith('.')) edges.push({ from: file, to: normalize(join(dirname(file), spec)), typeOnly })
  }
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause
      const allTypes =
        clause?.isTypeOnly === true ||
        (clause !== undefined &&
          clause.name === undefined &&
          clause.namedBindings !== undefined &&
          ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.every((e) => e.isTypeOnly))
      add(node.moduleSpecifier.text, allTypes)
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true)
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments
      if (arg && ts.isStringLiteral(arg)) add(arg.text, false)
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return edges
}

const folderOf = (path: string): string => path.split('/')[0]!

const edges = Object.keys(MAY_IMPORT).flatMap((folder) => sources(folder).flatMap(importsOf))

describe('the floors of the house', () => {
  it('finds the imports it judges', () => {
    // Guards the parser itself: a regression that found nothing would make every check below pass.
    expect(edges.filter((e) => folderOf(e.from) === 'suites' && folderOf(e.to) === 'harness').length).toBeGreaterThan(20)
    expect(edges.some((e) => e.from === 'sim/profile.ts' && e.typeOnly)).toBe(true)
  })

  it('every cross-folder import points to a folder below', () => {
    const wrong = edges.filter((e) => {
      const from = folderOf(e.from)
      const to = folderOf(e.to)
      if (from === to) return false
      if (from === 'sim' && e.typeOnly && SIM_TYPES.some((re) => re.test(relative('.', e.to)))) return false
      return !MAY_IMPORT[from]!.includes(to)
    })
    expect(wrong.map((e) => `${e.from} -> ${e.to}${e.typeOnly ? ' (type)' : ''}`)).toEqual([])
  })

  it('the allowed directions themselves form no cycle', () => {
    const state = new Map<string, 'visiting' | 'done'>()
    const cycle: string[] = []
    const visit = (folder: string, path: string[]): void => {
      if (state.get(folder) === 'done') return
      if (state.get(folder) === 'visiting') {
        cycle.push([...path, folder].join(' -> '))
        return
      }
      state.set(folder, 'visiting')
      for (const next of MAY_IMPORT[folder] ?? []) visit(next, [...path, folder])
      state.set(folder, 'done')
    }
    for (const folder of Object.keys(MAY_IMPORT)) visit(folder, [])
    expect(cycle).toEqual([])
  })

  it('the ground floor imports nothing of the project', () => {
    expect(edges.filter((e) => folderOf(e.from) === 'core' && folderOf(e.to) !== 'core')).toEqual([])
  })
})
