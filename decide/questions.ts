/**
 * One open unit as the assessor reads it on a terminal: what is asked, the IXIT text the question
 * rests on, and what the device was seen to do.
 */
import type { RecordedEntry } from '../core/evidence.ts'
import { EVIDENCE_LOG } from '../reports/html/input.ts'
import type { OpenUnit } from './open-units.ts'

/** Evidence lines shown per unit; a campaign cites hundreds, the log has them all. */
export const MAX_EVIDENCE_LINES = 20

export interface Question {
  question: string
  /** `UpdProc-1 Time Frame: "…"`, one per IXIT field the rule quoted. */
  quotes: string[]
}

// A rule's review reads `assessor review: <question> — <entry> <field title>: "<text>"; …` (harness/rule.ts).
const REVIEW = /^assessor review: (.*?)(?: — (\S+ [^:"]+: ".*))?$/s
const QUOTE_BOUNDARY = /(?<=");\s(?=\S+ [^:"]+: ")/

/** Splits a reason into its question and quotes; a reason of another wording is the question whole. */
export function parseReason(reason: string): Question {
  const m = REVIEW.exec(reason)
  if (!m) return { question: reason, quotes: [] }
  return { question: m[1]!, quotes: m[2] === undefined ? [] : m[2].split(QUOTE_BOUNDARY) }
}

export function unitLabel(u: { unit: string; target?: string }): string {
  return u.target === undefined ? u.unit : `${u.unit} [${u.target}]`
}

const row = (label: string, text: string): string => `  ${label.padEnd(9)} ${text}`
const more = (text: string): string => `  ${' '.repeat(9)} ${text}`

/** The lines shown for one unit, headed by its place in the walk (`3 of 10`). */
export function describeUnit(u: OpenUnit, evidence: ReadonlyMap<string, RecordedEntry>, place: { index: number; total: number }): string[] {
  const lines = [`── ${place.index} of ${place.total}: ${unitLabel(u)} (${u.kind})`, row('group', `${u.group.id}  ${u.group.title}`)]
  for (const ask of u.asks) {
    const { question, quotes } = parseReason(ask.reason)
    lines.push(row('question', ask.variant === undefined ? question : `${ask.variant}: ${question}`))
    quotes.forEach((q, i) => lines.push(i === 0 ? row('IXIT', q) : more(q)))
  }
  if (u.reads.length) lines.push(row('reads', u.reads.join(', ')))
  lines.push(...evidenceLines(u, evidence))
  return lines
}

function evidenceLines(u: OpenUnit, evidence: ReadonlyMap<string, RecordedEntry>): string[] {
  const cited = [...new Set(u.asks.flatMap((a) => a.evidence))]
  const shown = cited.slice(0, MAX_EVIDENCE_LINES).map((id, i) => {
    const e = evidence.get(id)
    // A unit may also cite a file of the run folder instead of a log entry.
    const text = e ? `${e.id}  ${e.time}  ${e.channel}  ${e.summary}` : /^E\d+$/.test(id) ? `${id}  (not in ${EVIDENCE_LOG})` : id
    return i === 0 ? row('evidence', text) : more(text)
  })
  const rest = cited.length - shown.length
  return rest > 0 ? [...shown, more(`… ${rest} more in ${EVIDENCE_LOG}`)] : shown
}
