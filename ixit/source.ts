/**
 * Documents parsed with their positions. JSON goes through the YAML parser too (YAML 1.2 is a
 * superset of JSON), so both formats get node ranges and one code path reports positions.
 */
import { readBounded } from '../core/bounded-read.ts'
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml'
import { finding, type Place } from './findings.ts'
import type { Finding } from './types.ts'
import { parsePointer } from './pointer.ts'
import { firstInvalidUtf8, positionOf } from './utf8.ts'

export type PathSegment = string | number

export interface SourceDoc {
  readonly file: string
  /** The plain JSON value of the document. */
  readonly value: unknown
  /**
   * Where the node at `path` was written. A map is placed at its first key (that is where a
   * reader's eye lands, in YAML and JSON alike); `key` places a map member at its key instead.
   * A path that leaves the document is placed at the deepest node that exists.
   */
  locate(path: string | readonly PathSegment[], target?: 'value' | 'key'): Place
}

export interface ParseResult {
  doc?: SourceDoc
  findings: Finding[]
}

/** Documents are a few hundred kilobytes at most; anything far larger is a mistake or an attack. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 4 * 1024 * 1024

export interface ReadOptions {
  /** Refuse a document larger than this many bytes (default DEFAULT_MAX_DOCUMENT_BYTES). */
  maxBytes?: number
}

export async function readSource(file: string, options: ReadOptions = {}): Promise<ParseResult> {
  const read = await readDocumentBytes(file, options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES)
  if ('problem' in read) return { findings: [read.problem] }
  const bytes = read.bytes
  const invalid = firstInvalidUtf8(bytes)
  if (invalid < 0) return parseSource(file, bytes.toString('utf8'))
  const byte = bytes[invalid]!.toString(16).toUpperCase().padStart(2, '0')
  const problem = finding(
    'error',
    'invalid-utf8',
    { file, ...positionOf(bytes, invalid) },
    `byte 0x${byte} is not UTF-8: save the file as UTF-8 text (it looks like another encoding, e.g. Latin-1 or Windows-1252)`,
  )
  // The rest is still parsed, so one round shows every other problem too.
  const parsed = parseSource(file, bytes.toString('utf8'))
  return { ...parsed, findings: [problem, ...parsed.findings] }
}

const MAX_DUPLICATE_FINDINGS = 5

export function parseSource(file: string, text: string): ParseResult {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, version: '1.2' })
  const at = (offset: number): Place => {
    const { line, col } = lineCounter.linePos(offset)
    return { file, line, column: col }
  }
  const language = /\.json$/i.test(file) ? 'JSON' : 'YAML'
  const findings: Finding[] = []
  // After the first real syntax error the parser's later complaints are mostly its own
  // confusion; duplicate keys are independent of each other, so all of them are worth showing.
  let syntaxReported = false
  // A file that is not a document at all (a system file, a log) can repeat a key on every few
  // lines; past a handful, more findings would only copy that file into the output.
  let duplicates = 0
  for (const e of doc.errors) {
    if (e.code === 'DUPLICATE_KEY' && ++duplicates > MAX_DUPLICATE_FINDINGS) continue
    if (e.code === 'DUPLICATE_KEY') {
      const key = keyAt(text, e.pos[0])
      findings.push(
        finding(
          'error',
          'duplicate-key',
          at(e.pos[0]),
          `duplicate key "${key}" in ${language === 'JSON' ? 'JSON object' : 'YAML mapping'}`,
        ),
      )
    } else if (!syntaxReported) {
      syntaxReported = true
      const hint = language === 'YAML' ? placeholderHint(text, e.pos[0]) : ''
      findings.push(finding('error', 'yaml-syntax', at(e.pos[0]), `invalid ${language}: ${e.message}${hint}`))
    }
  }
  if (duplicates > MAX_DUPLICATE_FINDINGS) {
    const more = duplicates - MAX_DUPLICATE_FINDINGS
    findings.push(
      finding(
        'error',
        'duplicate-key',
        { file, line: 1, column: 1 },
        `${more} more duplicate key${more === 1 ? '' : 's'} not listed: is this the right file?`,
      ),
    )
  }
  for (const w of doc.warnings.slice(0, MAX_DUPLICATE_FINDINGS)) {
    findings.push(finding('warning', 'yaml-warning', at(w.pos[0]), `${language}: ${w.message}`))
  }
  if (doc.errors.length > 0) return { findings }

  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: 100 })
  } catch (err) {
    findings.push(finding('error', 'yaml-syntax', { file, line: 1, column: 1 }, `invalid ${language}: ${reason(err)}`))
    return { findings }
  }
  return {
    doc: { file, value, locate: (path, target = 'value') => locate(doc, at, file, path, target) },
    findings,
  }
}

/** A bounded read (core/bounded-read.ts), its refusals as findings at the top of the file. */
async function readDocumentBytes(file: string, limit: number): Promise<{ bytes: Buffer } | { problem: Finding }> {
  const read = await readBounded(file, limit)
  if (read.ok) return { bytes: read.bytes }
  const refuse = (code: string, message: string) => ({ problem: finding('error', code, { file, line: 1, column: 1 }, message) })
  switch (read.why) {
    case 'directory':
      return refuse('not-a-file', 'is a directory, not a document')
    case 'not-a-file':
      return refuse('not-a-file', 'is not a regular file (a device, FIFO or socket); give the path of the document itself')
    case 'too-large':
      return refuse('too-large', tooLarge(read.size === undefined ? `more than ${formatBytes(limit)}` : formatBytes(read.size), limit))
    case 'unreadable':
      return refuse('unreadable', `cannot read file: ${reason(read.error)}`)
  }
}

function tooLarge(size: string, limit: number): string {
  return `the file is ${size}, above the limit of ${formatBytes(limit)} for a document; check that this is the right file`
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1).replace(/\.0$/, '')} KiB (${n} bytes)`
  return `${(n / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MiB (${n} bytes)`
}

function locate(
  doc: Document,
  at: (offset: number) => Place,
  file: string,
  path: string | readonly PathSegment[],
  target: 'value' | 'key',
): Place {
  const segments = typeof path === 'string' ? parsePointer(path) : path
  let node: unknown = doc.contents
  let place: Place = startOf(node, at) ?? { file, line: 1, column: 1 }
  for (const [i, segment] of segments.entries()) {
    node = isAlias(node) ? node.resolve(doc) : node
    let keyNode: unknown
    let child: unknown
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(segment))
      if (!pair) return place
      keyNode = pair.key
      child = pair.value
    } else if (isSeq(node)) {
      child = node.items[Number(segment)]
      if (child === undefined) return place
    } else {
      return place
    }
    const keyPlace = keyNode === undefined ? undefined : startOf(keyNode, at)
    if (target === 'key' && i === segments.length - 1 && keyPlace) return keyPlace
    place = startOf(child, at) ?? keyPlace ?? place
    node = child
  }
  return place
}

function startOf(node: unknown, at: (offset: number) => Place): Place | undefined {
  if (isMap(node)) {
    const first = node.items[0]?.key
    const offset = (isScalar(first) || isMap(first) || isSeq(first) ? first.range?.[0] : undefined) ?? node.range?.[0]
    return offset === undefined ? undefined : at(offset)
  }
  if (isSeq(node) || isAlias(node)) return node.range ? at(node.range[0]) : undefined
  if (isScalar(node)) {
    // `key:` with nothing after it has an empty null scalar; its key is the better place.
    if (!node.range || (node.value === null && node.range[0] === node.range[1])) return undefined
    return at(node.range[0])
  }
  return undefined
}

/**
 * `{{` opens a flow mapping in YAML, so a placeholder in an unquoted value inside `{ … }` or
 * `[ … ]` breaks the document (`{ topic: dev/{{requestId}}/reply }`: "Unexpected flow-map-start").
 * The parser's message does not say that; this says how to write the value instead.
 */
function placeholderHint(text: string, offset: number): string {
  if (!text.startsWith('{{', offset)) return ''
  const before = /[^\s,[\]{}]*$/.exec(text.slice(text.lastIndexOf('\n', offset - 1) + 1, offset))?.[0] ?? ''
  const after = /^(?:\{\{[^{}\n]*\}\}|[^\s,[\]{}])*/.exec(text.slice(offset))?.[0] ?? ''
  return `; a {{…}} placeholder in a value inside { … } or [ … ] must be quoted: write ${JSON.stringify(before + after)}`
}

/** The key written at `offset`, for messages; the parser's error range covers only its start. */
function keyAt(text: string, offset: number): string {
  const m = /^(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^:,{}[\]\n]*?))\s*:/.exec(text.slice(offset))
  return (m?.[1] ?? m?.[2] ?? m?.[3] ?? text.slice(offset).split(/[\s:]/)[0] ?? '').trim()
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value)
  return String(key)
}

/** A system or library error in one line: its message, led by its code where the message lacks it. */
export function reason(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') {
    const message = 'message' in err && typeof err.message === 'string' ? err.message : ''
    return message.includes(err.code) ? message : `${err.code} ${message}`.trim()
  }
  return err instanceof Error ? err.message : String(err)
}
