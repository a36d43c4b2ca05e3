import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { loadAssessment } from '../../ixit/load.ts'
import { positionOf, read, REFERENCE, tempAssessment } from './helpers.ts'

async function referenceAsJson(): Promise<{ ics: Record<string, unknown>; ixit: Record<string, unknown> }> {
  return {
    ics: parse(await read(join(REFERENCE, 'ics.yaml'))) as Record<string, unknown>,
    ixit: parse(await read(join(REFERENCE, 'ixit.yaml'))) as Record<string, unknown>,
  }
}

const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n'

describe('JSON documents', () => {
  it('are accepted in place of YAML and give the same assessment', async () => {
    const { ics, ixit } = await referenceAsJson()
    const dir = await tempAssessment({ 'ics.json': json(ics), 'ixit.json': json(ixit) })
    const fromJson = await loadAssessment(dir)
    const fromYaml = await loadAssessment(REFERENCE)
    expect(fromJson.findings).toEqual([])
    expect(fromJson.assessment?.ics.file).toBe(join(dir, 'ics.json'))
    expect(fromJson.assessment?.ixit.files).toEqual([join(dir, 'ixit.json')])
    const withoutSources = (v: unknown) => JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'source' ? undefined : x)))
    expect(withoutSources(fromJson.assessment?.ixit['7-UpdMech'])).toEqual(withoutSources(fromYaml.assessment?.ixit['7-UpdMech']))
  })

  it('have positions: an entry at its first key, an error at the offending value', async () => {
    const { ics, ixit } = await referenceAsJson()
    const good = json(ixit)
    const dir = await tempAssessment({ 'ics.json': json(ics), 'ixit.json': good })
    const loaded = await loadAssessment(dir)
    expect(loaded.assessment?.ixit['7-UpdMech'][1]?.source).toEqual({
      file: join(dir, 'ixit.json'),
      ...positionOf(good, '"id": "UpdMech-LocalUpload"', '"id"'),
    })

    const bad = good.replace('"delivery": "network"', '"delivery": "cloud"')
    const broken = await tempAssessment({ 'ics.json': json(ics), 'ixit.json': bad })
    expect((await loadAssessment(broken)).findings).toEqual([
      {
        severity: 'error',
        code: 'schema',
        file: join(broken, 'ixit.json'),
        ...positionOf(bad, '"delivery": "cloud"', '"cloud"'),
        pointer: '/7-UpdMech/0/facts/delivery',
        message: '/7-UpdMech/0/facts/delivery: expected one of "network", "local", found "cloud"',
      },
    ])
  })

  it('can be mixed with YAML, document by document', async () => {
    const { ixit } = await referenceAsJson()
    const decisions = {
      decisions: [
        {
          unit: '5.3-8-1a',
          target: 'UpdProc-1',
          verdict: 'PASS',
          rationale: 'Time frames are adequate.',
          assessor: 'A. Assessor',
          date: '2025-06-02',
        },
      ],
    }
    const dir = await tempAssessment({ 'ixit.json': json(ixit), 'decisions.json': json(decisions) }, REFERENCE)
    await rm(join(dir, 'ixit.yaml'))
    await rm(join(dir, 'decisions.yaml'))
    const loaded = await loadAssessment(dir)
    expect(loaded.findings).toEqual([])
    expect(loaded.assessment?.decisions).toEqual([
      { ...decisions.decisions[0], source: { file: join(dir, 'decisions.json'), ...positionOf(json(decisions), '"unit"') } },
    ])
  })

  it('must not duplicate a YAML document of the same name', async () => {
    const { ics } = await referenceAsJson()
    const dir = await tempAssessment({ 'ics.json': json(ics) }, REFERENCE)
    const loaded = await loadAssessment(dir)
    expect(loaded.assessment).toBeUndefined()
    expect(loaded.findings).toMatchObject([{ code: 'duplicate-document', file: join(dir, 'ics.json'), line: 1, column: 1 }])
  })
})

describe('an ixit/ folder', () => {
  async function split(): Promise<Record<string, string>> {
    const { ics, ixit } = await referenceAsJson()
    const { '6-SoftComp': soft, '7-UpdMech': mech, ...rest } = ixit
    return {
      'ics.json': json(ics),
      'ixit/10-mechanisms.yaml': stringify({ '6-SoftComp': soft, '7-UpdMech': mech }),
      'ixit/20-rest.json': json(rest),
      'ixit/README.md': 'Not a document; ignored.\n',
    }
  }

  it('holds the tables in several files, read in name order', async () => {
    const dir = await tempAssessment(await split())
    const loaded = await loadAssessment(dir)
    expect(loaded.findings).toEqual([])
    const ixit = loaded.assessment?.ixit
    expect(ixit?.files).toEqual([join(dir, 'ixit', '10-mechanisms.yaml'), join(dir, 'ixit', '20-rest.json')])
    expect(ixit?.['7-UpdMech'][0]?.source.file).toBe(join(dir, 'ixit', '10-mechanisms.yaml'))
    expect(ixit?.['8-UpdProc'][0]?.source.file).toBe(join(dir, 'ixit', '20-rest.json'))
    expect(ixit?.['6-SoftComp'].map((c) => c.id)).toEqual(['SoftComp-BootROM', 'SoftComp-Firmware', 'SoftComp-WebUI'])
    expect(loaded.assessment?.dut).toBe('TS701-REF-1')
  })

  it('must not give a table in two files', async () => {
    const files = await split()
    const rest = JSON.parse(files['ixit/20-rest.json'] ?? '{}') as Record<string, unknown>
    const again = json({ ...rest, '7-UpdMech': [] })
    const dir = await tempAssessment({ ...files, 'ixit/20-rest.json': again })
    const first = positionOf(files['ixit/10-mechanisms.yaml'] ?? '', '\n7-UpdMech:', '7-UpdMech')
    const loaded = await loadAssessment(dir)
    expect(loaded.assessment).toBeUndefined()
    expect(loaded.findings).toEqual([
      {
        severity: 'error',
        code: 'duplicate-table',
        file: join(dir, 'ixit', '20-rest.json'),
        ...positionOf(again, '"7-UpdMech"'),
        pointer: '/7-UpdMech',
        message: `/7-UpdMech: table "7-UpdMech" is already given in ${join(dir, 'ixit', '10-mechanisms.yaml')}:${first.line}:${first.column}; a table may appear in only one file`,
      },
    ])
  })

  it('cannot be combined with an ixit file', async () => {
    const { 'ics.json': _, ...folder } = await split()
    const dir = await tempAssessment(folder, REFERENCE)
    const loaded = await loadAssessment(dir)
    expect(loaded.findings).toMatchObject([{ code: 'duplicate-document', file: join(dir, 'ixit'), line: 1, column: 1 }])
  })

  it('must hold at least one document', async () => {
    const dir = await tempAssessment({ 'ixit/notes.txt': 'nothing here\n' }, REFERENCE)
    await rm(join(dir, 'ixit.yaml'))
    const loaded = await loadAssessment(dir)
    expect(loaded.findings).toMatchObject([{ code: 'missing-document', file: join(dir, 'ixit'), line: 1, column: 1 }])
  })
})
