/**
 * Whether a parsed file is a document at all. A file that is not (a system file reached by a
 * wrong path or a symlink, a list, a text) would otherwise come back as one schema finding per
 * line, each quoting that file's content; it gets one finding instead, quoting nothing of it.
 */
import { isRecord } from './documents.ts'
import { finding } from './findings.ts'
import { closest } from './schema-errors.ts'
import type { SourceDoc } from './source.ts'
import type { Finding } from './types.ts'

/** `what` names the document expected ("an ICS document"); `allowed` its top-level properties. */
export function notADocument(doc: SourceDoc, what: string, allowed: readonly string[]): Finding | undefined {
  const at = { file: doc.file, line: 1, column: 1 }
  const value = doc.value
  // An empty file is the schema's to report ("the document is empty").
  if (value === null || value === undefined) return undefined
  if (!isRecord(value)) {
    return finding(
      'error',
      'not-a-document',
      at,
      `the top level is ${shapeOf(value)}, not a mapping of properties: this is not ${what}; check that this is the right file`,
    )
  }
  const keys = Object.keys(value).filter((k) => k !== '$schema')
  // A misspelt key is worth its own "did you mean"; a file none of whose keys is even close is not this document.
  if (keys.length === 0 || keys.some((k) => allowed.includes(k) || closest(k, allowed) !== undefined)) return undefined
  return finding(
    'error',
    'not-a-document',
    at,
    `no top-level key of this file is a property of ${what} (expected ${allowed.filter((k) => k !== '$schema').join(', ')}): check that this is the right file`,
  )
}

function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'string') return 'plain text'
  return `a ${typeof value}`
}
