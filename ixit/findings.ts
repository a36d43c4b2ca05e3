import type { Finding, Severity } from './types.ts'

/** One line per finding, the shape compilers use, so editors and CI annotate the document. */
export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}:${f.column}: ${f.severity}: ${oneLine(f.message)}`
}

export function hasErrors(fs: readonly Finding[]): boolean {
  return fs.some((f) => f.severity === 'error')
}

/**
 * Findings that say a file could not be taken in at all (missing, unreadable, too large, not
 * YAML, not a document). Whatever else is wrong may follow from them (a cross-reference into a
 * document that did not load), so they are read first.
 */
const ROOT_CAUSES: ReadonlySet<string> = new Set([
  'internal-error',
  'missing-document',
  'duplicate-document',
  'not-a-file',
  'outside-folder',
  'unreadable',
  'too-large',
  'invalid-utf8',
  'yaml-syntax',
  'not-a-document',
])

export function isRootCause(f: Finding): boolean {
  return ROOT_CAUSES.has(f.code)
}

/** Root causes first, then by place in the documents; the rest only makes equal places deterministic. */
export function sortFindings(fs: readonly Finding[]): Finding[] {
  return [...fs].sort(
    (a, b) =>
      Number(!isRootCause(a)) - Number(!isRootCause(b)) ||
      compare(a.file, b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      compare(a.code, b.code) ||
      compare(a.message, b.message),
  )
}

/** Keeps the order of `fs` otherwise: for lists put together from several sorted ones. */
export function rootCausesFirst(fs: readonly Finding[]): Finding[] {
  return [...fs.filter(isRootCause), ...fs.filter((f) => !isRootCause(f))]
}

/** Drops findings that say the same thing about the same place. */
export function dedupeFindings(fs: readonly Finding[]): Finding[] {
  const seen = new Set<string>()
  return fs.filter((f) => {
    const key = [f.file, f.line, f.column, f.severity, f.code, f.message].join('\u0000')
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

export interface Place {
  file: string
  line: number
  column: number
}

/** Builds a finding whose message starts with the pointer, so a printed line is self-explaining. */
export function finding(severity: Severity, code: string, at: Place, message: string, pointer?: string): Finding {
  const text = pointer ? `${pointer}: ${message}` : message
  const f: Finding = { severity, code, file: at.file, line: at.line, column: at.column, message: oneLine(text) }
  if (pointer !== undefined) f.pointer = pointer
  return f
}

function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').trim()
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
