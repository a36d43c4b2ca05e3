import type { Finding, Severity } from './types.ts'

/** One line per finding, the shape compilers use, so editors and CI annotate the document. */
export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}:${f.column}: ${f.severity}: ${oneLine(f.message)}`
}

export function hasErrors(fs: readonly Finding[]): boolean {
  return fs.some((f) => f.severity === 'error')
}

/** Order by place in the documents; the rest only makes equal places deterministic. */
export function sortFindings(fs: readonly Finding[]): Finding[] {
  return [...fs].sort(
    (a, b) => compare(a.file, b.file) || a.line - b.line || a.column - b.column || compare(a.code, b.code) || compare(a.message, b.message),
  )
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
