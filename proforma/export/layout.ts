/**
 * What an exported pro-forma document contains, independent of the file format: headings,
 * paragraphs and tables of cell texts. Each renderer (Markdown, Word) only draws these blocks,
 * so every format carries the same structure, and the importer reads all of them the same way.
 */
import type { IcsDocument, IxitDocument } from '../../ixit/documents.ts'
import { formatCell } from '../cells.ts'
import { ICS_TABLE, TABLES, type TableSpec } from '../tables.ts'

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; text: string }
  /** The first row is the header row. */
  | { kind: 'table'; rows: string[][] }

export interface ExportDocuments {
  ics?: IcsDocument
  ixit: IxitDocument
}

export interface LayoutOptions {
  /** The document title, e.g. `TS701-REF-1: ICS and IXIT`. */
  title: string
}

const INTRO =
  'This document was produced by ts701 export. It holds the ICS and IXIT pro-forma tables with the entry IDs ts701 uses. ' +
  'Edit it as your source document and bring the changes back with ts701 import.'

/** The header row of the two-column tables (the ICS "constrained" answer and every IXIT entry). */
export const FIELD_VALUE_HEADER: readonly string[] = ['Field', 'Value']

export function layout(docs: ExportDocuments, options: LayoutOptions): Block[] {
  const blocks: Block[] = [
    { kind: 'heading', level: 1, text: options.title },
    { kind: 'paragraph', text: INTRO },
  ]
  if (docs.ics) blocks.push(...icsBlocks(docs.ics))
  for (const spec of TABLES) {
    const entries = docs.ixit[spec.id]
    if (entries) blocks.push(...ixitBlocks(spec, entries))
  }
  return blocks
}

function icsBlocks(ics: IcsDocument): Block[] {
  const rows = Object.entries(ics.provisions).map(([provision, entry]) => {
    const values: Record<string, unknown> = { ...entry, provision }
    return ICS_TABLE.fields.map((field) => formatCell(field.kind, values[field.key]))
  })
  return [
    { kind: 'heading', level: 2, text: `ICS: ${ICS_TABLE.title}` },
    { kind: 'table', rows: [[...FIELD_VALUE_HEADER], [ICS_TABLE.constrained.title, formatCell('yesno', ics.constrained)]] },
    { kind: 'table', rows: [ICS_TABLE.fields.map((field) => field.title), ...rows] },
  ]
}

function ixitBlocks(spec: TableSpec, entries: readonly object[]): Block[] {
  const blocks: Block[] = [{ kind: 'heading', level: 2, text: `IXIT ${spec.number}-${spec.prefix}: ${spec.title}` }]
  for (const entry of entries) {
    const values = entry as Record<string, unknown>
    const rows = spec.fields
      // The heading carries the ID; a field the entry leaves out gets no row, so import does not invent it.
      .filter((field) => field.key !== 'id' && values[field.key] !== undefined)
      .map((field) => [field.title, formatCell(field.kind, values[field.key])])
    // What import could not map goes back under the supplier's own headings, to come back as notes again.
    const notes = Object.entries((values.notes ?? {}) as Record<string, string>)
    rows.push(...notes.map(([heading, text]) => [heading, text]))
    blocks.push({ kind: 'heading', level: 3, text: String(values.id ?? '') }, { kind: 'table', rows: [[...FIELD_VALUE_HEADER], ...rows] })
  }
  return blocks
}
