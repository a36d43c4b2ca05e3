/**
 * What the schema cannot say about `observe`: each fact's source must exist in this profile (an
 * update server with the routes it names, a broker, the operation), its extractions must be able
 * to work, and query and header values exist only in requests. A device with no API at all is
 * warned about when nothing observes its version: every unit that installs an image would stay open.
 */
import { loopbackProblem } from '../core/loopback.ts'
import { isSensitive } from '../core/mask.ts'
import { isRecord } from '../ixit/documents.ts'
import type { PathSegment } from '../ixit/source.ts'
import { checkExtraction, compileRegex, groupsOf, list, walk, type Report } from './check-kit.ts'

const FACTS = ['version', 'model', 'outcome', 'checks', 'alive'] as const
/** The operation `from: operation` reads for each fact. */
const OPERATION: Record<(typeof FACTS)[number], string | undefined> = {
  version: 'identify',
  model: 'identify',
  outcome: 'read-outcome',
  checks: undefined,
  alive: 'identify',
}

export function checkObserve(data: Record<string, unknown>, report: Report, warn: Report): void {
  const observe = isRecord(data.observe) ? data.observe : {}
  const adapter = isRecord(data.adapter) ? data.adapter : {}
  const operations = isRecord(data.operations) ? data.operations : {}
  const server = isRecord(data.updateServer) ? data.updateServer : undefined
  const routes = new Set(list(server?.routes).flatMap((r) => (isRecord(r) && typeof r.name === 'string' ? [r.name] : [])))

  const broker = isRecord(observe.mqtt) ? observe.mqtt : undefined
  if (broker && typeof broker.url === 'string') {
    const problem = loopbackProblem(broker.url)
    if (problem) report(problem.includes('not a valid URL') ? 'bad-url' : 'not-loopback', ['observe', 'mqtt', 'url'], problem)
  }

  const identity = isRecord(observe.identity) ? observe.identity : {}
  for (const [i, way] of list(identity.server).entries()) {
    if (!isRecord(way)) continue
    // The emulator records credentials masked: a name carried there would never equal the device's.
    for (const key of ['query', 'header'] as const)
      if (typeof way[key] === 'string' && isSensitive(way[key]))
        report(
          'bad-identity',
          ['observe', 'identity', 'server', i, key],
          `${way[key]} looks like a credential: its value is masked when recorded and cannot name the device`,
        )
    if (typeof way.path !== 'string' || typeof way.param !== 'string') continue
    if (!way.path.split('/').includes(`:${way.param}`))
      report('bad-identity', ['observe', 'identity', 'server', i, 'param'], `the path pattern ${way.path} has no segment :${way.param}`)
  }

  for (const name of FACTS) {
    const fact = observe[name]
    if (!isRecord(fact)) continue
    const at: PathSegment[] = ['observe', name]
    const op = OPERATION[name]
    if (fact.from === 'operation' && op && operations[op] === undefined)
      report('missing-operation', [...at, 'from'], `observe.${name} is read through ${op}, but operations.${op} is not declared`)
    if (fact.from === 'server') {
      if (!server)
        report(
          'missing-update-server',
          [...at, 'from'],
          `observe.${name} is read from the update server, but the profile declares no updateServer`,
        )
      for (const [i, route] of list(fact.routes).entries()) {
        if (typeof route === 'string' && server && !routes.has(route)) {
          const known = [...routes].map((r) => `"${r}"`).join(', ')
          report('unknown-route', [...at, 'routes', i], `no route named "${route}"${known ? ` (routes: ${known})` : ''}`)
        }
      }
    }
    if (fact.from === 'mqtt' && !broker && adapter.kind !== 'mqtt')
      report(
        'missing-broker',
        [...at, 'from'],
        `observe.${name} is read from MQTT, but there is no broker: give observe.mqtt.url (or use adapter.kind mqtt)`,
      )
    if (fact.from === 'console') checkConsole(fact, name, at, adapter.kind, report)
    checkExtractions(fact, at, fact.from === 'server', report)
  }

  if (adapter.kind === 'none' && !isRecord(observe.version)) {
    warn(
      'nothing-observed',
      ['adapter', 'kind'],
      'a device without an API needs observe.version: without it no installation can be seen, and the units that deliver images stay INCONCLUSIVE',
    )
  }
}

/**
 * A console fact needs a console (only the serial channel has one) and a line pattern that
 * compiles; without `extract`, the pattern's own groups must hold what the fact reads.
 */
function checkConsole(fact: Record<string, unknown>, name: string, at: PathSegment[], kind: unknown, report: Report): void {
  if (kind !== 'serial')
    report(
      'missing-console',
      [...at, 'from'],
      `observe.${name} is read from console lines, but adapter.kind ${typeof kind === 'string' ? kind : '(none)'} has no console: use adapter.kind serial`,
    )
  if (typeof fact.match !== 'string') return
  const re = compileRegex(fact.match)
  if (typeof re === 'string') {
    report('bad-regex', [...at, 'match'], re)
    return
  }
  if (fact.extract !== undefined || (name !== 'version' && name !== 'model' && name !== 'outcome')) return
  const { count, named } = groupsOf(re)
  const needed = name === 'outcome' ? 'state' : name
  if (!named.includes(needed) && count === 0)
    report(
      'bad-regex',
      [...at, 'match'],
      `without extract, the ${needed} is the group named ${needed} (or the first group) of the pattern, and /${fact.match}/ has no group`,
    )
}

/** Pointers and regexes that can work; `query` and `header` only where a request carries them. */
function checkExtractions(fact: Record<string, unknown>, at: PathSegment[], request: boolean, report: Report): void {
  walk(fact.extract, [...at, 'extract'], (node, path) => {
    checkExtraction(node, path, report)
    for (const key of ['query', 'header'] as const) {
      if (typeof node[key] === 'string' && !request)
        report(
          'bad-extract',
          [...path, key],
          `a ${key} exists only in a request to the update server (from: server), not in a message or a probe's output`,
        )
    }
  })
}
