/**
 * Pulls values out of a device's answer as the profile declares: a JSON pointer into the body,
 * a regular expression over the body text, or a header (HTTP; an MQTT message has none). What does
 * not fit becomes an ExtractError saying what was expected and showing a short excerpt of what
 * came; the channel turns it into E_DUT_PROTOCOL.
 */
import type { Extract } from '../../profile/types.ts'
import { parsePointer } from '../../ixit/pointer.ts'
import type { DutNotification } from '../../core/dut.ts'
import { SWITCH, yesNo, type YesNoTable } from '../../core/yesno.ts'
import { excerpt } from './text.ts'

/** An answer, or one message of a stream, to extract from. */
export interface Answer {
  headers: Record<string, string>
  body: Buffer
}

export class ExtractError extends Error {}

const parsed = new WeakMap<Answer, { value: unknown } | { error: string }>()

function json(answer: Answer): unknown {
  let cached = parsed.get(answer)
  if (!cached) {
    try {
      cached = { value: JSON.parse(answer.body.toString('utf8')) as unknown }
    } catch (err) {
      cached = { error: err instanceof Error ? err.message : String(err) }
    }
    parsed.set(answer, cached)
  }
  if ('error' in cached) {
    const type = answer.headers['content-type']
    throw new ExtractError(`expected a JSON answer, got ${type ? `${type.split(';')[0]} ` : ''}${excerpt(answer.body)}`)
  }
  return cached.value
}

/** `what` names the value for messages, e.g. `version`. */
export function extractFromAnswer(ex: Extract, answer: Answer, what: string): unknown {
  if ('pointer' in ex) return atPointer(json(answer), ex.pointer, what)
  if ('regex' in ex) return matchRegex(ex, answer.body.toString('utf8'), what)
  const value = answer.headers[ex.header.toLowerCase()]
  if (value === undefined) throw new ExtractError(`${what}: no header ${ex.header} in the answer`)
  return value
}

/** For list items: pointers are relative to the item, regexes run over its text. */
export function extractFromItem(ex: Extract, item: unknown, what: string): unknown {
  if ('pointer' in ex) return atPointer(item, ex.pointer, what)
  if ('regex' in ex) return matchRegex(ex, typeof item === 'string' ? item : JSON.stringify(item), what)
  throw new ExtractError(`${what}: a header cannot be extracted from a list item`)
}

/** An optional value as text: absent when the answer does not carry it. */
export function optionalText(read: () => unknown): string | undefined {
  try {
    return asText(read())
  } catch (err) {
    if (err instanceof ExtractError) return undefined
    throw err
  }
}

/** Every item a list extraction finds: a JSON array by pointer, or all matches of a regex. */
export function extractList(ex: Extract, answer: Answer, what: string): unknown[] {
  if ('regex' in ex) {
    const text = answer.body.toString('utf8')
    const re = new RegExp(ex.regex, 'g')
    return [...text.matchAll(re)].map((m) => pickGroup(m, ex.group))
  }
  const value = extractFromAnswer(ex, answer, what)
  if (!Array.isArray(value)) throw new ExtractError(`${what}: expected a list, found ${describeValue(value)}`)
  return value
}

/** read-notifications: the items of the answer; kind and time are optional per item. */
export function notificationsFrom(
  extract: { items: Extract; text: Extract; kind?: Extract; time?: Extract },
  answer: Answer,
): DutNotification[] {
  return extractList(extract.items, answer, 'items').map((item, i) => {
    const n: DutNotification = { text: asText(extractFromItem(extract.text, item, `item ${i} text`)) }
    const kind = extract.kind && optionalText(() => extractFromItem(extract.kind!, item, `item ${i} kind`))
    const time = extract.time && optionalText(() => extractFromItem(extract.time!, item, `item ${i} time`))
    if (kind !== undefined) n.kind = kind
    if (time !== undefined) n.time = time
    return n
  })
}

function atPointer(document: unknown, pointer: string, what: string): unknown {
  let node = document
  for (const segment of parsePointer(pointer)) {
    if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(segment) && Number(segment) < node.length) node = node[Number(segment)]
    else if (node !== null && typeof node === 'object' && !Array.isArray(node) && Object.hasOwn(node, segment)) {
      node = (node as Record<string, unknown>)[segment]
    } else {
      throw new ExtractError(`${what}: JSON pointer ${pointer || '""'} finds nothing in ${excerpt(JSON.stringify(document))}`)
    }
  }
  if (node === null || node === undefined)
    throw new ExtractError(`${what}: JSON pointer ${pointer || '""'} finds null in ${excerpt(JSON.stringify(document))}`)
  return node
}

function matchRegex(ex: { regex: string; group?: string }, text: string, what: string): string {
  const m = new RegExp(ex.regex).exec(text)
  if (!m) throw new ExtractError(`${what}: regular expression /${ex.regex}/ finds nothing in ${excerpt(text)}`)
  const value = pickGroup(m, ex.group)
  if (value === undefined) throw new ExtractError(`${what}: group ${ex.group ?? 1} of /${ex.regex}/ did not take part in the match`)
  return value
}

function pickGroup(m: RegExpMatchArray, group: string | undefined): string {
  if (group === undefined) return (m.length > 1 ? m[1] : m[0]) as string
  return (/^\d+$/.test(group) ? m[Number(group)] : m.groups?.[group]) as string
}

/** A value as text: strings as they are, numbers and booleans printed, structures as JSON. */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

/** A yes/no value as `table` reads it (settings by default); anything else is an ExtractError. */
export function asBoolean(value: unknown, what: string, table: YesNoTable = SWITCH): boolean {
  const read = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? yesNo(table, value) : undefined
  if (read !== undefined) return read
  throw new ExtractError(`${what}: expected ${table.expected}, found ${describeValue(value)}`)
}

/** A value as messages show it: text quoted, numbers as they are, structures in short. */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list'
  if (value !== null && typeof value === 'object') return `an object ${excerpt(JSON.stringify(value), 60)}`
  return JSON.stringify(value) ?? String(value)
}
