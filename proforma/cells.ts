/**
 * One cell's text and the document value it stands for, both ways, so that what export writes
 * import reads back unchanged: prose verbatim, ID lists comma-separated, yes/no answers in words,
 * and facts as one line of YAML flow style (cells lose indentation, flow style has none).
 */
import { Document, parse } from 'yaml'
import type { FieldKind } from './tables.ts'

/** What a cell held: the value, or why it could not be read. */
export type CellValue = { ok: true; value: unknown } | { ok: false; problem: string }

const NONE = /^(?:none|n\/a|na|-|–|—|no mechanism|not updatable|nil)$/i
const YES = /^(?:y|yes|true|confirmed|x|✓|✔)$/i
const NO = /^(?:n|no|false|not confirmed)$/i

export function formatCell(kind: FieldKind, value: unknown): string {
  switch (kind) {
    case 'ids':
      return Array.isArray(value) && value.length > 0 ? value.map(String).join(', ') : 'None'
    case 'yesno':
      return value === true ? 'Yes' : value === false ? 'No' : ''
    case 'facts': {
      if (value === undefined || (typeof value === 'object' && value !== null && Object.keys(value).length === 0)) return ''
      const doc = new Document(value, { flow: true })
      return doc.toString({ lineWidth: 0, flowCollectionPadding: false }).trim()
    }
    default:
      return typeof value === 'string' ? value : value === undefined ? '' : String(value)
  }
}

export function parseCell(kind: FieldKind, text: string): CellValue {
  const t = text.trim()
  switch (kind) {
    case 'ids': {
      if (t === '' || NONE.test(t)) return { ok: true, value: [] }
      return {
        ok: true,
        value: t
          .split(/[,;\n]+|\s+and\s+/)
          .map((s) => s.trim())
          .filter((s) => s !== '' && !NONE.test(s)),
      }
    }
    case 'yesno':
      if (YES.test(t)) return { ok: true, value: true }
      if (NO.test(t)) return { ok: true, value: false }
      return { ok: false, problem: `"${t}" is neither yes nor no` }
    case 'facts': {
      if (t === '') return { ok: true, value: undefined }
      try {
        const value: unknown = parse(t)
        if (typeof value !== 'object' || value === null || Array.isArray(value))
          return { ok: false, problem: 'facts must be a YAML mapping' }
        return { ok: true, value }
      } catch (err) {
        return { ok: false, problem: `facts are not YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` }
      }
    }
    default:
      return { ok: true, value: t }
  }
}
