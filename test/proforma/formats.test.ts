/**
 * One IXIT 7 in every format a supplier may write it: Markdown (as committed), Word and
 * spreadsheets (built here from the same words) must import to the same ixit.yaml; sloppy
 * documents still import, and say what they lacked.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, VerticalMergeType } from 'docx'
import ExcelJS from 'exceljs'
import { parse } from 'yaml'
import { beforeAll, describe, expect, it } from 'vitest'
import { tableSpec } from '../../proforma/tables.ts'
import { tempDir, ts701InProcess } from '../cli/helpers.ts'

type Mech = Record<string, string>

const FIELDS = tableSpec('7-UpdMech').fields.filter((f) => f.kind === 'text')
let mechanisms: Mech[]
let dir: string

beforeAll(async () => {
  mechanisms = (parse(await readFile('test/proforma/documents/updmech-three.yaml', 'utf8')) as { '7-UpdMech': Mech[] })['7-UpdMech']
  dir = await tempDir('proforma-formats')
})

/** Imports `files` into a fresh folder; the YAML without its header comment (which names the source), and the report. */
async function imported(...files: string[]): Promise<{ yaml: string; report: string; stdout: string }> {
  const out = await tempDir('proforma-out')
  const r = await ts701InProcess(['import', ...files, '--out', out])
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  const yaml = (await readFile(join(out, 'ixit.yaml'), 'utf8')).replace(/^#.*\n/gm, '').replace(/^\$schema: .*\n/m, '')
  return { yaml, report: await readFile(join(out, 'import-report.md'), 'utf8'), stdout: r.stdout }
}

const cell = (text: string, verticalMerge?: (typeof VerticalMergeType)[keyof typeof VerticalMergeType]): TableCell =>
  new TableCell({ children: text.split('\n').map((line) => new Paragraph(line)), ...(verticalMerge && { verticalMerge }) })
const row = (cells: TableCell[]): TableRow => new TableRow({ children: cells })

async function word(name: string, children: Array<Paragraph | Table>): Promise<string> {
  const file = join(dir, name)
  await writeFile(file, await Packer.toBuffer(new Document({ sections: [{ children }] })))
  return file
}

describe('the same IXIT 7 in Markdown, Word and spreadsheets', () => {
  it('imports to the same ixit.yaml from a Word document with a Field/Value table per mechanism', async () => {
    const md = await imported('test/proforma/documents/updmech-three.md')
    const docx = await word('ixit7.docx', [
      new Paragraph({ text: 'IXIT 7-UpdMech: Update Mechanisms', heading: HeadingLevel.HEADING_1 }),
      ...mechanisms.flatMap((m) => [
        new Paragraph({ text: m.id!, heading: HeadingLevel.HEADING_2 }),
        new Table({ rows: [row([cell('Field'), cell('Value')]), ...FIELDS.map((f) => row([cell(f.title), cell(m[f.key]!)]))] }),
      ]),
    ])
    expect((await imported(docx)).yaml).toBe(md.yaml)
  })

  it('imports to the same ixit.yaml from a spreadsheet with a row per mechanism and from its CSV', async () => {
    const md = await imported('test/proforma/documents/updmech-three.md')
    const workbook = new ExcelJS.Workbook()
    const sheet = workbook.addWorksheet('IXIT 7-UpdMech')
    sheet.addRow(['Update mechanisms of TS701-REF-1'])
    sheet.addRow(['ID', ...FIELDS.map((f) => f.title)])
    for (const m of mechanisms) sheet.addRow([m.id, ...FIELDS.map((f) => m[f.key])])
    const xlsx = join(dir, 'ixit7.xlsx')
    await workbook.xlsx.writeFile(xlsx)
    expect((await imported(xlsx)).yaml).toBe(md.yaml)

    const csv = join(dir, 'IXIT 7-UpdMech.csv')
    const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`
    await writeFile(
      csv,
      [['ID', ...FIELDS.map((f) => f.title)], ...mechanisms.map((m) => [m.id!, ...FIELDS.map((f) => m[f.key]!)])]
        .map((r) => r.map(quoted).join(','))
        .join('\r\n'),
    )
    expect((await imported(csv)).yaml).toBe(md.yaml)
  })
})

describe('sloppy supplier documents', () => {
  it('reads merged cells, line breaks, headings in another case and unknown columns, and names the missing tables', async () => {
    const [a, b] = mechanisms as [Mech, Mech]
    const docx = await word('sloppy.docx', [
      new Paragraph({ text: 'ixit 7 - UPDATE MECHANISMS', heading: HeadingLevel.HEADING_2 }),
      new Table({
        rows: [
          row([cell('Nr.'), cell('description'), cell('CONFIGURATION'), cell('Vendor remarks')]),
          row([
            cell('7-UpdMech-1'),
            cell(`${a.description}\nSee also the release notes.`),
            cell('Settings page', VerticalMergeType.RESTART),
            cell('reviewed'),
          ]),
          row([cell('7-UpdMech-2'), cell(b.description!), cell('', VerticalMergeType.CONTINUE), cell('')]),
        ],
      }),
    ])
    const { yaml, report, stdout } = await imported(docx)
    const entries = (parse(yaml) as { '7-UpdMech': Array<Record<string, unknown>> })['7-UpdMech']
    expect(entries.map((e) => [e.id, e.description, e.configuration, e.notes])).toEqual([
      ['UpdMech-1', `${a.description}\nSee also the release notes.`, 'Settings page', { 'Vendor remarks': 'reviewed' }],
      ['UpdMech-2', b.description, 'Settings page', undefined],
    ])
    expect(report).toContain('| IXIT 7-UpdMech | UpdMech-1, UpdMech-2 | ID, Description, Configuration | Vendor remarks |')
    expect(report).toContain(
      '- UpdMech-1 (IXIT 7-UpdMech): Security Guarantees, Cryptographic Details, Initiation and Interaction, Update Checking, User Notification',
    )
    expect(report).toContain('- IXIT 6-SoftComp: Software Components')
    expect(stdout).toContain('Write the ICS (ics.yaml)')
  })

  it('names the tables the chosen edition reads: 26-UserDec only for EN 303 645 V3', async () => {
    const tablesToAdd = async (standard: string) => {
      const r = await ts701InProcess([
        'import',
        'test/proforma/documents/updmech-three.md',
        '--out',
        await tempDir('proforma-ed'),
        '--standard',
        standard,
      ])
      return r.stdout.split('\n').find((l) => l.includes('Add the IXIT tables'))
    }
    expect(await tablesToAdd('en303645-v3.1.3')).toBe(
      '  - Add the IXIT tables 2-UserInfo, 4-Conf, 6-SoftComp, 8-UpdProc, 9-ReplSup, 26-UserDec.',
    )
    expect(await tablesToAdd('en303645-v2.1.1')).toBe('  - Add the IXIT tables 2-UserInfo, 4-Conf, 6-SoftComp, 8-UpdProc, 9-ReplSup.')
  })

  it('refuses a file it cannot read with one line naming it, and writes nothing', async () => {
    const bad = join(dir, 'broken.docx')
    await writeFile(bad, 'not a zip')
    const out = await tempDir('proforma-bad')
    const r = await ts701InProcess(['import', bad, '--out', out])
    expect(r.code).toBe(3)
    expect(r.stderr).toBe(`ts701: ${bad}: is not a Word .docx file: the file is not a ZIP package, as every Office file is`)
    const none = await ts701InProcess(['import', 'test/proforma/documents/updmech-three.yaml', '--out', out])
    expect(none.stderr).toMatch(/^ts701: test\/proforma\/documents\/updmech-three\.yaml: cannot import /)
  })

  it('refuses a Word file that would unpack to more than a pro-forma can need, before unpacking it', async () => {
    const bytes = await Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph('x')] }] }))
    // Declare one member as 2 GiB in the central directory, as a ZIP bomb's members are.
    const directory = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
    bytes.writeUInt32LE(0x7fffffff, directory + 24)
    const bomb = join(dir, 'bomb.docx')
    await writeFile(bomb, bytes)
    const r = await ts701InProcess(['import', bomb, '--out', await tempDir('proforma-bomb')])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(
      new RegExp(`^ts701: ${bomb}: unpacks to 2049 MiB, more than the 128 MiB a pro-forma can need: refused before unpacking it$`),
    )
  })

  it('keeps an earlier import unless --force', async () => {
    const out = await tempDir('proforma-again')
    expect((await ts701InProcess(['import', 'test/proforma/documents/updmech-three.md', '--out', out])).code).toBe(0)
    const again = await ts701InProcess(['import', 'test/proforma/documents/updmech-three.md', '--out', out])
    expect([again.code, again.stderr]).toEqual([
      3,
      `ts701: ${join(out, 'ixit.yaml')} already exists; give --force to replace, or another --out`,
    ])
    expect((await ts701InProcess(['import', 'test/proforma/documents/updmech-three.md', '--out', out, '--force'])).code).toBe(0)
  })
})
