/**
 * Turns ajv's error list into one finding per problem. With `allErrors` ajv reports every failed
 * keyword, including the wrappers (anyOf, if) and consequences of one mistake (a misspelled
 * required property is both "unknown" and "missing"); a supplier should read each problem once.
 */
import type { ErrorObject } from 'ajv'
import { isRecord } from './documents.ts'
import { finding } from './findings.ts'
import { parsePointer, toPointer } from './pointer.ts'
import type { SourceDoc } from './source.ts'
import type { Finding } from './types.ts'

const CODE = 'schema'

/** Keywords that judge a value whose type is already wrong; the type error says it all. */
const VALUE_KEYWORDS = new Set([
  'enum',
  'const',
  'pattern',
  'format',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
])

export function translateErrors(errors: readonly ErrorObject[], doc: SourceDoc): Finding[] {
  const kept = dropShadowed(collapseAlternatives([...errors]))
  const findings: Finding[] = []

  // Per object: unknown and missing properties, so a misspelling becomes one finding.
  const objects = new Map<string, { unknown: ErrorObject[]; missing: string[]; allowed: string[] }>()
  const objectAt = (path: string) => {
    let o = objects.get(path)
    if (!o) objects.set(path, (o = { unknown: [], missing: [], allowed: [] }))
    return o
  }

  for (const e of kept) {
    switch (e.keyword) {
      case 'required':
      case 'dependentRequired': {
        objectAt(e.instancePath).missing.push(String(e.params.missingProperty))
        break
      }
      case 'additionalProperties':
      case 'unevaluatedProperties': {
        const o = objectAt(e.instancePath)
        o.unknown.push(e)
        o.allowed = allowedProperties(e.parentSchema)
        break
      }
      default: {
        const f = translateOne(e, doc)
        if (f) findings.push(f)
      }
    }
  }

  for (const [path, o] of objects) {
    for (const e of o.unknown) {
      const name = String(e.params.additionalProperty ?? e.params.unevaluatedProperty)
      const guess = closest(name, o.allowed)
      if (guess && o.missing.includes(guess)) o.missing = o.missing.filter((m) => m !== guess)
      const hint = guess ? `did you mean "${guess}"? ` : ''
      const allowed = o.allowed.length > 0 ? `allowed: ${o.allowed.join(', ')}` : 'no properties allowed'
      findings.push(
        finding('error', CODE, doc.locate([...parsePointer(path), name], 'key'), `unknown property "${name}" (${hint}${allowed})`, path),
      )
    }
    if (o.missing.length > 0) {
      const names = o.missing.map((m) => `"${m}"`).join(', ')
      const what = o.missing.length === 1 ? 'property' : 'properties'
      findings.push(finding('error', CODE, doc.locate(path), `missing required ${what} ${names}`, path))
    }
  }
  return findings
}

function translateOne(e: ErrorObject, doc: SourceDoc): Finding | undefined {
  const path = e.instancePath
  const found = describeValue(e.data)
  const here = () => doc.locate(path)
  const p = e.params
  // The inner errors of propertyNames carry the offending name; the propertyNames wrapper
  // below reports it once, at the key.
  if ((e as { propertyName?: string }).propertyName !== undefined) return undefined
  switch (e.keyword) {
    case 'type': {
      if (path === '' && e.data === null) {
        return finding('error', CODE, here(), `the document is empty (expected ${p.type} at the top level)`, path)
      }
      const expected = Array.isArray(p.type) ? p.type.join(' or ') : String(p.type)
      // YAML reads an unquoted 1.2 or true as a number or boolean; say how to keep it text.
      const quoteHint =
        expected === 'string' && (typeof e.data === 'number' || typeof e.data === 'boolean')
          ? ` (write it in quotes: "${String(e.data)}")`
          : ''
      return finding('error', CODE, here(), `expected ${expected}, found ${found}${quoteHint}`, path)
    }
    case 'enum': {
      const allowed = Array.isArray(p.allowedValues) ? p.allowedValues.map((v) => JSON.stringify(v)).join(', ') : ''
      return finding('error', CODE, here(), `expected one of ${allowed}, found ${found}`, path)
    }
    case 'const':
      return finding('error', CODE, here(), `expected ${JSON.stringify(p.allowedValue)}, found ${found}`, path)
    case 'pattern':
      return finding('error', CODE, here(), `expected ${patternName(e.parentSchema, String(p.pattern))}, found ${found}`, path)
    case 'format':
      return finding('error', CODE, here(), `expected ${formatName(String(p.format))}, found ${found}`, path)
    case 'minLength':
      return finding(
        'error',
        CODE,
        here(),
        p.limit === 1 ? `expected a non-empty string, found ${found}` : `expected at least ${p.limit} characters, found ${found}`,
        path,
      )
    case 'uniqueItems': {
      const at = [...parsePointer(path), Number(p.j)]
      return finding(
        'error',
        CODE,
        doc.locate(at),
        `duplicate item ${describeValue(itemOf(e.data, Number(p.j)))} (same as item ${p.i})`,
        toPointer(at),
      )
    }
    case 'propertyNames': {
      const name = String(p.propertyName)
      const schema = isRecord(e.schema) ? e.schema : {}
      const expected = typeof schema.pattern === 'string' ? patternName(schema, schema.pattern) : 'a valid property name'
      return finding(
        'error',
        CODE,
        doc.locate([...parsePointer(path), name], 'key'),
        `invalid property name "${name}", expected ${expected}`,
        path,
      )
    }
    case 'if':
      // The failed `then`/`else` branch is reported on its own.
      return undefined
    default:
      return finding('error', CODE, here(), `${e.message ?? 'invalid'}, found ${found}`, path)
  }
}

/**
 * For a failed anyOf/oneOf, keeps only the errors of the alternative that came closest: the one
 * whose errors lie deepest in the value (it matched the value's shape), then the one with fewer
 * errors. Alternatives that each fail on type alone merge into one "expected A or B".
 */
function collapseAlternatives(errors: ErrorObject[]): ErrorObject[] {
  const composites = errors
    // A oneOf that failed because several alternatives matched has no branch errors to choose from.
    .filter((e) => (e.keyword === 'anyOf' || e.keyword === 'oneOf') && e.params.passingSchemas == null)
    .sort((a, b) => b.schemaPath.length - a.schemaPath.length)
  let result = errors
  for (const c of composites) {
    const prefix = c.schemaPath + '/'
    const branches = new Map<string, ErrorObject[]>()
    for (const e of result) {
      if (e === c || !e.schemaPath.startsWith(prefix) || !within(e.instancePath, c.instancePath)) continue
      const branch = e.schemaPath.slice(prefix.length).split('/')[0] ?? ''
      branches.set(branch, [...(branches.get(branch) ?? []), e])
    }
    if (branches.size === 0) continue
    const groups = [...branches.values()]
    const depth = (g: ErrorObject[]) => Math.max(...g.map((e) => parsePointer(e.instancePath).length))
    const best = groups.reduce((a, b) => (depth(b) > depth(a) || (depth(b) === depth(a) && b.length < a.length) ? b : a))
    const typeOnly = groups.every((g) => g.length === 1 && g[0]?.keyword === 'type' && g[0].instancePath === c.instancePath)
    const drop = new Set<ErrorObject>([c, ...groups.flat()])
    let keep: ErrorObject[] = best
    if (typeOnly) {
      const types = groups.flatMap((g) => g.map((e) => e.params.type)).flat()
      const first = best[0]
      if (first) keep = [{ ...first, params: { ...first.params, type: [...new Set(types)] } }]
    }
    result = result.flatMap((e) => (e === best[0] ? keep : drop.has(e) ? [] : [e]))
  }
  return result
}

function dropShadowed(errors: ErrorObject[]): ErrorObject[] {
  const typeFailed = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath))
  return errors.filter((e) => !(VALUE_KEYWORDS.has(e.keyword) && typeFailed.has(e.instancePath)))
}

function within(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(ancestor + '/')
}

function allowedProperties(schema: unknown): string[] {
  if (!isRecord(schema) || !isRecord(schema.properties)) return []
  return Object.keys(schema.properties)
}

function patternName(schema: unknown, pattern: string): string {
  const s = isRecord(schema) ? schema : {}
  const example = Array.isArray(s.examples) && s.examples.length > 0 ? ` (e.g. ${JSON.stringify(s.examples[0])})` : ''
  return typeof s.title === 'string' ? `${s.title}${example}` : `a string matching ${pattern}${example}`
}

function formatName(format: string): string {
  switch (format) {
    case 'date':
      return 'a date YYYY-MM-DD'
    case 'uri':
      return 'an absolute URI'
    default:
      return `a string in format "${format}"`
  }
}

/** A value as a supplier would recognize it in their document, kept short. */
function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array'
  if (value === undefined) return 'nothing'
  if (isRecord(value)) return 'an object'
  // A prefix says the same as the whole for a long text (a value can be megabytes long).
  if (typeof value === 'string' && value.length > 60) return `${JSON.stringify(value.slice(0, 60)).slice(0, 57)}…"`
  const text = JSON.stringify(value)
  return text.length > 60 ? `${text.slice(0, 57)}…"` : text
}

function itemOf(value: unknown, index: number): unknown {
  return Array.isArray(value) ? value[index] : undefined
}

/** Levenshtein distance, to suggest the property a typo was meant to be. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase())
    if (d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  const tolerance = Math.max(1, Math.floor(name.length / 3))
  return bestDistance <= tolerance ? best : undefined
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost)
    }
    previous = current
  }
  return previous[b.length] ?? 0
}
