/**
 * The export layout as a Word document. Headings use Word's built-in Heading 1 to 3 styles (with
 * their outline level), so they show in the navigation pane and converters such as mammoth map
 * them to h1 to h3; tables have a bold, repeating header row, and a line break in a cell becomes
 * a paragraph of its own.
 */
import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableLayoutType, TableRow, TextRun, WidthType } from 'docx'
import type { Block } from './layout.ts'

/** A4 with one-inch margins, in twips; the tables span the width between the margins. */
const PAGE = { width: 11906, height: 16838, margin: 1440 }
/** The width tables span: A4 less the margins, in twips. */
export const TEXT_WIDTH = PAGE.width - 2 * PAGE.margin
/** Columns before the last are sized to their text, between these bounds; the last one takes the rest. */
const MIN_COLUMN = 900
const MAX_COLUMN = Math.round(TEXT_WIDTH * 0.3)
const TWIPS_PER_CHARACTER = 110
const CELL_PADDING = 250

const HEADINGS = { 1: HeadingLevel.HEADING_1, 2: HeadingLevel.HEADING_2, 3: HeadingLevel.HEADING_3 } as const
const LINE_BREAK = /\r\n|\r|\n/
/** Characters XML 1.0 does not allow; Word refuses a document that contains them. */
const NOT_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

export async function renderDocx(blocks: Block[]): Promise<Buffer> {
  const children = blocks.flatMap((block): (Paragraph | Table)[] => {
    switch (block.kind) {
      case 'heading':
        return [
          new Paragraph({
            heading: HEADINGS[block.level],
            outlineLevel: block.level - 1,
            children: [new TextRun(clean(block.text.replace(/\s*(?:\r\n|\r|\n)\s*/g, ' ')))],
          }),
        ]
      case 'paragraph':
        return block.text.split(LINE_BREAK).map((line) => new Paragraph({ children: [new TextRun(clean(line))] }))
      case 'table':
        // The empty paragraph keeps two tables in a row apart (Word would join them) and ends the document properly.
        return block.rows.length === 0 ? [] : [table(block.rows), new Paragraph({})]
    }
  })
  const document = new Document({
    sections: [{ properties: { page: { size: { width: PAGE.width, height: PAGE.height }, margin: margins() } }, children }],
  })
  return Packer.toBuffer(document)
}

function margins() {
  return { top: PAGE.margin, right: PAGE.margin, bottom: PAGE.margin, left: PAGE.margin }
}

function table(rows: string[][]): Table {
  const widths = columnWidths(rows)
  return new Table({
    width: { size: TEXT_WIDTH, type: WidthType.DXA },
    columnWidths: widths,
    layout: TableLayoutType.FIXED,
    rows: rows.map(
      (cells, r) =>
        new TableRow({
          // Only set on the header row: mammoth takes any tblHeader element, even one set off, as a header row.
          ...(r === 0 ? { tableHeader: true } : {}),
          children: widths.map((width, c) => tableCell(cells[c] ?? '', width, r === 0)),
        }),
    ),
  })
}

function tableCell(value: string, width: number, bold: boolean): TableCell {
  return new TableCell({
    width: { size: width, type: WidthType.DXA },
    children: value
      .split(LINE_BREAK)
      .map((line) => new Paragraph({ children: [new TextRun(bold ? { text: clean(line), bold } : clean(line))] })),
  })
}

/**
 * Column widths in twips: the columns before the last sized to their longest line (IDs, field
 * names, yes/no stay narrow, at most 30 % of the width), the rest of the width for the last column.
 */
export function columnWidths(rows: string[][]): number[] {
  const count = Math.max(...rows.map((r) => r.length))
  const widths: number[] = []
  for (let c = 0; c < count - 1; c++) {
    const longest = Math.max(0, ...rows.flatMap((r) => (r[c] ?? '').split(LINE_BREAK).map((line) => line.length)))
    widths.push(Math.min(MAX_COLUMN, Math.max(MIN_COLUMN, longest * TWIPS_PER_CHARACTER + CELL_PADDING)))
  }
  const rest = TEXT_WIDTH - widths.reduce((a, b) => a + b, 0)
  return [...widths, Math.max(MIN_COLUMN, rest)]
}

function clean(text: string): string {
  return text.replace(NOT_XML, '')
}
