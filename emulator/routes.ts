import { validateHeaderName } from 'node:http'
import type { EmulatorRoute } from '../profile/types.ts'
import { durationSeconds } from '../core/duration.ts'
import { EmulatorConfigError } from './errors.ts'
import { compileConditions, escapeRegExp, type CompiledCondition } from './condition.ts'
import { checkKey, parseTemplate, type KeyScope, type Template } from './template.ts'

export interface CompiledRoute {
  route: EmulatorRoute
  name: string
  /** Upper case; `*` answers any method. */
  method: '*' | readonly string[]
  pattern: RegExp
  params: string[]
  headers: Array<[string, Template]>
  body?: Template
  conditions: CompiledCondition[]
}

export interface CompiledConfig {
  routes: CompiledRoute[]
  imagePath: Template
  /** Where each part of a multi-file image is served (`{{part.name}}` names it). */
  partPath: Template
  /** The interval announced to the device: `announceInterval`, or its old name `pollInterval`. */
  interval?: string
  intervalSeconds?: number
  /** Whether some template inserts `{{offer.id}}`: the offer evidence then records the ID. */
  usesOfferId: boolean
  /** Whether some template inserts `{{image.sha1}}` or `{{image.md5}}`: only then are they computed on offer. */
  usesLegacyDigests: boolean
}

const STATUS_MIN = 100
const STATUS_MAX = 599
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/**
 * Checks the whole declaration before the first request: route names, methods, path patterns,
 * conditions, statuses and every template. Throws EmulatorConfigError naming the route.
 */
export function compileConfig(input: {
  routes: unknown
  imagePath: unknown
  partPath?: unknown
  announceInterval?: unknown
  pollInterval?: unknown
}): CompiledConfig {
  const { interval, intervalSeconds } = announced(input)
  if (typeof input.imagePath !== 'string' || !input.imagePath.startsWith('/')) {
    throw new EmulatorConfigError(`imagePath ${JSON.stringify(input.imagePath)} must be a path starting with "/"`)
  }
  const imagePath = templateOf(input.imagePath, 'imagePath', undefined, {
    params: [],
    interval: false,
    request: false,
    imageUrl: false,
  })
  if (input.partPath !== undefined && (typeof input.partPath !== 'string' || !input.partPath.startsWith('/'))) {
    throw new EmulatorConfigError(`partPath ${JSON.stringify(input.partPath)} must be a path starting with "/"`)
  }
  const partSource = (input.partPath as string | undefined) ?? `${input.imagePath.replace(/\/+$/, '')}/{{part.name}}`
  const partPath = templateOf(partSource, 'partPath', undefined, {
    params: [],
    interval: false,
    request: false,
    imageUrl: false,
    part: true,
  })
  if (!partPath.keys.includes('part.name')) {
    throw new EmulatorConfigError(`partPath ${JSON.stringify(partSource)} must contain {{part.name}}: every part needs a URL of its own`)
  }

  if (!Array.isArray(input.routes)) throw new EmulatorConfigError('routes must be a list')
  const routes = input.routes as unknown[]
  const names = new Set<string>()
  routes.forEach((r, i) => {
    const name = (r as { name?: unknown } | null)?.name
    if (typeof name !== 'string' || name.trim() === '') throw new EmulatorConfigError(`route #${i + 1} has no name`)
    if (names.has(name)) throw new EmulatorConfigError(`route "${name}" is declared twice`, name)
    names.add(name)
  })
  const compiled = routes.map((r) => compileRoute(r as EmulatorRoute, names, interval !== undefined))
  const templates = [imagePath, partPath, ...compiled.flatMap((c) => templatesOf(c))]
  const usesOfferId = templates.some((t) => t.keys.includes('offer.id'))
  const usesLegacyDigests = templates.some((t) => t.keys.includes('image.sha1') || t.keys.includes('image.md5'))
  return { routes: compiled, imagePath, partPath, interval, intervalSeconds, usesOfferId, usesLegacyDigests }
}

/** `announceInterval`, or the old `pollInterval`; both may be given only when they agree. */
function announced(input: { announceInterval?: unknown; pollInterval?: unknown }): { interval?: string; intervalSeconds?: number } {
  const given = (['announceInterval', 'pollInterval'] as const).filter((k) => input[k] !== undefined)
  for (const key of given) {
    const value = input[key]
    if (typeof value !== 'string' || durationSeconds(value) === undefined) {
      throw new EmulatorConfigError(`${key} ${JSON.stringify(value)} is not an ISO-8601 duration such as P1D or PT6H`)
    }
  }
  if (given.length === 2 && durationSeconds(input.announceInterval as string) !== durationSeconds(input.pollInterval as string)) {
    throw new EmulatorConfigError(
      `announceInterval ${JSON.stringify(input.announceInterval)} and its old name pollInterval ${JSON.stringify(input.pollInterval)} disagree; keep announceInterval`,
    )
  }
  const interval = given.length ? (input[given[0]!] as string) : undefined
  return interval === undefined ? {} : { interval, intervalSeconds: durationSeconds(interval) }
}

function templatesOf(c: CompiledRoute): Template[] {
  const own = [...c.headers.map(([, t]) => t), ...(c.body ? [c.body] : [])]
  return [...own, ...c.conditions.map((x) => ('equals' in x.test ? x.test.equals : x.test.regex))]
}

function compileRoute(route: EmulatorRoute, names: Set<string>, interval: boolean): CompiledRoute {
  const name = route.name
  const fail = (message: string): never => {
    throw new EmulatorConfigError(`route "${name}": ${message}`, name)
  }
  const method = compileMethod(route.method, fail)
  if (typeof route.path !== 'string') fail('path is missing')
  const { pattern, params } = compilePath(route.path, fail)
  if (route.when !== undefined && route.when !== 'offering' && route.when !== 'idle') {
    fail(`when must be "offering" or "idle", not ${JSON.stringify(route.when)}`)
  }
  for (const key of ['afterSeen', 'untilSeen'] as const) {
    const ref = route[key]
    if (ref !== undefined && (typeof ref !== 'string' || !names.has(ref))) fail(`${key} names no declared route: ${JSON.stringify(ref)}`)
  }
  if (!Number.isInteger(route.status) || route.status < STATUS_MIN || route.status > STATUS_MAX) {
    fail(`status ${JSON.stringify(route.status)} is not an HTTP status code`)
  }
  if (route.serve !== undefined && route.serve !== 'image') fail(`serve must be "image", not ${JSON.stringify(route.serve)}`)
  if (route.serve !== undefined && route.body !== undefined) fail('declares both a body and serve: image')
  if (route.part !== undefined) {
    if (route.serve !== 'image') fail('part needs serve: image')
    if (typeof route.part !== 'string' || !/^[A-Za-z][A-Za-z0-9_-]*$/.test(route.part))
      fail(`part ${JSON.stringify(route.part)} is not a part name`)
  }
  if (route.body !== undefined && typeof route.body !== 'string') fail('body must be text (a template)')

  const scope: KeyScope = { params, interval, request: true, imageUrl: true }
  const headers: Array<[string, Template]> = []
  if (route.headers !== undefined) {
    if (typeof route.headers !== 'object' || route.headers === null || Array.isArray(route.headers)) fail('headers must be a map')
    for (const [header, value] of Object.entries(route.headers)) {
      try {
        validateHeaderName(header)
      } catch {
        fail(`"${header}" is not a valid header name`)
      }
      if (typeof value !== 'string' && typeof value !== 'number') fail(`header ${header} must have a text value`)
      const text = String(value)
      if (/[\r\n\0]/.test(text)) fail(`header ${header} contains a line break`)
      headers.push([header, templateOf(text, `header ${header}`, name, scope)])
    }
  }
  const body = route.body === undefined ? undefined : templateOf(route.body, 'body', name, scope)
  const conditions = compileConditions(route.if, fail, (source, where) => templateOf(source, where, name, scope))
  return { route, name, method, pattern, params, headers, body, conditions }
}

/** `GET`, `*` (any method) or `[PUT, PATCH]`; upper-cased. */
function compileMethod(method: unknown, fail: (message: string) => never): '*' | string[] {
  if (method === '*') return '*'
  const list = Array.isArray(method) ? (method as unknown[]) : [method]
  if (list.length === 0) fail('method: an empty list of methods')
  for (const m of list) {
    if (m === '*') fail('method: "*" already answers any method; write it alone, not in a list')
    if (typeof m !== 'string' || !METHOD.test(m)) fail(`method ${JSON.stringify(m)} is not an HTTP method`)
  }
  const upper = (list as string[]).map((m) => m.toUpperCase())
  const twice = upper.find((m, i) => upper.indexOf(m) !== i)
  if (twice) fail(`method: ${twice} is listed twice`)
  return upper
}

function templateOf(source: string, where: string, route: string | undefined, scope: KeyScope): Template {
  const prefix = route === undefined ? where : `route "${route}": ${where}`
  let template: Template
  try {
    template = parseTemplate(source)
  } catch (e) {
    throw new EmulatorConfigError(`${prefix}: ${(e as Error).message}`, route)
  }
  for (const key of template.keys) {
    const problem = checkKey(key, scope)
    if (problem) throw new EmulatorConfigError(`${prefix}: ${problem}`, route)
  }
  return template
}

/**
 * `/v1/check` (exact), `/devices/:id/check` (`:name` is one non-empty segment), `/files/*` (a
 * trailing `*` matches the rest, including nothing).
 */
function compilePath(path: string, fail: (message: string) => never): { pattern: RegExp; params: string[] } {
  if (!path.startsWith('/')) fail(`path ${JSON.stringify(path)} must start with "/"`)
  if (path.includes('?')) fail(`path ${JSON.stringify(path)} contains a query; query strings are ignored when matching`)
  const wildcard = path.endsWith('*')
  const body = wildcard ? path.slice(0, -1) : path
  if (body.includes('*')) fail(`path ${JSON.stringify(path)}: "*" is only allowed at the end`)
  const params: string[] = []
  const source = body
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return escapeRegExp(segment)
      const param = segment.slice(1)
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(param)) fail(`path ${JSON.stringify(path)}: "${segment}" is not a valid :name segment`)
      if (params.includes(param)) fail(`path ${JSON.stringify(path)}: :${param} appears twice`)
      params.push(param)
      return '([^/]+)'
    })
    .join('/')
  return { pattern: new RegExp(`^${source}${wildcard ? '.*' : ''}$`), params }
}
