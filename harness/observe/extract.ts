/**
 * Values out of what the device sent on its own: a request to the emulator, an MQTT message, a
 * probe's output. Unlike the operations' extraction, nothing here throws: a report that does not
 * carry the value is skipped, and the last such problem goes into the reason when nothing did.
 */
import type { UpdateOutcome } from '../../core/dut.ts'
import { parsePointer } from '../../ixit/pointer.ts'
import { asText } from '../../adapters/kit/extract.ts'
import { mapState } from '../../adapters/kit/outcome.ts'
import { excerpt } from '../../adapters/kit/text.ts'
import type { ObserveExtract, ObserveOutcomeExtract, OutcomeStates } from '../../profile/types.ts'

/** One report as the extraction sees it. */
export interface Report {
  text: string
  /** The JSON body, when the transport parsed it already (the emulator does). */
  json?: unknown
  /** Requests only. */
  query?: Record<string, string>
  /** Requests only; names in lower case. */
  headers?: Record<string, string>
}

export type Extracted = { value: string } | { problem: string }

const NO_JSON = Symbol('no JSON')
const parsed = new WeakMap<Report, unknown>()

function jsonOf(r: Report): unknown {
  if (r.json !== undefined) return r.json
  if (!parsed.has(r)) {
    let value: unknown = NO_JSON
    try {
      value = JSON.parse(r.text) as unknown
    } catch {
      // Not JSON: a pointer finds nothing, which the problem says.
    }
    parsed.set(r, value)
  }
  return parsed.get(r)
}

function atPointer(document: unknown, pointer: string): unknown {
  let node = document
  for (const segment of parsePointer(pointer)) {
    if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(segment)) node = node[Number(segment)]
    else if (node !== null && typeof node === 'object' && Object.hasOwn(node, segment)) node = (node as Record<string, unknown>)[segment]
    else return undefined
  }
  return node ?? undefined
}

export function extractValue(ex: ObserveExtract, r: Report, what: string): Extracted {
  if ('pointer' in ex) {
    const doc = jsonOf(r)
    if (doc === NO_JSON) return { problem: `${what}: expected a JSON body, got ${excerpt(r.text)}` }
    const value = atPointer(doc, ex.pointer)
    return value === undefined
      ? { problem: `${what}: JSON pointer ${ex.pointer || '""'} finds nothing in ${excerpt(r.text)}` }
      : { value: asText(value) }
  }
  if ('regex' in ex) {
    const m = new RegExp(ex.regex).exec(r.text)
    if (!m) return { problem: `${what}: /${ex.regex}/ finds nothing in ${excerpt(r.text)}` }
    const group = ex.group
    const value = group === undefined ? (m.length > 1 ? m[1] : m[0]) : /^\d+$/.test(group) ? m[Number(group)] : m.groups?.[group]
    return value === undefined ? { problem: `${what}: group ${group ?? 1} of /${ex.regex}/ did not take part in the match` } : { value }
  }
  if ('query' in ex) {
    const value = r.query?.[ex.query]
    return value === undefined ? { problem: `${what}: no query parameter ${ex.query}` } : { value }
  }
  const value = r.headers?.[ex.header.toLowerCase()]
  return value === undefined ? { problem: `${what}: no header ${ex.header}` } : { value }
}

/** What one report says about an installation: a final outcome, a state still open, or nothing readable. */
export type OutcomeReport = { final: UpdateOutcome } | { open: string; pending: boolean } | { problem: string }

export function readOutcomeReport(ex: ObserveOutcomeExtract, states: OutcomeStates, r: Report): OutcomeReport {
  const raw = extractValue(ex.state, r, 'state')
  if ('problem' in raw) return raw
  const state = mapState(raw.value, states)
  if (state === 'pending' || state === undefined) return { open: raw.value, pending: state === 'pending' }
  const optional = (e: ObserveExtract | undefined, what: string) => {
    const got = e && extractValue(e, r, what)
    return got && 'value' in got ? got.value : undefined
  }
  const version = optional(ex.version, 'version')
  const detail = optional(ex.detail, 'detail')
  return { final: { state, ...(version !== undefined && { version }), ...(detail !== undefined && { detail }) } }
}

/** Why nothing final came, in the words the operations use (adapters/kit/outcome.ts). */
export function openDetail(last: OutcomeReport | undefined, states: OutcomeStates, timeoutMs: number): string {
  const head = `no final outcome within ${timeoutMs} ms`
  if (!last || 'final' in last) return head
  if ('problem' in last) return `${head} (last report: ${last.problem})`
  if (last.pending) return `${head} (still "${last.open}")`
  const known = [...states.installed, ...states.rejected, ...states.pending].map((s) => `"${s}"`).join(', ')
  return `${head}: the device reported state "${last.open}", which the profile does not map (known states: ${known})`
}
