/**
 * `ts701 import`: a supplier's documents, in whatever format they wrote them, become ixit.yaml
 * and ics.yaml, with facts suggested from the prose and a report of what was found and what the
 * supplier still owes.
 */
import { loadEdition } from '../catalog/editions.ts'
import { parseRead } from '../ixit/fields.ts'
import { readSchema } from '../ixit/schemas.ts'
import type { IcsDocument, IxitDocument } from '../ixit/documents.ts'
import { IXIT_TABLES, type IxitTableId } from '../ixit/types.ts'
import { assemble, type Assembled, type ImportedEntry } from './assemble.ts'
import { NothingToImportError } from './errors.ts'
import type { Grid } from './grid.ts'
import { readSupplierDocument } from './read/index.ts'
import { suggestFacts, UPDMECH_TEXT_FIELDS, type UpdMechTextField } from './suggest.ts'
import { tableSpec } from './tables.ts'

export interface SuggestionReport {
  entry: string
  fact: string
  value: unknown
  quote: string
  /** The pro-forma field the quote was taken from. */
  field: string
}

export interface TableReport {
  table: IxitTableId
  entries: string[]
  /** Pro-forma field titles that at least one entry filled. */
  mapped: string[]
  /** Per entry, the fields the edition reads (or the schema needs) that the document left empty. */
  missing: Array<{ entry: string; fields: string[] }>
  /** Headings that matched no field, kept as notes on their entries. */
  unknown: string[]
}

export interface ImportReport {
  edition: string
  sources: Array<{ file: string; tables: number; notes: string[] }>
  tables: TableReport[]
  /** IXIT tables the edition reads that no document held. */
  missingTables: IxitTableId[]
  ics?: { provisions: number; constrained?: boolean; missing: string[] }
  suggestions: SuggestionReport[]
  problems: string[]
}

export interface Imported {
  ixit: IxitDocument
  ics?: Partial<IcsDocument>
  report: ImportReport
}

export async function importDocuments(files: readonly string[], options: { standard: string; maxBytes?: number }): Promise<Imported> {
  const read = []
  for (const file of files)
    read.push(await readSupplierDocument(file, options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }))
  const grids: Grid[] = read.flatMap((d) => d.grids)
  const assembled = assemble(grids)
  if (assembled.entries.length === 0 && !assembled.ics) {
    throw new NothingToImportError(
      `no ICS or IXIT table found in ${files.join(', ')}` + (assembled.problems.length ? `: ${assembled.problems.join('; ')}` : ''),
    )
  }
  const imported = documentsOf(assembled, options.standard)
  imported.report.sources = read.map((d) => ({ file: d.file, tables: d.grids.length, notes: d.notes }))
  return imported
}

/** The documents and the report from what the grids held; suggestions only where the document states no fact itself. */
export function documentsOf(assembled: Assembled, standard: string): Imported {
  const reads = fieldsRead(standard)
  const required = requiredFields()
  const ixit: IxitDocument = {}
  const suggestions: SuggestionReport[] = []
  const tables: TableReport[] = []
  for (const table of IXIT_TABLES) {
    const entries = assembled.entries.filter((e) => e.table === table)
    if (entries.length === 0) continue
    const values = entries.map((e) => withNotes(e))
    if (table === '7-UpdMech') for (const v of values) suggestions.push(...suggestInto(v))
    ;(ixit as Record<string, unknown>)[table] = values
    tables.push(tableReport(table, entries, reads.get(table) ?? new Set(), required(table)))
  }
  const report: ImportReport = {
    edition: standard,
    sources: [],
    tables,
    missingTables: IXIT_TABLES.filter((t) => reads.has(t) && !tables.some((r) => r.table === t)),
    suggestions,
    problems: assembled.problems,
  }
  if (!assembled.ics) return { ixit, report }
  const ics: Partial<IcsDocument> = {
    ...(assembled.ics.constrained === undefined ? {} : { constrained: assembled.ics.constrained }),
    provisions: assembled.ics.provisions,
  }
  const provisions = loadEdition(standard).groups.map((g) => g.id)
  report.ics = {
    provisions: Object.keys(assembled.ics.provisions).length,
    ...(assembled.ics.constrained === undefined ? {} : { constrained: assembled.ics.constrained }),
    missing: provisions.filter((p) => !(p in assembled.ics!.provisions)),
  }
  return { ixit, ics, report }
}

/** Unmapped columns travel with the entry, so the supplier's words stay with it. */
function withNotes(e: ImportedEntry): Record<string, unknown> {
  return Object.keys(e.notes).length > 0 ? { ...e.value, notes: e.notes } : { ...e.value }
}

function suggestInto(entry: Record<string, unknown>): SuggestionReport[] {
  const text: Partial<Record<UpdMechTextField, string>> = {}
  for (const f of UPDMECH_TEXT_FIELDS) if (typeof entry[f] === 'string') text[f] = entry[f]
  const stated = (entry.facts ?? {}) as Record<string, unknown>
  const fresh = suggestFacts(text).filter((s) => !(s.fact in stated))
  if (fresh.length === 0) return []
  entry.facts = { ...stated, ...Object.fromEntries(fresh.map((s) => [s.fact, { value: s.value, quote: s.quote, suggested: true }])) }
  const id = String(entry.id)
  return fresh.map((s) => ({
    entry: id,
    fact: s.fact,
    value: s.value,
    quote: s.quote,
    field: tableSpec('7-UpdMech').fields.find((f) => f.key === s.field)?.title ?? s.field,
  }))
}

/** Per IXIT table, the fields the edition's units read or the schema requires (prose and facts alike). */
function fieldsRead(standard: string): Map<IxitTableId, Set<string>> {
  const reads = new Map<IxitTableId, Set<string>>()
  for (const group of loadEdition(standard).groups)
    for (const c of group.cases)
      for (const unit of c.units)
        for (const r of unit.reads) {
          const { table, path } = parseRead(r)
          if (!(IXIT_TABLES as readonly string[]).includes(table) || !path[0]) continue
          const set = reads.get(table as IxitTableId) ?? new Set<string>()
          // Facts are optional by design: a missing one sends the unit to the assessor, it is not a gap in the document.
          if (path[0] !== 'facts') set.add(path[0])
          reads.set(table as IxitTableId, set)
        }
  return reads
}

function tableReport(
  table: IxitTableId,
  entries: readonly ImportedEntry[],
  read: ReadonlySet<string>,
  requiredKeys: readonly string[],
): TableReport {
  const spec = tableSpec(table)
  const title = (key: string): string => spec.fields.find((f) => f.key === key)?.title ?? key
  const wanted = spec.fields.filter((f) => f.kind !== 'id' && f.kind !== 'facts' && (read.has(f.key) || requiredKeys.includes(f.key)))
  return {
    table,
    entries: entries.map((e) => String(e.value.id)),
    mapped: spec.fields.filter((f) => entries.some((e) => e.mapped.includes(f.key))).map((f) => f.title),
    missing: entries
      .map((e) => ({
        entry: String(e.value.id),
        fields: wanted
          .filter((f) => !e.mapped.includes(f.key) && (WANTED_WHEN[`${table}.${f.key}`]?.(e.value) ?? true))
          .map((f) => title(f.key)),
      }))
      .filter((m) => m.fields.length > 0),
    unknown: [...new Set(entries.flatMap((e) => Object.keys(e.notes)))],
  }
}

/** Fields an edition reads only in some entries: a justification only where nothing updates the component. */
const WANTED_WHEN: Readonly<Record<string, (entry: Record<string, unknown>) => boolean>> = {
  '6-SoftComp.notUpdatableJustification': (entry) => Array.isArray(entry.updateMechanisms) && entry.updateMechanisms.length === 0,
}

/** What ixit.schema.json requires of each entry of a table, read from the schema (once) so the two cannot drift. */
function requiredFields(): (table: IxitTableId) => readonly string[] {
  const schema = readSchema('ixit') as {
    properties: Record<string, { items?: { $ref?: string } }>
    $defs: Record<string, { required?: string[] }>
  }
  return (table) => schema.$defs[schema.properties[table]?.items?.$ref?.split('/').pop() ?? '']?.required ?? []
}
