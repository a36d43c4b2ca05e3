/**
 * The cell rules every reader shares, so that a table reads the same whichever format it was
 * typed in, and the one-line form of a library's complaint about a broken file.
 */
import { UnreadableDocumentError } from '../errors.ts'

const OFFICE = {
  docx: { name: 'a Word .docx file', older: '.doc' },
  xlsx: { name: 'an Excel .xlsx file', older: '.xls' },
}

/** Office files are ZIP packages; saying what else a file looks like beats a ZIP library's complaint. */
export function requireZipPackage(file: string, bytes: Buffer, format: keyof typeof OFFICE): void {
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0x504b0304) {
    // A damaged directory is left to the library, whose complaint names what is wrong.
    const unpacked = unpackedSize(bytes) ?? 0
    if (unpacked > MAX_UNPACKED_BYTES) {
      throw new UnreadableDocumentError(
        file,
        `unpacks to ${mib(unpacked)}, more than the ${mib(MAX_UNPACKED_BYTES)} a pro-forma can need: refused before unpacking it`,
      )
    }
    return
  }
  const { name, older } = OFFICE[format]
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0xd0cf11e0 && bytes.readUInt32BE(4) === 0xa1b11ae1) {
    throw new UnreadableDocumentError(
      file,
      `is not ${name} but an older ${older} file or a password-protected document: save it as an unprotected .${format}`,
    )
  }
  const what = bytes.length === 0 ? 'the file is empty' : 'the file is not a ZIP package, as every Office file is'
  throw new UnreadableDocumentError(file, `is not ${name}: ${what}`)
}

/** A library's error reduced to one line: the importer shows it to a person, not a stack trace. */
export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  const first = message.split(/\r?\n/).find((line) => line.trim() !== '') ?? 'unknown error'
  const line = first.trim()
  return line.length > 200 ? `${line.slice(0, 199)}…` : line
}

/**
 * A cell's text in the form grids hold it: line breaks kept as '\n', each line trimmed, runs of
 * other blanks (spaces, tabs, no-break spaces) made one space, no leading or trailing blank lines.
 */
export function cleanCell(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[^\S\n]+/g, ' ').trim())
    .join('\n')
    .trim()
}

/** Text read as one line, for headings and captions. */
export function oneLineText(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** A paragraph longer than this is prose, not a caption ("Table 7: Update mechanisms"). */
export const MAX_CAPTION_LENGTH = 160

export function captionOf(text: string): string {
  const line = oneLineText(text)
  return line.length <= MAX_CAPTION_LENGTH ? line : ''
}

/**
 * The shape every reader gives its rows: cells cleaned, rows empty in every cell left out, every
 * row as long as the widest, and columns empty in every row left out (a blank spacer column in a
 * spreadsheet or an empty trailing column in Word says nothing about the table).
 */
export function tidyRows(rows: readonly (readonly string[])[]): string[][] {
  const cleaned = rows.map((row) => row.map(cleanCell)).filter((row) => row.some((cell) => cell !== ''))
  const width = cleaned.reduce((max, row) => Math.max(max, row.length), 0)
  const used: number[] = []
  for (let column = 0; column < width; column++) {
    if (cleaned.some((row) => (row[column] ?? '') !== '')) used.push(column)
  }
  return cleaned.map((row) => used.map((column) => row[column] ?? ''))
}

const mib = (n: number): string => `${Math.ceil(n / (1024 * 1024))} MiB`

/** Office pro-formas unpack to a few megabytes; the libraries unpack in memory, so a ZIP bomb must stop here. */
export const MAX_UNPACKED_BYTES = 128 * 1024 * 1024

/**
 * The sizes a ZIP package's central directory declares for its members, added up; undefined when
 * there is no readable directory. A ZIP64 size (0xffffffff) counts as too large.
 */
export function unpackedSize(bytes: Buffer): number | undefined {
  const END = 0x06054b50
  const ENTRY = 0x02014b50
  let end = -1
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (bytes.readUInt32LE(i) === END) {
      end = i
      break
    }
  }
  if (end < 0) return undefined
  const entries = bytes.readUInt16LE(end + 10)
  let at = bytes.readUInt32LE(end + 16)
  let total = 0
  for (let n = 0; n < entries; n++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== ENTRY) return undefined
    const size = bytes.readUInt32LE(at + 24)
    total += size === 0xffffffff ? Infinity : size
    at += 46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32)
  }
  return total
}
