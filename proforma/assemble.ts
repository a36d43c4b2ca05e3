/**
 * Grids to documents: decides which pro-forma table each grid is and whether it holds a row per
 * entry or a field/value table per entry, maps headings to fields, and keeps every cell it
 * cannot map as a note on the entry, so nothing a supplier wrote is dropped without a word.
 */
import { basename, extname } from 'node:path'
import type { IxitTableId } from '../ixit/types.ts'
import { parseCell } from './cells.ts'
import type { Grid, GridOrigin } from './grid.ts'
import { looksLikeEntryId, matchField, matchTable, namesIcs, normalizeEntryId, normalizeName, provisionId, supportAnswer } from './match.ts'
import { ICS_TABLE, TABLES, type FieldSpec, type TableSpec } from './tables.ts'

export type EntryValue = Record<string, unknown>

export interface ImportedEntry {
  table: IxitTableId
  value: EntryValue
  origin: GridOrigin
  /** Headings the importer could not map, as written, with their text. */
  notes: Record<string, string>
  /** Field keys the document gave a value for. */
  mapped: string[]
}

export interface ImportedIcs {
  constrained?: boolean
  provisions: Record<string, { support: 'Y' | 'N' | 'N/A'; detail: string; status?: string }>
  origins: GridOrigin[]
}

export interface Assembled {
  entries: ImportedEntry[]
  ics?: ImportedIcs
  /** What could not be used, one line each, naming the file and place. */
  problems: string[]
}

const place = (o: GridOrigin): string => `${o.file} (${o.where})`

export function assemble(grids: readonly Grid[]): Assembled {
  const out: Assembled = { entries: [], problems: [] }
  for (const grid of grids) {
    const context = contextOf(grid)
    if (context?.table === 'ics') readIcs(grid, out)
    else if (context) readIxit(grid, context.table, entryHeading(grid, context, context.table), out)
    else
      out.problems.push(
        `${place(grid.origin)}: not recognised as an ICS or IXIT table (no heading, caption or column names match one); left out`,
      )
  }
  dedupe(out)
  return out
}

/** The grid's table, and which of its headings named it (-1: none did), so a deeper heading can name the entry. */
interface Context {
  table: TableSpec | 'ics'
  heading: number
}

function contextOf(grid: Grid): Context | undefined {
  const named = (text: string): TableSpec | 'ics' | undefined => (namesIcs(text) ? 'ics' : matchTable(text))
  const caption = grid.caption.trim() === '' ? undefined : named(grid.caption)
  if (caption) return { table: caption, heading: grid.headings.length }
  for (let i = grid.headings.length - 1; i >= 0; i--) {
    const table = named(grid.headings[i]!)
    if (table) return { table, heading: i }
  }
  const file = named(basename(grid.origin.file, extname(grid.origin.file)))
  if (file) return { table: file, heading: -1 }
  // No name above it: the column (or row) headings alone may still say which table it is.
  if (countMatches(firstRowOf(grid), ICS_TABLE.fields) >= 2 && grid.rows.some((r) => r.some((c) => provisionId(c) !== undefined)))
    return { table: 'ics', heading: -1 }
  let best: { spec: TableSpec; n: number } | undefined
  let tie = false
  for (const spec of TABLES) {
    const n = Math.max(countMatches(firstRowOf(grid), spec.fields), countMatches(firstColumnOf(grid), spec.fields))
    if (best && n === best.n) tie = true
    if (!best || n > best.n) [best, tie] = [{ spec, n }, false]
  }
  return best && best.n >= 3 && !tie ? { table: best.spec, heading: -1 } : undefined
}

/**
 * The entry a field/value table is about, from the headings: the one that named the table when
 * it is an entry ID ("UpdMech-Network"), else the deepest heading below it when that is one token.
 */
function entryHeading(grid: Grid, context: Context, spec: TableSpec): string | undefined {
  const at = grid.headings[context.heading]
  if (at !== undefined && looksLikeEntryId(at, spec)) return at
  const below = grid.headings
    .slice(context.heading + 1)
    .at(-1)
    ?.trim()
  return below && !/\s/.test(below) && normalizeEntryId(below) === below ? below : undefined
}

const firstRowOf = (g: Grid): string[] => g.rows[0] ?? []
const firstColumnOf = (g: Grid): string[] => g.rows.map((r) => r[0] ?? '')

function countMatches(cells: readonly string[], fields: readonly FieldSpec[]): number {
  return new Set(cells.map((c) => matchField(c, fields)).filter((f) => f !== undefined)).size
}

function readIxit(grid: Grid, spec: TableSpec, heading: string | undefined, out: Assembled): void {
  const byRow = countMatches(firstRowOf(grid), spec.fields)
  const byColumn = countMatches(firstColumnOf(grid), spec.fields)
  if (byColumn >= 2 && byColumn >= byRow) readFieldValue(grid, spec, heading, out)
  else if (byRow >= 1) readRows(grid, spec, out)
  else out.problems.push(`${place(grid.origin)}: under ${spec.id} but no column or row names a field of it; left out`)
}

/** A header row of field names and a row per entry. */
function readRows(grid: Grid, spec: TableSpec, out: Assembled): void {
  const [header = [], ...rows] = grid.rows
  const n = out.entries.filter((e) => e.table === spec.id).length
  rows.forEach((row, i) => {
    const pairs = header.map((h, c) => [h, row[c] ?? ''] as const)
    out.entries.push(entryOf(spec, pairs, grid, n + i + 1, undefined, out))
  })
}

/** A row per field: `Field | Value`, or `Field | Entry-1 | Entry-2` with a column per entry. */
function readFieldValue(grid: Grid, spec: TableSpec, heading: string | undefined, out: Assembled): void {
  const startsWithHeader = matchField(grid.rows[0]?.[0] ?? '', spec.fields) === undefined
  const header = startsWithHeader ? (grid.rows[0] ?? []) : []
  const rows = startsWithHeader ? grid.rows.slice(1) : grid.rows
  const columns = Math.max(2, ...rows.map((r) => r.length))
  const n = out.entries.filter((e) => e.table === spec.id).length
  for (let c = 1; c < columns; c++) {
    const head = header[c] ?? ''
    const named = looksLikeEntryId(head, spec) ? head : undefined
    // With one value column, the entry is the one the heading above names.
    const id = named ?? (columns === 2 ? heading : undefined)
    const pairs = rows.map((r) => [r[0] ?? '', r[c] ?? ''] as const)
    if (pairs.every(([, v]) => v === '')) continue
    out.entries.push(entryOf(spec, pairs, grid, n + c, id, out))
  }
}

function entryOf(
  spec: TableSpec,
  pairs: ReadonlyArray<readonly [string, string]>,
  grid: Grid,
  ordinal: number,
  id: string | undefined,
  out: Assembled,
): ImportedEntry {
  const value: EntryValue = {}
  const notes: Record<string, string> = {}
  const where = place(grid.origin)
  for (const [name, text] of pairs) {
    const field = matchField(name, spec.fields)
    if (!field) {
      if (name.trim() !== '' && text !== '' && normalizeName(name) !== normalizeName(text))
        notes[name.trim()] = joinDistinct(notes[name.trim()], text)
      continue
    }
    if (field.kind === 'id') {
      if (text !== '') value.id = normalizeEntryId(text)
      continue
    }
    const cell = parseCell(field.kind, text)
    if (!cell.ok) {
      out.problems.push(`${where}: ${spec.id} ${field.title}: ${cell.problem}; left out`)
      continue
    }
    if (cell.value === undefined) continue
    // A merged heading repeats one field over several columns: their texts belong together.
    value[field.key] =
      field.kind === 'text' && typeof value[field.key] === 'string' ? joinDistinct(value[field.key] as string, text) : cell.value
  }
  if (Array.isArray(value.updateMechanisms)) value.updateMechanisms = value.updateMechanisms.map((m) => normalizeEntryId(String(m)))
  const fromHeading = id === undefined ? undefined : normalizeEntryId(id)
  const entryId = typeof value.id === 'string' && value.id !== '' ? value.id : (fromHeading ?? `${spec.prefix}-${ordinal}`)
  const mapped = Object.keys(value).filter((k) => k !== 'id')
  return {
    table: spec.id,
    value: { id: entryId, ...withoutId(value) },
    origin: grid.origin,
    notes,
    mapped: value.id || fromHeading ? ['id', ...mapped] : mapped,
  }
}

function withoutId(value: EntryValue): EntryValue {
  const { id: _id, ...rest } = value
  return rest
}

function joinDistinct(a: string | undefined, b: string): string {
  if (!a) return b
  return a === b || a.includes(b) ? a : `${a}\n${b}`
}

function readIcs(grid: Grid, out: Assembled): void {
  const ics = (out.ics ??= { provisions: {}, origins: [] })
  ics.origins.push(grid.origin)
  const where = place(grid.origin)
  const header = firstRowOf(grid).map((h) => matchField(h, ICS_TABLE.fields)?.key)
  const constrainedNames = [ICS_TABLE.constrained.title, ...ICS_TABLE.constrained.aliases].map(normalizeName)
  for (const row of grid.rows) {
    if (constrainedNames.includes(normalizeName(row[0] ?? ''))) {
      const answer = parseCell('yesno', row[1] ?? '')
      if (answer.ok) ics.constrained = answer.value as boolean
      else out.problems.push(`${where}: ${ICS_TABLE.constrained.title}: ${answer.problem}; left out`)
      continue
    }
    const cellOf = (key: string): string => row[header.indexOf(key)] ?? ''
    const provision = provisionId(header.includes('provision') ? cellOf('provision') : (row[0] ?? ''))
    if (!provision) continue
    const support = supportAnswer(cellOf('support'))
    if (!support) {
      out.problems.push(`${where}: ICS ${provision}: support "${cellOf('support')}" is not Y, N or N/A; left out`)
      continue
    }
    const status = cellOf('status')
    ics.provisions[provision] = { support, detail: cellOf('detail'), ...(status ? { status } : {}) }
  }
}

/** Two documents may hold the same entry (a Word copy and a spreadsheet): once is enough, a clash is said. */
function dedupe(out: Assembled): void {
  const seen = new Map<string, ImportedEntry>()
  out.entries = out.entries.filter((e) => {
    const key = String(e.value.id)
    const first = seen.get(key)
    if (!first) {
      seen.set(key, e)
      return true
    }
    if (JSON.stringify(first.value) !== JSON.stringify(e.value)) {
      out.problems.push(`${place(e.origin)}: ${key} is also in ${place(first.origin)} with other content; the first is kept`)
    }
    return false
  })
}
