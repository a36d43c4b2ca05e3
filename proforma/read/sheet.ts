/**
 * Suppliers with many entries (one row per update mechanism, per interface) often keep the IXIT
 * tables in a spreadsheet, one table per sheet. A cell's stored value is read, not its displayed
 * formatting, so a date or a number reads the same whatever the supplier's locale.
 */
import { basename, extname } from 'node:path'
import ExcelJS from 'exceljs'
import { UnreadableDocumentError } from '../errors.ts'
import type { Grid, ReadDocument } from '../grid.ts'
import { captionOf, cleanCell, oneLine, requireZipPackage, tidyRows } from './tidy.ts'

/** A cell's text and the cell it comes from: every position a merged cell covers has the same source. */
interface SourcedCell {
  text: string
  source: string
}

export async function readXlsx(file: string, bytes: Buffer): Promise<ReadDocument> {
  requireZipPackage(file, bytes, 'xlsx')
  const workbook = new ExcelJS.Workbook()
  try {
    // exceljs declares an ArrayBuffer; a Node Buffer may be a view into a larger shared one.
    await workbook.xlsx.load(new Uint8Array(bytes).buffer)
  } catch (err) {
    throw new UnreadableDocumentError(file, `cannot be read as an Excel .xlsx file: ${oneLine(err)}`)
  }
  if (workbook.worksheets.length === 0) {
    throw new UnreadableDocumentError(
      file,
      'is not an Excel .xlsx file: it holds no worksheets (is it a Word or other Office file renamed?)',
    )
  }
  const grids: Grid[] = []
  const notes: string[] = []
  for (const sheet of workbook.worksheets) {
    const where = `sheet "${sheet.name}"`
    const { rows, unsaved } = sheetCells(sheet)
    if (unsaved.length > 0) {
      const shown = unsaved.slice(0, 5).join(', ') + (unsaved.length > 5 ? ', …' : '')
      notes.push(
        `${where}: ${unsaved.length} formula cell(s) have no saved result and were read as empty (${shown}); open and save the file in a spreadsheet application`,
      )
    }
    const grid = toGrid(file, where, [sheet.name], rows)
    if (grid) grids.push(grid)
  }
  return { file, grids, notes }
}

/**
 * CSV has no standard beyond RFC 4180, and exceljs reads it only from a stream (asynchronously)
 * and by default turns "1.10" into 1.1 and "007" into 7; a small parser that keeps every field as
 * written is simpler and safer than undoing that.
 */
export function readCsv(file: string, text: string): ReadDocument {
  const records = parseCsv(text)
  const first = records.find((r) => r.fields.some((f) => f.trim() !== ''))
  const where = `line ${first?.line ?? 1}`
  const rows = records.map((r, i) => r.fields.map((text, j) => ({ text, source: `${i}:${j}` })))
  const grid = toGrid(file, where, [basename(file, extname(file))], rows)
  return { file, grids: grid ? [grid] : [], notes: [] }
}

/**
 * A title typed in the sheet's first row, alone (or merged across the table), is the sheet's
 * caption and not a row of the table, provided a real table with several columns follows.
 */
function toGrid(file: string, where: string, headings: string[], cells: SourcedCell[][]): Grid | undefined {
  const filled = cells.map((row) => row.map((c) => ({ ...c, text: cleanCell(c.text) }))).filter((row) => row.some((c) => c.text !== ''))
  const sources = (row: SourcedCell[]) => new Set(row.filter((c) => c.text !== '').map((c) => c.source))
  let caption = ''
  const [top, ...rest] = filled
  if (top && sources(top).size === 1 && rest.some((row) => sources(row).size > 1)) {
    caption = captionOf(top.find((c) => c.text !== '')!.text)
    if (caption !== '') filled.shift()
  }
  const rows = tidyRows(filled.map((row) => row.map((c) => c.text)))
  return rows.length > 0 ? { origin: { file, where }, headings, caption, rows } : undefined
}

function sheetCells(sheet: ExcelJS.Worksheet): { rows: SourcedCell[][]; unsaved: string[] } {
  const rows: SourcedCell[][] = []
  const unsaved: string[] = []
  sheet.eachRow((row, r) => {
    const cells: SourcedCell[] = []
    row.eachCell((cell, c) => {
      const master = cell.isMerged ? cell.master : cell
      const value: unknown = master.value
      if (isObject(value) && ('formula' in value || 'sharedFormula' in value) && value.result === undefined && master === cell) {
        unsaved.push(cell.address)
      }
      cells[c - 1] = { text: valueText(value), source: master.address }
    })
    rows[r - 1] = Array.from({ length: cells.length }, (_, i) => cells[i] ?? { text: '', source: `${r}:${i}` })
  })
  return { rows: Array.from({ length: rows.length }, (_, i) => rows[i] ?? []), unsaved }
}

/** exceljs gives a cell's value as one of several shapes; each is read as the text a person sees. */
function valueText(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (value instanceof Date) return dateText(value)
  if (!isObject(value)) return ''
  if (Array.isArray(value.richText)) return value.richText.map((run: unknown) => (isObject(run) ? valueText(run.text) : '')).join('')
  if ('formula' in value || 'sharedFormula' in value) return valueText(value.result)
  if ('hyperlink' in value) return valueText(value.text) || valueText(value.hyperlink)
  if ('error' in value) return valueText(value.error)
  return ''
}

/** Spreadsheets store dates as UTC days; a date without a time of day reads as the ISO date alone. */
function dateText(date: Date): string {
  if (Number.isNaN(date.getTime())) return ''
  const iso = date.toISOString()
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 19).replace('T', ' ')
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

interface CsvRecord {
  fields: string[]
  /** Line where the record starts (a quoted field may hold line breaks). */
  line: number
}

/**
 * RFC 4180, read leniently as spreadsheet applications do: a quote inside an unquoted field is
 * kept, text after a closing quote is appended, an unclosed quote runs to the end of the file.
 * The separator is the first non-blank line's most frequent of ',', ';' and tab (Excel in many European
 * locales writes ';'), unless an Excel "sep=X" line names it.
 */
function parseCsv(text: string): CsvRecord[] {
  let input = text
  let line = 1
  let delimiter = sniffDelimiter(text)
  const hint = /^sep=(.)\r?\n/.exec(text)
  if (hint) {
    delimiter = hint[1]!
    input = text.slice(hint[0].length)
    line = 2
  }
  const records: CsvRecord[] = []
  let fields: string[] = []
  let field = ''
  let start = line
  let quoted = false
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!
    if (quoted) {
      if (ch === '"' && input[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') {
        quoted = false
      } else {
        if (ch === '\n') line++
        field += ch
      }
    } else if (ch === '"' && field === '') {
      quoted = true
    } else if (ch === delimiter) {
      fields.push(field)
      field = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && input[i + 1] === '\n') i++
      fields.push(field)
      records.push({ fields, line: start })
      fields = []
      field = ''
      start = ++line
    } else {
      field += ch
    }
  }
  if (field !== '' || fields.length > 0) {
    fields.push(field)
    records.push({ fields, line: start })
  }
  return records
}

function sniffDelimiter(text: string): string {
  const firstLine = (text.split(/\r?\n|\r/).find((line) => line.trim() !== '') ?? '').replace(/"[^"]*"/g, '')
  let best = ','
  let most = 0
  for (const candidate of [',', ';', '\t']) {
    const n = firstLine.split(candidate).length - 1
    if (n > most) {
      best = candidate
      most = n
    }
  }
  return best
}
