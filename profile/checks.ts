/**
 * What the DUT profile schema cannot say: loopback-only targets, routes that refer to routes,
 * mechanisms driven through something the profile does not declare, extractions that cannot work
 * and placeholders no operation fills. The checks of the adapter and its operations follow the
 * adapter kind (MQTT: profile-checks-mqtt.ts, serial: profile-checks-serial.ts).
 */
import { isRecord } from '../ixit/documents.ts'
import { finding } from '../ixit/findings.ts'
import { checkPlaceholders, isValidPointer, list, regexProblem, walk, type Report } from './check-kit.ts'
import { checkMqtt } from './checks-mqtt.ts'
import { checkSerial } from './checks-serial.ts'
import { LOOPBACK_RULE, isLoopbackHost, loopbackProblem } from '../core/loopback.ts'
import { IMAGE_PLACEHOLDERS } from './templates.ts'
import { toPointer, type PathSegment, type SourceDoc } from '../ixit/source.ts'
import type { Finding } from '../ixit/types.ts'

export { isValidPointer } from './check-kit.ts'

/**
 * Runs on the parsed document whether or not it is schema-valid (so a supplier sees every problem
 * in one round); values of the wrong shape are skipped here, the schema reports them.
 */
export function checkProfile(doc: SourceDoc): Finding[] {
  const findings: Finding[] = []
  const report: Report = (code, path, message, target = 'value') =>
    findings.push(finding('error', code, doc.locate(path, target), message, toPointer(path)))
  const warn: Report = (code, path, message, target = 'value') =>
    findings.push(finding('warning', code, doc.locate(path, target), message, toPointer(path)))
  const data = isRecord(doc.value) ? doc.value : {}
  const adapter = isRecord(data.adapter) ? data.adapter : {}
  const server = isRecord(data.updateServer) ? data.updateServer : undefined
  const operations = isRecord(data.operations) ? data.operations : {}

  // Loopback only; the adapter's own target is checked with the rest of its kind below.
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

  switch (adapter.kind) {
    case 'mqtt':
      checkMqtt(adapter, operations, report, warn)
      break
    case 'serial':
      checkSerial(adapter, operations, report, warn)
      break
    default:
      // http, or a kind the schema rejects: the HTTP checks are what an older profile needs.
      checkHttp(adapter, operations, report)
  }
  return findings
}

function checkHttp(adapter: Record<string, unknown>, operations: Record<string, unknown>, report: Report): void {
  if (typeof adapter.baseUrl === 'string') {
    const problem = loopbackProblem(adapter.baseUrl)
    if (problem) report(problem.includes('not a valid URL') ? 'bad-url' : 'not-loopback', ['adapter', 'baseUrl'], problem)
  }

  // Extractions and templates of the operations. Header names are the supplier's; a header
  // called `pointer` is no extraction.
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
      for (const [at, text] of texts) checkPlaceholders(report, at, text, allowed)
    }
  }, ['headers'])
}
