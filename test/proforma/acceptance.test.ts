/**
 * A supplier's IXIT 7 written as Markdown in the pro-forma's words, imported, linted, confirmed and
 * run, against the same mechanisms written by hand in ixit.yaml: the conceptual verdicts must be
 * the same once the suggested facts are confirmed, and must not be before.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse, parseDocument } from 'yaml'
import { beforeAll, describe, expect, it } from 'vitest'
import { EXAMPLE } from '../helpers.ts'
import { tempDir, ts701, ts701InProcess } from '../cli/helpers.ts'

const DOCUMENTS = 'test/proforma/documents'
const MARKDOWN = join(DOCUMENTS, 'updmech-three.md')
const HAND_WRITTEN = join(DOCUMENTS, 'updmech-three.yaml')

/** The reference assessment with its 7-UpdMech replaced by `updmech` (a file of that table alone). */
async function assessmentWith(updmech: string): Promise<string> {
  const dir = await tempDir('proforma-accept')
  await cp(join(EXAMPLE, 'ics.yaml'), join(dir, 'ics.yaml'))
  await mkdir(join(dir, 'ixit'))
  const rest = parseDocument(await readFile(join(EXAMPLE, 'ixit.yaml'), 'utf8'))
  rest.delete('7-UpdMech')
  rest.delete('$schema')
  const firmware = (rest.toJS() as { '6-SoftComp': Array<{ id: string }> })['6-SoftComp'].findIndex((c) => c.id === 'SoftComp-Firmware')
  rest.setIn(['6-SoftComp', firmware, 'updateMechanisms'], ['UpdMech-Network', 'UpdMech-LocalUpload', 'UpdMech-Service'])
  await writeFile(join(dir, 'ixit', '1-other-tables.yaml'), rest.toString())
  await writeFile(join(dir, 'ixit', '2-updmech.yaml'), updmech)
  return dir
}

interface UnitVerdict {
  unit: string
  target?: string
  verdict: string
}

async function conceptualVerdicts(dir: string): Promise<UnitVerdict[]> {
  const out = join(dir, 'run')
  const r = ts701(['run', '--assessment', dir, '--conceptual-only', '--out', out])
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /)
  type Results = { groups: Array<{ cases: Array<{ units: Array<{ id: string; target?: string; verdict: string }> }> }> }
  const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as Results
  return results.groups.flatMap((g) =>
    g.cases.flatMap((c) => c.units.map((u) => ({ unit: u.id, ...(u.target && { target: u.target }), verdict: u.verdict }))),
  )
}

const confirmAll = (yaml: string): string => yaml.replace(/^\s*suggested: true\n/gm, '')

describe('ts701 import of a Markdown IXIT 7 with three mechanisms', () => {
  let imported: string
  let importOut: string

  beforeAll(async () => {
    importOut = await tempDir('proforma-import')
    const r = await ts701InProcess(['import', MARKDOWN, '--out', importOut])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    imported = await readFile(join(importOut, 'ixit.yaml'), 'utf8')
  })

  it('writes the prose word for word, and facts only as suggestions quoting their sentences', async () => {
    type Mech = { id: string; facts?: Record<string, { value: unknown; quote: string; suggested?: boolean }> } & Record<string, unknown>
    const got = (parse(imported) as { '7-UpdMech': Mech[] })['7-UpdMech']
    const want = (parse(await readFile(HAND_WRITTEN, 'utf8')) as { '7-UpdMech': Mech[] })['7-UpdMech']
    expect(got.map((m) => m.id)).toEqual(['UpdMech-Network', 'UpdMech-LocalUpload', 'UpdMech-Service'])
    const prose = (m: Mech) => Object.fromEntries(Object.entries(m).filter(([k]) => k !== 'facts'))
    expect(got.map(prose)).toEqual(want.map(prose))
    const markdown = (await readFile(MARKDOWN, 'utf8')).replace(/\s+/g, ' ')
    for (const m of got) {
      for (const [name, fact] of Object.entries(m.facts ?? {})) {
        expect(fact.suggested, `${m.id} ${name}`).toBe(true)
        expect(markdown, `${m.id} ${name}`).toContain(fact.quote)
      }
    }
    expect(await readFile(join(importOut, 'import-report.md'), 'utf8')).toContain(
      '| UpdMech-Service | integrityProtection | "checksum" | Security Guarantees | The image is protected by a CRC32 checksum against transmission errors. |',
    )
  })

  it('lints clean, listing each suggested fact with its sentence until the supplier confirms it', async () => {
    const dir = await assessmentWith(imported)
    const before = await ts701InProcess(['lint', dir])
    expect(before.code).toBe(0)
    const notes = before.stderr.split('\n').filter((l) => l !== '')
    expect(notes.length).toBeGreaterThan(10)
    for (const line of notes)
      expect(line).toMatch(/^\S+2-updmech\.yaml:\d+:\d+: note: UpdMech-\w+: suggested fact \w+ = .+, read from ".+"\. /)
    expect(before.stdout).toBe(`${dir}: no errors, ${notes.length} suggested facts to confirm`)

    await writeFile(join(dir, 'ixit', '2-updmech.yaml'), confirmAll(imported))
    const after = await ts701InProcess(['lint', dir])
    expect([after.code, after.stderr, after.stdout]).toEqual([0, '', `${dir}: no errors`])
  })

  it('gives the conceptual verdicts of the hand-written IXIT once the suggestions are confirmed, and not before', async () => {
    const [handWritten, confirmed, unconfirmed] = await Promise.all([
      readFile(HAND_WRITTEN, 'utf8').then(assessmentWith),
      assessmentWith(confirmAll(imported)),
      assessmentWith(imported),
    ])
    const want = await conceptualVerdicts(handWritten)
    // The comparison means something only if the facts decide verdicts both ways.
    expect(want.some((u) => u.verdict === 'FAIL')).toBe(true)
    expect(want.some((u) => u.verdict === 'PASS')).toBe(true)
    expect(await conceptualVerdicts(confirmed)).toEqual(want)
    // Unconfirmed suggestions are not facts: some unit must come out otherwise.
    expect(await conceptualVerdicts(unconfirmed)).not.toEqual(want)
  })
})
