import { copyFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseDocument, isMap, isSeq } from 'yaml'
import { describe, expect, it } from 'vitest'
import { appendDecision, readDecisionsFile, type NewDecision } from '../../decide/decisions-file.ts'
import { DecideError } from '../../decide/errors.ts'
import { loadAssessment } from '../../ixit/load.ts'
import { validateDocument } from '../../ixit/schemas.ts'
import { parseSource } from '../../ixit/source.ts'
import { exampleCopy, tempDir } from '../cli/helpers.ts'
import { EXAMPLE } from '../helpers.ts'

const DECISION: NewDecision = {
  unit: '5.3-8-1a',
  target: 'UpdProc-3',
  verdict: 'FAIL',
  rationale: 'The time frame names no deadline for critical findings.',
  assessor: 'T. Tester',
  date: '2026-12-02',
}

const LONG = 'The support page states the end date in plain words and the quick-start guide links to it; a layperson finds it in two steps.'

async function folderWith(text: string | undefined, name = 'decisions.yaml'): Promise<{ dir: string; file: string }> {
  const dir = await tempDir('decide-file')
  const file = join(dir, name)
  if (text !== undefined) await writeFile(file, text)
  return { dir, file }
}

async function exampleDecisions(): Promise<{ dir: string; file: string }> {
  const { dir, file } = await folderWith(undefined)
  await copyFile(join(EXAMPLE, 'decisions.yaml'), file)
  return { dir, file }
}

/** Schema-valid as the loader checks documents: no finding at all. */
async function schemaFindings(file: string) {
  const parsed = parseSource(file, await readFile(file, 'utf8'))
  expect(parsed.findings).toEqual([])
  return validateDocument('decisions', parsed.doc!).findings
}

function lastDecision(text: string) {
  const seq = parseDocument(text).get('decisions', true)
  if (!isSeq(seq)) throw new Error('no decisions list')
  const last = seq.items.at(-1)
  if (!isMap(last)) throw new Error('last decision is not a mapping')
  return last
}

describe('readDecisionsFile', () => {
  it('names the existing file and the units and targets it decides', async () => {
    const { dir, file } = await exampleDecisions()
    const read = await readDecisionsFile(dir)
    expect(read.path).toBe(file)
    expect(read.decided).toContainEqual({ unit: '5.3-8-1a', target: 'UpdProc-1' })
    expect(read.decided).toContainEqual({ unit: '5.3-10-1c' })
    expect(read.decided).toHaveLength(16)
  })

  it('without a decisions document, points at decisions.yaml to be created', async () => {
    const { dir, file } = await folderWith(undefined)
    expect(await readDecisionsFile(dir)).toEqual({ path: file, decided: [] })
  })

  it('finds a decisions document written as JSON', async () => {
    const { dir, file } = await folderWith('{"decisions": []}', 'decisions.json')
    expect((await readDecisionsFile(dir)).path).toBe(file)
  })

  it('refuses a folder that does not exist, with a stable code', async () => {
    const err = await readDecisionsFile('/nonexistent/ts701-assessment').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DecideError)
    expect((err as DecideError).code).toBe('E_DECIDE_FOLDER')
  })

  it('refuses a document that does not parse, naming the place', async () => {
    const { dir } = await folderWith('decisions:\n  - unit: 5.3-8-1a\n   verdict: [PASS\n')
    const err = await readDecisionsFile(dir).catch((e: unknown) => e)
    expect((err as DecideError).code).toBe('E_DECIDE_DECISIONS')
    expect((err as DecideError).message).toMatch(/decisions\.yaml:\d+:\d+: error:/)
  })

  it('refuses a document the schema rejects', async () => {
    const { dir } = await folderWith('decisions:\n  - unit: 5.3-8-1a\n    verdict: MAYBE\n')
    const err = await readDecisionsFile(dir).catch((e: unknown) => e)
    expect((err as DecideError).code).toBe('E_DECIDE_DECISIONS')
    expect((err as DecideError).message).toContain('not a valid decisions document')
  })
})

describe('appendDecision', () => {
  it('adds the decision after the last one and leaves every byte before it as it was', async () => {
    const { file } = await exampleDecisions()
    const before = await readFile(file, 'utf8')
    await appendDecision(file, DECISION)
    const after = await readFile(file, 'utf8')
    expect(after.startsWith(before)).toBe(true)
    expect(after.slice(before.length)).toBe(
      [
        '  - unit: 5.3-8-1a',
        '    target: UpdProc-3',
        '    verdict: FAIL',
        '    rationale: The time frame names no deadline for critical findings.',
        '    assessor: T. Tester',
        '    date: 2026-12-02',
        '',
      ].join('\n'),
    )
    expect(await schemaFindings(file)).toEqual([])
  })

  it('writes what a run loads: the whole assessment still loads, with the new decision in it', async () => {
    const dir = await exampleCopy()
    await appendDecision(join(dir, 'decisions.yaml'), { ...DECISION, target: 'UpdProc-2', unit: '5.3-1-1a' })
    const { assessment, findings } = await loadAssessment(dir)
    expect(findings.filter((f) => f.severity === 'error')).toEqual([])
    expect(assessment!.decisions.at(-1)).toMatchObject({ unit: '5.3-1-1a', target: 'UpdProc-2', verdict: 'FAIL', assessor: 'T. Tester' })
  })

  it('folds a long rationale into a block scalar, keeps the key order and the text', async () => {
    const { file } = await exampleDecisions()
    await appendDecision(file, { ...DECISION, rationale: LONG })
    const text = await readFile(file, 'utf8')
    const last = lastDecision(text)
    expect(last.items.map((p) => String(p.key))).toEqual(['unit', 'target', 'verdict', 'rationale', 'assessor', 'date'])
    expect(last.get('rationale')).toBe(LONG)
    expect(text).toMatch(/rationale: >-\n {6}The support page/)
    expect(await schemaFindings(file)).toEqual([])
  })

  it('leaves out the target of a unit run once per DUT', async () => {
    const { file } = await exampleDecisions()
    const { target: _, ...perDut } = DECISION
    await appendDecision(file, { ...perDut, unit: '5.3-15A-2b' })
    expect(lastDecision(await readFile(file, 'utf8')).toJSON()).toEqual({ ...perDut, unit: '5.3-15A-2b' })
  })

  it('keeps comments and later keys when the list is not at the end of the document', async () => {
    const text = [
      '# assessor notes',
      'decisions:',
      '- unit: 5.3-8-1a # first',
      '  target: UpdProc-1',
      '  verdict: PASS',
      '  rationale: fine',
      '  assessor: A',
      '  date: 2026-01-01',
      '# the schema, for editors',
      '$schema: ./decisions.schema.json',
      '',
    ].join('\n')
    const { file } = await folderWith(text)
    await appendDecision(file, DECISION)
    const after = await readFile(file, 'utf8')
    expect(after).toContain('- unit: 5.3-8-1a # first\n')
    expect(after).toContain('  date: 2026-01-01\n- unit: 5.3-8-1a\n  target: UpdProc-3\n')
    expect(after.endsWith('# the schema, for editors\n$schema: ./decisions.schema.json\n')).toBe(true)
    expect(await schemaFindings(file)).toEqual([])
  })

  it('appends to a file without a final newline', async () => {
    const { file } = await folderWith(
      'decisions:\n  - unit: 5.3-8-1a\n    verdict: PASS\n    rationale: ok\n    assessor: A\n    date: 2026-01-01',
    )
    await appendDecision(file, DECISION)
    expect(parseDocument(await readFile(file, 'utf8')).toJS().decisions).toHaveLength(2)
    expect(await schemaFindings(file)).toEqual([])
  })

  it('keeps the Windows line ends of a file saved with them', async () => {
    const { file } = await folderWith(
      'decisions:\r\n  - unit: 5.3-8-1a\r\n    verdict: PASS\r\n    rationale: ok\r\n    assessor: A\r\n    date: 2026-01-01\r\n',
    )
    await appendDecision(file, DECISION)
    const after = await readFile(file, 'utf8')
    expect(after.replaceAll('\r\n', '')).not.toContain('\n')
    expect(parseDocument(after).toJS().decisions).toHaveLength(2)
  })

  it('turns an empty flow list into a block list', async () => {
    const { file } = await folderWith('# nothing decided yet\ndecisions: []\n')
    await appendDecision(file, DECISION)
    const after = await readFile(file, 'utf8')
    expect(after).toMatch(/^# nothing decided yet\ndecisions:\n {2}- unit: 5\.3-8-1a\n/)
    expect(await schemaFindings(file)).toEqual([])
  })

  it('creates a missing file with a $schema line and a header comment', async () => {
    const { dir, file } = await folderWith(undefined)
    await appendDecision(file, DECISION)
    const text = await readFile(file, 'utf8')
    expect(text).toMatch(/^# yaml-language-server: \$schema=\S*ixit\/schemas\/decisions\.schema\.json\n/)
    expect(text).toMatch(/\n\$schema: \S*ixit\/schemas\/decisions\.schema\.json\n/)
    expect(await schemaFindings(file)).toEqual([])
    expect((await readDecisionsFile(dir)).decided).toEqual([{ unit: '5.3-8-1a', target: 'UpdProc-3' }])
  })

  it('keeps a JSON document JSON', async () => {
    const { file } = await folderWith('{"decisions": []}\n', 'decisions.json')
    await appendDecision(file, DECISION)
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ decisions: [DECISION] })
  })

  it('refuses a second decision on the same unit and target and leaves the file alone', async () => {
    const { file } = await exampleDecisions()
    const before = await readFile(file, 'utf8')
    const err = await appendDecision(file, { ...DECISION, target: 'UpdProc-1' }).catch((e: unknown) => e)
    expect((err as DecideError).code).toBe('E_DECIDE_DECISIONS')
    expect((err as DecideError).message).toContain('duplicate decision')
    expect(await readFile(file, 'utf8')).toBe(before)
  })

  it('refuses to write into a document that became invalid meanwhile', async () => {
    const { file } = await folderWith('decisions: {}\n')
    const err = await appendDecision(file, DECISION).catch((e: unknown) => e)
    expect((err as DecideError).code).toBe('E_DECIDE_DECISIONS')
    expect(await readFile(file, 'utf8')).toBe('decisions: {}\n')
  })
})
