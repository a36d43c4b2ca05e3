import type { RouteCondition } from '../profile/types.ts'
import { isPointer } from './pointer.ts'
import { render, requestValue, type Template, type TemplateContext } from './template.ts'

/**
 * `if:` of a route: tests on one request value each, all of which must hold. Compiled at start,
 * so a bad pointer or regular expression is a configuration error, not a route that never answers.
 */
export interface CompiledCondition {
  /** `body./pointer`, `query.X`, `header.x` (as `requestValue` reads them), or `text`: the body text. */
  source: string
  test: { equals: Template } | { regex: Template; fixed?: RegExp }
}

const SOURCES = ['pointer', 'query', 'header'] as const
const KNOWN = new Set<string>([...SOURCES, 'equals', 'regex'])

/** Parses and checks the templates the condition holds, naming where they are. */
export type TemplateOf = (source: string, where: string) => Template

export function compileConditions(input: unknown, fail: (message: string) => never, templateOf: TemplateOf): CompiledCondition[] {
  if (input === undefined) return []
  const list = Array.isArray(input) ? (input as unknown[]) : [input]
  if (Array.isArray(input) && list.length === 0) fail('if: an empty list of conditions')
  return list.map((c, i) => compileOne(c, Array.isArray(input) ? `if[${i}]` : 'if', fail, templateOf))
}

function compileOne(input: unknown, where: string, fail: (message: string) => never, templateOf: TemplateOf): CompiledCondition {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    fail(`${where} must be a map such as { pointer: /version, equals: "…" }`)
  const c = input as RouteCondition & Record<string, unknown>
  const unknown = Object.keys(c).filter((k) => !KNOWN.has(k))
  if (unknown.length) fail(`${where}: unknown key ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${[...KNOWN].join(', ')})`)
  const sources = SOURCES.filter((s) => c[s] !== undefined)
  if (sources.length > 1) fail(`${where}: names both ${sources.join(' and ')}; a condition tests one value`)
  for (const s of sources) if (typeof c[s] !== 'string' || c[s] === '') fail(`${where}: ${s} must be a non-empty text`)
  if (c.pointer !== undefined && !isPointer(c.pointer)) {
    fail(`${where}: pointer ${JSON.stringify(c.pointer)} is not a JSON pointer (/segment/segment, with ~0 for ~ and ~1 for /)`)
  }
  if (c.header !== undefined && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(c.header)) fail(`${where}: "${c.header}" is not a header name`)
  const source =
    c.pointer !== undefined
      ? `body.${c.pointer}`
      : c.query !== undefined
        ? `query.${c.query}`
        : c.header !== undefined
          ? `header.${c.header.toLowerCase()}`
          : 'text'

  if ((c.equals === undefined) === (c.regex === undefined)) fail(`${where}: needs exactly one of equals and regex`)
  if (c.equals !== undefined) {
    if (typeof c.equals !== 'string') fail(`${where}: equals must be text (write numbers in quotes)`)
    return { source, test: { equals: templateOf(c.equals, `${where}: equals`) } }
  }
  if (typeof c.regex !== 'string') fail(`${where}: regex must be text`)
  const regex = templateOf(c.regex, `${where}: regex`)
  // Placeholders stand for escaped literals; any text in their place shows whether the rest compiles.
  let probe: RegExp
  try {
    probe = new RegExp(render(regex, { query: {}, params: {} }, () => 'x'))
  } catch (e) {
    fail(`${where}: regex: ${(e as Error).message.replace(/^Invalid regular expression: /, 'invalid regular expression: ')}`)
  }
  return { source, test: regex.keys.length === 0 ? { regex, fixed: probe } : { regex } }
}

/** Whether every condition holds for the request; a value the request lacks fails its condition. */
export function conditionsHold(conditions: readonly CompiledCondition[], ctx: TemplateContext): boolean {
  return conditions.every((c) => {
    const value = c.source === 'text' ? ctx.body?.text : requestValue(c.source, ctx)
    if (value === undefined) return false
    if ('equals' in c.test) return value === render(c.test.equals, ctx)
    return (c.test.fixed ?? new RegExp(render(c.test.regex, ctx, escapeRegExp))).test(value)
  })
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
