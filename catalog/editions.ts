/**
 * The editions of the catalog. What every edition agrees on is written once in
 * `editions/base.yaml`; each `editions/<id>.yaml` says what its edition adds, removes or changes
 * (the delta language is described in `editions/README.md`). Both kinds of file are checked
 * against `schemas/edition.schema.json` before they are combined, and the combination is checked
 * again, so a data mistake stops the load with the file and place to fix instead of surfacing
 * later as a wrong verdict.
 */
import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, join, relative } from 'node:path'
import type { ErrorObject, ValidateFunction } from 'ajv'
import { newAjv } from '../core/ajv.ts'
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml'
import { Ts701Error } from '../core/errors.ts'
import { BASE_FILE, DEFAULT_EDITION, EDITIONS_DIR, listEditions } from './edition-ids.ts'
import type { CaseDef, ConditionDef, Edition, GroupDef, UnitBasis, UnitDef } from './types.ts'

export { BASE_FILE, DEFAULT_EDITION, listEditions }

const SCHEMA_FILE = new URL('./schemas/edition.schema.json', import.meta.url)

export interface EditionOptions {
  /** Where the edition files live; tests point this at a scratch copy. */
  dir?: string
}

export class UnknownEditionError extends Ts701Error {
  constructor(id: string, known: string[]) {
    super('E_EDITION', `unknown standard "${id}" (known: ${known.join(', ')})`)
  }
}

export interface EditionProblem {
  /** The file to fix, as the user would type it (relative to the working directory when inside it). */
  file: string
  /** RFC 6901 pointer into that file's data; `''` is the whole file. */
  pointer: string
  /** 1-based line the pointer leads to, when the file has it. */
  line?: number
  text: string
}

/** The catalog data itself is wrong; nothing a user's documents can cause or fix. */
export class EditionInvalidError extends Ts701Error {
  readonly problems: readonly EditionProblem[]
  constructor(
    readonly edition: string,
    problems: readonly EditionProblem[],
  ) {
    super('E_EDITION_INVALID', describe(edition, problems))
    this.problems = problems
  }
  /** The first problem's file and pointer: where to start reading. */
  get file(): string {
    return this.problems[0]?.file ?? ''
  }
  get pointer(): string {
    return this.problems[0]?.pointer ?? ''
  }
}

const MAX_LISTED = 10

function describe(edition: string, problems: readonly EditionProblem[]): string {
  const line = (p: EditionProblem) => `${p.file}${p.line ? `:${p.line}` : ''} at ${p.pointer || '/'}: ${p.text}`
  if (problems.length === 1) return `edition ${edition} has invalid catalog data: ${line(problems[0]!)}`
  const listed = problems.slice(0, MAX_LISTED).map((p) => `  ${line(p)}`)
  if (problems.length > MAX_LISTED) listed.push(`  … and ${problems.length - MAX_LISTED} more`)
  return [`edition ${edition} has invalid catalog data (${problems.length} problems):`, ...listed].join('\n')
}

const cache = new Map<string, Edition>()

export function loadEdition(id: string = DEFAULT_EDITION, options: EditionOptions = {}): Edition {
  const dir = options.dir ?? EDITIONS_DIR
  const key = `${dir}\0${id}`
  const cached = cache.get(key)
  if (cached) return cached
  const known = listEditions({ dir })
  if (!known.includes(id)) throw new UnknownEditionError(id, known)
  const edition = (options.dir === undefined && prebuilt(id)) || resolveEdition(id, dir)
  cache.set(key, edition)
  return edition
}

/**
 * The build (scripts/build.mjs) resolves and checks every bundled edition once and stores the
 * result beside the compiled module, so a compiled run reads one JSON file instead of parsing the
 * YAML and compiling the schema on every start. The sources have no such file: they resolve.
 */
export const PREBUILT_DIR = new URL('./resolved/', import.meta.url)

function prebuilt(id: string): Edition | undefined {
  const file = new URL(`${id}.json`, PREBUILT_DIR)
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Edition) : undefined
}

// --- file shapes (the schema is authoritative; these only type what passed it) ---------------

interface Removal {
  remove: true
}
interface Addition {
  add: true
  after?: string
  before?: string
}
interface Replacement {
  replace: true
}
/** How one keyed entry of an edition file treats the base item of the same ID. */
type Entry<Full, Patch> = Removal | (Full & Addition) | (Full & Replacement) | Patch

type ConditionData = Omit<ConditionDef, 'id'>
type UnitPatch = Partial<Omit<UnitDef, 'id'>>
type CasePatch = Partial<Omit<CaseDef, 'id' | 'units'>> & { units?: Record<string, UnitEntry> }
type GroupPatch = Partial<Omit<GroupDef, 'id' | 'cases'>> & { cases?: Record<string, CaseEntry> }
type UnitEntry = Entry<Omit<UnitDef, 'id'>, UnitPatch>
type CaseEntry = Entry<Omit<CaseDef, 'id'>, CasePatch>
type GroupEntry = Entry<Omit<GroupDef, 'id'>, GroupPatch>

/** Base items may leave out what the editions disagree on; the resolved check catches gaps. */
type BaseUnit = Partial<UnitDef> & { id: string }
type BaseCase = Partial<Omit<CaseDef, 'units'>> & { id: string; units: BaseUnit[] }
type BaseGroup = Partial<Omit<GroupDef, 'cases'>> & { id: string; cases: BaseCase[] }

interface BaseFile {
  conditions?: Record<string, ConditionData>
  groups: BaseGroup[]
}

interface EditionFile {
  id: string
  title: string
  unitBasis: UnitBasis
  conditions?: Record<string, ConditionData | Removal>
  groups?: Record<string, GroupEntry>
}

// --- schema -----------------------------------------------------------------------------------

interface Validators {
  edition: ValidateFunction<EditionFile>
  base: ValidateFunction<BaseFile>
  resolved: ValidateFunction<Omit<Edition, 'conditions'> & { conditions: Record<string, ConditionData> }>
}
let validators: Validators | undefined

function compiled(): Validators {
  if (!validators) {
    // Strict, as in ixit/schemas.ts, so a schema mistake fails on first use. strictRequired is
    // off because the entry variants require fields their shared field sets (via $ref) define.
    const ajv = newAjv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true })
    const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as { $id: string }
    ajv.addSchema(schema)
    const get = <T>(ref: string) => ajv.getSchema<T>(schema.$id + ref) as ValidateFunction<T>
    validators = { edition: get(''), base: get('#/$defs/base'), resolved: get('#/$defs/resolved') }
  }
  return validators
}

// --- reading ----------------------------------------------------------------------------------

type Path = readonly (string | number)[]

interface Source<T> {
  file: string
  value: T
  lineOf(path: Path): number | undefined
}

const shown = (file: string): string => {
  const rel = relative(process.cwd(), file)
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file
}

const pointer = (path: Path): string => path.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('')

const parsePointer = (p: string): string[] =>
  p === ''
    ? []
    : p
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))

function read<T>(file: string, validate: ValidateFunction<T>, edition: string): Source<T> {
  const name = shown(file)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new EditionInvalidError(edition, [{ file: name, pointer: '', text: `cannot read it (${(err as Error).message})` }])
  }
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const syntax = doc.errors[0]
  if (syntax) {
    const line = lineCounter.linePos(syntax.pos[0]).line
    throw new EditionInvalidError(edition, [{ file: name, pointer: '', line, text: `not valid YAML: ${syntax.message}` }])
  }
  const value: unknown = doc.toJS()
  const source = { file: name, value, lineOf: (path: Path) => lineOf(doc, lineCounter, path) }
  if (!validate(value)) {
    throw new EditionInvalidError(
      edition,
      schemaProblems(validate.errors ?? [], (p, text) => at(source, parsePointer(p), text)),
    )
  }
  return source as Source<T>
}

function at(source: Source<unknown>, path: Path, text: string): EditionProblem {
  const line = source.lineOf(path)
  return { file: source.file, pointer: pointer(path), ...(line ? { line } : {}), text }
}

/** The line of the deepest node on `path` that exists; a map member is placed at its key. */
function lineOf(doc: Document, lines: LineCounter, path: Path): number | undefined {
  let node: unknown = doc.contents
  let offset: number | undefined = isMap(node) || isSeq(node) ? node.range?.[0] : undefined
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc)
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment))
      if (!pair) break
      offset = isScalar(pair.key) ? pair.key.range?.[0] : offset
      node = pair.value
    } else if (isSeq(node)) {
      const item: unknown = node.items[Number(segment)]
      if (item === undefined) break
      offset = isMap(item) || isSeq(item) || isScalar(item) ? (item.range?.[0] ?? offset) : offset
      node = item
    } else {
      break
    }
  }
  return offset === undefined ? undefined : lines.linePos(offset).line
}

/** One problem per mistake, in our words; if/then wrappers only repeat what their branch said. */
function schemaProblems(
  errors: readonly ErrorObject[],
  at: (pointer: string, text: string, keyword: string) => EditionProblem,
): EditionProblem[] {
  const problems: EditionProblem[] = []
  const missing = new Map<string, string[]>()
  for (const e of errors) {
    const place = (pointer: string, text: string) => at(pointer, text, e.keyword)
    const p = e.params as Record<string, unknown>
    // The name a propertyNames subschema rejected; reported once, by the propertyNames error.
    if ((e as { propertyName?: string }).propertyName !== undefined) continue
    switch (e.keyword) {
      case 'if':
        break
      case 'required':
        missing.set(e.instancePath, [...(missing.get(e.instancePath) ?? []), `"${String(p.missingProperty)}"`])
        break
      case 'additionalProperties':
      case 'unevaluatedProperties': {
        const name = String(p.additionalProperty ?? p.unevaluatedProperty)
        problems.push(place(`${e.instancePath}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`, `"${name}" is not allowed here`))
        break
      }
      case 'propertyNames':
        problems.push(place(`${e.instancePath}/${String(p.propertyName)}`, `"${String(p.propertyName)}" is not a valid ID here`))
        break
      case 'type':
        problems.push(
          place(e.instancePath, `expected ${String(p.type).replace(',', ' or ')}, found ${JSON.stringify(e.data) ?? 'nothing'}`),
        )
        break
      case 'enum':
        problems.push(place(e.instancePath, `${JSON.stringify(e.data)} is none of ${(p.allowedValues as unknown[]).join(', ')}`))
        break
      case 'const':
        problems.push(place(e.instancePath, `can only be ${JSON.stringify(p.allowedValue)}`))
        break
      case 'pattern':
        problems.push(place(e.instancePath, `${JSON.stringify(e.data)} does not have the expected form (${String(p.pattern)})`))
        break
      case 'minLength':
        problems.push(place(e.instancePath, 'must not be empty'))
        break
      case 'minItems':
        problems.push(place(e.instancePath, `needs at least ${String(p.limit)} item(s)`))
        break
      case 'uniqueItems':
        problems.push(place(e.instancePath, 'lists an item twice'))
        break
      default:
        problems.push(place(e.instancePath, `fails the schema's "${e.keyword}" rule`))
    }
  }
  // One problem per object, however many fields it lacks: they are fixed in one place.
  for (const [pointer, names] of missing) {
    problems.push(at(pointer, `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} missing`, 'required'))
  }
  return problems
}

// --- resolving --------------------------------------------------------------------------------

function resolveEdition(id: string, dir: string): Edition {
  const v = compiled()
  const base = read(join(dir, BASE_FILE), v.base, id)
  const delta = read(join(dir, `${id}.yaml`), v.edition, id)
  const problems: EditionProblem[] = []
  const complain = (path: Path, text: string) => problems.push(at(delta, path, text))

  if (delta.value.id !== id) complain(['id'], `says "${delta.value.id}" but the file is ${id}.yaml`)

  const conditions: Record<string, ConditionData> = { ...base.value.conditions }
  for (const [cid, entry] of Object.entries(delta.value.conditions ?? {})) {
    if (!('remove' in entry)) conditions[cid] = entry
    else if (cid in conditions) delete conditions[cid]
    else complain(['conditions', cid], `${BASE_FILE} has no condition "${cid}" to remove`)
  }

  const unitLevel: Level<BaseUnit, UnitPatch> = {
    noun: 'unit',
    patch: (unit, fields) => ({ ...unit, ...fields }),
  }
  const caseLevel: Level<BaseCase, CasePatch> = {
    noun: 'case',
    patch: (c, { units, ...fields }, path) => ({ ...c, ...fields, units: apply(c.units, units, unitLevel, [...path, 'units'], complain) }),
  }
  const groupLevel: Level<BaseGroup, GroupPatch> = {
    noun: 'group',
    patch: (g, { cases, ...fields }, path) => ({ ...g, ...fields, cases: apply(g.cases, cases, caseLevel, [...path, 'cases'], complain) }),
  }
  const groups = apply(base.value.groups, delta.value.groups, groupLevel, ['groups'], complain)
  if (problems.length > 0) throw new EditionInvalidError(id, problems)

  const edition = { id: delta.value.id, title: delta.value.title, unitBasis: delta.value.unitBasis, conditions, groups }
  if (!v.resolved(edition)) {
    const combined = `once ${BASE_FILE} and this file are combined`
    throw new EditionInvalidError(
      id,
      schemaProblems(v.resolved.errors ?? [], (p, text, keyword) =>
        at(delta, filePath(edition, p), keyword === 'required' ? `${text} ${combined}; give it in either` : `${text} ${combined}`),
      ),
    )
  }
  const seen = new Set<string>()
  const once = (path: Path, itemId: string) => {
    if (seen.has(itemId)) complain(path, `${itemId} appears twice; items are addressed by ID, so IDs must be unique`)
    seen.add(itemId)
  }
  for (const g of edition.groups) {
    once(['groups', g.id], g.id)
    for (const c of g.cases) {
      once(['groups', g.id, 'cases', c.id], c.id)
      for (const u of c.units) once(['groups', g.id, 'cases', c.id, 'units', u.id], u.id)
    }
  }
  for (const g of edition.groups) {
    for (const [i, c] of g.requires.entries()) {
      if (!(c in conditions))
        complain(
          ['groups', g.id, 'requires', i],
          `group ${g.id} requires condition "${c}", which neither ${BASE_FILE} nor this file defines`,
        )
    }
  }
  if (problems.length > 0) throw new EditionInvalidError(id, problems)

  // Base and edition file each contribute fields, so an item's keys come out in merge order;
  // a fixed order keeps dumps and diffs of the catalog readable.
  const resolved: Edition = {
    ...edition,
    groups: edition.groups.map((g) => ({
      ...ordered(g, GROUP_KEYS),
      cases: g.cases.map((c) => ({
        ...ordered(c, CASE_KEYS),
        units: c.units.map((u) => ordered(marked(u, c, edition.unitBasis), UNIT_KEYS)),
      })),
    })),
    conditions: edition.conditions as Record<string, ConditionDef>,
  }
  // The data files key conditions by ID; carrying the ID inside keeps messages self-contained.
  for (const [key, condition] of Object.entries(resolved.conditions)) condition.id = key
  return resolved
}

const GROUP_KEYS = ['id', 'title', 'status', 'printedAs', 'level', 'requires', 'cases'] as const
const CASE_KEYS = ['id', 'kind', 'aggregate', 'origin', 'units'] as const
const UNIT_KEYS = ['id', 'kind', 'origin', 'basis', 'needs', 'gist', 'reads', 'forEach', 'variants', 'params'] as const

/**
 * A unit of a case ts701 added is ts701's too, so the marker reaches every report of it; the
 * standard's units carry what their ID and meaning rest on.
 */
function marked<U extends { origin?: 'ts701'; basis?: UnitBasis }>(unit: U, c: { origin?: 'ts701' }, basis: UnitBasis): U {
  const origin = unit.origin ?? c.origin
  if (origin) return { ...unit, origin }
  return { ...unit, basis: unit.basis ?? basis }
}

function ordered<T extends object>(item: T, keys: readonly (keyof T)[]): T {
  const out: Partial<T> = {}
  for (const key of keys) if (item[key] !== undefined) out[key] = item[key]
  return out as T
}

interface Level<Item extends { id: string }, Patch> {
  noun: 'group' | 'case' | 'unit'
  patch(item: Item, fields: Patch, path: Path): Item
}

/**
 * Applies one level of an edition file to the base's list of that level. Entries run in the
 * order written, so an addition may be placed after one added just before it.
 */
function apply<Item extends { id: string }, Full extends object, Patch extends object>(
  base: readonly Item[],
  entries: Record<string, Entry<Full, Patch>> | undefined,
  level: Level<Item, Patch>,
  path: Path,
  complain: (path: Path, text: string) => void,
): Item[] {
  const list = [...base]
  const { noun } = level
  for (const [id, entry] of Object.entries(entries ?? {})) {
    const here = [...path, id]
    const index = list.findIndex((item) => item.id === id)
    if ('add' in entry) {
      if (index >= 0) {
        complain(here, `${noun} ${id} already exists; change it without "add", or use "replace: true"`)
        continue
      }
      const { add: _add, after, before, ...fields } = entry
      if (after !== undefined && before !== undefined) {
        complain(here, 'give "after" or "before", not both')
        continue
      }
      const anchor = after ?? before
      let position = list.length
      if (anchor !== undefined) {
        const found = list.findIndex((item) => item.id === anchor)
        if (found < 0) {
          complain([...here, after !== undefined ? 'after' : 'before'], `no ${noun} ${anchor} to place ${id} next to`)
          continue
        }
        position = after !== undefined ? found + 1 : found
      }
      list.splice(position, 0, { id, ...fields } as unknown as Item)
      continue
    }
    if (index < 0) {
      const verb = 'remove' in entry ? 'remove' : 'replace' in entry ? 'replace' : 'change'
      complain(here, `no ${noun} ${id} to ${verb}; a new ${noun} needs "add: true"`)
      continue
    }
    if ('remove' in entry) {
      list.splice(index, 1)
    } else if ('replace' in entry) {
      const { replace: _replace, ...fields } = entry
      list[index] = { id, ...fields } as unknown as Item
    } else {
      list[index] = level.patch(list[index]!, entry as Patch, here)
    }
  }
  return list
}

/**
 * Where in the edition file a problem of the resolved edition is fixed: the lists of groups,
 * cases and units are keyed by ID there, so each index becomes the ID of the item at it.
 */
function filePath(resolved: unknown, resolvedPointer: string): Path {
  const path: (string | number)[] = []
  let node = resolved
  for (const segment of parsePointer(resolvedPointer)) {
    const next: unknown = Array.isArray(node) ? node[Number(segment)] : isRecord(node) ? node[segment] : undefined
    path.push(Array.isArray(node) && isRecord(next) && typeof next.id === 'string' ? next.id : segment)
    node = next
  }
  return path
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
