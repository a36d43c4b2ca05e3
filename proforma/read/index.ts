/**
 * One entry point for a supplier's filled-in pro-forma, whatever format it came in: the importer
 * should not care whether the tables were typed in Markdown, Word or a spreadsheet, and it must
 * never see a library's raw exception for a broken file, only a one-line reason naming the file.
 * The per-format readers are loaded on demand, so reading a Markdown file does not pay for
 * loading the Word and spreadsheet libraries. The cell rules all readers share live in tidy.ts.
 */
import { readBounded } from '../../core/bounded-read.ts'
import { extname } from 'node:path'
import { DEFAULT_MAX_DOCUMENT_BYTES, formatBytes } from '../../ixit/source.ts'
import { firstInvalidUtf8, positionOf } from '../../ixit/utf8.ts'
import { UnreadableDocumentError } from '../errors.ts'
import type { ReadDocument } from '../grid.ts'
import { oneLine } from './tidy.ts'

export const SUPPORTED_EXTENSIONS = ['.md', '.markdown', '.docx', '.xlsx', '.csv'] as const

/** Word and Excel files are ZIP-compressed, so they get more room than a YAML document. */
export const DEFAULT_MAX_SUPPLIER_DOCUMENT_BYTES = DEFAULT_MAX_DOCUMENT_BYTES * 4

export interface ReadSupplierOptions {
  /** Refuse a file larger than this many bytes (default DEFAULT_MAX_SUPPLIER_DOCUMENT_BYTES). */
  maxBytes?: number
}

export async function readSupplierDocument(file: string, options: ReadSupplierOptions = {}): Promise<ReadDocument> {
  const ext = extname(file).toLowerCase()
  if (!(SUPPORTED_EXTENSIONS as readonly string[]).includes(ext)) {
    const kind = ext === '' ? 'a file without an extension' : `a "${ext}" file`
    throw new UnreadableDocumentError(file, `cannot import ${kind}: supported are ${SUPPORTED_EXTENSIONS.join(', ')}`)
  }
  const bytes = await readFileBytes(file, options.maxBytes ?? DEFAULT_MAX_SUPPLIER_DOCUMENT_BYTES)
  try {
    switch (ext) {
      case '.docx':
        return await (await import('./docx.ts')).readDocx(file, bytes)
      case '.xlsx':
        return await (await import('./sheet.ts')).readXlsx(file, bytes)
      case '.csv':
        return (await import('./sheet.ts')).readCsv(file, decodeText(file, bytes))
      default:
        return (await import('./markdown.ts')).readMarkdown(file, decodeText(file, bytes))
    }
  } catch (err) {
    if (err instanceof UnreadableDocumentError) throw err
    throw new UnreadableDocumentError(file, `cannot be read: ${oneLine(err)}`)
  }
}

/** A bounded read (core/bounded-read.ts), its refusals as errors naming the file. */
async function readFileBytes(file: string, limit: number): Promise<Buffer> {
  const read = await readBounded(file, limit)
  if (read.ok) return read.bytes
  switch (read.why) {
    case 'directory':
    case 'not-a-file':
      throw new UnreadableDocumentError(file, 'is not a regular file (a directory, device, FIFO or socket)')
    case 'too-large':
      throw tooLarge(file, read.size === undefined ? `more than ${formatBytes(limit)}` : formatBytes(read.size), limit)
    case 'unreadable':
      throw new UnreadableDocumentError(
        file,
        `${read.stage === 'open' ? 'cannot open the file' : 'cannot read the file'}: ${oneLine(read.error)}`,
      )
  }
}

function tooLarge(file: string, size: string, limit: number): UnreadableDocumentError {
  return new UnreadableDocumentError(
    file,
    `the file is ${size}, above the limit of ${formatBytes(limit)} for a supplier document; check that this is the right file`,
  )
}

/**
 * Text formats must be UTF-8 (a BOM is allowed, as Excel's "CSV UTF-8" writes one): decoding a
 * Windows-1252 export leniently would put U+FFFD into IXIT values that are later matched against
 * what the device reports. UTF-16 with a BOM (Excel's "Unicode text") is decoded as such.
 */
function decodeText(file: string, bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2))
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2))
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes
  const invalid = firstInvalidUtf8(body)
  if (invalid >= 0) {
    const { line, column } = positionOf(body, invalid)
    const byte = body[invalid]!.toString(16).toUpperCase().padStart(2, '0')
    throw new UnreadableDocumentError(
      file,
      `byte 0x${byte} at line ${line}, column ${column} is not UTF-8: save the file as UTF-8 text (it looks like another encoding, e.g. Windows-1252)`,
    )
  }
  return body.toString('utf8')
}
