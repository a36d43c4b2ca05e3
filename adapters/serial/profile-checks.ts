/**
 * Semantic checks of a serial-console profile: a device path or a loopback TCP export, regexes
 * that compile and carry the named groups their operation takes its values from, placeholders
 * only where deliver-image fills them.
 */
import { LOOPBACK_RULE, isLoopbackHost } from '../../core/loopback.ts'
import type { PathSegment } from '../../ixit/source.ts'
import { checkPlaceholders, compileRegex, groupsOf, quoted, record, type Report } from '../../profile/check-kit.ts'
import { IMAGE_PLACEHOLDERS } from '../../profile/templates.ts'

const SCHEMES = ['tcp:', 'rfc2217:']
const RESTARTS = ['reboot', 'factory-reset', 'restore'] as const

/** Named groups an operation's `expect` must have: all of `all`, or at least one of `some`. */
const GROUPS: Record<string, { all?: string[]; some?: string[] }> = {
  identify: { all: ['model', 'version'] },
  'read-settings': { some: ['automaticUpdates', 'notifications'] },
  'read-outcome': { all: ['state'] },
}

export function checkSerial(adapter: Record<string, unknown>, operations: Record<string, unknown>, report: Report, warn: Report): void {
  if (typeof adapter.port === 'string') {
    const problem = portProblem(adapter.port)
    if (problem) report(problem.code, ['adapter', 'port'], problem.message)
  }
  regex(report, ['adapter', 'prompt'], adapter.prompt)
  const login = record(adapter.login)
  if (login) for (const key of ['userPrompt', 'passwordPrompt']) regex(report, ['adapter', 'login', key], login[key])

  for (const [op, node] of Object.entries(operations)) {
    const cfg = record(node)
    if (!cfg) continue
    const at: PathSegment[] = ['operations', op]
    switch (op) {
      case 'change-settings':
        for (const [change, exchange] of Object.entries(cfg)) checkExchange(report, [...at, change], record(exchange), [])
        break
      case 'deliver-image':
        checkDelivery(report, at, cfg)
        break
      case 'deliveries':
        for (const [name, delivery] of Object.entries(cfg)) checkDelivery(report, [...at, name], record(delivery))
        break
      case 'read-notifications': {
        if (typeof cfg.send === 'string') checkPlaceholders(report, [...at, 'send'], cfg.send, [])
        const item = regex(report, [...at, 'item'], cfg.item)
        if (item) needGroups(report, [...at, 'item'], item, 'read-notifications takes each notification from', { all: ['text'] })
        regex(report, [...at, 'end'], cfg.end)
        break
      }
      default:
        checkExchange(report, at, cfg, [], GROUPS[op] && { op, ...GROUPS[op] })
    }
    if ((RESTARTS as readonly string[]).includes(op) && operations.identify === undefined) {
      warn('missing-operation', at, `${op} waits until identify answers again, but operations.identify is not declared`, 'key')
    }
  }
}

/** `deliver-image` or one of `deliveries`: its exchanges may use the image placeholders. */
function checkDelivery(report: Report, at: PathSegment[], cfg: Record<string, unknown> | undefined): void {
  if (!cfg) return
  for (const key of ['exchange', 'begin', 'end']) checkExchange(report, [...at, key], record(cfg[key]), IMAGE_PLACEHOLDERS)
}

function checkExchange(
  report: Report,
  at: PathSegment[],
  cfg: Record<string, unknown> | undefined,
  allowed: readonly string[],
  groups?: { op: string; all?: string[]; some?: string[] },
): void {
  if (!cfg) return
  if (typeof cfg.send === 'string') checkPlaceholders(report, [...at, 'send'], cfg.send, allowed)
  const re = regex(report, [...at, 'expect'], cfg.expect)
  if (re && groups) needGroups(report, [...at, 'expect'], re, `${groups.op} takes its values from`, groups)
}

function regex(report: Report, at: PathSegment[], source: unknown): RegExp | undefined {
  if (typeof source !== 'string') return undefined
  const re = compileRegex(source)
  if (typeof re === 'string') {
    report('bad-regex', at, re)
    return undefined
  }
  return re
}

function needGroups(report: Report, at: PathSegment[], re: RegExp, why: string, need: { all?: string[]; some?: string[] }): void {
  const { named } = groupsOf(re)
  const has = named.length > 0 ? `it has ${quoted(named)}` : 'it has none'
  const missing = (need.all ?? []).filter((g) => !named.includes(g))
  if (missing.length > 0) {
    const what = missing.length === 1 ? `the named group ${quoted(missing)}` : `the named groups ${quoted(missing)}`
    report(
      'missing-group',
      at,
      `the regular expression lacks ${what} that ${why} (${has}), e.g. (?<${missing[0]}>${missing[0] === 'text' ? '.+' : '\\S+'})`,
    )
  }
  if (need.some && !need.some.some((g) => named.includes(g))) {
    report('missing-group', at, `the regular expression needs a named group ${need.some.map((g) => `"${g}"`).join(' or ')} (${has})`)
  }
}

/** A device path is taken as written; a URL must be tcp:// or rfc2217:// to a loopback host and port. */
function portProblem(port: string): { code: string; message: string } | undefined {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(port)) return undefined
  let url: URL
  try {
    url = new URL(port)
  } catch {
    return { code: 'bad-url', message: `"${port}" is not a valid URL` }
  }
  if (!SCHEMES.includes(url.protocol)) {
    return {
      code: 'bad-url',
      message: `unsupported scheme ${url.protocol}// (expected a device path, tcp://host:port or rfc2217://host:port)`,
    }
  }
  if (!isLoopbackHost(url.hostname))
    return { code: 'not-loopback', message: `host "${url.hostname}" is not a loopback address; ${LOOPBACK_RULE}` }
  if (url.port === '') return { code: 'bad-url', message: `"${port}" names no port (expected ${url.protocol}//host:port)` }
  return undefined
}
