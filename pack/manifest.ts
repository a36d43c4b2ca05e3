import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { hashRange } from '../fixtures/hash.ts'
import { PackInputError } from './errors.ts'
import { MANIFEST } from './files.ts'

/** One line of a manifest: a file of the run folder and the SHA-256 of its bytes. */
export interface ManifestEntry {
  /** Relative to the run folder, `/`-separated, as written (unescaped). */
  path: string
  /** Lower-case hex. */
  sha256: string
}

/** Byte-wise order of the UTF-8 paths, as `LC_ALL=C sort` would give, so the order never depends on a locale. */
export function byPath(a: { path: string }, b: { path: string }): number {
  return Buffer.compare(Buffer.from(a.path, 'utf8'), Buffer.from(b.path, 'utf8'))
}

/**
 * Hashes the files one after another, each streamed: attack images can be a gigabyte, and several
 * read at once would only compete for the same disk.
 */
export async function hashFiles(dir: string, paths: readonly string[]): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = []
  for (const path of paths) entries.push({ path, sha256: (await hashRange(join(dir, path))).sha256 })
  return entries.sort(byPath)
}

// GNU sha256sum escapes these three in a name and marks the line with a leading backslash; doing
// the same keeps `sha256sum -c` able to read back any name a file system allows.
const NEEDS_ESCAPE = /[\\\n\r]/
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r' }
const UNESCAPES: Record<string, string> = { '\\': '\\', n: '\n', r: '\r' }

/** One `sha256sum` line, text mode (two spaces), newline included. */
export function formatLine(entry: ManifestEntry): string {
  if (!NEEDS_ESCAPE.test(entry.path)) return `${entry.sha256}  ${entry.path}\n`
  return `\\${entry.sha256}  ${entry.path.replace(/[\\\n\r]/g, (c) => ESCAPES[c]!)}\n`
}

/** The manifest text: one line per entry, sorted by path. */
export function formatManifest(entries: readonly ManifestEntry[]): string {
  return [...entries].sort(byPath).map(formatLine).join('')
}

/** SHA-256 (hex) of the manifest lines of `entries`: what a seal records. */
export function digestOf(entries: readonly ManifestEntry[]): string {
  return createHash('sha256').update(formatManifest(entries), 'utf8').digest('hex')
}

const LINE = /^(\\?)([0-9a-fA-F]{64}) [ *](.+)$/s

function unescape(name: string, lineNo: number): string {
  return name.replace(/\\(.?)/gs, (_, c: string) => {
    const plain = UNESCAPES[c]
    if (plain === undefined) throw syntax(lineNo, `unknown escape \\${c} in the file name`)
    return plain
  })
}

function syntax(lineNo: number, what: string): PackInputError {
  return new PackInputError('E_PACK_MANIFEST_SYNTAX', `${MANIFEST}:${lineNo}: ${what}`)
}

/**
 * Reads a manifest back. Beyond the format, a name must stay inside the folder (no `..`, no
 * absolute path) and appear once: verify opens every name it lists, and a manifest is input an
 * adversary may have written.
 */
export function parseManifest(text: string): ManifestEntry[] {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  const seen = new Set<string>()
  return lines.map((line, i) => {
    const lineNo = i + 1
    const m = LINE.exec(line)
    if (!m) throw syntax(lineNo, 'not a line of the form "<sha256 hex>  <path>"')
    const path = m[1] ? unescape(m[3]!, lineNo) : m[3]!
    const parts = path.split('/')
    if (path.startsWith('/') || parts.some((p) => p === '..' || p === '.' || p === '')) {
      throw syntax(lineNo, `"${path}" is not a plain path inside the folder`)
    }
    if (seen.has(path)) throw syntax(lineNo, `"${path}" is listed twice`)
    seen.add(path)
    return { path, sha256: m[2]!.toLowerCase() }
  })
}
