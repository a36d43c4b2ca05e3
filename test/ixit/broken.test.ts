import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { formatFinding } from '../../ixit/findings.ts'
import { loadAssessment, type LoadResult } from '../../ixit/load.ts'
import { BROKEN, positionOf, read } from './helpers.ts'

const ICS = join(BROKEN, 'ics.yaml')
const IXIT = join(BROKEN, 'ixit.yaml')
const DECISIONS = join(BROKEN, 'decisions.yaml')

describe('the broken example', () => {
  let result: LoadResult
  let text: Record<string, string>
  const at = (file: string, context: string, mark = context, nth = 1) => ({
    file,
    ...positionOf(text[file] ?? '', context, mark, nth),
  })

  beforeAll(async () => {
    result = await loadAssessment(BROKEN)
    text = { [ICS]: await read(ICS), [IXIT]: await read(IXIT), [DECISIONS]: await read(DECISIONS) }
  })

  it('yields no assessment', () => {
    expect(result.assessment).toBeUndefined()
  })

  it('reports exactly the planted problems, in document order, each at the offending node', () => {
    const planted = [
      {
        ...at(DECISIONS, 'target: UpdProc-9', 'UpdProc-9'),
        code: 'unknown-target',
        pointer: '/decisions/1/target',
        message: '/decisions/1/target: no IXIT entry has the ID "UpdProc-9"',
      },
      {
        ...at(ICS, 'support: yes', 'yes'),
        code: 'schema',
        pointer: '/provisions/5.3-1/support',
        message: '/provisions/5.3-1/support: expected one of "Y", "N", "N/A", found "yes"',
      },
      {
        // A missing property is reported at the object that lacks it.
        ...at(ICS, '5.3-7:\n    support: Y', 'support'),
        code: 'schema',
        pointer: '/provisions/5.3-7',
        message: '/provisions/5.3-7: missing required property "detail"',
      },
      {
        ...at(IXIT, 'updateMechanisms: [UpdMech-1, UpdMech-3]', 'UpdMech-3'),
        code: 'dangling-reference',
        pointer: '/6-SoftComp/0/updateMechanisms/1',
        message: '/6-SoftComp/0/updateMechanisms/1: no 7-UpdMech entry has the ID "UpdMech-3" (7-UpdMech IDs: UpdMech-1, UpdMech-2)',
      },
      {
        ...at(IXIT, 'keySize: 2048 bits', '2048 bits'),
        code: 'schema',
        pointer: '/7-UpdMech/0/facts/signature/keySize',
        message: '/7-UpdMech/0/facts/signature/keySize: expected integer, found "2048 bits"',
      },
      {
        // The misspelling is one problem: no separate "missing updateChecking".
        ...at(IXIT, '    updateCheking:', 'updateCheking'),
        code: 'schema',
        pointer: '/7-UpdMech/1',
        message:
          '/7-UpdMech/1: unknown property "updateCheking" (did you mean "updateChecking"? allowed: id, description, ' +
          'securityGuarantees, cryptographicDetails, initiationAndInteraction, configuration, updateChecking, ' +
          'userNotification, facts, notes)',
      },
      {
        ...at(IXIT, 'delivery: cloud', 'cloud'),
        code: 'schema',
        pointer: '/7-UpdMech/1/facts/delivery',
        message: '/7-UpdMech/1/facts/delivery: expected one of "network", "local", found "cloud"',
      },
      {
        // The second use of the ID is the duplicate.
        ...at(IXIT, 'id: UpdProc-1', 'UpdProc-1', 2),
        code: 'duplicate-id',
        pointer: '/8-UpdProc/1/id',
        message: `/8-UpdProc/1/id: duplicate ID "UpdProc-1" (first used in 8-UpdProc at line ${at(IXIT, 'id: UpdProc-1').line})`,
      },
    ].map((f) => ({ severity: 'error', ...f }))

    expect(result.findings).toEqual(planted)
  })

  it('accepts empty prose fields: judging them is for the rules, not the schema', () => {
    expect(result.findings.filter((f) => /securityGuarantees|configuration|userNotification/.test(f.pointer ?? ''))).toEqual([])
  })

  it('formats each finding as one compiler-style line', () => {
    for (const f of result.findings) {
      const line = formatFinding(f)
      expect(line).not.toMatch(/\n/)
      expect(line.startsWith(`${f.file}:${f.line}:${f.column}: error: `)).toBe(true)
      expect(line.endsWith(f.message)).toBe(true)
    }
    expect(formatFinding(result.findings[1]!)).toBe(
      `${ICS}:8:14: error: /provisions/5.3-1/support: expected one of "Y", "N", "N/A", found "yes"`,
    )
  })
})
