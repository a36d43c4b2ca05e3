/**
 * Facts that `ts701 import` read from a supplier's prose are written as suggestions: the value,
 * the sentence it came from, and `suggested: true`. Rules must not judge on a suggestion (the
 * supplier has not said it), so the loader sets them aside and lint lists them until the
 * supplier confirms one by deleting its `suggested: true`. A confirmed note (value and quote)
 * counts as the plain value; the quote stays in the file as a record of where it came from.
 */
import { isRecord } from './documents.ts'
import { finding } from './findings.ts'
import type { SourceDoc } from './source.ts'
import { IXIT_TABLES, type Finding } from './types.ts'

const NOTE_KEYS = new Set(['value', 'quote', 'suggested'])

/** A fact written as `{ value, quote, suggested? }` rather than as the value itself. */
export function isFactNote(v: unknown): v is { value: unknown; quote: string; suggested?: boolean } {
  return (
    isRecord(v) &&
    'value' in v &&
    typeof v.quote === 'string' &&
    (v.suggested === undefined || typeof v.suggested === 'boolean') &&
    Object.keys(v).every((k) => NOTE_KEYS.has(k))
  )
}

/** The document as the schema and the rules see it, and one note per suggestion still to confirm. */
export function setAsideSuggestions(doc: SourceDoc): { doc: SourceDoc; findings: Finding[] } {
  if (!isRecord(doc.value)) return { doc, findings: [] }
  const findings: Finding[] = []
  let changed = false
  const value: Record<string, unknown> = { ...doc.value }
  for (const table of IXIT_TABLES) {
    const entries = value[table]
    if (!Array.isArray(entries)) continue
    value[table] = entries.map((entry: unknown, i) => {
      if (!isRecord(entry) || !isRecord(entry.facts) || !Object.values(entry.facts).some(isFactNote)) return entry
      changed = true
      const facts: Record<string, unknown> = {}
      for (const [name, fact] of Object.entries(entry.facts)) {
        if (!isFactNote(fact)) facts[name] = fact
        else if (fact.suggested !== true) facts[name] = fact.value
        else {
          const id = typeof entry.id === 'string' ? entry.id : `${table}[${i}]`
          const at = doc.locate([table, i, 'facts', name], 'key')
          findings.push(
            finding(
              'note',
              'suggested-fact',
              at,
              `${id}: suggested fact ${name} = ${JSON.stringify(fact.value)}, read from "${fact.quote}". ` +
                'Rules ignore it until you confirm it by deleting its "suggested: true".',
            ),
          )
        }
      }
      return { ...entry, facts }
    })
  }
  if (!changed) return { doc, findings }
  return { doc: { file: doc.file, value, locate: (path, target) => doc.locate(path, target) }, findings }
}
