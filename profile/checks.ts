/**
 * What the DUT profile schema cannot say about the parts every channel shares: loopback-only
 * targets, routes that refer to routes, mechanisms driven through something the profile does not
 * declare. The adapter and its operations are checked by their channel's descriptor.
 */
import { isRecord } from '../ixit/documents.ts'
import { finding } from '../ixit/findings.ts'
import { toPointer } from '../ixit/pointer.ts'
import type { PathSegment, SourceDoc } from '../ixit/source.ts'
import type { Finding } from '../ixit/types.ts'
import { durationSeconds } from '../core/duration.ts'
import { LOOPBACK_RULE, isLoopbackHost } from '../core/loopback.ts'
import { channelOf, type ChannelDescriptor } from './channel.ts'
import { checkLoopbackUrl, compileRegex, isValidPointer, list, type Report } from './check-kit.ts'
import { checkImages } from './image-checks.ts'
import { checkObserve } from './observe-checks.ts'

/**
 * Runs on the parsed document whether or not it is schema-valid (so a supplier sees every problem
 * in one round); values of the wrong shape are skipped here, the schema reports them. A kind no
 * channel has gets no adapter checks: the schema names the kinds there are.
 */
export function checkProfile(doc: SourceDoc, channels: readonly ChannelDescriptor[]): Finding[] {
  const findings: Finding[] = []
  const report: Report = (code, path, message, target = 'value') =>
    findings.push(finding('error', code, doc.locate(path, target), message, toPointer(path)))
  const warn: Report = (code, path, message, target = 'value') =>
    findings.push(finding('warning', code, doc.locate(path, target), message, toPointer(path)))
  const data = isRecord(doc.value) ? doc.value : {}
  const adapter = isRecord(data.adapter) ? data.adapter : {}
  const server = isRecord(data.updateServer) ? data.updateServer : undefined
  const operations = isRecord(data.operations) ? data.operations : {}

  // Loopback only; the adapter's own target is its channel's to check.
  if (server && typeof server.host === 'string' && !isLoopbackHost(server.host)) {
    report('not-loopback', ['updateServer', 'host'], `host "${server.host}" is not a loopback address; ${LOOPBACK_RULE}`)
  }
  for (const [i, p] of list(data.publications).entries()) {
    const to = isRecord(p) ? p.to : undefined
    if (typeof to === 'string') checkLoopbackUrl(report, ['publications', i, 'to'], to)
  }

  if (server) checkIntervals(server, report)
  checkRoutes(
    list(server?.routes).map((r) => (isRecord(r) ? r : {})),
    report,
  )

  // Mechanisms need what they are driven through.
  for (const [id, drive] of Object.entries(isRecord(data.mechanisms) ? data.mechanisms : {})) {
    const via = isRecord(drive) ? drive.via : undefined
    const delivery = isRecord(drive) && typeof drive.delivery === 'string' ? drive.delivery : undefined
    if (via === 'update-server' && data.updateServer === undefined) {
      report(
        'missing-update-server',
        ['mechanisms', id, 'via'],
        `mechanism ${id} is driven via the update server, but the profile declares no updateServer`,
      )
    }
    if (delivery !== undefined) checkDelivery(id, via, delivery, operations, data.updateServer !== undefined, report)
    else if (via === 'deliver-image' && operations['deliver-image'] === undefined) {
      report(
        'missing-operation',
        ['mechanisms', id, 'via'],
        `mechanism ${id} is driven via deliver-image, but operations.deliver-image is not declared`,
      )
    }
  }

  channelOf(channels, data)?.check(adapter, operations, report, warn)
  checkObserve(data, report, warn)
  checkImages(data, report, warn)
  return findings
}

/**
 * A mechanism naming its own delivery: only with via deliver-image, a delivery the channel's
 * operations declare, and (for one that tells the device a URL) an update server to serve it.
 */
function checkDelivery(
  id: string,
  via: unknown,
  name: string,
  operations: Record<string, unknown>,
  hasServer: boolean,
  report: Report,
): void {
  const at = ['mechanisms', id, 'delivery']
  if (via === 'update-server') {
    report(
      'conflict',
      at,
      `mechanism ${id} is driven via the update server, which hands over images itself; delivery applies to via: deliver-image`,
      'key',
    )
    return
  }
  const deliveries = isRecord(operations.deliveries) ? operations.deliveries : {}
  const cfg = Object.hasOwn(deliveries, name) ? deliveries[name] : undefined
  if (cfg === undefined) {
    const known = Object.keys(deliveries).map((n) => `"${n}"`)
    report(
      'unknown-delivery',
      at,
      `mechanism ${id} names delivery "${name}", but operations.deliveries declares ${known.length ? `only ${known.join(', ')}` : 'none'}`,
    )
  } else if (isRecord(cfg) && cfg.mode === 'url' && !hasServer) {
    report(
      'missing-update-server',
      at,
      `delivery "${name}" tells the device a URL to fetch the image from, but the profile declares no updateServer to serve it`,
    )
  }
}

/** Emulator routes: unique names, and references to routes that exist. */
function checkRoutes(routes: ReadonlyArray<Record<string, unknown>>, report: Report): void {
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
    checkConditions(r.if, ['updateServer', 'routes', i, 'if'], report)
    for (const key of ['afterSeen', 'untilSeen'] as const) {
      const ref = r[key]
      if (typeof ref === 'string' && !names.has(ref)) {
        const known = [...names.keys()].map((n) => `"${n}"`).join(', ')
        report('unknown-route', ['updateServer', 'routes', i, key], `no route named "${ref}"${known ? ` (routes: ${known})` : ''}`)
      }
    }
  }
}

/** `pollInterval` is the old name of `announceInterval`: both may be written only when they agree. */
function checkIntervals(server: Record<string, unknown>, report: Report): void {
  const { announceInterval: announce, pollInterval: poll } = server
  if (typeof announce !== 'string' || typeof poll !== 'string' || durationSeconds(announce) === durationSeconds(poll)) return
  report(
    'conflict',
    ['updateServer', 'pollInterval'],
    `pollInterval is the old name of announceInterval, and they disagree (${poll} and ${announce}); keep announceInterval`,
    'key',
  )
}

const CONDITION_SOURCES = ['pointer', 'query', 'header'] as const
const CONDITION_KEYS: readonly string[] = [...CONDITION_SOURCES, 'equals', 'regex']
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** A route's `if`: one value tested (a pointer, query, header, or the body text) by exactly one of equals and regex. */
function checkConditions(value: unknown, at: PathSegment[], report: Report): void {
  const items: Array<[unknown, PathSegment[]]> = Array.isArray(value) ? value.map((c, i) => [c, [...at, i]]) : [[value, at]]
  for (const [c, path] of items) {
    if (!isRecord(c)) continue
    const sources = CONDITION_SOURCES.filter((k) => c[k] !== undefined)
    if (sources.length > 1) {
      report('conflict', [...path, sources[1]!], `a condition tests one value, but this one names ${sources.join(' and ')}`, 'key')
    }
    const tests = (['equals', 'regex'] as const).filter((k) => c[k] !== undefined)
    // A misspelt key (equal, regexp) is the schema's finding already, with a suggestion.
    const misspelt = Object.keys(c).some((k) => !CONDITION_KEYS.includes(k))
    if (tests.length !== 1 && !misspelt) {
      const found = tests.length ? 'both' : 'neither'
      report(
        'bad-condition',
        tests.length ? [...path, 'regex'] : path,
        `a condition needs exactly one of equals and regex (found ${found})`,
        'key',
      )
    }
    // One without the leading / is the schema's to report.
    if (typeof c.pointer === 'string' && c.pointer.startsWith('/') && !isValidPointer(c.pointer)) {
      report(
        'bad-pointer',
        [...path, 'pointer'],
        `invalid JSON pointer "${c.pointer}" (expected /segment/segment, with ~0 for ~ and ~1 for /)`,
      )
    }
    if (typeof c.header === 'string' && !HEADER_NAME.test(c.header))
      report('bad-header', [...path, 'header'], `"${c.header}" is not a header name`)
    if (typeof c.regex === 'string') {
      // Placeholders are filled in escaped; any literal in their place shows whether the rest compiles.
      const re = compileRegex(c.regex.replace(/\{\{[^{}]*\}\}/g, 'x'))
      if (typeof re === 'string') report('bad-regex', [...path, 'regex'], re)
    }
  }
}
