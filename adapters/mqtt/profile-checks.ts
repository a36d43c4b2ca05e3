/**
 * Semantic checks of an MQTT profile: a loopback broker without credentials in its URL, topics
 * that can be published to, reply filters that are filters, placeholders the operation fills,
 * extractions that work on a message (no headers), regexes that compile.
 */
import {
  checkLoopbackUrl,
  checkPlaceholders,
  compileRegex,
  isValidPointer,
  record,
  regexProblem,
  walk,
  type Report,
} from '../../profile/check-kit.ts'
import { IMAGE_PLACEHOLDERS, placeholdersIn } from '../../profile/templates.ts'
import { topicFilterProblem, topicNameProblem } from './topics.ts'
import type { PathSegment } from '../../ixit/source.ts'

/** What every MQTT exchange fills: a fresh ID to correlate request and reply. */
const MQTT_PLACEHOLDERS = ['requestId'] as const
/** What deliver-image fills in addition. */
const MQTT_DELIVERY_PLACEHOLDERS = [...MQTT_PLACEHOLDERS, ...IMAGE_PLACEHOLDERS] as const
/** What each chunk's topic may use in addition. */
const MQTT_CHUNK_PLACEHOLDERS = [...MQTT_DELIVERY_PLACEHOLDERS, 'chunk.index', 'chunk.total'] as const

const RESTARTS = ['reboot', 'factory-reset', 'restore'] as const

export function checkMqtt(adapter: Record<string, unknown>, operations: Record<string, unknown>, report: Report, warn: Report): void {
  if (typeof adapter.url === 'string' && checkLoopbackUrl(report, ['adapter', 'url'], adapter.url)) {
    const url = new URL(adapter.url)
    if (url.username !== '' || url.password !== '') {
      report(
        'credentials-in-url',
        ['adapter', 'url'],
        'credentials do not belong in the broker URL; declare adapter.auth (username, passwordEnv) instead',
      )
    }
  }
  const tls = record(adapter.tls)
  if (tls && (typeof tls.certFile === 'string') !== (typeof tls.keyFile === 'string')) {
    const [has, lacks] = typeof tls.certFile === 'string' ? ['certFile', 'keyFile'] : ['keyFile', 'certFile']
    report('conflict', ['adapter', 'tls', has], `a client certificate needs both certFile and keyFile; ${lacks} is missing`)
  }

  for (const [op, node] of Object.entries(operations)) {
    const at: PathSegment[] = ['operations', op]
    if (op === 'change-settings') {
      for (const [change, exchange] of Object.entries(record(node) ?? {}))
        checkExchange(record(exchange), [...at, change], MQTT_PLACEHOLDERS, report)
      continue
    }
    if (op === 'deliveries') {
      for (const [name, delivery] of Object.entries(record(node) ?? {})) checkDelivery(record(delivery), [...at, name], report)
      continue
    }
    const cfg = record(node)
    if (!cfg) continue
    if (op === 'deliver-image') checkDelivery(cfg, at, report)
    else checkExchange(cfg, at, MQTT_PLACEHOLDERS, report)
    if ((RESTARTS as readonly string[]).includes(op) && operations.identify === undefined) {
      warn('missing-operation', [...at], `${op} waits until identify answers again, but operations.identify is not declared`, 'key')
    }
  }

  // Extractions: pointers and regexes anywhere; headers do not exist in MQTT.
  walk(operations, ['operations'], (node, path) => {
    if (typeof node.pointer === 'string' && !isValidPointer(node.pointer)) {
      report(
        'bad-pointer',
        [...path, 'pointer'],
        `invalid JSON pointer "${node.pointer}" (expected "" or /segment/segment, with ~0 for ~ and ~1 for /)`,
      )
    }
    // Match regexes are templated first; they are checked with their reply.
    if (typeof node.regex === 'string' && path.at(-1) !== 'match') {
      const problem = regexProblem(node.regex, typeof node.group === 'string' ? node.group : undefined)
      if (problem) report('bad-regex', [...path, problem.at], problem.message)
    }
    if (typeof node.header === 'string' && path.includes('extract')) {
      report(
        'bad-extract',
        [...path, 'header'],
        'an MQTT message has no headers; extract with a JSON pointer or a regular expression over the payload',
        'key',
      )
    }
  })
}

/** `deliver-image` or one of `deliveries`: the exchange, and in chunks mode begin, end and the chunk topic. */
function checkDelivery(cfg: Record<string, unknown> | undefined, at: PathSegment[], report: Report): void {
  if (!cfg) return
  checkExchange(cfg, at, MQTT_DELIVERY_PLACEHOLDERS, report)
  for (const key of ['begin', 'end']) checkPublish(record(cfg[key]), [...at, key], MQTT_DELIVERY_PLACEHOLDERS, report)
  if (typeof cfg.topic === 'string') {
    const problem = topicNameProblem(cfg.topic)
    if (problem) report('bad-topic', [...at, 'topic'], problem)
    checkPlaceholders(report, [...at, 'topic'], cfg.topic, MQTT_CHUNK_PLACEHOLDERS)
  }
}

function checkExchange(cfg: Record<string, unknown> | undefined, at: PathSegment[], allowed: readonly string[], report: Report): void {
  if (!cfg) return
  checkPublish(record(cfg.publish), [...at, 'publish'], allowed, report)
  const reply = record(cfg.reply)
  if (!reply) return
  if (typeof reply.topic === 'string') {
    const problem = topicFilterProblem(reply.topic)
    if (problem) report('bad-topic', [...at, 'reply', 'topic'], problem)
    checkPlaceholders(report, [...at, 'reply', 'topic'], reply.topic, allowed)
  }
  const match = record(reply.match)
  if (typeof match?.equals === 'string') checkPlaceholders(report, [...at, 'reply', 'match', 'equals'], match.equals, allowed)
  if (typeof match?.regex === 'string') {
    const path = [...at, 'reply', 'match', 'regex']
    checkPlaceholders(report, path, match.regex, allowed)
    // Placeholders are filled (escaped) before the regex is compiled; a plain word stands in.
    let source = match.regex
    for (const name of placeholdersIn(source)) source = source.replace(new RegExp(`\\{\\{\\s*${escape(name)}\\s*\\}\\}`), 'x')
    const re = compileRegex(source)
    if (typeof re === 'string') report('bad-regex', path, re.replace(`/${source}/`, `/${match.regex}/`))
  }
}

function checkPublish(publish: Record<string, unknown> | undefined, at: PathSegment[], allowed: readonly string[], report: Report): void {
  if (!publish) return
  if (typeof publish.topic === 'string') {
    const problem = topicNameProblem(publish.topic)
    if (problem) report('bad-topic', [...at, 'topic'], problem)
    checkPlaceholders(report, [...at, 'topic'], publish.topic, allowed)
  }
  if (typeof publish.payload === 'string') checkPlaceholders(report, [...at, 'payload'], publish.payload, allowed)
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
