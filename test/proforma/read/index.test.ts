/** The entry point: the reader is picked by extension, files are bounded, and every failure is one typed error. */
import { randomBytes } from 'node:crypto'
import { mkdir, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow } from 'docx'
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { UnreadableDocumentError } from '../../../proforma/errors.ts'
import { readSupplierDocument, SUPPORTED_EXTENSIONS } from '../../../proforma/read/index.ts'
import { failure, tempFolder } from './helpers.ts'

const folder = tempFolder()
const ROWS = [
  ['Name', 'Description'],
  ['UpdMech-USB', 'From a USB stick'],
]

async function refusal(file: string, options?: { maxBytes?: number }): Promise<string> {
  const err = await failure(() => readSupplierDocument(file, options))
  expect(err).toBeInstanceOf(UnreadableDocumentError)
  expect(err).toMatchObject({ code: 'E_IMPORT_READ', file })
  return (err as Error).message
}

describe('readSupplierDocument', () => {
  it('picks the reader by extension, in any case', async () => {
    const markdown = '# IXIT 7-UpdMech\n\n| Name | Description |\n|---|---|\n| UpdMech-USB | From a USB stick |\n'
    const docx = await Packer.toBuffer(
      new Document({
        sections: [
          {
            children: [
              new Paragraph({ text: 'IXIT 7-UpdMech', heading: HeadingLevel.HEADING_1 }),
              new Table({
                rows: ROWS.map((row) => new TableRow({ children: row.map((text) => new TableCell({ children: [new Paragraph(text)] })) })),
              }),
            ],
          },
        ],
      }),
    )
    const workbook = new ExcelJS.Workbook()
    workbook.addWorksheet('IXIT 7-UpdMech').addRows(ROWS)
    const xlsx = new Uint8Array(await workbook.xlsx.writeBuffer())
    const files: [string, string | Uint8Array, string, string][] = [
      ['a.md', markdown, 'line 3', 'IXIT 7-UpdMech'],
      ['b.MARKDOWN', markdown, 'line 3', 'IXIT 7-UpdMech'],
      ['c.Docx', docx, 'table 1', 'IXIT 7-UpdMech'],
      ['d.XLSX', xlsx, 'sheet "IXIT 7-UpdMech"', 'IXIT 7-UpdMech'],
      ['IXIT 7-UpdMech.CSV', 'Name,Description\nUpdMech-USB,From a USB stick\n', 'line 1', 'IXIT 7-UpdMech'],
    ]
    for (const [name, content, where, heading] of files) {
      const file = await folder.put(name, content)
      expect(await readSupplierDocument(file)).toEqual({
        file,
        notes: [],
        grids: [{ origin: { file, where }, headings: [heading], caption: '', rows: ROWS }],
      })
    }
  })

  it('strips a UTF-8 byte order mark and reads UTF-16 text with one', async () => {
    const csv = 'Name,Description\nUpdMech-USB,From a USB stick\n'
    const utf8 = await folder.put('bom8.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv)]))
    const utf16 = await folder.put('bom16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')]))
    const md = await folder.put('bom.md', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('| Name |\n|---|\n| x |\n')]))
    expect((await readSupplierDocument(utf8)).grids.map((g) => g.rows)).toEqual([ROWS])
    expect((await readSupplierDocument(utf16)).grids.map((g) => g.rows)).toEqual([ROWS])
    expect((await readSupplierDocument(md)).grids.map((g) => g.rows)).toEqual([[['Name'], ['x']]])
  })

  it('refuses text that is not UTF-8, naming where', async () => {
    const file = await folder.put('latin1.csv', Buffer.from('Name,Description\nUpdMech-USB,Mise à jour\n', 'latin1'))
    expect(await refusal(file)).toBe(
      `${file}: byte 0xE0 at line 2, column 18 is not UTF-8: save the file as UTF-8 text (it looks like another encoding, e.g. Windows-1252)`,
    )
  })

  it('refuses an unknown extension, listing the supported ones', async () => {
    const pdf = await folder.put('ixit.pdf', '%PDF-1.7')
    const bare = await folder.put('IXIT', 'x')
    expect(await refusal(pdf)).toBe(`${pdf}: cannot import a ".pdf" file: supported are ${SUPPORTED_EXTENSIONS.join(', ')}`)
    expect(await refusal(bare)).toBe(`${bare}: cannot import a file without an extension: supported are .md, .markdown, .docx, .xlsx, .csv`)
  })

  it('refuses a file over the size limit, naming the limit', async () => {
    const small = await folder.put('big.md', '| a |\n|---|\n| b |\n')
    expect(await refusal(small, { maxBytes: 10 })).toBe(
      `${small}: the file is 18 bytes, above the limit of 10 bytes for a supplier document; check that this is the right file`,
    )
    const sparse = await folder.put('huge.xlsx', '')
    await truncate(sparse, 17 * 1024 * 1024)
    expect(await refusal(sparse)).toBe(
      `${sparse}: the file is 17 MiB (17825792 bytes), above the limit of 16 MiB (16777216 bytes) for a supplier document; check that this is the right file`,
    )
  })

  it('refuses corrupt Office files, a missing file and a folder with one-line reasons', async () => {
    const docx = await folder.put('random.docx', Buffer.from([0x13, ...randomBytes(300)]))
    const xlsx = await folder.put('text.xlsx', 'Name,Description\n')
    const zip = await folder.put('zip.docx', Buffer.concat([Buffer.from('PK\x03\x04'), randomBytes(300)]))
    const dir = join(folder.path(), 'dir.md')
    await mkdir(dir)
    expect(await refusal(docx)).toBe(`${docx}: is not a Word .docx file: the file is not a ZIP package, as every Office file is`)
    expect(await refusal(xlsx)).toBe(`${xlsx}: is not an Excel .xlsx file: the file is not a ZIP package, as every Office file is`)
    expect(await refusal(zip)).toBe(`${zip}: cannot be read as a Word .docx file: Corrupted zip: can't find end of central directory`)
    expect(await refusal(join(folder.path(), 'missing.md'))).toMatch(
      /: cannot open the file: ENOENT: no such file or directory, open '.*missing\.md'$/,
    )
    expect(await refusal(dir)).toBe(`${dir}: is not a regular file (a directory, device, FIFO or socket)`)
  })
})
