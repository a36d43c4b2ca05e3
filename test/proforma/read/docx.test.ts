/** Word pro-formas, built with the docx package at test time: merged cells, line breaks, headings, captions. */
import { randomBytes } from 'node:crypto'
import { CheckBox, Document, HeadingLevel, ImageRun, Packer, Paragraph, Table, TableCell, TableRow, TextRun, VerticalMergeType } from 'docx'
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { UnreadableDocumentError } from '../../../proforma/errors.ts'
import { readDocx } from '../../../proforma/read/docx.ts'
import { failure } from './helpers.ts'

type Block = Paragraph | Table

interface CellOptions {
  columnSpan?: number
  verticalMerge?: (typeof VerticalMergeType)[keyof typeof VerticalMergeType]
}

/** A cell holding one paragraph per line (a paragraph can also be given as is, e.g. with a line break run). */
function cell(content: string | (string | Paragraph | Table)[], options: CellOptions = {}): TableCell {
  const parts = typeof content === 'string' ? [content] : content
  return new TableCell({ ...options, children: parts.map((p) => (typeof p === 'string' ? new Paragraph(p) : p)) })
}

function table(rows: TableCell[][]): Table {
  return new Table({ rows: rows.map((cells) => new TableRow({ children: cells })) })
}

const heading = (text: string, level: (typeof HeadingLevel)[keyof typeof HeadingLevel]) => new Paragraph({ text, heading: level })

async function docxOf(...children: Block[]): Promise<Buffer> {
  return Packer.toBuffer(new Document({ sections: [{ children }] }))
}

describe('readDocx', () => {
  it('reads entries as rows under the heading naming the table, with merged cells repeated and line breaks kept', async () => {
    const bytes = await docxOf(
      heading('Annex B: IXIT', HeadingLevel.HEADING_1),
      heading('IXIT 7-UpdMech', HeadingLevel.HEADING_2),
      new Paragraph('Table 7: Update mechanisms'),
      table([
        [cell('Name'), cell('Description'), cell(''), cell('Security guarantees')],
        [
          cell('UpdMech-Network'),
          cell(['Over the air', 'via HTTPS']),
          cell(''),
          cell('Signed image', { verticalMerge: VerticalMergeType.RESTART }),
        ],
        [cell(''), cell(''), cell(''), cell('', { verticalMerge: VerticalMergeType.CONTINUE })],
        [
          cell('UpdMech-USB'),
          cell([new Paragraph({ children: [new TextRun('From a   USB stick'), new TextRun({ text: 'at the service port', break: 1 })] })]),
          cell(''),
          cell('', { verticalMerge: VerticalMergeType.CONTINUE }),
        ],
        [cell('Both mechanisms share one signing key', { columnSpan: 2 }), cell(''), cell('Yes')],
      ]),
    )
    const doc = await readDocx('ixit.docx', bytes)
    expect(doc).toEqual({
      file: 'ixit.docx',
      notes: [],
      grids: [
        {
          origin: { file: 'ixit.docx', where: 'table 1' },
          headings: ['Annex B: IXIT', 'IXIT 7-UpdMech'],
          caption: 'Table 7: Update mechanisms',
          rows: [
            ['Name', 'Description', 'Security guarantees'],
            ['UpdMech-Network', 'Over the air\nvia HTTPS', 'Signed image'],
            // The middle row holds only the vertically merged cell's text, so it is kept.
            ['', '', 'Signed image'],
            ['UpdMech-USB', 'From a USB stick\nat the service port', 'Signed image'],
            ['Both mechanisms share one signing key', 'Both mechanisms share one signing key', 'Yes'],
          ],
        },
      ],
    })
  })

  it('reads one table per entry, numbered in document order, under a heading in any case', async () => {
    const fieldTable = (description: string) =>
      table([
        [cell('Field'), cell('Value')],
        [cell('Description'), cell(description)],
      ])
    const bytes = await docxOf(
      heading('ixit 7 - update mechanisms', HeadingLevel.HEADING_1),
      heading('UpdMech-Network', HeadingLevel.HEADING_3),
      fieldTable('Over the air'),
      heading('UpdMech-USB', HeadingLevel.HEADING_2),
      new Paragraph('A'.repeat(161)),
      fieldTable('From a USB stick'),
      heading('IXIT 8-UpdProc', HeadingLevel.HEADING_1),
      table([[cell(''), cell('')]]),
      fieldTable('Automatic'),
    )
    const doc = await readDocx('entries.docx', bytes)
    expect(doc.grids.map((g) => [g.origin.where, g.headings, g.caption, g.rows])).toEqual([
      [
        'table 1',
        ['ixit 7 - update mechanisms', 'UpdMech-Network'],
        '',
        [
          ['Field', 'Value'],
          ['Description', 'Over the air'],
        ],
      ],
      [
        'table 2',
        ['ixit 7 - update mechanisms', 'UpdMech-USB'],
        '',
        [
          ['Field', 'Value'],
          ['Description', 'From a USB stick'],
        ],
      ],
      [
        'table 4',
        ['IXIT 8-UpdProc'],
        '',
        [
          ['Field', 'Value'],
          ['Description', 'Automatic'],
        ],
      ],
    ])
    expect(doc.notes).toEqual(['table 3: the table holds no text; it was skipped'])
  })

  it('reads a table nested in a cell as that cell text, one line per row', async () => {
    const inner = table([
      [cell('a'), cell('b')],
      [cell('c'), cell('')],
    ])
    const bytes = await docxOf(
      table([
        [cell('Field'), cell('Value')],
        [cell('Versions'), cell(['Supported:', inner])],
      ]),
    )
    const doc = await readDocx('nested.docx', bytes)
    expect(doc.grids.map((g) => g.rows)).toEqual([
      [
        ['Field', 'Value'],
        ['Versions', 'Supported:\na | b\nc'],
      ],
    ])
    expect(doc.notes).toEqual(["table 1: a table inside a cell was read as that cell's text, one line per row"])
  })

  it('reads Word checkboxes as the ticked or empty box they show', async () => {
    const box = (checked: boolean, label: string) => new Paragraph({ children: [new CheckBox({ checked }), new TextRun(` ${label}`)] })
    const bytes = await docxOf(table([[cell('Supported'), cell([box(true, 'Yes'), box(false, 'No')])]]))
    const doc = await readDocx('boxes.docx', bytes)
    expect(doc.grids.map((g) => g.rows)).toEqual([[['Supported', '☒ Yes\n☐ No']]])
  })

  it('notes images it cannot read: an image-only table is skipped, images beside text are left out', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')
    const image = () => new Paragraph({ children: [new ImageRun({ type: 'png', data: png, transformation: { width: 10, height: 10 } })] })
    const bytes = await docxOf(
      table([[cell([image()]), cell([image()])]]),
      table([
        [cell('Field'), cell('Value')],
        [cell('Logo'), cell(['Company logo', image()])],
      ]),
    )
    const doc = await readDocx('images.docx', bytes)
    expect(doc.grids.map((g) => [g.origin.where, g.rows])).toEqual([
      [
        'table 2',
        [
          ['Field', 'Value'],
          ['Logo', 'Company logo'],
        ],
      ],
    ])
    expect(doc.notes).toEqual([
      'table 1: the table holds no text (only images); it was skipped',
      'table 2: 1 image(s) inside cells were left out; only text is read',
    ])
  })

  it('refuses random bytes, a text file and a workbook named .docx, with E_IMPORT_READ and a one-line reason', async () => {
    const workbook = new ExcelJS.Workbook()
    workbook.addWorksheet('S').getCell('A1').value = 'x'
    const xlsx = Buffer.from(await workbook.xlsx.writeBuffer())
    const cases: [Buffer, string][] = [
      [
        Buffer.from([0x13, ...randomBytes(400)]),
        'bad.docx: is not a Word .docx file: the file is not a ZIP package, as every Office file is',
      ],
      [
        Buffer.from('| Name | Value |\n|---|---|\n'),
        'bad.docx: is not a Word .docx file: the file is not a ZIP package, as every Office file is',
      ],
      [
        Buffer.concat([Buffer.from('PK\x03\x04'), randomBytes(400)]),
        "bad.docx: cannot be read as a Word .docx file: Corrupted zip: can't find end of central directory",
      ],
      [xlsx, 'bad.docx: cannot be read as a Word .docx file: Could not find the body element: are you sure this is a docx file?'],
      [
        Buffer.from('d0cf11e0a1b11ae1' + '00'.repeat(100), 'hex'),
        'bad.docx: is not a Word .docx file but an older .doc file or a password-protected document: save it as an unprotected .docx',
      ],
    ]
    for (const [bytes, message] of cases) {
      const err = await failure(() => readDocx('bad.docx', bytes))
      expect(err).toBeInstanceOf(UnreadableDocumentError)
      expect(err).toMatchObject({ code: 'E_IMPORT_READ', file: 'bad.docx', message })
    }
  })
})
