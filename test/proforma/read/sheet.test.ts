/** Spreadsheet pro-formas: workbooks built with exceljs at test time, and CSV text. */
import { randomBytes } from 'node:crypto'
import { Document, Packer, Paragraph } from 'docx'
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { UnreadableDocumentError } from '../../../proforma/errors.ts'
import { readCsv, readXlsx } from '../../../proforma/read/sheet.ts'
import { failure } from './helpers.ts'

async function bytesOf(workbook: ExcelJS.Workbook): Promise<Buffer> {
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

describe('readXlsx', () => {
  it('reads one grid per sheet: title row as caption, merged cells repeated, values as text, blank sheet skipped', async () => {
    const workbook = new ExcelJS.Workbook()
    const mechanisms = workbook.addWorksheet('IXIT 7-UpdMech')
    mechanisms.getCell('A1').value = 'IXIT 7-UpdMech: Update mechanisms'
    mechanisms.mergeCells('A1:E1')
    // Row 2 left empty, column B is a spacer column.
    mechanisms.getRow(3).values = ['Name', null, 'Description', 'Release date', 'Signed']
    mechanisms.getRow(4).values = ['UpdMech-Network', null, 'Over the air\r\nvia   HTTPS', new Date(Date.UTC(2024, 2, 5)), true]
    mechanisms.getRow(5).values = [
      'UpdMech-USB',
      null,
      { richText: [{ text: 'From a ' }, { text: 'USB', font: { bold: true } }, { text: ' stick' }] },
    ]
    mechanisms.mergeCells('D5:E5')
    mechanisms.getCell('D5').value = 'not released'
    mechanisms.getRow(6).values = ['UpdMech-App', null, { text: 'see the manual', hyperlink: 'https://example.com/manual' }]
    mechanisms.getCell('D6').value = { formula: 'D4+1', result: new Date(Date.UTC(2024, 2, 6)) }
    mechanisms.getCell('E6').value = false
    mechanisms.mergeCells('A7:A8')
    mechanisms.getCell('A7').value = 'UpdMech-Both'
    mechanisms.getCell('C7').value = 'Alt-enter\nline break'
    mechanisms.getCell('C8').value = 2.5
    mechanisms.getCell('D8').value = { formula: '1+1', result: 2 }

    const entry = workbook.addWorksheet('UpdMech-Network')
    entry.addRow(['Field', 'Value'])
    entry.addRow(['Description', 'Over the air'])
    workbook.addWorksheet('Blank')

    const doc = await readXlsx('ixit.xlsx', await bytesOf(workbook))
    expect(doc).toEqual({
      file: 'ixit.xlsx',
      notes: [],
      grids: [
        {
          origin: { file: 'ixit.xlsx', where: 'sheet "IXIT 7-UpdMech"' },
          headings: ['IXIT 7-UpdMech'],
          caption: 'IXIT 7-UpdMech: Update mechanisms',
          rows: [
            ['Name', 'Description', 'Release date', 'Signed'],
            ['UpdMech-Network', 'Over the air\nvia HTTPS', '2024-03-05', 'true'],
            ['UpdMech-USB', 'From a USB stick', 'not released', 'not released'],
            ['UpdMech-App', 'see the manual', '2024-03-06', 'false'],
            ['UpdMech-Both', 'Alt-enter\nline break', '', ''],
            ['UpdMech-Both', '2.5', '2', ''],
          ],
        },
        {
          origin: { file: 'ixit.xlsx', where: 'sheet "UpdMech-Network"' },
          headings: ['UpdMech-Network'],
          caption: '',
          rows: [
            ['Field', 'Value'],
            ['Description', 'Over the air'],
          ],
        },
      ],
    })
  })

  it('keeps a lone first cell as a row when no table with several columns follows it', async () => {
    const workbook = new ExcelJS.Workbook()
    const list = workbook.addWorksheet('Names')
    list.addRow(['Name'])
    list.addRow(['UpdMech-Network'])
    list.addRow(['UpdMech-USB'])
    const doc = await readXlsx('list.xlsx', await bytesOf(workbook))
    expect(doc.grids.map((g) => [g.caption, g.rows])).toEqual([['', [['Name'], ['UpdMech-Network'], ['UpdMech-USB']]]])
  })

  it('notes formulas without a saved result and reads them as empty', async () => {
    const workbook = new ExcelJS.Workbook()
    const sheet = workbook.addWorksheet('S')
    sheet.addRow(['Field', 'Value'])
    sheet.addRow(['Count', { formula: 'A9*2' }])
    const doc = await readXlsx('f.xlsx', await bytesOf(workbook))
    expect(doc.grids.map((g) => g.rows)).toEqual([
      [
        ['Field', 'Value'],
        ['Count', ''],
      ],
    ])
    expect(doc.notes).toEqual([
      'sheet "S": 1 formula cell(s) have no saved result and were read as empty (B2); open and save the file in a spreadsheet application',
    ])
  })

  it('refuses random bytes, a text file and a Word document named .xlsx, with E_IMPORT_READ', async () => {
    const docx = await Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph('hello')] }] }))
    const cases: [Buffer, string][] = [
      [
        Buffer.from([0x13, ...randomBytes(400)]),
        'bad.xlsx: is not an Excel .xlsx file: the file is not a ZIP package, as every Office file is',
      ],
      [
        Buffer.from('Name,Value\nUpdMech-USB,stick\n'),
        'bad.xlsx: is not an Excel .xlsx file: the file is not a ZIP package, as every Office file is',
      ],
      [Buffer.alloc(0), 'bad.xlsx: is not an Excel .xlsx file: the file is empty'],
      [
        Buffer.concat([Buffer.from('PK\x03\x04'), randomBytes(400)]),
        "bad.xlsx: cannot be read as an Excel .xlsx file: Corrupted zip: can't find end of central directory",
      ],
      [docx, 'bad.xlsx: is not an Excel .xlsx file: it holds no worksheets (is it a Word or other Office file renamed?)'],
    ]
    for (const [bytes, message] of cases) {
      const err = await failure(() => readXlsx('bad.xlsx', bytes))
      expect(err).toBeInstanceOf(UnreadableDocumentError)
      expect(err).toMatchObject({ code: 'E_IMPORT_READ', message })
    }
  })
})

describe('readCsv', () => {
  it('reads one grid named after the file, with quoted fields, line breaks and values kept as written', () => {
    const text = [
      'IXIT 7-UpdMech: Update mechanisms,,,',
      ',,,',
      'Name,,Description,Version',
      'UpdMech-Network,,"Over the air,',
      'via ""HTTPS""",1.10',
      'UpdMech-USB,,From a  USB stick,007',
      '',
    ].join('\r\n')
    expect(readCsv('/tmp/x/ixit 7.upd.csv', text)).toEqual({
      file: '/tmp/x/ixit 7.upd.csv',
      notes: [],
      grids: [
        {
          origin: { file: '/tmp/x/ixit 7.upd.csv', where: 'line 1' },
          headings: ['ixit 7.upd'],
          caption: 'IXIT 7-UpdMech: Update mechanisms',
          rows: [
            ['Name', 'Description', 'Version'],
            ['UpdMech-Network', 'Over the air,\nvia "HTTPS"', '1.10'],
            ['UpdMech-USB', 'From a USB stick', '007'],
          ],
        },
      ],
    })
  })

  it('reads semicolon-separated files (Excel in many European locales) and Excel "sep=" hints', () => {
    const semicolons = '\n\nField;Value\nDescription;"Over the air; signed"\n'
    expect(readCsv('a.csv', semicolons).grids.map((g) => [g.origin.where, g.caption, g.rows])).toEqual([
      [
        'line 3',
        '',
        [
          ['Field', 'Value'],
          ['Description', 'Over the air; signed'],
        ],
      ],
    ])
    const hinted = 'sep=|\nField|Value, with comma\nName|UpdMech-USB'
    expect(readCsv('b.csv', hinted).grids.map((g) => [g.origin.where, g.rows])).toEqual([
      [
        'line 2',
        [
          ['Field', 'Value, with comma'],
          ['Name', 'UpdMech-USB'],
        ],
      ],
    ])
  })

  it('reads an empty or blank file as no grid', () => {
    expect(readCsv('e.csv', '')).toEqual({ file: 'e.csv', grids: [], notes: [] })
    expect(readCsv('e.csv', ',,\n  ,\t,\n')).toEqual({ file: 'e.csv', grids: [], notes: [] })
  })
})
