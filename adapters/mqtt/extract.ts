/**
 * Extraction from MQTT messages, with the semantics of the HTTP adapter (a JSON pointer into the
 * payload, a regex with an optional group); a message has no headers. A payload that is not JSON
 * where a pointer needs it is said with the topic and an excerpt.
 */
import type { Extract } from '../../profile/types.ts'
import type { DutNotification } from '../../core/dut.ts'
import { asText, extractFromAnswer, extractFromItem, extractList, ExtractError, type Answer } from '../http/extract.ts'
import { excerpt } from '../http/redact.ts'
import type { IncomingMessage } from './record.ts'

const answers = new WeakMap<IncomingMessage, Answer>()

function answerOf(msg: IncomingMessage): Answer {
  let answer = answers.get(msg)
  if (!answer) answers.set(msg, (answer = { headers: {}, body: msg.payload }))
  return answer
}

/** The payload as JSON, or undefined when it is none. */
export function jsonOf(msg: IncomingMessage): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(msg.payload.toString('utf8')) as unknown }
  } catch {
    return undefined
  }
}

function usable(ex: Extract, msg: IncomingMessage, what: string): void {
  if ('header' in ex) throw new ExtractError(`${what}: an MQTT message has no headers (header ${ex.header}); extract with a JSON pointer or a regular expression`)
  if ('pointer' in ex && !jsonOf(msg)) throw new ExtractError(`${what}: expected a JSON payload on ${msg.topic}, got ${excerpt(msg.payload)}`)
}

export function fromMessage(ex: Extract, msg: IncomingMessage, what: string): unknown {
  usable(ex, msg, what)
  return extractFromAnswer(ex, answerOf(msg), what)
}

/** An optional value: absent when the message does not carry it. */
export function optionalFromMessage(ex: Extract | undefined, msg: IncomingMessage, what: string): string | undefined {
  if (!ex) return undefined
  try {
    return asText(fromMessage(ex, msg, what))
  } catch (err) {
    if (err instanceof ExtractError) return undefined
    throw err
  }
}

export function notificationsFrom(
  extract: { items: Extract; text: Extract; kind?: Extract; time?: Extract },
  msg: IncomingMessage,
): DutNotification[] {
  usable(extract.items, msg, 'items')
  return extractList(extract.items, answerOf(msg), 'items').map((item, i) => {
    const n: DutNotification = { text: asText(extractFromItem(extract.text, item, `item ${i} text`)) }
    // Kind and time are optional per notification: an item without them is still a notification.
    const optional = (ex: Extract | undefined, what: string) => {
      if (!ex) return undefined
      try {
        return asText(extractFromItem(ex, item, `item ${i} ${what}`))
      } catch (err) {
        if (err instanceof ExtractError) return undefined
        throw err
      }
    }
    const kind = optional(extract.kind, 'kind')
    const time = optional(extract.time, 'time')
    if (kind !== undefined) n.kind = kind
    if (time !== undefined) n.time = time
    return n
  })
}
