/**
 * What the DUT profile schema cannot say: loopback-only targets, routes that refer to routes,
 * mechanisms driven through something the profile does not declare, extractions that cannot work
 * and placeholders no operation fills. Runs on a schema-valid document.
 */
import { isRecord } from './documents.ts'
import { finding } from './findings.ts'
import { LOOPBACK_RULE, isLoopbackHost, loopbackProblem } from './profile-loopback.ts'
import { IMAGE_PLACEHOLDERS, placeholdersIn } from './profile-templates.ts'
import { toPointer, type PathSegment, type SourceDoc } from './source.ts'
import type { Finding } from './types.ts'

/**
 * Runs on the parsed document whether or not it is schema-valid (so a supplier sees every problem
 * in one round); values of the wrong shape are skipped here, the schema reports them.
 */
export function checkProfile(doc: SourceDoc): Finding[] {
  const findings: Finding[] = []
  const report = (code: string, path: readonly PathSegment[], message: string, target: 'value' | 'key' = 'value') =>
    findings.push(finding('error', code, doc.locate(path, target), message, toPointer(path)))
  const data = isRecord(doc.value) ? doc.value : {}
  const adapter = isRecord(data.adapter) ? data.adapter : {}
  const server = isRecord(data.updateServer) ? data.updateServer : undefined
  const operations = isRecord(data.operations) ? data.operations : {}

  // Loopback only.
  if (typeof adapter.baseUrl === 'string') {
    const problem = loopbackProblem(adapter.baseUrl)
    if (problem) report(problem.includes('not a valid URL') ? 'bad-url' : 'not-loopback', ['adapter', 'baseUrl'], problem)
  }
  if (server && typeof server.host === 'string' && !isLoopbackHost(server.host)) {
    report('not-loopback', ['updateServer', 'host'], `host "${server.host}" is not a loopback address; ${LOOPBACK_RULE}`)
  }
  for (const [i, p] of list(data.publications).entries()) {
    const to = isRecord(p) ? p.to : undefined
    if (typeof to !== 'string') continue
    const problem = loopbackProblem(to)
    if (problem) report(problem.includes('not a valid URL') ? 'bad-url' : 'not-loopback', ['publications', i, 'to'], problem)
  }

  // Emulator routes.
  const routes = list(server?.routes).map((r) => (isRecord(r) ? r : {}))
  const names = new Map<string, number>()
  for (const [i, r] of routes.entries()) {
    if (typeof r.name !== 'string') continue
    const first = names.get(r.name)
    if (first === undefined) names.set(r.name, i)
    else report('duplicate-route', ['updateServer', 'routes', i, 'name'], `route name "${r.name}" is already used by route ${first}`)
    if (r.body !== undefined && r.serve !== undefined) {
      report('conflict', ['updateServer', 'routes', i, 'serve'], 'a route either has a body or serves the image, not both')
    }
  }
  for (const [i, r] of routes.entries()) {
    for (const key of ['afterSeen', 'untilSeen'] as const) {
      const ref = r[key]
      if (typeof ref === 'string' && !names.has(ref)) {
        const known = [...names.keys()].map((n) => `"${n}"`).join(', ')
        report('unknown-route', ['updateServer', 'routes', i, key], `no route named "${ref}"${known ? ` (routes: ${known})` : ''}`)
      }
    }
  }

  // Mechanisms need what they are driven through.
  for (const [id, drive] of Object.entries(isRecord(data.mechanisms) ? data.mechanisms : {})) {
    const via = isRecord(drive) ? drive.via : undefined
    if (via === 'update-server' && data.updateServer === undefined) {
      report('missing-update-server', ['mechanisms', id, 'via'], `mechanism ${id} is driven via the update server, but the profile declares no updateServer`)
    }
    if (via === 'deliver-image' && operations['deliver-image'] === undefined) {
      report('missing-operation', ['mechanisms', id, 'via'], `mechanism ${id} is driven via deliver-image, but operations.deliver-image is not declared`)
    }
  }

  // Extractions and templates of the operations.
  walk(operations, ['operations'], (node, path) => {
    if (typeof node.pointer === 'string' && !isValidPointer(node.pointer)) {
      report('bad-pointer', [...path, 'pointer'], `invalid JSON pointer "${node.pointer}" (expected "" or /segment/segment, with ~0 for ~ and ~1 for /)`)
    }
    if (typeof node.regex === 'string') {
      const problem = regexProblem(node.regex, typeof node.group === 'string' ? node.group : undefined)
      if (problem) report('bad-regex', [...path, problem.at], problem.message)
    }
    if (typeof node.method === 'string' && typeof node.path === 'string') {
      const allowed: readonly string[] = path[1] === 'deliver-image' ? IMAGE_PLACEHOLDERS : []
      const texts: Array<[PathSegment[], string]> = [[[...path, 'path'], node.path]]
      if (typeof node.body === 'string') texts.push([[...path, 'body'], node.body])
      if (isRecord(node.headers)) {
        for (const [name, value] of Object.entries(node.headers)) if (typeof value === 'string') texts.push([[...path, 'headers', name], value])
      }
      for (const [at, text] of texts) {
        for (const name of placeholdersIn(text)) {
          if (allowed.includes(name)) continue
          const offer = allowed.length > 0 ? `this operation fills ${allowed.map((a) => `{{${a}}}`).join(', ')}` : 'this operation fills no placeholders'
          report('unknown-placeholder', at, `unknown placeholder {{${name}}} (${offer})`)
        }
      }
    }
  })
  return findings
}

/** RFC 6901 syntax: empty, or `/`-separated segments in which `~` only starts `~0` or `~1`. */
export function isValidPointer(pointer: string): boolean {
  return /^(\/([^~]|~[01])*)*$/.test(pointer)
}

function regexProblem(source: string, group: string | undefined): { at: 'regex' | 'group'; message: string } | undefined {
  let re: RegExp
  try {
    re = new RegExp(source)
  } catch (err) {
    return { at: 'regex', message: (err instanceof Error ? err.message : String(err)).replace(/^Invalid regular expression: /, 'invalid regular expression: ') }
  }
  if (group === undefined) return undefined
  // A regex that also matches the empty string shows its groups without needing any input.
  const shape = new RegExp(`${re.source}|`).exec('')
  const count = (shape?.length ?? 1) - 1
  const named = Object.keys(shape?.groups ?? {})
  if (/^\d+$/.test(group)) {
    return Number(group) <= count ? undefined : { at: 'group', message: `group ${group} does not exist: the regular expression has ${count} group${count === 1 ? '' : 's'}` }
  }
  if (named.includes(group)) return undefined
  return { at: 'group', message: `group "${group}" does not exist: the regular expression has ${named.length > 0 ? `named groups ${named.map((n) => `"${n}"`).join(', ')}` : 'no named groups'}` }
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

function walk(node: unknown, path: PathSegment[], visit: (node: Record<string, unknown>, path: PathSegment[]) => void): void {
  if (Array.isArray(node)) return node.forEach((item, i) => walk(item, [...path, i], visit))
  if (!isRecord(node)) return
  visit(node, path)
  // Header names are the supplier's; a header called `pointer` is no extraction.
  for (const [key, value] of Object.entries(node)) if (key !== 'headers') walk(value, [...path, key], visit)
}
