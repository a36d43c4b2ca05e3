/**
 * One entry point for a supplier's filled-in pro-forma, whatever format it came in: the importer
 * should not care whether the tables were typed in Markdown, Word or a spreadsheet, and it must
 * never see a library's raw exception for a broken file, only a one-line reason naming the file.
 * The per-format readers are loaded on demand, so reading a Markdown file does not pay for
 * loading the Word and spreadsheet libraries. The cell rules all readers share live in tidy.ts.
 */
import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
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
  const bytes = await readBounded(file, options.maxBytes ?? DEFAULT_MAX_SUPPLIER_DOCUMENT_BYTES)
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

async function readBounded(file: string, limit: number): Promise<Buffer> {
  let handle
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (err) {
    throw new UnreadableDocumentError(file, `cannot open the file: ${oneLine(err)}`)
  }
  try {
    const info = await handle.stat()
    if (!info.isFile()) throw new UnreadableDocumentError(file, 'is not a regular file (a directory, device, FIFO or socket)')
    if (info.size > limit) throw tooLarge(file, formatBytes(info.size), limit)
    const chunks: Buffer[] = []
    let length = 0
    // One byte past the limit is enough to tell a file that grew while being read.
    while (length <= limit) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, limit + 1 - length))
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, length)
      if (bytesRead === 0) break
      chunks.push(chunk.subarray(0, bytesRead))
      length += bytesRead
    }
    if (length > limit) throw tooLarge(file, `more than ${formatBytes(limit)}`, limit)
    return Buffer.concat(chunks, length)
  } catch (err) {
    if (err instanceof UnreadableDocumentError) throw err
    throw new UnreadableDocumentError(file, `cannot read the file: ${oneLine(err)}`)
  } finally {
    await handle.close().catch(() => undefined)
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
