/** What the semantic checks of the DUT profile share: reporting, regexes, pointers, placeholders. */
import { loopbackProblem } from '../core/loopback.ts'
import { isRecord } from '../ixit/documents.ts'
import { placeholdersIn } from './templates.ts'
import type { PathSegment } from '../ixit/source.ts'

export type Report = (code: string, path: readonly PathSegment[], message: string, target?: 'value' | 'key') => void

/** Reports a URL that does not parse or does not point to a loopback host; true when it is fine. */
export function checkLoopbackUrl(report: Report, path: readonly PathSegment[], url: string): boolean {
  const problem = loopbackProblem(url)
  if (problem) report(problem.includes('not a valid URL') ? 'bad-url' : 'not-loopback', path, problem)
  return problem === undefined
}

/** RFC 6901 syntax: empty, or `/`-separated segments in which `~` only starts `~0` or `~1`. */
export function isValidPointer(pointer: string): boolean {
  return /^(\/([^~]|~[01])*)*$/.test(pointer)
}

/** The regex compiled, or the reason it does not compile (as a message for a finding). */
export function compileRegex(source: string): RegExp | string {
  try {
    return new RegExp(source)
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).replace(/^Invalid regular expression: /, 'invalid regular expression: ')
  }
}

/** The numbered and named groups of a regex. */
export function groupsOf(re: RegExp): { count: number; named: string[] } {
  // A regex that also matches the empty string shows its groups without needing any input.
  const shape = new RegExp(`${re.source}|`, re.flags.replace(/[gy]/g, '')).exec('')
  return { count: (shape?.length ?? 1) - 1, named: Object.keys(shape?.groups ?? {}) }
}

export function regexProblem(source: string, group: string | undefined): { at: 'regex' | 'group'; message: string } | undefined {
  const re = compileRegex(source)
  if (typeof re === 'string') return { at: 'regex', message: re }
  if (group === undefined) return undefined
  const { count, named } = groupsOf(re)
  if (/^\d+$/.test(group)) {
    return Number(group) <= count
      ? undefined
      : { at: 'group', message: `group ${group} does not exist: the regular expression has ${count} group${count === 1 ? '' : 's'}` }
  }
  if (named.includes(group)) return undefined
  return {
    at: 'group',
    message: `group "${group}" does not exist: the regular expression has ${named.length > 0 ? `named groups ${quoted(named)}` : 'no named groups'}`,
  }
}

/** Reports each placeholder of `text` that is not in `allowed`. */
export function checkPlaceholders(report: Report, path: readonly PathSegment[], text: string, allowed: readonly string[]): void {
  for (const name of placeholdersIn(text)) {
    if (allowed.includes(name)) continue
    const offer =
      allowed.length > 0 ? `this operation fills ${allowed.map((a) => `{{${a}}}`).join(', ')}` : 'this operation fills no placeholders'
    report('unknown-placeholder', path, `unknown placeholder {{${name}}} (${offer})`)
  }
}

export function quoted(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ')
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

export function record(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined
}

/** Visits every object under `node`, depth first; `skip` names keys whose values are not visited. */
export function walk(
  node: unknown,
  path: PathSegment[],
  visit: (node: Record<string, unknown>, path: PathSegment[]) => void,
  skip: readonly string[] = [],
): void {
  if (Array.isArray(node)) return node.forEach((item, i) => walk(item, [...path, i], visit, skip))
  if (!isRecord(node)) return
  visit(node, path)
  for (const [key, value] of Object.entries(node)) if (!skip.includes(key)) walk(value, [...path, key], visit, skip)
}

/** A `pointer` that can address something and a `regex` (with its `group`) that compiles, where an extraction names them. */
export function checkExtraction(node: Record<string, unknown>, path: PathSegment[], report: Report): void {
  if (typeof node.pointer === 'string' && !isValidPointer(node.pointer)) {
    report(
      'bad-pointer',
      [...path, 'pointer'],
      `invalid JSON pointer "${node.pointer}" (expected "" or /segment/segment, with ~0 for ~ and ~1 for /)`,
    )
  }
  if (typeof node.regex === 'string') {
    const problem = regexProblem(node.regex, typeof node.group === 'string' ? node.group : undefined)
    if (problem) report('bad-regex', [...path, problem.at], problem.message)
  }
}
