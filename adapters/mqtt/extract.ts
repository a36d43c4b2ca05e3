/**
 * Extraction from MQTT messages, with the kit's semantics (a JSON pointer into the payload, a
 * regex with an optional group); a message has no headers. A payload that is not JSON where a
 * pointer needs it is said with the topic and an excerpt.
 */
import type { Extract } from '../../profile/types.ts'
import type { DutNotification } from '../../core/dut.ts'
import { extractFromAnswer, ExtractError, notificationsFrom as fromAnswer, type Answer } from '../kit/extract.ts'
import { excerpt } from '../kit/text.ts'
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
  if ('header' in ex)
    throw new ExtractError(
      `${what}: an MQTT message has no headers (header ${ex.header}); extract with a JSON pointer or a regular expression`,
    )
  if ('pointer' in ex && !jsonOf(msg))
    throw new ExtractError(`${what}: expected a JSON payload on ${msg.topic}, got ${excerpt(msg.payload)}`)
}

export function fromMessage(ex: Extract, msg: IncomingMessage, what: string): unknown {
  usable(ex, msg, what)
  return extractFromAnswer(ex, answerOf(msg), what)
}

export function notificationsFrom(
  extract: { items: Extract; text: Extract; kind?: Extract; time?: Extract },
  msg: IncomingMessage,
): DutNotification[] {
  usable(extract.items, msg, 'items')
  return fromAnswer(extract, answerOf(msg))
}
