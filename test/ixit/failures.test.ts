import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadAssessment } from '../../ixit/load.ts'
import { positionOf, read, REFERENCE, tempAssessment } from './helpers.ts'

const MINIMAL_ICS = 'constrained: false\nprovisions: {}\n'

describe('a folder that cannot be an assessment', () => {
  it('is reported, not thrown, when it does not exist', async () => {
    const dir = join(await tempAssessment(), 'no-such-device')
    const loaded = await loadAssessment(dir)
    expect(loaded.assessment).toBeUndefined()
    expect(loaded.findings).toEqual([
      {
        severity: 'error',
        code: 'missing-document',
        file: dir,
        line: 1,
        column: 1,
        message: expect.stringMatching(/^cannot read assessment folder: ENOENT/),
      },
    ])
  })

  it('is reported when it is a file', async () => {
    const file = join(await tempAssessment({ 'ics.yaml': MINIMAL_ICS }), 'ics.yaml')
    const loaded = await loadAssessment(file)
    expect(loaded.findings).toMatchObject([{ code: 'missing-document', file, line: 1, column: 1 }])
  })

  it('names each missing document', async () => {
    const dir = await tempAssessment()
    const loaded = await loadAssessment(dir)
    expect(loaded.findings.map((f) => [f.code, f.file, f.line, f.column, f.message])).toEqual([
      ['missing-document', dir, 1, 1, 'no ICS document (expected ics.yaml, ics.yml or ics.json)'],
      ['missing-document', dir, 1, 1, 'no IXIT document (expected ixit.yaml, ixit.yml, ixit.json or an ixit/ folder)'],
    ])
  })

  it('needs an ICS even when the IXIT is fine', async () => {
    const dir = await tempAssessment({ 'ixit.yaml': await read(join(REFERENCE, 'ixit.yaml')) })
    const loaded = await loadAssessment(dir)
    expect(loaded.assessment).toBeUndefined()
    expect(loaded.findings).toMatchObject([{ code: 'missing-document', file: dir, message: expect.stringMatching(/no ICS/) }])
  })

  it('accepts the .yml spelling', async () => {
    const dir = await tempAssessment({ 'ics.yml': MINIMAL_ICS, 'ixit.yml': '{}\n' })
    const loaded = await loadAssessment(dir)
    expect(loaded.findings).toEqual([])
    expect(loaded.assessment?.dut).toBe(dir.split('/').at(-1))
    expect(loaded.assessment?.ixit['7-UpdMech']).toEqual([])
  })
})

describe('a document that does not parse', () => {
  it('gives a yaml-syntax finding at the parser position and the other documents are still checked', async () => {
    const dir = await tempAssessment({}, REFERENCE)
    const broken = 'constrained: false\nprovisions:\n  5.3-1:\n    support: "Y\n    detail: unterminated\n'
    await writeFile(join(dir, 'ics.yaml'), broken)
    const ixit = (await read(join(dir, 'ixit.yaml'))).replace('delivery: local', 'delivery: usb')
    await writeFile(join(dir, 'ixit.yaml'), ixit)

    const loaded = await loadAssessment(dir)
    expect(loaded.assessment).toBeUndefined()
    expect(loaded.findings.map((f) => [f.code, f.file, f.line, f.column])).toEqual([
      ['yaml-syntax', join(dir, 'ics.yaml'), 6, 1],
      ['schema', join(dir, 'ixit.yaml'), positionOf(ixit, 'delivery: usb', 'usb').line, positionOf(ixit, 'delivery: usb', 'usb').column],
    ])
    expect(loaded.findings[0]?.message).toBe('invalid YAML: Missing closing "quote')
  })

  it('reports a duplicate key at the second key', async () => {
    const text = 'constrained: false\nprovisions: {}\nconstrained: true\n'
    const dir = await tempAssessment({ 'ics.yaml': text, 'ixit.yaml': '{}\n' })
    expect((await loadAssessment(dir)).findings).toEqual([
      {
        severity: 'error',
        code: 'duplicate-key',
        file: join(dir, 'ics.yaml'),
        line: 3,
        column: 1,
        message: 'duplicate key "constrained" in YAML mapping',
      },
    ])
  })

  it('reports a JSON syntax error with its position', async () => {
    const dir = await tempAssessment({ 'ics.yaml': MINIMAL_ICS, 'ixit.json': '{\n  "7-UpdMech": [,]\n}\n' })
    expect((await loadAssessment(dir)).findings).toMatchObject([
      { code: 'yaml-syntax', file: join(dir, 'ixit.json'), line: 2, column: 17, message: expect.stringMatching(/^invalid JSON: /) },
    ])
  })

  it('reports an empty document once, at its start', async () => {
    const dir = await tempAssessment({ 'ics.yaml': '# nothing yet\n', 'ixit.yaml': '{}\n' })
    expect((await loadAssessment(dir)).findings).toEqual([
      {
        severity: 'error',
        code: 'schema',
        file: join(dir, 'ics.yaml'),
        line: 1,
        column: 1,
        pointer: '',
        message: 'the document is empty (expected object at the top level)',
      },
    ])
  })
})

describe('schema findings', () => {
  async function ixitFindings(ixit: string) {
    const dir = await tempAssessment({ 'ics.yaml': MINIMAL_ICS, 'ixit.yaml': ixit })
    return (await loadAssessment(dir)).findings
  }

  it('suggest the table a misspelled table ID was meant to be', async () => {
    expect(await ixitFindings('7-UpdMch: []\n')).toMatchObject([
      {
        code: 'schema',
        line: 1,
        column: 1,
        pointer: '',
        message: expect.stringMatching(/^unknown property "7-UpdMch" \(did you mean "7-UpdMech"\? allowed: \$schema, 2-UserInfo/),
      },
    ])
  })

  it('merge several missing properties of one object into one line', async () => {
    expect(await ixitFindings('8-UpdProc:\n  - id: UpdProc-1\n')).toMatchObject([
      { line: 2, column: 5, pointer: '/8-UpdProc/0', message: '/8-UpdProc/0: missing required properties "description", "timeFrame"' },
    ])
  })

  it('say what an ID must look like', async () => {
    expect(await ixitFindings('8-UpdProc:\n  - id: my proc\n    description: ""\n    timeFrame: ""\n')).toMatchObject([
      { line: 2, column: 9, message: '/8-UpdProc/0/id: expected Entry ID (e.g. "UpdMech-1"), found "my proc"' },
    ])
  })

  it('check the shape of the checking period', async () => {
    const mech = (period: string) =>
      `7-UpdMech:\n  - id: M\n    description: ""\n    securityGuarantees: ""\n    cryptographicDetails: ""\n` +
      `    initiationAndInteraction: ""\n    configuration: ""\n    updateChecking: ""\n    userNotification: ""\n` +
      `    facts:\n      checking: { by: dut, afterInitialization: true, period: ${period} }\n`
    expect(await ixitFindings(mech('PT12H'))).toEqual([])
    expect(await ixitFindings(mech('daily'))).toMatchObject([
      {
        ...positionOf(mech('daily'), 'daily'),
        message: '/7-UpdMech/0/facts/checking/period: expected ISO-8601 duration (e.g. "P1D"), found "daily"',
      },
    ])
  })

  it('report a wrong type once, not also as a wrong enum value', async () => {
    const ics = 'constrained: false\nprovisions:\n  5.3-1: { support: 1, detail: x }\n'
    const dir = await tempAssessment({ 'ics.yaml': ics, 'ixit.yaml': '{}\n' })
    expect((await loadAssessment(dir)).findings).toMatchObject([
      { ...positionOf(ics, 'support: 1', '1'), message: '/provisions/5.3-1/support: expected string, found 1 (write it in quotes: "1")' },
    ])
  })

  it('point at an invalid provision ID', async () => {
    const ics = 'constrained: false\nprovisions:\n  5.3-1: { support: Y, detail: x }\n  5.4-1: { support: Y, detail: x }\n'
    const dir = await tempAssessment({ 'ics.yaml': ics, 'ixit.yaml': '{}\n' })
    expect((await loadAssessment(dir)).findings).toMatchObject([
      {
        line: 4,
        column: 3,
        pointer: '/provisions',
        message: '/provisions: invalid property name "5.4-1", expected Provision ID (e.g. "5.3-1")',
      },
    ])
  })
})

describe('cross-references', () => {
  const decision = (unit: string, target?: string) =>
    `  - unit: ${unit}\n${target ? `    target: ${target}\n` : ''}    verdict: PASS\n    rationale: ok\n    assessor: A\n    date: 2025-06-02\n`

  it('reject two decisions for the same unit and target, at the second', async () => {
    const text = 'decisions:\n' + decision('5.3-8-1a', 'UpdProc-1') + decision('5.3-8-1a') + decision('5.3-8-1a', 'UpdProc-1')
    const dir = await tempAssessment({ 'decisions.yaml': text }, REFERENCE)
    expect((await loadAssessment(dir)).findings).toEqual([
      {
        severity: 'error',
        code: 'duplicate-decision',
        file: join(dir, 'decisions.yaml'),
        ...positionOf(text, '- unit', 'unit', 3),
        pointer: '/decisions/2',
        message: '/decisions/2: duplicate decision for unit 5.3-8-1a on UpdProc-1 (first at line 2)',
      },
    ])
  })

  it('do not guess targets while an IXIT entry lacks a usable ID', async () => {
    const ixit = '8-UpdProc:\n  - description: ""\n    timeFrame: ""\n'
    const dir = await tempAssessment({
      'ics.yaml': MINIMAL_ICS,
      'ixit.yaml': ixit,
      'decisions.yaml': 'decisions:\n' + decision('5.3-8-1a', 'UpdProc-1'),
    })
    expect((await loadAssessment(dir)).findings.map((f) => f.code)).toEqual(['schema'])
  })

  it('tell a reference to the wrong table from an unknown ID', async () => {
    const ixit = (await read(join(REFERENCE, 'ixit.yaml'))).replace(
      'updateMechanisms: [UpdMech-Network]',
      'updateMechanisms: [UpdMech-Network, UpdProc-1]',
    )
    const dir = await tempAssessment({ 'ixit.yaml': ixit }, REFERENCE)
    expect((await loadAssessment(dir)).findings).toMatchObject([
      {
        code: 'dangling-reference',
        ...positionOf(ixit, 'UpdProc-1]', 'UpdProc-1'),
        pointer: '/6-SoftComp/2/updateMechanisms/1',
        message: '/6-SoftComp/2/updateMechanisms/1: "UpdProc-1" is a 8-UpdProc entry, not a 7-UpdMech entry',
      },
    ])
  })
})
